"""An alliance the workbook code has never seen, with everything that can go wrong
in a committee's spreadsheet: used by the ministry workbook tests.

Two sub-regions (NORD, SUD) and a regional line with its own workbook, a
three-year agreement (2024-2027), an envelope with a remainder that is not
allocated and allocations with cents; projects in every status, rows kept out of
the totals, a territory of the other sub-region, a priority outside the list,
payments outside the period or to an unknown project, and committee text that
looks like a formula.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.support.builders import (
    PAYMENT_HEADERS,
    payment,
    project,
    project_headers,
    write_committee_xlsx,
    write_config,
)

# The ministry workbook's sheets, in their order (docs/classeur-ministere.md).
SHEETS = [
    "Sommaire",
    "Par année",
    "Par priorité",
    "Par territoire",
    "Évolution",
    "Projets",
    "Versements",
    "Validation",
    "Changements",
    "À propos",
]

YEARS = ("2024-2025", "2025-2026", "2026-2027")
HEADERS = project_headers(YEARS)

# Committee text that a spreadsheet would take for a formula or a number.
FORMULA_TITLE = '=HYPERLINK("http://x","y")'
PHONE = "+1-555"
MINUS = "-5"
AT_SUM = "@SUM(A1)"
FORMULA_REFERENCE = "=1+1"
ODD_TERRITORY = "Îles ~ secteur *"  # wildcards of SUMIFS criteria, in a configured territory

ALLIANCE = {
    "name": "Alliance pour la solidarité du Haut-Pays & des Rivières",
    "mandataire": "Conférence des préfets du Haut-Pays (CPHP)",
    "ministry": "MTESS",
    "fund": "FQIS",
    "envelope": 5000000,
    "period": {"start": dt.date(2024, 4, 1), "end": dt.date(2027, 3, 31)},
}
SUBREGIONS = [
    {
        "code": "NORD",
        "name": "Haut-Pays Nord",
        "allocation": 1500000.5,
        "territories": ["Lac-Bleu", "Mont-Clair", ODD_TERRITORY],
        "source": {"xlsx": "nord.xlsx"},
    },
    {
        "code": "SUD",
        "name": "Vallée du Sud",
        "allocation": 2000000,
        "territories": ["Vallée-Sud", "Rivière-Rouge"],
        "source": {"xlsx": "sud.xlsx"},
    },
]
REGIONAL = {"name": "Réserve régionale du Haut-Pays", "allocation": 800000, "source": {"xlsx": "regional.xlsx"}}


def _p(
    project_id: str | None, territory: str, status: str | None = "Accepté", fqis: dict | None = None, **fields
) -> dict:
    pipeline = status in ("En analyse", "Intention déposée")
    dates = (
        {"approval_date": None, "start_date": None, "end_date": None}
        if pipeline
        else {"approval_date": dt.date(2024, 5, 1), "start_date": dt.date(2024, 6, 1), "end_date": dt.date(2026, 3, 31)}
    )
    fields = {**dates, "total_cost": 1000000, "other_contributions": 250000, **fields}
    return project(
        project_id,
        fqis=fqis if fqis is not None else {"2024-2025": 10000},
        territory=territory,
        status=status,
        **fields,
    )


def build(folder: Path) -> Path:
    """Write the committees' workbooks and the configuration; returns its path."""
    nord = [
        _p(
            "N-1",
            "Lac-Bleu",
            "Accepté",
            {"2024-2025": 100000.55, "2025-2026": 50000},
            title=FORMULA_TITLE,
            organization=PHONE,
            notes=AT_SUM,
            priority="Logement",
        ),
        _p(
            "N-2",
            "lac-bleu",
            "En cours",
            {"2025-2026": 150000, "2026-2027": 50000},
            title=MINUS,
            priority="sécurité alimentaire",
        ),
        _p("N-3", "Mont-Clair", "Abandonné", {"2024-2025": 80000}, priority="Logement"),
        _p("N-4", "Mont-Clair", "En analyse", {"2025-2026": 40000}),
        _p("N-5", "Lac-Bleu", "Refusé", {"2025-2026": 10000}),
        # An unreadable amount: the row is kept out of every total.
        _p("N-6", "Lac-Bleu", "Terminé", {"2024-2025": 30000}, other_contributions="beaucoup"),
        # The territory of the other sub-region: an error, but the row counts.
        _p("N-7", "Vallée-Sud", "Accepté", {"2024-2025": 25000}),
        # A priority outside the list: an error, but the row counts (« hors de la liste »).
        _p("N-8", "Mont-Clair", "Accepté", {"2026-2027": 5000}, priority="Logement social*"),
        _p("N-9", ODD_TERRITORY, "Terminé", {"2024-2025": 3500.01, "2025-2026": 3500}, priority="Transport collectif"),
    ]
    nord_payments = [
        payment("N-1", date=dt.date(2024, 6, 1), amount=50000.55, reference=FORMULA_REFERENCE),
        payment("N-3", date=dt.date(2024, 9, 1), amount=12345.67, reference="VER-3"),
        payment("N-2", date=dt.date(2026, 1, 15), amount=20000, reference="VER-2"),
        payment("N-99", date=dt.date(2025, 1, 15), amount=1000, reference="VER-99"),  # unknown project
        payment("N-2", date=dt.date(2027, 6, 1), amount=1000, reference="VER-2b"),  # after the period
        payment("N-9", date=dt.date(2025, 4, 1), amount=7000.01, reference=PHONE, note=MINUS),
    ]
    sud = [
        _p(
            "S-1",
            "Vallée-Sud",
            "Terminé",
            {"2024-2025": 150000, "2025-2026": 150000},
            priority="Insertion socioprofessionnelle",
        ),
        _p("S-2", "Rivière-Rouge", "En cours", {"2025-2026": 99999.99}, priority="Logement"),
        _p("N-1", "Rivière-Rouge", "Accepté", {"2024-2025": 70000}),  # a number NORD already uses
        _p("S-4", "Rivière-Rouge", "Intention déposée", {"2026-2027": 60000}, priority="Logement"),
    ]
    sud_payments = [
        payment("S-1", date=dt.date(2024, 7, 1), amount=150000, reference="S-VER-1"),
        payment("S-1", date=dt.date(2025, 7, 1), amount=100000, reference="S-VER-2"),
        payment("S-2", date=dt.date(2026, 2, 1), amount=33333.33, reference="S-VER-3"),
    ]
    regional = [_p("R-1", "Régional", "Accepté", {"2025-2026": 100000}, priority="Soutien à l'action communautaire")]
    regional_payments = [payment("R-1", date=dt.date(2025, 5, 1), amount=40000, reference="R-VER-1")]
    for name, rows, pays in (
        ("nord", nord, nord_payments),
        ("sud", sud, sud_payments),
        ("regional", regional, regional_payments),
    ):
        path = write_committee_xlsx(
            folder / f"{name}.xlsx", rows, pays, headers=HEADERS, payment_headers=PAYMENT_HEADERS
        )
        _keep_text(path)
    return write_config(folder, alliance=ALLIANCE, regional=REGIONAL, subregions=SUBREGIONS)


