"""What to send to whom, sending it, and recording it (docs/exploitation.md).

A delivery is planned from the history (content.py), then carried out item by
item — the Drive upload, one e-mail per ministry recipient, one e-mail per
committee whose findings call for it — each recorded as it ends. One failure
stops nothing else; the workbook and the run's record are never touched (they
were committed before), so ``alliance-sync deliver RUN`` can take up what failed.

A committee is written to when its findings differ from the last e-mail it was
sent (the fingerprint stored in the history); the first time, only if it has
errors. A run's ministry e-mails and upload already done are not repeated unless
``force``.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sync.config import Committee, Config
from sync.config.delivery import DeliverySettings, contacts_of, delivery_settings
from sync.config.sections import PASSWORD_ENV
from sync.delivery import messages
from sync.delivery.content import RunContent, WorkbookChanged, drive_name, load_content, pick_run
from sync.delivery.mail import MailError, SmtpSession
from sync.errors import ConfigError, DriveError, describe_os_error
from sync.findings import ERROR, Code, Finding, finding
from sync.history import History
from sync.history.deliveries import last_sent, record_delivery
from sync.money import group_thousands
from sync.outputs.contract import finding_dict
from sync.sources import GoogleSheets
from sync.vocabulary.template import ALLIANCE_CODE
from sync.wording import moment, plural, short_verdict

if TYPE_CHECKING:  # what Drive answers; the module itself is handed over by the command
    from sync.delivery.drive import DriveCheck, Uploaded
    from sync.google.http import Reachability

log = logging.getLogger("sync")

DRIVE, MINISTRY, COMMITTEE = "drive", "ministry", "committee"
SEND, SKIP = "send", "skip"
SENT, FAILED, SKIPPED = "sent", "failed", "skipped"


@dataclass
class Item:
    """One thing to send (or deliberately not sent), and why."""

    channel: str
    recipients: tuple[str, ...]  # addresses; the folder id for Drive
    action: str  # SEND or SKIP
    why: str = ""  # French: why it is sent, or why not
    subject: str = ""  # e-mail subject, or the Drive file name
    committee: str = ""
    findings: list[Finding] = field(default_factory=list)
    fingerprint: str | None = None
    previously: str | None = None  # when the committee was last written to
    blocked: str = ""  # why it cannot be sent (the workbook is missing…): fails when tried
    to: tuple[Address, ...] = ()
    by_id: bool = False  # Drive: recipients[0] is the file updated (drive_file), not a folder

    @property
    def label(self) -> str:
        if self.channel == DRIVE:
            return f"Google Drive, {_drive_target(self)}"
        who = ", ".join(self.recipients)
        if self.channel == MINISTRY:
            return f"courriel au ministère ({who})"
        return f"courriel au comité {self.committee} ({who})" if who else f"comité {self.committee}"


class Drive(Protocol):
    """Google Drive as a delivery uses it: the module sync/delivery/drive.py, handed over
    by the command only when delivery uploads there (it imports requests and google-auth:
    e-mail alone needs neither)."""

    def upload(
        self,
        config: Config,
        settings: DeliverySettings,
        data: bytes,
        *,
        description: str = ...,
        token_dir: Path = ...,
        network: Reachability | None = ...,
    ) -> Uploaded: ...

    def check_drive(
        self, config: Config, settings: DeliverySettings, token_dir: Path = ..., network: Reachability | None = ...
    ) -> DriveCheck: ...


@dataclass
class Plan:
    content: RunContent
    settings: DeliverySettings
    items: list[Item]
    # The state folder the command chose, where the history is: an OAuth login keeps its token there.
    token_dir: Path
    drive: Drive | None = None  # given when delivery uploads to Drive
    # The command's view of the network (its reads may have found Google unreachable).
    network: Reachability | None = None

    def uploader(self) -> Drive:
        """The Drive module the command handed over (a Drive item exists only with it)."""
        assert self.drive is not None, "delivery uploads to Drive: the command hands over sync.delivery.drive"
        return self.drive


@dataclass
class Outcome:
    item: Item
    status: str  # SENT, FAILED or SKIPPED
    detail: str = ""


@dataclass
class DeliveryResult:
    run_id: int
    outcomes: list[Outcome]

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == FAILED]

    @property
    def sent(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == SENT]

    @property
    def findings(self) -> list[Finding]:
        """A DELIVERY_FAILED finding per failed item."""
        return [
            finding(
                Code.DELIVERY_FAILED,
                committee=o.item.committee or ALLIANCE_CODE,
                channel=o.item.channel,
                recipients=list(o.item.recipients),
                by_id=o.item.by_id,
                reason=o.detail,
                run=self.run_id,
            )
            for o in self.failed
        ]

    def summary(self) -> str:
        """One French line for the console."""
        parts = []
        for channel, word in (
            (DRIVE, "dépôt Google Drive"),
            (MINISTRY, "courriel au ministère"),
            (COMMITTEE, "courriel de comité"),
        ):
            sent = sum(1 for o in self.sent if o.item.channel == channel)
            if sent:
                parts.append(plural(sent, word, word.replace("dépôt", "dépôts").replace("courriel", "courriels")))
        failed = len(self.failed)
        text = ", ".join(parts) if parts else "rien envoyé"
        if failed:
            text += f" ; {plural(failed, 'échec')}"
        return f"Livraison de la synchronisation n° {self.run_id} : {text}."

    def render_text(self) -> str:
        return self.summary()

    def as_dict(self) -> dict[str, Any]:
        """``deliver --format json``: each item tried or skipped, with its result."""
        return {
            "run": self.run_id,
            "summary": self.summary(),
            "failed": len(self.failed),
            "items": [_outcome_dict(o) for o in self.outcomes],
            "findings": [finding_dict(f) for f in self.findings],
        }


def _item_dict(item: Item) -> dict[str, Any]:
    return {
        "channel": item.channel,
        "committee": item.committee or None,
        "recipients": list(item.recipients),
        "action": item.action,
        "subject": item.subject,
        "why": item.why,
    }


def _outcome_dict(outcome: Outcome) -> dict[str, Any]:
    return {**_item_dict(outcome.item), "status": outcome.status, "detail": outcome.detail}


def _drive_target(item: Item) -> str:
    """« dossier ID » or « fichier ID » (drive_file): where the workbook goes."""
    return f"{'fichier' if item.by_id else 'dossier'} {item.recipients[0]}"


def _at(when: dt.datetime) -> str:
    return moment(when)


def _key(addresses: tuple[Address, ...]) -> tuple[str, ...]:
    """Recipients as the history stores and compares them: bare addresses, sorted."""
    return tuple(sorted({a.addr_spec.lower() for a in addresses}))


# --------------------------------------------------------------------------
# Planning


def require_delivery(config: Config) -> DeliverySettings:
    """The delivery settings; ConfigError when the configuration has none."""
    settings = delivery_settings(config)
    if not settings.configured:
        raise ConfigError(
            "aucune livraison configurée : ajoutez une table [delivery] (drive_folder ou drive_file, "
            "email_to, smtp) à la configuration ; voir le README, section Livraison.",
            path=_path(config),
            key="delivery",
        )
    return settings


def plan_delivery(
    config: Config,
    history: History,
    run_id: int | None = None,
    *,
    force: bool = False,
    drive: Drive | None = None,
    google: GoogleSheets | None = None,
) -> Plan:
    """What to send to whom; ``drive``: sync.delivery.drive, handed over by the command
    when the configuration uploads to Drive; ``google``: the command's Google spreadsheets,
    to link a committee's findings to their cells when it is on Google."""
    settings = require_delivery(config)
    content = load_content(config, history, pick_run(history, run_id), google)
    items: list[Item] = []
    if settings.drive:
        items.append(_drive_item(config, settings, history, content, force))
    if settings.smtp is not None:
        for address in settings.email_to:
            items.append(_ministry_item(history, content, address, force))
        for committee in config.committees:
            items.append(_committee_item(history, content, committee, force))
    network = google.network if google is not None else None
    return Plan(content, settings, items, token_dir=history.path.parent, drive=drive, network=network)


