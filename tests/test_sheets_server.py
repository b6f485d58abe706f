"""The local Sheets API server answers like Google: each recorded interaction of
tests/fixtures/google is replayed against it and must come back identical."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import gspread
import pytest
import requests

from sync.google.auth import LocalCredentials
from sync.google.http import RebasedSession
from tests.support.sheets_server import DEFAULT_FORMAT, ErrorCell, Formatted, Formula, SheetsServer, parse_fields

# Kept in the repository (see its README): the check runs on every clone and cannot skip.
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "google"
GOOGLE = "https://sheets.googleapis.com"
# Google answers 401 to a request without a token: the conformance requests carry one.
AUTHORISED = requests.Session()
AUTHORISED.headers["Authorization"] = "Bearer ya29.jeton-de-test"


def interactions(name: str) -> list[dict]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))["interactions"]


def by_url(name: str, fragment: str) -> dict:
    found = [i for i in interactions(name) if fragment in i["url"]]
    assert len(found) == 1, fragment
    return found[0]


def replay(server: SheetsServer, interaction: dict, body=None) -> requests.Response:
    url = server.url + interaction["url"][len(GOOGLE) :]
    return AUTHORISED.request(interaction["method"], url, json=body, timeout=10)


def same(server: SheetsServer, interaction: dict, body=None) -> dict:
    answer = replay(server, interaction, body)
    assert answer.status_code == interaction["status"], answer.text
    assert answer.json() == interaction["response_json"]
    return answer.json()


@pytest.fixture
def server():
    with SheetsServer() as running:
        yield running


# -- recorded reads


def test_metadata_basic_is_googles(server):
    interaction = interactions("spreadsheets_get_metadata_basic.json")[0]
    key = "1Mt7PAP53WxrZzHTL49wbg_EOQy18omB4PD2aJLMBs2o"
    server.add_spreadsheet(key, {"Sheet1": []}, title="Test ClientTest test_open_by_key_has_metadata")
    same(server, interaction)


def test_metadata_with_merges_made_by_merge_requests(server):
    key = "187zm3OWka7Zlt8GGzYJLMeIxmzlCWk_H_KbUmcKXTyw"
    server.add_spreadsheet(
        key,
        {"Sheet1": [[1], ["", "", "title"], ["", "", 2], ["num", "val", "", 0]]},
        title="Test WorksheetTest test_get_values_and_combine_merged_cells",
        sizes={"Sheet1": (4, 4)},
    )
    merges = [(0, 2, 0, 2), (1, 2, 2, 4), (2, 4, 2, 3)]
    url = f"{server.url}/v4/spreadsheets/{key}:batchUpdate"
    answer = AUTHORISED.post(
        url,
        json={
            "requests": [
                {
                    "mergeCells": {
                        "mergeType": "MERGE_ALL",
                        "range": {
                            "sheetId": 0,
                            "startRowIndex": a,
                            "endRowIndex": b,
                            "startColumnIndex": c,
                            "endColumnIndex": d,
                        },
                    }
                }
                for a, b, c, d in merges
            ]
        },
        timeout=10,
    )
    assert answer.status_code == 200
    for interaction in interactions("spreadsheets_get_metadata_with_merges.json"):
        same(server, interaction)


def test_values_ragged_and_empty_rows(server):
    contents = {
        "1M2mlIn8G_4hZYnBE1oh10QU9qUFp9KhiIxBT9oTCKOI": [
            ["A1", "B1", "", "D1"],
            ["1", "b2", "1.45"],
            [],
            ["A4", "0.4", "", "4"],
        ],
        "1Lego-kcxvbnP-fvfUwb0_8npW23ZUYQsfGCPQJypr-E": [
            [],
            [],
            ["A1", "B1", "", "D1"],
            ["1", "b2", "1.45"],
            [],
            ["A4", "0.4", "", "4"],
        ],
        "1jtcli8G8AqnpmvrFpiQtVg1Uy7rCfSs57QO_Ilku5QU": [[1], ["x", "y", "title"], ["", "", 2], ["num", "val", "", 0]],
        "1JZimm--KJIW3i9vtdNDdma88poPWX6GFIFNyyrvjc5Y": [
            ["A1", "faff", "C3", "faff"],
            ["1", "b2", "1.45"],
            [],
            ["A4", "0.4", "", "4"],
        ],
        "1OTHN1HmHhOJ2pfNKmADYflaXj4PtF27xUknxtODBZ0A": [[], [""] * 9 + ["test_find 1", "test_find 1"]],
    }
    for key, rows in contents.items():
        server.add_spreadsheet(key, {"Sheet1": rows})
    for interaction in interactions("values_get_ragged_and_empty_rows.json"):
        if "1OTHN1" in interaction["url"]:
            # Google answered this whole-sheet read with the grid (A1:Z1000) rather
            # than the data's extent it gives elsewhere; the values are what count.
            answer = replay(server, interaction).json()
            assert answer["values"] == interaction["response_json"]["values"]
            assert answer["range"] == "Sheet1!A1:K2"
        else:
            same(server, interaction)


def test_values_unformatted_serial_dates(server):
    key = "1VYZV6IRnymjtcrTiKitjSdyIpBjiKTnzjBT-J87QLjI"
    book = server.add_spreadsheet(key, {"Sheet1": []})
    recorded = interactions("values_get_unformatted_serial_dates_ragged.json")
    same(server, recorded[0])  # before the values are written: no "values" key at all
    book.sheets[0].set_rows([[2, dt.date(2020, 1, 1), "string", 53], [1.5, 0.12, dt.date(1999, 1, 2)]])
    for interaction in recorded[1:]:
        same(server, interaction)


def test_values_formula_and_formatted_numbers(server):
    server.add_spreadsheet(
        "1f7zKlUAxEFe6q2jbUe3UNQDbMZyt6EQvoqjs_dxK6Ro",
        {"Sheet1": [[Formula("=4/2", 2), 43831, "string", 53], [Formula("=3/2", 1.5), 0.12, 36162]]},
    )
    recorded = interactions("values_get_formula_and_formatted_numbers.json")
    for interaction in recorded[:2]:
        same(server, interaction)
    book = server.add_spreadsheet("1nOrG_xsXGrtKIMf6a_h6G_LyP6TsTS5CT9Rcvgmv-us", {"Sheet1": []})
    for interaction, value in zip(
        recorded[2:], [0.0009765625, Formatted(2000000.01, "2,000,000.01"), "Non-numeric value"], strict=True
    ):
        book.sheets[0].set_rows([[value]])
        same(server, interaction)


def test_values_batch_get_in_request_order(server):
    first, emoji = interactions("values_batchGet.json")
    server.add_spreadsheet(
        "1aNvNhBanaHVP93PL4xmzA69TyNmTcfv7CUaCkGmwFMo", {"Sheet1": [["A1", "B1"], [], [], ["", "B4", "", "D4"]]}
    )
    server.add_spreadsheet(
        "1yXHRaUTFlGV-Axis4vLHtoPvGUj3C_-awA_5sLK8k6g",
        {"🌵 test_values_batch_get 1": [["🍇", "🍉", "🍋"], ["🍐", "🍎", "🍓"]]},
        sizes={"🌵 test_values_batch_get 1": (10, 3)},
    )
    same(server, first)
    same(server, emoji)


# -- recorded writes and errors


def test_write_answers(server):
    updates, put, batch, clear = interactions("values_batchUpdate_and_batchUpdate_responses.json")
    server.add_spreadsheet("16LuFWBK_SJz0B1rKNlcuRCJqj6_GbXsshAU9JPnHW3w", {"Sheet1": []})
    same(
        server,
        updates,
        {
            "valueInputOption": "RAW",
            "data": [
                {"range": "A1:D1", "values": [["A1", "B1", "", "D1"]]},
                {"range": "A4:D4", "values": [["A4", "B4", "", "D4"]]},
            ],
        },
    )
    key = "187zm3OWka7Zlt8GGzYJLMeIxmzlCWk_H_KbUmcKXTyw"
    server.add_spreadsheet(key, {"Sheet1": [["old"]]})
    same(server, clear)
    assert server.rows(key, "Sheet1") == []
    same(
        server,
        batch,
        {
            "requests": [
                {
                    "updateSheetProperties": {
                        "properties": {"sheetId": 0, "gridProperties": {"rowCount": 4, "columnCount": 4}},
                        "fields": "gridProperties(rowCount,columnCount)",
                    }
                }
            ]
        },
    )
    same(
        server, put, {"values": [["1", "", "", ""], ["", "", "title", ""], ["", "", "2", ""], ["num", "val", "", "0"]]}
    )
    assert server.rows(key, "Sheet1") == [["1"], [None, None, "title"], [None, None, "2"], ["num", "val", None, "0"]]


def test_error_bodies(server):
    not_found, denied, bad_values, hide_all = interactions("errors_404_403_400.json")
    same(server, not_found)
    server.add_spreadsheet("1jIKzPs8LsiZZdLdeMEP-5ZIHw6RkjiOmj1LrJN706Yc", {"Sheet1": []})
    server.share("1jIKzPs8LsiZZdLdeMEP-5ZIHw6RkjiOmj1LrJN706Yc", "none")
    same(server, denied)
    server.add_spreadsheet("1yOY1U4tsuCpKdLXnrrfpGtUtmIFCHLzXbYVJrbLlmCA", {"Sheet1": []})
    same(server, bad_values, {"values": ["X"]})
    server.add_spreadsheet("1orn99tUtMCpLAObtrSNv8tY-B8UfeJwW7D6NUIx6RMA", {"Sheet1": [["a"]]})
    same(
        server,
        hide_all,
        {"requests": [{"updateSheetProperties": {"properties": {"sheetId": 0, "hidden": True}, "fields": "hidden"}}]},
    )
    # All or nothing: the refused request changed nothing.
    assert server.spreadsheets["1orn99tUtMCpLAObtrSNv8tY-B8UfeJwW7D6NUIx6RMA"].sheets[0].hidden is False


# -- what the fixtures do not show, from Google's documentation


def test_grid_data_with_a_field_mask(server):
    server.add_spreadsheet(
        "k",
        {
            "Projets": [
                ["No projet", "Montant", "Date"],
                [],
                ["A-1", 12500.5, dt.date(2020, 4, 1), None, True],
                ["A-2", Formula("=1/0", ErrorCell("DIVIDE_BY_ZERO"))],
            ],
            "Autre": [],
        },
        sheet_ids={"Projets": 0, "Autre": 77},
    )
    url = f"{server.url}/v4/spreadsheets/k"
    fields = "sheets(properties(sheetId,title),data(rowData(values(effectiveValue))))"
    answer = AUTHORISED.get(url, params={"includeGridData": "true", "fields": fields}, timeout=10).json()
    assert answer == {
        "sheets": [
            {
                "properties": {"sheetId": 0, "title": "Projets"},
                "data": [
                    {
                        "rowData": [
                            {
                                "values": [
                                    {"effectiveValue": {"stringValue": "No projet"}},
                                    {"effectiveValue": {"stringValue": "Montant"}},
                                    {"effectiveValue": {"stringValue": "Date"}},
                                ]
                            },
                            {},
                            {
                                "values": [
                                    {"effectiveValue": {"stringValue": "A-1"}},
                                    {"effectiveValue": {"numberValue": 12500.5}},
                                    {"effectiveValue": {"numberValue": 43922}},
                                    {},
                                    {"effectiveValue": {"boolValue": True}},
                                ]
                            },
                            {
                                "values": [
                                    {"effectiveValue": {"stringValue": "A-2"}},
                                    {"effectiveValue": {"errorValue": {"type": "DIVIDE_BY_ZERO", "message": "Error"}}},
                                ]
                            },
                        ]
                    }
                ],
            },
            {"properties": {"sheetId": 77, "title": "Autre"}, "data": [{}]},
        ]
    }
    full = AUTHORISED.get(url, params={"includeGridData": "true"}, timeout=10).json()
    assert len(full["sheets"][0]["data"][0]["rowMetadata"]) == 1000
    assert full["sheets"][0]["data"][0]["rowData"][2]["values"][2] == {
        "userEnteredValue": {"numberValue": 43922},
        "effectiveValue": {"numberValue": 43922},
        "formattedValue": "2020-04-01",
        "userEnteredFormat": {"numberFormat": {"type": "DATE", "pattern": "yyyy-mm-dd"}},
        "effectiveFormat": {**DEFAULT_FORMAT, "numberFormat": {"type": "DATE", "pattern": "yyyy-mm-dd"}},
    }


def test_field_mask_syntax():
    assert parse_fields("a,b(c,d/e),f.g") == {"a": None, "b": {"c": None, "d": {"e": None}}, "f": {"g": None}}
    assert parse_fields("sheets.properties.title,sheets(data)") == {
        "sheets": {"properties": {"title": None}, "data": None}
    }
    with pytest.raises(ValueError):
        parse_fields("a(b")


def test_unknown_tab_in_a_range_is_400(server):
    server.add_spreadsheet("k", {"Feuille 1": []})
    answer = AUTHORISED.get(f"{server.url}/v4/spreadsheets/k/values:batchGet", params={"ranges": "Projets"}, timeout=10)
    assert answer.status_code == 400
    assert answer.json() == {
        "error": {"code": 400, "message": "Unable to parse range: Projets", "status": "INVALID_ARGUMENT"}
    }


def test_raw_text_stays_text_and_user_entered_makes_formulas(server):
    server.add_spreadsheet("k", {"Feuille": []})
    base = f"{server.url}/v4/spreadsheets/k/values/Feuille%21A1"
    AUTHORISED.put(base, params={"valueInputOption": "RAW"}, json={"values": [["=1+1", "12"]]}, timeout=10)
    assert server.rows("k", "Feuille") == [["=1+1", "12"]]
    AUTHORISED.put(
        base,
        params={"valueInputOption": "USER_ENTERED"},
        json={"values": [['=HYPERLINK("https://x.test","lien")', "12"]]},
        timeout=10,
    )
    assert server.rows("k", "Feuille") == [[Formula('=HYPERLINK("https://x.test","lien")', "lien"), 12]]


def test_writes_beyond_the_grid_are_refused(server):
    server.add_spreadsheet("k", {"Validation": []}, sizes={"Validation": (3, 2)})
    answer = AUTHORISED.put(
        f"{server.url}/v4/spreadsheets/k/values/Validation%21A1",
        params={"valueInputOption": "RAW"},
        json={"values": [["a"]] * 4},
        timeout=10,
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == (
        "Range (Validation!A1:A4) exceeds grid limits. Max rows: 3, max columns: 2"
    )


def test_add_sheet_twice_is_refused(server):
    server.add_spreadsheet("k", {"Projets": []})
    url = f"{server.url}/v4/spreadsheets/k:batchUpdate"
    body = {"requests": [{"addSheet": {"properties": {"title": "Validation"}}}]}
    first = AUTHORISED.post(url, json=body, timeout=10).json()
    assert first["replies"][0]["addSheet"]["properties"]["title"] == "Validation"
    assert first["replies"][0]["addSheet"]["properties"]["index"] == 1
    second = AUTHORISED.post(url, json=body, timeout=10)
    assert second.status_code == 400
    assert second.json()["error"]["message"] == (
        'Invalid requests[0].addSheet: A sheet with the name "Validation" already exists. Please enter another name.'
    )


# -- faults and counting


def test_faults_in_order_then_normal_answers(server):
    server.add_spreadsheet("k", {"Feuille": [["a"]]})
    server.fail("k", 429)
    server.fail("k", 502, html=True)
    server.fail("k", 503, retry_after=7)
    url = f"{server.url}/v4/spreadsheets/k"
    quota = AUTHORISED.get(url, timeout=10)
    assert quota.status_code == 429
    error = quota.json()["error"]
    assert (error["status"], error["details"][0]["reason"]) == ("RESOURCE_EXHAUSTED", "RATE_LIMIT_EXCEEDED")
    html = AUTHORISED.get(url, timeout=10)
    assert html.status_code == 502
    assert html.headers["Content-Type"].startswith("text/html")
    assert "<title>Error 502 (Server Error)!!1</title>" in html.text
    busy = AUTHORISED.get(url, timeout=10)
    assert (busy.status_code, busy.headers["Retry-After"], busy.json()["error"]["status"]) == (503, "7", "UNAVAILABLE")
    assert AUTHORISED.get(url, timeout=10).status_code == 200
    assert [r.status for r in server.requests] == [429, 502, 503, 200]


def test_dropped_and_slow_answers(server):
    server.add_spreadsheet("k", {"Feuille": [["a"]]})
    url = f"{server.url}/v4/spreadsheets/k"
    server.fail("k", 0)
    with pytest.raises(requests.ConnectionError):
        AUTHORISED.get(url, timeout=10)
    server.slow("k", 0.5)
    with pytest.raises(requests.ReadTimeout):
        AUTHORISED.get(url, timeout=0.1)
    assert AUTHORISED.get(url, timeout=10).status_code == 200


def test_persistent_fault_and_kind(server):
    server.add_spreadsheet("k", {"Feuille": [["a"]]})
    server.fail("k", 403, times=None, kind="write")
    url = f"{server.url}/v4/spreadsheets/k"
    assert AUTHORISED.get(url, timeout=10).status_code == 200
    for _ in range(3):
        assert AUTHORISED.post(url + ":batchUpdate", json={"requests": []}, timeout=10).status_code == 403
    server.clear_faults("k")
    assert AUTHORISED.post(url + ":batchUpdate", json={"requests": []}, timeout=10).status_code == 400


def test_requests_are_counted_per_spreadsheet_and_kind(server):
    server.add_spreadsheet("a", {"Feuille": [["x"]]})
    server.add_spreadsheet("b", {"Feuille": [["y"]]})
    for path in ("a", "a/values/Feuille", "a/values:batchGet?ranges=Feuille", "b"):
        AUTHORISED.get(f"{server.url}/v4/spreadsheets/{path}", timeout=10)
    AUTHORISED.post(f"{server.url}/v4/spreadsheets/b/values/Feuille:clear", timeout=10)
    assert (server.reads("a"), server.reads("b"), len(server.writes("b"))) == (3, 1, 1)
    assert [server.count("a", kind) for kind in ("spreadsheets.get", "values.get", "values.batchGet")] == [1, 1, 1]
    assert server.count("b", "values.clear") == 1


def test_real_gspread_client_works_against_it(server):
    """gspread's own Client, unchanged, opens a spreadsheet and reads values here."""
    server.add_spreadsheet("k", {"Projets": [["No projet", "Montant"], ["A-1", 12500]]}, title="Comité")
    client = gspread.Client(auth=None, session=RebasedSession(LocalCredentials(), server.url))
    book = client.open_by_key("k")
    assert book.title == "Comité"
    assert book.worksheet("Projets").get_all_values() == [["No projet", "Montant"], ["A-1", "12500"]]
    server.share("k", "none")
    with pytest.raises(PermissionError):
        client.open_by_key("k")
    with pytest.raises(gspread.SpreadsheetNotFound):
        client.open_by_key("absent")


