"""The workbook's presentation: texts of the cover, font, colours, number formats
and footer, read from templates/rapport-ministere.toml (or a copy beside the
configuration), and turned into openpyxl cell styles.

A coordinator restyles the report by editing that file, never the code. Styles are
built once per workbook as prototypes; a cell takes a copy of its prototype, which
keeps the cost per cell constant on sheets of tens of thousands of rows.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from copy import copy
from dataclasses import dataclass
from pathlib import Path

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils.indexed_list import IndexedList

from sync.config import Config, read_toml
from sync.errors import ConfigError
from sync.outputs.cells import FORMULA_LIKE, text_cell
from sync.resources import bundled
from sync.wording import moment

log = logging.getLogger("sync")

TEMPLATE_NAME = "rapport-ministere.toml"
_HEX = re.compile(r"^[0-9A-Fa-f]{6}$")


@dataclass(frozen=True)
class Presentation:
    """The settings of the template file, placeholders already replaced."""

    source: Path  # the file read (bundled, or the coordinator's copy)
    override: Path | None
    cover_title: str
    cover_subtitle: str
    cover_note: str
    font_name: str
    font_size: float
    colors: dict[str, str]
    chart_colors: tuple[str, ...]
    formats: dict[str, str]
    footer: tuple[str, str, str]  # left, centre, right, Excel header/footer codes


def template_paths(config: Config) -> tuple[Path, Path | None]:
    """The bundled template, and the coordinator's copy beside the configuration if any."""
    base = bundled("templates", TEMPLATE_NAME)
    override = config.path.parent / TEMPLATE_NAME if config.path else None
    if override is not None and override.resolve() == base.resolve():
        override = None
    return base, override if override is not None and override.is_file() else None




def _merge(base: dict, override: dict, path: Path, prefix: str = "") -> dict:
    merged = dict(base)
    for key, value in override.items():
        name = f"{prefix}{key}"
        if key not in base:
            log.warning("Présentation %s : clé inconnue « %s », ignorée.", path, name)
            continue
        if isinstance(base[key], dict):
            if not isinstance(value, dict):
                raise ConfigError("une table TOML est attendue", path=str(path), key=name)
            merged[key] = _merge(base[key], value, path, f"{name}.")
        else:
            merged[key] = value
    return merged


def load_presentation(config: Config, when: dt.datetime) -> Presentation:
    base_path, override_path = template_paths(config)
    data = read_toml(base_path)
    used = base_path
    if override_path is not None:
        data = _merge(data, read_toml(override_path), override_path)
        used = override_path
    values = {"alliance": config.name, "mandataire": config.mandataire, "ministry": config.ministry,
              "fund": config.fund, "date": moment(when)}

    def text(section: str, key: str, *, footer: bool = False) -> str:
        raw = data.get(section, {}).get(key, "")
        if not isinstance(raw, str):
            raise ConfigError("un texte est attendu", path=str(used), key=f"{section}.{key}")
        # Excel reads & as the start of a code in headers and footers: a literal one is &&.
        shown = {k: v.replace("&", "&&") for k, v in values.items()} if footer else values
        try:
            return raw.format_map(shown)
        except KeyError as exc:
            known = ", ".join("{" + k + "}" for k in values)
            raise ConfigError(f"repère inconnu {{{exc.args[0]}}} ; repères permis : {known}",
                              path=str(used), key=f"{section}.{key}") from None
        except (ValueError, IndexError) as exc:
            raise ConfigError(f"texte mal formé ({exc}) ; écrivez {{{{ et }}}} pour une accolade",
                              path=str(used), key=f"{section}.{key}") from None

    colors = {}
    for key, value in data.get("colors", {}).items():
        if key == "chart":
            continue
        if not isinstance(value, str) or not _HEX.match(value):
            raise ConfigError(f"une couleur RRGGBB est attendue (ex. 1F4E78), lu : {value!r}",
                              path=str(used), key=f"colors.{key}")
        colors[key] = value.upper()
    chart = data.get("colors", {}).get("chart", [])
    if not isinstance(chart, list) or not chart or not all(isinstance(c, str) and _HEX.match(c) for c in chart):
        raise ConfigError("une liste de couleurs RRGGBB est attendue", path=str(used), key="colors.chart")
    formats = {}
    for key, value in data.get("formats", {}).items():
        if not isinstance(value, str) or not value.strip():
            raise ConfigError("un code de format de nombre est attendu", path=str(used), key=f"formats.{key}")
        formats[key] = value
    font = data.get("font", {})
    size = font.get("size", 10)
    if isinstance(size, bool) or not isinstance(size, (int, float)) or not 6 <= size <= 36:
        raise ConfigError(f"une taille entre 6 et 36 est attendue, lu : {size!r}", path=str(used), key="font.size")
    name = font.get("name", "Calibri")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError("un nom de police est attendu", path=str(used), key="font.name")
    return Presentation(
        source=used, override=override_path,
        cover_title=text("cover", "title"), cover_subtitle=text("cover", "subtitle"),
        cover_note=text("cover", "note"),
        font_name=name.strip(), font_size=float(size), colors=colors,
        chart_colors=tuple(c.upper() for c in chart), formats=formats,
        footer=(text("page", "footer_left", footer=True), text("page", "footer_center", footer=True),
                text("page", "footer_right", footer=True)),
    )


