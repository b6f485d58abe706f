"""The ministry workbook (docs/classeur-ministere.md) on an alliance it has never seen (tests/support/ministry.py).

The LibreOffice tests recalculate the workbook headless — every formula computed
as Excel or LibreOffice would on opening — and compare each total with the one
computed in Python, to the cent.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from sync.changes import ADDED, MODIFIED, Changes, FieldChange, RecordChange
from sync.errors import ConfigError, OutputError
from sync.outputs.ministry import write_ministry_workbook
from sync.resources import bundled
from tests.support import libreoffice as lo
from tests.support import ministry as mf
from tests.support.checks import validate

SHEETS = mf.SHEETS
PROJECT_IDS = ["N-1", "N-2", "N-3", "N-4", "N-5", "N-6", "N-7", "N-8", "N-9", "S-1", "S-2", "N-1", "S-4", "R-1"]
TEXTS = [mf.FORMULA_TITLE, mf.PHONE, mf.MINUS, mf.AT_SUM, mf.FORMULA_REFERENCE]


def cents(value) -> int:
    """A cell's amount in cents (a recalculated total is a float)."""
    return int((Decimal(str(value)) * 100).to_integral_value())


def rows(ws) -> list[tuple]:
    return list(ws.iter_rows(values_only=True))


def row_of(ws, column: int, label: str) -> tuple:
    found = [row for row in rows(ws) if row[column] == label]
    assert len(found) == 1, f"{ws.title} : {len(found)} lignes « {label} »"
    return found[0]


def table_rows(ws, header_first: str) -> list[tuple]:
    """The rows under the header row whose first cell is ``header_first``, to the first blank."""
    all_rows = rows(ws)
    start = next(i for i, row in enumerate(all_rows) if row[0] == header_first)
    out = []
    for row in all_rows[start + 1 :]:
        if row[0] is None and row[1] is None:
            break
        out.append(row)
    return out


def column(ws, header: str) -> list:
    headers = [c.value for c in ws[1]]
    index = headers.index(header)
    return [row[index] for row in ws.iter_rows(min_row=2, values_only=True)]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return mf.build_and_write(tmp_path_factory.mktemp("alliance"))


@pytest.fixture(scope="module")
def recalculated(built, soffice, tmp_path_factory):
    report, path = built
    out = lo.recalculate(path, tmp_path_factory.mktemp("recalcul"))
    return report, load_workbook(out, data_only=True), out


# ---------------------------------------------------------------------------
# Structure, formats, print setup


def test_sheets_are_the_ten_in_order(built):
    _, path = built
    assert load_workbook(path).sheetnames == SHEETS


def test_projets_lists_every_project_as_an_excel_table(built):
    _report, path = built
    ws = load_workbook(path)["Projets"]
    assert column(ws, "No projet") == PROJECT_IDS
    assert column(ws, "Sous-région") == ["NORD"] * 9 + ["SUD"] * 4 + ["REGION"]
    table = ws.tables["T_Projets"]
    last = ws.max_column
    assert table.ref == f"A1:{ws.cell(row=1, column=last).column_letter}15"
    assert [c.name for c in table.tableColumns] == [c.value for c in ws[1]]
    assert table.autoFilter is not None
    assert ws.freeze_panes == "C2"
    # Rows kept out of the totals are visible, marked « Non »: the unreadable amount
    # (N-6) and the duplicate number in SUD.
    included = dict(zip(range(len(PROJECT_IDS)), column(ws, "Inclus dans les totaux"), strict=False))
    assert [i for i, v in included.items() if v == "Non"] == [5, 11]
    assert column(ws, "Engagement")[:5] == ["Engagé", "Engagé", "Abandonné", "En analyse", "Non engagé"]
    assert column(ws, "FQIS 2024-2025")[0] == 100000.55
    assert column(ws, "Ligne source") == [2, 3, 4, 5, 6, 7, 8, 9, 10, 2, 3, 4, 5, 2]


