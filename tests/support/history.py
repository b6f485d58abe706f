"""Helpers of the nightly-operation tests (history, diff, lock, kills): an alliance
on disk, `alliance-sync` in-process or as a real process, and the database."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from sync.cli import cli
from sync.history.codec import pack_tabs
from sync.history.snapshots import read_snapshot
from tests.support.builders import payment, project, write_alliance, write_committee_xlsx
from tests.support.checks import REPO

SYNC = [sys.executable, "-m", "sync"]


def base_workbooks() -> dict[str, dict]:
    """Two committees with projects and payments; LONGUEUIL's workbook is empty."""
    return {
        "OUEST": {
            "projects": [
                project("OUE-2020-001", title="Frigos solidaires"),
                project("OUE-2020-002", title="Navette rurale", status="Accepté"),
            ],
            "payments": [
                payment("OUE-2020-001", reference="VER-1"),
                payment(
                    "OUE-2020-001",
                    date=payment()["Date du versement"].replace(month=9),
                    amount=15000,
                    reference="VER-2",
                ),
                payment("OUE-2020-002", amount=5000, reference="VER-3"),
            ],
        },
        "EST": {
            "projects": [project("EST-2020-001", title="Épicerie mobile")],
            "payments": [payment("EST-2020-001", amount=20000, reference="E-1")],
        },
    }


