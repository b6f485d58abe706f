"""Closing a fiscal year (docs/exploitation.md): ``alliance-sync close``, reopening, and
what ``history`` shows of them."""

from __future__ import annotations

import getpass
import json
import re
import sqlite3

import pytest

from sync.history import History
from sync.history.schema import MIGRATIONS, schema_version
from tests.support.history import Alliance

USER = getpass.getuser()
MINUTE = r"\d{4}-\d\d-\d\d \d\d:\d\d"


@pytest.fixture
def alliance(tmp_path) -> Alliance:
    return Alliance(tmp_path)


def closures(alliance: Alliance) -> list[tuple]:
    return alliance.query("SELECT year, action, run_id, by_user, reason FROM closures ORDER BY id")


def test_close_records_the_last_run_that_wrote_a_workbook(alliance):
    assert alliance.cli("run").exit_code == 0
    assert alliance.cli("run", "--strict").exit_code == 0  # conforming: writes a workbook too
    result = alliance.cli("close", "2020-2021")
    assert result.exit_code == 0, result.output
    assert re.fullmatch(
        f"Exercice 2020-2021 clos par {USER} le {MINUTE} : déclaré au ministère avec la synchronisation n° 2 "
        f"du {MINUTE} \\(classeur rapport.xlsx\\).\n",
        result.output,
    )
    assert closures(alliance) == [("2020-2021", "close", 2, USER, "")]


def test_close_with_a_given_run_and_json(alliance):
    for _ in range(2):
        assert alliance.cli("run").exit_code == 0
    result = alliance.cli("close", "2019-2020", "--run", "1", "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert {k: document[k] for k in ("year", "action", "run", "by", "reason")} == {
        "year": "2019-2020",
        "action": "close",
        "run": 1,
        "by": USER,
        "reason": None,
    }


def test_closing_a_year_with_no_run_yet_is_refused_and_creates_nothing(alliance):
    result = alliance.cli("close", "2020-2021")
    assert result.exit_code == 2
    assert result.output == (
        "Erreur : aucune synchronisation de cette alliance n'a écrit de classeur : rien n'a encore pu être "
        "déclaré au ministère. Lancez d'abord alliance-sync run ; rien n'a été enregistré.\n"
    )
    assert not alliance.state.exists()


def test_closing_a_year_outside_the_agreement_is_refused(alliance):
    assert alliance.cli("run").exit_code == 0
    result = alliance.cli("close", "2024-2025")
    assert result.exit_code == 2
    assert "l'exercice 2024-2025 n'est pas dans l'entente de l'alliance" in result.output
    assert "(exercices : 2019-2020, 2020-2021, 2021-2022, 2022-2023)" in result.output
    assert closures(alliance) == []


def test_an_unknown_run_cannot_be_the_one_reported(alliance):
    assert alliance.cli("run").exit_code == 0
    result = alliance.cli("close", "2020-2021", "--run", "7")
    assert result.exit_code == 2
    assert result.output == "Erreur : synchronisation n° 7 introuvable (synchronisations enregistrées : n° 1 à 1).\n"
    assert closures(alliance) == []


def test_two_closures_of_the_same_year_the_second_refused(alliance):
    for _ in range(2):
        assert alliance.cli("run").exit_code == 0
    assert alliance.cli("close", "2020-2021", "--run", "1").exit_code == 0
    again = alliance.cli("close", "2020-2021", "--run", "2")
    assert again.exit_code == 2
    assert re.fullmatch(
        f"Erreur : l'exercice 2020-2021 est déjà clos depuis le {MINUTE} \\(synchronisation n° 1, par {USER}\\) : "
        "rien n'a été enregistré. Pour le clore avec une autre synchronisation, rouvrez-le d'abord : "
        'alliance-sync close --reopen 2020-2021 --reason "…".\n',
        again.output,
    )
    assert closures(alliance) == [("2020-2021", "close", 1, USER, "")]


def test_reopen_then_close_again(alliance):
    for _ in range(2):
        assert alliance.cli("run").exit_code == 0
    assert alliance.cli("close", "2020-2021", "--run", "1").exit_code == 0
    reopened = alliance.cli("close", "--reopen", "2020-2021", "--reason", "Correction  demandée par le MTESS")
    assert reopened.exit_code == 0, reopened.output
    assert re.fullmatch(
        f"Exercice 2020-2021 rouvert par {USER} le {MINUTE} : « Correction demandée par le MTESS ». Il était clos "
        f"depuis le {MINUTE} \\(synchronisation n° 1\\).\n",
        reopened.output,
    )
    assert alliance.cli("close", "2020-2021", "--run", "2").exit_code == 0
    assert closures(alliance) == [
        ("2020-2021", "close", 1, USER, ""),
        ("2020-2021", "reopen", 1, USER, "Correction demandée par le MTESS"),
        ("2020-2021", "close", 2, USER, ""),
    ]
    listing = alliance.cli("history").output
    tail = listing.split("Clôtures des exercices (les plus récentes d'abord) :\n")[1]
    assert re.fullmatch(
        f"  2020-2021  clos le {MINUTE} par {USER} : synchronisation n° 2\n"
        f"  2020-2021  rouvert le {MINUTE} par {USER} : « Correction demandée par le MTESS »\n"
        f"  2020-2021  clos le {MINUTE} par {USER} : synchronisation n° 1\n",
        tail,
    )
    runs = json.loads(alliance.cli("history", "--format", "json").output)
    assert [[(c["action"], c["reason"]) for c in run["closures"]] for run in runs] == [
        [("close", None)],
        [("reopen", "Correction demandée par le MTESS"), ("close", None)],
    ]


def test_reopening_needs_a_reason_and_a_closed_year(alliance):
    assert alliance.cli("run").exit_code == 0
    no_reason = alliance.cli("close", "--reopen", "2020-2021")
    assert no_reason.exit_code == 2
    assert 'rouvrir un exercice demande une raison : --reason "…".' in no_reason.output
    blank = alliance.cli("close", "--reopen", "2020-2021", "--reason", "  ")
    assert blank.exit_code == 2
    assert blank.output == "Erreur : l'exercice 2020-2021 n'est pas clos : rien à rouvrir, rien n'a été enregistré.\n"
    assert alliance.cli("close", "2020-2021").exit_code == 0
    blank = alliance.cli("close", "--reopen", "2020-2021", "--reason", "  ")
    assert blank.exit_code == 2
    assert "rouvrir l'exercice 2020-2021 demande une raison" in blank.output
    assert closures(alliance) == [("2020-2021", "close", 1, USER, "")]


def test_a_history_of_format_4_gets_the_closures_table(alliance):
    assert alliance.cli("run").exit_code == 0
    with sqlite3.connect(alliance.db) as conn:
        conn.execute("DROP TABLE closures")
        conn.execute("PRAGMA user_version = 4")
    with History.open(alliance.state) as history:
        assert schema_version(history.conn) == len(MIGRATIONS) == 5
    assert alliance.cli("close", "2020-2021").exit_code == 0
    assert closures(alliance) == [("2020-2021", "close", 1, USER, "")]
