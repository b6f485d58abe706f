"""Keys of the configuration that no setting reads: announced, never silently dropped.

A typo such as ``feedbak = true`` under ``[google]`` or a table ``[regionl]`` would
otherwise leave a setting at its default without a word. Each table of the
configuration (``sync/config.py``, and ``sync/delivery/settings.py`` for
``[delivery]``) names its known keys; anything else is a warning that suggests the
closest known key. Standard library only: every command loads the configuration.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Collection, Mapping
from pathlib import Path

from sync.wording import did_you_mean

log = logging.getLogger("sync.config")


def closest_key(typed: str, known: Collection[str]) -> str | None:
    """The known key nearest to ``typed`` (difflib's ratio of at least 0.6), whatever its case."""
    by_lower = {k.lower(): k for k in known}
    found = difflib.get_close_matches(typed.lower(), list(by_lower), n=1)
    return by_lower[found[0]] if found else None


def warn_unknown_keys(path: Path | str | None, data: Mapping[str, object], known: Collection[str],
                      table: str = "", *, arrays: Collection[str] = ()) -> None:
    """Warn once per key of ``data`` not in ``known``. ``table``: where ``data`` sits
    (« google », « subregions[2] »), empty for the file's top level, whose tables are
    shown as written: ``[regional]``, and ``[[subregions]]`` for the ``arrays`` of tables."""
    where = f"Configuration {path}" if path else "Configuration"
    for name in sorted(set(data) - set(known)):
        suggestion = closest_key(name, known)
        if not table and isinstance(data[name], (dict, list)):
            shown = _table(name, isinstance(data[name], list))
            hint = did_you_mean(_table(suggestion, suggestion in arrays) if suggestion else None)
            log.warning("%s : table inconnue « %s », ignorée.%s", where, shown, hint)
        else:
            full = f"{table}.{name}" if table else name
            log.warning("%s : clé inconnue « %s », ignorée.%s", where, full, did_you_mean(suggestion))


def _table(name: str, array: bool) -> str:
    return f"[[{name}]]" if array else f"[{name}]"
