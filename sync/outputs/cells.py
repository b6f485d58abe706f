"""Writing committee values into openpyxl cells without ever creating a formula.

openpyxl turns any string that starts with ``=`` into a formula. A committee's
title such as ``=HYPERLINK("http://…")`` or ``+1-555`` must stay text in every
workbook we write (SPEC §5), so text always goes through here.
"""

from __future__ import annotations

from openpyxl.cell.cell import TYPE_STRING, Cell


def set_text(cell: Cell, value: str | None) -> Cell:
    """Write ``value`` as a text cell, whatever it starts with."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = TYPE_STRING
    return cell


def text_cell(worksheet, value: str | None):
    """A write-only cell holding ``value`` as text (for write-only worksheets)."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(worksheet, value=value)
    if isinstance(value, str):
        cell.data_type = TYPE_STRING
    return cell
