"""The coordinator's night: --quiet prints only what needs a person, general options
in either place, the state folder wherever the command is run from, --verbose,
progress, the summary of validate, JSON of history, diff and check-access."""

from __future__ import annotations

import io
import json
import re
import sys

import pytest
from click.testing import CliRunner

from sync import logs
from sync.cli import cli
from sync.config import load_config
from sync.runner import run_sync
from sync.steps import CHECKPOINTS, PAUSE_ENV, Step, Tracer
from tests.support.builders import payment, project, write_alliance
from tests.support.history import Alliance
from tests.support.sheets_server import KEYS, committee_tabs, google_config

STAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ")
WHEN = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d")


def invoke(*args: str, **kwargs):
    return CliRunner().invoke(cli, list(args), prog_name="alliance-sync", **kwargs)


def unstamped(text: str) -> list[str]:
    return STAMP.sub("", text).splitlines()


def broken_alliance(tmp_path, **config):
    """OUEST: three unknown priorities and a high FQIS share; EST: a payment of no project."""
    return write_alliance(
        tmp_path,
        {
            "OUEST": {
                "projects": [
                    project("OUE-2020-001", total_cost=70000, other_contributions=10000),
                    *(project(f"OUE-2020-00{n}", priority="Logemnt") for n in (2, 3, 4)),
                ]
            },
            "EST": {"projects": [project("EST-2020-001")], "payments": [payment("EST-2020-009")]},
            "LONGUEUIL": {"projects": [project("LON-2020-001")]},
        },
        **config,
    )


# ---------------------------------------------------------------- --quiet


def fill_google(server) -> None:
    prefix = {"OUEST": "OUE", "EST": "EST", "LONGUEUIL": "LON"}
    for code, key in KEYS.items():
        server.add_spreadsheet(
            key, committee_tabs([project(f"{prefix[code]}-2020-001")], [payment(f"{prefix[code]}-2020-001")])
        )


def test_quiet_hides_a_request_retried_with_success(tmp_path, sheets_api):
    fill_google(sheets_api)
    config = google_config(tmp_path)
    state = str(tmp_path / "etat")
    assert invoke("--quiet", "run", "--config", str(config), "--state-dir", state).exit_code == 0  # history started
    sheets_api.fail(KEYS["EST"], 429)  # once: the second try succeeds
    quiet = invoke(
        "--quiet", "run", "--config", str(config), "--state-dir", state, "--output", str(tmp_path / "r.xlsx")
    )
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")

    sheets_api.fail(KEYS["EST"], 429)
    loud = invoke("run", "--config", str(config), "--state-dir", state, "--output", str(tmp_path / "r.xlsx"))
    assert loud.exit_code == 0
    assert any(
        line.startswith("AVERTISSEMENT : Google Sheets : quota de requêtes Google dépassé (429), nouvel essai")
        for line in unstamped(loud.stderr)
    )


def test_verbose_shows_each_google_request_and_the_fallback_decision(tmp_path, sheets_api):
    fill_google(sheets_api)
    config = google_config(tmp_path)
    state = str(tmp_path / "etat")
    first = invoke("run", "--config", str(config), "--state-dir", state, "--output", str(tmp_path / "r.xlsx"), "-v")
    assert first.exit_code == 0
    requests = [line for line in unstamped(first.stderr) if line.startswith("Google Sheets : GET ")]
    assert len(requests) == 3 and all(
        re.fullmatch(r"Google Sheets : GET \S+ → 200 \(\d+,\d\d s\)\.", line) for line in requests
    ), requests
    assert (
        "Google Sheets : GET "
        not in invoke("run", "--config", str(config), "--state-dir", state, "--output", str(tmp_path / "r.xlsx")).stderr
    )

    sheets_api.fail(KEYS["EST"], 404, times=None)
    fallback = invoke(
        "run", "--config", str(config), "--state-dir", state, "--output", str(tmp_path / "r.xlsx"), "--verbose"
    )
    assert fallback.exit_code == 1
    assert any(
        re.fullmatch(r"Comité EST : copie de la synchronisation n° 2 \(\S+, lue le .+\)\.", line)
        for line in unstamped(fallback.stderr)
    ), fallback.stderr


