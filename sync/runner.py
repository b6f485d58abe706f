"""``alliance-sync run``: one sync, from the sources to the ministry workbook.

The steps, in order: refuse a state folder of another alliance (before anything is
written), lock the state folder, start the run in the history, build the report
(falling back to last good copies of the same alliance and source), compute the
changes since the previous workbook, then write the workbook beside its target,
record the run, and put the workbook in place, in the order explained in ``_run``.
Their log lines, progress and checkpoints are declared once, in sync/steps.py.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sync.changes import Changes
from sync.config import Config, SourceSpec
from sync.errors import EXIT_FINDINGS, EXIT_OK, AllianceSyncError, HistoryError
from sync.history import History, compute_changes, records_of_report
from sync.history.closed_years import closed_year_findings
from sync.history.closures import reported_years
from sync.history.evolution import evolution
from sync.history.fallback import LastGoodCopy
from sync.history.identity import AllianceIdentity, alliance_identity, spec_identity
from sync.history.render import changes_as_dict, log_summary
from sync.history.store import RunRecords, file_digest
from sync.lock import StateLock
from sync.logs import ATTENTION
from sync.outputs.atomic import temporary_files_in, temporary_path, write_atomically
from sync.outputs.contract import iso
from sync.outputs.text import finding_line, report_summary_line, validation_document
from sync.pipeline import build_report
from sync.report import Report
from sync.sources import GoogleSheets
from sync.steps import Step, StepTrace, Tracer
from sync.wording import plural, sentence_start

if TYPE_CHECKING:  # not a cycle: delivery (SMTP, Drive, google-auth) is imported only with --deliver
    from sync.config.delivery import DeliverySettings
    from sync.delivery.deliver import DeliveryResult, Drive, Simulation
    from sync.google.client import GoogleClients
    from sync.google.http import Reachability
    from sync.sources import Source

log = logging.getLogger("sync")


@dataclass
class RunResult:
    report: Report
    output: Path | None  # None when nothing was written (--strict with errors)
    run_id: int | None = None  # number of the run in the history
    changes: Changes | None = None  # since the previous run that wrote a workbook
    delivery: DeliveryResult | None = None  # with --deliver
    delivery_plan: Simulation | None = None  # with --deliver --dry-run: what would be sent, to whom
    exported: list[Path] | None = None  # with --export: the CSV files written
    # How the text speaks (set by the command): --quiet says nothing of a conforming run,
    # and the export folder is named as typed (« partage/ »).
    quiet: bool = False
    export_label: str | None = None

    @property
    def exit_code(self) -> int:
        failed = (self.delivery is not None and self.delivery.failed) or (
            self.delivery_plan is not None and self.delivery_plan.failed
        )  # --dry-run: it would fail
        return EXIT_FINDINGS if self.report.errors or failed else EXIT_OK

    def render_text(self) -> str:
        """The console's lines (standard output); "" when --quiet has nothing to say.
        A delivery's failures go to standard error, from the command layer."""
        lines: list[str] = []
        if not (self.quiet and self.exit_code == EXIT_OK):
            summary = report_summary_line(self.report)
            if self.output is None:
                lines.append(f"{summary} Mode strict : aucun classeur écrit.")
                # The errors that blocked the workbook: the coordinator knows what to fix without another command.
                lines.append("Erreurs qui empêchent le classeur :")
                lines.extend(finding_line(found) for found in self.report.errors)
            else:
                lines.append(f"{summary} Classeur écrit : {self.output}")
            if self.exported:
                folder = self.export_label if self.export_label is not None else str(self.exported[0].parent)
                lines.append(
                    f"Exportation CSV écrite dans {folder} : {', '.join(path.name for path in self.exported)}."
                )
        if self.delivery_plan is not None:
            lines.append(self.delivery_plan.render_text())
        if self.delivery is not None and not (self.quiet and not self.delivery.failed):
            lines.append(self.delivery.render_text())
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        """``run --format json``: the run, its workbook, its validation document, its changes."""
        return {
            "format": RUN_FORMAT,
            "version": RUN_VERSION,
            "run": self.run_id,
            "workbook": str(self.output.absolute()) if self.output is not None else None,
            "exit_code": self.exit_code,
            "validation": validation_document(self.report),
            "changes": None
            if self.changes is None
            else {
                "since_run": self.changes.previous_run_id,
                "since": iso(self.changes.previous_run_at),
                **changes_as_dict(self.changes),
            },
            "exported": [str(path) for path in self.exported] if self.exported else [],
            "delivery": self.delivery.as_dict() if self.delivery is not None else None,
            "delivery_plan": self.delivery_plan.as_dict() if self.delivery_plan is not None else None,
        }


