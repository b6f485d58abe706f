"""The history database: one row per run, with what it read, found and totalled.

A run is recorded in three steps. ``start_run`` commits a ``running`` row at once,
so a run killed part-way still shows in ``alliance-sync history`` (as
interrupted). ``recording`` then writes everything else in ONE transaction,
committed BEFORE the workbook is put in place, with the workbook's digest and
``output_placed = 0``; ``mark_placed`` says the workbook is in place (see
sync/runner.py). The rollback journal makes a kill leave either the whole run or
none of it; a run killed between its record and its workbook's placement is found
by the next run (``start_run``): its workbook in place (same digest) or not, in
which case the run is told interrupted and its rows are removed.

Reading never stops at a damaged row: it is skipped, and said in French in
``History.notes`` (the runner logs them, ``history`` and ``diff`` print them).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import sqlite3
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from sync import __version__
from sync.changes import Changes
from sync.config import Config, SourceKind
from sync.errors import ForeignHistory, HistoryError, describe_os_error
from sync.findings import Finding
from sync.history.codec import (
    DAMAGED_JSON,
    DamagedRecord,
    StoredRecord,
    encode_tabs,
    project_encoder,
    record_digest,
    store_payment,
    store_project,
)
from sync.history.diff import compute_changes
from sync.history.identity import (
    AllianceIdentity,
    alliance_identity,
    describe_source,
    source_identity,
    spec_identity,
)
from sync.history.schema import MIGRATIONS, SqlRow, migrate, repair, schema_version
from sync.history.snapshots import store_snapshot
from sync.history.spans import (
    FINDING_FIELDS,
    MEMBER,
    PAYMENT_KIND,
    PROJECT_KIND,
    finding_spans,
    record_spans,
    remove_spans,
)
from sync.report import Report
from sync.vocabulary.template import alliance_columns
from sync.wording import moment

DB_NAME = "historique.sqlite"

FAILED_STATUS = "échec"
INTERRUPTED_STATUS = "interrompue"
RUNNING_STATUS = "en cours"
FALLBACK_STATUS = "source de secours"
CONFORMING_STATUS = "conforme"


_T = TypeVar("_T")

# What a damaged row or a schema changed by hand raises while it is read: SQLite's
# refusals (a missing column or table), and the decoders' (a date, JSON, a packed copy).
_DAMAGE = (sqlite3.DatabaseError, ValueError, TypeError, KeyError, IndexError, zlib.error)


def damaged(path: Path, detail: str) -> HistoryError:
    """The message of a history that cannot be read, with the way out."""
    return HistoryError(
        f"la base d'historique {path} est endommagée ou n'est pas celle d'alliance-sync ({detail}). "
        f"Déplacez-la ailleurs (par exemple {path.with_name('historique-endommage.sqlite').name}) pour repartir "
        "d'un historique vide ; les classeurs déjà produits ne sont pas touchés."
    )


def _reading(method: Callable[..., _T]) -> Callable[..., _T]:
    """A reading method of :class:`History`: a damaged row becomes a French HistoryError."""

    @functools.wraps(method)
    def guarded(self: History, *args: object, **kwargs: object) -> _T:
        try:
            return method(self, *args, **kwargs)
        except HistoryError:
            raise
        except sqlite3.DatabaseError as exc:
            raise damaged(self.path, sqlite_problem(exc)) from None
        except _DAMAGE as exc:
            raise damaged(self.path, describe_damage(exc)) from None

    return guarded


def file_digest(path: Path) -> str:
    """SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now().astimezone()


