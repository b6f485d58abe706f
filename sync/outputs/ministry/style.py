"""The workbook's presentation: texts of the cover, font, colours, number formats
and footer, read from templates/rapport-ministere.toml (or a copy beside the
configuration), and turned into XlsxWriter cell formats.

A coordinator restyles the report by editing that file, never the code. Each
format is made once per workbook and shared by every cell that uses it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sync.config import Config, read_toml
from sync.config.keys import reject_unknown_keys
from sync.errors import ConfigError
from sync.outputs.ministry.xlsx import Format, Options, Workbook
from sync.resources import bundled
from sync.wording import moment

TEMPLATE_NAME = "rapport-ministere.toml"
_HEX = re.compile(r"^[0-9A-Fa-f]{6}$")

# A TOML document as tomllib reads it: tables of values of any TOML type, checked here.
Toml = dict[str, Any]


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


def _merge(base: Toml, override: Toml, path: Path, prefix: str = "") -> Toml:
    """The coordinator's copy over the bundled file; a key the bundled file lacks is a
    typo (« heder_fill ») that would leave the default in place: an error, as in the
    configuration (sync/config/keys.py)."""
    reject_unknown_keys(path, override, base, prefix.rstrip("."))
    merged = dict(base)
    for key, value in override.items():
        name = f"{prefix}{key}"
        if isinstance(base[key], dict):
            if not isinstance(value, dict):
                raise ConfigError("une table TOML est attendue", path=str(path), key=name)
            merged[key] = _merge(base[key], value, path, f"{name}.")
        else:
            merged[key] = value
    return merged


def with_article(article: str, name: str) -> str:
    """« la Table de concertation… », « l'Assemblée… », or the name alone."""
    article = article.strip()
    if not article:
        return name
    return f"{article}{name}" if article.endswith(("'", "’")) else f"{article} {name}"


def check_presentation(config: Config) -> None:
    """ConfigError now for a wrong presentation file, rather than once the committees
    are read and the run recorded: `run` asks before anything else."""
    load_presentation(config, dt.datetime.now())


@dataclass(frozen=True)
class KeptPresentation:
    """The coordinator's presentation as a past run kept it in the history (its text;
    None: that run had none beside its configuration), used in place of today's file
    when that run's workbook is rebuilt (sync/usecases/rebuild.py)."""

    text: str | None


def load_presentation(config: Config, when: dt.datetime, kept: KeptPresentation | None = None) -> Presentation:
    base_path, override_path = template_paths(config)
    data = read_toml(base_path)
    used = base_path
    if kept is not None:
        # That night's text, read as if it were still beside the configuration.
        override_path = (config.path.parent / TEMPLATE_NAME) if kept.text is not None and config.path else None
    if override_path is not None:
        data = _merge(data, read_toml(override_path, kept.text if kept else None), override_path)
        used = override_path
    placeholders = _placeholders(config, when, _article(data, used))

    def text(section: str, key: str, *, footer: bool = False) -> str:
        return _fill(data, used, placeholders, section, key, footer=footer)

    # Checked in this order: the first mistake of the file is the one reported.
    colors, chart_colors, formats = _colors(data, used), _chart_colors(data, used), _formats(data, used)
    name, size = _font(data, used)
    return Presentation(
        source=used,
        override=override_path,
        cover_title=text("cover", "title"),
        cover_subtitle=text("cover", "subtitle"),
        cover_note=text("cover", "note"),
        font_name=name,
        font_size=size,
        colors=colors,
        chart_colors=chart_colors,
        formats=formats,
        footer=(
            text("page", "footer_left", footer=True),
            text("page", "footer_center", footer=True),
            text("page", "footer_right", footer=True),
        ),
    )


def _article(data: Toml, used: Path) -> str:
    """The article before the mandataire's name (« la », « l' »), or ""."""
    article = data.get("cover", {}).get("mandataire_article", "")
    if not isinstance(article, str):
        raise ConfigError(
            "un texte est attendu (ex. « la », « le », « l' »)", path=str(used), key="cover.mandataire_article"
        )
    return article


def _placeholders(config: Config, when: dt.datetime, article: str) -> dict[str, str]:
    """The values of the {repères} a text of the template may hold."""
    return {
        "alliance": config.name,
        "mandataire": config.mandataire,
        "ministry": config.ministry,
        "fund": config.fund,
        "date": moment(when),
        "le_mandataire": with_article(article, config.mandataire),
    }


def _fill(data: Toml, used: Path, values: dict[str, str], section: str, key: str, *, footer: bool) -> str:
    """The text ``section.key`` of the template, its {repères} replaced."""
    raw = data.get(section, {}).get(key, "")
    if not isinstance(raw, str):
        raise ConfigError("un texte est attendu", path=str(used), key=f"{section}.{key}")
    # Excel reads & as the start of a code in headers and footers: a literal one is &&.
    shown = {k: v.replace("&", "&&") for k, v in values.items()} if footer else values
    try:
        return raw.format_map(shown)
    except KeyError as exc:
        known = ", ".join("{" + k + "}" for k in values)
        raise ConfigError(
            f"repère inconnu {{{exc.args[0]}}} ; repères permis : {known}", path=str(used), key=f"{section}.{key}"
        ) from None
    except (ValueError, IndexError) as exc:
        raise ConfigError(
            f"texte mal formé ({exc}) ; écrivez {{{{ et }}}} pour une accolade", path=str(used), key=f"{section}.{key}"
        ) from None


