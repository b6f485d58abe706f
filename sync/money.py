"""Money as integer cents, and the Québec way of writing it.

Every amount in alliance-sync is a number of cents, :data:`Cents`, from the parser to
the report; this module is the only place that turns cents into text.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import NewType

# An amount in integer cents. A NewType rather than a class: at run time it is the
# very int it wraps (no cost, and JSON, SQLite, XlsxWriter and every reader that
# expects an int get one), while mypy tells an amount from a count or a row number.
# Arithmetic on Cents gives a plain int: a sum becomes an amount again through
# :func:`total_cents` or ``Cents(…)``, where the code says that it is one.
Cents = NewType("Cents", int)

# The largest amount a spreadsheet cell holds exactly: 15 significant digits, i.e.
# 9 999 999 999 999,99 $. Beyond it a workbook would show another amount, and sums
# would no longer fit the history's 64-bit integers; such an amount is refused.
MAX_CENTS = Cents(10**15 - 1)
ZERO = Cents(0)


def total_cents(amounts: Iterable[int]) -> Cents:
    """The sum of amounts, an amount."""
    return Cents(sum(amounts))


def cents_from_dollars(dollars: int | Decimal | str) -> Cents:
    """Exact cents of a whole or decimal dollar amount from the configuration."""
    value = Decimal(str(dollars)) * 100
    if not value.is_finite() or value != value.to_integral_value():
        raise ValueError(f"{dollars} n'est pas un montant au cent près")
    if abs(value) > MAX_CENTS:
        raise ValueError(f"{dollars} dépasse le plus grand montant permis")
    return Cents(int(value))


def spreadsheet_number(cents: int) -> int | Decimal:
    """Cents → the number a spreadsheet cell stores: whole dollars stay integers,
    other amounts an exact Decimal (never a float).

    The one place for every workbook we write. Whatever the type given, openpyxl
    writes a number as 16 significant digits of its nearest binary value (999,94 $
    as ``999.9400000000001``): the 16th digit is the binary number's, which every
    spreadsheet shows and sums as 999,94; nothing more exact can go in the file."""
    whole, part = divmod(cents, 100)
    return whole if part == 0 else Decimal(cents).scaleb(-2)


def group_thousands(number: int, sep: str = " ") -> str:
    digits = str(abs(number))
    groups: list[str] = []
    while digits:
        groups.append(digits[-3:])
        digits = digits[:-3]
    text = sep.join(reversed(groups)) or "0"
    return "-" + text if number < 0 else text


def format_cents(cents: int) -> str:
    """``260000000`` → ``2 600 000,00 $`` (Québec: space for thousands, comma, $ after)."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{group_thousands(whole)},{part:02d} $"


def format_percent(numerator: int, denominator: int, decimals: int = 1) -> str:
    """``95,4 %`` — exact ratio rounded half-up, written the Québec way."""
    if denominator == 0:
        return "—"
    ratio = (Decimal(numerator) * 100 / Decimal(denominator)).quantize(
        Decimal(1).scaleb(-decimals), rounding="ROUND_HALF_UP"
    )
    return f"{ratio}".replace(".", ",") + " %"


def format_share(ratio: Decimal) -> str:
    """A configured share, exactly: ``0.80`` → ``80 %``, ``0.855`` → ``85,5 %``."""
    return f"{(ratio * 100).normalize():f} %".replace(".", ",")
