"""Cell addresses as a spreadsheet writes them: column letters, ``B7``.

Written here rather than taken from XlsxWriter or openpyxl: reading and validating a
workbook then imports neither (nor numpy with openpyxl); the workbook writers keep
XlsxWriter's own helpers.
"""

from __future__ import annotations

import re

# A cell reference (A1, $B$7), upper case as a workbook writes it.
_CELL_REFERENCE = re.compile(r"\$?([A-Z]{1,3})\$?(\d+)")


def column_letters(column: int) -> str:
    """``0`` → ``"A"``, ``27`` → ``"AB"``: the letters of a 0-based column ("" below 0)."""
    if column < 0:
        return ""
    number, letters = column + 1, ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def cell_to_rowcol(reference: str) -> tuple[int, int]:
    """``"B7"`` → ``(6, 1)``: 0-based row and column. An empty reference, or one that
    is not a reference, is (0, 0), as for XlsxWriter's ``xl_cell_to_rowcol``."""
    match = _CELL_REFERENCE.match(reference) if reference else None
    if match is None:
        return 0, 0
    letters, number = match.group(1), match.group(2)
    column = 0
    for power, letter in enumerate(reversed(letters)):
        column += (ord(letter) - ord("A") + 1) * 26**power
    return int(number) - 1, column - 1