# ``run --format json``'s name and version, as the validation document's (docs/ligne-de-commande.md).
RUN_FORMAT = "alliance-sync/run"
RUN_VERSION = 1


def default_output(config: Config, when: dt.datetime) -> Path:
    return Path(f"rapport-{config.fund.lower()}-{when:%Y-%m-%d}.xlsx")


def run_sync(
    config: Config,
    *,
    output: Path | str | None = None,
    strict: bool = False,
    state_dir: Path = Path(".alliance-sync"),
    deliver: bool = False,
    dry_run: bool = False,
    export: Path | None = None,
    force: bool = False,
    tracer: Tracer | None = None,
) -> RunResult:
    """``tracer``: where the run's steps are told (by default, the ``sync`` log only)."""
    from sync.outputs.ministry import write_ministry_workbook
    from sync.outputs.paths import make_parents, output_path
    from sync.usecases.file_policy import inputs_of, ministry_workbook_of, refuse_state_on_inputs

    drive: Drive | None = None
    if deliver:
        from sync.delivery.deliver import require_delivery  # imported only when delivering: start-up time

        drive = drive_of(require_delivery(config))  # before the sync: a configuration error is known now
    identity = alliance_identity(config)
    # Before the lock, the temporary folder or the history is touched: a state folder
    # holding another alliance's history (or the demo's) is refused.
    History.refuse_foreign(state_dir, identity)
    # Before anything is read or recorded: an output that would replace an input is refused.
    refuse_state_on_inputs(config, state_dir)  # the history is an output too
    inputs = inputs_of(config, state_dir)
    alliance = identity.describe()  # kept in the workbook: the demo's run never replaces production's
    target = output_path(
        output, default_output(config, dt.datetime.now()).name, inputs, force=force, ours=ministry_workbook_of(alliance)
    )
    if export is not None:
        from sync.outputs.export import export_paths

        export_paths(export, inputs, force=force)  # refused now, not after the run is recorded
    tracer = tracer or Tracer.log_only()
    with (
        tracer.step(Step.RUN) as whole,
        _fewer_collections(),
        StateLock(state_dir),
        History.open(state_dir) as history,
        temporary_files_in(state_dir),
    ):
        history.check_alliance(identity)  # again under the lock: nothing is written before it
        with tracer.step(Step.START) as starting:
            started_at = dt.datetime.now().astimezone()
            run_id = history.start_run(config, started_at, identity, presentation_text(config))
            starting.done(run=run_id, history=history.path)
        google = google_sheets(config, history.path.parent)
        fallback = LastGoodCopy(history, config, started_at, google)
        try:
            make_parents(target)  # a folder that cannot be made is the run's failure, recorded
            writer = functools.partial(write_ministry_workbook, alliance=alliance)
            result = _run(config, history, run_id, fallback, target, strict, writer, tracer, google)
            say_notes(history)
        except BaseException as exc:
            # Record why the run produced nothing, and which sources could not be
            # read (for « unreadable since »). A kill leaves the run « running »,
            # shown as interrupted.
            _record_failure(history, run_id, exc, fallback)
            raise
        with tracer.step(Step.END):
            pass
        if export is not None and result.output is not None:
            # After the commit, like a delivery: a failed export leaves the workbook and the run recorded.
            from sync.outputs.export import export_csv

            with tracer.step(Step.EXPORT) as exporting:
                result.exported = export_csv(result.report, export, inputs, force=force)
                exporting.done(path=export)
        if deliver:
            # After the commit: a failed delivery leaves the workbook and the run recorded.
            from sync.delivery.deliver import deliver as deliver_run
            from sync.delivery.deliver import plan_delivery, simulate

            if dry_run:
                result.delivery_plan = simulate(plan_delivery(config, history, run_id, drive=drive, google=google))
            else:
                result.delivery = deliver_run(config, history, run_id, drive=drive, google=google)
    whole.done(run=run_id)  # the lock released: the run's whole time
    return result


