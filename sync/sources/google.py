"""A committee's Google spreadsheet, read in one request.

The read is one ``spreadsheets.get`` whose field mask keeps, for the tabs asked
for, their id (gid), title and size, and each cell's effective value — what
``values:batchGet`` with ``UNFORMATTED_VALUE`` and ``SERIAL_NUMBER`` gives: numbers
as JSON numbers, dates as serial numbers, formulas as their result. It is chosen
over ``values:batchGet`` because the gids come in the same answer (batchGet has
none, and links to a cell need them).

Only the tabs the sync reads are asked for (``ranges``): the titles found at the
last run (kept in the state folder), « Projets » and « Versements » at first, and
the Validation tab's first cell when it was there (the write-back needs its gid
and size, not its content). An instructions tab or a long Validation tab costs
nothing. When a title is no longer there (a tab renamed or deleted), Google
refuses the whole request (400 « Unable to parse range »): the spreadsheet is then
read whole, once, and its tabs matched by title with the same tolerance of case
and accents as local files (sync/parsing/headers.find_tab), so that MISSING_TAB
can list the tabs present; the titles found are kept for the next run.

Answers come compressed (sync/google/http.py asks for gzip).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import threading
from dataclasses import dataclass, field

import requests
from google.auth.exceptions import GoogleAuthError
from gspread.exceptions import APIError

from sync.config import Config, SourceSpec
from sync.errors import ConfigError, SourceUnavailable
from sync.google.http import DeadlinePassed, GoogleCallFailed
from sync.sources import RawWorkbook, Row

# What a call to Google may raise that is Google's doing, not ours.
GOOGLE_FAILURES = (APIError, GoogleCallFailed, DeadlinePassed, GoogleAuthError, requests.RequestException)
_KEY = re.compile(r"[A-Za-z0-9_-]+")

log = logging.getLogger("sync")

GRID_FIELDS = ("properties(title),sheets(properties(sheetId,title,index,gridProperties(rowCount,columnCount)),"
               "data(startRow,startColumn,rowData(values(effectiveValue))))")
TITLES_FILE = "google-onglets.json"  # in the state folder: the tabs found per spreadsheet

# The exact titles of the tabs found at the last read, per spreadsheet key:
# wanted tab (« Projets ») → actual title (« projets 2024 »), None when missing.
_titles: dict[str, dict[str, str | None]] = {}
_titles_from: list = [False]  # the state file they were loaded from (False: not loaded yet)
_titles_lock = threading.Lock()

# How an error cell shows in a spreadsheet (what openpyxl reads from a file).
_ERRORS = {"DIVIDE_BY_ZERO": "#DIV/0!", "N_A": "#N/A", "NULL_VALUE": "#NULL!", "VALUE": "#VALUE!",
           "REF": "#REF!", "NAME": "#NAME?", "NUM": "#NUM!", "ERROR": "#ERROR!", "LOADING": "#LOADING"}


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
    from gspread.exceptions import NoValidUrlKeyFound
    from gspread.utils import extract_id_from_url

    location = location.strip()
    if location.startswith(("http://", "https://")):
        try:
            return extract_id_from_url(location)
        except NoValidUrlKeyFound:
            raise ConfigError(f"adresse de chiffrier Google sans clé : {location}") from None
    if not _KEY.fullmatch(location):
        raise ConfigError(f"clé de chiffrier Google invalide « {location} » : attendu la partie de "
                          "l'adresse entre /d/ et /edit (lettres, chiffres, - et _)")
    return location


def cell_value(cell: dict) -> object:
    """A Sheets CellData's effective value as a source value (None when empty)."""
    value = cell.get("effectiveValue") if isinstance(cell, dict) else None
    if not value:
        return None
    if "numberValue" in value:
        return value["numberValue"]
    if "stringValue" in value:
        return value["stringValue"]
    if "boolValue" in value:
        return value["boolValue"]
    if "errorValue" in value:
        return _ERRORS.get(value["errorValue"].get("type", ""), "#ERROR!")
    return None


