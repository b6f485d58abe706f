"""Careless and hostile committee workbooks: each case ends as a finding at its cell
(or tab), or a French message with the right exit code, in bounded memory; nothing
typed is lost, counted twice, or overwritten.

The workbooks are built here from scratch (tests/support/hostile.py writes the XML of
an .xlsx by hand, the large cases as compressed blocks repeated). The large cases run
in a child process whose own peak memory is measured.

Projets columns (tests/support/builders.py): A No projet, B Titre du projet, … G Statut,
… P FQIS total; Versements: A No projet, B Date du versement, C Montant.
"""

from __future__ import annotations

import os
import zlib

import openpyxl
import pytest
from click.testing import CliRunner

from sync.cli import cli
from sync.config import SourceSpec
from sync.errors import SourceUnavailable
from sync.parsing.identifiers import visible
from sync.sources import xlsx as xlsx_reader
from sync.sources.xlsx import XlsxSource
from tests.support.builders import payment, project, write_alliance, write_committee_xlsx
from tests.support.checks import of_code, only, validate
from tests.support.hostile import (
    Deflated,
    Error,
    bomb_part,
    run_measured,
    sheet_xml,
    write_committee,
    write_xlsx,
)

# Generous bounds: the target is 300 MB; a clean run of the small alliance takes about 60 MB.
PEAK_MB = 300
PROJECT = project("OUE-2020-001")  # 60 000 $ of FQIS, committed (En cours)
PAID = payment("OUE-2020-001")  # 10 000 $


def alliance(tmp_path, **ouest):
    """The three sub-regions, OUEST written by hand with ``ouest`` (write_committee)."""
    config = write_alliance(tmp_path)
    write_committee(tmp_path / "ouest.xlsx", **{"projects": [PROJECT], "payments": [PAID], **ouest})
    return config


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def read(path, tabs=("Projets", "Versements")):
    return XlsxSource(SourceSpec("xlsx", str(path)), committee_code="OUEST").read(list(tabs))


def ouest_totals(report) -> tuple[int, int, int]:
    line = report.totals.line("OUEST")
    return line.committed, line.paid, line.projects_committed


# ---------------------------------------------------------------- bounded reading


def test_a_value_in_xfd1048576_is_a_warning_at_its_cell_in_bounded_memory(tmp_path):
    config = alliance(tmp_path, extra_cells={"Projets": {"XFD1048576": "oups"}})
    # python-calamine alone allocates every cell up to XFD1048576 (17 billion) and aborts.
    result = run_measured("validate", "--config", str(config), cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    assert (
        "  avertissement VALUE_OUTSIDE_TABLE [Projets!XFD1048576] : « oups » est saisi en XFD1048576, "
        "sur une ligne sans aucune valeur dans les colonnes du gabarit : cette valeur est ignorée."
    ) in result.stdout
    assert "  OUEST      engagé        60 000,00 $ sur" in result.stdout
    assert result.peak_mb < PEAK_MB


def test_a_lone_value_in_the_last_row_of_a_template_column_is_a_finding_at_its_row(tmp_path):
    report = validate(alliance(tmp_path, extra_cells={"Projets": {"B1048576": "Titre égaré"}}))
    missing = only(report, "MISSING_VALUE", cell="A1048576")
    assert (missing.row, missing.field, missing.severity) == (1048576, "project_id", "error")
    assert ouest_totals(report) == (6_000_000, 1_000_000, 1)  # the stray row counts for nothing


def test_a_far_value_in_an_unknown_column_of_a_data_row_is_ignored(tmp_path):
    report = validate(alliance(tmp_path, extra_cells={"Projets": {"ZZ2": "note perso"}}))
    assert report.findings == []
    assert ouest_totals(report) == (6_000_000, 1_000_000, 1)


def test_a_declared_dimension_of_the_whole_sheet_costs_nothing(tmp_path):
    rows = [["No projet"], ["OUE-1"]]
    path = write_xlsx(tmp_path / "d.xlsx", {"Projets": sheet_xml(rows, dimension="A1:XFD1048576")})
    assert read(path).tabs["Projets"] == rows


def test_the_sparse_reading_gives_the_rows_calamine_gives(tmp_path, monkeypatch):
    rows = [
        ["No projet", "Montant", "Date"],
        ["A-1", 12.5, 43922],
        ["A-2", Error("#REF!"), True],
        [],
        [None, None, "texte"],
    ]
    path = write_xlsx(tmp_path / "s.xlsx", {"Projets": sheet_xml(rows)})
    dense = read(path).tabs["Projets"]
    monkeypatch.setattr(xlsx_reader, "DENSE_CELLS", 0)  # every tab read cell by cell
    assert (
        read(path).tabs["Projets"]
        == dense
        == [["No projet", "Montant", "Date"], ["A-1", 12.5, 43922], ["A-2", "#REF!", True], [], [None, None, "texte"]]
    )


def test_a_compression_bomb_is_refused_before_it_inflates(tmp_path):
    head = sheet_xml([["No projet"], ["OUE-1"]]).replace(b"</sheetData></worksheet>", b"")
    bomb = bomb_part(head, b"<row/>", 1 << 30, b"</sheetData></worksheet>")  # 1 GiB from 1.6 MB
    config = write_alliance(tmp_path)
    write_xlsx(tmp_path / "ouest.xlsx", {"Projets": bomb, "Versements": sheet_xml([["No projet"]])})
    assert (tmp_path / "ouest.xlsx").stat().st_size < 2_000_000
    result = run_measured("validate", "--config", str(config), cwd=tmp_path)
    assert result.exit_code == 3
    assert result.stderr.endswith(
        f"Erreur : Validation impossible : des chiffriers n'ont pas pu être lus."
        f"\n  - Ouest de la Montérégie (OUEST) : le fichier {tmp_path / 'ouest.xlsx'} est illisible : "
        "une de ses parties (xl/worksheets/sheet1.xml) occupe 1\u00a0024 Mo une fois décompressée, au-delà de la "
        "limite de 100 Mo ; un classeur de comité n'en demande pas tant (une valeur saisie très loin du tableau "
        "ou un fichier piégé ?). Effacez ce qui dépasse le tableau ou réenregistrez-le depuis Excel ou "
        "LibreOffice.\n"
    )
    assert result.peak_mb < PEAK_MB


def test_a_part_that_lies_about_its_size_is_damaged_not_inflated(tmp_path):
    head = sheet_xml([["No projet"], ["OUE-1"]]).replace(b"</sheetData></worksheet>", b"")
    bomb = bomb_part(head, b"<row/>", 1 << 30, b"</sheetData></worksheet>")
    # The entry declares only its first bytes (with their CRC): every reader stops there.
    liar = Deflated(bomb.data, len(head), zlib.crc32(head))
    path = write_xlsx(tmp_path / "ouest.xlsx", {"Projets": liar})
    with pytest.raises(SourceUnavailable) as caught:
        read(path)
    # Read up to its declared size, the part is XML cut short.
    assert caught.value.message == (
        f"le fichier {path} est endommagé (le contenu XML d'une de ses feuilles est "
        "mal formé ou tronqué) ; réenregistrez-le depuis Excel ou LibreOffice."
    )


def test_too_many_cells_is_a_source_error_that_names_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx_reader, "MAX_CELLS", 10)
    rows = [["No projet", "Titre du projet"], *([f"OUE-{i}", "titre"] for i in range(6))]
    path = write_xlsx(tmp_path / "ouest.xlsx", {"Projets": sheet_xml(rows, extra_cells={"XFD1048576": "x"})})
    with pytest.raises(SourceUnavailable) as caught:
        read(path)
    assert caught.value.message.startswith(
        f"le fichier {path} est illisible : l'onglet « Projets » contient plus de 10 cellules remplies, la limite ;"
    )


