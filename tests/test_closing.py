"""Closing a fiscal year (docs/exploitation.md): ``alliance-sync close``, reopening, and
what ``history`` shows of them."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import re
import shutil
import sqlite3
from pathlib import Path

import openpyxl
import pytest

from sync.config import load_config
from sync.delivery.content import load_content
from sync.delivery.messages import committee_body
from sync.history import History
from sync.history.schema import MIGRATIONS, schema_version
from sync.runner import run_sync
from sync.steps import Tracer
from sync.usecases.feedback import validation_rows
from tests.support.builders import payment, project
from tests.support.history import Alliance, as_schema_5

USER = getpass.getuser()
FIXTURES = Path(__file__).parent / "fixtures" / "history"
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
        as_schema_5(conn)
        conn.execute("DROP TABLE closures")
        conn.execute("PRAGMA user_version = 4")
    with History.open(alliance.state) as history:
        assert schema_version(history.conn) == len(MIGRATIONS) == 6
    assert alliance.cli("close", "2020-2021").exit_code == 0
    assert closures(alliance) == [("2020-2021", "close", 1, USER, "")]


# -- a closed year stays as reported (CLOSED_YEAR_CHANGED) ---------------------------------------------


def boundary_workbooks() -> dict[str, dict]:
    """Two OUEST payments on each side of 2020-2021's end (31 March, 1 April 2021), a project
    with FQIS planned in 2020-2021 and 2021-2022, an accepted one; EST with one project."""
    return {
        "OUEST": {
            "projects": [
                project("OUE-2020-001", fqis={"2020-2021": 30000, "2021-2022": 20000}),
                project("OUE-2020-002", status="Accepté"),
            ],
            "payments": [
                payment("OUE-2020-001", date=dt.date(2021, 3, 31), amount=10000, reference="V1"),
                payment("OUE-2020-001", date=dt.date(2021, 4, 1), amount=5000, reference="V2"),
            ],
        },
        "EST": {"projects": [project("EST-2020-001")], "payments": []},
    }


@pytest.fixture
def closed(tmp_path) -> Alliance:
    """Run 1, 2020-2021 closed with it."""
    alliance = Alliance(tmp_path, boundary_workbooks())
    assert alliance.cli("run").exit_code == 0
    assert alliance.cli("close", "2020-2021").exit_code == 0
    return alliance


def changed(alliance: Alliance) -> list[tuple]:
    """Tonight's CLOSED_YEAR_CHANGED findings: where, and what was reported and is now."""
    result = alliance.cli("run", "--format", "json")
    found = [f for f in json.loads(result.stdout)["validation"]["findings"] if f["code"] == "CLOSED_YEAR_CHANGED"]
    assert result.exit_code == (1 if found else 0), result.output
    shown = []
    for f in found:
        v = f["values"]
        assert (v["year"], v["run"]) == ("2020-2021", 1)
        reported = [v[k] for k in ("reported_amount", "reported_date", "reported_status") if v[k] is not None]
        now = [v[k] for k in ("now_amount", "now_date", "now_status") if v[k] is not None]
        shown.append((f["committee"], f["sheet"], f["cell"], v["subject"], reported, now))
    return shown


def edit(alliance: Alliance, change) -> None:
    workbooks = boundary_workbooks()
    change(workbooks["OUEST"])
    alliance.rewrite("OUEST", **workbooks["OUEST"])


def test_an_unchanged_closed_year_gives_no_finding(closed):
    assert changed(closed) == []


def test_a_payment_of_31_march_changed_is_flagged_one_of_1_april_is_not(closed):
    def amounts(ouest):
        ouest["payments"][0]["Montant"] = 12000  # 31 March: in the closed year
        ouest["payments"][1]["Montant"] = 6000  # 1 April: in 2021-2022, open

    edit(closed, amounts)
    assert changed(closed) == [
        ("OUEST", "Versements", "C2", "payment", [1000000, "2021-03-31"], [1200000, "2021-03-31"]),
    ]


