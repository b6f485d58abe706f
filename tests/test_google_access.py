"""``alliance-sync check-access``: per committee, can the credentials read (and
write, with feedback on) its spreadsheet, and with whom must it be shared?"""

from __future__ import annotations

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
        # One metadata read (no values) and one write that changes nothing.
        assert [(r.method, r.kind) for r in sheets_api.requests if r.key == key] == [
            ("GET", "spreadsheets.get"),
            ("POST", "batchUpdate"),
        ]
        assert sheets_api.snapshot(key) == before[key]
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
    """Where the run will write (the Validation tab), the probe writes what the run writes
    there, its header cell; the spreadsheet's title is not touched."""
    for code, key in KEYS.items():
        tabs = {**committee_tabs(), "Validation": [["Gravité", "Constat"]]}
        sheets_api.add_spreadsheet(key, tabs, title=f"FQIS — comité {code}")
    result = check("--config", str(google_config(tmp_path, feedback=True)), "--state-dir", str(tmp_path / "etat"))
    assert result.exit_code == 0, result.output
    for key in KEYS.values():
        requests = [r for r in sheets_api.requests if r.key == key]
        assert [(r.method, r.kind) for r in requests] == [("GET", "spreadsheets.get"), ("PUT", "values.update")]
        assert requests[1].path.endswith("/values/%27Validation%27%21A1") and requests[1].body == {
            "values": [["Gravité"]]
        }
        assert sheets_api.rows(key, "Validation") == [["Gravité", "Constat"]]
