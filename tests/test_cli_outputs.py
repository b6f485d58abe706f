"""No output ever lands on an input (sync/outputs/paths.py, docs/ligne-de-commande.md).

Every file a command writes — ``--log-file`` from any command, ``run --output``,
each file of ``run --export``, ``template --output`` — goes through the one guard,
``output_path``: the configuration, the presentation file, a committee's workbook,
the Google credentials, the history and the state folder are refused (exit 2, a
French message naming the input), before anything is read or written, however the
coordinator spelt the path (link, hard link, another letter case).
"""

from __future__ import annotations

import os

import pytest

from sync.outputs.export import FILES, MANIFEST
from tests.support.builders import payment, project, write_alliance
from tests.support.cli import invoke

OUEST = {"projects": [project("OUE-2020-001")], "payments": [payment("OUE-2020-001")]}


@pytest.fixture
def alliance(tmp_path):
    """A clean alliance (one project in OUEST) beside its configuration, its Google key
    named in [google], its state folder in etat/."""
    (tmp_path / "cle.json").write_text('{"type": "service_account"}', encoding="utf-8")
    write_alliance(tmp_path, {"OUEST": OUEST}, extra='[google]\ncredentials = "cle.json"\n')
    return tmp_path


def config_of(folder) -> str:
    return str(folder / "alliance.toml")


def run_args(folder, *args: str) -> list[str]:
    return [
        "run",
        "--config",
        config_of(folder),
        "--state-dir",
        str(folder / "etat"),
        "-o",
        str(folder / "rapport.xlsx"),
        *args,
    ]


def refused(target, reason: str) -> str:
    return f"Erreur : sortie refusée : {target} : {reason}.\n"


def overwritten(what: str, path) -> str:
    return (
        f"ce chemin désigne {what} ({path}), une entrée que la synchronisation lit et n'écrase jamais ; "
        "choisissez un autre nom"
    )


def in_state_folder(folder) -> str:
    return f"ce chemin est dans le dossier d'état ({folder}), que seul alliance-sync écrit ; choisissez un autre nom"


def unchanged(*paths):
    """The bytes of ``paths``, to compare after the command: ``{path: bytes}``."""
    return {path: path.read_bytes() for path in paths}


# ---------------------------------------------------------------- --log-file