# -- as strict as Google (issue: the local server accepted what Google refuses)


def test_a_request_without_a_token_is_401_as_at_google(server):
    server.add_spreadsheet("k", {"Feuille": [["a"]]})
    answer = requests.get(f"{server.url}/v4/spreadsheets/k", timeout=10)
    assert answer.status_code == 401
    error = answer.json()["error"]
    assert (error["status"], error["details"][0]["reason"]) == ("UNAUTHENTICATED", "CREDENTIALS_MISSING")
    assert error["message"].startswith("Request is missing required authentication credential.")
    assert [r.status for r in server.requests] == [401]


@pytest.mark.parametrize(
    "fields, path",
    [
        ("sheets(properties(sheetId,titel))", "sheets.properties.titel"),
        ("sheets.data.rowData.values.effectiveValues", "sheets.data.rowData.values.effectiveValues"),
        ("properties(title),sheet", "sheet"),
        ("properties.title.text", "properties.title.text"),
    ],
)
def test_an_unknown_path_in_a_field_mask_is_400(server, fields, path):
    server.add_spreadsheet("k", {"Feuille": [["a"]]})
    answer = AUTHORISED.get(f"{server.url}/v4/spreadsheets/k", params={"fields": fields}, timeout=10)
    assert answer.status_code == 400
    assert answer.json() == {
        "error": {
            "code": 400,
            "status": "INVALID_ARGUMENT",
            "message": (f"Error expanding 'fields' parameter. Cannot find matching fields for path '{path}'."),
        }
    }


