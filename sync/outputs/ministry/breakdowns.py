"""The breakdowns of the Sommaire's figures — Par année, Par priorité, Par
territoire — every amount a live formula over the Projets and Versements tables,
stored with its result and registered as a control (controls.py).

Par priorité and Par territoire group by the value of one project field; a new
grouping (by support, say) is one more call of the same pattern. Par priorité also
shows each sub-region's action plan: a « Dans le plan de » column, and the amount of
a sub-region under an axis outside its plan greyed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

from sync.config import Config, FiscalYear
from sync.money import format_cents
from sync.outputs.ministry.charts import add_series, bar_chart
from sync.outputs.ministry.controls import Controls
from sync.outputs.ministry.figures import Figures, fold, priority_labels, territory_labels
from sync.outputs.ministry.formulas import Condition, Formulas, criterion
from sync.outputs.ministry.records import ABANDONED, ENGAGED, PAID, PIPELINE, SUBREGION
from sync.outputs.ministry.sheet import Cell, Number, Sheet, blank, date, formula, letter, money, text
from sync.outputs.ministry.style import Styles
from sync.outputs.ministry.summary import ratio
from sync.outputs.ministry.xlsx import Workbook
from sync.report import Report

BY_YEAR = "Par année"
BY_PRIORITY = "Par priorité"
BY_TERRITORY = "Par territoire"
OUTSIDE_LIST = "Autre valeur ou vide (hors de la liste)"
OUTSIDE_SUBREGION = "Territoire hors sous-région ou vide"
IN_PLAN_OF = "Dans le plan de"
EVERY_PLAN = "Toutes les sous-régions"
NO_PLAN = "Aucune sous-région (hors de tous les plans)"
# Par année, on a closed year's row (docs/classeur-ministere.md): the figure as reported
# to the ministry with the closing run, today's on the same basis, and the difference.
ENGAGED_KIND, PAID_KIND = "engagé", "versé"
# The tables an analyst reads by name (docs/classeur-ministere.md): the detail rows of each
# block, without its total row.
BY_YEAR_TABLES = {"committed": "T_ParAnnee_Engage", "paid": "T_ParAnnee_Verse", "annual": "T_ParAnnee_Annuel"}
BY_PRIORITY_TABLE, BY_TERRITORY_TABLE = "T_ParPriorite", "T_ParTerritoire"
CLOSURE_HEADERS = ["Exercice clos", "Déclaré au ministère", "Aujourd'hui", "Écart (aujourd'hui − déclaré)"]


def _cents_sum(cells: Sequence[Cell | None]) -> int:
    """What ``=SUM(…)`` gives over the amounts (cents) of a row's cells."""
    return sum(c.value for c in cells if isinstance(c, Cell) and isinstance(c.value, int))


# ---------------------------------------------------------------------------
# Par année


def write_by_year(
    book: Workbook,
    styles: Styles,
    report: Report,
    formulas: Formulas,
    figures: Figures,
    controls: Controls,
    tables: bool = True,
) -> Sheet:
    config = report.config
    codes = [c.code for c in config.committees]  # the lines that have projects
    closure_widths = [44, 16, 16, 16] if report.reported_years else []
    sheet = Sheet(book, styles, BY_YEAR, [34, 12, 12, *([16] * len(codes)), 17, *closure_widths], tables=tables)
    sheet.append([text(f"{config.fund} par exercice financier et par ligne de l'enveloppe", "title")])
    sheet.append(
        [
            text(
                "Exercice financier du Québec : du 1er avril au 31 mars. Colonnes : code de la "
                "ligne de l'enveloppe (voir le Sommaire).",
                "subtitle",
            )
        ]
    )
    by_year = _ByYear(sheet, report, formulas, controls, codes)
    by_year.write_committed(figures)
    by_year.write_paid()
    by_year.write_annual()
    return sheet


