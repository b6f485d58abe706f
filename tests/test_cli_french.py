"""click's own messages (help, usage errors) reach the coordinator in French."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from sync.cli import cli
from sync.cli_french import french_usage_error


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), prog_name="alliance-sync")


def test_help_is_french():
    result = invoke("--help")
    assert result.exit_code == 0
    assert result.output.startswith("Utilisation : alliance-sync [OPTIONS] COMMANDE [ARGS]...")
    assert "Commandes:" in result.output
    assert re.search(r"-h, --help +Afficher cette aide et quitter\.", result.output)
    assert "Show this message" not in result.output


def test_subcommand_help_is_french():
    result = invoke("validate", "--help")
    assert result.output.startswith("Utilisation : alliance-sync validate [OPTIONS]")
    assert "Afficher cette aide et quitter." in result.output


@pytest.mark.parametrize("args, message", [
    (("validate", "--nope"), "Erreur : option inconnue : --nope"),
    (("validate", "--conf", "x"), "Erreur : option inconnue : --conf (vouliez-vous dire --config ?)"),
    (("validate", "--format", "xml"),
     "Erreur : valeur invalide pour --format : « xml » n'est pas parmi 'text', 'json'"),
    (("validate", "--format"), "Erreur : l'option --format demande une valeur"),
    (("frobnicate",), "Erreur : commande inconnue : « frobnicate »"),
    (("diff", "1", "2", "3"), "Erreur : au plus deux numéros de synchronisation."),
    (("history", "--limit", "0"), "Erreur : valeur invalide pour --limit / -n : 0 est hors de l'intervalle"),
])
def test_usage_errors_are_french_with_exit_2(args, message):
    result = invoke(*args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Usage:" not in result.output and "Error:" not in result.output
    assert "Traceback" not in result.output


def test_config_pointing_at_a_folder(tmp_path):
    result = invoke("validate", "--config", str(tmp_path))
    assert result.exit_code == 2
    assert f"« {tmp_path} » est un dossier" in result.output


def test_unknown_click_message_is_kept_rather_than_lost():
    assert french_usage_error("Something new in click 9.") == "Something new in click 9."
