"""The ``alliance-sync`` command: a thin click layer over the library.

Only this module turns the library's exceptions into French messages on
standard error and exit codes (docs/ligne-de-commande.md); everything else raises.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sync import __version__
from sync.cli_french import Count, FrenchCommand, show_usage_error
from sync.config.sections import STATE_DIR_ENV
from sync.config.state import DEFAULT_STATE_DIR, DEMO_STATE_DIR, StateFolder, state_folder
from sync.errors import EXIT_FINDINGS, EXIT_OK, AllianceSyncError
from sync.wording import printable

if TYPE_CHECKING:  # the library is imported by each command, when it runs (start-up time)
    from sync.config import Committee, Config
    from sync.delivery.deliver import DeliveryResult, Simulation
    from sync.history import History
    from sync.sources import GoogleSheets
    from sync.steps import Tracer

log = logging.getLogger("sync")

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class FrenchGroup(click.Group):
    """Turns library errors into a French message and an exit code (docs/ligne-de-commande.md)."""

    command_class = FrenchCommand

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        # The general options are accepted after the command too: `alliance-sync run --quiet`.
        cmd.params.extend(_general_options())
        super().add_command(cmd, name)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        # Usage errors are printed here rather than by click: a misspelt command or option
        # gets the shared « Vouliez-vous dire » (sync/cli_french.py), library errors their exit code.
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
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

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AllianceSyncError as exc:
            click.echo(f"Erreur : {printable(exc.message)}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrompu.", err=True)
            ctx.exit(130)


def _setup_logging(quiet: bool, verbose: bool, log_file: str | None = None) -> None:
    from sync.logs import setup_logging

    setup_logging(quiet, verbose, Path(log_file) if log_file else None)


def _tracer(ctx: click.Context) -> Tracer:
    """How a command's steps are told: the log, a progress bar on a terminal (not with
    --quiet), and the kill tests' checkpoint (sync/steps.py)."""
    from sync.steps import Tracer

    return Tracer.for_console(quiet=(ctx.find_root().obj or {}).get("quiet", False))


def _open_log_file(config: Config | None, state_dir: Path | None) -> None:
    """Open --log-file once the command knows its inputs: it is never one of them
    (OutputError, exit 2, before a line is written to it)."""
    from sync.logs import open_log_file, pending_log_file

    wanted = pending_log_file()
    if wanted is not None:
        # Only then: the file policy knows the history and the workbook's presentation.
        from sync.outputs.paths import output_path
        from sync.usecases.file_policy import inputs_of

        open_log_file(output_path(wanted, wanted.name, inputs_of(config, state_dir), ours=None, suffix=None))


def _general_option_after_command(ctx: click.Context, param: click.Parameter, value: bool | str | None) -> None:
    """A general option given after the command: it joins those given before it."""
    if ctx.get_parameter_source(param.name or "") is not click.core.ParameterSource.COMMANDLINE:
        return
    settings = ctx.find_root().obj
    settings[param.name] = value
    _setup_logging(settings["quiet"], settings["verbose"], settings["log_file"])


_QUIET_HELP = (
    "N'afficher que ce qui demande une intervention : erreurs à corriger, source illisible, livraison échouée (cron)."
)
_VERBOSE_HELP = (
    "Journal détaillé, dans un terminal aussi : chaque étape et sa durée, requêtes Google et nouveaux essais, "
    "copies de secours."
)
_LOG_FILE_HELP = (
    "Écrire aussi le journal des étapes dans ce fichier (complet, même avec --quiet ; jamais une "
    "entrée : configuration, chiffrier, historique)."
)


def _general_options() -> list[click.Option]:
    late = _general_option_after_command
    return [
        click.Option(["--quiet", "-q"], is_flag=True, help=_QUIET_HELP, expose_value=False, callback=late),
        click.Option(["--verbose", "-v"], is_flag=True, help=_VERBOSE_HELP, expose_value=False, callback=late),
        click.Option(
            ["--log-file"], type=click.Path(dir_okay=False), help=_LOG_FILE_HELP, expose_value=False, callback=late
        ),
    ]


