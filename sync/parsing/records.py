"""Typed records of a committee's workbook, each remembering its cells.

``parse_workbook`` turns the raw rows of a source into :class:`Project` and
:class:`Payment` records. It reports what cannot be read at all (missing tab,
missing column, unreadable amount, date or number) and leaves every business
rule to sync/rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from xlsxwriter.utility import xl_col_to_name

from sync.config import Committee, Config
from sync.findings import Finding, finding
from sync.parsing.headers import (
    PAYMENT_COLUMNS,
    PAYMENTS_TAB,
    PROJECTS_TAB,
    Column,
    find_tab,
    match_headers,
    project_columns,
)
from sync.parsing.values import Unreadable, as_text, is_blank, parse_cents, parse_date, parse_whole_number

Money = int | None  # cents


class Cells(Mapping[str, str]):
    """Field → A1 address of a record's cells (``cells["amount"]`` → ``"C7"``).

    Made from the tab's column letters, shared by every record of the tab, and the
    record's row: the address is written when asked, mostly for a finding, instead
    of a dict of some twenty strings kept for every project.
    """

    __slots__ = ("_letters", "_row")

    def __init__(self, letters: dict[str, str], row: int):
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
    # False when an identifying or money field is in error: the row is then kept
    # out of every total and shown in the Validation sheet.
    counted: bool = True

    def fqis_years_sum(self) -> int:
        return sum(v or 0 for v in self.fqis_by_year.values())


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


# What a missing required column costs, said in its MISSING_COLUMN message.
_NOT_COUNTED = " En attendant, les lignes de cet onglet sont exclues des totaux."


def _column_impact(column: Column) -> str:
    if column.field in ("project_id", "fqis_total", "amount"):
        return _NOT_COUNTED
    return ""


def _read_cell(record, column: Column, value: object, cell: Cells, emit) -> None:
    """Convert one cell into the record's field; unreadable values become findings
    (``cell[column.field]``: the address, written only for a finding)."""
    name = column.field
    if column.kind in ("text", "list"):
        setattr(record, name, as_text(value))
        return
    if is_blank(value):
        return
    converted: int | dt.date
    try:
        if column.kind == "money":
            converted = parse_cents(value)
        elif column.kind == "date":
            converted = parse_date(value)
        else:
            converted = parse_whole_number(value)
    except Unreadable as exc:
        record.invalid.add(name)
        shown = as_text(value)
        address = cell[name]
        if column.kind == "money":
            if exc.reason == "negative":
                emit("INVALID_AMOUNT", address, column, problem="montant négatif", value=shown,
                     expected="un montant positif ou nul")
            elif exc.reason == "too_large":
                emit("INVALID_AMOUNT", address, column, problem="montant démesuré", value=shown,
                     expected="un montant d'au plus 9 999 999 999 999,99 $ (vérifiez la saisie)")
            elif exc.reason == "fraction":
                emit("INVALID_AMOUNT", address, column, problem="montant plus précis que le cent", value=shown,
                     expected="un montant au cent près, par exemple 12 500,50 $")
            else:
                emit("INVALID_AMOUNT", address, column, problem="montant illisible", value=shown,
                     expected="un montant en dollars, par exemple 12 500,00 $ ou 12500.00")
        elif column.kind == "date":
            emit("INVALID_DATE", address, column, value=shown)
        else:
            emit("INVALID_NUMBER", address, column, value=shown)
        return
    if name.startswith("year:"):
        record.fqis_by_year[name[5:]] = converted
    else:
        setattr(record, name, converted)


def _lower_header_hint(rows: list[list[object]], columns: list[Column], found_on_row_1: int) -> str:
    """When the headers sit lower (a title typed above them), say where they are."""
    for index in range(1, min(len(rows), 6)):
        found, _ = match_headers(rows[index], columns)
        if len(found) > max(found_on_row_1, len(columns) // 2):
            return f" L'en-tête semble être à la ligne {index + 1} : il doit être à la ligne 1."
    return ""


def _parse_tab(committee: Committee, title: str, rows: list[list[object]], columns: list[Column],
               make_record, findings: list[Finding]) -> list:
    code = committee.code
    header_row = rows[0] if rows else []
    positions, missing = match_headers(header_row, columns)
    hint = _lower_header_hint(rows, columns, len(positions)) if missing else ""
    for column in missing:
        if column.required_column:
            findings.append(finding("MISSING_COLUMN", committee=code, sheet=title, cell="", row=1,
                                    column=column.header, impact=_column_impact(column) + hint))
    located = [(column, positions[column.field]) for column in columns if column.field in positions]
    letters = {column.field: xl_col_to_name(position) for column, position in located}
    missing_key_field = any(c.field in ("project_id", "fqis_total", "amount") for c in missing)
    records = []
    for index in range(1, len(rows)):
        row = rows[index]
        if _is_blank_row(row):
            continue
        row_number = index + 1
        record = make_record(code, title, row_number)
        row_findings: list[Finding] = []

        # Called only during this iteration (by _read_cell below), so the loop variables are current.
        def emit(finding_code: str, cell: str, column: Column, **values) -> None:
            row_findings.append(finding(finding_code, committee=code, sheet=title, cell=cell,  # noqa: B023
                                        row=row_number, column=column.header, **values))  # noqa: B023

        record.cells = cells = Cells(letters, row_number)
        width = len(row)
        for column, position in located:
            _read_cell(record, column, row[position] if position < width else None, cells, emit)
        if missing_key_field:
            record.counted = False
        # Findings learn the project id once the whole row is read.
        pid = record.project_id
        findings.extend(f if not pid else _with_project(f, pid) for f in row_findings)
        records.append(record)
    return records


def _is_blank_row(row: list[object]) -> bool:
    """Nothing typed in the row. A zero alone is no entry: it is what a total formula
    (``=SUM(L2:O2)``) copied down empty rows shows in Sheets and in saved workbooks."""
    return all(is_blank(v) or (type(v) in (int, float) and v == 0) for v in row)


def _with_project(f: Finding, project_id: str) -> Finding:
    from dataclasses import replace

    return replace(f, project_id=project_id)


def parse_workbook(committee: Committee, tabs: dict[str, list[list[object]]], config: Config) -> ParsedWorkbook:
    """Parse the raw tabs of one committee's spreadsheet (any source) into records."""
    parsed = ParsedWorkbook(committee=committee)
    titles = list(tabs)
    spec = [
        (PROJECTS_TAB, project_columns(config.fund, [y.label for y in config.fiscal_years]),
         lambda c, s, r: Project(c, s, r)),
        (PAYMENTS_TAB, PAYMENT_COLUMNS, lambda c, s, r: Payment(c, s, r)),
    ]
    for tab, columns, make_record in spec:
        title = find_tab(titles, tab)
        if title is None:
            present = ", ".join(f"« {t} »" for t in titles) or "aucun"
            parsed.findings.append(finding("MISSING_TAB", committee=committee.code, sheet=tab,
                                           tab=tab, present=present))
            continue
        parsed.tab_titles[tab] = title
        records = _parse_tab(committee, title, tabs[title], columns, make_record, parsed.findings)
        if tab == PROJECTS_TAB:
            parsed.projects = records
        else:
            parsed.payments = records
    return parsed
