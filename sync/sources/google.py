"""A committee's Google spreadsheet, read in one request.

The read is one ``spreadsheets.get`` whose field mask keeps, for the tabs asked
for, their id (gid), title and size, and each cell's effective value (numbers as
JSON numbers, dates as serial numbers, formulas as their result) with the type of
its effective number format (``effectiveFormat.numberFormat.type``). It is chosen
over ``values:batchGet`` because the gids come in the same answer (batchGet has
none, and links to a cell need them).

The number format decides what a number is, as it does in a local .xlsx (whose
reader gives a date-formatted cell as a ``datetime``): a DATE or DATE_TIME cell is a
``datetime``, a TIME cell a ``time`` (a ``timedelta`` from one day on), a PERCENT cell
the text the committee sees (« 5 % », sync.sources.percent_text); any other type
(NUMBER, CURRENCY, SCIENTIFIC, none) leaves the number as it is. So the same workbook
gives the same findings at the same cells from a file or from Google: a date typed
in an amount cell is INVALID_AMOUNT, never 43 983 $ (tests/test_parity.py).

Every tab comes back in that one answer, grid data included. Asking only for
the tabs read (``ranges``) was tried and removed: Google then leaves out every tab
the ranges do not name, so a « Projets (suite) » tab added by a committee since the
last run would never be seen (EXTRA_TAB, docs/constats.md) and its projects would be
lost without a word. The tabs not read (instructions, Validation) are a tiny part of
the answer (about 0,05 % of it at every benchmark size, benchmarks/RESULTS.md).
Tabs are matched by title with the same tolerance of case and accents as local
files (sync/vocabulary/template.find_tab), so that MISSING_TAB can list the tabs present.

Answers come compressed (sync/google/http.py asks for gzip).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from typing import Any

import requests
from google.auth.exceptions import GoogleAuthError
from gspread.exceptions import APIError, NoValidUrlKeyFound
from gspread.utils import absolute_range_name, extract_id_from_url

from sync.config import Config, SourceSpec
from sync.config.delivery import delivery_scopes
from sync.errors import ConfigError, SourceUnavailable
from sync.google.client import GoogleClient, GoogleClients, access_problem, spreadsheet_link
from sync.google.http import DeadlinePassed, GoogleCallFailed
from sync.sources.base import MAX_ROWS, RawWorkbook, Row, filled_rows, percent_text
from sync.vocabulary.template import find_tab, tabs_to_read

# What a call to Google may raise that is Google's doing, not ours.
GOOGLE_FAILURES = (APIError, GoogleCallFailed, DeadlinePassed, GoogleAuthError, requests.RequestException)
_KEY = re.compile(r"[A-Za-z0-9_-]+")

log = logging.getLogger("sync")

GRID_FIELDS = (
    "properties(title),sheets(properties(sheetId,title,index,gridProperties(rowCount,columnCount)),"
    "data(startRow,startColumn,rowData(values(effectiveValue,effectiveFormat(numberFormat(type))))))"
)

# How an error cell shows in a spreadsheet (what openpyxl reads from a file).
_ERRORS = {
    "DIVIDE_BY_ZERO": "#DIV/0!",
    "N_A": "#N/A",
    "NULL_VALUE": "#NULL!",
    "VALUE": "#VALUE!",
    "REF": "#REF!",
    "NAME": "#NAME?",
    "NUM": "#NUM!",
    "ERROR": "#ERROR!",
    "LOADING": "#LOADING",
}


@dataclass(frozen=True)
class Tab:
    gid: int
    title: str
    rows: int  # grid size: the tab's row and column counts
    columns: int


@dataclass
class SpreadsheetLayout:
    """The tabs of a spreadsheet as read: the write-back needs them (no second read)."""

    title: str
    tabs: dict[str, Tab] = field(default_factory=dict)


def spreadsheet_key(location: str) -> str:
    """The key of a spreadsheet, also from its whole address (…/d/KEY/edit#gid=0)."""
    location = location.strip()
    if location.startswith(("http://", "https://")):
        try:
            return extract_id_from_url(location)
        except NoValidUrlKeyFound:
            raise ConfigError(f"adresse de chiffrier Google sans clé : {location}") from None
    if not _KEY.fullmatch(location):
        raise ConfigError(
            f"clé de chiffrier Google invalide « {location} » : attendu la partie de "
            "l'adresse entre /d/ et /edit (lettres, chiffres, - et _)"
        )
    return location


# A JSON object of the Sheets API's answer (CellData, GridData, Spreadsheet): its members
# are whatever Google sends, each one checked where it is read.
Json = dict[str, Any]

_DATE_TIME_EPOCH = dt.datetime(1899, 12, 30)
_MAX_SERIAL = 2958466  # 10000-01-01: beyond, no datetime holds it


def cell_value(cell: Json) -> object:
    """A Sheets CellData's effective value as a source value (None when empty)."""
    value = cell.get("effectiveValue") if isinstance(cell, dict) else None
    if not value:
        return None
    if "numberValue" in value:
        return _formatted_number(value["numberValue"], _number_format_type(cell))
    if "stringValue" in value:
        return value["stringValue"]
    if "boolValue" in value:
        return value["boolValue"]
    if "errorValue" in value:
        return _ERRORS.get(value["errorValue"].get("type", ""), "#ERROR!")
    return None


def _number_format_type(cell: Json) -> str:
    number_format = (cell.get("effectiveFormat") or {}).get("numberFormat") or {}
    return str(number_format.get("type", "")) if isinstance(number_format, dict) else ""


def _formatted_number(number: object, kind: str) -> object:
    """A number as its format shows it, the way the .xlsx reader gives the same cell
    (sync/sources/xlsx.py): dates and times as such, a percentage as its text."""
    if not isinstance(number, (int, float)) or isinstance(number, bool):
        return number
    if kind == "PERCENT":
        return percent_text(number)
    if kind in ("DATE", "DATE_TIME", "TIME") and 0 <= number < _MAX_SERIAL:
        # To the millisecond, as calamine reads a file: 12:30 is no 12:30:00.000001.
        moment = dt.timedelta(milliseconds=round(number * 86_400_000))
        if kind != "TIME":
            return _DATE_TIME_EPOCH + moment
        return (dt.datetime.min + moment).time() if moment < dt.timedelta(days=1) else moment
    return number


def grid_rows(data: list[Json]) -> list[Row]:
    """GridData blocks → rows from row 1: empty rows ``[]``, trailing blanks trimmed."""
    rows: list[Row] = []
    for block in data or []:
        top, left = block.get("startRow", 0), block.get("startColumn", 0)
        for offset, row_data in enumerate(block.get("rowData") or []):
            cells = [cell_value(c) for c in (row_data or {}).get("values") or []]
            while cells and cells[-1] is None:
                cells.pop()
            if not cells:
                continue
            index = top + offset
            while len(rows) <= index:
                rows.append([])
            row = rows[index]
            row.extend([None] * (left + len(cells) - len(row)))
            row[left : left + len(cells)] = cells
    return rows


def _layout(body: Json) -> tuple[SpreadsheetLayout, dict[str, list[Json]]]:
    """The spreadsheet's tabs (id, title, size) and each tab's grid data, from one answer."""
    layout = SpreadsheetLayout(title=str((body.get("properties") or {}).get("title", "")))
    grids: dict[str, list[Json]] = {}
    for sheet in body.get("sheets") or []:
        props = sheet.get("properties") or {}
        grid = props.get("gridProperties") or {}
        tab = Tab(
            int(props.get("sheetId", 0)),
            str(props.get("title", "")),
            int(grid.get("rowCount", 0)),
            int(grid.get("columnCount", 0)),
        )
        layout.tabs[tab.title] = tab
        grids[tab.title] = sheet.get("data") or []
    return layout, grids


class GoogleSource:
    def __init__(
        self, spec: SourceSpec, config: Config, committee_code: str = "", google: GoogleClients | None = None
    ) -> None:
        self.spec = spec
        self.key = spreadsheet_key(spec.location)
        self.config = config
        self.committee_code = committee_code
        # The command's clients: every spreadsheet it reads shares them, and their limiters.
        self.google = google or GoogleClients()
        self.layout: SpreadsheetLayout | None = None

    @property
    def committee_label(self) -> str:
        """« du comité Est de la Montérégie », for messages."""
        try:
            return f"du comité {self.config.committee(self.committee_code).name}"
        except KeyError:
            return f"du comité {self.committee_code}" if self.committee_code else ""

    def read(self, wanted_tabs: list[str]) -> RawWorkbook:
        try:
            client = self.google.sheets(self.config, extra_scopes=delivery_scopes(self.config.delivery))
        except SourceUnavailable as exc:  # no OAuth authorisation and no terminal to ask for one
            exc.committee = self.committee_code
            raise
        body = self._get(client)
        read_at = dt.datetime.now().astimezone()
        layout, grids = _layout(body)
        # The wanted tabs and every tab that looks like one (parsing reports EXTRA_TAB).
        read = tabs_to_read(list(layout.tabs), wanted_tabs)
        self.layout = layout
        # Only the tabs parsing needs carry rows (like local files); the others keep
        # their titles so that MISSING_TAB can list them.
        titles = list(layout.tabs)
        tabs: dict[str, list[Row]] = {title: [] for title in titles}
        if read and not any(grids[t] for t in read):
            # The answer carries no grid data at all: a server or proxy that ignores
            # the mask. Google always sends it; a second read covers the others.
            tabs.update(self._values(client, read))
        else:
            for title in read:
                tabs[title] = grid_rows(grids[title])
        for title in read:
            if filled_rows(tabs[title]) > MAX_ROWS:
                raise self._too_many_rows(title)
        log.debug("Google Sheets %s : %d onglets, %d lus.", self.key, len(titles), len(read))
        return RawWorkbook(tabs=tabs, read_at=read_at, sheet_ids={t.title: t.gid for t in layout.tabs.values()})

    def _too_many_rows(self, title: str) -> SourceUnavailable:
        """The filled-row limit of local files (sync.sources.MAX_ROWS), blanks counted alike."""
        count = f"{MAX_ROWS:,}".replace(",", "\u00a0")
        return SourceUnavailable(
            f"le chiffrier Google {self.committee_label} (clé {self.key}) est illisible : l'onglet « {title} » "
            f"compte plus de {count} lignes remplies, la limite ; un classeur de comité n'en demande pas tant "
            "(une formule recopiée jusqu'au bas de l'onglet ?). Effacez ce qui dépasse le tableau.",
            committee=self.committee_code,
        )

    def _get(self, client: GoogleClient) -> Json:
        """One spreadsheets.get (gspread's own call, through our retries)."""

        try:
            body = client.http.spreadsheets_get(
                self.key, params={"includeGridData": "true", "fields": GRID_FIELDS, "prettyPrint": "false"}
            )
        except ValueError:  # 200 with a body that is not JSON (a proxy's page); the decoder's text is English
            raise SourceUnavailable(
                f"réponse illisible de {client.base_url} pour le chiffrier Google {self.committee_label} "
                f"(clé {self.key}) : ce n'est pas du JSON (la page d'un serveur mandataire ?)",
                committee=self.committee_code,
                retryable=True,
            ) from None
        except GOOGLE_FAILURES as exc:
            problem = access_problem(
                exc, account=client.account, committee=self.committee_label, key=self.key, base_url=client.base_url
            )
            problem.committee = self.committee_code
            raise problem from None
        if not isinstance(body, dict):
            raise SourceUnavailable(
                f"réponse inattendue de {client.base_url} pour le chiffrier Google {self.committee_label} "
                f"(clé {self.key})",
                committee=self.committee_code,
                retryable=True,
            )
        return body

    def _values(self, client: GoogleClient, titles: list[str]) -> dict[str, list[Row]]:
        """The tabs' values by values:batchGet, unformatted, dates as serial numbers."""

        try:
            body = client.http.values_batch_get(
                self.key,
                [absolute_range_name(t) for t in titles],
                params={"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER"},
            )
        except GOOGLE_FAILURES as exc:
            problem = access_problem(
                exc, account=client.account, committee=self.committee_label, key=self.key, base_url=client.base_url
            )
            problem.committee = self.committee_code
            raise problem from None
        ranges = (body.get("valueRanges") or []) if isinstance(body, dict) else []
        # The values API writes an interior blank as "": a blank cell, as in grid data.
        return {
            title: [[None if v == "" else v for v in row] for row in (answer.get("values") or [])]
            for title, answer in zip(titles, ranges, strict=False)
        }

    def cell_link(self, sheet_ids: dict[str, int], sheet: str, cell: str) -> str | None:
        title = find_tab(list(sheet_ids), sheet) if sheet else None
        return spreadsheet_link(self.key, sheet_ids[title] if title is not None else None, cell)
