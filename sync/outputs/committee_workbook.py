"""The committee workbook of docs/gabarit.md: the template, and the demo's filled copies.

One writer serves both: ``alliance-sync template`` writes it with no rows; the
demo generator (sync/demo.py) writes it with a committee's projects and payments.

The workbook guards what a committee types with the rules the nightly
validation applies: « stop » lists, dates inside the agreement period, amounts
and counts ≥ 0, no No projet twice, an input message on every column, and a
conditional format that colours the required cells still empty in a row already
started. Nothing here replaces the validation: a value pasted over a cell
escapes every spreadsheet's checks, so the tool still reads and checks it all.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.datavalidation import DataValidation

from sync.config import Committee, Config
from sync.money import MAX_CENTS, format_share, spreadsheet_number
from sync.outputs.atomic import write_atomically
from sync.outputs.cells import set_text
from sync.outputs.corrections import return_path
from sync.outputs.openpyxl_types import Cell, Worksheet
from sync.vocabulary import statuses
from sync.vocabulary.template import PAYMENT_COLUMNS, PAYMENTS_TAB, PROJECTS_TAB, Column, project_columns

# 2 600 000,00 $: OOXML codes always write "," and "." as the group and decimal
# placeholders; the leading [$-C0C] pins French (Canada), which LibreOffice honours
# in any language (Excel keeps the separators of Windows: docs/gabarit.md).
MONEY_FORMAT = '[$-C0C]#,##0.00\\ "$"'
DATE_FORMAT = "yyyy-mm-dd"
LISTS_TAB = "Listes"
INSTRUCTIONS_TAB = "Instructions"
# Rows prepared with formats and the total formula in an empty template; the
# validations and the conditional formats cover at least as many rows in every copy.
TEMPLATE_ROWS = 5000
# Excel refuses longer titles and messages in a data validation (and Sheets cuts them).
TITLE_LIMIT, MESSAGE_LIMIT = 32, 255

_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
# A required cell still empty in a started row: Excel's « bad » red.
MISSING_FILL = PatternFill("solid", fgColor="FFC7CE", bgColor="FFC7CE")
MISSING_FONT = Font(color="9C0006")
# A row to write: its values by field name (``year:2019-2020`` for a year column),
# typed: cents as int, dates, text, counts.
Record = Mapping[str, object]

_WIDTHS = {"text": 28, "list": 26, "date": 14, "money": 16, "count": 12}
_NARROW = {"project_id": 16, "notes": 40, "reference": 18, "note": 40}
_LIST_HEADINGS = {
    "organization_type": "Types d'organisme admissibles",
    "territory": "Territoires",
    "priority": "Priorités",
    "status": "Statuts",
}


def priority_choices(config: Config, committee: Committee | None) -> list[str]:
    """The Priorité drop-down, the one place it is decided: a committee's template
    offers its own action plan's axes (docs/configuration.md, ``priorities``), the
    Alliance's template the Alliance's whole list."""
    return list(committee.priorities) if committee else list(config.priorities)


def _lists(config: Config, committee: Committee | None) -> dict[str, list[str]]:
    territories = (
        list(committee.territories) if committee else sorted({t for c in config.subregions for t in c.territories})
    )
    return {
        "organization_type": list(config.eligible_types),
        "territory": territories,
        "priority": priority_choices(config, committee),
        "status": list(statuses.STATUSES),
    }


@dataclass(frozen=True)
class Guard:
    """What a column accepts, said in the cell's input message and error alert."""

    prompt: str
    type: str | None = None  # None: any value (the input message only)
    operator: str | None = None
    formula1: str | None = None
    formula2: str | None = None
    error_title: str = ""
    error: str = ""

    def validation(self, title: str) -> DataValidation:
        # « stop »: the value is refused, not merely warned about (Excel's « Arrêt »,
        # Sheets' « Refuser la saisie »).
        return DataValidation(
            type=self.type,
            operator=self.operator,
            formula1=self.formula1,
            formula2=self.formula2,
            allow_blank=True,
            showInputMessage=True,
            promptTitle=title[:TITLE_LIMIT],
            prompt=self.prompt,
            showErrorMessage=self.type is not None,
            errorStyle="stop" if self.type else None,
            errorTitle=self.error_title or None,
            error=self.error or None,
        )


