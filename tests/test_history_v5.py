"""A history of schema 5, written by the tool before schema 6 (tests/fixtures/history/README.md),
migrated to schema 6: each record kept once, each run's records as spans of runs, and every past
run read as it was (records, diff, report RUN, the closed year, the last good copy)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import openpyxl
import pytest

from sync.history import History, schema
from tests.support.builders import project
from tests.support.history import Alliance

FIXTURES = Path(__file__).parent / "fixtures" / "history"


def v5_records(db: Path) -> dict[int, dict[str, list[tuple]]]:
    """Each run's records as schema 5 kept them, in reading order."""
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (5,)
        return {
            run_id: {
                table: conn.execute(
                    f"SELECT committee, row, project_id, counted, data FROM {table} WHERE run_id = ? ORDER BY seq",
                    (run_id,),
                ).fetchall()
                for table in ("projects", "payments")
            }
            for (run_id,) in conn.execute("SELECT id FROM runs ORDER BY id")
        }


@pytest.fixture
def migrated(tmp_path) -> Alliance:
    """The alliance of the fixture, its state folder holding the history of schema 5."""
    alliance = Alliance(tmp_path)
    alliance.state.mkdir()
    shutil.copy(FIXTURES / "schema-5.sqlite", alliance.db)
    return alliance


FINDINGS = (
    "SELECT run_id, seq, severity, code, committee, sheet, cell, row, project_id, message, field, data FROM findings"
)


