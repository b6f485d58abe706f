"""The normalised records of every run, stored once (docs/exploitation.md, « Taille de
l'historique »).

Each record's JSON is kept once, by its content digest (``record_data``, keyed by
:func:`~sync.history.codec.record_digest`), and each run's records are *spans*
(``record_spans``): a record at its place (kind, committee, position among that committee's
records of that kind, row, No projet, counted) read by every run from ``first_run`` to
``last_run`` (NULL: still read by the latest run). A night that reads what the night before
read writes no record; a night with k changed records writes k spans (and the JSON of those
never stored), and closes the spans of the records gone. A row inserted in a spreadsheet moves
the rows under it: their spans are renewed (a few dozen bytes each), never their JSON.

The spans are a chain over the runs that recorded records (state ``done``): a run is a member
of a span when ``first_run <= run <= last_run``. Only the latest recorded run is ever removed
(a run whose workbook could not be put in place): its spans are deleted, and those it closed
opened again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
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
    gone = [(span.rowid,) for span in opened.values() if span.rowid not in kept]
    if gone:
        before = previous_recorded(conn, run_id)
        if before is None:  # spans of no recorded run: nothing reads them
            conn.executemany("DELETE FROM record_spans WHERE rowid = ?", gone)
        else:
            conn.executemany(
                "UPDATE record_spans SET last_run = ? WHERE rowid = ?", ((before, rowid) for (rowid,) in gone)
            )


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


def remove_spans(conn: sqlite3.Connection, run_id: int) -> None:
    """Undo run ``run_id``'s record (the latest recorded run): its spans go, those it closed
    are read again by the run before it, and JSON no span reads any more goes."""
    conn.execute("DELETE FROM record_spans WHERE first_run = ?", (run_id,))
    before = previous_recorded(conn, run_id)
    if before is not None:
        conn.execute("UPDATE record_spans SET last_run = NULL WHERE last_run = ?", (before,))
    conn.execute("DELETE FROM record_data WHERE id NOT IN (SELECT record FROM record_spans)")


def move_records(conn: sqlite3.Connection) -> None:
    """Schema 6: the records of schema 5 (one row per record per run, in ``projects`` and
    ``payments``) become spans, run after run, in the order the runs recorded them."""
    for (run_id,) in conn.execute("SELECT id FROM runs WHERE state = 'done' ORDER BY id").fetchall():
        projects = _v5_records(conn, "projects", run_id)
        payments = _v5_records(conn, "payments", run_id)
        record_spans(conn, run_id, projects, payments)


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