def _period(config: Config) -> str:
    return f"entre le {config.period_start.isoformat()} et le {config.period_end.isoformat()}"


def _guards(
    config: Config,
    columns: list[Column],
    letter: dict[str, str],
    last_row: int,
    lists_range: dict[str, str],
    projects_ids: str | None,
) -> dict[str, Guard]:
    """The guard of each column of a tab, by field."""
    fund = config.fund
    period = _period(config)
    date_error = f"Entrez une date {period}, au format AAAA-MM-JJ (ex. {config.period_start.isoformat()})."
    # The largest amount the rules read exactly (a larger one is a typing accident).
    money = {
        "type": "decimal",
        "operator": "between",
        "formula1": "0",
        "formula2": str(Decimal(MAX_CENTS) / 100),
        "error_title": "Montant invalide",
        "error": "Entrez un montant en dollars, positif ou nul, au cent près (ex. 12500,50).",
    }
    committed = "Accepté, En cours ou Terminé"
    guards: dict[str, Guard] = {}
    for column in columns:
        field = column.field
        if field == "project_id" and projects_ids is None:
            col = letter[field]
            guards[field] = Guard(
                "Obligatoire. Un numéro unique dans toute l'Alliance, ex. OUE-2020-003.",
                type="custom",
                formula1=f"COUNTIF(${col}$2:${col}${last_row},{col}2)<=1",
                error_title="No projet en double",
                error="Ce No projet figure déjà dans cet onglet : chaque projet a un numéro unique.",
            )
        elif field == "project_id":
            guards[field] = Guard(
                "Obligatoire. Choisissez le No projet d'un projet de l'onglet Projets.",
                type="list",
                formula1=projects_ids,
                error_title="Projet inconnu",
                error="Ce No projet ne figure pas dans l'onglet Projets de ce classeur : choisissez-le dans la liste.",
            )
        elif column.kind == "list":
            heading = _LIST_HEADINGS[field]
            what = {
                "organization_type": "le type d'organisme (seuls les types admissibles y sont)",
                "territory": "le territoire du projet, dans votre sous-région",
                "priority": "la priorité d'action",
                "status": "le statut du projet",
            }[field]
            guards[field] = Guard(
                f"Obligatoire. Choisissez dans la liste déroulante {what}.",
                type="list",
                formula1=lists_range[field],
                error_title="Valeur hors liste",
                error=f"Cette valeur n'est pas dans la liste « {heading} » : choisissez-en une dans la liste "
                "déroulante.",
            )
        elif column.kind == "date":
            when = (
                "Requise dès le statut " + committed + ". "
                if field in ("approval_date", "start_date", "end_date")
                else "Obligatoire. "
            )
            guards[field] = Guard(
                f"{when}Une date {period}, au format AAAA-MM-JJ.",
                type="date",
                operator="between",
                formula1=str(int(to_excel(config.period_start))),
                formula2=str(int(to_excel(config.period_end))),
                error_title="Date hors période",
                error=date_error,
            )
        elif field == "fqis_total":
            guards[field] = Guard(
                f"Calculé seul : la somme des colonnes {fund} par exercice. Ne rien saisir ici.", **money
            )
        elif column.kind == "money":
            prompt = {
                "total_cost": f"Requis dès le statut {committed}. Le coût total du projet, au moins le {fund} total.",
                "other_contributions": "Les autres sources de financement du projet, en dollars.",
                "amount": "Obligatoire. Le montant versé, en dollars.",
            }.get(field, f"La part du {fund} de l'exercice {field[5:]}, en dollars.")
            guards[field] = Guard(f"{prompt} Ex. 12500,50 (≥ 0).", **money)
        elif column.kind == "count":
            guards[field] = Guard(
                "Un nombre entier de personnes, positif ou nul (ex. 25).",
                type="whole",
                operator="greaterThanOrEqual",
                formula1="0",
                error_title="Nombre invalide",
                error="Entrez un nombre entier positif ou nul, sans décimales (ex. 25).",
            )
        else:
            prompt = {
                "title": "Obligatoire. Le titre du projet.",
                "organization": "Obligatoire. Le nom de l'organisme qui porte le projet.",
                "notes": "Facultatif. Toute précision utile au comité.",
                "reference": "La référence du versement : no de chèque ou de virement.",
                "note": "Facultatif. Toute précision utile sur ce versement.",
            }[field]
            guards[field] = Guard(prompt)
    return guards


