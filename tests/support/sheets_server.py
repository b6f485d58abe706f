"""A local Google Sheets API v4 server for the tests, on 127.0.0.1.

It answers the requests gspread sends, in the shapes Google answers them
(tests/fixtures/google, checked by tests/test_sheets_server.py):

- ``GET  /v4/spreadsheets/KEY`` — metadata; ``includeGridData``, ``ranges`` and a
  ``fields`` mask are honoured;
- ``GET  …/values/RANGE`` and ``…/values:batchGet`` — ``valueRenderOption``
  (FORMATTED_VALUE, UNFORMATTED_VALUE, FORMULA) and ``dateTimeRenderOption``
  (SERIAL_NUMBER, FORMATTED_STRING); trailing blanks trimmed, empty rows ``[]``;
- ``PUT  …/values/RANGE``, ``POST …/values:batchUpdate``, ``…/values/RANGE:clear``,
  ``…/values:batchClear`` (RAW and USER_ENTERED);
- ``POST …:batchUpdate`` — updateCells, addSheet, deleteSheet, updateSheetProperties,
  updateSpreadsheetProperties, appendDimension, mergeCells; all or nothing, as Google
  documents it (« if any request is not valid then the entire request will fail and
  nothing will be applied »), the caller's right to write checked first (403).

Each spreadsheet keeps the count of its version history (``Spreadsheet.revisions``):
one per write carried out, none for a refused one.

Faults are injected per spreadsheet (:meth:`SheetsServer.fail`): 429
RESOURCE_EXHAUSTED, 5xx with Google's JSON or HTML bodies, 403, 404, slow
answers, dropped connections; access is set per spreadsheet (:meth:`share`).
Every request is recorded (:attr:`SheetsServer.requests`) with its spreadsheet
and kind, so tests count exactly what the client sent.

Cell values are Python values: ``str``, ``int``, ``float``, ``bool``,
``datetime.date`` (a date cell: a serial number to the API), :class:`Formula`,
:class:`Formatted` (a number shown with a given text) and :class:`ErrorCell`.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import gzip
import itertools
import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import cast
from urllib.parse import parse_qs, unquote, urlsplit

from tests.support.loopback import LoopbackServer

SERIAL_EPOCH = dt.date(1899, 12, 30)

# Google's default spreadsheet properties for an en_US spreadsheet (as recorded).
_WHITE = {"red": 1, "green": 1, "blue": 1}
DEFAULT_FORMAT = {
    "backgroundColor": _WHITE,
    "padding": {"top": 2, "right": 3, "bottom": 2, "left": 3},
    "verticalAlignment": "BOTTOM",
    "wrapStrategy": "OVERFLOW_CELL",
    "textFormat": {
        "foregroundColor": {},
        "fontFamily": "arial,sans,sans-serif",
        "fontSize": 10,
        "bold": False,
        "italic": False,
        "strikethrough": False,
        "underline": False,
        "foregroundColorStyle": {"rgbColor": {}},
    },
    "backgroundColorStyle": {"rgbColor": _WHITE},
}
THEME = {
    "primaryFontFamily": "Arial",
    "themeColors": [
        {"colorType": "TEXT", "color": {"rgbColor": {}}},
        {"colorType": "BACKGROUND", "color": {"rgbColor": _WHITE}},
        {"colorType": "ACCENT1", "color": {"rgbColor": {"red": 0.25882354, "green": 0.52156866, "blue": 0.95686275}}},
        {"colorType": "ACCENT2", "color": {"rgbColor": {"red": 0.91764706, "green": 0.2627451, "blue": 0.20784314}}},
        {"colorType": "ACCENT3", "color": {"rgbColor": {"red": 0.9843137, "green": 0.7372549, "blue": 0.015686275}}},
        {"colorType": "ACCENT4", "color": {"rgbColor": {"red": 0.20392157, "green": 0.65882355, "blue": 0.3254902}}},
        {"colorType": "ACCENT5", "color": {"rgbColor": {"red": 1, "green": 0.42745098, "blue": 0.003921569}}},
        {"colorType": "ACCENT6", "color": {"rgbColor": {"red": 0.27450982, "green": 0.7411765, "blue": 0.7764706}}},
        {"colorType": "LINK", "color": {"rgbColor": {"red": 0.06666667, "green": 0.33333334, "blue": 0.8}}},
    ],
}

GOOGLE_HTML_ERROR = """<!DOCTYPE html>
<html lang=en>
  <meta charset=utf-8>
  <meta name=viewport content="initial-scale=1, minimum-scale=1, width=device-width">
  <title>Error {code} (Server Error)!!1</title>
  <a href=//www.google.com/><span id=logo aria-label=Google></span></a>
  <p><b>{code}.</b> <ins>That\u2019s an error.</ins>
  <p>The server encountered a temporary error and could not complete your request.<p>Please try again in 30 seconds.  <ins>That\u2019s all we know.</ins>
"""

STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
MESSAGES = {
    403: "The caller does not have permission",
    404: "Requested entity was not found.",
    429: (
        "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute per user' "
        "of service 'sheets.googleapis.com' for consumer 'project_number:000000000000'."
    ),
    500: "Internal error encountered.",
    502: "Bad Gateway",
    503: "The service is currently unavailable.",
    504: "The service is currently unavailable.",
}
_ERROR_TEXT = {
    "DIVIDE_BY_ZERO": "#DIV/0!",
    "N_A": "#N/A",
    "NULL_VALUE": "#NULL!",
    "VALUE": "#VALUE!",
    "REF": "#REF!",
    "NAME": "#NAME?",
    "NUM": "#NUM!",
    "ERROR": "#ERROR!",
}


# --------------------------------------------------------------------------
# Cells


@dataclass(frozen=True)
class Formula:
    formula: str  # "=SUM(A1:B1)"
    value: object = None  # its result, as Sheets computed it


@dataclass(frozen=True)
class Formatted:
    value: object  # the number
    text: str  # how it shows: "2,000,000.01"
    # Its NumberFormat (type and pattern), as Format › Number sets it: "PERCENT" and
    # "0.00%", "CURRENCY", "DATE"…; "" keeps the type Sheets infers from the value.
    type: str = ""
    pattern: str = ""


@dataclass(frozen=True)
class ErrorCell:
    type: str  # REF, DIVIDE_BY_ZERO, N_A…
    message: str = ""


def serial(day: dt.date) -> int | float:
    if isinstance(day, dt.datetime):
        delta = day - dt.datetime.combine(SERIAL_EPOCH, dt.time())
        return _number(delta.days + delta.seconds / 86400)
    return (day - SERIAL_EPOCH).days


def _number(value):
    """Google writes integral numbers without a fraction."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _plain(value):
    """The value under a formula or a display format."""
    while isinstance(value, (Formula, Formatted)):
        value = value.value
    return value


def formatted_text(value) -> str:
    if isinstance(value, Formatted):
        return value.text
    if isinstance(value, Formula):
        return formatted_text(value.value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, ErrorCell):
        return _ERROR_TEXT.get(value.type, "#ERROR!")
    if isinstance(value, float):
        return repr(_number(value))
    return str(value)


def render(value, option: str, date_option: str):
    """One cell as values.get renders it."""
    if option == "FORMATTED_VALUE":
        return formatted_text(value)
    if option == "FORMULA" and isinstance(value, Formula):
        return value.formula
    plain = _plain(value)
    if plain is None:
        return ""
    if isinstance(plain, ErrorCell):
        return _ERROR_TEXT.get(plain.type, "#ERROR!")
    if isinstance(plain, dt.date):
        return serial(plain) if date_option == "SERIAL_NUMBER" else formatted_text(plain)
    if isinstance(plain, (int, float)) and not isinstance(plain, bool):
        return _number(plain)
    return plain


