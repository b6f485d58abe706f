"""The detail sheets: Projets and Versements (one row per record, as Excel tables),
and the column layout that the summary formulas sum over.

These sheets can hold tens of thousands of rows: each row is written once, cell
by cell, straight to XlsxWriter, with one shared format per styled column. They
hold values only: the columns alliance-sync computes (Versé, Engagement, FQIS
engagé, Inclus) are values too, and the summary formulas sum the committee's own
amounts (FQIS total, Versé) by them. A formula per row would cost more than the
rest of the row: XlsxWriter prepares each formula with some thirty regular
expressions, about 0.1 ms, against a few microseconds for a number.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar, cast

from sync.consolidate import committed_amount
from sync.money import spreadsheet_number
from sync.outputs.cells import FORMULA_LIKE, clean_text
from sync.outputs.ministry.sheet import Sheet, letter
from sync.outputs.ministry.style import Styles
from sync.outputs.ministry.xlsx import Workbook, Worksheet, cell_position, column_name
from sync.parsing.records import Payment, Project
from sync.parsing.values import as_text
from sync.report import Report
from sync.vocabulary import statuses
from sync.vocabulary.template import PAYMENT_COLUMNS, alliance_columns
from sync.wording import plural

log = logging.getLogger("sync")

PROJECTS = "Projets"
PAYMENTS = "Versements"

YES, NO = "Oui", "Non"
# The Engagement column: how a project counts in the committed amount (docs/classeur-ministere.md).
ENGAGED = "Engagé"  # Accepté, En cours, Terminé: its FQIS total
ABANDONED = "Abandonné"  # what was already paid
PIPELINE = "En analyse"  # Intention déposée, En analyse: the pipeline
NOT_ENGAGED = "Non engagé"  # Refusé, or no valid status

INCLUDED = "Inclus dans les totaux"
SOURCE_ROW = "Ligne source"
SUBREGION = "Sous-région"
ENGAGEMENT = "Engagement"
PAID = "Versé"
FISCAL_YEAR = "Exercice"

# Day 0 of a spreadsheet's dates (1900 system), as an ordinal: 2024-05-01 is 45413.
EXCEL_EPOCH = dt.date(1899, 12, 30).toordinal()

# Only links to the committees' spreadsheets: a source gives them, never committee text.
_LINK_SCHEMES = ("https://", "http://")
_MAX_LINK = 2000  # Excel ignores longer hyperlinks


def engagement(project: Project) -> str:
    if project.status in statuses.COMMITTED_STATUSES:
        return ENGAGED
    if project.status == statuses.ABANDONED_STATUS:
        return ABANDONED
    if project.status in statuses.PIPELINE_STATUSES:
        return PIPELINE
    return NOT_ENGAGED


def safe_link(url: str | None) -> str | None:
    if not url or not url.startswith(_LINK_SCHEMES) or len(url) > _MAX_LINK:
        return None
    return url


# The record of a detail sheet's row: a project, or a payment.
R = TypeVar("R", Project, Payment)

ColumnKind = Literal["code", "text", "money", "date", "count", "link"]


@dataclass(frozen=True)
class Column(Generic[R]):
    header: str
    kind: ColumnKind
    width: float
    get: Callable[[R], object]
    computed: bool = False  # filled by alliance-sync, not copied from the committee
    field: str = ""  # the record's field, for an amount whose typed text could not be read


class Ranges:
    """Formula ranges over the data rows of a detail sheet: ``Projets!$W$2:$W$75``."""

    def __init__(self, sheet: str, columns: Sequence[Column[R]], rows: int) -> None:
        self.sheet = sheet
        self.letters = {c.header: column_name(i) for i, c in enumerate(columns)}
        self.last = max(rows, 1) + 1  # an empty table still has one (blank) data row

    def __getitem__(self, header: str) -> str:
        letter = self.letters[header]
        return f"{self.sheet}!${letter}$2:${letter}${self.last}"

    def letter(self, header: str) -> str:
        return self.letters[header]


class Layout(Generic[R]):
    """The columns of a detail sheet, in order, and its records, for one configuration."""

    columns: list[Column[R]]
    headers: list[str]
    records: list[R]
    ranges: Ranges


class ProjectLayout(Layout[Project]):
    """The columns of Projets, in order, for one configuration."""

    def __init__(self, report: Report) -> None:
        config = report.config
        fund = config.fund
        self.fund_total = f"{fund} total"
        self.engaged = f"{fund} engagé"
        alliance = alliance_columns(fund, tuple(y.label for y in config.fiscal_years))
        template = {c.field: c.header for c in alliance.projects}
        self.year_headers = {y.label: template[f"year:{y.label}"] for y in config.fiscal_years}
        self.territory, self.priority = template["territory"], template["priority"]
        self.other_contributions = template["other_contributions"]
        paid = report.totals.paid_by_project

        def text(name: str) -> Callable[[Project], str]:
            return lambda p: getattr(p, name)

        columns: list[Column[Project]] = [
            Column(SUBREGION, "code", 12, lambda p: p.committee),
            Column(template["project_id"], "text", 15, text("project_id")),
            Column(template["title"], "text", 36, text("title")),
            Column(template["organization"], "text", 30, text("organization")),
            Column(template["organization_type"], "text", 20, text("organization_type")),
            Column(template["territory"], "text", 22, text("territory")),
            Column(template["priority"], "text", 24, text("priority")),
            Column(template["status"], "text", 13, text("status")),
            Column(template["approval_date"], "date", 13, lambda p: p.approval_date),
            Column(template["start_date"], "date", 13, lambda p: p.start_date),
            Column(template["end_date"], "date", 13, lambda p: p.end_date),
            Column(template["total_cost"], "money", 15, lambda p: p.total_cost, field="total_cost"),
            *(
                Column(
                    header,
                    "money",
                    15,
                    (lambda label: lambda p: p.fqis_by_year.get(label))(label),  # noqa: B023
                    field=f"year:{label}",
                )
                for label, header in self.year_headers.items()
            ),
            Column(self.fund_total, "money", 15, lambda p: p.fqis_total, field="fqis_total"),
            Column(
                template["other_contributions"],
                "money",
                15,
                lambda p: p.other_contributions,
                field="other_contributions",
            ),
            Column(template["participants_target"], "count", 12, lambda p: p.participants_target),
            Column(template["participants_reached"], "count", 12, lambda p: p.participants_reached),
            Column(PAID, "money", 15, lambda p: paid.get((p.committee, p.project_id), 0), computed=True),
            Column(ENGAGEMENT, "code", 12, engagement, computed=True),
            Column(self.engaged, "money", 15, self.engaged_result, computed=True),
            Column(INCLUDED, "code", 11, lambda p: YES if p.counted else NO, computed=True),
            Column(SOURCE_ROW, "link", 9, lambda p: p.row, computed=True),
            Column(template["notes"], "text", 40, text("notes")),
        ]
        self.columns = columns
        self.headers = [c.header for c in columns]
        self.records = [
            p
            for c in (*config.subregions, config.regional)
            for p in (report.workbooks[c.code].projects if c.code in report.workbooks else [])
        ]
        self.ranges = Ranges(PROJECTS, columns, len(self.records))
        self.paid = paid

    def engaged_result(self, project: Project) -> int:
        """What the « FQIS engagé » formula of a project's row gives, in cents."""
        return committed_amount(project, self.paid.get((project.committee, project.project_id), 0))


