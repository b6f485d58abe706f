"""``alliance-sync report RUN --output F`` (docs/exploitation.md): a past run's ministry workbook
rebuilt from the history alone, the same sheets and values as the one written that night."""

from __future__ import annotations

import shutil
import sqlite3

import openpyxl
import pytest

from tests.support.builders import payment
from tests.support.history import Alliance


def cells(path) -> dict[str, list[list[object]]]:
    book = openpyxl.load_workbook(path)
    return {sheet.title: [[c.value for c in row] for row in sheet.iter_rows()] for sheet in book}


@pytest.fixture
def nights(tmp_path) -> Alliance:
    """Two nights, the first workbook kept aside; OUEST's payment changed between them."""
    alliance = Alliance(tmp_path)
    assert alliance.cli("run").exit_code == 0
    shutil.copy(alliance.output, tmp_path / "nuit-1.xlsx")
    ouest = alliance.workbooks["OUEST"]
    ouest["payments"][0] = payment("OUE-2020-001", amount=12345, reference="VER-1")
    alliance.rewrite("OUEST", **ouest)
    assert alliance.cli("run").exit_code == 0
    shutil.copy(alliance.output, tmp_path / "nuit-2.xlsx")
    return alliance


def report(alliance: Alliance, *args: str):
    return alliance.cli(
        "report", *args, "--config", str(alliance.config), "--state-dir", str(alliance.state), "--quiet"
    )


@pytest.mark.parametrize("run", [1, 2])
def test_the_rebuilt_workbook_is_the_one_of_that_night_without_reading_any_source(nights, run):
    for code in ("OUEST", "EST", "LONGUEUIL"):
        nights.workbook(code).unlink()  # no source is read
    target = nights.folder / f"refait-{run}.xlsx"
    result = report(nights, str(run), "--output", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Classeur de la synchronisation n° {run} du ")
    assert result.stdout.endswith(f"reconstruit à partir de l'historique : {target}\n")
    night = cells(nights.folder / f"nuit-{run}.xlsx")
    assert list(cells(target)) == list(night)
    assert cells(target) == night  # every sheet, every value (the generation time is the run's start)


def test_a_run_that_wrote_no_workbook_has_nothing_to_rebuild(nights):
    ouest = nights.workbooks["OUEST"]
    ouest["payments"].append(payment("OUE-2099-999"))  # an error: --strict writes no workbook
    nights.rewrite("OUEST", **ouest)
    assert nights.cli("run", "--strict").exit_code == 1
    result = report(nights, "3", "--output", str(nights.folder / "refait.xlsx"))
    assert result.exit_code == 2
    assert result.stderr.startswith("Erreur : la synchronisation n° 3 du ")
    assert result.stderr.endswith("n'a pas écrit de classeur (1 erreur) : il n'y a rien à reconstruire.\n")
    assert not (nights.folder / "refait.xlsx").exists()


def test_a_run_whose_records_were_not_kept_says_so(nights):
    nights.query("UPDATE sources SET snapshot = NULL WHERE run_id = 1 AND committee = 'EST'")
    result = report(nights, "1", "--output", str(nights.folder / "refait.xlsx"))
    assert result.exit_code == 2
    assert result.stderr == (
        "Erreur : les données du comité EST lues par la synchronisation n° 1 ne sont pas gardées dans "
        "l'historique : son classeur ne peut pas être reconstruit.\n"
    )


def test_a_damaged_run_says_so(nights):
    nights.query(
        "UPDATE snapshots SET tabs = X'00FF' WHERE key = (SELECT snapshot FROM sources WHERE run_id = 1 AND committee = 'EST')"
    )
    result = report(nights, "1", "--output", str(nights.folder / "refait.xlsx"))
    assert result.exit_code == 2
    assert result.stderr == (
        "Erreur : les données du comité EST de la synchronisation n° 1 sont endommagées (données compressées "
        "illisibles) : son classeur ne peut pas être reconstruit.\n"
    )


def test_an_unknown_run(nights):
    result = report(nights, "9", "--output", str(nights.folder / "refait.xlsx"))
    assert result.exit_code == 2
    assert result.stderr == ("Erreur : synchronisation n° 9 introuvable (synchronisations enregistrées : n° 1 à 2).\n")


def test_a_later_change_of_the_configuration_does_not_change_a_rebuilt_workbook(nights):
    """The allocations, the envelope and a committee's name changed after the nights: each night's
    workbook is rebuilt with the configuration it was made with, kept in the history."""
    text = nights.config.read_text(encoding="utf-8")
    changed = (
        text.replace("allocation = 2600000", "allocation = 2700000")
        .replace("envelope = 11800000", "envelope = 11900000")
        .replace('name = "Ouest de la Montérégie"', 'name = "Ouest montérégien"')
    )
    assert changed.count("2700000") == 1 and changed != text
    nights.config.write_text(changed, encoding="utf-8")
    for run in (1, 2):
        target = nights.folder / f"refait-{run}.xlsx"
        result = report(nights, str(run), "--output", str(target))
        assert result.exit_code == 0, result.output
        assert result.stderr == ""
        assert cells(target) == cells(nights.folder / f"nuit-{run}.xlsx")
    # Today's configuration is tonight's: a run now writes the new allocation.
    assert nights.cli("run").exit_code == 0
    sommaire = cells(nights.output)["Sommaire"]
    assert any(row[:2] == ["OUEST", "Ouest montérégien"] for row in sommaire)


def test_a_run_whose_configuration_was_not_kept_is_rebuilt_with_today_s_and_says_so(nights):
    with sqlite3.connect(nights.db) as conn:
        conn.execute("UPDATE runs SET config = NULL WHERE id = 1")  # as a run recorded before schema 6
    target = nights.folder / "refait-1.xlsx"
    result = report(nights, "1", "--output", str(target))
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "Attention : la configuration de la synchronisation n° 1 n'est pas gardée dans l'historique "
        "(synchronisation enregistrée avant que l'historique ne la garde) : le classeur est reconstruit avec la "
        "configuration d'aujourd'hui (allocations, exercices, comités) et sa présentation, qui peuvent différer "
        "de celles de cette nuit-là.\n"
    )
    assert cells(target) == cells(nights.folder / "nuit-1.xlsx")  # the same configuration here


def test_a_presentation_changed_since_that_night_does_not_change_a_rebuilt_workbook(nights):
    """Each night's presentation (rapport-ministere.toml beside the configuration) is kept with it:
    one added after night 1 titles night 3's workbook, and neither rebuilt workbook follows today's file."""
    presentation = nights.folder / "rapport-ministere.toml"
    presentation.write_text('[cover]\ntitle = "Rapport FQIS de la nuit 3"\n', encoding="utf-8")
    assert nights.cli("run").exit_code == 0
    shutil.copy(nights.output, nights.folder / "nuit-3.xlsx")
    assert cells(nights.folder / "nuit-3.xlsx")["Sommaire"][0][0] == "Rapport FQIS de la nuit 3"
    presentation.write_text("[cover]\ntitle = \"Rapport FQIS d'aujourd'hui\"\n", encoding="utf-8")
    for run in (1, 3):
        target = nights.folder / f"refait-{run}.xlsx"
        result = report(nights, str(run), "--output", str(target))
        assert result.exit_code == 0, result.output
        assert result.stderr == ""
        assert cells(target) == cells(nights.folder / f"nuit-{run}.xlsx")
