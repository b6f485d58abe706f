"""The data's path, end to end: sources → records → rules → consolidation → report.

``build_report`` is the library's entry point; the command line only chooses the
configuration and renders the :class:`Report`.

Committees whose spreadsheet is on Google are read at the same time (a few
threads; the one quota limiter of sync/google/ paces their requests), within the
run-wide deadline ``[google] deadline``: three committees unreachable take the
time of one. Local workbooks are read one after another, in the main thread (their
reading is CPU work: threads would only add to the peak of memory).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

from sync.config import Committee, Config
from sync.consolidate import consolidate
from sync.errors import NoUsableData, SourceUnavailable
from sync.findings import Code, Finding, finding, sorted_findings
from sync.logs import ATTENTION, LOG_ONLY, Share
from sync.parsing.records import ParsedWorkbook, parse_workbook
from sync.report import Fallback, Report, SourceInfo
from sync.resources import shown_location
from sync.rules.counting import settle_counted
from sync.rules.crossref import check_duplicate_ids, check_payments, link_payments
from sync.rules.envelope import check_envelopes
from sync.rules.rows import RowRules
from sync.sources import GoogleSheets, RawWorkbook, Source, open_source
from sync.steps import Step, Tracer
from sync.vocabulary.template import PAYMENTS_TAB, PROJECTS_TAB
from sync.wording import moment, plural

log = logging.getLogger("sync")

WANTED_TABS = [PROJECTS_TAB, PAYMENTS_TAB]


def read_committee(
    config: Config, committee: Committee, source: Source | None = None
) -> tuple[RawWorkbook, SourceInfo]:
    assert committee.source is not None
    source = source or open_source(committee.source, config, committee.code)
    raw = source.read(WANTED_TABS)
    info = SourceInfo(
        committee.code,
        committee.source.kind,
        committee.source.location,
        raw.read_at,
        raw.content_hash(),
        sheet_ids=dict(raw.sheet_ids),
        source=source,
        tabs=raw.tabs,
        encoded=raw.encoded(),
    )
    return raw, info


# Committees read at once from Google: more would only wait on the quota limiter.
GOOGLE_READERS = 4


# A committee's read: its rows and what was read, or why it could not be; and the seconds it took.
TimedRead = tuple[tuple[RawWorkbook, SourceInfo] | SourceUnavailable, float]


def _timed_read(config: Config, committee: Committee, source: Source | None = None) -> TimedRead:
    """(raw, info) or the SourceUnavailable raised, and the seconds it took."""
    started = time.perf_counter()
    try:
        return read_committee(config, committee, source), time.perf_counter() - started
    except SourceUnavailable as exc:
        return exc, time.perf_counter() - started


def read_google_committees(config: Config, google: GoogleSheets | None = None) -> dict[str, TimedRead]:
    """The Google committees' reads, by code, made concurrently within the run's deadline,
    by ``google``: the command's Google spreadsheets (one set of clients and limiters),
    needed when a committee is on Google."""
    committees = [c for c in config.committees if c.source is not None and c.source.kind == "google"]
    results: dict[str, TimedRead] = {}
    if committees:
        # A malformed key is the configuration's fault: said before any request.
        sources = {c.code: open_source(c.source, config, c.code, google) for c in committees if c.source is not None}
        assert google is not None  # open_source refuses a Google committee without it
        with (
            google.deadline(config.google.deadline),
            ThreadPoolExecutor(
                max_workers=min(GOOGLE_READERS, len(committees)), thread_name_prefix="lecture-google"
            ) as pool,
        ):
            futures = {c.code: pool.submit(_timed_read, config, c, sources[c.code]) for c in committees}
            results.update({code: future.result() for code, future in futures.items()})
    return results


def _last_good_copy(
    committee: Committee, exc: SourceUnavailable, fallback: Fallback | None, generated_at: dt.datetime
) -> tuple[tuple[RawWorkbook, SourceInfo], Finding] | str | None:
    """The last good copy standing in for an unreadable source, with the SOURCE_UNAVAILABLE
    finding that says so; None when there is none, or why none could be used (« copie
    antérieure illisible … »): the run then ends in exit 3."""
    replacement = fallback(committee, exc) if fallback else None
    # Both end the run (NoUsableData), whose message lists every such source: the
    # console says it once, there; the log file keeps these lines.
    if replacement is None:
        log.error(
            "Comité %s : source illisible, aucune copie valide antérieure (%s).",
            committee.code,
            exc.message,
            extra=LOG_ONLY,
        )
        return None
    if isinstance(replacement, str):
        log.error(
            "Comité %s : source illisible (%s) ; %s.",
            committee.code,
            exc.message.rstrip("."),
            replacement,
            extra=LOG_ONLY,
        )
        return replacement
    raw, info = replacement
    info.current = False
    info.problem = exc.message
    used = moment(info.read_at) if info.read_at else "date inconnue"
    unavailable = finding(
        Code.SOURCE_UNAVAILABLE,
        committee=committee.code,
        name=committee.name,
        reason=exc.message,
        since=info.unavailable_since or generated_at,
        used=info.read_at,
    )
    log.warning(
        "Comité %s : source illisible, dernière copie valide du %s utilisée.", committee.code, used, extra=ATTENTION
    )
    return (raw, info), unavailable


def build_report(
    config: Config,
    *,
    fallback: Fallback | None = None,
    now: dt.datetime | None = None,
    tracer: Tracer | None = None,
    google: GoogleSheets | None = None,
    stored: Mapping[str, tuple[RawWorkbook, SourceInfo]] | None = None,
) -> Report:
    """Read every committee, validate, consolidate. ``stored``: every committee's raw rows as
    a past run recorded them (sync/usecases/rebuild.py), read instead of the sources. Raises NoUsableData when a
    source is unreadable and no last good copy stands in for it. ``tracer``: where
    its steps are told (by default, the ``sync`` log only); ``google``: the command's
    Google spreadsheets, whose OAuth token is in its state folder (needed when a
    committee is on Google: ``sync.runner.google_sheets``)."""
    tracer = tracer or Tracer.log_only()
    generated_at = now or dt.datetime.now().astimezone()
    workbooks: dict[str, ParsedWorkbook] = {}
    sources: dict[str, SourceInfo] = {}
    source_findings: list[Finding] = []
    unreadable: list[str] = []
    unusable_copies = False  # a copy exists but is damaged, or of another source
    # One progress bar on a terminal: each committee weighs 100, read 30, parsed 20, checked 50.
    # Google committees are read together first (one deadline for the run); local
    # workbooks one at a time below, each in its turn of the progress bar.
    google_reads = (
        {code: (read, 0.0) for code, read in stored.items()}
        if stored is not None
        else read_google_committees(config, google)
    )
    with tracer.step(Step.READ, total=Step.COMMITTEE.value.weight * len(config.committees)) as reading:
        for committee in config.committees:
            with reading.part(Step.COMMITTEE, committee=committee.code) as in_committee:
                with in_committee.part(Step.SOURCE) as source_read:
                    outcome, seconds = google_reads.get(committee.code) or _timed_read(config, committee)
                    source_read.took(seconds)
                    if isinstance(outcome, SourceUnavailable):
                        stand_in = _last_good_copy(committee, outcome, fallback, generated_at)
                        if stand_in is None or isinstance(stand_in, str):
                            said = f"{outcome.message.rstrip('.')} ; {stand_in}." if stand_in else outcome.message
                            unreadable.append(f"{committee.name} ({committee.code}) : {said}")
                            unusable_copies = unusable_copies or stand_in is not None
                            continue
                        (raw, info), unavailable = stand_in
                        source_findings.append(unavailable)
                    else:
                        raw, info = outcome
                with in_committee.part(Step.PARSE):
                    parsed = parse_workbook(committee, raw.tabs, config)
                with in_committee.part(Step.ROW_RULES) as checking:
                    _check_rows(config, committee, parsed, checking.share(len(parsed.projects) + len(parsed.payments)))
                workbooks[committee.code] = parsed
                sources[committee.code] = info
                in_committee.done(
                    projects=plural(len(parsed.projects), "projet"),
                    payments=plural(len(parsed.payments), "versement"),
                    location=shown_location(info.location)
                    if info.current
                    else f"dernière copie valide de {shown_location(info.location)}",
                )
    if unreadable:
        missing = "n'est utilisable" if unusable_copies else "n'existe"
        raise NoUsableData(
            "Aucun rapport produit : des chiffriers n'ont pas pu être lus et aucune copie valide "
            f"antérieure {missing}.\n  - " + "\n  - ".join(unreadable),
            unreadable=unreadable,
        )

    with tracer.step(Step.CROSS_CHECKS):
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


def _check_rows(config: Config, committee: Committee, parsed: ParsedWorkbook, share: Share) -> None:
    """The row rules of one committee, its findings added to ``parsed``; ``share()`` once per row."""
    rules = RowRules(config, committee)
    for project in parsed.projects:
        rules.spell_as_listed(project)
        parsed.findings.extend(rules.check_project(project))
        share()
    for payment in parsed.payments:
        parsed.findings.extend(rules.check_payment(payment))
        share()
    share.finish()
