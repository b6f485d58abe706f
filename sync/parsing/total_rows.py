"""Total rows typed under the records: recognised, never read as a project or a payment.

Every spreadsheet user types a « TOTAL » row under a table, sums in the amount
columns. Read as a record it would be counted (engagé 172 %) or give a missing value
in each empty cell. The rule (docs/gabarit.md, « Lignes de total ») decides on the
No projet cell, the one a real record always fills with its own number:

1. the No projet says total (« Total », « TOTAL : », « Total général », « Sous-total »,
   « Totaux », « Grand total »; case, accents, spaces and punctuation aside): the row is
   a total, whatever else it holds — a project number is never a word;
2. the No projet is empty, and the row holds nothing a record has but a total has
   not: no date, no text but a total word, and each amount or count it holds equals
   the sum of its column over the records above (since the header, or since the last
   total row: a sub-total); with at least such an amount or a total word.

A row that says « Total » in its title but has a date, another text, or figures that
are not the sums above may be a project named « Total… »: it is read as a record, and
its empty No projet is a MISSING_VALUE. The sums are those of the values read: an
unreadable value above (already a finding) keeps rule 2 from matching.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Protocol

from sync.vocabulary.template import Column, normalise

_TOTAL_WORDS = re.compile(r"^(?:sous |grand )?tota(?:l|ls|ux)(?: general| global)?$")
_SUMMED = ("money", "count")


def says_total(text: object) -> bool:
    """« Total », « TOTAL : », « Total général », « Sous-total », « Totaux »…"""
    return isinstance(text, str) and _TOTAL_WORDS.match(normalise(text)) is not None


class ReadRecord(Protocol):
    """A project or a payment just read (sync/parsing/records.py, which imports this module)."""

    project_id: str
    invalid: set[str]


def _value(record: ReadRecord, name: str) -> object:
    if name.startswith("year:"):
        years: Mapping[str, object] = getattr(record, "fqis_by_year", {})  # a Project's year columns
        return years.get(name[5:])
    return getattr(record, name)


class RunningSums:
    """The sum of each amount and count column over the records above a row: since
    the header, and since the last total row."""

    def __init__(self, columns: Iterable[Column]) -> None:
        self.fields = [c.field for c in columns if c.kind in _SUMMED]
        self.whole = dict.fromkeys(self.fields, 0)
        self.section = dict.fromkeys(self.fields, 0)

    def add(self, record: ReadRecord) -> None:
        for name in self.fields:
            value = _value(record, name)
            if isinstance(value, int):
                self.whole[name] += value
                self.section[name] += value

    def close_section(self) -> None:
        """A total row closes a section: a later total may sum from it on."""
        self.section = dict.fromkeys(self.fields, 0)

    def matches(self, values: dict[str, int]) -> bool:
        return any(all(sums[name] == value for name, value in values.items()) for sums in (self.whole, self.section))


def total_row_reason(record: ReadRecord, columns: list[Column], sums: RunningSums) -> dict[str, object] | None:
    """Why the record just read is a total row, or None: the values of its TOTAL_ROW_IGNORED
    finding (sync/findings.py words them). ``word``, the total word typed, and ``column``,
    the header it is under; ``numbered``: typed as the No projet (``id_column``); ``sums``:
    its amounts are the sums of the rows above."""
    by_field = {c.field: c for c in columns}
    id_column = by_field["project_id"].header
    if says_total(record.project_id):
        return {"id_column": id_column, "numbered": True, "word": record.project_id, "column": id_column, "sums": False}
    if record.project_id or record.invalid:
        return None
    held = _what_a_total_holds(record, columns)
    if held is None:
        return None
    word, amounts = held
    if amounts and not sums.matches(amounts):
        return None
    if not amounts and word is None:
        return None
    return _unnumbered_reason(id_column, word, amounts)


def _what_a_total_holds(
    record: ReadRecord, columns: list[Column]
) -> tuple[tuple[str, Column] | None, dict[str, int]] | None:
    """The total word of a row without No projet (the first, with its column) and its amounts
    and counts; None when the row holds what only a record has: a date, another text."""
    word: tuple[str, Column] | None = None
    amounts: dict[str, int] = {}
    for column in columns:
        value = _value(record, column.field)
        if column.kind in ("text", "list"):
            if not value:
                continue
            if not says_total(value):
                return None
            word = word or (str(value), column)
        elif column.kind == "date":
            if value is not None:
                return None
        elif isinstance(value, int):
            amounts[column.field] = value
    return word, amounts


def _unnumbered_reason(id_column: str, word: tuple[str, Column] | None, amounts: dict[str, int]) -> dict[str, object]:
    """The TOTAL_ROW_IGNORED values of a total row without No projet."""
    return {
        "id_column": id_column,
        "numbered": False,
        "word": word[0] if word else None,
        "column": word[1].header if word else None,
        "sums": bool(amounts),
    }
