"""One declaration per setting (docs/configuration.md), and the generic reader that walks them.

Each key of the configuration is declared once, in ``sync/config/sections.py``: its
name, its kind (type and bounds, which read and check the value), its default, its
French description, and the environment variable that may stand in for it. From
those declarations come the typed values (``read_section``), the keys each table
knows (``known_keys``: any other key is refused with the closest one,
sync/config/keys.py) and the tables of docs/configuration.md (sync/config/docs.py).
Standard library only: every command loads the configuration.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sync.config.keys import shown
from sync.errors import ConfigError
from sync.money import MAX_CENTS, Cents, cents_from_dollars, format_cents

Fail = Callable[[str, str], ConfigError]  # (key, French message) → the error to raise


class Kind:
    """How a value of the file is read and checked; ``label`` is its type, in French, for the docs."""

    label = ""

    def read(self, fail: Fail, key: str, value: object, base: Path) -> Any:
        return value

    def shown_default(self, value: object) -> str:
        if value is None:
            return "aucun"
        if isinstance(value, bool):
            return f"`{'true' if value else 'false'}`"
        if isinstance(value, float) and value.is_integer():
            return f"`{int(value)}`"
        if isinstance(value, str):
            return f'`"{value}"`'
        return f"`{value}`"


def one_line_text(fail: Fail, key: str, value: object) -> str:
    """A non-empty text of one line, stripped: a NUL or a line feed in a name ends up in
    file names, e-mail headers and logs."""
    if not isinstance(value, str) or not value.strip():
        raise fail(key, f"un texte non vide est attendu, lu : {shown(value)}")
    if any(unicodedata.category(c) == "Cc" for c in value):
        raise fail(key, f"un texte d'une seule ligne, sans caractère de contrôle, est attendu, lu : {shown(value)}")
    return value.strip()


@dataclass(frozen=True)
class Flag(Kind):
    label: str = "booléen"

    def read(self, fail: Fail, key: str, value: object, base: Path) -> bool:
        if not isinstance(value, bool):
            raise fail(key, f"true ou false est attendu, lu : {shown(value)}")
        return value


@dataclass(frozen=True)
class Count(Kind):
    """A whole number of at least 1 (reads per minute, attempts)."""

    label: str = "entier ≥ 1"

    def read(self, fail: Fail, key: str, value: object, base: Path) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise fail(key, f"un entier positif est attendu, lu : {shown(value)}")
        return value


@dataclass(frozen=True)
class Seconds(Kind):
    """A finite number of seconds; ``above_zero``: 0 is refused too (a wait that never waits)."""

    above_zero: bool = False
    label: str = "secondes"

    def __post_init__(self) -> None:
        if self.above_zero:
            object.__setattr__(self, "label", "secondes > 0")

    def read(self, fail: Fail, key: str, value: object, base: Path) -> float:
        number = not isinstance(value, bool) and isinstance(value, (int, float))
        if not number or not 0 <= value < math.inf:  # type: ignore[operator]
            bound = "supérieur à 0" if self.above_zero else "positif"
            raise fail(key, f"un nombre de secondes {bound} est attendu, lu : {shown(value)}")
        if self.above_zero and value == 0:
            raise fail(key, f"un nombre de secondes supérieur à 0 est attendu, lu : {shown(value)}")
        return float(value)  # type: ignore[arg-type]


@dataclass(frozen=True)
class FilePath(Kind):
    """A path relative to the configuration file's folder."""

    label: str = "chemin"

    def read(self, fail: Fail, key: str, value: object, base: Path) -> Path:
        return (base / one_line_text(fail, key, value)).resolve()


@dataclass(frozen=True)
class Text(Kind):
    """A non-empty text of one line (see one_line_text)."""

    label: str = "texte"

    def read(self, fail: Fail, key: str, value: object, base: Path) -> str:
        return one_line_text(fail, key, value)


@dataclass(frozen=True)
class Money(Kind):
    """An amount in dollars, exact to the cent, read into integer cents; ``above_zero``: 0 refused
    (the section says why: its message is its own)."""

    label: str = "montant"

    def read(self, fail: Fail, key: str, value: object, base: Path) -> Cents:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise fail(key, f"un montant en dollars est attendu, lu : {shown(value)}")
        try:
            # A TOML float such as 2600000.5 is read through its shortest text,
            # which is what the coordinator typed.
            cents = cents_from_dollars(repr(value) if isinstance(value, float) else value)
        except (ValueError, InvalidOperation):
            raise fail(
                key,
                f"montant illisible, non exact au cent ou trop grand (au plus "
                f"{format_cents(MAX_CENTS)}) : {shown(value)}",
            ) from None
        if cents < 0:
            raise fail(key, f"le montant doit être positif, lu : {shown(value)}")
        return cents