def test_values_spread_over_too_many_cells_is_a_source_error(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx_reader, "MAX_SLOTS", 100_000)
    cells = {f"XFD{row}": "x" for row in range(2, 102)}  # a hundred rows 16 384 cells wide
    path = write_xlsx(tmp_path / "ouest.xlsx", {"Projets": sheet_xml([["No projet"]], extra_cells=cells)})
    with pytest.raises(SourceUnavailable) as caught:
        read(path)
    assert (
        "les valeurs de l'onglet « Projets » s'étendent sur plus de 100\u00a0000 cellules, la limite"
        in caught.value.message
    )


def test_a_password_protected_workbook_says_so(tmp_path):
    # An encrypted .xlsx is an OLE compound file holding an « EncryptedPackage » stream.
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "EncryptedPackage".encode("utf-16-le") + bytes(1024)
    path = tmp_path / "ouest.xlsx"
    path.write_bytes(ole)
    with pytest.raises(SourceUnavailable) as caught:
        read(path)
    assert caught.value.message == (
        f"le fichier {path} est illisible : il est protégé par un mot de passe ; enregistrez-en une copie sans "
        "mot de passe (Fichier › Informations › Protéger le classeur) à l'emplacement configuré."
    )


def no_file_source(tmp_path, kind: str):
    """The alliance with OUEST's source made a FIFO, a loop of links, a folder or a link
    to a device, and what every command says of it."""
    config = write_alliance(tmp_path)
    source = tmp_path / "ouest.xlsx"
    source.unlink()
    if kind == "fifo":
        os.mkfifo(source)
        return config, source, f"{source} n'est pas un fichier ordinaire (tube, périphérique ou prise)"
    if kind == "device":
        source.symlink_to("/dev/zero")  # the configuration names the file the link leads to
        return config, source, "/dev/zero n'est pas un fichier ordinaire (tube, périphérique ou prise)"
    if kind == "loop":
        source.symlink_to(tmp_path / "boucle.xlsx")
        (tmp_path / "boucle.xlsx").symlink_to(source)
        return (
            config,
            source,
            (f"{source} est un lien symbolique qui boucle (il mène, directement ou par d'autres liens, à lui-même)"),
        )
    source.mkdir()
    return config, source, f"{source} est un dossier, pas un classeur"


NO_FILE_KINDS = ["fifo", "loop", "folder", "device"]
HOW_TO = " ; indiquez le chemin d'un classeur Excel (.xlsx)"


@pytest.mark.parametrize("kind", NO_FILE_KINDS)
def test_a_source_that_is_no_regular_file_is_a_message_not_a_hang(tmp_path, kind):
    config, _, reason = no_file_source(tmp_path, kind)
    result = run_measured(
        "run",
        "--config",
        str(config),
        "--state-dir",
        str(tmp_path / "etat"),
        "-o",
        str(tmp_path / "rapport.xlsx"),
        cwd=tmp_path,
        timeout=60,
    )
    assert result.exit_code == 3
    assert f"  - Ouest de la Montérégie (OUEST) : {reason}{HOW_TO}.\n" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("kind", NO_FILE_KINDS)
def test_validate_names_a_source_that_is_no_regular_file_as_run_does(tmp_path, kind):
    config, _, reason = no_file_source(tmp_path, kind)
    result = run_measured("validate", "--config", str(config), cwd=tmp_path, timeout=60)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Erreur : Configuration invalide (fichier {config}, clé « subregions[1].source.xlsx ») : {reason}{HOW_TO}\n"
    )
    assert "introuvable" not in result.stderr


