"""The ministry workbook (docs/classeur-ministere.md): one .xlsx in French that an
analyst can audit, and that a script can read without recalculating.

Sheets, in order: Sommaire, Par année, Par priorité, Par territoire (live SUMIFS
formulas over the tables), Projets, Versements (one row per record, Excel
tables), Validation (every finding), Changements (since the previous sync) and
À propos (sources, rules, and the Python totals beside their formulas).

Written with XlsxWriter: every formula is saved with its result, computed in
Python (figures.py), so that pandas, calamine or a phone's previewer read every
figure; a spreadsheet still recalculates them all on opening. A large alliance
is written in XlsxWriter's constant-memory mode (rows flushed as they are
written), where the record sheets get filters instead of Excel tables.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import xlsxwriter
from xlsxwriter.exceptions import FileCreateError

from sync import __version__
from sync.changes import Changes
from sync.errors import OutputError, describe_os_error
from sync.outputs.atomic import cannot_write
from sync.outputs.ministry.about import ABOUT, write_about
from sync.outputs.ministry.breakdowns import (
    BY_PRIORITY,
    BY_TERRITORY,
    BY_YEAR,
    write_by_priority,
    write_by_territory,
    write_by_year,
)
from sync.outputs.ministry.controls import Controls
from sync.outputs.ministry.evolution import EVOLUTION, write_evolution
from sync.outputs.ministry.figures import compute
from sync.outputs.ministry.formulas import Formulas
from sync.outputs.ministry.lists import CHANGES, write_changes, write_validation
from sync.outputs.ministry.records import PAYMENTS, PROJECTS, PaymentLayout, ProjectLayout, write_records
from sync.outputs.ministry.style import KeptPresentation, Styles, load_presentation
from sync.outputs.ministry.summary import SUMMARY, write_summary
from sync.outputs.ministry.xlsx import Workbook
from sync.report import Report
from sync.wording import moment

__all__ = ["ALLIANCE_PROPERTY", "TABLE_ROWS", "write_ministry_workbook"]

log = logging.getLogger("sync")

# Above this many project and payment rows, the workbook is written in
# constant-memory mode (XlsxWriter keeps one row in memory instead of every
# cell): the peak memory of a 3×20,000-project run stays under 400 MB. That mode
# has no Excel tables; the record sheets then get filters on their header row.
TABLE_ROWS = 25_000

# The custom document property that says whose report a workbook is (File > Properties).
ALLIANCE_PROPERTY = "Alliance (alliance-sync)"


def write_ministry_workbook(
    report: Report,
    path: Path,
    changes: Changes | None = None,
    *,
    table_rows: int = TABLE_ROWS,
    kept: KeptPresentation | None = None,
    alliance: str = "",
) -> Path:
    """Write the workbook at ``path`` (as given: the run writes it to a temporary
    file and renames it, see sync/outputs/atomic.py). ``changes`` fills the
    Changements sheet; None means this is the first report. ``kept``: a past run's
    presentation, in place of the file beside today's configuration. ``alliance``: whose
    report this is (« la démonstration intégrée… », « l'alliance « X »… »), kept in the
    file's properties so that another alliance's run, or the demo's, never replaces it
    unasked (sync/usecases/file_policy.py)."""
    path = Path(path)
    presentation = load_presentation(report.config, report.generated_at, kept)
    projects, payments = ProjectLayout(report), PaymentLayout(report)
    tables = len(projects.records) + len(payments.records) <= table_rows
    book = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": not tables,
            # Committee text stays text, whatever it looks like (write_string is used
            # for text; these keep a generic write() from guessing too).
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "default_format_properties": {"font_name": presentation.font_name, "font_size": presentation.font_size},
            "default_date_format": presentation.formats["date"],
        },
    )
    try:
        _write(book, report, Styles(book, presentation), projects, payments, changes, tables)
        _properties(book, report, presentation.cover_title)
        if alliance:
            book.set_custom_property(ALLIANCE_PROPERTY, alliance)
        book.close()
    except FileCreateError as exc:
        reason = exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else None
        raise OutputError(cannot_write(path, describe_os_error(reason) if reason else str(exc))) from None
    except OSError as exc:
        raise OutputError(cannot_write(path, describe_os_error(exc))) from None
    return path


def _write(
    book: Workbook,
    report: Report,
    styles: Styles,
    projects: ProjectLayout,
    payments: PaymentLayout,
    changes: Changes | None,
    tables: bool,
) -> None:
    formulas = Formulas(projects, payments)
    figures = compute(report)
    controls = Controls()

    def step(title: str) -> None:
        log.info("Classeur du ministère : onglet %s…", title)

    step(SUMMARY)
    write_summary(book, styles, report, formulas, controls, tables)
    step(BY_YEAR)
    write_by_year(book, styles, report, formulas, figures, controls, tables)
    step(BY_PRIORITY)
    write_by_priority(book, styles, report, formulas, figures, controls, tables)
    step(BY_TERRITORY)
    write_by_territory(book, styles, report, formulas, figures, controls, tables)
    step(EVOLUTION)
    write_evolution(book, styles, report, tables)
    write_records(book, styles, report, projects, PROJECTS, "T_Projets", tables=tables)
    write_records(book, styles, report, payments, PAYMENTS, "T_Versements", tables=tables)
    write_validation(book, styles, report, tables)
    step(CHANGES)
    money_fields = {c.header for layout in (projects, payments) for c in layout.columns if c.kind == "money"}
    write_changes(book, styles, report, changes, money_fields, tables)
    step(ABOUT)
    write_about(book, styles, report, controls)


def _properties(book: Workbook, report: Report, title: str) -> None:
    config = report.config
    utc = report.generated_at.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)
    book.set_properties(
        {
            "title": title,
            "subject": f"{config.name} — suivi de l'enveloppe {config.fund}",
            "author": config.mandataire,
            "company": config.name,
            "keywords": f"{config.fund}; {config.ministry}; {config.name}",
            "comments": (
                f"Rapport produit par alliance-sync {__version__} le {moment(report.generated_at)} "
                f"pour le {config.ministry}."
            ),
            "created": utc,
        }
    )
