"""What a run has to deliver, read back from the history.

``alliance-sync run --deliver`` and a later ``alliance-sync deliver 12`` go
through the same path: the run's findings, totals and sources as recorded, and
its workbook — checked against the digest recorded when it was written, so a
workbook since replaced by a newer run is never sent in its name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from sync.config import Config, SourceSpec
from sync.config.delivery import DeliverySettings
from sync.errors import HistoryError, describe_os_error
from sync.findings import Finding, FindingsView
from sync.history import History, RunSummary
from sync.history.deliveries import (
    LineFigures,
    SourceRead,
    file_digest,
    output_digest,
    run_findings,
    run_sources,
    run_totals,
)
from sync.report import SourceInfo
from sync.sources import GoogleSheets, open_source
from sync.wording import moment


@dataclass
class Workbook:
    path: Path
    sha256: str
    size: int

    def read(self) -> bytes:
        """The file's bytes, checked once more against the digest (it may change under us)."""

        data = self.path.read_bytes()
        if hashlib.sha256(data).hexdigest() != self.sha256:
            raise WorkbookChanged(f"le classeur {self.path} a changé pendant la livraison.")
        return data


class WorkbookChanged(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class RunContent(FindingsView):
    """A run reloaded from the history: the same read model as a live report
    (``SyncReadModel``, sync/report.py), with the workbook it wrote."""

    config: Config
    run: RunSummary
    findings: list[Finding]
    totals: list[LineFigures]
    sources: dict[str, SourceRead]
    workbook: Workbook | None = None
    # Why the workbook cannot be sent (none written, missing, replaced…); "" when it can.
    workbook_problem: str = ""
    _links: dict[str, SourceInfo] = field(default_factory=dict, repr=False)
    # The command's Google spreadsheets, to link a finding to its cell (committees on Google).
    google: GoogleSheets | None = field(default=None, repr=False)

    @property
    def when(self) -> dt.datetime:
        return self.run.started_at

    @property
    def figures(self) -> list[LineFigures]:
        return self.totals

    def link(self, f: Finding) -> str | None:
        """The address of the finding's cell in its committee's spreadsheet, when the source gives one."""
        if not f.cell:
            return None
        read = self.sources.get(f.committee)
        if read is None:
            return None
        if f.committee not in self._links:
            source = open_source(SourceSpec(read.kind, read.location), self.config, f.committee, self.google)
            self._links[f.committee] = SourceInfo(
                f.committee, read.kind, read.location, read.read_at, sheet_ids=read.sheet_ids, source=source
            )
        return self._links[f.committee].link(f.sheet, f.cell)


def default_name(config: Config) -> str:
    """The one file of the agreement period in Drive: ``rapport-fqis-2019-2023.xlsx``."""
    return f"rapport-{config.fund.lower()}-{config.period_start:%Y}-{config.period_end:%Y}.xlsx"


def drive_name(config: Config, settings: DeliverySettings) -> str:
    """The workbook's file name in Drive: ``[delivery] drive_name``, or the period's."""
    return settings.drive_name or default_name(config)


def pick_run(history: History, run_id: int | None) -> RunSummary:
    """The run asked for, or the latest completed one; it must have data."""
    if run_id is None:
        run = history.previous_done()
        if run is None:
            raise HistoryError("aucune synchronisation terminée n'est enregistrée : rien à livrer.")
        return run
    run = history.run(run_id)
    if not run.has_data:
        why = f" : {run.message.splitlines()[0]}" if run.message else ""
        raise HistoryError(
            f"la synchronisation n° {run.id} du {moment(run.started_at)} n'a rien à livrer ({run.status()}{why})."
        )
    return run


def load_content(config: Config, history: History, run: RunSummary, google: GoogleSheets | None = None) -> RunContent:
    """What run ``run`` has to deliver; ``google``: the command's Google spreadsheets, to
    link findings to their cells (needed when a committee is on Google)."""
    content = RunContent(
        config,
        run,
        run_findings(history, run.id),
        run_totals(history, run.id),
        run_sources(history, run.id),
        google=google,
    )
    if not run.output:
        content.workbook_problem = (
            f"la synchronisation n° {run.id} n'a écrit aucun classeur (mode strict avec "
            "des erreurs) : seuls les comités reçoivent leurs constats"
        )
        return content
    path = Path(run.output)
    if not path.is_file():
        content.workbook_problem = (
            f"le classeur de la synchronisation n° {run.id} est introuvable : {path} "
            "(déplacé ou supprimé ?) ; relancez « alliance-sync run » pour en produire un"
        )
        return content
    try:
        digest = file_digest(path)
        size = path.stat().st_size
    except OSError as exc:
        content.workbook_problem = f"le classeur {path} ne peut pas être lu ({describe_os_error(exc)})"
        return content
    recorded = output_digest(history, run.id)
    if recorded is not None and recorded != digest:
        newer = history.conn.execute(
            "SELECT MAX(id) FROM runs WHERE output = ? AND id > ? AND state = 'done'", (run.output, run.id)
        ).fetchone()[0]
        by = f" par celui de la synchronisation n° {newer}" if newer else ""
        content.workbook_problem = (
            f"le classeur {path} a été remplacé{by} depuis la synchronisation n° {run.id} : "
            "livrez la synchronisation la plus récente (« alliance-sync deliver »)"
        )
        return content
    content.workbook = Workbook(path, digest, size)
    return content