def _extended(value) -> dict:
    """An ExtendedValue (numberValue, stringValue, boolValue, errorValue)."""
    if isinstance(value, ErrorCell):
        return {"errorValue": {"type": value.type, "message": value.message or "Error"}}
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, dt.date):
        return {"numberValue": serial(value)}
    if isinstance(value, (int, float)):
        return {"numberValue": _number(value)}
    return {"stringValue": str(value)}


def number_format(value) -> dict | None:
    """The NumberFormat of a cell, as Sheets sets it: the one given (:class:`Formatted`),
    else DATE or DATE_TIME for a date typed (Sheets recognises it and formats the cell),
    else none (a number typed in a cell left in the default format has no numberFormat)."""
    while isinstance(value, Formula):
        value = value.value
    if isinstance(value, Formatted) and value.type:
        return {"type": value.type, "pattern": value.pattern} if value.pattern else {"type": value.type}
    plain = _plain(value)
    if isinstance(plain, dt.datetime):
        return {"type": "DATE_TIME", "pattern": "yyyy-mm-dd hh:mm:ss"}
    if isinstance(plain, dt.date):
        return {"type": "DATE", "pattern": "yyyy-mm-dd"}
    return None


def cell_data(value) -> dict:
    """A CellData of the grid data (userEnteredValue, effectiveValue, formattedValue,
    userEnteredFormat and effectiveFormat). As Google: a cell with a value has an
    effectiveFormat (the spreadsheet's default format, and its numberFormat when it
    has one); userEnteredFormat holds only what was set on the cell."""
    if value is None:
        return {}
    plain = _plain(value)
    entered = {"formulaValue": value.formula} if isinstance(value, Formula) else _extended(plain)
    data: dict[str, object] = {"userEnteredValue": entered}
    if plain is not None:
        data["effectiveValue"] = _extended(plain)
        data["formattedValue"] = formatted_text(value)
    numbers = number_format(value)
    if numbers is not None:
        data["userEnteredFormat"] = {"numberFormat": numbers}
    if plain is not None:
        data["effectiveFormat"] = {**DEFAULT_FORMAT, "numberFormat": numbers} if numbers else dict(DEFAULT_FORMAT)
    return data


# --------------------------------------------------------------------------
# A1 notation


def column_letters(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letters: str) -> int:
    number = 0
    for ch in letters.upper():
        number = number * 26 + ord(ch) - 64
    return number - 1


_CELL = re.compile(r"^([A-Za-z]*)(\d*)$")


def quote_title(title: str) -> str:
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", title) and not re.fullmatch(r"[A-Za-z]{1,3}\d+", title):
        return title
    return "'" + title.replace("'", "''") + "'"


class RangeError(ValueError):
    pass


@dataclass
class GridRange:
    sheet: Sheet
    r0: int  # 0-based, inclusive
    c0: int
    r1: int | None  # 0-based, exclusive; None = to the end of the grid
    c1: int | None
    whole: bool = False  # the range named only a sheet

    def bounded(self) -> tuple[int, int, int, int]:
        return (
            self.r0,
            self.c0,
            self.r1 if self.r1 is not None else self.sheet.row_count,
            self.c1 if self.c1 is not None else self.sheet.column_count,
        )

    def a1(self) -> str:
        r0, c0, r1, c1 = self.bounded()
        start = f"{column_letters(c0)}{r0 + 1}"
        end = f"{column_letters(c1 - 1)}{r1}"
        return f"{quote_title(self.sheet.title)}!{start}" + (f":{end}" if end != start else "")


# --------------------------------------------------------------------------
# Spreadsheets


@dataclass
class Sheet:
    sheet_id: int
    title: str
    index: int
    row_count: int = 1000
    column_count: int = 26
    hidden: bool = False
    frozen_rows: int = 0
    cells: dict[tuple[int, int], object] = field(default_factory=dict)
    merges: list[dict] = field(default_factory=list)  # GridRanges without sheetId
    protected: list[dict] = field(default_factory=list)  # ProtectedRanges the caller may not edit

    def set_rows(self, rows: list[list]) -> None:
        self.cells = {}
        for r, row in enumerate(rows):
            for c, value in enumerate(row or []):
                if value is not None and value != "":
                    self.cells[(r, c)] = value
        if rows:
            self.row_count = max(self.row_count, len(rows))
            self.column_count = max(self.column_count, max((len(r or []) for r in rows), default=0))

    def extent(self) -> tuple[int, int]:
        """Rows and columns up to the last non-empty cell."""
        if not self.cells:
            return 0, 0
        return max(r for r, _ in self.cells) + 1, max(c for _, c in self.cells) + 1

    def rows(self, r0=0, c0=0, r1=None, c1=None) -> list[list]:
        """Stored values of a block, trailing blanks trimmed (None inside)."""
        height, width = self.extent()
        r1 = height if r1 is None else min(r1, height)
        c1 = width if c1 is None else min(c1, width)
        out = []
        for r in range(r0, r1):
            row = [self.cells.get((r, c)) for c in range(c0, c1)]
            while row and row[-1] is None:
                row.pop()
            out.append(row)
        while out and not out[-1]:
            out.pop()
        return out

    def properties(self) -> dict:
        grid = {"rowCount": self.row_count, "columnCount": self.column_count}
        if self.frozen_rows:
            grid["frozenRowCount"] = self.frozen_rows
        props = {
            "sheetId": self.sheet_id,
            "title": self.title,
            "index": self.index,
            "sheetType": "GRID",
            "gridProperties": grid,
        }
        if self.hidden:
            props["hidden"] = True
        return props


@dataclass
class Spreadsheet:
    key: str
    title: str
    sheets: list[Sheet] = field(default_factory=list)
    locale: str = "en_US"
    time_zone: str = "Etc/GMT"
    access: str = "write"  # "write", "read" or "none"
    # The version history the committee sees (Fichier > Historique des versions): one entry
    # per write Google carried out, even one that changed nothing; a refused write, or a
    # batchUpdate refused as a whole, leaves none.
    revisions: int = 0

    def sheet(self, title: str) -> Sheet | None:
        for sheet in self.sheets:
            if sheet.title == title:
                return sheet
        for sheet in self.sheets:
            if sheet.title.casefold() == title.casefold():
                return sheet
        return None

    def sheet_by_id(self, sheet_id: int) -> Sheet | None:
        return next((s for s in self.sheets if s.sheet_id == sheet_id), None)

    def reindex(self) -> None:
        self.sheets.sort(key=lambda s: s.index)
        for i, sheet in enumerate(self.sheets):
            sheet.index = i

    def parse_range(self, text: str) -> GridRange:
        text = text.strip()
        title, cells = None, None
        if text.startswith("'"):
            match = re.match(r"^'((?:[^']|'')*)'(?:!(.*))?$", text)
            if not match:
                raise RangeError(text)
            title, cells = match.group(1).replace("''", "'"), match.group(2)
        elif "!" in text:
            title, cells = text.split("!", 1)
        elif self.sheet(text) is not None:
            title = text
        else:
            cells = text
        sheet = self.sheet(title) if title is not None else self.sheets[0]
        if sheet is None:
            raise RangeError(text)
        if not cells:
            return GridRange(sheet, 0, 0, None, None, whole=True)
        start, _, end = cells.partition(":")
        m1, m2 = _CELL.match(start), _CELL.match(end or start)
        if not m1 or not m2 or not (start and (m1.group(1) or m1.group(2))):
            raise RangeError(text)
        if not end and not (m1.group(1) and m1.group(2)):
            raise RangeError(text)  # « Projets » is no cell: only a tab could be named so
        c0 = column_index(m1.group(1)) if m1.group(1) else 0
        r0 = int(m1.group(2)) - 1 if m1.group(2) else 0
        c1 = column_index(m2.group(1)) + 1 if m2.group(1) else None
        r1 = int(m2.group(2)) if m2.group(2) else None
        if r0 < 0 or (r1 is not None and r1 <= r0) or (c1 is not None and c1 <= c0):
            raise RangeError(text)
        return GridRange(sheet, r0, c0, r1, c1)


