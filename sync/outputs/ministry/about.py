"""The À propos sheet: how this workbook was made (tool, configuration, sources and
when each was read, rule thresholds) and the Contrôles table, where every total
computed in Python stands beside the result of its formula."""

from __future__ import annotations

import os
from pathlib import Path

from sync import __version__
from sync.config import Config
from sync.money import format_cents, format_share
from sync.outputs.ministry.controls import Controls
from sync.outputs.ministry.dates import naive
from sync.outputs.ministry.sheet import Cell, Sheet, formula, money, number, text
from sync.outputs.ministry.style import Presentation, Styles
from sync.outputs.ministry.xlsx import Workbook
from sync.report import Report
from sync.vocabulary import statuses

ABOUT = "À propos"
CONTROLS_HEADERS = ["Contrôle", "Figure", "Calculé par alliance-sync", "Résultat de la formule", "Écart"]
CONTROLS_TITLE = "Contrôles : totaux calculés par alliance-sync et résultats des formules"


RECALCULATION = (
    "Chaque formule est enregistrée avec son résultat, calculé par alliance-sync ; le tableur "
    "recalcule toutes les formules à l'ouverture."
)


def shown_path(config: Config, location: str | Path) -> str:
    """A file as À propos names it: relative to the configuration file's folder, never
    an absolute path of the machine that ran the sync."""
    path = Path(location)
    if not path.is_absolute() or config.path is None:
        return str(location)
    base = config.path.resolve().parent
    try:
        return Path(os.path.relpath(path.resolve(), base)).as_posix()
    except ValueError:  # another drive (Windows): the name alone
        return path.name


def presentation_name(config: Config, presentation: Presentation) -> str:
    if presentation.override is None:
        return f"modèle intégré à alliance-sync ({presentation.source.name})"
    return shown_path(config, presentation.override)


def write_about(book: Workbook, styles: Styles, report: Report, controls: Controls) -> Sheet:
    config = report.config
    sheet = Sheet(book, styles, ABOUT, [40, 52, 18, 18, 12, 40])

    def pair(label: str, value: Cell | str | None) -> None:
        # Long texts run over the empty cells to their right.
        cell = value if isinstance(value, Cell) else text(value or "—")
        sheet.append([text(label, "label"), cell])

    sheet.append([text("À propos de ce classeur", "title")])
    sheet.skip()
    pair("Produit par", f"alliance-sync {__version__}")
    pair("Produit le", Cell("date", naive(report.generated_at), "datetime"))
    pair("Configuration", config.path.name if config.path else None)
    pair("Présentation", presentation_name(config, styles.p))
    pair("Recalcul", RECALCULATION)

    sheet.skip()
    sheet.heading("Alliance")
    pair("Nom", config.name)
    pair("Mandataire", config.mandataire)
    pair("Ministère", config.ministry)
    pair("Fonds", config.fund)
    pair("Enveloppe", money(config.envelope, "money_left"))
    pair("Période de l'entente", f"du {config.period_start.isoformat()} au {config.period_end.isoformat()}")
    pair("Exercices financiers", ", ".join(y.label for y in config.fiscal_years))

    sheet.skip()
    sheet.heading("Règles")
    pair(
        f"Part maximale du {config.fund} dans le coût", f"{format_share(config.max_fqis_share)} (avertissement au-delà)"
    )
    pair(
        "Enveloppe presque épuisée",
        f"{format_share(config.nearly_used)} de l'allocation engagée (avertissement à partir de ce seuil)",
    )
    pair(
        "Engagé",
        f"{config.fund} total des projets {', '.join(sorted(statuses.COMMITTED_STATUSES))} ; "
        "montant déjà versé des projets Abandonné",
    )
    pair("Demandes en analyse", f"{config.fund} total des projets {', '.join(sorted(statuses.PIPELINE_STATUSES))}")
    pair(
        "Exclues des totaux",
        "les lignes dont le numéro, le statut ou un montant est en erreur (onglet "
        "Validation) ; la colonne « Inclus dans les totaux » les marque « Non »",
    )
    pair("Priorités", ", ".join(config.priorities))
    pair("Types d'organisme admissibles", ", ".join(config.eligible_types))
    pair("Types d'organisme non admissibles connus", ", ".join(config.ineligible_types))

    sheet.skip()
    sheet.heading("Lignes de l'enveloppe")
    sheet.header(["Ligne", "Territoires", "Allocation", "Montants annuels"])
    for committee in (*config.subregions, config.regional):
        annual = ", ".join(f"{label} : {format_cents(cents)}" for label, cents in committee.annual.items())
        territories = ", ".join(committee.territories)
        sheet.append(
            [
                text(f"{committee.code} — {committee.name}"),
                text(territories, "wrap"),
                money(committee.allocation),
                text(annual or "—", "wrap"),
            ],
            height=sheet.fit({1: territories, 3: annual}),
        )
    if report.totals.unallocated:
        sheet.append([text("Non réparti"), None, money(report.totals.unallocated)])

    sheet.skip()
    sheet.heading("Sources lues")
    sheet.header(["Ligne", "Emplacement", "Lu le", "État", "", "Problème"])
    for committee in config.committees:
        info = report.sources.get(committee.code)
        if info is None:
            continue
        kind = "Google Sheets" if info.kind == "google" else "Classeur .xlsx"
        state = "À jour" if info.current else "Dernière copie valide"
        location = shown_path(config, info.location) if info.kind == "xlsx" else info.location
        where = f"{kind} : {location}"
        sheet.append(
            [
                text(f"{committee.code} — {committee.name}"),
                text(where, "wrap"),
                Cell("date", naive(info.read_at), "datetime") if info.read_at else text("—"),
                text(state),
                None,
                text(info.problem or None, "wrap"),
            ],
            height=sheet.fit({1: where, 5: info.problem}),
        )

    sheet.skip()
    sheet.heading(CONTROLS_TITLE)
    first = sheet.row + 3
    last = first + max(len(controls.items), 1) - 1
    gaps = sum(1 for c in controls.items if _gap(c.result, c.expected) != 0)
    sheet.append(
        [
            text("Contrôles en écart (attendu : 0)", "label"),
            formula(f'COUNTIF(E{first}:E{last},">0.004")+COUNTIF(E{first}:E{last},"<-0.004")', gaps, "count_left"),
        ]
    )
    sheet.header(CONTROLS_HEADERS)
    for control in controls.items:
        r = sheet.row + 1
        kind = "money" if control.money else "count"
        sheet.append(
            [
                text(control.section),
                text(control.label),
                money(control.expected) if control.money else number(control.expected),
                formula(control.cell, control.result, kind),
                formula(f"ROUND(D{r}-C{r},2)", _gap(control.result, control.expected), kind),
            ]
        )
    return sheet


def _gap(result: object, expected: int) -> int:
    """Result minus expected: cents for money, else a count (a blank result counts as 0)."""
    value = result if isinstance(result, int) else 0
    return value - expected
