"""Sources: where a committee's spreadsheet is read from.

The face of the folder: the shared types and blank-cell rules live in base.py (which
xlsx.py and google.py import, so that nothing here cycles), a file in xlsx.py, a
Google spreadsheet in google.py.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Protocol

from sync.config import Config, SourceSpec
from sync.sources.base import (
    MAX_ROWS,
    RawWorkbook,
    Row,
    Source,
    encode_tabs,
    filled_rows,
    is_blank,
    is_blank_row,
    is_blank_text,
    is_blank_value,
    percent_text,
)
from sync.sources.xlsx import XlsxSource

if TYPE_CHECKING:  # the command's view of the network; google/ is imported only for Google
    from sync.google.http import Reachability

__all__ = [
    "MAX_ROWS",
    "GoogleSheets",
    "RawWorkbook",
    "Row",
    "Source",
    "encode_tabs",
    "filled_rows",
    "is_blank",
    "is_blank_row",
    "is_blank_text",
    "is_blank_value",
    "open_source",
    "percent_text",
]


class GoogleSheets(Protocol):
    """The committees' Google spreadsheets as a command reaches them: each opened as a
    source (sync/sources/google.py) with the command's clients, and the run's deadline
    over their reads (sync/google/http.py). Handed over by the command layer
    (``sync.runner.GoogleSpreadsheets``), made only when a committee is on Google:
    gspread, google-auth and requests are imported then, never for local workbooks."""

    def open(self, spec: SourceSpec, config: Config, committee_code: str) -> Source: ...

    def deadline(self, seconds: float | None) -> AbstractContextManager[None]: ...

    @property
    def network(self) -> Reachability:
        """The Google addresses the command found unreachable: a delivery after its reads
        tries such an address once (sync/google/http.py)."""
        ...


def open_source(
    spec: SourceSpec, config: Config, committee_code: str = "", google: GoogleSheets | None = None
) -> Source:
    """The source object for a configured spec; ``google``: the command's Google
    spreadsheets, needed for a spreadsheet on Google."""
    if spec.kind == "xlsx":
        return XlsxSource(spec, committee_code=committee_code)
    if spec.kind == "google":
        if google is None:
            raise ValueError(
                f"the Google spreadsheet of {committee_code or spec.location} is opened by the "
                "command's GoogleSheets (google=…)"
            )
        return google.open(spec, config, committee_code)
    raise ValueError(spec.kind)  # config.py admits no other kind
