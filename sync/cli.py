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
from sync.cli_french import FrenchCommand, FrenchContext, FrenchHelpMixin, show_usage_error
from sync.errors import EXIT_FINDINGS, EXIT_OK, AllianceSyncError

log = logging.getLogger("sync")

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class FrenchGroup(FrenchHelpMixin, click.Group):
    """Turns library errors into a French message and the exit code of SPEC §6."""

    context_class = FrenchContext
    command_class = FrenchCommand

    def main(self, *args, standalone_mode: bool = True, **kwargs):
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        # click's standalone mode prints its usage errors in English: do it here.
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except click.UsageError as exc:
            show_usage_error(exc)
            code = exc.exit_code
        except click.ClickException as exc:
            click.echo(f"Erreur : {exc.format_message()}", err=True)
            code = exc.exit_code
        except click.Abort:
            click.echo("Interrompu.", err=True)
            code = 130
        sys.exit(code if isinstance(code, int) else EXIT_OK)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except AllianceSyncError as exc:
            from sync.outputs.text import printable

            click.echo(f"Erreur : {printable(exc.message)}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrompu.", err=True)
            ctx.exit(130)


def _setup_logging(quiet: bool, verbose: bool, log_file: str | None = None) -> None:
    from sync.logs import setup_logging

    setup_logging(quiet, verbose, Path(log_file) if log_file else None)


def _load(config_path: str | None, *, check_files: bool = True):
    from sync.config import load_config
    from sync.resources import demo_config

    path = Path(config_path) if config_path else demo_config()
    if not config_path:
        log.info("Aucune configuration donnée : démonstration intégrée (%s).", path)
    return load_config(path, check_files=check_files)


config_option = click.option(
    "--config", "-c", "config_path", type=click.Path(dir_okay=False),
    help="Fichier de configuration TOML de l'Alliance (par défaut : la démonstration intégrée).",
)


@click.group(cls=FrenchGroup, context_settings=CONTEXT)
@click.version_option(__version__, "--version", message="alliance-sync %(version)s",
                      help="Afficher la version et quitter.")
@click.option("--quiet", "-q", is_flag=True, help="N'afficher que les avertissements et les erreurs (cron).")
@click.option("--verbose", "-v", is_flag=True, help="Journal détaillé, pour le diagnostic.")
@click.option("--log-file", type=click.Path(dir_okay=False),
              help="Écrire aussi le journal des étapes dans ce fichier (complet, même avec --quiet).")
@click.pass_context
def cli(ctx: click.Context, quiet: bool, verbose: bool, log_file: str | None) -> None:
    """Synchronise, valide et consolide les chiffriers des comités d'une Alliance
    pour la solidarité, et produit le classeur remis au ministère."""
    ctx.obj = {"quiet": quiet}
    _setup_logging(quiet, verbose, log_file)


state_dir_option = click.option(
    "--state-dir", type=click.Path(file_okay=False), default=".alliance-sync", show_default=True,
    help="Dossier d'état : historique des synchronisations et verrou.",
)


@cli.command()
@config_option
@click.option("--output", "-o", type=click.Path(),
              help="Classeur à écrire, ou son dossier (par défaut : rapport-fqis-AAAA-MM-JJ.xlsx).")
@click.option("--force", is_flag=True, help="Remplacer le fichier --output même s'il n'est pas un rapport écrit par alliance-sync.")
@click.option("--strict", is_flag=True, help="N'écrire aucun classeur s'il reste des erreurs.")
@click.option("--deliver", is_flag=True,
              help="Livrer ensuite le classeur (Google Drive, courriel) et leurs constats aux comités ([delivery]).")