# --------------------------------------------------------------------------
# Field masks (partial responses): "a,b(c,d/e),f.g"


def parse_fields(text: str) -> dict:
    """A field mask as a tree: name → subtree, None for « everything below »."""
    tokens = re.findall(r"[A-Za-z0-9_*]+|[(),./]|\S", text.replace(" ", ""))
    pos = 0

    def peek() -> str:
        return tokens[pos] if pos < len(tokens) else ""

    def name() -> str:
        nonlocal pos
        token = peek()
        if not re.fullmatch(r"[A-Za-z0-9_*]+", token):
            raise ValueError(f"Invalid field selection {text}")
        pos += 1
        return token

    def merge(tree: dict, parts: list[str], sub: dict | None) -> None:
        node = tree
        for part in parts[:-1]:
            if part in node and node[part] is None:
                return  # already selected whole
            node = node.setdefault(part, {})
        leaf = parts[-1]
        if sub is None or (leaf in node and node[leaf] is None):
            node[leaf] = None
            return
        target = node.setdefault(leaf, {})
        for key, value in sub.items():
            merge(target, [key], value)

    def parse_list() -> dict:
        nonlocal pos
        tree: dict = {}
        while True:
            parts = [name()]
            while peek() in (".", "/"):
                pos += 1
                parts.append(name())
            sub = None
            if peek() == "(":
                pos += 1
                sub = parse_list()
                if peek() != ")":
                    raise ValueError(f"Invalid field selection {text}")
                pos += 1
            merge(tree, parts, sub)
            if peek() != ",":
                return tree
            pos += 1

    tree = parse_list()
    if pos != len(tokens):
        raise ValueError(f"Invalid field selection {text}")
    return tree


def apply_fields(value, tree):
    """Keep only the selected fields (a None subtree keeps everything below)."""
    if tree is None or "*" in (tree or {}):
        return value
    if isinstance(value, list):
        return [apply_fields(v, tree) for v in value]
    if isinstance(value, dict):
        kept = {}
        for name, sub in tree.items():
            if name in value:
                kept[name] = apply_fields(value[name], sub)
        return kept
    return value


# The Sheets v4 schema a field mask is checked against (the types of the
# Spreadsheet resource, from Google's discovery document; ``ANY`` marks a type
# whose inner fields are not checked here). Google answers an unknown path with
# 400 « Error expanding 'fields' parameter. Cannot find matching fields for path '…'. »

ANY = "*"
SCALAR = None
SCHEMA: dict[str, dict[str, str | None]] = {
    "Spreadsheet": {
        "spreadsheetId": SCALAR,
        "properties": "SpreadsheetProperties",
        "sheets": "Sheet",
        "namedRanges": ANY,
        "spreadsheetUrl": SCALAR,
        "developerMetadata": ANY,
        "dataSources": ANY,
        "dataSourceSchedules": ANY,
    },
    "SpreadsheetProperties": {
        "title": SCALAR,
        "locale": SCALAR,
        "autoRecalc": SCALAR,
        "timeZone": SCALAR,
        "defaultFormat": ANY,
        "iterativeCalculationSettings": ANY,
        "spreadsheetTheme": ANY,
        "importFunctionsExternalUrlAccessAllowed": SCALAR,
    },
    "Sheet": {
        "properties": "SheetProperties",
        "data": "GridData",
        "merges": ANY,
        "conditionalFormats": ANY,
        "filterViews": ANY,
        "protectedRanges": ANY,
        "basicFilter": ANY,
        "charts": ANY,
        "bandedRanges": ANY,
        "developerMetadata": ANY,
        "rowGroups": ANY,
        "columnGroups": ANY,
        "slicers": ANY,
        "tables": ANY,
    },
    "SheetProperties": {
        "sheetId": SCALAR,
        "title": SCALAR,
        "index": SCALAR,
        "sheetType": SCALAR,
        "gridProperties": "GridProperties",
        "hidden": SCALAR,
        "tabColor": ANY,
        "tabColorStyle": ANY,
        "rightToLeft": SCALAR,
        "dataSourceSheetProperties": ANY,
    },
    "GridProperties": {
        "rowCount": SCALAR,
        "columnCount": SCALAR,
        "frozenRowCount": SCALAR,
        "frozenColumnCount": SCALAR,
        "hideGridlines": SCALAR,
        "rowGroupControlAfter": SCALAR,
        "columnGroupControlAfter": SCALAR,
    },
    "GridData": {
        "startRow": SCALAR,
        "startColumn": SCALAR,
        "rowData": "RowData",
        "rowMetadata": ANY,
        "columnMetadata": ANY,
    },
    "RowData": {"values": "CellData"},
    "CellData": {
        "userEnteredValue": "ExtendedValue",
        "effectiveValue": "ExtendedValue",
        "formattedValue": SCALAR,
        "userEnteredFormat": "CellFormat",
        "effectiveFormat": "CellFormat",
        "hyperlink": SCALAR,
        "note": SCALAR,
        "textFormatRuns": ANY,
        "dataValidation": ANY,
        "pivotTable": ANY,
        "dataSourceTable": ANY,
        "dataSourceFormula": ANY,
        "chipRuns": ANY,
    },
    "CellFormat": {
        "numberFormat": "NumberFormat",
        "backgroundColor": ANY,
        "backgroundColorStyle": ANY,
        "borders": ANY,
        "padding": ANY,
        "horizontalAlignment": SCALAR,
        "verticalAlignment": SCALAR,
        "wrapStrategy": SCALAR,
        "textDirection": SCALAR,
        "textFormat": ANY,
        "hyperlinkDisplayType": SCALAR,
        "textRotation": ANY,
    },
    "NumberFormat": {"type": SCALAR, "pattern": SCALAR},
    "ExtendedValue": {
        "numberValue": SCALAR,
        "stringValue": SCALAR,
        "boolValue": SCALAR,
        "formulaValue": SCALAR,
        "errorValue": ANY,
    },
}


def _selects(tree: dict | None, *path: str) -> bool:
    """Whether the mask keeps ``path`` (a whole parent or ``*`` keeps everything below)."""
    for name in path:
        if tree is None or "*" in tree:
            return True
        if name not in tree:
            return False
        tree = tree[name]
    return True


def check_fields(tree: dict, kind: str = "Spreadsheet", prefix: str = "") -> None:
    """ValueError with Google's message for the first path of the mask that the type lacks."""
    fields = SCHEMA[kind]
    for name, sub in tree.items():
        path = prefix + name
        if name == "*":
            continue
        if name not in fields:
            raise ValueError(f"Error expanding 'fields' parameter. Cannot find matching fields for path '{path}'.")
        inner = fields[name]
        if sub is None or inner == ANY:
            continue
        if inner is SCALAR:
            first = next(iter(sub))
            raise ValueError(
                f"Error expanding 'fields' parameter. Cannot find matching fields for path '{path}.{first}'."
            )
        check_fields(sub, inner, path + ".")


