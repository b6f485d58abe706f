"""The report as console text (grouped by committee, errors first) and as JSON."""

from __future__ import annotations

import json

from sync.findings import ERROR, SEVERITY_LABEL, Finding
from sync.money import format_cents, format_percent
from sync.report import Report
from sync.wording import moment, plural, summary_line


def report_summary_line(report: Report) -> str:
    return summary_line(len(report.errors), len(report.warnings))


def _finding_line(f: Finding) -> str:
    where = f.sheet + (f"!{f.cell}" if f.cell else "")
    place = f" [{where}]" if where else ""
    project = f" ({f.project_id})" if f.project_id else ""
    return f"  {SEVERITY_LABEL[f.severity]:<13} {f.code}{place}{project} : {f.message}"


def render_text(report: Report) -> str:
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
        lines.extend(_finding_line(f) for f in found)
        lines.append("")
    lines.append("Engagements :")
    for line in report.totals.lines:
        if line.code == config.regional.code and config.regional.source is None:
            continue
        lines.append(f"  {line.code:<10} engagé {format_cents(line.committed):>18} sur "
                     f"{format_cents(line.allocation):>18} ({format_percent(line.committed, line.allocation)}), "
                     f"versé {format_cents(line.paid)}")
    lines.append("")
    lines.append(report_summary_line(report))
    return "\n".join(lines)


def render_json(report: Report) -> str:
    return json.dumps([f.as_dict() for f in report.findings], ensure_ascii=False, indent=2)