def _colors(data: Toml, used: Path) -> dict[str, str]:
    """The cell colours, RRGGBB in capitals, by name (the chart's are apart)."""
    colors = {}
    for key, value in data.get("colors", {}).items():
        if key == "chart":
            continue
        if not isinstance(value, str) or not _HEX.match(value):
            raise ConfigError(
                f"une couleur RRGGBB est attendue (ex. 1F4E78), lu : {value!r}", path=str(used), key=f"colors.{key}"
            )
        colors[key] = value.upper()
    return colors


def _chart_colors(data: Toml, used: Path) -> tuple[str, ...]:
    """The colours of the charts' series, in order."""
    chart = data.get("colors", {}).get("chart", [])
    if not isinstance(chart, list) or not chart or not all(isinstance(c, str) and _HEX.match(c) for c in chart):
        raise ConfigError("une liste de couleurs RRGGBB est attendue", path=str(used), key="colors.chart")
    return tuple(c.upper() for c in chart)


def _formats(data: Toml, used: Path) -> dict[str, str]:
    """The number formats (money, count, date…), by name."""
    formats = {}
    for key, value in data.get("formats", {}).items():
        if not isinstance(value, str) or not value.strip():
            raise ConfigError("un code de format de nombre est attendu", path=str(used), key=f"formats.{key}")
        formats[key] = value
    return formats


def _font(data: Toml, used: Path) -> tuple[str, float]:
    """The font's name and size."""
    font = data.get("font", {})
    size = font.get("size", 10)
    if isinstance(size, bool) or not isinstance(size, (int, float)) or not 6 <= size <= 36:
        raise ConfigError(f"une taille entre 6 et 36 est attendue, lu : {size!r}", path=str(used), key="font.size")
    name = font.get("name", "Calibri")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError("un nom de police est attendu", path=str(used), key="font.name")
    return name.strip(), float(size)


class Styles:
    """The XlsxWriter formats of one workbook, by kind, made once and shared."""

    def __init__(self, workbook: Workbook, presentation: Presentation) -> None:
        self.p = presentation
        c, f = {k: "#" + v for k, v in presentation.colors.items()}, presentation.formats
        size = presentation.font_size
        header = dict(
            bold=True,
            font_color=c["header_text"],
            bg_color=c["header_fill"],
            pattern=1,
            text_wrap=True,
            valign="vcenter",
        )
        total = dict(bold=True, bg_color=c["total_fill"], pattern=1)
        link = dict(font_color=c["link"], underline=1, valign="top")
        top = dict(valign="top")
        specs: dict[str, Options] = {
            "plain": top,
            "title": dict(bold=True, font_size=size + 6, font_color=c["title"]),
            "subtitle": dict(italic=True, font_size=size + 1, font_color=c["title"]),
            "heading": dict(bold=True, font_size=size + 2, font_color=c["title"]),
            "label": dict(bold=True, valign="top"),
            "note": dict(italic=True, text_wrap=True, valign="top"),
            "wrap": dict(text_wrap=True, valign="top"),
            "header": header,
            "header_computed": {**header, "bg_color": c["computed_fill"]},
            "money": dict(num_format=f["money"], valign="top"),
            "money_left": dict(num_format=f["money"], align="left", valign="top"),
            "count": dict(num_format=f["count"], valign="top"),
            "count_left": dict(num_format=f["count"], align="left", valign="top"),
            "date": dict(num_format=f["date"], align="center", valign="top"),
            "datetime": dict(num_format=f["datetime"], align="left", valign="top"),
            "percent": dict(num_format=f["percent"], valign="top"),
            "total_label": total,
            "total_money": {**total, "num_format": f["money"]},
            "total_percent": {**total, "num_format": f["percent"]},
            "total_count": {**total, "num_format": f["count"]},
            "link": link,
            "link_count": {**link, "num_format": f["count"]},
            "error": dict(bg_color=c["error"], pattern=1, valign="top"),
            "warning": dict(bg_color=c["warning"], pattern=1, valign="top"),
            "warning_wrap": dict(bg_color=c["warning"], pattern=1, valign="top", text_wrap=True),
            # Par priorité: a sub-region's amount under an axis its action plan does not have.
            "outside_plan_money": dict(num_format=f["money"], font_color=c["excluded_text"], italic=True, valign="top"),
            "conforming": dict(bold=True, font_size=size + 1, bg_color=c["conforming"], pattern=1),
            "not_conforming": dict(bold=True, font_size=size + 1, bg_color=c["not_conforming"], pattern=1),
            # Committee text that a spreadsheet would read as a formula keeps the
            # « quote prefix », so that an analyst who edits the cell keeps text too.
            "quoted": dict(quote_prefix=True, valign="top"),
            "wrap_quoted": dict(quote_prefix=True, text_wrap=True, valign="top"),
            # An amount the committee typed but that could not be read: its text, flagged.
            "unreadable": dict(bg_color=c["error"], pattern=1, valign="top", align="right"),
        }
        self._formats = {kind: workbook.add_format(props) for kind, props in specs.items()}
        self.excluded = workbook.add_format({"font_color": c["excluded_text"], "italic": True})

    def __getitem__(self, kind: str) -> Format:
        return self._formats[kind]

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
