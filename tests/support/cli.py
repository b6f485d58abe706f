"""The command line in-process, for tests that read its messages and exit codes."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from sync.cli import cli


def invoke(*args: str):
    """``alliance-sync ARGS``; an exception other than the exit is a failure (a traceback)."""
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def config_error(path: Path, key: str) -> str:
    """The French message of ``validate`` on a wrong configuration (exit 2, key named)."""
    result = invoke("validate", "--config", str(path))
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"Erreur : Configuration invalide (fichier {path}, clé « {key} ») : "), (
        result.stderr
    )
    return result.stderr
