"""The rules across rows and committees (sync/rules/crossref.py) stated as the
properties they promise, checked by Hypothesis against a model that knows which
number each typed spelling stands for (docs/constats.md):

- Duplicates: across the committees, in configuration order, every use of a project
  number after its first is DUPLICATE_PROJECT_ID, at its cell, naming the first
  use; however each use is spelled (case, spaces, invisible characters, full-width
  forms, look-alike letters), and two different numbers are never duplicates; an
  empty number is never one.
- Payments: a payment is matched to the first project of its own committee whose
  number it spells, and takes that project's spelling; one naming no project of its
  committee (another committee's included) is PAYMENT_UNKNOWN_PROJECT; one matched
  to a project that is not approved is PAYMENT_NOT_APPROVED; what the counted
  payments of a counted project add up to crosses its FQIS total at most once, and
  PAID_OVER_GRANTED is said there, with the sum paid so far to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import example, given
from hypothesis import strategies as st

from sync.config.load import Committee
from sync.findings import Code
from sync.money import ZERO, Cents
from sync.parsing.records import ParsedWorkbook, Payment, Project
from sync.rules.crossref import check_duplicate_ids, check_payments, link_payments
from sync.vocabulary import statuses
from tests.test_properties import spelled

# The numbers drawn from: few, so that each draw has uses of one number in several rows.
NUMBERS = [["OUE", "2020", "001"], ["OUE", "2020", "002"], ["OUE", "2020", "0012"], ["EST", "2021", "001"]]
COMMITTEES = ["OUEST", "EST", "LONGUEUIL"]


@dataclass
class Typed:
    """A typed No projet and the number (an index of NUMBERS) it stands for; None: empty."""

    text: str
    number: int | None


@st.composite
def typed_number(draw) -> Typed:
    number = draw(st.none() | st.integers(min_value=0, max_value=len(NUMBERS) - 1))
    return Typed("", None) if number is None else Typed(draw(spelled(NUMBERS[number])), number)


def _committee(code: str) -> Committee:
    return Committee(code, code.title(), ZERO, (), None)


def _project(code: str, row: int, typed: Typed, **fields: object) -> Project:
    cells = {"project_id": f"A{row}", "fqis_total": f"N{row}"}
    return Project(code, "Projets", row, project_id=typed.text, cells=cells, **fields)  # type: ignore[arg-type]


# ---------------------------------------------------------------- duplicates


@given(uses=st.lists(st.lists(typed_number(), max_size=6), min_size=len(COMMITTEES), max_size=len(COMMITTEES)))
def test_every_use_of_a_number_after_its_first_is_a_duplicate_naming_the_first(uses):
    workbooks = [
        ParsedWorkbook(_committee(code), projects=[_project(code, row, t) for row, t in enumerate(typed, start=2)])
        for code, typed in zip(COMMITTEES, uses, strict=True)
    ]
    first: dict[int, Project] = {}
    expected = []
    for workbook, typed in zip(workbooks, uses, strict=True):
        for project, t in zip(workbook.projects, typed, strict=True):
            if t.number is None:
                continue
            if t.number not in first:
                first[t.number] = project
                continue
            one = first[t.number]
            expected.append(
                (Code.DUPLICATE_PROJECT_ID, project.committee, "Projets", f"A{project.row}", project.row, t.text)
                + (t.text, one.committee, one.sheet, one.row)
            )
    found = check_duplicate_ids(workbooks)
    assert [
        (f.code, f.committee, f.sheet, f.cell, f.row, f.project_id)
        + (f.values["value"], f.values["first_committee"], f.values["first_sheet"], f.values["first_row"])
        for f in found
    ] == expected
    assert all(f.field == "project_id" for f in found)
    assert len(found) == sum(t.number is not None for typed in uses for t in typed) - len(first)


# ---------------------------------------------------------------- payments

STATUS = st.sampled_from(statuses.STATUSES)
# Round amounts often, so that payments often add up to a FQIS total exactly.
AMOUNT = st.none() | st.sampled_from([0, 1, 100_00, 250_00, 500_00]).map(Cents) | st.integers(0, 5_000_00).map(Cents)


@st.composite
def committee_records(draw, code: str) -> tuple[list[Project], list[Payment], list[Typed], list[Typed]]:
    """A committee's projects and payments, with the number each typed spelling stands for."""
    project_numbers = draw(st.lists(typed_number(), max_size=5))
    projects = [
        _project(
            code,
            row,
            t,
            status=draw(STATUS),
            fqis_total=draw(AMOUNT),
            counted=draw(st.booleans()),
        )
        for row, t in enumerate(project_numbers, start=2)
    ]
    payment_numbers = draw(st.lists(typed_number(), max_size=8))
    payments = [
        Payment(
            code,
            "Versements",
            row,
            project_id=t.text,
            amount=draw(AMOUNT),
            counted=draw(st.booleans()),
            cells={"project_id": f"A{row}", "amount": f"C{row}"},
        )
        for row, t in enumerate(payment_numbers, start=2)
    ]
    return projects, payments, project_numbers, payment_numbers


