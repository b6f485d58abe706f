"""French text of ``alliance-sync history`` and ``alliance-sync diff``, and
their ``--format json`` dictionaries."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from sync.changes import ADDED, MODIFIED, REMOVED, Changes, RecordChange
from sync.history.closures import Closure, render_closures
from sync.history.codec import PAYMENT, PROJECT
from sync.history.deliveries import Delivered, delivered_as_dict
from sync.history.store import RunSummary
from sync.wording import moment, plural

_NOUNS = {PROJECT: ("projet", "projets"), PAYMENT: ("versement", "versements")}
_VERBS = {ADDED: "ajouté", MODIFIED: "modifié", REMOVED: "supprimé"}


def _when(run: RunSummary) -> str:
    return moment(run.started_at)


def _number(value: int | None) -> str:
    return "—" if value is None else str(value)


NO_WORKBOOK = "aucun"


def _workbook(run: RunSummary, replaced_by: int | None = None) -> str:
    """The workbook's file name; « aucun » for a run that wrote none (--strict, failure);
    « (remplacé par n° 3) » when a later run wrote the same file."""
    if run.state == "running" or run.placed == 0:  # not (yet) known to be in place
        return "—"
    if not run.output:
        return NO_WORKBOOK
    name = PurePath(run.output).name
    return name if replaced_by is None else f"{name} (remplacé par n° {replaced_by})"


def _wrote_workbook(run: RunSummary) -> bool:
    return run.state == "done" and run.placed != 0 and bool(run.output)


def replaced_workbooks(runs: list[RunSummary]) -> dict[int, int]:
    """Each run whose workbook file a later run of ``runs`` wrote again: the run that
    replaced it (the next one to write the same path). A later run is listed whenever
    an earlier one is (most recent first), so the listing knows every replacement."""
    replaced: dict[int, int] = {}
    last_writer: dict[str, int] = {}
    for run in sorted(runs, key=lambda r: r.id):
        if _wrote_workbook(run) and run.output is not None:
            if run.output in last_writer:
                replaced[last_writer[run.output]] = run.id
            last_writer[run.output] = run.id
    return replaced


def render_history(
    runs: list[RunSummary], alive_run: int | None = None, delivered: dict[int, list[Delivered]] | None = None
) -> str:
    """One line per run, most recent first; a failed run's reason beneath it.
    ``delivered``: each run's delivery attempts, for the « Livraison » column."""
    header = ("N°", "Date", "Statut", "Projets", "Versements", "Erreurs", "Avertissements", "Classeur", "Livraison")
    replaced = replaced_workbooks(runs)
    rows = []
    for run in runs:
        rows.append(
            (
                str(run.id),
                _when(run),
                run.status(running_alive=run.id == alive_run),
                _number(run.projects),
                _number(run.payments),
                _number(run.errors),
                _number(run.warnings),
                _workbook(run, replaced.get(run.id)),
                delivery_state((delivered or {}).get(run.id, [])),
            )
        )
    widths = [max(len(header[i]), *(len(r[i]) for r in rows)) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        left = [cells[i].ljust(widths[i]) for i in (1, 2)]
        right = [cells[i].rjust(widths[i]) for i in (3, 4, 5, 6)]
        last = [cells[i].ljust(widths[i]) for i in (7, 8)]
        return "  ".join([cells[0].rjust(widths[0]), *left, *right, *last]).rstrip()

    lines = [line(header)]
    for run, row in zip(runs, rows, strict=True):
        lines.append(line(row))
        if run.state in ("failed", "interrupted") and run.message:
            lines.extend(" " * (widths[0] + 2) + text for text in run.message.splitlines())
    return "\n".join(lines)


def _counts(changes: Changes, record: str) -> str:
    counts = []
    for kind in (ADDED, MODIFIED, REMOVED):
        number = sum(1 for c in changes.items if c.record == record and c.kind == kind)
        counts.append(plural(number, _VERBS[kind]))
    return ", ".join(counts)


def summary(changes: Changes) -> str:
    """« Projets : 1 ajouté, 2 modifiés, 0 supprimé. Versements : … »"""
    return " ".join(f"{_NOUNS[record][1].capitalize()} : {_counts(changes, record)}." for record in (PROJECT, PAYMENT))


def log_summary(changes: Changes) -> str:
    """« projets 1 ajouté, 2 modifiés, 0 supprimé ; versements … », for one log line."""
    return " ; ".join(f"{_NOUNS[record][1]} {_counts(changes, record)}" for record in (PROJECT, PAYMENT))


def change_lines(change: RecordChange) -> list[str]:
    noun = _NOUNS[change.record][0].capitalize()
    head = f"  {noun} {_VERBS[change.kind]} : {change.key}"
    if change.label:
        head += f" — {change.label}"
    return [head, *(f"      {f.field} : {f.before} → {f.after}" for f in change.fields)]


def render_diff(changes: Changes, before: RunSummary, after: RunSummary, names: dict[str, str]) -> str:
    title = (
        f"Changements entre la synchronisation n° {before.id} du {_when(before)} et la n° {after.id} du {_when(after)}"
    )
    if not changes.items and not changes.not_compared:
        return f"{title} : aucun changement."
    lines = [f"{title} :", summary(changes)]
    lines.extend(not_compared_lines(changes))
    committee = None
    for change in changes.items:
        if change.committee != committee:
            committee = change.committee
            name = names.get(committee)
            lines.extend(["", f"{committee} — {name}" if name else committee])
        lines.extend(change_lines(change))
    return "\n".join(lines)


def not_compared_lines(changes: Changes) -> list[str]:
    """« Comité OUEST non comparé : source changée depuis … »: said where the changes are."""
    return [f"Comité {code} non comparé : {why}." for code, why in changes.not_compared.items()]


def delivery_state(attempts: list[Delivered]) -> str:
    """« — » (never delivered), « 3 envois », « 2 envois, 1 échec » — the latest outcome of each
    recipient counts: a failure delivered again later is no longer a failure."""
    if not attempts:
        return "—"
    latest: dict[tuple[str, str, tuple[str, ...]], Delivered] = {}
    for attempt in sorted(attempts, key=lambda a: a.id):
        latest[(attempt.channel, attempt.committee, attempt.recipients)] = attempt
    sent = sum(1 for a in latest.values() if a.status == "sent")
    failed = sum(1 for a in latest.values() if a.status == "failed")
    text = plural(sent, "envoi")
    if failed:
        text += f", {plural(failed, 'échec')}"
    return text


_CHANNELS = {"drive": "Google Drive", "ministry": "courriel au ministère", "committee": "courriel au comité"}
_STATUSES = {"sent": "envoyé", "failed": "ÉCHEC"}


def render_deliveries(attempts: list[Delivered]) -> str:
    """``history --deliveries``: what was sent, to whom, when; most recent first."""
    header = ("N°", "Date", "Envoi", "Comité", "Destinataires", "Résultat")
    rows = [
        (
            str(a.run_id),
            moment(a.at),
            _CHANNELS.get(a.channel, a.channel),
            a.committee or "—",
            ", ".join(a.recipients),
            _STATUSES.get(a.status, a.status),
        )
        for a in attempts
    ]
    widths = [max(len(header[i]), *(len(r[i]) for r in rows)) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join([cells[0].rjust(widths[0]), *(cells[i].ljust(widths[i]) for i in range(1, 6))]).rstrip()

    lines = [line(header)]
    for attempt, row in zip(attempts, rows, strict=True):
        lines.append(line(row))
        if attempt.status != "sent" and attempt.detail:
            lines.append(" " * (widths[0] + 2) + attempt.detail)
    return "\n".join(lines)


def run_as_dict(
    run: RunSummary,
    alive_run: int | None = None,
    delivered: list[Delivered] | None = None,
    replaced_by: int | None = None,
) -> dict[str, Any]:
    """``history --format json``: one run; ``deliveries``: each delivery tried for it,
    oldest first ([]: none); ``workbook_replaced_by``: the later run that wrote its
    workbook file again (null: none)."""
    return {
        "run": run.id,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "state": run.state,
        "status": run.status(running_alive=run.id == alive_run),
        "projects": run.projects,
        "payments": run.payments,
        "errors": run.errors,
        "warnings": run.warnings,
        "fallbacks": run.fallbacks,
        "workbook": run.output,
        "workbook_replaced_by": replaced_by,
        "message": run.message,
        "deliveries": [delivered_as_dict(a) for a in sorted(delivered or [], key=lambda a: a.id)],
    }


def diff_as_dict(changes: Changes, before: RunSummary, after: RunSummary) -> dict[str, Any]:
    """``diff --format json``: the two runs, and each change with its fields."""
    return {
        "before": {"run": before.id, "started_at": before.started_at.isoformat()},
        "after": {"run": after.id, "started_at": after.started_at.isoformat()},
        **changes_as_dict(changes),
    }


def changes_as_dict(changes: Changes) -> dict[str, Any]:
    """The committees not compared and each change with its fields (``diff``, ``run --format json``)."""
    return {
        "not_compared": [{"committee": code, "reason": why} for code, why in changes.not_compared.items()],
        "changes": [
            {
                "kind": c.kind,
                "record": c.record,
                "committee": c.committee,
                "key": c.key,
                "label": c.label,
                "fields": [{"field": f.field, "before": f.before, "after": f.after} for f in c.fields],
            }
            for c in changes.items
        ],
    }


# The results of ``history`` and ``diff``: text or JSON (sync/outputs/contract.py).


@dataclass
class HistoryListing:
    """``alliance-sync history``: the runs, most recent first; ``empty`` is said when there are none.
    ``closures``: every closing and reopening of a fiscal year, shown under the runs (in JSON,
    with the run each one names)."""

    runs: list[RunSummary]
    empty: str
    alive_run: int | None = None
    delivered: dict[int, list[Delivered]] = field(default_factory=dict)
    closures: list[Closure] = field(default_factory=list)

    def render_text(self) -> str:
        if not self.runs:
            return self.empty
        listing = render_history(self.runs, alive_run=self.alive_run, delivered=self.delivered)
        return "\n".join([listing, *render_closures(self.closures)])

    def as_dict(self) -> list[dict[str, Any]]:
        replaced = replaced_workbooks(self.runs)
        return [
            {
                **run_as_dict(run, self.alive_run, self.delivered.get(run.id, []), replaced.get(run.id)),
                "closures": [c.as_dict() for c in self.closures if c.run_id == run.id],
            }
            for run in self.runs
        ]


@dataclass
class DeliveriesListing:
    """``alliance-sync history --deliveries``: each delivery tried, most recent first."""

    attempts: list[Delivered]
    empty: str

    def render_text(self) -> str:
        return render_deliveries(self.attempts) if self.attempts else self.empty

    def as_dict(self) -> list[dict[str, Any]]:
        return [delivered_as_dict(a) for a in self.attempts]


@dataclass
class DiffResult:
    """``alliance-sync diff``: the changes between two runs; ``changes`` is None when
    ``after`` has no run before it to compare with."""

    after: RunSummary
    before: RunSummary | None = None
    changes: Changes | None = None
    names: dict[str, str] = field(default_factory=dict)

    def render_text(self) -> str:
        if self.before is None or self.changes is None:
            return f"Synchronisation n° {self.after.id} : aucune synchronisation antérieure à comparer."
        return render_diff(self.changes, self.before, self.after, self.names)

    def as_dict(self) -> dict[str, Any]:
        if self.before is None or self.changes is None:
            return {
                "before": None,
                "after": {"run": self.after.id, "started_at": self.after.started_at.isoformat()},
                "changes": [],
            }
        return diff_as_dict(self.changes, self.before, self.after)