def _path(config: Config) -> str | None:
    return str(config.path) if config.path else None


def _drive_item(config: Config, settings: DeliverySettings, history: History, content: RunContent, force: bool) -> Item:
    folder = settings.drive_file or settings.drive_folder or ""
    item = Item(DRIVE, (folder,), SEND, subject=drive_name(config, settings), by_id=bool(settings.drive_file))
    if content.workbook is None and not content.run.output:
        item.action, item.why = SKIP, content.workbook_problem
        return item
    item.blocked = content.workbook_problem
    done = last_sent(history, channel=DRIVE, recipients=(folder,), run_id=content.run.id)
    if done is not None and content.workbook and done.workbook_sha256 == content.workbook.sha256 and not force:
        item.action, item.why = SKIP, f"déjà déposé le {_at(done.at)} ({done.detail})"
    elif settings.drive_file:
        item.why = "nouvelle version du fichier, jamais de création"
    else:
        item.why = "nouvelle version du fichier s'il est déjà dans le dossier, sinon création"
    return item


def _ministry_item(history: History, content: RunContent, address: Address, force: bool) -> Item:
    item = Item(MINISTRY, _key((address,)), SEND, subject=messages.ministry_subject(content), to=(address,))
    if content.workbook is None and not content.run.output:
        item.action, item.why = SKIP, content.workbook_problem
        return item
    item.blocked = content.workbook_problem
    done = last_sent(history, channel=MINISTRY, recipients=item.recipients, run_id=content.run.id)
    if done is not None and not force:
        item.action, item.why = SKIP, f"déjà envoyé le {_at(done.at)}"
    else:
        item.why = f"classeur en pièce jointe{_size(content)}"
    return item


