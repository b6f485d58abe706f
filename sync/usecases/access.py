"""``alliance-sync check-access``: can the credentials read each committee's
spreadsheet, and write it when the write-back is on? Whom must it be shared with?

Per Google spreadsheet: one metadata read (titles of the spreadsheet and its
tabs, and the Validation tab's protections, no values); with ``feedback = true``,
a protected Validation tab (or protected cells in it) is what the run's write would
meet, and is said without writing; else one batchUpdate made of the run's own write
(its Validation tab added, or that tab's header cell written) followed by a request
Google must refuse (adding the Validation tab again): Google checks the right to write
first (403), then refuses the whole batch for its second request, and a refused
batchUpdate applies nothing (« if any request is not valid then the entire request will
fail and nothing will be applied », Sheets API reference): nothing is written, nothing
shows in the committee's version history.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gspread.exceptions import APIError

from sync.config import Committee, Config, SourceSpec
from sync.config.delivery import delivery_scopes
from sync.errors import AllianceSyncError, SourceUnavailable
from sync.google.auth import DEFAULT_TOKEN_DIR, Account
from sync.google.client import GoogleClient, GoogleClients, access_problem, protected_message
from sync.google.http import DeadlinePassed, GoogleCallFailed, status_of, unreachable
from sync.sources.google import GOOGLE_FAILURES, spreadsheet_key
from sync.sources.xlsx import XlsxSource
from sync.usecases.feedback import HEADER
from sync.vocabulary.template import PAYMENTS_TAB, PROJECTS_TAB, VALIDATION_TAB, find_tab

PROBE_FIELDS = (
    "properties(title),sheets(properties(sheetId,title),protectedRanges(range,warningOnly,requestingUserCanEdit))"
)


@dataclass
class AccessCheck:
    committee: Committee
    readable: bool = False
    writable: bool | None = None  # None: not checked (write-back off, or not readable)
    title: str = ""
    tabs: list[str] = field(default_factory=list)
    problem: str = ""
    unreachable: bool = False  # Google could not be reached at all (network, not sharing)

    @property
    def source(self) -> SourceSpec:
        # check_access checks only committees that have a source (the configuration requires one).
        assert self.committee.source is not None
        return self.committee.source

    @property
    def ok(self) -> bool:
        return self.readable and self.writable is not False


@dataclass
class AccessReport:
    config: Config
    checks: list[AccessCheck]
    account: Account | None = None  # None when no Google spreadsheet is configured
    base_url: str = ""
    account_problem: str = ""

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def render_text(self) -> str:
        return render_access(self)

    def as_dict(self) -> dict[str, Any]:
        return access_as_dict(self)


def check_access(config: Config, token_dir: Path | None = None) -> AccessReport:
    """Try each committee's source, the Google ones at the same time (a Google that
    cannot be reached costs the time of one committee, not of three); Google errors
    become messages, never exceptions."""
    report = AccessReport(config, [])
    client = None
    google = [c for c in config.committees if c.source and c.source.kind == "google"]
    if google:
        try:
            clients = GoogleClients(token_dir or DEFAULT_TOKEN_DIR)
            client = clients.sheets(config, extra_scopes=delivery_scopes(config.delivery))
            report.account, report.base_url = client.account, client.base_url
        except SourceUnavailable as exc:  # no OAuth token and no terminal to log in
            report.account_problem = exc.message
    report.checks = [AccessCheck(committee) for committee in config.committees]
    remote = [check for check in report.checks if check.source.kind == "google"]
    for check in report.checks:
        if check.source.kind != "google":
            _check_file(check)
        elif client is None:
            check.problem = report.account_problem
    if client is not None and remote:
        with ThreadPoolExecutor(max_workers=len(remote), thread_name_prefix="check-access") as pool:
            list(pool.map(lambda check: _check_google(check, client, config.google.feedback), remote))
    return report


def _check_google(check: AccessCheck, client: GoogleClient, feedback: bool) -> None:
    """Read the spreadsheet's titles; with the write-back on, try a write that changes nothing."""
    committee = check.committee
    label = f"du comité {committee.name}"
    try:
        key = spreadsheet_key(check.source.location)
        body = client.http.spreadsheets_get(key, params={"fields": PROBE_FIELDS})
    except GOOGLE_FAILURES as exc:
        check.unreachable = _network_failure(exc)
        check.problem = access_problem(
            exc, account=client.account, committee=label, key=check.source.location, base_url=client.base_url
        ).message
        return
    except (AllianceSyncError, ValueError) as exc:
        check.problem = getattr(exc, "message", str(exc))
        return
    check.readable = True
    check.title = str((body.get("properties") or {}).get("title", ""))
    check.tabs = [str((s.get("properties") or {}).get("title", "")) for s in body.get("sheets") or []]
    if not feedback:
        return
    protection = validation_protection(body)
    if protection:  # the run's write would be refused: say so, whatever the title probe says
        check.writable = False
        check.problem = protected_message(client.account, f"chiffrier Google {label} (clé {key})", protection)
        return
    try:
        _write_probe(client, key, body)
        check.writable = True
    except GOOGLE_FAILURES as exc:
        check.writable = False
        check.unreachable = _network_failure(exc)
        check.problem = access_problem(
            exc, account=client.account, committee=label, key=key, writing=True, base_url=client.base_url
        ).message


