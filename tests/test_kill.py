"""A run killed at any moment leaves the database and the previous workbook intact
(docs/exploitation.md). Each run is a real ``python -m sync run`` process, SIGKILLed at a named
step (``ALLIANCE_SYNC_TEST_PAUSE_AT``) or after a delay."""

from __future__ import annotations

import os
import signal
import time

import openpyxl
import pytest

from sync.steps import CHECKPOINTS
from tests.support.builders import payment, project
from tests.support.history import Alliance, wait_for_pause

pytestmark = pytest.mark.kill

# Steps before the workbook is renamed into place: the old workbook must remain.
BEFORE_RENAME = ("verrou", "rapport", "classeur-temporaire", "historique")
# Steps before the run is recorded: it stays « running » (interrupted).
BEFORE_RECORD = ("verrou", "rapport", "classeur-temporaire")
TABLES = ("sources", "findings", "totals")
MEMBERS = (
    "SELECT COUNT(*) FROM record_spans WHERE kind = ? AND first_run <= ?2 AND (last_run IS NULL OR last_run >= ?2)"
)


def edit(alliance: Alliance) -> None:
    alliance.rewrite(
        "OUEST",
        projects=[*alliance.workbooks["OUEST"]["projects"], project("OUE-2021-009")],
        payments=alliance.workbooks["OUEST"]["payments"],
    )


def assert_consistent(alliance: Alliance) -> dict[int, str]:
    """The database is sound, and every run is whole or empty. Returns id → state."""
    assert alliance.query("PRAGMA integrity_check") == [("ok",)]
    assert alliance.query("PRAGMA foreign_key_check") == []
    runs = dict(alliance.query("SELECT id, state FROM runs"))
    for run_id, state in runs.items():
        counts = {t: alliance.query(f"SELECT COUNT(*) FROM {t} WHERE run_id = ?", run_id)[0][0] for t in TABLES}
        if state == "done":
            projects, payments = alliance.query("SELECT projects, payments FROM runs WHERE id = ?", run_id)[0]
            assert counts["sources"] == 3 and counts["totals"] == 4
            members = [alliance.query(MEMBERS, kind, run_id)[0][0] for kind in ("project", "payment")]
            assert members == [projects, payments]
        else:
            assert state in ("running", "interrupted", "failed")
            assert counts == dict.fromkeys(TABLES, 0), (run_id, state, counts)
            # No span begins or ends at a run that recorded nothing.
            for spans in ("record_spans", "finding_spans"):
                bounds = f"SELECT COUNT(*) FROM {spans} WHERE first_run = ?1 OR last_run = ?1"
                assert alliance.query(bounds, run_id) == [(0,)], (run_id, state, spans)
    return runs


def temporaries(alliance: Alliance) -> list[str]:
    return sorted(p.name for p in alliance.folder.glob(".rapport.*.tmp.xlsx"))


@pytest.mark.parametrize("step", CHECKPOINTS)
def test_killed_at_each_step(tmp_path, step):
    """The promise: the previous workbook stays intact unless the run is recorded; and
    no change is lost, whatever the step."""
    alliance = Alliance(tmp_path)
    assert alliance.cli("run").exit_code == 0
    previous = alliance.output.read_bytes()
    edit(alliance)

    killed = alliance.process(pause_at=step)
    wait_for_pause(killed, step)
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait()

    runs = assert_consistent(alliance)
    if step in BEFORE_RENAME:
        assert alliance.output.read_bytes() == previous
    else:
        assert alliance.output.read_bytes() != previous
        assert openpyxl.load_workbook(alliance.output).sheetnames  # a whole workbook
    # A new workbook in place is always recorded.
    assert runs == {1: "done", 2: "running" if step in BEFORE_RECORD else "done"}
    placed = alliance.query("SELECT output_placed FROM runs WHERE id = 2")[0][0]
    assert placed == (None if step in BEFORE_RECORD else 1 if step == "fin" else 0)
    assert temporaries(alliance) == (
        [f".rapport.{killed.pid}.tmp.xlsx"] if step in ("classeur-temporaire", "historique") else []
    )
    # While no run holds the lock, a run killed before its workbook was confirmed shows interrupted.
    history = alliance.cli("history").stdout.splitlines()
    assert history[1].split()[3] == ("conforme" if step == "fin" else "interrompue")

    # The next run works, cleans up, settles the killed run, and loses no change.
    result = alliance.cli("run")
    assert result.exit_code == 0, result.output
    runs = assert_consistent(alliance)
    in_place = step in ("classeur", "fin")
    assert runs == {1: "done", 2: "done" if in_place else "interrupted", 3: "done"}
    if step == "historique":
        assert alliance.query("SELECT message, output FROM runs WHERE id = 2") == [
            (
                "interrompue après son enregistrement, avant la mise en place de son classeur : le classeur précédent "
                "est resté en place.",
                None,
            )
        ]
        listed = alliance.cli("history").stdout.splitlines()
        assert listed[2].split()[3:] == ["interrompue", "—", "—", "—", "—", "aucun", "—"]
        assert listed[3] == (
            "    interrompue après son enregistrement, avant la mise en place de son classeur : "
            "le classeur précédent est resté en place."
        )
    assert temporaries(alliance) == []
    compared = alliance.cli("diff").stdout
    if in_place:
        assert "aucun changement" in compared
    else:
        assert compared.startswith("Changements entre la synchronisation n° 1 ")
        assert "  Projet ajouté : OUE-2021-009 — Projet OUE-2021-009" in compared.splitlines()
    history = alliance.cli("history").stdout.splitlines()
    assert history[2].split()[3] == ("conforme" if in_place else "interrompue")