def _load(
    config_path: str | None, *, check_files: bool = True, placeholders: bool = True, announce: bool = False
) -> Config:
    """The configuration given, or the built-in demo's; ``announce``: a command that reads
    the demo's workbooks says once, on the console, which demo it is and how to make one's own."""
    from sync.config import load_config
    from sync.logs import LOG_ONLY
    from sync.resources import demo_config

    path = Path(config_path) if config_path else demo_config()
    if not config_path:
        log.info("Aucune configuration donnée : démonstration intégrée.", extra=LOG_ONLY)
        if announce and not (click.get_current_context().find_root().obj or {}).get("quiet", False):
            click.echo(DEMO_NOTICE, err=True)
    return load_config(path, check_files=check_files, placeholders=placeholders)


# What `run` and `validate` say without --config (docs/ligne-de-commande.md): the demo read
# is the installed package's copy, so editing config/demo/ in a clone changes nothing.
DEMO_NOTICE = (
    "Démonstration intégrée : la configuration et les classeurs fournis avec alliance-sync "
    "(modifier config/demo/ n'y change rien).\n"
    "Pour votre alliance : copiez config/monteregie.toml, adaptez-le, puis lancez "
    "alliance-sync run --config monteregie.toml."
)


config_option = click.option(
    "--config",
    "-c",
    "config_path",
    type=click.Path(dir_okay=False),
    metavar="FICHIER",
    help="Fichier de configuration TOML de l'Alliance (par défaut : la démonstration intégrée).",
)


@click.group(cls=FrenchGroup, context_settings=CONTEXT, subcommand_metavar="COMMANDE [ARGS]...")
@click.version_option(
    __version__, "--version", message="alliance-sync %(version)s", help="Afficher la version et quitter."
)
@click.option("--quiet", "-q", is_flag=True, help=_QUIET_HELP)
@click.option("--verbose", "-v", is_flag=True, help=_VERBOSE_HELP)
@click.option("--log-file", type=click.Path(dir_okay=False), help=_LOG_FILE_HELP)
@click.pass_context
def cli(ctx: click.Context, quiet: bool, verbose: bool, log_file: str | None) -> None:
    """Synchronise, valide et consolide les chiffriers des comités d'une Alliance
    pour la solidarité, et produit le classeur remis au ministère.

    Les options générales (--quiet, --verbose, --log-file) se placent avant ou après
    la commande. Complétion des commandes dans bash : voir le README."""
    ctx.obj = {"quiet": quiet, "verbose": verbose, "log_file": log_file}
    _setup_logging(quiet, verbose, log_file)


state_dir_option = click.option(
    "--state-dir",
    type=click.Path(file_okay=False),
    metavar="DOSSIER",
    help=f"Dossier d'état : historique des synchronisations et verrou. Par défaut : la variable {STATE_DIR_ENV}, "
    f"sinon la clé state_dir de [alliance] dans la configuration, sinon {DEFAULT_STATE_DIR} dans le dossier "
    f"courant ({DEMO_STATE_DIR} pour la démonstration intégrée, sans --config).",
)


def _refuse_foreign(folder: StateFolder, config: Config) -> None:
    """A state folder holding another alliance's history is refused, nothing written in it."""
    from sync.history import History
    from sync.history.identity import alliance_identity

    History.refuse_foreign(folder.path, alliance_identity(config))


def _say_notes(store: History) -> None:
    """What the history could not read, on standard error (standard output stays the listing)."""
    for text in store.notes:
        click.echo(f"Attention : {printable(text)}", err=True)
    store.notes.clear()


def _nothing_recorded(folder: StateFolder) -> str:
    return f"Aucune synchronisation enregistrée dans le dossier d'état {folder}."


format_option = click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Format de sortie : texte ou JSON.",
)


