"""What a person sees in a terminal (issue 22): `alliance-sync run` spawned in a real
pseudo-terminal, its screen read as a terminal draws it (a progress bar redrawn on
its line, then erased), and the built-in demo named once with how to make one's own."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from sync.cli import DEMO_NOTICE, cli
from sync.config.sections import STATE_DIR_ENV
from tests.support.builders import project, write_alliance
from tests.support.checks import REPO

DEMO_LINES = DEMO_NOTICE.splitlines()
_ESCAPE = re.compile(r"\x1b\[(\??[0-9;]*)([A-Za-z])")


def screen(raw: str) -> list[str]:
    """The lines a terminal shows after ``raw``: ``\\r`` back to the start of the line,
    ``ESC[2K`` erases the line, other control sequences (cursor shown or hidden) draw nothing."""
    lines = [""]
    column = 0
    position = 0
    while position < len(raw):
        escape = _ESCAPE.match(raw, position)
        if escape is not None:
            if escape.group(2) == "K" and escape.group(1) == "2":
                lines[-1] = ""
            position = escape.end()
            continue
        char = raw[position]
        position += 1
        if char == "\r":
            column = 0
        elif char == "\n":
            lines.append("")
            column = 0
        else:
            line = lines[-1].ljust(column)
            lines[-1] = line[:column] + char + line[column + 1 :]
            column += 1
    return lines[:-1] if lines[-1] == "" else lines


def in_terminal(cwd: Path, *args: str) -> tuple[list[str], int]:
    """``python -m sync ARGS`` run in ``cwd`` with a pseudo-terminal as its standard
    output and error: the screen's lines and the exit code."""
    env = {k: v for k, v in os.environ.items() if k not in (STATE_DIR_ENV, "PYTHONWARNINGS")}
    env.update(COLUMNS="120", LINES="40", TERM="xterm", PYTHONPATH=str(REPO))
    primary, secondary = os.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "sync", *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=secondary,
        stderr=secondary,
        close_fds=True,
    )
    os.close(secondary)
    raw = b""
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # the other end closed: the process is gone
            break
        if not chunk:
            break
        raw += chunk
    os.close(primary)
    code = process.wait(timeout=60)
    return screen(raw.decode("utf-8").replace("\r\n", "\n")), code


def workbook_line(shown: str) -> str:
    """The README's line, with today's date (the date the run was made)."""
    for day in (dt.date.today(), dt.date.today() - dt.timedelta(days=1)):
        line = f"Conforme — 0 erreur, 1 avertissement. Classeur écrit : rapport-fqis-{day:%Y-%m-%d}.xlsx"
        if line == shown:
            return line
    return f"Conforme — 0 erreur, 1 avertissement. Classeur écrit : rapport-fqis-{dt.date.today():%Y-%m-%d}.xlsx"


def test_the_first_run_in_a_terminal_shows_the_demo_named_then_the_result(tmp_path):
    shown, code = in_terminal(tmp_path, "run")
    assert code == 0
    # No log line, no progress bar left, no path into the installed package.
    assert shown == [*DEMO_LINES, workbook_line(shown[-1])]
    assert DEMO_LINES == [
        "Démonstration intégrée : la configuration et les classeurs fournis avec alliance-sync "
        "(modifier config/demo/ n'y change rien).",
        "Pour votre alliance : copiez config/monteregie.toml, adaptez-le, puis lancez "
        "alliance-sync run --config monteregie.toml.",
    ]
    assert (tmp_path / ".alliance-sync-demo" / "historique.sqlite").exists()


