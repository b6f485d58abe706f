"""The raw copy of a source stored by blocks of rows (sync/history/snapshots.py,
docs/exploitation.md « Taille de l'historique »): read back exactly, keyed by the source's
content hash, growing by the rows a night changed, a damaged block said in French."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import sqlite3
import zlib
from decimal import Decimal
from pathlib import Path

import pytest

from sync.history import History, schema
from sync.history.codec import pack_tabs, snapshot_key, unpack_tabs
from sync.history.snapshots import read_snapshot, store_snapshot
from sync.sources import encode_tabs
from tests.support.builders import payment, project
from tests.support.history import Alliance


def committee_tabs(count: int, notes: dict[int, str] | None = None, inserted: int | None = None) -> dict:
    """A committee's raw rows: ``count`` projects and two payments each, as a read gives them
    (header row first); ``notes`` changes the Notes of some projects, ``inserted`` inserts a
    project before that one."""
    heads = list(project().keys())
    projects = [heads]
    for index in range(count):
        if index == inserted:
            projects.append(list(project("OUE-2020-9999", title="Projet inséré").values()))
        row = project(f"OUE-2020-{index:04d}", title=f"Projet {index * 7919 % 10007}", total_cost=100000 + index)
        row["Notes"] = (notes or {}).get(index, "")
        projects.append([row[head] for head in heads])
    payments = [list(payment().keys())]
    for index in range(2 * count):
        row = payment(f"OUE-2020-{index // 2:04d}", amount=1000 + index * 13, reference=f"VER-{index}")
        payments.append(list(row.values()))
    return {"Projets": projects, "Versements": payments}


@pytest.fixture
def conn():
    connection = sqlite3.connect(":memory:")
    schema.migrate(connection, ":memory:")
    yield connection
    connection.close()


def stored_bytes(conn: sqlite3.Connection) -> int:
    """Every byte the raw copies hold: manifests, blocks and their digests."""
    manifests = conn.execute("SELECT COALESCE(SUM(LENGTH(key) + LENGTH(tabs)), 0) FROM snapshots").fetchone()[0]
    blocks = conn.execute("SELECT COALESCE(SUM(LENGTH(digest) + LENGTH(rows)), 0) FROM snapshot_blocks").fetchone()[0]
    return int(manifests) + int(blocks)


def manifest(conn: sqlite3.Connection, key: str) -> bytes:
    return conn.execute("SELECT tabs FROM snapshots WHERE key = ?", (key,)).fetchone()[0]


def test_a_copy_reads_back_exactly_and_keeps_the_content_hash_as_its_key(conn):
    tabs = {
        "Projets": [
            ["No projet", "Coût total", "Date de début"],
            ["OUE-1", 0.1 + 0.2, dt.datetime(2020, 4, 1)],
            [None, True, dt.date(2021, 3, 31)],
            ["2020-04-01 00:00:00", Decimal("12.50"), dt.time(8, 30)],
            [float("inf"), -0.0, dt.timedelta(days=1.5)],
            ["\ud800 seul", "", 12500],
        ]
        + [[f"OUE-{n}", n, dt.date(2020, 4, 1)] for n in range(200)],
        "$date": [],
    }
    encoded = encode_tabs(tabs)
    key = store_snapshot(conn, encoded)
    assert key == snapshot_key(encoded) == hashlib.sha256(encoded).hexdigest() == pack_tabs(tabs)[0]
    back = read_snapshot(conn, manifest(conn, key))
    assert back == tabs and list(back) == ["Projets", "$date"]
    assert encode_tabs(back) == encoded  # the same typed JSON, byte for byte: the same key
    assert type(back["Projets"][2][2]) is dt.date and type(back["Projets"][1][2]) is dt.datetime
    assert conn.execute("SELECT COUNT(*) FROM snapshot_blocks").fetchone()[0] > 1  # cut into blocks
    assert store_snapshot(conn, encoded) == key  # the same content: nothing more stored
    assert conn.execute("SELECT COUNT(*) FROM snapshots").fetchone()[0] == 1


def test_a_night_with_one_changed_row_stores_a_few_hundred_bytes_not_the_whole_copy(conn):
    store_snapshot(conn, encode_tabs(committee_tabs(1300)))
    whole = len(pack_tabs(committee_tabs(1300, {500: "modifié"}))[1])
    assert whole > 30_000  # what the copy stored whole would have added
    before = stored_bytes(conn)
    key = store_snapshot(conn, encode_tabs(committee_tabs(1300, {500: "modifié"})))
    assert stored_bytes(conn) - before < 1_000
    assert read_snapshot(conn, manifest(conn, key)) == committee_tabs(1300, {500: "modifié"})


def test_ten_changed_rows_and_an_inserted_one_grow_by_their_blocks(conn):
    store_snapshot(conn, encode_tabs(committee_tabs(1300)))
    before = stored_bytes(conn)
    ten = committee_tabs(1300, {n: "modifié" for n in range(0, 1300, 130)})
    store_snapshot(conn, encode_tabs(ten))
    assert stored_bytes(conn) - before < 6_000  # ten blocks and a manifest
    before = stored_bytes(conn)
    key = store_snapshot(conn, encode_tabs(committee_tabs(1300, inserted=3)))
    assert stored_bytes(conn) - before < 1_000  # the rows under it keep their blocks
    assert read_snapshot(conn, manifest(conn, key)) == committee_tabs(1300, inserted=3)


def test_a_night_where_one_committee_changed_one_row_grows_the_database_by_its_changes(tmp_path):
    many = [
        project(
            f"OUE-2020-{n:03d}", title=f"Projet {n * 7919 % 10007}", total_cost=90000 + n * 37, fqis={"2020-2021": 1000}
        )
        for n in range(800)
    ]
    paid = [payment("OUE-2020-001", amount=500)]
    alliance = Alliance(tmp_path, {"OUEST": {"projects": many, "payments": paid}})
    assert alliance.cli("run").exit_code == 0
    assert alliance.cli("run").exit_code == 0  # the same rows: the raw copy is not stored again

    def size() -> int:
        with sqlite3.connect(alliance.db) as conn:
            conn.execute("VACUUM")
            return int(conn.execute("PRAGMA page_count").fetchone()[0] * conn.execute("PRAGMA page_size").fetchone()[0])

    before = size()
    with sqlite3.connect(alliance.db) as conn:
        (blob,) = conn.execute(
            "SELECT p.tabs FROM snapshots p JOIN sources s ON s.snapshot = p.key WHERE s.committee = 'OUEST'"
        ).fetchone()
        whole = len(pack_tabs(read_snapshot(conn, blob))[1])
    alliance.rewrite("OUEST", projects=[*many[:400], {**many[400], "Notes": "modifié"}, *many[401:]], payments=paid)
    assert alliance.cli("run").exit_code == 0
    # The night: its run, its sources, totals and spans, one record, one block of raw rows and a
    # manifest: at most one page more, where the copy stored whole would have added two or more.
    assert size() - before <= 4096
    assert whole > 2 * 4096
    assert alliance.query("SELECT COUNT(DISTINCT snapshot) FROM sources WHERE committee = 'OUEST'") == [(2,)]


def rebuild(alliance: Alliance):
    """``alliance-sync report 1``: the first night's workbook from the history alone."""
    target = str(alliance.folder / "refait.xlsx")
    return alliance.cli(
        "report", "1", "--output", target, "--config", str(alliance.config), "--state-dir", str(alliance.state)
    )


