"""Typed records of a committee's workbook, each remembering its cells.

``parse_workbook`` turns the raw rows of a source into :class:`Project` and
:class:`Payment` records. It reports what cannot be read at all (missing tab,
missing column, unreadable amount, date or number) and leaves every business
rule to sync/rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol, TypeVar

from sync.config import Committee, Config
from sync.findings import AMOUNT_PROBLEMS, Code, Finding, finding
from sync.money import Cents, total_cents
from sync.parsing.identifiers import clean_project_id, visible
from sync.parsing.total_rows import RunningSums, total_row_reason
from sync.parsing.values import Unreadable, as_text, parse_cents, parse_date, parse_whole_number
from sync.sources import is_blank, is_blank_row, is_blank_value
from sync.vocabulary.addresses import column_letters
from sync.vocabulary.template import (
    PAYMENT_COLUMNS,
    PAYMENTS_TAB,
    PROJECTS_TAB,
    Column,
    alliance_columns,
    duplicate_headers,
    find_tab,
    is_key_field,
    looks_like_tab,
    match_headers,
    normalise,
)

Money = Cents | None


class Cells(Mapping[str, str]):
    """Field → A1 address of a record's cells (``cells["amount"]`` → ``"C7"``).

    Made from the tab's column letters, shared by every record of the tab, and the
    record's row: the address is written when asked, mostly for a finding, instead
    of a dict of some twenty strings kept for every project.
    """

    __slots__ = ("_letters", "_row")

    def __init__(self, letters: dict[str, str], row: int) -> None:
        self._letters = letters
        self._row = row

    def __getitem__(self, name: str) -> str:
        return f"{self._letters[name]}{self._row}"

    def __contains__(self, name: object) -> bool:
        return name in self._letters

    def __iter__(self) -> Iterator[str]:
        return iter(self._letters)

    def __len__(self) -> int:
        return len(self._letters)

    def __repr__(self) -> str:
        return repr(dict(self))


@dataclass(slots=True)
class Project:
    committee: str
    sheet: str
    row: int
    project_id: str = ""
    title: str = ""
    organization: str = ""
    organization_type: str = ""
    territory: str = ""
    priority: str = ""
    status: str = ""
    approval_date: dt.date | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    total_cost: Money = None
    fqis_by_year: dict[str, Money] = field(default_factory=dict)
    fqis_total: Money = None
    other_contributions: Money = None
    participants_target: int | None = None
    participants_reached: int | None = None
    notes: str = ""
    cells: Mapping[str, str] = field(default_factory=dict)  # field → A1 cell (Cells)
    invalid: set[str] = field(default_factory=set)  # fields whose cell could not be read
    # False when a key field is in error: the row is then kept out of every total and
    # shown in the Validation sheet. Set by sync/rules/counting.py only.
    counted: bool = True

    def fqis_years_sum(self) -> Cents:
        return total_cents(v or 0 for v in self.fqis_by_year.values())


@dataclass(slots=True)
class Payment:
    committee: str
    sheet: str
    row: int
    project_id: str = ""
    date: dt.date | None = None
    amount: Money = None
    reference: str = ""
    note: str = ""
    cells: Mapping[str, str] = field(default_factory=dict)  # field → A1 cell (Cells)
    invalid: set[str] = field(default_factory=set)
    counted: bool = True


@dataclass
class ParsedWorkbook:
    """A committee's workbook after parsing: records, where they were, findings."""

    committee: Committee
    projects: list[Project] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    # Template tab name → real tab title as found in the workbook.
    tab_titles: dict[str, str] = field(default_factory=dict)


Record = Project | Payment
# A project or a payment, as the tab being read makes it.
R = TypeVar("R", Project, Payment)


class Emit(Protocol):
    """Records a finding of the row being read, at a cell, about a column."""

    def __call__(self, finding_code: Code, cell: str, column: Column, **values: object) -> None: ...


# The most characters an Excel cell holds; the ministry workbook keeps no more.
MAX_CELL_TEXT = 32_767
# The texts of a formula's error, as spreadsheet programs show them (a cell of type
# error, or the same text pasted as a value).
ERROR_VALUES = frozenset(
    {
        "#NULL!",
        "#DIV/0!",
        "#VALUE!",
        "#REF!",
        "#NAME?",
        "#NUM!",
        "#N/A",
        "#GETTING_DATA",
        "#SPILL!",
        "#CALC!",
        "#FIELD!",
        "#BLOCKED!",
        "#CONNECT!",
        "#BUSY!",
        "#UNKNOWN!",
        "#ERROR!",
        "#LOADING",
    }
)


def _excludes_rows(column: Column, tab: str) -> bool:
    """A missing required column of a key field keeps the tab's rows out of the totals."""
    return column.required_column and is_key_field(tab, column.field)