class PaymentLayout(Layout[Payment]):
    def __init__(self, report: Report) -> None:
        config = report.config
        template = {c.field: c.header for c in PAYMENT_COLUMNS}

        def year(v: Payment) -> str:
            found = config.fiscal_year_of(v.date) if v.date else None
            return found.label if found else ""

        self.amount = template["amount"]
        self.date = template["date"]
        columns: list[Column[Payment]] = [
            Column(SUBREGION, "code", 12, lambda v: v.committee),
            Column(template["project_id"], "text", 15, lambda v: v.project_id),
            Column(self.date, "date", 12, lambda v: v.date),
            Column(FISCAL_YEAR, "code", 11, year, computed=True),
            Column(self.amount, "money", 15, lambda v: v.amount, field="amount"),
            Column(template["reference"], "text", 16, lambda v: v.reference),
            Column(template["note"], "text", 40, lambda v: v.note),
            Column(INCLUDED, "code", 11, lambda v: YES if v.counted and v.amount is not None else NO, computed=True),
            Column(SOURCE_ROW, "link", 9, lambda v: v.row, computed=True),
        ]
        self.columns = columns
        self.headers = [c.header for c in columns]
        self.records = [
            v
            for c in (*config.subregions, config.regional)
            for v in (report.workbooks[c.code].payments if c.code in report.workbooks else [])
        ]
        self.ranges = Ranges(PAYMENTS, columns, len(self.records))


