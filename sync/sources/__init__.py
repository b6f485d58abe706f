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

    def content_hash(self) -> str:
        """A hash of the values read, stable across reads of the same content."""
        digest = hashlib.sha256()
        for title in sorted(self.tabs):
            digest.update(title.encode())
            for row in self.tabs[title]:
                digest.update(json.dumps(row, default=str, ensure_ascii=False).encode())
                digest.update(b"\n")
        return digest.hexdigest()


class Source(Protocol):
    spec: SourceSpec

    def read(self, wanted_tabs: list[str]) -> RawWorkbook:
        """Read the spreadsheet. Tabs in ``wanted_tabs`` are the ones parsing needs;
        a source may return more. Raises :class:`sync.errors.SourceUnavailable`."""

    def cell_link(self, raw: RawWorkbook | None, sheet: str, cell: str) -> str | None:
        """A link that opens the spreadsheet at that cell, or None."""


def open_source(spec: SourceSpec, config: Config, committee_code: str = "") -> Source:
    """The source object for a configured spec."""
    if spec.kind == "xlsx":
        from sync.sources.xlsx import XlsxSource

        return XlsxSource(spec, committee_code=committee_code)
    if spec.kind == "google":
        from sync.sources.google import GoogleSource

        return GoogleSource(spec, config, committee_code=committee_code)
    raise ValueError(spec.kind)  # config.py admits no other kind