# How the workbook is written (sync.outputs.ministry's, imported by run_sync: XlsxWriter).
WorkbookWriter = Callable[[Report, Path, Changes | None], Path]


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """A run makes some hundred thousand small objects (rows, records, cells) that live
    until it ends: Python's cycle collector, run every 700 allocations by default, would
    go through them again and again (≈ 7 % of a run at 3 × 2 000 projects, measured).
    The few cycles a run makes are still collected, less often; the defaults come back after."""
    thresholds = gc.get_threshold()
    gc.set_threshold(50_000, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def _record_failure(history: History, run_id: int, exc: BaseException, fallback: LastGoodCopy) -> None:
    if isinstance(exc, AllianceSyncError):
        reason = exc.message
    elif isinstance(exc, KeyboardInterrupt):
        reason = "interrompue au clavier (Ctrl-C)."
    else:
        reason = f"erreur inattendue : {type(exc).__name__} : {exc}"
    unreadable = {code: (u.kind, u.location, u.problem) for code, u in fallback.unreadable.items()}
    try:
        history.fail_run(run_id, reason, unreadable)
    except (sqlite3.Error, HistoryError) as error:  # keep the original error in front
        log.error("L'échec de la synchronisation n° %d n'a pas pu être enregistré : %s", run_id, error)


def say_notes(history: History) -> None:
    """What the history could not read (a damaged row skipped) or put back, as warnings
    shown on the console even with --quiet: a person should look at the history."""
    for text in history.notes:
        log.warning("%s", sentence_start(text), extra=ATTENTION)
    history.notes.clear()


def drive_of(settings: DeliverySettings) -> Drive | None:
    """sync.delivery.drive when delivery uploads to Drive (requests and google-auth are
    imported only then); None for e-mail alone."""
    if not settings.drive:
        return None
    from sync.delivery import drive

    return drive


class GoogleSpreadsheets:
    """The command's Google spreadsheets (``sync.sources.GoogleSheets``): each committee's
    opened with the command's one set of clients and limiters (``GoogleClients``). Its
    methods import gspread, google-auth and requests: made by :func:`google_sheets` only
    when a committee is on Google."""

    def __init__(self, clients: GoogleClients) -> None:
        self.clients = clients

    def open(self, spec: SourceSpec, config: Config, committee_code: str) -> Source:
        from sync.sources.google import GoogleSource

        return GoogleSource(spec, config, committee_code=committee_code, google=self.clients)

    def deadline(self, seconds: float | None) -> AbstractContextManager[None]:
        from sync.google.http import run_deadline

        return run_deadline(seconds)

    @property
    def network(self) -> Reachability:
        return self.clients.network


def google_sheets(config: Config, token_dir: Path | None = None) -> GoogleSheets | None:
    """The command's Google spreadsheets when a committee is on Google (None otherwise:
    nothing of Google is imported); an OAuth login keeps its token in ``token_dir``, the
    state folder the command chose (None: the default folder)."""
    if not any(c.source is not None and c.source.kind == "google" for c in config.committees):
        return None
    from sync.google.client import GoogleClients

    return GoogleSpreadsheets(GoogleClients() if token_dir is None else GoogleClients(token_dir))


def _run(
    config: Config,
    history: History,
    run_id: int,
    fallback: LastGoodCopy,
    output: Path,
    strict: bool,
    write_workbook: WorkbookWriter,
    tracer: Tracer,
    google: GoogleSheets | None,
) -> RunResult:
    identity = fallback.identity
    say_notes(history)
    with tracer.step(Step.VALIDATE) as validating:
        report = build_report(config, fallback=fallback, now=fallback.now, tracer=tracer, google=google)
        _from_history(history, report, identity)
        validating.done(
            errors=plural(len(report.errors), "erreur"), warnings=plural(len(report.warnings), "avertissement")
        )
        _say_unchanged_sources(history, report, identity, validating)
    if config.google.feedback:
        # Before --strict can stop the run: committees need their findings most then.
        from sync.usecases.feedback import write_feedback

        write_feedback(report, config)

    # The Changements sheet compares with the previous run of this alliance that wrote a
    # workbook, so a --strict run that wrote none hides no change from the next workbook.
    records = records_of_report(report)
    with tracer.step(Step.CHANGES) as comparing:
        changes = _changes(config, history, records, identity, comparing)
    say_notes(history)

    if strict and report.errors:
        with tracer.step(Step.RECORD) as recording, history.recording(run_id, report, None, records):
            pass
        _say_recorded(recording, run_id, report)
        log.warning("Mode strict : des erreurs empêchent la production du classeur.")
        return RunResult(report, None, run_id, changes)

    target = output
    # Order matters when the run is killed; the promise (docs/exploitation.md): the previous
    # workbook stays intact unless the run is recorded. So the workbook is written beside
    # its target, then the run is recorded (one transaction, committed, with the new
    # workbook's digest and « not yet in place »), then the workbook is renamed into place
    # and its placement confirmed:
    #  - killed before the commit: the run stays « running », shown interrupted; the
    #    previous workbook is untouched; the next run compares with the run before;
    #  - killed between the commit and the rename: the next run finds the previous
    #    workbook at the path (not the recorded digest) and tells this run interrupted,
    #    its rows removed: its changes are shown by the next workbook, never lost;
    #  - killed between the rename and the confirmation: the next run finds the recorded
    #    digest at the path and confirms it.
    # A rename that fails is recorded as the run's failure (run_sync), its rows removed.
    # The absolute path and the digest of the workbook let a later `deliver` send exactly it.
    with tracer.step(Step.WRITE, total=Step.WRITE.value.weight) as writing:

        def write_beside(path: Path) -> None:
            with writing.part(Step.TEMPORARY):
                write_workbook(report, path, changes)

        def record_then_replace() -> None:
            written = temporary_path(target.absolute())
            with (
                writing.part(Step.RECORD),
                history.recording(run_id, report, target.absolute(), records, file_digest(written)),
            ):
                pass

        write_atomically(target, write_beside, before_replace=record_then_replace)
    try:
        history.mark_placed(run_id)
    except HistoryError as exc:  # the next run confirms it from the workbook's digest
        log.error("Historique : mise en place du classeur non confirmée : %s", exc.message)
    writing.done(path=target)
    _say_recorded(writing, run_id, report)
    return RunResult(report, target, run_id, changes)


def presentation_text(config: Config) -> str | None:
    """The text of the workbook's presentation beside the configuration (None: the bundled
    one), kept with the run so that its workbook can be rebuilt (sync/usecases/rebuild.py)."""
    from sync.outputs.ministry.style import template_paths

    _, override = template_paths(config)
    try:
        return override.read_text(encoding="utf-8-sig") if override is not None else None
    except (OSError, UnicodeDecodeError):
        return None


def _from_history(history: History, report: Report, identity: AllianceIdentity) -> None:
    """What tonight's report takes from the history: each closed year's differences (before
    the committees' Validation tab is written), the closed years' reported figures, the
    Évolution sheet's points. A damaged history must not stop tonight's workbook."""
    try:
        report.findings.extend(closed_year_findings(history, report))
        report.reported_years = reported_years(history)
        report.evolution = evolution(history, identity, report)
    except (HistoryError, sqlite3.Error, ValueError, TypeError, KeyError) as exc:
        why = exc.message if isinstance(exc, HistoryError) else "valeur illisible"
        log.error("Historique : exercices clos et évolution non calculés : %s", why)


def _changes(
    config: Config, history: History, records: RunRecords, identity: AllianceIdentity, comparing: StepTrace
) -> Changes:
    """The changes since the previous run that wrote a workbook, committee by committee,
    only with rows read from the same source."""
    committee_order = [c.code for c in config.committees]
    sources = {c.code: spec_identity(c.source) for c in config.committees}
    try:
        base = history.previous_done(with_output=True, identity=identity)
        changes = history.changes_since(base, records, committee_order=committee_order, sources=sources)
    except HistoryError as exc:
        # A damaged history must not stop tonight's workbook, nor every later one:
        # this run is recorded and the next one compares with it.
        log.error("Historique inutilisable, changements non calculés : %s", exc.message)
        base = None
        changes = compute_changes(
            None, records, previous_run_id=None, previous_run_at=None, committee_order=committee_order
        )
    if base is None:
        comparing.note("Changements : première synchronisation enregistrée, rien à comparer.")
    else:
        comparing.done(base=base.id, summary=log_summary(changes))
    for code, why in changes.not_compared.items():
        log.warning("Changements : comité %s non comparé : %s.", code, why, extra=ATTENTION)
    return changes


def _say_recorded(step: StepTrace, run_id: int, report: Report) -> None:
    """The RECORD step's line, said once the workbook is in place (``step``: the RECORD
    step, or the WRITE step it was a part of)."""
    recording = step if step.step is Step.RECORD else step.ended_part(Step.RECORD)
    projects = sum(len(w.projects) for w in report.workbooks.values())
    payments = sum(len(w.payments) for w in report.workbooks.values())
    recording.done(
        run=run_id,
        projects=plural(projects, "projet"),
        payments=plural(payments, "versement"),
        findings=plural(len(report.findings), "constat"),
    )


def _say_unchanged_sources(history: History, report: Report, identity: AllianceIdentity, validating: StepTrace) -> None:
    """Say which sources changed since the previous run of this alliance (their content hash)."""
    try:
        previous = history.previous_done(identity=identity)
        hashes = history.source_hashes(previous.id) if previous else {}
    except HistoryError as exc:
        log.warning("Historique illisible, sources non comparées : %s", exc.message)
        return
    if previous is None:
        return
    read = [code for code, info in report.sources.items() if info.current]
    same = [code for code in read if report.sources[code].content_hash == hashes.get(code)]
    changed = [code for code in read if code not in same]
    validating.note(
        f"Sources inchangées depuis la synchronisation n° {previous.id} : {', '.join(same) or 'aucune'} ; "
        f"modifiées : {', '.join(changed) or 'aucune'}."
    )