def _widths(columns: Sequence[Column[R]], records: Sequence[R], sample: int = 2000) -> list[float]:
    """Sensible widths: the column's usual width, widened for long text seen in the
    first rows (capped, long text wraps in the cell or is read in the formula bar)."""
    widths = []
    for column in columns:
        width = column.width
        if column.kind in ("text", "code"):
            longest = max((len(str(column.get(r) or "")) for r in records[:sample]), default=0)
            width = min(max(width, longest * 0.95 + 2), 45 if column.kind == "text" else 16)
        widths.append(width)
    return widths


def typed_text(report: Report, record: Project | Payment, field: str) -> str | None:
    """The text a committee typed in a cell that could not be read as an amount."""
    address = record.cells.get(field) if field in record.invalid else None
    info = report.sources.get(record.committee)
    if not address or info is None or not info.tabs:
        return None
    rows = info.tabs.get(record.sheet)
    row, col = cell_position(address)
    if rows is None or row >= len(rows) or col >= len(rows[row]):
        return None
    shown = as_text(rows[row][col])
    return shown or None


def write_records(
    book: Workbook, styles: Styles, report: Report, layout: Layout[R], title: str, table_name: str, *, tables: bool
) -> Sheet:
    """Write a detail sheet (Projets or Versements): an Excel table, or, when the
    workbook is written in constant-memory mode (no tables there), the same rows
    with filters on the header row."""
    columns, records = layout.columns, layout.records
    log.info("Classeur du ministère : onglet %s, %s…", title, plural(len(records), "ligne"))
    widths = _widths(columns, records)
    # A page of Projets on one sheet of paper would print too small to read: its
    # width spreads over two pages, each repeating the sub-region and project number.
    pages_wide = 2 if sum(widths) > 250 else 1
    sheet = Sheet(
        book,
        styles,
        title,
        widths,
        freeze=(1, 2),
        print_title_rows=(1, 1),
        pages_wide=pages_wide,
        print_title_cols="A:B" if pages_wide > 1 else None,
    )
    ws = sheet.ws
    included = layout.ranges.letter(INCLUDED)
    last_col = len(columns) - 1
    last_row = layout.ranges.last  # 1-based
    # Rows kept out of the totals (an error to fix) are greyed, so they are seen as such.
    ws.conditional_format(
        1,
        0,
        last_row - 1,
        last_col,
        {"type": "formula", "criteria": f'=${included}2="{NO}"', "format": styles.excluded},
    )
    header_row = sheet.header(layout.headers, computed=[i for i, c in enumerate(columns) if c.computed])
    sheet.row = _RowWriter(ws, styles, report).write(header_row, columns, records)
    last = max(last_row, header_row + 1) - 1
    if tables:
        header_formats = [styles["header_computed" if c.computed else "header"] for c in columns]
        ws.add_table(
            header_row - 1,
            0,
            last,
            last_col,
            {
                "name": table_name,
                "style": "Table Style Light 9",
                "columns": [
                    {"header": h, "header_format": f} for h, f in zip(layout.headers, header_formats, strict=True)
                ],
            },
        )
    else:
        ws.autofilter(header_row - 1, 0, last, last_col)
        sheet.book.define_name(table_name, f"={sheet.ref}!$A${header_row}:${letter(last_col + 1)}${last + 1}")
    return sheet