def test_versements_lists_every_payment(built):
    _, path = built
    ws = load_workbook(path)["Versements"]
    assert column(ws, "No projet") == ["N-1", "N-3", "N-2", "N-99", "N-2", "N-9", "S-1", "S-1", "S-2", "R-1"]
    assert column(ws, "Montant") == [50000.55, 12345.67, 20000, 1000, 1000, 7000.01, 150000, 100000, 33333.33, 40000]
    assert column(ws, "Exercice") == [
        "2024-2025",
        "2024-2025",
        "2025-2026",
        "2024-2025",
        None,
        "2025-2026",
        "2024-2025",
        "2025-2026",
        "2025-2026",
        "2025-2026",
    ]
    assert column(ws, "Inclus dans les totaux") == ["Oui"] * 3 + ["Non"] + ["Oui"] * 6
    assert ws.tables["T_Versements"].ref == "A1:I11"


def test_money_and_dates_have_quebec_formats(built):
    _, path = built
    wb = load_workbook(path)
    projets = wb["Projets"]
    headers = [c.value for c in projets[1]]
    fqis = projets.cell(row=2, column=headers.index("FQIS total") + 1)
    approved = projets.cell(row=2, column=headers.index("Date d'approbation") + 1)
    assert fqis.value == 150000.55
    # Shown « 150 000,55 $ » by a French Excel or LibreOffice.
    assert fqis.number_format.startswith('[$-C0C]#,##0.00\\ "$"')
    assert approved.value == dt.datetime(2024, 5, 1) and approved.number_format == "yyyy-mm-dd"
    sommaire = wb["Sommaire"]
    allocation = next(row[2] for row in sommaire.iter_rows() if row[0].value == "NORD")
    assert allocation.value == 1500000.5 and allocation.number_format.startswith('[$-C0C]#,##0.00\\ "$"')
    assert wb["Projets"].column_dimensions["C"].width >= 20  # titles are not squeezed


def test_print_setup_footer_properties_and_recalculation_on_open(built):
    _report, path = built
    wb = load_workbook(path)
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.page_setup.fitToHeight in (None, 0, 1), ws.title  # absent: 1, the default
        assert ws.oddFooter.right.text == "Page &P de &N", ws.title
        # « & » in the alliance's name is doubled: alone it would start a footer code.
        assert ws.oddFooter.left.text.startswith("Alliance pour la solidarité du Haut-Pays && des Rivières — ")
    assert wb["Sommaire"].page_setup.fitToWidth in (None, 1)  # absent: 1, the default
    assert wb["Projets"].print_title_rows == "$1:$1"
    assert wb["Versements"].print_title_rows == "$1:$1"
    assert wb["Validation"].print_title_rows == "$1:$1"
    assert wb.properties.title == "Suivi de l'enveloppe FQIS — rapport au MTESS"
    assert wb.properties.creator == mf.ALLIANCE["mandataire"]
    assert wb.calculation.fullCalcOnLoad is True


def test_sommaire_totals_are_live_formulas_over_the_tables(built):
    _, path = built
    ws = load_workbook(path)["Sommaire"]
    nord = next(row for row in ws.iter_rows() if row[0].value == "NORD")
    committed, paid = nord[3].value, nord[4].value
    assert committed.startswith("=SUMIFS(Projets!$") and "Projets!$A$2:$A$15" in committed
    assert paid.startswith("=SUMIFS(Versements!$E$2:$E$11,Versements!$A$2:$A$11,$A")
    total = next(row for row in ws.iter_rows() if row[1].value == "Total de l'Alliance")
    assert total[2].value.startswith("=SUM(C")
    assert row_of(ws, 1, "Non réparti (reste de l'enveloppe)")[2] == 699999.5


