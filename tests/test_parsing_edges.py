"""Reading rows (sync/parsing/records.py, total_rows.py) at the edges mutation testing
found unguarded: which rows are total rows (docs/gabarit.md, « Lignes de total »),
each finding at its cell with its values."""

from __future__ import annotations

import datetime as dt

import pytest

from sync.config import load_config
from sync.parsing.records import Cells, ParsedWorkbook, parse_workbook
from sync.parsing.total_rows import says_total
from tests.support.builders import PAYMENT_HEADERS, PROJECT_HEADERS, write_alliance


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    return load_config(write_alliance(tmp_path_factory.mktemp("alliance")))


def row(headers: list[str], by_header: dict[str, object]) -> list[object]:
    """A row of ``headers`` with the values given by header, empty elsewhere."""
    return [by_header.get(header) for header in headers]


def parse(config, projects=(), payments=(), tabs=None) -> ParsedWorkbook:
    """OUEST's workbook of these raw rows (header row first), read as a source gives them."""
    tabs = tabs or {"Projets": [PROJECT_HEADERS, *projects], "Versements": [PAYMENT_HEADERS, *payments]}
    return parse_workbook(config.committee("OUEST"), tabs, config)


def where(f) -> tuple:
    return (f.code, f.sheet, f.cell, f.row, f.field, f.values)


@pytest.mark.parametrize(
    "typed",
    ["Total", "TOTAL", "Total :", "total général", "Total global", "Grand total", "Sous-total", "Totaux", "TOTALS"],
)
def test_the_total_words_say_total(typed):
    assert says_total(typed)


@pytest.mark.parametrize(
    "typed", ["Totalement", "Total partiel", "Sous total général x", "Le total", "OUE-2020-001", "", 12, None]
)
def test_other_text_or_a_number_never_says_total(typed):
    assert not says_total(typed)


# ---------------------------------------------------------------- total rows

A = {"No projet": "OUE-2020-001", "Titre du projet": "A", "Coût total": 1000, "FQIS 2019-2020": 300, "FQIS total": 300}
B = {"No projet": "OUE-2020-002", "Titre du projet": "B", "Coût total": 2000, "FQIS 2019-2020": 600, "FQIS total": 600}
C = {
    "No projet": "OUE-2020-003",
    "Titre du projet": "C",
    "Coût total": 4000,
    "FQIS 2019-2020": 1200,
    "FQIS total": 1200,
}


def read_rows(config, *rows: dict) -> tuple[list[int], list[tuple[int | None, object, object]]]:
    """The rows read as projects, and the total rows left out: (row, word, sums)."""
    parsed = parse(config, [row(PROJECT_HEADERS, r) for r in rows])
    totals = [(f.row, f.values["word"], f.values["sums"]) for f in parsed.findings if f.code == "TOTAL_ROW_IGNORED"]
    return [p.row for p in parsed.projects], totals


def test_a_row_that_only_says_total_is_a_total(config):
    assert read_rows(config, A, B, {"Titre du projet": "Total"}) == ([2, 3], [(4, "Total", False)])


def test_a_row_whose_only_figure_is_a_years_sum_is_a_total(config):
    assert read_rows(config, A, B, {"FQIS 2019-2020": 900}) == ([2, 3], [(4, None, True)])


def test_a_row_titled_total_with_a_year_that_is_not_its_sum_is_a_project(config):
    # Every other figure is the sum above; the year column is one dollar off.
    assert read_rows(config, A, B, {"Titre du projet": "Total", "Coût total": 3000, "FQIS 2019-2020": 901}) == (
        [2, 3, 4],
        [],
    )


def test_a_sub_total_sums_every_row_since_the_previous_one(config):
    first, second = {"Titre du projet": "Sous-total", "Coût total": 1000}, {"Coût total": 6000}
    assert read_rows(config, A, first, B, C, second) == ([2, 4, 5], [(3, "Sous-total", True), (6, None, True)])


@pytest.mark.parametrize(
    "held",
    [{"Statut": "En cours"}, {"Territoire": "Roussillon"}, {"Date de fin": dt.date(2021, 3, 31)}],
    ids=["status", "territory", "date"],
)
def test_a_row_titled_total_with_a_listed_value_or_a_date_is_a_project(config, held):
    # A list value or a date is what a project has and a total has not.
    assert read_rows(config, A, B, {"Titre du projet": "Total", "Coût total": 3000, **held}) == ([2, 3, 4], [])


@pytest.mark.parametrize(
    "held",
    [{"No projet": "OUE-2020-009"}, {"Titre du projet": "Total", "FQIS 2019-2020": "neuf cents"}],
    ids=["numbered", "unreadable"],
)
def test_a_row_with_a_number_or_an_unreadable_value_is_a_project_whatever_its_sums(config, held):
    assert read_rows(config, A, B, {"Coût total": 3000, **held}) == ([2, 3, 4], [])