class Alliance:
    """An alliance in ``folder``: config, committee workbooks, state folder, output."""

    def __init__(self, folder: Path, workbooks: dict[str, dict] | None = None):
        self.folder = folder
        self.workbooks = workbooks if workbooks is not None else base_workbooks()
        self.config = write_alliance(folder, self.workbooks)
        self.state = folder / "etat"
        self.output = folder / "rapport.xlsx"
        self.db = self.state / "historique.sqlite"

    def rewrite(self, code: str, **content) -> None:
        """Replace a committee's workbook, as the committee editing its spreadsheet."""
        self.workbooks[code] = content
        name = {"OUEST": "ouest.xlsx", "EST": "est.xlsx", "LONGUEUIL": "longueuil.xlsx"}[code]
        write_committee_xlsx(self.folder / name, **content)

    def workbook(self, code: str) -> Path:
        return self.folder / {"OUEST": "ouest.xlsx", "EST": "est.xlsx", "LONGUEUIL": "longueuil.xlsx"}[code]

    def run_args(self, *extra: str) -> list[str]:
        return [
            "run",
            "--config",
            str(self.config),
            "--output",
            str(self.output),
            "--state-dir",
            str(self.state),
            *extra,
        ]

    def cli(self, *args: str):
        """``alliance-sync ARGS`` in-process; ``run`` gets this alliance's options."""
        if args and args[0] == "run":
            args = tuple(self.run_args(*args[1:]))
        elif args and args[0] in ("history", "diff"):
            args = (*args, "--state-dir", str(self.state))
        elif args and args[0] == "close":
            args = (*args, "--config", str(self.config), "--state-dir", str(self.state))
        return CliRunner().invoke(cli, list(args))

    def process(self, *extra: str, pause_at: str | None = None) -> subprocess.Popen:
        """``python -m sync run`` as a real process (stderr piped, line by line)."""
        # A killed run leaves openpyxl's temporary files behind: keep them in this test's folder.
        scratch = self.folder / "tmp"
        scratch.mkdir(exist_ok=True)
        env = {**os.environ, "PYTHONPATH": str(REPO), "TMPDIR": str(scratch)}
        env.pop("ALLIANCE_SYNC_TEST_PAUSE_AT", None)
        if pause_at:
            env["ALLIANCE_SYNC_TEST_PAUSE_AT"] = pause_at
        return subprocess.Popen(
            [*SYNC, *self.run_args(*extra)],
            cwd=self.folder,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def query(self, sql: str, *params) -> list[tuple]:
        with sqlite3.connect(self.db) as conn:
            return conn.execute(sql, params).fetchall()


def fill_google(server) -> None:
    """Each committee's Google spreadsheet on the local Sheets API server: two projects,
    two payments (OUE-, EST-, LON-2020-001 and -002)."""
    import datetime as dt

    from tests.support.sheets_server import KEYS, committee_tabs

    for code, prefix in (("OUEST", "OUE"), ("EST", "EST"), ("LONGUEUIL", "LON")):
        server.add_spreadsheet(
            KEYS[code],
            committee_tabs(
                [
                    project(f"{prefix}-2020-001", total_cost="100 000,00 $"),
                    project(f"{prefix}-2020-002", status="Accepté"),
                ],
                [
                    payment(f"{prefix}-2020-001", amount="12 500,50 $", date="01/09/2020"),
                    payment(f"{prefix}-2020-002", date=dt.date(2021, 1, 15)),
                ],
            ),
        )


def wait_for_pause(process: subprocess.Popen, step: str) -> list[str]:
    """Read the process's stderr until it says it paused at ``step``; its lines."""
    lines = []
    assert process.stderr is not None
    for line in process.stderr:
        lines.append(line)
        if line.startswith(f"PAUSE {step} "):
            return lines
    process.wait()
    raise AssertionError(
        f"le processus s'est terminé ({process.returncode}) sans s'arrêter à « {step} » :\n" + "".join(lines)
    )


# The records' tables of schema 1 to 5: one row per record per run (sync/history/schema.py, _V1).
_V5_RECORDS = """
CREATE TABLE {table} (
    run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    committee  TEXT NOT NULL,
    row        INTEGER NOT NULL,
    project_id TEXT NOT NULL,
    counted    INTEGER NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
)"""


def as_schema_5(conn: sqlite3.Connection) -> None:
    """Today's records and findings written back as schema 5 kept them (``projects``,
    ``payments`` and ``findings``, one row per record or finding per run, in each run's order)
    and the tables of schema 6 dropped:
    a database of today taken back to schema 5, for the tests of older schemas."""
    for kind, table in (("project", "projects"), ("payment", "payments")):
        conn.execute(_V5_RECORDS.format(table=table))
        for (run_id,) in conn.execute("SELECT id FROM runs WHERE state = 'done' ORDER BY id").fetchall():
            order = [r[0] for r in conn.execute("SELECT code FROM totals WHERE run_id = ? ORDER BY rowid", (run_id,))]
            rows = conn.execute(
                "SELECT s.committee, s.row, s.project_id, s.counted, d.data FROM record_spans s "
                "JOIN record_data d ON d.id = s.record WHERE s.kind = ? AND s.first_run <= ? "
                "AND (s.last_run IS NULL OR s.last_run >= ?) ORDER BY s.position",
                (kind, run_id, run_id),
            ).fetchall()
            rows.sort(key=lambda r: order.index(r[0]))
            conn.executemany(
                f"INSERT INTO {table} (run_id, seq, committee, row, project_id, counted, data) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(run_id, seq, *row) for seq, row in enumerate(rows)],
            )
    conn.execute("CREATE TABLE findings_v5 AS SELECT * FROM findings")
    conn.execute("DROP VIEW findings")
    conn.execute("ALTER TABLE findings_v5 RENAME TO findings")
    conn.execute("DROP TABLE finding_spans")
    conn.execute("DROP TABLE finding_data")
    conn.execute("DROP TABLE record_spans")
    conn.execute("DROP TABLE record_data")
    conn.execute("DROP TABLE settings")
    conn.execute("ALTER TABLE runs DROP COLUMN config")
    conn.execute("ALTER TABLE runs DROP COLUMN presentation")
    for key, manifest in conn.execute("SELECT key, tabs FROM snapshots").fetchall():  # whole copies again
        tabs = read_snapshot(conn, manifest)
        conn.execute("UPDATE snapshots SET tabs = ? WHERE key = ?", (pack_tabs(tabs)[1], key))
    conn.execute("DROP TABLE snapshot_blocks")
