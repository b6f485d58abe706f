"""Cell values as committees really type them, read exactly or not at all.

Each parser returns the typed value, or raises :class:`Unreadable` with the reason
(``negative`` for amounts), so that the caller turns it into a finding at the cell.
Nothing here guesses: an ambiguous value (``12,500``) is unreadable.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from sync.money import MAX_CENTS, Cents
from sync.sources import is_blank

__all__ = ["Unreadable", "as_text", "is_blank", "parse_cents", "parse_date", "parse_whole_number"]

# Spreadsheet serial numbers count days from 1899-12-30 (Sheets and Excel alike,
# Excel's fictitious 1900-02-29 included).
SERIAL_EPOCH = dt.date(1899, 12, 30)
_MAX_SERIAL = 2958465  # 9999-12-31
# A count a spreadsheet holds exactly (15 significant digits), like an amount.
_MAX_WHOLE = 10**15 - 1

# Ordinary, no-break, narrow no-break, thin and figure spaces, and tabs: all are
# thousands separators when committees type amounts.
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u2007]+")
_AMOUNT = re.compile(r"^[+-]?\d[\d.,]*$")
_ISO_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]00:00(?::00)?)?$")
_DMY_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_GROUPED = re.compile(r"^\d{1,3}(?:X\d{3})+$")
# Digits separated by spaces: the spaces group thousands, so every group after the
# first has exactly three digits (« 12 500 »); « 12 50,00 » or « 1 2345 » is a typo.
_SPACED_DIGITS = re.compile(r"\d+(?:[\s\u00a0\u202f\u2009\u2007]+\d+)+")
_SPACED_OK = re.compile(r"^\d{1,3}(?:[\s\u00a0\u202f\u2009\u2007]+\d{3})+$")


class Unreadable(ValueError):
    """A value that cannot be read exactly; ``reason`` says why."""

    def __init__(self, reason: str = "unreadable"):
        super().__init__(reason)
        self.reason = reason


def as_text(value: object) -> str:
    """The text of a cell as the committee sees it: ``1234.0`` → ``1234``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "VRAI" if value else "FAUX"
    if isinstance(value, float) and value.is_integer() and abs(value) <= _MAX_WHOLE:
        return str(int(value))
    if isinstance(value, float):
        # 15 significant digits, as a spreadsheet shows: 1e+300, not 301 digits of noise.
        return format(value, ".15g")
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _decimal_from_number(value: int | float | Decimal) -> Decimal:
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise Unreadable()
        # A spreadsheet keeps 15 significant digits; beyond them a float only
        # carries binary noise (0.1 + 0.2 = 0.30000000000000004).
        return Decimal(format(value, ".15g"))
    number = Decimal(value)
    if not number.is_finite():
        raise Unreadable()
    return number


def _decimal_from_text(text: str) -> Decimal:
    for spaced in _SPACED_DIGITS.finditer(text):
        if not _SPACED_OK.match(spaced.group()):
            raise Unreadable()
    compact = _SPACES.sub("", text)
    negative = False
    if compact.startswith("(") and compact.endswith(")"):
        negative, compact = True, compact[1:-1]
    if compact.count("$") > 1:
        raise Unreadable()
    if compact.startswith("-$") or compact.startswith("+$"):
        compact = compact[0] + compact[2:]
    compact = compact.removeprefix("$").removesuffix("$")
    if not _AMOUNT.match(compact):
        raise Unreadable()
    sign = ""
    if compact[0] in "+-":
        sign, compact = compact[0], compact[1:]
    if negative:
        sign = "-"
    number = _normalise_separators(compact)
    try:
        return Decimal(sign + number)
    except InvalidOperation as exc:  # pragma: no cover - the regexes forbid it
        raise Unreadable() from exc


def _normalise_separators(digits: str) -> str:
    """Digits with ``.`` and ``,`` → a plain decimal string, or Unreadable.

    The last separator is the decimal mark when it is followed by one or two
    digits; every other separator must group thousands by three. A single
    separator followed by exactly three digits (``12,500``, ``12.500``) is read
    both ways in Québec and is refused rather than guessed.
    """
    positions = [i for i, ch in enumerate(digits) if ch in ".,"]
    if not positions:
        return digits
    last = positions[-1]
    tail = digits[last + 1 :]
    marks = {digits[i] for i in positions}
    if len(positions) == 1 and len(tail) == 3:
        raise Unreadable()
    if 1 <= len(tail) <= 2 or (len(tail) > 3 and len(positions) == 1):
        head, decimals = digits[:last], tail
        grouping = {digits[i] for i in positions[:-1]}
        if grouping & {digits[last]}:
            raise Unreadable()
    elif len(tail) == 3 and len(marks) == 1:
        head, decimals = digits, ""
    else:
        raise Unreadable()
    if any(ch in ".," for ch in head):
        if not _GROUPED.match(re.sub(r"[.,]", "X", head)):
            raise Unreadable()
        head = re.sub(r"[.,]", "", head)
    return f"{head}.{decimals}" if decimals else head


def parse_cents(value: object) -> Cents:
    """Exact integer cents of a money cell, or Unreadable (reason ``negative`` too)."""
    if isinstance(value, (bool, dt.date, dt.datetime)):
        raise Unreadable()
    if isinstance(value, (int, float, Decimal)):
        amount = _decimal_from_number(value)
    elif isinstance(value, str):
        amount = _decimal_from_text(value)
    else:
        raise Unreadable()
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise Unreadable("fraction")
    if cents < 0:
        raise Unreadable("negative")
    if cents > MAX_CENTS:
        # No spreadsheet holds it exactly (and it is surely a typing accident).
        raise Unreadable("too_large")
    return Cents(int(cents))


def parse_whole_number(value: object) -> int:
    """A participant count: a whole number ≥ 0, or Unreadable."""
    if isinstance(value, bool):
        raise Unreadable()
    if isinstance(value, (int, float, Decimal)):
        number = _decimal_from_number(value)
    elif isinstance(value, str):
        if any(not _SPACED_OK.match(m.group()) for m in _SPACED_DIGITS.finditer(value)):
            raise Unreadable()
        compact = _SPACES.sub("", value)
        if not re.fullmatch(r"[+-]?\d+", compact):
            raise Unreadable()
        number = Decimal(compact)
    else:
        raise Unreadable()
    if number != number.to_integral_value() or not 0 <= number <= _MAX_WHOLE:
        raise Unreadable()
    return int(number)


def date_from_serial(serial: int | float | Decimal) -> dt.date:
    number = _decimal_from_number(serial)
    if not 1 <= number <= _MAX_SERIAL:
        raise Unreadable()
    # A fraction is a time of day; the date is the whole part.
    return SERIAL_EPOCH + dt.timedelta(days=int(number))


def parse_date(value: object) -> dt.date:
    """A date from a datetime cell, a serial number, ISO or day-first text."""
    if isinstance(value, bool):
        raise Unreadable()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float, Decimal)):
        return date_from_serial(value)
    if not isinstance(value, str):
        raise Unreadable()
    text = value.strip()
    if text.isascii() and text.isdigit():  # isdigit() alone admits « ² », which int() refuses
        return date_from_serial(int(text))
    match = _ISO_DATE.match(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = _DMY_DATE.match(text)
        if not match:
            raise Unreadable()
        day, month, year = (int(g) for g in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise Unreadable() from exc
