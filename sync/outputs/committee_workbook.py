"""The committee workbook of docs/gabarit.md: the template, and the demo's filled copies.

One writer serves both: ``alliance-sync template`` writes it with no rows; the
demo generator (sync/demo.py) writes it with a committee's projects and payments.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from sync import defaults
from sync.config import Committee, Config
from sync.money import format_share, spreadsheet_number
from sync.outputs.cells import set_text
from sync.parsing.headers import PAYMENT_COLUMNS, PAYMENTS_TAB, PROJECTS_TAB, project_columns

# Québec display in a French Excel or LibreOffice: 2 600 000,00 $
MONEY_FORMAT = '#,##0.00\\ "$"'
DATE_FORMAT = "yyyy-mm-dd"
LISTS_TAB = "Listes"
INSTRUCTIONS_TAB = "Instructions"
# Rows prepared with drop-downs, formats and the total formula in an empty template.
TEMPLATE_ROWS = 500

_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_WIDTHS = {"text": 28, "list": 26, "date": 14, "money": 16, "count": 12}
_NARROW = {"project_id": 16, "notes": 40, "reference": 18, "note": 40}


def _lists(config: Config, committee: Committee | None) -> dict[str, list[str]]:
    territories = list(committee.territories) if committee else sorted(
        {t for c in config.subregions for t in c.territories})
    return {
        "organization_type": list(config.eligible_types),
        "territory": territories,
        "priority": list(config.priorities),
        "status": list(defaults.STATUSES),
    }


def _write_header(ws, columns) -> None:
    for index, column in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=index)
        set_text(cell, column.header)
        cell.fill = _HEADER_FILL
        cell.font = _HEADER_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        width = _NARROW.get(column.field, _WIDTHS[column.kind])
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    ws.row_dimensions[1].height = 32


def _write_rows(ws, columns, records: list[dict], rows: int, formulas=None) -> None:
    """Rows 2… of a tab: formats on every prepared row, values where a record has them."""
    formulas = formulas or {}
    for r in range(2, rows + 2):
        record = records[r - 2] if r - 2 < len(records) else {}
        for c, column in enumerate(columns, start=1):
            cell = ws.cell(row=r, column=c)
            if column.kind == "money":
                cell.number_format = MONEY_FORMAT
            elif column.kind == "date":
                cell.number_format = DATE_FORMAT
            if column.field in formulas:
                cell.value = formulas[column.field](r)
                continue
            value = record.get(column.field)
            if value is None:
                continue
            if column.kind == "money":
                cell.value = spreadsheet_number(value)
            elif column.kind in ("text", "list"):
                set_text(cell, str(value))
            else:
                cell.value = value


def write_committee_workbook(path: Path, config: Config, committee: Committee | None = None,
                             projects: list[dict] | None = None, payments: list[dict] | None = None) -> None:
    """Write the committee workbook (docs/gabarit.md); ``projects``/``payments`` are dicts keyed by field name
    (``year:2019-2020`` for year columns) with typed values (cents as int, dates)."""
    projects = projects or []
    payments = payments or []
    years = [y.label for y in config.fiscal_years]
    p_columns = project_columns(config.fund, years)
    wb = Workbook()
    ws = wb.active
    ws.title = PROJECTS_TAB
    _write_header(ws, p_columns)
    letter = {c.field: get_column_letter(i) for i, c in enumerate(p_columns, start=1)}
    first_year, last_year = letter[f"year:{years[0]}"], letter[f"year:{years[-1]}"]
    rows = max(len(projects) + 50, TEMPLATE_ROWS if not projects else 0)

    def fqis_total(r: int) -> str:
        # Empty until a year is filled, so unused rows stay blank in Sheets too.
        return f'=IF(COUNT({first_year}{r}:{last_year}{r})=0,"",SUM({first_year}{r}:{last_year}{r}))'

    _write_rows(ws, p_columns, projects, rows, formulas={"fqis_total": fqis_total})

    lists = _lists(config, committee)
    lists_ws = wb.create_sheet(LISTS_TAB)
    headings = {"organization_type": "Types d'organisme admissibles", "territory": "Territoires",
                "priority": "Priorités", "status": "Statuts"}
    for c, (name, values) in enumerate(lists.items(), start=1):
        set_text(lists_ws.cell(row=1, column=c), headings[name]).font = Font(bold=True)
        lists_ws.column_dimensions[get_column_letter(c)].width = 40
        for r, value in enumerate(values, start=2):
            set_text(lists_ws.cell(row=r, column=c), value)
        col = get_column_letter(c)
        validation = DataValidation(
            type="list", formula1=f"={LISTS_TAB}!${col}$2:${col}${len(values) + 1}", allow_blank=True,
            showErrorMessage=True, errorStyle="warning", errorTitle="Valeur hors liste",
            error=f"Choisissez une valeur de la liste « {headings[name]} ».",
        )
        ws.add_data_validation(validation)
        validation.add(f"{letter[name]}2:{letter[name]}{rows + 1}")
    lists_ws.sheet_state = "hidden"

    pay_ws = wb.create_sheet(PAYMENTS_TAB, 1)
    _write_header(pay_ws, PAYMENT_COLUMNS)
    pay_rows = max(len(payments) + 50, TEMPLATE_ROWS if not payments else 0)
    # A payment names a project of the Projets tab: offer them in a drop-down.
    project_ids = DataValidation(
        type="list", formula1=f"={PROJECTS_TAB}!${letter['project_id']}$2:${letter['project_id']}${rows + 1}",
        allow_blank=True, showErrorMessage=True, errorStyle="warning", errorTitle="Projet inconnu",
        error="Ce numéro ne figure pas dans l'onglet Projets de ce classeur.",
    )
    pay_ws.add_data_validation(project_ids)
    pay_letter = get_column_letter([c.field for c in PAYMENT_COLUMNS].index("project_id") + 1)
    project_ids.add(f"{pay_letter}2:{pay_letter}{pay_rows + 1}")
    _write_rows(pay_ws, PAYMENT_COLUMNS, payments, pay_rows)

    _write_instructions(wb.create_sheet(INSTRUCTIONS_TAB, 0), config, committee, lists)
    wb.active = 1
    wb.properties.title = f"{config.name} — chiffrier du comité{' ' + committee.name if committee else ''}"
    wb.properties.creator = config.mandataire
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def _write_instructions(ws, config: Config, committee: Committee | None, lists: dict[str, list[str]]) -> None:
    years = ", ".join(f"{config.fund} {y.label}" for y in config.fiscal_years)
    lines = [
        (f"{config.name} — chiffrier du comité" + (f" {committee.name}" if committee else ""), True),
        ("", False),
        ("Ce classeur est la source des données de votre comité. Chaque nuit, alliance-sync le lit, "
         "le valide et le consolide dans le rapport remis au ministère.", False),
        ("", False),
        ("Onglet Projets : une ligne par projet, à partir de la ligne 2.", True),
        ("• No projet : unique dans toute l'Alliance (ex. OUE-2020-003).", False),
        ("• Type d'organisme, Territoire, Priorité et Statut : choisissez dans la liste déroulante.", False),
        ("• Date d'approbation, Date de début et Date de fin : requises dès le statut Accepté, "
         f"entre le {config.period_start} et le {config.period_end}, au format AAAA-MM-JJ.", False),
        (f"• Répartissez le {config.fund} par exercice ({years}) ; la colonne {config.fund} total "
         "se calcule seule.", False),
        (f"• Le {config.fund} total ne peut dépasser le coût total ; au-delà de "
         f"{format_share(config.max_fqis_share)} du coût, un avertissement est émis.", False),
        ("• Montants en dollars : 12 500 $, 12 500,50 $ ou 12500.50 sont acceptés ; "
         "un montant illisible ou négatif est signalé, jamais compté comme 0 $.", False),
        ("• Statut : Accepté, En cours et Terminé engagent le FQIS total du projet ; Abandonné engage ce qui "
         "a déjà été versé ; Intention déposée et En analyse sont des demandes en analyse ; "
         "Refusé ne compte nulle part.", False),
        ("• Participants visés et Participants rejoints : des nombres entiers (ex. 25).", False),
        ("", False),
        ("Onglet Versements : une ligne par versement (No projet, Date du versement, Montant, Référence, Note).",
         True),
        ("• Un versement doit nommer un projet de ce comité au statut Accepté, En cours, Terminé ou Abandonné.",
         False),
        ("", False),
        ("Ne renommez pas les onglets ni les en-têtes : l'outil les cherche par leur nom.", True),
        ("Les anomalies trouvées sont signalées avec la cellule à corriger (onglet Validation, si activé).", False),
    ]
    for r, (text, bold) in enumerate(lines, start=1):
        cell = set_text(ws.cell(row=r, column=1), text)
        cell.font = Font(bold=bold, size=14 if r == 1 else 11)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 110
