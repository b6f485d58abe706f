"""Write-back (``[google] feedback = true``): the Validation tab of each committee's
spreadsheet, written through real gspread to the local Sheets API server."""

from __future__ import annotations

import json
import re

import requests
from click.testing import CliRunner

from sync.cli import cli
from sync.usecases.feedback import HEADER, write_feedback
from tests.support.builders import payment, project
from tests.support.checks import validate
from tests.support.sheets_server import KEYS, Formula, committee_tabs, google_config

EST = KEYS["EST"]
PREFIX = {"OUEST": "OUE", "EST": "EST", "LONGUEUIL": "LON"}
PROJECTS_GID, PAYMENTS_GID = 555, 777
FORMULA_ID = '=HYPERLINK("http://piege.test","cliquez")'


def fill(server, est: dict | None = None, extra_tabs: dict | None = None, sizes=None) -> None:
    for code, key in KEYS.items():
        p = PREFIX[code]
        content = {"projects": [project(f"{p}-2020-001")], "payments": [payment(f"{p}-2020-001")]}
        if code == "EST" and est is not None:
            content = est
        tabs = committee_tabs(**content)
        tabs.update((extra_tabs or {}) if code == "EST" else {})
        server.add_spreadsheet(
            key,
            tabs,
            sheet_ids={"Projets": PROJECTS_GID, "Versements": PAYMENTS_GID, "Validation": 42, "validation": 42},
            sizes=sizes if code == "EST" else None,
        )


FAULTY = {
    "projects": [
        project("EST-2020-001", total_cost="12 5OO $"),
        project("EST-2020-002", fqis={"2019-2020": 90000}, total_cost=100000, other_contributions=10000),
        project(FORMULA_ID, title=None),
    ],
    "payments": [payment("EST-2099-001")],
}


def run(tmp_path, *extra: str, feedback: bool = True):
    config = google_config(tmp_path, feedback=feedback)
    return CliRunner().invoke(
        cli,
        [
            "run",
            "--config",
            str(config),
            "--output",
            str(tmp_path / "rapport.xlsx"),
            "--state-dir",
            str(tmp_path / "etat"),
            *extra,
        ],
    )


def link(cell: str, gid: int = PROJECTS_GID) -> str:
    return f"https://docs.google.com/spreadsheets/d/{EST}/edit#gid={gid}&range={cell}"


def test_write_back_creates_and_fills_the_validation_tab(tmp_path, sheets_api):
    fill(sheets_api, FAULTY, extra_tabs={"Instructions": [["Lisez-moi"]]})
    before = sheets_api.snapshot(EST)
    result = run(tmp_path)
    assert result.exit_code == 1, result.output
    book = sheets_api.spreadsheets[EST]
    assert [s.title for s in book.sheets] == ["Projets", "Versements", "Instructions", "Validation"]
    tab = book.sheet("Validation")
    assert tab.frozen_rows == 1
    rows = sheets_api.rows(EST, "Validation")
    assert rows[0] == HEADER
    assert rows[1] == [
        "Erreur",
        "Montant invalide",
        "Projets",
        "K2",
        "EST-2020-001",
        "« Coût total » : montant illisible « 12 5OO $ ». Attendu : un montant en dollars, "
        "par exemple 12 500,00 $ ou 12500.00.",
        link("K2"),
    ]
    body = rows[1 : rows.index([])]
    severities = [row[0] for row in body]
    assert severities == sorted(severities, key=lambda s: s != "Erreur") and "Avertissement" in severities
    assert body[[r[3] for r in body].index("B4")][:5] == ["Erreur", "Valeur manquante", "Projets", "B4", FORMULA_ID]
    unknown = next(row for row in body if row[1] == "Versement à un projet inconnu")
    assert unknown[2:5] == ["Versements", "A2", "EST-2099-001"] and unknown[6] == link("A2", PAYMENTS_GID)
    errors = sum(1 for s in severities if s == "Erreur")
    assert re.fullmatch(
        r"Synchronisation du \d{4}-\d\d-\d\d à \d\d:\d\d — Alliance pour la solidarité en "
        r"Montérégie",
        rows[-3][0],
    )
    assert rows[-2:] == [
        [f"Bilan du comité Est de la Montérégie : {errors} erreurs à corriger, 1 avertissement."],
        [
            "Corrigez directement dans votre chiffrier Google : rien à renvoyer, la prochaine synchronisation "
            "vérifiera vos corrections."
        ],
    ]
    # A committee member reads French: each finding's title, never its code.
    assert not any(re.search(r"\b[A-Z]+_[A-Z_]+\b", cell) for row in rows for cell in row)
    # Nothing else in the spreadsheet was touched.
    after = sheets_api.snapshot(EST)
    del after["Validation"]
    assert after == before
    writes = sheets_api.writes(EST)
    assert [w.kind for w in writes] == ["batchUpdate", "values.update"]
    assert list(writes[0].body["requests"][0]) == ["addSheet"]
    assert writes[1].params["valueInputOption"] == ["RAW"]
    # One read of the whole spreadsheet, each night.
    assert [(r.status, r.params.get("ranges")) for r in sheets_api.requests if r.key == EST and r.is_read] == [
        (200, None)
    ]
    sheets_api.reset_log()
    assert run(tmp_path).exit_code == 1
    assert [(r.status, r.params.get("ranges")) for r in sheets_api.requests if r.key == EST and r.is_read] == [
        (200, None)
    ]
    assert [w.kind for w in sheets_api.writes(EST)] == ["values.clear", "values.update"]
    # The other committees hear they conform.
    assert sheets_api.rows(KEYS["OUEST"], "Validation")[-1] == [
        "Bilan du comité Ouest de la Montérégie : conforme, aucune erreur, 0 avertissement."
    ]


