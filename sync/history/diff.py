"""What changed between two runs, as the :class:`sync.changes.Changes` model.

Projects are identified by (committee, No projet); a number used twice in a
committee is told apart by its order of appearance.

Payments have no identifier. They are matched in stages, each stage pairing the
payments left over by the previous one, in row order:

1. same project, date, amount and reference — the same payment (only its note
   may have changed);
2. three of those four fields the same — a payment with one field corrected:
   its amount, its date, its reference, or its project number. These pairs are
   chosen together, so that as many payments as possible find their own: two
   payments of the same amount under the same reference, one with its reference
   corrected and the other its date, are each paired with their own old version
   (a first-come pairing would give the second the first's old version, by their
   shared amount and reference, and report a wrong date change);
3. same project and reference (when there is one), then same project and date,
   then same project and amount — a payment with several fields corrected.

Whatever is left is added or removed. The row number is never part of the
identity, so inserting, deleting or sorting rows reports only the payments that
really changed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict, deque
from collections.abc import Callable, Iterator, Sequence
from typing import Protocol

from sync.changes import ADDED, MODIFIED, REMOVED, Changes, FieldChange, RecordChange
from sync.history.codec import PAYMENT, PROJECT, DamagedRecord, StoredRecord
from sync.money import format_cents
from sync.vocabulary.template import PAYMENT_COLUMNS, Column, alliance_columns

EMPTY = "(vide)"
UNREADABLE = "(illisible)"

_KIND_ORDER = {ADDED: 0, MODIFIED: 1, REMOVED: 2}

# A change found, with the row of the record it is about (the order within its group).
Found = tuple[RecordChange, int]
# What pairs two payments at a stage of the matching: some of their values.
Identity = tuple[object, ...]


class Records(Protocol):
    """The records of one run (sync/history/store.py's RunRecords, which imports this module)."""

    @property
    def fund(self) -> str: ...
    @property
    def projects(self) -> list[StoredRecord]: ...
    @property
    def payments(self) -> list[StoredRecord]: ...


_RECORD_ORDER = {PROJECT: 0, PAYMENT: 1}


def display(column: Column, record: StoredRecord) -> str:
    """A field's value as the reader sees it: Québec money, ISO dates."""
    if column.field in record.invalid:
        return UNREADABLE
    value = record.values.get(column.field)
    if value is None or value == "":
        return EMPTY
    if column.kind == "money" and isinstance(value, int):  # money is kept as integer cents
        return format_cents(value)
    return str(value)


def _field_changes(columns: Sequence[Column], before: StoredRecord, after: StoredRecord) -> tuple[FieldChange, ...]:
    if before.same_as(after):
        return ()  # most records, most nights: same digest, nothing is decoded
    changes = []
    for column in columns:
        old, new = display(column, before), display(column, after)
        if old != new:
            changes.append(FieldChange(column.header, old, new))
    return tuple(changes)


# ------------------------------------------------------------------ projects


def _project_key(record: StoredRecord) -> str:
    return record.project_id or f"(sans numéro, ligne {record.row})"


def _keyed_projects(records: list[StoredRecord]) -> dict[tuple[str, str], StoredRecord]:
    keyed: dict[tuple[str, str], StoredRecord] = {}
    seen: dict[tuple[str, str], int] = defaultdict(int)
    for record in records:
        base = (record.committee, _project_key(record))
        seen[base] += 1
        key = base if seen[base] == 1 else (base[0], f"{base[1]} ({seen[base]}e occurrence)")
        keyed[key] = record
    return keyed


def _columns(fund: str, years: tuple[str, ...]) -> tuple[Column, ...]:
    return alliance_columns(fund, years).projects


def _pair_columns(fund: str, before: StoredRecord, after: StoredRecord) -> tuple[Column, ...]:
    """The columns to compare two versions of a project: the fiscal years of either.

    A run stores every project with the same fiscal-year fields (its configuration's),
    so these are the years of both runs, and project_columns keeps its order for any
    subset of years: the same columns, in the same order, as with every year of both
    runs, found without decoding the records that did not change.
    """
    years = {name[5:] for record in (before, after) for name in record.values if name.startswith("year:")}
    return _columns(fund, tuple(sorted(years)))


def _project_changes(before: list[StoredRecord], after: list[StoredRecord], fund: str) -> Iterator[Found]:
    old, new = _keyed_projects(before), _keyed_projects(after)
    for key, record in new.items():
        previous = old.get(key)
        if previous is None:
            yield RecordChange(ADDED, PROJECT, key[0], key[1], _project_label(record)), record.row
        elif not previous.same_as(record):
            fields = _field_changes(_pair_columns(fund, previous, record), previous, record)
            if fields:
                yield RecordChange(MODIFIED, PROJECT, key[0], key[1], _project_label(record), fields), record.row
    for key, record in old.items():
        if key not in new:
            yield RecordChange(REMOVED, PROJECT, key[0], key[1], _project_label(record)), record.row


def _project_label(record: StoredRecord) -> str:
    return str(record.values.get("title") or "")


# ------------------------------------------------------------------ payments


def _value(record: StoredRecord, name: str) -> object:
    return "!" if name in record.invalid else record.values.get(name)


_IDENTITY = ("project_id", "date", "amount", "reference")


def _identity(record: StoredRecord, *fields: str) -> Identity | None:
    """The record's values of ``fields``; None when its project, date or amount is
    among them and empty, so that two payments are never paired on blanks. An empty
    reference is a value: most payments have none."""
    values = tuple(record.project_id if name == "project_id" else _value(record, name) for name in fields)
    blank = any(value is None or value == "" for name, value in zip(fields, values, strict=True) if name != "reference")
    return None if blank else values


def _all_but(field_name: str) -> Callable[[StoredRecord], Identity | None]:
    kept = tuple(name for name in _IDENTITY if name != field_name)
    return lambda r: _identity(r, *kept)


Stage = Callable[[StoredRecord], Identity | None]
Pair = tuple[StoredRecord, StoredRecord]


def _same(record: StoredRecord) -> Identity:
    """Stage 1: the same payment, its project, date, amount and reference."""
    return (record.project_id, _value(record, "date"), _value(record, "amount"), _value(record, "reference"))


# One field corrected, whichever it is (the project number included).
_ONE_CORRECTED: list[Stage] = [_all_but(name) for name in ("amount", "date", "reference", "project_id")]
_SEVERAL_CORRECTED: list[Stage] = [
    lambda r: (r.project_id, _value(r, "reference")) if r.values.get("reference") else None,
    lambda r: (r.project_id, _value(r, "date")) if r.values.get("date") else None,
    lambda r: (r.project_id, _value(r, "amount")) if r.values.get("amount") is not None else None,
]


def _match_stage(
    stage: Stage, old_left: list[StoredRecord], new_left: list[StoredRecord], pairs: list[Pair]
) -> tuple[list[StoredRecord], list[StoredRecord]]:
    """Pairs each new payment with the first old one of the same ``stage`` key, in
    row order; the old and new left unmatched."""
    waiting: dict[Identity, list[StoredRecord]] = defaultdict(list)
    for record in old_left:
        key = stage(record)
        if key is not None:
            waiting[key].append(record)
    unmatched_new = []
    matched_old: set[int] = set()
    for record in new_left:
        key = stage(record)
        candidates = waiting.get(key) if key is not None else None
        if candidates:
            old = candidates.pop(0)
            pairs.append((old, record))
            matched_old.add(id(old))
        else:
            unmatched_new.append(record)
    return [r for r in old_left if id(r) not in matched_old], unmatched_new


def _one_corrected_candidates(old_left: list[StoredRecord], new_left: list[StoredRecord]) -> list[list[int]]:
    """For each new payment, the old ones (their indices) that agree with it on three
    of the four fields: by the field corrected (amount, date, reference, project
    number), then in row order."""
    indexed: list[dict[Identity, list[int]]] = []
    for stage in _ONE_CORRECTED:
        by_key: dict[Identity, list[int]] = defaultdict(list)
        for i, record in enumerate(old_left):
            key = stage(record)
            if key is not None:
                by_key[key].append(i)
        indexed.append(by_key)
    candidates = []
    for record in new_left:
        keys = [stage(record) for stage in _ONE_CORRECTED]
        found = [i for by_key, key in zip(indexed, keys, strict=True) if key is not None for i in by_key.get(key, ())]
        candidates.append(list(dict.fromkeys(found)))
    return candidates


def _augment(start: int, candidates: list[list[int]], owner: dict[int, int], partner: dict[int, int]) -> None:
    """Pairs new payment ``start`` with an old one: a free candidate if it has one,
    else one freed by moving earlier pairs along a chain (an augmenting path, breadth
    first, so the shortest chain wins); ``owner`` maps old to new, ``partner`` new to old."""
    reached_from: dict[int, int] = {}
    queue = deque([start])
    while queue:
        new = queue.popleft()
        for old in candidates[new]:
            if old in reached_from:
                continue
            reached_from[old] = new
            if old not in owner:
                _flip(old, reached_from, owner, partner)
                return
            queue.append(owner[old])


def _flip(old: int, reached_from: dict[int, int], owner: dict[int, int], partner: dict[int, int]) -> None:
    """Moves each pair of the chain that ends at the free ``old`` one step along it."""
    while True:
        new = reached_from[old]
        previous = partner.get(new)
        owner[old], partner[new] = new, old
        if previous is None:
            return
        old = previous


def _match_one_corrected(
    old_left: list[StoredRecord], new_left: list[StoredRecord], pairs: list[Pair]
) -> tuple[list[StoredRecord], list[StoredRecord]]:
    """Stage 2, as one matching of the most payments (not first come, first paired)."""
    candidates = _one_corrected_candidates(old_left, new_left)
    owner: dict[int, int] = {}
    partner: dict[int, int] = {}
    for new in range(len(new_left)):
        if candidates[new]:
            _augment(new, candidates, owner, partner)
    pairs.extend((old_left[partner[new]], new_left[new]) for new in sorted(partner))
    old_unmatched = [record for i, record in enumerate(old_left) if i not in owner]
    return old_unmatched, [record for i, record in enumerate(new_left) if i not in partner]


def _match_payments(
    before: list[StoredRecord], after: list[StoredRecord]
) -> tuple[list[Pair], list[StoredRecord], list[StoredRecord]]:
    """Pairs (old, new) matched stage by stage, then the unmatched old and new."""
    pairs: list[Pair] = []
    old_left, new_left = _match_stage(_same, list(before), list(after), pairs)
    old_left, new_left = _match_one_corrected(old_left, new_left, pairs)
    for stage in _SEVERAL_CORRECTED:
        old_left, new_left = _match_stage(stage, old_left, new_left, pairs)
    return pairs, old_left, new_left


def payment_key(record: StoredRecord) -> str:
    """« OUE-2020-003 · 2020-06-01 · réf. VER-0012 » — how a reader finds the payment."""
    parts = [record.project_id or "(sans projet)"]
    date = _value(record, "date")
    parts.append(UNREADABLE if date == "!" else str(date) if date else "(sans date)")
    reference = record.values.get("reference")
    if reference:
        parts.append(f"réf. {reference}")
    return " · ".join(parts)


def payment_label(record: StoredRecord) -> str:
    amount = PAYMENT_COLUMNS[2]
    assert amount.field == "amount"
    return f"Versement de {display(amount, record)}"


def _same_payments(before: list[StoredRecord], after: list[StoredRecord]) -> bool:
    """The same payments in the same order: matching would pair each with itself
    (stage 1, in row order), so there is no change to report."""
    return len(before) == len(after) and all(
        old.project_id == new.project_id and old.digest == new.digest for old, new in zip(before, after, strict=True)
    )


def _payment_changes(before: list[StoredRecord], after: list[StoredRecord]) -> Iterator[Found]:
    by_committee_old: dict[str, list[StoredRecord]] = defaultdict(list)
    by_committee_new: dict[str, list[StoredRecord]] = defaultdict(list)
    for record in before:
        by_committee_old[record.committee].append(record)
    for record in after:
        by_committee_new[record.committee].append(record)
    for committee in dict.fromkeys([*by_committee_new, *by_committee_old]):
        if _same_payments(by_committee_old[committee], by_committee_new[committee]):
            continue  # most committees, most nights: nothing is decoded
        pairs, removed, added = _match_payments(by_committee_old[committee], by_committee_new[committee])
        for old, new in pairs:
            fields = _field_changes(PAYMENT_COLUMNS, old, new)
            if fields:
                yield RecordChange(MODIFIED, PAYMENT, committee, payment_key(new), payment_label(new), fields), new.row
        for new in added:
            yield RecordChange(ADDED, PAYMENT, committee, payment_key(new), payment_label(new)), new.row
        for old in removed:
            yield RecordChange(REMOVED, PAYMENT, committee, payment_key(old), payment_label(old)), old.row


# ------------------------------------------------------------------ both


def compute_changes(
    before: Records | None,
    after: Records,
    *,
    previous_run_id: int | None,
    previous_run_at: dt.datetime | None,
    committee_order: list[str] | None = None,
    not_compared: dict[str, str] | None = None,
) -> Changes:
    """Changes from ``before`` to ``after`` (two :class:`RunRecords`); ``before``
    None means there is no previous run: nothing is reported as added.

    ``not_compared``: committees left out, with why (their source changed). A
    committee whose stored records cannot be decoded is left out too, and said so:
    a damaged row never stops the comparison of the others."""
    changes = Changes(previous_run_id, previous_run_at)
    if before is None:
        return changes
    changes.not_compared = dict(not_compared or {})
    order = {code: i for i, code in enumerate(committee_order or [])}
    seen = list(
        dict.fromkeys(
            [r.committee for r in after.projects + after.payments]
            + [r.committee for r in before.projects + before.payments]
        )
    )
    for code in seen:
        order.setdefault(code, len(order))
    found = []
    for code in seen:
        if code in changes.not_compared:
            continue
        try:
            found.extend(
                [
                    *_project_changes(_of(before.projects, code), _of(after.projects, code), after.fund),
                    *_payment_changes(_of(before.payments, code), _of(after.payments, code)),
                ]
            )
        except DamagedRecord as exc:
            changes.not_compared[code] = (
                f"enregistrement illisible dans l'historique ({exc}) : ses projets et versements ne sont pas comparés"
            )
    found.sort(
        key=lambda item: (order[item[0].committee], _RECORD_ORDER[item[0].record], _KIND_ORDER[item[0].kind], item[1])
    )
    changes.items = [change for change, _ in found]
    changes.not_compared = {
        code: changes.not_compared[code]
        for code in sorted(changes.not_compared, key=lambda c: order.get(c, len(order)))
    }
    return changes


def _of(records: list[StoredRecord], committee: str) -> list[StoredRecord]:
    return [record for record in records if record.committee == committee]
