"""A closed fiscal year stays as reported (docs/exploitation.md): tonight's records compared
with those of the run each closed year was reported with.

What belongs to a year: each project's planned FQIS for that year, each payment dated in it
(date, amount, project), and a project's status when it changes that year's committed total
(a project with FQIS planned that year going in or out of the committed statuses). Every
difference is a ``CLOSED_YEAR_CHANGED`` error at the committee's cell; changes to open years
are not looked at. Payments are matched by project, date and amount: one moved across the
year's boundary is found on both sides, and said at its cell with its old and new date.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sync.config import Config, FiscalYear
from sync.errors import HistoryError
from sync.findings import Code, Finding, finding
from sync.history.closures import Closure, closed_years
from sync.history.codec import StoredRecord
from sync.history.identity import AllianceIdentity
from sync.history.spans import MEMBER, PAYMENT_KIND, PROJECT_KIND
from sync.history.store import History, RunRecords, damaged, describe_damage
from sync.parsing.identifiers import project_key
from sync.parsing.records import Payment, Project
from sync.report import Report
from sync.vocabulary.statuses import COMMITTED_STATUSES
from sync.vocabulary.template import PAYMENTS_TAB, PROJECTS_TAB

# (committee, project key): a project wherever its No projet is typed a little differently.
Key = tuple[str, str]
_T = TypeVar("_T")


@dataclass(frozen=True)
class _Reported:
    """A payment as the closing run recorded it."""

    key: Key
    date: dt.date | None
    amount: int | None


@dataclass(frozen=True)
class _Closing:
    """A closed year, its closing run and when that run started."""

    year: FiscalYear
    run: int
    run_at: dt.datetime


def closed_year_findings(history: History, report: Report) -> list[Finding]:
    """Tonight's differences from what each closed year reported (none when no year is closed)."""
    config = report.config
    years = {y.label: y for y in config.fiscal_years}
    found: list[Finding] = []
    for label, closure in closed_years(history).items():
        if label not in years:
            continue  # a year no longer in the agreement: nothing of tonight belongs to it
        closing = _closing(history, closure, years[label])
        found.extend(_year_findings(config, report, closing, _reported(history, closure.run_id, label)))
    return found


def closed_year_findings_read_only(state_dir: Path, report: Report, identity: AllianceIdentity) -> list[Finding]:
    """``alliance-sync validate``: tonight's differences from the closed years, the history of
    ``state_dir`` read only (nothing created, migrated nor written); none without a history.
    A history that cannot be read, or of another alliance, is a HistoryError that says so."""
    history = History.open_read_only(state_dir)
    if history is None:
        return []
    with history:
        try:
            history.check_alliance(identity)
            return closed_year_findings(history, report)
        except HistoryError:
            raise
        except (sqlite3.Error, ValueError, TypeError, KeyError) as exc:
            raise damaged(history.path, describe_damage(exc)) from None


def _reported(history: History, run_id: int, label: str) -> RunRecords:
    """The closing run's records, only the fields a closed year is compared on, taken out of
    their stored JSON by SQLite (decoding every record in Python took most of the time:
    benchmarks/RESULTS.md)."""
    records = RunRecords(history.run(run_id).fund)
    fields = {
        PROJECT_KIND: ("project_id", "status", f"year:{label}"),
        PAYMENT_KIND: ("project_id", "date", "amount"),
    }
    for kind, target in ((PROJECT_KIND, records.projects), (PAYMENT_KIND, records.payments)):
        names = fields[kind]
        paths = ", ".join("json_extract(d.data, ?)" for _ in names)
        rows = history.conn.execute(
            f"SELECT s.committee, s.row, s.project_id, s.counted, {paths} FROM record_spans s "
            f"JOIN record_data d ON d.id = s.record WHERE s.kind = ? AND {MEMBER} ORDER BY s.committee, s.position",
            (*(f'$.values."{name}"' for name in names), kind, run_id, run_id),
        )
        for committee, row, project_id, counted, *values in rows:
            target.append(
                StoredRecord(
                    str(committee), int(row), str(project_id), bool(counted), dict(zip(names, values, strict=True))
                )
            )
    return records