def _size(content: RunContent) -> str:
    if content.workbook is None:
        return ""
    return f" ({content.workbook.path.name}, {group_thousands(content.workbook.size)} octets)"


def _committee_item(history: History, content: RunContent, committee: Committee, force: bool) -> Item:
    findings = content.findings_of(committee.code)
    to = contacts_of(committee)
    item = Item(
        COMMITTEE,
        _key(to),
        SEND,
        committee=committee.code,
        findings=findings,
        fingerprint=messages.fingerprint(findings),
        to=to,
        subject=messages.committee_subject(content, committee, findings),
    )
    errors = sum(1 for f in findings if f.severity == ERROR)
    state = messages.committee_verdict(findings)
    if not to:
        item.action, item.why = SKIP, f"{state} ; aucun contact configuré"
        return item
    last = last_sent(history, channel=COMMITTEE, committee=committee.code, recipients=item.recipients)
    if last is not None and last.run_id > content.run.id:
        item.action, item.why = (
            SKIP,
            (f"{state} ; un courriel plus récent (synchronisation n° {last.run_id}) lui a déjà été envoyé"),
        )
    elif force:
        item.why = f"{state} ; envoi forcé"
        if last is not None and last.fingerprint != item.fingerprint:
            item.previously = _at(last.at)
    elif last is None:
        if errors:
            item.why = f"{state} ; premiers constats transmis à ce comité"
        else:
            item.action, item.why = SKIP, f"{state} ; rien à signaler"
    elif last.fingerprint == item.fingerprint:
        item.action, item.why = SKIP, f"{state} ; constats inchangés depuis le courriel du {_at(last.at)}"
    else:
        item.previously = _at(last.at)
        item.why = f"{state} ; constats changés depuis le courriel du {item.previously}"
    return item


# --------------------------------------------------------------------------
# The --dry-run listing


@dataclass
class Simulation:
    """What ``--dry-run`` found: the listing, and how many items would be sent or
    would fail (a failure makes the simulation exit 1, as the delivery would)."""

    run_id: int
    text: str
    sending: int  # would be sent
    failing: int  # would be tried and fail
    skipped: int  # not sent, by design
    items: list[tuple[Item, str]] = field(default_factory=list)  # each item, and why it would fail ("" if not)

    @property
    def failed(self) -> bool:
        return self.failing > 0

    def render_text(self) -> str:
        return self.text

    def as_dict(self) -> dict[str, Any]:
        """``deliver --dry-run --format json``: what would be sent, to whom, and what would fail."""
        return {
            "run": self.run_id,
            "dry_run": True,
            "sending": self.sending,
            "failing": self.failing,
            "skipped": self.skipped,
            "failure": self.failure() if self.failed else None,
            "items": [{**_item_dict(item), "would_fail": why or None} for item, why in self.items],
        }

    def failure(self) -> str:
        """The French line that says the delivery would be incomplete (standard error)."""
        return (
            f"la livraison de la synchronisation n° {self.run_id} échouerait pour "
            f"{plural(self.failing, 'élément')} sur {self.sending + self.failing} (« ÉCHOUERAIT » ci-dessus) ; "
            "simulation : rien n'a été envoyé."
        )