def _keep_text(path: Path) -> None:
    """Make text cells that start with « = » text, as a committee's sheet holds them
    (typed with a leading apostrophe); openpyxl wrote them as formulas."""
    from openpyxl import load_workbook

    from sync.outputs.cells import set_text

    workbook = load_workbook(path)
    for ws in workbook.worksheets:
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if cell.data_type == "f" and not str(cell.value).startswith("=SUM("):
                    set_text(cell, cell.value)
    workbook.save(path)


def build_and_write(folder: Path):
    """This alliance built in ``folder``, validated, and its ministry workbook written:
    (report, workbook path)."""
    from sync.outputs.ministry import write_ministry_workbook
    from tests.support.checks import validate

    report = validate(build(folder))
    return report, write_ministry_workbook(report, folder / "rapport.xlsx")


# The alliance of every exclusion and edge (issue 23): the formulas of its workbook
# are checked against their stored results after a forced recalculation.
EDGE_SUBREGIONS = [
    {
        "code": "NORD",
        "name": "Haut-Pays Nord",
        "allocation": 1500000.5,
        "territories": ["Lac-Bleu", "Mont-Clair"],
        "source": {"xlsx": "nord.xlsx"},
    },
    # A sub-region whose committee has entered nothing yet.
    {
        "code": "SUD",
        "name": "Vallée du Sud",
        "allocation": 2000000,
        "territories": ["Vallée-Sud"],
        "source": {"xlsx": "sud.xlsx"},
    },
]
# Each fiscal year's first and last day, and the days just outside the period.
BOUNDARY_DAYS = (
    dt.date(2024, 4, 1),
    dt.date(2025, 3, 31),
    dt.date(2025, 4, 1),
    dt.date(2026, 3, 31),
    dt.date(2026, 4, 1),
    dt.date(2027, 3, 31),
)
OUTSIDE_DAYS = (dt.date(2024, 3, 31), dt.date(2027, 4, 1))


