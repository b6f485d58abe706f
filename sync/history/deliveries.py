"""What was delivered, to whom, when (docs/exploitation.md), and what a run has to deliver.

The ``deliveries`` table (migration 2, sync/history/schema.py) keeps one row per
attempt: the Drive upload, each e-mail to a ministry recipient, each committee's
e-mail. A committee's row carries the fingerprint of the findings it was sent,
so the next delivery knows whether they changed. Nothing secret is stored: the
recipients, the subject, the workbook's digest, and the outcome in French.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sync.config import SourceKind
from sync.findings import Finding
from sync.history.schema import SqlRow
from sync.history.store import FINDING_COLUMNS, History, damaged, finding_of_row
from sync.history.store import file_digest as file_digest  # where the delivery takes it from
from sync.money import Cents


def output_digest(history: History, run_id: int) -> str | None:
    row = history.conn.execute("SELECT output_sha256 FROM runs WHERE id = ?", (run_id,)).fetchone()
    return row[0] if row else None


@dataclass(frozen=True)
class Delivered:
    id: int
    run_id: int
    at: dt.datetime
    channel: str
    committee: str
    recipients: tuple[str, ...]
    subject: str
    workbook_sha256: str | None
    fingerprint: str | None
    findings: int | None
    status: str
    detail: str


_COLUMNS = (
    "id, run_id, at, channel, committee, recipients, subject, workbook_sha256, fingerprint, findings, status, detail"
)


def _delivered(row: SqlRow) -> Delivered:
    return Delivered(
        row[0], row[1], dt.datetime.fromisoformat(row[2]), row[3], row[4], tuple(json.loads(row[5])), *row[6:]
    )


def record_delivery(
    history: History,
    run_id: int,
    *,
    channel: str,
    recipients: list[str] | tuple[str, ...],
    status: str,
    subject: str = "",
    committee: str = "",
    workbook_sha256: str | None = None,
    fingerprint: str | None = None,
    findings: int | None = None,
    detail: str = "",
) -> None:
    """One attempt, committed at once (a single INSERT in autocommit mode)."""
    history.conn.execute(
        "INSERT INTO deliveries (run_id, at, channel, committee, recipients, subject, workbook_sha256, fingerprint, "
        "findings, status, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            run_id,
            dt.datetime.now().astimezone().isoformat(),
            channel,
            committee,
            json.dumps(list(recipients), ensure_ascii=False),
            subject,
            workbook_sha256,
            fingerprint,
            findings,
            status,
            detail,
        ),
    )


def last_sent(
    history: History,
    *,
    channel: str,
    recipients: list[str] | tuple[str, ...],
    committee: str = "",
    run_id: int | None = None,
) -> Delivered | None:
    """The latest successful delivery on this channel to exactly these recipients
    (for one run when ``run_id`` is given)."""
    sql = (
        f"SELECT {_COLUMNS} FROM deliveries WHERE status = 'sent' AND channel = ? AND committee = ? AND recipients = ?"
    )
    params: list[object] = [channel, committee, json.dumps(list(recipients), ensure_ascii=False)]
    if run_id is not None:
        sql += " AND run_id = ?"
        params.append(run_id)
    row = history.conn.execute(sql + " ORDER BY id DESC LIMIT 1", params).fetchone()
    return _delivered(row) if row else None


# --------------------------------------------------------------------------
# What a run recorded, for its delivery


def run_findings(history: History, run_id: int) -> list[Finding]:
    rows = history.conn.execute(f"SELECT {FINDING_COLUMNS} FROM findings WHERE run_id = ? ORDER BY seq", (run_id,))
    try:
        return [finding_of_row(row) for row in rows]
    except ValueError:  # a code or a severity this tool does not know
        raise damaged(history.path, "constat de code ou de gravité inconnu") from None


@dataclass(frozen=True)
class LineFigures:
    code: str
    name: str
    allocation: Cents  # as History.record stored them
    committed: Cents
    paid: Cents


def run_totals(history: History, run_id: int) -> list[LineFigures]:
    rows = history.conn.execute(
        "SELECT code, name, allocation, committed, paid FROM totals WHERE run_id = ? ORDER BY rowid", (run_id,)
    )
    return [LineFigures(*row) for row in rows]


@dataclass(frozen=True)
class SourceRead:
    committee: str
    kind: SourceKind  # as History.record stored it
    location: str
    read_at: dt.datetime | None
    current: bool
    problem: str
    sheet_ids: dict[str, int]


def run_sources(history: History, run_id: int) -> dict[str, SourceRead]:
    rows = history.conn.execute(
        "SELECT committee, kind, location, read_at, current, problem, sheet_ids FROM sources WHERE run_id = ? "
        "ORDER BY rowid",
        (run_id,),
    )
    return {
        row[0]: SourceRead(
            row[0],
            row[1],
            row[2],
            dt.datetime.fromisoformat(row[3]) if row[3] else None,
            bool(row[4]),
            row[5] or "",
            json.loads(row[6] or "{}"),
        )
        for row in rows
    }


def deliveries(history: History, limit: int | None = None, run_id: int | None = None) -> list[Delivered]:
    """Every delivery attempt, most recent first (of one run when ``run_id`` is given)."""
    sql = f"SELECT {_COLUMNS} FROM deliveries"
    params: list[object] = []
    if run_id is not None:
        sql += " WHERE run_id = ?"
        params.append(run_id)
    sql += " ORDER BY id DESC"
    if limit:
        sql += " LIMIT ?"
        params.append(limit)
    return [_delivered(row) for row in history.conn.execute(sql, params)]


def delivered_as_dict(item: Delivered) -> dict[str, Any]:
    return {
        "id": item.id,
        "run": item.run_id,
        "at": item.at.isoformat(),
        "channel": item.channel,
        "committee": item.committee or None,
        "recipients": list(item.recipients),
        "subject": item.subject,
        "workbook_sha256": item.workbook_sha256,
        "findings": item.findings,
        "status": item.status,
        "detail": item.detail,
    }