# --------------------------------------------------------------------------
# Faults and the request log


@dataclass
class Fault:
    status: int = 503  # 0: drop the connection without an answer
    kind: str | None = None  # "read" (GET), "write" (other methods) or None (any)
    html: bool = False
    delay: float = 0.0  # seconds before answering (a slow answer)
    retry_after: float | None = None
    message: str | None = None
    reason: str | None = None  # ErrorInfo reason in the details
    body: dict | None = None  # the whole JSON answer, as Google sends it (tests/fixtures/google)


@dataclass
class Request:
    method: str
    path: str
    key: str
    kind: str  # spreadsheets.get, values.get, values.batchGet, values.update, values.clear,
    #            values.batchUpdate, values.batchClear, batchUpdate
    params: dict
    body: object
    status: int = 0
    headers: dict = field(default_factory=dict)
    wire_bytes: int = 0  # the answer's body as sent: compressed when the client asked for gzip

    @property
    def is_read(self) -> bool:
        return self.method == "GET"


class SheetsServer(LoopbackServer):
    """The server and its state; ``with SheetsServer() as server: server.url``."""

    thread_name = "sheets-server"

    def request_handler(self):
        return _Handler

    def __init__(self):
        self.spreadsheets: dict[str, Spreadsheet] = {}
        self.requests: list[Request] = []
        self._faults: dict[str, deque[Fault]] = {}
        self._persistent: dict[str, Fault] = {}
        self._lock = threading.RLock()
        self._ids = itertools.count(1_000_000_007, 7_919)
        # The OAuth token endpoint (POST /token), for credentials whose token_uri
        # points here: Google's answer to a revoked or deleted service-account key.
        self.token_answer: tuple[int, dict] = (
            400,
            {"error": "invalid_grant", "error_description": "Invalid JWT Signature."},
        )
        self.grid_data = True  # False: a server or proxy that never sends grid data
        # Google answers 401 to a request without an Authorization header; the tool
        # sends its placeholder token to a local address (sync/google/auth.py).
        self.require_auth = True
        # A barrier every spreadsheets.get waits at (tests of concurrent reads): with
        # threading.Barrier(3, timeout=…), three reads must be in flight together.
        self.gate: threading.Barrier | None = None
        # Google refuses a request body over its limit; the tool keeps under the 2 MB
        # Google advises, and so does this server.
        self.max_payload = 2 * 1024 * 1024

    # -- content

    def add_spreadsheet(
        self,
        key: str,
        tabs: dict[str, list[list]],
        *,
        title: str | None = None,
        sheet_ids: dict[str, int] | None = None,
        sizes: dict[str, tuple[int, int]] | None = None,
    ) -> Spreadsheet:
        """A spreadsheet with tabs (title → rows), in order; gids from ``sheet_ids`` or made up."""
        with self._lock:
            book = Spreadsheet(key, title or f"Chiffrier {key}")
            for index, (name, rows) in enumerate(tabs.items()):
                sheet_id = (sheet_ids or {}).get(name, 0 if index == 0 else next(self._ids) % 2_000_000_000)
                sheet = Sheet(sheet_id, name, index)
                if sizes and name in sizes:
                    sheet.row_count, sheet.column_count = sizes[name]
                sheet.set_rows(rows)
                book.sheets.append(sheet)
            self.spreadsheets[key] = book
            return book

    def protect(self, key: str, title: str, rows: tuple[int, int] | None = None) -> None:
        """Protect the tab (``rows`` None) or its rows ``rows`` (0-based, end excluded)
        against the caller: Google refuses every write there (400), and lists the
        range in ``sheets.protectedRanges`` with ``requestingUserCanEdit: false``."""
        sheet = self.spreadsheets[key].sheet(title)
        assert sheet is not None
        grid: dict[str, int] = {"sheetId": sheet.sheet_id}
        if rows is not None:
            grid.update(startRowIndex=rows[0], endRowIndex=rows[1])
        sheet.protected.append(
            {
                "protectedRangeId": next(self._ids) % 1_000_000,
                "range": grid,
                "description": "Réservé à la coordination",
                "warningOnly": False,
                "requestingUserCanEdit": False,
            }
        )

    def share(self, key: str, access: str) -> None:
        """``"write"``, ``"read"`` or ``"none"`` (403 on everything)."""
        assert access in ("write", "read", "none")
        self.spreadsheets[key].access = access

    def rows(self, key: str, title: str) -> list[list]:
        """The stored values of a tab, trailing blanks trimmed."""
        with self._lock:
            sheet = self.spreadsheets[key].sheet(title)
            assert sheet is not None, f"pas d'onglet « {title} »"
            return sheet.rows()

    def snapshot(self, key: str) -> dict:
        """Everything stored for a spreadsheet, to compare before and after."""
        with self._lock:
            return copy.deepcopy({s.title: (s.properties(), dict(s.cells)) for s in self.spreadsheets[key].sheets})

    # -- faults

    def fail(self, key: str, status: int = 503, times: int | None = 1, **options) -> None:
        """The next ``times`` matching requests on ``key`` fail (``times=None``: all of them).

        ``status=0`` drops the connection, ``status=200`` answers normally (with
        ``delay=``: a slow answer); ``delay=`` waits before answering; ``html=True``
        sends Google's HTML error page instead of JSON (with ``status=200``: a proxy's
        page in place of the answer); ``kind="read"|"write"``
        limits the fault to GET or to other methods; ``retry_after=`` adds the header.
        """
        fault = Fault(status=status, **options)
        with self._lock:
            if times is None:
                self._persistent[key] = fault
            else:
                self._faults.setdefault(key, deque()).extend([fault] * times)

    def slow(self, key: str, delay: float, times: int = 1, kind: str | None = None) -> None:
        """The next ``times`` requests on ``key`` answer normally, after ``delay`` seconds."""
        self.fail(key, status=200, times=times, delay=delay, kind=kind)

    def clear_faults(self, key: str | None = None) -> None:
        with self._lock:
            for store in (self._faults, self._persistent):
                if key is None:
                    store.clear()
                else:
                    store.pop(key, None)

    def _take_fault(self, key: str, method: str) -> Fault | None:
        kind = "read" if method == "GET" else "write"
        with self._lock:
            persistent = self._persistent.get(key)
            if persistent and persistent.kind in (None, kind):
                return persistent
            queue = self._faults.get(key)
            if not queue:
                return None
            for fault in list(queue):
                if fault.kind in (None, kind):
                    queue.remove(fault)
                    return fault
        return None

    # -- counting

    def count(self, key: str | None = None, kind: str | None = None, *, method: str | None = None) -> int:
        with self._lock:
            return sum(
                1
                for r in self.requests
                if (key is None or r.key == key)
                and (kind is None or r.kind == kind)
                and (method is None or r.method == method)
            )

    def reads(self, key: str | None = None) -> int:
        with self._lock:
            return sum(1 for r in self.requests if (key is None or r.key == key) and r.is_read)

    def writes(self, key: str | None = None) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if (key is None or r.key == key) and not r.is_read]

    def reset_log(self) -> None:
        with self._lock:
            self.requests.clear()


# --------------------------------------------------------------------------
# HTTP


class ApiError(Exception):
    def __init__(
        self, code: int, message: str | None = None, *, details: list | None = None, status: str | None = None
    ):
        super().__init__(message)
        self.code = code
        self.body = {
            "error": {
                "code": code,
                "message": message or MESSAGES.get(code, "Error"),
                "status": status or STATUS.get(code, "UNKNOWN"),
            }
        }
        if details:
            self.body["error"]["details"] = details


