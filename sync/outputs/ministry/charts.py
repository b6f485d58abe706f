"""The bar charts of the Sommaire and of Par priorité, in the template's colours."""

from __future__ import annotations

from sync.outputs.ministry.style import Styles
from sync.outputs.ministry.xlsx import Chart, Workbook

CM = 96 / 2.54  # pixels per centimetre, as XlsxWriter sizes charts


def bar_chart(
    book: Workbook, styles: Styles, title: str, *, horizontal: bool = False, width_cm: float = 30, height_cm: float = 10
) -> Chart:
    chart = book.add_chart({"type": "bar" if horizontal else "column"})
    chart.set_title({"name": title, "name_font": {"size": styles.p.font_size + 2, "bold": True}})
    value_axis = {"num_format": styles.p.formats["chart_axis"], "major_gridlines": {"visible": True}}
    if horizontal:
        # First row of the table on top, as in the table, and the amounts below the bars.
        chart.set_x_axis(value_axis)
        chart.set_y_axis({"reverse": True, "crossing": "max"})
        chart.set_legend({"none": True})
    else:
        chart.set_y_axis(value_axis)
        chart.set_legend({"position": "bottom"})
    chart.set_size({"width": round(width_cm * CM), "height": round(height_cm * CM)})
    return chart


def add_series(
    chart: Chart,
    styles: Styles,
    index: int,
    sheet: str,
    name: tuple[int, int],
    categories: tuple[int, int, int, int],
    values: tuple[int, int, int, int],
    colours: tuple[str, ...] | None = None,
) -> None:
    """A series from 0-based cell ranges of ``sheet``."""
    colours = colours or styles.p.chart_colors
    colour = "#" + colours[index % len(colours)]
    chart.add_series(
        {
            "name": [sheet, *name],
            "categories": [sheet, *categories],
            "values": [sheet, *values],
            "fill": {"color": colour},
            "border": {"color": colour},
        }
    )
