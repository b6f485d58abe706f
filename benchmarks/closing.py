"""The cost of issue 21: closed years and the Évolution sheet with a year of nightly history,
and what a night adds to the history.

An alliance of 4 000 projects (benchmarks/generate.py, copied to a temporary folder) is
synchronised once; the history is then grown to 365 nights by recording that night again in
SQL, one night a day (a run, its sources and totals; its records and findings are the same,
so their spans stay open, as ``alliance-sync run`` leaves them), and 2020-2021 is closed with
the first night. Measured, in this process:

- a whole ``run_sync`` on that history (median of ``--repeat``), and the history's growth per
  night with nothing changed;
- the same with 10 payments changed each night (a committee's workbook written again);
- what issue 21 adds to a run: the closed-year comparison (``closed_year_findings``), the
  reported figures of Par année (``reported_years``) and the Évolution points (``evolution``),
  on the same report (median of ``--repeat``), and their share of the run;
- what a night's rows take: its records as schema 5 stored them (each night all of them),
  its findings, totals, sources and run, the blocks of raw rows and the manifest of the
  changed committee's copy (and that copy's size were it stored whole);
- the time to read a last good copy and every copy ``alliance-sync report RUN`` reads;
- with ``--migration``: the year taken back to schema 5 (each night's changed copy stored
  whole) and converted.

    python benchmarks/closing.py [--repeat 3] [--migration]
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.generate import DEFAULT_DATA, Size, build_alliance, committee_rows, write_committee
from sync.config import load_config
from sync.history import History
from sync.history.closed_years import closed_year_findings
from sync.history.closures import close_year, reported_years
from sync.history.codec import pack_tabs, unpack_tabs
from sync.history.evolution import evolution
from sync.history.fallback import stored_sources
from sync.history.identity import alliance_identity
from sync.history.snapshots import read_snapshot
from sync.pipeline import build_report
from sync.runner import run_sync
from sync.steps import Tracer

YEAR = Size("year", 1_334, 870)  # 3 × 1 334 ≈ 4 000 projects
NIGHTS = 365
CHANGES = 10
TABLES = ("totals", "sources")
# Each kind of per-night row and what it takes, in bytes (its columns' lengths).
NIGHT_ROWS = {
    "constats de la nuit (format 5 : tous gardés)": "SELECT COUNT(*), "
    "SUM(LENGTH(message) + LENGTH(data) + LENGTH(cell) + LENGTH(sheet) + 40) FROM findings WHERE run_id = ?",
    "constats nouveaux (format 6)": "SELECT COUNT(*), SUM(LENGTH(d.message) + LENGTH(d.data) + 16 + 60) "
    "FROM finding_spans s JOIN finding_data d ON d.id = s.finding WHERE s.first_run = ?",
    "totals": "SELECT COUNT(*), SUM(LENGTH(committed_by_year) + LENGTH(paid_by_year) + LENGTH(name) + 60) "
    "FROM totals WHERE run_id = ?",
    "sources": "SELECT COUNT(*), SUM(LENGTH(location) + LENGTH(identity) + LENGTH(sheet_ids) + 140) "
    "FROM sources WHERE run_id = ?",
    "runs": "SELECT COUNT(*), SUM(LENGTH(started_at) * 2 + LENGTH(output) + LENGTH(config_path) + 140) "
    "FROM runs WHERE id = ?",
}


def grow(db: Path, nights: int) -> None:
    """Record run 1 again as runs 2 … ``nights``, one night a day before it."""
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


class Changer:
    """Changes ``CHANGES`` payments of the first committee each time it is called, by writing
    its workbook again (as a committee editing its spreadsheet)."""

    def __init__(self, config):
        self.config = config
        self.committee = config.subregions[0]
        self.projects, self.payments = committee_rows(config, self.committee.code, YEAR)
        self.night = 0

    def __call__(self) -> None:
        self.night += 1
        for index in range(CHANGES):
            payment = self.payments[(self.night * CHANGES + index) % len(self.payments)]
            payment["note"] = f"Note changée la nuit {self.night}"
        assert self.committee.source is not None
        write_committee(Path(self.committee.source.location), self.config, self.projects, self.payments)


def median_time(action, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def nights(config, state: Path, output: Path, repeat: int, before_each=None) -> tuple[float, float]:
    """The median time of ``repeat`` runs and the history's growth per run, in bytes."""
    db = state / "historique.sqlite"
    times, size = [], db.stat().st_size
    for _ in range(repeat):
        if before_each is not None:
            before_each()
        started = time.perf_counter()
        run_sync(config, output=output, state_dir=state, tracer=Tracer.silent())
        times.append(time.perf_counter() - started)
    return statistics.median(times), (db.stat().st_size - size) / repeat