_PATH = re.compile(
    r"^/v4/spreadsheets/([^/:]+)(?::(batchUpdate))?(?:/values(?::(batchGet|batchUpdate|batchClear)"
    r"|/([^/:]+)(?::(clear|append))?))?$"
)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state: SheetsServer  # set on the subclass made by SheetsServer.start

    def log_message(self, *args) -> None:  # keep pytest's output clean
        pass

    def do_DELETE(self):
        self._serve("DELETE")

    def do_GET(self):
        self._serve("GET")

    def do_POST(self):
        self._serve("POST")

    def do_PUT(self):
        self._serve("PUT")

    def _serve(self, method: str) -> None:
        # The client gave up (its timeout): nothing to answer.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._dispatch(method)

    def _dispatch(self, method: str) -> None:
        state = self.state
        url = urlsplit(self.path)
        params = parse_qs(url.query, keep_blank_values=True)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        if url.path == "/token" and method == "POST":
            with state._lock:
                state.requests.append(Request(method, url.path, "", "token", params, body))
            self._send_json(*state.token_answer)
            return
        match = _PATH.match(url.path)
        key = unquote(match.group(1)) if match else ""
        kind = _kind(method, match)
        record = Request(
            method, url.path, key, kind, params, body, headers={k.lower(): v for k, v in self.headers.items()}
        )
        self._record = record
        with state._lock:
            state.requests.append(record)
        if state.require_auth and not self.headers.get("Authorization", "").startswith("Bearer "):
            record.status = 401
            self._send_json(401, UNAUTHENTICATED)
            return
        if len(raw) > state.max_payload:
            record.status = 400
            self._send_json(400, payload_too_large(state.max_payload))
            return
        if state.gate is not None and kind == "spreadsheets.get":
            try:
                state.gate.wait()
            except threading.BrokenBarrierError:
                record.status = 500
                self._send_json(500, ApiError(500, "The reads did not come together (SheetsServer.gate).").body)
                return
        fault = state._take_fault(key, method) if key else None
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.status == 0:
                record.status = 0
                self.close_connection = True
                self.connection.shutdown(2)
                return
            if fault.status != 200 or fault.html:  # 200 with html: a proxy's page in place of the answer
                record.status = fault.status
                self._send_fault(fault)
                return
        try:
            if match is None:
                raise ApiError(404, f"Method not found: {method} {url.path}", status="NOT_FOUND")
            with state._lock:
                status, answer = 200, _api(state, method, match, key, params, body)
                if method != "GET":
                    state.spreadsheets[key].revisions += 1
        except ApiError as exc:
            status, answer = exc.code, exc.body
        record.status = status
        self._send_json(status, answer, pretty=_one(params, "prettyPrint", "true") != "false")

    def _send_fault(self, fault: Fault) -> None:
        headers = {}
        if fault.retry_after is not None:
            headers["Retry-After"] = str(fault.retry_after)
        if fault.html:
            page = GOOGLE_HTML_ERROR.format(code=fault.status).encode()
            self._send(fault.status, page, "text/html; charset=UTF-8", headers)
            return
        if fault.body is not None:
            self._send_json(fault.status, fault.body, headers)
            return
        error = ApiError(fault.status, fault.message)
        if fault.status == 429 or fault.reason:
            error.body["error"]["details"] = [
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": fault.reason or "RATE_LIMIT_EXCEEDED",
                    "domain": "googleapis.com",
                    "metadata": {
                        "service": "sheets.googleapis.com",
                        "consumer": "projects/000000000000",
                        "quota_metric": "sheets.googleapis.com/read_requests",
                        "quota_limit": "ReadRequestsPerMinutePerUser",
                    },
                }
            ]
        self._send_json(fault.status, error.body, headers)

    def _send_json(self, status: int, answer: dict, headers: dict | None = None, *, pretty: bool = True) -> None:
        # Google indents its JSON unless asked not to (the prettyPrint=false system parameter).
        payload = json.dumps(
            answer, ensure_ascii=False, indent=2 if pretty else None, separators=None if pretty else (",", ":")
        ).encode()
        self._send(status, payload, "application/json; charset=UTF-8", headers or {})

    def _send(self, status: int, payload: bytes, content_type: str, headers: dict) -> None:
        # Google compresses only when asked twice: Accept-Encoding names gzip and the
        # User-Agent contains « gzip » (Sheets API, « Performance tips »).
        if gzip_wanted(self.headers):
            payload = gzip.compress(payload, compresslevel=6)
            headers = {**headers, "Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
        record = getattr(self, "_record", None)
        if record is not None:
            record.wire_bytes = len(payload)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)


def gzip_wanted(headers) -> bool:
    accepted = [part.split(";")[0].strip().lower() for part in (headers.get("Accept-Encoding") or "").split(",")]
    return "gzip" in accepted and "gzip" in (headers.get("User-Agent") or "").lower()


# Google's answer to a request without credentials.
UNAUTHENTICATED = {
    "error": {
        "code": 401,
        "message": (
            "Request is missing required authentication credential. Expected OAuth 2 access token, login "
            "cookie or other valid authentication credential. See "
            "https://developers.google.com/identity/sign-in/web/devconsole-project."
        ),
        "status": "UNAUTHENTICATED",
        "details": [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "CREDENTIALS_MISSING",
                "domain": "googleapis.com",
                "metadata": {
                    "service": "sheets.googleapis.com",
                    "method": "google.apps.sheets.v4.SpreadsheetsService.GetSpreadsheet",
                },
            }
        ],
    }
}


def _kind(method: str, match) -> str:
    if match is None:
        return "unknown"
    _, batch, values_verb, value_range, range_verb = match.groups()
    if batch:
        return "batchUpdate"
    if values_verb:
        return f"values.{values_verb}"
    if value_range:
        if range_verb:
            return f"values.{range_verb}"
        return "values.get" if method == "GET" else "values.update"
    return "spreadsheets.get"


def _one(params: dict, name: str, default: str | None = None) -> str | None:
    values = params.get(name)
    return values[-1] if values else default


# --------------------------------------------------------------------------
# The API


def _api(state: SheetsServer, method: str, match, key: str, params: dict, body) -> dict:
    book = state.spreadsheets.get(key)
    if book is None:
        raise ApiError(404)
    if book.access == "none" or (method != "GET" and book.access != "write"):
        raise ApiError(403)
    _, batch, values_verb, value_range, range_verb = match.groups()
    if batch:
        return _batch_update(state, book, body)
    if values_verb == "batchGet" and method == "GET":
        return _values_batch_get(book, params)
    if values_verb == "batchUpdate" and method == "POST":
        return _values_batch_update(book, body)
    if values_verb == "batchClear" and method == "POST":
        ranges = (body or {}).get("ranges") or []
        return {"spreadsheetId": book.key, "clearedRanges": [_clear(book, r) for r in ranges]}
    if value_range:
        text = unquote(value_range)
        if range_verb == "clear" and method == "POST":
            return {"spreadsheetId": book.key, "clearedRange": _clear(book, text)}
        if range_verb is None and method == "GET":
            return _values_get(book, text, params)
        if range_verb is None and method == "PUT":
            option = _one(params, "valueInputOption")
            return {"spreadsheetId": book.key, **_update(book, text, body, option)}
    if not values_verb and not value_range and method == "GET":
        return _spreadsheet(book, params, grid_data=state.grid_data)
    raise ApiError(404, f"Method not supported by the test server: {method} {match.group(0)}", status="NOT_FOUND")


def _range(book: Spreadsheet, text: str) -> GridRange:
    try:
        return book.parse_range(text)
    except RangeError:
        raise ApiError(400, f"Unable to parse range: {text}") from None


