"""Matching a typed list value against its list, and suggesting the closest."""

from __future__ import annotations

import difflib

from sync.parsing.headers import normalise


class ValueList:
    """A list of allowed values, matched whatever the case, accents or spacing."""

    def __init__(self, values: tuple[str, ...] | list[str]):
        self.values = tuple(values)
        self._by_key = {normalise(v): v for v in self.values}

    def canonical(self, typed: str) -> str | None:
        return self._by_key.get(normalise(typed))

    def closest(self, typed: str, cutoff: float = 0.6) -> str | None:
        key = normalise(typed)
        matches = difflib.get_close_matches(key, list(self._by_key), n=1, cutoff=cutoff)
        return self._by_key[matches[0]] if matches else None

    def similarity(self, typed: str, value: str) -> float:
        return difflib.SequenceMatcher(None, normalise(typed), normalise(value)).ratio()

    def shown(self) -> str:
        return ", ".join(self.values)
