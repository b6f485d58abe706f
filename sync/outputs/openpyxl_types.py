"""The part of openpyxl the committee workbook uses, typed.

openpyxl is typed as Any here (its stubs are not a dependency: pyproject.toml):
these protocols name the attributes and methods that sync/outputs/cells.py and
sync/outputs/committee_workbook.py use, so that mypy checks each use. Styles
(``Font``, ``PatternFill``, ``Alignment``) and validations stay openpyxl's own
objects, passed through. Importing this module never imports openpyxl.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Protocol


class Cell(Protocol):
    """A cell of a worksheet, or a write-only cell."""

    value: object
    data_type: str
    number_format: str
    font: object
    fill: object
    alignment: object


class ColumnDimension(Protocol):
    width: float


class RowDimension(Protocol):
    height: float | None


class ConditionalFormatting(Protocol):
    def add(self, range_string: str, cfRule: object) -> None: ...  # openpyxl's names


class PageSetup(Protocol):
    # openpyxl's names (camelCase, as in the file format)
    orientation: str
    paperSize: str  # openpyxl's name
    fitToWidth: int
    fitToHeight: int


class PageMargins(Protocol):
    left: float
    right: float
    top: float
    bottom: float


class HeaderFooterPart(Protocol):
    text: str | None


class HeaderFooter(Protocol):
    left: HeaderFooterPart
    center: HeaderFooterPart
    right: HeaderFooterPart


class PageSetupProperties(Protocol):
    fitToPage: bool  # openpyxl's name


class SheetProperties(Protocol):
    pageSetUpPr: PageSetupProperties  # openpyxl's name


class SheetView(Protocol):
    showGridLines: bool  # openpyxl's name


class Worksheet(Protocol):
    title: str
    sheet_state: str
    freeze_panes: str | None
    PAPERSIZE_LETTER: str
    column_dimensions: MutableMapping[str, ColumnDimension]
    row_dimensions: MutableMapping[int, RowDimension]
    conditional_formatting: ConditionalFormatting
    page_setup: PageSetup
    page_margins: PageMargins
    sheet_properties: SheetProperties
    sheet_view: SheetView
    oddFooter: HeaderFooter  # openpyxl's name
    print_area: str | None
    print_title_rows: str | None

    def cell(self, row: int, column: int) -> Cell: ...
    def add_data_validation(self, data_validation: object) -> None: ...