@pytest.mark.parametrize("kind", NO_FILE_KINDS)
def test_check_access_names_a_source_that_is_no_regular_file(tmp_path, kind):
    config, _, reason = no_file_source(tmp_path, kind)
    result = run_measured("check-access", "--config", str(config), cwd=tmp_path, timeout=60)
    assert result.exit_code == 3
    assert f"{reason}{HOW_TO}." in result.stdout + result.stderr
    assert "Résultat : 2 chiffriers accessibles sur 3 (1 à corriger)." in result.stdout


# ---------------------------------------------------------------- no silent data


@pytest.mark.parametrize("title", ["Projets (suite)", "Projets 2", "Copie de Projets"])
def test_projects_continued_on_another_tab_are_an_error_at_that_tab(tmp_path, title):
    extra = sheet_xml([["No projet", "Titre du projet"], ["OUE-2020-002", "Suite"]])
    report = validate(alliance(tmp_path, tabs={title: extra}))
    f = only(report, "EXTRA_TAB")
    assert (f.severity, f.committee, f.sheet, f.cell, f.row) == ("error", "OUEST", title, "", None)
    assert f.values == {"tab": "Projets"}
    assert report.errors == [f]


def test_an_empty_copy_of_a_tab_is_no_finding(tmp_path):
    report = validate(alliance(tmp_path, tabs={"Versements (copie)": sheet_xml([["No projet", "Montant"]])}))
    assert report.findings == []


def test_two_tabs_whose_names_fold_together_are_an_error(tmp_path):
    other = sheet_xml([["No projet", "Date du versement", "Montant"], ["OUE-2020-001", "2020-06-01", 5000]])
    report = validate(alliance(tmp_path, tabs={"versements": other}))
    f = only(report, "AMBIGUOUS_TAB")
    assert (f.severity, f.sheet, f.cell) == ("error", "versements", "")
    assert f.values == {"read": "Versements"}
    assert ouest_totals(report) == (6_000_000, 1_000_000, 1)


def test_a_duplicated_column_is_an_error_at_the_copy(tmp_path):
    from tests.support.builders import PROJECT_HEADERS

    headers = [*PROJECT_HEADERS, "FQIS 2020-2021"]  # a stale copy of a year column, in U
    stale = {**PROJECT, "FQIS 2020-2021": 30000}
    path = tmp_path / "ouest.xlsx"
    config = write_alliance(tmp_path)
    write_committee_xlsx(path, [stale], [PAID], headers=headers)
    report = validate(config)
    f = only(report, "DUPLICATE_COLUMN")
    assert (f.severity, f.sheet, f.cell, f.row, f.field) == ("error", "Projets", "U1", 1, "year:2020-2021")
    assert f.values == {"column": "FQIS 2020-2021", "first": "M1"}
    assert ouest_totals(report) == (6_000_000, 1_000_000, 1)


@pytest.mark.parametrize(
    ("typed", "changes"),
    [
        ("OUE-2020-0\u200b01", {"invisible": ["U+200B"]}),
        ("OUE-2020-\u00ad001", {"invisible": ["U+00AD"]}),
        ("OUE-\u20602020-001", {"invisible": ["U+2060"]}),
        ("\u041eUE-2020-001", {"look_alikes": ["\u041e"]}),
        ("ＯＵＥ-2020-001", {"special_forms": True}),
    ],
)
def test_a_project_number_with_tricky_characters_is_flagged_and_caught_as_a_duplicate(tmp_path, typed, changes):
    report = validate(alliance(tmp_path, projects=[PROJECT, project(typed)]))
    flagged = only(report, "PROJECT_ID_CHARACTERS")
    assert (flagged.severity, flagged.cell, flagged.field) == ("warning", "A3", "project_id")
    assert flagged.values == {"column": "No projet", "value": visible(typed), "clean": "OUE-2020-001", **changes}
    duplicate = only(report, "DUPLICATE_PROJECT_ID")
    assert (duplicate.cell, duplicate.project_id) == ("A3", "OUE-2020-001")
    assert ouest_totals(report) == (6_000_000, 1_000_000, 1)  # counted once


def test_an_invisible_character_is_shown_in_the_message(tmp_path):
    report = validate(alliance(tmp_path, projects=[project("OUE-2020-0\u200b01")]))
    assert only(report, "PROJECT_ID_CHARACTERS").values["value"] == "OUE-2020-0⟨U+200B⟩01"


def test_numbers_in_other_alphabets_stay_apart(tmp_path):
    # Before, « ΔΣΦ-1 » and « ЖЩЯ-1 » both folded to « 1 »: one project, its payment misplaced.
    projects = [project("ΔΣΦ-1", territory="Roussillon"), project("ЖЩЯ-1", territory="Roussillon")]
    report = validate(alliance(tmp_path, projects=projects, payments=[payment("ЖЩЯ-1", amount=2500)]))
    assert report.findings == []
    assert ouest_totals(report) == (12_000_000, 250_000, 2)
    assert report.totals.paid_by_project == {("OUEST", "ЖЩЯ-1"): 250_000}


@pytest.mark.parametrize("column", ["No projet", "Titre du projet", "Statut"])
@pytest.mark.parametrize("error", ["#REF!", "#N/A"])
def test_an_error_value_in_a_text_cell_is_an_error_at_its_cell(tmp_path, column, error):
    letter = {"No projet": "A", "Titre du projet": "B", "Statut": "G"}[column]
    report = validate(alliance(tmp_path, projects=[project(cells={column: Error(error)})]))
    f = only(report, "ERROR_VALUE")
    assert (f.severity, f.cell) == ("error", f"{letter}2")
    assert f.values == {"column": column, "value": error}
    assert of_code(report, "MISSING_VALUE") == []  # not also said to be empty
    # A number or a status that is an error keeps the project out of the totals; a title does not.
    assert ouest_totals(report)[0] == (6_000_000 if column == "Titre du projet" else 0)