def _read_text(record: Record, column: Column, value: object, cell: Cells, emit: Emit) -> None:
    name = column.field
    if is_blank(value):  # spaces or zero-width characters alone: an empty cell (docs/gabarit.md)
        return
    text = as_text(value)
    if text in ERROR_VALUES:
        record.invalid.add(name)
        emit(Code.ERROR_VALUE, cell[name], column, value=text)
        return
    if len(text) > MAX_CELL_TEXT:
        emit(Code.TEXT_TOO_LONG, cell[name], column, length=len(text), limit=MAX_CELL_TEXT)
    if name == "project_id":
        clean, changes = clean_project_id(text)
        if changes:
            emit(Code.PROJECT_ID_CHARACTERS, cell[name], column, value=visible(text), clean=clean, **changes)
            text = clean
    setattr(record, name, text)


def _read_cell(record: Record, column: Column, value: object, cell: Cells, emit: Emit) -> None:
    """Convert one cell into the record's field; unreadable values become findings
    (``cell[column.field]``: the address, written only for a finding)."""
    name = column.field
    if column.kind in ("text", "list"):
        _read_text(record, column, value, cell, emit)
        return
    if is_blank(value):
        return
    converted: Cents | int | dt.date
    try:
        converted = _converted(column, value)
    except Unreadable as exc:
        record.invalid.add(name)
        _report_unreadable(column, as_text(value), cell[name], exc, emit)
        return
    if name.startswith("year:") and isinstance(record, Project) and isinstance(converted, int):
        record.fqis_by_year[name[5:]] = Cents(converted)  # a year column: a project's money column
    else:
        setattr(record, name, converted)


def _converted(column: Column, value: object) -> Cents | int | dt.date:
    """The value of a money, date or count cell, or Unreadable."""
    if column.kind == "money":
        return parse_cents(value)
    if column.kind == "date":
        return parse_date(value)
    return parse_whole_number(value)


def _report_unreadable(column: Column, shown: str, address: str, exc: Unreadable, emit: Emit) -> None:
    if column.kind == "money":
        reason = exc.reason if exc.reason in AMOUNT_PROBLEMS else "unreadable"
        emit(Code.INVALID_AMOUNT, address, column, value=shown, reason=reason)
    elif column.kind == "date":
        emit(Code.INVALID_DATE, address, column, value=shown)
    else:
        emit(Code.INVALID_NUMBER, address, column, value=shown)