def test_a_workbook_that_cannot_be_put_in_place_is_recorded_as_a_failure(tmp_path, monkeypatch):
    """The run is recorded before the rename: a rename that fails makes it a failure, its
    rows removed, and the previous workbook stays; the next workbook shows the changes."""
    alliance = Alliance(tmp_path)
    assert alliance.cli("run").exit_code == 0
    previous = alliance.output.read_bytes()
    edit(alliance)

    def refused(source, target):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("sync.outputs.atomic.os.replace", refused)
    result = alliance.cli("run")
    assert result.exit_code == 2
    said = f"le classeur {alliance.output} n'a pas pu être écrit : permission refusée."
    assert result.stderr.endswith(f"Erreur : {said}\n")
    assert alliance.output.read_bytes() == previous
    assert assert_consistent(alliance) == {1: "done", 2: "failed"}
    assert alliance.query("SELECT message, output, output_placed FROM runs WHERE id = 2") == [(said, None, None)]
    monkeypatch.undo()
    assert alliance.cli("run").exit_code == 0
    assert "  Projet ajouté : OUE-2021-009 — Projet OUE-2021-009" in alliance.cli("diff").stdout.splitlines()


@pytest.mark.parametrize("fraction", [0.5, 0.7, 0.8, 0.85, 0.9, 0.95])
def test_killed_after_a_delay(tmp_path, fraction):
    """Wherever the kill lands, the database is sound and the workbook is either the
    previous one, intact, or the new one, whole. The delay is a fraction of the
    duration of the same run unkilled, so kills spread over the run's work."""
    alliance = Alliance(
        tmp_path,
        workbooks={
            "OUEST": {
                "projects": [project(f"OUE-2020-{i:03d}", fqis={"2019-2020": 1000}) for i in range(1, 300)],
                "payments": [payment(f"OUE-2020-{i:03d}", amount=500) for i in range(1, 300)],
            },
        },
    )
    started = time.perf_counter()
    first = alliance.process()
    _, errors = first.communicate()
    duration = time.perf_counter() - started
    assert first.returncode == 0, errors
    previous = alliance.output.read_bytes()
    edit(alliance)
    killed = alliance.process()
    time.sleep(duration * fraction)
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait()
    assert_consistent(alliance)
    if alliance.output.read_bytes() != previous:
        assert openpyxl.load_workbook(alliance.output).sheetnames
    assert alliance.cli("run").exit_code == 0
    assert set(assert_consistent(alliance).values()) <= {"done", "interrupted"}


def test_interrupted_after_the_workbook_is_in_place_the_run_stays_whole(tmp_path, monkeypatch):
    """Ctrl-C between the rename and its confirmation: the new workbook is in place and
    recorded, so the run is not called a failure."""
    alliance = Alliance(tmp_path)
    assert alliance.cli("run").exit_code == 0
    previous = alliance.output.read_bytes()
    edit(alliance)

    def interrupted(self, run_id):
        raise KeyboardInterrupt

    monkeypatch.setattr("sync.history.store.History.mark_placed", interrupted)
    result = alliance.cli("run")
    assert result.exit_code == 130
    assert result.stderr.endswith("Interrompu.\n")
    assert alliance.output.read_bytes() != previous
    assert assert_consistent(alliance) == {1: "done", 2: "done"}
    assert alliance.query("SELECT output_placed, message FROM runs WHERE id = 2") == [(1, None)]
    monkeypatch.undo()
    assert alliance.cli("run").exit_code == 0
    assert alliance.cli("diff").stdout.endswith(" : aucun changement.\n")  # run 3 compared with run 2
