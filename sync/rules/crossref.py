"""Rules across rows and committees: duplicate ids, payments against projects."""

from __future__ import annotations

import functools

from sync.findings import Code, Finding, finding
from sync.money import ZERO, Cents
from sync.parsing.identifiers import project_key
from sync.parsing.records import ParsedWorkbook, Payment, Project
from sync.vocabulary import statuses
from sync.vocabulary.lists import ValueList


@functools.lru_cache(maxsize=1 << 16)
def _id_key(project_id: str) -> str:
    # "oue-2020-003 " and "OUE-2020-003" are the same project number. Cached: each
    # number is looked up by every rule below, for its projects and its payments.
    return project_key(project_id)


def check_duplicate_ids(workbooks: list[ParsedWorkbook]) -> list[Finding]:
    """Every project number after its first use, in configuration order, is a duplicate."""
    out: list[Finding] = []
    first: dict[str, Project] = {}
    for workbook in workbooks:
        for p in workbook.projects:
            key = _id_key(p.project_id) if p.project_id else ""
            if not key:  # no number, or none a person can read (« - »): MISSING_VALUE (sync/rules/rows.py)
                continue
            if key not in first:
                first[key] = p
                continue
            original = first[key]
            out.append(
                finding(
                    Code.DUPLICATE_PROJECT_ID,
                    committee=p.committee,
                    sheet=p.sheet,
                    cell=p.cells["project_id"],  # a number was read: its column is there
                    row=p.row,
                    project_id=p.project_id,
                    field="project_id",
                    value=p.project_id,
                    first_committee=original.committee,
                    first_sheet=original.sheet,
                    first_row=original.row,
                )
            )
            # Counted once only: the first occurrence keeps the amounts (sync/rules/counting.py).
    return out


def _projects_by_key(workbook: ParsedWorkbook) -> dict[str, Project]:
    projects: dict[str, Project] = {}
    for p in workbook.projects:
        if p.project_id and _id_key(p.project_id):
            projects.setdefault(_id_key(p.project_id), p)
    return projects


def link_payments(workbook: ParsedWorkbook) -> None:
    """Write each payment's No projet as its project writes it (« oue-2020-001 » →
    « OUE-2020-001 »), so that what was paid adds up per project. A step of its own,
    before :func:`check_payments`, which only reads the records."""
    projects = _projects_by_key(workbook)
    for v in workbook.payments:
        project = projects.get(_id_key(v.project_id)) if v.project_id else None
        if project is not None:
            v.project_id = project.project_id


def check_payments(workbook: ParsedWorkbook, fund: str) -> list[Finding]:
    """Payments name a project of their committee, approved, and do not exceed its FQIS."""
    out: list[Finding] = []
    code = workbook.committee.code
    projects = _projects_by_key(workbook)
    known_ids = ValueList([p.project_id for p in workbook.projects if p.project_id])
    paid: dict[str, Cents] = {}
    reported: set[str] = set()
    for v in workbook.payments:
        if not v.project_id or not _id_key(v.project_id):  # MISSING_VALUE (sync/rules/rows.py)
            continue
        project = projects.get(_id_key(v.project_id))
        if project is None:
            out.append(
                _payment_finding(
                    Code.PAYMENT_UNKNOWN_PROJECT,
                    v,
                    code,
                    "project_id",
                    value=v.project_id,
                    closest=known_ids.closest(v.project_id, cutoff=0.8),
                )
            )
            continue
        if project.status not in statuses.PAYABLE_STATUSES:
            out.append(
                _payment_finding(
                    Code.PAYMENT_NOT_APPROVED,
                    v,
                    code,
                    "project_id",
                    project=project.project_id,
                    status=project.status,
                    amount=v.amount,
                )
            )
            # Its No projet is in error (docs/constats.md): kept out of the totals, like an unknown project.
            continue
        if not v.counted or v.amount is None or project.fqis_total is None or not project.counted:
            continue
        before = paid.get(project.project_id, ZERO)
        paid[project.project_id] = Cents(before + v.amount)
        # Reported once, at the payment that crosses the FQIS total.
        if paid[project.project_id] > project.fqis_total and project.project_id not in reported:
            reported.add(project.project_id)
            out.append(
                _payment_finding(
                    Code.PAID_OVER_GRANTED,
                    v,
                    code,
                    "amount",
                    project=project.project_id,
                    fund=fund,
                    paid=paid[project.project_id],
                    granted=project.fqis_total,
                )
            )
    return out


def _payment_finding(code: Code, v: Payment, committee: str, field: str, **values: object) -> Finding:
    return finding(
        code,
        committee=committee,
        sheet=v.sheet,
        cell=v.cells[field],  # the project number or amount the rule read: its column is there
        row=v.row,
        project_id=v.project_id,
        field=field,
        **values,
    )