def test_a_payment_moved_across_the_boundary_is_flagged_both_ways(closed):
    def moved_out(ouest):
        ouest["payments"][0]["Date du versement"] = dt.date(2021, 4, 1)

    edit(closed, moved_out)
    assert changed(closed) == [
        ("OUEST", "Versements", "B2", "payment", [1000000, "2021-03-31"], [1000000, "2021-04-01"]),
    ]

    def moved_in(ouest):
        ouest["payments"][1]["Date du versement"] = dt.date(2021, 3, 31)

    edit(closed, moved_in)
    assert changed(closed) == [
        ("OUEST", "Versements", "B3", "payment", [500000, "2021-04-01"], [500000, "2021-03-31"]),
    ]


def test_a_payment_removed_or_added_in_the_closed_year(closed):
    def removed(ouest):
        del ouest["payments"][0]

    edit(closed, removed)
    assert changed(closed) == [("OUEST", "Projets", "A2", "payment", [1000000, "2021-03-31"], [])]

    def added(ouest):
        ouest["payments"].append(payment("OUE-2020-002", date=dt.date(2020, 6, 1), amount=700, reference="V3"))

    edit(closed, added)
    assert changed(closed) == [("OUEST", "Versements", "B4", "payment", [], [70000, "2020-06-01"])]


def test_planned_fqis_of_the_closed_year_changed_open_year_not(closed):
    def planned(ouest):
        ouest["projects"][0] = project("OUE-2020-001", fqis={"2020-2021": 25000, "2021-2022": 25000})

    edit(closed, planned)
    assert changed(closed) == [("OUEST", "Projets", "M2", "fqis", [3000000], [2500000])]
    with sqlite3.connect(closed.db) as conn:
        [(field,)] = conn.execute("SELECT field FROM findings WHERE code = 'CLOSED_YEAR_CHANGED'").fetchall()
    assert field == "year:2020-2021"


def test_a_status_changed_after_the_year_closed(closed):
    def abandoned(ouest):
        ouest["projects"][1]["Statut"] = "Abandonné"

    edit(closed, abandoned)
    assert changed(closed) == [("OUEST", "Projets", "G3", "status", ["Accepté"], [3000000, "Abandonné"])]


def test_a_reopened_year_is_not_compared_and_closing_again_compares_with_the_new_run(closed):
    def amounts(ouest):
        ouest["payments"][0]["Montant"] = 12000

    edit(closed, amounts)
    assert closed.cli("close", "--reopen", "2020-2021", "--reason", "Versement corrigé").exit_code == 0
    assert changed(closed) == []  # run 2
    assert closed.cli("close", "2020-2021").exit_code == 0  # with run 2, whose payment is 12 000 $
    result = closed.cli("run", "--format", "json")
    assert result.exit_code == 0
    assert "CLOSED_YEAR_CHANGED" not in result.stdout


def test_the_finding_is_recorded_with_the_run_for_the_committees_e_mail(closed):
    def amounts(ouest):
        ouest["payments"][0]["Montant"] = 12000

    edit(closed, amounts)
    assert closed.cli("run").exit_code == 1
    [(committee, cell, message)] = closed.query(
        "SELECT committee, cell, message FROM findings WHERE run_id = 2 AND code = 'CLOSED_YEAR_CHANGED'"
    )
    assert (committee, cell) == ("OUEST", "C2")
    assert message.startswith("L'exercice 2020-2021 est clos : ses chiffres ont été déclarés au ministère avec la ")
    assert message.endswith(
        "Un versement de 2020-2021 déclaré : versement de 10 000,00 $ du 2021-03-31 ; maintenant : versement de "
        "12 000,00 $ du 2021-03-31. Rétablissez la valeur déclarée, ou demandez à la coordination de rouvrir "
        "l'exercice."
    )


# -- Par année says what was reported ---------------------------------------------------------------


def closed_year_rows(alliance: Alliance) -> dict[str, tuple]:
    """The cells past the Total column of Par année's rows, for each year row of its two
    blocks (« engagé » then « versé »), by year; values as openpyxl reads them."""
    sheet = openpyxl.load_workbook(alliance.output, data_only=True)["Par année"]
    rows = [tuple(c.value for c in row) for row in sheet.iter_rows()]
    headers = [i for i, row in enumerate(rows) if row[:3] == ("Exercice", "Du", "Au")]
    total = rows[headers[0]].index("Total")
    found = {}
    for kind, header in zip(("engagé", "versé"), headers[:2], strict=True):
        assert rows[header][total + 1 :] == (
            "Exercice clos",
            "Déclaré au ministère",
            "Aujourd'hui",
            "Écart (aujourd'hui − déclaré)",
        )
        for row in rows[header + 1 :]:
            if not re.fullmatch(r"\d{4}-\d{4}", str(row[0])):
                break
            found[f"{kind} {row[0]}"] = tuple(v for v in row[total + 1 :] if v is not None)
    return found