def test_number_formats_come_back_as_google_gives_them(server):
    """effectiveFormat.numberFormat: the type and pattern set on the cell, DATE or
    DATE_TIME for a date typed, nothing for a number in the default format."""
    server.add_spreadsheet(
        "k",
        {
            "Projets": [
                [
                    dt.date(2020, 6, 1),
                    Formatted(0.05, "5.00%", "PERCENT", "0.00%"),
                    12,
                    dt.datetime(2020, 6, 1, 12, 30),
                    "texte",
                ]
            ]
        },
    )
    fields = "sheets(data(rowData(values(effectiveValue,effectiveFormat(numberFormat(type))))))"
    answer = AUTHORISED.get(f"{server.url}/v4/spreadsheets/k", params={"fields": fields}, timeout=10).json()
    assert answer["sheets"][0]["data"][0]["rowData"][0]["values"] == [
        {"effectiveValue": {"numberValue": 43983}, "effectiveFormat": {"numberFormat": {"type": "DATE"}}},
        {"effectiveValue": {"numberValue": 0.05}, "effectiveFormat": {"numberFormat": {"type": "PERCENT"}}},
        {"effectiveValue": {"numberValue": 12}, "effectiveFormat": {}},
        {
            "effectiveValue": {"numberValue": 43983.520833333336},
            "effectiveFormat": {"numberFormat": {"type": "DATE_TIME"}},
        },
        {"effectiveValue": {"stringValue": "texte"}, "effectiveFormat": {}},
    ]