def grid_rows(data: list[dict]) -> list[Row]:
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
            row[left:left + len(cells)] = cells
    return rows


class GoogleSource:
    def __init__(self, spec: SourceSpec, config: Config, committee_code: str = ""):
        self.spec = spec
        self.key = spreadsheet_key(spec.location)
        self.config = config
        self.committee_code = committee_code
        self.layout: SpreadsheetLayout | None = None

    @property
    def committee_label(self) -> str:
        """« du comité Est de la Montérégie », for messages."""
        try:
            return f"du comité {self.config.committee(self.committee_code).name}"
        except KeyError:
            return f"du comité {self.committee_code}" if self.committee_code else ""

    def read(self, wanted_tabs: list[str]) -> RawWorkbook:
        from sync.google.client import google_client
        from sync.parsing.headers import VALIDATION_TAB, find_tab

        try:
            client = google_client(self.config)
        except SourceUnavailable as exc:  # no OAuth authorisation and no terminal to ask for one
            exc.committee = self.committee_code
            raise
        known = remembered_titles(self.key)
        ranges = [_whole_tab(known.get(t) or t) for t in wanted_tabs]
        feedback = self.config.google.feedback
        if feedback and known.get(VALIDATION_TAB, VALIDATION_TAB):
            # The write-back needs the Validation tab's gid and size, not its rows.
            ranges.append(_whole_tab(known.get(VALIDATION_TAB) or VALIDATION_TAB) + "!A1")
        if any(t in known and known[t] is None for t in wanted_tabs):
            ranges = []  # a tab was missing last time: the whole read lists the tabs present
        body = None
        if ranges:
            try:
                body = self._get(client, {"ranges": ranges})
            except _RangeRefused:
                log.info("Google Sheets %s : onglet renommé ou supprimé depuis la dernière lecture, "
                         "lecture du chiffrier entier.", self.key)
        partial = body is not None
        if body is None:
            body = self._get(client, {})
        read_at = dt.datetime.now().astimezone()
        layout = SpreadsheetLayout(title=str((body.get("properties") or {}).get("title", "")))
        grids: dict[str, list[dict]] = {}
        for sheet in body.get("sheets") or []:
            props = sheet.get("properties") or {}
            grid = props.get("gridProperties") or {}
            tab = Tab(int(props.get("sheetId", 0)), str(props.get("title", "")),
                      int(grid.get("rowCount", 0)), int(grid.get("columnCount", 0)))
            layout.tabs[tab.title] = tab
            grids[tab.title] = sheet.get("data") or []
        self.layout = layout
        # Only the tabs parsing needs carry rows (like local files); the others keep
        # their titles so that MISSING_TAB can list them.
        titles = list(layout.tabs)
        tabs: dict[str, list[Row]] = {title: [] for title in titles}
        found = {wanted: find_tab(titles, wanted) for wanted in [*wanted_tabs, VALIDATION_TAB]}
        read = [t for w, t in found.items() if t is not None and w != VALIDATION_TAB]
        if read and not any(grids[t] for t in read):
            # The answer carries no grid data at all: a server or proxy that ignores
            # the mask. Google always sends it; a second read covers the others.
            tabs.update(self._values(client, read))
        else:
            for title in read:
                tabs[title] = grid_rows(grids[title])
        remember_titles(self.key, {w: t for w, t in found.items() if t is not None or w != VALIDATION_TAB or feedback})
        log.debug("Google Sheets %s : %d onglets lus (%s).", self.key, len(titles),
                  "onglets connus seulement" if partial else "chiffrier entier")
        return RawWorkbook(tabs=tabs, read_at=read_at,
                           sheet_ids={t.title: t.gid for t in layout.tabs.values()})

    def _get(self, client, params: dict) -> dict:
        """One spreadsheets.get (gspread's own call, through our retries)."""
        from sync.google.client import access_problem
        from sync.google.http import status_of

        try:
            body = client.http.spreadsheets_get(self.key, params={
                **params, "includeGridData": "true", "fields": GRID_FIELDS, "prettyPrint": "false"})
        except ValueError as exc:  # 200 with a body that is not JSON (a proxy's page)
            raise SourceUnavailable(
                f"réponse illisible de {client.base_url} pour le chiffrier Google {self.committee_label} "
                f"(clé {self.key}) : {exc}", committee=self.committee_code, retryable=True) from None
        except GOOGLE_FAILURES as exc:
            if params.get("ranges") and status_of(exc) == 400 and "Unable to parse range" in str(
                    getattr(exc, "error", {}).get("message", "")):
                raise _RangeRefused() from None
            problem = access_problem(exc, account=client.account, committee=self.committee_label, key=self.key,
                                     base_url=client.base_url)
            problem.committee = self.committee_code
            raise problem from None
        if not isinstance(body, dict):
            raise SourceUnavailable(
                f"réponse inattendue de {client.base_url} pour le chiffrier Google {self.committee_label} "
                f"(clé {self.key})", committee=self.committee_code, retryable=True)
        return body

    def _values(self, client, titles: list[str]) -> dict[str, list[Row]]:
        """The tabs' values by values:batchGet, unformatted, dates as serial numbers."""
        from gspread.utils import absolute_range_name

        from sync.google.client import access_problem

        try:
            body = client.http.values_batch_get(
                self.key, [absolute_range_name(t) for t in titles],
                params={"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER"})
        except GOOGLE_FAILURES as exc:
            problem = access_problem(exc, account=client.account, committee=self.committee_label, key=self.key,
                                     base_url=client.base_url)
            problem.committee = self.committee_code
            raise problem from None
        ranges = (body.get("valueRanges") or []) if isinstance(body, dict) else []
        # The values API writes an interior blank as "": a blank cell, as in grid data.
        return {title: [[None if v == "" else v for v in row] for row in (answer.get("values") or [])]
                for title, answer in zip(titles, ranges, strict=False)}

    def cell_link(self, sheet_ids: dict[str, int], sheet: str, cell: str) -> str | None:
        from sync.google.client import spreadsheet_link
        from sync.parsing.headers import find_tab

        title = find_tab(list(sheet_ids), sheet) if sheet else None
        return spreadsheet_link(self.key, sheet_ids[title] if title is not None else None, cell)