def test_par_annee_marks_a_closed_year_on_its_rows_without_difference(closed):
    assert closed.cli("run").exit_code == 0
    rows = closed_year_rows(closed)
    assert "engagé 2019-2020" in rows and "versé 2021-2022" in rows  # every year's row, open ones too
    marks = {key: value for key, value in rows.items() if value}
    assert list(marks) == ["engagé 2020-2021", "versé 2020-2021"]
    for (mark,) in marks.values():
        assert re.fullmatch(r"clos le \d{4}-\d\d-\d\d, synchronisation n° 1 ; aucun écart avec le déclaré", mark)


def test_par_annee_shows_the_reported_figure_beside_today_s_on_the_year_s_row(closed):
    def amounts(ouest):
        ouest["payments"][0]["Montant"] = 12000  # 31 March 2021: paid in 2020-2021 by OUEST

    edit(closed, amounts)
    assert closed.cli("run").exit_code == 1
    rows = closed_year_rows(closed)
    assert re.fullmatch(
        r"clos le \d{4}-\d\d-\d\d, synchronisation n° 1 ; aucun écart avec le déclaré", rows["engagé 2020-2021"][0]
    )
    mark, declared, today, gap = rows["versé 2020-2021"]
    assert re.fullmatch(
        r"clos le \d{4}-\d\d-\d\d, synchronisation n° 1 ; versé changé depuis : OUEST \+2 000,00 \$", mark
    )
    # The whole alliance's figure (dollars, as the workbook shows them): reported, today, difference.
    assert (declared, today, gap) == (10000, 12000, 2000)
    # The difference is a formula over the two cells on its left, stored with its result.
    sheet = openpyxl.load_workbook(closed.output)["Par année"]
    [cell] = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and "changé depuis" in c.value]
    today_cell, declared_cell = sheet.cell(cell.row, cell.column + 2), sheet.cell(cell.row, cell.column + 1)
    assert sheet.cell(cell.row, cell.column + 3).value == f"={today_cell.coordinate}-{declared_cell.coordinate}"
    assert rows["versé 2021-2022"] == () and rows["engagé 2019-2020"] == ()


# -- validate compares the closed years too, writing nothing ----------------------------------------


def validate(alliance: Alliance, *args: str):
    return alliance.cli("validate", "--config", str(alliance.config), "--state-dir", str(alliance.state), *args)


def state_files(alliance: Alliance) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(alliance.state.iterdir()) if p.is_file()}


def test_validate_shows_a_closed_year_changed_as_run_does_and_writes_nothing(closed):
    def amounts(ouest):
        ouest["payments"][0]["Montant"] = 12000  # 31 March 2021: in the closed year

    edit(closed, amounts)
    before = state_files(closed)
    result = validate(closed, "--format", "json")
    assert result.exit_code == 1, result.output
    [found] = [f for f in json.loads(result.stdout)["findings"] if f["code"] == "CLOSED_YEAR_CHANGED"]
    assert state_files(closed) == before  # not a byte of the history written
    assert closed.query("SELECT COUNT(*) FROM runs") == [(1,)]
    ran = closed.cli("run", "--format", "json")
    [recorded] = [f for f in json.loads(ran.stdout)["validation"]["findings"] if f["code"] == "CLOSED_YEAR_CHANGED"]
    assert found == recorded
    assert (found["committee"], found["sheet"], found["cell"]) == ("OUEST", "Versements", "C2")
    text = validate(closed)
    assert text.exit_code == 1
    assert found["message"] in text.stdout


