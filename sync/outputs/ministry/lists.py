"""The Validation sheet (every finding, errors first, with a link to its cell) and
the Changements sheet (what changed since the previous sync)."""

from __future__ import annotations

import logging
import re

from sync.changes import Changes
from sync.findings import CATALOGUE, ERROR, SEVERITY_LABEL
from sync.outputs.ministry.dates import naive
from sync.outputs.ministry.records import safe_link
from sync.outputs.ministry.sheet import Cell, Sheet, letter, money, number, text
from sync.outputs.ministry.style import Styles
from sync.outputs.ministry.xlsx import Workbook
from sync.report import Report
from sync.wording import moment, plural

log = logging.getLogger("sync")

VALIDATION = "Validation"
CHANGES = "Changements"

VALIDATION_HEADERS = ["Gravité", "Code", "Constat", "Sous-région", "Onglet", "Cellule", "Ligne", "No projet", "Message"]
FIRST_REPORT = (
    "Premier rapport : aucune synchronisation antérieure n'a été enregistrée, il n'y a donc rien "
    "à comparer. Les prochains rapports montreront ici les projets et les versements ajoutés, "
    "supprimés et modifiés, champ par champ."
)
NO_CHANGE = "Aucun changement : les projets et les versements sont identiques à ceux de la synchronisation précédente."
CHANGES_HEADERS = ["Changement", "Enregistrement", "Sous-région", "Clé", "Libellé", "Champ", "Avant", "Après"]
CHANGES_WIDTHS = [13, 16, 12, 22, 36, 22, 30, 30]

# An amount as the history shows it (sync/money.format_cents): « 12 500,00 $ ».
_MONEY = re.compile(r"^(-?)(\d{1,3}(?: \d{3})*),(\d{2}) \$$")


def cents_of(shown: str) -> int | None:
    """The cents of an amount shown the Québec way, or None for any other text."""
    found = _MONEY.match(shown)
    if not found:
        return None
    sign, whole, part = found.groups()
    cents = int(whole.replace(" ", "")) * 100 + int(part)
    return -cents if sign else cents


def write_validation(book: Workbook, styles: Styles, report: Report, tables: bool) -> Sheet:
    findings = report.findings  # already sorted: errors first, then committee, sheet, row
    log.info("Classeur du ministère : onglet %s, %s…", VALIDATION, plural(len(findings), "constat"))
    sheet = Sheet(book, styles, VALIDATION, [14, 30, 28, 12, 12, 9, 7, 15, 90], freeze=(1, 0), print_title_rows=(1, 1))
    sheet.header(VALIDATION_HEADERS)
    if not findings:
        sheet.append([text("Aucun constat : les chiffriers des comités sont conformes.", "label")])
        return sheet
    for f in findings:
        severity = "error" if f.severity == ERROR else "warning"
        url = safe_link(report.link(f)) if f.cell else None
        cell = Cell("text", f.cell, "link", url=url) if url else text(f.cell or None)
        kind = CATALOGUE.get(f.code)
        sheet.append(
            [
                text(SEVERITY_LABEL[f.severity].capitalize(), severity),
                text(f.code),
                text(kind.title if kind else ""),
                text(f.committee),
                text(f.sheet or None),
                cell,
                number(f.row) if f.row is not None else None,
                text(f.project_id or None),
                text(f.message, "wrap"),
            ],
            height=sheet.fit({8: f.message}),
        )
    _table_or_filter(sheet, styles, "T_Constats", VALIDATION_HEADERS, 1, len(findings), tables)
    return sheet


def write_changes(
    book: Workbook, styles: Styles, report: Report, changes: Changes | None, money_fields: set[str], tables: bool
) -> Sheet:
    """``money_fields``: the headers whose « avant » and « après » are amounts."""
    # Committees left out of the comparison (another source, damaged history) are said
    # between the title and the table: the header row moves down by as many rows.
    notes = [
        f"Sous-région {code} non comparée : {why}."
        for code, why in (changes.not_compared.items() if changes is not None else ())
    ]
    header = 3 + (len(notes) + 1 if notes else 0)
    sheet = Sheet(book, styles, CHANGES, CHANGES_WIDTHS, freeze=(header, 0), print_title_rows=(header, header))
    width = sum(CHANGES_WIDTHS)
    if changes is None or changes.is_first:
        sheet.append([text("Changements depuis la synchronisation précédente", "title")])
        sheet.skip()
        _sentence(sheet, FIRST_REPORT, width)
        return sheet
    since = naive(changes.previous_run_at)
    when = f" du {moment(since)}" if since else ""
    sheet.append([text(f"Changements depuis la synchronisation n° {changes.previous_run_id}{when}", "title")])
    sheet.skip()
    for note in notes:
        _sentence(sheet, note, width)
    if notes:
        sheet.skip()
    if not changes.items:
        _sentence(sheet, NO_CHANGE, width)
        return sheet
    header_row = sheet.header(CHANGES_HEADERS)
    count = 0
    for item in changes.items:
        base = [
            text(item.kind.capitalize()),
            text(item.record),
            text(item.committee),
            text(item.key),
            text(item.label or None),
        ]
        if not item.fields:
            sheet.append(base)
            count += 1
            continue
        for change in item.fields:
            amount = change.field in money_fields
            sheet.append(
                [*base, text(change.field), _value(change.before, amount), _value(change.after, amount)],
                height=None if amount else sheet.fit({6: change.before, 7: change.after}),
            )
            count += 1
    _table_or_filter(sheet, styles, "T_Changements", CHANGES_HEADERS, header_row, count, tables)
    return sheet


def _value(shown: str, amount: bool) -> Cell | None:
    """An amount as a money number; anything else (« (vide) », « (illisible) ») as text."""
    if not shown:
        return None
    cents = cents_of(shown) if amount else None
    return money(cents) if cents is not None else text(shown, "wrap")


def _sentence(sheet: Sheet, sentence: str, width: float) -> None:
    """A sentence over the sheet's whole width (merged), never cut by a narrow column."""
    height = sheet.styles.height(sentence, width) or sheet.styles.p.font_size * 1.6 + 3
    sheet.ws.set_row(sheet.row, height)
    sheet.merge(sheet.row + 1, 1, len(sheet.widths), sentence, "note")


def _table_or_filter(
    sheet: Sheet, styles: Styles, name: str, headers: list[str], header_row: int, rows: int, tables: bool
) -> None:
    first, last = header_row - 1, header_row - 1 + max(rows, 1)
    if tables:
        sheet.ws.add_table(
            first,
            0,
            last,
            len(headers) - 1,
            {
                "name": name,
                "style": "Table Style Light 9",
                "columns": [{"header": h, "header_format": styles["header"]} for h in headers],
            },
        )
    else:
        sheet.ws.autofilter(first, 0, last, len(headers) - 1)
        sheet.book.define_name(name, f"={sheet.ref}!$A${first + 1}:${letter(len(headers))}${last + 1}")