def test_committee_text_is_never_written_as_a_formula(tmp_path, sheets_api):
    fill(sheets_api, FAULTY)
    run(tmp_path)
    cells = sheets_api.spreadsheets[EST].sheet("Validation").cells
    assert FORMULA_ID in cells.values()
    assert not any(isinstance(value, Formula) for value in cells.values())
    assert all(w.params.get("valueInputOption") in (None, ["RAW"]) for w in sheets_api.writes())


def test_an_existing_validation_tab_is_replaced_in_place(tmp_path, sheets_api):
    fill(sheets_api, FAULTY, extra_tabs={"validation": [["ancien constat"]] * 40})
    before = sheets_api.snapshot(EST)
    run(tmp_path)
    book = sheets_api.spreadsheets[EST]
    assert [s.title for s in book.sheets] == ["Projets", "Versements", "validation"]
    assert book.sheet("validation").sheet_id == 42  # same tab: links to it keep working
    rows = sheets_api.rows(EST, "validation")
    assert rows[0] == HEADER and ["ancien constat"] not in rows
    assert [w.kind for w in sheets_api.writes(EST)] == ["values.clear", "values.update"]
    after = sheets_api.snapshot(EST)
    assert {k: v for k, v in after.items() if k != "validation"} == {
        k: v for k, v in before.items() if k != "validation"
    }


def test_a_validation_tab_too_small_is_grown_in_three_writes_at_most(tmp_path, sheets_api):
    fill(sheets_api, FAULTY, extra_tabs={"Validation": [["ancien"]]}, sizes={"Validation": (3, 2)})
    run(tmp_path)
    writes = sheets_api.writes(EST)
    assert [w.kind for w in writes] == ["batchUpdate", "values.clear", "values.update"]
    assert list(writes[0].body["requests"][0]) == ["updateSheetProperties"]
    tab = sheets_api.spreadsheets[EST].sheet("Validation")
    assert (tab.row_count, tab.column_count) == (len(sheets_api.rows(EST, "Validation")), len(HEADER))
    assert sheets_api.rows(EST, "Validation")[0] == HEADER


def test_write_back_runs_even_when_strict_writes_no_workbook(tmp_path, sheets_api):
    fill(sheets_api, FAULTY)
    result = run(tmp_path, "--strict")
    assert result.exit_code == 1
    assert not (tmp_path / "rapport.xlsx").exists()
    assert sheets_api.rows(EST, "Validation")[0] == HEADER


def test_without_feedback_nothing_is_written(tmp_path, sheets_api):
    fill(sheets_api, FAULTY)
    result = run(tmp_path, feedback=False)
    assert result.exit_code == 1
    assert sheets_api.writes() == []
    assert sheets_api.reads() == 3


def test_a_read_only_spreadsheet_is_reported_and_the_others_are_written(tmp_path, sheets_api):
    fill(sheets_api, FAULTY)
    sheets_api.share(EST, "read")
    report = validate(google_config(tmp_path, feedback=True))
    results = {r.committee: r for r in write_feedback(report)}
    assert not results["EST"].written
    assert results["EST"].problem == (
        f"le serveur {sheets_api.url} refuse l'écriture dans le chiffrier Google "
        f"du comité Est de la Montérégie (clé {EST}) "
        "(403 : The caller does not have permission)"
    )
    assert [w.status for w in sheets_api.writes(EST)] == [403]  # refused once, not retried
    assert results["OUEST"].written and results["LONGUEUIL"].written
    assert (results["OUEST"].write_requests, results["OUEST"].findings) == (2, 0)
    assert sheets_api.spreadsheets[EST].sheet("Validation") is None


def test_a_committee_read_from_its_last_good_copy_gets_no_write_back(tmp_path, sheets_api):
    fill(sheets_api)
    assert run(tmp_path).exit_code == 0
    sheets_api.reset_log()
    sheets_api.fail(EST, 503, times=None, kind="read")
    result = run(tmp_path)
    assert result.exit_code == 1, result.output  # SOURCE_UNAVAILABLE
    assert sheets_api.writes(EST) == []
    assert [w.kind for w in sheets_api.writes(KEYS["OUEST"])] == ["values.clear", "values.update"]


# -- what Google refuses: protections, payloads over 2 MB

VALIDATION = {"Validation": [["Gravité", "ancien constat"]]}