def night_rows(history: History, run_id: int) -> dict[str, tuple[int, int]]:
    """Each kind of row of run ``run_id``: how many, and about how many bytes."""
    rows = {name: history.conn.execute(sql, (run_id,)).fetchone() for name, sql in NIGHT_ROWS.items()}
    rows["enregistrements (format 5)"] = history.conn.execute(
        "SELECT COUNT(*), SUM(LENGTH(d.data) + 30) FROM record_spans s JOIN record_data d ON d.id = s.record "
        "WHERE s.first_run <= ?1 AND (s.last_run IS NULL OR s.last_run >= ?1)",
        (run_id,),
    ).fetchone()
    rows["enregistrements nouveaux (format 6)"] = history.conn.execute(
        "SELECT COUNT(*), SUM(LENGTH(d.data) + 16 + 40) FROM record_spans s JOIN record_data d ON d.id = s.record "
        "WHERE s.first_run = ?",
        (run_id,),
    ).fetchone()
    rows["copies brutes nouvelles : manifestes (snapshots)"] = history.conn.execute(
        "SELECT COUNT(*), SUM(LENGTH(key) + LENGTH(tabs)) FROM snapshots " + NEW_SNAPSHOTS, (run_id,)
    ).fetchone()
    new = set(snapshot_blocks(history.conn, "WHERE run_id = ?", run_id)) - set(
        snapshot_blocks(history.conn, "WHERE run_id < ?", run_id)
    )
    rows["copies brutes nouvelles : blocs de lignes (snapshot_blocks)"] = (
        len(new),
        sum(
            history.conn.execute(
                "SELECT LENGTH(digest) + LENGTH(rows) FROM snapshot_blocks WHERE id = ?", (b,)
            ).fetchone()[0]
            for b in new
        ),
    )
    whole = [
        len(pack_tabs(read_snapshot(history.conn, blob))[1])
        for (blob,) in history.conn.execute("SELECT tabs FROM snapshots " + NEW_SNAPSHOTS, (run_id,))
    ]
    rows["pour comparer, la copie entière (format 5)"] = (len(whole), sum(whole))
    return {name: (int(count or 0), int(size or 0)) for name, (count, size) in rows.items()}


# The snapshots a run stored: read by it, by no run before.
NEW_SNAPSHOTS = (
    "WHERE key IN (SELECT snapshot FROM sources WHERE run_id = ?1) "
    "AND key NOT IN (SELECT snapshot FROM sources WHERE run_id < ?1 AND snapshot IS NOT NULL)"
)


def snapshot_blocks(conn: sqlite3.Connection, where: str, run_id: int) -> list[int]:
    """The ids of the blocks of rows of the snapshots of the runs ``where`` says."""
    ids: list[int] = []
    sql = f"SELECT DISTINCT p.tabs FROM snapshots p WHERE p.key IN (SELECT snapshot FROM sources {where})"
    for (blob,) in conn.execute(sql, (run_id,)):
        for _title, deltas in json.loads(zlib.decompress(blob))["blocks"]:
            ids.extend(itertools.accumulate(deltas))
    return ids


def reading(history: History, config, run_id: int, repeat: int) -> tuple[float, float, float]:
    """The median time to read the first committee's last good copy (its raw rows), to read
    every committee's raw rows of run ``run_id`` (``alliance-sync report RUN``), and, to
    compare, to read that copy were it stored whole (format 5)."""
    code = config.subregions[0].code
    at = dt.datetime.now(dt.UTC)

    def last_good_copy() -> None:
        copy = history.last_good_copy(code)
        assert copy is not None and copy.tabs_blob is not None
        read_snapshot(history.conn, copy.tabs_blob)

    copy = history.last_good_copy(code)
    assert copy is not None and copy.tabs_blob is not None
    whole = pack_tabs(read_snapshot(history.conn, copy.tabs_blob))[1]
    return (
        median_time(last_good_copy, repeat),
        median_time(lambda: stored_sources(history, config, run_id, at), repeat),
        median_time(lambda: unpack_tabs(whole), repeat),
    )


