"""The normalised records and the findings of every run, stored once (docs/exploitation.md,
« Taille de l'historique »).

Each record's JSON is kept once, by its content digest (``record_data``, keyed by
:func:`~sync.history.codec.record_digest`), and each run's records are *spans*
(``record_spans``): a record at its place (kind, committee, position among that committee's
records of that kind, row, No projet, counted) read by every run from ``first_run`` to
``last_run`` (NULL: still read by the latest run). A night that reads what the night before
read writes no record; a night with k changed records writes k spans (and the JSON of those
never stored), and closes the spans of the records gone. A row inserted in a spreadsheet moves
the rows under it: their spans are renewed (a few dozen bytes each), never their JSON. The
findings are kept the same way (``finding_data``, ``finding_spans``), by their place in the run.

The spans are a chain over the runs that recorded records (state ``done``): a run is a member
of a span when ``first_run <= run <= last_run``. Only the latest recorded run is ever removed
(a run whose workbook could not be put in place): its spans are deleted, and those it closed
opened again.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from sync.history.codec import StoredRecord, record_digest

PROJECT_KIND = "project"
PAYMENT_KIND = "payment"

# A run is a member of a span: its bounds, with the run's number given twice.
MEMBER = "s.first_run <= ? AND (s.last_run IS NULL OR s.last_run >= ?)"

# (kind, committee, position, row, project_id, counted, digest): a record at its place.
_Place = tuple[str, str, int, int, str, int, bytes]


@dataclass
class _Open:
    """A span read by the latest recorded run, and whether its stored JSON is sound."""

    rowid: int
    record: int
    sound: bool


def places(kind: str, records: Iterable[StoredRecord]) -> Iterator[tuple[_Place, StoredRecord]]:
    """Each record with its place: its position counted among its committee's records."""
    positions: dict[str, int] = {}
    for record in records:
        position = positions.get(record.committee, 0)
        positions[record.committee] = position + 1
        yield (
            (kind, record.committee, position, record.row, record.project_id, int(record.counted), record.digest),
            record,
        )


def previous_recorded(conn: sqlite3.Connection, run_id: int) -> int | None:
    """The latest run before ``run_id`` that recorded its records."""
    row = conn.execute("SELECT MAX(id) FROM runs WHERE state = 'done' AND id < ?", (run_id,)).fetchone()
    return row[0] if row is not None and isinstance(row[0], int) else None


def _open_spans(conn: sqlite3.Connection) -> dict[_Place, _Open]:
    """The spans the latest recorded run reads; a span whose JSON no longer has its digest
    (damaged by hand) is not sound: tonight's record is stored again, apart from it."""
    spans: dict[_Place, _Open] = {}
    rows = conn.execute(
        "SELECT s.rowid, s.kind, s.committee, s.position, s.row, s.project_id, s.counted, s.record, d.digest, d.data "
        "FROM record_spans s LEFT JOIN record_data d ON d.id = s.record WHERE s.last_run IS NULL"
    )
    for rowid, kind, committee, position, row, project_id, counted, record, digest, data in rows:
        sound = isinstance(data, str) and isinstance(digest, bytes) and record_digest(data) == digest
        place = (kind, committee, position, row, project_id, counted, digest if isinstance(digest, bytes) else b"")
        spans[place] = _Open(rowid, record, sound)
    return spans


def record_spans(
    conn: sqlite3.Connection, run_id: int, projects: list[StoredRecord], payments: list[StoredRecord]
) -> None:
    """Record run ``run_id``'s records (inside the caller's transaction): the spans still read
    are left as they are, the new ones inserted, those no longer read closed at the run before."""
    opened = _open_spans(conn)
    kept: set[int] = set()
    for kind, records in ((PROJECT_KIND, projects), (PAYMENT_KIND, payments)):
        for place, record in places(kind, records):
            span = opened.get(place)
            if span is not None and span.sound and span.rowid not in kept:
                kept.add(span.rowid)
                continue
            conn.execute(
                "INSERT INTO record_spans (kind, committee, position, row, project_id, counted, record, first_run) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (*place[:6], _stored_json(conn, record, span), run_id),
            )
    _close(conn, "record_spans", run_id, [span.rowid for span in opened.values() if span.rowid not in kept])


def _stored_json(conn: sqlite3.Connection, record: StoredRecord, span: _Open | None) -> int:
    """The id of the record's JSON among ``record_data``, stored when it is not there. A damaged
    copy under the same digest is given the digest of what it now holds, so that the runs that
    read it keep reading it (and say it is damaged), and the sound JSON is stored apart."""
    digest = record.digest
    row = conn.execute("SELECT id, data FROM record_data WHERE digest = ?", (digest,)).fetchone()
    if row is not None and isinstance(row[1], str) and record_digest(row[1]) == digest:
        return int(row[0])
    if row is not None:
        # 17 bytes: never the digest of sound JSON (16).
        held = record_digest(row[1] if isinstance(row[1], str) else "") + b"!"
        conn.execute("UPDATE OR REPLACE record_data SET digest = ? WHERE id = ?", (held, row[0]))
    cursor = conn.execute("INSERT INTO record_data (digest, data) VALUES (?, ?)", (digest, record.to_json()))
    assert cursor.lastrowid is not None  # set by the INSERT just made
    return cursor.lastrowid


