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
import operator
import zlib
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from sync.parsing.records import Payment, Project
from sync.sources import encode_tabs
from sync.vocabulary.template import PAYMENT_COLUMNS, Column

__all__ = [
    "DAMAGED_JSON",
    "DamagedRecord",
    "StoredRecord",
    "compress_tabs",
    "decode_rows",
    "encode_tabs",
    "pack_tabs",
    "project_encoder",
    "record_digest",
    "snapshot_key",
    "store_payment",
    "store_project",
    "unpack_tabs",
]

# --------------------------------------------------------------------------
# Raw rows

_TAGS: dict[str, Callable[[Any], object]] = {
    "$datetime": dt.datetime.fromisoformat,
    "$date": dt.date.fromisoformat,
    "$time": dt.time.fromisoformat,
    "$timedelta": lambda seconds: dt.timedelta(seconds=seconds),
    "$decimal": Decimal,
}


def _decode_value(value: dict[str, Any]) -> object:  # a JSON object (json.loads object_hook)
    if len(value) == 1:
        tag, text = next(iter(value.items()))
        if tag in _TAGS:
            return _TAGS[tag](text)
    return value


def pack_tabs(tabs: dict[str, list[list[object]]], encoded: bytes | None = None) -> tuple[str, bytes]:
    """Tabs of raw rows → (key, zlib-compressed typed JSON: :func:`sync.sources.encode_tabs`):
    a copy whole, as schema 5 stored it (schema 6 stores it by blocks of rows:
    sync/history/snapshots.py). The key is the SHA-256 of that JSON — the source's content
    hash — so identical content is stored once and a date never equals text. ``encoded``: the JSON
    already made for the content hash (``RawWorkbook.encoded()``), not made again.
    """
    data = encode_tabs(tabs) if encoded is None else encoded
    return snapshot_key(data), compress_tabs(data)


def snapshot_key(encoded: bytes) -> str:
    """The key of typed JSON (:func:`sync.sources.encode_tabs`) among snapshots."""
    return hashlib.sha256(encoded).hexdigest()


def compress_tabs(encoded: bytes) -> bytes:
    """Typed JSON as stored (:func:`unpack_tabs` reads it back)."""
    return zlib.compress(encoded, 6)


def unpack_tabs(blob: bytes) -> dict[str, list[list[object]]]:
    data = json.loads(zlib.decompress(blob).decode("utf-8", "surrogatepass"), object_hook=_decode_value)
    return {title: rows for title, rows in data["tabs"]}


def decode_rows(text: bytes) -> list[list[object]]:
    """A block of raw rows as stored (sync/history/snapshots.py): typed JSON of a list of rows."""
    rows = json.loads(text.decode("utf-8", "surrogatepass"), object_hook=_decode_value)
    if not isinstance(rows, list):
        raise TypeError("bloc de lignes inattendu")
    return rows


# --------------------------------------------------------------------------
# Normalised records

PROJECT = "projet"
PAYMENT = "versement"


class DamagedRecord(ValueError):
    """A stored record whose JSON cannot be decoded (a history damaged by hand).
    Its message is French, for the reader."""


# The JSON of a stored record whose text could not even be read (not text at all):
# it fails to decode, like any damaged record.
DAMAGED_JSON = ""


