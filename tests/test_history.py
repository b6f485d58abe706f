"""The history database (docs/exploitation.md): raw rows kept exactly, schema versions, what a
run records, the last good copy and since when a source is unreadable."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from decimal import Decimal

import pytest

from sync.config import load_config
from sync.errors import HistoryError, SourceUnavailable
from sync.history import History, schema
from sync.history.codec import pack_tabs, unpack_tabs
from sync.history.deliveries import run_findings
from sync.history.fallback import LastGoodCopy
from sync.pipeline import build_report
from tests.support.builders import project
from tests.support.history import Alliance, as_schema_5

NOW = dt.datetime(2026, 1, 15, 2, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5)))


def test_raw_rows_round_trip_with_their_types():
    tabs = {
        "Projets": [
            ["No projet", "Coût total", "Date de début"],
            ["OUE-1", 0.1 + 0.2, dt.datetime(2020, 4, 1)],
            ["OUE-2", 12500, "01/04/2020"],
            [None, True, dt.date(2021, 3, 31)],
            ["2020-04-01 00:00:00", Decimal("12.50"), dt.time(8, 30)],
            [float("inf"), -0.0, dt.timedelta(days=1.5)],
        ],
        "$date": [],  # a tab title that looks like a tag stays a title
    }
    key, blob = pack_tabs(tabs)
    back = unpack_tabs(blob)
    assert back == tabs
    assert list(back) == ["Projets", "$date"]
    rows = back["Projets"]
    assert rows[1][1] == 0.30000000000000004 and type(rows[1][1]) is float
    assert type(rows[1][2]) is dt.datetime and type(rows[3][2]) is dt.date
    assert type(rows[2][1]) is int and rows[3][1] is True
    assert rows[4][0] == "2020-04-01 00:00:00"  # text that looks like a date stays text
    # A date and the same-looking text are different content.
    other_key, _ = pack_tabs({**tabs, "Projets": [*rows[:4], [dt.datetime(2020, 4, 1), *rows[4][1:]], rows[5]]})
    assert other_key != key


def test_new_database_is_at_the_latest_version_and_reopens(tmp_path):
    with History.open(tmp_path / "etat") as history:
        assert schema.schema_version(history.conn) == len(schema.MIGRATIONS)
    with History.open(tmp_path / "etat") as history:
        assert schema.schema_version(history.conn) == len(schema.MIGRATIONS)
        tables = {r[0] for r in history.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"runs", "snapshots", "sources", "record_data", "record_spans", "finding_data", "finding_spans"} <= tables
    assert "totals" in tables and not {"projects", "payments", "findings"} & tables  # findings: a view


def test_migrations_run_in_order_once_each(tmp_path, monkeypatch):
    with History.open(tmp_path):
        pass
    extra = "ALTER TABLE runs ADD COLUMN host TEXT;\nCREATE INDEX runs_by_state ON runs (state);"
    latest = len(schema.MIGRATIONS) + 1
    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, extra])
    with History.open(tmp_path) as history:
        assert schema.schema_version(history.conn) == latest
        columns = [r[1] for r in history.conn.execute("PRAGMA table_info(runs)")]
        assert columns[-1] == "host"
    with History.open(tmp_path) as history:  # not applied twice (ALTER would fail)
        assert schema.schema_version(history.conn) == latest


def test_failed_migration_leaves_the_previous_version(tmp_path, monkeypatch):
    with History.open(tmp_path):
        pass
    previous = len(schema.MIGRATIONS)
    monkeypatch.setattr(
        schema,
        "MIGRATIONS",
        [*schema.MIGRATIONS, "ALTER TABLE runs ADD COLUMN host TEXT;\nALTER TABLE nowhere ADD COLUMN x TEXT;"],
    )
    with pytest.raises(HistoryError):
        History.open(tmp_path)
    with sqlite3.connect(tmp_path / "historique.sqlite") as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == previous
        assert "host" not in [r[1] for r in conn.execute("PRAGMA table_info(runs)")]


def test_database_from_a_newer_tool_is_refused(tmp_path):
    with History.open(tmp_path):
        pass
    with sqlite3.connect(tmp_path / "historique.sqlite") as conn:
        conn.execute("PRAGMA user_version = 7")
    with pytest.raises(HistoryError) as caught:
        History.open(tmp_path)
    assert caught.value.exit_code == 2
    assert (
        f"est au format 7, plus récent que celui de cette version d'alliance-sync (format {len(schema.MIGRATIONS)})"
    ) in caught.value.message


def test_a_file_that_is_not_a_database_gets_a_french_error(tmp_path):
    (tmp_path / "historique.sqlite").write_bytes(b"ceci n'est pas une base SQLite" * 100)
    with pytest.raises(HistoryError) as caught:
        History.open(tmp_path)
    assert "est illisible" in caught.value.message
    assert "Déplacez-la ailleurs pour repartir d'un historique vide" in caught.value.message


def test_a_run_records_sources_records_findings_and_totals(tmp_path):
    alliance = Alliance(tmp_path)
    result = alliance.cli("run")
    assert result.exit_code == 0, result.output
    [run] = alliance.query("SELECT id, state, projects, payments, errors, warnings, fallbacks, output FROM runs")
    assert run == (1, "done", 3, 4, 0, 0, 0, str(alliance.output))
    sources = alliance.query(
        "SELECT committee, kind, location, current, problem, snapshot IS NOT NULL FROM sources ORDER BY rowid"
    )
    assert sources == [
        ("OUEST", "xlsx", str(alliance.workbook("OUEST")), 1, None, 1),
        ("EST", "xlsx", str(alliance.workbook("EST")), 1, None, 1),
        ("LONGUEUIL", "xlsx", str(alliance.workbook("LONGUEUIL")), 1, None, 1),
    ]
    projects = alliance.query(
        "SELECT s.committee, s.row, s.project_id, s.counted, d.data FROM record_spans s "
        "JOIN record_data d ON d.id = s.record WHERE s.kind = 'project' ORDER BY d.id"
    )
    assert [p[:4] for p in projects] == [
        ("OUEST", 2, "OUE-2020-001", 1),
        ("OUEST", 3, "OUE-2020-002", 1),
        ("EST", 2, "EST-2020-001", 1),
    ]
    values = json.loads(projects[0][4])["values"]
    assert values["title"] == "Frigos solidaires"
    assert values["fqis_total"] == 6_000_000 and values["year:2019-2020"] == 3_000_000
    assert values["start_date"] == "2019-06-01" and values["participants_target"] == 20
    payments = alliance.query(
        "SELECT s.project_id, json_extract(d.data, '$.values.amount'), json_extract(d.data, '$.values.date') "
        "FROM record_spans s JOIN record_data d ON d.id = s.record WHERE s.kind = 'payment' ORDER BY d.id"
    )
    assert payments == [
        ("OUE-2020-001", 1_000_000, "2020-05-01"),
        ("OUE-2020-001", 1_500_000, "2020-09-01"),
        ("OUE-2020-002", 500_000, "2020-05-01"),
        ("EST-2020-001", 2_000_000, "2020-05-01"),
    ]
    totals = alliance.query(
        "SELECT code, allocation, committed, paid, projects_total, committed_by_year FROM totals ORDER BY rowid"
    )
    assert totals[0][:5] == ("OUEST", 260_000_000, 12_000_000, 3_000_000, 2)
    assert json.loads(totals[0][5]) == {"2019-2020": 6_000_000, "2020-2021": 6_000_000, "2021-2022": 0, "2022-2023": 0}
    assert totals[1][:5] == ("EST", 390_000_000, 6_000_000, 2_000_000, 1)


def test_findings_are_recorded_with_every_field(tmp_path):
    alliance = Alliance(tmp_path)
    alliance.rewrite(
        "EST",
        projects=[alliance.workbooks["EST"]["projects"][0]],
        payments=[
            {"No projet": "EST-2020-009", "Date du versement": dt.date(2020, 5, 1), "Montant": 100, "Référence": "E-9"}
        ],
    )
    assert alliance.cli("run").exit_code == 1
    rows = alliance.query("SELECT severity, code, committee, sheet, cell, row, project_id, field, data FROM findings")
    assert rows == [
        (
            "error",
            "PAYMENT_UNKNOWN_PROJECT",
            "EST",
            "Versements",
            "A2",
            2,
            "EST-2020-009",
            "project_id",
            '{"value": "EST-2020-009", "closest": "EST-2020-001"}',
        )
    ]
    assert alliance.query("SELECT errors, warnings FROM runs") == [(1, 0)]


def test_findings_read_back_from_the_history_are_the_live_ones(tmp_path):
    alliance = Alliance(tmp_path)
    first, second = alliance.workbooks["OUEST"]["projects"][:2]
    alliance.rewrite(
        "OUEST",
        projects=[
            {**first, "Date de début": dt.date(2018, 1, 1), "Priorité": "Logemnt", "Coût total": "12 500,5 $ environ"},
            {**second, "No projet": first["No projet"], "FQIS total": 1},
        ],
        payments=[{"No projet": "OUE-2020-099", "Date du versement": dt.date(2020, 5, 1), "Montant": 100}],
    )
    live = build_report(load_config(alliance.config)).findings
    assert alliance.cli("run").exit_code == 1
    with History.open(alliance.state) as history:
        recorded = run_findings(history, 1)
    assert {f.code for f in live} >= {
        "DATE_OUTSIDE_PERIOD",
        "UNKNOWN_VALUE",
        "INVALID_AMOUNT",
        "DUPLICATE_PROJECT_ID",
        "YEAR_SPLIT_MISMATCH",
        "PAYMENT_UNKNOWN_PROJECT",
    }
    assert recorded == live
    assert [(f.field, f.values, f.message) for f in recorded] == [(f.field, f.values, f.message) for f in live]
    [outside] = [f for f in recorded if f.code == "DATE_OUTSIDE_PERIOD"]
    assert outside.values["value"] == dt.date(2018, 1, 1) and outside.field == "start_date"


def test_damaged_values_of_a_finding_leave_its_stored_message_and_an_unknown_code_is_a_french_error(tmp_path):
    alliance = Alliance(tmp_path)
    alliance.rewrite(
        "EST",
        projects=[alliance.workbooks["EST"]["projects"][0]],
        payments=[
            {"No projet": "EST-2020-009", "Date du versement": dt.date(2020, 5, 1), "Montant": 100, "Référence": "E-9"}
        ],
    )
    assert alliance.cli("run").exit_code == 1
    [(message,)] = alliance.query("SELECT message FROM findings")
    for data in ('{"value": "EST-2020-009"', '{"closest": null}', "[1, 2]"):  # cut short, a key missing, no object
        with sqlite3.connect(alliance.db) as conn:
            conn.execute("UPDATE finding_data SET data = ?", (data,))
        with History.open(alliance.state) as history:
            [found] = run_findings(history, 1)
        assert (found.code, found.cell, found.field, found.values, found.message) == (
            "PAYMENT_UNKNOWN_PROJECT",
            "A2",
            "project_id",
            {},
            message,
        )
    with sqlite3.connect(alliance.db) as conn:
        conn.execute("UPDATE finding_data SET code = 'FUTURE_CODE'")
    with History.open(alliance.state) as history, pytest.raises(HistoryError) as caught:
        run_findings(history, 1)
    assert caught.value.message.startswith(
        f"la base d'historique {alliance.db} est endommagée ou n'est pas celle "
        "d'alliance-sync (constat de code ou de gravité inconnu)."
    )


def test_findings_of_a_history_before_values_read_back_with_an_empty_field(tmp_path):
    alliance = Alliance(tmp_path)
    alliance.rewrite(
        "EST",
        projects=[alliance.workbooks["EST"]["projects"][0]],
        payments=[
            {"No projet": "EST-2020-009", "Date du versement": dt.date(2020, 5, 1), "Montant": 100, "Référence": "E-9"}
        ],
    )
    assert alliance.cli("run").exit_code == 1
    message = alliance.query("SELECT message FROM findings")[0][0]
    # The tool as it was at schema 3: findings without their field nor their values.
    with sqlite3.connect(alliance.db) as conn:
        as_schema_5(conn)
        conn.execute("ALTER TABLE findings DROP COLUMN field")
        conn.execute("ALTER TABLE findings DROP COLUMN data")
        conn.execute("DROP TABLE closures")
        conn.execute("PRAGMA user_version = 3")
    with History.open(alliance.state) as history:
        assert schema.schema_version(history.conn) == len(schema.MIGRATIONS) == 6
        [old] = run_findings(history, 1)
    assert (old.code, old.cell, old.field, old.values) == ("PAYMENT_UNKNOWN_PROJECT", "A2", "", {})
    assert (
        old.message
        == message
        == (
            "Le versement nomme le projet « EST-2020-009 », absent de l'onglet Projets de "
            "ce comité. Attendu : le No projet d'un projet de ce comité. "
            "Vouliez-vous dire « EST-2020-001 » ?"
        )
    )


def test_unchanged_content_is_stored_once(tmp_path):
    alliance = Alliance(tmp_path)
    assert alliance.cli("run").exit_code == 0
    assert alliance.cli("run").exit_code == 0
    assert alliance.query("SELECT COUNT(*) FROM snapshots") == [(3,)]
    alliance.rewrite("EST", projects=[project("EST-2020-002")])
    assert alliance.cli("run").exit_code == 0
    assert alliance.query("SELECT COUNT(*) FROM snapshots") == [(4,)]
    alliance.rewrite("EST", projects=[])  # the same content as LONGUEUIL's: stored once
    assert alliance.cli("run").exit_code == 0
    assert alliance.query("SELECT COUNT(*) FROM snapshots") == [(4,)]
    hashes = alliance.query("SELECT run_id, content_hash FROM sources WHERE committee = 'OUEST' ORDER BY run_id")
    assert hashes[0][1] == hashes[1][1] == hashes[2][1]


def _unavailable(committee: str) -> SourceUnavailable:
    return SourceUnavailable("fichier introuvable : /nulle/part.xlsx", committee=committee)


def test_last_good_copy_is_the_latest_successful_read(tmp_path):
    alliance = Alliance(tmp_path)
    assert alliance.cli("run").exit_code == 0
    alliance.rewrite("OUEST", projects=[project("OUE-2020-009")])
    assert alliance.cli("run").exit_code == 0
    config = load_config(alliance.config)
    with History.open(alliance.state) as history:
        fallback = LastGoodCopy(history, config, NOW)
        raw, info = fallback(config.committee("OUEST"), _unavailable("OUEST"))
    assert [row[0] for row in raw.tabs["Projets"]] == ["No projet", "OUE-2020-009"]
    assert info.current is False and info.problem == "fichier introuvable : /nulle/part.xlsx"
    assert info.unavailable_since == NOW  # first failure: this run
    assert info.location == str(alliance.workbook("OUEST"))
    assert fallback.unreadable["OUEST"].problem == "fichier introuvable : /nulle/part.xlsx"


def test_no_copy_for_a_committee_never_read(tmp_path):
    alliance = Alliance(tmp_path)
    config = load_config(alliance.config)
    with History.open(alliance.state) as history:
        fallback = LastGoodCopy(history, config, NOW)
        assert fallback(config.committee("EST"), _unavailable("EST")) is None
        assert fallback.unreadable["EST"].since == NOW


def test_copy_goes_through_the_same_parsing_as_a_fresh_read(tmp_path):
    alliance = Alliance(tmp_path)
    assert alliance.cli("run").exit_code == 0
    config = load_config(alliance.config)
    fresh = build_report(config)
    alliance.workbook("OUEST").unlink()
    with History.open(alliance.state) as history:
        copied = build_report(
            load_config(alliance.config, check_files=False), fallback=LastGoodCopy(history, config, NOW), now=NOW
        )
    assert copied.workbooks["OUEST"].projects == fresh.workbooks["OUEST"].projects
    assert copied.workbooks["OUEST"].payments == fresh.workbooks["OUEST"].payments
    assert copied.totals.line("OUEST") == fresh.totals.line("OUEST")
    assert [f.code for f in copied.findings] == ["SOURCE_UNAVAILABLE"]


def test_unreadable_since_the_first_failed_run_after_the_last_good_read(tmp_path):
    alliance = Alliance(tmp_path)
    assert alliance.cli("run").exit_code == 0
    alliance.workbook("OUEST").unlink()
    assert alliance.cli("run").exit_code == 1
    assert alliance.cli("run").exit_code == 1
    starts = dict(alliance.query("SELECT id, started_at FROM runs"))
    with History.open(alliance.state) as history:
        assert history.unreadable_since("OUEST") == dt.datetime.fromisoformat(starts[2])
        assert history.unreadable_since("EST") is None
    alliance.rewrite("OUEST", **alliance.workbooks["OUEST"])
    assert alliance.cli("run").exit_code == 0
    with History.open(alliance.state) as history:
        assert history.unreadable_since("OUEST") is None


# -- a history held or refused by the system ------------------------------------------


@pytest.fixture
def impatient_sqlite(monkeypatch):
    """SQLite gives up waiting for a busy database at once (the tool waits 30 s)."""
    import sqlite3

    connect = sqlite3.connect

    def quick(*args, **kwargs):
        kwargs["timeout"] = 0.05
        return connect(*args, **kwargs)

    monkeypatch.setattr("sync.history.store.sqlite3.connect", quick)


def _hold_database(state_dir):
    import sqlite3

    holder = sqlite3.connect(state_dir / "historique.sqlite", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # a database browser in the middle of an edit
    return holder


def test_a_history_held_by_another_program_is_not_called_unreadable(tmp_path, impatient_sqlite):
    # It used to say « illisible (database is locked) » and advise moving the history away.
    from sync.errors import HistoryError
    from sync.history import History

    History.open(tmp_path).close()
    holder = _hold_database(tmp_path)
    try:
        with pytest.raises(HistoryError) as caught:
            History.open(tmp_path)
    finally:
        holder.close()
    message = caught.value.message
    assert message.startswith(
        f"la base d'historique {tmp_path / 'historique.sqlite'} ne peut pas être utilisée "
        "(occupée par un autre programme"
    )
    assert "Déplacez-la" not in message and "locked" not in message


def test_a_history_that_cannot_be_written_during_a_run_is_a_french_error(tmp_path, impatient_sqlite):
    from sync.errors import HistoryError
    from sync.history import History
    from tests.support.builders import write_config

    config = load_config(write_config(tmp_path))
    with History.open(tmp_path / "etat") as history:
        holder = _hold_database(tmp_path / "etat")
        try:
            with pytest.raises(HistoryError) as caught:
                history.start_run(config, dt.datetime.now().astimezone())
        finally:
            holder.close()
    assert caught.value.message == (
        f"la base d'historique {tmp_path / 'etat' / 'historique.sqlite'} ne peut pas être écrite (occupée par un "
        "autre programme, par exemple un outil qui l'a ouverte : fermez-le puis relancez) ; rien n'y a été "
        "enregistré."
    )


# ---------------------------------------------------------------- records, compared by digest


def test_a_record_is_stored_as_the_same_json_as_before_digests():
    from sync.history.codec import store_payment, store_project
    from sync.parsing.records import Payment, Project
    from sync.vocabulary.template import project_columns

    columns = project_columns("FQIS", ["2019-2020", "2020-2021"])
    record = Project(
        "OUEST",
        "Projets",
        7,
        project_id="OUE-1",
        title="Frigos — Roussillon",
        status="En cours",
        start_date=dt.date(2019, 6, 1),
        total_cost=10_000_000,
        fqis_by_year={"2020-2021": 3_000_000},
        participants_target=20,
        invalid={"other_contributions", "fqis_total"},
    )
    stored = store_project(record, columns)
    assert stored.to_json() == (
        '{"values":{"project_id":"OUE-1","title":"Frigos — Roussillon","organization":"","organization_type":"",'
        '"territory":"","priority":"","status":"En cours","approval_date":null,"start_date":"2019-06-01",'
        '"end_date":null,"total_cost":10000000,"year:2019-2020":null,"year:2020-2021":3000000,"fqis_total":null,'
        '"other_contributions":null,"participants_target":20,"participants_reached":null,"notes":""},'
        '"invalid":["fqis_total","other_contributions"]}'
    )
    assert (stored.committee, stored.row, stored.project_id, stored.counted) == ("OUEST", 7, "OUE-1", True)
    assert stored.values["start_date"] == "2019-06-01" and stored.invalid == {"fqis_total", "other_contributions"}
    payment = store_payment(Payment("EST", "Versements", 3, "EST-1", dt.date(2020, 5, 1), 150_000, "=1+1"))
    assert payment.to_json() == (
        '{"values":{"project_id":"EST-1","date":"2020-05-01","amount":150000,"reference":"=1+1","note":""}}'
    )


def _count_reread(monkeypatch) -> list[int]:
    """The previous run's records whose JSON is read again (their digest differed)."""
    from sync.history import store

    reread: list[int] = []
    real = store._StoredText.__call__

    def counting(self, seq):
        reread.append(seq)
        return real(self, seq)

    monkeypatch.setattr(store._StoredText, "__call__", counting)
    return reread


