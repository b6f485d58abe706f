"""Suggestions of the closest list value (sync/vocabulary/lists.py): difflib's choice,
found through RapidFuzz's candidates so that a long list costs no quadratic time."""

from __future__ import annotations

import difflib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.vocabulary.lists import ValueList
from sync.vocabulary.template import normalise


def difflib_choice(values: list[str], typed: str, cutoff: float) -> str | None:
    """What the rules suggested before RapidFuzz: difflib over the normalised values."""
    by_key = {normalise(v): v for v in values}
    matches = difflib.get_close_matches(normalise(typed), list(by_key), n=1, cutoff=cutoff)
    return by_key[matches[0]] if matches else None


# Small alphabets make near misses, ties and equal ratios frequent.
TEXT = st.text(alphabet="abcé -", max_size=10) | st.text(alphabet="EST-0129", max_size=14)


@settings(max_examples=600, deadline=None)
@given(values=st.lists(TEXT, max_size=12), typed=TEXT, cutoff=st.sampled_from([0.0, 0.6, 0.75, 0.8, 1.0]))
def test_closest_is_difflibs_choice(values, typed, cutoff):
    assert ValueList(values).closest(typed, cutoff) == difflib_choice(values, typed, cutoff)


@pytest.mark.parametrize(
    "values, typed, cutoff, expected",
    [
        (["Sécurité alimentaire", "Logement", "Transport collectif"], "Logemnt", 0.6, "Logement"),
        (["Accepté", "En analyse", "Refusé"], "Acepté", 0.6, "Accepté"),
        (["Roussillon", "Vaudreuil-Soulanges"], "Roussilon", 0.6, "Roussillon"),
        (["OBNL", "Coopérative sans but lucratif"], "OBLN", 0.75, "OBNL"),
        (["OBNL", "Coopérative sans but lucratif"], "Entreprise privée", 0.75, None),
        # A tie is won by the greater normalised key, as with difflib.
        (["OUE-2020-001", "OUE-2020-003"], "OUE-2020-002", 0.8, "OUE-2020-003"),
        (["OUE-2020-001"], "OUE-2020-011", 0.8, "OUE-2020-001"),
        (["OUE-2020-001"], "EST-2021-999", 0.8, None),
        ([], "Logement", 0.6, None),
        # Ratios exactly at a cutoff or at the best ratio, which RapidFuzz's rounding used to drop.
        (["abce", "xyz"], "abcd", 0.75, "abce"),
        (["aabb", "aba"], "abb", 0.8, "aabb"),
        (["aabb"], "abb", 6 / 7, "aabb"),
    ],
)
def test_known_suggestions(values, typed, cutoff, expected):
    assert ValueList(values).closest(typed, cutoff) == expected
    assert difflib_choice(values, typed, cutoff) == expected


def test_closest_among_thousands_of_project_numbers_is_difflibs():
    ids = [f"EST-{2019 + i % 4}-{i:05d}" for i in range(3000)]
    known = ValueList(ids)
    for typed in ["EST-2020-00042", "EST-2020-99999", "est 2022 01234x", "OUE-2019-00001", "EST-2021-0013"]:
        assert known.closest(typed, cutoff=0.8) == difflib_choice(ids, typed, 0.8), typed