def simulate(plan: Plan) -> Simulation:
    content = plan.content
    run = content.run
    lines = [
        f"Livraison de la synchronisation n° {run.id} du {_at(run.started_at)} — simulation : rien n'est "
        "envoyé ni enregistré.",
        f"Classeur : {content.workbook.path} ({group_thousands(content.workbook.size)} octets)"
        if content.workbook
        else f"Classeur : aucun — {content.workbook_problem}.",
    ]
    smtp_line, no_password = _smtp_line(plan.settings)
    if smtp_line:
        lines.append(smtp_line)
    check_lines, drive_ok = _drive_check_lines(plan) if any(i.channel == DRIVE for i in plan.items) else ([], True)

    def would_fail(item: Item) -> str:
        """Why this item, if tried, would fail: as the delivery itself would find it."""
        if item.action != SEND:
            return ""
        if item.blocked:
            return item.blocked
        if item.channel == DRIVE:
            return "" if drive_ok else "voir la vérification ci-dessous"
        return f"la variable d'environnement {PASSWORD_ENV} n'est pas définie" if no_password else ""

    lines += _section_lines(plan.items, would_fail, check_lines)
    tried = [i for i in plan.items if i.action == SEND]
    failing = sum(1 for i in tried if would_fail(i))
    skipped = len(plan.items) - len(tried)
    # Only what would reach its recipient is « to send »; what would fail is counted apart.
    failures = f" ; {plural(failing, 'élément')} ÉCHOUERAI{'EN' if failing > 1 else ''}T" if failing else ""
    lines += [
        "",
        f"À envoyer : {plural(len(tried) - failing, 'élément')}{failures} ; {plural(skipped, 'élément')} sans envoi.",
    ]
    return Simulation(
        run.id,
        "\n".join(lines),
        len(tried) - failing,
        failing,
        skipped,
        [(item, would_fail(item)) for item in plan.items],
    )


def _smtp_line(settings: DeliverySettings) -> tuple[str, bool]:
    """The SMTP server's line of the listing ("" without e-mail), and whether every
    e-mail would fail for want of the password."""
    if settings.smtp is None:
        return "", False
    smtp = settings.smtp
    password = ""
    no_password = False
    if smtp.user:
        no_password = not settings.smtp_password
        password = (
            f" ; mot de passe : {PASSWORD_ENV} NON DÉFINIE, l'envoi échouerait"
            if no_password
            else f" ; mot de passe : {PASSWORD_ENV} définie"
        )
    return f"Serveur SMTP : {smtp.describe()}{password} ; expéditeur {settings.email_from}.", no_password


_SECTIONS = ((DRIVE, "Google Drive :"), (MINISTRY, "Courriels au ministère :"), (COMMITTEE, "Courriels aux comités :"))


def _section_lines(items: list[Item], would_fail: Callable[[Item], str], check_lines: list[str]) -> list[str]:
    """Each channel's items, under its title; Drive's check after its item."""
    lines: list[str] = []
    for channel, title in _SECTIONS:
        in_channel = [i for i in items if i.channel == channel]
        if not in_channel:
            continue
        lines += ["", title]
        for item in in_channel:
            lines.append("  " + _plan_line(item, would_fail(item)))
        if channel == DRIVE:
            lines += check_lines
    return lines


def _drive_check_lines(plan: Plan) -> tuple[list[str], bool]:
    """The Drive way configured, checked with read-only calls: will the upload work?"""
    check = plan.uploader().check_drive(plan.content.config, plan.settings, plan.token_dir, plan.network)
    lines = [f"  Voie : {check.way}.", "  Vérification (lectures seules) :"]
    lines += [f"    {line} ;" for line in check.lines]
    lines.append("    → le dépôt fonctionnerait." if check.ok else f"    → le dépôt ÉCHOUERAIT : {check.problem}.")
    return lines, check.ok


def _plan_line(item: Item, failing: str) -> str:
    if item.channel == DRIVE:
        head = _drive_target(item) if item.by_id else f"dossier {item.recipients[0]}, fichier « {item.subject} »"
    elif item.channel == MINISTRY:
        head = item.recipients[0]
    else:
        head = f"{item.committee} ({', '.join(item.recipients) or 'aucun contact'})"
    if item.action == SKIP:
        return f"{head} : aucun envoi — {item.why}."
    verb = "déposerait" if item.channel == DRIVE else "enverrait"
    subject = "" if item.channel == DRIVE else f" « {item.subject} »"
    failing = f" — ÉCHOUERAIT : {failing}" if failing else ""
    return f"{head} : {verb}{subject} — {item.why}{failing}."


# --------------------------------------------------------------------------
# Sending


def deliver(
    config: Config,
    history: History,
    run_id: int | None = None,
    *,
    force: bool = False,
    drive: Drive | None = None,
    google: GoogleSheets | None = None,
) -> DeliveryResult:
    """Carry out the plan; each item is recorded as it ends, failures included. ``drive``
    and ``google``: as for :func:`plan_delivery`."""
    plan = plan_delivery(config, history, run_id, force=force, drive=drive, google=google)
    return execute(plan, history)