def _closing(history: History, closure: Closure, year: FiscalYear) -> _Closing:
    return _Closing(year, closure.run_id, history.run(closure.run_id).started_at)


def _year_findings(config: Config, report: Report, closing: _Closing, reported: RunRecords) -> Iterator[Finding]:
    projects = [p for parsed in report.workbooks.values() for p in parsed.projects]
    payments = [p for parsed in report.workbooks.values() for p in parsed.payments]
    yield from _project_findings(config, closing, reported, projects)
    yield from _payment_findings(config, closing, reported, payments, projects)


# -- projects: planned FQIS of the year, status when it changes the year's committed total ----------


def _key(committee: str, project_id: object) -> Key:
    return (committee, project_key(project_id) if isinstance(project_id, str) else "")


def _amount(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _project_findings(
    config: Config, closing: _Closing, reported: RunRecords, projects: list[Project]
) -> Iterator[Finding]:
    field = f"year:{closing.year.label}"
    before: dict[Key, dict[str, object]] = {}
    for record in reported.projects:
        before.setdefault(_key(record.committee, record.project_id), record.values)
    seen: set[Key] = set()
    for project in projects:
        key = _key(project.committee, project.project_id)
        if key in seen:
            continue  # a duplicate No projet is its own finding; the first one is compared
        seen.add(key)
        yield from _project_changes(config, closing, project, before.get(key), field)
    for key, values in before.items():
        planned = _amount(values.get(field))
        if key not in seen and planned:
            yield _changed(
                config,
                closing,
                key[0],
                PROJECTS_TAB,
                "",
                None,
                str(values.get("project_id") or ""),
                "fqis",
                field,
                reported_amount=planned,
                now_amount=0,
            )


def _project_changes(
    config: Config, closing: _Closing, project: Project, values: dict[str, object] | None, field: str
) -> Iterator[Finding]:
    label = closing.year.label
    planned_before = _amount(values.get(field)) if values is not None else 0
    planned_now = project.fqis_by_year.get(label) or 0
    where = (project.committee, project.sheet, project.row, project.project_id)
    if planned_before != planned_now:
        cell = project.cells.get(field) or project.cells.get("project_id", "")
        yield _changed(
            config,
            closing,
            where[0],
            where[1],
            cell,
            where[2],
            where[3],
            "fqis",
            field,
            reported_amount=planned_before,
            now_amount=planned_now,
        )
    status_before = str(values.get("status") or "") if values is not None else None
    committed_before = status_before in COMMITTED_STATUSES
    if (
        values is not None
        and committed_before != (project.status in COMMITTED_STATUSES)
        and (planned_before or planned_now)
    ):
        yield _changed(
            config,
            closing,
            where[0],
            where[1],
            project.cells.get("status", ""),
            where[2],
            where[3],
            "status",
            "status",
            reported_status=status_before,
            now_status=project.status or None,
            now_amount=planned_now or planned_before,
        )


# -- payments: each one dated in the year, by project, date and amount --------------------------------


def _payment_findings(
    config: Config, closing: _Closing, reported: RunRecords, payments: list[Payment], projects: list[Project]
) -> Iterator[Finding]:
    year = closing.year
    before = [_stored_payment(r.committee, r.values) for r in reported.payments]
    before_in = Counter(p for p in before if p.date is not None and year.contains(p.date))
    now_in: list[Payment] = []
    for payment in payments:
        if payment.date is None or not year.contains(payment.date):
            continue
        same = _Reported(_key(payment.committee, payment.project_id), payment.date, payment.amount)
        if before_in[same]:
            before_in[same] -= 1  # reported as it is now
        else:
            now_in.append(payment)
    gone = list(before_in.elements())
    yield from _new_in_year(config, closing, now_in, gone, before)
    yield from _gone_from_year(config, closing, gone, payments, projects)


def _stored_payment(committee: str, values: dict[str, object]) -> _Reported:
    date = values.get("date")
    return _Reported(
        _key(committee, values.get("project_id")),
        dt.date.fromisoformat(date) if isinstance(date, str) else None,
        _amount(values.get("amount")) if values.get("amount") is not None else None,
    )


def _new_in_year(
    config: Config, closing: _Closing, now_in: list[Payment], gone: list[_Reported], before: list[_Reported]
) -> Iterator[Finding]:
    """Payments of the year not reported as they are: changed (paired with a payment of the same
    project gone from the year), moved in (the same amount reported at another date), added."""
    for payment in now_in:
        key = _key(payment.committee, payment.project_id)
        was = _take(gone, _reported_key, key)
        if was is None:
            was = _first(before, _reported_amount, (key, payment.amount))
        cell = payment.cells.get("amount" if was is not None and was.date == payment.date else "date", "")
        yield _changed(
            config,
            closing,
            payment.committee,
            payment.sheet,
            cell,
            payment.row,
            payment.project_id,
            "payment",
            "date",
            reported_date=was.date if was else None,
            reported_amount=was.amount if was else None,
            now_date=payment.date,
            now_amount=payment.amount,
        )


def _gone_from_year(
    config: Config, closing: _Closing, gone: list[_Reported], payments: list[Payment], projects: list[Project]
) -> Iterator[Finding]:
    """Reported payments of the year no longer there: moved out (said at the payment now dated
    elsewhere) or removed (said at the project's No projet, or on the Versements tab)."""
    year = closing.year
    outside = [p for p in payments if p.date is None or not year.contains(p.date)]
    for was in gone:
        moved = _take(outside, _payment_amount, (was.key, was.amount))
        if moved is not None:
            yield _changed(
                config,
                closing,
                moved.committee,
                moved.sheet,
                moved.cells.get("date", ""),
                moved.row,
                moved.project_id,
                "payment",
                "date",
                reported_date=was.date,
                reported_amount=was.amount,
                now_date=moved.date,
                now_amount=moved.amount,
            )
            continue
        project = _first(projects, _project, was.key)
        sheet, cell, row, shown = (
            (project.sheet, project.cells.get("project_id", ""), project.row, project.project_id)
            if project is not None
            else (PAYMENTS_TAB, "", None, was.key[1])
        )
        yield _changed(
            config,
            closing,
            was.key[0],
            sheet,
            cell,
            row,
            shown,
            "payment",
            "date",
            reported_date=was.date,
            reported_amount=was.amount,
            now_date=None,
            now_amount=None,
        )


def _take(items: list[_T], key_of: Callable[[_T], object], wanted: object) -> _T | None:
    """The first item whose key is ``wanted``, taken out of ``items``."""
    for index, item in enumerate(items):
        if key_of(item) == wanted:
            return items.pop(index)
    return None


def _first(items: Iterable[_T], key_of: Callable[[_T], object], wanted: object) -> _T | None:
    return next((item for item in items if key_of(item) == wanted), None)


def _reported_key(payment: _Reported) -> Key:
    return payment.key


def _reported_amount(payment: _Reported) -> tuple[Key, int | None]:
    return (payment.key, payment.amount)


def _payment_amount(payment: Payment) -> tuple[Key, int | None]:
    return (_key(payment.committee, payment.project_id), payment.amount)


def _project(project: Project) -> Key:
    return _key(project.committee, project.project_id)


def _changed(
    config: Config,
    closing: _Closing,
    committee: str,
    sheet: str,
    cell: str,
    row: int | None,
    project_id: str,
    subject: str,
    field: str,
    **values: object,
) -> Finding:
    typed: dict[str, object] = {
        "reported_amount": None,
        "now_amount": None,
        "reported_date": None,
        "now_date": None,
        "reported_status": None,
        "now_status": None,
        **values,
    }
    return finding(
        Code.CLOSED_YEAR_CHANGED,
        committee=committee,
        sheet=sheet,
        cell=cell,
        row=row,
        project_id=project_id,
        field=field,
        year=closing.year.label,
        subject=subject,
        fund=config.fund,
        run=closing.run,
        run_at=closing.run_at,
        **typed,
    )
