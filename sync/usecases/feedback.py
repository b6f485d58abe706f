"""Write-back (``[google] feedback = true``): each committee's findings in a
``Validation`` tab of its own Google spreadsheet (docs/google.md).

The tab is created when absent and replaced at each sync; nothing else in the
spreadsheet is touched. The read of the sync already told which tabs exist and
their sizes (sync/sources/google.py), so the write-back reads nothing and sends
at most three write requests per spreadsheet:

1. ``batchUpdate`` addSheet when the tab is absent — or, when it exists but is
   too small for this sync's rows, ``batchUpdate`` updateSheetProperties to grow it;
2. ``values:clear`` of the existing tab (skipped for a new tab);
3. ``values:update`` of every row at once, with ``valueInputOption=RAW``: a
   committee's text (a project id such as ``=A1``) stays text, never a formula;
   rows beyond Google's advised 2 MB per request (about 8,000 findings) go in
   further ``values:update`` requests, each under 2 MB.
   Links are plain addresses built from the spreadsheet key and the tab's gid.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from gspread.exceptions import APIError
from gspread.utils import absolute_range_name

from sync.config import Committee, Config
from sync.config.delivery import delivery_scopes
from sync.errors import SourceUnavailable
from sync.findings import CATALOGUE, ERROR, SEVERITY_LABEL, Finding
from sync.google.client import access_problem
from sync.google.http import RetryingHTTPClient
from sync.outputs.corrections import return_path
from sync.report import Report
from sync.sources.google import GOOGLE_FAILURES, GoogleSource
from sync.vocabulary.template import VALIDATION_TAB, find_tab
from sync.wording import errors_to_fix, moment_at, plural

log = logging.getLogger("sync")

# Google's advice for a Sheets request: at most 2 MB (Sheets API, « Usage limits »); the
# rows of a values.update are cut to stay under it, with room for the request's envelope.
MAX_PAYLOAD = 2_000_000 - 4_096
HEADER = ["Gravité", "Constat", "Onglet", "Cellule", "No projet", "Message", "Lien vers la cellule"]


@dataclass
class FeedbackResult:
    committee: str
    written: bool
    findings: int = 0
    write_requests: int = 0
    problem: str = ""


def summary(findings: list[Finding]) -> str:
    errors = sum(1 for f in findings if f.severity == ERROR)
    warnings = len(findings) - errors
    if errors:
        return f"{errors_to_fix(errors, warnings)}."
    return f"conforme, aucune erreur, {plural(warnings, 'avertissement')}."


def validation_rows(report: Report, committee: Committee) -> list[list[str]]:
    """The tab's rows: a header, the findings (errors first), then the sync's time and
    summary, and with errors how the corrections come back (in this very spreadsheet).
    A committee member reads French only: a finding's title, never its code (the codes
    are for the coordinator: the ministry's Validation sheet, JSON)."""
    findings = sorted(report.findings_of(committee.code), key=lambda f: f.severity != ERROR)
    rows = [list(HEADER)]
    for f in findings:
        rows.append(
            [
                SEVERITY_LABEL[f.severity].capitalize(),
                CATALOGUE[f.code].title,
                f.sheet,
                f.cell,
                f.project_id,
                f.message,
                (report.link(f) or "") if f.cell else "",
            ]
        )
    if not findings:
        rows.append(["", "", "", "", "", "Aucun constat : le chiffrier respecte toutes les règles.", ""])
    rows.append([])
    rows.append([f"Synchronisation du {moment_at(report.generated_at)} — {report.config.name}"])
    rows.append([f"Bilan du comité {committee.name} : {summary(findings)}"])
    if any(f.severity == ERROR for f in findings):
        rows.append([return_path(report.config, committee)])
    return rows