def _value_range(book: Spreadsheet, text: str, params: dict) -> dict:
    option = _one(params, "valueRenderOption", "FORMATTED_VALUE")
    date_option = _one(params, "dateTimeRenderOption", "SERIAL_NUMBER") or "SERIAL_NUMBER"
    if option not in ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA"):
        raise ApiError(
            400,
            f"Invalid value at 'value_render_option' (type.googleapis.com/"
            f'google.apps.sheets.v4.ValueRenderOption), "{option}"',
        )
    if _one(params, "majorDimension", "ROWS") != "ROWS":
        raise ApiError(400, "The test server only answers majorDimension=ROWS")
    grid = _range(book, text)
    sheet = grid.sheet
    if grid.whole:
        height, width = sheet.extent()
        shown = GridRange(sheet, 0, 0, height, width) if height else GridRange(sheet, 0, 0, None, None)
        rows = sheet.rows()
    else:
        shown = grid
        r0, c0, r1, c1 = grid.bounded()
        rows = sheet.rows(r0, c0, r1, c1)
    answer: dict[str, object] = {"range": shown.a1(), "majorDimension": "ROWS"}
    if rows:
        answer["values"] = [[render(v, option, date_option) for v in row] for row in rows]
    return answer


def _values_get(book: Spreadsheet, text: str, params: dict) -> dict:
    return _value_range(book, text, params)


def _values_batch_get(book: Spreadsheet, params: dict) -> dict:
    ranges = params.get("ranges") or []
    return {"spreadsheetId": book.key, "valueRanges": [_value_range(book, r, params) for r in ranges]}


def _spreadsheet(book: Spreadsheet, params: dict, *, grid_data: bool = True) -> dict:
    fields = _one(params, "fields")
    tree = None
    if fields:
        try:
            tree = parse_fields(fields)
            check_fields(tree)
        except ValueError as exc:
            raise ApiError(400, str(exc)) from None
    # Google: includeGridData « is ignored if a field mask was set in the request »:
    # the mask says whether grid data comes back. ``grid_data=False`` plays a server
    # (or proxy) that never sends it.
    with_grid = grid_data and (
        _selects(tree, "sheets", "data")
        if tree is not None
        else (_one(params, "includeGridData", "false") or "false").lower() == "true"
    )
    wanted = params.get("ranges") or []
    sheets = []
    selected: list[tuple[Sheet, GridRange | None]] = []
    if wanted:
        for text in wanted:
            found = _range(book, text)
            selected.append((found.sheet, found))
    else:
        selected = [(sheet, None) for sheet in book.sheets]
    for sheet, grid in selected:
        entry: dict[str, object] = {"properties": sheet.properties()}
        if sheet.merges:
            entry["merges"] = copy.deepcopy(sheet.merges)
        if sheet.protected:
            entry["protectedRanges"] = copy.deepcopy(sheet.protected)
        if with_grid:
            r0, c0, r1, c1 = grid.bounded() if grid is not None and not grid.whole else (0, 0, None, None)
            rows = sheet.rows(r0, c0, r1, c1)
            block: dict = {}
            if r0:
                block["startRow"] = r0
            if c0:
                block["startColumn"] = c0
            block["rowData"] = [({"values": [cell_data(v) for v in row]} if row else {}) for row in rows]
            height = (r1 if r1 is not None else sheet.row_count) - r0
            width = (c1 if c1 is not None else sheet.column_count) - c0
            block["rowMetadata"] = [{"pixelSize": 21} for _ in range(height)]
            block["columnMetadata"] = [{"pixelSize": 100} for _ in range(width)]
            if not block["rowData"]:
                del block["rowData"]
            entry["data"] = [block]
        sheets.append(entry)
    answer = {
        "spreadsheetId": book.key,
        "properties": {
            "title": book.title,
            "locale": book.locale,
            "autoRecalc": "ON_CHANGE",
            "timeZone": book.time_zone,
            "defaultFormat": copy.deepcopy(DEFAULT_FORMAT),
            "spreadsheetTheme": copy.deepcopy(THEME),
        },
        "sheets": sheets,
        "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{book.key}/edit",
    }
    if tree is not None:
        answer = apply_fields(answer, tree)
    return answer


# -- writes


_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def _entered(value, option: str):
    """What a written value becomes in the cell."""
    if option == "RAW" or not isinstance(value, str):
        return value
    if value.startswith("="):
        link = re.fullmatch(r'=HYPERLINK\("([^"]*)"\s*[,;]\s*"([^"]*)"\)', value, re.IGNORECASE)
        return Formula(value, link.group(2) if link else None)
    if _NUMBER.match(value.strip()):
        number = float(value)
        return int(number) if number.is_integer() and "." not in value else number
    if value.upper() in ("TRUE", "FALSE"):
        return value.upper() == "TRUE"
    return value


def _update(book: Spreadsheet, text: str, body, option: str | None) -> dict:
    if option not in ("RAW", "USER_ENTERED"):
        raise ApiError(
            400,
            "'valueInputOption' is required but not specified"
            if option is None
            else f"Invalid value at 'value_input_option' (type.googleapis.com/"
            f'google.apps.sheets.v4.ValueInputOption), "{option}"',
        )
    values = (body or {}).get("values") if isinstance(body, dict) else None
    if not isinstance(values, list) or not all(isinstance(row, list) for row in values):
        shown = values if not isinstance(values, list) else next(r for r in values if not isinstance(r, list))
        message = f"Invalid value at 'data.values' (type.googleapis.com/google.protobuf.ListValue), {json.dumps(shown)}"
        raise ApiError(
            400,
            message,
            details=[
                {
                    "@type": "type.googleapis.com/google.rpc.BadRequest",
                    "fieldViolations": [{"field": "data.values", "description": message}],
                }
            ],
        )
    grid = _range(book, text)
    sheet = grid.sheet
    height = len(values)
    _refuse_protected(sheet, grid.r0, grid.r0 + height)
    width = max((len(row) for row in values), default=0)
    r0, c0 = grid.r0, grid.c0
    if r0 + height > sheet.row_count or c0 + width > sheet.column_count:
        end = f"{column_letters(c0 + width - 1)}{r0 + height}"
        raise ApiError(
            400,
            f"Range ({quote_title(sheet.title)}!{column_letters(c0)}{r0 + 1}:{end}) exceeds grid "
            f"limits. Max rows: {sheet.row_count}, max columns: {sheet.column_count}",
        )
    cells = 0
    for r, row in enumerate(values):
        for c, value in enumerate(row):
            if value is None:
                continue  # null leaves the cell as it is
            cells += 1
            if value == "":
                sheet.cells.pop((r0 + r, c0 + c), None)
            else:
                sheet.cells[(r0 + r, c0 + c)] = _entered(value, option)
    written = GridRange(sheet, r0, c0, r0 + height, c0 + width)
    return {"updatedRange": written.a1(), "updatedRows": height, "updatedColumns": width, "updatedCells": cells}


def _values_batch_update(book: Spreadsheet, body) -> dict:
    body = body or {}
    option = body.get("valueInputOption")
    responses = [
        {"spreadsheetId": book.key, **_update(book, item.get("range", ""), item, option)}
        for item in body.get("data") or []
    ]
    return {
        "spreadsheetId": book.key,
        "totalUpdatedRows": sum(r["updatedRows"] for r in responses),
        "totalUpdatedColumns": max((r["updatedColumns"] for r in responses), default=0),
        "totalUpdatedCells": sum(r["updatedCells"] for r in responses),
        "totalUpdatedSheets": len({r["updatedRange"].rsplit("!", 1)[0] for r in responses}),
        "responses": responses,
    }