def test_quiet_still_shows_errors_to_fix_and_an_unreadable_source(tmp_path):
    alliance = Alliance(tmp_path)
    assert alliance.cli("run").exit_code == 0
    alliance.workbook("OUEST").unlink()
    result = invoke(*alliance.run_args(), "--quiet")
    assert result.exit_code == 1
    assert result.stdout == f"1 erreur à corriger, 0 avertissement. Classeur écrit : {alliance.output}\n"
    assert re.fullmatch(
        r"AVERTISSEMENT : Comité OUEST : source illisible, dernière copie valide du "
        r"\d{4}-\d\d-\d\d \d\d:\d\d utilisée\.",
        unstamped(result.stderr)[0],
    )


# ---------------------------------------------------------------- general options after the command


def test_general_options_are_accepted_after_the_command(tmp_path):
    alliance = Alliance(tmp_path)
    log_file = tmp_path / "journal.log"
    before = invoke("--quiet", "--log-file", str(log_file), *alliance.run_args())
    after = invoke(*alliance.run_args(), "--quiet", "--log-file", str(log_file))
    assert (before.exit_code, before.stdout, before.stderr) == (0, "", "")
    assert (after.exit_code, after.stdout, after.stderr) == (0, "", "")
    logged = log_file.read_text(encoding="utf-8")
    assert "Synchronisation n° 1 terminée" in logged and "Synchronisation n° 2 terminée" in logged

    verbose = invoke("validate", "--config", str(alliance.config), "-v")
    assert any(
        re.fullmatch(
            r"Comité OUEST : lecture \d+,\d\d s, analyse des lignes \d+,\d\d s, règles des lignes "
            r"\d+,\d\d s\.",
            line,
        )
        for line in unstamped(verbose.stderr)
    ), verbose.stderr


# ---------------------------------------------------------------- the state folder


def test_the_configuration_names_its_state_folder_relative_to_itself(tmp_path, monkeypatch):
    monkeypatch.delenv("ALLIANCE_SYNC_STATE_DIR", raising=False)
    config = write_alliance(
        tmp_path / "alliance", {"OUEST": {"projects": [project()]}}, alliance={"state_dir": "etat-nuit"}
    )
    elsewhere = tmp_path / "ailleurs"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # run from another folder, as cron does
    said = f"le dossier d'état {tmp_path}/alliance/etat-nuit (clé state_dir de {config})"

    assert invoke("history", "--config", str(config)).stdout == f"Aucune synchronisation enregistrée dans {said}.\n"
    run = invoke("run", "--config", str(config), "--output", str(tmp_path / "r.xlsx"))
    assert run.exit_code == 0, run.output
    assert unstamped(run.stderr)[0] == (
        f"Aucun historique dans {said} : aucune synchronisation antérieure, donc aucune copie de secours."
    )
    assert (tmp_path / "alliance" / "etat-nuit" / "historique.sqlite").is_file()
    assert not (elsewhere / ".alliance-sync").exists()
    assert invoke("history", "--config", str(config)).stdout.splitlines()[1].startswith(" 1  ")


def test_the_environment_variable_then_the_option_win(tmp_path, monkeypatch):
    config = write_alliance(tmp_path, {"OUEST": {"projects": [project()]}}, alliance={"state_dir": "etat-nuit"})
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ALLIANCE_SYNC_STATE_DIR", str(tmp_path / "par-variable"))
    assert invoke("history", "--config", str(config)).stdout == (
        f"Aucune synchronisation enregistrée dans le dossier d'état {tmp_path}/par-variable "
        "(variable ALLIANCE_SYNC_STATE_DIR).\n"
    )
    assert invoke("history", "--config", str(config), "--state-dir", "par-option").stdout == (
        f"Aucune synchronisation enregistrée dans le dossier d'état {tmp_path}/par-option (option --state-dir).\n"
    )
    monkeypatch.delenv("ALLIANCE_SYNC_STATE_DIR")
    # Without --config, history and diff look where the demo's run records itself.
    demo = f"{tmp_path}/.alliance-sync-demo (par défaut pour la démonstration intégrée, dans le dossier courant)"
    assert invoke("history").stdout == f"Aucune synchronisation enregistrée dans le dossier d'état {demo}.\n"
    result = invoke("diff")
    assert result.exit_code == 2
    assert result.stderr == f"Erreur : aucune synchronisation enregistrée dans le dossier d'état {demo}.\n"
    bare = write_alliance(tmp_path / "sans-cle", {"OUEST": {"projects": [project()]}})
    assert invoke("history", "--config", str(bare)).stdout == (
        f"Aucune synchronisation enregistrée dans le dossier d'état {tmp_path}/.alliance-sync "
        "(par défaut, dans le dossier courant).\n"
    )