class _ByYear:
    """The blocks of Par année: a row per fiscal year, a column per line of the envelope
    (from D), and the row's total in the last column."""

    def __init__(self, sheet: Sheet, report: Report, formulas: Formulas, controls: Controls, codes: list[str]) -> None:
        self.sheet, self.config, self.totals, self.report = sheet, report.config, report.totals, report
        self.formulas, self.controls, self.codes = formulas, controls, codes
        self.headers = ["Exercice", "Du", "Au", *codes, "Total"]
        self.total_col = 4 + len(codes)
        self.last_code = letter(3 + len(codes))
        self.reported = {r.year: r for r in report.reported_years}

    def block_header(self, title: str, closures: bool = False) -> int:
        """A block's heading and header row; ``closures``: the columns that say, on a
        closed year's row, what was reported (when the history has closed years)."""
        self.sheet.skip()
        self.sheet.heading(title)
        return self.sheet.header(self.headers + (CLOSURE_HEADERS if closures and self.reported else []))

    def closure_cells(self, label: str, kind: str) -> list[Cell | None]:
        """After a year row's total: its closing (« clos le …, synchronisation n° N »), and,
        when the year's ``kind`` figure (engagé, versé) differs from the one reported, the
        reported total, today's and the difference, the lines that differ named in the mark
        (docs/classeur-ministere.md). Nothing for an open year."""
        reported = self.reported.get(label)
        if reported is None:
            return []
        then = reported.committed if kind == ENGAGED_KIND else reported.paid
        now = {
            code: (line.committed_by_year if kind == ENGAGED_KIND else line.paid_by_year).get(label, 0)
            for code, line in ((code, self.totals.line(code)) for code in self.codes)
        }
        gaps = {code: now[code] - then.get(code, 0) for code in self.codes if now[code] != then.get(code, 0)}
        mark = f"clos le {reported.closed_at:%Y-%m-%d}, synchronisation n° {reported.run}"
        if not gaps:
            return [text(f"{mark} ; aucun écart avec le déclaré", "wrap")]
        named = ", ".join(f"{code} {'+' if gap > 0 else '−'}{format_cents(abs(gap))}" for code, gap in gaps.items())
        declared, today = sum(then.get(code, 0) for code in self.codes), sum(now.values())
        r = self.sheet.row + 1
        declared_col, today_col = letter(self.total_col + 2), letter(self.total_col + 3)
        return [
            text(f"{mark} ; {kind} changé depuis : {named}", "warning_wrap"),
            money(declared),
            money(today),
            formula(f"{today_col}{r}-{declared_col}{r}", today - declared),
        ]

    def code_ref(self, i: int, hr: int) -> Condition:
        """The condition on the sub-region of the line of column ``4 + i``, by its header cell."""
        return SUBREGION, criterion(f"{letter(4 + i)}${hr}", self.codes[i])

    def year_cells(self, year: FiscalYear) -> list[Cell | None]:
        return [text(year.label), date(year.start), date(year.end)]

    def append_line_row(
        self,
        cells: list[Cell | None],
        section: str,
        expected: Callable[[str], int],
        after: Sequence[Cell | None] = (),
    ) -> None:
        """A row of one figure per line, its total (last column) summed from the cells of
        the row, and a control per line; ``after``: cells past the total."""
        sheet = self.sheet
        r = sheet.row + 1
        cells.append(formula(f"SUM(D{r}:{self.last_code}{r})", _cents_sum(cells[3:])))
        cells.extend(after)
        texts = {index: cell.value for index, cell in enumerate(after, start=len(cells) - len(after)) if cell}
        sheet.append(cells, height=sheet.fit({k: v for k, v in texts.items() if isinstance(v, str)}))
        for i, code in enumerate(self.codes):
            self.controls.add(section, code, expected(code), sheet, 4 + i, r)

    def total_row(self, label: str, control: str, first: int, expected: Callable[[str], int]) -> None:
        """A bold total of the block's rows, one column per line, checked against Python."""
        sheet = self.sheet
        r = sheet.row + 1
        cells: list[Cell | None] = [text(label, "total_label"), blank("total_label"), blank("total_label")]
        for column in range(4, self.total_col + 1):
            col = letter(column)
            cells.append(formula(f"SUM({col}{first}:{col}{r - 1})", sheet.sum(column, first, r - 1), "total_money"))
        sheet.append(cells)
        for i, code in enumerate(self.codes):
            self.controls.add(control, code, expected(code), sheet, 4 + i, r)

    def write_committed(self, figures: Figures) -> None:
        """Planned FQIS of the committed projects, by the year columns of Projets."""
        config, formulas, codes = self.config, self.formulas, self.codes
        hr = self.block_header(f"{config.fund} prévu (projets Acceptés, En cours et Terminés) et engagé", closures=True)
        first = hr + 1
        for year in config.fiscal_years:
            header = formulas.projects.year_headers[year.label]
            planned = {code: figures.planned[code][year.label] for code in codes}
            cells = self.year_cells(year)
            for i, code in enumerate(codes):
                cells.append(
                    formula(formulas.project_sum(header, self.code_ref(i, hr), engagement=ENGAGED), planned[code])
                )
            self.append_line_row(
                cells,
                f"Par année — {config.fund} prévu {year.label}",
                planned.__getitem__,
                self.closure_cells(year.label, ENGAGED_KIND),
            )
        cells = [text("Projets abandonnés : montant versé"), None, None]
        for i, code in enumerate(codes):
            cells.append(
                formula(formulas.project_sum(PAID, self.code_ref(i, hr), engagement=ABANDONED), figures.abandoned[code])
            )
        self.append_line_row(cells, "Par année — projets abandonnés (montant versé)", figures.abandoned.__getitem__)
        self.sheet.name_table(BY_YEAR_TABLES["committed"], self.sheet.row)
        self.total_row(
            "Total engagé (= Sommaire)",
            "Par année — total engagé",
            first,
            lambda code: self.totals.line(code).committed,
        )

    def write_paid(self) -> None:
        """Payments, by the fiscal year of their date."""
        formulas, codes, totals = self.formulas, self.codes, self.totals
        hr = self.block_header("Versements, selon la date du versement", closures=True)
        first = hr + 1
        paid_date = formulas.payments.date
        for year in self.config.fiscal_years:
            r = self.sheet.row + 1
            paid = {code: totals.line(code).paid_by_year[year.label] for code in codes}
            cells = self.year_cells(year)
            for i, code in enumerate(codes):
                cells.append(
                    formula(
                        formulas.paid(self.code_ref(i, hr), (paid_date, f'">="&$B{r}'), (paid_date, f'"<="&$C{r}')),
                        paid[code],
                    )
                )
            self.append_line_row(
                cells, f"Par année — versé {year.label}", paid.__getitem__, self.closure_cells(year.label, PAID_KIND)
            )
        years_last = self.sheet.row
        cells = [text("Versements datés hors de la période"), None, None]
        for i, code in enumerate(codes):
            col = letter(4 + i)
            line = totals.line(code)
            cells.append(
                formula(
                    f"{formulas.paid(self.code_ref(i, hr))}-SUM({col}{first}:{col}{years_last})",
                    line.paid - self.sheet.sum(4 + i, first, years_last),
                )
            )
        self.append_line_row(
            cells,
            "Par année — versé hors période",
            lambda code: totals.line(code).paid - sum(totals.line(code).paid_by_year.values()),
        )
        self.sheet.name_table(BY_YEAR_TABLES["paid"], self.sheet.row)
        self.total_row(
            "Total versé (= Sommaire)", "Par année — total versé", first, lambda code: totals.line(code).paid
        )

    def write_annual(self) -> None:
        """The annual amounts of the configuration, in the same columns: a blank where a
        line has none; no block when no line has any."""
        config = self.config
        if not any(c.annual for c in (*config.subregions, config.regional)):
            return
        self.block_header("Montants annuels prévus à la configuration")
        for year in config.fiscal_years:
            cells = self.year_cells(year)
            for code in self.codes:
                cells.append(money(config.committee(code).annual.get(year.label)))
            self.sheet.append(cells)
        self.sheet.name_table(BY_YEAR_TABLES["annual"], self.sheet.row)