def test_a_title_longer_than_a_cell_holds_is_a_warning(tmp_path):
    report = validate(alliance(tmp_path, projects=[project(title="é" * 32_768)]))
    f = only(report, "TEXT_TOO_LONG")
    assert (f.severity, f.cell, f.field) == ("warning", "B2", "title")
    assert f.values == {"column": "Titre du projet", "length": 32_768, "limit": 32_767}
    assert ouest_totals(report) == (6_000_000, 1_000_000, 1)


def test_terminal_control_characters_are_never_printed_raw(tmp_path):
    hostile = "\x1b[2J\x1b]0;pirate\x07\rTitre\x9b31m\u202e"
    config = alliance(tmp_path, projects=[project(priority=hostile)])
    for output_format in ("text", "json"):
        result = invoke("validate", "--config", str(config), "--format", output_format)
        assert result.exit_code == 1
        assert not any(ch in result.stdout for ch in "\x1b\x07\r\x9b\u202e"), output_format
    text = invoke("validate", "--config", str(config)).stdout
    assert "valeur inconnue « ␛[2J␛]0;pirate␇␍Titre<U+009B>31m<U+202E> »" in text
    # Every command's JSON goes through one writer (sync/outputs/contract.py): run's too.
    run = invoke(
        "run",
        "--config",
        str(config),
        "--format",
        "json",
        "--state-dir",
        str(tmp_path / "etat"),
        "-o",
        str(tmp_path / "r.xlsx"),
    )
    assert run.exit_code == 1
    assert not any(ch in run.stdout for ch in "\x1b\x07\r\x9b\u202e")
    assert "\\u009b31m\\u202e" in run.stdout


# ---------------------------------------------------------------- inputs are never outputs


def run_args(tmp_path, *args: str) -> list[str]:
    return ["run", "--config", str(tmp_path / "alliance.toml"), "--state-dir", str(tmp_path / "etat"), *args]


@pytest.fixture
def clean(tmp_path):
    """A clean alliance (one project in OUEST), its files, and a run of it."""
    write_alliance(tmp_path, {"OUEST": {"projects": [PROJECT], "payments": [PAID]}})
    return tmp_path


@pytest.mark.parametrize(
    ("name", "what"),
    [
        ("alliance.toml", "la configuration"),
        ("ouest.xlsx", "le classeur du comité OUEST"),
        ("etat/historique.sqlite", "l'historique des synchronisations"),
    ],
)
def test_run_refuses_to_write_over_an_input(clean, name, what):
    target = clean / name
    assert invoke(*run_args(clean, "-o", str(clean / "rapport.xlsx"))).exit_code == 0  # the history exists
    before = target.read_bytes()
    result = invoke(*run_args(clean, "-o", str(target), "--force"))
    assert result.exit_code == 2
    reason = (
        "un classeur porte l'extension .xlsx (par exemple « alliance.xlsx »)"
        if name.endswith(".toml")
        else "un classeur porte l'extension .xlsx (par exemple « historique.xlsx »)"
        if name.endswith(".sqlite")
        else f"ce chemin désigne {what} ({target}), une entrée que la synchronisation lit et n'écrase jamais ; "
        "choisissez un autre nom"
    )
    assert result.stderr.endswith(f"Erreur : sortie refusée : {target} : {reason}.\n")
    assert target.read_bytes() == before


def test_run_refuses_an_input_under_another_spelling(clean):
    (clean / "sous").mkdir()
    (clean / "lien.xlsx").symlink_to(clean / "ouest.xlsx")
    before = (clean / "ouest.xlsx").read_bytes()
    for spelling in (clean / "sous" / ".." / "ouest.xlsx", clean / "lien.xlsx"):
        result = invoke(*run_args(clean, "-o", str(spelling), "--force"))
        assert result.exit_code == 2
        assert "ce chemin désigne le classeur du comité OUEST" in result.stderr
    assert (clean / "ouest.xlsx").read_bytes() == before


def test_run_refuses_an_output_inside_the_state_folder(clean):
    target = clean / "etat" / "rapport.xlsx"
    result = invoke(*run_args(clean, "-o", str(target)))
    assert result.exit_code == 2
    assert result.stderr.endswith(
        f"Erreur : sortie refusée : {target} : ce chemin est dans le dossier d'état "
        f"({clean / 'etat'}), que seul alliance-sync écrit ; choisissez un autre nom.\n"
    )


@pytest.mark.parametrize("name", ["rapport.csv", "rapport", "rapport.xls"])
def test_run_refuses_an_extension_other_than_xlsx(clean, name):
    result = invoke(*run_args(clean, "-o", str(clean / name)))
    assert result.exit_code == 2
    assert f"sortie refusée : {clean / name} : un classeur porte l'extension .xlsx" in result.stderr
    assert not (clean / name).exists()


def test_run_replaces_its_own_report_but_not_another_file_without_force(clean):
    target = clean / "rapport.xlsx"
    assert invoke(*run_args(clean, "-o", str(target))).exit_code == 0
    assert invoke(*run_args(clean, "-o", str(target))).exit_code == 0  # yesterday's report: replaced
    foreign = clean / "budget.xlsx"
    write_committee_xlsx(foreign)  # somebody's workbook
    before = foreign.read_bytes()
    result = invoke(*run_args(clean, "-o", str(foreign)))
    assert result.exit_code == 2
    assert result.stderr.endswith(
        f"Erreur : sortie refusée : {foreign} : ce fichier existe et n'est pas un classeur de ce type écrit par "
        "alliance-sync ; choisissez un autre nom, ou ajoutez --force pour le remplacer.\n"
    )
    assert foreign.read_bytes() == before
    assert invoke(*run_args(clean, "-o", str(foreign), "--force")).exit_code == 0
    assert foreign.read_bytes() != before


