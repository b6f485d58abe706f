"""The French e-mails of a delivery: the workbook with a summary for the ministry,
and a committee's own findings with links to its cells.

Plain text only: what a committee typed (quoted in the findings' messages) can
never become markup, and links stay clickable in every mail reader.
"""

from __future__ import annotations

import hashlib
import json
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sync import __version__
from sync.config import Committee
from sync.delivery.content import RunContent
from sync.findings import CATALOGUE, ERROR, Finding
from sync.money import format_cents, format_percent
from sync.outputs.corrections import return_path
from sync.report import SyncReadModel
from sync.wording import committee_verdict as verdict_for_committee
from sync.wording import conformity, day, moment, moment_at, plural, short_verdict

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _when(content: SyncReadModel) -> str:
    return moment_at(content.when)


def _signature(content: SyncReadModel) -> str:
    return f"Message envoyé automatiquement par alliance-sync {__version__} ({content.config.mandataire})."


# --------------------------------------------------------------------------
# The ministry


def ministry_subject(content: SyncReadModel) -> str:
    config = content.config
    return f"{config.name} — classeur {config.fund} du {day(content.when)} : {short_verdict(len(content.errors))}"


def figures_lines(content: SyncReadModel) -> list[str]:
    """Committed and paid per sub-region (and the regional line), then the whole alliance."""
    lines = []
    for line in content.figures:
        lines.append(
            f"- {line.code} — {line.name} : engagé {format_cents(line.committed)} sur "
            f"{format_cents(line.allocation)} ({format_percent(line.committed, line.allocation)}), "
            f"versé {format_cents(line.paid)}"
        )
    committed = sum(line.committed for line in content.figures)
    paid = sum(line.paid for line in content.figures)
    envelope = content.config.envelope
    lines.append(
        f"- Ensemble de l'Alliance : engagé {format_cents(committed)} sur l'enveloppe de "
        f"{format_cents(envelope)} ({format_percent(committed, envelope)}), versé {format_cents(paid)}"
    )
    return lines


def support_lines(content: SyncReadModel) -> list[str]:
    """The organisation supporting each sub-region, for those the configuration names."""
    return [f"- {c.code} — {c.name} : {c.support}" for c in content.config.subregions if c.support]


def ministry_body(content: RunContent) -> str:
    config = content.config
    errors, warnings = len(content.errors), len(content.warnings)
    name = content.workbook.path.name if content.workbook else ""
    lines = [
        "Bonjour,",
        "",
        f"Voici le classeur de suivi de l'enveloppe {config.fund} de l'{config.name}, produit le {_when(content)} "
        f"(synchronisation n° {content.run.id}).",
        "",
        f"Conformité : {conformity(errors, warnings)}.",
        f"Constats : {plural(errors, 'erreur')}, {plural(warnings, 'avertissement')}.",
        "",
        "Engagé et versé par sous-région :",
        *figures_lines(content),
    ]
    supports = support_lines(content)
    if supports:
        lines += ["", "Organismes d'accompagnement des sous-régions :", *supports]
    stale = [read for read in content.sources.values() if not read.current]
    if stale:
        lines.append("")
        for read in stale:
            committee = _committee_name(content, read.committee)
            used = moment(read.read_at) if read.read_at else "date inconnue"
            lines.append(
                f"Attention : le chiffrier du comité {committee} n'a pas pu être lu ; sa dernière copie "
                f"valide, lue le {used}, a été utilisée."
            )
    lines += ["", f"Pièce jointe : {name}", "", "--", _signature(content)]
    return "\n".join(lines) + "\n"


def _committee_name(content: SyncReadModel, code: str) -> str:
    try:
        return content.config.committee(code).name
    except KeyError:
        return code


# --------------------------------------------------------------------------
# A committee


def fingerprint(findings: list[Finding]) -> str:
    """What a committee was told, independent of the order: changes when a finding does."""
    items = sorted([f.severity, f.code, f.sheet, f.cell, f.project_id, f.message] for f in findings)
    return hashlib.sha256(json.dumps(items, ensure_ascii=False).encode()).hexdigest()


def committee_verdict(findings: list[Finding]) -> str:
    errors = sum(1 for f in findings if f.severity == ERROR)
    return verdict_for_committee(errors, len(findings) - errors)


def committee_subject(content: SyncReadModel, committee: Committee, findings: list[Finding]) -> str:
    errors = sum(1 for f in findings if f.severity == ERROR)
    state = f"{plural(errors, 'erreur')} à corriger" if errors else "aucune erreur"
    return (
        f"{content.config.fund} — {committee.name} : {state} dans votre chiffrier "
        f"(synchronisation du {day(content.when)})"
    )


def _place(f: Finding) -> str:
    if f.sheet and f.cell:
        return f"Onglet {f.sheet}, cellule {f.cell}"
    if f.sheet:
        return f"Onglet {f.sheet}"
    return "Ensemble du chiffrier"


def _finding_block(number: int, f: Finding, link: str | None) -> list[str]:
    """A finding as a committee member reads it: where, its French title, its message;
    never its code (the codes are for the coordinator and programs: JSON, the ministry's
    Validation sheet)."""
    head = _place(f) + (f", projet {f.project_id}" if f.project_id else "")
    kind = CATALOGUE.get(f.code)
    lines = [f"{number}. {head} — {kind.title if kind else 'Constat'}", f"   {f.message}"]
    if link:
        lines.append(f"   Ouvrir la cellule : {link}")
    return lines


def committee_body(
    content: SyncReadModel, committee: Committee, findings: list[Finding], previously: str | None = None
) -> str:
    """``previously``: when the committee was last written to (its findings changed since)."""
    config = content.config
    errors = [f for f in findings if f.severity == ERROR]
    warnings = [f for f in findings if f.severity != ERROR]
    lines = [
        "Bonjour,",
        "",
        f"Voici les constats de la synchronisation du {_when(content)} sur le chiffrier du comité {committee.name} "
        f"({committee.code}) — {config.name}.",
    ]
    if committee.support:
        lines.append(f"Votre comité est accompagné par {committee.support}.")
    lines += [
        "",
        f"Bilan : {committee_verdict(findings)}.",
    ]
    if previously and not findings:
        lines.append(f"Les constats transmis le {previously} sont tous réglés. Merci !")
    elif previously:
        lines.append(f"Ces constats ont changé depuis le courriel du {previously}.")
    number = 0
    for title, group in (("Erreurs à corriger", errors), ("Avertissements", warnings)):
        if not group:
            continue
        lines += ["", f"{title} :", ""]
        for f in group:
            number += 1
            lines += _finding_block(number, f, content.link(f))
    line = next((t for t in content.figures if t.code == committee.code), None)
    if line is not None:
        lines += [
            "",
            f"Engagé par votre comité : {format_cents(line.committed)} sur {format_cents(line.allocation)} "
            f"({format_percent(line.committed, line.allocation)}), versé {format_cents(line.paid)}.",
        ]
    if errors:
        lines += ["", return_path(config, committee, by_reply=True)]
    lines += ["", "--", _signature(content) + " Il n'est envoyé que lorsque vos constats changent."]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------
# The message itself


def email(
    *, sender: Address, to: tuple[Address, ...], subject: str, body: str, attachment: tuple[str, bytes] | None = None
) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = to
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=sender.domain or None)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies back
    message.set_content(body)
    if attachment is not None:
        name, data = attachment
        message.add_attachment(data, maintype=XLSX_TYPE[0], subtype=XLSX_TYPE[1], filename=name)
    return message
