"""The summary sheets — Sommaire, Par année, Par priorité, Par territoire — whose
every amount is a live formula (SUMIFS / COUNTIFS) over the Projets and
Versements tables, so that an analyst can audit each figure.

Each formula cell is registered as a control with the figure computed in Python
(sync/consolidate.py, figures.py); À propos lists both side by side.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from openpyxl.chart import BarChart, Reference
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.chart.text import RichText, Text
from openpyxl.chart.title import Title
from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties, RegularTextRun
from openpyxl.utils import get_column_letter

from sync.money import spreadsheet_number
from sync.outputs.ministry.figures import Figures, priority_labels, territory_labels
from sync.outputs.ministry.records import (
    ABANDONED,
    ENGAGED,
    ENGAGEMENT,
    INCLUDED,
    PIPELINE,
    SUBREGION,
    YES,
    PaymentLayout,
    ProjectLayout,
)
from sync.outputs.ministry.sheet import Sheet
from sync.outputs.ministry.style import Styles
from sync.report import Report
from sync.wording import conformity, moment

SUMMARY = "Sommaire"
BY_YEAR = "Par année"
BY_PRIORITY = "Par priorité"
BY_TERRITORY = "Par territoire"

_WILDCARDS = ("*", "?", "~")


def criterion(ref: str, text: str) -> str:
    """A SUMIFS criterion matching exactly the text held in ``ref``.

    A criterion is not plain text to a spreadsheet: ``*``, ``?`` and ``~`` are
    wildcards and a leading ``<``, ``>`` or ``=`` is a comparison. Labels that
    contain them (rare, from the configuration) are escaped in the formula."""
    if any(ch in text for ch in _WILDCARDS) or text[:1] in ("<", ">", "="):
        return f'"="&SUBSTITUTE(SUBSTITUTE(SUBSTITUTE({ref},"~","~~"),"*","~*"),"?","~?")'
    return ref


def naive(moment: dt.datetime | None) -> dt.datetime | None:
    """Local time without a zone: what a spreadsheet cell holds."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone().replace(tzinfo=None)
    return moment.replace(microsecond=0)


@dataclass(frozen=True)
class Control:
    section: str
    label: str
    expected: int  # cents, or a count
    money: bool
    cell: str  # where the formula is: 'Par année'!$D$7


@dataclass
class Controls:
    items: list[Control] = field(default_factory=list)

    def add(self, section: str, label: str, expected: int, sheet: Sheet, column: int, row: int,
            money: bool = True) -> None:
        self.items.append(Control(section, label, expected, money,
                                  f"{sheet.ref}!${get_column_letter(column)}${row}"))


class Formulas:
    """The SUMIFS and COUNTIFS of the summary sheets, over the detail tables."""

    def __init__(self, projects: ProjectLayout, payments: PaymentLayout):
        self.p = projects.ranges
        self.v = payments.ranges
        self.projects = projects
        self.payments = payments

    def _where(self, ranges, conditions: list[tuple[str, str]]) -> str:
        return ",".join(f"{ranges[header]},{crit}" for header, crit in conditions)

    def committed(self, *conditions: tuple[str, str]) -> str:
        where = self._where(self.p, [*conditions, (INCLUDED, f'"{YES}"')])
        return f"SUMIFS({self.p[self.projects.engaged]},{where})"

    def project_sum(self, header: str, *conditions: tuple[str, str], engagement: str) -> str:
        where = self._where(self.p, [*conditions, (INCLUDED, f'"{YES}"'), (ENGAGEMENT, f'"{engagement}"')])
        return f"SUMIFS({self.p[header]},{where})"

    def engaged_count(self, *conditions: tuple[str, str]) -> str:
        """Projects that count in the committed amount: engaged, or abandoned."""
        parts = []
        for kind in (ENGAGED, ABANDONED):
            where = self._where(self.p, [*conditions, (INCLUDED, f'"{YES}"'), (ENGAGEMENT, f'"{kind}"')])
            parts.append(f"COUNTIFS({where})")
        return "+".join(parts)

    def engaged_sum(self, header: str, *conditions: tuple[str, str]) -> str:
        return "+".join(self.project_sum(header, *conditions, engagement=kind) for kind in (ENGAGED, ABANDONED))

    def paid(self, *conditions: tuple[str, str]) -> str:
        where = self._where(self.v, [*conditions, (INCLUDED, f'"{YES}"')])
        return f"SUMIFS({self.v[self.payments.amount]},{where})"


# ---------------------------------------------------------------------------
# Sommaire

