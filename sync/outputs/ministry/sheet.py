"""A write-only worksheet prepared in one go: widths, frozen panes, print setup and
footer must all be set before the first row is streamed."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence

from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

from sync.outputs.ministry.style import Presentation, Styles

LETTER_PAPER = "1"  # Québec prints on Letter


class Sheet:
    def __init__(self, workbook, styles: Styles, title: str, widths: Sequence[float], *,
                 freeze: str | None = None, print_title_rows: str | None = None, one_page: bool = False,
                 pages_wide: int = 1, print_title_cols: str | None = None):
        ws = workbook.create_sheet(title)
        self.ws = ws
        self.widths = widths
        self.styles = styles
        self.title = title
        self.row = 0  # last row written
        for index, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(index)].width = width
        if freeze:
            ws.freeze_panes = freeze
        _print_setup(ws, styles.p, print_title_rows, one_page, pages_wide)
        if print_title_cols:
            ws.print_title_cols = print_title_cols

    @property
    def ref(self) -> str:
        """The sheet's name as formulas write it (quoted when needed)."""
        return quote_sheetname(self.title)

    def append(self, cells: Iterable = (), height: float | None = None) -> int:
        if height:
            # Read when the row is written: set before appending it.
            self.ws.row_dimensions[self.row + 1].height = height
        self.ws.append(list(cells))
        self.row += 1
        return self.row

    def fit(self, texts: dict[int, str | None]) -> float | None:
        """The height that shows every wrapped text of a row; ``texts`` by 0-based column."""
        heights = [self.styles.height(text, self.widths[col]) for col, text in texts.items()
                   if col < len(self.widths)]
        return max((h for h in heights if h), default=None)

    def skip(self, count: int = 1) -> None:
        for _ in range(count):
            self.append([])

    def heading(self, text: str) -> int:
        return self.append([self.styles.text(self.ws, text, "heading")])

    def header(self, titles: list[str], computed: Iterable[int] = ()) -> int:
        """A header row; columns in ``computed`` (0-based) are computed by alliance-sync."""
        computed = set(computed)
        height = max(self.fit(dict(enumerate(titles))) or 0, self.styles.p.font_size * 1.5 + 3)
        return self.append([self.styles.text(self.ws, title, "header_computed" if i in computed else "header")
                            for i, title in enumerate(titles)], height=height)

    def add_table(self, name: str, headers: list[str], first_row: int, rows: int, style: str) -> None:
        """An Excel table (filters, banded rows) over a header row and ``rows`` rows.

        A write-only sheet cannot read its cells back, so the column names are given
        here; they are the header texts, which Excel requires to match exactly.
        """
        last_row = first_row + max(rows, 1)
        ref = f"A{first_row}:{get_column_letter(len(headers))}{last_row}"
        table = Table(displayName=name, ref=ref,
                      tableStyleInfo=TableStyleInfo(name=style, showRowStripes=True))
        table._initialise_columns()
        table.tableColumns = [TableColumn(id=i, name=h) for i, h in enumerate(headers, start=1)]
        with warnings.catch_warnings():
            # openpyxl warns that write-only tables need their columns given: they are.
            warnings.simplefilter("ignore", UserWarning)
            self.ws.add_table(table)


def _print_setup(ws, presentation: Presentation, title_rows: str | None, one_page: bool,
                 pages_wide: int) -> None:
    setup = ws.page_setup
    setup.orientation = "landscape"
    setup.paperSize = LETTER_PAPER
    setup.fitToWidth = pages_wide
    setup.fitToHeight = 1 if one_page else 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.print_options.horizontalCentered = True
    if title_rows:
        ws.print_title_rows = title_rows
    left, centre, right = presentation.footer
    size = int(presentation.font_size) - 1
    for part, text in ((ws.oddFooter.left, left), (ws.oddFooter.center, centre), (ws.oddFooter.right, right)):
        if text:
            part.text = text
            part.size = size
