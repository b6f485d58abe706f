"""One alliance, one history (docs/exploitation.md): a last good copy and the Changements
sheet only ever come from earlier runs of the same alliance and the same source; a state
folder of another alliance (or of the built-in demo) is refused before anything is written."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from sync.cli import cli
from tests.support.builders import project, write_alliance
from tests.support.history import as_schema_5, fill_google
from tests.support.sheets_server import KEYS, google_config


def invoke(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), env=env)


def project_ids(workbook: Path) -> set[str]:
    sheet = openpyxl.load_workbook(workbook, read_only=True)["Projets"]
    rows = sheet.iter_rows(values_only=True)
    header = list(next(rows))
    column = header.index("No projet")
    return {row[column] for row in rows if row[column]}


def listing(folder: Path) -> dict[str, bytes | None]:
    """Every file and folder under ``folder``, with the files' bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else None for p in sorted(folder.rglob("*"))}


def test_demo_then_production_from_one_folder_the_ministry_workbook_has_no_demo_project(
    tmp_path, sheets_api, monkeypatch
):
    """The careless coordinator: the README's demo, then production, from the same folder;
    one committee's sheet is not shared (403) the second night."""
    monkeypatch.delenv("ALLIANCE_SYNC_STATE_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    fill_google(sheets_api)
    config = google_config(tmp_path / "prod")  # the demo's name and period, no state_dir
    production = ["run", "--config", str(config), "--output", str(tmp_path / "rapport.xlsx")]

    demo = invoke("run", "--output", str(tmp_path / "demo.xlsx"))
    assert demo.exit_code in (0, 1), demo.output
    assert (tmp_path / ".alliance-sync-demo" / "historique.sqlite").is_file()
    assert not (tmp_path / ".alliance-sync").exists()
    demo_projects = project_ids(tmp_path / "demo.xlsx")

    first = invoke(*production)
    assert first.exit_code == 0, first.output
    assert (
        f"Aucun historique dans le dossier d'état {tmp_path}/.alliance-sync (par défaut, dans le dossier courant)"
    ) in first.stderr
    sheets_api.fail(KEYS["EST"], 403, times=None)
    invoke("run", "--output", str(tmp_path / "demo.xlsx"))  # the demo again, between two nights

    second = invoke(*production)
    assert second.exit_code == 1, second.output
    assert "AVERTISSEMENT : Comité EST : source illisible, dernière copie valide du " in second.stderr
    ids = project_ids(tmp_path / "rapport.xlsx")
    # Exactly production's projects: EST's from production's own first night, none of the demo's.
    assert ids == {"OUE-2020-001", "OUE-2020-002", "EST-2020-001", "EST-2020-002", "LON-2020-001", "LON-2020-002"}
    assert "EST-2019-002" in demo_projects
    changes = openpyxl.load_workbook(tmp_path / "rapport.xlsx")["Changements"]
    assert changes["A1"].value.startswith("Changements depuis la synchronisation n° 1 du ")


def test_production_pointed_at_the_demos_folder_is_refused_and_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.delenv("ALLIANCE_SYNC_STATE_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert invoke("run", "--output", str(tmp_path / "demo.xlsx")).exit_code in (0, 1)
    demo_folder = tmp_path / ".alliance-sync-demo"
    before = listing(demo_folder)
    config = write_alliance(tmp_path / "prod", {"OUEST": {"projects": [project()]}})

    for args, env in ((["--state-dir", str(demo_folder)], None), ([], {"ALLIANCE_SYNC_STATE_DIR": str(demo_folder)})):
        result = invoke("run", "--config", str(config), "--output", str(tmp_path / "rapport.xlsx"), *args, env=env)
        assert result.exit_code == 2, result.output
        assert result.stderr == (
            f"Erreur : le dossier d'état {demo_folder} contient l'historique de la démonstration intégrée "
            "d'alliance-sync, pas celui de l'alliance « Alliance pour la solidarité en Montérégie » (entente du "
            "2019-04-01 au 2023-03-31) : rien n'y a été écrit. Chaque alliance a son propre dossier d'état, pour "
            "qu'aucune copie de secours ni aucune comparaison ne vienne d'une autre. Indiquez-en un autre : "
            "l'option --state-dir, la variable ALLIANCE_SYNC_STATE_DIR ou la clé state_dir de la table [alliance] "
            "de la configuration.\n"
        )
        assert listing(demo_folder) == before
        assert not (tmp_path / "rapport.xlsx").exists()
    # history, diff and deliver with this configuration refuse it too.
    for command in ("history", "diff"):
        result = invoke(command, "--config", str(config), "--state-dir", str(demo_folder))
        assert result.exit_code == 2
        assert result.stderr.startswith(
            f"Erreur : le dossier d'état {demo_folder} contient l'historique de la "
            "démonstration intégrée d'alliance-sync, pas celui de l'alliance"
        )
    assert listing(demo_folder) == before


def test_the_demo_pointed_at_a_production_folder_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = write_alliance(tmp_path, {"OUEST": {"projects": [project()]}}, alliance={"state_dir": "etat"})
    assert invoke("run", "--config", str(config), "--output", str(tmp_path / "rapport.xlsx")).exit_code == 0
    before = listing(tmp_path / "etat")
    result = invoke(
        "run", "--output", str(tmp_path / "demo.xlsx"), env={"ALLIANCE_SYNC_STATE_DIR": str(tmp_path / "etat")}
    )
    assert result.exit_code == 2
    assert (
        f"Erreur : le dossier d'état {tmp_path / 'etat'} contient l'historique de l'alliance « Alliance pour la "
        "solidarité en Montérégie » (entente du 2019-04-01 au 2023-03-31), pas celui de la démonstration intégrée "
        "d'alliance-sync : rien n'y a été écrit."
    ) in result.stderr
    assert listing(tmp_path / "etat") == before
    assert not (tmp_path / "demo.xlsx").exists()


def test_another_agreement_period_is_another_alliance(tmp_path):
    config = write_alliance(tmp_path, {"OUEST": {"projects": [project()]}})
    args = ["--output", str(tmp_path / "rapport.xlsx"), "--state-dir", str(tmp_path / "etat")]
    assert invoke("run", "--config", str(config), *args).exit_code == 0
    renewed = write_alliance(
        tmp_path, alliance={"period": {"start": "2023-04-01", "end": "2028-03-31"}}, name="entente-2023.toml"
    )
    result = invoke("run", "--config", str(renewed), *args)
    assert result.exit_code == 2
    assert (
        "contient l'historique de l'alliance « Alliance pour la solidarité en Montérégie » (entente du "
        "2019-04-01 au 2023-03-31), pas celui de l'alliance « Alliance pour la solidarité en Montérégie » "
        "(entente du 2023-04-01 au 2028-03-31)"
    ) in result.stderr


def _to_schema_2(db: Path) -> None:
    """The database as the tool before identities wrote it."""
    with sqlite3.connect(db) as conn:
        as_schema_5(conn)
        conn.execute("DROP TABLE closures")
        for table, column in (
            ("runs", "period"),
            ("runs", "demo"),
            ("runs", "output_placed"),
            ("sources", "identity"),
            ("findings", "field"),
            ("findings", "data"),
        ):
            conn.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        conn.execute("PRAGMA user_version = 2")


def test_runs_from_before_identities_are_never_a_copy_nor_a_comparison_base(tmp_path, monkeypatch):
    """The shared folder of before: the demo's runs, recorded without identity, in
    .alliance-sync; production then starts from it."""
    monkeypatch.delenv("ALLIANCE_SYNC_STATE_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert invoke("run", "--state-dir", ".alliance-sync", "--output", str(tmp_path / "demo.xlsx")).exit_code in (0, 1)
    _to_schema_2(tmp_path / ".alliance-sync" / "historique.sqlite")
    config = write_alliance(tmp_path / "prod", {"OUEST": {"projects": [project("OUE-2021-001")]}})
    (tmp_path / "prod" / "est.xlsx").write_bytes(b"abime")  # a damaged workbook

    result = invoke("run", "--config", str(config), "--output", str(tmp_path / "rapport.xlsx"))
    assert result.exit_code == 3
    assert result.stderr.endswith(
        "Erreur : Aucun rapport produit : des chiffriers n'ont pas pu être lus et aucune copie valide antérieure "
        "n'existe.\n"
        f"  - Est de la Montérégie (EST) : le fichier {tmp_path / 'prod' / 'est.xlsx'} est illisible : ce n'est "
        "pas un classeur Excel (.xlsx) : fichier vide, CSV ou .xls renommé, ou copie incomplète ; enregistrez-le "
        "au format Excel (.xlsx).\n"
    )
    assert not (tmp_path / "rapport.xlsx").exists()

    shutil.copy(tmp_path / "prod" / "longueuil.xlsx", tmp_path / "prod" / "est.xlsx")
    night = invoke("run", "--config", str(config), "--output", str(tmp_path / "rapport.xlsx"))
    assert night.exit_code == 0, night.output
    assert "Changements : première synchronisation enregistrée, rien à comparer." in night.stderr
    changes = openpyxl.load_workbook(tmp_path / "rapport.xlsx")["Changements"]
    assert changes["A1"].value == "Changements depuis la synchronisation précédente"
    assert changes["A3"].value.startswith("Premier rapport : aucune synchronisation antérieure")


def test_a_committee_whose_source_changed_gets_no_copy_nor_comparison_from_the_old_one(tmp_path):
    config = write_alliance(tmp_path, {"OUEST": {"projects": [project("OUE-2020-001")]}})
    args = ["--output", str(tmp_path / "rapport.xlsx"), "--state-dir", str(tmp_path / "etat")]
    assert invoke("run", "--config", str(config), *args).exit_code == 0
    moved = tmp_path / "partage" / "ouest-2021.xlsx"
    moved.parent.mkdir()
    shutil.copy(tmp_path / "ouest.xlsx", moved)
    config = write_alliance(tmp_path, overrides={"OUEST": {"source": {"xlsx": str(moved)}}})

    night = invoke("run", "--config", str(config), *args)
    assert night.exit_code == 0, night.output
    why = (
        f"source changée depuis la synchronisation n° 1 (avant : classeur {tmp_path / 'ouest.xlsx'} ; "
        f"maintenant : classeur {moved}) : ses projets et versements ne sont pas comparés"
    )
    assert f"AVERTISSEMENT : Changements : comité OUEST non comparé : {why}." in night.stderr
    changes = openpyxl.load_workbook(tmp_path / "rapport.xlsx")["Changements"]
    assert changes["A3"].value == f"Sous-région OUEST non comparée : {why}."
    assert changes["A5"].value.startswith("Aucun changement")
    compared = invoke("diff", "--state-dir", str(tmp_path / "etat"))
    assert compared.stdout.splitlines()[2] == f"Comité OUEST non comparé : {why}."
    as_json = json.loads(invoke("diff", "--state-dir", str(tmp_path / "etat"), "--format", "json").stdout)
    assert as_json["not_compared"] == [{"committee": "OUEST", "reason": why}]

    # The new source unreadable: the copy of the old one is not used in its place.
    moved.write_bytes(b"abime")
    result = invoke("run", "--config", str(config), *args)
    assert result.exit_code == 1, result.output  # the copy of run 2, read from the new source
    assert "AVERTISSEMENT : Comité OUEST : source illisible, dernière copie valide du " in result.stderr
    moved.unlink()
    config = write_alliance(
        tmp_path, overrides={"OUEST": {"source": {"xlsx": str(tmp_path / "autre.xlsx")}}}, create_missing=False
    )
    result = invoke("run", "--config", str(config), *args)
    assert result.exit_code == 3
    assert result.stderr.endswith(
        f"  - Ouest de la Montérégie (OUEST) : fichier introuvable : {tmp_path / 'autre.xlsx'} ; la dernière "
        f"copie valide venait d'une autre source (classeur {moved}) : elle n'est pas utilisée pour celle-ci.\n"
    )


def test_a_damaged_last_good_copy_is_said_damaged_not_missing(tmp_path):
    config = write_alliance(tmp_path, {"OUEST": {"projects": [project()]}})
    args = [
        "run",
        "--config",
        str(config),
        "--output",
        str(tmp_path / "rapport.xlsx"),
        "--state-dir",
        str(tmp_path / "etat"),
    ]
    assert invoke(*args).exit_code == 0
    with sqlite3.connect(tmp_path / "etat" / "historique.sqlite") as conn:
        conn.execute("UPDATE snapshots SET tabs = x'00112233'")
    (tmp_path / "ouest.xlsx").write_bytes(b"abime")
    result = invoke(*args)
    assert result.exit_code == 3
    assert "aucune copie valide antérieure n'existe" not in result.stderr
    assert result.stderr.endswith(
        "Erreur : Aucun rapport produit : des chiffriers n'ont pas pu être lus et aucune copie valide antérieure "
        "n'est utilisable.\n"
        f"  - Ouest de la Montérégie (OUEST) : le fichier {tmp_path / 'ouest.xlsx'} est illisible : ce n'est pas "
        "un classeur Excel (.xlsx) : fichier vide, CSV ou .xls renommé, ou copie incomplète ; enregistrez-le au "
        "format Excel (.xlsx) ; copie antérieure illisible (synchronisation n° 1 : données compressées "
        "illisibles).\n"
    )
    assert "error" not in result.stderr.lower().replace("erreur", "")


def test_the_shipped_configuration_keeps_its_history_beside_itself_out_of_git():
    from sync.config import load_config
    from tests.support.checks import REPO

    # Its REMPLACER-PAR-… keys are refused by every night until replaced (tests/test_config.py).
    config = load_config(REPO / "config" / "monteregie.toml", check_files=False, placeholders=False)
    assert config.state_dir == REPO / "config" / "etat"
    assert "config/etat/" in (REPO / ".gitignore").read_text(encoding="utf-8").splitlines()


def test_a_history_missing_its_copies_table_is_repaired_and_the_copy_said_damaged(tmp_path):
    config = write_alliance(tmp_path, {"OUEST": {"projects": [project()]}})
    args = [
        "run",
        "--config",
        str(config),
        "--output",
        str(tmp_path / "rapport.xlsx"),
        "--state-dir",
        str(tmp_path / "etat"),
    ]
    assert invoke(*args).exit_code == 0
    with sqlite3.connect(tmp_path / "etat" / "historique.sqlite") as conn:
        conn.execute("DROP TABLE snapshots")
    (tmp_path / "ouest.xlsx").unlink()
    result = invoke(*args)
    assert result.exit_code == 3
    assert (
        f"AVERTISSEMENT : Historique {tmp_path / 'etat' / 'historique.sqlite'} : la table snapshots manquait "
        ": elle a été recréée vide."
    ) in result.stderr
    assert result.stderr.endswith(
        f"  - Ouest de la Montérégie (OUEST) : fichier introuvable : {tmp_path / 'ouest.xlsx'} ; copie antérieure "
        "illisible (synchronisation n° 1 : copie brute absente ou endommagée).\n"
    )
    listed = invoke("history", "--state-dir", str(tmp_path / "etat"))
    runs = [line.split() for line in listed.stdout.splitlines()[1:] if line.split()[0].isdigit()]
    assert [(run[0], run[3]) for run in runs] == [("2", "échec"), ("1", "conforme")]


def test_the_demo_run_from_productions_folder_never_replaces_its_workbook(tmp_path, monkeypatch):
    """Production's workbook of the day and the demo's have one default name: the demo run
    later from the same folder is refused, naming whose the workbook is, the file untouched;
    production replaces its own, and --force is the coordinator's explicit choice."""
    monkeypatch.delenv("ALLIANCE_SYNC_STATE_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    config = write_alliance(tmp_path / "prod", {"OUEST": {"projects": [project()]}})
    assert invoke("run", "--config", str(config), "--quiet").exit_code == 0
    [written] = tmp_path.glob("rapport-fqis-*.xlsx")
    production = written.read_bytes()

    demo = invoke("run", "--quiet")
    assert demo.exit_code == 2, demo.output
    assert demo.stderr == (
        f"Erreur : sortie refusée : {written.name} : ce classeur est le rapport de l'alliance « Alliance pour la "
        "solidarité en Montérégie » (entente du 2019-04-01 au 2023-03-31), pas de la démonstration intégrée "
        "d'alliance-sync ; choisissez un autre nom, ou ajoutez --force pour le remplacer.\n"
    )
    assert written.read_bytes() == production
    assert not (tmp_path / ".alliance-sync-demo").exists()  # refused before anything is recorded

    assert invoke("run", "--config", str(config), "--quiet").exit_code == 0  # its own: replaced
    assert project_ids(written) == {"OUE-2020-001"}
    assert invoke("run", "--quiet", "--force").exit_code in (0, 1)
    assert "OUE-2020-001" not in project_ids(written)  # the demo's, by the coordinator's choice
