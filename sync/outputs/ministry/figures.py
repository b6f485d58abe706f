"""The figures the summary sheets show, computed in Python from the report.

The workbook computes the same figures with live formulas, and stores these as
their results; each one is also listed in the Contrôles table of À propos, beside
the formula, so that an analyst (and the tests) can check that both agree to the cent.

Most figures come straight from sync/consolidate.py. The few the consolidation
does not keep (planned FQIS per fiscal year, the groups of the Par priorité and
Par territoire sheets) are computed here from the same counted records, grouped
the way the formulas group them: a spreadsheet compares text without regard to case.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sync.consolidate import committed_amount
from sync.parsing.records import Project
from sync.report import Report
from sync.vocabulary import statuses


def fold(text: str) -> str:
    """The key under which SUMIFS sees a text as equal to another: case aside."""
    return text.lower()


@dataclass
class Group:
    committed: int = 0  # cents
    projects: int = 0  # projects that count in the committed amount
    pipeline: int = 0  # cents of the requests in analysis

    def add(self, other: Group) -> None:
        self.committed += other.committed
        self.projects += other.projects
        self.pipeline += other.pipeline


@dataclass
class Breakdown:
    """The counted projects grouped by line and by the value of one field (a
    priority, a territory), case aside."""

    cells: dict[tuple[str, str], Group] = field(default_factory=lambda: defaultdict(Group))

    def of(self, code: str, label: str) -> Group:
        return self.cells.get((code, fold(label)), Group())

    def listed(self, labels: list[str], codes: list[str] | None = None) -> Group:
        """The sum over ``labels`` (already distinct), in the lines ``codes`` (None: all)."""
        wanted = {fold(label) for label in labels}
        total = Group()
        for (code, key), group in self.cells.items():
            if key in wanted and (codes is None or code in codes):
                total.add(group)
        return total

    def line(self, code: str) -> Group:
        total = Group()
        for (c, _), group in self.cells.items():
            if c == code:
                total.add(group)
        return total

    def whole(self) -> Group:
        total = Group()
        for group in self.cells.values():
            total.add(group)
        return total


@dataclass
class Figures:
    planned: dict[str, dict[str, int]]  # code → fiscal year label → cents (Accepté, En cours, Terminé)
    abandoned: dict[str, int]  # code → committed for abandoned projects (what was paid)
    priorities: Breakdown
    territories: Breakdown


def unique_labels(labels: Iterable[str]) -> list[str]:
    """Labels in order, without a second one that a spreadsheet would see as equal."""
    seen, out = set(), []
    for label in labels:
        if fold(label) not in seen:
            seen.add(fold(label))
            out.append(label)
    return out


def priority_labels(report: Report) -> list[str]:
    return unique_labels(report.config.priorities)


def territory_labels(report: Report, code: str) -> list[str]:
    """The territories of one line of the envelope, in configuration order, each once."""
    return unique_labels(report.config.committee(code).territories)


def _breakdown(report: Report, key: Callable[[Project], str]) -> Breakdown:
    paid = report.totals.paid_by_project
    out = Breakdown()
    for code, workbook in report.workbooks.items():
        for p in workbook.projects:
            if not p.counted:
                continue
            group = out.cells[(code, fold(key(p)))]
            if p.status in statuses.PIPELINE_STATUSES:
                group.pipeline += p.fqis_total or 0
            elif p.status in statuses.COMMITTED_STATUSES or p.status == statuses.ABANDONED_STATUS:
                group.committed += committed_amount(p, paid.get((code, p.project_id), 0))
                group.projects += 1
    return out


def compute(report: Report) -> Figures:
    config = report.config
    totals = report.totals
    labels = [y.label for y in config.fiscal_years]
    planned = {line.code: {label: 0 for label in labels} for line in totals.lines}
    abandoned = {line.code: 0 for line in totals.lines}
    for code, workbook in report.workbooks.items():
        for p in workbook.projects:
            if not p.counted:
                continue
            if p.status in statuses.COMMITTED_STATUSES:
                for label, cents in p.fqis_by_year.items():
                    if label in planned[code]:
                        planned[code][label] += cents or 0
            elif p.status == statuses.ABANDONED_STATUS:
                abandoned[code] += totals.paid_by_project.get((code, p.project_id), 0)
    return Figures(
        planned=planned,
        abandoned=abandoned,
        priorities=_breakdown(report, lambda p: p.priority),
        territories=_breakdown(report, lambda p: p.territory),
    )
