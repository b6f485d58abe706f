"""A worksheet written row by row, with what every sheet of the workbook shares:
widths, frozen panes, print set-up and footer, and the cells of a row.

Rows are written in order, top to bottom, which is all XlsxWriter's
constant-memory mode allows (a large alliance's workbook is written in that
mode: sync/outputs/ministry/__init__.py). Each formula is written with its result,
computed in Python, so that a reader that never recalculates (pandas, a phone's
previewer) still sees every figure; the numbers and results of a summary sheet
are kept by cell (``values``) so that a total row can sum them as its formula does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, cast

from sync.money import spreadsheet_number
from sync.outputs.cells import FORMULA_LIKE, clean_text
from sync.outputs.ministry.style import Presentation, Styles
from sync.outputs.ministry.xlsx import Workbook, Worksheet, column_name, quoted_sheet_name

LETTER_PAPER = 1  # Québec prints on Letter
MARGINS = dict(left=0.4, right=0.4, top=0.6, bottom=0.6)

Number = int | float
CellKind = Literal["text", "money", "number", "date", "formula", "blank"]


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell of a row. ``value``: text, cents (money), a count, a ratio, a date;
    for a formula, its result (same units)."""

    kind: CellKind
    value: object = None
    style: str = "plain"
    formula: str = ""
    money: bool = False  # for a formula: its result is in cents
    url: str | None = None  # a hyperlink over the cell


def text(value: str | None, style: str = "plain") -> Cell | None:
    return None if value is None else Cell("text", value, style)


def money(cents: int | None, style: str = "money") -> Cell | None:
    return None if cents is None else Cell("money", cents, style)


def number(value: Number | None, style: str = "count") -> Cell | None:
    return None if value is None else Cell("number", value, style)


def date(value: dt.date | None, style: str = "date") -> Cell | None:
    return None if value is None else Cell("date", value, style)


def blank(style: str) -> Cell:
    return Cell("blank", None, style)


def formula(expression: str, result: object, style: str = "money") -> Cell:
    """A formula and its result: cents for a money style, else a count, a ratio or ""."""
    is_money = style.endswith("money") or style == "money_left"
    return Cell("formula", result, style, expression.lstrip("="), money=is_money)


def letter(column: int) -> str:
    """The letter of a 1-based column."""
    return column_name(column - 1)


def stored(value: object, is_money: bool) -> object:
    """What the file holds for a result: money as its spreadsheet number."""
    if value is None or value == "":
        return ""
    if is_money:
        return spreadsheet_number(cast(int, value))
    if isinstance(value, Decimal):
        return float(value)
    return value