# ---------------------------------------------------------------------------
# Par priorité


def plans_of(config: Config, label: str) -> list[str]:
    """The codes of the sub-regions whose action plan has the axis ``label``, in
    configuration order (the regional line takes every axis and has no plan)."""
    return [c.code for c in config.subregions if fold(label) in {fold(axis) for axis in c.priorities}]


def in_plan_of(config: Config, label: str) -> Cell:
    """The « Dans le plan de » cell of an axis; an axis outside every plan stands out."""
    codes = plans_of(config, label)
    if not codes:
        return Cell("text", NO_PLAN, "warning_wrap")
    if len(codes) == len(config.subregions):
        return Cell("text", EVERY_PLAN, "wrap")
    return Cell("text", ", ".join(codes), "wrap")


def write_by_priority(
    book: Workbook,
    styles: Styles,
    report: Report,
    formulas: Formulas,
    figures: Figures,
    controls: Controls,
    tables: bool = True,
) -> Sheet:
    config, totals = report.config, report.totals
    codes = [c.code for c in config.committees]  # the lines that have projects
    n = len(codes)
    sheet = Sheet(book, styles, BY_PRIORITY, [38, *([15] * n), 16, 11, 11, 16, 24], tables=tables)
    sheet.append([text(f"{config.fund} engagé par priorité d'action", "title")])
    sheet.append(
        [
            text(
                "Montants engagés (formules sur l'onglet Projets) ; colonnes : code de la "
                "sous-région. En gris : un axe absent du plan d'action de la sous-région.",
                "subtitle",
            )
        ]
    )
    sheet.skip()
    priority = formulas.projects.priority
    headers = [
        priority,
        *codes,
        "Total engagé",
        "Projets engagés",
        "Part de l'engagé",
        "Demandes en analyse",
        IN_PLAN_OF,
    ]
    plan_c = 2 + n + 4
    hr = sheet.header(headers)
    first = hr + 1
    labels = priority_labels(report)
    total_c, count_c, _share_c, pipeline_c = (2 + n + k for k in range(4))
    total_l, count_l, pipeline_l = letter(total_c), letter(count_c), letter(pipeline_c)
    last_code = letter(1 + n)
    total_row = first + len(labels) + 1
    breakdown = figures.priorities
    whole = totals.committed

    def share(r: int, committed: Number, style: str = "percent") -> Cell:
        return formula(
            f'IF(${total_l}${total_row}=0,"",{total_l}{r}/${total_l}${total_row})', ratio(committed, whole), style
        )

    for label in labels:
        r = sheet.row + 1
        ref = criterion(f"$A{r}", label)
        cells: list[Cell | None] = [text(label)]
        planned = plans_of(config, label)
        for i, code in enumerate(codes):
            code_ref = criterion(f"{letter(2 + i)}${hr}", code)
            outside = code not in planned and not config.committee(code).is_regional
            cells.append(
                formula(
                    formulas.committed((SUBREGION, code_ref), (priority, ref)),
                    breakdown.of(code, label).committed,
                    "outside_plan_money" if outside else "money",
                )
            )
        group = breakdown.listed([label])
        cells += [
            formula(f"SUM(B{r}:{last_code}{r})", _cents_sum(cells[1:])),
            formula(formulas.engaged_count((priority, ref)), group.projects, "count"),
            share(r, group.committed),
            formula(
                formulas.project_sum(formulas.projects.fund_total, (priority, ref), engagement=PIPELINE), group.pipeline
            ),
        ]
        plan = in_plan_of(config, label)
        cells.append(plan)
        sheet.append(cells, height=sheet.fit({plan_c - 1: str(plan.value)}))
        section = f"Par priorité — {label}"
        controls.add(section, "Total engagé", group.committed, sheet, total_c, r)
        controls.add(section, "Projets engagés", group.projects, sheet, count_c, r, money=False)
        controls.add(section, "Demandes en analyse", group.pipeline, sheet, pipeline_c, r)

    # Values outside the list: each line's total minus its listed rows.
    last_listed = sheet.row
    r = last_listed + 1
    cells = [text(OUTSIDE_LIST)]
    for i, code in enumerate(codes):
        col = letter(2 + i)
        code_ref = criterion(f"{col}${hr}", code)
        cells.append(
            formula(
                f"{formulas.committed((SUBREGION, code_ref))}-SUM({col}{first}:{col}{last_listed})",
                totals.line(code).committed - sheet.sum(2 + i, first, last_listed),
            )
        )
    pipeline_all = sum(line.pipeline for line in totals.lines)
    projects_all = sum(line.projects_committed for line in totals.lines)
    cells += [
        formula(f"SUM(B{r}:{last_code}{r})", _cents_sum(cells[1:])),
        formula(
            f"{formulas.engaged_count()}-SUM({count_l}{first}:{count_l}{last_listed})",
            projects_all - sheet.sum(count_c, first, last_listed),
            "count",
        ),
        share(r, whole - sheet.sum(total_c, first, last_listed)),
        formula(
            f"{formulas.project_sum(formulas.projects.fund_total, engagement=PIPELINE)}"
            f"-SUM({pipeline_l}{first}:{pipeline_l}{last_listed})",
            pipeline_all - sheet.sum(pipeline_c, first, last_listed),
        ),
    ]
    sheet.append(cells)
    other = breakdown.whole()
    listed = breakdown.listed(labels)
    section = f"{BY_PRIORITY} — hors de la liste"
    controls.add(section, "Total engagé", other.committed - listed.committed, sheet, total_c, r)
    controls.add(section, "Projets engagés", other.projects - listed.projects, sheet, count_c, r, money=False)
    controls.add(section, "Demandes en analyse", other.pipeline - listed.pipeline, sheet, pipeline_c, r)
    sheet.name_table(BY_PRIORITY_TABLE, sheet.row)

    r = sheet.row + 1
    cells = [text("Total", "total_label")]
    for column in range(2, total_c + 1):
        col = letter(column)
        cells.append(formula(f"SUM({col}{first}:{col}{r - 1})", sheet.sum(column, first, r - 1), "total_money"))
    cells += [
        formula(f"SUM({count_l}{first}:{count_l}{r - 1})", sheet.sum(count_c, first, r - 1), "total_count"),
        share(r, sheet.sum(total_c, first, r - 1), "total_percent"),
        formula(f"SUM({pipeline_l}{first}:{pipeline_l}{r - 1})", sheet.sum(pipeline_c, first, r - 1), "total_money"),
    ]
    sheet.append(cells)
    section = f"{BY_PRIORITY} — total"
    controls.add(section, "Total engagé", whole, sheet, total_c, r)
    controls.add(section, "Projets engagés", projects_all, sheet, count_c, r, money=False)
    controls.add(section, "Demandes en analyse", pipeline_all, sheet, pipeline_c, r)

    if labels:
        chart = bar_chart(book, styles, f"{config.fund} engagé par priorité", horizontal=True, width_cm=24, height_cm=9)
        add_series(
            chart,
            styles,
            0,
            BY_PRIORITY,
            (hr - 1, total_c - 1),
            (first - 1, 0, last_listed - 1, 0),
            (first - 1, total_c - 1, last_listed - 1, total_c - 1),
            styles.p.chart_colors[1:] or styles.p.chart_colors,
        )
        sheet.ws.insert_chart(total_row + 2, 0, chart)
    return sheet


