"""The cost of issue 21: closed years and the Évolution sheet with a year of nightly history.

An alliance of 4 000 projects (benchmarks/generate.py) is synchronised once; the history is
then grown to 365 nights by copying that night's rows in SQL, one night a day (the records
of every night are kept, as ``alliance-sync run`` keeps them), and 2020-2021 is closed with
the first night. Measured, in this process:

- a whole ``run_sync`` on that history (median of ``--repeat``);
- what issue 21 adds to it: the closed-year comparison (``closed_year_findings``), the
  reported figures of Par année (``reported_years``) and the Évolution points
  (``evolution``), on the same report (median of ``--repeat``), and their share of the run;
- the history's growth for one more night with nothing changed, against the size of that
  night's records.

    python benchmarks/closing.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.generate import DEFAULT_DATA, Size, build_alliance
from sync.config import load_config
from sync.history import History
from sync.history.closed_years import closed_year_findings
from sync.history.closures import close_year, reported_years
from sync.history.evolution import evolution
from sync.history.identity import alliance_identity
from sync.pipeline import build_report
from sync.runner import run_sync
from sync.steps import Tracer

YEAR = Size("year", 1_334, 870)  # 3 × 1 334 ≈ 4 000 projects
NIGHTS = 365
TABLES = ("projects", "payments", "findings", "totals", "sources")


def grow(db: Path, nights: int) -> None:
    """Copy run 1 as runs 2 … ``nights``, one night a day before it."""
    with sqlite3.connect(db) as conn:
        columns = {t: [r[1] for r in conn.execute(f"PRAGMA table_info({t})")] for t in (*TABLES, "runs")}
        first = dt.datetime.fromisoformat(conn.execute("SELECT started_at FROM runs WHERE id = 1").fetchone()[0])
        conn.execute("UPDATE runs SET started_at = ? WHERE id = 1", ((first - dt.timedelta(days=nights)).isoformat(),))
        run_columns = [c for c in columns["runs"] if c != "id"]
        for night in range(2, nights + 1):
            when = (first - dt.timedelta(days=nights - night + 1)).isoformat()
            listed = ", ".join(run_columns)
            picked = ", ".join("?" if c == "started_at" else c for c in run_columns)
            conn.execute(f"INSERT INTO runs (id, {listed}) SELECT ?, {picked} FROM runs WHERE id = 1", (night, when))
            for table in TABLES:
                others = [c for c in columns[table] if c != "run_id"]
                conn.execute(
                    f"INSERT INTO {table} (run_id, {', '.join(others)}) SELECT ?, {', '.join(others)} "
                    f"FROM {table} WHERE run_id = 1",
                    (night,),
                )


def median_time(action, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    config = load_config(build_alliance(YEAR, DEFAULT_DATA, quiet=True))
    work = Path(tempfile.mkdtemp(prefix="alliance-closing-"))
    try:
        state, output = work / "etat", work / "rapport.xlsx"
        run_sync(config, output=output, state_dir=state, tracer=Tracer.silent())
        db = state / "historique.sqlite"
        grow(db, NIGHTS)
        with History.open(state) as history:
            close_year(history, config, config.fiscal_years[1].label, by="banc", run_id=1)
        before = db.stat().st_size
        run = median_time(lambda: run_sync(config, output=output, state_dir=state, tracer=Tracer.silent()), args.repeat)
        growth = (db.stat().st_size - before) / args.repeat
        report = build_report(config, tracer=Tracer.silent())
        identity = alliance_identity(config)
        with History.open(state) as history:
            runs = history.conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
            records = history.conn.execute(
                "SELECT SUM(LENGTH(data)) FROM (SELECT data FROM projects WHERE run_id = 1 "
                "UNION ALL SELECT data FROM payments WHERE run_id = 1)"
            ).fetchone()[0]

            def added() -> None:
                closed_year_findings(history, report)
                reported_years(history)
                evolution(history, identity, report)

            extra = median_time(added, args.repeat)
        projects = sum(len(w.projects) for w in report.workbooks.values())
        print(
            f"| {projects:,} projets | {runs} synchronisations | run {run:.2f} s | ajout {extra:.3f} s "
            f"({extra / run:.1%}) | croissance {growth / 1e6:.2f} Mo par nuit | enregistrements d'une nuit "
            f"{records / 1e6:.2f} Mo |"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