def test_a_damaged_block_is_said_damaged(tmp_path):
    alliance = Alliance(tmp_path)
    assert alliance.cli("run").exit_code == 0
    alliance.query("UPDATE snapshot_blocks SET rows = X'00FF'")
    result = rebuild(alliance)
    assert result.exit_code == 2
    assert result.stderr == (
        "Erreur : les données du comité OUEST de la synchronisation n° 1 sont endommagées (données compressées "
        "illisibles) : son classeur ne peut pas être reconstruit.\n"
    )


def test_a_missing_block_is_said_damaged(tmp_path):
    alliance = Alliance(tmp_path)
    assert alliance.cli("run").exit_code == 0
    (block,) = alliance.query("SELECT MIN(id) FROM snapshot_blocks")[0]
    alliance.query("DELETE FROM snapshot_blocks WHERE id = ?", block)
    result = rebuild(alliance)
    assert result.exit_code == 2
    assert result.stderr == (
        "Erreur : les données du comité OUEST de la synchronisation n° 1 sont endommagées (bloc de lignes "
        f"n° {block} absent) : son classeur ne peut pas être reconstruit.\n"
    )


def test_the_whole_copies_of_schema_5_become_blocks_with_the_same_rows_and_keys(tmp_path):
    db = tmp_path / "historique.sqlite"
    shutil.copy(Path(__file__).parent / "fixtures" / "history" / "schema-5.sqlite", db)
    with sqlite3.connect(db) as conn:
        before = {key: unpack_tabs(blob) for key, blob in conn.execute("SELECT key, tabs FROM snapshots")}
    assert len(before) == 5
    History.open(tmp_path).close()
    with sqlite3.connect(db) as conn:
        after = {key: read_snapshot(conn, blob) for key, blob in conn.execute("SELECT key, tabs FROM snapshots")}
        blocks = conn.execute("SELECT COUNT(*) FROM snapshot_blocks").fetchone()[0]
    assert after == before
    assert all(hashlib.sha256(encode_tabs(tabs)).hexdigest() == key for key, tabs in after.items())
    assert len(before) <= blocks < sum(len(rows) for tabs in before.values() for rows in tabs.values())


def test_a_last_good_copy_with_a_missing_block_is_said_unreadable(tmp_path):
    alliance = Alliance(tmp_path)
    assert alliance.cli("run").exit_code == 0
    ((blob,),) = alliance.query(
        "SELECT p.tabs FROM sources s JOIN snapshots p ON p.key = s.snapshot WHERE s.committee = 'OUEST'"
    )
    block = json.loads(zlib.decompress(blob))["blocks"][0][1][0]  # the first block of its first tab
    alliance.query("DELETE FROM snapshot_blocks WHERE id = ?", block)
    alliance.workbook("OUEST").write_bytes(b"abime")
    result = alliance.cli("run")
    assert result.exit_code == 3
    assert result.stderr.endswith(
        "Erreur : Aucun rapport produit : des chiffriers n'ont pas pu être lus et aucune copie valide antérieure "
        "n'est utilisable.\n"
        f"  - Ouest de la Montérégie (OUEST) : le fichier {alliance.workbook('OUEST')} est illisible : ce n'est pas "
        "un classeur Excel (.xlsx) : fichier vide, CSV ou .xls renommé, ou copie incomplète ; enregistrez-le au "
        f"format Excel (.xlsx) ; copie antérieure illisible (synchronisation n° 1 : bloc de lignes n° {block} "
        "absent).\n"
    )