SUMMARY_HEADERS = ["Code", "Sous-région", "Allocation", "Engagé", "Versé", "Solde non engagé", "% engagé",
                   "Projets engagés", "Autres contributions", "Demandes en analyse", "Données du",
                   "État des données"]


def write_summary(workbook, styles: Styles, report: Report, formulas: Formulas, controls: Controls) -> Sheet:
    config, totals = report.config, report.totals
    sheet = Sheet(workbook, styles, SUMMARY, [16, 30, 17, 17, 17, 17, 9, 10, 17, 17, 16, 22], one_page=True)
    ws, s = sheet.ws, styles
    p = styles.p
    sheet.append([s.text(ws, p.cover_title, "title")], height=p.font_size * 2 + 6)
    sheet.append([s.text(ws, p.cover_subtitle, "subtitle")])
    sheet.skip()
    sheet.append([s.text(ws, "Alliance", "label"), s.text(ws, config.name)])
    sheet.append([s.text(ws, "Mandataire", "label"), s.text(ws, config.mandataire)])
    sheet.append([s.text(ws, "Ministère", "label"), s.text(ws, f"{config.ministry} — fonds {config.fund}")])
    sheet.append([s.text(ws, "Synchronisation", "label"), s.cell(ws, naive(report.generated_at), "datetime")])
    verdict = conformity(len(report.errors), len(report.warnings))
    kind = "conforming" if report.conforming else "not_conforming"
    row = sheet.append([s.text(ws, "Conformité", "label"), s.text(ws, verdict, kind)]
                       + [s.cell(ws, None, kind) for _ in range(4)])
    ws.merged_cells.add(f"B{row}:F{row}")
    for code, info in report.sources.items():
        if not info.current:
            used = naive(info.read_at)
            when = moment(used) if used else "date inconnue"
            sheet.append([None, s.text(ws, f"Attention : les données de {code} sont la dernière copie valide, "
                                           f"lue le {when} ; la source n'a pas pu être lue ({info.problem}).",
                                       "not_conforming")])
    sheet.skip()
    header_row = sheet.header(SUMMARY_HEADERS)
    lines = [line for line in totals.lines]
    first = header_row + 1
    chart_rows = []
    for line in lines:
        r = sheet.row + 1
        code = criterion(f"$A{r}", line.code)
        source = report.sources.get(line.code)
        committee = config.committee(line.code)
        if source is not None:
            read_at = s.cell(ws, naive(source.read_at), "datetime") if source.read_at else None
            state = "À jour" if source.current else "Dernière copie valide"
        else:
            read_at = s.text(ws, "—")
            state = "Aucune source (réserve)" if committee.is_regional else "Non lue"
        sheet.append([
            s.text(ws, line.code), s.text(ws, line.name),
            s.cell(ws, spreadsheet_number(line.allocation), "money"),
            s.cell(ws, "=" + formulas.committed((SUBREGION, code)), "money"),
            s.cell(ws, "=" + formulas.paid((SUBREGION, code)), "money"),
            s.cell(ws, f"=C{r}-D{r}", "money"),
            s.cell(ws, f'=IF(C{r}=0,"",D{r}/C{r})', "percent"),
            s.cell(ws, "=" + formulas.engaged_count((SUBREGION, code)), "count"),
            s.cell(ws, "=" + formulas.engaged_sum(formulas.projects.other_contributions, (SUBREGION, code)), "money"),
            s.cell(ws, "=" + formulas.project_sum(formulas.projects.fund_total, (SUBREGION, code),
                                                  engagement=PIPELINE), "money"),
            read_at, s.text(ws, state),
        ])
        chart_rows.append(r)
        section = f"Sommaire — {line.code}"
        controls.add(section, "Engagé", line.committed, sheet, 4, r)
        controls.add(section, "Versé", line.paid, sheet, 5, r)
        controls.add(section, "Solde non engagé", line.balance, sheet, 6, r)
        controls.add(section, "Projets engagés", line.projects_committed, sheet, 8, r, money=False)
        controls.add(section, "Autres contributions", line.other_contributions, sheet, 9, r)
        controls.add(section, "Demandes en analyse", line.pipeline, sheet, 10, r)
    if totals.unallocated:
        r = sheet.row + 1
        sheet.append([None, s.text(ws, "Non réparti (reste de l'enveloppe)"),
                      s.cell(ws, spreadsheet_number(totals.unallocated), "money"), None, None,
                      s.cell(ws, f"=C{r}", "money")])
    last = sheet.row
    r = last + 1
    sums = {col: f"=SUM({col}{first}:{col}{last})" for col in "CDEFHIJ"}
    sheet.append([
        None, s.text(ws, "Total de l'Alliance", "total_label"),
        s.cell(ws, sums["C"], "total_money"), s.cell(ws, sums["D"], "total_money"),
        s.cell(ws, sums["E"], "total_money"), s.cell(ws, sums["F"], "total_money"),
        s.cell(ws, f'=IF(C{r}=0,"",D{r}/C{r})', "total_percent"), s.cell(ws, sums["H"], "total_count"),
        s.cell(ws, sums["I"], "total_money"), s.cell(ws, sums["J"], "total_money"),
    ])
    section = "Sommaire — total de l'Alliance"
    controls.add(section, "Enveloppe (total des allocations)", config.envelope, sheet, 3, r)
    controls.add(section, "Engagé", totals.committed, sheet, 4, r)
    controls.add(section, "Versé", totals.paid, sheet, 5, r)
    controls.add(section, "Solde non engagé", config.envelope - totals.committed, sheet, 6, r)
    controls.add(section, "Projets engagés", sum(line.projects_committed for line in lines), sheet, 8, r,
                 money=False)
    controls.add(section, "Autres contributions", sum(line.other_contributions for line in lines), sheet, 9, r)
    controls.add(section, "Demandes en analyse", sum(line.pipeline for line in lines), sheet, 10, r)

    sheet.skip()
    note_row = sheet.append([s.text(ws, p.cover_note, "note")], height=s.height(p.cover_note, sum(sheet.widths)))
    ws.merged_cells.add(f"A{note_row}:L{note_row}")

    chart = _bar_chart(f"Allocation, engagé et versé par ligne de l'enveloppe ({config.fund})", styles)
    data = Reference(ws, min_col=3, max_col=5, min_row=header_row, max_row=chart_rows[-1])
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=2, min_row=chart_rows[0], max_row=chart_rows[-1]))
    _colour(chart, styles.p.chart_colors)
    chart.width, chart.height = 30, 10
    ws.add_chart(chart, f"B{note_row + 2}")
    return sheet


