"""Consolidation: the alliance's figures, in integer cents, from the counted records.

These Python totals are the reference: the ministry workbook recomputes them with
live formulas, and the tests compare both to the cent.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sync.config import Config
from sync.money import ZERO, Cents, total_cents
from sync.parsing.records import ParsedWorkbook, Payment, Project
from sync.vocabulary import statuses


def committed_amount(project: Project, paid: int) -> Cents:
    """docs/gabarit.md: FQIS total when Accepté, En cours or Terminé; what was paid when Abandonné."""
    if not project.counted:
        return ZERO
    if project.status in statuses.COMMITTED_STATUSES:
        return project.fqis_total or ZERO
    if project.status == statuses.ABANDONED_STATUS:
        return Cents(paid)
    return ZERO


@dataclass
class LineTotals:
    """The figures of one line of the Sommaire: a sub-region or the regional line."""

    code: str
    name: str
    allocation: Cents
    committed: Cents = ZERO
    paid: Cents = ZERO
    pipeline: Cents = ZERO  # FQIS asked by projects Intention déposée / En analyse
    other_contributions: Cents = ZERO  # leverage of committed projects
    projects_committed: int = 0
    projects_pipeline: int = 0
    projects_total: int = 0
    committed_by_year: dict[str, Cents] = field(default_factory=dict)
    paid_by_year: dict[str, Cents] = field(default_factory=dict)

    @property
    def balance(self) -> Cents:
        return Cents(self.allocation - self.committed)


@dataclass
class Totals:
    lines: list[LineTotals]
    envelope: Cents
    paid_by_project: dict[tuple[str, str], Cents]  # (committee, project id) → cents

    @property
    def committed(self) -> Cents:
        return total_cents(line.committed for line in self.lines)

    @property
    def paid(self) -> Cents:
        return total_cents(line.paid for line in self.lines)

    @property
    def allocated(self) -> Cents:
        return total_cents(line.allocation for line in self.lines)

    @property
    def unallocated(self) -> Cents:
        """What the configuration leaves unallocated, so the report reconciles to the envelope."""
        return Cents(self.envelope - self.allocated)

    def line(self, code: str) -> LineTotals:
        return next(line for line in self.lines if line.code == code)


# Per project id, what was paid to it, and what was paid to it in each fiscal year.
PaidByProject = dict[str, Cents]
PaidByYear = dict[str, dict[str, Cents]]


def consolidate(config: Config, workbooks: dict[str, ParsedWorkbook]) -> Totals:
    """Totals of every line (sub-regions in configuration order, then the regional line)."""
    lines: list[LineTotals] = []
    paid_by_project: dict[tuple[str, str], Cents] = {}
    for committee in (*config.subregions, config.regional):
        line = LineTotals(
            committee.code,
            committee.name,
            committee.allocation,
            committed_by_year={y.label: ZERO for y in config.fiscal_years},
            paid_by_year={y.label: ZERO for y in config.fiscal_years},
        )
        lines.append(line)
        workbook = workbooks.get(committee.code)
        if workbook is None:
            continue
        paid, paid_years = _paid_by_project(workbook.payments, config, line)
        for key, cents in paid.items():
            paid_by_project[(committee.code, key)] = cents
        for project in workbook.projects:
            _add_project(project, paid, paid_years, line)
    return Totals(lines, config.envelope, paid_by_project)


def _paid_by_project(payments: list[Payment], config: Config, line: LineTotals) -> tuple[PaidByProject, PaidByYear]:
    """Paid per project, and per project and fiscal year; adds the line's paid figures."""
    paid: PaidByProject = defaultdict(lambda: ZERO)
    paid_years: PaidByYear = defaultdict(lambda: defaultdict(lambda: ZERO))
    for payment in payments:
        if not payment.counted or payment.amount is None:
            continue
        paid[payment.project_id] = Cents(paid[payment.project_id] + payment.amount)
        line.paid = Cents(line.paid + payment.amount)
        year = config.fiscal_year_of(payment.date) if payment.date else None
        if year is not None:
            line.paid_by_year[year.label] = Cents(line.paid_by_year[year.label] + payment.amount)
            years = paid_years[payment.project_id]
            years[year.label] = Cents(years[year.label] + payment.amount)
    return paid, paid_years


def _add_project(
    project: Project,
    paid: PaidByProject,
    paid_years: PaidByYear,
    line: LineTotals,
) -> None:
    if not project.counted:
        return
    line.projects_total += 1
    if project.status in statuses.PIPELINE_STATUSES:
        line.pipeline = Cents(line.pipeline + (project.fqis_total or 0))
        line.projects_pipeline += 1
        return
    amount = committed_amount(project, paid.get(project.project_id, 0))
    if project.status not in statuses.COMMITTED_STATUSES and project.status != statuses.ABANDONED_STATUS:
        return
    line.committed = Cents(line.committed + amount)
    line.projects_committed += 1
    line.other_contributions = Cents(line.other_contributions + (project.other_contributions or 0))
    if project.status in statuses.COMMITTED_STATUSES:
        years = project.fqis_by_year.items()
    else:
        # An abandoned project is committed for what it was paid, in the years paid.
        years = paid_years.get(project.project_id, {}).items()
    for label, cents in years:
        line.committed_by_year[label] = Cents(line.committed_by_year[label] + (cents or 0))
