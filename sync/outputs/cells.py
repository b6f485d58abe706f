"""Writing committee values into openpyxl cells without ever creating a formula.

openpyxl turns any string that starts with ``=`` into a formula. A committee's
title such as ``=HYPERLINK("http://…")`` or ``+1-555`` must stay text in every
workbook we write (docs/classeur-ministere.md), so text always goes through here.
"""

from __future__ import annotations

import re

from sync.outputs.openpyxl_types import Cell

# Characters an .xlsx cell cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE). Defined
# here so that a run, which writes with XlsxWriter, never imports openpyxl.
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
TYPE_STRING = "s"  # openpyxl's data type of a text cell

MAX_CELL_TEXT = 32767  # Excel's limit

# What a spreadsheet reads as a formula (or a signed number) when typed again.
FORMULA_LIKE = ("=", "+", "-", "@")


def clean_text(value: str) -> str:
    """Text a cell can hold: no control characters (invalid in the file), at most
    Excel's 32 767 characters. Check ``FORMULA_LIKE`` on the result, not before:
    a control character in front of ``=`` hides the formula until it is removed."""
    if ILLEGAL_CHARACTERS_RE.search(value):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return value if len(value) <= MAX_CELL_TEXT else value[:MAX_CELL_TEXT]


def set_text(cell: Cell, value: str | None) -> Cell:
    """Write ``value`` as a text cell, whatever it starts with."""
    if isinstance(value, str):
        value = clean_text(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = TYPE_STRING
    return cell


def text_cell(worksheet: object, value: str | None) -> Cell:
    """A write-only cell holding ``value`` as text (for write-only worksheets)."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str):
        value = clean_text(value)
    cell: Cell = WriteOnlyCell(worksheet, value=value)
    if isinstance(value, str):
        cell.data_type = TYPE_STRING
    return cell