def test_every_run_of_schema_5_reads_back_the_same_records_after_the_migration(migrated):
    before = v5_records(migrated.db)
    findings = migrated.query(FINDINGS + " ORDER BY run_id, seq")
    assert [(f[0], f[3], f[6]) for f in findings] == [
        (3, "CLOSED_YEAR_CHANGED", "M3"),
        (4, "CLOSED_YEAR_CHANGED", "M3"),
    ]
    assert [len(before[run]["projects"]) for run in (1, 2, 3, 4)] == [3, 3, 4, 4]
    with History.open(migrated.state) as history:
        assert schema.schema_version(history.conn) == len(schema.MIGRATIONS) == 6
        for run_id, tables in before.items():
            records = history.records(run_id)
            for table, stored in (("projects", records.projects), ("payments", records.payments)):
                assert [(r.committee, r.row, r.project_id, int(r.counted), r.to_json()) for r in stored] == tables[
                    table
                ]
    tables = {r[0] for r in migrated.query("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert not {"projects", "payments"} & tables
    assert migrated.query("PRAGMA freelist_count") == [(0,)]  # the space of the old tables given back
    # Each record's JSON once: 3 projects and 4 payments, then a title, an amount and a project changed.
    assert migrated.query("SELECT COUNT(*) FROM record_data") == [(10,)]
    # The findings read back the same (a view over their spans); run 4's, the same as run 3's, kept once.
    assert migrated.query(FINDINGS + " ORDER BY run_id, seq") == findings
    assert migrated.query("SELECT COUNT(*) FROM finding_data") == [(1,)]
    # Run 4 read what run 3 read: nothing of its own.
    assert migrated.query("SELECT first_run, COUNT(*) FROM record_spans GROUP BY first_run") == [(1, 7), (2, 2), (3, 1)]
    assert migrated.query("SELECT last_run, COUNT(*) FROM record_spans GROUP BY last_run") == [(None, 8), (1, 2)]


def test_diff_of_migrated_runs_shows_what_changed_then(migrated):
    result = migrated.cli("diff", "1", "2")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:] == [
        "Projets : 0 ajouté, 1 modifié, 0 supprimé. Versements : 0 ajouté, 1 modifié, 0 supprimé.",
        "",
        "OUEST — Ouest de la Montérégie",
        "  Projet modifié : OUE-2020-001 — Frigos partagés",
        "      Titre du projet : Frigos solidaires → Frigos partagés",
        "  Versement modifié : OUE-2020-002 · 2020-05-01 · réf. VER-3 — Versement de 6 000,00 $",
        "      Montant : 5 000,00 $ → 6 000,00 $",
    ]
    assert migrated.cli("diff", "3", "4").stdout.endswith(" et la n° 4 du 2026-12-05 14:28 : aucun changement.\n")


def test_report_of_a_migrated_run_is_the_workbook_written_that_night(migrated):
    target = migrated.folder / "refait-2.xlsx"
    result = migrated.cli(
        "report", "2", "--output", str(target), "--config", str(migrated.config), "--state-dir", str(migrated.state)
    )
    assert result.exit_code == 0, result.output
    assert "la configuration de la synchronisation n° 2 n'est pas gardée dans l'historique" in result.stderr
    night = openpyxl.load_workbook(FIXTURES / "schema-5-nuit-2.xlsx")
    rebuilt = openpyxl.load_workbook(target)
    assert rebuilt.sheetnames == night.sheetnames
    for sheet in night.sheetnames:
        if sheet == "À propos":  # names the files of the folder the fixture was made in
            continue
        assert [[c.value for c in row] for row in rebuilt[sheet].iter_rows()] == [
            [c.value for c in row] for row in night[sheet].iter_rows()
        ], sheet


def test_a_night_after_the_migration_compares_the_closed_year_and_grows_by_its_changes(migrated):
    # The committees as run 4 read them: 2020-2021, closed with run 2, differs by EST-2020-002.
    est = migrated.workbooks["EST"]
    migrated.rewrite(
        "EST",
        projects=[*est["projects"], project("EST-2020-002", title="Cuisine collective")],
        payments=est["payments"],
    )
    ouest = migrated.workbooks["OUEST"]
    migrated.rewrite(
        "OUEST",
        projects=[{**ouest["projects"][0], "Titre du projet": "Frigos partagés"}, *ouest["projects"][1:]],
        payments=[*ouest["payments"][:2], {**ouest["payments"][2], "Montant": 6000}],
    )
    result = migrated.cli("run")
    assert result.exit_code == 1, result.output
    assert migrated.query("SELECT code, cell, project_id FROM findings WHERE run_id = 5") == [
        ("CLOSED_YEAR_CHANGED", "M3", "EST-2020-002")
    ]
    # Nothing changed since run 4: no record, no span stored.
    assert migrated.query("SELECT COUNT(*) FROM record_data") == [(10,)]
    assert migrated.query("SELECT COUNT(*) FROM record_spans WHERE first_run = 5") == [(0,)]
    with History.open(migrated.state) as history:
        assert [r.project_id for r in history.records(5).projects] == [
            "OUE-2020-001",
            "OUE-2020-002",
            "EST-2020-001",
            "EST-2020-002",
        ]


def test_a_migrated_history_gives_the_last_good_copy_and_the_evolution_points(migrated):
    with sqlite3.connect(migrated.db) as conn:  # runs 1 and 2 in September, 3 and 4 in October
        for run_id, day in ((1, "09-01"), (2, "09-30"), (3, "10-01"), (4, "10-31")):
            conn.execute("UPDATE runs SET started_at = ? WHERE id = ?", (f"2026-{day}T23:00:00+00:00", run_id))
        for code in ("OUEST", "EST", "LONGUEUIL"):  # the same workbooks, in this test's folder
            identity = f"xlsx:{migrated.workbook(code).resolve()}"
            conn.execute("UPDATE sources SET identity = ? WHERE committee = ?", (identity, code))
    with History.open(migrated.state) as history:
        copy = history.last_good_copy("EST")
        assert copy is not None and (copy.run_id, copy.damage) == (4, None)
    migrated.workbook("EST").unlink()  # unreadable tonight: its copy of run 4 stands in
    result = migrated.cli("run")
    assert result.exit_code == 1, result.output
    assert migrated.query("SELECT current FROM sources WHERE run_id = 5 AND committee = 'EST'") == [(0,)]
    assert migrated.query("SELECT projects FROM runs WHERE id = 5") == [(4,)]  # EST-2020-002 of run 4 included
    months = openpyxl.load_workbook(migrated.output)["Évolution"]
    assert [months[f"{column}{row}"].value for row in (5, 6) for column in "AC"] == [
        "2026-09",
        "n° 2",
        "2026-10",
        "n° 4",
    ]
