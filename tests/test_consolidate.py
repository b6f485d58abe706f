"""Consolidation at its quiet edges, each case written for a mutant that survived the
suite (benchmarks/RESULTS.md, « Issue 23 : tests de mutation »): a project without
an amount, an abandoned project never paid — each adds exactly nothing, not a cent.

Projets columns (tests/support/builders.py): A No projet … G Statut … P FQIS total.
"""

from __future__ import annotations

import datetime as dt

from tests.support.builders import payment, project, write_alliance
from tests.support.checks import validate


def ouest(tmp_path, projects, payments=()):
    report = validate(write_alliance(tmp_path, {"OUEST": {"projects": projects, "payments": list(payments)}}))
    return report.totals.line("OUEST")


def test_a_request_without_an_amount_adds_nothing_to_the_pipeline(tmp_path):
    line = ouest(
        tmp_path,
        [
            project("OUE-2020-001", status="En analyse", fqis={"2019-2020": 1000}),
            project("OUE-2020-002", status="Intention déposée", approval_date=None, fqis={}, fqis_total=None),
        ],
    )
    assert (line.pipeline, line.projects_pipeline, line.projects_total) == (100_000, 2, 2)


def test_an_abandoned_project_never_paid_is_committed_for_nothing(tmp_path):
    line = ouest(
        tmp_path,
        [project("OUE-2020-001", status="Abandonné"), project("OUE-2020-002", status="Abandonné")],
        [payment("OUE-2020-002", amount=1234.56)],
    )
    assert (line.committed, line.projects_committed, line.paid) == (123_456, 2, 123_456)
    assert line.committed_by_year == {"2019-2020": 0, "2020-2021": 123_456, "2021-2022": 0, "2022-2023": 0}


def test_other_contributions_add_up_over_the_committed_projects_only(tmp_path):
    line = ouest(
        tmp_path,
        [
            project("OUE-2020-001", other_contributions=40000.01),
            project("OUE-2020-002", status="Terminé", other_contributions=None),
            project("OUE-2020-003", status="Accepté", other_contributions=2500),
            project("OUE-2020-004", status="En analyse", other_contributions=99999),  # not committed
        ],
    )
    assert line.other_contributions == 4_000_001 + 250_000


def test_each_fiscal_year_gets_exactly_its_amounts_a_zero_or_empty_year_nothing(tmp_path):
    line = ouest(
        tmp_path,
        [project("OUE-2020-001", fqis={"2019-2020": 1000.5, "2020-2021": 0, "2021-2022": None}, fqis_total=1000.5)],
        [payment(date=dt.date(2019, 6, 1), amount=100), payment(date=dt.date(2020, 6, 1), amount=250.25)],
    )
    assert line.committed_by_year == {"2019-2020": 100_050, "2020-2021": 0, "2021-2022": 0, "2022-2023": 0}
    assert line.paid_by_year == {"2019-2020": 10_000, "2020-2021": 25_025, "2021-2022": 0, "2022-2023": 0}


def test_a_finding_on_a_field_that_is_not_key_does_not_stop_the_next_ones(tmp_path):
    # Row 2's unreadable approval date (an error, not on a key field) comes before row
    # 3's unreadable cost: row 3 is still kept out of the totals.
    report = validate(
        write_alliance(
            tmp_path,
            {
                "OUEST": {
                    "projects": [
                        project("OUE-2020-001", approval_date="32/13/2019"),
                        project("OUE-2020-002", total_cost="cher"),
                    ]
                }
            },
        )
    )
    assert [(p.project_id, p.counted) for p in report.workbooks["OUEST"].projects] == [
        ("OUE-2020-001", True),
        ("OUE-2020-002", False),
    ]
    assert report.totals.line("OUEST").projects_total == 1


def test_a_missing_key_column_keeps_every_row_of_its_tab_out(tmp_path):
    report = validate(
        write_alliance(
            tmp_path, {"OUEST": {"projects": [project("OUE-2020-001")], "rename": {"Statut": "Avancement du dossier"}}}
        )
    )
    assert [p.counted for p in report.workbooks["OUEST"].projects] == [False]
    line = report.totals.line("OUEST")
    assert (line.projects_total, line.committed) == (0, 0)
