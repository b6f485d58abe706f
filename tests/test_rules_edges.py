"""The row and cross-row rules (sync/rules/rows.py, crossref.py) at the edges mutation
testing found unguarded, each finding with its exact code, cell and values."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.support.builders import payment, project
from tests.support.checks import of_code
from tests.test_rules import ouest


@pytest.mark.parametrize(
    ("day", "outside"),
    [
        (dt.date(2019, 3, 31), True),
        (dt.date(2019, 4, 1), False),  # the period's first day
        (dt.date(2023, 3, 31), False),  # its last day
        (dt.date(2023, 4, 1), True),
    ],
    ids=str,
)
def test_a_payment_on_the_periods_first_or_last_day_is_inside_it(tmp_path, day, outside):
    report = ouest(tmp_path, [project()], [payment(date=day)])
    found = [(f.cell, f.values["value"]) for f in of_code(report, "DATE_OUTSIDE_PERIOD")]
    assert found == ([("B2", day)] if outside else [])
