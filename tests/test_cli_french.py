"""click's own messages (help, usage errors) reach the coordinator in French,
through a French catalogue behind click's gettext calls."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from sync.cli import cli
from sync.cli_french import CATALOGUE, CLICK_MODULES, FOR_DEVELOPERS, PLURALS


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), prog_name="alliance-sync")


def _click_texts() -> tuple[set[str], set[tuple[str, str]]]:
    """Every literal text the installed click passes to ``_`` and ``ngettext``."""
    singles: set[str] = set()
    pairs: set[tuple[str, str]] = set()
    for path in Path(click.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            texts = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if node.func.id == "_" and texts:
                singles.add(texts[0])
            elif node.func.id == "ngettext" and len(texts) == 2:
                pairs.add((texts[0], texts[1]))
    return singles, pairs


def test_the_catalogue_covers_every_text_of_the_installed_click():
    singles, pairs = _click_texts()
    assert singles - set(CATALOGUE) - FOR_DEVELOPERS == set()
    assert pairs - set(PLURALS) == set()


def test_the_catalogue_holds_only_texts_click_still_asks_for():
    singles, pairs = _click_texts()
    assert set(CATALOGUE) - singles == {"required"}  # passed through a variable: _(extra["required"])
    assert set(PLURALS) <= pairs
    assert singles >= FOR_DEVELOPERS


def test_the_catalogue_is_behind_every_click_module_that_translates():
    for name in CLICK_MODULES:
        module = __import__(f"click.{name}", fromlist=["_"])
        for hook in ("_", "ngettext"):
            if hasattr(module, hook):
                assert getattr(module, hook).__self__.__class__.__name__ == "FrenchCatalogue", (name, hook)


def test_help_is_french():
    result = invoke("--help")
    assert result.exit_code == 0
    assert result.output.startswith("Utilisation : alliance-sync [OPTIONS] COMMANDE [ARGS]...")
    assert "\nOptions :\n" in result.output and "\nCommandes :\n" in result.output
    assert re.search(r"-h, --help +Afficher cette aide et quitter\.", result.output)
    assert "Show this message" not in result.output


def test_top_level_help_describes_each_command_whole():
    result = invoke("--help")
    assert "…" not in result.output and "..." not in result.output.replace("[ARGS]...", "")
    commands = result.output.split("Commandes :\n")[1]
    assert " ".join(commands.split()).startswith(
        "check-access Vérifier que les identifiants Google peuvent lire chaque chiffrier (et y écrire quand le "
        "retour des constats est activé), et avec quel compte les partager. close Clore un exercice financier "
        "(par exemple 2020-2021) : enregistrer que ses chiffres ont été déclarés au ministère avec une "
        "synchronisation. deliver Livrer le classeur"
    )


def test_ranges_and_defaults_are_described_in_french():
    result = invoke("history", "--help")
    text = " ".join(result.output.split())
    assert "-n, --limit N Nombre de synchronisations" in text
    assert "[par défaut : 30; au moins 1]" in text
    assert "x>=1" not in result.output and "INTEGER" not in result.output and "default:" not in result.output


def test_subcommand_help_is_french():
    result = invoke("validate", "--help")
    assert result.output.startswith("Utilisation : alliance-sync validate [OPTIONS]")
    assert "-c, --config FICHIER" in result.output
    assert "Afficher cette aide et quitter." in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (("validate", "--nope"), "Erreur : option inconnue : --nope.\n"),
        (("validate", "--conf", "x"), "Erreur : option inconnue : --conf. Vouliez-vous dire « --config » ?\n"),
        (
            ("validate", "--format", "xml"),
            "Erreur : valeur invalide pour --format : « xml » n'est pas parmi 'text', 'json'.\n",
        ),
        (("validate", "--format"), "Erreur : l'option --format demande une valeur.\n"),
        (("frobnicate",), "Erreur : commande inconnue : « frobnicate ».\n"),
        (("valdiate",), "Erreur : commande inconnue : « valdiate ». Vouliez-vous dire « validate » ?\n"),
        (("diff", "1", "2", "3"), "Erreur : au plus deux numéros de synchronisation.\n"),
        (
            ("history", "--limit", "0"),
            "Erreur : valeur invalide pour --limit / -n : 0 n'est pas permis (au moins 1).\n",
        ),
        (
            ("history", "--limit", "trois"),
            "Erreur : valeur invalide pour --limit / -n : « trois » n'est pas un nombre valide.\n",
        ),
        (("diff", "un"), "Erreur : valeur invalide pour [RUN] [RUN] : « un » n'est pas un nombre valide.\n"),
    ],
)
def test_usage_errors_are_french_with_exit_2(args, message):
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.stderr.endswith(message)
    assert "Usage:" not in result.output and "Error:" not in result.output
    assert "Traceback" not in result.output


def test_a_usage_error_shows_the_usage_and_where_to_find_help():
    result = invoke("valdiate")
    assert result.stderr == (
        "Utilisation : alliance-sync [OPTIONS] COMMANDE [ARGS]...\n"
        "Essayez « alliance-sync --help » pour l'aide.\n\n"
        "Erreur : commande inconnue : « valdiate ». Vouliez-vous dire « validate » ?\n"
    )


def test_config_pointing_at_a_folder(tmp_path):
    result = invoke("validate", "--config", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.endswith(
        f"Erreur : valeur invalide pour --config / -c : Fichier « {tmp_path} » : c'est un dossier.\n"
    )


def test_a_text_click_does_not_know_is_kept_rather_than_lost():
    from sync.cli_french import FrenchCatalogue

    assert FrenchCatalogue().gettext("Something new in click 9.") == "Something new in click 9."
    assert FrenchCatalogue().ngettext("One new thing.", "{n} new things.", 2) == "{n} new things."