def _title(text: str, size: float) -> Title:
    props = CharacterProperties(sz=int(size * 100), b=True)
    paragraph = Paragraph(pPr=ParagraphProperties(defRPr=props), r=[RegularTextRun(rPr=props, t=text)])
    return Title(tx=Text(rich=RichText(p=[paragraph])), overlay=False)


def _bar_chart(title: str, styles: Styles, horizontal: bool = False) -> BarChart:
    chart = BarChart()
    chart.type = "bar" if horizontal else "col"
    chart.grouping = "clustered"
    chart.title = _title(title, styles.p.font_size + 2)
    chart.style = 10
    chart.y_axis.numFmt = styles.p.formats["chart_axis"]
    # openpyxl 3.1 marks axes deleted unless told otherwise; the reader needs them.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.legend.position = "b"
    return chart


def _colour(chart: BarChart, colours: tuple[str, ...]) -> None:
    for index, series in enumerate(chart.series):
        colour = colours[index % len(colours)]
        series.graphicalProperties = GraphicalProperties(solidFill=colour)
        series.graphicalProperties.line.solidFill = colour


# ---------------------------------------------------------------------------
# Par année

def write_by_year(workbook, styles: Styles, report: Report, formulas: Formulas, figures: Figures,
                  controls: Controls) -> Sheet:
    config, totals = report.config, report.totals
    codes = [c.code for c in config.committees]  # the lines that have projects
    n = len(codes)
    widths = [34, 12, 12, *([16] * n), 17]
    sheet = Sheet(workbook, styles, BY_YEAR, widths)
    ws, s = sheet.ws, styles
    sheet.append([s.text(ws, f"{config.fund} par exercice financier et par ligne de l'enveloppe", "title")])
    sheet.append([s.text(ws, "Exercice financier du Québec : du 1er avril au 31 mars. Colonnes : code de la "
                             "ligne de l'enveloppe (voir le Sommaire).", "subtitle")])
    headers = ["Exercice", "Du", "Au", *codes, "Total"]
    total_col = get_column_letter(4 + n)
    last_code_col = get_column_letter(3 + n)

    def block_header(title: str) -> int:
        sheet.skip()
        sheet.heading(title)
        return sheet.header(headers)

    def total_row(label: str, control: str, first: int, expected) -> None:
        """A bold total of the block's rows, one column per line, checked against Python."""
        r = sheet.row + 1
        cells = [s.text(ws, label, "total_label"), s.cell(ws, None, "total_label"), s.cell(ws, None, "total_label")]
        for i, code in enumerate(codes):
            col = get_column_letter(4 + i)
            cells.append(s.cell(ws, f"=SUM({col}{first}:{col}{r - 1})", "total_money"))
            controls.add(control, code, expected(code), sheet, 4 + i, r)
        cells.append(s.cell(ws, f"=SUM({total_col}{first}:{total_col}{r - 1})", "total_money"))
        sheet.append(cells)

    # Planned FQIS of the committed projects, by the year columns of Projets.
    hr = block_header(f"{config.fund} prévu (projets Acceptés, En cours et Terminés) et engagé")
    first = hr + 1
    for year in config.fiscal_years:
        r = sheet.row + 1
        header = formulas.projects.year_headers[year.label]
        cells = [s.text(ws, year.label), s.cell(ws, year.start, "date"), s.cell(ws, year.end, "date")]
        for i, code in enumerate(codes):
            ref = criterion(f"{get_column_letter(4 + i)}${hr}", code)
            cells.append(s.cell(ws, "=" + formulas.project_sum(header, (SUBREGION, ref), engagement=ENGAGED),
                                "money"))
            controls.add(f"Par année — {config.fund} prévu {year.label}", code,
                         figures.planned[code][year.label], sheet, 4 + i, r)
        cells.append(s.cell(ws, f"=SUM(D{r}:{last_code_col}{r})", "money"))
        sheet.append(cells)
    r = sheet.row + 1
    cells = [s.text(ws, "Projets abandonnés : montant versé"), None, None]
    for i, code in enumerate(codes):
        ref = criterion(f"{get_column_letter(4 + i)}${hr}", code)
        cells.append(s.cell(ws, "=" + formulas.project_sum(formulas.projects.engaged, (SUBREGION, ref),
                                                           engagement=ABANDONED), "money"))
        controls.add("Par année — projets abandonnés (montant versé)", code, figures.abandoned[code], sheet,
                     4 + i, r)
    cells.append(s.cell(ws, f"=SUM(D{r}:{last_code_col}{r})", "money"))
    sheet.append(cells)
    total_row("Total engagé (= Sommaire)", "Par année — total engagé", first,
              lambda code: totals.line(code).committed)

    # Payments, by the fiscal year of their date.
    hr = block_header("Versements, selon la date du versement")
    first = hr + 1
    for year in config.fiscal_years:
        r = sheet.row + 1
        cells = [s.text(ws, year.label), s.cell(ws, year.start, "date"), s.cell(ws, year.end, "date")]
        for i, code in enumerate(codes):
            ref = criterion(f"{get_column_letter(4 + i)}${hr}", code)
            date = formulas.payments.date
            cells.append(s.cell(ws, "=" + formulas.paid((SUBREGION, ref), (date, f'">="&$B{r}'),
                                                        (date, f'"<="&$C{r}')), "money"))
            controls.add(f"Par année — versé {year.label}", code, totals.line(code).paid_by_year[year.label],
                         sheet, 4 + i, r)
        cells.append(s.cell(ws, f"=SUM(D{r}:{last_code_col}{r})", "money"))
        sheet.append(cells)
    years_last = sheet.row
    r = sheet.row + 1
    cells = [s.text(ws, "Versements datés hors de la période"), None, None]
    for i, code in enumerate(codes):
        col = get_column_letter(4 + i)
        ref = criterion(f"{col}${hr}", code)
        cells.append(s.cell(ws, f"={formulas.paid((SUBREGION, ref))}-SUM({col}{first}:{col}{years_last})",
                            "money"))
        line = totals.line(code)
        controls.add("Par année — versé hors période", code, line.paid - sum(line.paid_by_year.values()),
                     sheet, 4 + i, r)
    cells.append(s.cell(ws, f"=SUM(D{r}:{last_code_col}{r})", "money"))
    sheet.append(cells)
    total_row("Total versé (= Sommaire)", "Par année — total versé", first,
              lambda code: totals.line(code).paid)

    annual = [c for c in (*config.subregions, config.regional) if c.annual]
    if annual:
        # The same columns: a blank where a line has no annual amount.
        block_header("Montants annuels prévus à la configuration")
        for year in config.fiscal_years:
            cells = [s.text(ws, year.label), s.cell(ws, year.start, "date"), s.cell(ws, year.end, "date")]
            for code in codes:
                amount = config.committee(code).annual.get(year.label)
                cells.append(s.cell(ws, spreadsheet_number(amount), "money") if amount is not None else None)
            sheet.append(cells)
    return sheet


