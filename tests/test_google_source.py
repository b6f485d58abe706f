"""The Google source read through real gspread against the local Sheets API server:
one request per spreadsheet, the same findings at the same cells as local files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import requests
from click.testing import CliRunner

from sync.cli import cli
from sync.sources.google import GRID_FIELDS, cell_value, grid_rows
from tests.support.builders import payment, project, write_alliance
from tests.support.checks import only, validate
from tests.support.sheets_server import KEYS, committee_tabs, google_config

PREFIX = {"OUEST": "OUE", "EST": "EST", "LONGUEUIL": "LON"}


def clean(code: str) -> dict:
    p = PREFIX[code]
    return {
        "projects": [
            project(f"{p}-2020-001"),
            project(
                f"{p}-2020-002",
                status="Terminé",
                fqis={"2020-2021": 45000.5, "2021-2022": 20000},
                total_cost="120 000,00 $",
                other_contributions=54999.5,
                start_date=dt.date(2020, 6, 1),
                end_date="31/03/2022",
            ),
        ],
        "payments": [
            payment(f"{p}-2020-001"),
            payment(f"{p}-2020-002", amount="45 000,50 $", date=dt.date(2020, 9, 15), reference="VER-0002"),
        ],
    }


def on_server(server, workbooks: dict[str, dict], sheet_ids: dict[str, dict] | None = None) -> None:
    for code, content in workbooks.items():
        server.add_spreadsheet(
            KEYS[code], committee_tabs(**content), title=f"Comité {code}", sheet_ids=(sheet_ids or {}).get(code)
        )


def both_ways(tmp_path: Path, server, workbooks: dict[str, dict]):
    """The reports of the same content read from local files and from Google."""
    local = validate(write_alliance(tmp_path / "local", workbooks))
    on_server(server, workbooks)
    remote = validate(google_config(tmp_path / "google"))
    return local, remote


def facts(report) -> list[tuple]:
    return [(f.severity, f.code, f.committee, f.sheet, f.cell, f.row, f.project_id, f.message) for f in report.findings]


def test_clean_alliance_validates_in_one_request_per_spreadsheet(tmp_path, sheets_api):
    workbooks = {code: clean(code) for code in KEYS}
    on_server(sheets_api, workbooks)
    report = validate(google_config(tmp_path))
    assert report.errors == []
    for code, key in KEYS.items():
        assert [(r.method, r.kind) for r in sheets_api.requests if r.key == key] == [("GET", "spreadsheets.get")]
        assert report.sources[code].kind == "google"
        assert len(report.workbooks[code].projects) == 2 and len(report.workbooks[code].payments) == 2
    assert sheets_api.requests[0].params["includeGridData"] == ["true"]
    assert sheets_api.requests[0].params["fields"] == [GRID_FIELDS]
    # Amounts typed as numbers, floats and French text all read to the cent.
    second = report.workbooks["EST"].projects[1]
    assert (second.fqis_total, second.total_cost, second.end_date) == (6500050, 12000000, dt.date(2022, 3, 31))
    assert report.workbooks["EST"].payments[1].amount == 4500050


def test_validate_command_on_google_sources(tmp_path, sheets_api):
    on_server(sheets_api, {code: clean(code) for code in KEYS})
    result = CliRunner().invoke(cli, ["validate", "--config", str(google_config(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "Conforme — 0 erreur" in result.output
    assert sheets_api.reads() == 3 and sheets_api.writes() == []


PLANTED = {
    "projects": [
        project("EST-2020-001", total_cost="12 5OO $"),
        None,
        project("EST-2020-002", start_date="31/02/2020"),
        project("EST-2020-003", territory="Roussillon"),
        project("EST-2020-001", title="Doublon"),
        project("EST-2020-004", title=None, organization_type="Entreprise privée", participants_target=12.5),
        project("EST-2020-005", fqis={"2019-2020": 30000.5, "2020-2021": "10 000,25 $"}, fqis_total=40000.75),
        project("EST-2020-006", end_date=dt.date(2019, 5, 1), approval_date=43600),
        project("EST-2020-007", notes='=HYPERLINK("http://x.test")', status="Acceptée"),
        project("EST-2020-008", fqis={"2019-2020": 100000}, total_cost=90000, other_contributions=0),
        project("EST-2020-009", fqis={"2019-2020": 20000, "2020-2021": 20000}, fqis_total=50000),
    ],
    "payments": [
        payment("EST-2099-001"),
        payment("EST-2020-002", amount=-5),
        payment("EST-2020-003", date=dt.date(2024, 1, 1)),
        None,
        payment("EST-2020-009", amount=0.001),
    ],
}


def test_planted_faults_come_back_at_the_same_cells_as_from_files(tmp_path, sheets_api):
    workbooks = {"OUEST": clean("OUEST"), "EST": PLANTED, "LONGUEUIL": clean("LONGUEUIL")}
    local, remote = both_ways(tmp_path, sheets_api, workbooks)
    assert facts(remote) == facts(local)
    # …and they are the faults planted, where they were planted.
    expected = {
        ("INVALID_AMOUNT", "Projets", "K2"),
        ("INVALID_DATE", "Projets", "I4"),
        ("TERRITORY_OUTSIDE_SUBREGION", "Projets", "E5"),
        ("DUPLICATE_PROJECT_ID", "Projets", "A6"),
        ("MISSING_VALUE", "Projets", "B7"),
        ("INELIGIBLE_ORGANIZATION", "Projets", "D7"),
        ("INVALID_NUMBER", "Projets", "R7"),
        ("END_BEFORE_START", "Projets", "J9"),
        ("UNKNOWN_VALUE", "Projets", "G10"),
        ("FQIS_OVER_TOTAL_COST", "Projets", "P11"),
        ("YEAR_SPLIT_MISMATCH", "Projets", "P12"),
        ("PAYMENT_UNKNOWN_PROJECT", "Versements", "A2"),
        ("INVALID_AMOUNT", "Versements", "C3"),
        ("DATE_OUTSIDE_PERIOD", "Versements", "B4"),
        ("INVALID_AMOUNT", "Versements", "C6"),
    }
    found = {(f.code, f.sheet, f.cell) for f in remote.findings if f.committee == "EST"}
    assert expected <= found, expected - found
    assert {f.committee for f in remote.errors} == {"EST"}
    assert only(remote, "INVALID_AMOUNT", cell="K2").message.startswith(
        "« Coût total » : montant illisible « 12 5OO $ »"
    )
    # The serial number typed as a date is read as the date it stands for.
    sixth = next(p for p in remote.workbooks["EST"].projects if p.project_id == "EST-2020-006")
    assert sixth.approval_date == dt.date(2019, 5, 15)


def test_renamed_and_missing_tabs_cost_one_more_read_the_first_time(tmp_path, sheets_api):
    workbooks = {
        "OUEST": {
            **clean("OUEST"),
            "tabs": {"Projets": "PROJÈTS ", "Versements": None},
            "extra_tabs": {"Instructions": [["Lisez-moi"]]},
        },
        "EST": {**clean("EST"), "tabs": {"Versements": "VERSEMENTS "}},
        "LONGUEUIL": clean("LONGUEUIL"),
    }
    local, remote = both_ways(tmp_path, sheets_api, workbooks)
    assert facts(remote) == facts(local)
    missing = only(remote, "MISSING_TAB", committee="OUEST")
    assert missing.message == (
        "L'onglet « Versements » est introuvable. Onglets présents : « PROJÈTS  », "
        "« Instructions ». Rétablissez l'onglet « Versements » du gabarit (nom exact)."
    )
    assert len(remote.workbooks["OUEST"].projects) == 2  # « PROJÈTS » is the Projets tab
    assert len(remote.workbooks["EST"].payments) == 2  # « VERSEMENTS » is the Versements tab
    # One read of the whole spreadsheet each, its tabs matched tolerantly.
    for code in KEYS:
        assert [(r.status, r.params.get("ranges")) for r in sheets_api.requests if r.key == KEYS[code]] == [(200, None)]


def test_findings_link_to_the_cell_in_google_sheets(tmp_path, sheets_api):
    sheets_api.add_spreadsheet(KEYS["EST"], committee_tabs(**PLANTED), sheet_ids={"Projets": 1234567, "Versements": 89})
    on_server(sheets_api, {"OUEST": clean("OUEST"), "LONGUEUIL": clean("LONGUEUIL")})
    report = validate(google_config(tmp_path))
    amount = only(report, "INVALID_AMOUNT", committee="EST", cell="K2")
    assert report.link(amount) == f"https://docs.google.com/spreadsheets/d/{KEYS['EST']}/edit#gid=1234567&range=K2"
    unknown = only(report, "PAYMENT_UNKNOWN_PROJECT", committee="EST")
    assert report.link(unknown) == f"https://docs.google.com/spreadsheets/d/{KEYS['EST']}/edit#gid=89&range=A2"
    assert report.sources["EST"].sheet_ids == {"Projets": 1234567, "Versements": 89}


def test_the_whole_address_of_a_spreadsheet_is_accepted_as_its_key(tmp_path, sheets_api):
    on_server(sheets_api, {code: clean(code) for code in KEYS})
    address = f"https://docs.google.com/spreadsheets/d/{KEYS['EST']}/edit#gid=0"
    report = validate(
        google_config(tmp_path, overrides={"EST": {"source": {"google": address}}}, codes=("OUEST", "LONGUEUIL"))
    )
    assert report.errors == [] and sheets_api.reads(KEYS["EST"]) == 1


def test_a_malformed_key_is_a_configuration_error(tmp_path, sheets_api):
    config = google_config(
        tmp_path, overrides={"EST": {"source": {"google": "clé avec espaces"}}}, codes=("OUEST", "LONGUEUIL")
    )
    result = CliRunner().invoke(cli, ["validate", "--config", str(config)])
    assert result.exit_code == 2
    assert "clé de chiffrier Google invalide « clé avec espaces »" in result.output
    assert sheets_api.requests == []  # said before any spreadsheet is read


# -- the grid data, cell by cell


def test_grid_rows_keep_positions_and_trim_like_the_values_api():
    data = [
        {
            "rowData": [
                {
                    "values": [
                        {"effectiveValue": {"stringValue": "No projet"}},
                        {},
                        {"effectiveValue": {"numberValue": 3}},
                    ]
                },
                {},
                {"values": [{}, {"effectiveValue": {"numberValue": 43922}}, {}, {}]},
                {
                    "values": [
                        {"effectiveValue": {"boolValue": False}},
                        {"effectiveValue": {"errorValue": {"type": "REF"}}},
                    ]
                },
                {"values": [{}, {}]},
            ]
        }
    ]
    assert grid_rows(data) == [["No projet", None, 3], [], [None, 43922], [False, "#REF!"]]
    # A block that starts further down and right (a ranged read) keeps A1 positions.
    assert grid_rows(
        [{"startRow": 2, "startColumn": 1, "rowData": [{"values": [{"effectiveValue": {"numberValue": 1.5}}]}]}]
    ) == [[], [], [None, 1.5]]
    assert grid_rows([{}]) == []
    assert cell_value({"effectiveValue": {"errorValue": {"type": "DIVIDE_BY_ZERO"}}}) == "#DIV/0!"
    assert cell_value({"userEnteredValue": {"formulaValue": "=A1"}}) is None


def test_a_cell_is_read_as_its_number_format_shows_it():
    """effectiveFormat.numberFormat.type decides, as a local file's cell format does."""

    def read(number, kind=None):
        cell = {"effectiveValue": {"numberValue": number}}
        if kind:
            cell["effectiveFormat"] = {"numberFormat": {"type": kind}}
        return cell_value(cell)

    assert read(43983, "DATE") == dt.datetime(2020, 6, 1)
    assert read(43983.520833333336, "DATE_TIME") == dt.datetime(2020, 6, 1, 12, 30)
    assert read(0.5208333333333334, "TIME") == dt.time(12, 30)
    assert read(1.25, "TIME") == dt.timedelta(days=1, hours=6)
    assert read(0.05, "PERCENT") == "5\u00a0%"
    assert read(0.125, "PERCENT") == "12,5\u00a0%"
    assert read(12500.5, "CURRENCY") == 12500.5
    assert read(43983, "NUMBER") == 43983
    assert read(43983) == 43983
    assert read(-5, "DATE") == -5  # no date: parsing says so at its cell
    assert "effectiveFormat(numberFormat(type))" in GRID_FIELDS