def test_verbose_in_a_terminal_shows_the_steps_with_the_demo_s_files_named_not_their_path(tmp_path):
    shown, code = in_terminal(tmp_path, "run", "--verbose")
    assert code == 0
    steps = [re.sub(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ", "", line) for line in shown[len(DEMO_LINES) :]]
    assert shown[: len(DEMO_LINES)] == DEMO_LINES
    reads = [re.sub(r"\d+,\d\d s", "N s", line) for line in steps if line.startswith("Comité ") and " lus " in line]
    assert reads == [
        "Comité OUEST : 18 projets, 19 versements lus en N s (démo intégrée, comites/ouest.xlsx).",
        "Comité EST : 26 projets, 29 versements lus en N s (démo intégrée, comites/est.xlsx).",
        "Comité LONGUEUIL : 30 projets, 44 versements lus en N s (démo intégrée, comites/longueuil.xlsx).",
    ]
    assert steps[:2] == [
        f"Aucun historique dans le dossier d'état {tmp_path}/.alliance-sync-demo (par défaut pour la "
        "démonstration intégrée, dans le dossier courant) : aucune synchronisation antérieure, donc aucune "
        "copie de secours.",
        "Synchronisation n° 1 commencée (historique : .alliance-sync-demo/historique.sqlite).",
    ]
    assert not any("%" in line or "site-packages" in line or str(REPO) in line for line in shown)
    assert shown[-1] == workbook_line(shown[-1])


def test_quiet_in_a_terminal_shows_nothing_for_a_conforming_run(tmp_path):
    shown, code = in_terminal(tmp_path, "--quiet", "run")
    assert (shown, code) == ([], 0)


def test_with_a_configuration_the_demo_is_not_mentioned(tmp_path):
    config = tmp_path / "alliance.toml"
    config.write_text(
        (REPO / "config" / "demo" / "demo.toml")
        .read_text(encoding="utf-8")
        .replace('"comites/', f'"{REPO}/config/demo/comites/'),
        encoding="utf-8",
    )
    shown, code = in_terminal(tmp_path, "run", "--config", str(config))
    assert code == 0
    assert shown == [workbook_line(shown[-1])]


@pytest.mark.parametrize("command", ["run", "validate"])
def test_off_a_terminal_the_demo_is_named_once_and_the_log_file_keeps_it(tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(STATE_DIR_ENV, raising=False)
    result = CliRunner().invoke(cli, ["--log-file", "journal.log", command])
    assert result.exit_code == 0, result.output
    assert result.stderr.count("Démonstration intégrée") == 1
    assert result.stderr.startswith(DEMO_NOTICE + "\n")
    assert "Aucune configuration donnée" not in result.stderr  # said on the console once, not twice
    logged = (tmp_path / "journal.log").read_text(encoding="utf-8")
    assert " Aucune configuration donnée : démonstration intégrée.\n" in logged
    assert "(démo intégrée, comites/ouest.xlsx)" in logged
    assert "site-packages" not in result.stderr + logged and str(REPO) not in logged


def test_quiet_says_an_unreadable_source_once(tmp_path, monkeypatch):
    """Cron's mail: the final error lists the source; the log line saying the same is in the log file only."""
    config = write_alliance(tmp_path, {"OUEST": {"projects": [project()]}, "EST": {}, "LONGUEUIL": {}})
    (tmp_path / "ouest.xlsx").unlink()
    state = tmp_path / "etat"
    result = CliRunner().invoke(
        cli,
        ["--quiet", "--log-file", str(tmp_path / "journal.log"), "run", "--config", str(config)]
        + ["--state-dir", str(state), "-o", str(tmp_path / "rapport.xlsx")],
    )
    assert result.exit_code == 3
    assert result.stdout == ""
    assert result.stderr == (
        "Erreur : Aucun rapport produit : des chiffriers n'ont pas pu être lus et aucune copie valide "
        "antérieure n'existe.\n"
        f"  - Ouest de la Montérégie (OUEST) : fichier introuvable : {tmp_path}/ouest.xlsx\n"
        f"Ce dossier d'état était vide : {state} (option --state-dir).\n"
    )
    logged = (tmp_path / "journal.log").read_text(encoding="utf-8")
    assert (
        f" ERREUR : Comité OUEST : source illisible, aucune copie valide antérieure (fichier introuvable : "
        f"{tmp_path}/ouest.xlsx).\n" in logged
    )


def copied_demo(folder: Path) -> Path:
    """The demo's configuration and workbooks copied to ``folder``: its own alliance, not the built-in demo."""
    shutil.copytree(REPO / "config" / "demo", folder)
    return folder / "demo.toml"


def test_a_terminal_shows_what_needs_a_person(tmp_path):
    """A workbook gone: its last good copy used, said as a warning above the result; gone
    with no copy: the error, once, and nothing else."""
    config = copied_demo(tmp_path / "alliance")
    assert in_terminal(tmp_path, "run", "--config", str(config), "-o", "rapport.xlsx")[1] == 0
    (tmp_path / "alliance" / "comites" / "ouest.xlsx").rename(tmp_path / "ailleurs.xlsx")
    shown, code = in_terminal(tmp_path, "run", "--config", str(config), "-o", "rapport.xlsx")
    assert code == 1
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d AVERTISSEMENT : Comité OUEST : source illisible, dernière copie valide "
        r"du \d{4}-\d\d-\d\d \d\d:\d\d utilisée\.",
        shown[0],
    ), shown
    assert shown[1:] == ["1 erreur à corriger, 1 avertissement. Classeur écrit : rapport.xlsx"]

    shown, code = in_terminal(tmp_path, "run", "--config", str(config), "--state-dir", "vide")
    assert code == 3
    assert shown == [
        "Erreur : Aucun rapport produit : des chiffriers n'ont pas pu être lus et aucune copie valide antérieure "
        "n'existe.",
        f"  - Ouest de la Montérégie (OUEST) : fichier introuvable : {tmp_path}/alliance/comites/ouest.xlsx",
        f"Ce dossier d'état était vide : {tmp_path}/vide (option --state-dir).",
    ]