@dataclass(frozen=True)
class Ratio(Kind):
    """A proportion, 0 < x ≤ 1, read exactly (Decimal)."""

    label: str = "proportion, 0 < x ≤ 1"

    def read(self, fail: Fail, key: str, value: object, base: Path) -> Decimal:
        try:
            ratio = Decimal(repr(value) if isinstance(value, float) else str(value))
        except InvalidOperation:
            raise fail(key, f"une proportion entre 0 et 1 est attendue, lu : {shown(value)}") from None
        if isinstance(value, bool) or not ratio.is_finite() or not (0 < ratio <= 1):
            # « 80 » for 80 %: the coordinator thought in percent.
            hint = (
                f" ; pour {value} %, écrivez {ratio / 100}"
                if not isinstance(value, bool) and ratio.is_finite() and 1 < ratio <= 100
                else ""
            )
            raise fail(key, f"une proportion entre 0 et 1 est attendue (ex. 0.80), lu : {shown(value)}{hint}")
        return ratio

    def shown_default(self, value: object) -> str:
        return f"`{value}`"


@dataclass(frozen=True)
class Date(Kind):
    """A TOML date (a date and time keeps its date; a text AAAA-MM-JJ is read too)."""

    label: str = "date TOML"

    def read(self, fail: Fail, key: str, value: object, base: Path) -> dt.date:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise fail(key, f"une date AAAA-MM-JJ est attendue, lu : {shown(value)}") from None

    def shown_default(self, value: object) -> str:
        return f"`{value}`"


@dataclass(frozen=True)
class TextList(Kind):
    """A list of non-empty texts (one text alone is a list of one); ``required``: an empty
    list would make every project's value unknown."""

    required: bool = False
    label: str = "liste de textes"

    def __post_init__(self) -> None:
        if self.required:
            object.__setattr__(self, "label", "liste de textes, non vide")

    def read(self, fail: Fail, key: str, value: object, base: Path) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) and v.strip() for v in value):
            raise fail(key, "une liste de textes est attendue")
        if self.required and not value:
            raise fail(key, "au moins une valeur est requise")
        return tuple(v.strip() for v in value)


@dataclass(frozen=True)
class Described(Kind):
    """A value its section reads itself (cross-key rules, special forms): declared here
    for its key, default and documentation only."""

    label: str = ""


@dataclass(frozen=True)
class Setting:
    """One key of one table. ``default``: the typed value a file that leaves the key out
    gets; ``shown_default``: how the docs write it, when words say it better;
    ``required``: the docs' words for when the key must be given (« requis »)."""

    name: str
    kind: Kind
    role: str
    default: Any = None
    shown_default: str | None = None
    required: str | None = None
    type_label: str | None = None  # the docs' type, when the kind's label is not precise enough
    # What to write instead of a REMPLACER-PAR-… value of the shipped files (sync/config/keys.py).
    placeholder: str | None = None

    @property
    def documented_type(self) -> str:
        return self.type_label or self.kind.label

    @property
    def documented_default(self) -> str:
        if self.required is not None:
            return self.required
        if self.shown_default is not None:
            return self.shown_default
        return self.kind.shown_default(self.default)


@dataclass(frozen=True)
class Section:
    """One table of the file: ``table`` as the errors name it (« google », « delivery.smtp »),
    ``title`` as the docs show it above its keys."""

    table: str
    settings: tuple[Setting, ...]
    array: bool = False  # [[subregions]]: one table per item
    refused: tuple[str, ...] = ()  # keys refused with a message of their own, not as typos

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.settings)

    def setting(self, name: str) -> Setting:
        for item in self.settings:
            if item.name == name:
                return item
        raise KeyError(name)

    def default(self, name: str) -> Any:
        return self.setting(name).default

    @property
    def defaults(self) -> dict[str, Any]:
        """Every key's default, for the section's dataclass."""
        return {s.name: s.default for s in self.settings}


@dataclass(frozen=True)
class Variable:
    """An environment variable: one more provider of a setting, resolved when the
    configuration is loaded (never read again at use time). ``field``: the section's
    typed value that receives it (« google.sheets_url »)."""

    name: str
    role: str
    field: str


@dataclass(frozen=True)
class Resolved:
    """A value resolved at load time, and where it came from, in French."""

    value: str
    origin: str = field(default="")


def read_section(fail: Fail, section: Section, data: Mapping[str, object], base: Path) -> dict[str, Any]:
    """The typed values of ``section`` in ``data``: each key read by its kind, or its
    default when the file leaves it out. Values of kind ``Described`` are left to the section's code."""
    values: dict[str, Any] = {}
    for setting in section.settings:
        if isinstance(setting.kind, Described):
            continue
        key = f"{section.table}.{setting.name}"
        if setting.name in data:
            values[setting.name] = setting.kind.read(fail, key, data[setting.name], base)
        else:
            # The default is read like a typed value (dollars into cents, "0.80" into a Decimal).
            values[setting.name] = (
                None if setting.default is None else setting.kind.read(fail, key, setting.default, base)
            )
    return values