# ---------------------------------------------------------------- cells

# Every text a spreadsheet program shows for a formula's error (Excel, LibreOffice,
# Google Sheets, Excel's data types and connections).
ERROR_TEXTS = [
    "#NULL!",
    "#DIV/0!",
    "#VALUE!",
    "#REF!",
    "#NAME?",
    "#NUM!",
    "#N/A",
    "#GETTING_DATA",
    "#SPILL!",
    "#CALC!",
    "#FIELD!",
    "#BLOCKED!",
    "#CONNECT!",
    "#BUSY!",
    "#UNKNOWN!",
    "#ERROR!",
    "#LOADING",
]


def test_each_error_text_in_a_text_cell_is_an_error_value_at_its_cell(config):
    rows = [
        row(PROJECT_HEADERS, {**A, "No projet": f"OUE-{i}", "Organisme porteur": e}) for i, e in enumerate(ERROR_TEXTS)
    ]
    parsed = parse(config, rows)
    assert [(f.code, f.cell, f.values) for f in parsed.findings] == [
        ("ERROR_VALUE", f"C{i + 2}", {"column": "Organisme porteur", "value": e}) for i, e in enumerate(ERROR_TEXTS)
    ]
    assert all(p.organization == "" and p.invalid == {"organization"} for p in parsed.projects)


@pytest.mark.parametrize(("above", "found"), [(1, 2), (5, 6), (6, None)], ids=["row-2", "row-6", "row-7"])
def test_headers_below_a_title_are_pointed_at_up_to_the_sixth_row(config, above, found):
    title = [["Projets du comité Ouest"]] + [[None]] * (above - 1)
    tabs = {"Projets": [*title, PROJECT_HEADERS, row(PROJECT_HEADERS, A)], "Versements": [PAYMENT_HEADERS]}
    missing = [f for f in parse(config, tabs=tabs).findings if f.code == "MISSING_COLUMN"]
    assert missing and {f.values["header_row"] for f in missing} == {found}


def test_a_records_cells_are_its_addresses():
    cells = Cells({"project_id": "A", "amount": "C"}, 7)
    assert (cells["amount"], "amount" in cells, "date" in cells, len(cells), list(cells)) == (
        "C7",
        True,
        False,
        2,
        ["project_id", "amount"],
    )
    assert repr(cells) == "{'project_id': 'A7', 'amount': 'C7'}"


def test_a_row_one_cent_over_the_sums_above_is_a_project(config):
    # Before any total row, the sums since the header and since the last total are one.
    assert read_rows(config, A, B, {"Titre du projet": "Total", "Coût total": 3000.01}) == ([2, 3, 4], [])


def test_a_value_typed_outside_the_template_columns_is_a_warning_at_its_cell(config):
    beyond = [None] * (len(PROJECT_HEADERS) + 2) + [12.0, "note"]
    parsed = parse(config, [row(PROJECT_HEADERS, A), beyond, row(PROJECT_HEADERS, B)])
    assert [(f.code, f.sheet, f.cell, f.row, f.values) for f in parsed.findings] == [
        ("VALUE_OUTSIDE_TABLE", "Projets", "W3", 3, {"value": "12"})  # column 23: W
    ]
    assert [p.row for p in parsed.projects] == [2, 4]  # the rows after it are read


@pytest.mark.parametrize(
    ("typed", "total"),
    [
        ({"FQIS 2019-2020": 300, "FQIS 2020-2021": 600}, 900_00),  # the SUM formula without its result
        ({"FQIS 2019-2020": 300, "FQIS 2020-2021": "six cents"}, None),  # a year unreadable: no sum
        ({"FQIS 2019-2020": 300, "FQIS total": "neuf cents"}, None),  # the total unreadable
        ({"FQIS 2019-2020": 300, "FQIS total": 250}, 250_00),  # a typed total is kept (and compared)
        ({}, None),  # no year at all
    ],
    ids=["years", "year-unreadable", "total-unreadable", "typed", "none"],
)
def test_an_empty_fqis_total_is_the_sum_of_its_years(config, typed, total):
    number = {"No projet": "OUE-2020-001", "Titre du projet": "A"}
    [project] = parse(config, [row(PROJECT_HEADERS, {**number, **typed})]).projects
    assert project.fqis_total == total


def test_without_a_no_projet_column_no_row_is_a_total(config):
    headers = PAYMENT_HEADERS[1:]
    paid = {"Date du versement": dt.date(2020, 6, 1), "Montant": 100, "Référence": "V-1"}
    tabs = {
        "Projets": [PROJECT_HEADERS],
        "Versements": [headers, row(headers, paid), row(headers, {"Note": "Total", "Montant": 100})],
    }
    parsed = parse(config, tabs=tabs)
    assert [(p.row, p.amount, p.note) for p in parsed.payments] == [(2, 100_00, ""), (3, 100_00, "Total")]
    assert [f.code for f in parsed.findings] == ["MISSING_COLUMN"]