def test_the_detail_sheets_hold_values_only(built):
    # The summary formulas sum the committee's amounts by the computed columns; a
    # formula per row would cost more than the rest of the row to write.
    _, path = built
    wb = load_workbook(path)
    for ws in (wb["Projets"], wb["Versements"], wb["Validation"], wb["Changements"]):
        assert [cell.coordinate for row in ws.iter_rows() for cell in row if cell.data_type == "f"] == [], ws.title


def test_committee_text_that_looks_like_a_formula_stays_text(built):
    _, path = built
    wb = load_workbook(path)
    found = {}
    for ws in (wb["Projets"], wb["Versements"]):
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if cell.value in TEXTS:
                    found.setdefault(cell.value, []).append(cell)
    assert sorted(found) == sorted(TEXTS)
    for text, cells in found.items():
        for cell in cells:
            assert cell.data_type == "s", (text, cell.coordinate)
            # Kept as text even if an analyst edits the cell in Excel.
            assert cell.quotePrefix, (text, cell.coordinate)


def test_validation_lists_every_finding_errors_first(built):
    report, path = built
    ws = load_workbook(path)["Validation"]
    listed = list(ws.iter_rows(min_row=2, values_only=True))
    assert [row[1] for row in listed] == [f.code for f in report.findings]
    assert [row[8] for row in listed] == [f.message for f in report.findings]
    assert [row[5] for row in listed] == [f.cell or None for f in report.findings]
    assert {row[0] for row in listed} == {"Erreur"}
    assert len(listed) == 6
    assert ws.tables["T_Constats"].ref == "A1:I7"


def test_about_names_each_source_and_the_rules(built):
    report, path = built
    ws = load_workbook(path)["À propos"]
    sources = table_rows(ws, "Ligne")  # the first such table lists the lines of the envelope
    assert [row[0] for row in sources] == [
        "NORD — Haut-Pays Nord",
        "SUD — Vallée du Sud",
        "REGION — Réserve régionale du Haut-Pays",
        "Non réparti",
    ]
    read = [row for row in rows(ws) if isinstance(row[1], str) and row[1].startswith("Classeur .xlsx : ")]
    # Relative to the configuration file: never a path of the machine that ran the sync.
    assert [row[1] for row in read] == [
        "Classeur .xlsx : nord.xlsx",
        "Classeur .xlsx : sud.xlsx",
        "Classeur .xlsx : regional.xlsx",
    ]
    assert row_of(ws, 0, "Configuration")[1] == "alliance.toml"
    assert row_of(ws, 0, "Présentation")[1] == "modèle intégré à alliance-sync (rapport-ministere.toml)"
    assert not [
        row for row in rows(ws) for value in row if isinstance(value, str) and str(report.config.path.parent) in value
    ]
    assert all(row[3] == "À jour" and isinstance(row[2], dt.datetime) for row in read)
    assert row_of(ws, 0, "Part maximale du FQIS dans le coût")[1] == "80 % (avertissement au-delà)"
    assert row_of(ws, 0, "Produit par")[1].startswith("alliance-sync ")


def test_a_last_good_copy_is_named_with_its_date(built, tmp_path):
    report, _ = built
    info = report.sources["SUD"]
    saved = (info.current, info.read_at, info.problem)
    try:
        info.current, info.read_at, info.problem = False, dt.datetime(2026, 3, 2, 4, 15), "accès refusé (403)"
        wb = load_workbook(write_ministry_workbook(report, tmp_path / "copie.xlsx"))
    finally:
        info.current, info.read_at, info.problem = saved
    sommaire = wb["Sommaire"]
    sud = next(row for row in sommaire.iter_rows(values_only=True) if row[0] == "SUD")
    assert sud[10] == dt.datetime(2026, 3, 2, 4, 15) and sud[11] == "Dernière copie valide"
    warning = [
        row[1]
        for row in sommaire.iter_rows(values_only=True)
        if isinstance(row[1], str) and row[1].startswith("Attention")
    ]
    assert warning == [
        "Attention : les données de SUD sont la dernière copie valide, lue le 2026-03-02 04:15 ; "
        "la source n'a pas pu être lue (accès refusé (403))."
    ]
    sources = [row for row in rows(wb["À propos"]) if row[0] == "SUD — Vallée du Sud" and row[3] != "—"]
    assert [row[2:6] for row in sources] == [
        (dt.datetime(2026, 3, 2, 4, 15), "Dernière copie valide", None, "accès refusé (403)")
    ]


