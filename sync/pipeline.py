"""The data's path, end to end: sources → records → rules → consolidation → report.

``build_report`` is the library's entry point; the command line only chooses the
configuration and renders the :class:`Report`.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from sync.config import Committee, Config
from sync.consolidate import Totals, consolidate
from sync.errors import NoUsableData, SourceUnavailable
from sync.findings import Finding, finding, sorted_findings
from sync.parsing.headers import PAYMENTS_TAB, PROJECTS_TAB
from sync.parsing.records import ParsedWorkbook, parse_workbook
from sync.report import Fallback, Report, SourceInfo
from sync.rules.counting import settle_counted
from sync.rules.crossref import check_duplicate_ids, check_payments, link_payments
from sync.rules.envelope import check_envelopes
from sync.rules.rows import RowRules
from sync.sources import RawWorkbook, open_source
from sync.wording import moment, plural

log = logging.getLogger("sync")

WANTED_TABS = [PROJECTS_TAB, PAYMENTS_TAB]


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
            used = moment(info.read_at) if info.read_at else "date inconnue"
            since = moment(info.unavailable_since or generated_at)
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
            rules.spell_as_listed(project)
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
    settle_counted(ordered, findings)  # check_payments asks whether projects count
    for parsed in ordered:
        link_payments(parsed)
        findings.extend(check_payments(parsed, config.fund))
    settle_counted(ordered, findings)
    totals = consolidate(config, workbooks)
    findings.extend(check_envelopes(config, totals))
    order = [c.code for c in (*config.subregions, config.regional)]
    return Report(config, generated_at, workbooks, sources, sorted_findings(findings, order), totals)