def _add_guards(ws: Worksheet, columns: list[Column], guards: dict[str, Guard], last_row: int) -> None:
    for index, column in enumerate(columns, start=1):
        validation = guards[column.field].validation(column.header)
        ws.add_data_validation(validation)
        col = get_column_letter(index)
        validation.add(f"{col}2:{col}{last_row}")


def _flag_missing(
    ws: Worksheet,
    columns: list[Column],
    letter: dict[str, str],
    last_row: int,
    always: list[str],
    when_committed: list[str],
    status: str | None,
) -> None:
    """Colour a required cell left empty in a row already started (anything typed in it).

    The formula column (FQIS total) is left out of « started »: it shows an empty
    text in every prepared row, which COUNTA would count."""
    spans: list[list[int]] = []  # runs of adjacent typed columns, by index
    for index, column in enumerate(columns, start=1):
        if column.field == "fqis_total":
            continue
        if spans and spans[-1][-1] == index - 1:
            spans[-1].append(index)
        else:
            spans.append([index])
    ranges = [
        f"${get_column_letter(run[0])}2:${get_column_letter(run[-1])}2"
        if len(run) > 1
        else f"${get_column_letter(run[0])}2"
        for run in spans
    ]
    started = f"COUNTA({','.join(ranges)})>0"
    committed = ""
    if status:
        committed = (
            "OR("
            + ",".join(f'${letter[status]}2="{s}"' for s in statuses.STATUSES if s in statuses.COMMITTED_STATUSES)
            + ")"
        )
    for fields, condition in ((always, started), (when_committed, committed)):
        for field in fields:
            col = letter[field]
            rule = FormulaRule(formula=[f"AND(LEN(TRIM({col}2))=0,{condition})"], fill=MISSING_FILL, font=MISSING_FONT)
            ws.conditional_formatting.add(f"{col}2:{col}{last_row}", rule)


def _write_header(ws: Worksheet, columns: Sequence[Column]) -> None:
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


def _print_setup(ws: Worksheet, columns: Sequence[Column], filled: int) -> None:
    """A data tab prints as a person expects: landscape Letter, one page wide, the
    header on every page, and only the header and the ``filled`` rows: the prepared
    empty rows (formats, and the FQIS total formula of Projets) would print as dozens
    of blank pages. The print area is fixed when the file is written (docs/gabarit.md,
    « Imprimer »): LibreOffice ignores a print area that grows with the rows."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_LETTER
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = "1:1"
    ws.print_area = f"A1:{get_column_letter(len(columns))}{filled + 1}"
    ws.oddFooter.center.text = "&A"
    ws.oddFooter.right.text = "Page &P de &N"


def _write_rows(
    ws: Worksheet,
    columns: Sequence[Column],
    records: Sequence[Record],
    rows: int,
    formulas: Mapping[str, Callable[[int], str]] | None = None,
) -> None:
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
            if value is not None:
                _put(cell, column.kind, value)


def _put(cell: Cell, kind: str, value: object) -> None:
    """A record's value in its cell: an amount as the number a spreadsheet stores, text
    that never becomes a formula, a date or a count as it is."""
    if kind == "money":
        if not isinstance(value, int):
            raise TypeError(f"an amount is given in cents (int), not {value!r}")
        cell.value = spreadsheet_number(value)
    elif kind in ("text", "list"):
        set_text(cell, str(value))
    else:
        cell.value = value


@dataclass
class TemplateResult:
    """``alliance-sync template``'s result: the template written, and for whom."""

    path: Path
    committee: str | None  # the sub-region's code, or None: every sub-region

    def render_text(self) -> str:
        return f"Gabarit écrit : {self.path}"

    def as_dict(self) -> dict[str, Any]:
        return {"template": str(self.path.absolute()), "committee": self.committee}


def write_template(target: Path, config: Config, committee: Committee | None) -> TemplateResult:
    """The blank template at ``target``, atomically as the ministry workbook: a failure
    names the file in French and leaves a previous template whole."""
    write_atomically(target, lambda path: write_committee_workbook(path, config, committee))
    return TemplateResult(target, committee.code if committee is not None else None)


