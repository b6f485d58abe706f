"""What changed between two syncs: the model the history computes (sync/history)
and every output renders (`alliance-sync diff`, the workbook's Changements sheet)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Final, Literal

# How a record changed; also the word every output shows.
ChangeKind = Literal["ajouté", "supprimé", "modifié"]
ADDED: Final = "ajouté"
REMOVED: Final = "supprimé"
MODIFIED: Final = "modifié"


@dataclass(frozen=True)
class FieldChange:
    field: str  # French column header, e.g. « FQIS total »
    before: str  # display text, Québec formats (« 12 500,00 $ », « 2020-04-01 »)
    after: str


@dataclass(frozen=True)
class RecordChange:
    kind: ChangeKind  # ADDED, REMOVED or MODIFIED
    record: str  # « projet » or « versement »
    committee: str  # sub-region code
    key: str  # project id, or the payment's identity (project id, date, reference)
    label: str = ""  # project title or payment description, for the reader
    fields: tuple[FieldChange, ...] = ()


@dataclass
class Changes:
    """Changes from the run ``previous_run_id`` (None: this is the first run).

    ``not_compared``: the committees left out of the comparison, each with why, in
    French (its source changed since that run, or the history's rows of it are
    damaged); every output says so where it shows the changes."""

    previous_run_id: int | None
    previous_run_at: dt.datetime | None
    items: list[RecordChange] = field(default_factory=list)
    not_compared: dict[str, str] = field(default_factory=dict)

    @property
    def is_first(self) -> bool:
        return self.previous_run_id is None