@cli.command()
@config_option
@click.option(
    "--output",
    "-o",
    type=click.Path(),
    metavar="FICHIER",
    help="Classeur à écrire, ou son dossier (par défaut : rapport-fqis-AAAA-MM-JJ.xlsx).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Remplacer le fichier --output même s'il n'est pas un rapport écrit par alliance-sync, et les "
    "fichiers de --export qu'il n'a pas écrits (jamais une entrée).",
)
@click.option("--strict", is_flag=True, help="N'écrire aucun classeur s'il reste des erreurs.")
@click.option(
    "--deliver",
    is_flag=True,
    help="Livrer ensuite le classeur (Google Drive, courriel) et leurs constats aux comités ([delivery]).",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Avec --deliver : montrer ce qui serait livré, à qui, sans rien envoyer (code 1 si une livraison échouerait).",
)
@state_dir_option
@click.option(
    "--export",
    "export_dir",
    type=click.Path(file_okay=False),
    help="Écrire aussi les chiffres en CSV (projets, versements, constats, totaux) dans ce dossier, "
    "avec leur manifeste exportation-alliance-sync.sha256.",
)
@format_option
@click.pass_context
def run(
    ctx: click.Context,
    config_path: str | None,
    output: str | None,
    force: bool,
    strict: bool,
    deliver: bool,
    dry_run: bool,
    state_dir: str | None,
    export_dir: str | None,
    output_format: str,
) -> None:
    """Lire et valider les chiffriers, enregistrer la synchronisation, puis écrire
    le classeur du ministère. Avec --quiet, rien n'est affiché si tout est conforme."""
    from sync.errors import NoUsableData
    from sync.history import History
    from sync.outputs.contract import render
    from sync.outputs.ministry.style import check_presentation
    from sync.runner import run_sync

    if dry_run and not deliver:
        raise click.UsageError("--dry-run ne s'emploie qu'avec --deliver (ou avec la commande deliver).")
    if deliver and not config_path:
        raise click.UsageError(_NO_DELIVERY_IN_DEMO)
    # A vanished workbook is an unreadable source: its last good copy stands in.
    config = _load(config_path, check_files=False, announce=True)
    check_presentation(config)  # the workbook's presentation file too, before anything is read
    if deliver:
        from sync.delivery.deliver import require_delivery

        require_delivery(config)  # a configuration error first, before anything is said of the history
    folder = state_folder(state_dir, config, demo=not config_path)
    _open_log_file(config, folder.path)
    fresh = not History.exists(folder.path)
    if fresh:
        # A moved or mistyped state folder means no last good copies: say which folder was looked at
        # (before the outputs are checked: « aucun », never « nouvel », as a refused run creates none).
        log.info(
            "Aucun historique dans le dossier d'état %s : aucune synchronisation antérieure, "
            "donc aucune copie de secours.",
            folder,
        )
    try:
        # As typed: « rapports/ » is a folder, even before it exists.
        result = run_sync(
            config,
            output=output,
            strict=strict,
            state_dir=folder.path,
            deliver=deliver,
            dry_run=dry_run,
            export=Path(export_dir) if export_dir else None,
            force=force,
            tracer=_tracer(ctx),
        )
    except NoUsableData as exc:
        if fresh:
            exc.message += f"\nCe dossier d'état était vide : {folder}."
        raise
    result.quiet = (ctx.obj or {}).get("quiet", False)
    result.export_label = export_dir
    _say(render(result, output_format))
    if result.delivery_plan is not None and result.delivery_plan.failed:
        click.echo(f"Erreur : {result.delivery_plan.failure()}", err=True)
    if result.delivery is not None:
        _delivery_failures(result.delivery)
    sys.exit(result.exit_code)


def _say(text: str) -> None:
    """A result's text on standard output; nothing at all when it has nothing to say (--quiet)."""
    if text:
        click.echo(text)


# Without --config the bundled demo is used, which delivers to nobody: asking to add
# [delivery] to the demo's file would send the coordinator to the wrong file.
_NO_DELIVERY_IN_DEMO = (
    "indiquez votre configuration avec --config : la livraison se règle dans sa table "
    "[delivery], et la démonstration intégrée n'en a pas."
)


def _owed(delivery: DeliveryResult) -> int:
    """The deliveries this run owes: those tried now, and the workbook's deliveries
    skipped because they were done before (Drive, the ministry). A committee skipped
    (no contact, nothing new to say) is owed nothing."""
    from sync.delivery.deliver import COMMITTEE, SKIPPED

    return sum(1 for o in delivery.outcomes if o.status != SKIPPED or o.item.channel != COMMITTEE)


def _report_simulation(simulation: Simulation, output_format: str) -> None:
    """The --dry-run listing on standard output; a delivery that would fail, on standard error."""
    from sync.outputs.contract import render

    click.echo(render(simulation, output_format))
    if simulation.failed:
        click.echo(f"Erreur : {simulation.failure()}", err=True)