# ---------------------------------------------------------------------------
# Links


class LinkingSource:
    """A source that links to cells of a Google spreadsheet, as the Google source does."""

    def __init__(self, base: str):
        self.base = base

    def cell_link(self, sheet_ids, sheet: str, cell: str) -> str:
        return f"{self.base}#gid=0&range={cell}"


def target(hyperlink) -> str:
    """The address a spreadsheet opens: the file stores what follows « # » apart."""
    return hyperlink.target + (f"#{hyperlink.location}" if hyperlink.location else "")


def test_links_point_only_to_the_source_spreadsheets(built, tmp_path):
    report, _ = built
    google = "https://docs.google.com/spreadsheets/d/CLE-NORD/edit"
    saved = {code: info.source for code, info in report.sources.items()}
    try:
        report.sources["NORD"].source = LinkingSource(google)
        # A link that is not a web address is never written.
        report.sources["SUD"].source = LinkingSource("javascript:alert(1)")
        wb = load_workbook(write_ministry_workbook(report, tmp_path / "liens.xlsx"))
    finally:
        for code, source in saved.items():
            report.sources[code].source = source
    links = [
        (ws.title, cell.coordinate, target(cell.hyperlink))
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for cell in row
        if cell.hyperlink is not None
    ]
    assert links and all(target.startswith(google + "#gid=0&range=") for _, _, target in links)
    projets = [target for title, _, target in links if title == "Projets"]
    assert projets == [f"{google}#gid=0&range=A{r}" for r in range(2, 11)]
    versements = [target for title, _, target in links if title == "Versements"]
    assert len(versements) == 6
    validation = wb["Validation"]
    linked = {cell.value: target(cell.hyperlink) for cell in validation["F"] if cell.hyperlink is not None}
    assert linked == {
        "P7": f"{google}#gid=0&range=P7",
        "E8": f"{google}#gid=0&range=E8",
        "F9": f"{google}#gid=0&range=F9",
        "A5": f"{google}#gid=0&range=A5",
        "B6": f"{google}#gid=0&range=B6",
    }


# ---------------------------------------------------------------------------
# Changements


def test_changes_sheet_says_first_report_without_history(built):
    _, path = built
    ws = load_workbook(path)["Changements"]
    assert ws["A3"].value.startswith("Premier rapport : aucune synchronisation antérieure")


def test_changes_sheet_lists_changes_field_by_field(built, tmp_path):
    report, _ = built
    changes = Changes(
        3,
        dt.datetime(2026, 11, 26, 2, 0),
        [
            RecordChange(ADDED, "projet", "NORD", "N-9", mf.FORMULA_TITLE),
            RecordChange(
                MODIFIED,
                "projet",
                "SUD",
                "S-2",
                "Projet S-2",
                (FieldChange("FQIS total", "90 000,00 $", "99 999,99 $"), FieldChange("Statut", "Accepté", "En cours")),
            ),
        ],
    )
    ws = load_workbook(write_ministry_workbook(report, tmp_path / "changements.xlsx", changes))["Changements"]
    assert ws["A1"].value == "Changements depuis la synchronisation n° 3 du 2026-11-26 02:00"
    assert table_rows(ws, "Changement") == [
        ("Ajouté", "projet", "NORD", "N-9", mf.FORMULA_TITLE, None, None, None),
        ("Modifié", "projet", "SUD", "S-2", "Projet S-2", "FQIS total", 90000, 99999.99),
        ("Modifié", "projet", "SUD", "S-2", "Projet S-2", "Statut", "Accepté", "En cours"),
    ]
    assert ws["E4"].data_type == "s"
    # Amounts are money numbers, shown the Québec way by a French spreadsheet.
    assert ws["G5"].number_format.startswith('[$-C0C]#,##0.00\\ "$"') and ws["H5"].data_type == "n"


