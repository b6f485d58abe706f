"""The ministry workbook (docs/classeur-ministere.md): one .xlsx in French that an analyst can audit.

Sheets, in order: Sommaire, Par année, Par priorité, Par territoire (live SUMIFS
formulas over the tables), Projets, Versements (one row per record, Excel
tables), Validation (every finding), Changements (since the previous sync) and
À propos (sources, rules, and the Python totals beside their formulas).

The whole workbook is streamed with openpyxl's write-only mode, so writing tens
of thousands of projects costs little more than writing their values.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook

from sync import __version__
from sync.changes import Changes
from sync.errors import OutputError, describe_os_error
from sync.outputs.atomic import cannot_write
from sync.outputs.ministry.about import write_about
from sync.outputs.ministry.figures import compute
from sync.outputs.ministry.lists import write_changes, write_validation
from sync.outputs.ministry.records import PAYMENTS, PROJECTS, PaymentLayout, ProjectLayout, write_records
from sync.outputs.ministry.style import Styles, load_presentation
from sync.outputs.ministry.summary import (
    Controls,
    Formulas,
    write_by_priority,
    write_by_territory,
    write_by_year,
    write_summary,
)
from sync.report import Report
from sync.wording import moment

__all__ = ["write_ministry_workbook"]


def write_ministry_workbook(report: Report, path: Path, changes: Changes | None = None) -> Path:
    """Write the workbook at ``path`` (as given: the run writes it to a temporary
    file and renames it, see sync/outputs/atomic.py). ``changes`` fills the
    Changements sheet; None means this is the first report."""
    path = Path(path)
    config = report.config
    presentation = load_presentation(config, report.generated_at)
    workbook = Workbook(write_only=True)
    try:
        _write(workbook, report, presentation, changes)
        workbook.save(path)
    except OSError as exc:
        _discard(workbook)
        raise OutputError(cannot_write(path, describe_os_error(exc))) from None
    except BaseException:
        _discard(workbook)
        raise
    return path


def _write(workbook: Workbook, report: Report, presentation, changes: Changes | None) -> None:
    styles = Styles(workbook, presentation)
    projects, payments = ProjectLayout(report), PaymentLayout(report)
    formulas = Formulas(projects, payments)
    figures = compute(report)
    controls = Controls()

    write_summary(workbook, styles, report, formulas, controls)
    write_by_year(workbook, styles, report, formulas, figures, controls)
    write_by_priority(workbook, styles, report, formulas, figures, controls)
    write_by_territory(workbook, styles, report, formulas, figures, controls)
    write_records(workbook, styles, report, projects, PROJECTS, "T_Projets")
    write_records(workbook, styles, report, payments, PAYMENTS, "T_Versements")
    write_validation(workbook, styles, report)
    write_changes(workbook, styles, report, changes)
    write_about(workbook, styles, report, controls)

    _properties(workbook, report, presentation.cover_title)
    # Formulas are written without results: the spreadsheet computes them on opening.
    workbook.calculation.fullCalcOnLoad = True
    workbook.calculation.calcMode = "auto"


def _discard(workbook: Workbook) -> None:
    """Close the sheets a failed write left streaming and remove their temporary files."""
    for ws in workbook.worksheets:
        try:
            if getattr(ws, "_rows", None) is not None:
                ws._rows.close()
            if getattr(ws, "_writer", None) is not None:
                ws._writer.close()
                ws._writer.cleanup()
        except (OSError, ValueError):
            pass  # already closed and removed by the part of save() that ran


def _properties(workbook: Workbook, report: Report, title: str) -> None:
    config = report.config
    props = workbook.properties
    props.title = title
    props.subject = f"{config.name} — suivi de l'enveloppe {config.fund}"
    props.creator = config.mandataire
    props.lastModifiedBy = f"alliance-sync {__version__}"
    props.description = (f"Rapport produit par alliance-sync {__version__} le "
                         f"{moment(report.generated_at)} pour le {config.ministry}.")
    props.keywords = f"{config.fund}; {config.ministry}; {config.name}"
    props.language = "fr-CA"
    utc = report.generated_at.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)
    props.created = props.modified = utc
