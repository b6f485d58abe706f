"""One sync's result, from which every output is rendered (console text, JSON,
the ministry workbook, the committees' Validation tab, e-mails, the history).

It sits below the stages that produce it (sync/pipeline.py) and above those that
render it, so that outputs and the history can type their ``report`` parameters
without importing the pipeline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sync.config import Committee, Config
from sync.consolidate import Totals
from sync.errors import SourceUnavailable
from sync.findings import Finding, FindingsView
from sync.parsing.records import ParsedWorkbook
from sync.sources import RawWorkbook, Source


@dataclass
class SourceInfo:
    """What was read for one committee, and whether it is current."""

    committee: str
    kind: str  # "xlsx" or "google"
    location: str
    read_at: dt.datetime | None
    content_hash: str = ""
    current: bool = True  # False: a last good copy stood in for an unreadable source
    problem: str = ""  # why the source could not be read, when it could not
    sheet_ids: dict[str, int] = field(default_factory=dict)
    source: Source | None = None
    # The raw rows used, kept for the history's last good copy (sync/history).
    tabs: dict[str, list[list[object]]] | None = field(default=None, repr=False)
    # Those rows as typed JSON, made once for the content hash and reused by the history.
    encoded: bytes | None = field(default=None, repr=False)
    # For a last good copy: start of the first run that could not read the source.
    unavailable_since: dt.datetime | None = None

    def link(self, sheet: str, cell: str = "") -> str | None:
        if self.source is None:
            return None
        return self.source.cell_link(self.sheet_ids, sheet, cell)


@dataclass
class Report(FindingsView):
    """Everything one sync found; every output is rendered from it."""

    config: Config
    generated_at: dt.datetime
    workbooks: dict[str, ParsedWorkbook]
    sources: dict[str, SourceInfo]
    findings: list[Finding]
    totals: Totals

    @property
    def conforming(self) -> bool:
        return not self.errors

    def link(self, f: Finding) -> str | None:
        info = self.sources.get(f.committee)
        return info.link(f.sheet, f.cell) if info else None


# A fallback returns the last good raw workbook of a committee, with its source
# information; or, when there is none it may use, None or why, in French (« copie
# antérieure illisible … ») (sync/history provides it).
Fallback = Callable[[Committee, SourceUnavailable], tuple[RawWorkbook, SourceInfo] | str | None]
