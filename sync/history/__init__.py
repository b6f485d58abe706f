"""The history of runs (docs/exploitation.md): a SQLite database in the state folder, the
changes between two runs, and the last good copy of an unreadable source."""

from sync.history.diff import compute_changes
from sync.history.store import DB_NAME, History, RunRecords, RunSummary, records_of_report

__all__ = ["DB_NAME", "History", "RunRecords", "RunSummary", "compute_changes", "records_of_report"]