def _changes_now(alliance: Alliance):
    from sync.history import records_of_report

    config = load_config(alliance.config)
    report = build_report(config)
    with History.open(alliance.state) as history:
        return history.changes_since(
            history.previous_done(), records_of_report(report), committee_order=[c.code for c in config.committees]
        )


def test_an_unchanged_night_reads_no_previous_record_again_and_a_change_reads_only_its_own(tmp_path, monkeypatch):
    alliance = Alliance(tmp_path)
    assert alliance.cli("run").exit_code == 0
    reread = _count_reread(monkeypatch)
    changes = _changes_now(alliance)
    assert (changes.previous_run_id, changes.items, reread) == (1, [], [])

    ouest = alliance.workbooks["OUEST"]
    alliance.rewrite(
        "OUEST",
        projects=[{**ouest["projects"][0], "Titre du projet": "Frigos partagés"}, *ouest["projects"][1:]],
        payments=ouest["payments"],
    )
    changes = _changes_now(alliance)
    assert [(c.kind, c.record, c.key, [(f.field, f.before, f.after) for f in c.fields]) for c in changes.items] == [
        ("modifié", "projet", "OUE-2020-001", [("Titre du projet", "Frigos solidaires", "Frigos partagés")])
    ]
    first = alliance.query(
        "SELECT record FROM record_spans WHERE kind = 'project' AND committee = 'OUEST' AND position = 0"
    )
    assert [(r,) for r in reread] == first  # the first project of run 1, alone