def _text(values: dict[str, object], invalid: frozenset[str]) -> str:
    data: dict[str, object] = {"values": values}
    if invalid:
        data["invalid"] = sorted(invalid)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def record_digest(text: str) -> bytes:
    """The digest of a record's stored JSON: two records with the same digest have
    the same values (128 bits: a collision is out of reach for any history)."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class StoredRecord:
    """A project or payment as the history keeps it: typed values by field name.

    Money is integer cents, dates ISO text, counts int, text str, None when the
    cell is empty; ``invalid`` names the fields whose cell could not be read.

    Two runs are compared by the records' digests (:func:`record_digest` of the
    stored JSON) and only the records that differ are decoded. So that neither
    run stands in memory as text or values, a record may hold only its digest and
    a way to make its JSON again, ``load(key)``: from the parsed project or payment
    of this run, or from the row of a previous run in the history. Its JSON is then
    made each time it is asked for, and its values decoded once, when asked for.
    """

    __slots__ = (
        "_digest",
        "_invalid",
        "_json",
        "_key",
        "_load",
        "_values",
        "committee",
        "counted",
        "project_id",
        "row",
    )

    def __init__(
        self,
        committee: str,
        row: int,
        project_id: str,
        counted: bool,
        values: dict[str, object] | None = None,
        invalid: frozenset[str] = frozenset(),
        *,
        json_text: str | None = None,
        digest: bytes | None = None,
        load: Callable[[Any], str] | None = None,
        key: object = None,
    ):
        if values is None and json_text is None and load is None:
            raise TypeError("StoredRecord needs its values, its JSON text or a way to load it")
        self.committee = committee
        self.row = row
        self.project_id = project_id
        self.counted = counted
        self._values = values
        self._invalid = frozenset(invalid) if values is not None else None
        self._json = json_text
        self._digest = digest
        self._load = load
        self._key = key

    def _decode(self) -> None:
        text = self.to_json()
        try:
            data = json.loads(text)
            values, invalid = data["values"], frozenset(data.get("invalid", ()))
            if not isinstance(values, dict):
                raise TypeError(f"valeurs de type {type(values).__name__}")
        except json.JSONDecodeError as exc:
            raise DamagedRecord(f"{self._where()} : JSON illisible à la position {exc.pos}") from None
        except (ValueError, TypeError, KeyError, AttributeError):
            raise DamagedRecord(f"{self._where()} : contenu inattendu") from None
        self._values, self._invalid = values, invalid

    def _where(self) -> str:
        """« OUEST, ligne 3, OUE-2020-001 »: the record a reader looks for."""
        return ", ".join([self.committee, f"ligne {self.row}", *([self.project_id] if self.project_id else [])])

    @property
    def values(self) -> dict[str, object]:
        if self._values is None:
            self._decode()
        assert self._values is not None
        return self._values

    @property
    def invalid(self) -> frozenset[str]:
        if self._invalid is None:
            self._decode()
        assert self._invalid is not None
        return self._invalid

    def to_json(self) -> str:
        """The JSON the history stores: ``{"values": {…}, "invalid": […]}``."""
        if self._json is not None:
            return self._json
        if self._values is not None:
            assert self._invalid is not None
            self._json = _text(self._values, self._invalid)
            return self._json
        assert self._load is not None
        return self._load(self._key)  # made again each time: not kept in memory

    @property
    def digest(self) -> bytes:
        if self._digest is None:
            self._digest = record_digest(self.to_json())
        return self._digest

    def same_as(self, other: StoredRecord) -> bool:
        """Same values and unreadable fields. Equal digests are enough (nothing is
        decoded); different ones are decoded and compared (the JSON of another tool
        version may differ for the same values)."""
        if self.digest == other.digest:
            return True
        return self.values == other.values and self.invalid == other.invalid

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StoredRecord):
            return NotImplemented
        return (self.committee, self.row, self.project_id, self.counted) == (
            other.committee,
            other.row,
            other.project_id,
            other.counted,
        ) and self.same_as(other)

    __hash__ = None  # type: ignore[assignment]  # mutable cache inside, like the dataclass's dict

    def __repr__(self) -> str:
        return (
            f"StoredRecord({self.committee!r}, {self.row!r}, {self.project_id!r}, {self.counted!r}, "
            f"{self.values!r}, {self.invalid!r})"
        )

    @classmethod
    def from_row(cls, committee: str, row: int, project_id: str, counted: int, text: str) -> StoredRecord:
        """A stored row, with its JSON text (decoded when its values are asked for)."""
        if not isinstance(text, str):
            raise TypeError(f"enregistrement de type {type(text).__name__}")
        return cls(committee, row, project_id, bool(counted), json_text=text)


def _iso(value: object) -> str:
    """Dates (and datetimes) as ISO text; any other type is a bug, said as such."""
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} n'est pas une valeur enregistrable")


# One encoder, made once (json.dumps would make one for each record); a record is a flat
# dictionary, so no cycle to look for.
_RECORD_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_iso, check_circular=False)


class _Encoder:
    """Makes the stored JSON of this run's parsed projects (or payments): each
    column's value by field name (dates as ISO text) and the unreadable fields,
    when the digest is taken and again when the history writes them. One per run
    and kind of record."""

    __slots__ = ("columns", "names", "plain", "years")

    def __init__(self, columns: Sequence[Column]):
        self.columns = columns
        self.names = [column.field for column in columns]
        # The plain fields in one C call; the fiscal years inserted at their places.
        plain = [name for name in self.names if not name.startswith("year:")]
        getter = operator.attrgetter(*plain)
        self.plain = getter if len(plain) > 1 else lambda record: (getter(record),)
        self.years = [(index, name[5:]) for index, name in enumerate(self.names) if name.startswith("year:")]

    def __call__(self, record: Project | Payment) -> str:
        values = list(self.plain(record))
        for index, label in self.years:
            values.insert(index, record.fqis_by_year.get(label))  # type: ignore[union-attr]
        data: dict[str, object] = {"values": dict(zip(self.names, values, strict=True))}
        if record.invalid:
            data["invalid"] = sorted(record.invalid)
        return _RECORD_JSON.encode(data)


_PAYMENT_ENCODER = _Encoder(PAYMENT_COLUMNS)


def _stored(record: Project | Payment, encoder: _Encoder) -> StoredRecord:
    """The record as its digest and its parsed record (already in the report): its
    JSON is made here for the digest, then again only when the history writes it."""
    return StoredRecord(
        record.committee,
        record.row,
        record.project_id,
        record.counted,
        digest=record_digest(encoder(record)),
        load=encoder,
        key=record,
    )


def project_encoder(columns: Sequence[Column]) -> _Encoder:
    return _Encoder(columns)


def store_project(project: Project, columns: list[Column] | _Encoder) -> StoredRecord:
    return _stored(project, columns if isinstance(columns, _Encoder) else _Encoder(columns))


def store_payment(payment: Payment) -> StoredRecord:
    return _stored(payment, _PAYMENT_ENCODER)
