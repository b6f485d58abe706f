"""Reading rows (sync/parsing/records.py, total_rows.py) at the edges mutation testing
found unguarded: which rows are total rows (docs/gabarit.md, « Lignes de total »),
each finding at its cell with its values."""

from __future__ import annotations

import pytest

from sync.parsing.total_rows import says_total


@pytest.mark.parametrize(
    "typed",
    ["Total", "TOTAL", "Total :", "total général", "Total global", "Grand total", "Sous-total", "Totaux", "TOTALS"],
)
def test_the_total_words_say_total(typed):
    assert says_total(typed)


@pytest.mark.parametrize(
    "typed", ["Totalement", "Total partiel", "Sous total général x", "Le total", "OUE-2020-001", "", 12, None]
)
def test_other_text_or_a_number_never_says_total(typed):
    assert not says_total(typed)
