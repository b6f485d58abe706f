"""What the configuration may contain: known keys, placeholders to replace, values shown in French.

A typo such as ``alocation = 2700000`` or a table ``[googel]`` used to leave a
setting at its default without a word: the built-in Montérégie value was used and
the run said « Conforme ». Each table of the configuration (``sync/config.py``, and
``sync/config/delivery.py`` for ``[delivery]``) names its known keys; any other key
is a configuration error, suggesting the closest known key. The shipped files hold
``REMPLACER-PAR-…`` values where the coordinator's own must go; such a value left in
place is an error at load time, before any network call (docs/configuration.md).
Standard library only: every command loads the configuration.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sync.errors import ConfigError
from sync.wording import did_you_mean, printable

# A TOML table as tomllib reads it: its values are whatever the file holds, each one
# checked where it is read.
TomlTable = dict[str, Any]


def closest_key(typed: str, known: Collection[str]) -> str | None:
    """The known key nearest to ``typed`` (difflib's ratio of at least 0.6), whatever its case."""
    by_lower = {k.lower(): k for k in known}
    found = difflib.get_close_matches(typed.lower(), list(by_lower), n=1)
    return by_lower[found[0]] if found else None


@dataclass(frozen=True)
class Problem:
    """One wrong key of the file: where (« subregions[1].alocation ») and what, in French."""

    key: str
    message: str


def unknown_keys(
    data: Mapping[str, object],
    known: Collection[str],
    table: str = "",
    *,
    arrays: Collection[str] = (),
    ignored: Collection[str] = (),
) -> list[Problem]:
    """The keys of ``data`` not in ``known``, in the file's order. ``table``: where ``data``
    sits (« google », « subregions[2] »), empty for the file's top level, whose tables
    are shown as written: ``[regional]``, and ``[[subregions]]`` for the ``arrays`` of tables.
    ``ignored``: keys refused elsewhere with a message of their own."""
    problems = []
    for name in data:
        if name in known or name in ignored:
            continue
        suggestion = closest_key(name, known)
        if not table and isinstance(data[name], (dict, list)):
            shown = _table(name, isinstance(data[name], list))
            hint = did_you_mean(_table(suggestion, suggestion in arrays) if suggestion else None)
            tables = ", ".join(_table(k, k in arrays) for k in known)
            problems.append(Problem(name, f"table inconnue « {printable(shown)} ».{hint} Tables permises : {tables}."))
        else:
            full = f"{table}.{name}" if table else name
            choices = ", ".join(sorted(known))
            problems.append(
                Problem(
                    full,
                    f"clé inconnue « {printable(name)} ».{did_you_mean(suggestion)} Clés permises ici : {choices}.",
                )
            )
    return problems


def reject(path: Path | str | None, problems: list[Problem], others: str) -> None:
    """Raise the first problem, naming the others (``others``: « clés inconnues »), so
    that every typo of the file is fixed at once."""
    if not problems:
        return
    first, *rest = problems
    message = first.message
    if rest:
        message += f" Autres {others} : {', '.join(f'« {printable(p.key)} »' for p in rest)}."
    raise ConfigError(message, path=str(path) if path else None, key=first.key)


def reject_unknown_keys(
    path: Path | str | None,
    data: Mapping[str, object],
    known: Collection[str],
    table: str = "",
    *,
    arrays: Collection[str] = (),
) -> None:
    """ConfigError naming the first key of ``data`` not in ``known`` (see unknown_keys)."""
    reject(path, unknown_keys(data, known, table, arrays=arrays), "clés inconnues")


def _table(name: str, array: bool) -> str:
    return f"[[{name}]]" if array else f"[{name}]"


# --------------------------------------------------------------------------
# Placeholders of the shipped files

# « REMPLACER-PAR-LA-CLE-DU-CHIFFRIER-OUEST », whatever its case or separators.
_PLACEHOLDER = re.compile(r"REMPLACER[\s_-]*PAR\b", re.IGNORECASE)


def placeholders(data: Mapping[str, object], what_to_put: Mapping[str, str], table: str = "") -> Iterator[Problem]:
    """Every text value of ``data``, at any depth (tables, lists, inline tables), still a
    placeholder of the shipped files, with what to put there (``what_to_put``, by the
    key's last name, from the declarations of sync/config/sections.py)."""
    for name, value in data.items():
        key = f"{table}.{name}" if table else name
        if isinstance(value, Mapping):
            yield from placeholders(value, what_to_put, key)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, Mapping):
                    yield from placeholders(item, what_to_put, f"{key}[{index + 1}]")
                elif _is_placeholder(item):
                    yield _placeholder(key, what_to_put.get(name), item)
        elif _is_placeholder(value):
            yield _placeholder(key, what_to_put.get(name), value)


def _is_placeholder(value: object) -> bool:
    return isinstance(value, str) and _PLACEHOLDER.search(value) is not None


def _placeholder(key: str, what: str | None, value: object) -> Problem:
    what = what or "la valeur réelle que décrit le commentaire du fichier"
    return Problem(key, f"« {printable(str(value))} » est un exemple à remplacer : indiquez {what}.")


def reject_placeholders(path: Path | str | None, data: Mapping[str, object], what_to_put: Mapping[str, str]) -> None:
    """ConfigError naming the first placeholder left in ``data`` (and the others)."""
    reject(path, list(placeholders(data, what_to_put)), "valeurs à remplacer")


# --------------------------------------------------------------------------
# Values shown in messages


def shown(value: object) -> str:
    """A value of the file as the coordinator wrote it, for « …, lu : X »: TOML's own
    spelling (true, 2019-04-01), the kind in French when the value cannot be shown on
    one line (« une table »), never a Python type name."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return f"la date et l'heure {value.isoformat()}"
    if isinstance(value, dt.date):
        return f"la date {value.isoformat()}"
    if isinstance(value, dt.time):
        return f"l'heure {value.isoformat()}"
    if isinstance(value, Mapping):
        return "une table { … }"
    if isinstance(value, (list, tuple)):
        if all(isinstance(item, (str, int, float)) and not isinstance(item, bool) for item in value):
            return printable(repr(list(value)))
        return "une liste [ … ]"
    if value is None:
        return "rien"
    if isinstance(value, (str, int, float)):
        return printable(repr(value))
    return "une valeur illisible"