def test_a_protected_validation_tab_is_explained_in_french(tmp_path, sheets_api):
    fill(sheets_api, FAULTY, extra_tabs=VALIDATION)
    sheets_api.protect(EST, "Validation")
    report = validate(google_config(tmp_path, feedback=True))
    results = {r.committee: r for r in write_feedback(report)}
    assert not results["EST"].written
    assert results["EST"].problem == (
        f"l'onglet Validation du chiffrier Google du comité Est de la Montérégie (clé {EST}), ou certaines de "
        "ses cellules, est protégé (400 : You are trying to edit a protected cell or object. Please contact the "
        "spreadsheet owner to remove protection if you need to edit.) : l'accès anonyme (serveur local) ne peut "
        "pas y écrire les constats ; le propriétaire du chiffrier doit retirer cette protection (Données > "
        "Protéger les feuilles et les plages) ; ou mettez [google] feedback = false"
    )
    assert sheets_api.rows(EST, "Validation") == [["Gravité", "ancien constat"]]  # untouched
    assert results["OUEST"].written


def test_check_access_tells_a_protected_tab_from_protected_cells_without_writing(tmp_path, sheets_api):
    for code, key in KEYS.items():
        sheets_api.add_spreadsheet(key, {**committee_tabs(), **VALIDATION}, title=f"FQIS — comité {code}")
    sheets_api.protect(EST, "Validation")
    sheets_api.protect(KEYS["OUEST"], "Validation", rows=(0, 1))
    config = google_config(tmp_path, feedback=True)
    result = CliRunner().invoke(cli, ["check-access", "--config", str(config), "--state-dir", str(tmp_path / "e")])
    assert result.exit_code == 3, result.output
    assert "EST — Est de la Montérégie : lecture OK, écriture REFUSÉE (« FQIS — comité EST »)" in result.output
    assert (
        f"  → l'onglet Validation du chiffrier Google du comité Est de la Montérégie (clé {EST}) est protégé : "
        "l'accès anonyme (serveur local) ne peut pas y écrire les constats"
    ) in result.output
    assert (
        f"  → des cellules de l'onglet Validation du chiffrier Google du comité Ouest de la Montérégie (clé "
        f"{KEYS['OUEST']}) sont protégées : l'accès anonyme (serveur local) ne peut pas y écrire les constats"
    ) in result.output
    assert "LONGUEUIL — Agglomération de Longueuil : lecture OK, écriture OK" in result.output
    # The protected ones are told from what was read: no write probe was sent to them.
    assert sheets_api.writes(EST) == [] and sheets_api.writes(KEYS["OUEST"]) == []


def test_findings_beyond_2_mb_are_written_in_several_requests_under_the_limit(tmp_path, sheets_api, monkeypatch):
    from sync.usecases import feedback

    monkeypatch.setattr(feedback, "MAX_PAYLOAD", 3_000)
    sheets_api.max_payload = 4_096  # the fake refuses what Google would, scaled down
    many = {"projects": [project(f"EST-2020-{n:03d}", total_cost="illisible") for n in range(1, 31)]}
    fill(sheets_api, many)
    report = validate(google_config(tmp_path, feedback=True))
    results = {r.committee: r for r in write_feedback(report)}
    assert results["EST"].written, results["EST"].problem
    updates = [w for w in sheets_api.writes(EST) if w.method == "PUT"]
    assert len(updates) >= 3
    assert all(w.status == 200 for w in sheets_api.writes(EST))
    assert all(len(json.dumps(w.body)) <= 3_000 + len('{"values": []}') for w in updates)
    written = sheets_api.rows(EST, "Validation")
    assert written[0] == HEADER
    assert sum(1 for row in written if row and row[0] == "Erreur") == len(report.findings_of("EST"))


def test_the_local_sheets_server_refuses_an_over_size_payload(tmp_path, sheets_api):
    fill(sheets_api)
    body = {"values": [["x" * 1000]] * 3000}  # about 3 MB
    answer = requests.put(
        f"{sheets_api.url}/v4/spreadsheets/{EST}/values/Projets!A1",
        params={"valueInputOption": "RAW"},
        json=body,
        headers={"Authorization": "Bearer jeton"},
        timeout=10,
    )
    assert (answer.status_code, answer.json()["error"]["message"]) == (
        400,
        "Request payload size exceeds the limit: 2097152 bytes.",
    )


def test_the_protection_advice_names_the_account_to_allow():
    from sync.google.auth import Account
    from sync.google.client import protected_message

    robot = Account("service_account", "alliance-sync@projet-tcpm.iam.gserviceaccount.com", "cle.json")
    assert protected_message(robot, "chiffrier Google du comité Est de la Montérégie (clé 1Est)", "cells") == (
        "des cellules de l'onglet Validation du chiffrier Google du comité Est de la Montérégie (clé 1Est) sont "
        "protégées : le compte de service alliance-sync@projet-tcpm.iam.gserviceaccount.com ne peut pas y écrire "
        "les constats ; le propriétaire du chiffrier doit retirer cette protection (Données > Protéger les "
        "feuilles et les plages), ou y autoriser alliance-sync@projet-tcpm.iam.gserviceaccount.com ; ou mettez "
        "[google] feedback = false"
    )
