"""Every threshold and range of the rules at equality, and one cent or one day on
each side: the agreement period (2019-04-01 to 2023-03-31), fiscal years (1 April to
31 March), a one-day project, FQIS against the total cost, the 80 % share, the 95 %
nearly-used rate, and each envelope (sub-region, fiscal year, whole alliance) exactly
full; amounts and counts from zero. Columns as in tests/test_rules.py: H Date
d'approbation, I Date de début, J Date de fin, P FQIS total, Q Autres contributions,
R Participants visés; Versements: B Date du versement, C Montant.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.support.builders import payment, project, write_alliance
from tests.support.checks import of_code, only, validate

DAY = dt.timedelta(days=1)
FIRST_DAY, LAST_DAY = dt.date(2019, 4, 1), dt.date(2023, 3, 31)
BIG_COST = 10_000_000  # a total cost that keeps the FQIS share low


def ouest(tmp_path, projects=(), payments=(), **config):
    """The report of an alliance where only OUEST has rows."""
    return validate(
        write_alliance(tmp_path, {"OUEST": {"projects": list(projects), "payments": list(payments)}}, **config)
    )


def funded(project_id: str, fqis, *, cost=BIG_COST, year: str = "2019-2020", **fields) -> dict:
    """A project whose FQIS (a number, as a spreadsheet holds it) is all in one fiscal year."""
    return project(project_id, fqis={year: fqis}, total_cost=cost, **fields)


def codes(report) -> list[tuple[str, str, str]]:
    return [(f.code, f.committee, f.cell) for f in report.findings]


# -- the agreement period ------------------------------------------------------------


@pytest.mark.parametrize(
    "day, inside",
    [
        (FIRST_DAY - DAY, False),
        (FIRST_DAY, True),
        (LAST_DAY, True),
        (LAST_DAY + DAY, False),
    ],
)
def test_project_dates_on_and_beside_the_ends_of_the_agreement(tmp_path, day, inside):
    report = ouest(tmp_path, [project("OUE-2020-001", approval_date=day, start_date=day, end_date=day)])
    if inside:
        assert report.findings == []
        return
    assert codes(report) == [("DATE_OUTSIDE_PERIOD", "OUEST", cell) for cell in ("H2", "I2", "J2")]
    assert [(f.field, f.values) for f in report.findings] == [
        (field, {"column": column, "value": day, "start": FIRST_DAY, "end": LAST_DAY})
        for field, column in (
            ("approval_date", "Date d'approbation"),
            ("start_date", "Date de début"),
            ("end_date", "Date de fin"),
        )
    ]
    assert report.totals.line("OUEST").committed == 6_000_000  # a date is not a key field: still counted


@pytest.mark.parametrize(
    "day, inside, year",
    [
        (FIRST_DAY - DAY, False, None),
        (FIRST_DAY, True, "2019-2020"),
        (LAST_DAY, True, "2022-2023"),
        (LAST_DAY + DAY, False, None),
    ],
)
def test_payment_dates_on_and_beside_the_ends_of_the_agreement(tmp_path, day, inside, year):
    report = ouest(tmp_path, [project("OUE-2020-001")], [payment("OUE-2020-001", date=day, amount=1000)])
    line = report.totals.line("OUEST")
    assert line.paid == 100_000
    if inside:
        assert report.findings == []
        assert {label: cents for label, cents in line.paid_by_year.items() if cents} == {year: 100_000}
        return
    f = only(report, "DATE_OUTSIDE_PERIOD")
    assert (f.sheet, f.cell, f.row, f.project_id) == ("Versements", "B2", 2, "OUE-2020-001")
    assert (f.field, f.values) == (
        "date",
        {"column": "Date du versement", "value": day, "start": FIRST_DAY, "end": LAST_DAY},
    )
    assert report.findings == [f]
    assert sum(line.paid_by_year.values()) == 0  # in no fiscal year of the agreement


# -- fiscal years ------------------------------------------------------------------


@pytest.mark.parametrize("last_day", [dt.date(2020, 3, 31), dt.date(2021, 3, 31), dt.date(2022, 3, 31)])
def test_a_payment_on_the_last_day_of_a_fiscal_year_belongs_to_it(tmp_path, last_day):
    ending = f"{last_day.year - 1}-{last_day.year}"
    starting = f"{last_day.year}-{last_day.year + 1}"
    report = ouest(
        tmp_path,
        [project("OUE-2020-001")],
        [
            payment("OUE-2020-001", date=last_day, amount=1000.01, reference="V-1"),
            payment("OUE-2020-001", date=last_day + DAY, amount=2000.02, reference="V-2"),
        ],
    )
    assert report.findings == []
    paid = {label: cents for label, cents in report.totals.line("OUEST").paid_by_year.items() if cents}
    assert paid == {ending: 100_001, starting: 200_002}


def test_an_abandoned_project_is_committed_in_the_fiscal_years_of_its_payments(tmp_path):
    report = ouest(
        tmp_path,
        [project("OUE-2020-001", status="Abandonné")],
        [
            payment("OUE-2020-001", date=dt.date(2020, 3, 31), amount=1000, reference="V-1"),
            payment("OUE-2020-001", date=dt.date(2020, 4, 1), amount=2500.5, reference="V-2"),
        ],
    )
    assert report.findings == []
    line = report.totals.line("OUEST")
    assert line.committed == 350_050
    assert line.committed_by_year == {"2019-2020": 100_000, "2020-2021": 250_050, "2021-2022": 0, "2022-2023": 0}


def test_a_project_running_exactly_one_fiscal_year(tmp_path):
    report = ouest(
        tmp_path,
        [
            funded(
                "OUE-2020-001",
                50000,
                year="2020-2021",
                approval_date=dt.date(2020, 3, 31),
                start_date=dt.date(2020, 4, 1),
                end_date=dt.date(2021, 3, 31),
            )
        ],
    )
    assert report.findings == []
    assert report.totals.line("OUEST").committed_by_year["2020-2021"] == 5_000_000


# -- a project's own dates -------------------------------------------------------------


@pytest.mark.parametrize("end_offset, before_start", [(-1, True), (0, False), (1, False)])
def test_a_one_day_project_and_an_end_one_day_before_its_start(tmp_path, end_offset, before_start):
    start = dt.date(2020, 6, 1)
    end = start + end_offset * DAY
    report = ouest(tmp_path, [project("OUE-2020-001", start_date=start, end_date=end)])
    if not before_start:
        assert report.findings == []
        return
    f = only(report, "END_BEFORE_START")
    assert (f.severity, f.cell, f.row) == ("error", "J2", 2)
    assert (f.field, f.values) == ("end_date", {"start": dt.date(2020, 6, 1), "end": dt.date(2020, 5, 31)})
    assert report.findings == [f]


# -- amounts of one project ------------------------------------------------------------


@pytest.mark.parametrize(
    "fqis, expected",
    [
        (99999.99, ["FQIS_SHARE_HIGH"]),
        (100000, ["FQIS_SHARE_HIGH"]),
        (100000.01, ["FQIS_OVER_TOTAL_COST"]),
    ],
)
def test_fqis_equal_to_the_total_cost_is_allowed(tmp_path, fqis, expected):
    report = ouest(tmp_path, [funded("OUE-2020-001", fqis, cost=100000)])
    assert [f.code for f in report.findings] == expected
    f = report.findings[0]
    assert (f.committee, f.cell) == ("OUEST", "P2")
    assert (f.values["fqis"], f.values["cost"]) == (round(fqis * 100), 10_000_000)


@pytest.mark.parametrize("fqis, high", [(79999.99, False), (80000, False), (80000.01, True)])
def test_the_80_percent_share_is_a_limit_not_a_trigger(tmp_path, fqis, high):
    report = ouest(tmp_path, [funded("OUE-2020-001", fqis, cost=100000)])
    if not high:
        assert report.findings == []
        return
    f = only(report, "FQIS_SHARE_HIGH")
    assert (f.severity, f.cell, f.row, f.project_id) == ("warning", "P2", 2, "OUE-2020-001")
    assert f.values == {
        "column": "FQIS total",
        "fund": "FQIS",
        "fqis": 8_000_001,
        "cost": 10_000_000,
        "limit": Decimal("0.8"),
    }
    assert report.findings == [f]


@pytest.mark.parametrize("fqis, high", [(55499.99, False), (55500, False), (55500.01, True)])
def test_a_configured_share_is_the_limit_to_the_cent(tmp_path, fqis, high):
    report = ouest(tmp_path, [funded("OUE-2020-001", fqis, cost=100000)], alliance={"max_fqis_share": 0.555})
    assert [f.code for f in report.findings] == (["FQIS_SHARE_HIGH"] if high else [])
    if high:
        assert report.findings[0].values["limit"] == Decimal("0.555")


@pytest.mark.parametrize("total, gap", [(59999.99, 1), (60000, None), (60000.01, 1)])
def test_fqis_total_against_the_sum_of_its_years_to_the_cent(tmp_path, total, gap):
    report = ouest(tmp_path, [project("OUE-2020-001", fqis={"2019-2020": 30000, "2020-2021": 30000}, fqis_total=total)])
    if gap is None:
        assert report.findings == []
        return
    f = only(report, "YEAR_SPLIT_MISMATCH")
    assert f.cell == "P2"
    assert (f.values["total"], f.values["years"]) == (round(total * 100), 6_000_000)
    assert abs(f.values["total"] - f.values["years"]) == gap


@pytest.mark.parametrize("second, over", [(49999.99, False), (50000, False), (50000.01, True)])
def test_payments_up_to_the_fqis_granted(tmp_path, second, over):
    report = ouest(
        tmp_path,
        [project("OUE-2020-001")],
        [
            payment("OUE-2020-001", amount=10000, reference="V-1"),
            payment("OUE-2020-001", date=dt.date(2020, 9, 1), amount=second, reference="V-2"),
        ],
    )
    if not over:
        assert report.findings == []
        return
    f = only(report, "PAID_OVER_GRANTED")
    assert (f.sheet, f.cell, f.row) == ("Versements", "C3", 3)  # the payment that crosses the FQIS total
    assert f.values == {"project": "OUE-2020-001", "fund": "FQIS", "paid": 6_000_001, "granted": 6_000_000}


@pytest.mark.parametrize("amount, shown", [(0, None), (-0.01, "-0.01"), ("0,00 $", None), ("-0,01 $", "-0,01 $")])
def test_money_from_zero_and_one_cent_below(tmp_path, amount, shown):
    report = ouest(
        tmp_path, [project("OUE-2020-001", other_contributions=amount)], [payment("OUE-2020-001", amount=amount)]
    )
    if shown is None:
        assert report.findings == []
        return
    assert codes(report) == [("INVALID_AMOUNT", "OUEST", "Q2"), ("INVALID_AMOUNT", "OUEST", "C2")]
    assert [f.values for f in report.findings] == [
        {"column": column, "value": shown, "reason": "negative"} for column in ("Autres contributions", "Montant")
    ]
    assert report.totals.line("OUEST").paid == 0  # the payment's amount is a key field: kept out


@pytest.mark.parametrize("count, shown", [(0, None), (-1, "-1"), (2.5, "2.5")])
def test_participant_counts_from_zero(tmp_path, count, shown):
    report = ouest(tmp_path, [project("OUE-2020-001", participants_target=count)])
    if shown is None:
        assert report.findings == []
        return
    f = only(report, "INVALID_NUMBER")
    assert f.cell == "R2"
    assert (f.field, f.values) == ("participants_target", {"column": "Participants visés", "value": shown})
    assert report.findings == [f]


# -- envelopes ------------------------------------------------------------------------
# OUEST's allocation: 2 600 000,00 $; 95 % of it: 2 470 000,00 $.

OUEST = "Ouest de la Montérégie"


@pytest.mark.parametrize(
    "committed, expected",
    [
        (2469999.99, []),
        (2470000, ["SUBREGION_ENVELOPE_NEARLY_USED"]),
        (2600000, ["SUBREGION_ENVELOPE_NEARLY_USED"]),  # exactly full: nearly used, not exceeded
        (2600000.01, ["SUBREGION_ENVELOPE_EXCEEDED"]),
    ],
)
def test_the_sub_region_envelope_at_95_percent_and_exactly_full(tmp_path, committed, expected):
    report = ouest(
        tmp_path, [funded("OUE-2020-001", 2_000_000), funded("OUE-2020-002", round(committed - 2_000_000, 2))]
    )
    assert report.totals.line("OUEST").committed == round(committed * 100)
    assert [f.code for f in report.findings] == expected
    if not expected:
        return
    f = report.findings[0]
    assert (f.committee, f.sheet, f.cell, f.row) == ("OUEST", "Projets", "", None)
    assert (f.values["name"], f.values["regional"], f.values["committed"], f.values["allocation"]) == (
        OUEST,
        False,
        round(committed * 100),
        260_000_000,
    )


@pytest.mark.parametrize(
    "rate, committed, nearly",
    [
        ("0.5", 1299999.99, False),
        ("0.5", 1300000, True),
        ("1", 2599999.99, False),
        ("1", 2600000, True),
    ],
)
def test_a_configured_nearly_used_rate_is_reached_at_equality(tmp_path, rate, committed, nearly):
    report = ouest(tmp_path, [funded("OUE-2020-001", committed)], alliance={"nearly_used": float(rate)})
    assert [f.code for f in report.findings] == (["SUBREGION_ENVELOPE_NEARLY_USED"] if nearly else [])


@pytest.mark.parametrize("committed, exceeded", [(299999.99, False), (300000, False), (300000.01, True)])
def test_the_annual_amount_of_a_fiscal_year_exactly_full(tmp_path, committed, exceeded):
    report = ouest(
        tmp_path,
        [funded("OUE-2020-001", committed, year="2020-2021"), funded("OUE-2020-002", 1_000_000, year="2019-2020")],
        annual={"OUEST": {"2019-2020": 1000000, "2020-2021": 300000}},
    )
    assert report.totals.line("OUEST").committed_by_year["2020-2021"] == round(committed * 100)
    if not exceeded:
        assert report.findings == []  # 2019-2020 is exactly full too
        return
    f = only(report, "ANNUAL_ENVELOPE_EXCEEDED")
    assert (f.committee, f.sheet, f.cell) == ("OUEST", "Projets", "")
    assert f.values == {
        "fund": "FQIS",
        "name": OUEST,
        "regional": False,
        "year": "2020-2021",
        "committed": 30_000_001,
        "allocation": 30_000_000,
    }
    assert report.findings == [f]


def test_the_annual_amount_counts_an_abandoned_project_paid_on_the_last_day_of_the_year(tmp_path):
    paid = [
        payment("OUE-2020-001", date=dt.date(2020, 3, 31), amount=1000.01, reference="V-1"),
        payment("OUE-2020-001", date=dt.date(2020, 4, 1), amount=5000, reference="V-2"),
    ]
    report = ouest(tmp_path, [project("OUE-2020-001", status="Abandonné")], paid, annual={"OUEST": {"2019-2020": 1000}})
    f = only(report, "ANNUAL_ENVELOPE_EXCEEDED")
    assert (f.values["year"], f.values["committed"], f.values["allocation"]) == ("2019-2020", 100_001, 100_000)
    assert report.findings == [f]


# The alliance's envelope, 11 800 000,00 $, is exactly the sum of the four lines'
# allocations: it is full when every line is, and a cent more overflows a line too.
FULL = {
    "OUEST": ("OUE", 2_600_000),
    "EST": ("EST", 3_900_000),
    "LONGUEUIL": ("LON", 4_100_000),
    "REGION": ("REG", 1_200_000),
}


@pytest.mark.parametrize("regional, alliance_exceeded", [(1199999.99, False), (1200000, False), (1200000.01, True)])
def test_the_alliance_envelope_exactly_full(tmp_path, regional, alliance_exceeded):
    workbooks = {code: {"projects": [funded(f"{prefix}-2020-001", amount)]} for code, (prefix, amount) in FULL.items()}
    workbooks["REGION"] = {"projects": [funded("REG-2020-001", regional)]}
    report = validate(write_alliance(tmp_path, workbooks, regional={"source": {"xlsx": "regional.xlsx"}}))
    assert report.totals.committed == 1_180_000_000 + round((regional - 1_200_000) * 100)
    nearly = [f.committee for f in of_code(report, "SUBREGION_ENVELOPE_NEARLY_USED")]
    if not alliance_exceeded:
        assert report.errors == []
        assert nearly == ["OUEST", "EST", "LONGUEUIL", "REGION"]
        return
    assert nearly == ["OUEST", "EST", "LONGUEUIL"]
    regional_line = only(report, "SUBREGION_ENVELOPE_EXCEEDED")
    assert regional_line.committee == "REGION"
    assert regional_line.values == {
        "fund": "FQIS",
        "name": "Réserve régionale (TCPM)",
        "regional": True,
        "committed": 120_000_001,
        "allocation": 120_000_000,
    }
    f = only(report, "ALLIANCE_ENVELOPE_EXCEEDED")
    assert (f.committee, f.sheet, f.cell) == ("ALLIANCE", "Projets", "")
    assert f.values == {"fund": "FQIS", "committed": 1_180_000_001, "envelope": 1_180_000_000}
    assert len(report.errors) == 2
