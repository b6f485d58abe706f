"""Sources: where a committee's spreadsheet is read from.

A source yields the rows of cell values of each tab, and nothing more. Values are
plain Python values — ``None``, ``str``, ``int``, ``float``, ``bool``,
``datetime`` — exactly as the spreadsheet holds them (numbers unformatted, dates
as serial numbers or datetimes). Parsing (sync/parsing) never learns whether the
rows came from a file or from Google.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from sync.config import Config, SourceSpec

Row = list[object]


@dataclass
class RawWorkbook:
    """What a source read: each tab's rows, top to bottom, row 1 first."""

    tabs: dict[str, list[Row]]
    read_at: dt.datetime
    # Sheet ids (Google's gid) by tab title, for links to a cell; empty for files.
    sheet_ids: dict[str, int] = field(default_factory=dict)
    _encoded: bytes | None = field(default=None, init=False, repr=False, compare=False)

    def encoded(self) -> bytes:
        """The tabs as typed JSON (:func:`encode_tabs`), encoded once: the content
        hash and the history's copy of the rows (sync/history/codec.py) share it."""
        if self._encoded is None:
            self._encoded = encode_tabs(self.tabs)
        return self._encoded

    def content_hash(self) -> str:
        """A hash of the values read, stable across reads of the same content; a
        date and the same-looking text are different content."""
        return hashlib.sha256(self.encoded()).hexdigest()


def _tagged(value: object) -> object:
    # datetime before date: a datetime is a date.
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, dt.time):
        return {"$time": value.isoformat()}
    if isinstance(value, dt.timedelta):
        return {"$timedelta": value.total_seconds()}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    raise TypeError(f"valeur de cellule non prévue : {type(value).__name__}")


def encode_tabs(tabs: dict[str, list[Row]]) -> bytes:
    """Tabs of raw rows → UTF-8 JSON that keeps every cell value's Python type
    (dates and the like are tagged: ``{"$date": "2020-04-01"}``).

    Tabs are [title, rows] pairs, so a tab title is never taken for a tag. Floats
    round-trip exactly (JSON writes their shortest repr). sync/history/codec.py
    reads it back.
    """
    pairs = [[title, rows] for title, rows in tabs.items()]
    text = json.dumps({"tabs": pairs}, default=_tagged, ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8", "surrogatepass")


class Source(Protocol):
    spec: SourceSpec

    def read(self, wanted_tabs: list[str]) -> RawWorkbook:
        """Read the spreadsheet. Tabs in ``wanted_tabs`` are the ones parsing needs;
        a source may return more. Raises :class:`sync.errors.SourceUnavailable`."""

    def cell_link(self, sheet_ids: dict[str, int], sheet: str, cell: str) -> str | None:
        """A link that opens the spreadsheet at that cell, or None; ``sheet_ids`` are
        the tab ids the read returned (RawWorkbook.sheet_ids)."""


def open_source(spec: SourceSpec, config: Config, committee_code: str = "") -> Source:
    """The source object for a configured spec."""
    if spec.kind == "xlsx":
        from sync.sources.xlsx import XlsxSource

        return XlsxSource(spec, committee_code=committee_code)
    if spec.kind == "google":
        from sync.sources.google import GoogleSource

        return GoogleSource(spec, config, committee_code=committee_code)
    raise ValueError(spec.kind)  # config.py admits no other kind