def _time(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


@dataclass(frozen=True)
class RunSummary:
    id: int
    started_at: dt.datetime
    finished_at: dt.datetime | None
    state: str
    alliance: str
    fund: str
    projects: int | None
    payments: int | None
    errors: int | None
    warnings: int | None
    fallbacks: int
    output: str | None
    message: str | None
    period: str | None = None  # the alliance's agreement period; None: recorded before identities
    demo: bool | None = None  # the built-in demo; None: recorded before identities
    placed: int | None = None  # 0: recorded, its workbook not yet in place; 1: in place; None: none

    @property
    def has_data(self) -> bool:
        return self.state == "done" and self.placed != 0

    @property
    def identity(self) -> AllianceIdentity | None:
        """None for a run recorded before identities (never a last good copy nor a comparison base)."""
        if self.period is None or self.demo is None:
            return None
        return AllianceIdentity(self.alliance, self.period, bool(self.demo))

    def status(self, running_alive: bool = False) -> str:
        """« conforme », « N erreurs », « source de secours », « échec », « interrompue »."""
        if self.state == "failed":
            return FAILED_STATUS
        if self.state == "running" or (self.state == "done" and self.placed == 0):
            return RUNNING_STATUS if running_alive else INTERRUPTED_STATUS
        if self.state == "interrupted":
            return INTERRUPTED_STATUS
        if self.fallbacks:
            return FALLBACK_STATUS
        if self.errors:
            return f"{self.errors} erreur" + ("s" if self.errors > 1 else "")
        return CONFORMING_STATUS


@dataclass
class RunRecords:
    """The normalised projects and payments of one run, in reading order."""

    fund: str
    projects: list[StoredRecord] = field(default_factory=list)
    payments: list[StoredRecord] = field(default_factory=list)


@dataclass(frozen=True)
class RecordedSettings:
    """What a run was made with: its configuration file's text, the presentation beside it
    (None: the bundled one); ``kept`` False when the run's history does not hold them."""

    config: str | None
    presentation: str | None
    kept: bool


@dataclass(frozen=True)
class GoodCopy:
    """A committee's last source read successfully, with its raw rows."""

    run_id: int
    committee: str
    kind: SourceKind  # as History.record stored it
    location: str
    read_at: dt.datetime | None
    content_hash: str | None
    tabs_blob: bytes | None  # None when the copy is damaged (``damage`` says how)
    sheet_ids: dict[str, int]
    damage: str | None = None


def records_of_report(report: Report) -> RunRecords:
    """The normalised records of a report, exactly as ``recording`` stores them."""
    config: Config = report.config
    columns = alliance_columns(config.fund, tuple(y.label for y in config.fiscal_years)).projects
    records = RunRecords(config.fund)
    encoder = project_encoder(columns)
    for committee in config.committees:
        parsed = report.workbooks.get(committee.code)
        if parsed is None:
            continue
        records.projects.extend(store_project(p, encoder) for p in parsed.projects)
        records.payments.extend(store_payment(p) for p in parsed.payments)
    return records


class History:
    """The state folder's SQLite database. Open it with :meth:`open`."""

    def __init__(self, conn: sqlite3.Connection, path: Path, notes: list[str] | None = None):
        self.conn = conn
        self.path = path
        # What could not be read (a damaged row skipped) or was repaired, in French, in order.
        self.notes: list[str] = list(notes or [])

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(cls, state_dir: Path) -> History:
        """Open (creating it and the folder if needed) and migrate the database."""
        try:
            state_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise HistoryError(
                f"le dossier d'état {state_dir} ne peut pas être créé ({describe_os_error(exc)})."
            ) from None
        path = state_dir / DB_NAME
        try:
            # isolation_level=None: transactions are explicit (BEGIN … COMMIT) below.
            conn = sqlite3.connect(path, isolation_level=None, timeout=30)
        except sqlite3.Error as exc:
            raise HistoryError(
                f"la base d'historique {path} ne peut pas être ouverte ({sqlite_problem(exc)})."
            ) from None
        try:
            # Rollback journal (SQLite's default) with full syncs: a killed run's
            # journal is rolled back at the next opening, the database stays one file.
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            migrate(conn, str(path))
            notes = [f"historique {path} : {text}." for text in repair(conn)]
        except sqlite3.DatabaseError as exc:
            conn.close()
            if _primary_code(exc) in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
                raise HistoryError(
                    f"la base d'historique {path} est illisible ({sqlite_problem(exc)}). Déplacez-la ailleurs "
                    "pour repartir d'un historique vide ; les classeurs déjà produits ne sont pas touchés."
                ) from None
            # Locked by another program, disk full…: the history itself is sound.
            raise HistoryError(
                f"la base d'historique {path} ne peut pas être utilisée ({sqlite_problem(exc)})."
            ) from None
        except BaseException:
            conn.close()
            raise
        return cls(conn, path, notes)

    @classmethod
    def open_read_only(cls, state_dir: Path) -> History | None:
        """The history opened for reading only (``alliance-sync validate``): nothing created,
        migrated nor repaired. None when there is none; a HistoryError (in French) when it
        cannot be read, or is of another format than this version's."""
        path = state_dir / DB_NAME
        if not cls.exists(state_dir):
            return None
        try:
            conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True, timeout=30)
        except sqlite3.Error as exc:
            raise HistoryError(f"la base d'historique {path} ne peut pas être lue ({sqlite_problem(exc)}).") from None
        try:
            version = schema_version(conn)
        except sqlite3.Error as exc:
            conn.close()
            raise HistoryError(f"la base d'historique {path} ne peut pas être lue ({sqlite_problem(exc)}).") from None
        if version != len(MIGRATIONS):
            conn.close()
            raise HistoryError(
                f"la base d'historique {path} est au format {version}, cette version lit le format "
                f"{len(MIGRATIONS)} : la prochaine synchronisation (run) la convertira ; validate ne l'écrit jamais."
            )
        return cls(conn, path)

    @classmethod
    def refuse_foreign(cls, state_dir: Path, identity: AllianceIdentity) -> None:
        """Refuse (ForeignHistory) a state folder holding another alliance's history,
        WITHOUT writing anything in it: the database is opened read-only, and nothing is
        created. A history that cannot be read here is left to :meth:`open` to judge."""
        path = state_dir / DB_NAME
        try:
            if not path.is_file():
                return
            conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True, timeout=30)
        except (OSError, sqlite3.Error):
            return
        try:
            if schema_version(conn) < len(MIGRATIONS):
                return  # runs recorded before identities belong to no alliance
            _check_alliance(conn, state_dir, identity)
        except sqlite3.Error:
            return
        finally:
            conn.close()

    def check_alliance(self, identity: AllianceIdentity) -> None:
        """The same refusal, under the lock, before the run is started."""
        try:
            _check_alliance(self.conn, self.path.parent, identity)
        except sqlite3.Error as exc:
            self.note(
                f"historique {self.path} : alliance des synchronisations enregistrées illisible "
                f"({sqlite_problem(exc)})."
            )

    @classmethod
    def exists(cls, state_dir: Path) -> bool:
        try:
            return (state_dir / DB_NAME).is_file()
        except OSError as exc:  # a folder this user may not enter (is_file only hides ENOENT)
            raise HistoryError(f"le dossier d'état {state_dir} est inaccessible ({describe_os_error(exc)}).") from None

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; SQLite's own failures (another program holding the
        database, a full disk) become a French HistoryError, the transaction rolled back."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise self._cannot_write(exc) from None
        try:
            yield self.conn
        except BaseException as exc:
            self._rollback()
            if isinstance(exc, sqlite3.Error):
                raise self._cannot_write(exc) from None
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise self._cannot_write(exc) from None

    def _rollback(self) -> None:
        # SQLite may have rolled back already (a full disk does): nothing left to undo.
        if self.conn.in_transaction:
            with suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")

    def _cannot_write(self, exc: sqlite3.Error) -> HistoryError:
        if _primary_code(exc) in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB) or (
            isinstance(exc, sqlite3.OperationalError) and str(exc).startswith(("no such ", "table "))
        ):
            # A damaged file, or a schema changed by hand (a column or a table gone).
            return damaged(self.path, sqlite_problem(exc))
        return HistoryError(
            f"la base d'historique {self.path} ne peut pas être écrite ({sqlite_problem(exc)}) ; "
            "rien n'y a été enregistré."
        )

    # ------------------------------------------------------------------ writing

    def start_run(
        self,
        config: Config,
        started_at: dt.datetime,
        identity: AllianceIdentity | None = None,
        presentation: str | None = None,
    ) -> int:
        """Commit a ``running`` row and return the run's number, with the configuration file's
        text and ``presentation`` (the text of the presentation beside it, if any): what a
        later ``alliance-sync report`` rebuilds that night's workbook with.

        Called under the state lock: any other ``running`` row belongs to a run
        that was killed, and is marked interrupted; a run killed between its record
        and its workbook's placement is settled (:meth:`_settle_placements`).
        """
        identity = identity or alliance_identity(config)
        config_text = _config_text(config)
        with self._transaction() as conn:
            _settle_placements(conn)
            conn.execute("UPDATE runs SET state = 'interrupted' WHERE state = 'running'")
            cursor = conn.execute(
                "INSERT INTO runs (started_at, state, alliance, fund, config_path, tool_version, period, demo, "
                "config, presentation) VALUES (?, 'running', ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    started_at.isoformat(),
                    config.name,
                    config.fund,
                    str(config.path) if config.path else None,
                    __version__,
                    identity.period,
                    int(identity.demo),
                    _setting(conn, config_text),
                    _setting(conn, presentation),
                ),
            )
        assert cursor.lastrowid is not None  # set by the INSERT just made
        return cursor.lastrowid

    @contextmanager
    def recording(
        self,
        run_id: int,
        report: Report,
        output: Path | None,
        records: RunRecords | None = None,
        output_sha256: str | None = None,
    ) -> Iterator[None]:
        """Record the whole run in one transaction, committed when the block ends
        without error and rolled back otherwise. ``records``: the report's, when
        already computed (records_of_report). ``output``: the workbook about to be put
        in place (``output_sha256`` its digest), then confirmed by :meth:`mark_placed`."""
        with self._transaction() as conn:
            self._insert_sources(conn, run_id, report)
            records = records or records_of_report(report)
            record_spans(conn, run_id, records.projects, records.payments)
            finding_spans(conn, run_id, [_finding_row(f) for f in report.findings])
            conn.executemany(
                "INSERT INTO totals (run_id, code, name, allocation, committed, paid, pipeline, "
                "other_contributions, projects_committed, projects_pipeline, projects_total, "
                "committed_by_year, paid_by_year) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    (
                        run_id,
                        t.code,
                        t.name,
                        t.allocation,
                        t.committed,
                        t.paid,
                        t.pipeline,
                        t.other_contributions,
                        t.projects_committed,
                        t.projects_pipeline,
                        t.projects_total,
                        json.dumps(t.committed_by_year),
                        json.dumps(t.paid_by_year),
                    )
                    for t in report.totals.lines
                ),
            )
            conn.execute(
                "UPDATE runs SET state = 'done', finished_at = ?, projects = ?, payments = ?, errors = ?, "
                "warnings = ?, fallbacks = ?, output = ?, output_sha256 = ?, output_placed = ? WHERE id = ?",
                (
                    _now().isoformat(),
                    len(records.projects),
                    len(records.payments),
                    len(report.errors),
                    len(report.warnings),
                    sum(1 for s in report.sources.values() if not s.current),
                    str(output) if output else None,
                    output_sha256 if output else None,
                    0 if output else None,
                    run_id,
                ),
            )
            yield

    def mark_placed(self, run_id: int) -> None:
        """The run's workbook is in place."""
        with self._transaction() as conn:
            conn.execute("UPDATE runs SET output_placed = 1 WHERE id = ?", (run_id,))

    def _insert_sources(self, conn: sqlite3.Connection, run_id: int, report: Report) -> None:
        for code, info in report.sources.items():
            # The configured source: a last good copy standing in came from the same one.
            identity = spec_identity(report.config.committee(code).source) or source_identity(info.kind, info.location)
            snapshot = None
            if info.tabs is not None:
                encoded = info.encoded if info.encoded is not None else encode_tabs(info.tabs)
                # an unchanged source stores nothing; a changed one, its changed blocks of rows
                snapshot = store_snapshot(conn, encoded)
            conn.execute(
                "INSERT INTO sources (run_id, committee, kind, location, read_at, content_hash, snapshot, "
                "current, problem, sheet_ids, identity) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    code,
                    info.kind,
                    info.location,
                    info.read_at.isoformat() if info.read_at else None,
                    info.content_hash or None,
                    snapshot,
                    int(info.current),
                    info.problem or None,
                    json.dumps(info.sheet_ids),
                    identity,
                ),
            )

    def fail_run(
        self, run_id: int, message: str, unreadable: Mapping[str, tuple[SourceKind, str, str]] | None = None
    ) -> None:
        """Record that the run produced no report; ``unreadable`` maps a committee
        to (kind, location, problem) for each source that could not be read."""
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT output, output_sha256 FROM runs WHERE id = ? AND state = 'done' AND output_placed = 0",
                (run_id,),
            ).fetchone()
            if row is not None and _in_place(row[0], row[1]):
                # Interrupted (Ctrl-C) after its workbook was put in place: the run is whole.
                conn.execute("UPDATE runs SET output_placed = 1 WHERE id = ?", (run_id,))
                return
            # A run recorded whose workbook could not be put in place: its rows go, it failed.
            _remove_rows(conn, run_id)
            conn.execute(
                "UPDATE runs SET state = 'failed', finished_at = ?, message = ?, output = NULL, "
                "output_sha256 = NULL, output_placed = NULL, projects = NULL, payments = NULL, "
                "errors = NULL, warnings = NULL WHERE id = ?",
                (_now().isoformat(), message, run_id),
            )
            for code, (kind, location, problem) in (unreadable or {}).items():
                conn.execute(
                    "INSERT OR REPLACE INTO sources (run_id, committee, kind, location, current, problem, identity) "
                    "VALUES (?, ?, ?, ?, 0, ?, ?)",
                    (run_id, code, kind, location, problem, source_identity(kind, location)),
                )

    # ------------------------------------------------------------------ reading

    _RUN_COLUMNS = (
        "id, started_at, finished_at, state, alliance, fund, projects, payments, errors, warnings, "
        "fallbacks, output, message, period, demo, output_placed"
    )

    @staticmethod
    def _summary(row: SqlRow) -> RunSummary:
        summary = RunSummary(row[0], _time(row[1]), _time(row[2]), *row[3:])  # type: ignore[arg-type]
        if not isinstance(summary.started_at, dt.datetime) or summary.state not in (
            "running",
            "interrupted",
            "done",
            "failed",
        ):
            raise ValueError("état inconnu")
        return summary

    def _readable(self, rows: Iterable[SqlRow]) -> Iterator[RunSummary]:
        """The runs of ``rows`` that can be read; each other one skipped and named in :attr:`notes`."""
        for row in rows:
            try:
                yield self._summary(row)
            except _DAMAGE as exc:
                self.note(
                    f"historique {self.path} : la synchronisation n° {row[0]} est illisible "
                    f"({describe_damage(exc)}) ; elle est ignorée."
                )

    @_reading
    def runs(self, limit: int | None = None) -> list[RunSummary]:
        """Runs, most recent first; a damaged run is skipped and named in :attr:`notes`."""
        sql = f"SELECT {self._RUN_COLUMNS} FROM runs ORDER BY id DESC"
        rows = self.conn.execute(sql + (" LIMIT ?" if limit else ""), (limit,) if limit else ()).fetchall()
        return list(self._readable(rows))

    @_reading
    def run(self, run_id: int) -> RunSummary:
        row = self.conn.execute(f"SELECT {self._RUN_COLUMNS} FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            ids = self.conn.execute("SELECT MIN(id), MAX(id) FROM runs").fetchone()
            known = (
                f"synchronisations enregistrées : n° {ids[0]} à {ids[1]}"
                if ids[0]
                else "aucune synchronisation enregistrée"
            )
            raise HistoryError(f"synchronisation n° {run_id} introuvable ({known}).")
        try:
            return self._summary(row)
        except _DAMAGE as exc:
            raise HistoryError(
                f"la synchronisation n° {run_id} de l'historique {self.path} est illisible ({describe_damage(exc)})."
            ) from None

    @_reading
    def previous_done(
        self, before: int | None = None, *, with_output: bool = False, identity: AllianceIdentity | None = None
    ) -> RunSummary | None:
        """The latest completed run (before run ``before`` when given); with ``identity``,
        the latest of that alliance (a run recorded before identities never is)."""
        sql = (
            f"SELECT {self._RUN_COLUMNS} FROM runs WHERE state = 'done' "
            "AND (output_placed IS NULL OR output_placed = 1)"
        )
        params: list[object] = []
        if before is not None:
            sql += " AND id < ?"
            params.append(before)
        if with_output:
            sql += " AND output IS NOT NULL"
        if identity is not None:
            sql += " AND alliance = ? AND period = ? AND demo = ?"
            params.extend([identity.name, identity.period, int(identity.demo)])
        rows = self.conn.execute(sql + " ORDER BY id DESC", params)
        return next(self._readable(rows), None)

    @_reading
    def records(self, run_id: int, *, decoded: bool = True) -> RunRecords:
        """The run's records. ``decoded=False``: only their digests, each record's JSON
        read again from the database when it is asked for (see :meth:`changes_since`).
        A damaged record is kept as one that cannot be decoded: the comparison of its
        committee says so (sync/history/diff.py)."""
        run = self.run(run_id)
        records = RunRecords(run.fund)
        if run.state != "done":
            return records  # a run that recorded no records
        # The committees in the order of the configuration, as the run read them (its totals' lines).
        order = {code: rank for rank, code in enumerate(self.committee_order(run_id))}
        load = _StoredText(self.conn, run_id)
        for kind, target in ((PROJECT_KIND, records.projects), (PAYMENT_KIND, records.payments)):
            rows = sorted(
                self.conn.execute(
                    "SELECT s.committee, s.row, s.project_id, s.counted, d.data, s.record, s.position "
                    f"FROM record_spans s LEFT JOIN record_data d ON d.id = s.record WHERE s.kind = ? AND {MEMBER}",
                    (kind, run_id, run_id),
                ),
                key=lambda r: (order.get(r[0], len(order)), str(r[0]), r[6] if isinstance(r[6], int) else 0),
            )
            committees: dict[str, str] = {}  # one string per committee, not one per record
            for committee, row, project_id, counted, text, seq, position in rows:
                if not isinstance(committee, str):
                    self.note(
                        f"historique {self.path} : l'enregistrement n° {position} ({kind}) de la synchronisation "
                        f"n° {run_id} n'a pas de comité lisible ; il est ignoré."
                    )
                    continue
                committee = committees.setdefault(committee, committee)
                project_id = project_id if isinstance(project_id, str) else ""
                line = row if isinstance(row, int) else 0
                if not isinstance(text, str):
                    target.append(StoredRecord(committee, line, project_id, bool(counted), json_text=DAMAGED_JSON))
                elif decoded:
                    target.append(StoredRecord(committee, line, project_id, bool(counted), json_text=text))
                else:
                    # The text is read once, for its digest, and let go: read again if it differs.
                    target.append(
                        StoredRecord(
                            committee, line, project_id, bool(counted), digest=record_digest(text), load=load, key=seq
                        )
                    )
        return records

    @_reading
    def settings_of(self, run_id: int) -> RecordedSettings:
        """The configuration and presentation texts run ``run_id`` was made with."""
        row = self.conn.execute(
            "SELECT r.config, c.text, r.presentation, p.text FROM runs r LEFT JOIN settings c ON c.key = r.config "
            "LEFT JOIN settings p ON p.key = r.presentation WHERE r.id = ?",
            (run_id,),
        ).fetchone()
        if row is None:
            return RecordedSettings(None, None, kept=False)
        config_key, config_text, presentation_key, presentation_text = row
        kept = isinstance(config_text, str) and (presentation_key is None or isinstance(presentation_text, str))
        return RecordedSettings(
            config_text if isinstance(config_text, str) else None,
            presentation_text if isinstance(presentation_text, str) else None,
            kept=kept and config_key is not None,
        )

    @_reading
    def source_identities(self, run_id: int) -> dict[str, str | None]:
        """Each committee's source identity in a run (None: recorded before identities)."""
        rows = self.conn.execute("SELECT committee, identity FROM sources WHERE run_id = ?", (run_id,))
        return dict(rows.fetchall())

    def not_comparable(self, base: RunSummary, current: dict[str, str | None]) -> dict[str, str]:
        """The committees whose source differs between run ``base`` and ``current`` (each
        committee's source identity), with why they are not compared, in French."""
        before = self.source_identities(base.id)
        reasons = {}
        for code, now in current.items():
            if code not in before:
                continue  # a committee new since then: all its rows are added
            if before[code] is None or now is None:
                reasons[code] = (
                    f"la synchronisation n° {base.id} ou la suivante a été enregistrée avant que "
                    "l'historique ne garde la source de chaque comité : ses projets et versements "
                    "ne sont pas comparés"
                )
            elif before[code] != now:
                reasons[code] = (
                    f"source changée depuis la synchronisation n° {base.id} (avant : "
                    f"{describe_source(before[code])} ; maintenant : {describe_source(now)}) : "
                    "ses projets et versements ne sont pas comparés"
                )
        return reasons

    def changes_since(
        self,
        base: RunSummary | None,
        records: RunRecords,
        *,
        committee_order: list[str] | None = None,
        sources: dict[str, str | None] | None = None,
    ) -> Changes:
        """What changed from run ``base`` (None: none to compare with) to ``records``;
        ``sources``: each committee's source identity now (a committee read from another
        source than in ``base`` is not compared, and the changes say so).

        Records are compared by the digests of their stored JSON: the previous run's
        rows are read once for their digests, and only those that differ are read
        again and decoded, so neither run stands in memory as text or values (this
        comparison was the peak of memory of a run).
        """
        if base is None:
            return compute_changes(
                None, records, previous_run_id=None, previous_run_at=None, committee_order=committee_order
            )
        previous = self.records(base.id, decoded=False)
        return compute_changes(
            previous,
            records,
            previous_run_id=base.id,
            previous_run_at=base.started_at,
            committee_order=committee_order,
            not_compared=self.not_comparable(base, sources) if sources is not None else None,
        )

    @_reading
    def last_good_copy(
        self, committee: str, source: str | None = None, identity: AllianceIdentity | None = None
    ) -> GoodCopy | None:
        """The committee's last successful read, of the same ``source`` (its identity) by
        a run of the same alliance when given. Its raw rows are None when the copy itself
        is damaged (:class:`GoodCopy`)."""
        sql = (
            "SELECT s.run_id, s.kind, s.location, s.read_at, s.content_hash, p.tabs, s.sheet_ids "
            "FROM sources s JOIN runs r ON r.id = s.run_id LEFT JOIN snapshots p ON p.key = s.snapshot "
            "WHERE s.committee = ? AND s.current = 1 AND r.state = 'done' "
            "AND (r.output_placed IS NULL OR r.output_placed = 1)"
        )
        params: list[object] = [committee]
        if source is not None:
            sql += " AND s.identity = ?"
            params.append(source)
        if identity is not None:
            sql += " AND r.alliance = ? AND r.period = ? AND r.demo = ?"
            params.extend([identity.name, identity.period, int(identity.demo)])
        row = self.conn.execute(sql + " ORDER BY s.run_id DESC LIMIT 1", params).fetchone()
        if row is None:
            return None
        try:
            read_at = _time(row[3])
            sheet_ids = json.loads(row[6])
            if not isinstance(sheet_ids, dict):
                raise TypeError("identifiants d'onglets")
        except _DAMAGE as exc:
            return GoodCopy(row[0], committee, row[1], row[2], None, row[4], None, {}, damage=describe_damage(exc))
        tabs = row[5] if isinstance(row[5], bytes) else None
        return GoodCopy(
            row[0],
            committee,
            row[1],
            row[2],
            read_at,
            row[4],
            tabs,
            sheet_ids,
            damage=None if tabs is not None else "copie brute absente ou endommagée",
        )

    @_reading
    def copy_of_another_source(self, committee: str, source: str, identity: AllianceIdentity) -> str | None:
        """The identity of the source of the committee's last successful read by this
        alliance when it is not ``source``: that copy is never used in its place."""
        row = self.conn.execute(
            "SELECT s.identity FROM sources s JOIN runs r ON r.id = s.run_id WHERE s.committee = ? "
            "AND s.current = 1 AND r.state = 'done' AND r.alliance = ? AND r.period = ? AND r.demo = ? "
            "ORDER BY s.run_id DESC LIMIT 1",
            (committee, identity.name, identity.period, int(identity.demo)),
        ).fetchone()
        return row[0] if row is not None and row[0] != source else None

    @_reading
    def unreadable_since(self, committee: str, source: str | None = None) -> dt.datetime | None:
        """Start of the run that first failed to read this committee's source since
        its last successful read; None when the last recorded read succeeded.
        ``source``: only reads of that source (its identity) count."""
        if source is None:
            row = self.conn.execute(
                "SELECT MIN(r.started_at) FROM sources s JOIN runs r ON r.id = s.run_id "
                "WHERE s.committee = ?1 AND s.current = 0 AND s.run_id > COALESCE("
                "  (SELECT MAX(run_id) FROM sources WHERE committee = ?1 AND current = 1), 0)",
                (committee,),
            ).fetchone()
        else:
            row = self.conn.execute(
                "SELECT MIN(r.started_at) FROM sources s JOIN runs r ON r.id = s.run_id "
                "WHERE s.committee = ?1 AND s.identity = ?2 AND s.current = 0 AND s.run_id > COALESCE("
                "  (SELECT MAX(run_id) FROM sources WHERE committee = ?1 AND identity = ?2 AND current = 1), 0)",
                (committee, source),
            ).fetchone()
        return _time(row[0])

    @_reading
    def source_hashes(self, run_id: int) -> dict[str, str]:
        rows = self.conn.execute("SELECT committee, content_hash FROM sources WHERE run_id = ?", (run_id,))
        return dict(rows.fetchall())

    @_reading
    def committee_names(self, run_id: int) -> dict[str, str]:
        rows = self.conn.execute("SELECT code, name FROM totals WHERE run_id = ? ORDER BY rowid", (run_id,))
        return {code: name for code, name in rows.fetchall() if isinstance(code, str) and isinstance(name, str)}

    def committee_order(self, run_id: int) -> list[str]:
        return list(self.committee_names(run_id))

    def _with_data(self, run: RunSummary) -> RunSummary:
        if not run.has_data:
            why = f" : {run.message.splitlines()[0]}" if run.message else ""
            raise HistoryError(
                f"la synchronisation n° {run.id} du {moment(run.started_at)} n'a pas de données ({run.status()}{why})."
            )
        return run

    @_reading
    def pair_to_compare(self, ids: list[int]) -> tuple[RunSummary | None, RunSummary]:
        """The runs ``alliance-sync diff`` compares: the two given; the one given and
        the completed run before it; by default the last two completed runs."""
        if len(ids) == 2:
            return self._with_data(self.run(ids[0])), self._with_data(self.run(ids[1]))
        if ids:
            after = self._with_data(self.run(ids[0]))
        else:
            latest = self.previous_done()
            if latest is None:
                raise HistoryError("aucune synchronisation terminée n'est enregistrée : rien à comparer.")
            after = latest
        return self.previous_done(before=after.id), after


def _config_text(config: Config) -> str | None:
    """The configuration file's text as this run reads it; None when it cannot be read again."""
    if config.path is None:
        return None
    try:
        return config.path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None


def _setting(conn: sqlite3.Connection, text: str | None) -> str | None:
    """The key of ``text`` among the kept settings, stored once."""
    if text is None:
        return None
    key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    conn.execute("INSERT OR IGNORE INTO settings (key, text) VALUES (?, ?)", (key, text))
    return key


def _settle_placements(conn: sqlite3.Connection) -> None:
    """A run recorded whose workbook's placement was not confirmed (killed between the
    two): its workbook is in place when the file at its path has its digest; otherwise
    the previous workbook stayed, and the run is told interrupted, its rows removed, so
    that the next workbook shows its changes."""
    pending = conn.execute("SELECT id, output, output_sha256 FROM runs WHERE state = 'done' AND output_placed = 0")
    for run_id, output, digest in pending.fetchall():
        if _in_place(output, digest):
            conn.execute("UPDATE runs SET output_placed = 1 WHERE id = ?", (run_id,))
            continue
        _remove_rows(conn, run_id)
        conn.execute(
            "UPDATE runs SET state = 'interrupted', output = NULL, output_sha256 = NULL, output_placed = NULL, "
            "projects = NULL, payments = NULL, errors = NULL, warnings = NULL, message = ? WHERE id = ?",
            (
                "interrompue après son enregistrement, avant la mise en place de son classeur : le classeur "
                "précédent est resté en place.",
                run_id,
            ),
        )


def _in_place(output: object, digest: object) -> bool:
    """The file at a run's recorded workbook path is the workbook it recorded (same digest)."""
    if not isinstance(output, str) or not isinstance(digest, str):
        return False
    try:
        return Path(output).is_file() and file_digest(Path(output)) == digest
    except OSError:
        return False


def _remove_rows(conn: sqlite3.Connection, run_id: int) -> None:
    """Everything recorded of a run but its row (a run that ends up without data); called
    while the run is still recorded (``done``), so that its spans are told apart."""
    remove_spans(conn, run_id)
    for table in ("sources", "totals"):
        conn.execute(f"DELETE FROM {table} WHERE run_id = ?", (run_id,))


def _check_alliance(conn: sqlite3.Connection, state_dir: Path, identity: AllianceIdentity) -> None:
    rows = conn.execute(
        "SELECT alliance, period, demo FROM runs WHERE period IS NOT NULL AND demo IS NOT NULL "
        "GROUP BY alliance, period, demo ORDER BY MAX(id) DESC"
    ).fetchall()
    others = [AllianceIdentity(str(name), str(period), bool(demo)) for name, period, demo in rows]
    others = [other for other in others if other != identity]
    if others:
        raise ForeignHistory(
            f"le dossier d'état {state_dir.absolute()} contient l'historique de {others[0].describe()}, pas celui de "
            f"{identity.describe()} : rien n'y a été écrit. Chaque alliance a son propre dossier d'état, pour "
            "qu'aucune copie de secours ni aucune comparaison ne vienne d'une autre. Indiquez-en un autre : "
            "l'option --state-dir, la variable ALLIANCE_SYNC_STATE_DIR ou la clé state_dir de la table "
            "[alliance] de la configuration."
        )


def describe_damage(exc: BaseException) -> str:
    """Why a stored value could not be read, in French (never a Python class name)."""
    if isinstance(exc, sqlite3.Error):
        return sqlite_problem(exc)
    if isinstance(exc, DamagedRecord):
        return str(exc)
    if isinstance(exc, json.JSONDecodeError):
        return f"JSON illisible à la position {exc.pos}"
    if isinstance(exc, zlib.error):
        return "données compressées illisibles"
    if isinstance(exc, ValueError) and "isoformat" in str(exc):
        return "date illisible"
    return "valeur illisible"


class _StoredText:
    """Reads one recorded record's JSON again, by its number among the stored JSON."""

    __slots__ = ("conn", "run_id")

    def __init__(self, conn: sqlite3.Connection, run_id: int):
        self.conn = conn
        self.run_id = run_id

    def __call__(self, record: int) -> str:
        try:
            row = self.conn.execute("SELECT data FROM record_data WHERE id = ?", (record,)).fetchone()
        except sqlite3.Error as exc:
            raise DamagedRecord(sqlite_problem(exc)) from None
        if row is None or not isinstance(row[0], str):
            raise DamagedRecord(f"enregistrement n° {record} de la synchronisation n° {self.run_id} illisible")
        return row[0]


def _primary_code(exc: sqlite3.Error) -> int:
    code = getattr(exc, "sqlite_errorcode", None)
    return -1 if code is None else code & 0xFF  # extended codes keep the primary one in the low byte


# SQLite's reasons, in French (its own text is in English).
_SQLITE_REASONS = {
    sqlite3.SQLITE_BUSY: "occupée par un autre programme, par exemple un outil qui l'a ouverte : fermez-le "
    "puis relancez",
    sqlite3.SQLITE_LOCKED: "occupée par un autre programme : fermez-le puis relancez",
    sqlite3.SQLITE_FULL: "disque plein",
    sqlite3.SQLITE_READONLY: "en lecture seule",
    sqlite3.SQLITE_IOERR: "erreur d'entrée-sortie du disque",
    sqlite3.SQLITE_CORRUPT: "fichier endommagé",
    sqlite3.SQLITE_NOTADB: "ce n'est pas une base SQLite",
    sqlite3.SQLITE_CANTOPEN: "fichier impossible à ouvrir",
}


def sqlite_problem(exc: sqlite3.Error) -> str:
    """Why SQLite failed, in French; its own words kept for the rare other cases."""
    reason = _SQLITE_REASONS.get(_primary_code(exc))
    return reason if reason else f"erreur SQLite : {exc}"


def _finding_row(f: Finding) -> tuple[object, ...]:
    """The columns of the findings table for ``f`` (its :meth:`~Finding.to_dict`), read back
    by :func:`finding_of_row`."""
    d = f.to_dict()
    return (
        d["severity"],
        d["code"],
        d["committee"],
        d["sheet"],
        d["cell"],
        d["row"],
        d["project_id"],
        d["message"],
        d["field"],
        json.dumps(d["values"], ensure_ascii=False),
    )


FINDING_COLUMNS = ", ".join(FINDING_FIELDS)


def finding_of_row(row: SqlRow) -> Finding:
    """A finding of the findings table (columns :data:`FINDING_COLUMNS`), equal to the one
    recorded. A row of a history older than its values (or whose values are damaged) keeps
    its stored message."""
    severity, code, committee, sheet, cell, number, project_id, message, field_name, data = row
    stored = {
        "severity": severity,
        "code": code,
        "committee": committee,
        "sheet": sheet,
        "cell": cell,
        "row": number,
        "project_id": project_id,
        "field": field_name or "",
        "message": message,
    }
    try:
        values = json.loads(data) if data else {}
        found = Finding.from_dict({**stored, "values": values})
        found.message  # noqa: B018 -- values that cannot be worded are damaged: the stored message stands
        return found
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        # An unknown code or severity fails here too: the caller says the history is damaged.
        return Finding.from_dict(stored)