@pytest.mark.parametrize(
    "fields, path",
    [
        (
            "sheets.data.rowData.values.effectiveFormat.numberFormat.kind",
            "sheets.data.rowData.values.effectiveFormat.numberFormat.kind",
        ),
        (
            "sheets(data(rowData(values(effectiveFormat(numberFormats)))))",
            "sheets.data.rowData.values.effectiveFormat.numberFormats",
        ),
        (
            "sheets.data.rowData.values.userEnteredFormat.numberFormat.type.name",
            "sheets.data.rowData.values.userEnteredFormat.numberFormat.type.name",
        ),
    ],
)
def test_an_unknown_path_in_a_cell_format_is_400(server, fields, path):
    server.add_spreadsheet("k", {"Feuille": [["a"]]})
    answer = AUTHORISED.get(f"{server.url}/v4/spreadsheets/k", params={"fields": fields}, timeout=10)
    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == (
        f"Error expanding 'fields' parameter. Cannot find matching fields for path '{path}'."
    )


def test_the_field_masks_the_tool_sends_are_valid():
    from sync.sources.google import GRID_FIELDS
    from sync.usecases.access import PROBE_FIELDS
    from tests.support.sheets_server import check_fields

    for fields in (PROBE_FIELDS, GRID_FIELDS, "sheets(properties,merges,data(rowMetadata,columnMetadata))"):
        check_fields(parse_fields(fields))