def test_a_folder_as_output_receives_the_default_name_and_missing_folders_are_made(clean):
    (clean / "rapports").mkdir()
    result = invoke(*run_args(clean, "-o", str(clean / "rapports")))
    assert result.exit_code == 0, result.stderr
    written = list((clean / "rapports").glob("rapport-fqis-*.xlsx"))
    assert len(written) == 1 and result.stdout.endswith(f"Classeur écrit : {written[0]}\n")
    deep = clean / "a" / "b" / "rapport.xlsx"
    assert invoke(*run_args(clean, "-o", str(deep))).exit_code == 0
    assert deep.is_file()


def test_an_output_name_too_long_for_the_file_system_is_a_message(clean):
    target = clean / ("r" * 300 + ".xlsx")
    result = invoke(*run_args(clean, "-o", str(target)))
    assert result.exit_code == 2
    assert result.stderr.endswith(f"Erreur : sortie refusée : {target} : nom de fichier trop long.\n")


def test_template_never_overwrites_a_filled_workbook_nor_the_configuration(clean):
    committee = clean / "ouest.xlsx"
    before = committee.read_bytes()
    result = invoke("template", "--config", str(clean / "alliance.toml"), "-o", str(committee))
    assert result.exit_code == 2
    assert "ce chemin désigne le classeur du comité OUEST" in result.stderr
    copy = clean / "copie.xlsx"
    copy.write_bytes(before)  # a filled committee workbook that is no configured source
    result = invoke("template", "--config", str(clean / "alliance.toml"), "-o", str(copy))
    assert result.exit_code == 2
    assert "n'est pas un classeur de ce type écrit par alliance-sync" in result.stderr
    assert copy.read_bytes() == before and committee.read_bytes() == before
    result = invoke("template", "--config", str(clean / "alliance.toml"), "-o", str(clean / "alliance.toml"))
    assert result.exit_code == 2


@pytest.mark.slow
def test_template_replaces_an_unfilled_template_and_fills_a_folder(clean):
    args = ["template", "--config", str(clean / "alliance.toml")]
    assert invoke(*args, "-o", str(clean / "gabarit.xlsx")).exit_code == 0
    assert invoke(*args, "-o", str(clean / "gabarit.xlsx")).exit_code == 0
    (clean / "modeles").mkdir()
    result = invoke(*args, "-o", str(clean / "modeles"))
    assert result.exit_code == 0
    assert result.stdout == f"Gabarit écrit : {clean / 'modeles' / 'gabarit-comite.xlsx'}\n"


# ---------------------------------------------------------------- every failure is a message


def _damage(tmp_path, sql: str) -> None:
    import sqlite3

    with sqlite3.connect(tmp_path / "etat" / "historique.sqlite") as conn:
        conn.execute(sql)


def test_a_damaged_record_of_the_history_is_named_and_its_committee_not_compared(clean):
    target = clean / "rapport.xlsx"
    assert invoke(*run_args(clean, "-o", str(target))).exit_code == 0
    _damage(
        clean,
        "UPDATE record_data SET data = 'pas du JSON {' WHERE id = (SELECT record FROM record_spans "
        "WHERE kind = 'project' AND committee = 'OUEST' AND position = 0)",
    )
    target.unlink()
    result = invoke(*run_args(clean, "-o", str(target)))
    assert result.exit_code == 0, result.stderr
    assert target.is_file()
    assert (
        "AVERTISSEMENT : Changements : comité OUEST non comparé : enregistrement illisible dans l'historique "
        "(OUEST, ligne 2, OUE-2020-001 : JSON illisible à la position 0) : ses projets et versements ne sont "
        "pas comparés."
    ) in result.stderr
    assert "Historique : synchronisation n° 2 enregistrée" in result.stderr
    assert "Traceback" not in result.stderr and "JSONDecodeError" not in result.stderr
    changes = openpyxl.load_workbook(target)["Changements"]
    assert changes["A3"].value == (
        "Sous-région OUEST non comparée : enregistrement illisible dans l'historique "
        "(OUEST, ligne 2, OUE-2020-001 : JSON illisible à la position 0) : ses projets "
        "et versements ne sont pas comparés."
    )
    # diff shows what is readable and names what is not.
    compared = invoke("diff", "1", "2", "--state-dir", str(clean / "etat"))
    assert compared.exit_code == 0
    assert compared.stdout.splitlines()[2] == (
        "Comité OUEST non comparé : enregistrement illisible dans l'historique (OUEST, ligne 2, OUE-2020-001 : "
        "JSON illisible à la position 0) : ses projets et versements ne sont pas comparés."
    )
    # This run was recorded: the next one compares with it and says nothing of the damage.
    later = invoke(*run_args(clean, "-o", str(target)))
    assert later.exit_code == 0 and "AVERTISSEMENT" not in later.stderr


def test_a_damaged_run_row_is_skipped_and_named_never_a_class_name(clean):
    target = clean / "rapport.xlsx"
    assert invoke(*run_args(clean, "-o", str(target))).exit_code == 0
    _damage(clean, "UPDATE runs SET started_at = 'hier soir'")
    result = invoke(*run_args(clean, "-o", str(target)))
    assert result.exit_code == 0, result.stderr
    said = (
        f"istorique {clean / 'etat' / 'historique.sqlite'} : la synchronisation n° 1 est illisible (date "
        "illisible) ; elle est ignorée."
    )
    assert f"AVERTISSEMENT : H{said}" in result.stderr
    listed = invoke("history", "--state-dir", str(clean / "etat"))
    assert listed.exit_code == 0
    assert [line.split()[0] for line in listed.stdout.splitlines()[1:]] == ["2"]  # run 1 is not listed
    assert listed.stderr == f"Attention : h{said}\n"
    compared = invoke("diff", "--state-dir", str(clean / "etat"))
    assert compared.exit_code == 0
    assert compared.stdout == "Synchronisation n° 2 : aucune synchronisation antérieure à comparer.\n"
    assert "Error" not in compared.stderr + listed.stderr + result.stderr


