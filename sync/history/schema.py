"""The history database's schema, versioned with ``PRAGMA user_version``.

Each migration brings the schema from version ``n`` to ``n + 1`` and runs in the
same transaction as the version bump, so a database is always at exactly one
version. Add new migrations at the end; never edit one that has shipped.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from sync.errors import HistoryError
from sync.history.snapshots import move_snapshots
from sync.history.spans import move_records

# A row as sqlite3 gives it: its columns are what the table declares, read where they are used.
SqlRow = tuple[Any, ...]

_V1 = """
CREATE TABLE runs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at   TEXT NOT NULL,            -- ISO 8601 with UTC offset
    finished_at  TEXT,
    -- running: started, not finished (interrupted when no process holds the lock);
    -- done: recorded with its records; failed: no report could be produced.
    state        TEXT NOT NULL CHECK (state IN ('running', 'interrupted', 'done', 'failed')),
    alliance     TEXT NOT NULL,
    fund         TEXT NOT NULL,
    config_path  TEXT,
    tool_version TEXT NOT NULL,
    projects     INTEGER,
    payments     INTEGER,
    errors       INTEGER,
    warnings     INTEGER,
    fallbacks    INTEGER NOT NULL DEFAULT 0,  -- sources replaced by their last good copy
    output       TEXT,                        -- workbook written; NULL when none
    message      TEXT                         -- why the run failed
);

-- Raw rows of a source, once per distinct content (zlib-compressed JSON).
CREATE TABLE snapshots (
    key  TEXT PRIMARY KEY,                 -- SHA-256 of the typed JSON
    tabs BLOB NOT NULL
);

CREATE TABLE sources (
    run_id       INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    committee    TEXT NOT NULL,
    kind         TEXT NOT NULL,            -- xlsx or google
    location     TEXT NOT NULL,            -- path or spreadsheet key
    read_at      TEXT,                     -- when the data used was read
    content_hash TEXT,                     -- the source's content hash (unchanged content, same hash)
    snapshot     TEXT REFERENCES snapshots(key),  -- raw rows used; NULL when none
    current      INTEGER NOT NULL,         -- 1: read by this run; 0: unreadable this run
    problem      TEXT,                     -- why it could not be read
    sheet_ids    TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (run_id, committee)
);
CREATE INDEX sources_by_committee ON sources (committee, current, run_id);

CREATE TABLE projects (
    run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    committee  TEXT NOT NULL,
    row        INTEGER NOT NULL,
    project_id TEXT NOT NULL,
    counted    INTEGER NOT NULL,
    data       TEXT NOT NULL,              -- JSON: {"values": {field: value}, "invalid": [field]}
    PRIMARY KEY (run_id, seq)
);

CREATE TABLE payments (
    run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    committee  TEXT NOT NULL,
    row        INTEGER NOT NULL,
    project_id TEXT NOT NULL,
    counted    INTEGER NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
);

CREATE TABLE findings (
    run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    severity   TEXT NOT NULL,
    code       TEXT NOT NULL,
    committee  TEXT NOT NULL,
    sheet      TEXT NOT NULL,
    cell       TEXT NOT NULL,
    row        INTEGER,
    project_id TEXT NOT NULL,
    message    TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
);

-- One line of the Sommaire per run: a sub-region or the regional line, in cents.
CREATE TABLE totals (
    run_id              INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    code                TEXT NOT NULL,
    name                TEXT NOT NULL,
    allocation          INTEGER NOT NULL,
    committed           INTEGER NOT NULL,
    paid                INTEGER NOT NULL,
    pipeline            INTEGER NOT NULL,
    other_contributions INTEGER NOT NULL,
    projects_committed  INTEGER NOT NULL,
    projects_pipeline   INTEGER NOT NULL,
    projects_total      INTEGER NOT NULL,
    committed_by_year   TEXT NOT NULL,      -- JSON {fiscal year: cents}
    paid_by_year        TEXT NOT NULL,
    PRIMARY KEY (run_id, code)
);
"""

# Delivery (docs/exploitation.md): the digest of the workbook each run wrote, so that a later
# ``alliance-sync deliver RUN`` sends exactly it, and what was sent to whom.
_V2 = """
ALTER TABLE runs ADD COLUMN output_sha256 TEXT;  -- SHA-256 of the workbook written; NULL when none

CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id          INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    at              TEXT NOT NULL,            -- ISO 8601 with UTC offset
    -- drive: the workbook uploaded; ministry: the workbook e-mailed to one recipient;
    -- committee: a committee's own findings e-mailed to its contacts.
    channel         TEXT NOT NULL CHECK (channel IN ('drive', 'ministry', 'committee')),
    committee       TEXT NOT NULL DEFAULT '',
    recipients      TEXT NOT NULL,            -- JSON list of addresses; [folder id] for drive
    subject         TEXT NOT NULL DEFAULT '', -- e-mail subject, or the Drive file name
    workbook_sha256 TEXT,                     -- the workbook sent (drive, ministry)
    fingerprint     TEXT,                     -- committee: SHA-256 of its findings
    findings        INTEGER,                  -- committee: number of findings sent
    status          TEXT NOT NULL CHECK (status IN ('sent', 'failed')),
    detail          TEXT NOT NULL DEFAULT ''  -- Drive file and version, or why it failed (never a secret)
);
CREATE INDEX deliveries_by_run ON deliveries (run_id, channel);
CREATE INDEX deliveries_by_committee ON deliveries (committee, channel, status, id);
"""

# One alliance, one history (docs/exploitation.md): which alliance each run belongs to and
# which source each committee was read from, so that a last good copy and the Changements
# sheet only ever come from earlier runs of the same alliance and the same source. Runs
# recorded before this version carry no identity: never a last good copy nor a comparison base.
# And the kill promise: a run is recorded before its workbook is put in place
# (output_placed 0), then marked placed (1), so that a kill between the two is told apart.
_V3 = """
ALTER TABLE runs ADD COLUMN period TEXT;          -- agreement period « 2019-04-01/2023-03-31 »; NULL: before v3
ALTER TABLE runs ADD COLUMN demo INTEGER;         -- 1: the built-in demo; 0: a configuration; NULL: before v3
ALTER TABLE runs ADD COLUMN output_placed INTEGER; -- 0: recorded, workbook not yet in place; 1: in place
ALTER TABLE sources ADD COLUMN identity TEXT;     -- « google:KEY » or « xlsx:/resolved/path »; NULL: before v3
"""

# Structured findings (docs/constats.md): the field each finding is about and its typed values,
# so that a finding read back from the history is the one the run found. Rows recorded
# before this version read back with an empty field and their stored message.
_V4 = """
ALTER TABLE findings ADD COLUMN field TEXT NOT NULL DEFAULT '';  -- record field: amount, year:2020-2021
ALTER TABLE findings ADD COLUMN data TEXT;  -- JSON of the finding's typed values; NULL: before v4
"""

# Closed fiscal years (docs/exploitation.md): each closing (the run whose workbook was reported
# to the ministry for that year) and each reopening (with its reason), never edited nor removed:
# a year's state is its latest row.
_V5 = """
CREATE TABLE IF NOT EXISTS closures (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    year    TEXT NOT NULL,                 -- fiscal year as the workbook writes it: « 2020-2021 »
    action  TEXT NOT NULL CHECK (action IN ('close', 'reopen')),
    run_id  INTEGER NOT NULL,              -- close: the run reported; reopen: the run of the closing undone
    at      TEXT NOT NULL,                 -- ISO 8601 with UTC offset
    by_user TEXT NOT NULL,                 -- who closed or reopened it (the system's user name)
    reason  TEXT NOT NULL DEFAULT ''       -- reopen: why
);
CREATE INDEX IF NOT EXISTS closures_by_year ON closures (year, id);
"""

# The history grows by what a night changes, not by what it reads (docs/exploitation.md): each
# record's JSON and each finding stored once by its digest, each run's as spans of runs. The
# records and findings of schema 5 are moved (sync/history/spans.py, move_records) between the
# two scripts, and each raw copy of a source cut into blocks of rows stored once
# (sync/history/snapshots.py, move_snapshots); ``findings`` becomes a view that reads them as schema 5 kept them.
_V6_TABLES = """
CREATE TABLE record_data (
    id     INTEGER PRIMARY KEY,
    digest BLOB NOT NULL UNIQUE,          -- BLAKE2b-128 of data (sync/history/codec.py, record_digest)
    data   TEXT NOT NULL                  -- JSON: {"values": {field: value}, "invalid": [field]}
);

CREATE TABLE record_spans (
    kind       TEXT NOT NULL CHECK (kind IN ('project', 'payment')),
    committee  TEXT NOT NULL,
    position   INTEGER NOT NULL,          -- order among the committee's records of that kind
    row        INTEGER NOT NULL,
    project_id TEXT NOT NULL,
    counted    INTEGER NOT NULL,
    record     INTEGER NOT NULL REFERENCES record_data(id),
    first_run  INTEGER NOT NULL,          -- the first run that read it
    last_run   INTEGER                    -- the last run that read it; NULL: the latest recorded run reads it
);
CREATE INDEX record_spans_by_last ON record_spans (last_run, first_run);

-- The findings the same way: each finding's columns once, each run's as spans (by place).
CREATE TABLE finding_data (
    id         INTEGER PRIMARY KEY,
    digest     BLOB NOT NULL UNIQUE,      -- BLAKE2b-128 of its columns (sync/history/spans.py, finding_digest)
    severity   TEXT NOT NULL,
    code       TEXT NOT NULL,
    committee  TEXT NOT NULL,
    sheet      TEXT NOT NULL,
    cell       TEXT NOT NULL,
    row        INTEGER,
    project_id TEXT NOT NULL,
    message    TEXT NOT NULL,
    field      TEXT NOT NULL DEFAULT '',
    data       TEXT                       -- JSON of the finding's typed values; NULL: before v4
);

CREATE TABLE finding_spans (
    position  INTEGER NOT NULL,           -- order among the run's findings
    finding   INTEGER NOT NULL REFERENCES finding_data(id),
    first_run INTEGER NOT NULL,
    last_run  INTEGER                     -- NULL: the latest recorded run reads it
);
CREATE INDEX finding_spans_by_last ON finding_spans (last_run, first_run);

-- What a past run's workbook is rebuilt with (alliance-sync report): the configuration file and
-- the presentation beside it as they were that night, each text once.
CREATE TABLE settings (
    key  TEXT PRIMARY KEY,                -- SHA-256 of the text
    text TEXT NOT NULL
);
ALTER TABLE runs ADD COLUMN config TEXT;        -- key among settings; NULL: not kept (before v6, or unreadable)
ALTER TABLE runs ADD COLUMN presentation TEXT;  -- key among settings; NULL: the bundled presentation, or not kept

-- The raw copies by blocks of rows (sync/history/snapshots.py): each block once, by its digest;
-- snapshots.tabs becomes a copy's manifest (each tab's title and block ids, compressed JSON).
CREATE TABLE snapshot_blocks (
    id     INTEGER PRIMARY KEY,
    digest BLOB NOT NULL UNIQUE,          -- BLAKE2b-128 of the block's JSON
    rows   BLOB NOT NULL                  -- zlib-compressed typed JSON: a list of raw rows
);
"""

_V6_DROP = """
DROP TABLE projects;
DROP TABLE payments;
DROP TABLE findings;