def write_committee_workbook(
    path: Path,
    config: Config,
    committee: Committee | None = None,
    projects: Sequence[Record] | None = None,
    payments: Sequence[Record] | None = None,
) -> None:
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
    last_row = max(rows, TEMPLATE_ROWS) + 1

    def fqis_total(r: int) -> str:
        # Empty until a year is filled, so unused rows stay blank in Sheets too.
        return f'=IF(COUNT({first_year}{r}:{last_year}{r})=0,"",SUM({first_year}{r}:{last_year}{r}))'

    _write_rows(ws, p_columns, projects, rows, formulas={"fqis_total": fqis_total})
    _print_setup(ws, p_columns, len(projects))

    lists = _lists(config, committee)
    lists_ws = wb.create_sheet(LISTS_TAB)
    lists_range = {}
    for c, (name, values) in enumerate(lists.items(), start=1):
        set_text(lists_ws.cell(row=1, column=c), _LIST_HEADINGS[name]).font = Font(bold=True)
        lists_ws.column_dimensions[get_column_letter(c)].width = 40
        for r, value in enumerate(values, start=2):
            set_text(lists_ws.cell(row=r, column=c), value)
        col = get_column_letter(c)
        lists_range[name] = f"{LISTS_TAB}!${col}$2:${col}${len(values) + 1}"
    lists_ws.sheet_state = "hidden"

    _add_guards(ws, p_columns, _guards(config, p_columns, letter, last_row, lists_range, None), last_row)
    _flag_missing(
        ws,
        p_columns,
        letter,
        last_row,
        always=["project_id", "title", "organization", "organization_type", "territory", "priority", "status"],
        when_committed=["approval_date", "start_date", "end_date", "total_cost", "fqis_total"],
        status="status",
    )

    pay_ws = wb.create_sheet(PAYMENTS_TAB, 1)
    _write_header(pay_ws, PAYMENT_COLUMNS)
    pay_rows = max(len(payments) + 50, TEMPLATE_ROWS if not payments else 0)
    pay_last_row = max(pay_rows, TEMPLATE_ROWS) + 1
    pay_letter = {c.field: get_column_letter(i) for i, c in enumerate(PAYMENT_COLUMNS, start=1)}
    # A payment names a project of the Projets tab: offer them in a drop-down.
    project_ids = f"{PROJECTS_TAB}!${letter['project_id']}$2:${letter['project_id']}${last_row}"
    _add_guards(
        pay_ws,
        PAYMENT_COLUMNS,
        _guards(config, PAYMENT_COLUMNS, pay_letter, pay_last_row, {}, project_ids),
        pay_last_row,
    )
    _flag_missing(
        pay_ws,
        PAYMENT_COLUMNS,
        pay_letter,
        pay_last_row,
        always=["project_id", "date", "amount"],
        when_committed=[],
        status=None,
    )
    _write_rows(pay_ws, PAYMENT_COLUMNS, payments, pay_rows)
    _print_setup(pay_ws, PAYMENT_COLUMNS, len(payments))

    _write_instructions(wb.create_sheet(INSTRUCTIONS_TAB, 0), config, committee)
    wb.active = 1
    wb.properties.title = f"{config.name} — chiffrier du comité{' ' + committee.name if committee else ''}"
    wb.properties.creator = config.mandataire
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


# The Instructions tab is one column, sized to a portrait Letter page (LibreOffice
# and Excel print it on one page width, nothing past the edge). Row heights are
# set from each paragraph's wrapped line count: spreadsheet programs do not all
# grow an imported row to fit wrapped text, and a row too short overlaps the next.
_INSTRUCTIONS_WIDTH = 72
# Characters per printed line, counted for a wide font (DejaVu, LibreOffice's
# stand-in when Calibri is absent), so a narrower font only leaves some air.
_LINE_CHARS = {"title": 50, "heading": 72, "body": 82, "bullet": 80}
_LINE_HEIGHT = {"title": 20.0, "heading": 15.0, "body": 15.0, "bullet": 15.0}
_FONTS = {
    "title": Font(bold=True, size=14),
    "heading": Font(bold=True, size=11, color="1F4E78"),
    "body": Font(size=11),
    "bullet": Font(size=11),
}


