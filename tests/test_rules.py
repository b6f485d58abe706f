"""Every finding code of docs/constats.md (but SOURCE_UNAVAILABLE), on workbooks built here.

Default columns of the Projets tab (tests/support/builders.py, docs/gabarit.md order):
A No projet, B Titre du projet, C Organisme porteur, D Type d'organisme, E Territoire,
F Priorité, G Statut, H Date d'approbation, I Date de début, J Date de fin, K Coût total,
L–O FQIS 2019-2020 … 2022-2023, P FQIS total, Q Autres contributions,
R Participants visés, S Participants rejoints, T Notes.
Versements: A No projet, B Date du versement, C Montant, D Référence, E Note.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.support.builders import PAYMENT_HEADERS, PROJECT_HEADERS, SUM, payment, project, write_alliance
from tests.support.checks import of_code, only, validate


def ouest(tmp_path, projects=(), payments=(), **config):
    """Validate an alliance where only OUEST has rows (EST and LONGUEUIL are empty)."""
    workbook = {"projects": list(projects), "payments": list(payments)}
    for key in ("headers", "payment_headers", "rename", "payment_rename", "tabs"):
        if key in config:
            workbook[key] = config.pop(key)
    return validate(write_alliance(tmp_path, {"OUEST": workbook}, **config))


def where(f):
    return (f.severity, f.committee, f.sheet, f.cell, f.row, f.project_id)


def test_clean_alliance_has_no_finding(tmp_path):
    report = ouest(
        tmp_path,
        [project("OUE-2020-001"), project("OUE-2020-002", status="Terminé")],
        [payment("OUE-2020-001"), payment("OUE-2020-002", amount="60 000,00 $")],
    )
    assert report.findings == []
    line = report.totals.line("OUEST")
    assert (line.committed, line.paid, line.projects_committed) == (12_000_000, 7_000_000, 2)


# -- structure --------------------------------------------------------------------


def test_missing_tab_for_a_renamed_tab(tmp_path):
    report = ouest(tmp_path, [project()], tabs={"Versements": "Paiements"})
    f = only(report, "MISSING_TAB")
    assert where(f) == ("error", "OUEST", "Versements", "", None, "")
    assert f.values == {"tab": "Versements", "present": ["Projets", "Paiements"]}
    assert len(report.errors) == 1  # the projects are still read and validated


def test_missing_projects_tab(tmp_path):
    report = ouest(tmp_path, [project()], tabs={"Projets": "Projets 2020"})
    f = only(report, "MISSING_TAB")
    assert (f.sheet, f.cell) == ("Projets", "")
    assert f.values == {"tab": "Projets", "present": ["Projets 2020", "Versements"]}


def test_tab_names_tolerate_case_and_accents(tmp_path):
    report = ouest(tmp_path, [project()], [payment()], tabs={"Projets": "PROJETS", "Versements": " versements"})
    assert report.findings == []
    assert report.totals.line("OUEST").paid == 1_000_000


def test_missing_column_is_one_finding_not_one_per_row(tmp_path):
    rows = [project(f"OUE-2020-00{i}") for i in range(1, 4)]
    report = ouest(tmp_path, rows, rename={"Coût total": "Budget du projet total"})
    f = only(report, "MISSING_COLUMN")
    assert where(f) == ("error", "OUEST", "Projets", "", 1, "")
    assert (f.field, f.values) == ("total_cost", {"column": "Coût total", "excluded": True, "header_row": None})
    assert report.errors == [f]


def test_missing_key_column_keeps_the_tab_out_of_the_totals(tmp_path):
    report = ouest(tmp_path, [project()], [payment()], payment_rename={"Montant": "Somme"})
    f = only(report, "MISSING_COLUMN")
    assert (f.sheet, f.cell, f.row) == ("Versements", "", 1)
    assert (f.field, f.values) == ("amount", {"column": "Montant", "excluded": True, "header_row": None})
    assert report.totals.line("OUEST").paid == 0


def test_missing_optional_notes_column_is_no_finding(tmp_path):
    headers = [h for h in PROJECT_HEADERS if h != "Notes"]
    report = ouest(
        tmp_path, [project()], [payment()], headers=headers, payment_headers=[h for h in PAYMENT_HEADERS if h != "Note"]
    )
    assert report.findings == []


def test_fully_blank_rows_are_skipped_and_rows_keep_their_number(tmp_path):
    report = ouest(tmp_path, [project("OUE-2020-001"), None, None, project("OUE-2020-004", title=None)])
    f = only(report, "MISSING_VALUE")
    assert where(f) == ("error", "OUEST", "Projets", "B5", 5, "OUE-2020-004")
    assert len(report.workbooks["OUEST"].projects) == 2


def test_rows_of_blank_strings_are_blank(tmp_path):
    blank = {h: " " for h in PROJECT_HEADERS}
    report = ouest(tmp_path, [project(), blank, {"No projet": "\u00a0"}])
    assert report.findings == []


def test_unknown_extra_columns_are_ignored(tmp_path):
    headers = ["Responsable", *PROJECT_HEADERS[:5], "Commentaire interne", *PROJECT_HEADERS[5:]]
    rows = [
        project(cells={"Responsable": "Julie", "Commentaire interne": "=À revoir"}),
        project("OUE-2020-002", priority="Logemnt"),
    ]
    report = ouest(tmp_path, rows, headers=headers)
    f = only(report, "UNKNOWN_VALUE")
    # Priorité moved from F to H by the two extra columns.
    assert (f.cell, f.row) == ("H3", 3)
    assert len(report.errors) == 1


def test_headers_in_any_order_case_accents_and_apostrophes(tmp_path):
    typed = {
        "No projet": "NO PROJET",
        "Titre du projet": "titre du projet",
        "Organisme porteur": "Organisme  porteur",
        "Type d'organisme": "Type d\u2019organisme",
        "Priorité": "PRIORITE",
        "Statut": "statut",
        "Date d'approbation": "date d\u2019approbation",
        "Date de début": "Date de debut",
        "Date de fin": " DATE DE FIN ",
        "Coût total": "cout total",
        "FQIS 2019-2020": "fqis 2019-2020",
        "FQIS 2020-2021": "Fqis 2020\u20132021",
        "FQIS total": "FQIS TOTAL",
        "Autres contributions": "AUTRES CONTRIBUTIONS",
        "Participants visés": "participants vises",
        "Participants rejoints": "Participants Rejoints",
    }
    headers = list(reversed(PROJECT_HEADERS))
    rows = [project("OUE-2020-001"), project("OUE-2020-002", end_date=dt.date(2019, 5, 1))]
    report = ouest(
        tmp_path,
        rows,
        headers=headers,
        rename=typed,
        payment_headers=list(reversed(PAYMENT_HEADERS)),
        payment_rename={"Date du versement": "DATE DU VERSEMENT", "Référence": "reference"},
    )
    f = only(report, "END_BEFORE_START")
    # Reversed: Notes is A, …, Date de fin is the 11th column from the right → K.
    assert f.cell == "K3"
    assert len(report.findings) == 1
    assert report.totals.line("OUEST").committed == 12_000_000


def test_fiscal_year_headers_in_short_form(tmp_path):
    rename = {f"FQIS {y}": f"FQIS {y[:5]}{y[-2:]}" for y in ("2019-2020", "2020-2021", "2021-2022", "2022-2023")}
    report = ouest(tmp_path, [project(fqis={"2019-2020": 1000, "2022-2023": 500}, fqis_total=1500)], rename=rename)
    assert report.findings == []
    assert report.totals.line("OUEST").committed_by_year["2022-2023"] == 50_000


def test_rows_holding_only_a_zero_total_are_blank(tmp_path):
    # A =SUM() copied down empty rows shows 0 once a spreadsheet program computed it.
    report = ouest(
        tmp_path, [project(), {"FQIS total": 0}, {"FQIS total": 0.0}, {"No projet": "OUE-2020-004", "FQIS total": 0}]
    )
    assert [p.row for p in report.workbooks["OUEST"].projects] == [2, 5]
    assert only(report, "MISSING_VALUE", cell="B5").project_id == "OUE-2020-004"


# -- required values ------------------------------------------------------------


def test_missing_value_in_a_required_cell(tmp_path):
    report = ouest(tmp_path, [project(organization="  ")])
    f = only(report, "MISSING_VALUE")
    assert where(f) == ("error", "OUEST", "Projets", "C2", 2, "OUE-2020-001")
    assert (f.field, f.values) == ("organization", {"column": "Organisme porteur", "expected": "organization"})


def test_missing_project_id_keeps_the_row_out_of_the_totals(tmp_path):
    report = ouest(tmp_path, [project(project_id=None, title="Sans numéro"), project("OUE-2020-002")])
    f = only(report, "MISSING_VALUE")
    assert (f.cell, f.row, f.project_id) == ("A2", 2, "")
    assert (f.field, f.values) == ("project_id", {"column": "No projet", "expected": "project_id"})
    assert report.totals.line("OUEST").committed == 6_000_000


def test_dates_and_money_required_from_accepted_on(tmp_path):
    rows = [
        project("OUE-2020-001", status="Accepté", start_date=None, total_cost=None),
        project(
            "OUE-2020-002", status="En analyse", approval_date=None, start_date=None, end_date=None, total_cost=None
        ),
    ]
    report = ouest(tmp_path, rows)
    start = only(report, "MISSING_VALUE", cell="I2")
    assert (start.row, start.field) == (2, "start_date")
    assert start.values == {"column": "Date de début", "status": "Accepté", "expected": "date_once_accepted"}
    cost = only(report, "MISSING_VALUE", cell="K2")
    assert cost.values == {"column": "Coût total", "status": "Accepté", "expected": "amount_once_accepted"}
    assert len(of_code(report, "MISSING_VALUE")) == 2  # nothing for the project still in analysis


def test_missing_payment_amount(tmp_path):
    report = ouest(tmp_path, [project()], [payment(amount=None)])
    f = only(report, "MISSING_VALUE")
    assert where(f) == ("error", "OUEST", "Versements", "C2", 2, "OUE-2020-001")
    assert (f.field, f.values) == ("amount", {"column": "Montant", "expected": "payment_amount"})


# -- unreadable values -------------------------------------------------------------


def test_invalid_amount_negative_year(tmp_path):
    report = ouest(tmp_path, [project(fqis={"2019-2020": 30000, "2020-2021": -500}, fqis_total=29500)])
    f = only(report, "INVALID_AMOUNT")
    assert where(f) == ("error", "OUEST", "Projets", "M2", 2, "OUE-2020-001")
    assert f.field == "year:2020-2021"
    assert f.values == {"column": "FQIS 2020-2021", "value": "-500", "reason": "negative"}
    assert not of_code(report, "YEAR_SPLIT_MISMATCH")
    assert report.totals.line("OUEST").committed == 0


def test_unreadable_year_under_a_total_formula_is_reported_once(tmp_path):
    report = ouest(tmp_path, [project(fqis={"2019-2020": "trente mille", "2020-2021": 100}, fqis_total=SUM)])
    f = only(report, "INVALID_AMOUNT")
    assert (f.cell, f.row) == ("L2", 2)
    assert len(report.findings) == 1  # not also « FQIS total est vide »
    assert report.totals.line("OUEST").committed == 0


def test_invalid_amount_text(tmp_path):
    report = ouest(tmp_path, [project(other_contributions="quarante mille")])
    f = only(report, "INVALID_AMOUNT")
    assert (f.sheet, f.cell, f.row) == ("Projets", "Q2", 2)
    assert (f.field, f.values) == (
        "other_contributions",
        {"column": "Autres contributions", "value": "quarante mille", "reason": "unreadable"},
    )


def test_invalid_date(tmp_path):
    report = ouest(tmp_path, [project()], [payment(date="30/02/2020")])
    f = only(report, "INVALID_DATE")
    assert where(f) == ("error", "OUEST", "Versements", "B2", 2, "OUE-2020-001")
    assert (f.field, f.values) == ("date", {"column": "Date du versement", "value": "30/02/2020"})


def test_invalid_number(tmp_path):
    report = ouest(tmp_path, [project(participants_reached=12.5)])
    f = only(report, "INVALID_NUMBER")
    assert where(f) == ("error", "OUEST", "Projets", "S2", 2, "OUE-2020-001")
    assert (f.field, f.values) == ("participants_reached", {"column": "Participants rejoints", "value": "12.5"})


# -- lists ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field, typed, cell, closest",
    [
        ("priority", "Logemnt", "F2", "Logement"),
        ("status", "Acepté", "G2", "Accepté"),
        ("territory", "Roussilon", "E2", "Roussillon"),
        ("organization_type", "OBLN", "D2", "OBNL"),
    ],
)
def test_unknown_value_suggests_the_closest(tmp_path, field, typed, cell, closest):
    report = ouest(tmp_path, [project(**{field: typed})])
    f = only(report, "UNKNOWN_VALUE")
    assert where(f) == ("error", "OUEST", "Projets", cell, 2, "OUE-2020-001")
    assert (f.field, f.values["value"], f.values["closest"]) == (field, typed, closest)
    assert closest in f.values["allowed"] and typed not in f.values["allowed"]


def test_list_values_tolerate_case_and_accents(tmp_path):
    report = ouest(
        tmp_path,
        [project(priority="securite ALIMENTAIRE", status="termine", territory="roussillon", organization_type="obnl")],
    )
    assert report.findings == []
    assert report.workbooks["OUEST"].projects[0].status == "Terminé"


def test_territory_outside_subregion(tmp_path):
    report = ouest(tmp_path, [project(territory="Acton")])
    f = only(report, "TERRITORY_OUTSIDE_SUBREGION")
    assert where(f) == ("error", "OUEST", "Projets", "E2", 2, "OUE-2020-001")
    assert f.values == {
        "column": "Territoire",
        "value": "Acton",
        "subregion": "Est de la Montérégie",
        "subregion_code": "EST",
        "own": "Ouest de la Montérégie",
        "own_regional": False,
        "allowed": [
            "Beauharnois-Salaberry",
            "Le Haut-Saint-Laurent",
            "Les Jardins-de-Napierville",
            "Roussillon",
            "Vaudreuil-Soulanges",
        ],
    }


def test_regional_territory_only_in_the_regional_sheet(tmp_path):
    config = write_alliance(
        tmp_path,
        {
            "OUEST": {"projects": [project("OUE-2020-001", territory="Régional")]},
            "REGION": {"projects": [project("REG-2020-001"), project("REG-2020-002", territory="Brossard")]},
        },
        regional={"source": {"xlsx": "regional.xlsx"}},
    )
    report = validate(config)
    f = only(report, "TERRITORY_OUTSIDE_SUBREGION")
    assert (f.committee, f.cell) == ("OUEST", "E2")
    assert (f.values["value"], f.values["regional"]) == ("Régional", "Réserve régionale (TCPM)")
    assert "subregion_code" not in f.values
    assert report.totals.line("REGION").committed == 12_000_000


def test_ineligible_organization(tmp_path):
    report = ouest(
        tmp_path,
        [project(organization_type="Entreprise privée"), project("OUE-2020-002", organization_type="Particulier")],
    )
    f = only(report, "INELIGIBLE_ORGANIZATION", row=2)
    assert where(f) == ("error", "OUEST", "Projets", "D2", 2, "OUE-2020-001")
    assert (f.values["value"], f.values["fund"]) == ("Entreprise privée", "FQIS")
    assert "Entreprise privée" not in f.values["allowed"] and "OBNL" in f.values["allowed"]
    assert only(report, "INELIGIBLE_ORGANIZATION", row=3).cell == "D3"
    assert not of_code(report, "UNKNOWN_VALUE")


# -- identifiers ------------------------------------------------------------------


def test_duplicate_project_id_in_one_sheet(tmp_path):
    report = ouest(tmp_path, [project("OUE-2020-001"), project("OUE-2020-002"), project("OUE-2020-001")])
    f = only(report, "DUPLICATE_PROJECT_ID")
    assert where(f) == ("error", "OUEST", "Projets", "A4", 4, "OUE-2020-001")
    assert f.values == {"value": "OUE-2020-001", "first_committee": "OUEST", "first_sheet": "Projets", "first_row": 2}
    assert report.totals.line("OUEST").committed == 12_000_000  # counted once


def test_duplicate_project_id_across_committees(tmp_path):
    config = write_alliance(
        tmp_path,
        {
            "OUEST": {"projects": [project("OUE-2020-001")]},
            "EST": {"projects": [project("EST-2020-001"), project(" oue-2020-001", territory="Acton")]},
        },
    )
    report = validate(config)
    f = only(report, "DUPLICATE_PROJECT_ID")
    assert where(f) == ("error", "EST", "Projets", "A3", 3, "oue-2020-001")
    assert f.values == {"value": "oue-2020-001", "first_committee": "OUEST", "first_sheet": "Projets", "first_row": 2}
    assert report.totals.line("OUEST").committed == 6_000_000
    assert report.totals.line("EST").committed == 6_000_000


# -- dates ------------------------------------------------------------------------


def test_project_date_outside_period(tmp_path):
    report = ouest(tmp_path, [project(approval_date=dt.date(2019, 3, 31))])
    f = only(report, "DATE_OUTSIDE_PERIOD")
    assert where(f) == ("error", "OUEST", "Projets", "H2", 2, "OUE-2020-001")
    assert (f.field, f.values) == (
        "approval_date",
        {
            "column": "Date d'approbation",
            "value": dt.date(2019, 3, 31),
            "start": dt.date(2019, 4, 1),
            "end": dt.date(2023, 3, 31),
        },
    )


def test_payment_date_outside_period(tmp_path):
    report = ouest(tmp_path, [project()], [payment(date="01/04/2023")])
    f = only(report, "DATE_OUTSIDE_PERIOD")
    assert where(f) == ("error", "OUEST", "Versements", "B2", 2, "OUE-2020-001")
    assert (f.field, f.values["value"]) == ("date", dt.date(2023, 4, 1))


def test_end_before_start(tmp_path):
    report = ouest(tmp_path, [project(start_date="2020-06-01", end_date="2020-05-31")])
    f = only(report, "END_BEFORE_START")
    assert where(f) == ("error", "OUEST", "Projets", "J2", 2, "OUE-2020-001")
    assert (f.field, f.values) == ("end_date", {"start": dt.date(2020, 6, 1), "end": dt.date(2020, 5, 31)})


# -- amounts ----------------------------------------------------------------------


def test_year_split_mismatch(tmp_path):
    report = ouest(tmp_path, [project(fqis_total="70 000 $")])
    f = only(report, "YEAR_SPLIT_MISMATCH")
    assert where(f) == ("error", "OUEST", "Projets", "P2", 2, "OUE-2020-001")
    assert (f.field, f.values) == ("fqis_total", {"column": "FQIS total", "total": 7_000_000, "years": 6_000_000})
    assert report.totals.line("OUEST").committed == 0


def test_fqis_total_as_a_formula_without_cached_value_is_the_sum_of_years(tmp_path):
    report = ouest(tmp_path, [project(fqis={"2019-2020": 30000, "2021-2022": "12 500,50 $"}, fqis_total=SUM)])
    assert report.errors == []
    assert report.totals.line("OUEST").committed == 4_250_050


def test_fqis_over_total_cost(tmp_path):
    report = ouest(tmp_path, [project(total_cost=50000, other_contributions=0)])
    f = only(report, "FQIS_OVER_TOTAL_COST")
    assert where(f) == ("error", "OUEST", "Projets", "P2", 2, "OUE-2020-001")
    assert (f.field, f.values) == (
        "fqis_total",
        {"column": "FQIS total", "fund": "FQIS", "fqis": 6_000_000, "cost": 5_000_000},
    )
    assert not of_code(report, "FQIS_SHARE_HIGH")


def test_fqis_share_high_is_a_warning(tmp_path):
    report = ouest(
        tmp_path,
        [
            project(total_cost=70000, other_contributions=10000),
            project("OUE-2020-002", total_cost=75000, other_contributions=15000),
        ],
    )
    f = only(report, "FQIS_SHARE_HIGH")
    assert where(f) == ("warning", "OUEST", "Projets", "P2", 2, "OUE-2020-001")
    assert (f.field, f.values) == (
        "fqis_total",
        {"column": "FQIS total", "fund": "FQIS", "fqis": 6_000_000, "cost": 7_000_000, "limit": Decimal("0.8")},
    )
    assert report.errors == []  # exactly 80 % (row 3) is allowed
    assert report.totals.line("OUEST").committed == 12_000_000


def test_fqis_share_threshold_is_configurable(tmp_path):
    report = ouest(tmp_path, [project()], alliance={"max_fqis_share": 0.5})
    f = only(report, "FQIS_SHARE_HIGH")
    assert f.values["limit"] == Decimal("0.5")


# -- payments ---------------------------------------------------------------------


def test_payment_unknown_project(tmp_path):
    config = write_alliance(
        tmp_path,
        {
            "OUEST": {
                "projects": [project("OUE-2020-001")],
                "payments": [payment("OUE-2020-001"), payment("OUE-2020-011")],
            },
            "EST": {"projects": [project("EST-2020-001")], "payments": [payment("OUE-2020-001")]},
        },
    )
    report = validate(config)
    f = only(report, "PAYMENT_UNKNOWN_PROJECT", committee="OUEST")
    assert where(f) == ("error", "OUEST", "Versements", "A3", 3, "OUE-2020-011")
    assert (f.field, f.values) == ("project_id", {"value": "OUE-2020-011", "closest": "OUE-2020-001"})
    # A project of another committee is unknown to this one.
    other = only(report, "PAYMENT_UNKNOWN_PROJECT", committee="EST")
    assert (other.sheet, other.cell) == ("Versements", "A2")
    assert report.totals.line("EST").paid == 0
    assert report.totals.line("OUEST").paid == 1_000_000


@pytest.mark.parametrize("status", ["En analyse", "Intention déposée", "Refusé"])
def test_payment_not_approved(tmp_path, status):
    report = ouest(tmp_path, [project(status=status)], [payment(amount="2 500 $")])
    f = only(report, "PAYMENT_NOT_APPROVED")
    assert where(f) == ("error", "OUEST", "Versements", "A2", 2, "OUE-2020-001")
    assert (f.field, f.values) == ("project_id", {"project": "OUE-2020-001", "status": status, "amount": 250_000})
    assert report.totals.line("OUEST").paid == 0  # its No projet is in error: kept out of the totals


def test_payments_of_abandoned_projects_are_allowed_and_committed(tmp_path):
    report = ouest(tmp_path, [project(status="Abandonné")], [payment(amount=12345.67)])
    assert report.findings == []
    line = report.totals.line("OUEST")
    assert (line.committed, line.paid) == (1_234_567, 1_234_567)
    assert line.committed_by_year["2020-2021"] == 1_234_567


def test_paid_over_granted_at_the_payment_that_crosses_the_total(tmp_path):
    payments = [
        payment(amount=30000),
        payment(amount="25 000,00 $", date="2020-09-01"),
        payment(amount=5000.01, date="2021-01-15"),
        payment(amount=1000, date="2021-02-15"),
    ]
    report = ouest(tmp_path, [project()], payments)
    f = only(report, "PAID_OVER_GRANTED")
    assert where(f) == ("error", "OUEST", "Versements", "C4", 4, "OUE-2020-001")
    assert (f.field, f.values) == (
        "amount",
        {"project": "OUE-2020-001", "fund": "FQIS", "paid": 6_000_001, "granted": 6_000_000},
    )


def test_payments_up_to_the_total_are_fine(tmp_path):
    report = ouest(tmp_path, [project()], [payment(amount=30000), payment(amount="30 000,00 $")])
    assert report.findings == []


# -- envelopes --------------------------------------------------------------------


def big(project_id: str, fqis_dollars: int, **fields) -> dict:
    """A project of ``fqis_dollars`` split over two years, financed at 50 %."""
    half = fqis_dollars // 2
    return project(
        project_id,
        fqis={"2019-2020": half, "2020-2021": fqis_dollars - half},
        total_cost=2 * fqis_dollars,
        other_contributions=fqis_dollars,
        **fields,
    )


def test_subregion_envelope_exceeded(tmp_path):
    report = ouest(
        tmp_path,
        [
            big("OUE-2020-001", 1_500_000),
            big("OUE-2020-002", 1_100_000),
            big("OUE-2020-003", 100, status="Terminé"),
            big("OUE-2020-004", 900_000, status="En analyse"),
        ],
    )
    f = only(report, "SUBREGION_ENVELOPE_EXCEEDED")
    assert where(f) == ("error", "OUEST", "Projets", "", None, "")
    assert f.values == {
        "fund": "FQIS",
        "name": "Ouest de la Montérégie",
        "regional": False,
        "committed": 260_010_000,
        "allocation": 260_000_000,
    }
    assert not of_code(report, "SUBREGION_ENVELOPE_NEARLY_USED")


def test_subregion_envelope_nearly_used_from_the_threshold(tmp_path):
    report = ouest(tmp_path, [big("OUE-2020-001", 2_470_000)])  # exactly 95 % of 2 600 000 $
    f = only(report, "SUBREGION_ENVELOPE_NEARLY_USED")
    assert where(f) == ("warning", "OUEST", "Projets", "", None, "")
    assert f.values == {
        "name": "Ouest de la Montérégie",
        "regional": False,
        "committed": 247_000_000,
        "allocation": 260_000_000,
    }
    assert report.errors == []


def test_subregion_envelope_just_below_the_threshold(tmp_path):
    report = ouest(
        tmp_path,
        [
            project(
                "OUE-2020-001", fqis={"2019-2020": 2_469_999.99}, total_cost=5_000_000, other_contributions=2_530_000.01
            )
        ],
    )
    assert report.findings == []


def test_annual_envelope_exceeded(tmp_path):
    rows = [
        project("OUE-2020-001"),
        project("OUE-2020-002", fqis={"2019-2020": 20000.5, "2021-2022": 1000}),
        project("OUE-2020-003", status="En analyse", fqis={"2019-2020": 500000}, total_cost=1_000_000),
    ]
    report = ouest(tmp_path, rows, annual={"OUEST": {"2019-2020": 50000, "2020-2021": 30000}})
    f = only(report, "ANNUAL_ENVELOPE_EXCEEDED")
    assert where(f) == ("error", "OUEST", "Projets", "", None, "")
    assert f.values == {
        "fund": "FQIS",
        "name": "Ouest de la Montérégie",
        "regional": False,
        "year": "2019-2020",
        "committed": 5_000_050,
        "allocation": 5_000_000,
    }


def test_alliance_envelope_includes_the_regional_line(tmp_path):
    config = write_alliance(
        tmp_path,
        {
            "OUEST": {"projects": [big("OUE-2020-001", 2_600_000)]},
            "EST": {"projects": [big("EST-2020-001", 3_900_000)]},
            "LONGUEUIL": {"projects": [big("LON-2020-001", 4_000_000)]},
            "REGION": {"projects": [big("REG-2020-001", 1_200_000), big("REG-2020-002", 150_000, territory="Acton")]},
        },
        regional={"source": {"xlsx": "regional.xlsx"}},
    )
    report = validate(config)
    f = only(report, "ALLIANCE_ENVELOPE_EXCEEDED")
    assert where(f) == ("error", "ALLIANCE", "Projets", "", None, "")
    assert f.values == {"fund": "FQIS", "committed": 1_185_000_000, "envelope": 1_180_000_000}
    regional = only(report, "SUBREGION_ENVELOPE_EXCEEDED")
    assert (regional.committee, regional.sheet, regional.cell) == ("REGION", "Projets", "")
    assert regional.values == {
        "fund": "FQIS",
        "name": "Réserve régionale (TCPM)",
        "regional": True,
        "committed": 135_000_000,
        "allocation": 120_000_000,
    }
    assert report.totals.committed == 1_185_000_000


def test_alliance_envelope_not_exceeded_without_regional_projects(tmp_path):
    config = write_alliance(
        tmp_path,
        {
            "OUEST": {"projects": [big("OUE-2020-001", 2_600_000)]},
            "EST": {"projects": [big("EST-2020-001", 3_900_000)]},
            "LONGUEUIL": {"projects": [big("LON-2020-001", 4_100_000)]},
        },
    )
    report = validate(config)
    assert report.errors == []
    assert {f.committee for f in of_code(report, "SUBREGION_ENVELOPE_NEARLY_USED")} == {"OUEST", "EST", "LONGUEUIL"}


# -- consolidation by status ------------------------------------------------------------


def test_committed_pipeline_and_refused(tmp_path):
    rows = [
        project("OUE-2020-001", status="Accepté"),
        project("OUE-2020-002", status="Terminé"),
        project("OUE-2020-003", status="Intention déposée", approval_date=None),
        project("OUE-2020-004", status="En analyse"),
        project("OUE-2020-005", status="Refusé"),
        project("OUE-2020-006", status="Abandonné"),
    ]
    report = ouest(tmp_path, rows, [payment("OUE-2020-006", amount=7500.25)])
    assert report.findings == []
    line = report.totals.line("OUEST")
    assert line.committed == 6_000_000 * 2 + 750_025
    assert line.pipeline == 12_000_000
    assert (line.projects_committed, line.projects_pipeline, line.projects_total) == (3, 2, 6)
    assert line.committed_by_year == {"2019-2020": 6_000_000, "2020-2021": 6_750_025, "2021-2022": 0, "2022-2023": 0}


# -- what counts in the totals (sync/rules/counting.py) ------------------------------


def counted(report):
    return [(p.project_id, p.counted) for p in report.workbooks["OUEST"].projects]


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"fqis_total": "beaucoup"}, "INVALID_AMOUNT", "fqis_total"),
        ({"total_cost": -5}, "INVALID_AMOUNT", "total_cost"),
        ({"status": "Peut-être"}, "UNKNOWN_VALUE", "status"),
        ({"status": None}, "MISSING_VALUE", "status"),
        ({"other_contributions": "12,500"}, "INVALID_AMOUNT", "other_contributions"),
        ({"fqis_total": 70000}, "YEAR_SPLIT_MISMATCH", "fqis_total"),
    ],
)
def test_an_unusable_key_field_keeps_the_project_out_of_the_totals(tmp_path, fields, code, field):
    report = ouest(tmp_path, [project("OUE-2020-001", **fields), project("OUE-2020-002")])
    f = only(report, code)
    assert (f.field, f.row) == (field, 2)
    assert counted(report) == [("OUE-2020-001", False), ("OUE-2020-002", True)]
    assert report.totals.line("OUEST").committed == 6_000_000


def test_an_unreadable_year_keeps_the_project_out_and_names_its_year(tmp_path):
    report = ouest(tmp_path, [project(fqis={"2019-2020": 30000, "2020-2021": "trente mille"})])
    assert only(report, "INVALID_AMOUNT").field == "year:2020-2021"
    assert counted(report) == [("OUE-2020-001", False)]


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"title": None}, "MISSING_VALUE"),  # not a key field
        ({"territory": "Acton"}, "TERRITORY_OUTSIDE_SUBREGION"),
        ({"total_cost": 50000}, "FQIS_OVER_TOTAL_COST"),  # a known amount over a limit still counts
        ({"start_date": dt.date(2018, 1, 1)}, "DATE_OUTSIDE_PERIOD"),
    ],
)
def test_other_errors_leave_the_project_in_the_totals(tmp_path, fields, code):
    report = ouest(tmp_path, [project(**fields)])
    assert only(report, code).severity == "error"
    assert counted(report) == [("OUE-2020-001", True)]
    assert report.totals.line("OUEST").committed == 6_000_000


def test_payments_count_unless_their_number_date_or_amount_is_unusable(tmp_path):
    report = ouest(
        tmp_path,
        [project()],
        [
            payment(amount="dix mille"),
            payment(date=None),
            payment("OUE-2099-999"),
            payment(date=dt.date(2024, 1, 1)),  # outside the agreement, but a known payment
            payment(amount=2500),
        ],
    )
    assert [(v.row, v.counted) for v in report.workbooks["OUEST"].payments] == [
        (2, False),
        (3, False),
        (4, False),
        (5, True),
        (6, True),
    ]
    assert report.totals.line("OUEST").paid == 1_250_000
    assert [(f.code, f.field) for f in report.errors] == [
        ("INVALID_AMOUNT", "amount"),
        ("MISSING_VALUE", "date"),
        ("PAYMENT_UNKNOWN_PROJECT", "project_id"),
        ("DATE_OUTSIDE_PERIOD", "date"),
    ]


def test_rules_return_findings_and_leave_counted_to_one_place(tmp_path):
    import copy

    from sync.config import load_config
    from sync.parsing.records import parse_workbook
    from sync.rules.counting import KEY_FIELDS, is_key_field, settle_counted
    from sync.rules.rows import RowRules
    from sync.sources.xlsx import XlsxSource
    from tests.support.builders import write_committee_xlsx

    config = load_config(write_alliance(tmp_path))
    committee = config.committee("OUEST")
    write_committee_xlsx(tmp_path / "ouest.xlsx", [project(status="Peut-être", priority="logement")])
    raw = XlsxSource(committee.source, "OUEST").read(["Projets", "Versements"])
    parsed = parse_workbook(committee, raw.tabs, config)
    rules, record = RowRules(config, committee), parsed.projects[0]
    before = copy.deepcopy(record)
    findings = rules.check_project(record)
    assert [f.code for f in findings] == ["UNKNOWN_VALUE"]
    assert record == before  # the rule said so, it changed nothing
    rules.spell_as_listed(record)  # the one step that writes the lists' spelling
    assert (record.priority, record.status) == ("Logement", "Peut-être")
    settle_counted([parsed], findings)
    assert not record.counted
    assert is_key_field("Projets", "year:2021-2022") and not is_key_field("Projets", "title")
    assert KEY_FIELDS["Versements"] == {"project_id", "date", "amount"}


# -- headers --------------------------------------------------------------------------


def test_headers_typed_below_a_title_are_pointed_at(tmp_path):
    import openpyxl

    path = write_alliance(tmp_path, {"OUEST": {"projects": [project("OUE-2020-001")]}})
    workbook_path = tmp_path / "ouest.xlsx"
    workbook = openpyxl.load_workbook(workbook_path)
    workbook["Projets"].insert_rows(1)
    workbook["Projets"]["A1"] = "Projets du comité Ouest"
    workbook.save(workbook_path)
    report = validate(path)
    missing = [f for f in report.findings if f.code == "MISSING_COLUMN" and f.sheet == "Projets"]
    assert missing and all(f.values["header_row"] == 2 for f in missing)