def _edge_projects() -> list[dict]:
    three_years = {"2024-2025": 10000.01, "2025-2026": 20000, "2026-2027": 30000.99}
    return [
        _p("E-1", "Lac-Bleu", "Accepté", three_years, priority="Logement"),
        _p("E-2", "Lac-Bleu", "Abandonné", {"2024-2025": 8000}),
        _p("E-3", "Mont-Clair", "Refusé", {"2025-2026": 9000}),
        _p("E-4", "Mont-Clair", "En analyse", {"2026-2027": 4000}),
        _p("E-5", "Mont-Clair", "Intention déposée", {"2025-2026": 3000}),
        # Each reason a row is kept out of the totals.
        _p("E-6", "Lac-Bleu", "En cours", {"2024-2025": "douze mille"}, fqis_total=12000),
        _p("E-7", "Lac-Bleu", "En cours", {"2024-2025": 7000}, total_cost="cher"),
        _p("E-8", "Lac-Bleu", "En cours", {"2024-2025": 7000}, other_contributions="beaucoup"),
        _p("E-9", "Lac-Bleu", None, {"2024-2025": 7000}),
        _p("E-10", "Lac-Bleu", "Peut-être", {"2024-2025": 7000}),
        _p("E-11", "Lac-Bleu", "En cours", {"2024-2025": 7000}, fqis_total="?"),
        _p("E-12", "Lac-Bleu", "En cours", {"2024-2025": 7000}),
        _p("E-12", "Mont-Clair", "Terminé", {"2025-2026": 6000}),
        _p(None, "Lac-Bleu", "En cours", {"2024-2025": 7000}),
        # Counted, with what does not keep a row out: a date outside the period.
        _p("E-13", "Mont-Clair", "Terminé", {"2026-2027": 2500.5}, approval_date=dt.date(2024, 3, 31)),
    ]


def _edge_payments() -> list[dict]:
    boundary = [
        payment("E-1", date=day, amount=1000 + index + 0.01 * index, reference=f"BORNE-{index}")
        for index, day in enumerate(BOUNDARY_DAYS)
    ]
    outside = [payment("E-1", date=day, amount=500, reference=f"HORS-{day}") for day in OUTSIDE_DAYS]
    return [
        *boundary,
        *outside,
        # A negative correction: refused (docs/gabarit.md), kept out of the totals.
        payment("E-1", date=dt.date(2025, 6, 1), amount=-250.25, reference="CORRECTION"),
        payment("E-13", date=dt.date(2026, 5, 1), amount=2500.5, reference="E13"),
        payment("E-2", date=dt.date(2024, 6, 1), amount=800, reference="ABANDONNÉ"),
        payment("E-3", date=dt.date(2025, 6, 1), amount=900, reference="REFUSÉ"),
        payment("E-6", date=dt.date(2024, 6, 1), amount=700, reference="NON-COMPTÉ"),
        payment("E-404", date=dt.date(2024, 6, 1), amount=100, reference="INCONNU"),
        payment("E-1", date="hier", amount=100, reference="DATE-ILLISIBLE"),
        payment("E-1", date=dt.date(2024, 6, 1), amount="mille", reference="MONTANT-ILLISIBLE"),
        payment(None, date=dt.date(2024, 6, 1), amount=100, reference="SANS-PROJET"),
    ]


def build_edges(folder: Path) -> Path:
    """The committees' workbooks and configuration of the edge alliance; returns its path."""
    regional = [_p("R-1", "Régional", "Accepté", {"2024-2025": 40000, "2026-2027": 10000})]
    regional_payments = [
        payment("R-1", date=dt.date(2025, 3, 31), amount=20000, reference="R-FIN"),
        payment("R-1", date=dt.date(2026, 4, 1), amount=5000, reference="R-DEBUT"),
    ]
    for name, rows, pays in (
        ("nord", _edge_projects(), _edge_payments()),
        ("sud", [], []),
        ("regional", regional, regional_payments),
    ):
        write_committee_xlsx(folder / f"{name}.xlsx", rows, pays, headers=HEADERS, payment_headers=PAYMENT_HEADERS)
    return write_config(folder, alliance=ALLIANCE, regional=REGIONAL, subregions=EDGE_SUBREGIONS)


def build_and_write_edges(folder: Path):
    """The edge alliance built in ``folder``, validated, its workbook written: (report, path)."""
    from sync.outputs.ministry import write_ministry_workbook
    from tests.support.checks import validate

    report = validate(build_edges(folder))
    return report, write_ministry_workbook(report, folder / "rapport.xlsx")