# ---------------------------------------------------------------------------
# Par territoire

TERRITORY_HEADERS_AFTER = ["Total engagé", "Projets engagés", "Part de l'engagé", "Demandes en analyse"]


def _minus_sum(col: str, *, first: int, last: int) -> str:
    """« -SUM(C5:C9) »: a formula's share of the rows above it, taken away."""
    return f"-SUM({col}{first}:{col}{last})"


def _nothing(col: str) -> str:
    return ""


def write_by_territory(
    book: Workbook,
    styles: Styles,
    report: Report,
    formulas: Formulas,
    figures: Figures,
    controls: Controls,
    tables: bool = True,
) -> Sheet:
    """Each line of the envelope with its territories, then the projects of that
    line typed with another territory (another sub-region's, or none), then its
    total: the rows of a line add up to its Engagé of the Sommaire."""
    config, totals = report.config, report.totals
    territory = formulas.projects.territory
    sheet = Sheet(book, styles, BY_TERRITORY, [12, 36, 16, 11, 11, 16], print_title_rows=(4, 4), tables=tables)
    sheet.append([text(f"{config.fund} engagé par territoire", "title")])
    sheet.append(
        [
            text(
                "Territoires de la configuration, groupés par sous-région ; un projet compte dans sa "
                "sous-région, au territoire inscrit à sa ligne s'il est l'un des siens.",
                "subtitle",
            )
        ]
    )
    sheet.skip()
    hr = sheet.header([SUBREGION, territory, *TERRITORY_HEADERS_AFTER])
    whole = totals.committed
    # The grand total's row, for the shares: each line has its rows, an « outside » row and a total.
    total_row = hr + 1 + sum(len(territory_labels(report, line.code)) + 2 for line in totals.lines)
    breakdown = figures.territories
    subtotals = []

    def share(r: int, committed: Number, style: str = "percent") -> Cell:
        return formula(f'IF($C${total_row}=0,"",C{r}/$C${total_row})', ratio(committed, whole), style)

    for line in totals.lines:
        code = line.code
        first = sheet.row + 1
        labels = territory_labels(report, code)
        for label in labels:
            r = sheet.row + 1
            where: tuple[tuple[str, str], ...] = (
                (SUBREGION, criterion(f"$A{r}", code)),
                (territory, criterion(f"$B{r}", label)),
            )
            group = breakdown.of(code, label)
            sheet.append(
                [
                    text(code),
                    text(label),
                    formula(formulas.committed(*where), group.committed),
                    formula(formulas.engaged_count(*where), group.projects, "count"),
                    share(r, group.committed),
                    formula(
                        formulas.project_sum(formulas.projects.fund_total, *where, engagement=PIPELINE), group.pipeline
                    ),
                ]
            )
            section = f"{BY_TERRITORY} — {code} — {label}"
            controls.add(section, "Total engagé", group.committed, sheet, 3, r)
            controls.add(section, "Projets engagés", group.projects, sheet, 4, r, money=False)
            controls.add(section, "Demandes en analyse", group.pipeline, sheet, 6, r)
        last = sheet.row
        r = last + 1
        where = ((SUBREGION, criterion(f"$A{r}", code)),)
        # The territories' rows just written are subtracted: what is left is « hors sous-région ».
        above = functools.partial(_minus_sum, first=first, last=last) if labels else _nothing
        committed = line.committed - sheet.sum(3, first, last)
        sheet.append(
            [
                text(code),
                text(OUTSIDE_SUBREGION),
                formula(formulas.committed(*where) + above("C"), committed),
                formula(
                    formulas.engaged_count(*where) + above("D"),
                    line.projects_committed - sheet.sum(4, first, last),
                    "count",
                ),
                share(r, committed),
                formula(
                    formulas.project_sum(formulas.projects.fund_total, *where, engagement=PIPELINE) + above("F"),
                    line.pipeline - sheet.sum(6, first, last),
                ),
            ]
        )
        outside = breakdown.line(code)
        outside_listed = breakdown.listed(labels, [code])
        section = f"{BY_TERRITORY} — {code} — hors sous-région"
        controls.add(section, "Total engagé", outside.committed - outside_listed.committed, sheet, 3, r)
        controls.add(section, "Projets engagés", outside.projects - outside_listed.projects, sheet, 4, r, money=False)
        controls.add(section, "Demandes en analyse", outside.pipeline - outside_listed.pipeline, sheet, 6, r)
        r = sheet.row + 1
        committed = sheet.sum(3, first, r - 1)
        sheet.append(
            [
                text(code, "total_label"),
                text(f"Total {code} (= Sommaire)", "total_label"),
                formula(f"SUM(C{first}:C{r - 1})", committed, "total_money"),
                formula(f"SUM(D{first}:D{r - 1})", sheet.sum(4, first, r - 1), "total_count"),
                share(r, committed, "total_percent"),
                formula(f"SUM(F{first}:F{r - 1})", sheet.sum(6, first, r - 1), "total_money"),
            ]
        )
        subtotals.append(r)
        section = f"{BY_TERRITORY} — total {code}"
        controls.add(section, "Total engagé", line.committed, sheet, 3, r)
        controls.add(section, "Projets engagés", line.projects_committed, sheet, 4, r, money=False)
        controls.add(section, "Demandes en analyse", line.pipeline, sheet, 6, r)

    sheet.name_table(BY_TERRITORY_TABLE, sheet.row)  # each line's rows and its total, not the grand total
    r = sheet.row + 1
    assert r == total_row

    def across(column: int) -> tuple[str, Number]:
        col = letter(column)
        cells = ",".join(f"{col}{s}" for s in subtotals) or "0"
        return f"SUM({cells})", sum(sheet.value(s, column) for s in subtotals)

    sheet.append(
        [
            blank("total_label"),
            text("Total", "total_label"),
            formula(*across(3), "total_money"),
            formula(*across(4), "total_count"),
            share(r, sum(sheet.value(s, 3) for s in subtotals), "total_percent"),
            formula(*across(6), "total_money"),
        ]
    )
    section = f"{BY_TERRITORY} — total"
    controls.add(section, "Total engagé", whole, sheet, 3, r)
    controls.add(
        section, "Projets engagés", sum(line.projects_committed for line in totals.lines), sheet, 4, r, money=False
    )
    controls.add(section, "Demandes en analyse", sum(line.pipeline for line in totals.lines), sheet, 6, r)
    return sheet
