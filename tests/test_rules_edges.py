"""The row and cross-row rules (sync/rules/rows.py, crossref.py) at the edges mutation
testing found unguarded, each finding with its exact code, cell and values."""

from __future__ import annotations

import datetime as dt

import pytest

from sync.config import load_config
from sync.config.load import Committee
from sync.money import ZERO, Cents
from sync.parsing.records import ParsedWorkbook, Payment, Project
from sync.rules.crossref import check_payments, link_payments
from sync.vocabulary import statuses
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


def test_a_finding_on_the_fqis_total_without_its_column_is_at_no_cell(tmp_path):
    # Without the « FQIS total » column, the total is the sum of the years (70 000 $ here):
    # over the total cost, the finding names the column but no cell.
    rows = [project(fqis={"2019-2020": 40000, "2020-2021": 30000}, total_cost=60000, cells={"FQIS total": None})]
    report = ouest(tmp_path, rows, rename={"FQIS total": "Sous-total de l'organisme"})
    [over] = of_code(report, "FQIS_OVER_TOTAL_COST")
    assert (over.cell, over.row, over.field, over.values) == (
        "",
        2,
        "fqis_total",
        {"column": "FQIS total", "fund": "FQIS", "fqis": 7_000_000, "cost": 6_000_000},
    )


def test_a_missing_list_value_names_the_list_it_is_chosen_from(tmp_path):
    report = ouest(tmp_path, [project(organization_type=None, territory=None, status=None)])
    missing = {f.field: (f.cell, f.values) for f in of_code(report, "MISSING_VALUE")}
    config = load_config(tmp_path / "alliance.toml")
    assert missing == {
        "organization_type": (
            "D2",
            {"column": "Type d'organisme", "expected": "organization_type", "allowed": list(config.eligible_types)},
        ),
        "territory": (
            "E2",
            {"column": "Territoire", "expected": "territory", "allowed": list(config.committee("OUEST").territories)},
        ),
        "status": ("G2", {"column": "Statut", "expected": "status", "allowed": list(statuses.STATUSES)}),
    }


@pytest.mark.parametrize(
    ("field", "cell", "header", "expected"),
    [
        ("approval_date", "H2", "Date d'approbation", "date_once_accepted"),
        ("start_date", "I2", "Date de début", "date_once_accepted"),
        ("end_date", "J2", "Date de fin", "date_once_accepted"),
        ("total_cost", "K2", "Coût total", "amount_once_accepted"),
        ("fqis_total", "P2", "FQIS total", "amount_once_accepted"),
    ],
)
def test_each_date_and_amount_is_required_once_accepted(tmp_path, field, cell, header, expected):
    typed: dict = {field: None, "fqis": {}} if field == "fqis_total" else {field: None}  # no year to sum either
    report = ouest(tmp_path, [project(status="Accepté", **typed)])
    assert [(f.cell, f.field, f.values) for f in of_code(report, "MISSING_VALUE")] == [
        (cell, field, {"column": header, "status": "Accepté", "expected": expected})
    ]


def test_an_unreadable_year_excuses_the_empty_fqis_total_but_not_the_total_cost(tmp_path):
    rows = [project(status="Accepté", fqis={"2019-2020": "trente mille"}, fqis_total=None, total_cost=None)]
    report = ouest(tmp_path, rows)
    assert sorted((f.code, f.cell) for f in report.findings) == [("INVALID_AMOUNT", "L2"), ("MISSING_VALUE", "K2")]


@pytest.mark.parametrize(
    ("typed", "code", "closest"),
    [
        ("Coopérative sans but", "UNKNOWN_VALUE", "Coopérative sans but lucratif"),  # an eligible type misspelt
        # Near both lists (0.97 and 0.91): the nearer, eligible, was meant.
        ("Coopérative sans but lucrativ", "UNKNOWN_VALUE", "Coopérative sans but lucratif"),
        ("Coopérative à but lucratif", "INELIGIBLE_ORGANIZATION", None),  # an ineligible type
        ("Coopérative lucrative", "INELIGIBLE_ORGANIZATION", None),  # closer to the ineligible type
        ("Organisme public", "INELIGIBLE_ORGANIZATION", None),  # not close enough (0.75) to any eligible type
    ],
    ids=["misspelt-eligible", "nearer-to-eligible", "ineligible", "closer-to-ineligible", "far-from-eligible"],
)
def test_an_organisation_type_is_misspelt_only_when_closest_to_an_eligible_type(tmp_path, typed, code, closest):
    report = ouest(tmp_path, [project(organization_type=typed)])
    [f] = report.findings
    assert (f.code, f.cell, f.values["value"], f.values.get("closest")) == (code, "D2", typed, closest)


def test_a_fqis_total_that_disagrees_with_its_years_is_not_compared_with_the_cost(tmp_path):
    # 70 000 $ typed over 60 000 $ of years, and over a cost of 65 000 $: the one finding is the split's.
    rows = [project(fqis={"2019-2020": 30000, "2020-2021": 30000}, fqis_total=70000, total_cost=65000)]
    report = ouest(tmp_path, rows)
    assert [(f.code, f.cell, f.values) for f in report.findings] == [
        ("YEAR_SPLIT_MISMATCH", "P2", {"column": "FQIS total", "total": 7_000_000, "years": 6_000_000})
    ]


def test_the_fqis_share_is_checked_from_a_cost_of_one_cent(tmp_path):
    rows = [project(fqis={"2019-2020": 0.01, "2020-2021": 0}, total_cost=0.01, other_contributions=0)]
    report = ouest(tmp_path, rows)
    assert [(f.code, f.cell, f.values["fqis"], f.values["cost"]) for f in report.findings] == [
        ("FQIS_SHARE_HIGH", "P2", 1, 1)
    ]


@pytest.mark.parametrize("typed", ["-", "?", "#", "—", "..."])
def test_a_number_without_letter_or_digit_is_no_number_and_is_not_counted(tmp_path, typed):
    """« - » typed for « no number yet » is said as typed, at its cell, the project not counted,
    its payments not linked; two of them are not each other's duplicate."""
    report = ouest(
        tmp_path,
        [project(typed), project(typed, title="Autre"), project("OUE-2020-002")],
        [payment(typed, amount=500), payment("OUE-2020-002", amount=700)],
    )
    found = [(f.sheet, f.cell, f.values.get("typed"), f.message) for f in of_code(report, "MISSING_VALUE")]
    said = f"« No projet » ne contient ni lettre ni chiffre (« {typed} »). Attendu : "
    assert found == [
        ("Projets", "A2", typed, said + "un numéro de projet unique, par exemple OUE-2020-003."),
        ("Projets", "A3", typed, said + "un numéro de projet unique, par exemple OUE-2020-003."),
        ("Versements", "A2", typed, said + "le No projet d'un projet de ce comité."),
    ]
    assert of_code(report, "DUPLICATE_PROJECT_ID") == []
    assert of_code(report, "PAYMENT_UNKNOWN_PROJECT") == []
    [line] = [t for t in report.totals.lines if t.code == "OUEST"]
    assert (line.committed, line.paid) == (60_000_00, 700_00)  # OUE-2020-002 alone