def _report_delivery(delivery: DeliveryResult, quiet: bool, output_format: str) -> None:
    """The delivery's line on standard output; its failures, in French, on standard error."""
    from sync.outputs.contract import render

    if output_format == "json" or not (quiet and not delivery.failed):
        click.echo(render(delivery, output_format))
    _delivery_failures(delivery)


def _delivery_failures(delivery: DeliveryResult) -> None:
    """A delivery's failures, in French, on standard error."""
    if delivery.failed:
        click.echo(
            f"Erreur : livraison incomplète de la synchronisation n° {delivery.run_id} "
            f"({len(delivery.failed)} sur {_owed(delivery)}) :",
            err=True,
        )
        for found in delivery.findings:
            click.echo(f"  {found.code} : {found.message}", err=True)


@cli.command()
@click.argument("run_id", required=False, type=int, metavar="[RUN]")
@config_option
@state_dir_option
@click.option(
    "--dry-run",
    is_flag=True,
    help="Montrer ce qui serait livré, à qui, sans rien envoyer ni enregistrer (code 1 si une livraison échouerait).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Renvoyer aussi ce qui a déjà été livré (ministère, Drive) et les constats inchangés des comités.",
)
@format_option
@click.pass_context
def deliver(
    ctx: click.Context,
    run_id: int | None,
    config_path: str | None,
    state_dir: str | None,
    dry_run: bool,
    force: bool,
    output_format: str,
) -> None:
    """Livrer le classeur d'une synchronisation (par défaut la dernière) : Google Drive,
    courriel au ministère, constats aux comités. Reprend ce qui a échoué ; ce qui a
    déjà été livré n'est pas renvoyé (sauf --force)."""
    from sync.delivery.deliver import deliver as deliver_run
    from sync.delivery.deliver import plan_delivery, require_delivery, simulate
    from sync.errors import HistoryError
    from sync.history import History
    from sync.lock import StateLock
    from sync.runner import drive_of, google_sheets

    if not config_path:
        raise click.UsageError(_NO_DELIVERY_IN_DEMO)
    config = _load(config_path, check_files=False)
    drive = drive_of(require_delivery(config))
    state = state_folder(state_dir, config, demo=False)
    folder = state.path
    _open_log_file(config, folder)
    if not History.exists(folder):
        raise HistoryError(f"aucune synchronisation enregistrée dans le dossier d'état {state} : rien à livrer.")
    _refuse_foreign(state, config)
    if dry_run:
        with History.open(folder) as store:
            simulation = simulate(
                plan_delivery(config, store, run_id, force=force, drive=drive, google=google_sheets(config, folder))
            )
        _report_simulation(simulation, output_format)
        sys.exit(EXIT_FINDINGS if simulation.failed else EXIT_OK)
    with StateLock(folder), History.open(folder) as store:
        result = deliver_run(config, store, run_id, force=force, drive=drive, google=google_sheets(config, folder))
    _report_delivery(result, (ctx.obj or {}).get("quiet", False), output_format)
    sys.exit(EXIT_FINDINGS if result.failed else EXIT_OK)


@cli.command()
@state_dir_option
@config_option
@click.option(
    "--limit",
    "-n",
    type=Count(1),
    default=30,
    show_default=True,
    metavar="N",
    help="Nombre de synchronisations (ou de livraisons) affichées, les plus récentes d'abord.",
)
@click.option("--deliveries", is_flag=True, help="Lister les livraisons : quoi, à qui, quand, avec quel résultat.")
@format_option
def history(state_dir: str | None, config_path: str | None, limit: int, deliveries: bool, output_format: str) -> None:
    """Lister les synchronisations enregistrées : date, statut, projets, versements,
    constats, classeur écrit (« aucun » en mode strict) et livraison."""
    from sync.history import History
    from sync.history.closures import closures
    from sync.history.deliveries import deliveries as delivered_of
    from sync.history.render import DeliveriesListing, HistoryListing
    from sync.lock import current_holder
    from sync.outputs.contract import render

    config = _load(config_path, check_files=False) if config_path else None
    folder = state_folder(state_dir, config, demo=not config_path)
    _open_log_file(config, folder.path)
    if not History.exists(folder.path):
        click.echo(render(HistoryListing([], _nothing_recorded(folder)), output_format))
        return
    if config is not None:
        _refuse_foreign(folder, config)
    holder = current_holder(folder.path)
    with History.open(folder.path) as store:
        _say_notes(store)
        if deliveries:
            listing = DeliveriesListing(
                delivered_of(store, limit), f"Aucune livraison enregistrée dans le dossier d'état {folder}."
            )
            click.echo(render(listing, output_format))
            return
        runs = store.runs(limit)
        delivered = {run.id: delivered_of(store, run_id=run.id) for run in runs}
        events = closures(store)
        _say_notes(store)
    # A « running » row is the run in progress only while a live process holds the lock.
    alive = runs[0].id if runs and holder is not None and runs[0].state == "running" else None
    click.echo(render(HistoryListing(runs, _nothing_recorded(folder), alive, delivered, events), output_format))


