"""The .xlsx reader (sync/sources/xlsx.py, python-calamine): the rows openpyxl's
read-only mode gives, for every kind of cell; error cells kept as their text;
hostile or broken files refused with a French message, without expanding entities."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.styles import Font

from sync.config import SourceSpec
from sync.errors import SourceUnavailable
from sync.sources import percent_text
from sync.sources import xlsx as xlsx_reader
from sync.sources.xlsx import XlsxSource
from tests.support.builders import payment, project, write_alliance
from tests.support.checks import only, validate
from tests.support.libreoffice import recalculate


def read(path: Path, tabs=("Projets", "Versements")):
    return XlsxSource(SourceSpec("xlsx", str(path)), committee_code="OUEST").read(list(tabs))


def openpyxl_rows(path: Path, title: str) -> list[list]:
    """What the reader gave before calamine: openpyxl read-only, each row ending at
    its last value (openpyxl pads some rows with None), no empty rows at the end;
    a number shown as a percentage is the text shown (« 50 % »), as from Google."""
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook[title]
        sheet.reset_dimensions()
        rows = [
            [
                percent_text(c.value) if type(c.value) in (int, float) and "%" in c.number_format else c.value
                for c in row
            ]
            for row in sheet.iter_rows()
        ]
    finally:
        workbook.close()
    for row in rows:
        while row and row[-1] is None:
            row.pop()
    while rows and not rows[-1]:
        rows.pop()
    return rows


def typed(rows: list[list]) -> list[list]:
    """Values with their exact types: 1 == 1.0 == True and a datetime is a date."""
    return [[(type(v).__name__, v) for v in row] for row in rows]


def tricky_workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Projets"
    ws.append(["No projet", "Montant", "Date", "Texte", "Autre"])
    ws.append(["A-1", 60000, dt.datetime(2020, 4, 1), "texte", True])
    ws.append(["A-2", 60000.0, dt.date(2020, 4, 1), "  espaces  ", False])
    ws.append(["A-3", 85000.5, dt.datetime(2020, 4, 1, 13, 30), "=pas une formule", None])
    ws["D4"].data_type = "s"  # text that starts with = stays text
    ws.append(["A-4", "#DIV/0!", "#N/A", "#REF!", "#VALUE!"])  # error cells (t="e")
    ws.append(["A-5", "=SUM(1,2)", "=TODAY()", '="x"&"y"', None])  # formulas never computed
    ws.append(["A-6", 0.1 + 0.2, dt.time(13, 30), dt.timedelta(hours=30), 1e20])
    ws.append(["A-7", -5, 43922, 12345678901234, ""])
    ws["C8"].number_format = "yyyy-mm-dd"  # a serial number shown as a date
    ws.append(["A-8", 0.5, 43922.75, None, None])
    ws["B9"].number_format = "0%"
    ws["C9"].number_format = "[$-fr-CA]d mmmm yyyy h:mm"
    ws.append([CellRichText(["gras ", TextBlock(InlineFont(b=True), "riche")]), 1, None, None, None])
    ws.row_dimensions[10].hidden = True
    ws.merge_cells("A12:C12")
    ws["A12"] = "fusion"
    ws["A14"] = "après un trou"
    ws["H14"].font = Font(bold=True)  # a styled cell without a value
    ws["D15"] = "é\u00a0\u202f😀"
    ws["G16"].font = Font(bold=True)  # a row of styled cells only
    ws["B17"], ws["C17"], ws["D17"], ws["E17"] = "=1/0", "=NA()", '="a"&"b"', "=2+3"
    wb.create_sheet("Versements").append(["No projet", "Montant"])
    hidden = wb.create_sheet("Caché")
    hidden["A1"] = "x"
    hidden.sheet_state = "hidden"
    wb.save(path)
    return path


def rewrite_part(source: Path, target: Path, part: str, change) -> Path:
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            zout.writestr(item, change(data) if item.filename == part else data)
    return target


# Cells as other programs write them: shared-string-free inline rich text, rows and
# cells without their address, an error cell without address, a text formula result.
HAND_WRITTEN_ROWS = (
    b'<row r="20"><c r="A20" t="inlineStr"><is><t>en ligne</t></is></c>'
    b'<c t="inlineStr"><is><r><t xml:space="preserve">riche </t></r><r><rPr><b/></rPr>'
    b'<t>en ligne</t></r></is></c><c t="e"><v>#NUM!</v></c><c t="b"><v>1</v></c>'
    b'<c><v>42</v></c><c t="str"><f>"formule"</f><v>formule</v></c></row>'
    b'<row><c t="e"><v>#NAME?</v></c><c r="C21" s="0" t="n"><v>1500</v></c></row>'
)


def hand_written(path: Path, target: Path, date1904: bool = False) -> Path:
    rewrite_part(
        path,
        target.with_suffix(".tmp"),
        "xl/worksheets/sheet1.xml",
        lambda data: data.replace(b"</sheetData>", HAND_WRITTEN_ROWS + b"</sheetData>"),
    )
    if not date1904:
        return target.with_suffix(".tmp").rename(target)
    rewrite_part(
        target.with_suffix(".tmp"),
        target,
        "xl/workbook.xml",
        lambda data: re.sub(rb"<workbookPr(\s[^>]*)?/>", rb'<workbookPr date1904="1"/>', data),
    )
    return target


def variants(tmp_path: Path) -> list[Path]:
    original = tricky_workbook(tmp_path / "openpyxl.xlsx")
    paths = [
        original,
        hand_written(original, tmp_path / "a-la-main.xlsx"),
        hand_written(original, tmp_path / "calendrier-1904.xlsx", date1904=True),
    ]
    # Saved by a spreadsheet program: shared strings, cached results.
    paths.append(recalculate(paths[1], tmp_path / "libreoffice"))
    return paths


@pytest.mark.usefixtures("soffice")
def test_rows_are_the_ones_openpyxl_read_only_gives(tmp_path):
    for path in variants(tmp_path):
        raw = read(path)
        assert list(raw.tabs) == ["Projets", "Versements", "Caché"], path.name
        assert raw.tabs["Caché"] == []  # not read, its title kept for MISSING_TAB
        for title in ("Projets", "Versements"):
            assert typed(raw.tabs[title]) == typed(openpyxl_rows(path, title)), (path.name, title)


@pytest.mark.usefixtures("soffice")
def test_the_sparse_reading_of_far_cells_gives_the_same_rows(tmp_path, monkeypatch):
    # A tab whose values reach far (XFD1048576) is read cell by cell with openpyxl's
    # streaming parser instead of calamine's dense grid: the rows must not change.
    paths = variants(tmp_path)
    dense = {path: read(path).tabs for path in paths}
    monkeypatch.setattr(xlsx_reader, "DENSE_CELLS", 0)
    for path in paths:
        assert {t: typed(rows) for t, rows in read(path).tabs.items()} == {
            t: typed(rows) for t, rows in dense[path].items()
        }, path.name


def test_tricky_cells_read_exactly(tmp_path):
    rows = read(hand_written(tricky_workbook(tmp_path / "t.xlsx"), tmp_path / "h.xlsx")).tabs["Projets"]
    assert typed([rows[1]]) == typed([["A-1", 60000, dt.datetime(2020, 4, 1), "texte", True]])
    assert type(rows[2][1]) is int and type(rows[2][2]) is dt.datetime  # a whole float, a date
    assert rows[3] == ["A-3", 85000.5, dt.datetime(2020, 4, 1, 13, 30), "=pas une formule"]
    assert rows[4] == ["A-4", "#DIV/0!", "#N/A", "#REF!", "#VALUE!"]  # never a blank
    assert rows[5] == ["A-5"]  # formulas without a cached value are empty
    assert rows[6] == ["A-6", 0.3, dt.time(13, 30), dt.timedelta(hours=30), 1e20]
    assert type(rows[6][4]) is float  # 1E+20 in the file: a float, as openpyxl read it
    assert rows[7] == ["A-7", -5, dt.datetime(2020, 4, 1), 12345678901234]
    assert rows[9] == ["gras riche", 1]
    assert rows[10] == [] and rows[11] == ["fusion"]  # a hidden row, a merged cell
    assert rows[14] == [None, None, None, "é\u00a0\u202f😀"]
    assert rows[19] == ["en ligne", "riche en ligne", "#NUM!", True, 42, "formule"]
    assert rows[20] == ["#NAME?", None, 1500]
    assert len(rows) == 21  # styled cells without values end no row


def test_1904_date_system(tmp_path):
    path = hand_written(tricky_workbook(tmp_path / "t.xlsx"), tmp_path / "h.xlsx", date1904=True)
    assert read(path).tabs["Projets"][1][2] == dt.datetime(2024, 4, 2)  # 4 years and a day later


def test_error_cells_are_findings_at_their_cell(tmp_path):
    config = write_alliance(
        tmp_path,
        {
            "OUEST": {
                "projects": [project("OUE-2020-001", total_cost="#REF!", other_contributions="#N/A")],
                "payments": [payment("OUE-2020-001", amount="#DIV/0!", date="#VALUE!")],
            }
        },
    )
    ws = openpyxl.load_workbook(tmp_path / "ouest.xlsx")["Versements"]
    assert ws["C2"].data_type == "e"  # truly an error cell, not text
    report = validate(config)
    cost = only(report, "INVALID_AMOUNT", cell="K2")
    assert "« #REF! »" in cost.message
    assert "« #N/A »" in only(report, "INVALID_AMOUNT", cell="Q2").message
    amount = only(report, "INVALID_AMOUNT", sheet="Versements")
    assert (amount.cell, amount.row) == ("C2", 2) and "« #DIV/0! »" in amount.message
    date = only(report, "INVALID_DATE", sheet="Versements")
    assert date.cell == "B2" and "« #VALUE! »" in date.message
    assert report.totals.line("OUEST").paid == 0


# -- hostile and broken files ---------------------------------------------------------

LAUGHS = (
    b'<!DOCTYPE worksheet [<!ENTITY lol "lol">'
    + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
    + b'<!ENTITY xxe SYSTEM "file:///etc/hostname"><!ENTITY net SYSTEM "http://192.0.2.1/x">]>'
)


def with_doctype(data: bytes) -> bytes:
    if data.startswith(b"<?xml"):
        head, end, rest = data.partition(b"?>")
        return head + end + LAUGHS + rest
    return LAUGHS + data


def plain_workbook(path: Path, error_cell: bool) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Projets"
    ws.append(["No projet", "Montant"])
    ws.append(["A-1", "#DIV/0!" if error_cell else 12])
    wb.save(path)
    return path


@pytest.mark.parametrize("error_cell", [False, True], ids=["calamine", "avec-cellule-erreur"])
@pytest.mark.parametrize("entity", [b"&lol9;", b"&xxe;", b"&net;"], ids=["milliard-de-rires", "fichier", "reseau"])
def test_entities_are_never_expanded(tmp_path, entity, error_cell):
    """A billion laughs or an external entity: the file is refused, nothing expanded or fetched."""
    source = plain_workbook(tmp_path / "base.xlsx", error_cell)
    cell = b'<row r="3"><c r="A3" t="inlineStr"><is><t>' + entity + b"</t></is></c></row>"
    path = rewrite_part(
        source,
        tmp_path / "hostile.xlsx",
        "xl/worksheets/sheet1.xml",
        lambda data: with_doctype(data).replace(b"</sheetData>", cell + b"</sheetData>"),
    )
    with pytest.raises(SourceUnavailable) as caught:
        read(path)
    message = str(caught.value)
    # A French reason, never the reader's exception (« EntitiesForbidden(name='lol'…) »).
    assert message == (
        f"le fichier {path} est endommagé (une de ses feuilles contient des déclarations XML "
        "(entités), refusées par mesure de sécurité) ; réenregistrez-le depuis Excel ou LibreOffice."
    )
    if Path("/etc/hostname").is_file() and Path("/etc/hostname").read_text().strip():
        assert Path("/etc/hostname").read_text().strip() not in message.replace(str(path), "")


def test_declared_but_unused_entities_expand_nothing(tmp_path):
    """calamine reads no DTD: declared entities are inert, the values are read as typed."""
    path = rewrite_part(
        plain_workbook(tmp_path / "base.xlsx", False), tmp_path / "dtd.xlsx", "xl/worksheets/sheet1.xml", with_doctype
    )
    assert read(path).tabs["Projets"] == [["No projet", "Montant"], ["A-1", 12]]


def test_doctype_in_the_workbook_part_is_refused(tmp_path):
    path = rewrite_part(
        plain_workbook(tmp_path / "base.xlsx", False), tmp_path / "dtd.xlsx", "xl/workbook.xml", with_doctype
    )
    with pytest.raises(
        SourceUnavailable,
        match=r"est illisible : il contient des déclarations XML \(entités\) "
        r"refusées par mesure de sécurité",
    ):
        read(path)


NOT_XLSX = (
    "est illisible : ce n'est pas un classeur Excel (.xlsx) : fichier vide, CSV ou .xls renommé, "
    "ou copie incomplète ; enregistrez-le au format Excel (.xlsx)."
)


@pytest.mark.parametrize(
    "content, problem",
    [
        (b"ceci n'est pas un classeur", NOT_XLSX),
        (b"PK\x03\x04 pas vraiment un classeur", NOT_XLSX),
    ],
)
def test_unreadable_files(tmp_path, content, problem):
    path = tmp_path / "comite.xlsx"
    path.write_bytes(content)
    with pytest.raises(SourceUnavailable) as caught:
        read(path)
    assert str(caught.value) == f"le fichier {path} {problem}"
    assert caught.value.committee == "OUEST"


def test_a_zip_that_is_no_spreadsheet_is_unreadable(tmp_path):
    path = tmp_path / "comite.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    with pytest.raises(
        SourceUnavailable, match=r"est illisible : il n'a pas la structure d'un classeur Excel \(\.xlsx\) : un \.ods"
    ):
        read(path)


@pytest.mark.parametrize("error_cell", [False, True], ids=["calamine", "avec-cellule-erreur"])
def test_a_corrupted_sheet_is_damaged(tmp_path, error_cell):
    path = rewrite_part(
        plain_workbook(tmp_path / "base.xlsx", error_cell),
        tmp_path / "abime.xlsx",
        "xl/worksheets/sheet1.xml",
        lambda data: data[: len(data) // 2],
    )
    with pytest.raises(SourceUnavailable) as caught:
        read(path)
    assert caught.value.message == (
        f"le fichier {path} est endommagé (le contenu XML d'une de ses feuilles est "
        "mal formé ou tronqué) ; réenregistrez-le depuis Excel ou LibreOffice."
    )


def test_missing_file(tmp_path):
    with pytest.raises(SourceUnavailable, match="fichier introuvable"):
        read(tmp_path / "absent.xlsx")


def test_only_wanted_tabs_are_read_with_tolerant_titles(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Instructions"
    wb.active["A1"] = "à lire"
    wb.create_sheet(" projets ").append(["No projet"])
    wb.save(tmp_path / "c.xlsx")
    raw = read(tmp_path / "c.xlsx")
    assert raw.tabs == {" projets ": [["No projet"]], "Instructions": []}
