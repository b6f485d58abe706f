"""The ``alliance-sync`` command: a thin click layer over the library.

Only this module turns the library's exceptions into French messages on
standard error and exit codes (SPEC §6); everything else raises.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from sync import __version__
from sync.errors import EXIT_FINDINGS, EXIT_OK, AllianceSyncError

log = logging.getLogger("sync")

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class FrenchGroup(click.Group):
    """Turns library errors into a French message and the exit code of SPEC §6."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except AllianceSyncError as exc:
            click.echo(f"Erreur : {exc.message}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrompu.", err=True)
            ctx.exit(130)


def _setup_logging(quiet: bool, verbose: bool) -> None:
    level = logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S"))
    root = logging.getLogger("sync")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


def _load(config_path: str | None):
    from sync.config import load_config
    from sync.resources import demo_config

    path = Path(config_path) if config_path else demo_config()
    if not config_path:
        log.info("Aucune configuration donnée : démonstration intégrée (%s).", path)
    return load_config(path)


config_option = click.option(
    "--config", "-c", "config_path", type=click.Path(dir_okay=False),
    help="Fichier de configuration TOML de l'Alliance (par défaut : la démonstration intégrée).",
)


@click.group(cls=FrenchGroup, context_settings=CONTEXT)
@click.version_option(__version__, "--version", message="alliance-sync %(version)s")
@click.option("--quiet", "-q", is_flag=True, help="N'afficher que les avertissements et les erreurs (cron).")
@click.option("--verbose", "-v", is_flag=True, help="Journal détaillé, pour le diagnostic.")
def cli(quiet: bool, verbose: bool) -> None:
    """Synchronise, valide et consolide les chiffriers des comités d'une Alliance
    pour la solidarité, et produit le classeur remis au ministère."""
    _setup_logging(quiet, verbose)


@cli.command()
@config_option
@click.option("--output", "-o", type=click.Path(dir_okay=False),
              help="Classeur à écrire (par défaut : rapport-fqis-AAAA-MM-JJ.xlsx).")
@click.option("--strict", is_flag=True, help="N'écrire aucun classeur s'il reste des erreurs.")
@click.option("--state-dir", type=click.Path(file_okay=False), default=".alliance-sync", show_default=True,
              help="Dossier d'état : historique des synchronisations et verrou.")
def run(config_path: str | None, output: str | None, strict: bool, state_dir: str) -> None:
    """Lire et valider les chiffriers, puis écrire le classeur du ministère."""
    from sync.outputs.text import summary_line
    from sync.runner import run_sync

    result = run_sync(_load(config_path), output=Path(output) if output else None, strict=strict,
                      state_dir=Path(state_dir))
    if result.output is None:
        click.echo(f"{summary_line(result.report)} Mode strict : aucun classeur écrit.")
    else:
        click.echo(f"{summary_line(result.report)} Classeur écrit : {result.output}")
    sys.exit(result.exit_code)


@cli.command()
@config_option
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Format de sortie des constats.")
def validate(config_path: str | None, output_format: str) -> None:
    """Valider les chiffriers des comités, sans produire de classeur."""
    from sync.outputs.text import render_json, render_text
    from sync.pipeline import build_report

    report = build_report(_load(config_path))
    click.echo(render_json(report) if output_format == "json" else render_text(report))
    sys.exit(EXIT_FINDINGS if report.errors else EXIT_OK)


@cli.command()
@click.option("--output", "-o", type=click.Path(dir_okay=False), default="gabarit-comite.xlsx",
              show_default=True, help="Classeur à écrire.")
@config_option
@click.option("--committee", "committee_code", help="Code de la sous-région, pour n'offrir que ses territoires.")
def template(output: str, config_path: str | None, committee_code: str | None) -> None:
    """Écrire le gabarit du classeur d'un comité (SPEC §3)."""
    from sync.errors import ConfigError
    from sync.outputs.committee_workbook import write_committee_workbook

    config = _load(config_path)
    committee = None
    if committee_code:
        try:
            committee = config.committee(committee_code)
        except KeyError:
            codes = ", ".join(c.code for c in config.subregions)
            raise ConfigError(f"sous-région inconnue « {committee_code} » ; codes : {codes}") from None
    write_committee_workbook(Path(output), config, committee)
    click.echo(f"Gabarit écrit : {output}")


def main() -> None:
    cli(prog_name="alliance-sync")


if __name__ == "__main__":
    main()
