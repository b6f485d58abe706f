"""The Sommaire: the alliance, its agreement, the conformity of the data, and one
line per line of the envelope whose every amount is a live formula (SUMIFS and
COUNTIFS over the Projets and Versements tables) stored with its result.

Each formula is registered as a control with the figure computed in Python
(sync/consolidate.py); À propos lists both side by side. A new column is one more
entry of ``LINE_COLUMNS`` below: its header, formula, Python figure and format.
When the configuration names the organisation supporting a sub-region, a last
column « Organisme d'accompagnement » names it on the sub-region's line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sync.consolidate import LineTotals
from sync.outputs.ministry.charts import add_series, bar_chart
from sync.outputs.ministry.controls import Controls
from sync.outputs.ministry.dates import naive
from sync.outputs.ministry.formulas import Formulas, criterion
from sync.outputs.ministry.records import PIPELINE, SUBREGION
from sync.outputs.ministry.sheet import Cell, Number, Sheet, formula, letter, money, text
from sync.outputs.ministry.style import Styles
from sync.outputs.ministry.xlsx import Workbook
from sync.report import Report
from sync.wording import conformity, moment

SUMMARY = "Sommaire"


@dataclass(frozen=True)
class LineColumn:
    """A column of the Sommaire computed from the tables: one formula per line."""

    header: str
    formula: Callable[[Formulas, tuple[str, str]], str]  # (formulas, sub-region condition) → formula
    figure: Callable[[LineTotals], int]  # the same figure, computed in Python
    money: bool = True


LINE_COLUMNS = {  # by column, 1-based: Allocation is C (3), Solde F (6) and % engagé G (7)
    4: LineColumn("Engagé", lambda f, c: f.committed(c), lambda line: line.committed),
    5: LineColumn("Versé", lambda f, c: f.paid(c), lambda line: line.paid),
    8: LineColumn(
        "Projets engagés", lambda f, c: f.engaged_count(c), lambda line: line.projects_committed, money=False
    ),
    9: LineColumn(
        "Autres contributions",
        lambda f, c: f.engaged_sum(f.projects.other_contributions, c),
        lambda line: line.other_contributions,
    ),
    10: LineColumn(
        "Demandes en analyse",
        lambda f, c: f.project_sum(f.projects.fund_total, c, engagement=PIPELINE),
        lambda line: line.pipeline,
    ),
}
SUMMARY_HEADERS = [
    "Code",
    "Sous-région",
    "Allocation",
    "Engagé",
    "Versé",
    "Solde non engagé",
    "% engagé",
    "Projets engagés",
    "Autres contributions",
    "Demandes en analyse",
    "Données du",
    "État des données",
]
WIDTHS = [20, 30, 17, 17, 17, 17, 9, 10, 17, 17, 16, 22]
SUPPORT_HEADER = "Organisme d'accompagnement"
SUPPORT_WIDTH = 26


def ratio(numerator: Number, denominator: Number) -> float | str:
    """What ``=IF(C=0,"",D/C)`` gives."""
    return "" if denominator == 0 else numerator / denominator


SUMMARY_TABLE = "T_Sommaire"


def write_summary(
    book: Workbook, styles: Styles, report: Report, formulas: Formulas, controls: Controls, tables: bool = True
) -> Sheet:
    config, totals = report.config, report.totals
    # The support column only when some sub-region names its organisation.
    supported = any(c.support for c in config.subregions)
    widths = [*WIDTHS, SUPPORT_WIDTH] if supported else WIDTHS
    sheet = Sheet(book, styles, SUMMARY, widths, one_page=True, tables=tables)
    p = styles.p
    _write_cover(sheet, styles, report)
    sheet.skip()
    header_row = sheet.header([*SUMMARY_HEADERS, SUPPORT_HEADER] if supported else SUMMARY_HEADERS)
    first = header_row + 1
    for line in totals.lines:
        _write_line(sheet, report, formulas, controls, line)
    lines_last = sheet.row
    if totals.unallocated:
        r = sheet.row + 1
        sheet.append(
            [
                None,
                text("Non réparti (reste de l'enveloppe)"),
                money(totals.unallocated),
                None,
                None,
                formula(f"C{r}", totals.unallocated),
            ]
        )
    sheet.name_table(SUMMARY_TABLE, sheet.row)  # the lines of the envelope, not their total
    _write_alliance_total(sheet, report, controls, first)

    sheet.skip()
    note_row = sheet.row + 1
    sheet.ws.set_row(note_row - 1, styles.height(p.cover_note, sum(sheet.widths)))
    sheet.merge(note_row, 1, len(widths), p.cover_note, "note")

    chart = bar_chart(book, styles, f"Allocation, engagé et versé par ligne de l'enveloppe ({config.fund})")
    for index, column in enumerate((3, 4, 5)):
        add_series(
            chart,
            styles,
            index,
            SUMMARY,
            (header_row - 1, column - 1),
            (first - 1, 1, lines_last - 1, 1),
            (first - 1, column - 1, lines_last - 1, column - 1),
        )
    sheet.ws.insert_chart(note_row + 1, 1, chart)
    return sheet


def _write_cover(sheet: Sheet, styles: Styles, report: Report) -> None:
    """The title, the alliance and its agreement, the conformity of the data, and a
    warning for each committee whose last good copy stands in for its source."""
    config, p = report.config, styles.p
    sheet.append([text(p.cover_title, "title")], height=p.font_size * 2 + 6)
    sheet.append([text(p.cover_subtitle, "subtitle")])
    sheet.skip()
    sheet.append([text("Alliance", "label"), text(config.name)])
    sheet.append([text("Mandataire", "label"), text(config.mandataire)])
    sheet.append([text("Ministère", "label"), text(f"{config.ministry} — fonds {config.fund}")])
    sheet.append(
        [
            text("Période de l'entente", "label"),
            text(
                f"du {config.period_start.isoformat()} au {config.period_end.isoformat()} "
                f"({len(config.fiscal_years)} exercices financiers)"
            ),
        ]
    )
    sheet.append([text("Synchronisation", "label"), Cell("date", naive(report.generated_at), "datetime")])
    verdict = conformity(len(report.errors), len(report.warnings))
    kind = "conforming" if report.conforming else "not_conforming"
    row = sheet.append([text("Conformité", "label")])
    sheet.ws.merge_range(row - 1, 1, row - 1, 5, verdict, styles[kind])
    for code, source in report.sources.items():
        if not source.current:
            used = naive(source.read_at)
            when = moment(used) if used else "date inconnue"
            sheet.append(
                [
                    None,
                    text(
                        f"Attention : les données de {code} sont la dernière copie valide, "
                        f"lue le {when} ; la source n'a pas pu être lue ({source.problem}).",
                        "not_conforming",
                    ),
                ]
            )


def _data_state(report: Report, line: LineTotals) -> tuple[Cell | None, str]:
    """The « Données du » and « État des données » cells of a line."""
    info = report.sources.get(line.code)
    if info is not None:
        read_at = Cell("date", naive(info.read_at), "datetime") if info.read_at else None
        return read_at, "À jour" if info.current else "Dernière copie valide"
    committee = report.config.committee(line.code)
    return text("—"), "Aucune source (réserve)" if committee.is_regional else "Non lue"


def _line_figures(formulas: Formulas, line: LineTotals, r: int) -> list[Cell | None]:
    """Columns D to J of a line's row (``r``): the formulas of ``LINE_COLUMNS``, the
    balance and the committed share."""
    condition = (SUBREGION, criterion(f"$A{r}", line.code))
    cells: list[Cell | None] = []
    for column in range(4, 11):
        if column in LINE_COLUMNS:
            spec = LINE_COLUMNS[column]
            cells.append(
                formula(spec.formula(formulas, condition), spec.figure(line), "money" if spec.money else "count")
            )
        elif column == 6:
            cells.append(formula(f"C{r}-D{r}", line.allocation - line.committed))
        else:
            cells.append(formula(f'IF(C{r}=0,"",D{r}/C{r})', ratio(line.committed, line.allocation), "percent"))
    return cells


def _write_line(sheet: Sheet, report: Report, formulas: Formulas, controls: Controls, line: LineTotals) -> None:
    """The row of one line of the envelope, and its controls."""
    r = sheet.row + 1
    committee = report.config.committee(line.code)
    read_at, state = _data_state(report, line)
    cells: list[Cell | None] = [text(line.code), text(line.name), money(line.allocation)]
    cells += _line_figures(formulas, line, r)
    cells += [read_at, text(state)]
    height = None
    if committee.support:
        cells.append(text(committee.support, "wrap"))
        height = sheet.fit({len(cells) - 1: committee.support})
    sheet.append(cells, height=height)
    section = f"Sommaire — {line.code}"
    for column, spec in LINE_COLUMNS.items():
        controls.add(section, spec.header, spec.figure(line), sheet, column, r, money=spec.money)
        if column == 5:
            controls.add(section, "Solde non engagé", line.balance, sheet, 6, r)


def _write_alliance_total(sheet: Sheet, report: Report, controls: Controls, first: int) -> None:
    """The alliance's total row: the sum of the rows above from ``first``, and its controls."""
    config, totals = report.config, report.totals
    last = sheet.row
    r = last + 1
    cells: list[Cell | None] = [None, text("Total de l'Alliance", "total_label")]
    for column in range(3, 11):
        col = letter(column)
        if column == 7:
            cells.append(
                formula(
                    f'IF(C{r}=0,"",D{r}/C{r})',
                    ratio(sheet.sum(4, first, last), sheet.sum(3, first, last)),
                    "total_percent",
                )
            )
        else:
            style = "total_count" if column == 8 else "total_money"
            cells.append(formula(f"SUM({col}{first}:{col}{last})", sheet.sum(column, first, last), style))
    sheet.append(cells)
    lines = totals.lines
    section = "Sommaire — total de l'Alliance"
    controls.add(section, "Enveloppe (total des allocations)", config.envelope, sheet, 3, r)
    controls.add(section, "Engagé", totals.committed, sheet, 4, r)
    controls.add(section, "Versé", totals.paid, sheet, 5, r)
    controls.add(section, "Solde non engagé", config.envelope - totals.committed, sheet, 6, r)
    controls.add(section, "Projets engagés", sum(line.projects_committed for line in lines), sheet, 8, r, money=False)
    controls.add(section, "Autres contributions", sum(line.other_contributions for line in lines), sheet, 9, r)
    controls.add(section, "Demandes en analyse", sum(line.pipeline for line in lines), sheet, 10, r)
