"""What every source shares: the rows it yields, blank cells, limits.

A source yields the rows of cell values of each tab, and nothing more. Values are
plain Python values — ``None``, ``str``, ``int``, ``float``, ``bool``,
``datetime`` — exactly as the spreadsheet holds them (numbers unformatted, dates
as serial numbers or datetimes). Parsing (sync/parsing) never learns whether the
rows came from a file or from Google.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from sync.config import SourceSpec

Row = list[object]

# The most rows holding something a tab may have below its header (a column of
# formulas copied down a whole sheet): each may make a record and several findings,
# some 5 kB together. Both sources count them with :func:`is_blank_row`.
MAX_ROWS = 25_000

# Characters that render as nothing without being category Cf (format characters):
# Hangul fillers and the combining grapheme joiner.
_FILLERS = frozenset("\u115f\u1160\u3164\uffa0\u034f")


def is_blank_text(text: str) -> bool:
    """Text that shows nothing: only white space (any Unicode space, no-break and
    narrow no-break spaces, tabs, line breaks) and format or zero-width characters
    (category Cf: zero-width space and joiners, byte order mark, soft hyphen…).

    The one definition of blank shared by both sources (their filled-row limit)
    and by parsing (sync/parsing): a cell a committee sees as empty is empty
    everywhere (docs/gabarit.md)."""
    return all(ch.isspace() or ch in _FILLERS or unicodedata.category(ch) == "Cf" for ch in text)


def is_blank(value: object) -> bool:
    """An empty cell, or one whose text shows nothing (:func:`is_blank_text`)."""
    return value is None or (isinstance(value, str) and is_blank_text(value))


def is_blank_value(value: object) -> bool:
    """Blank for a row: a blank cell, or a zero alone, which is no entry: it is what
    a total formula (``=SUM(L2:O2)``) copied down empty rows shows in Sheets and in
    saved workbooks."""
    return is_blank(value) or (value.__class__ in (int, float) and value == 0)


def is_blank_row(row: Row) -> bool:
    """Nothing typed in the row (:func:`is_blank_value` for each cell)."""
    return all(is_blank_value(v) for v in row)


def percent_text(number: int | float) -> str:
    """A number shown as a percentage, as a Québec spreadsheet shows it: ``0.125`` →
    ``12,5 %``. Both sources give a percentage cell as this text, so that parsing
    sees what the committee sees and no 5 % ever becomes 0,05 $ (docs/gabarit.md)."""
    # 15 significant digits, as a spreadsheet keeps: no binary noise in the text.
    percent = (Decimal(format(number, ".15g")) * 100).normalize()
    return f"{percent:f}".replace(".", ",") + "\u00a0%"


def filled_rows(rows: list[Row]) -> int:
    """Rows below the header that are not blank (:func:`is_blank_row`)."""
    return sum(1 for row in rows[1:] if not is_blank_row(row))


@dataclass
class RawWorkbook:
    """What a source read: each tab's rows, top to bottom, row 1 first."""

    tabs: dict[str, list[Row]]
    read_at: dt.datetime
    # Sheet ids (Google's gid) by tab title, for links to a cell; empty for files.
    sheet_ids: dict[str, int] = field(default_factory=dict)
    _encoded: bytes | None = field(default=None, init=False, repr=False, compare=False)

    def encoded(self) -> bytes:
        """The tabs as typed JSON (:func:`encode_tabs`), encoded once: the content
        hash and the history's copy of the rows (sync/history/codec.py) share it."""
        if self._encoded is None:
            self._encoded = encode_tabs(self.tabs)
        return self._encoded

    def content_hash(self) -> str:
        """A hash of the values read, stable across reads of the same content; a
        date and the same-looking text are different content."""
        return hashlib.sha256(self.encoded()).hexdigest()


def _tagged(value: object) -> object:
    # datetime before date: a datetime is a date.
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, dt.time):
        return {"$time": value.isoformat()}
    if isinstance(value, dt.timedelta):
        return {"$timedelta": value.total_seconds()}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    raise TypeError(f"valeur de cellule non prévue : {type(value).__name__}")


def encode_tabs(tabs: dict[str, list[Row]]) -> bytes:
    """Tabs of raw rows → UTF-8 JSON that keeps every cell value's Python type
    (dates and the like are tagged: ``{"$date": "2020-04-01"}``).

    Tabs are [title, rows] pairs, so a tab title is never taken for a tag. Floats
    round-trip exactly (JSON writes their shortest repr). sync/history/codec.py
    reads it back.
    """
    pairs = [[title, rows] for title, rows in tabs.items()]
    text = json.dumps({"tabs": pairs}, default=_tagged, ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8", "surrogatepass")


class Source(Protocol):
    spec: SourceSpec

    def read(self, wanted_tabs: list[str]) -> RawWorkbook:
        """Read the spreadsheet. Tabs in ``wanted_tabs`` are the ones parsing needs;
        a source may return more. Raises :class:`sync.errors.SourceUnavailable`."""

    def cell_link(self, sheet_ids: dict[str, int], sheet: str, cell: str) -> str | None:
        """A link that opens the spreadsheet at that cell, or None; ``sheet_ids`` are
        the tab ids the read returned (RawWorkbook.sheet_ids)."""
