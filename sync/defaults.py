"""The committee template's statuses: part of its contract, not of an alliance's choices."""

from __future__ import annotations

# Statuses are part of the template's contract, not of an alliance's choices.
STATUSES = (
    "Intention déposée",
    "En analyse",
    "Accepté",
    "En cours",
    "Terminé",
    "Refusé",
    "Abandonné",
)
PIPELINE_STATUSES = frozenset({"Intention déposée", "En analyse"})
COMMITTED_STATUSES = frozenset({"Accepté", "En cours", "Terminé"})
ABANDONED_STATUS = "Abandonné"
# Statuses under which a payment may exist (dates are required from COMMITTED_STATUSES).
PAYABLE_STATUSES = COMMITTED_STATUSES | {ABANDONED_STATUS}