def _write_probe(client: GoogleClient, key: str, body: dict[str, Any]) -> None:
    """The run's write, sent so that Google refuses it as a whole after checking the right
    to write: returns when only the second, sentinel request was refused (the credentials
    may write, nothing was applied); raises Google's refusal otherwise (403: read only;
    400 on the first request: a protection)."""
    tabs = [s.get("properties") or {} for s in body.get("sheets") or [] if isinstance(s, dict)]
    title = find_tab([str(t.get("title", "")) for t in tabs], VALIDATION_TAB)
    if title is None:  # the run adds the tab
        run_write: dict[str, Any] = {"addSheet": {"properties": {"title": VALIDATION_TAB}}}
    else:  # the run writes the tab, from its header cell
        sheet_id = next(t.get("sheetId", 0) for t in tabs if t.get("title") == title)
        cell = {"userEnteredValue": {"stringValue": HEADER[0]}}
        start = {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0}
        run_write = {"updateCells": {"start": start, "rows": [{"values": [cell]}], "fields": "userEnteredValue"}}
    sentinel = {"addSheet": {"properties": {"title": title or VALIDATION_TAB}}}  # always a duplicate
    try:
        client.http.batch_update(key, {"requests": [run_write, sentinel]})
    except APIError as exc:
        if not _only_the_sentinel_refused(exc):
            raise


def _only_the_sentinel_refused(exc: APIError) -> bool:
    """Google's 400 names the request it refused (« Invalid requests[1].addSheet: … »)."""
    message = str((exc.error or {}).get("message", "")) if isinstance(exc.error, dict) else ""
    return status_of(exc) == 400 and "requests[1]" in message


def validation_protection(body: dict[str, Any]) -> str:
    """« tab » when the Validation tab is protected against these credentials, « cells »
    when some of its cells are, "" when the run may write it (or it does not exist yet)."""
    tabs = [s for s in body.get("sheets") or [] if isinstance(s, dict)]
    titles = [str((s.get("properties") or {}).get("title", "")) for s in tabs]
    title = find_tab(titles, VALIDATION_TAB)
    if title is None:
        return ""
    tab = tabs[titles.index(title)]
    blocking = [
        p.get("range") or {}
        for p in tab.get("protectedRanges") or []
        if not p.get("requestingUserCanEdit") and not p.get("warningOnly")
    ]
    if any(set(grid) <= {"sheetId"} for grid in blocking):
        return "tab"
    return "cells" if blocking else ""


def _network_failure(exc: BaseException) -> bool:
    """The failure is the network's (no name, no connection, no TLS): sharing is not the cure."""
    if isinstance(exc, GoogleCallFailed):
        return bool(unreachable(exc.error))
    if isinstance(exc, DeadlinePassed):
        return exc.last is not None and bool(unreachable(exc.last))
    return bool(unreachable(exc))