class Sheet:
    def __init__(
        self,
        book: Workbook,
        styles: Styles,
        title: str,
        widths: Sequence[float],
        *,
        freeze: tuple[int, int] | None = None,
        print_title_rows: tuple[int, int] | None = None,
        one_page: bool = False,
        pages_wide: int = 1,
        print_title_cols: str | None = None,
        tables: bool = True,
    ) -> None:
        ws = book.add_worksheet(title)
        self.ws: Worksheet = ws
        self.book = book
        self.tables = tables  # False in constant-memory mode, which cannot write Excel tables
        self.title = title
        self.last_header: tuple[int, list[str], list[str]] | None = None  # row, titles, styles
        self.widths = widths
        self.styles = styles
        self.row = 0  # last row written (1-based; 0: none yet)
        self.values: dict[tuple[int, int], object] = {}  # (row, column), 1-based → number or result
        for index, width in enumerate(widths):
            ws.set_column(index, index, width)
        if freeze:
            ws.freeze_panes(*freeze)
        _print_setup(ws, styles.p, print_title_rows, one_page, pages_wide)
        if print_title_cols:
            ws.repeat_columns(print_title_cols)

    @property
    def ref(self) -> str:
        """The sheet's name as formulas write it (quoted when needed)."""
        return quoted_sheet_name(self.title)

    def value(self, row: int, column: int) -> Number:
        """The number or result of a cell; 0 for a blank or a text (as SUM sees them)."""
        value = self.values.get((row, column))
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else 0

    def sum(self, column: int, first: int, last: int) -> Number:
        """What ``=SUM(X{first}:X{last})`` gives over the numbers of this sheet."""
        total: Number = 0
        for row in range(first, last + 1):
            value = self.values.get((row, column))
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                total += value
        return total

    def append(self, cells: Iterable[Cell | None] = (), height: float | None = None) -> int:
        self.row += 1
        r = self.row - 1
        if height:
            self.ws.set_row(r, height)
        for index, cell in enumerate(cells):
            if cell is None:
                continue
            if cell.kind == "text":
                self._write_text(r, index, cell)
            else:
                self._write_value(r, index, cell)
        return self.row

    def _write_text(self, r: int, index: int, cell: Cell) -> None:
        """A text cell (0-based ``r``): committee text that looks like a formula is quoted."""
        style = cell.style
        value = clean_text(str(cell.value))
        if value.startswith(FORMULA_LIKE) and style in ("plain", "wrap"):
            style = "quoted" if style == "plain" else "wrap_quoted"
        if cell.url:
            self.ws.write_url(r, index, cell.url, self.styles[style], value)
        else:
            self.ws.write_string(r, index, value, self.styles[style])

    def _write_value(self, r: int, index: int, cell: Cell) -> None:
        """A number, an amount, a formula and its result, a date or a blank (0-based ``r``);
        numbers and results are kept in ``values``. The constructors above give each kind
        its value's type."""
        ws, kind, cell_format = self.ws, cell.kind, self.styles[cell.style]
        if cell.url:
            # The link first; the number written over it keeps the link (XlsxWriter).
            ws.write_url(r, index, cell.url, cell_format, str(cell.value))
        if kind == "money":
            ws.write_number(r, index, spreadsheet_number(cast(int, cell.value)), cell_format)
            self.values[(self.row, index + 1)] = cell.value
        elif kind == "number":
            ws.write_number(r, index, cast(Number, cell.value), cell_format)
            self.values[(self.row, index + 1)] = cell.value
        elif kind == "formula":
            ws.write_formula(r, index, cell.formula, cell_format, stored(cell.value, cell.money))
            self.values[(self.row, index + 1)] = cell.value
        elif kind == "date":
            ws.write_datetime(r, index, cast(dt.date, cell.value), cell_format)
        else:
            ws.write_blank(r, index, None, cell_format)

    def merge(self, row: int, first: int, last: int, value: str, style: str) -> None:
        """Cells ``first``..``last`` (1-based) of the next row merged, holding a text."""
        assert row == self.row + 1
        self.row += 1
        self.ws.merge_range(row - 1, first - 1, row - 1, last - 1, clean_text(value), self.styles[style])

    def fit(self, texts: dict[int, str | None]) -> float | None:
        """The height that shows every wrapped text of a row; ``texts`` by 0-based column."""
        heights = [self.styles.height(t, self.widths[col]) for col, t in texts.items() if col < len(self.widths)]
        return max((h for h in heights if h), default=None)

    def skip(self, count: int = 1) -> None:
        self.row += count

    def heading(self, title: str) -> int:
        return self.append([text(title, "heading")])

    def header(self, titles: list[str], computed: Iterable[int] = ()) -> int:
        """A header row; columns in ``computed`` (0-based) are computed by alliance-sync."""
        computed = set(computed)
        height = max(self.fit(dict(enumerate(titles))) or 0, self.styles.p.font_size * 1.5 + 3)
        kinds = ["header_computed" if i in computed else "header" for i in range(len(titles))]
        row = self.append([text(title, kind) for title, kind in zip(titles, kinds, strict=True)], height=height)
        self.last_header = (row, list(titles), kinds)
        return row

    def name_table(self, name: str, last_row: int) -> None:
        """The last header row and the rows below it to ``last_row`` (1-based) named ``name``,
        for an analyst's program (docs/classeur-ministere.md, « Lire un tableau avec pandas »):
        an Excel table without filter buttons nor banding, which keeps each cell's format;
        in constant-memory mode, which cannot write tables, a workbook name of the same range."""
        assert self.last_header is not None, "name_table() follows header()"
        row, titles, kinds = self.last_header
        last_row = max(last_row, row + 1)  # a table holds at least one row
        if self.tables:
            columns = [{"header": t, "header_format": self.styles[k]} for t, k in zip(titles, kinds, strict=True)]
            options = {"name": name, "style": None, "autofilter": False, "columns": columns}
            self.ws.add_table(row - 1, 0, last_row - 1, len(titles) - 1, options)
        else:
            self.book.define_name(name, f"={self.ref}!$A${row}:${letter(len(titles))}${last_row}")


def _print_setup(
    ws: Worksheet, presentation: Presentation, title_rows: tuple[int, int] | None, one_page: bool, pages_wide: int
) -> None:
    ws.set_landscape()
    ws.set_paper(LETTER_PAPER)
    ws.fit_to_pages(pages_wide, 1 if one_page else 0)
    ws.set_margins(**MARGINS)
    ws.center_horizontally()
    if title_rows:
        ws.repeat_rows(title_rows[0] - 1, title_rows[1] - 1)
    left, centre, right = presentation.footer
    size = int(presentation.font_size) - 1
    parts = [f"&{code}&{size}{part}" for code, part in (("L", left), ("C", centre), ("R", right)) if part]
    if parts:
        ws.set_footer("".join(parts))