def test_empty_spreadsheet_gives_missing_tabs_not_a_crash(tmp_path, sheets_api):
    sheets_api.add_spreadsheet(KEYS["EST"], {"Feuille 1": []})
    on_server(sheets_api, {"OUEST": clean("OUEST"), "LONGUEUIL": clean("LONGUEUIL")})
    report = validate(google_config(tmp_path))
    assert [f.sheet for f in report.findings if f.code == "MISSING_TAB"] == ["Projets", "Versements"]
    # One read of the whole spreadsheet lists the tabs there are.
    assert [(r.status, r.params.get("ranges")) for r in sheets_api.requests if r.key == KEYS["EST"]] == [(200, None)]


def test_a_server_without_grid_data_costs_one_more_read_and_gives_the_same_findings(tmp_path, sheets_api):
    """Google always sends grid data; a proxy or emulator that drops it is read by values:batchGet."""
    workbooks = {"OUEST": clean("OUEST"), "EST": PLANTED, "LONGUEUIL": clean("LONGUEUIL")}
    on_server(sheets_api, workbooks)
    expected = facts(validate(google_config(tmp_path / "a")))
    sheets_api.reset_log()
    sheets_api.grid_data = False
    assert facts(validate(google_config(tmp_path / "b"))) == expected
    assert [(r.kind, r.params.get("valueRenderOption")) for r in sheets_api.requests if r.key == KEYS["EST"]] == [
        ("spreadsheets.get", None),
        ("values.batchGet", ["UNFORMATTED_VALUE"]),
    ]


