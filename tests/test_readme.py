"""The README stays true: its commands, options, codes and pasted outputs are
checked against the real command line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from sync.cli import cli
from sync.findings import CATALOGUE, ERROR

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _blocks() -> list[str]:
    return re.findall(r"```[a-z]*\n(.*?)```", README, flags=re.S)


def _command_table() -> dict[str, str]:
    rows = re.findall(r"^\| `alliance-sync (\S+)([^`]*)` \|", README, flags=re.M)
    return {name: usage for name, usage in rows}


def test_every_command_is_in_the_readme_table_and_nothing_else():
    assert set(_command_table()) == set(cli.commands)


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_options_shown_in_the_readme_exist(name):
    command = cli.commands[name]
    known = {opt for param in command.params if isinstance(param, click.Option) for opt in param.opts}
    shown = set(re.findall(r"--[a-z-]+", _command_table()[name]))
    assert shown <= known, f"options du README inconnues de « {name} » : {shown - known}"


def test_global_options_shown_in_the_readme_exist():
    for option in ("--quiet", "--verbose", "--log-file"):
        assert option in README
        assert any(option in p.opts for p in cli.params)


def test_the_two_commands_are_the_ones_that_exist():
    assert ("python3 -m venv .venv && .venv/bin/python -m pip install . && .venv/bin/alliance-sync run\n"
            in _blocks())  # run on a stock system Python by tests/test_install.py
    assert "bash .ci/run\n" in _blocks()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "pytest" in ci and ci.startswith("#!/usr/bin/env bash")


def test_every_finding_code_is_documented_with_its_severity():
    rows = dict(re.findall(r"^\| `([A-Z_]+)` \| (erreur|avertissement) \|", README, flags=re.M))
    assert set(rows) == set(CATALOGUE)
    for code, kind in CATALOGUE.items():
        assert rows[code] == ("erreur" if kind.severity == ERROR else "avertissement"), code


def test_exit_codes_table_matches_the_library():
    from sync import errors

    codes = re.findall(r"^\| ([0-3]) \| ", README, flags=re.M)
    assert {"0", "1", "2", "3"} <= set(codes)
    assert (errors.EXIT_OK, errors.EXIT_FINDINGS, errors.EXIT_USAGE, errors.EXIT_SOURCE) == (0, 1, 2, 3)


def test_pasted_json_is_what_validate_prints_on_the_demo():
    pasted = next(b for b in _blocks() if b.lstrip().startswith("[\n  {"))
    result = CliRunner().invoke(cli, ["validate", "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == json.loads(pasted)


def test_pasted_run_line_is_what_run_prints_on_the_demo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["run"])
    assert result.exit_code == 0
    printed = re.sub(r"\d{4}-\d{2}-\d{2}", "AAAA-MM-JJ", result.stdout)
    pasted = next(b for b in _blocks() if b.startswith("Conforme — "))
    assert printed == re.sub(r"\d{4}-\d{2}-\d{2}", "AAAA-MM-JJ", pasted)


def test_pasted_configuration_error_is_what_the_tool_says(tmp_path, monkeypatch):
    demo = (ROOT / "config" / "demo" / "demo.toml").read_text(encoding="utf-8")
    demo = demo.replace('{ xlsx = "comites/', '{ xlsx = "' + str(ROOT / "config" / "demo" / "comites") + "/")
    demo = demo.replace('territories = ["Acton",', 'territories = ["Roussillon", "Acton",')
    monkeypatch.chdir(tmp_path)
    Path("config").mkdir()
    Path("config", "alliance.toml").write_text(demo, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", "--config", "config/alliance.toml"])
    assert result.exit_code == 2
    pasted = next(line for b in _blocks() for line in b.splitlines()
                  if line.startswith("Erreur : Configuration invalide"))
    assert result.output.strip().endswith(pasted)


GENERAL = {"--quiet", "-q", "--verbose", "-v", "--log-file", "--help", "-h"}


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_option_of_a_command_is_in_its_readme_row(name):
    command = cli.commands[name]
    longs = {max(param.opts, key=len) for param in command.params if isinstance(param, click.Option)}
    shown = set(re.findall(r"--[a-z-]+", _command_table()[name]))
    assert longs - GENERAL - shown == set(), f"options de « {name} » absentes du README"


def test_pasted_unknown_command_is_what_the_tool_says():
    block = next(b for b in _blocks() if b.startswith("$ alliance-sync valdiate\n"))
    result = CliRunner().invoke(cli, ["valdiate"], prog_name="alliance-sync")
    assert result.exit_code == 2
    assert result.stderr == block.split("\n", 1)[1]


def test_shell_completion_and_every_scheduler_are_documented():
    completion = next(b for b in _blocks() if "_ALLIANCE_SYNC_COMPLETE=bash_source alliance-sync" in b)
    assert completion.startswith("_ALLIANCE_SYNC_COMPLETE=bash_source alliance-sync > ")
    assert "OnCalendar=" in README and "30 2 * * *" in README
    schtasks = next(b for b in _blocks() if b.startswith("schtasks /Create "))
    assert "alliance-sync.exe --quiet --log-file " in schtasks and " run --config " in schtasks