# ---------------------------------------------------------------- progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal_for_reading_validating_and_writing(tmp_path, monkeypatch):
    alliance = Alliance(tmp_path)
    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    logs.setup_logging(verbose=True)  # the step lines too: a terminal shows them only with --verbose
    run_sync(
        load_config(alliance.config),
        output=alliance.output,
        state_dir=alliance.state,
        tracer=Tracer.for_console(quiet=False),
    )
    shown = screen.getvalue()
    for label in (
        "OUEST : lecture",
        "OUEST : analyse des lignes",
        "EST : règles",
        "LONGUEUIL : règles",
        "Écriture du classeur du ministère",
    ):
        assert label in shown, label
    assert "100%" in shown
    # A log line written while the bar is drawn first clears the bar's line.
    assert "\r\x1b[2K" + STAMP.search(shown).group(0) in shown
    # A finished bar is erased, the cursor shown again: nothing of it stays on the screen.
    assert "100%\r\x1b[2K\x1b[?25h" in shown and "100%\x1b[?25h\n" not in shown


@pytest.mark.parametrize("stream, quiet", [(io.StringIO, False), (Terminal, True)], ids=["log-file-or-pipe", "cron"])
def test_no_progress_bar_off_a_terminal_nor_with_quiet(tmp_path, monkeypatch, stream, quiet):
    alliance = Alliance(tmp_path)
    screen = stream()
    monkeypatch.setattr(sys, "stderr", screen)
    logs.setup_logging(quiet=quiet)
    run_sync(
        load_config(alliance.config),
        output=alliance.output,
        state_dir=alliance.state,
        tracer=Tracer.for_console(quiet=quiet),
    )
    assert "%" not in screen.getvalue() and "\r" not in screen.getvalue()
    lines = unstamped(screen.getvalue())
    # Without a bar, a line per stage: each committee read and checked, each sheet of the
    # workbook as it is written, the workbook written.
    assert quiet or [line.split(" :")[0] for line in lines if line.startswith(("Comité", "Classeur"))] == [
        "Comité OUEST",
        "Comité EST",
        "Comité LONGUEUIL",
        *["Classeur du ministère"] * 10,
        "Classeur du ministère écrit",
    ]


# ---------------------------------------------------------------- the run's steps and their tracer

# A run's step lines, in order, as the library's default tracer logs them (seconds as N).
STEP_LINES = [
    "Synchronisation n° 1 commencée (historique : {db}).",
    "Comité OUEST : 2 projets, 3 versements lus en N s ({folder}/ouest.xlsx).",
    "Comité EST : 1 projet, 1 versement lus en N s ({folder}/est.xlsx).",
    "Comité LONGUEUIL : 0 projet, 0 versement lus en N s ({folder}/longueuil.xlsx).",
    "Validation : 0 erreur, 0 avertissement (N s).",
    "Changements : première synchronisation enregistrée, rien à comparer.",
    "Classeur du ministère écrit : {output} (N s).",
    "Historique : synchronisation n° 1 enregistrée, 3 projets, 4 versements, 0 constat (N s).",
    "Synchronisation n° 1 terminée en N s.",
]


def logged_lines(caplog) -> list[str]:
    return [
        re.sub(r"\d+\.\d\d s", "N s", r.getMessage())
        for r in caplog.records
        if not r.getMessage().startswith("Classeur du ministère : onglet")
    ]


def test_a_library_caller_gets_the_step_lines_or_passes_a_silent_tracer(tmp_path, caplog):
    alliance = Alliance(tmp_path)
    config = load_config(alliance.config)
    with caplog.at_level("DEBUG", logger="sync"):
        run_sync(config, output=alliance.output, state_dir=alliance.state)
    timings = [line for line in logged_lines(caplog) if " : lecture " in line or line.startswith("Contrôles")]
    assert [line for line in logged_lines(caplog) if line not in timings] == [
        line.format(db=alliance.db, folder=alliance.folder, output=alliance.output) for line in STEP_LINES
    ]
    assert len(timings) == 4  # three committees, then the checks between them (--verbose)

    caplog.clear()
    with caplog.at_level("DEBUG", logger="sync"):
        run_sync(config, output=alliance.output, state_dir=alliance.state, tracer=Tracer.silent())
    # Only what the workbook's writer says of its sheets: no step line.
    assert [r.getMessage() for r in caplog.records] == [
        "Classeur du ministère : onglet Sommaire…",
        "Classeur du ministère : onglet Par année…",
        "Classeur du ministère : onglet Par priorité…",
        "Classeur du ministère : onglet Par territoire…",
        "Classeur du ministère : onglet Évolution…",
        "Classeur du ministère : onglet Projets, 3 lignes…",
        "Classeur du ministère : onglet Versements, 4 lignes…",
        "Classeur du ministère : onglet Validation, 0 constat…",
        "Classeur du ministère : onglet Changements…",
        "Classeur du ministère : onglet À propos…",
    ]