def test_one_compressed_read_of_the_whole_spreadsheet(tmp_path, sheets_api):
    """Every tab comes back (a new « Projets (suite) » tab must be seen: EXTRA_TAB), in
    one gzip answer a fraction of its JSON's size."""
    long_tab = [["Constat", "Message"]] + [["Erreur", f"constat {i}"] for i in range(2000)]
    workbooks = {
        code: {**clean(code), "extra_tabs": {"Instructions": [["Lisez-moi"]] * 300, "Validation": long_tab}}
        for code in KEYS
    }
    on_server(sheets_api, workbooks)
    report = validate(google_config(tmp_path))
    assert report.errors == []
    reads = [r for r in sheets_api.requests if r.key == KEYS["EST"]]
    assert len(reads) == 1
    read = reads[0]
    assert "ranges" not in read.params
    assert "(gzip)" in read.headers["user-agent"] and read.headers["accept-encoding"] == "gzip"
    assert read.headers["authorization"] == "Bearer alliance-sync-serveur-local"  # never a Google token here
    assert set(report.sources["EST"].sheet_ids) == {"Projets", "Versements", "Instructions", "Validation"}
    # The same answer uncompressed: several times the bytes on the wire.
    whole = requests.get(
        f"{sheets_api.url}/v4/spreadsheets/{KEYS['EST']}",
        timeout=10,
        headers={"Authorization": "Bearer x", "Accept-Encoding": "identity"},
        params={"includeGridData": "true", "fields": GRID_FIELDS, "prettyPrint": "false"},
    )
    assert read.wire_bytes * 5 < len(whole.content)


def test_an_answer_that_is_not_json_is_said_in_french(tmp_path, sheets_api):
    """A proxy's page with status 200: no decoder's English (« Expecting value… »)."""
    on_server(sheets_api, {code: clean(code) for code in KEYS})
    sheets_api.fail(KEYS["EST"], status=200, times=None, html=True)
    result = CliRunner().invoke(cli, ["validate", "--config", str(google_config(tmp_path))])
    assert result.exit_code == 3
    assert (
        f"  - Est de la Montérégie (EST) : réponse illisible de {sheets_api.url} pour le chiffrier Google du "
        f"comité Est de la Montérégie (clé {KEYS['EST']}) : ce n'est pas du JSON (la page d'un serveur "
        "mandataire ?)\n"
    ) in result.stderr
    assert "Expecting" not in result.stderr and "Error" not in result.stderr
