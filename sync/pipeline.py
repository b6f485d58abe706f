"""The data's path, end to end: sources → records → rules → consolidation → report.

``build_report`` is the library's entry point; the command line only chooses the
configuration and renders the :class:`Report`.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field
from typing import Callable

from sync.config import Committee, Config
from sync.consolidate import Totals, consolidate
from sync.errors import NoUsableData, SourceUnavailable
from sync.findings import Finding, FindingsView, finding, sorted_findings
from sync.outputs.text import plural
from sync.parsing.headers import PAYMENTS_TAB, PROJECTS_TAB
from sync.parsing.records import ParsedWorkbook, parse_workbook
from sync.rules.crossref import check_duplicate_ids, check_payments
from sync.rules.envelope import check_envelopes
from sync.rules.rows import RowRules
from sync.sources import RawWorkbook, Source, open_source

log = logging.getLogger("sync")

WANTED_TABS = [PROJECTS_TAB, PAYMENTS_TAB]


@dataclass
class SourceInfo:
    """What was read for one committee, and whether it is current."""

    committee: str
    kind: str  # "xlsx" or "google"
    location: str
    read_at: dt.datetime | None
    content_hash: str = ""
    current: bool = True  # False: a last good copy stood in for an unreadable source
    problem: str = ""  # why the source could not be read, when it could not
    sheet_ids: dict[str, int] = field(default_factory=dict)
    source: Source | None = None
    # The raw rows used, kept for the history's last good copy (sync/history).
    tabs: dict[str, list[list[object]]] | None = field(default=None, repr=False)
    # Those rows as typed JSON, made once for the content hash and reused by the history.
    encoded: bytes | None = field(default=None, repr=False)
    # For a last good copy: start of the first run that could not read the source.
    unavailable_since: dt.datetime | None = None

    def link(self, sheet: str, cell: str = "") -> str | None:
        if self.source is None:
            return None
        return self.source.cell_link(self.sheet_ids, sheet, cell)


@dataclass
class Report(FindingsView):
    """Everything one sync found; every output is rendered from it."""

    config: Config
    generated_at: dt.datetime
    workbooks: dict[str, ParsedWorkbook]
    sources: dict[str, SourceInfo]
    findings: list[Finding]
    totals: Totals

    @property
    def conforming(self) -> bool:
        return not self.errors

    def link(self, f: Finding) -> str | None:
        info = self.sources.get(f.committee)
        return info.link(f.sheet, f.cell) if info else None


# A fallback returns the last good raw workbook of a committee, with its source
# information, or None when there is none (sync/history provides it).
Fallback = Callable[[Committee, SourceUnavailable], tuple[RawWorkbook, SourceInfo] | None]


def read_committee(config: Config, committee: Committee) -> tuple[RawWorkbook, SourceInfo]:
    assert committee.source is not None
    source = open_source(committee.source, config, committee.code)
    raw = source.read(WANTED_TABS)
    info = SourceInfo(committee.code, committee.source.kind, committee.source.location, raw.read_at,
                      raw.content_hash(), sheet_ids=dict(raw.sheet_ids), source=source, tabs=raw.tabs,
                      encoded=raw.encoded())
    return raw, info


def build_report(config: Config, *, fallback: Fallback | None = None,
                 now: dt.datetime | None = None) -> Report:
    """Read every committee, validate, consolidate. Raises NoUsableData when a
    source is unreadable and no last good copy stands in for it."""
    generated_at = now or dt.datetime.now().astimezone()
    workbooks: dict[str, ParsedWorkbook] = {}
    sources: dict[str, SourceInfo] = {}
    source_findings: list[Finding] = []
    unreadable: list[str] = []
    for committee in config.committees:
        started = time.perf_counter()
        try:
            raw, info = read_committee(config, committee)
        except SourceUnavailable as exc:
            replacement = fallback(committee, exc) if fallback else None
            if replacement is None:
                log.error("Comité %s : source illisible, aucune copie valide antérieure (%s).",
                          committee.code, exc.message)
                unreadable.append(f"{committee.name} ({committee.code}) : {exc.message}")
                continue
            raw, info = replacement
            info.current = False
            info.problem = exc.message
            used = info.read_at.strftime("%Y-%m-%d %H:%M") if info.read_at else "date inconnue"
            since = (info.unavailable_since or generated_at).strftime("%Y-%m-%d %H:%M")
            source_findings.append(finding(
                "SOURCE_UNAVAILABLE", committee=committee.code, name=committee.name,
                reason=exc.message.rstrip(".") + ".",
                fallback=f"Illisible depuis le {since} ; les données utilisées sont la dernière copie "
                         f"valide, lue le {used}.",
            ))
            log.warning("Comité %s : source illisible, dernière copie valide du %s utilisée.",
                        committee.code, used)
        parsed = parse_workbook(committee, raw.tabs, config)
        rules = RowRules(config, committee)
        for project in parsed.projects:
            parsed.findings.extend(rules.check_project(project))
        for payment in parsed.payments:
            parsed.findings.extend(rules.check_payment(payment))
        workbooks[committee.code] = parsed
        sources[committee.code] = info
        log.info("Comité %s : %s, %s lus en %.2f s (%s).", committee.code,
                 plural(len(parsed.projects), "projet"), plural(len(parsed.payments), "versement"),
                 time.perf_counter() - started,
                 info.location if info.current else f"dernière copie valide de {info.location}")
    if unreadable:
        raise NoUsableData(
            "Aucun rapport produit : des chiffriers n'ont pas pu être lus et aucune copie valide "
            "antérieure n'existe.\n  - " + "\n  - ".join(unreadable)
        )

    ordered = [workbooks[c.code] for c in config.committees if c.code in workbooks]
    findings = [*source_findings]
    for parsed in ordered:
        findings.extend(parsed.findings)
    findings.extend(check_duplicate_ids(ordered))
    for parsed in ordered:
        findings.extend(check_payments(parsed, config.fund))
    totals = consolidate(config, workbooks)
    findings.extend(check_envelopes(config, totals))
    order = [c.code for c in (*config.subregions, config.regional)]
    return Report(config, generated_at, workbooks, sources, sorted_findings(findings, order), totals)