def changed_copies(conn: sqlite3.Connection) -> None:
    """Schema 5's raw copies as a year of nights with changes keeps them: each night from the
    second, the first committee's copy with ``CHANGES`` rows changed, stored whole."""
    committee, key = conn.execute("SELECT committee, snapshot FROM sources WHERE run_id = 1 ORDER BY rowid").fetchone()
    (blob,) = conn.execute("SELECT tabs FROM snapshots WHERE key = ?", (key,)).fetchone()
    tabs = unpack_tabs(blob)
    title = max(tabs, key=lambda t: len(tabs[t]))
    for (night,) in conn.execute("SELECT id FROM runs WHERE id > 1 ORDER BY id").fetchall():
        rows = list(tabs[title])
        for index in range(CHANGES):
            place = 1 + (night * CHANGES + index) % (len(rows) - 1)
            rows[place] = [*rows[place][:-1], f"Note changée la nuit {night}"]
        key, blob = pack_tabs({**tabs, title: rows})
        conn.execute("INSERT OR IGNORE INTO snapshots (key, tabs) VALUES (?, ?)", (key, blob))
        conn.execute("UPDATE sources SET snapshot = ? WHERE run_id = ? AND committee = ?", (key, night, committee))


def migration(db: Path, work: Path) -> tuple[float, int, int]:
    """The year of history taken back to schema 5 (every night all its records, as the tool
    before schema 6 kept them, and each night's changed raw copy whole: :func:`changed_copies`),
    then opened: the time of the migration to schema 6, and the file's size before and after it."""
    from tests.support.history import as_schema_5

    old = work / "format-5" / "historique.sqlite"
    old.parent.mkdir()
    shutil.copy(db, old)
    with sqlite3.connect(old) as conn:
        as_schema_5(conn)
        changed_copies(conn)
        conn.execute("PRAGMA user_version = 5")
    with sqlite3.connect(old) as conn:
        conn.execute("VACUUM")
    size = old.stat().st_size
    started = time.perf_counter()
    History.open(old.parent).close()
    elapsed = time.perf_counter() - started
    with sqlite3.connect(old) as conn:
        conn.execute("VACUUM")
    return elapsed, size, old.stat().st_size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--migration", action="store_true", help="mesurer aussi la conversion du format 5 au format 6")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="alliance-closing-"))
    try:
        shutil.copytree(build_alliance(YEAR, DEFAULT_DATA, quiet=True).parent, work / "alliance")
        config = load_config(work / "alliance" / "alliance.toml")
        state, output = work / "etat", work / "rapport.xlsx"
        run_sync(config, output=output, state_dir=state, tracer=Tracer.silent())
        grow(state / "historique.sqlite", NIGHTS)
        with History.open(state) as history:
            close_year(history, config, config.fiscal_years[1].label, by="banc", run_id=1)
        run, unchanged = nights(config, state, output, args.repeat)
        changed_run, changed = nights(config, state, output, args.repeat, Changer(config))
        report = build_report(config, tracer=Tracer.silent())
        identity = alliance_identity(config)
        with History.open(state) as history:
            runs, last = history.conn.execute("SELECT COUNT(*), MAX(id) FROM runs").fetchone()
            rows = night_rows(history, last)

            def added() -> None:
                closed_year_findings(history, report)
                reported_years(history)
                evolution(history, identity, report)

            extra = median_time(added, args.repeat)
            copy_read, report_read, whole_read = reading(history, config, last, args.repeat)
        projects = sum(len(w.projects) for w in report.workbooks.values())
        print(
            f"| {projects:,} projets | {runs} synchronisations | run {run:.2f} s (avec {CHANGES} changements : "
            f"{changed_run:.2f} s) | ajout {extra:.3f} s ({extra / run:.1%}) | croissance par nuit sans changement "
            f"{unchanged / 1e3:.1f} ko | avec {CHANGES} changements {changed / 1e3:.1f} ko |"
        )
        for name, (count, size) in rows.items():
            print(f"| {name} | {count} lignes | {size / 1e3:.1f} ko |")
        print(
            f"| lecture de la dernière copie valide | {copy_read * 1e3:.0f} ms | des copies de `report RUN` "
            f"{report_read * 1e3:.0f} ms | d'une copie entière (format 5) {whole_read * 1e3:.0f} ms |"
        )
        if args.migration:
            elapsed, before, after = migration(state / "historique.sqlite", work)
            print(
                f"| conversion du format 5 au format 6 | {elapsed:.1f} s | {before / 1e6:.0f} Mo avant | "
                f"{after / 1e6:.1f} Mo après (VACUUM) |"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