class Recording(Tracer):
    """A tracer that notes every checkpoint a run passes, instead of stopping at one."""

    def __init__(self) -> None:
        super().__init__()
        self.passed: list[str] = []

    def reached(self, step: Step) -> None:
        if step.value.checkpoint:
            self.passed.append(step.value.checkpoint)


def test_a_run_passes_every_checkpoint_once_in_their_declared_order(tmp_path):
    alliance = Alliance(tmp_path)
    tracer = Recording()
    run_sync(load_config(alliance.config), output=alliance.output, state_dir=alliance.state, tracer=tracer)
    assert (
        tracer.passed
        == list(CHECKPOINTS)
        == ["verrou", "rapport", "classeur-temporaire", "historique", "classeur", "fin"]
    )


def test_the_command_line_pauses_where_the_kill_tests_ask_and_nowhere_else(monkeypatch):
    monkeypatch.setenv(PAUSE_ENV, "historique")
    assert Tracer.for_console(quiet=True).pause_at == "historique"
    assert Tracer.log_only().pause_at is None  # a library caller is never stopped by the environment
    monkeypatch.setenv(PAUSE_ENV, "")
    assert Tracer.for_console(quiet=True).pause_at is None


# ---------------------------------------------------------------- validate and run --strict


def test_validate_ends_with_a_count_by_committee_and_code_and_limits_each_committee(tmp_path):
    result = invoke("validate", "--config", str(broken_alliance(tmp_path)), "--limit", "2")
    assert result.exit_code == 1
    text = WHEN.sub("AAAA-MM-JJ HH:MM", result.stdout).splitlines()
    unknown = (
        "« Priorité » : valeur inconnue « Logemnt ». Vouliez-vous dire « Logement » ? Valeurs permises : "
        "Sécurité alimentaire, Logement, Réussite éducative et sociale, Transport collectif, Insertion "
        "socioprofessionnelle, Soutien à l'action communautaire."
    )
    assert text[2:6] == [
        "OUEST — Ouest de la Montérégie : 3 erreurs, 1 avertissement",
        f"  erreur        UNKNOWN_VALUE [Projets!F3] (OUE-2020-002) : {unknown}",
        f"  erreur        UNKNOWN_VALUE [Projets!F4] (OUE-2020-003) : {unknown}",
        "  … et 2 autres constats (--limit 2)",
    ]
    assert text[-6:] == [
        "Constats par comité et par code :",
        "  OUEST      UNKNOWN_VALUE           3 erreurs",
        "  OUEST      FQIS_SHARE_HIGH         1 avertissement",
        "  EST        PAYMENT_UNKNOWN_PROJECT 1 erreur",
        "",
        "4 erreurs à corriger, 1 avertissement.",
    ]
    unlimited = invoke("validate", "--config", str(broken_alliance(tmp_path)))
    assert "autres constats" not in unlimited.stdout and unlimited.stdout.count("UNKNOWN_VALUE [") == 3


# ---------------------------------------------------------------- JSON