def test_the_changes_of_a_run_are_the_same_from_digests_as_from_decoded_records(tmp_path):
    from sync.history import compute_changes

    alliance = Alliance(tmp_path)
    assert alliance.cli("run").exit_code == 0
    est = alliance.workbooks["EST"]
    alliance.rewrite(
        "EST",
        projects=[project("EST-2020-002"), *est["projects"]],
        payments=[{**est["payments"][0], "Montant": 1_234.5}],
    )
    alliance.rewrite("LONGUEUIL", projects=[], payments=[])
    assert alliance.cli("run").exit_code == 0
    with History.open(alliance.state) as history:
        decoded = compute_changes(history.records(1), history.records(2), previous_run_id=1, previous_run_at=None).items
        run_2 = history.records(2, decoded=False)
        lazy = history.changes_since(history.run(1), run_2).items
    assert lazy == decoded
    assert {(c.kind, c.record, c.committee) for c in lazy} == {
        ("ajouté", "projet", "EST"),
        ("modifié", "versement", "EST"),
    }


# ---------------------------------------------------------------- each record stored once (schema 6)


def spans(alliance: Alliance) -> list[tuple]:
    return alliance.query(
        "SELECT kind, committee, position, project_id, first_run, last_run FROM record_spans "
        "ORDER BY first_run, kind, committee, position"
    )