def test_validate_without_a_history_or_with_an_older_one_compares_nothing_and_says_why(tmp_path):
    alliance = Alliance(tmp_path)
    result = validate(alliance)
    assert result.exit_code == 0, result.output
    assert not alliance.state.exists()  # nothing created
    alliance.state.mkdir()
    shutil.copy(FIXTURES / "schema-5.sqlite", alliance.db)
    before = alliance.db.read_bytes()
    result = validate(alliance)
    assert result.exit_code == 0, result.output
    assert (
        f"AVERTISSEMENT : Historique : exercices clos non comparés : la base d'historique {alliance.db} est au "
        "format 5, cette version lit le format 6 : la prochaine synchronisation (run) la convertira ; validate ne "
        "l'écrit jamais."
    ) in result.stderr
    assert alliance.db.read_bytes() == before


# -- the run named by close --run -------------------------------------------------------------------


def test_close_with_a_run_that_wrote_no_workbook_is_refused(alliance):
    assert alliance.cli("run").exit_code == 0
    ouest = alliance.workbooks["OUEST"]
    alliance.rewrite("OUEST", projects=ouest["projects"], payments=[*ouest["payments"], payment("OUE-2099-999")])
    assert alliance.cli("run", "--strict").exit_code == 1  # an error: no workbook written
    result = alliance.cli("close", "2020-2021", "--run", "2")
    assert result.exit_code == 2
    assert re.fullmatch(
        f"Erreur : la synchronisation n° 2 du {MINUTE} n'a pas écrit de classeur \\(1 erreur\\) : elle ne peut "
        "pas être celle déclarée au ministère. Rien n'a été enregistré.\n",
        result.output,
    )
    assert closures(alliance) == []
    # By default, the last run that wrote one: run 1.
    assert alliance.cli("close", "2020-2021").exit_code == 0
    assert closures(alliance) == [("2020-2021", "close", 1, USER, "")]


def test_close_with_a_run_of_another_alliance_is_refused(alliance):
    assert alliance.cli("run").exit_code == 0
    assert alliance.cli("run").exit_code == 0
    with sqlite3.connect(alliance.db) as conn:  # run 1 recorded before runs carried their alliance
        conn.execute("UPDATE runs SET period = NULL, demo = NULL WHERE id = 1")
    result = alliance.cli("close", "2020-2021", "--run", "1")
    assert result.exit_code == 2
    assert result.output == (
        "Erreur : la synchronisation n° 1 n'est pas une synchronisation de l'alliance « Alliance pour la "
        "solidarité en Montérégie » (entente du 2019-04-01 au 2023-03-31) : rien n'a été enregistré.\n"
    )
    assert closures(alliance) == []


# -- CLOSED_YEAR_CHANGED in the committee's e-mail and Validation tab --------------------------------


def test_the_finding_is_in_the_committee_s_e_mail_and_validation_tab(closed):
    def amounts(ouest):
        ouest["payments"][0]["Montant"] = 12000  # 31 March 2021: in the closed year

    edit(closed, amounts)
    config = load_config(closed.config)
    result = run_sync(config, output=closed.output, state_dir=closed.state, tracer=Tracer.silent())
    [found] = [f for f in result.report.findings if f.code == "CLOSED_YEAR_CHANGED"]
    assert (found.committee, found.sheet, found.cell, found.project_id) == (
        "OUEST",
        "Versements",
        "C2",
        "OUE-2020-001",
    )
    rows = validation_rows(result.report, config.committee("OUEST"))
    assert rows[1][:6] == ["Erreur", "Exercice clos modifié", "Versements", "C2", "OUE-2020-001", found.message]
    assert [row for row in rows if "Exercice clos modifié" in row] == [rows[1]]
    with History.open(closed.state) as history:
        content = load_content(config, history, history.run(2))
        body = committee_body(content, config.committee("OUEST"), content.findings_of("OUEST"))
    lines = body.splitlines()
    # Where, and the French title (the code, for the coordinator, may follow); then the message.
    head = "1. Onglet Versements, cellule C2, projet OUE-2020-001 — Exercice clos modifié"
    [block] = [number for number, line in enumerate(lines) if line.startswith(head)]
    assert lines[block + 1] == f"   {found.message}"
    assert lines[block - 2] == "Erreurs à corriger :"
    assert found.message.endswith(
        "Un versement de 2020-2021 déclaré : versement de 10 000,00 $ du 2021-03-31 ; maintenant : versement de "
        "12 000,00 $ du 2021-03-31. Rétablissez la valeur déclarée, ou demandez à la coordination de rouvrir "
        "l'exercice."
    )