class _RowWriter:
    """The data rows of a detail sheet, cell by cell, straight to XlsxWriter.

    Each column's kind says the type of its values (the layouts above): the casts
    below only state it, for the sake of a loop that runs for every cell."""

    def __init__(self, ws: Worksheet, styles: Styles, report: Report) -> None:
        self.ws = ws
        self.report = report
        self.money_format, self.date_format = styles["money"], styles["date"]
        self.quoted, self.link_format, self.unreadable = styles["quoted"], styles["link_count"], styles["unreadable"]
        self.writers: dict[str, Callable[[int, int, object, Project | Payment], None]] = {
            "text": self.text,
            "code": self.text,
            "money": self.money,
            "date": self.date,
            "link": self.link,
        }

    def write(self, header_row: int, columns: Sequence[Column[R]], records: Sequence[R]) -> int:
        """Write ``records`` under the header (1-based ``header_row``); the last row written."""
        plan = [
            (index, column.kind == "money", column.get, self.writers.get(column.kind, self.count), column.field)
            for index, column in enumerate(columns)
        ]
        r = header_row - 1  # 0-based row of the header
        for record in records:
            r += 1
            for index, is_money, get, write, field in plan:
                value = get(record)
                if value is None or value == "":
                    if is_money and record.invalid:
                        self.typed_amount(r, index, record, field)
                    continue
                write(r, index, value, record)
        return r + 1

    def typed_amount(self, r: int, index: int, record: Project | Payment, field: str) -> None:
        """An amount that could not be read: the text the committee typed, flagged."""
        shown = typed_text(self.report, record, field)
        if shown is not None:
            self.ws.write_string(r, index, clean_text(shown), self.unreadable)

    def text(self, r: int, index: int, value: object, record: Project | Payment) -> None:
        if isinstance(value, str):
            # Cleaned before the check: a control character may hide a leading « = ».
            value = clean_text(value)
            self.ws.write_string(r, index, value, self.quoted if value.startswith(FORMULA_LIKE) else None)
        else:
            self.ws.write_number(r, index, cast(int, value))

    def money(self, r: int, index: int, value: object, record: Project | Payment) -> None:
        self.ws.write_number(r, index, spreadsheet_number(cast(int, value)), self.money_format)

    def date(self, r: int, index: int, value: object, record: Project | Payment) -> None:
        # A date is its serial number under a date format: what write_datetime
        # stores, without its conversion per cell (a third of this sheet's time).
        self.ws.write_number(r, index, cast(dt.date, value).toordinal() - EXCEL_EPOCH, self.date_format)

    def link(self, r: int, index: int, value: object, record: Project | Payment) -> None:
        """The source row's number, linked to the committee's spreadsheet when it can be."""
        info = self.report.sources.get(record.committee)
        url = None
        if info is not None and info.source is not None:
            url = safe_link(info.link(record.sheet, record.cells.get("project_id") or f"A{record.row}"))
        if url:
            # The link first; the number written over it keeps the link.
            self.ws.write_url(r, index, url, self.link_format, str(value))
            self.ws.write_number(r, index, cast(int, value), self.link_format)
        else:
            self.ws.write_number(r, index, cast(int, value))

    def count(self, r: int, index: int, value: object, record: Project | Payment) -> None:
        self.ws.write_number(r, index, cast(int, value))