# ---------------------------------------------------------------------------
# Par priorité and Par territoire

def write_by_priority(workbook, styles: Styles, report: Report, formulas: Formulas, figures: Figures,
                      controls: Controls) -> Sheet:
    config = report.config
    codes = [c.code for c in config.committees]  # the lines that have projects
    n = len(codes)
    sheet = Sheet(workbook, styles, BY_PRIORITY, [38, *([15] * n), 16, 11, 11, 16])
    ws, s = sheet.ws, styles
    sheet.append([s.text(ws, f"{config.fund} engagé par priorité d'action", "title")])
    sheet.append([s.text(ws, "Montants engagés (formules sur l'onglet Projets) ; colonnes : code de la "
                             "sous-région.", "subtitle")])
    sheet.skip()
    priority = formulas.projects.priority
    headers = [priority, *codes, "Total engagé", "Projets engagés", "Part de l'engagé", "Demandes en analyse"]
    hr = sheet.header(headers)
    first = hr + 1
    labels = priority_labels(report)
    total_col, _count_col, _share_col, _pipeline_col = (get_column_letter(2 + n + k) for k in range(4))
    last_code_col = get_column_letter(1 + n)
    total_row = first + len(labels) + 1
    for label in labels:
        r = sheet.row + 1
        ref = criterion(f"$A{r}", label)
        cells = [s.text(ws, label)]
        for i, code in enumerate(codes):
            code_ref = criterion(f"{get_column_letter(2 + i)}${hr}", code)
            cells.append(s.cell(ws, "=" + formulas.committed((SUBREGION, code_ref), (priority, ref)), "money"))
        cells += [
            s.cell(ws, f"=SUM(B{r}:{last_code_col}{r})", "money"),
            s.cell(ws, "=" + formulas.engaged_count((priority, ref)), "count"),
            s.cell(ws, f'=IF(${total_col}${total_row}=0,"",{total_col}{r}/${total_col}${total_row})', "percent"),
            s.cell(ws, "=" + formulas.project_sum(formulas.projects.fund_total, (priority, ref),
                                                  engagement=PIPELINE), "money"),
        ]
        sheet.append(cells)
        group = figures.priorities.listed[label]
        section = f"Par priorité — {label}"
        controls.add(section, "Total engagé", group.committed, sheet, 2 + n, r)
        controls.add(section, "Projets engagés", group.projects, sheet, 3 + n, r, money=False)
        controls.add(section, "Demandes en analyse", group.pipeline, sheet, 5 + n, r)
    _other_and_total(sheet, styles, formulas, controls, report, figures.priorities.other, codes, hr, first,
                     "Par priorité", first_value_col=2)

    if labels:
        chart = _bar_chart(f"{config.fund} engagé par priorité", styles, horizontal=True)
        chart.add_data(Reference(ws, min_col=2 + n, min_row=hr, max_row=first + len(labels) - 1), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=first + len(labels) - 1))
        chart.legend = None
        chart.x_axis.scaling.orientation = "maxMin"  # first priority on top, as in the table
        chart.y_axis.crosses = "max"  # and the amounts below the bars
        _colour(chart, styles.p.chart_colors[1:] or styles.p.chart_colors)
        chart.width, chart.height = 24, 9
        ws.add_chart(chart, f"A{total_row + 3}")
    return sheet


