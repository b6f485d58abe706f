"""The figures the summary sheets show, computed in Python from the report.

The workbook computes the same figures with live formulas; each one is also
written, as computed here, in the Contrôles table of À propos, beside the
formula's result and their difference, so that an analyst (and the tests) can
check that both agree to the cent.

Most figures come straight from sync/consolidate.py. The few the consolidation
does not keep (planned FQIS per fiscal year, groups of the Par priorité and Par
territoire sheets) are computed here from the same counted records, grouped the
way the formulas group them: a spreadsheet compares text without regard to case.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sync import defaults
from sync.report import Report


def fold(text: str) -> str:
    """The key under which SUMIFS sees a text as equal to another: case aside."""
    return text.lower()


@dataclass
class Group:
    committed: int = 0  # cents
    projects: int = 0
    pipeline: int = 0  # cents


@dataclass
class Grouped:
    """Committed amounts grouped by a list of labels (priorities, territories)."""

    listed: dict[str, Group]  # label (as configured) → figures
    other: Group = field(default_factory=Group)  # values outside the list, or blank


@dataclass
class Figures:
    planned: dict[str, dict[str, int]]  # code → fiscal year label → cents (Accepté, En cours, Terminé)
    abandoned: dict[str, int]  # code → committed for abandoned projects (what was paid)
    priorities: Grouped
    territories: Grouped


def _group(labels: list[str], values: dict[str, Group]) -> Grouped:
    by_key = {fold(label): Group() for label in labels}
    grouped = Grouped({label: by_key[fold(label)] for label in labels})
    for value, figures in values.items():
        target = by_key.get(fold(value), grouped.other)
        target.committed += figures.committed
        target.projects += figures.projects
        target.pipeline += figures.pipeline
    return grouped


def unique_labels(labels) -> list[str]:
    """Labels in order, without a second one that a spreadsheet would see as equal."""
    seen, out = set(), []
    for label in labels:
        if fold(label) not in seen:
            seen.add(fold(label))
            out.append(label)
    return out


def priority_labels(report: Report) -> list[str]:
    return unique_labels(report.config.priorities)


def territory_labels(report: Report) -> list[tuple[str, str]]:
    """(line code, territory) in configuration order, each territory once."""
    config = report.config
    seen, out = set(), []
    for committee in (*config.subregions, config.regional):
        for territory in committee.territories:
            if fold(territory) not in seen:
                seen.add(fold(territory))
                out.append((committee.code, territory))
    return out


def compute(report: Report) -> Figures:
    config = report.config
    totals = report.totals
    labels = [y.label for y in config.fiscal_years]
    planned = {line.code: {label: 0 for label in labels} for line in totals.lines}
    abandoned = {line.code: 0 for line in totals.lines}
    priorities: dict[str, Group] = defaultdict(Group)
    territories: dict[str, Group] = defaultdict(Group)
    for code, workbook in report.workbooks.items():
        for p in workbook.projects:
            if not p.counted:
                continue
            if p.status in defaults.PIPELINE_STATUSES:
                priorities[p.priority].pipeline += p.fqis_total or 0
                territories[p.territory].pipeline += p.fqis_total or 0
            if p.status in defaults.COMMITTED_STATUSES:
                for label, cents in p.fqis_by_year.items():
                    if label in planned[code]:
                        planned[code][label] += cents or 0
            elif p.status == defaults.ABANDONED_STATUS:
                abandoned[code] += totals.paid_by_project.get((code, p.project_id), 0)
    for priority, (cents, count) in totals.by_priority.items():
        priorities[priority].committed += cents
        priorities[priority].projects += count
    for territory, (cents, count) in totals.by_territory.items():
        territories[territory].committed += cents
        territories[territory].projects += count
    return Figures(
        planned=planned,
        abandoned=abandoned,
        priorities=_group(priority_labels(report), priorities),
        territories=_group([t for _, t in territory_labels(report)], territories),
    )