def _check_file(check: AccessCheck) -> None:
    source = XlsxSource(check.source, committee_code=check.committee.code)
    try:
        raw = source.read([PROJECTS_TAB, PAYMENTS_TAB])
    except SourceUnavailable as exc:
        check.problem = exc.message
        return
    check.readable = True
    check.tabs = list(raw.tabs)


def _account_line(report: AccessReport) -> str:
    account = report.account
    if account is None:
        return f"Compte Google : aucun ({report.account_problem})" if report.account_problem else ""
    if account.kind == "anonymous":
        return f"Compte Google : aucun, accès anonyme au serveur local {report.base_url} (ALLIANCE_SYNC_SHEETS_URL)."
    if account.kind == "service_account":
        return f"Compte Google : compte de service {account.email} (clé {account.origin})."
    return f"Compte Google : {account.who} (jeton {account.origin})."


def render_access(report: AccessReport) -> str:
    config = report.config
    feedback = config.google.feedback
    lines = [f"Accès aux chiffriers — {config.name}"]
    google = [c for c in report.checks if c.source.kind == "google"]
    if google:
        lines.append(_account_line(report))
        lines.append(
            "Retour des constats (onglet Validation) : "
            + (
                "activé — chaque chiffrier doit être partagé en modification (Éditeur)."
                if feedback
                else "désactivé — le partage en lecture (Lecteur) suffit."
            )
        )
    lines.append("")
    for check in report.checks:
        committee, source = check.committee, check.source
        head = f"{committee.code} — {committee.name}"
        if source.kind != "google":
            state = "lisible" if check.readable else "ILLISIBLE"
            lines.append(f"{head} : classeur local {source.location} {state} (aucun partage Google requis)")
        else:
            state = "lecture OK" if check.readable else "lecture REFUSÉE"
            if check.writable is True:
                state += ", écriture OK"
            elif check.writable is False:
                state += ", écriture REFUSÉE"
            title = f" (« {check.title} »)" if check.title else ""
            lines.append(f"{head} : {state}{title}")
            if check.readable:
                missing = [t for t in (PROJECTS_TAB, PAYMENTS_TAB) if find_tab(check.tabs, t) is None]
                if missing:
                    lines.append(
                        f"  ! onglet{'s' if len(missing) > 1 else ''} introuvable"
                        f"{'s' if len(missing) > 1 else ''} : {', '.join(missing)} "
                        f"(onglets présents : {', '.join(check.tabs) or 'aucun'})"
                    )
        if check.problem:
            lines.append(f"  → {check.problem}")
    lines.append("")
    shared_matters = any(not c.unreachable for c in google)  # a network failure is not cured by sharing
    if google and report.account is not None and report.account.email and shared_matters:
        role = "Éditeur" if feedback else "Lecteur"
        lines.append(f"Partagez chaque chiffrier Google avec {report.account.email} ({role}).")
    good = sum(1 for c in report.checks if c.ok)
    total = len(report.checks)
    verdict = "tous accessibles" if good == total else f"{total - good} à corriger"
    lines.append(
        f"Résultat : {good} chiffrier{'s' if good > 1 else ''} accessible{'s' if good > 1 else ''} "
        f"sur {total} ({verdict})."
    )
    return "\n".join(lines)


def access_as_dict(report: AccessReport) -> dict[str, Any]:
    """``check-access --format json``: the account, and each committee's access."""
    account = report.account
    return {
        "ok": report.ok,
        "account": None
        if account is None
        else {"kind": account.kind, "email": account.email, "origin": account.origin},
        "account_problem": report.account_problem,
        "feedback": report.config.google.feedback,
        "committees": [
            {
                "committee": check.committee.code,
                "kind": check.source.kind,
                "location": check.source.location,
                "readable": check.readable,
                "writable": check.writable,
                "title": check.title,
                "tabs": check.tabs,
                "problem": check.problem,
            }
            for check in report.checks
        ],
    }
