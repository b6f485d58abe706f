"""The last good copy of a Google spreadsheet that stays unreachable (docs/google.md, docs/exploitation.md),
through real gspread against the local Sheets API server."""

from __future__ import annotations

from click.testing import CliRunner

from sync.cli import cli
from sync.history import History
from tests.support.history import fill_google
from tests.support.sheets_server import KEYS, google_config

EST = KEYS["EST"]


fill = fill_google


def run(tmp_path, state: str = "etat"):
    return CliRunner().invoke(
        cli,
        [
            "run",
            "--config",
            str(google_config(tmp_path)),
            "--output",
            str(tmp_path / "rapport.xlsx"),
            "--state-dir",
            str(tmp_path / state),
        ],
    )


def query(tmp_path, sql: str, *params):
    import sqlite3

    with sqlite3.connect(tmp_path / "etat" / "historique.sqlite") as conn:
        return conn.execute(sql, params).fetchall()


def test_an_unreachable_spreadsheet_is_replaced_by_its_last_good_copy(tmp_path, sheets_api):
    fill(sheets_api)
    first = run(tmp_path)
    assert first.exit_code == 0, first.output
    reads = sheets_api.reads(EST)

    sheets_api.fail(EST, 503, times=None)
    second = run(tmp_path)
    assert second.exit_code == 1, second.output
    assert "Classeur écrit" in second.stdout
    assert sheets_api.reads(EST) > reads  # it was tried, and retried
    [(message,)] = query(tmp_path, "SELECT message FROM findings WHERE run_id = 2")
    assert message.startswith("Le chiffrier du comité Est de la Montérégie n'a pas pu être lu : ")
    assert " Illisible depuis le " in message and "les données utilisées sont la dernière copie valide" in message
    # The copy parses exactly as the spreadsheet did: same records, same totals to the cent.
    with History.open(tmp_path / "etat") as history:
        first, second = history.records(1), history.records(2)
    assert second.projects == first.projects and len(first.projects) == 6
    assert second.payments == first.payments and len(first.payments) == 6
    totals = "SELECT code, committed, paid, committed_by_year, paid_by_year FROM totals WHERE run_id = ?"
    assert query(tmp_path, totals, 2) == query(tmp_path, totals, 1)
    assert query(tmp_path, "SELECT paid FROM totals WHERE run_id = 2 AND code = 'EST'") == [(2_250_050,)]
    assert query(tmp_path, "SELECT current, location FROM sources WHERE run_id = 2 AND committee = 'EST'") == [(0, EST)]


def test_an_unreachable_spreadsheet_without_a_copy_exits_3(tmp_path, sheets_api):
    fill(sheets_api)
    sheets_api.fail(EST, 503, times=None)
    result = run(tmp_path)
    assert result.exit_code == 3
    assert not (tmp_path / "rapport.xlsx").exists()
    assert query(tmp_path, "SELECT committee, current, snapshot FROM sources") == [("EST", 0, None)]