def _refuse_protected(sheet: Sheet, r0: int, r1: int) -> None:
    """Google's answer to a write that touches a protected tab or protected rows."""
    for protected in sheet.protected:
        grid = protected["range"]
        if grid.get("startRowIndex", 0) < r1 and r0 < grid.get("endRowIndex", sheet.row_count):
            raise ApiError(400, PROTECTED_MESSAGE)


def payload_too_large(limit: int) -> dict:
    """Google's recorded answer to an over-size request (tests/fixtures/google/sheets_errors.json),
    with this server's ``limit`` in its message."""
    recorded = json.loads((Path(__file__).resolve().parent.parent / "fixtures/google/sheets_errors.json").read_text())
    text = json.dumps(recorded["payload_too_large_400"]["body"]).replace("10485760", str(limit))
    return cast(dict, json.loads(text))


PROTECTED_MESSAGE = (
    "You are trying to edit a protected cell or object. Please contact the spreadsheet owner to remove "
    "protection if you need to edit."
)


def _clear(book: Spreadsheet, text: str) -> str:
    grid = _range(book, text)
    r0, c0, r1, c1 = grid.bounded()
    _refuse_protected(grid.sheet, r0, r1)
    for cell in [c for c in grid.sheet.cells if r0 <= c[0] < r1 and c0 <= c[1] < c1]:
        del grid.sheet.cells[cell]
    return GridRange(grid.sheet, r0, c0, r1, c1).a1()


def _batch_update(state: SheetsServer, book: Spreadsheet, body) -> dict:
    requests = (body or {}).get("requests") if isinstance(body, dict) else None
    if not isinstance(requests, list) or not requests:
        raise ApiError(400, "Must specify at least one request.")
    work = copy.deepcopy(book)  # all or nothing, like Google
    replies = []
    for index, request in enumerate(requests):
        if not isinstance(request, dict) or len(request) != 1:
            raise ApiError(400, f"Invalid requests[{index}]: exactly one kind of request is expected.")
        ((name, spec),) = request.items()
        handler = _REQUESTS.get(name)
        if handler is None:
            raise ApiError(
                400,
                f"Invalid JSON payload received. Unknown name \"{name}\" at 'requests[{index}]': Cannot find field.",
            )
        replies.append(handler(state, work, spec or {}, f"Invalid requests[{index}].{name}: "))
    book.__dict__.update(work.__dict__)
    return {"spreadsheetId": book.key, "replies": replies}


def _add_sheet(state: SheetsServer, book: Spreadsheet, spec: dict, where: str) -> dict:
    props = dict(spec.get("properties") or {})
    title = props.get("title") or f"Sheet{len(book.sheets) + 1}"
    if any(s.title.casefold() == title.casefold() for s in book.sheets):
        raise ApiError(400, f'{where}A sheet with the name "{title}" already exists. Please enter another name.')
    sheet_id = props.get("sheetId")
    if sheet_id is None:
        sheet_id = next(state._ids) % 2_000_000_000
    elif book.sheet_by_id(sheet_id) is not None or sheet_id < 0:
        raise ApiError(400, f"{where}Sheet with id {sheet_id} already exists.")
    grid = props.get("gridProperties") or {}
    index = props.get("index", len(book.sheets))
    for sheet in book.sheets:
        if sheet.index >= index:
            sheet.index += 1
    sheet = Sheet(
        sheet_id,
        title,
        index,
        int(grid.get("rowCount", 1000)),
        int(grid.get("columnCount", 26)),
        bool(props.get("hidden", False)),
        int(grid.get("frozenRowCount", 0)),
    )
    book.sheets.append(sheet)
    book.reindex()
    return {"addSheet": {"properties": sheet.properties()}}


def _delete_sheet(state: SheetsServer, book: Spreadsheet, spec: dict, where: str) -> dict:
    sheet = book.sheet_by_id(spec["sheetId"]) if "sheetId" in spec else None
    if sheet is None:
        raise ApiError(400, f"{where}No grid with id: {spec.get('sheetId')}")
    if len(book.sheets) == 1:
        raise ApiError(400, f"{where}You can't remove all the sheets in a document.")
    book.sheets.remove(sheet)
    book.reindex()
    return {}


def _field_names(spec: dict, where: str) -> list[str]:
    fields = spec.get("fields")
    if not fields:
        raise ApiError(400, f"{where}At least one field must be updated. Specify 'fields' with at least one field.")
    tree = parse_fields(fields)
    names = []

    def walk(node, prefix):
        for name, sub in node.items():
            if sub is None:
                names.append(prefix + name)
            else:
                walk(sub, prefix + name + ".")

    walk(tree, "")
    return names


def _update_sheet_properties(state: SheetsServer, book: Spreadsheet, spec: dict, where: str) -> dict:
    props = spec.get("properties") or {}
    sheet = book.sheet_by_id(props.get("sheetId", 0))
    if sheet is None:
        raise ApiError(400, f"{where}No grid with id: {props.get('sheetId')}")
    grid = props.get("gridProperties") or {}
    for name in _field_names(spec, where):
        if name == "title":
            title = props.get("title") or ""
            if any(s is not sheet and s.title.casefold() == title.casefold() for s in book.sheets):
                raise ApiError(
                    400, f'{where}A sheet with the name "{title}" already exists. Please enter another name.'
                )
            sheet.title = title
        elif name == "hidden":
            sheet.hidden = bool(props.get("hidden", False))
            if all(s.hidden for s in book.sheets):
                raise ApiError(400, f"{where}You can't hide all the sheets in a document.")
        elif name == "index":
            book.sheets.remove(sheet)
            book.sheets.insert(int(props.get("index", 0)), sheet)
            for i, each in enumerate(book.sheets):
                each.index = i
        elif name in ("gridProperties.rowCount", "gridProperties"):
            sheet.row_count = int(grid.get("rowCount", sheet.row_count))
            if name == "gridProperties":
                sheet.column_count = int(grid.get("columnCount", sheet.column_count))
                sheet.frozen_rows = int(grid.get("frozenRowCount", 0))
        elif name == "gridProperties.columnCount":
            sheet.column_count = int(grid.get("columnCount", sheet.column_count))
        elif name == "gridProperties.frozenRowCount":
            sheet.frozen_rows = int(grid.get("frozenRowCount", 0))
        else:
            raise ApiError(400, f"{where}The test server cannot update the field '{name}'.")
    sheet.cells = {c: v for c, v in sheet.cells.items() if c[0] < sheet.row_count and c[1] < sheet.column_count}
    return {}


def _merge_cells(state: SheetsServer, book: Spreadsheet, spec: dict, where: str) -> dict:
    grid = dict(spec.get("range") or {})
    sheet = book.sheet_by_id(grid.pop("sheetId", 0))
    if sheet is None:
        raise ApiError(400, f"{where}No grid with id: {spec.get('range', {}).get('sheetId')}")
    if spec.get("mergeType", "MERGE_ALL") != "MERGE_ALL":
        raise ApiError(400, f"{where}The test server only merges with MERGE_ALL.")
    sheet.merges.append(
        {k: grid[k] for k in ("startRowIndex", "endRowIndex", "startColumnIndex", "endColumnIndex") if k in grid}
    )
    return {}


def _update_spreadsheet_properties(state: SheetsServer, book: Spreadsheet, spec: dict, where: str) -> dict:
    props = spec.get("properties") or {}
    for name in _field_names(spec, where):
        if name == "title":
            book.title = props.get("title") or ""
        elif name == "locale":
            book.locale = props.get("locale") or book.locale
        elif name == "timeZone":
            book.time_zone = props.get("timeZone") or book.time_zone
        else:
            raise ApiError(400, f"{where}The test server cannot update the field '{name}'.")
    return {}


