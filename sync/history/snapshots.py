"""The raw copy of a source, stored by blocks of rows (docs/exploitation.md, « Taille de
l'historique »).

A snapshot is the raw rows of every tab of a committee's spreadsheet as a run read them: what
the last good copy hands back (sync/history/fallback.py) and what ``alliance-sync report RUN``
rebuilds a workbook from. Its key is the SHA-256 of its typed JSON
(:func:`sync.sources.encode_tabs`, :func:`~sync.history.codec.snapshot_key`), the source's
content hash: unchanged content, same key, nothing stored.

A changed source is not stored whole: each tab's rows are cut into blocks where the content
says (after a row whose digest ends a block, :data:`BOUNDARY`, or after :data:`MAX_ROWS`
rows), so that a changed or inserted row changes only its own block, never the blocks after it.
Each block's JSON is stored once, by its digest, compressed (``snapshot_blocks``); the
snapshot itself (``snapshots.tabs``) is its manifest: each tab's title and the ids of its
blocks, in order (each as its difference from the one before), compressed. A night where one
row changed stores one block and a manifest: a few hundred bytes, not the whole copy.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import sqlite3
import zlib
from collections.abc import Iterator, Sequence

from sync.history.codec import DamagedRecord, decode_rows, snapshot_key, unpack_tabs

__all__ = ["BOUNDARY", "MAX_ROWS", "move_snapshots", "read_snapshot", "store_snapshot"]

# A row whose digest's first byte is 0 modulo BOUNDARY ends its block: blocks of BOUNDARY rows
# on average, cut where the content says, so an inserted row moves no boundary after it.
BOUNDARY = 8
MAX_ROWS = 64  # a block never holds more (a tab of identical rows)

_ROW_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _blocks(rows: Sequence[object]) -> Iterator[str]:
    """The JSON of each block of ``rows`` (rows as plain JSON values, tags kept as objects)."""
    pending: list[str] = []
    for row in rows:
        text = _ROW_JSON.encode(row)
        pending.append(text)
        if _digest(text)[0] % BOUNDARY == 0 or len(pending) >= MAX_ROWS:
            yield "[" + ",".join(pending) + "]"
            pending = []
    if pending:
        yield "[" + ",".join(pending) + "]"


def _block_id(conn: sqlite3.Connection, text: str) -> int:
    digest = _digest(text)
    row = conn.execute("SELECT id FROM snapshot_blocks WHERE digest = ?", (digest,)).fetchone()
    if row is not None:
        return int(row[0])
    cursor = conn.execute(
        "INSERT INTO snapshot_blocks (digest, rows) VALUES (?, ?)",
        (digest, zlib.compress(text.encode("utf-8", "surrogatepass"), 9)),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def _manifest(conn: sqlite3.Connection, encoded: bytes) -> bytes:
    """The typed JSON of a source's tabs → its blocks stored, its manifest made."""
    data = json.loads(encoded.decode("utf-8", "surrogatepass"))
    tabs = [[title, _deltas([_block_id(conn, text) for text in _blocks(rows)])] for title, rows in data["tabs"]]
    return zlib.compress(_ROW_JSON.encode({"blocks": tabs}).encode("utf-8"), 9)


def _deltas(ids: list[int]) -> list[int]:
    """Block ids as differences from the one before (the first from 0): a copy's blocks are
    mostly stored one after the other, so its manifest compresses to a few bytes per tab."""
    return [block - before for before, block in zip([0, *ids], ids, strict=False)]


def _ids(deltas: list[int]) -> list[int]:
    return list(itertools.accumulate(deltas))


def store_snapshot(conn: sqlite3.Connection, encoded: bytes) -> str:
    """Store a source's raw rows (their typed JSON, :func:`sync.sources.encode_tabs`) unless
    the same content is already stored; returns its key."""
    key = snapshot_key(encoded)
    if conn.execute("SELECT 1 FROM snapshots WHERE key = ?", (key,)).fetchone() is None:
        conn.execute("INSERT INTO snapshots (key, tabs) VALUES (?, ?)", (key, _manifest(conn, encoded)))
    return key


def read_snapshot(conn: sqlite3.Connection, manifest: bytes) -> dict[str, list[list[object]]]:
    """A stored snapshot's raw rows, by tab. A damaged manifest or block raises (zlib.error,
    ValueError, KeyError, DamagedRecord: :func:`sync.history.store.describe_damage` says it
    in French)."""
    data = json.loads(zlib.decompress(manifest).decode("utf-8"))
    if "blocks" not in data:  # a whole copy (not converted: damaged, or written by hand)
        return unpack_tabs(manifest)
    layout = [(str(title), _ids(deltas)) for title, deltas in data["blocks"]]
    wanted = sorted({block for _title, blocks in layout for block in blocks})
    found: dict[int, bytes] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ",".join("?" * len(chunk))
        found.update(conn.execute(f"SELECT id, rows FROM snapshot_blocks WHERE id IN ({marks})", chunk).fetchall())
    tabs: dict[str, list[list[object]]] = {}
    for title, blocks in layout:
        rows = tabs.setdefault(title, [])
        for block in blocks:
            if not isinstance(found.get(block), bytes):
                raise DamagedRecord(f"bloc de lignes n° {block} absent")
            rows.extend(decode_rows(zlib.decompress(found[block])))
    return tabs


def move_snapshots(conn: sqlite3.Connection) -> None:
    """Schema 6: each whole copy of schema 5 becomes blocks and a manifest. A copy that cannot
    be read is left as it was: it reads as damaged, as before."""
    for key, blob in conn.execute("SELECT key, tabs FROM snapshots").fetchall():
        try:
            encoded = zlib.decompress(blob)
            manifest = _manifest(conn, encoded)
        except (zlib.error, TypeError, ValueError, KeyError):
            continue
        conn.execute("UPDATE snapshots SET tabs = ? WHERE key = ?", (manifest, key))
