"""The last good copy: what stands in for a committee's unreadable spreadsheet.

:class:`LastGoodCopy` is the ``fallback`` of :func:`sync.pipeline.build_report`.
It hands back the raw rows of the committee's last successful read, so the copy
goes through exactly the same parsing and rules as a fresh read, and remembers
every source that could not be read (for the run's record, even when no copy
exists).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sync.config import Committee, Config, SourceKind
from sync.errors import HistoryError, SourceUnavailable
from sync.history.codec import unpack_tabs
from sync.history.identity import alliance_identity, describe_source, source_identity
from sync.history.store import History, describe_damage
from sync.report import SourceInfo
from sync.sources import GoogleSheets, RawWorkbook, Source, open_source
from sync.wording import moment

log = logging.getLogger("sync")


@dataclass(frozen=True)
class Unreadable:
    kind: SourceKind
    location: str
    problem: str
    since: dt.datetime


class LastGoodCopy:
    """Only a copy of the same source, read by an earlier run of the same alliance
    (docs/exploitation.md, « Une alliance, un historique »)."""

    def __init__(self, history: History, config: Config, now: dt.datetime, google: GoogleSheets | None = None):
        self.history = history
        self.config = config
        self.now = now
        self.google = google  # the command's Google spreadsheets: a copy's links to the live one
        self.identity = alliance_identity(config)
        self.unreadable: dict[str, Unreadable] = {}

    def __call__(self, committee: Committee, exc: SourceUnavailable) -> tuple[RawWorkbook, SourceInfo] | str | None:
        assert committee.source is not None
        source = source_identity(committee.source.kind, committee.source.location)
        try:
            since = self.history.unreadable_since(committee.code, source) or self.now
        except HistoryError as error:
            log.error("Comité %s : %s", committee.code, error.message)
            since = self.now
        self.unreadable[committee.code] = Unreadable(
            committee.source.kind, committee.source.location, exc.message, since
        )
        copy = None
        try:
            copy = self.history.last_good_copy(committee.code, source, self.identity)
            if copy is None:
                return self._none_of_this_source(committee, source)
            if copy.damage is not None or copy.tabs_blob is None:
                raise ValueError(copy.damage)
            tabs = unpack_tabs(copy.tabs_blob)
        except HistoryError as error:
            return f"copie antérieure illisible ({error.message.rstrip('.')})"
        except Exception as error:  # a packed copy damaged inside a sound database
            damage = copy.damage if copy is not None and copy.damage else describe_damage(error)
            return f"copie antérieure illisible (synchronisation n° {copy.run_id if copy else '?'} : {damage})"
        read_at = copy.read_at or self.now
        raw = RawWorkbook(tabs=tabs, read_at=read_at, sheet_ids=dict(copy.sheet_ids))
        log.debug(
            "Comité %s : copie de la synchronisation n° %d (%s, lue le %s).",
            committee.code,
            copy.run_id,
            copy.location,
            moment(read_at),
        )
        info = SourceInfo(
            committee.code,
            copy.kind,
            copy.location,
            read_at,
            copy.content_hash or "",
            current=False,
            problem=exc.message,
            sheet_ids=dict(copy.sheet_ids),
            source=self._source_for_links(committee),
            tabs=tabs,
            unavailable_since=since,
        )
        return raw, info

    def _none_of_this_source(self, committee: Committee, source: str) -> str | None:
        """None, or why the copy of another source is not used."""
        other = self.history.copy_of_another_source(committee.code, source, self.identity)
        if other is None:
            return None
        return (
            f"la dernière copie valide venait d'une autre source ({describe_source(other)}) : elle n'est pas "
            "utilisée pour celle-ci"
        )

    def _source_for_links(self, committee: Committee) -> Source | None:
        """The configured source, only to link cells of the Validation sheet to the
        live spreadsheet; None when even that cannot be built."""
        try:
            assert committee.source is not None
            return open_source(committee.source, self.config, committee.code, self.google)
        except Exception:  # links are a convenience; the run must go on
            return None
