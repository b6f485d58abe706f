"""French text of ``alliance-sync history`` and ``alliance-sync diff``."""

from __future__ import annotations

from sync.changes import ADDED, MODIFIED, REMOVED, Changes, RecordChange
from sync.history.codec import PAYMENT, PROJECT
from sync.history.store import RunSummary
from sync.wording import moment, plural

_NOUNS = {PROJECT: ("projet", "projets"), PAYMENT: ("versement", "versements")}
_VERBS = {ADDED: "ajouté", MODIFIED: "modifié", REMOVED: "supprimé"}


def _when(run: RunSummary) -> str:
    return moment(run.started_at)


def _number(value: int | None) -> str:
    return "—" if value is None else str(value)


def render_history(runs: list[RunSummary], alive_run: int | None = None) -> str:
    """One line per run, most recent first; a failed run's reason beneath it."""
    header = ("N°", "Date", "Statut", "Projets", "Versements", "Erreurs", "Avertissements")
    rows = []
    for run in runs:
        rows.append((str(run.id), _when(run), run.status(running_alive=run.id == alive_run),
                     _number(run.projects), _number(run.payments), _number(run.errors), _number(run.warnings)))
    widths = [max(len(header[i]), *(len(r[i]) for r in rows)) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        left = [cells[i].ljust(widths[i]) for i in (1, 2)]
        right = [cells[i].rjust(widths[i]) for i in (3, 4, 5, 6)]
        return "  ".join([cells[0].rjust(widths[0]), *left, *right]).rstrip()

    lines = [line(header)]
    for run, row in zip(runs, rows, strict=True):
        lines.append(line(row))
        if run.state == "failed" and run.message:
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
    title = (f"Changements entre la synchronisation n° {before.id} du {_when(before)} "
             f"et la n° {after.id} du {_when(after)}")
    if not changes.items:
        return f"{title} : aucun changement."
    lines = [f"{title} :", summary(changes)]
    committee = None
    for change in changes.items:
        if change.committee != committee:
            committee = change.committee
            name = names.get(committee)
            lines.extend(["", f"{committee} — {name}" if name else committee])
        lines.extend(change_lines(change))
    return "\n".join(lines)
