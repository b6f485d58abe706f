"""The report as console text (grouped by committee, errors first) and as the
versioned validation document (``validate --format json``, docs/ligne-de-commande.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sync.consolidate import LineTotals
from sync.findings import ERROR, SEVERITY_LABEL, Finding
from sync.money import format_cents, format_percent
from sync.outputs.contract import finding_dict, iso, money
from sync.report import Report, SourceInfo
from sync.wording import moment, plural, printable, summary_line

# The validation document's name and version: a script checks both before reading on.
# The version changes only when a key changes meaning or goes away (adding one does not).
VALIDATION_FORMAT = "alliance-sync/validation"
VALIDATION_VERSION = 1


def report_summary_line(report: Report) -> str:
    return summary_line(len(report.errors), len(report.warnings))


def finding_line(f: Finding) -> str:
    where = f.sheet + (f"!{f.cell}" if f.cell else "")
    place = f" [{where}]" if where else ""
    project = f" ({f.project_id})" if f.project_id else ""
    line = f"  {SEVERITY_LABEL[f.severity]:<13} {f.code}{place}{project} : {f.message}"
    # One finding, one line: a line feed typed in a cell cannot forge another line.
    return printable(line.replace("\n", "\u2424"))


def render_text(report: Report, limit: int | None = None) -> str:
    """``limit``: at most that many findings shown per committee, errors first; the
    counts, and the closing count by committee and code, stay complete."""
    config = report.config
    lines = [f"{config.name} — validation du {moment(report.generated_at)}", ""]
    names = {c.code: c.name for c in (*config.subregions, config.regional)}
    groups: dict[str, list[Finding]] = {}
    for f in report.findings:
        groups.setdefault(f.committee, []).append(f)
    order = [c.code for c in (*config.subregions, config.regional)]
    for code in sorted(groups, key=lambda c: order.index(c) if c in order else len(order)):
        found = sorted(groups[code], key=lambda f: f.severity != ERROR)
        errors = sum(1 for f in found if f.severity == ERROR)
        title = names.get(code, "Ensemble de l'Alliance")
        lines.append(f"{code} — {title} : {plural(errors, 'erreur')}, {plural(len(found) - errors, 'avertissement')}")
        shown = found if limit is None else found[:limit]
        lines.extend(finding_line(f) for f in shown)
        if len(shown) < len(found):
            lines.append(
                f"  … et {plural(len(found) - len(shown), 'autre constat', 'autres constats')} (--limit {limit})"
            )
        lines.append("")
    lines.append("Engagements :")
    for line in report.totals.lines:
        if line.code == config.regional.code and config.regional.source is None:
            continue
        lines.append(
            f"  {line.code:<10} engagé {format_cents(line.committed):>18} sur "
            f"{format_cents(line.allocation):>18} ({format_percent(line.committed, line.allocation)}), "
            f"versé {format_cents(line.paid)}"
        )
    lines.append("")
    if report.findings:
        lines.extend([*counts_by_code(report.findings, order), ""])
    lines.append(report_summary_line(report))
    return "\n".join(lines)


def counts_by_code(findings: list[Finding], order: list[str]) -> list[str]:
    """« Constats par comité et par code : », one line per committee and code, errors first."""
    counts: dict[tuple[str, str, str], int] = {}
    for f in findings:
        key: tuple[str, str, str] = (f.committee, f.severity, f.code)
        counts[key] = counts.get(key, 0) + 1

    def rank(key: tuple[str, str, str]) -> tuple[int, bool, str]:
        committee, severity, code = key
        return (order.index(committee) if committee in order else len(order), severity != ERROR, code)

    width = max(len(code) for _, _, code in counts)
    lines = ["Constats par comité et par code :"]
    for key in sorted(counts, key=rank):
        committee, severity, code = key
        noun = ("erreur", "erreurs") if severity == ERROR else ("avertissement", "avertissements")
        lines.append(f"  {committee:<10} {code:<{width}} {plural(counts[key], *noun)}")
    return lines


@dataclass
class ValidationResult:
    """``alliance-sync validate``'s result: the report, shown as text or as the document."""

    report: Report
    limit: int | None = None  # at most that many findings shown per committee, in the text

    def render_text(self) -> str:
        return render_text(self.report, limit=self.limit)

    def as_dict(self) -> dict[str, Any]:
        return validation_document(self.report)


def validation_document(report: Report) -> dict[str, Any]:
    """The whole validation for a script (documented key by key in docs/ligne-de-commande.md)."""
    config = report.config
    return {
        "format": VALIDATION_FORMAT,
        "version": VALIDATION_VERSION,
        "alliance": config.name,
        "generated_at": iso(report.generated_at),
        "verdict": "conforming" if report.conforming else "errors",
        "summary": report_summary_line(report),
        "counts": _counts(report),
        "totals": _totals(report),
        "sources": [_source(info) for info in report.sources.values()],
        "findings": [finding_dict(f) for f in report.findings],
    }


def _counts(report: Report) -> dict[str, Any]:
    committees: dict[str, dict[str, int]] = {}
    for f in report.findings:
        count = committees.setdefault(f.committee, {"errors": 0, "warnings": 0})
        count["errors" if f.severity == ERROR else "warnings"] += 1
    return {
        "errors": len(report.errors),
        "warnings": len(report.warnings),
        "projects": sum(len(w.projects) for w in report.workbooks.values()),
        "payments": sum(len(w.payments) for w in report.workbooks.values()),
        "by_committee": committees,
        "by_code": _by_code(report.findings),
    }


def _by_code(findings: list[Finding]) -> dict[str, dict[str, Any]]:
    codes: dict[str, dict[str, Any]] = {}
    for f in findings:
        entry = codes.setdefault(f.code, {"severity": f.severity, "count": 0})
        entry["count"] += 1
    return codes


def _totals(report: Report) -> dict[str, Any]:
    """Each envelope line in cents (sub-regions, the regional line), then the Alliance's."""
    totals = report.totals
    regional = report.config.regional.code
    lines = [_line(line, "regional" if line.code == regional else "subregion") for line in totals.lines]
    alliance = {
        "envelope": money(totals.envelope),
        "allocation": money(totals.allocated),
        "unallocated": money(totals.unallocated),
        "committed": money(totals.committed),
        "paid": money(totals.paid),
        "pipeline": money(sum(line.pipeline for line in totals.lines)),
        "balance": money(totals.allocated - totals.committed),
    }
    return {"lines": lines, "alliance": alliance}


def _line(line: LineTotals, kind: str) -> dict[str, Any]:
    return {
        "code": line.code,
        "name": line.name,
        "kind": kind,
        "allocation": money(line.allocation),
        "committed": money(line.committed),
        "committed_share": format_percent(line.committed, line.allocation),
        "paid": money(line.paid),
        "pipeline": money(line.pipeline),
        "balance": money(line.balance),
        "other_contributions": money(line.other_contributions),
        "projects": {
            "committed": line.projects_committed,
            "pipeline": line.projects_pipeline,
            "counted": line.projects_total,
        },
    }


def _source(info: SourceInfo) -> dict[str, Any]:
    return {
        "committee": info.committee,
        "kind": info.kind,
        "location": info.location,
        "read_at": iso(info.read_at),
        "current": info.current,
        "problem": info.problem,
        "content_hash": info.content_hash,
        "unavailable_since": iso(info.unavailable_since),
    }