def test_a_night_stores_only_the_records_it_changed(tmp_path):
    alliance = Alliance(tmp_path)
    assert alliance.cli("run").exit_code == 0
    assert alliance.query("SELECT COUNT(*) FROM record_data") == [(7,)]  # 3 projects, 4 payments
    assert alliance.cli("run").exit_code == 0  # nothing changed: nothing stored
    assert alliance.query("SELECT COUNT(*) FROM record_data") == [(7,)]
    assert all(span[4:] == (1, None) for span in spans(alliance))
    est = alliance.workbooks["EST"]
    alliance.rewrite("EST", projects=est["projects"], payments=[{**est["payments"][0], "Montant": 250}])
    assert alliance.cli("run").exit_code == 0
    # One payment changed: its new JSON and its span, the old span closed at run 2.
    assert alliance.query("SELECT COUNT(*) FROM record_data") == [(8,)]
    assert [s for s in spans(alliance) if s[4:] != (1, None)] == [
        ("payment", "EST", 0, "EST-2020-001", 1, 2),
        ("payment", "EST", 0, "EST-2020-001", 3, None),
    ]
    with History.open(alliance.state) as history:
        amounts = [[p.values["amount"] for p in history.records(run).payments] for run in (1, 2, 3)]
    assert amounts == [[1_000_000, 1_500_000, 500_000, 2_000_000]] * 2 + [[1_000_000, 1_500_000, 500_000, 25_000]]


def test_a_run_whose_workbook_could_not_be_put_in_place_gives_back_its_spans(tmp_path):
    alliance = Alliance(tmp_path)
    assert alliance.cli("run").exit_code == 0
    before = (spans(alliance), alliance.query("SELECT id, data FROM record_data ORDER BY id"))
    alliance.rewrite("EST", projects=[], payments=[])  # EST's records gone tonight
    config = load_config(alliance.config)
    report = build_report(config)
    with History.open(alliance.state) as history:
        run_id = history.start_run(config, dt.datetime.now().astimezone())
        with history.recording(run_id, report, alliance.output, output_sha256="0" * 64):
            pass
        assert history.records(run_id).projects[-1].committee == "OUEST"  # recorded without EST's
        history.fail_run(run_id, "le classeur n'a pas pu être mis en place")
        assert history.records(1).projects[-1].project_id == "EST-2020-001"
    assert (spans(alliance), alliance.query("SELECT id, data FROM record_data ORDER BY id")) == before