def _first_projects(projects: list[Project], numbers: list[Typed]) -> dict[int, Project]:
    first: dict[int, Project] = {}
    for project, t in zip(projects, numbers, strict=True):
        if t.number is not None:
            first.setdefault(t.number, project)
    return first


def _expected_payment_findings(first: dict[int, Project], payments: list[Payment], numbers: list[Typed]) -> list:
    """What the model says of each payment, in row order: (code, cell, row, values)."""
    expected: list = []
    paid: dict[int, int] = {}
    values: dict[str, object]
    for payment, t in zip(payments, numbers, strict=True):
        project = first.get(t.number) if t.number is not None else None
        if t.number is None:
            continue
        if project is None:
            expected.append((Code.PAYMENT_UNKNOWN_PROJECT, f"A{payment.row}", payment.row, {"value": t.text}))
        elif project.status not in statuses.PAYABLE_STATUSES:
            values = {"project": project.project_id, "status": project.status, "amount": payment.amount}
            expected.append((Code.PAYMENT_NOT_APPROVED, f"A{payment.row}", payment.row, values))
        elif payment.counted and project.counted and payment.amount is not None and project.fqis_total is not None:
            before = paid.get(t.number, 0)
            paid[t.number] = before + payment.amount
            if before <= project.fqis_total < paid[t.number]:
                values = {
                    "project": project.project_id,
                    "fund": "FQIS",
                    "paid": paid[t.number],
                    "granted": project.fqis_total,
                }
                expected.append((Code.PAID_OVER_GRANTED, f"C{payment.row}", payment.row, values))
    return expected


@given(records=st.tuples(*(committee_records(code) for code in COMMITTEES[:2])))
def test_payments_are_matched_to_their_committees_projects_as_the_model_says(records):
    for code, (projects, payments, project_numbers, payment_numbers) in zip(COMMITTEES, records, strict=False):
        workbook = ParsedWorkbook(_committee(code), projects=projects, payments=payments)
        first = _first_projects(projects, project_numbers)
        link_payments(workbook)
        # Each payment takes the spelling of the first project it names; the others keep theirs.
        assert [p.project_id for p in payments] == [
            first[t.number].project_id if t.number in first else t.text for t in payment_numbers
        ]
        found = check_payments(workbook, "FQIS")
        expected = _expected_payment_findings(first, payments, payment_numbers)
        assert [(f.code, f.cell, f.row) for f in found] == [e[:3] for e in expected]
        for f, (code_, _, _, values) in zip(found, expected, strict=True):
            assert (f.committee, f.sheet) == (code, "Versements")
            if code_ is Code.PAYMENT_UNKNOWN_PROJECT:
                # The closest known number is a suggestion, one of the committee's own numbers or none.
                closest = f.values["closest"]
                assert closest is None or closest in {p.project_id for p in projects}
                assert {k: v for k, v in f.values.items() if k != "closest"} == values
            else:
                assert f.values == values


@given(
    payments=st.lists(
        st.sampled_from([15_000_00, 30_000_00]) | st.integers(min_value=1, max_value=40_000_00), min_size=1, max_size=10
    )
)
@example(payments=[30_000_00, 30_000_00, 1])  # the total reached exactly is not over it; one cent more is
def test_paid_over_granted_is_said_once_at_the_payment_that_crosses_the_total(payments):
    granted = Cents(60_000_00)
    project = _project("OUEST", 2, Typed("OUE-2020-001", 0), status="En cours", fqis_total=granted)
    rows = [
        Payment("OUEST", "Versements", row, "oue-2020-001", amount=Cents(a), cells={"amount": f"C{row}"})
        for row, a in enumerate(payments, start=2)
    ]
    workbook = ParsedWorkbook(_committee("OUEST"), projects=[project], payments=rows)
    link_payments(workbook)
    found = check_payments(workbook, "FQIS")
    sums = [sum(payments[: i + 1]) for i in range(len(payments))]
    crossing = next((i for i, total in enumerate(sums) if total > granted), None)
    if crossing is None:
        assert found == []
        return
    assert [(f.code, f.cell, f.project_id, f.values) for f in found] == [
        (
            Code.PAID_OVER_GRANTED,
            f"C{crossing + 2}",
            "OUE-2020-001",
            {"project": "OUE-2020-001", "fund": "FQIS", "paid": sums[crossing], "granted": granted},
        )
    ]
