"""Money as integer cents, and the Québec way of writing it.

Every amount in alliance-sync is an ``int`` number of cents, from the parser to
the report; this module is the only place that turns cents into text.
"""

from __future__ import annotations

from decimal import Decimal


def cents_from_dollars(dollars: int | Decimal | str) -> int:
    """Exact cents of a whole or decimal dollar amount from the configuration."""
    value = Decimal(str(dollars)) * 100
    if value != value.to_integral_value():
        raise ValueError(f"{dollars} n'est pas un montant au cent près")
    return int(value)


def group_thousands(number: int, sep: str = " ") -> str:
    digits = str(abs(number))
    groups = []
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