def test_history_and_diff_as_json(tmp_path):
    alliance = Alliance(tmp_path)
    assert alliance.cli("run").exit_code == 0
    alliance.rewrite("EST", projects=alliance.workbooks["EST"]["projects"], payments=[])
    assert alliance.cli("run", "--strict").exit_code == 0
    runs = json.loads(alliance.cli("history", "--format", "json").stdout)
    keys = ("run", "state", "status", "projects", "payments", "errors", "deliveries", "workbook_replaced_by")
    assert [{k: r[k] for k in keys} for r in runs] == [
        {
            "run": 2,
            "state": "done",
            "status": "conforme",
            "projects": 3,
            "payments": 3,
            "errors": 0,
            "deliveries": [],  # nothing delivered: an empty list, not a dash
            "workbook_replaced_by": None,
        },
        {
            "run": 1,
            "state": "done",
            "status": "conforme",
            "projects": 3,
            "payments": 4,
            "errors": 0,
            "deliveries": [],
            "workbook_replaced_by": 2,  # run 2 wrote the same file again
        },
    ]
    assert runs[1]["workbook"] == runs[0]["workbook"] == str(alliance.output)

    changes = json.loads(alliance.cli("diff", "--format", "json").stdout)
    assert (changes["before"]["run"], changes["after"]["run"]) == (1, 2)
    assert changes["changes"] == [
        {
            "kind": "supprimé",
            "record": "versement",
            "committee": "EST",
            "key": "EST-2020-001 · 2020-05-01 · réf. E-1",
            "label": "Versement de 20 000,00 $",
            "fields": [],
        }
    ]
    assert json.loads(invoke("history", "--format", "json", "--state-dir", str(tmp_path / "vide")).stdout) == []


def test_run_as_json_even_with_quiet(tmp_path):
    """--quiet silences a conforming run's text, never the JSON a script asked for."""
    alliance = Alliance(tmp_path)
    assert alliance.cli("run").exit_code == 0
    alliance.rewrite("EST", projects=alliance.workbooks["EST"]["projects"], payments=[])
    result = alliance.cli("run", "--quiet", "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert (document["format"], document["version"], document["run"], document["exit_code"]) == (
        "alliance-sync/run",
        1,
        2,
        0,
    )
    assert document["workbook"] == str(alliance.output)
    assert document["validation"]["format"] == "alliance-sync/validation"
    assert document["validation"]["totals"]["alliance"]["paid"] == {"cents": 3_000_000, "text": "30 000,00 $"}
    assert document["changes"]["since_run"] == 1
    assert document["changes"]["changes"] == [
        {
            "kind": "supprimé",
            "record": "versement",
            "committee": "EST",
            "key": "EST-2020-001 · 2020-05-01 · réf. E-1",
            "label": "Versement de 20 000,00 $",
            "fields": [],
        }
    ]
    assert (document["exported"], document["delivery"], document["delivery_plan"]) == ([], None, None)
    assert alliance.cli("run", "--quiet").stdout == ""  # the text, as before


def test_run_strict_as_json_names_no_workbook(tmp_path):
    config = broken_alliance(tmp_path)
    result = invoke(
        "run",
        "--config",
        str(config),
        "--strict",
        "--format",
        "json",
        "--state-dir",
        str(tmp_path / "etat"),
        "-o",
        str(tmp_path / "r.xlsx"),
    )
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert (document["workbook"], document["exit_code"], document["validation"]["verdict"]) == (None, 1, "errors")
    assert document["validation"]["counts"]["errors"] == 4
    assert not (tmp_path / "r.xlsx").exists()


def test_template_as_json_names_the_file_written(tmp_path):
    result = invoke("template", "--committee", "ouest", "--output", str(tmp_path / "modeles") + "/", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "template": str(tmp_path / "modeles" / "gabarit-comite-ouest.xlsx"),
        "committee": "OUEST",
    }


