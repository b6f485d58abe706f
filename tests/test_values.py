"""Cell values as committees type them (docs/gabarit.md): exact to the cent, or refused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from sync.config import SourceSpec
from sync.parsing.values import Unreadable, parse_cents, parse_date, parse_whole_number
from sync.sources.xlsx import XlsxSource
from tests.support.builders import payment, project, write_alliance, write_committee_xlsx
from tests.support.checks import of_code, only, validate

SPACES = [" ", "\u00a0", "\u202f"]  # ordinary, no-break, narrow no-break


def quebec_text(cents: int, sep: str, decimals: str, dollar: str) -> str:
    """``cents`` written as a committee would: grouped thousands, decimal comma, $ anywhere."""
    whole, part = divmod(cents, 100)
    digits = str(whole)
    groups: list[str] = []
    while digits:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    text = sep.join(groups)
    if decimals == "comma" or part:
        text += f",{part:02d}"
    elif decimals == "dot":
        text += ".00"
    if dollar == "after":
        text += " $"
    elif dollar == "after-tight":
        text += "$"
    elif dollar == "before":
        text = "$ " + text
    elif dollar == "before-tight":
        text = "$" + text
    return text


@given(
    cents=st.integers(min_value=0, max_value=10**12),
    sep=st.sampled_from(SPACES + [""]),
    decimals=st.sampled_from(["none", "comma", "dot"]),
    dollar=st.sampled_from(["none", "after", "after-tight", "before", "before-tight"]),
)
@example(cents=123456789, sep=" ", decimals="comma", dollar="after-tight")  # 1 234 567,89$
@example(cents=1250050, sep="\u202f", decimals="comma", dollar="after")
def test_any_amount_written_the_quebec_way_parses_back_to_its_cents(cents, sep, decimals, dollar):
    assert parse_cents(quebec_text(cents, sep, decimals, dollar)) == cents


@given(cents=st.integers(min_value=0, max_value=10**12))
def test_any_amount_in_a_number_cell_parses_to_its_cents(cents):
    # What openpyxl or Sheets give for a money cell: a float in dollars, or an int.
    assert parse_cents(cents / 100) == cents
    assert parse_cents(Decimal(cents) / 100) == cents
    if cents % 100 == 0:
        assert parse_cents(cents // 100) == cents


@given(cents=st.integers(min_value=0, max_value=10**11), sep=st.sampled_from(SPACES))
def test_dot_decimal_with_space_grouping_parses(cents, sep):
    whole, part = divmod(cents, 100)
    text = quebec_text(whole * 100, sep, "none", "none") + f".{part:02d}"
    assert parse_cents(text) == cents


@pytest.mark.parametrize(
    "text, cents",
    [
        ("12 500 $", 1_250_000),
        ("12 500,50 $", 1_250_050),
        ("12500.50", 1_250_050),
        ("12 500,00", 1_250_000),
        ("1 234 567,89$", 123_456_789),
        ("12\u00a0500,00\u00a0$", 1_250_000),
        ("12\u202f500,00\u202f$", 1_250_000),
        ("$12 500", 1_250_000),
        ("0,5", 50),
        ("1,234,567.89", 123_456_789),
        ("1.234.567,89", 123_456_789),
        ("  7 000  ", 700_000),
    ],
)
def test_typed_amounts(text, cents):
    assert parse_cents(text) == cents


def test_floats_from_cells_are_exact():
    assert parse_cents(0.1 + 0.2) == 30  # a SUM of 0,10 and 0,20 in a spreadsheet
    assert parse_cents(12500.5) == 1_250_050
    assert parse_cents(19.99) == 1999
    assert parse_cents(2600000) == 260_000_000


@pytest.mark.parametrize(
    "text",
    [
        "12,500",  # a thousands comma or a decimal comma with three decimals: not guessed
        "12.500",
        "12 50,00",  # spaces that do not group thousands
        "1 2345",
        "douze mille",
        "N/D",
        "12 500 $ 50",
        "$$12",
        "12$50",
        "1.234.567,89.10",
        "12500.505",
        "#REF!",
        ".50",
    ],
)
def test_ambiguous_or_unreadable_amounts_are_refused(text):
    with pytest.raises(Unreadable) as caught:
        parse_cents(text)
    assert caught.value.reason == "unreadable"


@pytest.mark.parametrize("value", ["-12 500,00 $", "-$5", "(5,00 $)", -1, -0.01])
def test_negative_amounts_are_refused_as_negative(value):
    with pytest.raises(Unreadable) as caught:
        parse_cents(value)
    assert caught.value.reason == "negative"


@pytest.mark.parametrize("value", ["12 500,505", 12.345, "0.001"])
def test_amounts_finer_than_a_cent_are_refused(value):
    with pytest.raises(Unreadable) as caught:
        parse_cents(value)
    assert caught.value.reason in ("fraction", "unreadable")


@pytest.mark.parametrize("value", [True, dt.date(2020, 4, 1), float("nan"), float("inf"), [1]])
def test_non_amounts_are_refused(value):
    with pytest.raises(Unreadable):
        parse_cents(value)


# -- dates -----------------------------------------------------------------


@pytest.mark.parametrize(
    "value, day",
    [
        (dt.datetime(2020, 4, 1, 0, 0), dt.date(2020, 4, 1)),
        (dt.datetime(2020, 4, 1, 14, 30), dt.date(2020, 4, 1)),
        (dt.date(2020, 4, 1), dt.date(2020, 4, 1)),
        (43922, dt.date(2020, 4, 1)),  # Sheets/Excel serial number
        (43922.75, dt.date(2020, 4, 1)),  # a serial with a time of day
        ("43922", dt.date(2020, 4, 1)),
        ("2020-04-01", dt.date(2020, 4, 1)),
        (" 2020-04-01 ", dt.date(2020, 4, 1)),
        ("2020-04-01 00:00:00", dt.date(2020, 4, 1)),
        ("01/04/2020", dt.date(2020, 4, 1)),  # day first, Québec usage
        ("1/4/2020", dt.date(2020, 4, 1)),
        ("31/12/2020", dt.date(2020, 12, 31)),
        ("01-04-2020", dt.date(2020, 4, 1)),
    ],
)
def test_dates(value, day):
    assert parse_date(value) == day


@given(st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 12, 31)))
def test_any_date_round_trips_through_serial_iso_and_day_first(day):
    serial = (day - dt.date(1899, 12, 30)).days
    assert parse_date(serial) == day
    assert parse_date(float(serial)) == day
    assert parse_date(day.isoformat()) == day
    assert parse_date(day.strftime("%d/%m/%Y")) == day


@pytest.mark.parametrize(
    "value",
    [
        "12/31/2020",  # month first: month 31 does not exist
        "2020-02-30",
        "avril 2020",
        "20/04/01",
        "1/4/20",
        "2020-04",
        0,
        -5,
        True,
        "N/D",
    ],
)
def test_unreadable_dates_are_refused(value):
    with pytest.raises(Unreadable):
        parse_date(value)


# -- whole numbers -----------------------------------------------------------


@pytest.mark.parametrize(
    "value, number", [(25, 25), (25.0, 25), ("25", 25), (" 1 200 ", 1200), ("1\u00a0200", 1200), (0, 0)]
)
def test_whole_numbers(value, number):
    assert parse_whole_number(value) == number


@pytest.mark.parametrize("value", [-1, 2.5, "2,5", "vingt", "1 20", True, "-3", dt.date(2020, 1, 1)])
def test_not_whole_numbers_are_refused(value):
    with pytest.raises(Unreadable):
        parse_whole_number(value)


# -- through a real workbook: what openpyxl reads back, and findings at the cell -----


def test_values_read_back_from_an_xlsx_cell(tmp_path):
    path = write_committee_xlsx(
        tmp_path / "ouest.xlsx",
        projects=[
            project(
                "OUE-2020-001",
                total_cost=100000.1,
                fqis={"2019-2020": "30 000,05 $", "2020-2021": 29999.95},
                fqis_total=60000,
                other_contributions=" 40 000,10\u00a0$",
                start_date="01/06/2019",
                end_date=dt.datetime(2021, 3, 31, 0, 0),
                approval_date=43600,
            )
        ],
    )
    raw = XlsxSource(SourceSpec("xlsx", str(path))).read(["Projets", "Versements"])
    header, row = raw.tabs["Projets"][0], raw.tabs["Projets"][1]
    cell = dict(zip(header, row, strict=False))
    assert parse_cents(cell["Coût total"]) == 10_000_010
    assert parse_cents(cell["FQIS 2019-2020"]) == 3_000_005
    assert parse_cents(cell["FQIS 2020-2021"]) == 2_999_995
    assert parse_cents(cell["Autres contributions"]) == 4_000_010
    assert parse_date(cell["Date de début"]) == dt.date(2019, 6, 1)
    assert parse_date(cell["Date de fin"]) == dt.date(2021, 3, 31)
    assert parse_date(cell["Date d'approbation"]) == dt.date(2019, 5, 15)


def test_unreadable_values_are_findings_at_their_cell_never_a_silent_zero(tmp_path):
    config = write_alliance(
        tmp_path,
        {
            "OUEST": {
                "projects": [
                    project("OUE-2020-001", total_cost="12,500", fqis={"2019-2020": 5000}),
                    project("OUE-2020-002", start_date="2019-13-01"),
                    project("OUE-2020-003", participants_target="vingt"),
                ],
                "payments": [payment("OUE-2020-002", amount="dix mille")],
            }
        },
    )
    report = validate(config)
    cost = only(report, "INVALID_AMOUNT", cell="K2")
    assert (cost.committee, cost.sheet, cost.row, cost.project_id) == ("OUEST", "Projets", 2, "OUE-2020-001")
    assert "montant illisible « 12,500 »" in cost.message
    date = only(report, "INVALID_DATE")
    assert (date.sheet, date.cell, date.row, date.project_id) == ("Projets", "I3", 3, "OUE-2020-002")
    assert "« Date de début » : date illisible « 2019-13-01 »" in date.message
    number = only(report, "INVALID_NUMBER")
    assert (number.sheet, number.cell, number.row) == ("Projets", "R4", 4)
    assert "« Participants visés » : « vingt » n'est pas un nombre entier" in number.message
    amount = only(report, "INVALID_AMOUNT", sheet="Versements")
    assert (amount.cell, amount.row, amount.project_id) == ("C2", 2, "OUE-2020-002")
    # The unreadable cost keeps project 001 out of the totals instead of counting it as 0 $;
    # the unreadable payment is not counted as paid.
    line = report.totals.line("OUEST")
    assert line.projects_committed == 2
    assert line.committed == 12_000_000
    assert line.paid == 0
    assert not of_code(report, "FQIS_OVER_TOTAL_COST")


# -- amounts and counts too big, odd digits -------------------------------------------


@pytest.mark.parametrize("typed", ["9" * 40, 1e300, 12345678901234567890, "10 000 000 000 000,00 $"])
def test_an_amount_no_spreadsheet_holds_exactly_is_refused(typed):
    with pytest.raises(Unreadable):
        parse_cents(typed)


def test_the_largest_amount_a_spreadsheet_holds_is_read_to_the_cent():
    from sync.money import MAX_CENTS

    assert parse_cents("9 999 999 999 999,99 $") == MAX_CENTS == 999_999_999_999_999


def test_a_huge_participant_count_is_refused():
    with pytest.raises(Unreadable):
        parse_whole_number("9" * 40)


def test_huge_amounts_are_findings_and_the_run_records_them(tmp_path):
    # Once accepted, 10⁴⁰ $ overflowed SQLite's integers and the run ended in a traceback.
    from tests.support.cli import invoke

    path = write_alliance(
        tmp_path,
        {
            "OUEST": {
                "projects": [project("OUE-2020-001", total_cost="9" * 40)],
                "payments": [payment("OUE-2020-001", amount=1e300)],
            },
        },
    )
    report = validate(path)
    cost = only(report, "INVALID_AMOUNT", cell="K2")
    assert cost.message == (
        "« Coût total » : montant démesuré « 9999999999999999999999999999999999999999 ». "
        "Attendu : un montant d'au plus 9 999 999 999 999,99 $ (vérifiez la saisie)."
    )
    paid = only(report, "INVALID_AMOUNT", sheet="Versements", cell="C2")
    assert "« 1e+300 »" in paid.message  # as a spreadsheet shows it, not 301 digits
    result = invoke(
        "run", "--config", str(path), "--state-dir", str(tmp_path / "etat"), "--output", str(tmp_path / "rapport.xlsx")
    )
    assert result.exit_code == 1, result.output
    assert (tmp_path / "rapport.xlsx").is_file()


def test_cents_from_dollars_refuses_what_is_not_a_finite_amount():
    from sync.money import MAX_CENTS, cents_from_dollars

    for dollars in ("Infinity", "NaN", "1e13"):
        with pytest.raises(ValueError):
            cents_from_dollars(dollars)
    assert cents_from_dollars("9999999999999.99") == MAX_CENTS


def test_one_conversion_of_cents_for_every_workbook_and_never_a_float():
    from sync.money import MAX_CENTS, spreadsheet_number

    assert spreadsheet_number(260000000) == 2600000 and type(spreadsheet_number(260000000)) is int
    assert spreadsheet_number(99994) == Decimal("999.94") and type(spreadsheet_number(99994)) is Decimal
    assert spreadsheet_number(MAX_CENTS) == Decimal("9999999999999.99")
    assert spreadsheet_number(5) == Decimal("0.05")


@pytest.mark.parametrize("typed", ["²", "2020²", "¹⁰"])
def test_superscript_digits_in_a_date_are_a_finding_not_a_crash(tmp_path, typed):
    # str.isdigit() admits them and int() refused them: a ValueError stopped the whole validation.
    path = write_alliance(tmp_path, {"OUEST": {"projects": [project("OUE-2020-001", approval_date=typed)]}})
    found = only(validate(path), "INVALID_DATE", cell="H2")
    assert f"date illisible « {typed} »" in found.message


@pytest.mark.parametrize("parse", [parse_cents, parse_whole_number])
def test_a_decimal_that_is_not_a_number_is_unreadable(parse):
    for value in (Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity")):
        with pytest.raises(Unreadable):
            parse(value)


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "\u00a0",
        "\u202f",
        "\u2009",
        "\u2007",
        "\t\n\r",
        "\u3000",
        "\u200b",
        "\u200c",
        "\u200d",
        "\u2060",
        "\ufeff",
        "\u00ad",
        "\u3164",
        " \u200b\u00a0\ufeff ",
    ],
)
def test_spaces_and_zero_width_characters_alone_are_blank(text):
    from sync.sources import is_blank, is_blank_row

    assert is_blank(text)
    assert is_blank_row([text, None, 0, text])


@pytest.mark.parametrize("value", ["a", " a ", "\u200ba", ".", "-", "0", 0.0001, False, dt.date(2020, 4, 1)])
def test_anything_visible_is_not_blank(value):
    from sync.sources import is_blank, is_blank_row

    assert not is_blank(value)
    assert not is_blank_row([None, value])