def write_feedback(report: Report, config: Config | None = None) -> list[FeedbackResult]:
    """Write each Google committee's Validation tab; a failure is logged, never raised."""
    config = config or report.config
    results = []
    for committee in config.committees:
        info = report.sources.get(committee.code)
        if info is None or info.kind != "google":
            continue
        source = info.source
        if not info.current or not isinstance(source, GoogleSource) or source.layout is None:
            log.warning(
                "Comité %s : chiffrier non lu à cette synchronisation, onglet Validation non mis à jour.",
                committee.code,
            )
            results.append(FeedbackResult(committee.code, False, problem="chiffrier non lu"))
            continue
        rows = validation_rows(report, committee)
        client = source.google.sheets(config, extra_scopes=delivery_scopes(config.delivery))  # the clients that read it
        try:
            sent = _replace_tab(client.http, source, rows)
        except GOOGLE_FAILURES as exc:
            problem = access_problem(
                exc,
                account=client.account,
                committee=source.committee_label,
                key=source.key,
                writing=True,
                base_url=client.base_url,
            )
            log.error("Comité %s : onglet Validation non écrit : %s", committee.code, problem.message)
            results.append(FeedbackResult(committee.code, False, len(rows), problem=problem.message))
            continue
        except SourceUnavailable as exc:
            log.error("Comité %s : onglet Validation non écrit : %s", committee.code, exc.message)
            results.append(FeedbackResult(committee.code, False, len(rows), problem=exc.message))
            continue
        count = len(report.findings_of(committee.code))
        log.info(
            "Comité %s : onglet %s écrit (%s, %s).",
            committee.code,
            VALIDATION_TAB,
            plural(count, "constat"),
            plural(sent, "requête d'écriture", "requêtes d'écriture"),
        )
        results.append(FeedbackResult(committee.code, True, count, sent))
    return results


def _replace_tab(http: RetryingHTTPClient, source: GoogleSource, rows: list[list[str]]) -> int:
    """Create or empty the Validation tab, then write ``rows``; returns the requests sent."""
    layout = source.layout
    assert layout is not None  # write_feedback writes only to a spreadsheet read at this sync
    key = source.key
    width = len(HEADER)
    title = find_tab(list(layout.tabs), VALIDATION_TAB)
    sent = 0
    if title is None:
        title = VALIDATION_TAB
        try:
            sent += 1
            http.batch_update(
                key,
                {
                    "requests": [
                        {
                            "addSheet": {
                                "properties": {
                                    "title": title,
                                    "gridProperties": {
                                        "rowCount": max(len(rows), 100),
                                        "columnCount": width,
                                        "frozenRowCount": 1,
                                    },
                                }
                            }
                        }
                    ]
                },
            )
        except APIError as exc:
            # A retried addSheet whose first try went through: the tab is there, empty.
            if exc.response.status_code != 400 or "already exists" not in str(exc.error.get("message", "")):
                raise
    else:
        tab = layout.tabs[title]
        if tab.rows < len(rows) or tab.columns < width:
            sent += 1
            http.batch_update(
                key,
                {
                    "requests": [
                        {
                            "updateSheetProperties": {
                                "properties": {
                                    "sheetId": tab.gid,
                                    "gridProperties": {
                                        "rowCount": max(tab.rows, len(rows)),
                                        "columnCount": max(tab.columns, width),
                                    },
                                },
                                "fields": "gridProperties(rowCount,columnCount)",
                            }
                        }
                    ]
                },
            )
        sent += 1
        http.values_clear(key, absolute_range_name(title))
    for start, batch in row_batches(rows, MAX_PAYLOAD):
        sent += 1
        http.values_update(
            key, absolute_range_name(title, f"A{start + 1}"), params={"valueInputOption": "RAW"}, body={"values": batch}
        )
    return sent


def row_batches(rows: list[list[str]], limit: int) -> list[tuple[int, list[list[str]]]]:
    """``rows`` cut into runs whose JSON (as requests sends it: non-ASCII escaped) stays
    under ``limit`` bytes, each with the index of its first row."""
    batches: list[tuple[int, list[list[str]]]] = []
    current: list[list[str]] = []
    start, size = 0, 0
    for index, row in enumerate(rows):
        cost = len(json.dumps(row)) + 2  # the row, its comma and a space
        if current and size + cost > limit:
            batches.append((start, current))
            start, current, size = index, [], 0
        current.append(row)
        size += cost
    if current:
        batches.append((start, current))
    return batches