@pytest.mark.parametrize(
    ("name", "what"),
    [
        ("ouest.xlsx", "le classeur du comité OUEST"),
        ("alliance.toml", "la configuration"),
        ("cle.json", "les identifiants Google"),
    ],
)
@pytest.mark.parametrize("command", ["validate", "run", "template"])
def test_a_log_file_onto_an_input_is_refused_from_every_command(alliance, name, what, command):
    target = alliance / name
    before = unchanged(target)
    args = {
        "validate": ["validate", "--config", config_of(alliance)],
        "run": run_args(alliance),
        "template": ["template", "--config", config_of(alliance), "-o", str(alliance / "gabarit.xlsx")],
    }[command]
    result = invoke("--log-file", str(target), *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.endswith(refused(target, overwritten(what, target)))
    assert unchanged(target) == before
    # Refused before anything was done: no run recorded, no workbook, no template.
    assert not (alliance / "etat").exists()
    assert not (alliance / "rapport.xlsx").exists() and not (alliance / "gabarit.xlsx").exists()


def test_a_log_file_given_after_the_command_is_refused_too(alliance):
    target = alliance / "alliance.toml"
    before = unchanged(target)
    result = invoke(*run_args(alliance), "--quiet", "--log-file", str(target))
    assert result.exit_code == 2
    assert result.stderr == refused(target, overwritten("la configuration", target))
    assert unchanged(target) == before


def test_a_log_file_onto_the_history_is_refused_and_the_history_still_opens(alliance):
    assert invoke(*run_args(alliance)).exit_code == 0
    database = alliance / "etat" / "historique.sqlite"
    before = unchanged(database)
    for args in (
        run_args(alliance),
        ["history", "--state-dir", str(alliance / "etat")],
        ["diff", "--state-dir", str(alliance / "etat")],
    ):
        result = invoke("--log-file", str(database), *args)
        assert result.exit_code == 2, args
        assert result.stderr.endswith(refused(database, overwritten("l'historique des synchronisations", database)))
    assert unchanged(database) == before
    listed = invoke("history", "--state-dir", str(alliance / "etat"))
    assert listed.exit_code == 0 and listed.stdout.count("conforme") == 1


@pytest.mark.parametrize("inside", ["journal.log", "temporaire/journal.log", "verrou"])
def test_a_log_file_inside_the_state_folder_is_refused(alliance, inside):
    # temporaire/ is emptied by every run: a log there would vanish.
    target = alliance / "etat" / inside
    result = invoke("--log-file", str(target), *run_args(alliance))
    assert result.exit_code == 2
    assert result.stderr.endswith(refused(target, in_state_folder(alliance / "etat")))
    assert not (alliance / "etat").exists()


def test_validate_refuses_a_log_file_in_the_default_state_folder(alliance, monkeypatch):
    monkeypatch.chdir(alliance)
    assert invoke("run", "--config", "alliance.toml", "-o", "rapport.xlsx").exit_code == 0
    before = unchanged(alliance / ".alliance-sync" / "historique.sqlite")
    result = invoke("validate", "--config", "alliance.toml", "--log-file", ".alliance-sync/historique.sqlite")
    assert result.exit_code == 2
    assert result.stderr == refused(
        ".alliance-sync/historique.sqlite",
        overwritten("l'historique des synchronisations", ".alliance-sync/historique.sqlite"),
    )
    assert unchanged(alliance / ".alliance-sync" / "historique.sqlite") == before


def test_a_log_file_through_a_symbolic_link_or_a_hard_link_to_the_configuration(alliance):
    config = alliance / "alliance.toml"
    before = unchanged(config)
    (alliance / "lien.log").symlink_to(config)
    os.link(config, alliance / "copie-liee.log")  # the same file under another name
    for target in (alliance / "lien.log", alliance / "copie-liee.log"):
        result = invoke("--log-file", str(target), "validate", "--config", str(config))
        assert result.exit_code == 2
        assert result.stderr == refused(target, overwritten("la configuration", config))
    assert unchanged(config) == before


@pytest.mark.parametrize("spelling", ["OUEST.XLSX", "Ouest.xlsx"])
def test_a_log_file_named_like_a_committee_workbook_in_another_case_is_refused_on_every_os(alliance, spelling):
    # On Windows and macOS this is ouest.xlsx itself; refused here too, whatever the file system.
    target = alliance / spelling
    before = unchanged(alliance / "ouest.xlsx")
    result = invoke("--log-file", str(target), "validate", "--config", config_of(alliance))
    assert result.exit_code == 2
    assert result.stderr == refused(target, overwritten("le classeur du comité OUEST", alliance / "ouest.xlsx"))
    assert unchanged(alliance / "ouest.xlsx") == before
    assert not target.exists()


def test_a_log_file_onto_the_presentation_file_is_refused_even_before_it_exists(alliance):
    # A file written there would be read by every later run as the workbook's presentation.
    target = alliance / "rapport-ministere.toml"
    result = invoke("--log-file", str(target), *run_args(alliance))
    assert result.exit_code == 2
    assert result.stderr.endswith(refused(target, overwritten("la présentation du classeur", target)))
    assert not target.exists()


def test_an_accepted_log_file_holds_the_lines_logged_before_it_was_checked(alliance):
    log_file = alliance / "journal" / "nuit.log"
    result = invoke("--log-file", str(log_file), *run_args(alliance))
    assert result.exit_code == 0, result.stderr
    logged = [line[20:] for line in log_file.read_text(encoding="utf-8").splitlines()]
    assert logged[0] == (
        f"Aucun historique dans le dossier d'état {alliance / 'etat'} (option --state-dir) : aucune "
        "synchronisation antérieure, donc aucune copie de secours."
    )
    assert logged[-1].startswith("Synchronisation n° 1 terminée en ")


# ---------------------------------------------------------------- --export


def test_an_export_into_a_folder_holding_a_persons_projets_csv_needs_force(alliance):
    folder = alliance / "partage"
    folder.mkdir()
    theirs = folder / "projets.csv"
    theirs.write_text("No projet;Titre\nOUE-2020-001;Cuisine collective (notes de Julie)\n", encoding="utf-8")
    before = unchanged(theirs)
    result = invoke(*run_args(alliance, "--export", str(folder)))
    assert result.exit_code == 2
    assert result.stderr.endswith(
        refused(
            theirs,
            (
                "ce fichier existe et n'est pas un fichier de la dernière exportation d'alliance-sync (absent de "
                "exportation-alliance-sync.sha256, ou modifié depuis) ; choisissez un autre dossier, ou ajoutez --force "
                "pour le remplacer"
            ),
        )
    )
    assert unchanged(theirs) == before
    assert sorted(p.name for p in folder.iterdir()) == ["projets.csv"]
    assert not (alliance / "etat").exists() and not (alliance / "rapport.xlsx").exists()  # refused before the run

    forced = invoke(*run_args(alliance, "--export", str(folder), "--force"))
    assert forced.exit_code == 0, forced.stderr
    assert unchanged(theirs) != before
    assert sorted(p.name for p in folder.iterdir()) == sorted([*FILES, MANIFEST])


def test_the_next_export_replaces_its_own_files_but_not_one_edited_since(alliance):
    folder = alliance / "export"
    assert invoke(*run_args(alliance, "--export", str(folder))).exit_code == 0
    manifest = (folder / MANIFEST).read_text(encoding="ascii").splitlines()
    assert [line.split("  ")[1] for line in manifest] == list(FILES)
    result = invoke(*run_args(alliance, "--export", str(folder)))  # tomorrow night: its own files
    assert result.exit_code == 0, result.stderr
    assert result.stdout.endswith(
        f"Exportation CSV écrite dans {folder} : projets.csv, versements.csv, constats.csv, totaux.csv, evolution.csv.\n"
    )
    edited = folder / "totaux.csv"
    edited.write_bytes(edited.read_bytes() + b"ajout,a,la,main,1\r\n")  # opened and saved by a person
    before = unchanged(edited)
    result = invoke(*run_args(alliance, "--export", str(folder)))
    assert result.exit_code == 2
    assert (
        "Erreur : sortie refusée : " + str(edited) + " : ce fichier existe et n'est pas un fichier de la "
        "dernière exportation d'alliance-sync" in result.stderr
    )
    assert unchanged(edited) == before


def test_a_foreign_file_named_like_the_manifest_is_not_taken_for_one(alliance):
    folder = alliance / "export"
    folder.mkdir()
    (folder / MANIFEST).write_text("mes sommes de contrôle\n", encoding="utf-8")
    before = unchanged(folder / MANIFEST)
    result = invoke(*run_args(alliance, "--export", str(folder)))
    assert result.exit_code == 2
    assert f"sortie refusée : {folder / MANIFEST} : ce fichier existe et n'est pas un fichier" in result.stderr
    assert unchanged(folder / MANIFEST) == before


@pytest.mark.parametrize("inside", ["etat/temporaire", "etat", "etat/exports"])
def test_an_export_into_the_state_folder_is_refused(alliance, inside):
    # temporaire/ is emptied at the start of every run: the export would vanish.
    assert invoke(*run_args(alliance)).exit_code == 0
    folder = alliance / inside
    result = invoke(*run_args(alliance, "--export", str(folder)))
    assert result.exit_code == 2
    assert result.stderr.endswith(refused(folder / "projets.csv", in_state_folder(alliance / "etat")))
    assert not (folder / "projets.csv").exists()
    assert invoke("history", "--state-dir", str(alliance / "etat")).stdout.count("conforme") == 1  # not recorded


# ---------------------------------------------------------------- --output


def test_output_as_a_missing_folder_with_a_final_slash_receives_the_default_name(alliance):
    args = ["run", "--config", config_of(alliance), "--state-dir", str(alliance / "etat")]
    result = invoke(*args, "-o", f"{alliance / 'rapports' / 'fqis'}/")
    assert result.exit_code == 0, result.stderr
    [written] = (alliance / "rapports" / "fqis").iterdir()
    assert written.name.startswith("rapport-fqis-") and written.suffix == ".xlsx"
    assert result.stdout.endswith(f"Classeur écrit : {written}\n")


def test_output_onto_a_committee_workbook_in_another_case_is_refused(alliance):
    before = unchanged(alliance / "ouest.xlsx")
    result = invoke(
        "run",
        "--config",
        config_of(alliance),
        "--state-dir",
        str(alliance / "etat"),
        "-o",
        str(alliance / "Ouest.XLSX"),
        "--force",
    )
    assert result.exit_code == 2
    assert result.stderr.endswith(
        refused(alliance / "Ouest.XLSX", overwritten("le classeur du comité OUEST", alliance / "ouest.xlsx"))
    )
    assert unchanged(alliance / "ouest.xlsx") == before


@pytest.mark.slow
def test_template_default_names_carry_the_committee_code(alliance, monkeypatch):
    monkeypatch.chdir(alliance)
    args = ["template", "--config", "alliance.toml"]
    assert invoke(*args, "--committee", "ouest").stdout == "Gabarit écrit : gabarit-comite-ouest.xlsx\n"
    assert invoke(*args, "--committee", "EST").stdout == "Gabarit écrit : gabarit-comite-est.xlsx\n"
    assert invoke(*args).stdout == "Gabarit écrit : gabarit-comite.xlsx\n"
    result = invoke(*args, "--committee", "OUEST", "-o", "modeles/")  # a folder still missing
    assert result.stdout == "Gabarit écrit : modeles/gabarit-comite-ouest.xlsx\n"
    assert (alliance / "modeles" / "gabarit-comite-ouest.xlsx").is_file()


def test_template_refuses_the_state_folder(alliance, monkeypatch):
    monkeypatch.chdir(alliance)
    result = invoke("template", "--config", "alliance.toml", "-o", ".alliance-sync/gabarit.xlsx")
    assert result.exit_code == 2
    assert result.stderr == refused(".alliance-sync/gabarit.xlsx", in_state_folder(".alliance-sync"))


# ---------------------------------------------------------------- the history


def test_a_state_folder_whose_temporary_folder_holds_a_committee_workbook_is_refused(tmp_path):
    # temporaire/ is emptied at the start of every run: OUEST's workbook would be erased.
    workbook = tmp_path / "etat" / "temporaire" / "ouest.xlsx"
    workbook.parent.mkdir(parents=True)
    write_alliance(tmp_path, {"OUEST": OUEST}, overrides={"OUEST": {"source": {"xlsx": "etat/temporaire/ouest.xlsx"}}})
    (tmp_path / "ouest.xlsx").rename(workbook)
    before = unchanged(workbook)
    result = invoke(*run_args(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.endswith(
        refused(
            tmp_path / "etat" / "temporaire",
            (
                f"ce dossier est vidé à chaque synchronisation et contient le classeur du comité OUEST ({workbook}) ; "
                "déplacez ce fichier, ou choisissez un autre dossier d'état"
            ),
        )
    )
    assert unchanged(workbook) == before
    assert sorted(p.name for p in (tmp_path / "etat").iterdir()) == ["temporaire"]  # no history, no lock


def test_a_history_database_that_is_a_link_to_the_configuration_is_refused(alliance):
    (alliance / "etat").mkdir()
    (alliance / "etat" / "historique.sqlite").symlink_to(alliance / "alliance.toml")
    before = unchanged(alliance / "alliance.toml")
    result = invoke(*run_args(alliance))
    assert result.exit_code == 2
    assert result.stderr.endswith(
        refused(alliance / "etat" / "historique.sqlite", overwritten("la configuration", alliance / "alliance.toml"))
    )
    assert unchanged(alliance / "alliance.toml") == before


def test_output_onto_a_hard_link_of_a_committee_workbook_is_refused_even_with_force(alliance):
    os.link(alliance / "ouest.xlsx", alliance / "rapport.xlsx")  # « a copy » made with ln
    before = unchanged(alliance / "ouest.xlsx")
    result = invoke(*run_args(alliance, "--force"))
    assert result.exit_code == 2
    assert result.stderr.endswith(
        refused(alliance / "rapport.xlsx", overwritten("le classeur du comité OUEST", alliance / "ouest.xlsx"))
    )
    assert unchanged(alliance / "ouest.xlsx") == before


def test_an_export_killed_halfway_is_still_known_as_its_own(alliance, monkeypatch):
    from sync.outputs import export

    folder = alliance / "export"
    assert invoke(*run_args(alliance, "--export", str(folder))).exit_code == 0
    # OUEST adds a project: tonight's files differ from last night's.
    write_alliance(
        alliance,
        {"OUEST": {"projects": [project("OUE-2020-001"), project("OUE-2020-002")]}},
        extra='[google]\ncredentials = "cle.json"\n',
    )
    real, calls = export.write_atomically, []

    def killed_at_the_third_file(target, write, **options):
        calls.append(target.name)
        if len(calls) == 4:  # the manifest, then two files written: killed here
            raise KeyboardInterrupt
        return real(target, write, **options)

    monkeypatch.setattr(export, "write_atomically", killed_at_the_third_file)
    assert invoke(*run_args(alliance, "--export", str(folder))).exit_code == 130
    assert calls == [MANIFEST, "projets.csv", "versements.csv", "constats.csv"]
    monkeypatch.undo()
    result = invoke(*run_args(alliance, "--export", str(folder)))  # no --force: every file is its own
    assert result.exit_code == 0, result.stderr
    assert len((folder / MANIFEST).read_text(encoding="ascii").splitlines()) == len(FILES)


def test_deliver_refuses_a_log_file_onto_the_configuration(alliance):
    config = alliance / "alliance.toml"
    with config.open("a", encoding="utf-8") as toml:
        toml.write(
            '\n[delivery]\nemail_to = ["analyste@exemple.gouv.qc.ca"]\nemail_from = "coord@exemple.org"\n'
            '\n[delivery.smtp]\nhost = "127.0.0.1"\nport = 1\n'
        )
    before = unchanged(config)
    result = invoke(
        "--log-file",
        str(config),
        "deliver",
        "--config",
        str(config),
        "--state-dir",
        str(alliance / "etat"),
        "--dry-run",
    )
    assert result.exit_code == 2
    assert result.stderr == refused(config, overwritten("la configuration", config))
    assert unchanged(config) == before


# ---------------------------------------------------------------- paths the tests never took (issue 23)


@pytest.fixture
def with_regional(tmp_path):
    """The alliance of ``alliance``, its regional line reading regional.xlsx (one project)."""
    regional = {"projects": [project("REG-2020-001", territory="Régional")]}
    write_alliance(tmp_path, {"OUEST": OUEST, "REGION": regional}, regional={"source": {"xlsx": "regional.xlsx"}})
    return tmp_path


@pytest.mark.parametrize("option", ["--output", "--log-file", "--log-file-first"])
def test_an_output_onto_the_regional_lines_workbook_is_refused(with_regional, option):
    target = with_regional / "regional.xlsx"
    before = unchanged(target)
    args = ["run", "--config", config_of(with_regional), "--state-dir", str(with_regional / "etat")]
    if option == "--output":
        result = invoke(*args, "-o", str(target), "--force")
    elif option == "--log-file":
        result = invoke(*args, "-o", str(with_regional / "rapport.xlsx"), "--log-file", str(target))
    else:
        result = invoke("--log-file", str(target), *args, "-o", str(with_regional / "rapport.xlsx"))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.endswith(refused(target, overwritten("le classeur de la ligne régionale REGION", target)))
    assert unchanged(target) == before
    assert not (with_regional / "rapport.xlsx").exists()
    assert not (with_regional / "etat").exists()  # refused before anything was recorded


def test_an_export_onto_the_regional_lines_workbook_or_beside_it(with_regional):
    """--export takes a folder: the regional workbook's path is refused as a file (exit 2);
    its folder receives the export, the workbook untouched."""
    target = with_regional / "regional.xlsx"
    before = unchanged(target)
    args = ["run", "--config", config_of(with_regional), "--state-dir", str(with_regional / "etat")]
    result = invoke(*args, "-o", str(with_regional / "rapport.xlsx"), "--export", str(target))
    assert result.exit_code == 2
    assert result.stderr.endswith(
        f"Erreur : valeur invalide pour --export : Dossier « {target} » : c'est un fichier.\n"
    )
    assert not (with_regional / "rapport.xlsx").exists()
    result = invoke(*args, "-o", str(with_regional / "rapport.xlsx"), "--export", str(with_regional))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[-1] == (
        f"Exportation CSV écrite dans {with_regional} : projets.csv, versements.csv, constats.csv, totaux.csv, "
        "evolution.csv."
    )
    assert unchanged(target) == before


def test_output_onto_another_alliances_committee_workbook_with_a_validation_tab(alliance):
    """A committee workbook no source names, with the Validation tab that feedback writes:
    not a report (no Sommaire, no À propos), so refused without --force (docs/ligne-de-commande.md),
    replaced with it."""
    from openpyxl import load_workbook

    from tests.support.builders import write_committee_xlsx

    target = alliance / "autre-alliance.xlsx"
    validation = [["Gravité", "Code", "Message"], ["Erreur", "MISSING_VALUE", "Valeur manquante"]]
    write_committee_xlsx(
        target, [project("AUT-2020-001")], [payment("AUT-2020-001")], extra_tabs={"Validation": validation}
    )
    before = unchanged(target)
    args = ["run", "--config", config_of(alliance), "--state-dir", str(alliance / "etat"), "-o", str(target)]
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.endswith(
        refused(
            target,
            "ce fichier existe et n'est pas un classeur de ce type écrit par alliance-sync ; choisissez un autre "
            "nom, ou ajoutez --force pour le remplacer",
        )
    )
    assert unchanged(target) == before
    result = invoke(*args, "--force")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"Conforme — 0 erreur, 0 avertissement. Classeur écrit : {target}\n"
    assert load_workbook(target).sheetnames[0] == "Sommaire"