def test_changes_sheet_says_no_change_across_the_whole_width(built, tmp_path):
    report, _ = built
    ws = load_workbook(
        write_ministry_workbook(report, tmp_path / "aucun.xlsx", Changes(3, dt.datetime(2026, 11, 26, 2, 0), []))
    )["Changements"]
    assert ws["A3"].value.startswith("Aucun changement : les projets et les versements sont identiques")
    # Merged over the eight columns and wrapped: never cut by the first, narrow column.
    assert [str(r) for r in ws.merged_cells.ranges] == ["A3:H3"]
    assert ws["A3"].alignment.wrap_text


# ---------------------------------------------------------------------------
# Presentation from templates/, and writing errors


def test_template_beside_the_configuration_restyles_the_workbook(tmp_path):
    config_path = mf.build(tmp_path)
    (tmp_path / "rapport-ministere.toml").write_text(
        '[cover]\ntitle = "Bilan {fund} pour le {ministry}"\n[colors]\nheader_fill = "7030A0"\n', encoding="utf-8"
    )
    report = validate(config_path)
    wb = load_workbook(write_ministry_workbook(report, tmp_path / "style.xlsx"))
    assert wb["Sommaire"]["A1"].value == "Bilan FQIS pour le MTESS"
    assert wb.properties.title == "Bilan FQIS pour le MTESS"
    assert wb["Projets"]["A1"].fill.fgColor.rgb.endswith("7030A0")
    # What the copy leaves out keeps the bundled template's value.
    assert wb["Sommaire"]["A2"].value.startswith(mf.ALLIANCE["name"])