def test_a_history_with_a_missing_column_is_repaired_and_the_night_recorded(clean):
    target = clean / "rapport.xlsx"
    assert invoke(*run_args(clean, "-o", str(target))).exit_code == 0
    _damage(clean, "ALTER TABLE runs DROP COLUMN output_sha256")
    target.unlink()
    result = invoke(*run_args(clean, "-o", str(target)))
    assert result.exit_code == 0, result.stderr
    assert target.is_file()
    assert (
        f"AVERTISSEMENT : Historique {clean / 'etat' / 'historique.sqlite'} : la colonne output_sha256 de la "
        "table runs manquait : elle a été rétablie, vide dans les lignes déjà enregistrées."
    ) in result.stderr
    assert "Historique : synchronisation n° 2 enregistrée, 1 projet" in result.stderr
    listed = invoke("history", "--state-dir", str(clean / "etat"))
    assert [line.split()[3] for line in listed.stdout.splitlines()[1:]] == ["conforme", "conforme"]
    later = invoke(*run_args(clean, "-o", str(target)))
    assert later.exit_code == 0 and "AVERTISSEMENT" not in later.stderr


def test_a_database_of_another_program_is_refused_with_the_way_out(clean):
    import sqlite3

    (clean / "etat").mkdir()
    with sqlite3.connect(clean / "etat" / "historique.sqlite") as conn:
        conn.execute("CREATE TABLE clients (nom TEXT)")
    result = invoke(*run_args(clean, "-o", str(clean / "rapport.xlsx")))
    assert result.exit_code == 2
    assert result.stderr.endswith(
        f"Erreur : La base {clean / 'etat' / 'historique.sqlite'} n'est pas un historique d'alliance-sync (elle "
        "contient la table clients). Déplacez ce fichier ailleurs, ou indiquez un autre dossier d'état avec "
        "--state-dir.\n"
    )
    with sqlite3.connect(clean / "etat" / "historique.sqlite") as conn:  # untouched
        assert conn.execute("SELECT name FROM sqlite_master").fetchall() == [("clients",)]


def test_temporary_files_live_in_the_state_folder_and_a_killed_runs_are_removed(clean, monkeypatch):
    import tempfile

    leftover = clean / "etat" / "temporaire" / "openpyxl.abc.xml"
    leftover.parent.mkdir(parents=True)
    leftover.write_text("<données d'un comité>")  # what a run killed while writing left
    seen = []
    from sync.outputs import ministry

    real = ministry.write_ministry_workbook

    def spy(*args, **kwargs):
        seen.append(tempfile.gettempdir())
        return real(*args, **kwargs)

    monkeypatch.setattr(ministry, "write_ministry_workbook", spy)
    assert invoke(*run_args(clean, "-o", str(clean / "rapport.xlsx"))).exit_code == 0
    assert seen == [str(clean / "etat" / "temporaire")]
    assert not leftover.exists()
    assert tempfile.gettempdir() != seen[0]  # restored after the run


def test_a_huge_table_of_shared_strings_is_refused_before_it_is_loaded(tmp_path):
    # Five million shared texts fit in 2 MB of zip and cost every reader hundreds of MB.
    table = bomb_part(
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">',
        b"<si><t>a</t></si>",
        5_000_000 * 17,
        b"</sst>",
    )
    config = alliance(tmp_path, extra_parts={"xl/sharedStrings.xml": table})
    result = run_measured("validate", "--config", str(config), cwd=tmp_path)
    assert result.exit_code == 3
    assert (
        f"le fichier {tmp_path / 'ouest.xlsx'} est illisible : sa table de textes partagés compte plus de "
        "1\u00a0000\u00a0000 textes, la limite ;"
    ) in result.stderr
    assert result.peak_mb < PEAK_MB


def test_many_tabs_that_look_like_projets_are_bounded_together(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx_reader, "MAX_SLOTS", 1_000)
    tab = sheet_xml([["No projet", "Titre du projet"], *([f"OUE-{i}", "titre"] for i in range(100))])
    path = write_xlsx(tmp_path / "ouest.xlsx", {"Projets": tab, **{f"Projets {n}": tab for n in range(2, 12)}})
    with pytest.raises(SourceUnavailable) as caught:
        read(path)
    assert (
        "ses onglets Projets et Versements et ceux qui leur ressemblent s'étendent sur plus de 1\u00a0000 "
        "cellules, la limite"
    ) in caught.value.message


def test_a_google_spreadsheet_tells_the_same_about_a_second_projects_tab(tmp_path, sheets_api):
    from tests.support.sheets_server import KEYS, committee_tabs, google_config

    extra = {
        "Projets (suite)": [["No projet", "Titre du projet"], ["OUE-2020-002", "Suite"]],
        "projets": [["No projet"], ["OUE-2020-003"]],
    }
    sheets_api.add_spreadsheet(KEYS["OUEST"], committee_tabs([PROJECT], [PAID], extra_tabs=extra))
    for code in ("EST", "LONGUEUIL"):
        sheets_api.add_spreadsheet(KEYS[code], committee_tabs())
    report = validate(google_config(tmp_path))
    assert [(f.code, f.sheet) for f in report.errors] == [
        ("EXTRA_TAB", "Projets (suite)"),
        ("AMBIGUOUS_TAB", "projets"),
    ]
    assert ouest_totals(report) == (6_000_000, 1_000_000, 1)