def test_the_mask_wins_over_include_grid_data(server):
    """Google: includeGridData « is ignored if a field mask was set in the request »."""
    server.add_spreadsheet("k", {"Projets": [["No projet"], ["A-1"]], "Autre": [["x"]]})
    url = f"{server.url}/v4/spreadsheets/k"
    fields = "sheets(properties(title),data(rowData(values(effectiveValue))))"
    masked = AUTHORISED.get(url, params={"fields": fields}, timeout=10).json()  # no includeGridData
    assert masked["sheets"][0] == {
        "properties": {"title": "Projets"},
        "data": [
            {
                "rowData": [
                    {"values": [{"effectiveValue": {"stringValue": "No projet"}}]},
                    {"values": [{"effectiveValue": {"stringValue": "A-1"}}]},
                ]
            }
        ],
    }
    refused = AUTHORISED.get(
        url, params={"fields": "sheets(properties(title))", "includeGridData": "true"}, timeout=10
    ).json()
    assert refused == {"sheets": [{"properties": {"title": "Projets"}}, {"properties": {"title": "Autre"}}]}
    # Without a mask, includeGridData decides.
    assert "data" not in AUTHORISED.get(url, timeout=10).json()["sheets"][0]
    # ranges: only the tabs they name come back.
    ranged = AUTHORISED.get(url, params={"fields": fields, "ranges": ["'Autre'"]}, timeout=10).json()
    assert ranged == {
        "sheets": [
            {
                "properties": {"title": "Autre"},
                "data": [{"rowData": [{"values": [{"effectiveValue": {"stringValue": "x"}}]}]}],
            }
        ]
    }


