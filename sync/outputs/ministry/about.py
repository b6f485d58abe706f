"""The À propos sheet: how this workbook was made (tool, configuration, sources and
when each was read, rule thresholds) and the Contrôles table, where every total
computed in Python stands beside the result of its formula."""

from __future__ import annotations

from sync import __version__, defaults
from sync.money import format_cents, format_share, spreadsheet_number
from sync.outputs.ministry.sheet import Sheet
from sync.outputs.ministry.style import Styles
from sync.outputs.ministry.summary import Controls, naive
from sync.report import Report

ABOUT = "À propos"
CONTROLS_HEADERS = ["Contrôle", "Figure", "Calculé par alliance-sync", "Résultat de la formule", "Écart"]
CONTROLS_TITLE = "Contrôles : totaux calculés par alliance-sync et résultats des formules"


def write_about(workbook, styles: Styles, report: Report, controls: Controls) -> Sheet:
    config = report.config
    sheet = Sheet(workbook, styles, ABOUT, [40, 52, 18, 18, 12, 40])
    ws, s = sheet.ws, styles

    def pair(label: str, value, kind: str = "plain") -> None:
        if isinstance(value, str) or value is None:
            # Long texts run over the empty cells to their right.
            cell = s.text(ws, value if value else "—")
        else:
            cell = s.cell(ws, value, kind)
        sheet.append([s.text(ws, label, "label"), cell])

    sheet.append([s.text(ws, "À propos de ce classeur", "title")])
    sheet.skip()
    pair("Produit par", f"alliance-sync {__version__}")
    pair("Produit le", naive(report.generated_at), "datetime")
    pair("Configuration", str(config.path) if config.path else None)
    pair("Présentation", str(styles.p.source))
    pair("Recalcul", "Le classeur demande au tableur de recalculer toutes les formules à l'ouverture.")

    sheet.skip()
    sheet.heading("Alliance")
    pair("Nom", config.name)
    pair("Mandataire", config.mandataire)
    pair("Ministère", config.ministry)
    pair("Fonds", config.fund)
    pair("Enveloppe", spreadsheet_number(config.envelope), "money_left")
    pair("Période de l'entente", f"du {config.period_start.isoformat()} au {config.period_end.isoformat()}")
    pair("Exercices financiers", ", ".join(y.label for y in config.fiscal_years))

    sheet.skip()
    sheet.heading("Règles")
    pair(f"Part maximale du {config.fund} dans le coût", f"{format_share(config.max_fqis_share)} "
         "(avertissement au-delà)")
    pair("Enveloppe presque épuisée", f"{format_share(config.nearly_used)} de l'allocation engagée "
         "(avertissement à partir de ce seuil)")
    pair("Engagé", f"{config.fund} total des projets {', '.join(sorted(defaults.COMMITTED_STATUSES))} ; "
                   "montant déjà versé des projets Abandonné")
    pair("Demandes en analyse", f"{config.fund} total des projets {', '.join(sorted(defaults.PIPELINE_STATUSES))}")
    pair("Exclues des totaux", "les lignes dont le numéro, le statut ou un montant est en erreur (onglet "
                               "Validation) ; la colonne « Inclus dans les totaux » les marque « Non »")
    pair("Priorités", ", ".join(config.priorities))
    pair("Types d'organisme admissibles", ", ".join(config.eligible_types))
    pair("Types d'organisme non admissibles connus", ", ".join(config.ineligible_types))

    sheet.skip()
    sheet.heading("Lignes de l'enveloppe")
    sheet.header(["Ligne", "Territoires", "Allocation", "Montants annuels"])
    for committee in (*config.subregions, config.regional):
        annual = ", ".join(f"{label} : {format_cents(cents)}" for label, cents in committee.annual.items())
        territories = ", ".join(committee.territories)
        sheet.append([s.text(ws, f"{committee.code} — {committee.name}"), s.text(ws, territories, "wrap"),
                      s.cell(ws, spreadsheet_number(committee.allocation), "money"), s.text(ws, annual or "—", "wrap")],
                     height=sheet.fit({1: territories, 3: annual}))
    if report.totals.unallocated:
        sheet.append([s.text(ws, "Non réparti"), None,
                      s.cell(ws, spreadsheet_number(report.totals.unallocated), "money")])

    sheet.skip()
    sheet.heading("Sources lues")
    sheet.header(["Ligne", "Emplacement", "Lu le", "État", "", "Problème"])
    for committee in config.committees:
        info = report.sources.get(committee.code)
        if info is None:
            continue
        kind = "Google Sheets" if info.kind == "google" else "Classeur .xlsx"
        state = "À jour" if info.current else "Dernière copie valide"
        where = f"{kind} : {info.location}"
        sheet.append([s.text(ws, f"{committee.code} — {committee.name}"), s.text(ws, where, "wrap"),
                      s.cell(ws, naive(info.read_at), "datetime") if info.read_at else s.text(ws, "—"),
                      s.text(ws, state), None, s.text(ws, info.problem or None, "wrap")],
                     height=sheet.fit({1: where, 5: info.problem}))

    sheet.skip()
    sheet.heading(CONTROLS_TITLE)
    first = sheet.row + 3
    last = first + max(len(controls.items), 1) - 1
    sheet.append([s.text(ws, "Contrôles en écart (attendu : 0)", "label"),
                  s.cell(ws, f'=COUNTIF(E{first}:E{last},">0.004")+COUNTIF(E{first}:E{last},"<-0.004")',
                         "count_left")])
    sheet.header(CONTROLS_HEADERS)
    for control in controls.items:
        r = sheet.row + 1
        kind = "money" if control.money else "count"
        expected = spreadsheet_number(control.expected) if control.money else control.expected
        sheet.append([s.text(ws, control.section), s.text(ws, control.label), s.cell(ws, expected, kind),
                      s.cell(ws, f"={control.cell}", kind), s.cell(ws, f"=ROUND(D{r}-C{r},2)", kind)])
    return sheet