def test_a_wrong_template_names_its_file_and_key(tmp_path):
    config_path = mf.build(tmp_path)
    (tmp_path / "rapport-ministere.toml").write_text('[colors]\nheader_fill = "violet"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        write_ministry_workbook(validate(config_path), tmp_path / "x.xlsx")
    assert "clé « colors.header_fill »" in caught.value.message
    assert "rapport-ministere.toml" in caught.value.message
    assert not (tmp_path / "x.xlsx").exists()


def test_the_bundled_template_is_found_as_packaged():
    assert bundled("templates", "rapport-ministere.toml").is_file()


def test_an_unwritable_target_is_a_french_output_error(built, tmp_path):
    report, _ = built
    (tmp_path / "fichier").write_text("pas un dossier")
    with pytest.raises(OutputError) as caught:
        write_ministry_workbook(report, tmp_path / "fichier" / "rapport.xlsx")
    assert caught.value.message.endswith("un élément du chemin n'est pas un dossier.")
    assert caught.value.exit_code == 2


# ---------------------------------------------------------------------------
# LibreOffice: every formula recalculated


def test_recalculated_workbook_has_no_formula_error(recalculated):
    _, _, out = recalculated
    assert lo.formula_errors(out) == []


def test_every_formula_gets_a_value_when_recalculated(built, recalculated):
    _, path = built
    _, values, _ = recalculated
    formulas = load_workbook(path)
    missing = [
        f"{ws.title}!{cell.coordinate}"
        for ws in formulas.worksheets
        for row in ws.iter_rows()
        for cell in row
        if cell.data_type == "f" and values[ws.title][cell.coordinate].value is None
    ]
    assert missing == []


def test_sommaire_shows_each_line_to_the_cent_after_recalculation(recalculated):
    report, wb, _ = recalculated
    ws = wb["Sommaire"]
    expected = {  # code: allocation, committed, paid, balance, projects, other contributions, pipeline
        "NORD": (150000050, 39934623, 9034623, 110065427, 6, 150000000, 4000000),
        "SUD": (200000000, 39999999, 28333333, 160000001, 2, 50000000, 6000000),
        "REGION": (80000000, 10000000, 4000000, 70000000, 1, 25000000, 0),
    }
    for code, (allocation, committed, paid, balance, projects, other, pipeline) in expected.items():
        row = row_of(ws, 0, code)
        assert [cents(v) for v in row[2:6]] == [allocation, committed, paid, balance], code
        assert row[7] == projects and cents(row[8]) == other and cents(row[9]) == pipeline, code
        line = report.totals.line(code)
        assert (line.committed, line.paid) == (committed, paid)
    total = row_of(ws, 1, "Total de l'Alliance")
    assert cents(total[2]) == 500000000  # the envelope, unallocated remainder included
    assert cents(total[3]) == report.totals.committed == 89934622
    assert cents(total[4]) == report.totals.paid == 41367956
    assert total[7] == 9


def test_committed_column_of_projets_after_recalculation(recalculated):
    _, wb, _ = recalculated
    engaged = [cents(v) for v in column(wb["Projets"], "FQIS engagé")]
    # N-3 abandoned: what was paid; N-4 in analysis, N-5 refused, N-6 (unreadable amount)
    # and the second « N-1 » (duplicate) kept out: 0.
    assert engaged == [15000055, 20000000, 1234567, 0, 0, 0, 2500000, 500000, 700001, 30000000, 9999999, 0, 0, 10000000]


def test_every_control_of_about_agrees_to_the_cent(recalculated):
    _, wb, _ = recalculated
    ws = wb["À propos"]
    controls = table_rows(ws, "Contrôle")
    assert len(controls) > 60
    disagree = [row for row in controls if cents(row[2]) != cents(row[3]) or cents(row[4]) != 0]
    assert disagree == []
    assert row_of(ws, 0, "Contrôles en écart (attendu : 0)")[1] == 0


def test_by_priority_and_territory_after_recalculation(recalculated):
    _, wb, _ = recalculated
    priorities = wb["Par priorité"]
    logement = row_of(priorities, 0, "Logement")
    # N-1 (150 000,55) and N-3 abandoned (12 345,67 paid) in NORD; S-2 (99 999,99) in SUD.
    assert [cents(v) for v in logement[1:5]] == [16234622, 9999999, 0, 26234621]
    assert logement[5] == 3
    outside = row_of(priorities, 0, "Autre valeur ou vide (hors de la liste)")
    assert cents(outside[4]) == 500000 and outside[5] == 1  # « Logement social* » of N-8
    total = row_of(priorities, 0, "Total")
    assert cents(total[4]) == 89934622 and total[5] == 9
    territories = wb["Par territoire"]
    # The wildcards of this configured territory match only itself.
    assert [cents(v) for v in row_of(territories, 1, mf.ODD_TERRITORY)[2:3]] == [700001]
    vallee = row_of(territories, 1, "Vallée-Sud")  # S-1 only: N-7 of NORD counts under NORD
    assert cents(vallee[2]) == 30000000 and vallee[3] == 1
    assert cents(row_of(territories, 1, "Lac-Bleu")[2]) == 35000055  # N-1 and « lac-bleu » of N-2
    assert cents(row_of(territories, 1, "Mont-Clair")[5]) == 4000000  # N-4 in analysis
    assert cents(row_of(territories, 1, "Total")[2]) == 89934622


def test_by_year_after_recalculation(recalculated):
    _, wb, _ = recalculated
    ws = wb["Par année"]
    planned, paid = [row for row in rows(ws) if row[0] == "2024-2025"]
    assert [cents(v) for v in planned[3:7]] == [12850056, 15000000, 0, 27850056]
    assert [cents(v) for v in paid[3:7]] == [6234622, 15000000, 0, 21234622]
    outside = row_of(ws, 0, "Versements datés hors de la période")
    assert [cents(v) for v in outside[3:7]] == [100000, 0, 0, 100000]
    assert [cents(v) for v in row_of(ws, 0, "Total engagé (= Sommaire)")[3:7]] == [
        39934623,
        39999999,
        10000000,
        89934622,
    ]
    assert [cents(v) for v in row_of(ws, 0, "Total versé (= Sommaire)")[3:7]] == [9034623, 28333333, 4000000, 41367956]


@pytest.fixture(scope="module")
def french_pages(built, soffice, tmp_path_factory):
    """The text of each printed page, as a French LibreOffice prints the workbook."""
    _, path = built
    pdf = lo.to_pdf(path, tmp_path_factory.mktemp("pdf"), locale="fr_CA.UTF-8")
    return [" ".join(page.replace("\u00a0", " ").replace("\u202f", " ").split()) for page in lo.pdf_pages(pdf)]


def test_sommaire_prints_on_one_page_the_quebec_way(french_pages):
    sommaire = french_pages[0]
    assert sommaire.startswith("Suivi de l'enveloppe FQIS — rapport au MTESS")
    assert (
        "NORD Haut-Pays Nord 1 500 000,50 $ 399 346,23 $ 90 346,23 $ 1 100 654,27 $ 26,6 % 6 1 500 000,00 $ 40 000,00 $"
    ) in sommaire
    assert "Total de l'Alliance 5 000 000,00 $ 899 346,22 $ 413 679,56 $ 4 100 653,78 $ 18,0 % 9" in sommaire
    assert "6 erreurs à corriger — voir l'onglet Validation" in sommaire
    assert sommaire.endswith("Page 1 de " + str(len([p for p in french_pages if p])))


def test_projets_prints_with_its_header_and_first_columns_on_every_page(french_pages):
    first = lo.first_page_with(french_pages, "Titre du projet")
    left, right = french_pages[first - 1], french_pages[first]
    assert "Sous-région No projet Titre du projet" in left and "FQIS total" not in left
    # The second page of the width repeats the sub-region and the project number.
    assert "Sous-région No projet" in right and "Titre du projet" not in right and "FQIS total" in right
    assert "NORD N-1 " in right and "150 000,55 $" in right


def test_committee_text_is_still_text_once_recalculated(recalculated):
    _, wb, _ = recalculated
    values = {cell.value for ws in (wb["Projets"], wb["Versements"]) for row in ws.iter_rows() for cell in row}
    assert set(TEXTS) <= values
    assert "y" not in values  # what =HYPERLINK("http://x","y") would have shown


def test_recalculated_copy_reopens_in_openpyxl_with_its_sheets(recalculated):
    _, wb, out = recalculated
    assert wb.sheetnames == SHEETS
    assert load_workbook(out).sheetnames == SHEETS


# ---------------------------------------------------------------------------
# The LibreOffice helper never lets CI skip these tests


def test_without_libreoffice_a_local_run_skips_and_ci_fails(monkeypatch):
    monkeypatch.setattr(lo, "find_soffice", lambda: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="libreoffice-calc-nogui"):
        lo.require_soffice()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="ne doit jamais être sauté"):
        lo.require_soffice()


# -- text stays text ------------------------------------------------------------------


def test_a_control_character_before_a_formula_does_not_make_it_one(tmp_path):
    # Cleaning the control character after the « = » check let the formula through.
    import openpyxl

    from sync.outputs.ministry import write_ministry_workbook
    from tests.support.builders import project, write_alliance

    report = validate(write_alliance(tmp_path, {"OUEST": {"projects": [project("OUE-2020-001")]}}))
    typed = '\x0b=HYPERLINK("http://exemple.invalid","clic")'  # a Google cell can hold it
    report.workbooks["OUEST"].projects[0].title = typed
    path = write_ministry_workbook(report, tmp_path / "rapport.xlsx")
    sheet = openpyxl.load_workbook(path)["Projets"]
    title = next(c for c in sheet[2] if isinstance(c.value, str) and "HYPERLINK" in c.value)
    assert (title.data_type, title.value) == ("s", typed[1:])