# The columns of a finding kept (sync/history/store.py, FINDING_COLUMNS), in that order.
FINDING_FIELDS = ("severity", "code", "committee", "sheet", "cell", "row", "project_id", "message", "field", "data")


def finding_digest(row: Sequence[object]) -> bytes:
    """The digest of a finding's columns (:data:`FINDING_FIELDS`)."""
    return record_digest(json.dumps(list(row), ensure_ascii=False, separators=(",", ":")))


def finding_spans(conn: sqlite3.Connection, run_id: int, rows: list[tuple[object, ...]]) -> None:
    """Record run ``run_id``'s findings (their columns, :data:`FINDING_FIELDS`) as spans, as
    :func:`record_spans` does for records: a finding found again at its place writes nothing."""
    opened: dict[tuple[int, bytes], int] = {}
    columns = ", ".join(f"d.{name}" for name in FINDING_FIELDS)
    spans = conn.execute(
        f"SELECT s.rowid, s.position, d.digest, {columns} FROM finding_spans s "
        "LEFT JOIN finding_data d ON d.id = s.finding WHERE s.last_run IS NULL"
    )
    for rowid, position, digest, *stored in spans:
        sound = isinstance(digest, bytes) and finding_digest(stored) == digest
        opened[(position, digest if sound else b"")] = rowid
    kept: set[int] = set()
    for position, row in enumerate(rows):
        digest = finding_digest(row)
        rowid = opened.get((position, digest))
        if rowid is not None and rowid not in kept:
            kept.add(rowid)
            continue
        conn.execute(
            "INSERT INTO finding_spans (position, finding, first_run) VALUES (?, ?, ?)",
            (position, _stored_finding(conn, digest, row), run_id),
        )
    _close(conn, "finding_spans", run_id, [rowid for rowid in opened.values() if rowid not in kept])


def _stored_finding(conn: sqlite3.Connection, digest: bytes, row: tuple[object, ...]) -> int:
    """The id of a finding's columns among ``finding_data``, stored when they are not there; a
    damaged copy under the same digest is set apart, as :func:`_stored_json` does."""
    columns = ", ".join(FINDING_FIELDS)
    found = conn.execute(f"SELECT id, {columns} FROM finding_data WHERE digest = ?", (digest,)).fetchone()
    if found is not None and finding_digest(found[1:]) == digest:
        return int(found[0])
    if found is not None:
        held = finding_digest(found[1:]) + b"!"
        conn.execute("UPDATE OR REPLACE finding_data SET digest = ? WHERE id = ?", (held, found[0]))
    cursor = conn.execute(
        f"INSERT INTO finding_data (digest, {columns}) VALUES (?{', ?' * len(FINDING_FIELDS)})", (digest, *row)
    )
    assert cursor.lastrowid is not None  # set by the INSERT just made
    return cursor.lastrowid


def _close(conn: sqlite3.Connection, table: str, run_id: int, gone: list[int]) -> None:
    """Spans no longer read by run ``run_id``: closed at the run before it (deleted when none)."""
    if not gone:
        return
    before = previous_recorded(conn, run_id)
    if before is None:  # spans of no recorded run: nothing reads them
        conn.executemany(f"DELETE FROM {table} WHERE rowid = ?", ((rowid,) for rowid in gone))
    else:
        conn.executemany(f"UPDATE {table} SET last_run = ? WHERE rowid = ?", ((before, rowid) for rowid in gone))


def remove_spans(conn: sqlite3.Connection, run_id: int) -> None:
    """Undo run ``run_id``'s record (the latest recorded run): its spans go, those it closed
    are read again by the run before it, and what no span reads any more goes."""
    before = previous_recorded(conn, run_id)
    for table, data, column in (
        ("record_spans", "record_data", "record"),
        ("finding_spans", "finding_data", "finding"),
    ):
        conn.execute(f"DELETE FROM {table} WHERE first_run = ?", (run_id,))
        if before is not None:
            conn.execute(f"UPDATE {table} SET last_run = NULL WHERE last_run = ?", (before,))
        conn.execute(f"DELETE FROM {data} WHERE id NOT IN (SELECT {column} FROM {table})")


def move_records(conn: sqlite3.Connection) -> None:
    """Schema 6: the records and findings of schema 5 (one row per record, per finding and per
    run, in ``projects``, ``payments`` and ``findings``) become spans, run after run, in the
    order the runs recorded them."""
    columns = ", ".join(FINDING_FIELDS)
    for (run_id,) in conn.execute("SELECT id FROM runs WHERE state = 'done' ORDER BY id").fetchall():
        projects = _v5_records(conn, "projects", run_id)
        payments = _v5_records(conn, "payments", run_id)
        record_spans(conn, run_id, projects, payments)
        found = conn.execute(f"SELECT {columns} FROM findings WHERE run_id = ? ORDER BY seq", (run_id,))
        finding_spans(conn, run_id, [tuple(row) for row in found])


def _v5_records(conn: sqlite3.Connection, table: str, run_id: int) -> list[StoredRecord]:
    rows = conn.execute(
        f"SELECT committee, row, project_id, counted, data FROM {table} WHERE run_id = ? ORDER BY seq", (run_id,)
    )
    return [
        StoredRecord(
            str(committee),
            row if isinstance(row, int) else 0,
            project_id if isinstance(project_id, str) else "",
            bool(counted),
            json_text=data if isinstance(data, str) else "",
        )
        for committee, row, project_id, counted, data in rows
    ]
