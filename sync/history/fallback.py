"""The last good copy: what stands in for a committee's unreadable spreadsheet.

:class:`LastGoodCopy` is the ``fallback`` of :func:`sync.pipeline.build_report`.
It hands back the raw rows of the committee's last successful read, so the copy
goes through exactly the same parsing and rules as a fresh read, and remembers
every source that could not be read (for the run's record, even when no copy
exists).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass

from sync.config import Committee, Config, SourceKind
from sync.errors import HistoryError, SourceUnavailable
from sync.history.identity import alliance_identity, describe_source, source_identity
from sync.history.snapshots import read_snapshot
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
            tabs = read_snapshot(self.history.conn, copy.tabs_blob)
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


def stored_sources(
    history: History, config: Config, run_id: int, at: dt.datetime
) -> dict[str, tuple[RawWorkbook, SourceInfo]]:
    """Every committee's raw rows as run ``run_id`` used them (read that night, or the last good
    copy that stood in), to rebuild its workbook without reading any source; ``at``: the run's
    start, for a read whose time was not kept. A committee whose
    rows were not kept, or are damaged, is a HistoryError that says so."""
    rows = {
        row[0]: row
        for row in history.conn.execute(
            "SELECT s.committee, s.kind, s.location, s.read_at, s.content_hash, p.tabs, s.sheet_ids, s.current, "
            "s.problem FROM sources s LEFT JOIN snapshots p ON p.key = s.snapshot WHERE s.run_id = ?",
            (run_id,),
        ).fetchall()
    }
    stored = {}
    for committee in config.committees:
        row = rows.get(committee.code)
        if row is None or not isinstance(row[5], bytes):
            raise HistoryError(
                f"les données du comité {committee.code} lues par la synchronisation n° {run_id} ne sont pas gardées "
                "dans l'historique : son classeur ne peut pas être reconstruit."
            )
        stored[committee.code] = _stored_copy(history, committee, run_id, row, at)
    return stored


def _stored_copy(
    history: History, committee: Committee, run_id: int, row: tuple[object, ...], at: dt.datetime
) -> tuple[RawWorkbook, SourceInfo]:
    _code, kind, location, read_at, content_hash, blob, sheet_ids, current, problem = row
    try:
        assert isinstance(blob, bytes)
        tabs = read_snapshot(history.conn, blob)
        when = dt.datetime.fromisoformat(read_at) if isinstance(read_at, str) else None
        ids = json.loads(sheet_ids) if isinstance(sheet_ids, str) else {}
    except Exception as error:  # a packed copy damaged inside a sound database
        raise HistoryError(
            f"les données du comité {committee.code} de la synchronisation n° {run_id} sont endommagées "
            f"({describe_damage(error)}) : son classeur ne peut pas être reconstruit."
        ) from None
    raw = RawWorkbook(tabs=tabs, read_at=when or at, sheet_ids=dict(ids))
    info = SourceInfo(
        committee.code,
        str(kind),
        str(location),
        when,
        str(content_hash or ""),
        current=bool(current),
        problem=str(problem or ""),
        sheet_ids=dict(ids),
        tabs=tabs,
    )
    return raw, info
