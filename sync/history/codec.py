"""What the history stores, as JSON: raw rows of a source and normalised records.

Raw rows keep every cell value's Python type (dates are tagged), so a last good
copy goes through exactly the same parsing as a fresh read. Normalised records
keep each field's typed value (cents, ISO dates, text), so two runs compare
field by field whatever the spreadsheet's layout or row order.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sync.parsing.headers import PAYMENT_COLUMNS, Column
from sync.parsing.records import Payment, Project
from sync.sources import encode_tabs

# --------------------------------------------------------------------------
# Raw rows

_TAGS: dict[str, Callable[[Any], object]] = {
    "$datetime": dt.datetime.fromisoformat,
    "$date": dt.date.fromisoformat,
    "$time": dt.time.fromisoformat,
    "$timedelta": lambda seconds: dt.timedelta(seconds=seconds),
    "$decimal": Decimal,
}


def _decode_value(value: dict) -> object:
    if len(value) == 1:
        tag, text = next(iter(value.items()))
        if tag in _TAGS:
            return _TAGS[tag](text)
    return value


def pack_tabs(tabs: dict[str, list[list[object]]], encoded: bytes | None = None) -> tuple[str, bytes]:
    """Tabs of raw rows → (key, zlib-compressed typed JSON: :func:`sync.sources.encode_tabs`).
    The key is the SHA-256 of that JSON — the source's content hash — so identical
    content is stored once and a date never equals text. ``encoded``: the JSON
    already made for the content hash (``RawWorkbook.encoded()``), not made again.
    """
    data = encode_tabs(tabs) if encoded is None else encoded
    return hashlib.sha256(data).hexdigest(), zlib.compress(data, 6)


def unpack_tabs(blob: bytes) -> dict[str, list[list[object]]]:
    data = json.loads(zlib.decompress(blob).decode("utf-8", "surrogatepass"), object_hook=_decode_value)
    return {title: rows for title, rows in data["tabs"]}


# --------------------------------------------------------------------------
# Normalised records

PROJECT = "projet"
PAYMENT = "versement"


@dataclass(frozen=True)
class StoredRecord:
    """A project or payment as the history keeps it: typed values by field name.

    Money is integer cents, dates ISO text, counts int, text str, None when the
    cell is empty; ``invalid`` names the fields whose cell could not be read.
    """

    committee: str
    row: int
    project_id: str
    counted: bool
    values: dict[str, object]
    invalid: frozenset[str] = field(default_factory=frozenset)

    def to_json(self) -> str:
        data: dict[str, object] = {"values": self.values}
        if self.invalid:
            data["invalid"] = sorted(self.invalid)
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_row(cls, committee: str, row: int, project_id: str, counted: int, text: str) -> StoredRecord:
        data = json.loads(text)
        return cls(committee, row, project_id, bool(counted), data["values"], frozenset(data.get("invalid", ())))


def _json_value(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _values(record: Project | Payment, columns: list[Column]) -> dict[str, object]:
    values: dict[str, object] = {}
    for column in columns:
        if column.field.startswith("year:"):
            value = record.fqis_by_year.get(column.field[5:])  # type: ignore[union-attr]
        else:
            value = getattr(record, column.field)
        values[column.field] = _json_value(value)
    return values


def store_project(project: Project, columns: list[Column]) -> StoredRecord:
    return StoredRecord(project.committee, project.row, project.project_id, project.counted,
                        _values(project, columns), frozenset(project.invalid))


def store_payment(payment: Payment) -> StoredRecord:
    return StoredRecord(payment.committee, payment.row, payment.project_id, payment.counted,
                        _values(payment, PAYMENT_COLUMNS), frozenset(payment.invalid))


def year_labels_of(records: list[StoredRecord]) -> list[str]:
    """Fiscal years present in stored projects, in order (they sort as text)."""
    labels = {name[5:] for record in records for name in record.values if name.startswith("year:")}
    return sorted(labels)
