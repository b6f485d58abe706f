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

from sync.config import Committee, Config
from sync.errors import HistoryError, SourceUnavailable
from sync.history.codec import unpack_tabs
from sync.history.store import History
from sync.report import SourceInfo
from sync.sources import RawWorkbook, open_source
from sync.wording import moment

log = logging.getLogger("sync")


@dataclass(frozen=True)
class Unreadable:
    kind: str
    location: str
    problem: str
    since: dt.datetime


class LastGoodCopy:
    def __init__(self, history: History, config: Config, now: dt.datetime):
        self.history = history
        self.config = config
        self.now = now
        self.unreadable: dict[str, Unreadable] = {}

    def __call__(self, committee: Committee, exc: SourceUnavailable) -> tuple[RawWorkbook, SourceInfo] | None:
        assert committee.source is not None
        try:
            since = self.history.unreadable_since(committee.code) or self.now
        except HistoryError as error:
            log.error("Comité %s : %s", committee.code, error.message)
            since = self.now
        self.unreadable[committee.code] = Unreadable(committee.source.kind, committee.source.location,
                                                     exc.message, since)
        try:
            copy = self.history.last_good_copy(committee.code)
            tabs = unpack_tabs(copy.tabs_blob) if copy is not None else {}
        except HistoryError as error:  # a damaged history: as if it held no copy
            log.error("Comité %s : dernière copie valide illisible : %s", committee.code, error.message)
            return None
        except Exception as error:  # a packed copy damaged inside a sound database
            log.error("Comité %s : dernière copie valide illisible (%s : %s).", committee.code,
                      type(error).__name__, error)
            return None
        if copy is None:
            return None
        read_at = copy.read_at or self.now
        raw = RawWorkbook(tabs=tabs, read_at=read_at, sheet_ids=dict(copy.sheet_ids))
        log.debug("Comité %s : copie de la synchronisation n° %d (%s, lue le %s).", committee.code,
                  copy.run_id, copy.location, moment(read_at))
        info = SourceInfo(committee.code, copy.kind, copy.location, read_at, copy.content_hash or "",
                          current=False, problem=exc.message, sheet_ids=dict(copy.sheet_ids),
                          source=self._source_for_links(committee), tabs=tabs, unavailable_since=since)
        return raw, info

    def _source_for_links(self, committee: Committee):
        """The configured source, only to link cells of the Validation sheet to the
        live spreadsheet; None when even that cannot be built."""
        try:
            assert committee.source is not None
            return open_source(committee.source, self.config, committee.code)
        except Exception:  # links are a convenience; the run must go on
            return None
