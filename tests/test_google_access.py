"""``alliance-sync check-access``: per committee, can the credentials read (and
write, with feedback on) its spreadsheet, and with whom must it be shared?"""

from __future__ import annotations

import requests
from click.testing import CliRunner

from sync.cli import cli
from sync.config import load_config
from sync.google.auth import Account
from sync.usecases.access import check_access, render_access
from tests.support.builders import write_committee_xlsx
from tests.support.sheets_server import KEYS, committee_tabs, google_config

OUEST, EST, LONGUEUIL = KEYS["OUEST"], KEYS["EST"], KEYS["LONGUEUIL"]


def fill(server) -> None:
    for code, key in KEYS.items():
        server.add_spreadsheet(key, committee_tabs(), title=f"FQIS — comité {code}")


def check(*args: str):
    return CliRunner().invoke(cli, ["check-access", *args])


def test_everything_readable_and_writable(tmp_path, sheets_api):
    fill(sheets_api)
    before = {key: sheets_api.snapshot(key) for key in KEYS.values()}
    result = check("--config", str(google_config(tmp_path, feedback=True)), "--state-dir", str(tmp_path / "etat"))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Accès aux chiffriers — Alliance pour la solidarité en Montérégie"
    assert lines[1] == (
        f"Compte Google : aucun, accès anonyme au serveur local {sheets_api.url} (ALLIANCE_SYNC_SHEETS_URL)."
    )
    assert "OUEST — Ouest de la Montérégie : lecture OK, écriture OK (« FQIS — comité OUEST »)" in lines
    assert lines[-1] == "Résultat : 3 chiffriers accessibles sur 3 (tous accessibles)."
    for key in KEYS.values():
        # One metadata read (no values) and the run's write (the Validation tab added) in a
        # batch Google refuses as a whole for its second request: nothing applied.
        sent = [r for r in sheets_api.requests if r.key == key]
        assert [(r.method, r.kind, r.status) for r in sent] == [
            ("GET", "spreadsheets.get", 200),
            ("POST", "batchUpdate", 400),
        ]
        add = {"addSheet": {"properties": {"title": "Validation"}}}
        assert sent[1].body == {"requests": [add, add]}
        assert sheets_api.snapshot(key) == before[key]
        assert sheets_api.spreadsheets[key].revisions == 0  # nothing in the committee's version history
    assert [sheets_api.spreadsheets[KEYS[c]].title for c in KEYS] == [f"FQIS — comité {c}" for c in KEYS]
    assert "includeGridData" not in sheets_api.requests[0].params


def test_refusals_are_explained_per_committee(tmp_path, sheets_api):
    fill(sheets_api)
    sheets_api.share(EST, "read")
    sheets_api.share(LONGUEUIL, "none")
    result = check("--config", str(google_config(tmp_path, feedback=True)))
    assert result.exit_code == 3
    lines = result.output.splitlines()
    est = lines.index("EST — Est de la Montérégie : lecture OK, écriture REFUSÉE (« FQIS — comité EST »)")
    assert lines[est + 1] == (
        f"  → le serveur {sheets_api.url} refuse l'écriture dans le chiffrier Google "
        f"du comité Est de la Montérégie (clé {EST}) (403 : The caller does not have permission)"
    )
    lon = lines.index("LONGUEUIL — Agglomération de Longueuil : lecture REFUSÉE")
    assert lines[lon + 1].startswith(
        f"  → le serveur {sheets_api.url} refuse l'accès au chiffrier Google du comité Agglomération"
    )
    assert lines[-1] == "Résultat : 1 chiffrier accessible sur 3 (2 à corriger)."
    assert sheets_api.count(LONGUEUIL) == 1  # a refusal is not retried


def test_read_only_is_enough_without_feedback_and_missing_tabs_are_named(tmp_path, sheets_api):
    fill(sheets_api)
    sheets_api.add_spreadsheet(EST, {"Feuille 1": [], "projets": []})
    sheets_api.share(OUEST, "read")
    result = check("--config", str(google_config(tmp_path)))
    assert result.exit_code == 0, result.output
    assert (
        "Retour des constats (onglet Validation) : désactivé — le partage en lecture (Lecteur) suffit." in result.output
    )
    assert "  ! onglet introuvable : Versements (onglets présents : Feuille 1, projets)" in result.output
    assert sheets_api.writes() == []


def test_service_account_to_share_with_is_named(tmp_path):
    """The rendering when the credentials are a service account's (no Google call)."""
    from sync.usecases.access import AccessCheck, AccessReport

    config = load_config(google_config(tmp_path, feedback=True))
    account = Account("service_account", "alliance-sync@projet-tcpm.iam.gserviceaccount.com", "/etc/cle.json")
    checks = [AccessCheck(c, readable=True, writable=True, title="t") for c in config.committees]
    text = render_access(AccessReport(config, checks, account, "https://sheets.googleapis.com"))
    assert (
        "Compte Google : compte de service alliance-sync@projet-tcpm.iam.gserviceaccount.com (clé /etc/cle.json)."
    ) in text
    assert "Partagez chaque chiffrier Google avec alliance-sync@projet-tcpm.iam.gserviceaccount.com (Éditeur)." in text