def write_by_territory(workbook, styles: Styles, report: Report, formulas: Formulas, figures: Figures,
                       controls: Controls) -> Sheet:
    config = report.config
    territory = formulas.projects.territory
    sheet = Sheet(workbook, styles, BY_TERRITORY, [12, 36, 16, 11, 11, 16], print_title_rows="4:4")
    ws, s = sheet.ws, styles
    sheet.append([s.text(ws, f"{config.fund} engagé par territoire", "title")])
    sheet.append([s.text(ws, "Territoires de la configuration, groupés par sous-région ; un projet compte "
                             "dans le territoire inscrit à sa ligne.", "subtitle")])
    sheet.skip()
    headers = [SUBREGION, territory, "Total engagé", "Projets engagés", "Part de l'engagé", "Demandes en analyse"]
    hr = sheet.header(headers)
    first = hr + 1
    labels = territory_labels(report)
    total_row = first + len(labels) + 1
    for code, label in labels:
        r = sheet.row + 1
        ref = criterion(f"$B{r}", label)
        sheet.append([
            s.text(ws, code), s.text(ws, label),
            s.cell(ws, "=" + formulas.committed((territory, ref)), "money"),
            s.cell(ws, "=" + formulas.engaged_count((territory, ref)), "count"),
            s.cell(ws, f'=IF($C${total_row}=0,"",C{r}/$C${total_row})', "percent"),
            s.cell(ws, "=" + formulas.project_sum(formulas.projects.fund_total, (territory, ref),
                                                  engagement=PIPELINE), "money"),
        ])
        group = figures.territories.listed[label]
        section = f"Par territoire — {label}"
        controls.add(section, "Total engagé", group.committed, sheet, 3, r)
        controls.add(section, "Projets engagés", group.projects, sheet, 4, r, money=False)
        controls.add(section, "Demandes en analyse", group.pipeline, sheet, 6, r)
    _other_and_total(sheet, styles, formulas, controls, report, figures.territories.other, [], hr, first,
                     "Par territoire", first_value_col=3, label_col=2)
    return sheet


