"""What a coordinator, a committee member or an analyst meets when the input is wrong
in ways nobody planned: a clear French message and the exit code of SPEC §6, never a
traceback, and nothing a committee typed lost without a finding."""

from __future__ import annotations

import datetime as dt
import errno
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from tests.support.builders import payment, project, write_alliance, write_config
from tests.support.checks import only, validate
from sync.cli import cli
from sync.config import load_config
from sync.errors import ConfigError, OutputError
from sync.money import MAX_CENTS, cents_from_dollars, spreadsheet_number
from sync.parsing.values import Unreadable, parse_cents, parse_whole_number


def invoke(*args: str):
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def config_error(path: Path, key: str) -> str:
    """The French message of ``validate`` on a wrong configuration (exit 2, key named)."""
    result = invoke("validate", "--config", str(path))
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"Erreur : Configuration invalide (fichier {path}, clé « {key} ») : "), \
        result.stderr
    return result.stderr


# ---------------------------------------------------------------- amounts too big


@pytest.mark.parametrize("typed", ["9" * 40, 1e300, 12345678901234567890, "10 000 000 000 000,00 $"])
def test_an_amount_no_spreadsheet_holds_exactly_is_refused(typed):
    with pytest.raises(Unreadable):
        parse_cents(typed)


def test_the_largest_amount_a_spreadsheet_holds_is_read_to_the_cent():
    assert parse_cents("9 999 999 999 999,99 $") == MAX_CENTS == 999_999_999_999_999


def test_a_huge_participant_count_is_refused():
    with pytest.raises(Unreadable):
        parse_whole_number("9" * 40)


def test_huge_amounts_are_findings_and_the_run_records_them(tmp_path):
    # Once accepted, 10⁴⁰ $ overflowed SQLite's integers and the run ended in a traceback.
    path = write_alliance(tmp_path, {
        "OUEST": {"projects": [project("OUE-2020-001", total_cost="9" * 40)],
                  "payments": [payment("OUE-2020-001", amount=1e300)]},
    })
    report = validate(path)
    cost = only(report, "INVALID_AMOUNT", cell="K2")
    assert ("« Coût total » : montant démesuré « 9999999999999999999999999999999999999999 ». "
            "Attendu : un montant d'au plus 9 999 999 999 999,99 $ (vérifiez la saisie).") == cost.message
    paid = only(report, "INVALID_AMOUNT", sheet="Versements", cell="C2")
    assert "« 1e+300 »" in paid.message  # as a spreadsheet shows it, not 301 digits
    result = invoke("run", "--config", str(path), "--state-dir", str(tmp_path / "etat"),
                    "--output", str(tmp_path / "rapport.xlsx"))
    assert result.exit_code == 1, result.output
    assert (tmp_path / "rapport.xlsx").is_file()


@pytest.mark.parametrize("value", [float("inf"), 1e30, 10_000_000_000_000])
def test_an_envelope_too_big_or_infinite_is_a_configuration_error(tmp_path, value):
    # inf ended in an OverflowError; 1e30 $ in SQLite's OverflowError at the end of the run.
    path = write_config(tmp_path, alliance={"envelope": value})
    assert "trop grand (au plus 9 999 999 999 999,99 $)" in config_error(path, "alliance.envelope")


def test_cents_from_dollars_refuses_what_is_not_a_finite_amount():
    for dollars in ("Infinity", "NaN", "1e13"):
        with pytest.raises(ValueError):
            cents_from_dollars(dollars)
    assert cents_from_dollars("9999999999999.99") == MAX_CENTS


# ---------------------------------------------------------------- configuration


@pytest.mark.parametrize("key", ["max_fqis_share", "nearly_used"])
def test_a_ratio_that_is_nan_is_a_configuration_error(tmp_path, key):
    path = write_config(tmp_path, alliance={key: float("nan")})
    assert "une proportion entre 0 et 1" in config_error(path, f"alliance.{key}")


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_google_delays_must_be_finite(tmp_path, value):
    path = write_config(tmp_path, extra=f"[google]\ntimeout = {value}\n")
    assert "un nombre de secondes" in config_error(path, "google.timeout")


