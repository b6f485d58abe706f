"""The cell-value readers (sync/parsing/values.py) at the edges mutation testing
found unguarded: a cell's text as the committee sees it (booleans, whole and other
floats, a date-time at midnight or not), and each reason an amount is refused —
the reason is the finding's (INVALID_AMOUNT's ``reason``: « montant négatif »,
« fraction de cent »…), so « refused » alone is not enough."""

from __future__ import annotations

import datetime as dt

import pytest

from sync.parsing.values import Unreadable, as_text, parse_cents


def _id(value: object) -> str:
    """A test id without backslash: pytest escapes one again at each collection, and
    mutmut, which collects twice, would not find the test by its id."""
    return repr(value).replace("\\", "/")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (True, "VRAI"),
        (False, "FAUX"),
        (1234.0, "1234"),
        (-7.0, "-7"),
        (999999999999999.0, "999999999999999"),  # the largest whole float written in full
        (1e15, "1e+15"),
        (0.1 + 0.2, "0.3"),  # 15 significant digits, as a spreadsheet shows
        (1e300, "1e+300"),
        (dt.datetime(2020, 4, 1), "2020-04-01"),
        (dt.datetime(2020, 4, 1, 1, 0), "2020-04-01 01:00:00"),
        (dt.datetime(2021, 3, 31, 0, 0, 1), "2021-03-31 00:00:01"),
        (dt.date(2021, 3, 31), "2021-03-31"),
        ("  OUE-2020-001 \n", "OUE-2020-001"),
        (12, "12"),
    ],
    ids=_id,
)
def test_a_cells_text_is_what_the_committee_sees(value, text):
    assert as_text(value) == text


def _reason(typed: object) -> str:
    with pytest.raises(Unreadable) as caught:
        parse_cents(typed)
    return caught.value.reason


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        # Parentheses are a negative amount only around the whole amount.
        ("(100", "unreadable"),
        ("100)", "unreadable"),
        ("(5)", "negative"),
        ("(1 250,00 $)", "negative"),
        # One dollar sign at most.
        ("$100$", "unreadable"),
        ("$1$00$", "unreadable"),
        # A separator with nothing after it, or a third decimal digit.
        ("100.", "unreadable"),
        ("1.000.", "unreadable"),
        ("1,2345", "fraction"),
        ("1.234,5678", "unreadable"),
        # Grouping by the decimal mark, or two marks and three digits.
        ("1,234,56", "unreadable"),
        ("1.234,567", "unreadable"),
        # A number cell that holds no number (a formula's overflow), never « too large ».
        (float("inf"), "unreadable"),
        (float("-inf"), "unreadable"),
        (float("nan"), "unreadable"),
    ],
    ids=_id,
)
def test_each_refused_amount_says_why(typed, reason):
    assert _reason(typed) == reason


@pytest.mark.parametrize(
    ("typed", "cents"),
    [
        ("+$100", 100_00),
        ("-$0", 0),
        ("1,234,567", 1_234_567_00),
        ("1.234.567", 1_234_567_00),
        ("1 234 567,5", 1_234_567_50),
        ("1.234,56", 1_234_56),
        ("1,234.56", 1_234_56),
        ("1,5", 1_50),
    ],
    ids=_id,
)
def test_amounts_grouped_by_thousands_read_exactly(typed, cents):
    assert parse_cents(typed) == cents


def test_the_exception_says_its_reason():
    assert str(Unreadable("negative")) == "negative"
    assert str(Unreadable()) == "unreadable"
