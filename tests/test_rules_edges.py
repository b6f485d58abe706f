"""The row and cross-row rules (sync/rules/rows.py, crossref.py) at the edges mutation
testing found unguarded, each finding with its exact code, cell and values."""

from __future__ import annotations

import datetime as dt

import pytest

from sync.config.load import Committee
from sync.money import ZERO, Cents
from sync.parsing.records import ParsedWorkbook, Payment, Project
from sync.rules.crossref import check_payments, link_payments
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


def test_a_payment_without_number_is_never_linked_to_a_project_numbered_with_a_dash():
    # « - » has no letter or digit: its key is empty, like an empty cell's.
    committee = Committee("OUEST", "Ouest", ZERO, (), None)
    dash = Project("OUEST", "Projets", 2, project_id="-", status="En cours", fqis_total=Cents(100_00))
    unnumbered = Payment("OUEST", "Versements", 2, project_id="", amount=Cents(500_00), cells={"amount": "C2"})
    workbook = ParsedWorkbook(committee, projects=[dash], payments=[unnumbered])
    link_payments(workbook)
    assert unnumbered.project_id == ""
    assert check_payments(workbook, "FQIS") == []  # not paid over the dash's 100 $


@pytest.mark.parametrize(
    ("typed", "closest"),
    [
        ("OUE-2020-00", "OUE-2020-001"),  # a digit lost: the number meant
        ("OUE-2021-011", "OUE-2020-001"),
        ("OUE-1999-001", None),  # another number altogether: no suggestion
        ("XYZ-2020-001", None),
    ],
)
def test_a_payment_to_an_unknown_number_suggests_only_a_close_one(typed, closest):
    committee = Committee("OUEST", "Ouest", ZERO, (), None)
    known = Project("OUEST", "Projets", 2, project_id="OUE-2020-001", status="En cours", cells={"project_id": "A2"})
    paid = Payment("OUEST", "Versements", 7, project_id=typed, amount=Cents(500_00), cells={"project_id": "A7"})
    workbook = ParsedWorkbook(committee, projects=[known], payments=[paid])
    link_payments(workbook)
    [f] = check_payments(workbook, "FQIS")
    assert (f.code, f.cell, f.row, f.project_id, f.values) == (
        "PAYMENT_UNKNOWN_PROJECT",
        "A7",
        7,
        typed,
        {"value": typed, "closest": closest},
    )
