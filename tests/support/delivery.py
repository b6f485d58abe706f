"""Helpers of the delivery tests (docs/exploitation.md): an alliance whose [delivery] table
points to the loopback SMTP server (tests/support/smtp_server.py) and Drive server
(tests/support/drive_server.py), and ``alliance-sync`` run in-process against it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from click.testing import CliRunner

from sync.cli import cli
from tests.support import builders
from tests.support.builders import payment, project, write_alliance

PASSWORD = "Mot-de-passe-S3cret!"
USER = "coordination@exemple.org"
MINISTRY = ["analyste@exemple.gouv.qc.ca", "directeur@exemple.gouv.qc.ca"]
CONTACTS = {"OUEST": "comite-ouest@exemple.org", "EST": "comite-est@exemple.org"}
FOLDER = "1AbCdossierMTESS"
# Fast Google retries: milliseconds of backoff, few tries.
FAST_GOOGLE = {"max_attempts": 3, "retry_deadline": 30, "backoff_initial": 0.001, "backoff_max": 0.01, "timeout": 5}


def est_with_errors() -> dict:
    """EST: an unreadable total cost (Projets!K3) and a payment to an unknown project (Versements!A3)."""
    return {
        "projects": [project("EST-2020-001"), project("EST-2020-002", total_cost="douze mille")],
        "payments": [payment("EST-2020-001", amount=20000, reference="E-1"), payment("EST-2020-009", reference="E-2")],
    }


def clean_workbooks() -> dict[str, dict]:
    """No error anywhere: an exit code 1 can only come from the delivery."""
    return {
        "OUEST": {"projects": [project("OUE-2020-001")], "payments": [payment("OUE-2020-001")]},
        "EST": {"projects": [project("EST-2020-001")]},
    }


def base_workbooks() -> dict[str, dict]:
    return {
        "OUEST": {"projects": [project("OUE-2020-001")], "payments": [payment("OUE-2020-001")]},
        "EST": est_with_errors(),
        "LONGUEUIL": {"projects": [project("LON-2020-001")]},
    }


class DeliveryAlliance:
    """An alliance in ``folder`` delivering to ``smtp_port`` (and Drive when ``drive``)."""

    def __init__(
        self,
        folder: Path,
        smtp_port: int,
        *,
        workbooks: dict | None = None,
        drive: bool = True,
        smtp: dict | None = None,
        delivery: dict | None = None,
        contacts: dict | None = None,
        google: dict | None = None,
    ):
        self.folder = folder
        self.workbooks = workbooks if workbooks is not None else base_workbooks()
        table = {
            "drive_folder": FOLDER if drive else None,
            "email_to": MINISTRY,
            "smtp": {
                k: v
                for k, v in {
                    "host": "127.0.0.1",
                    "port": smtp_port,
                    "starttls": False,
                    "user": USER,
                    "timeout": 5,
                    **(smtp or {}),
                }.items()
                if v is not None
            },
            **(delivery or {}),
        }
        extra = "\n".join(
            builders._toml_table("[delivery]", table)
            + builders._toml_table("[google]", {**FAST_GOOGLE, **(google or {})})
        )
        contacts = CONTACTS if contacts is None else contacts
        self.config = write_alliance(
            folder,
            self.workbooks,
            extra=extra,
            overrides={code: {"contact": address} for code, address in contacts.items()},
        )
        self.state = folder / "etat"
        self.output = folder / "rapport.xlsx"
        self.db = self.state / "historique.sqlite"

    def rewrite(self, code: str, **content) -> None:
        name = {"OUEST": "ouest.xlsx", "EST": "est.xlsx", "LONGUEUIL": "longueuil.xlsx"}[code]
        builders.write_committee_xlsx(self.folder / name, **content)

    def cli(self, *args: str):
        """``alliance-sync ARGS`` in-process, with this alliance's configuration and state folder."""
        command, *rest = args
        if command == "run":
            options = ["--config", str(self.config), "--output", str(self.output), "--state-dir", str(self.state)]
        else:
            options = ["--config", str(self.config), "--state-dir", str(self.state)]
        return CliRunner().invoke(cli, [command, *rest, *options])

    def query(self, sql: str, *params) -> list[tuple]:
        with sqlite3.connect(self.db) as conn:
            return conn.execute(sql, params).fetchall()

    def deliveries(self) -> list[tuple]:
        return self.query("SELECT run_id, channel, committee, recipients, status FROM deliveries ORDER BY id")
