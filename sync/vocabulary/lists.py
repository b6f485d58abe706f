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

from sync.vocabulary.template import normalise

# RapidFuzz's cutoffs are percentages compared with some rounding: a value whose
# Indel ratio equals a cutoff can be dropped unless the cutoff is a little lower.
# Lowering it only lets in a few more candidates, which difflib then judges exactly.
_SLACK = 0.01


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
        # Best Indel ratio first.
        candidates = process.extract(
            key, self._keys, scorer=fuzz.ratio, processor=None, limit=None, score_cutoff=max(0.0, cutoff * 100 - _SLACK)
        )
        matcher = difflib.SequenceMatcher()
        matcher.set_seq2(key)  # as get_close_matches: the typed text is the second sequence
        best: tuple[float, str] | None = None
        for candidate, bound, _ in candidates:
            if best is not None and bound + _SLACK < best[0] * 100:
                break  # neither this value nor any after it can reach the best ratio
            matcher.set_seq1(candidate)
            ratio = matcher.ratio()
            if ratio >= cutoff and (best is None or (ratio, candidate) > best):
                best = (ratio, candidate)
        return self._by_key[best[1]] if best else None

    def similarity(self, typed: str, value: str) -> float:
        return difflib.SequenceMatcher(None, normalise(typed), normalise(value)).ratio()

    def shown(self) -> str:
        return ", ".join(self.values)