class Styles:
    """Cell style prototypes of one workbook, and the cells made from them."""

    def __init__(self, workbook, presentation: Presentation):
        self.wb = workbook
        self.p = presentation
        c, f = presentation.colors, presentation.formats
        size = presentation.font_size
        base = Font(name=presentation.font_name, size=size)
        # The workbook's default font is the template's, so that plain cells match.
        workbook._fonts = IndexedList([base])
        workbook._named_styles["Normal"].font = copy(base)

        def font(**kw) -> Font:
            return Font(name=presentation.font_name, size=kw.pop("size", size), **kw)

        def fill(color: str) -> PatternFill:
            return PatternFill("solid", fgColor=color)

        header = dict(font=font(bold=True, color=c["header_text"]), fill=fill(c["header_fill"]),
                      alignment=Alignment(wrap_text=True, vertical="center"))
        total = dict(font=font(bold=True), fill=fill(c["total_fill"]))
        link = font(color=c["link"], underline="single")
        top = Alignment(vertical="top")
        specs: dict[str, dict] = {
            "plain": dict(alignment=top),
            "title": dict(font=font(bold=True, size=size + 6, color=c["title"])),
            "subtitle": dict(font=font(italic=True, size=size + 1, color=c["title"])),
            "heading": dict(font=font(bold=True, size=size + 2, color=c["title"])),
            "label": dict(font=font(bold=True), alignment=top),
            "note": dict(font=font(italic=True), alignment=Alignment(wrap_text=True, vertical="top")),
            "wrap": dict(alignment=Alignment(wrap_text=True, vertical="top")),
            "header": header,
            "header_computed": {**header, "fill": fill(c["computed_fill"])},
            "money": dict(number_format=f["money"], alignment=top),
            "money_left": dict(number_format=f["money"], alignment=Alignment(horizontal="left", vertical="top")),
            "count": dict(number_format=f["count"], alignment=top),
            "count_left": dict(number_format=f["count"], alignment=Alignment(horizontal="left", vertical="top")),
            "date": dict(number_format=f["date"], alignment=Alignment(horizontal="center", vertical="top")),
            "datetime": dict(number_format=f["datetime"], alignment=Alignment(horizontal="left", vertical="top")),
            "percent": dict(number_format=f["percent"], alignment=top),
            "total_label": total,
            "total_money": {**total, "number_format": f["money"]},
            "total_percent": {**total, "number_format": f["percent"]},
            "total_count": {**total, "number_format": f["count"]},
            "link": dict(font=link, alignment=top),
            "link_count": dict(font=link, number_format=f["count"]),
            "error": dict(fill=fill(c["error"]), alignment=top),
            "warning": dict(fill=fill(c["warning"]), alignment=top),
            "conforming": dict(font=font(bold=True, size=size + 1), fill=fill(c["conforming"])),
            "not_conforming": dict(font=font(bold=True, size=size + 1), fill=fill(c["not_conforming"])),
        }
        self._protos: dict[str, StyleArray] = {}
        probe_sheet = _Probe(workbook)
        for kind, attributes in specs.items():
            cell = WriteOnlyCell(probe_sheet)
            for name, value in attributes.items():
                setattr(cell, name, value)
            self._protos[kind] = cell._style if cell._style is not None else StyleArray()
        quoted = StyleArray(self._protos["plain"])
        quoted.quotePrefix = 1
        self._protos["quoted"] = quoted
        wrapped_quoted = StyleArray(self._protos["wrap"])
        wrapped_quoted.quotePrefix = 1
        self._protos["wrap_quoted"] = wrapped_quoted

    def height(self, text: str | None, width: float) -> float | None:
        """Height of a row whose cell of ``width`` wraps ``text``, or None for one line.

        Spreadsheets keep the height written in the file rather than fitting it to
        wrapped text, so it is estimated here (characters per line from the width)."""
        if not text:
            return None
        per_line = max(1, int(width * 1.1 * 10 / self.p.font_size))
        lines = sum(max(1, -(-len(part) // per_line)) for part in text.split("\n"))
        if lines <= 1:
            return None
        return round(lines * self.p.font_size * 1.3 + 3, 1)

    def proto(self, kind: str) -> StyleArray:
        return self._protos[kind]

    def cell(self, ws, value, kind: str = "plain") -> WriteOnlyCell:
        """A cell holding a number, date or one of our formulas, styled ``kind``."""
        cell = WriteOnlyCell(ws, value)
        cell._style = copy(self._protos[kind])
        return cell

    def text(self, ws, value: str | None, kind: str = "plain"):
        """A cell holding text that must stay text, whatever it starts with. Committee
        text that looks like a formula is also marked « quote prefix », so that an
        analyst who edits the cell in Excel keeps text too."""
        if value is None:
            return None
        cell = text_cell(ws, str(value))
        value = cell.value
        style = self._protos[kind]
        if value.startswith(FORMULA_LIKE) and kind in ("plain", "wrap"):
            style = self._protos["quoted" if kind == "plain" else "wrap_quoted"]
        cell._style = copy(style)
        return cell


class _Probe:
    """The minimum of a worksheet a cell needs to resolve its styles."""

    def __init__(self, workbook):
        self.parent = workbook
