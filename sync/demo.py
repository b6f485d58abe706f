"""The bundled Montérégie demo: three realistic committee workbooks.

Deterministic (a fixed seed), so ``python -m sync.demo config/demo`` rewrites the
same data. The benchmarks reuse ``synthetic_committee`` at larger sizes.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path

from sync.config import Committee, Config, FiscalYear, load_config, monteregie
from sync.money import format_cents
from sync.outputs.committee_workbook import write_committee_workbook
from sync.vocabulary import statuses

# A committee's cell as the generator draws it: text, cents or a count, a date.
CellValue = str | int | dt.date
# A project or a payment, keyed by field name (``year:2019-2020`` for a year's amount).
Record = dict[str, CellValue]

PREFIX = {"OUEST": "OUE", "EST": "EST", "LONGUEUIL": "LON", monteregie.REGIONAL_CODE: "REG"}

_ORGANISATIONS = [
    ("Centre d'entraide {t}", "OBNL"),
    ("Comptoir alimentaire {t}", "OBNL"),
    ("Maison de la famille {t}", "OBNL"),
    ("Carrefour jeunesse-emploi {t}", "OBNL"),
    ("Coopérative d'habitation Les Trois Rivières", "Coopérative sans but lucratif"),
    ("Coopérative de solidarité {t}", "Coopérative sans but lucratif"),
    ("MRC {t}", "Organisme municipal ou MRC"),
    ("Corporation de développement communautaire {t}", "OBNL"),
    ("Cégep de Saint-Hyacinthe", "Centre de recherche ou établissement d'enseignement"),
    ("Société d'habitation populaire {t}", "OBNL"),
    ("Regroupement des cuisines collectives {t}", "OBNL"),
    ("Transport adapté et collectif {t}", "Organisme municipal ou MRC"),
]

_TITLES = {
    "Sécurité alimentaire": [
        "Frigos solidaires",
        "Épicerie solidaire mobile",
        "Cuisines collectives pour familles",
        "Jardins communautaires nourriciers",
        "Récupération alimentaire en épicerie",
    ],
    "Logement": [
        "Accompagnement en recherche de logement",
        "Logements de transition pour jeunes",
        "Comité de locataires et salubrité",
        "Fonds de dépannage au loyer",
    ],
    "Réussite éducative et sociale": [
        "Aide aux devoirs en milieu HLM",
        "Ateliers parents-enfants",
        "Persévérance scolaire des 16-24 ans",
        "Littératie familiale",
    ],
    "Transport collectif": ["Navette rurale vers les services", "Transport solidaire pour aînés", "Taxibus du soir"],
    "Insertion socioprofessionnelle": [
        "Plateau de travail en cuisine",
        "Parcours vers l'emploi pour immigrants",
        "Entreprise d'insertion en recyclage",
    ],
    "Soutien à l'action communautaire": [
        "Mutualisation des ressources communautaires",
        "Formation des bénévoles",
        "Concertation locale en développement social",
    ],
}

_SIZES = {"OUEST": 18, "EST": 26, "LONGUEUIL": 30}


def synthetic_committee(
    config: Config,
    committee: Committee,
    count: int,
    *,
    seed: int = 2019,
    target_share: float = 0.82,
    typed_text: bool = False,
) -> tuple[list[Record], list[Record]]:
    """Projects and payments of one committee, within its allocation.

    ``typed_text`` writes some amounts and dates as French text, as committees type
    them (the benchmarks' realistic mix); the demo keeps proper cells.
    """
    rng = random.Random(f"{seed}-{committee.code}")
    prefix = PREFIX.get(committee.code, committee.code[:3].upper())
    years = config.fiscal_years
    budget = int(committee.allocation * target_share)
    drawn = (
        ["Terminé"] * 5
        + ["En cours"] * 6
        + ["Accepté"] * 3
        + ["En analyse"] * 2
        + ["Intention déposée", "Refusé", "Abandonné"]
    )
    projects: list[Record] = []
    payments: list[Record] = []
    average = max(budget // max(1, int(count * 0.75)), 100_000)
    committed = 0
    for index in range(count):
        priority = rng.choice(config.priorities)
        if priority not in committee.priorities:
            # Only the axes of the committee's action plan; drawn from the Alliance's list
            # first so that a committee whose plan is the whole list keeps its data.
            priority = rng.choice(committee.priorities)
        territory = rng.choice(committee.territories)
        short = territory.split("—")[-1].strip()
        org_pattern, org_type = rng.choice(_ORGANISATIONS)
        status = rng.choice(drawn)
        first_year = rng.randrange(0, len(years))
        span = rng.randint(1, len(years) - first_year)
        fqis = rng.randint(int(average * 0.4), int(average * 1.5)) // 50000 * 50000 or 500000
        if status in statuses.COMMITTED_STATUSES:
            if committed + fqis > budget:
                status, committed = "En analyse", committed
            else:
                committed += fqis
        share_percent = rng.choice([45, 50, 60, 65, 70, 75])
        total_cost = fqis * 100 // share_percent // 100 * 100
        split = _split(fqis, span, rng)
        start = dt.date(years[first_year].start.year, rng.choice([4, 5, 6, 9]), 1)
        end = years[first_year + span - 1].end - dt.timedelta(days=rng.choice([0, 30, 91]))
        project: Record = {
            "project_id": f"{prefix}-{start.year}-{index + 1:03d}",
            "title": f"{rng.choice(_TITLES[priority])} — {short}",
            "organization": org_pattern.format(t=short),
            "organization_type": org_type,
            "territory": territory,
            "priority": priority,
            "status": status,
            "total_cost": total_cost,
            "other_contributions": total_cost - fqis,
            # Drawn here, in this order: the bundled demo is this generator's output.
            "participants_target": (target := rng.randint(2, 30) * 10),
            "notes": "",
        }
        for offset, cents in enumerate(split):
            project[f"year:{years[first_year + offset].label}"] = cents
        if status not in statuses.PIPELINE_STATUSES:
            project["approval_date"] = max(start - dt.timedelta(days=rng.randint(20, 60)), config.period_start)
            project["start_date"] = start
            project["end_date"] = end
        if status in ("Terminé", "En cours"):
            project["participants_reached"] = int(target * rng.uniform(0.6, 1.2))
        paid = _paid_payments(
            project["project_id"],
            split,
            years[first_year : first_year + span],
            start,
            _PAID_SHARE.get(status, 0),
            f"VER-{prefix}",
            len(payments),
            rng,
        )
        if typed_text:
            _as_typed_text(project, paid, rng)
        payments += paid
        projects.append(project)
    return projects, payments


# The share of its yearly amounts a project of that status has been paid.
_PAID_SHARE = {"Terminé": 1.0, "En cours": 0.6, "Accepté": 0.25, "Abandonné": 0.3}


def _paid_payments(
    project_id: CellValue,
    split: list[int],
    years: tuple[FiscalYear, ...],
    start: dt.date,
    paid_share: float,
    reference: str,
    numbered: int,
    rng: random.Random,
) -> list[Record]:
    """A project's payments, one a year of its split (none for a nil share); ``numbered``
    payments of the committee come before them."""
    paid: list[Record] = []
    for year, cents in zip(years, split, strict=True):
        amount = int(cents * paid_share) // 100 * 100
        if amount <= 0:
            continue
        paid.append(
            {
                "project_id": project_id,
                "date": max(year.start, start) + dt.timedelta(days=rng.randint(0, 40)),
                "amount": amount,
                "reference": f"{reference}-{numbered + len(paid) + 1:04d}",
                "note": "Versement annuel" if paid_share == 1.0 else "",
            }
        )
    return paid


def _split(total: int, span: int, rng: random.Random) -> list[int]:
    weights = [rng.randint(2, 5) for _ in range(span)]
    parts = [total * w // sum(weights) // 100 * 100 for w in weights]
    parts[-1] += total - sum(parts)
    return parts


def _as_typed_text(project: Record, payments: list[Record], rng: random.Random) -> None:
    if rng.random() < 0.3:
        project["total_cost"] = format_cents(_cents(project["total_cost"])).replace(" ", "\u00a0")
    for payment in payments:
        if rng.random() < 0.3:
            payment["amount"] = format_cents(_cents(payment["amount"]))
        if rng.random() < 0.3:
            date = payment["date"]
            assert isinstance(date, dt.date)
            payment["date"] = date.strftime("%d/%m/%Y")


def _cents(value: CellValue) -> int:
    assert isinstance(value, int)  # drawn as cents; typed as text only once, here
    return value


def write_demo(folder: Path) -> None:
    """Write the three demo workbooks next to the demo configuration in ``folder``."""

    config = load_config(folder / "demo.toml")
    for committee in config.subregions:
        projects, payments = synthetic_committee(config, committee, _SIZES.get(committee.code, 20))
        if committee.code == "EST" and projects:
            # One project financed above the usual share, to show what a warning looks like.
            fqis = sum(_cents(v) for k, v in projects[0].items() if k.startswith("year:"))
            total_cost = fqis * 100 // 88 // 100 * 100
            projects[0]["total_cost"] = total_cost
            projects[0]["other_contributions"] = total_cost - fqis
        assert committee.source is not None
        write_committee_workbook(Path(committee.source.location), config, committee, projects, payments)


if __name__ == "__main__":
    write_demo(Path(sys.argv[1] if len(sys.argv) > 1 else "config/demo"))