def _lower_header_row(rows: list[list[object]], columns: Sequence[Column], found_on_row_1: int) -> int | None:
    """When the headers sit lower (a title typed above them), the row they are on."""
    for index in range(1, min(len(rows), 6)):
        found, _ = match_headers(rows[index], columns)
        if len(found) > max(found_on_row_1, len(columns) // 2):
            return index + 1
    return None


def _parse_tab(
    committee: Committee,
    tab: str,
    title: str,
    rows: list[list[object]],
    columns: Sequence[Column],
    make_record: Callable[[str, str, int], R],
    findings: list[Finding],
) -> list[R]:
    code = committee.code
    header_row = rows[0] if rows else []
    positions, missing = match_headers(header_row, columns)
    findings.extend(_header_findings(committee, tab, title, rows, columns, positions, missing))
    located = [(column, positions[column.field]) for column in columns if column.field in positions]
    letters = {column.field: column_letters(position) for column, position in located}
    records: list[R] = []
    sums = RunningSums(column for column, _ in located)
    # Total rows are told by their No projet (sync/parsing/total_rows.py): without that column, none is.
    read_columns = [column for column, _ in located] if "project_id" in letters else None
    kind = "project" if tab == PROJECTS_TAB else "payment"
    for index in range(1, len(rows)):
        row = rows[index]
        if is_blank_row(row):
            continue
        row_number = index + 1
        if _outside_columns(row, located):
            findings.append(_outside_table(code, title, row, row_number))
            continue
        record = make_record(code, title, row_number)
        row_findings = _read_record(record, row, located, Cells(letters, row_number))
        why = total_row_reason(record, read_columns, sums) if read_columns else None
        if why is not None:
            # The row's own findings (five missing values) would tell nothing true: it is no record.
            findings.append(
                finding(
                    Code.TOTAL_ROW_IGNORED,
                    committee=code,
                    sheet=title,
                    cell=record.cells["project_id"],
                    row=row_number,
                    project_id="",
                    field="project_id",
                    **why,
                    kind=kind,
                )
            )
            sums.close_section()
            continue
        sums.add(record)
        if isinstance(record, Project):
            _derive_blank_total(record)
        # Findings learn the project id once the whole row is read.
        pid = record.project_id
        findings.extend(f if not pid else _with_project(f, pid) for f in row_findings)
        records.append(record)
    return records


def _header_findings(
    committee: Committee,
    tab: str,
    title: str,
    rows: list[list[object]],
    columns: Sequence[Column],
    positions: dict[str, int],
    missing: list[Column],
) -> list[Finding]:
    """The tab's missing required columns (and the row their headers may sit on) and its
    duplicated columns."""
    code = committee.code
    header_row = rows[0] if rows else []
    header_row_lower = _lower_header_row(rows, columns, len(positions)) if missing else None
    out: list[Finding] = []
    for column in missing:
        if column.required_column:
            out.append(
                finding(
                    Code.MISSING_COLUMN,
                    committee=code,
                    sheet=title,
                    cell="",
                    row=1,
                    field=column.field,
                    column=column.header,
                    excluded=_excludes_rows(column, tab),
                    header_row=header_row_lower,
                )
            )
    for column, read, ignored in duplicate_headers(header_row, columns):
        out.append(
            finding(
                Code.DUPLICATE_COLUMN,
                committee=code,
                sheet=title,
                cell=f"{column_letters(ignored)}1",
                row=1,
                field=column.field,
                column=column.header,
                first=f"{column_letters(read)}1",
            )
        )
    return out


def _outside_columns(row: list[object], located: list[tuple[Column, int]]) -> bool:
    """The row holds values, but none in the template's columns."""
    width = len(row)
    return all(is_blank_value(row[position]) for _, position in located if position < width)


def _read_record(record: Record, row: list[object], located: list[tuple[Column, int]], cells: Cells) -> list[Finding]:
    """Read the row's cells into ``record`` (which keeps ``cells``); the findings of its values."""
    row_findings: list[Finding] = []

    def emit(finding_code: Code, cell: str, column: Column, **values: object) -> None:
        row_findings.append(
            finding(
                finding_code,
                committee=record.committee,
                sheet=record.sheet,
                cell=cell,
                row=record.row,
                project_id="",
                field=column.field,
                column=column.header,
                **values,
            )
        )

    record.cells = cells
    width = len(row)
    for column, position in located:
        _read_cell(record, column, row[position] if position < width else None, cells, emit)
    return row_findings


def _outside_table(committee: str, title: str, row: list[object], row_number: int) -> Finding:
    """A row typed only outside the template's columns: one value shown, at its cell."""
    index = next(i for i, v in enumerate(row) if not is_blank_value(v))
    return finding(
        Code.VALUE_OUTSIDE_TABLE,
        committee=committee,
        sheet=title,
        cell=f"{column_letters(index)}{row_number}",
        row=row_number,
        value=visible(as_text(row[index])),
    )


def _derive_blank_total(p: Project) -> None:
    """An empty FQIS total takes the sum of the year columns, when any is given.

    The template's FQIS total is a SUM formula over the year columns; a workbook
    saved by a program that does not compute formulas (openpyxl, scripts) has no
    value in that cell. The sum of the years is then the total, exactly; a total
    the committee typed is always compared instead (YEAR_SPLIT_MISMATCH).
    """
    if p.fqis_total is not None or "fqis_total" in p.invalid:
        return
    if any(f.startswith("year:") for f in p.invalid):
        return
    if any(v is not None for v in p.fqis_by_year.values()):
        p.fqis_total = p.fqis_years_sum()


def _with_project(f: Finding, project_id: str) -> Finding:
    return replace(f, project_id=project_id)


def parse_workbook(committee: Committee, tabs: dict[str, list[list[object]]], config: Config) -> ParsedWorkbook:
    """Parse the raw tabs of one committee's spreadsheet (any source) into records."""
    parsed = ParsedWorkbook(committee=committee)
    project_columns = alliance_columns(config.fund, tuple(y.label for y in config.fiscal_years)).projects
    title = _tab_read(parsed, PROJECTS_TAB, tabs)
    if title is not None:
        parsed.projects = _parse_tab(
            committee, PROJECTS_TAB, title, tabs[title], project_columns, Project, parsed.findings
        )
    title = _tab_read(parsed, PAYMENTS_TAB, tabs)
    if title is not None:
        parsed.payments = _parse_tab(
            committee, PAYMENTS_TAB, title, tabs[title], PAYMENT_COLUMNS, Payment, parsed.findings
        )
    return parsed


def _tab_read(parsed: ParsedWorkbook, tab: str, tabs: dict[str, list[list[object]]]) -> str | None:
    """The title of the workbook's tab read as the template's ``tab`` (kept in ``parsed``), and
    the findings of the tabs that look like it; None, and a MISSING_TAB finding, when none is."""
    code = parsed.committee.code
    titles = list(tabs)
    title = find_tab(titles, tab)
    if title is None:
        parsed.findings.append(finding(Code.MISSING_TAB, committee=code, sheet=tab, tab=tab, present=titles))
        return None
    parsed.tab_titles[tab] = title
    parsed.findings.extend(_unread_look_alikes(code, tab, title, tabs))
    return title


def _unread_look_alikes(committee: str, tab: str, title: str, tabs: dict[str, list[list[object]]]) -> list[Finding]:
    """Tabs with rows that look like ``tab`` but are not the one read: a second tab of
    the same name to the case (AMBIGUOUS_TAB), a continuation (EXTRA_TAB)."""
    out = []
    for other, rows in tabs.items():
        if other == title or not looks_like_tab(other, tab) or all(is_blank_row(r) for r in rows[1:]):
            continue
        if normalise(other) == normalise(tab):
            out.append(finding(Code.AMBIGUOUS_TAB, committee=committee, sheet=other, read=title))
        else:
            out.append(finding(Code.EXTRA_TAB, committee=committee, sheet=other, tab=title))
    return out
