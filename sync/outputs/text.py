"""The report as console text (grouped by committee, errors first) and as JSON."""

from __future__ import annotations

import json

from sync.findings import ERROR, SEVERITY_LABEL, Finding
from sync.money import format_cents, format_percent
from sync.report import Report
from sync.wording import TERMINAL_CONTROLS, moment, plural, printable, summary_line


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
        lines.append(f"{code} — {title} : {plural(errors, 'erreur')}, "
                     f"{plural(len(found) - errors, 'avertissement')}")
        shown = found if limit is None else found[:limit]
        lines.extend(finding_line(f) for f in shown)
        if len(shown) < len(found):
            lines.append(f"  … et {plural(len(found) - len(shown), 'autre constat', 'autres constats')} "
                         f"(--limit {limit})")
        lines.append("")
    lines.append("Engagements :")
    for line in report.totals.lines:
        if line.code == config.regional.code and config.regional.source is None:
            continue
        lines.append(f"  {line.code:<10} engagé {format_cents(line.committed):>18} sur "
                     f"{format_cents(line.allocation):>18} ({format_percent(line.committed, line.allocation)}), "
                     f"versé {format_cents(line.paid)}")
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

    def rank(key: tuple[str, str, str]):
        committee, severity, code = key
        return (order.index(committee) if committee in order else len(order), severity != ERROR, code)

    width = max(len(code) for _, _, code in counts)
    lines = ["Constats par comité et par code :"]
    for key in sorted(counts, key=rank):
        committee, severity, code = key
        noun = ("erreur", "erreurs") if severity == ERROR else ("avertissement", "avertissements")
        lines.append(f"  {committee:<10} {code:<{width}} {plural(counts[key], *noun)}")
    return lines


def render_json(report: Report) -> str:
    # json escapes C0 controls itself; C1 controls and overrides are escaped here.
    text = json.dumps([f.to_dict() for f in report.findings], ensure_ascii=False, indent=2)
    return TERMINAL_CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
