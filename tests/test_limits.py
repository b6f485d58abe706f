"""Every limit at its edge: one below (N−1), exactly (N), one above (N+1).

A limit tested only far from its edge passes when its comparison is off by one
(``>`` for ``>=``, ``N`` for ``N + 1``). Each case here states the three sides: the
reading limits of both sources (filled rows, cells, extent, size), the exact
values (largest amount, date serials, whole numbers, cell text) and the rules'
thresholds (envelopes, FQIS over cost or share, period, end before start, paid
over granted), to the cent or to the day. Then every encoding of an error cell
that Excel, LibreOffice and Google produce is a finding at its cell.

Projets columns (tests/support/builders.py): A No projet, B Titre du projet … G
Statut, H Date d'approbation, I Date de début, J Date de fin, K Coût total, L-O FQIS
of each year, P FQIS total; Versements: A No projet, B Date du versement, C Montant.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest

from sync.config import SourceSpec
from sync.errors import NoUsableData, SourceUnavailable
from sync.findings import Code
from sync.money import MAX_CENTS
from sync.parsing.records import MAX_CELL_TEXT
from sync.parsing.values import Unreadable, parse_cents, parse_date, parse_whole_number
from sync.sources import google as google_source
from sync.sources import xlsx as xlsx_reader
from sync.sources.xlsx import XlsxSource
from tests.support.builders import payment, project, write_alliance
from tests.support.checks import of_code, only, validate
from tests.support.hostile import Error, sheet_xml, write_committee, write_xlsx

BELOW, AT, ABOVE = -1, 0, 1
EDGES = [BELOW, AT, ABOVE]
EDGE_IDS = ["N-1", "N", "N+1"]


def read(path):
    return XlsxSource(SourceSpec("xlsx", str(path)), committee_code="OUEST").read(["Projets", "Versements"])


def codes(report, committee: str = "OUEST") -> set[str]:
    return {f.code for f in report.findings_of(committee)}


# ---------------------------------------------------------------- reading limits


@pytest.mark.parametrize("dense", [True, False], ids=["calamine", "cellule-par-cellule"])
@pytest.mark.parametrize("edge", EDGES, ids=EDGE_IDS)
def test_the_filled_row_limit_of_a_file(tmp_path, monkeypatch, edge, dense):
    monkeypatch.setattr(xlsx_reader, "MAX_ROWS", 5)
    if not dense:
        monkeypatch.setattr(xlsx_reader, "DENSE_CELLS", 0)
    rows = [["No projet"], *([f"OUE-{i}"] for i in range(5 + edge))]
    path = write_xlsx(tmp_path / "ouest.xlsx", {"Projets": sheet_xml(rows)})
    if edge == ABOVE:
        with pytest.raises(SourceUnavailable) as caught:
            read(path)
        assert "l'onglet « Projets » compte plus de 5 lignes remplies, la limite" in caught.value.message
    else:
        assert read(path).tabs["Projets"] == rows


@pytest.mark.parametrize("edge", EDGES, ids=EDGE_IDS)
def test_the_filled_row_limit_of_a_google_spreadsheet(tmp_path, sheets_api, monkeypatch, edge):
    from tests.support.sheets_server import KEYS, committee_tabs, google_config

    monkeypatch.setattr(google_source, "MAX_ROWS", 5)
    projects = [project(f"OUE-2020-00{i}") for i in range(1, 6 + edge)]
    sheets_api.add_spreadsheet(KEYS["OUEST"], committee_tabs(projects))
    config = google_config(tmp_path, codes=("OUEST",))
    if edge == ABOVE:
        with pytest.raises(NoUsableData) as caught:
            validate(config)
        assert "l'onglet « Projets » compte plus de 5 lignes remplies, la limite" in caught.value.message
    else:
        assert len(validate(config).workbooks["OUEST"].projects) == 5 + edge


@pytest.mark.parametrize("edge", EDGES, ids=EDGE_IDS)
def test_the_filled_cell_limit_of_a_tab_read_cell_by_cell(tmp_path, monkeypatch, edge):
    monkeypatch.setattr(xlsx_reader, "DENSE_CELLS", 0)
    monkeypatch.setattr(xlsx_reader, "MAX_CELLS", 10)
    rows = [["No projet"], *([f"OUE-{i}"] for i in range(9 + edge))]  # 10 + edge cells
    path = write_xlsx(tmp_path / "ouest.xlsx", {"Projets": sheet_xml(rows)})
    if edge == ABOVE:
        with pytest.raises(SourceUnavailable) as caught:
            read(path)
        assert "l'onglet « Projets » contient plus de 10 cellules remplies, la limite" in caught.value.message
    else:
        assert len(read(path).tabs["Projets"]) == 10 + edge


@pytest.mark.parametrize("edge", EDGES, ids=EDGE_IDS)
def test_the_extent_limit_of_a_tab_read_cell_by_cell(tmp_path, monkeypatch, edge):
    # Read cell by cell, a tab stops as soon as its rows span more cells than the
    # limit (each row up to its last column), before the whole workbook's count
    # (rows and cells of every tab read) refuses it anyway.
    monkeypatch.setattr(xlsx_reader, "DENSE_CELLS", 0)
    monkeypatch.setattr(xlsx_reader, "MAX_SLOTS", 10)
    rows = [[None, "No projet"], *([None, f"OUE-{i}"] for i in range(3))]  # 8 cells spanned
    rows += {BELOW: [["x"]], AT: [[None, "y"]], ABOVE: [["x"], [None, "y"]]}[edge]
    assert sum(len(row) for row in rows) == 10 + edge
    path = write_xlsx(tmp_path / "ouest.xlsx", {"Projets": sheet_xml(rows)})
    with pytest.raises(SourceUnavailable) as caught:
        read(path)
    tab = "les valeurs de l'onglet « Projets » s'étendent sur plus de 10 cellules, la limite"
    workbook = "ses onglets Projets et Versements et ceux qui leur ressemblent s'étendent sur plus de 10 cellules"
    assert (tab if edge == ABOVE else workbook) in caught.value.message


@pytest.mark.parametrize("edge", EDGES, ids=EDGE_IDS)
def test_the_extent_limit_of_a_workbook_read_by_calamine(tmp_path, monkeypatch, edge):
    # The rows and cells of every tab read, together: len(rows) + cells of each row.
    monkeypatch.setattr(xlsx_reader, "MAX_SLOTS", 20)
    rows = [["No projet", "Titre"], *([f"OUE-{i}", "t"] for i in range(4)), ["x", "y", "z", "w", "v"][: 4 + edge]]
    assert len(rows) + sum(map(len, rows)) == 20 + edge
    path = write_xlsx(tmp_path / "ouest.xlsx", {"Projets": sheet_xml(rows)})
    if edge == ABOVE:
        with pytest.raises(SourceUnavailable) as caught:
            read(path)
        assert "s'étendent sur plus de 20 cellules, la limite" in caught.value.message
    else:
        assert read(path).tabs["Projets"] == rows


@pytest.mark.parametrize("edge", EDGES, ids=EDGE_IDS)
def test_the_size_limit_of_a_file(tmp_path, monkeypatch, edge):
    path = write_xlsx(tmp_path / "ouest.xlsx", {"Projets": sheet_xml([["No projet"], ["OUE-1"]])})
    size = os.path.getsize(path)
    # The limit set around the file: the file is one byte below it, at it, one above it.
    monkeypatch.setattr(xlsx_reader, "MAX_PART_BYTES", size - edge)
    if edge == ABOVE:
        with pytest.raises(SourceUnavailable) as caught:
            read(path)
        assert caught.value.message.startswith(f"le fichier {path} est illisible : il occupe ")
    else:
        assert read(path).tabs["Projets"] == [["No projet"], ["OUE-1"]]


# ---------------------------------------------------------------- exact values


@pytest.mark.parametrize("edge", EDGES, ids=EDGE_IDS)
def test_the_largest_amount(edge):
    cents = MAX_CENTS + edge
    dollars, rest = divmod(cents, 100)
    for value in (f"{dollars},{rest:02d} $", f"{dollars}.{rest:02d}"):
        if edge == ABOVE:
            with pytest.raises(Unreadable) as caught:
                parse_cents(value)
            assert caught.value.reason == "too_large"
        else:
            assert parse_cents(value) == cents


@pytest.mark.parametrize(
    ("serial", "expected"),
    [
        (0, None),
        (1, dt.date(1899, 12, 31)),
        (2, dt.date(1900, 1, 1)),
        (2958464, dt.date(9999, 12, 30)),
        (2958465, dt.date(9999, 12, 31)),
        (2958466, None),
    ],
)
def test_the_date_serials_at_both_ends(serial, expected):
    for value in (serial, float(serial)):
        if expected is None:
            with pytest.raises(Unreadable):
                parse_date(value)
        else:
            assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(-1, None), (0, 0), (1, 1), (10**15 - 2, 10**15 - 2), (10**15 - 1, 10**15 - 1), (10**15, None)],
)
def test_a_whole_number_at_both_ends(value, expected):
    for typed in (value, str(value)):
        if expected is None:
            with pytest.raises(Unreadable):
                parse_whole_number(typed)
        else:
            assert parse_whole_number(typed) == expected


@pytest.mark.parametrize("edge", EDGES, ids=EDGE_IDS)
def test_the_longest_cell_text(tmp_path, edge):
    length = MAX_CELL_TEXT + edge
    # Written by hand: openpyxl refuses a text longer than an Excel cell holds.
    config = write_alliance(tmp_path)
    write_committee(tmp_path / "ouest.xlsx", projects=[project(title="é" * length)], payments=[])
    report = validate(config)
    found = of_code(report, Code.TEXT_TOO_LONG)
    if edge == ABOVE:
        assert [(f.cell, f.values["length"], f.values["limit"]) for f in found] == [("B2", 32_768, 32_767)]
    else:
        assert found == []


# ---------------------------------------------------------------- rules' thresholds

# OUEST's allocation is 2 600 000 $, the alliance's envelope 11 800 000 $, the
# envelope is nearly used from 95 % (2 470 000 $) and the FQIS may pay 80 % of a cost.


def one_project(tmp_path, *, fqis_cents: int, cost_cents: int | None = None, **config):
    fqis = fqis_cents / 100
    cost = cost_cents / 100 if cost_cents is not None else fqis * 2
    rows = [project("OUE-2020-001", fqis={"2019-2020": fqis}, total_cost=cost, other_contributions=0)]
    return validate(write_alliance(tmp_path, {"OUEST": {"projects": rows}}, **config))


@pytest.mark.parametrize("edge", EDGES, ids=EDGE_IDS)
def test_a_subregion_envelope_is_exceeded_from_one_cent_over(tmp_path, edge):
    report = one_project(tmp_path, fqis_cents=260_000_000 + edge)
    exceeded = of_code(report, Code.SUBREGION_ENVELOPE_EXCEEDED)
    if edge == ABOVE:
        assert [(f.values["committed"], f.values["allocation"]) for f in exceeded] == [(260_000_001, 260_000_000)]
    else:
        assert exceeded == []
        assert [f.values["committed"] for f in of_code(report, Code.SUBREGION_ENVELOPE_NEARLY_USED)] == [
            260_000_000 + edge
        ]


@pytest.mark.parametrize("edge", EDGES, ids=EDGE_IDS)
def test_a_subregion_envelope_is_nearly_used_from_its_threshold(tmp_path, edge):
    report = one_project(tmp_path, fqis_cents=247_000_000 + edge)
    nearly = of_code(report, Code.SUBREGION_ENVELOPE_NEARLY_USED)
    if edge == BELOW:
        assert nearly == []
    else:
        assert [(f.committee, f.values["committed"]) for f in nearly] == [("OUEST", 247_000_000 + edge)]


@pytest.mark.parametrize("edge", EDGES, ids=EDGE_IDS)
def test_an_annual_envelope_is_exceeded_from_one_cent_over(tmp_path, edge):
    report = one_project(tmp_path, fqis_cents=100_000_000 + edge, annual={"OUEST": {"2019-2020": 1_000_000}})
    exceeded = of_code(report, Code.ANNUAL_ENVELOPE_EXCEEDED)
    if edge == ABOVE:
        assert [(f.values["year"], f.values["committed"], f.values["allocation"]) for f in exceeded] == [
            ("2019-2020", 100_000_001, 100_000_000)
        ]
    else:
        assert exceeded == []


@pytest.mark.parametrize("edge", EDGES, ids=EDGE_IDS)
def test_the_alliance_envelope_is_exceeded_from_one_cent_over(tmp_path, edge):
    # The envelope is the sum of the allocations: 11 800 000 $.
    report = one_project(tmp_path, fqis_cents=1_180_000_000 + edge)
    exceeded = of_code(report, Code.ALLIANCE_ENVELOPE_EXCEEDED)
    if edge == ABOVE:
        assert [(f.values["committed"], f.values["envelope"]) for f in exceeded] == [(1_180_000_001, 1_180_000_000)]
    else:
        assert exceeded == []


@pytest.mark.parametrize("edge", EDGES, ids=EDGE_IDS)
def test_fqis_over_the_total_cost_from_one_cent_over(tmp_path, edge):
    report = one_project(tmp_path, fqis_cents=5_000_000 + edge, cost_cents=5_000_000)
    over = of_code(report, Code.FQIS_OVER_TOTAL_COST)
    if edge == ABOVE:
        assert [(f.cell, f.values["fqis"], f.values["cost"]) for f in over] == [("P2", 5_000_001, 5_000_000)]
    else:
        assert over == []
        # At the cost itself, the share (100 %) is above 80 %.
        assert len(of_code(report, Code.FQIS_SHARE_HIGH)) == 1


@pytest.mark.parametrize("edge", EDGES, ids=EDGE_IDS)
def test_the_fqis_share_is_high_from_one_cent_over_its_maximum(tmp_path, edge):
    report = one_project(tmp_path, fqis_cents=4_000_000 + edge, cost_cents=5_000_000)
    high = of_code(report, Code.FQIS_SHARE_HIGH)
    assert (len(high) == 1) == (edge == ABOVE)
    assert of_code(report, Code.FQIS_OVER_TOTAL_COST) == []


@pytest.mark.parametrize(
    ("day", "inside"),
    [
        (dt.date(2019, 3, 31), False),
        (dt.date(2019, 4, 1), True),
        (dt.date(2019, 4, 2), True),
        (dt.date(2023, 3, 30), True),
        (dt.date(2023, 3, 31), True),
        (dt.date(2023, 4, 1), False),
    ],
)
def test_the_period_of_the_agreement_to_the_day(tmp_path, day, inside):
    report = validate(
        write_alliance(
            tmp_path,
            {"OUEST": {"projects": [project(approval_date=day)], "payments": [payment(date=day, amount=1)]}},
        )
    )
    outside = sorted((f.sheet, f.cell, f.values["value"]) for f in of_code(report, Code.DATE_OUTSIDE_PERIOD))
    assert outside == ([] if inside else [("Projets", "H2", day), ("Versements", "B2", day)])
    # A payment outside the period still counts (a warning, not a key field's error).
    assert report.totals.line("OUEST").paid == 100


@pytest.mark.parametrize("days", [-1, 0, 1], ids=["veille", "jour-meme", "lendemain"])
def test_an_end_before_the_start_to_the_day(tmp_path, days):
    start = dt.date(2020, 6, 1)
    end = start + dt.timedelta(days=days)
    report = validate(write_alliance(tmp_path, {"OUEST": {"projects": [project(start_date=start, end_date=end)]}}))
    found = of_code(report, Code.END_BEFORE_START)
    if days < 0:
        assert [(f.cell, f.values["start"], f.values["end"]) for f in found] == [("J2", start, end)]
    else:
        assert found == []


@pytest.mark.parametrize("edge", EDGES, ids=EDGE_IDS)
def test_paid_over_granted_from_one_cent_over(tmp_path, edge):
    payments = [payment(amount=30_000), payment(amount=30_000 + edge / 100, reference="VER-0002")]
    report = validate(write_alliance(tmp_path, {"OUEST": {"projects": [project()], "payments": payments}}))
    over = of_code(report, Code.PAID_OVER_GRANTED)
    if edge == ABOVE:
        assert [(f.values["paid"], f.values["granted"]) for f in over] == [(6_000_001, 6_000_000)]
    else:
        assert over == []
    assert report.totals.line("OUEST").paid == 6_000_000 + edge


# ---------------------------------------------------------------- error cells

# Google's error types (ErrorValue.type of the Sheets API) and the text each shows.
GOOGLE_ERRORS = {
    "DIVIDE_BY_ZERO": "#DIV/0!",
    "N_A": "#N/A",
    "NULL_VALUE": "#NULL!",
    "VALUE": "#VALUE!",
    "REF": "#REF!",
    "NAME": "#NAME?",
    "NUM": "#NUM!",
    "ERROR": "#ERROR!",
    "LOADING": "#LOADING",
    "A_TYPE_GOOGLE_ADDS_LATER": "#ERROR!",
}


@pytest.mark.parametrize(("kind", "text"), GOOGLE_ERRORS.items(), ids=list(GOOGLE_ERRORS))
def test_each_google_error_type_is_its_text(kind, text):
    assert google_source.cell_value({"effectiveValue": {"errorValue": {"type": kind, "message": "…"}}}) == text


# How an error cell is written in an .xlsx: a cell of type error (Excel and
# LibreOffice, with or without the formula that gave it), a formula result of type
# text, the text pasted as a value (inline or shared).
def _error_cell(ref: str, text: str, how: str) -> bytes:
    return {
        "t=e": f'<c r="{ref}" t="e"><v>{text}</v></c>',
        "t=e+f": f'<c r="{ref}" t="e"><f>1/0</f><v>{text}</v></c>',
        "t=str": f'<c r="{ref}" t="str"><f>IFERROR(0,0)</f><v>{text}</v></c>',
        "inlineStr": f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>',
    }[how].encode()


XLSX_ERRORS = ["#DIV/0!", "#N/A", "#NULL!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#SPILL!", "#CALC!"]


@pytest.mark.parametrize("how", ["t=e", "t=e+f", "t=str", "inlineStr"])
@pytest.mark.parametrize("dense", [True, False], ids=["calamine", "cellule-par-cellule"])
def test_each_encoding_of_an_error_cell_in_a_file_is_its_text(tmp_path, monkeypatch, how, dense):
    if not dense:
        monkeypatch.setattr(xlsx_reader, "DENSE_CELLS", 0)
    xml = sheet_xml([["No projet", "Montant"]])
    cells = b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>P-%d</t></is></c>%s</row>'
        % (row, row, row, _error_cell(f"B{row}", text, how))
        for row, text in enumerate(XLSX_ERRORS, start=2)
    )
    path = write_xlsx(tmp_path / "ouest.xlsx", {"Projets": xml.replace(b"</sheetData>", cells + b"</sheetData>")})
    assert [row[1] for row in read(path).tabs["Projets"][1:]] == XLSX_ERRORS


@pytest.mark.parametrize("text", ["#REF!", "#SPILL!", "#CALC!"])
@pytest.mark.parametrize("field", ["title", "total_cost", "status"])
def test_an_error_cell_is_a_finding_at_its_cell_whatever_the_field(tmp_path, field, text):
    # #SPILL! and #CALC! (a recent Excel's) are unknown to calamine: the sheet is read
    # cell by cell, never refused as damaged.
    config = write_alliance(tmp_path)
    rows = [project(), project("OUE-2020-002", **{field: Error(text)})]
    write_committee(tmp_path / "ouest.xlsx", projects=rows, payments=[])
    report = validate(config)
    if field == "total_cost":
        found = only(report, Code.INVALID_AMOUNT, committee="OUEST")
        assert (found.cell, found.values["value"]) == ("K3", text)
    else:
        found = only(report, Code.ERROR_VALUE, committee="OUEST")
        assert (found.cell, found.values["value"]) == ({"title": "B3", "status": "G3"}[field], text)
    # A key field's error keeps the row out; a title's does not.
    assert report.totals.line("OUEST").projects_committed == (2 if field == "title" else 1)