def test_an_unknown_top_level_table_is_announced(tmp_path):
    # « [googel] feedback = true » silently ignored is write-back silently off.
    path = write_config(tmp_path, extra="[googel]\nfeedback = true\n")
    result = invoke("--quiet", "validate", "--config", str(path))
    assert result.exit_code == 0, result.output
    assert f"AVERTISSEMENT : Configuration {path} : clé inconnue « googel », ignorée.\n" in result.stderr


def test_a_configuration_saved_with_a_byte_order_mark_loads(tmp_path):
    # Windows' Notepad saves UTF-8 with a BOM; tomllib rejects it at line 1, column 1.
    path = write_config(tmp_path)
    path.write_bytes("\ufeff".encode() + path.read_bytes())
    assert load_config(path).name == "Alliance pour la solidarité en Montérégie"


# ---------------------------------------------------------------- files that cannot be written


def _read_only_file_system(monkeypatch):
    """What a read-only file system answers (tests run as root: permissions do not stop them)."""
    def refuse(path, *args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    monkeypatch.setattr(Path, "unlink", refuse)
    return refuse


def test_a_workbook_on_a_read_only_file_system_is_a_french_error(tmp_path, monkeypatch):
    from sync.outputs.atomic import write_atomically

    refuse = _read_only_file_system(monkeypatch)
    target = tmp_path / "rapport.xlsx"
    with pytest.raises(OutputError) as caught:
        write_atomically(target, refuse)
    assert caught.value.message == f"le classeur {target} n'a pas pu être écrit : système de fichiers en lecture seule."


def test_a_template_that_cannot_be_written_is_a_french_error(tmp_path, monkeypatch):
    import openpyxl

    def refuse(workbook, filename):
        raise OSError(errno.EROFS, "Read-only file system", str(filename))

    monkeypatch.setattr(openpyxl.Workbook, "save", refuse)
    target = tmp_path / "gabarit.xlsx"
    result = invoke("--quiet", "template", "--output", str(target))
    assert result.exit_code == 2, result.output
    assert result.stderr == (f"Erreur : le classeur {target} n'a pas pu être écrit : "
                             "système de fichiers en lecture seule.\n")


def test_a_template_in_a_missing_folder_creates_it(tmp_path):
    target = tmp_path / "absent" / "gabarit.xlsx"
    result = invoke("--quiet", "template", "--output", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Gabarit écrit : {target}\n"
    assert target.is_file()


def test_a_lock_on_a_read_only_state_folder_is_explained_in_french(tmp_path, monkeypatch):
    import os

    from sync.errors import HistoryError
    from sync.lock import StateLock

    def refuse(path, *args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(HistoryError) as caught:
        StateLock(tmp_path).acquire()
    assert caught.value.message == (f"le verrou {tmp_path / 'verrou'} ne peut pas être ouvert "
                                    "(système de fichiers en lecture seule).")


def test_a_configuration_path_that_is_a_folder_is_explained_in_french(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert caught.value.message == (f"Configuration invalide (fichier {tmp_path}) : fichier illisible "
                                    "(le chemin désigne un dossier, pas un fichier)")


def test_a_configuration_that_is_not_utf8_is_explained_in_french(tmp_path):
    path = write_config(tmp_path)
    path.write_bytes(path.read_bytes().replace("Montérégie".encode(), "Montérégie".encode("latin-1"), 1))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "ce n'est pas du texte UTF-8" in caught.value.message
    assert "codec" not in caught.value.message


@pytest.mark.parametrize("content", [bytes(range(256)), b'{"type": "service_account", "private_key": "SECRET'])
def test_garbage_google_credentials_are_explained_without_their_content(tmp_path, monkeypatch, content):
    from sync.config import GoogleSettings
    from sync.google.auth import load_credentials

    key = tmp_path / "cle.json"
    key.write_bytes(content)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key))
    with pytest.raises(ConfigError) as caught:
        load_credentials(GoogleSettings(), write=False)
    message = caught.value.message
    assert f"fichier d'identifiants Google illisible ({key}) : ce n'est pas un fichier JSON" in message
    assert "codec" not in message and "SECRET" not in message


# ---------------------------------------------------------------- command line


def test_the_command_alone_shows_its_help_not_an_error():
    result = invoke()
    assert result.exit_code == 2
    assert result.stderr.startswith("Utilisation : cli [OPTIONS] COMMANDE [ARGS]...\n\n  Synchronise")
    assert "Erreur" not in result.stderr and result.stderr.count("Utilisation") == 1


@pytest.mark.parametrize("args", [["deliver"], ["deliver", "--dry-run"], ["run", "--deliver"]])
def test_delivering_without_a_configuration_asks_for_one(tmp_path, args):
    # It used to ask to add [delivery] to the bundled demo's own file.
    result = invoke("--quiet", *args, "--state-dir", str(tmp_path / "etat"))
    assert result.exit_code == 2, result.output
    assert result.stderr.endswith("Erreur : indiquez votre configuration avec --config : la livraison se règle "
                                  "dans sa table [delivery], et la démonstration intégrée n'en a pas.\n")
    assert "demo.toml" not in result.stderr
    assert not (tmp_path / "etat").exists()


# ---------------------------------------------------------------- money into workbooks


def test_one_conversion_of_cents_for_every_workbook_and_never_a_float():
    assert spreadsheet_number(260000000) == 2600000 and type(spreadsheet_number(260000000)) is int
    assert spreadsheet_number(99994) == Decimal("999.94") and type(spreadsheet_number(99994)) is Decimal
    assert spreadsheet_number(MAX_CENTS) == Decimal("9999999999999.99")
    assert spreadsheet_number(5) == Decimal("0.05")


def test_the_reading_log_agrees_in_number(tmp_path):
    path = write_alliance(tmp_path, {"OUEST": {"projects": [project("OUE-2020-001")],
                                               "payments": [payment("OUE-2020-001")]}})
    result = invoke("validate", "--config", str(path))
    assert " Comité OUEST : 1 projet, 1 versement lus en " in result.stderr
    assert " Comité EST : 0 projet, 0 versement lus en " in result.stderr


# ---------------------------------------------------------------- the history database


@pytest.fixture
def impatient_sqlite(monkeypatch):
    """SQLite gives up waiting for a busy database at once (the tool waits 30 s)."""
    import sqlite3

    connect = sqlite3.connect

    def quick(*args, **kwargs):
        kwargs["timeout"] = 0.05
        return connect(*args, **kwargs)

    monkeypatch.setattr("sync.history.store.sqlite3.connect", quick)


def _hold_database(state_dir: Path):
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
    assert message.startswith(f"la base d'historique {tmp_path / 'historique.sqlite'} ne peut pas être utilisée "
                              "(occupée par un autre programme")
    assert "Déplacez-la" not in message and "locked" not in message


def test_a_history_that_cannot_be_written_during_a_run_is_a_french_error(tmp_path, impatient_sqlite):
    from sync.errors import HistoryError
    from sync.history import History

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
        "enregistré.")


# ---------------------------------------------------------------- secrets


@pytest.mark.parametrize("url", ["http://proxy.exemple.org:3128", "ftp://127.0.0.1:9", "pas une adresse"])
def test_the_google_token_never_travels_in_clear_text(monkeypatch, url):
    # Requests carry the bearer token: http:// to another machine would show it to the network.
    from sync.delivery.drive import DRIVE_URL_ENV, drive_base_url
    from sync.google.http import SHEETS_URL_ENV, sheets_base_url

    for variable, base_url in ((SHEETS_URL_ENV, sheets_base_url), (DRIVE_URL_ENV, drive_base_url)):
        monkeypatch.setenv(variable, url)
        with pytest.raises(ConfigError) as caught:
            base_url()
        assert caught.value.key == variable
        assert f"adresse « {url} » refusée : une adresse https://… est attendue" in caught.value.message


@pytest.mark.parametrize("url", ["https://proxy.exemple.org/google", "http://127.0.0.1:8080", "http://localhost:1",
                                 "http://[::1]:8080/"])
def test_https_and_local_addresses_are_accepted(monkeypatch, url):
    from sync.google.http import SHEETS_URL_ENV, sheets_base_url

    monkeypatch.setenv(SHEETS_URL_ENV, url)
    assert sheets_base_url() == url.rstrip("/")


# ---------------------------------------------------------------- Québec formats


def test_a_configured_share_is_shown_as_configured_everywhere(tmp_path):
    # 0.855 was « 86 % » in the finding and « 85 % » in the template's instructions.
    import openpyxl

    path = write_alliance(tmp_path, {"OUEST": {"projects": [
        project("OUE-2020-001", fqis={"2019-2020": 86000}, total_cost=100000, other_contributions=14000)]}},
        alliance={"max_fqis_share": 0.855})
    high = only(validate(path), "FQIS_SHARE_HIGH")
    assert "au-delà de la part de 85,5 % prévue" in high.message
    target = tmp_path / "gabarit.xlsx"
    assert invoke("--quiet", "template", "--config", str(path), "--output", str(target)).exit_code == 0
    instructions = [c.value for c in openpyxl.load_workbook(target)["Instructions"]["A"] if c.value]
    assert any("au-delà de 85,5 % du coût, un avertissement est émis" in line for line in instructions)


def test_a_broken_presentation_file_is_explained_like_the_configuration(tmp_path):
    from sync.outputs.ministry.style import load_presentation

    config = load_config(write_config(tmp_path))
    presentation = tmp_path / "rapport-ministere.toml"
    presentation.write_text("[couleurs\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_presentation(config, dt.datetime(2026, 1, 5, 2, 0))
    assert caught.value.message.startswith(f"Configuration invalide (fichier {presentation}) : syntaxe TOML "
                                           "invalide à la ligne 1, colonne 10 ; vérifiez les guillemets")


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_an_smtp_timeout_must_be_a_finite_number_of_seconds(tmp_path, value):
    # Accepted, it ended in socket.settimeout()'s ValueError or OverflowError when delivering.
    path = write_config(tmp_path, extra=f'[delivery]\nemail_to = ["analyste@exemple.gouv.qc.ca"]\n'
                                        f'smtp = {{ host = "smtp.exemple.org", timeout = {value}, '
                                        f'user = "coordination@exemple.org" }}\n')
    assert "un nombre de secondes supérieur à 0 est attendu" in config_error(path, "delivery.smtp.timeout")


# ---------------------------------------------------------------- text stays text


def test_a_control_character_before_a_formula_does_not_make_it_one(tmp_path):
    # Cleaning the control character after the « = » check let the formula through.
    import openpyxl

    from sync.outputs.ministry import write_ministry_workbook

    report = validate(write_alliance(tmp_path, {"OUEST": {"projects": [project("OUE-2020-001")]}}))
    typed = '\x0b=HYPERLINK("http://exemple.invalid","clic")'  # a Google cell can hold it
    report.workbooks["OUEST"].projects[0].title = typed
    path = write_ministry_workbook(report, tmp_path / "rapport.xlsx")
    sheet = openpyxl.load_workbook(path)["Projets"]
    title = next(c for c in sheet[2] if isinstance(c.value, str) and "HYPERLINK" in c.value)
    assert (title.data_type, title.value) == ("s", typed[1:])


@pytest.mark.parametrize("command", ["history", "diff", "deliver"])
def test_a_state_folder_this_user_cannot_enter_is_explained(tmp_path, monkeypatch, command):
    # Tests run as root, whom permissions do not stop: the refusal is what stat() answers.
    folder = tmp_path / "etat"
    folder.mkdir()
    stat = Path.stat

    def refuse(path, *args, **kwargs):
        if Path(path).parent == folder:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return stat(path, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", refuse)
    config = ["--config", str(write_config(tmp_path))] if command == "deliver" else []
    if command == "deliver":
        (tmp_path / "alliance.toml").write_text((tmp_path / "alliance.toml").read_text(encoding="utf-8")
                                                + '[delivery]\ndrive_folder = "dossier"\n', encoding="utf-8")
    result = invoke("--quiet", command, *config, "--state-dir", str(folder))
    assert result.exit_code == 2, result.output
    assert result.stderr == f"Erreur : le dossier d'état {folder} est inaccessible (permission refusée).\n"


@pytest.mark.parametrize("key", ["priorities", "organization_types"])
def test_an_empty_list_of_priorities_or_types_is_a_configuration_error(tmp_path, key):
    # Accepted, every project's value was « inconnue » with « Valeurs permises : » and nothing after.
    path = write_config(tmp_path, alliance={key: []})
    assert "au moins une valeur est requise" in config_error(path, f"alliance.{key}")


# ---------------------------------------------------------------- odd cell values


@pytest.mark.parametrize("typed", ["²", "2020²", "¹⁰"])
def test_superscript_digits_in_a_date_are_a_finding_not_a_crash(tmp_path, typed):
    # str.isdigit() admits them and int() refused them: a ValueError stopped the whole validation.
    path = write_alliance(tmp_path, {"OUEST": {"projects": [project("OUE-2020-001", approval_date=typed)]}})
    found = only(validate(path), "INVALID_DATE", cell="H2")
    assert f"date illisible « {typed} »" in found.message


@pytest.mark.parametrize("parse", [parse_cents, parse_whole_number])
def test_a_decimal_that_is_not_a_number_is_unreadable(parse):
    for value in (Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity")):
        with pytest.raises(Unreadable):
            parse(value)


def test_a_leftover_with_odd_digits_in_the_output_folder_is_left_alone(tmp_path):
    from sync.outputs.atomic import write_atomically

    odd = tmp_path / ".rapport.²³.tmp.xlsx"
    odd.write_bytes(b"")
    write_atomically(tmp_path / "rapport.xlsx", lambda path: path.write_bytes(b"classeur"))
    assert (tmp_path / "rapport.xlsx").read_bytes() == b"classeur" and odd.exists()


def test_a_single_try_is_said_in_the_singular():
    from requests import ConnectionError as Unreachable

    from sync.google.client import access_problem
    from sync.google.auth import anonymous
    from sync.google.http import GoogleCallFailed

    problem = access_problem(GoogleCallFailed(Unreachable("refusée"), 1, 0.2), account=anonymous()[1],
                             committee="du comité Ouest", key="CLE")
    assert "1 essai en 0 s" in problem.message


def test_headers_typed_below_a_title_are_pointed_at(tmp_path):
    path = write_alliance(tmp_path, {"OUEST": {"projects": [project("OUE-2020-001")]}})
    workbook_path = tmp_path / "ouest.xlsx"
    workbook = openpyxl.load_workbook(workbook_path)
    workbook["Projets"].insert_rows(1)
    workbook["Projets"]["A1"] = "Projets du comité Ouest"
    workbook.save(workbook_path)
    report = validate(path)
    missing = [f for f in report.findings if f.code == "MISSING_COLUMN" and f.sheet == "Projets"]
    assert missing and all(f.message.endswith(
        "L'en-tête semble être à la ligne 2 : il doit être à la ligne 1.") for f in missing)
