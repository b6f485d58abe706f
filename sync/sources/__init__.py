"""Sources: where a committee's spreadsheet is read from.

The face of the folder: the shared types and blank-cell rules live in base.py (which
xlsx.py and google.py import, so that nothing here cycles), a file in xlsx.py, a
Google spreadsheet in google.py.
"""

from __future__ import annotations

from pathlib import Path

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

__all__ = ["MAX_ROWS", "RawWorkbook", "Row", "Source", "encode_tabs", "filled_rows", "is_blank", "is_blank_row",
           "is_blank_text", "is_blank_value", "open_source", "percent_text"]


def open_source(spec: SourceSpec, config: Config, committee_code: str = "", token_dir: Path | None = None) -> Source:
    """The source object for a configured spec; ``token_dir``: where an OAuth login keeps
    its token (the state folder the command chose; None: ./.alliance-sync)."""
    if spec.kind == "xlsx":
        return XlsxSource(spec, committee_code=committee_code)
    if spec.kind == "google":
        from sync.sources.google import GoogleSource

        return GoogleSource(spec, config, committee_code=committee_code, token_dir=token_dir)
    raise ValueError(spec.kind)  # config.py admits no other kind
