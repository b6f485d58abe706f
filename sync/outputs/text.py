"""The report as console text (grouped by committee, errors first) and as JSON."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from sync.findings import ERROR, SEVERITY_LABEL, Finding
from sync.money import format_cents, format_percent

if TYPE_CHECKING:  # the pipeline logs with plural() below
    from sync.pipeline import Report


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    return f"{count} {singular if count in (0, 1) else (plural_form or singular + 's')}"


def errors_to_fix(errors: int, warnings: int) -> str:
    """« 3 erreurs à corriger, 1 avertissement »: the verdict every output gives when errors remain."""
    return f"{plural(errors, 'erreur')} à corriger, {plural(warnings, 'avertissement')}"


def summary_line(report: Report) -> str:
    errors, warnings = len(report.errors), len(report.warnings)
    if errors:
        return f"{errors_to_fix(errors, warnings)}."
    return f"Conforme — 0 erreur, {plural(warnings, 'avertissement')}."


def _finding_line(f: Finding) -> str:
    where = f.sheet + (f"!{f.cell}" if f.cell else "")
    place = f" [{where}]" if where else ""
    project = f" ({f.project_id})" if f.project_id else ""
    return f"  {SEVERITY_LABEL[f.severity]:<13} {f.code}{place}{project} : {f.message}"


def render_text(report: Report) -> str:
    config = report.config
    lines = [f"{config.name} — validation du {report.generated_at:%Y-%m-%d %H:%M}", ""]
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
    lines.append(summary_line(report))
    return "\n".join(lines)


def render_json(report: Report) -> str:
    return json.dumps([f.as_dict() for f in report.findings], ensure_ascii=False, indent=2)