def execute(plan: Plan, history: History) -> DeliveryResult:
    content = plan.content
    result = DeliveryResult(content.run.id, [])
    session = None
    lost = ""  # why the SMTP session cannot be used: every later e-mail fails with it
    try:
        for item in plan.items:
            if item.action == SKIP:
                level = logging.INFO if item.recipients else logging.DEBUG  # no contact: nothing to say nightly
                log.log(level, "Livraison : %s — aucun envoi : %s.", item.label, item.why)
                result.outcomes.append(Outcome(item, SKIPPED, item.why))
                continue
            started = time.perf_counter()
            try:
                if item.blocked:
                    raise _Failed(item.blocked)
                if lost:
                    raise _Failed(lost)
                if item.channel == DRIVE:
                    detail = _upload(plan, item)
                else:
                    if session is None:
                        assert plan.settings.smtp is not None
                        session = SmtpSession(plan.settings.smtp, plan.settings.smtp_password)
                    detail = _send(plan, item, session)
            except _Failed as exc:
                detail = exc.message
                if exc.connection:
                    lost = detail
                _record(history, content, item, FAILED, detail)
                log.error("Livraison : %s — échec : %s", item.label, detail)
                result.outcomes.append(Outcome(item, FAILED, detail))
                continue
            _record(history, content, item, SENT, detail)
            log.info("Livraison : %s — %s (%.2f s).", item.label, detail, time.perf_counter() - started)
            result.outcomes.append(Outcome(item, SENT, detail))
    finally:
        if session is not None:
            session.close()
    return result


class _Failed(Exception):
    def __init__(self, message: str, connection: bool = False):
        super().__init__(message)
        self.message = message
        self.connection = connection


def _record(history: History, content: RunContent, item: Item, status: str, detail: str) -> None:
    record_delivery(
        history,
        content.run.id,
        channel=item.channel,
        recipients=item.recipients,
        status=status,
        subject=item.subject,
        committee=item.committee,
        workbook_sha256=content.workbook.sha256 if content.workbook and item.channel != COMMITTEE else None,
        fingerprint=item.fingerprint,
        findings=len(item.findings) if item.channel == COMMITTEE else None,
        detail=detail,
    )


def _workbook_bytes(content: RunContent) -> bytes:
    assert content.workbook is not None
    try:
        return content.workbook.read()
    except WorkbookChanged as exc:
        raise _Failed(exc.message) from None
    except OSError as exc:
        raise _Failed(f"le classeur {content.workbook.path} ne peut pas être lu ({describe_os_error(exc)})") from None


def _upload(plan: Plan, item: Item) -> str:
    content = plan.content
    data = _workbook_bytes(content)
    description = (
        f"{content.config.name} — synchronisation n° {content.run.id} du {_at(content.when)} : "
        f"{short_verdict(len(content.errors))}."
    )
    try:
        uploaded = plan.uploader().upload(
            content.config, plan.settings, data, description=description, token_dir=plan.token_dir, network=plan.network
        )
    except DriveError as exc:
        raise _Failed(exc.message) from None
    state = "créé" if uploaded.created else "nouvelle version"
    return f"« {uploaded.name} » {state}, version {uploaded.version}, fichier {uploaded.file_id}"


def _send(plan: Plan, item: Item, session: SmtpSession) -> str:
    content, settings = plan.content, plan.settings
    assert settings.email_from is not None
    message: EmailMessage
    if item.channel == MINISTRY:
        data = _workbook_bytes(content)
        assert content.workbook is not None
        message = messages.email(
            sender=settings.email_from,
            to=item.to,
            subject=item.subject,
            body=messages.ministry_body(content),
            attachment=(content.workbook.path.name, data),
        )
    else:
        committee = content.config.committee(item.committee)
        message = messages.email(
            sender=settings.email_from,
            to=item.to,
            subject=item.subject,
            body=messages.committee_body(content, committee, item.findings, item.previously),
        )
    try:
        session.send(message, settings.email_from.addr_spec, [a.addr_spec for a in item.to])
    except MailError as exc:
        raise _Failed(exc.message, connection=exc.connection) from None
    if item.channel == MINISTRY:
        return "classeur envoyé en pièce jointe"
    return f"constats envoyés ({messages.committee_verdict(item.findings)})"