@cli.command()
@click.argument("run_id", type=Count(1), metavar="RUN")
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(dir_okay=True),
    metavar="CHEMIN",
    help="Classeur à écrire (.xlsx), ou dossier où l'écrire.",
)
@click.option("--force", is_flag=True, help="Remplacer --output même s'il n'est pas un classeur d'alliance-sync.")
@config_option
@state_dir_option
@format_option
def report(
    run_id: int, output: str, force: bool, config_path: str | None, state_dir: str | None, output_format: str
) -> None:
    """Reconstruire le classeur du ministère d'une synchronisation passée à partir de
    l'historique seul, sans lire les chiffriers : ce qui a été envoyé ce soir-là."""
    from sync.errors import HistoryError
    from sync.history import History
    from sync.history.identity import alliance_identity
    from sync.outputs.atomic import write_atomically
    from sync.outputs.contract import render
    from sync.outputs.ministry import write_ministry_workbook
    from sync.outputs.paths import make_parents, output_path
    from sync.usecases.file_policy import inputs_of, ministry_workbook_of
    from sync.usecases.rebuild import RebuiltWorkbook, rebuild_report

    config = _load(config_path, check_files=False)
    folder = state_folder(state_dir, config, demo=not config_path)
    _open_log_file(config, folder.path)
    if not History.exists(folder.path):
        raise HistoryError(f"aucune synchronisation enregistrée dans le dossier d'état {folder}.")
    _refuse_foreign(folder, config)
    with History.open(folder.path) as store:
        _say_notes(store)
        rebuilt = rebuild_report(config, store, run_id)
        _say_notes(store)
    default = f"rapport-{config.fund.lower()}-synchronisation-{run_id}.xlsx"
    alliance = alliance_identity(config).describe()
    ours = ministry_workbook_of(alliance)
    target = output_path(output, default, inputs_of(config, folder.path), force=force, ours=ours)
    make_parents(target)
    write_atomically(
        target,
        lambda path: write_ministry_workbook(
            rebuilt.report, path, rebuilt.changes, kept=rebuilt.presentation, alliance=alliance
        ),
    )
    click.echo(render(RebuiltWorkbook(rebuilt.run, target), output_format))


@cli.command()
@click.argument("year", metavar="EXERCICE")
@click.option(
    "--run",
    "run_id",
    type=Count(1),
    metavar="N",
    help="La synchronisation dont le classeur a été déclaré au ministère. Par défaut : la dernière qui a écrit "
    "un classeur.",
)
@click.option("--reopen", is_flag=True, help="Rouvrir l'exercice clos (avec --reason).")
@click.option("--reason", metavar="TEXTE", help="Pourquoi l'exercice est rouvert ; enregistré et montré par history.")
@config_option
@state_dir_option
@format_option
def close(
    year: str,
    run_id: int | None,
    reopen: bool,
    reason: str | None,
    config_path: str | None,
    state_dir: str | None,
    output_format: str,
) -> None:
    """Clore un exercice financier (par exemple 2020-2021) : enregistrer que ses chiffres ont
    été déclarés au ministère avec une synchronisation. Avec --reopen et --reason, le rouvrir."""
    import getpass

    from sync.history import History
    from sync.history.closures import check_year, close_year, nothing_reported, reopen_year
    from sync.lock import StateLock
    from sync.outputs.contract import render

    if reopen and run_id is not None:
        raise click.UsageError("--run ne s'emploie pas avec --reopen : on rouvre la clôture en vigueur.")
    if reason is not None and not reopen:
        raise click.UsageError("--reason ne s'emploie qu'avec --reopen.")
    if reopen and reason is None:
        raise click.UsageError('rouvrir un exercice demande une raison : --reason "…".')
    config = _load(config_path, check_files=False)
    folder = state_folder(state_dir, config, demo=not config_path)
    _open_log_file(config, folder.path)
    check_year(config, year)
    if not History.exists(folder.path):
        raise nothing_reported()
    _refuse_foreign(folder, config)
    try:
        by = getpass.getuser()
    except (OSError, KeyError):  # no user name known to the system
        by = "inconnu"
    with StateLock(folder.path), History.open(folder.path) as store:
        _say_notes(store)
        if reopen:
            result = reopen_year(store, config, year, by=by, reason=reason or "")
        else:
            result = close_year(store, config, year, by=by, run_id=run_id)
    click.echo(render(result, output_format))