class _RangeRefused(Exception):
    """Google refused the ranges asked for: a tab of the last run is gone."""


def _whole_tab(title: str) -> str:
    """A tab's title as an A1 range (quoted, ``'`` doubled)."""
    return "'" + title.replace("'", "''") + "'"


def remembered_titles(key: str) -> dict[str, str | None]:
    """The tabs found at the last read of spreadsheet ``key`` (this process, or the state folder)."""
    from sync.google.auth import state_file

    with _titles_lock:
        path = state_file(TITLES_FILE)
        if _titles_from[0] != path:  # first read, or another state folder
            _titles.clear()
            _titles.update(_load_titles(path))
            _titles_from[0] = path
        return dict(_titles.get(key, {}))


def remember_titles(key: str, titles: dict[str, str | None]) -> None:
    from sync.google.auth import state_file

    with _titles_lock:
        if _titles.get(key) == titles:
            return
        _titles[key] = dict(titles)
        path = state_file(TITLES_FILE)
        if path is None:
            return
        try:  # a cache: losing it costs one full read, never a wrong one
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(".tmp")
            temporary.write_text(json.dumps(_titles, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
            temporary.replace(path)
        except OSError as exc:
            log.debug("Titres d'onglets non gardés (%s) : %s", path, exc)


def _load_titles(path) -> dict[str, dict[str, str | None]]:
    if path is None or not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: {str(w): (str(t) if t is not None else None) for w, t in v.items()}
            for k, v in data.items() if isinstance(v, dict)}


def tab_added(key: str, wanted: str, title: str) -> None:
    """A tab the tool added (the Validation tab): asked for by title from the next read on."""
    remember_titles(key, {**remembered_titles(key), wanted: title})


def forget_titles() -> None:
    """Forget the tabs of the last reads (a new state folder, or tests starting afresh)."""
    with _titles_lock:
        _titles.clear()
        _titles_from[0] = False