def test_answers_are_compressed_only_when_the_user_agent_says_gzip_too(server):
    server.add_spreadsheet("k", {"Feuille": [["a"] * 20] * 50})
    url = f"{server.url}/v4/spreadsheets/k"
    plain = AUTHORISED.get(url, params={"includeGridData": "true"}, headers={"Accept-Encoding": "gzip"}, timeout=10)
    assert "Content-Encoding" not in plain.headers  # python-requests' own User-Agent has no « gzip »
    packed = AUTHORISED.get(
        url,
        params={"includeGridData": "true"},
        headers={"Accept-Encoding": "gzip", "User-Agent": "alliance-sync (gzip)"},
        timeout=10,
    )
    assert packed.headers["Content-Encoding"] == "gzip"
    assert packed.json() == plain.json()
    first, second = server.requests
    assert second.wire_bytes * 10 < first.wire_bytes == len(plain.content)


def test_the_recorded_answers_are_in_the_repository():
    """Every file the fixtures' README names is there and is JSON: a clone checks the
    local server against Google, and CI fails (never skips) when one is missing."""
    import re

    named = set(re.findall(r"`([A-Za-z0-9_]+\.json)`", (FIXTURES / "README.md").read_text(encoding="utf-8")))
    assert named == {path.name for path in FIXTURES.glob("*.json")} and len(named) == 11
    for name in sorted(named):
        assert isinstance(json.loads((FIXTURES / name).read_text(encoding="utf-8")), dict), name