def _other_and_total(sheet: Sheet, styles: Styles, formulas: Formulas, controls: Controls, report: Report,
                     other, codes: list[str], hr: int, first: int, section: str, *, first_value_col: int,
                     label_col: int = 1) -> None:
    """The « outside the list » row (everything minus the listed rows) and the total row.

    Columns from ``first_value_col``: one per code (committed of that line), then
    total committed, projects, share and pipeline."""
    ws, s = sheet.ws, styles
    last_listed = sheet.row
    r = last_listed + 1
    total_row = r + 1
    pad = [None] * (label_col - 1)
    col = first_value_col
    total, count, _share, pipeline = (get_column_letter(col + len(codes) + k) for k in range(4))
    cells = [*pad, s.text(ws, "Autre valeur ou vide (hors de la liste)")]
    for i, code in enumerate(codes):
        letter = get_column_letter(col + i)
        code_ref = criterion(f"{letter}${hr}", code)
        cells.append(s.cell(ws, f"={formulas.committed((SUBREGION, code_ref))}"
                                f"-SUM({letter}{first}:{letter}{last_listed})", "money"))
    if codes:
        first_code, last_code = get_column_letter(col), get_column_letter(col + len(codes) - 1)
        cells.append(s.cell(ws, f"=SUM({first_code}{r}:{last_code}{r})", "money"))
    else:
        cells.append(s.cell(ws, f"={formulas.committed()}-SUM({total}{first}:{total}{last_listed})", "money"))
    cells += [
        s.cell(ws, f"={formulas.engaged_count()}-SUM({count}{first}:{count}{last_listed})", "count"),
        s.cell(ws, f'=IF(${total}${total_row}=0,"",{total}{r}/${total}${total_row})', "percent"),
        s.cell(ws, f"={formulas.project_sum(formulas.projects.fund_total, engagement=PIPELINE)}"
                   f"-SUM({pipeline}{first}:{pipeline}{last_listed})", "money"),
    ]
    sheet.append(cells)
    name = f"{section} — hors de la liste"
    controls.add(name, "Total engagé", other.committed, sheet, col + len(codes), r)
    controls.add(name, "Projets engagés", other.projects, sheet, col + len(codes) + 1, r, money=False)
    controls.add(name, "Demandes en analyse", other.pipeline, sheet, col + len(codes) + 3, r)

    cells = [*[s.cell(ws, None, "total_label") for _ in pad], s.text(ws, "Total", "total_label")]
    for k in range(len(codes) + 1):
        letter = get_column_letter(col + k)
        cells.append(s.cell(ws, f"=SUM({letter}{first}:{letter}{r})", "total_money"))
    cells += [
        s.cell(ws, f"=SUM({count}{first}:{count}{r})", "total_count"),
        s.cell(ws, f'=IF(${total}${total_row}=0,"",{total}{total_row}/${total}${total_row})', "total_percent"),
        s.cell(ws, f"=SUM({pipeline}{first}:{pipeline}{r})", "total_money"),
    ]
    sheet.append(cells)
    lines = report.totals.lines
    name = f"{section} — total"
    controls.add(name, "Total engagé", report.totals.committed, sheet, col + len(codes), total_row)
    controls.add(name, "Projets engagés", sum(line.projects_committed for line in lines), sheet,
                 col + len(codes) + 1, total_row, money=False)
    controls.add(name, "Demandes en analyse", sum(line.pipeline for line in lines), sheet,
                 col + len(codes) + 3, total_row)