-- Each recorded run's findings, as the table of schema 5 gave them (run_id, seq, columns).
CREATE VIEW findings AS
SELECT r.id AS run_id, s.position AS seq, d.severity, d.code, d.committee, d.sheet, d.cell, d.row, d.project_id,
       d.message, d.field, d.data
FROM runs r
JOIN finding_spans s ON s.first_run <= r.id AND (s.last_run IS NULL OR s.last_run >= r.id)
JOIN finding_data d ON d.id = s.finding
WHERE r.state = 'done';
"""

# A migration: SQL statements, or (SQL, a move of rows in Python, SQL), run in one transaction.
Migration = str | tuple[str, Callable[[sqlite3.Connection], None], str]


def _move_v6(conn: sqlite3.Connection) -> None:
    """Schema 6's move: the records and findings to spans, the raw copies to blocks."""
    move_records(conn)
    move_snapshots(conn)


MIGRATIONS: list[Migration] = [_V1, _V2, _V3, _V4, _V5, (_V6_TABLES, _move_v6, _V6_DROP)]


def schema_version(conn: sqlite3.Connection) -> int:
    version: int = conn.execute("PRAGMA user_version").fetchone()[0]
    return version


def migrate(conn: sqlite3.Connection, path: str) -> None:
    """Bring the database to the latest schema; refuse one from a newer tool."""
    version = schema_version(conn)
    latest = len(MIGRATIONS)
    if version == 0:
        # A database of another program (or a file made by hand): never add tables to it.
        foreign = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
            )
        ]
        if foreign:
            raise HistoryError(
                f"La base {path} n'est pas un historique d'alliance-sync (elle contient "
                f"{', '.join(f'la table {name}' for name in foreign[:3])}{'…' if len(foreign) > 3 else ''}). "
                "Déplacez ce fichier ailleurs, ou indiquez un autre dossier d'état avec --state-dir."
            )
    if version > latest:
        raise HistoryError(
            f"La base d'historique {path} est au format {version}, plus récent que celui de cette "
            f"version d'alliance-sync (format {latest}). Mettez alliance-sync à jour."
        )
    moved = False
    for number in range(version, latest):
        # BEGIN IMMEDIATE: two processes opening an old database migrate one after the other.
        conn.execute("BEGIN IMMEDIATE")
        try:
            if schema_version(conn) != number:  # another process migrated meanwhile
                conn.execute("ROLLBACK")
                continue
            _apply(conn, MIGRATIONS[number])
            conn.execute(f"PRAGMA user_version = {number + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        moved = moved or not isinstance(MIGRATIONS[number], str)
    if moved and version > 0:
        # The records of every night, gone to spans (a year of 4 000 projects: 1,2 Go, 5 Mo
        # after): the file given back at once rather than reused night after night.
        conn.execute("VACUUM")


def repair(conn: sqlite3.Connection) -> list[str]:
    """Put back the tables and columns of the latest schema that a database at the
    latest version lacks (dropped by hand, by another tool): a night is never blocked
    by them. Returns what was put back, in French. The rows already there keep their
    values; a column put back is empty in them, and such rows are read as damaged.
    """
    expected = sqlite3.connect(":memory:")
    try:
        for migration in MIGRATIONS:
            for statement in _scripts_of(migration):
                expected.execute(statement)
        repaired = []
        tables = expected.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
        ).fetchall()
        for table, create in tables:
            present = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
            if not present:
                conn.execute(create)
                repaired.append(f"la table {table} manquait : elle a été recréée vide")
                continue
            for column in expected.execute(f"PRAGMA table_info({table})").fetchall():
                name, kind, default = column[1], column[2], column[4]
                if name in present:
                    continue
                # Without NOT NULL: the rows already there get NULL, and are read as damaged.
                conn.execute(
                    f"ALTER TABLE {table} ADD COLUMN {name} {kind}"
                    + (f" DEFAULT {default}" if default is not None else "")
                )
                repaired.append(
                    f"la colonne {name} de la table {table} manquait : elle a été rétablie, "
                    "vide dans les lignes déjà enregistrées"
                )
        return repaired
    finally:
        expected.close()


def _apply(conn: sqlite3.Connection, migration: Migration) -> None:
    if isinstance(migration, str):
        for statement in _statements(migration):
            conn.execute(statement)
        return
    before, move, after = migration
    for statement in _statements(before):
        conn.execute(statement)
    move(conn)
    for statement in _statements(after):
        conn.execute(statement)


def _scripts_of(migration: Migration) -> list[str]:
    """The statements of a migration, without its move of rows (the schema it leaves)."""
    if isinstance(migration, str):
        return _statements(migration)
    return [*_statements(migration[0]), *_statements(migration[2])]


def _statements(script: str) -> list[str]:
    """Split a migration into statements (executescript would commit on its own)."""
    statements, pending = [], ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    if pending.strip():
        statements.append(pending.strip())
    return [s for s in statements if s]