@cli.command()
@click.argument("runs", nargs=-1, type=int, metavar="[RUN] [RUN]")
@state_dir_option
@config_option
@format_option
def diff(runs: tuple[int, ...], state_dir: str | None, config_path: str | None, output_format: str) -> None:
    """Comparer deux synchronisations (par défaut les deux dernières) : projets et
    versements ajoutés, supprimés et modifiés, champ par champ. Avec un seul
    numéro, le compare à la synchronisation qui le précède."""
    from sync.errors import HistoryError
    from sync.history import History
    from sync.history.diff import compute_changes
    from sync.history.render import DiffResult
    from sync.outputs.contract import render

    if len(runs) > 2:
        raise click.UsageError("au plus deux numéros de synchronisation.")
    config = _load(config_path, check_files=False) if config_path else None
    folder = state_folder(state_dir, config, demo=not config_path)
    _open_log_file(config, folder.path)
    if not History.exists(folder.path):
        raise HistoryError(f"aucune synchronisation enregistrée dans le dossier d'état {folder}.")
    if config is not None:
        _refuse_foreign(folder, config)
    with History.open(folder.path) as store:
        _say_notes(store)
        before, after = store.pair_to_compare(list(runs))
        _say_notes(store)
        if before is None:
            click.echo(render(DiffResult(after), output_format))
            return
        changes = compute_changes(
            store.records(before.id),
            store.records(after.id),
            previous_run_id=before.id,
            previous_run_at=before.started_at,
            committee_order=store.committee_order(after.id),
            not_compared=store.not_comparable(before, store.source_identities(after.id)),
        )
        _say_notes(store)
        click.echo(render(DiffResult(after, before, changes, store.committee_names(after.id)), output_format))


@cli.command()
@config_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Format de sortie : texte, ou JSON (le document de validation versionné).",
)
@click.option(
    "--limit",
    "-n",
    type=Count(1),
    metavar="N",
    help="Au plus N constats affichés par comité (les erreurs d'abord) ; le décompte reste complet.",
)
@state_dir_option
@click.pass_context
def validate(
    ctx: click.Context, config_path: str | None, output_format: str, limit: int | None, state_dir: str | None
) -> None:
    """Valider les chiffriers des comités, sans produire de classeur.

    Les exercices clos sont comparés à ce qui a été déclaré au ministère : l'historique est
    lu, sans y rien écrire."""
    from sync.errors import HistoryError, NoUsableData
    from sync.history.closed_years import closed_year_findings_read_only
    from sync.history.identity import alliance_identity
    from sync.outputs.contract import render
    from sync.outputs.text import ValidationResult
    from sync.pipeline import build_report

    config = _load(config_path, announce=True)
    folder = state_folder(state_dir, config, demo=not config_path).path
    _open_log_file(config, folder)
    try:
        report = build_report(config, tracer=_tracer(ctx), google=_google_sheets(config))
    except NoUsableData as exc:  # « Aucun rapport produit » is the run's word, not validate's
        raise exc.for_validation() from None
    try:
        report.findings.extend(closed_year_findings_read_only(folder, report, alliance_identity(config)))
    except HistoryError as exc:
        log.warning("Historique : exercices clos non comparés : %s", exc.message)
    click.echo(render(ValidationResult(report, limit), output_format))
    sys.exit(EXIT_FINDINGS if report.errors else EXIT_OK)


