"""Which records count in the totals: decided here only, from the findings.

A record counts unless an error finding says that the value of one of its key
fields cannot be used (``Finding.unusable``: unreadable, missing, unknown, a
duplicate number, a payment to no approved project…). Key fields identify the
record or carry its money (the table KEY_FIELDS, beside the template's columns in
sync/vocabulary/template.py); a finding on any other field (a territory, a date of
approval) leaves the record in the totals. A missing key column (a header-level
finding, row 1) keeps every record of its tab out.

Rules only return findings; :func:`settle_counted` writes ``counted`` on the
records, and is called again as later rules add findings.
"""

from __future__ import annotations

from collections.abc import Iterable

from sync.findings import ERROR, Finding
from sync.parsing.records import ParsedWorkbook, Payment, Project
from sync.vocabulary.template import KEY_FIELDS, is_key_field

__all__ = ["KEY_FIELDS", "is_key_field", "settle_counted"]


def settle_counted(workbooks: Iterable[ParsedWorkbook], findings: Iterable[Finding]) -> None:
    """Set ``counted`` on every record of ``workbooks`` from ``findings``."""
    workbooks = list(workbooks)
    # The tab (template name) of each real tab title, per committee.
    tabs = {(w.committee.code, title): tab for w in workbooks for tab, title in w.tab_titles.items()}
    excluded_rows: set[tuple[str, str, int]] = set()
    excluded_tabs: set[tuple[str, str]] = set()
    for f in findings:
        if f.severity != ERROR or not f.unusable or f.row is None:
            continue
        tab = tabs.get((f.committee, f.sheet))
        if tab is None or not is_key_field(tab, f.field):
            continue
        if f.row == 1:  # the header: the whole column is missing
            excluded_tabs.add((f.committee, f.sheet))
        else:
            excluded_rows.add((f.committee, f.sheet, f.row))
    for workbook in workbooks:
        records: list[Project | Payment] = [*workbook.projects, *workbook.payments]
        for record in records:
            record.counted = (record.committee, record.sheet) not in excluded_tabs and (
                record.committee,
                record.sheet,
                record.row,
            ) not in excluded_rows