def test_an_output_in_a_folder_this_user_cannot_enter_is_a_message(clean, monkeypatch):
    from tests.support.checks import deny_access

    closed = clean / "ferme"
    closed.mkdir()
    deny_access(monkeypatch, closed)
    target = closed / "rapport.xlsx"
    result = invoke(*run_args(clean, "-o", str(target)))
    assert result.exit_code == 2
    assert result.stderr.endswith(f"Erreur : sortie refusée : {target} : permission refusée.\n")


def test_a_column_copied_down_the_whole_sheet_is_refused_by_its_number_of_rows(tmp_path, monkeypatch):
    # Each filled row makes a record and its findings: 25 000 rows of a lone number already
    # make 150 000 findings. Rows of zeros (a total formula copied down) are no entry.
    monkeypatch.setattr(xlsx_reader, "MAX_ROWS", 5)
    zeros = sheet_xml([["No projet", "FQIS total"], *([None, 0] for _ in range(50))])
    assert len(read(write_xlsx(tmp_path / "zeros.xlsx", {"Projets": zeros})).tabs["Projets"]) == 51
    for far in ({}, {"XFD1048576": "x"}):  # read by calamine, or cell by cell
        copied = sheet_xml([["No projet"], *([f"OUE-{i}"] for i in range(6))], extra_cells=far)
        path = write_xlsx(tmp_path / "ouest.xlsx", {"Projets": copied})
        with pytest.raises(SourceUnavailable) as caught:
            read(path)
        assert caught.value.message.startswith(
            f"le fichier {path} est illisible : l'onglet « Projets » compte plus de 5 lignes remplies, la limite ;"
        )


def test_a_file_too_large_for_a_committee_workbook_is_refused_before_it_is_opened(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx_reader, "MAX_PART_BYTES", 1024 * 1024)
    path = tmp_path / "ouest.xlsx"
    path.write_bytes(bytes(3 * 1024 * 1024))  # as if a million tiny parts filled its zip directory
    with pytest.raises(SourceUnavailable) as caught:
        read(path)
    assert caught.value.message.startswith(
        f"le fichier {path} est illisible : il occupe 3 Mo, au-delà de la limite de 1 Mo ;"
    )


def test_a_payment_whose_number_hides_a_character_reaches_its_project(tmp_path):
    report = validate(alliance(tmp_path, payments=[payment("OUE-2020\u2060-001", amount=2500)]))
    flagged = only(report, "PROJECT_ID_CHARACTERS")
    assert (flagged.sheet, flagged.cell) == ("Versements", "A2")
    assert of_code(report, "PAYMENT_UNKNOWN_PROJECT") == []
    assert report.totals.paid_by_project == {("OUEST", "OUE-2020-001"): 250_000}


# ---------------------------------------------------------------- blank is blank

# What a cell shows as empty: spaces of every kind, tabs, and characters of zero width.
INVISIBLE = [" ", "\u00a0", "\u202f", "\t \u2009", "\u200b", "\ufeff", "\u00ad", "\u200d\u2060", " \u3164 "]


def test_rows_of_spaces_and_zero_width_characters_are_no_project_and_no_finding(tmp_path):
    blank_looking = [
        {"No projet": text, "Titre du projet": text, "Statut": text, "Coût total": text} for text in INVISIBLE
    ]
    report = validate(
        alliance(
            tmp_path, projects=[PROJECT, *blank_looking], payments=[PAID, {"No projet": "\u200b", "Montant": "\u00a0"}]
        )
    )
    assert report.findings_of("OUEST") == []
    assert [p.row for p in report.workbooks["OUEST"].projects] == [2]
    assert len(report.workbooks["OUEST"].payments) == 1
    assert ouest_totals(report) == (6_000_000, 1_000_000, 1)


def test_a_number_of_zero_width_characters_is_an_empty_number(tmp_path):
    report = validate(alliance(tmp_path, projects=[PROJECT, project("\u200b\u200b", title="Sans numéro")]))
    f = only(report, "MISSING_VALUE", committee="OUEST")
    assert (f.sheet, f.cell) == ("Projets", "A3")
    assert (f.field, f.values) == ("project_id", {"column": "No projet", "expected": "project_id"})
    assert of_code(report, "PROJECT_ID_CHARACTERS") == []
    assert ouest_totals(report) == (6_000_000, 1_000_000, 1)


def test_blank_looking_rows_do_not_count_toward_the_filled_row_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx_reader, "MAX_ROWS", 5)
    blank_looking = [[text, text, None, "\u200b"] for text in INVISIBLE * 6]
    for far in ({}, {"XFD1048576": " "}):  # read by calamine, or cell by cell
        path = write_xlsx(
            tmp_path / "ouest.xlsx", {"Projets": sheet_xml([["No projet"], *blank_looking], extra_cells=far)}
        )
        assert len(read(path).tabs["Projets"]) >= 55