def _google_sheets(config: Config) -> GoogleSheets | None:
    """The command's Google spreadsheets (sync/runner.py) for an alliance with a committee
    on Google; a local validate imports neither the runner nor anything of Google."""
    if not any(c.source is not None and c.source.kind == "google" for c in config.committees):
        return None
    from sync.runner import google_sheets

    return google_sheets(config)


@cli.command("check-access")
@config_option
@click.option(
    "--state-dir",
    type=click.Path(file_okay=False),
    metavar="DOSSIER",
    help="Dossier d'état, où une connexion OAuth garde son jeton (même choix que pour run).",
)
@format_option
def check_access(config_path: str | None, state_dir: str | None, output_format: str) -> None:
    """Vérifier que les identifiants Google peuvent lire chaque chiffrier (et y écrire
    quand le retour des constats est activé), et avec quel compte les partager."""
    from sync.errors import EXIT_SOURCE
    from sync.outputs.contract import render
    from sync.usecases import access

    config = _load(config_path, check_files=False)
    folder = state_folder(state_dir, config, demo=not config_path).path
    _open_log_file(config, folder)
    report = access.check_access(config, token_dir=folder)  # where an OAuth login keeps its token
    click.echo(render(report, output_format))
    sys.exit(EXIT_OK if report.ok else EXIT_SOURCE)


@cli.command()
@click.option(
    "--output",
    "-o",
    type=click.Path(),
    metavar="FICHIER",
    help="Classeur à écrire, ou son dossier (par défaut : gabarit-comite.xlsx ; avec --committee OUEST, "
    "gabarit-comite-ouest.xlsx).",
)
@click.option("--force", is_flag=True, help="Remplacer le fichier --output même s'il n'est pas un gabarit vierge.")
@config_option
@click.option(
    "--committee",
    "committee_code",
    metavar="CODE",
    help="Code de la sous-région (majuscules ou minuscules), pour n'offrir que ses territoires.",
)
@format_option
def template(
    output: str | None, force: bool, config_path: str | None, committee_code: str | None, output_format: str
) -> None:
    """Écrire le gabarit du classeur d'un comité."""
    from sync.outputs.committee_workbook import write_template
    from sync.outputs.contract import render
    from sync.outputs.paths import make_parents, output_path
    from sync.usecases.file_policy import inputs_of, is_unfilled_template

    # The template comes before the committees' spreadsheets, hence before their keys:
    # the shipped file's REMPLACER-PAR-… values do not stop it.
    config = _load(config_path, placeholders=False)
    # The state folder of a run of this configuration: an input too.
    state = state_folder(None, config, demo=not config_path).path
    _open_log_file(config, state)
    committee = None if committee_code is None else _subregion(config, committee_code)
    target = output_path(
        output, template_name(committee), inputs_of(config, state), force=force, ours=is_unfilled_template
    )
    make_parents(target)
    click.echo(render(write_template(target, config, committee), output_format))


def template_name(committee: Committee | None) -> str:
    """``gabarit-comite.xlsx``, or ``gabarit-comite-ouest.xlsx`` for one sub-region's:
    the templates of two sub-regions written in one folder do not replace each other."""
    return f"gabarit-comite-{committee.code.lower()}.xlsx" if committee is not None else "gabarit-comite.xlsx"


def _subregion(config: Config, typed: str) -> Committee:
    """The sub-region of ``--committee``: « ouest » is OUEST (a code is typed by hand, its
    case carries no meaning, and codes are unique whatever their case); an empty code is
    refused, not read as « every sub-region »."""
    from sync.config.keys import closest_key
    from sync.wording import did_you_mean

    codes = [c.code for c in config.subregions]
    if not typed.strip():
        raise click.UsageError(f"--committee attend le code d'une sous-région ; codes : {', '.join(codes)}.")
    for committee in config.subregions:
        if committee.code.casefold() == typed.strip().casefold():
            return committee
    raise click.UsageError(
        f"sous-région inconnue « {printable(typed)} ».{did_you_mean(closest_key(typed, codes))} "
        f"Codes : {', '.join(codes)}."
    )


def main() -> None:
    cli(prog_name="alliance-sync")


if __name__ == "__main__":
    main()
