"""Closed fiscal years (docs/exploitation.md): the year reported to the ministry with a run.

The ``closures`` table (migration 5, sync/history/schema.py) keeps every closing and every
reopening, never edited nor removed: a year is closed when its latest row is a closing.
A closing names the run whose workbook was reported; a reopening names the run of the
closing it undoes and says why.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from sync.config import Config
from sync.errors import ClosureRefused
from sync.history.identity import alliance_identity
from sync.history.schema import SqlRow
from sync.history.store import History, RunSummary
from sync.report import ReportedYear
from sync.wording import moment

CLOSE = "close"
REOPEN = "reopen"


@dataclass(frozen=True)
class Closure:
    """One closing or reopening of a fiscal year."""

    id: int
    year: str
    action: str  # CLOSE or REOPEN
    run_id: int
    at: dt.datetime
    by: str
    reason: str = ""

    def describe(self) -> str:
        """« 2020-2021  clos le 2021-06-20 14:03 par marie : synchronisation n° 12 »"""
        if self.action == CLOSE:
            return f"{self.year}  clos le {moment(self.at)} par {self.by} : synchronisation n° {self.run_id}"
        return f"{self.year}  rouvert le {moment(self.at)} par {self.by} : « {self.reason} »"

    def as_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "action": self.action,
            "run": self.run_id,
            "at": self.at.isoformat(),
            "by": self.by,
            "reason": self.reason or None,
        }


_COLUMNS = "id, year, action, run_id, at, by_user, reason"


def _closure(row: SqlRow) -> Closure:
    return Closure(row[0], row[1], row[2], row[3], dt.datetime.fromisoformat(row[4]), row[5], row[6] or "")


def closures(history: History) -> list[Closure]:
    """Every closing and reopening, most recent first."""
    rows = history.conn.execute(f"SELECT {_COLUMNS} FROM closures ORDER BY id DESC").fetchall()
    return [_closure(row) for row in rows]


def closed_years(history: History, until: dt.datetime | None = None) -> dict[str, Closure]:
    """The years closed now (or at ``until``), each with its closing, in the order of the years."""
    latest: dict[str, Closure] = {}
    for closure in reversed(closures(history)):
        if until is not None and closure.at > until:
            continue
        latest[closure.year] = closure
    return {year: c for year, c in sorted(latest.items()) if c.action == CLOSE}


def reported_years(history: History, until: dt.datetime | None = None) -> list[ReportedYear]:
    """Each closed year with the figures its closing run recorded for it, by line of the envelope;
    ``until``: the years closed at that moment (a past run's workbook, rebuilt)."""
    years = []
    for label, closure in closed_years(history, until).items():
        run = history.run(closure.run_id)
        committed: dict[str, int] = {}
        paid: dict[str, int] = {}
        rows = history.conn.execute(
            "SELECT code, committed_by_year, paid_by_year FROM totals WHERE run_id = ? ORDER BY rowid",
            (closure.run_id,),
        )
        for code, committed_json, paid_json in rows.fetchall():
            committed[code] = int(json.loads(committed_json).get(label, 0))
            paid[code] = int(json.loads(paid_json).get(label, 0))
        years.append(ReportedYear(label, closure.at, closure.run_id, run.started_at, committed, paid))
    return years


@dataclass
class ClosureResult:
    """``alliance-sync close``: the closing or reopening just recorded, and the run it names."""

    closure: Closure
    run: RunSummary
    previous: Closure | None = None  # the closing a reopening undoes
    notes: list[str] = field(default_factory=list)

    def render_text(self) -> str:
        c, run = self.closure, self.run
        if c.action == CLOSE:
            workbook = f" (classeur {PurePath(run.output).name})" if run.output else ""
            return (
                f"Exercice {c.year} clos par {c.by} le {moment(c.at)} : déclaré au ministère avec la "
                f"synchronisation n° {run.id} du {moment(run.started_at)}{workbook}."
            )
        since = f" depuis le {moment(self.previous.at)}" if self.previous else ""
        return (
            f"Exercice {c.year} rouvert par {c.by} le {moment(c.at)} : « {c.reason} ». Il était clos{since} "
            f"(synchronisation n° {run.id})."
        )

    def as_dict(self) -> dict[str, Any]:
        return {**self.closure.as_dict(), "run_started_at": self.run.started_at.isoformat()}


def check_year(config: Config, year: str) -> None:
    labels = [y.label for y in config.fiscal_years]
    if year not in labels:
        raise ClosureRefused(
            f"l'exercice {year} n'est pas dans l'entente de l'alliance {config.name} "
            f"(exercices : {', '.join(labels)}) : rien n'a été enregistré."
        )


def nothing_reported() -> ClosureRefused:
    """No run of the alliance wrote a workbook: there is nothing a year could be closed with."""
    return ClosureRefused(
        "aucune synchronisation de cette alliance n'a écrit de classeur : rien n'a encore pu être déclaré "
        "au ministère. Lancez d'abord alliance-sync run ; rien n'a été enregistré."
    )


def _run_to_report(history: History, config: Config, run_id: int | None) -> RunSummary:
    """The run a year is closed with: the one given, or the last one that wrote a workbook."""
    identity = alliance_identity(config)
    if run_id is None:
        run = history.previous_done(with_output=True, identity=identity)
        if run is None:
            raise nothing_reported()
        return run
    run = history.run(run_id)
    if not run.has_data or not run.output:
        raise ClosureRefused(
            f"la synchronisation n° {run.id} du {moment(run.started_at)} n'a pas écrit de classeur "
            f"({run.status()}) : elle ne peut pas être celle déclarée au ministère. Rien n'a été enregistré."
        )
    if run.identity != identity:
        raise ClosureRefused(
            f"la synchronisation n° {run.id} n'est pas une synchronisation de {identity.describe()} : "
            "rien n'a été enregistré."
        )
    return run


def _insert(history: History, year: str, action: str, run_id: int, by: str, reason: str) -> Closure:
    at = dt.datetime.now().astimezone().replace(microsecond=0)
    cursor = history.conn.execute(
        "INSERT INTO closures (year, action, run_id, at, by_user, reason) VALUES (?, ?, ?, ?, ?, ?)",
        (year, action, run_id, at.isoformat(), by, reason),
    )
    assert cursor.lastrowid is not None  # set by the INSERT just made
    return Closure(cursor.lastrowid, year, action, run_id, at, by, reason)


def close_year(history: History, config: Config, year: str, *, by: str, run_id: int | None = None) -> ClosureResult:
    """Record that ``year`` was reported to the ministry with run ``run_id`` (default: the last
    run that wrote a workbook). Called under the state lock; a year already closed is refused."""
    check_year(config, year)
    current = closed_years(history).get(year)
    if current is not None:
        raise ClosureRefused(
            f"l'exercice {year} est déjà clos depuis le {moment(current.at)} (synchronisation n° {current.run_id}, "
            f"par {current.by}) : rien n'a été enregistré. Pour le clore avec une autre synchronisation, "
            f'rouvrez-le d\'abord : alliance-sync close --reopen {year} --reason "…".'
        )
    run = _run_to_report(history, config, run_id)
    return ClosureResult(_insert(history, year, CLOSE, run.id, by, ""), run)


def reopen_year(history: History, config: Config, year: str, *, by: str, reason: str) -> ClosureResult:
    """Reopen a closed year, with the reason, recorded and shown in ``history``."""
    check_year(config, year)
    current = closed_years(history).get(year)
    if current is None:
        raise ClosureRefused(f"l'exercice {year} n'est pas clos : rien à rouvrir, rien n'a été enregistré.")
    reason = " ".join(reason.split())
    if not reason:
        raise ClosureRefused(
            f"rouvrir l'exercice {year} demande une raison, enregistrée et montrée par alliance-sync history : "
            f'alliance-sync close --reopen {year} --reason "…". Rien n\'a été enregistré.'
        )
    run = history.run(current.run_id)
    return ClosureResult(_insert(history, year, REOPEN, current.run_id, by, reason), run, previous=current)


def render_closures(events: list[Closure]) -> list[str]:
    """The lines ``alliance-sync history`` adds under its runs."""
    if not events:
        return []
    return ["", "Clôtures des exercices (les plus récentes d'abord) :", *(f"  {c.describe()}" for c in events)]
