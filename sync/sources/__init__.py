"""Sources: where a committee's spreadsheet is read from.

The face of the folder: the shared types and blank-cell rules live in base.py (which
xlsx.py and google.py import, so that nothing here cycles), a file in xlsx.py, a
Google spreadsheet in google.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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

if TYPE_CHECKING:  # counted by the contract test; imported when a Google committee is read
    from sync.google.client import GoogleClients

__all__ = ["MAX_ROWS", "RawWorkbook", "Row", "Source", "encode_tabs", "filled_rows", "is_blank", "is_blank_row",
           "is_blank_text", "is_blank_value", "open_source", "percent_text"]


def open_source(spec: SourceSpec, config: Config, committee_code: str = "", google: GoogleClients | None = None) \
        -> Source:
    """The source object for a configured spec; ``google``: the command's Google clients
    (None: the source makes its own)."""
    if spec.kind == "xlsx":
        return XlsxSource(spec, committee_code=committee_code)
    if spec.kind == "google":
        from sync.sources.google import GoogleSource

        return GoogleSource(spec, config, committee_code=committee_code, google=google)
    raise ValueError(spec.kind)  # config.py admits no other kind
