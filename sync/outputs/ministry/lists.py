"""The Validation sheet (every finding, errors first, with a link to its cell) and
the Changements sheet (what changed since the previous sync)."""

from __future__ import annotations

from sync.changes import Changes
from sync.findings import CATALOGUE, ERROR, SEVERITY_LABEL
from sync.outputs.ministry.records import safe_link
from sync.outputs.ministry.sheet import Sheet
from sync.outputs.ministry.style import Styles
from sync.outputs.ministry.summary import naive
from sync.report import Report
from sync.wording import moment

VALIDATION = "Validation"
CHANGES = "Changements"

VALIDATION_HEADERS = ["Gravité", "Code", "Constat", "Sous-région", "Onglet", "Cellule", "Ligne", "No projet",
                      "Message"]
FIRST_REPORT = ("Premier rapport : aucune synchronisation antérieure n'a été enregistrée, il n'y a donc rien "
                "à comparer. Les prochains rapports montreront ici les projets et les versements ajoutés, "
                "supprimés et modifiés, champ par champ.")
CHANGES_HEADERS = ["Changement", "Enregistrement", "Sous-région", "Clé", "Libellé", "Champ", "Avant", "Après"]


def write_validation(workbook, styles: Styles, report: Report) -> Sheet:
    findings = report.findings  # already sorted: errors first, then committee, sheet, row
    sheet = Sheet(workbook, styles, VALIDATION, [14, 30, 28, 12, 12, 9, 7, 15, 90], freeze="A2",
                  print_title_rows="1:1")
    ws, s = sheet.ws, styles
    if not findings:
        sheet.header(VALIDATION_HEADERS)
        sheet.append([s.text(ws, "Aucun constat : les chiffriers des comités sont conformes.", "label")])
        return sheet
    sheet.header(VALIDATION_HEADERS)
    for f in findings:
        severity = "error" if f.severity == ERROR else "warning"
        url = safe_link(report.link(f)) if f.cell else None
        if url:
            cell = s.text(ws, f.cell, "link")
            cell.hyperlink = url
        else:
            cell = s.text(ws, f.cell or None)
        kind = CATALOGUE.get(f.code)
        sheet.append([
            s.text(ws, SEVERITY_LABEL[f.severity].capitalize(), severity),
            s.text(ws, f.code),
            s.text(ws, kind.title if kind else ""),
            s.text(ws, f.committee),
            s.text(ws, f.sheet or None),
            cell,
            s.cell(ws, f.row, "count") if f.row is not None else None,
            s.text(ws, f.project_id or None),
            s.text(ws, f.message, "wrap"),
        ], height=sheet.fit({8: f.message}))
    sheet.add_table("T_Constats", VALIDATION_HEADERS, 1, len(findings), "TableStyleLight9")
    return sheet


def write_changes(workbook, styles: Styles, report: Report, changes: Changes | None) -> Sheet:
    sheet = Sheet(workbook, styles, CHANGES, [13, 16, 12, 22, 36, 22, 30, 30], freeze="A4",
                  print_title_rows="3:3")
    ws, s = sheet.ws, styles
    if changes is None or changes.is_first:
        sheet.append([s.text(ws, "Changements depuis la synchronisation précédente", "title")])
        sheet.skip()
        sheet.append([s.text(ws, FIRST_REPORT, "note")], height=s.height(FIRST_REPORT, sum(sheet.widths)))
        ws.merged_cells.add(f"A{sheet.row}:H{sheet.row}")
        return sheet
    since = naive(changes.previous_run_at)
    when = f" du {moment(since)}" if since else ""
    sheet.append([s.text(ws, f"Changements depuis la synchronisation n° {changes.previous_run_id}{when}",
                         "title")])
    if not changes.items:
        sheet.skip()
        sheet.append([s.text(ws, "Aucun changement : les projets et les versements sont identiques à ceux de "
                                 "la synchronisation précédente.", "note")])
        return sheet
    sheet.skip()
    header_row = sheet.header(CHANGES_HEADERS)
    count = 0
    for item in changes.items:
        base = [s.text(ws, item.kind.capitalize()), s.text(ws, item.record), s.text(ws, item.committee),
                s.text(ws, item.key), s.text(ws, item.label or None)]
        if not item.fields:
            sheet.append(base)
            count += 1
            continue
        for change in item.fields:
            sheet.append([*base, s.text(ws, change.field), s.text(ws, change.before or None, "wrap"),
                          s.text(ws, change.after or None, "wrap")],
                         height=sheet.fit({6: change.before, 7: change.after}))
            count += 1
    sheet.add_table("T_Changements", CHANGES_HEADERS, header_row, count, "TableStyleLight9")
    return sheet
