"""One sync's result, from which every output is rendered (console text, JSON,
the ministry workbook, the committees' Validation tab, e-mails, the history).

It sits below the stages that produce it (sync/pipeline.py) and above those that
render it, so that outputs and the history can type their ``report`` parameters
without importing the pipeline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sync.config import Committee, Config
from sync.consolidate import LineTotals, Totals
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


@dataclass(frozen=True)
class ReportedYear:
    """A closed fiscal year (docs/exploitation.md): when it was closed, the run it was reported
    with, and the figures of that run for the year, by line of the envelope (cents)."""

    year: str
    closed_at: dt.datetime
    run: int
    run_at: dt.datetime
    committed: dict[str, int]
    paid: dict[str, int]


@dataclass(frozen=True)
class EvolutionPoint:
    """The figures at the end of a month (the last run of that month that has data), or
    tonight's (``run`` None): engagé and versé by line of the envelope, in cents."""

    day: dt.date
    run: int | None
    committed: dict[str, int]
    paid: dict[str, int]


@dataclass
class Report(FindingsView):
    """Everything one sync found; every output is rendered from it. ``reported_years``: the
    closed fiscal years, set by the run from the history (none for ``validate``)."""

    config: Config
    generated_at: dt.datetime
    workbooks: dict[str, ParsedWorkbook]
    sources: dict[str, SourceInfo]
    findings: list[Finding]
    totals: Totals
    reported_years: list[ReportedYear] = field(default_factory=list)
    # The Évolution sheet's points, oldest first, tonight's last; empty: tonight's alone.
    evolution: list[EvolutionPoint] = field(default_factory=list)

    @property
    def conforming(self) -> bool:
        return not self.errors

    @property
    def when(self) -> dt.datetime:
        return self.generated_at

    @property
    def figures(self) -> list[LineTotals]:
        return self.totals.lines

    def link(self, f: Finding) -> str | None:
        info = self.sources.get(f.committee)
        return info.link(f.sheet, f.cell) if info else None


# One sync's result as the outputs that speak of a whole sync read it: the delivery's
# e-mails, and whatever renders a run again later. A live ``Report`` and a run reloaded
# from the history (``RunContent``, sync/delivery/content.py) both satisfy it, so a
# message is written the same way tonight and when ``deliver 12`` sends it next week.


class LineFacts(Protocol):
    """One envelope line's figures, in cents (``LineTotals`` live, ``LineFigures`` reloaded)."""

    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def allocation(self) -> int: ...
    @property
    def committed(self) -> int: ...
    @property
    def paid(self) -> int: ...


class SourceFacts(Protocol):
    """What was read for one committee (``SourceInfo`` live, ``SourceRead`` reloaded)."""

    @property
    def committee(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def location(self) -> str: ...
    @property
    def read_at(self) -> dt.datetime | None: ...
    @property
    def current(self) -> bool: ...
    @property
    def problem(self) -> str: ...


class SyncReadModel(Protocol):
    """What a live sync and a recorded one both answer."""

    @property
    def config(self) -> Config: ...
    @property
    def findings(self) -> list[Finding]: ...
    @property
    def errors(self) -> list[Finding]: ...
    @property
    def warnings(self) -> list[Finding]: ...
    @property
    def when(self) -> dt.datetime: ...
    @property
    def figures(self) -> Sequence[LineFacts]: ...
    @property
    def sources(self) -> Mapping[str, SourceFacts]: ...
    def findings_of(self, committee: str) -> list[Finding]: ...
    def link(self, f: Finding) -> str | None: ...


# A fallback returns the last good raw workbook of a committee, with its source
# information; or, when there is none it may use, None or why, in French (« copie
# antérieure illisible … ») (sync/history provides it).
Fallback = Callable[[Committee, SourceUnavailable], tuple[RawWorkbook, SourceInfo] | str | None]
