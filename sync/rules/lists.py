"""Matching a typed list value against its list, and suggesting the closest.

The suggestion is difflib's: the value whose ``SequenceMatcher`` ratio with what
was typed is the highest and at least the cutoff, the greater key winning a tie,
exactly as ``difflib.get_close_matches(…, n=1)``. Comparing with every value is
quadratic when the list is long (a payment naming an unknown project among
20,000), so RapidFuzz picks the candidates first, in C++: its Indel ratio
(2 × longest common subsequence / total length) is never below difflib's ratio,
whose matching blocks are one common subsequence. A value whose Indel ratio is
under the cutoff, or under the best difflib ratio found so far, cannot win.
"""

from __future__ import annotations

import difflib

from rapidfuzz import fuzz, process

from sync.parsing.headers import normalise

# RapidFuzz scores are floating-point percentages: this slack keeps a value whose
# two ratios are equal from being dropped by a rounding difference.
_SLACK = 1e-6


class ValueList:
    """A list of allowed values, matched whatever the case, accents or spacing."""

    def __init__(self, values: tuple[str, ...] | list[str]):
        self.values = tuple(values)
        self._by_key = {normalise(v): v for v in self.values}
        self._keys = list(self._by_key)
        self._typed: dict[str, str | None] = {}  # committees type the same few values on every row

    def canonical(self, typed: str) -> str | None:
        try:
            return self._typed[typed]
        except KeyError:
            found = self._typed[typed] = self._by_key.get(normalise(typed))
            return found

    def closest(self, typed: str, cutoff: float = 0.6) -> str | None:
        key = normalise(typed)
        matcher = difflib.SequenceMatcher()
        matcher.set_seq2(key)  # as get_close_matches: the typed text is the second sequence
        # The best Indel ratio gives a difflib ratio that the answer must reach: only
        # the values whose Indel ratio reaches it too are compared with difflib.
        top = process.extractOne(key, self._keys, scorer=fuzz.ratio, processor=None,
                                 score_cutoff=max(0.0, cutoff * 100 - _SLACK))
        if top is None:
            return None
        matcher.set_seq1(top[0])
        floor = max(cutoff, matcher.ratio())
        candidates = process.extract(key, self._keys, scorer=fuzz.ratio, processor=None, limit=None,
                                     score_cutoff=max(0.0, floor * 100 - _SLACK))
        best: tuple[float, str] | None = None
        for candidate, _, _ in candidates:
            matcher.set_seq1(candidate)
            ratio = matcher.ratio()
            if ratio >= cutoff and (best is None or (ratio, candidate) > best):
                best = (ratio, candidate)
        return self._by_key[best[1]] if best else None

    def similarity(self, typed: str, value: str) -> float:
        return difflib.SequenceMatcher(None, normalise(typed), normalise(value)).ratio()

    def shown(self) -> str:
        return ", ".join(self.values)
