"""The Évolution sheet (docs/classeur-ministere.md): engagé and versé of each line of the
envelope and of the Alliance at the end of each month since the first recorded night, and
tonight, with a line chart of the Alliance's two figures. The amounts come from the history
(sync/history/evolution.py): values, not formulas."""

from __future__ import annotations

from sync.outputs.ministry.charts import CM
from sync.outputs.ministry.sheet import Cell, Sheet, date, money, text
from sync.outputs.ministry.style import Styles
from sync.outputs.ministry.xlsx import Workbook
from sync.report import EvolutionPoint, Report

EVOLUTION = "Évolution"
ALLIANCE = "Alliance"
ONE_POINT = (
    "Aucune synchronisation d'un mois précédent dans l'historique : un seul point, ce soir. "
    "Chaque fin de mois en ajoutera un."
)


def points_of(report: Report) -> list[EvolutionPoint]:
    """The report's points; tonight's alone when the report has none (``validate``, a demo)."""
    if report.evolution:
        return report.evolution
    lines = report.totals.lines
    return [
        EvolutionPoint(
            report.generated_at.date(),
            None,
            {line.code: line.committed for line in lines},
            {line.code: line.paid for line in lines},
        )
    ]


def evolution_row(point: EvolutionPoint, codes: list[str]) -> list[object]:
    """One point: its month, its run, engagé and versé of each line, then of the Alliance (cents)."""
    figures: list[object] = []
    for code in codes:
        figures.extend([point.committed.get(code, 0), point.paid.get(code, 0)])
    figures.extend([sum(point.committed.values()), sum(point.paid.values())])
    run = f"n° {point.run}" if point.run is not None else "ce soir"
    return [f"{point.day:%Y-%m}", point.day, run, *figures]


EVOLUTION_TABLE = "T_Evolution"


def write_evolution(book: Workbook, styles: Styles, report: Report, tables: bool = True) -> Sheet:
    config = report.config
    codes = [line.code for line in report.totals.lines]
    sheet = Sheet(book, styles, EVOLUTION, [10, 12, 12, *([16] * (2 * len(codes) + 2))], tables=tables)
    sheet.append([text(f"Évolution du {config.fund} engagé et versé, fin de chaque mois", "title")])
    sheet.append(
        [
            text(
                "Pour chaque mois depuis la première synchronisation enregistrée : la dernière synchronisation "
                "du mois, puis ce soir. Montants tirés de l'historique.",
                "subtitle",
            )
        ]
    )
    sheet.skip()
    headers = ["Mois", "Date", "Synchronisation"]
    for code in [*codes, ALLIANCE]:
        headers.extend([f"{code} engagé", f"{code} versé"])
    header_row = sheet.header(headers)
    points = points_of(report)
    for point in points:
        month, day, run, *figures = evolution_row(point, codes)
        cells: list[Cell | None] = [text(str(month)), date(day), text(str(run))]  # type: ignore[arg-type]
        cells.extend(money(int(v)) for v in figures)  # type: ignore[call-overload]
        sheet.append(cells)
    last = sheet.row
    sheet.name_table(EVOLUTION_TABLE, last)
    if len(points) == 1:
        sheet.skip()
        sheet.append([text(ONE_POINT, "note")])
    chart = book.add_chart({"type": "line"})
    chart.set_title({"name": f"{config.fund} de l'Alliance : engagé et versé", "name_font": {"bold": True}})
    chart.set_y_axis({"num_format": styles.p.formats["chart_axis"], "major_gridlines": {"visible": True}})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": round(24 * CM), "height": round(9 * CM)})
    alliance_col = 3 + 2 * len(codes)  # 0-based column of « Alliance engagé »
    colours = styles.p.chart_colors
    for index, column in enumerate((alliance_col, alliance_col + 1)):
        colour = "#" + colours[index % len(colours)]
        chart.add_series(
            {
                "name": [EVOLUTION, header_row - 1, column],
                "categories": [EVOLUTION, header_row, 0, last - 1, 0],
                "values": [EVOLUTION, header_row, column, last - 1, column],
                "line": {"color": colour, "width": 2.25},
                "marker": {"type": "circle", "fill": {"color": colour}, "border": {"color": colour}},
            }
        )
    sheet.ws.insert_chart(sheet.row + 1, 1, chart)
    return sheet