def test_check_access_as_json_for_local_workbooks(tmp_path):
    alliance = Alliance(tmp_path)
    result = invoke("check-access", "--config", str(alliance.config), "--format", "json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["ok"] is True and report["account"] is None
    assert [(c["committee"], c["kind"], c["readable"], c["writable"]) for c in report["committees"]] == [
        ("OUEST", "xlsx", True, None),
        ("EST", "xlsx", True, None),
        ("LONGUEUIL", "xlsx", True, None),
    ]


# ---------------------------------------------------------------- the committee's code, completion


@pytest.mark.parametrize("code", ["ouest", "Ouest", "OUEST"])
def test_template_committee_code_in_any_case(tmp_path, code):
    result = invoke("template", "--committee", code, "--output", str(tmp_path / "g.xlsx"))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Gabarit écrit : {tmp_path / 'g.xlsx'}\n"


def test_bash_completion_script_as_the_readme_says():
    result = invoke(env={"_ALLIANCE_SYNC_COMPLETE": "bash_source"})
    assert result.exit_code == 0
    assert "_alliance_sync_completion()" in result.stdout
    assert "complete -o nosort -F _alliance_sync_completion alliance-sync" in result.stdout


# ---------------------------------------------------------------- what was delivered


def test_history_shows_what_was_delivered_to_whom_and_when(tmp_path, monkeypatch):
    from sync.config.sections import PASSWORD_ENV
    from tests.support.delivery import (
        MINISTRY,
        PASSWORD,
        USER,
        DeliveryAlliance,
        clean_workbooks,
    )
    from tests.support.smtp_server import SmtpServer

    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    with SmtpServer(user=USER, password=PASSWORD) as smtp:
        smtp.refused.add(MINISTRY[1])
        alliance = DeliveryAlliance(tmp_path, smtp.port, drive=False, workbooks=clean_workbooks())
        assert alliance.cli("run", "--deliver").exit_code == 1
        smtp.refused.clear()
        assert alliance.cli("deliver").exit_code == 0
    state = ["--state-dir", str(alliance.state)]
    refused = f"127.0.0.1:{smtp.port} a refusé le destinataire : {MINISTRY[1]} (550 5.1.1 Mailbox unavailable)"
    assert WHEN.sub("AAAA-MM-JJ HH:MM", invoke("history", "--deliveries", *state).stdout).splitlines() == [
        "N°  Date              Envoi                  Comité  Destinataires                 Résultat",
        f" 1  AAAA-MM-JJ HH:MM  courriel au ministère  —       {MINISTRY[1]}  envoyé",
        f" 1  AAAA-MM-JJ HH:MM  courriel au ministère  —       {MINISTRY[1]}  ÉCHEC",
        f"    {refused}",
        f" 1  AAAA-MM-JJ HH:MM  courriel au ministère  —       {MINISTRY[0]}   envoyé",
    ]
    assert invoke("history", *state).stdout.splitlines()[1].endswith("  rapport.xlsx  2 envois")
    attempts = json.loads(invoke("history", "--deliveries", "--format", "json", *state).stdout)
    assert [(a["run"], a["channel"], a["recipients"], a["status"]) for a in attempts] == [
        (1, "ministry", [MINISTRY[1]], "sent"),
        (1, "ministry", [MINISTRY[1]], "failed"),
        (1, "ministry", [MINISTRY[0]], "sent"),
    ]


def test_deliver_as_json_with_the_smtp_server_down(tmp_path, monkeypatch):
    """The SMTP server gone between the run and the delivery: the JSON says what failed
    and why, the French message still goes to standard error, and the exit code is 1."""
    from sync.config.sections import PASSWORD_ENV
    from tests.support.delivery import MINISTRY, PASSWORD, USER, DeliveryAlliance, clean_workbooks
    from tests.support.smtp_server import SmtpServer

    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    with SmtpServer(user=USER, password=PASSWORD) as smtp:
        alliance = DeliveryAlliance(tmp_path, smtp.port, drive=False, workbooks=clean_workbooks())
        assert alliance.cli("run").exit_code == 0
    plan = alliance.cli("deliver", "--dry-run", "--format", "json")
    assert plan.exit_code == 0, plan.output
    planned = json.loads(plan.stdout)
    assert (planned["run"], planned["dry_run"], planned["sending"], planned["failing"]) == (1, True, 2, 0)
    assert [
        (i["channel"], i["recipients"], i["action"], i["would_fail"])
        for i in planned["items"]
        if i["channel"] == "ministry"
    ] == [("ministry", [MINISTRY[0]], "send", None), ("ministry", [MINISTRY[1]], "send", None)]
    result = alliance.cli("deliver", "--format", "json")
    assert result.exit_code == 1
    delivered = json.loads(result.stdout)
    assert (delivered["run"], delivered["failed"]) == (1, 2)
    assert delivered["summary"] == "Livraison de la synchronisation n° 1 : rien envoyé ; 2 échecs."
    refused = (
        f"le serveur SMTP 127.0.0.1:{smtp.port} refuse la connexion : vérifiez l'adresse et le port (delivery.smtp)"
    )
    assert [
        (i["channel"], i["recipients"], i["status"], i["detail"])
        for i in delivered["items"]
        if i["channel"] == "ministry"
    ] == [("ministry", [MINISTRY[0]], "failed", refused), ("ministry", [MINISTRY[1]], "failed", refused)]
    assert {f["code"] for f in delivered["findings"]} == {"DELIVERY_FAILED"}
    assert "\nErreur : livraison incomplète de la synchronisation n° 1 (2 sur 2) :\n" in result.stderr