def _append_dimension(state: SheetsServer, book: Spreadsheet, spec: dict, where: str) -> dict:
    sheet = book.sheet_by_id(spec.get("sheetId", 0))
    if sheet is None:
        raise ApiError(400, f"{where}No grid with id: {spec.get('sheetId')}")
    length = int(spec.get("length", 0))
    if length < 1:
        raise ApiError(400, f"{where}length must be at least 1")
    if spec.get("dimension") == "ROWS":
        sheet.row_count += length
    elif spec.get("dimension") == "COLUMNS":
        sheet.column_count += length
    else:
        raise ApiError(400, f"{where}dimension must be ROWS or COLUMNS")
    return {}


def _update_cells(state: SheetsServer, book: Spreadsheet, spec: dict, where: str) -> dict:
    """updateCells from a start cell, ``fields`` = ``userEnteredValue`` (string or number values)."""
    start = spec.get("start") or {}
    sheet = book.sheet_by_id(start.get("sheetId", 0))
    if sheet is None:
        raise ApiError(400, f"{where}No grid with id: {start.get('sheetId', 0)}")
    if spec.get("fields") != "userEnteredValue":
        raise ApiError(400, f"{where}this server only writes fields=userEnteredValue")
    r0, c0 = int(start.get("rowIndex", 0)), int(start.get("columnIndex", 0))
    rows = spec.get("rows") or []
    _refuse_protected(sheet, r0, r0 + len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row.get("values") or []):
            entered = (value or {}).get("userEnteredValue") or {}
            text = entered.get("stringValue", entered.get("numberValue"))
            if text is None:
                sheet.cells.pop((r0 + r, c0 + c), None)
            else:
                sheet.cells[(r0 + r, c0 + c)] = text
    return {}


_REQUESTS = {
    "updateCells": _update_cells,
    "addSheet": _add_sheet,
    "deleteSheet": _delete_sheet,
    "updateSheetProperties": _update_sheet_properties,
    "updateSpreadsheetProperties": _update_spreadsheet_properties,
    "appendDimension": _append_dimension,
    "mergeCells": _merge_cells,
}


# --------------------------------------------------------------------------
# Committee spreadsheets and configurations for the tests of the Google source

KEYS = {
    "OUEST": "1OuestAbCdEfGhIjKlMnOpQrStUvWxYz0123456789ab",
    "EST": "1EstAbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd",
    "LONGUEUIL": "1LongueuilAbCdEfGhIjKlMnOpQrStUvWxYz01234",
}


def committee_tabs(
    projects=(),
    payments=(),
    *,
    headers=None,
    payment_headers=None,
    rename=None,
    payment_rename=None,
    tabs=None,
    extra_tabs=None,
) -> dict[str, list[list]]:
    """The tabs of the Google spreadsheet holding what tests/support/builders.write_committee_xlsx
    writes to a file for the same arguments (a SUM total shows its result, as in Sheets)."""
    from tests.support import builders

    def tab(rows, columns, renamed):
        columns = list(columns)
        out = [[(renamed or {}).get(h, h) for h in columns]]
        years = [i for i, h in enumerate(columns) if h.startswith("FQIS 2")]
        for r, record in enumerate(rows, start=2):
            if record is None:
                out.append([])
                continue
            values = [record.get(h) for h in columns]
            for c, value in enumerate(values):
                if value is builders.SUM:
                    span = [values[i] for i in years]
                    total = sum(v for v in span if isinstance(v, (int, float)) and not isinstance(v, bool))
                    values[c] = Formula(f"=SUM({column_letters(years[0])}{r}:{column_letters(years[-1])}{r})", total)
                elif value == "":
                    values[c] = None
            out.append(values)
        return out

    names = {"Projets": "Projets", "Versements": "Versements", **(tabs or {})}
    result: dict[str, list[list]] = {}
    if names["Projets"] is not None:
        result[names["Projets"]] = tab(projects, headers or builders.PROJECT_HEADERS, rename)
    if names["Versements"] is not None:
        result[names["Versements"]] = tab(payments, payment_headers or builders.PAYMENT_HEADERS, payment_rename)
    for title, rows in (extra_tabs or {}).items():
        result[title] = [list(row) for row in rows]
    return result or {"Feuille1": []}


def _grid_cell(cell) -> object:
    """An openpyxl cell (values as last computed) as the server's cell: what Sheets
    holds once the same workbook is imported, its number format type included."""
    value, number_format = cell.value, cell.number_format or "General"
    if value is None or value == "":
        return None
    if cell.data_type == "e":
        return ErrorCell(_ERROR_TYPES.get(str(value), "ERROR"))
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date()  # a DATE cell
    if isinstance(value, dt.date):
        return value  # DATE, or DATE_TIME with a time of day
    if isinstance(value, dt.time):
        seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
        return Formatted(seconds / 86400, value.isoformat(), "TIME", "h:mm:ss")
    if isinstance(value, dt.timedelta):
        return Formatted(value.total_seconds() / 86400, str(value), "TIME", "[h]:mm:ss")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "%" in re.sub(r'"[^"]*"|\\.', "", number_format):
            return Formatted(value, f"{value:%}", "PERCENT", number_format)
        if "$" in number_format:
            return Formatted(value, f"{value:,.2f} $", "CURRENCY", number_format)
    return value


_ERROR_TYPES = {text: kind for kind, text in _ERROR_TEXT.items()}


def workbook_tabs(path: Path) -> dict[str, list[list]]:
    """The tabs of a local .xlsx as the server holds them when that workbook is imported
    into Google Sheets: the values last computed, each cell with the number format type
    its format stands for (DATE, DATE_TIME, TIME, PERCENT, CURRENCY), so that the same
    content can be read both ways (tests/test_parity.py)."""
    from openpyxl import load_workbook

    book = load_workbook(path, data_only=True)
    try:
        tabs: dict[str, list[list]] = {}
        for sheet in book.worksheets:
            cells = sheet._cells  # only the cells the file holds: no grid of empty ones
            height = max((r for r, _ in cells), default=0)
            rows: list[list] = [[] for _ in range(height)]
            for (r, c), cell in sorted(cells.items()):
                value = _grid_cell(cell)
                if value is not None:
                    row = rows[r - 1]
                    row.extend([None] * (c - len(row)))
                    row[c - 1] = value
            tabs[sheet.title] = rows
        return tabs
    finally:
        book.close()


FAST_RETRIES = {"max_attempts": 4, "retry_deadline": 30, "backoff_initial": 0.001, "backoff_max": 0.01, "timeout": 5}


def google_config(
    tmp_path, *, feedback: bool = False, codes=("OUEST", "EST", "LONGUEUIL"), google: dict | None = None, **config
):
    """A configuration (tests/support/builders.write_config) whose committees in ``codes``
    read Google spreadsheets KEYS[code]; retries are fast (milliseconds) unless
    ``google`` (keys of the [google] table) says otherwise."""
    from tests.support import builders

    overrides = config.pop("overrides", {}) or {}
    for code in codes:
        overrides.setdefault(code, {})["source"] = {"google": KEYS[code]}
    settings = {"feedback": feedback, **FAST_RETRIES, **(google or {})}
    extra = config.pop("extra", "") + "\n" + "\n".join(builders._toml_table("[google]", settings))
    Path(tmp_path).mkdir(parents=True, exist_ok=True)
    return builders.write_config(tmp_path, overrides=overrides, extra=extra, **config)