def test_local_workbooks_need_no_sharing(tmp_path, sheets_api):
    fill(sheets_api)
    write_committee_xlsx(tmp_path / "ouest.xlsx")
    config = google_config(tmp_path, codes=("EST", "LONGUEUIL"))
    report = check_access(load_config(config))
    assert report.ok
    text = render_access(report)
    assert (
        f"OUEST — Ouest de la Montérégie : classeur local {tmp_path / 'ouest.xlsx'} lisible "
        "(aucun partage Google requis)" in text
    )
    (tmp_path / "ouest.xlsx").unlink()
    result = check("--config", str(config))
    assert result.exit_code == 3
    assert "classeur local" in result.output and "ILLISIBLE" in result.output


def test_the_write_probe_is_the_validation_header_when_the_tab_exists(tmp_path, sheets_api):
    """Where the run will write (the Validation tab), the probe is what the run writes
    there, its header cell, in a batch Google refuses as a whole: nothing is written, the
    title is not touched, the version history has nothing new."""
    for code, key in KEYS.items():
        tabs = {**committee_tabs(), "Validation": [["Gravité", "Constat"]]}
        sheets_api.add_spreadsheet(key, tabs, title=f"FQIS — comité {code}")
    result = check("--config", str(google_config(tmp_path, feedback=True)), "--state-dir", str(tmp_path / "etat"))
    assert result.exit_code == 0, result.output
    assert "EST — Est de la Montérégie : lecture OK, écriture OK (« FQIS — comité EST »)" in result.output
    for key in KEYS.values():
        sent = [r for r in sheets_api.requests if r.key == key]
        assert [(r.method, r.kind, r.status) for r in sent] == [
            ("GET", "spreadsheets.get", 200),
            ("POST", "batchUpdate", 400),
        ]
        validation = sheets_api.spreadsheets[key].sheet("Validation")
        header = {"userEnteredValue": {"stringValue": "Gravité"}}
        assert sent[1].body == {
            "requests": [
                {
                    "updateCells": {
                        "start": {"sheetId": validation.sheet_id, "rowIndex": 0, "columnIndex": 0},
                        "rows": [{"values": [header]}],
                        "fields": "userEnteredValue",
                    }
                },
                {"addSheet": {"properties": {"title": "Validation"}}},
            ]
        }
        assert sheets_api.rows(key, "Validation") == [["Gravité", "Constat"]]
        assert sheets_api.spreadsheets[key].revisions == 0


def test_a_read_only_spreadsheet_fails_the_probe_before_google_looks_at_the_batch(tmp_path, sheets_api):
    """Google checks the right to write first: a reader gets 403, never the 400 of the
    sentinel request, so « écriture OK » cannot be said of a spreadsheet shared read-only."""
    fill(sheets_api)
    sheets_api.share(EST, "read")
    result = check("--config", str(google_config(tmp_path, feedback=True)))
    assert result.exit_code == 3
    assert "EST — Est de la Montérégie : lecture OK, écriture REFUSÉE (« FQIS — comité EST »)" in result.output
    [probe] = sheets_api.writes(EST)
    assert (probe.kind, probe.status) == ("batchUpdate", 403)
    assert sheets_api.spreadsheets[EST].revisions == 0


def test_the_local_sheets_history_counts_every_write_carried_out_even_one_that_changes_nothing(sheets_api):
    """The old probe (the title set to itself) changed nothing but shows in the version
    history; a batch refused as a whole does not."""
    fill(sheets_api)
    book = sheets_api.spreadsheets[EST]
    url = f"{sheets_api.url}/v4/spreadsheets/{EST}:batchUpdate"
    auth = {"Authorization": "Bearer jeton"}
    same_title = {"updateSpreadsheetProperties": {"properties": {"title": book.title}, "fields": "title"}}
    assert requests.post(url, json={"requests": [same_title]}, headers=auth, timeout=5).status_code == 200
    assert book.revisions == 1
    add = {"addSheet": {"properties": {"title": "Validation"}}}
    refused = requests.post(url, json={"requests": [add, add]}, headers=auth, timeout=5)
    assert refused.status_code == 400
    assert refused.json()["error"]["message"] == (
        'Invalid requests[1].addSheet: A sheet with the name "Validation" already exists. Please enter another name.'
    )
    assert book.sheet("Validation") is None and book.revisions == 1  # nothing of the batch applied


def test_a_protected_header_cell_refuses_the_probe_at_its_first_request(sheets_api):
    sheets_api.add_spreadsheet(EST, {**committee_tabs(), "Validation": [["Gravité"]]}, title="FQIS — comité EST")
    sheets_api.protect(EST, "Validation", rows=(0, 1))
    validation = sheets_api.spreadsheets[EST].sheet("Validation")
    cell = {"userEnteredValue": {"stringValue": "Gravité"}}
    write = {
        "updateCells": {
            "start": {"sheetId": validation.sheet_id},
            "rows": [{"values": [cell]}],
            "fields": "userEnteredValue",
        }
    }
    answer = requests.post(
        f"{sheets_api.url}/v4/spreadsheets/{EST}:batchUpdate",
        json={"requests": [write, {"addSheet": {"properties": {"title": "Validation"}}}]},
        headers={"Authorization": "Bearer jeton"},
        timeout=5,
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["message"].startswith("You are trying to edit a protected cell or object.")
    assert sheets_api.spreadsheets[EST].revisions == 0