@click.option("--dry-run", is_flag=True, help="Avec --deliver : montrer ce qui serait livré, à qui, sans rien envoyer.")
@state_dir_option
@click.pass_context
def run(ctx: click.Context, config_path: str | None, output: str | None, force: bool, strict: bool,
        deliver: bool, dry_run: bool, state_dir: str) -> None:
    """Lire et valider les chiffriers, enregistrer la synchronisation, puis écrire
    le classeur du ministère. Avec --quiet, rien n'est affiché si tout est conforme."""
    from sync.outputs.text import report_summary_line
    from sync.runner import run_sync

    if dry_run and not deliver:
        raise click.UsageError("--dry-run ne s'emploie qu'avec --deliver (ou avec la commande deliver).")
    if deliver and not config_path:
        raise click.UsageError(_NO_DELIVERY_IN_DEMO)
    # A vanished workbook is an unreadable source: its last good copy stands in.
    result = run_sync(_load(config_path, check_files=False), output=Path(output) if output else None,
                      strict=strict, state_dir=Path(state_dir), deliver=deliver, dry_run=dry_run, force=force)
    quiet = (ctx.obj or {}).get("quiet", False)
    if not (quiet and result.exit_code == EXIT_OK):
        if result.output is None:
            click.echo(f"{report_summary_line(result.report)} Mode strict : aucun classeur écrit.")
        else:
            click.echo(f"{report_summary_line(result.report)} Classeur écrit : {result.output}")
    if result.delivery_plan is not None:
        click.echo(result.delivery_plan)
    if result.delivery is not None:
        _report_delivery(result.delivery, quiet)
    sys.exit(result.exit_code)


# Without --config the bundled demo is used, which delivers to nobody: asking to add
# [delivery] to the demo's file would send the coordinator to the wrong file.
_NO_DELIVERY_IN_DEMO = ("indiquez votre configuration avec --config : la livraison se règle dans sa table "
                        "[delivery], et la démonstration intégrée n'en a pas.")


def _report_delivery(delivery, quiet: bool) -> None:
    """The delivery's line on standard output; its failures, in French, on standard error."""
    if not (quiet and not delivery.failed):
        click.echo(delivery.summary())
    if delivery.failed:
        click.echo(f"Erreur : livraison incomplète de la synchronisation n° {delivery.run_id} "
                   f"({len(delivery.failed)} sur {len(delivery.sent) + len(delivery.failed)}) :", err=True)
        for found in delivery.findings:
            click.echo(f"  {found.code} : {found.message}", err=True)


@cli.command()
@click.argument("run_id", required=False, type=int, metavar="[RUN]")
@config_option
@state_dir_option
@click.option("--dry-run", is_flag=True, help="Montrer ce qui serait livré, à qui, sans rien envoyer ni enregistrer.")
@click.option("--force", is_flag=True,
              help="Renvoyer aussi ce qui a déjà été livré (ministère, Drive) et les constats inchangés des comités.")
@click.pass_context
def deliver(ctx: click.Context, run_id: int | None, config_path: str | None, state_dir: str, dry_run: bool,
            force: bool) -> None:
    """Livrer le classeur d'une synchronisation (par défaut la dernière) : Google Drive,
    courriel au ministère, constats aux comités. Reprend ce qui a échoué ; ce qui a
    déjà été livré n'est pas renvoyé (sauf --force)."""
    from sync.delivery.deliver import deliver as deliver_run
    from sync.delivery.deliver import plan_delivery, render_plan, require_delivery
    from sync.errors import HistoryError
    from sync.google.auth import set_state_dir
    from sync.history import History
    from sync.lock import StateLock

    if not config_path:
        raise click.UsageError(_NO_DELIVERY_IN_DEMO)
    config = _load(config_path, check_files=False)
    require_delivery(config)
    folder = Path(state_dir)
    if not History.exists(folder):
        raise HistoryError(f"aucune synchronisation enregistrée dans {folder} : rien à livrer.")
    set_state_dir(folder)  # where an OAuth login keeps its token
    if dry_run:
        with History.open(folder) as store:
            click.echo(render_plan(plan_delivery(config, store, run_id, force=force)))
        return
    with StateLock(folder), History.open(folder) as store:
        result = deliver_run(config, store, run_id, force=force)
    _report_delivery(result, (ctx.obj or {}).get("quiet", False))
    sys.exit(EXIT_FINDINGS if result.failed else EXIT_OK)


@cli.command()
@state_dir_option
@click.option("--limit", "-n", type=click.IntRange(min=1), default=30, show_default=True,
              help="Nombre de synchronisations affichées, les plus récentes d'abord.")
