"""Reading rows (sync/parsing/records.py, total_rows.py) at the edges mutation testing
found unguarded: which rows are total rows (docs/gabarit.md, « Lignes de total »),
each finding at its cell with its values."""

from __future__ import annotations

import pytest

from sync.config import load_config
from sync.parsing.records import ParsedWorkbook, parse_workbook
from sync.parsing.total_rows import says_total
from tests.support.builders import PAYMENT_HEADERS, PROJECT_HEADERS, write_alliance


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    return load_config(write_alliance(tmp_path_factory.mktemp("alliance")))


def row(headers: list[str], by_header: dict[str, object]) -> list[object]:
    """A row of ``headers`` with the values given by header, empty elsewhere."""
    return [by_header.get(header) for header in headers]


def parse(config, projects=(), payments=(), tabs=None) -> ParsedWorkbook:
    """OUEST's workbook of these raw rows (header row first), read as a source gives them."""
    tabs = tabs or {"Projets": [PROJECT_HEADERS, *projects], "Versements": [PAYMENT_HEADERS, *payments]}
    return parse_workbook(config.committee("OUEST"), tabs, config)


def where(f) -> tuple:
    return (f.code, f.sheet, f.cell, f.row, f.field, f.values)


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