def instruction_lines(config: Config, committee: Committee | None) -> list[tuple[str, str]]:
    """The Instructions tab, paragraph by paragraph: (style, text); style is title,
    heading, body, bullet or blank."""
    fund = config.fund
    years = ", ".join(f"{fund} {y.label}" for y in config.fiscal_years)
    period = _period(config)
    committed = "Accepté, En cours ou Terminé"
    return [
        ("title", f"{config.name} — chiffrier du comité" + (f" {committee.name}" if committee else "")),
        ("blank", ""),
        (
            "body",
            "Ce classeur est la source des données de votre comité. Chaque nuit, alliance-sync le lit, "
            "le valide et le consolide dans le rapport remis au ministère.",
        ),
        ("blank", ""),
        ("heading", "Onglet Projets : une ligne par projet, à partir de la ligne 2."),
        ("bullet", "No projet : unique dans toute l'Alliance (ex. OUE-2020-003)."),
        (
            "bullet",
            "Titre du projet, Organisme porteur, Type d'organisme, Territoire, Priorité et Statut sont obligatoires.",
        ),
        ("bullet", "Type d'organisme, Territoire, Priorité et Statut : choisissez dans la liste déroulante."),
        (
            "bullet",
            f"Date d'approbation, Date de début et Date de fin : requises dès le statut {committed}, "
            f"{period}, au format AAAA-MM-JJ.",
        ),
        ("bullet", f"Répartissez le {fund} par exercice ({years}) ; la colonne {fund} total se calcule seule."),
        (
            "bullet",
            f"Le {fund} total ne peut dépasser le coût total ; au-delà de "
            f"{format_share(config.max_fqis_share)} du coût, un avertissement est émis.",
        ),
        (
            "bullet",
            "Montants en dollars : 12 500 $, 12 500,50 $ ou 12500.50 sont acceptés ; "
            "un montant illisible ou négatif est signalé, jamais compté comme 0 $.",
        ),
        (
            "bullet",
            f"Statut : Accepté, En cours et Terminé engagent le {fund} total du projet ; Abandonné "
            "engage ce qui a déjà été versé ; Intention déposée et En analyse sont des demandes en "
            "analyse ; Refusé ne compte nulle part.",
        ),
        ("bullet", "Participants visés et Participants rejoints : des nombres entiers (ex. 25)."),
        ("blank", ""),
        ("heading", "Onglet Versements : une ligne par versement."),
        ("bullet", "No projet, Date du versement et Montant sont obligatoires ; Référence et Note complètent."),
        (
            "bullet",
            "Un versement doit nommer un projet de ce comité au statut Accepté, En cours, Terminé ou Abandonné.",
        ),
        ("blank", ""),
        ("heading", "Ce que le classeur vérifie pendant la saisie"),
        ("bullet", "Un message d'aide s'affiche quand vous sélectionnez une cellule d'une colonne."),
        (
            "bullet",
            f"Une valeur hors liste, une date hors de la période ({period}), un montant ou "
            "un nombre de participants négatif, un No projet en double sont refusés dès la saisie.",
        ),
        ("bullet", "Dans une ligne commencée, une cellule obligatoire vide est colorée en rouge."),
        ("bullet", "Une valeur collée échappe à ces vérifications : la validation de la nuit la signale quand même."),
        ("blank", ""),
        ("heading", "Ne renommez pas les onglets ni les en-têtes : l'outil les cherche par leur nom."),
        ("body", "Les anomalies trouvées sont signalées avec la cellule à corriger (onglet Validation, si activé)."),
        ("body", return_path(config, committee)),
    ]


def _write_instructions(ws: Worksheet, config: Config, committee: Committee | None) -> None:
    for r, (style, text) in enumerate(instruction_lines(config, committee), start=1):
        if style == "blank":
            ws.row_dimensions[r].height = 8
            continue
        shown = f"• {text}" if style == "bullet" else text
        cell = set_text(ws.cell(row=r, column=1), shown)
        cell.font = _FONTS[style]
        cell.alignment = Alignment(wrap_text=True, vertical="top", indent=1 if style == "bullet" else 0)
        lines = len(textwrap.wrap(shown, _LINE_CHARS[style])) or 1
        ws.row_dimensions[r].height = lines * _LINE_HEIGHT[style] + 3
    ws.column_dimensions["A"].width = _INSTRUCTIONS_WIDTH
    ws.page_setup.orientation = "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_LETTER
    ws.page_margins.left = ws.page_margins.right = 0.6
    # One page wide whatever the printer's margins; as many pages tall as needed.
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_view.showGridLines = False