def test_a_lower_row_is_pointed_at_only_when_it_holds_more_than_half_the_headers(config):
    half = len(PAYMENT_HEADERS) // 2  # 2 of the 5 payment headers
    for count, pointed in ((half, None), (half + 1, 2)):
        tabs = {"Projets": [PROJECT_HEADERS], "Versements": [["Versements"], PAYMENT_HEADERS[:count]]}
        missing = [f for f in parse(config, tabs=tabs).findings if f.code == "MISSING_COLUMN"]
        assert missing and {f.values["header_row"] for f in missing} == {pointed}


@pytest.mark.parametrize(
    ("header", "excluded"),
    [("Organisme porteur", False), ("Coût total", True), ("Notes", None)],
    ids=["organisation", "cost", "notes"],  # ASCII: mutmut finds a test by its id
)
def test_a_missing_column_keeps_the_rows_out_only_for_a_key_field(config, header, excluded):
    headers = [h for h in PROJECT_HEADERS if h != header]
    tabs = {"Projets": [headers, row(headers, A)], "Versements": [PAYMENT_HEADERS]}
    missing = [(f.committee, f.values["column"], f.values["excluded"]) for f in parse(config, tabs=tabs).findings]
    assert missing == ([] if excluded is None else [("OUEST", header, excluded)])  # Notes is optional


def test_a_value_outside_the_table_is_the_committees(config):
    parsed = parse(config, [[None] * len(PROJECT_HEADERS) + ["oups"]])
    assert [(f.code, f.committee, f.cell) for f in parsed.findings] == [("VALUE_OUTSIDE_TABLE", "OUEST", "U2")]


def test_an_empty_tab_is_its_missing_columns_not_a_crash(config):
    parsed = parse(config, tabs={"Projets": [PROJECT_HEADERS, row(PROJECT_HEADERS, A)], "Versements": []})
    assert [(f.code, f.sheet, f.values["column"]) for f in parsed.findings] == [
        ("MISSING_COLUMN", "Versements", header)
        for header in ("No projet", "Date du versement", "Montant", "Référence")
    ]
    assert (len(parsed.projects), parsed.payments) == (1, [])


def test_a_row_shorter_than_the_header_is_read(config):
    # Google leaves out a row's empty cells after its last value.
    parsed = parse(config, [["OUE-2020-001", "Titre seul"]])
    assert [(p.row, p.project_id, p.title, p.total_cost) for p in parsed.projects] == [
        (2, "OUE-2020-001", "Titre seul", None)
    ]


def test_a_finding_of_a_row_without_number_names_no_project(config):
    parsed = parse(config, [row(PROJECT_HEADERS, {"Titre du projet": "Sans numéro", "Coût total": "mille"})])
    assert [(f.code, f.cell, f.project_id) for f in parsed.findings] == [("INVALID_AMOUNT", "K2", "")]


def test_a_total_row_names_no_project(config):
    parsed = parse(config, [row(PROJECT_HEADERS, A), row(PROJECT_HEADERS, {"No projet": "Total", "Coût total": 1000})])
    assert [(f.code, f.cell, f.project_id, f.field) for f in parsed.findings] == [
        ("TOTAL_ROW_IGNORED", "A3", "", "project_id")
    ]


def test_a_duplicated_column_is_the_committees_at_the_copy(config):
    headers = [*PAYMENT_HEADERS, "Montant"]
    tabs = {"Projets": [PROJECT_HEADERS], "Versements": [headers]}
    assert [(f.code, f.committee, f.cell, f.values) for f in parse(config, tabs=tabs).findings] == [
        ("DUPLICATE_COLUMN", "OUEST", "F1", {"column": "Montant", "first": "C1"})
    ]


def test_a_second_tab_of_the_same_name_is_the_committees(config):
    tabs = {"Projets": [PROJECT_HEADERS], "PROJETS": [PROJECT_HEADERS, row(PROJECT_HEADERS, A)], "Versements": []}
    found = [
        (f.code, f.committee, f.sheet, f.values) for f in parse(config, tabs=tabs).findings if f.code == "AMBIGUOUS_TAB"
    ]
    assert found == [("AMBIGUOUS_TAB", "OUEST", "PROJETS", {"read": "Projets"})]


def test_a_short_row_with_a_value_only_in_an_unknown_column_is_outside_the_table(config):
    headers = ["No projet", "Perso", *PROJECT_HEADERS[1:]]
    tabs = {"Projets": [headers, [None, "x"]], "Versements": [PAYMENT_HEADERS]}
    assert [(f.code, f.cell) for f in parse(config, tabs=tabs).findings] == [("VALUE_OUTSIDE_TABLE", "B2")]