def test_a_google_spreadsheet_counts_its_filled_rows_with_the_same_blanks(tmp_path, sheets_api, monkeypatch):
    from sync.sources import google as google_source
    from tests.support.sheets_server import KEYS, committee_tabs, google_config

    monkeypatch.setattr(google_source, "MAX_ROWS", 5)
    blank_looking = [{"No projet": text, "Titre du projet": text} for text in INVISIBLE]
    sheets_api.add_spreadsheet(KEYS["OUEST"], committee_tabs([PROJECT, *blank_looking], [PAID]))
    config = google_config(tmp_path, codes=("OUEST",))
    assert validate(config).findings_of("OUEST") == []
    sheets_api.add_spreadsheet(KEYS["OUEST"], committee_tabs([project(f"OUE-2020-00{i}") for i in range(1, 7)]))
    result = invoke("validate", "--config", str(config))
    assert result.exit_code == 3
    assert (
        f"  - Ouest de la Montérégie (OUEST) : le chiffrier Google du comité Ouest de la Montérégie (clé "
        f"{KEYS['OUEST']}) est illisible : l'onglet « Projets » compte plus de 5 lignes remplies, la limite ; "
        "un classeur de comité n'en demande pas tant (une formule recopiée jusqu'au bas de l'onglet ?). "
        "Effacez ce qui dépasse le tableau.\n"
    ) in result.stderr


# ---------------------------------------------------------------- total rows

SECOND = project(
    "OUE-2020-002", status="Accepté", fqis={"2019-2020": 20000}, total_cost=50000, other_contributions=30000
)  # 20 000 $ of FQIS, committed
SUMS = {
    "Coût total": 150000,
    "FQIS 2019-2020": 50000,
    "FQIS 2020-2021": 30000,
    "FQIS total": 80000,
    "Autres contributions": 70000,
    "Participants visés": 40,
    "Participants rejoints": 30,
}


@pytest.mark.parametrize("word", ["TOTAL", "Total :", "Total général", "Sous-total", "Totaux", " grand TOTAL "])
def test_a_total_row_under_the_projects_is_one_warning_and_never_counted(tmp_path, word):
    # With a status, it was counted as a project (engagé 172 %); without, five missing values.
    total = {"No projet": word, "Statut": "En cours", **SUMS}
    report = validate(alliance(tmp_path, projects=[PROJECT, SECOND, total]))
    assert [(f.code, f.cell) for f in report.findings_of("OUEST")] == [("TOTAL_ROW_IGNORED", "A4")]
    f = report.findings_of("OUEST")[0]
    assert f.severity == "warning"
    assert (f.row, f.field) == (4, "project_id")
    assert f.values == {
        "id_column": "No projet",
        "numbered": True,
        "word": word.strip(),
        "column": "No projet",
        "sums": False,
        "kind": "project",
    }
    assert ouest_totals(report) == (8_000_000, 1_000_000, 2)


def test_a_total_row_without_number_is_told_by_its_sums(tmp_path):
    for title in ("Total", None):  # a total word in the title, or none at all
        report = validate(
            alliance(tmp_path / str(title), projects=[PROJECT, SECOND, {"Titre du projet": title, **SUMS}])
        )
        f = only(report, "TOTAL_ROW_IGNORED")
        assert (f.sheet, f.cell, f.values) == (
            "Projets",
            "A4",
            {
                "id_column": "No projet",
                "numbered": False,
                "word": title,
                "column": "Titre du projet" if title else None,
                "sums": True,
                "kind": "project",
            },
        )
        assert of_code(report, "MISSING_VALUE") == []
        assert ouest_totals(report) == (8_000_000, 1_000_000, 2)


def test_sub_totals_and_a_grand_total_are_all_left_out(tmp_path):
    first = {
        "Titre du projet": "Sous-total",
        "Coût total": 100000,
        "FQIS 2019-2020": 30000,
        "FQIS 2020-2021": 30000,
        "FQIS total": 60000,
    }
    report = validate(
        alliance(
            tmp_path,
            projects=[
                PROJECT,
                first,
                SECOND,
                {"Titre du projet": "Sous-total", "Coût total": 50000, "FQIS total": 20000},
                {"Titre du projet": "Total général", **SUMS},
            ],
        )
    )
    assert [(f.code, f.cell) for f in report.findings_of("OUEST")] == [
        ("TOTAL_ROW_IGNORED", "A3"),
        ("TOTAL_ROW_IGNORED", "A5"),
        ("TOTAL_ROW_IGNORED", "A6"),
    ]
    assert ouest_totals(report) == (8_000_000, 1_000_000, 2)


def test_a_row_titled_total_whose_figures_are_not_the_sums_is_a_project(tmp_path):
    # « Total… » in the title column may be a project's name: without its number, it is read and reported.
    named = {"Titre du projet": "Totalement jeunes", "Coût total": 99000, "FQIS total": 1000}
    wrong_sums = {"Titre du projet": "Total", **SUMS, "Coût total": 150001}
    with_text = {"Titre du projet": "Total", "Organisme porteur": "Maison des jeunes", **SUMS}
    report = validate(alliance(tmp_path, projects=[PROJECT, SECOND, named, wrong_sums, with_text]))
    assert of_code(report, "TOTAL_ROW_IGNORED") == []
    assert [f.row for f in of_code(report, "MISSING_VALUE", field="project_id")] == [4, 5, 6]
    assert ouest_totals(report) == (8_000_000, 1_000_000, 2)


def test_a_total_row_under_the_payments_is_one_warning(tmp_path):
    second = payment("OUE-2020-001", amount=2500.5, reference="VER-0002")
    for total, why in (
        (
            {"No projet": "Total", "Montant": 12500.5},
            {"numbered": True, "word": "Total", "column": "No projet", "sums": False},
        ),
        (
            {"Note": "Total :", "Montant": "12 500,50 $"},
            {"numbered": False, "word": "Total :", "column": "Note", "sums": True},
        ),
    ):
        report = validate(alliance(tmp_path / why["column"], payments=[PAID, second, total]))
        f = only(report, "TOTAL_ROW_IGNORED")
        assert (f.sheet, f.cell, f.values) == ("Versements", "A4", {"id_column": "No projet", **why, "kind": "payment"})
        assert report.findings_of("OUEST") == [f]
        assert ouest_totals(report) == (6_000_000, 1_250_050, 1)