def history(state_dir: str, limit: int) -> None:
    """Lister les synchronisations enregistrées : date, statut, projets, versements, constats."""
    from sync.history import History
    from sync.history.render import render_history
    from sync.lock import current_holder

    folder = Path(state_dir)
    if not History.exists(folder):
        click.echo(f"Aucune synchronisation enregistrée dans {folder}.")
        return
    holder = current_holder(folder)
    with History.open(folder) as store:
        runs = store.runs(limit)
    if not runs:
        click.echo(f"Aucune synchronisation enregistrée dans {folder}.")
        return
    # A « running » row is the run in progress only while a live process holds the lock.
    alive = runs[0].id if holder is not None and runs[0].state == "running" else None
    click.echo(render_history(runs, alive_run=alive))


@cli.command()
@click.argument("runs", nargs=-1, type=int, metavar="[RUN] [RUN]")
@state_dir_option
def diff(runs: tuple[int, ...], state_dir: str) -> None:
    """Comparer deux synchronisations (par défaut les deux dernières) : projets et
    versements ajoutés, supprimés et modifiés, champ par champ. Avec un seul
    numéro, le compare à la synchronisation qui le précède."""
    from sync.errors import HistoryError
    from sync.history import History
    from sync.history.diff import compute_changes
    from sync.history.render import render_diff

    if len(runs) > 2:
        raise click.UsageError("au plus deux numéros de synchronisation.")
    folder = Path(state_dir)
    if not History.exists(folder):
        raise HistoryError(f"aucune synchronisation enregistrée dans {folder}.")
    with History.open(folder) as store:
        before, after = store.pair_to_compare(list(runs))
        if before is None:
            click.echo(f"Synchronisation n° {after.id} : aucune synchronisation antérieure à comparer.")
            return
        changes = compute_changes(store.records(before.id), store.records(after.id), previous_run_id=before.id,
                                  previous_run_at=before.started_at, committee_order=store.committee_order(after.id))
        click.echo(render_diff(changes, before, after, store.committee_names(after.id)))


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


@cli.command("check-access")
@config_option
@click.option("--state-dir", type=click.Path(file_okay=False), default=".alliance-sync", show_default=True,
              help="Dossier d'état, où une connexion OAuth garde son jeton.")
def check_access(config_path: str | None, state_dir: str) -> None:
    """Vérifier que les identifiants Google peuvent lire chaque chiffrier (et y écrire
    quand le retour des constats est activé), et avec quel compte les partager."""
    from sync.errors import EXIT_SOURCE
    from sync.google import access
    from sync.google.auth import set_state_dir

    set_state_dir(Path(state_dir))
    report = access.check_access(_load(config_path, check_files=False))
    click.echo(access.render_access(report))
    sys.exit(EXIT_OK if report.ok else EXIT_SOURCE)


@cli.command()
@click.option("--output", "-o", type=click.Path(), default="gabarit-comite.xlsx",
              show_default=True, help="Classeur à écrire, ou son dossier.")
@click.option("--force", is_flag=True, help="Remplacer le fichier --output même s'il n'est pas un gabarit vierge.")
@config_option
@click.option("--committee", "committee_code", help="Code de la sous-région, pour n'offrir que ses territoires.")
def template(output: str, force: bool, config_path: str | None, committee_code: str | None) -> None:
    """Écrire le gabarit du classeur d'un comité (SPEC §3)."""
    from sync.errors import ConfigError
    from sync.outputs.atomic import write_atomically
    from sync.outputs.committee_workbook import write_committee_workbook
    from sync.outputs.paths import inputs_of, is_unfilled_template, make_parents, output_path

    config = _load(config_path)
    committee = None
    if committee_code:
        try:
            committee = config.committee(committee_code)
        except KeyError:
            codes = ", ".join(c.code for c in config.subregions)
            raise ConfigError(f"sous-région inconnue « {committee_code} » ; codes : {codes}") from None
    target = output_path(Path(output), "gabarit-comite.xlsx", inputs_of(config, None), force=force,
                         ours=is_unfilled_template)
    make_parents(target)
    # Atomically, as the ministry workbook: a failure names the file in French and
    # leaves a previous template whole.
    write_atomically(target, lambda path: write_committee_workbook(path, config, committee))
    click.echo(f"Gabarit écrit : {target}")


def main() -> None:
    cli(prog_name="alliance-sync")


if __name__ == "__main__":
    main()
