"""Printing, as a person meets it: each tab of the committee template and of the
ministry workbook printed by LibreOffice (headless, to PDF), its pages counted by
tab and their orientation read (pdfinfo, poppler-utils); and the money of both
workbooks pinned to Québec French in the file (xl/styles.xml), shown
« 2 600 000,00 $ » by a LibreOffice in English."""

from __future__ import annotations

import re
import subprocess
import zipfile
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from sync.cli import cli
from sync.config import load_config
from sync.demo import synthetic_committee
from sync.outputs.committee_workbook import write_committee_workbook
from sync.outputs.ministry import write_ministry_workbook
from sync.pipeline import build_report
from sync.resources import demo_config
from tests.support.libreoffice import pdf_pages, to_pdf
from tests.support.ministry import SHEETS

PORTRAIT, LANDSCAPE = "portrait", "paysage"
FRENCH_MONEY = re.compile(r"^\[\$-C0C\]#,##0\.00\\ \"\$\"")


def template(folder: Path, *args: str) -> Path:
    target = folder / "gabarit.xlsx"
    result = CliRunner().invoke(cli, ["template", "--output", str(target), *args])
    assert result.exit_code == 0, result.output
    return target


def demo_workbook(folder: Path) -> Path:
    return write_ministry_workbook(build_report(load_config(demo_config())), folder / "rapport.xlsx")


def orientations(pdf: Path) -> list[str]:
    """The orientation of each page of a PDF, as pdfinfo gives its size."""
    out = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "999", str(pdf)], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    sizes = re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", out, flags=re.MULTILINE)
    return [LANDSCAPE if float(w) > float(h) else PORTRAIT for w, h in sizes]


def tab_of(page: str, tabs: list[str], default: str) -> str:
    """The tab a page belongs to: its footer (« … Projets   Page 3 de 4 ») names it."""
    footer = next((line for line in reversed(page.splitlines()) if re.search(r"Page \d+ de \d+", line)), "")
    return next((tab for tab in tabs if re.search(rf"\s{re.escape(tab)}\s+Page \d+", footer)), default)


def pages_by_tab(pdf: Path, tabs: list[str], default: str) -> dict[str, tuple[int, set[str]]]:
    """For each tab: its number of printed pages and their orientations."""
    pages = [page for page in pdf_pages(pdf) if page.strip()]
    shapes = orientations(pdf)
    assert len(shapes) == len(pages)
    counted: Counter[str] = Counter()
    shown: dict[str, set[str]] = {}
    for page, shape in zip(pages, shapes, strict=True):
        tab = tab_of(page, tabs, default)
        counted[tab] += 1
        shown.setdefault(tab, set()).add(shape)
    return {tab: (counted[tab], shown[tab]) for tab in counted}


@pytest.mark.usefixtures("soffice")
def test_the_empty_template_prints_on_four_pages(tmp_path):
    """Two portrait pages of instructions, then the header of each data tab, in
    landscape: not the 5 000 prepared empty rows (119 pages before)."""
    pdf = to_pdf(template(tmp_path), tmp_path / "pdf", locale="fr_CA.UTF-8")
    assert pages_by_tab(pdf, ["Projets", "Versements"], "Instructions") == {
        "Instructions": (2, {PORTRAIT}),
        "Projets": (1, {LANDSCAPE}),
        "Versements": (1, {LANDSCAPE}),
    }


@pytest.mark.usefixtures("soffice")
def test_a_filled_committee_workbook_prints_every_row_with_the_header_on_each_page(tmp_path):
    """A committee of 150 projects written as the demo writes it: every project and
    payment printed, in landscape, the header repeated on each page, no empty page."""
    config = load_config(demo_config())
    committee = config.committee("EST")
    projects, payments = synthetic_committee(config, committee, 150)
    source = tmp_path / "est.xlsx"
    write_committee_workbook(source, config, committee, projects, payments)
    pdf = to_pdf(source, tmp_path / "pdf", locale="fr_CA.UTF-8")
    tabs = pages_by_tab(pdf, ["Projets", "Versements"], "Instructions")
    assert tabs == {
        "Instructions": (2, {PORTRAIT}),
        "Projets": (2, {LANDSCAPE}),
        "Versements": (7, {LANDSCAPE}),
    }
    pages = [page for page in pdf_pages(pdf) if page.strip()]
    for tab, records in (("Projets", projects), ("Versements", payments)):
        printed = [page for page in pages if tab_of(page, [tab], "") == tab]
        # The header on each page, above the first record.
        assert all(re.search(r"\A\s*(.*\n){0,3}.*No projet", page) for page in printed), tab
        rows = [line.split()[0] for page in printed for line in page.splitlines() if re.match(r"\s*EST-\d", line)]
        assert rows == [record["project_id"] for record in records]


@pytest.mark.usefixtures("soffice")
def test_each_tab_of_the_ministry_workbook_prints_in_landscape_on_few_pages(tmp_path):
    pdf = to_pdf(demo_workbook(tmp_path), tmp_path / "pdf", locale="en_US.UTF-8")
    assert pages_by_tab(pdf, SHEETS, "?") == {
        "Sommaire": (1, {LANDSCAPE}),
        "Par année": (1, {LANDSCAPE}),
        "Par priorité": (1, {LANDSCAPE}),
        "Par territoire": (1, {LANDSCAPE}),
        "Évolution": (1, {LANDSCAPE}),
        "Projets": (2, {LANDSCAPE}),
        "Versements": (3, {LANDSCAPE}),
        "Validation": (1, {LANDSCAPE}),
        "Changements": (1, {LANDSCAPE}),
        "À propos": (5, {LANDSCAPE}),
    }


def number_formats(workbook: Path) -> list[str]:
    """Every custom number format of a workbook, as xl/styles.xml holds it."""
    with zipfile.ZipFile(workbook) as archive:
        styles = archive.read("xl/styles.xml").decode("utf-8")
    return [code.replace("&quot;", '"') for code in re.findall(r'<numFmt [^>]*formatCode="([^"]*)"', styles)]


def test_the_money_of_both_workbooks_is_pinned_to_quebec_french(tmp_path):
    """Every money format starts with [$-C0C] (French, Canada); dates stay ISO."""
    for workbook in (template(tmp_path), demo_workbook(tmp_path)):
        formats = number_formats(workbook)
        money = [code for code in formats if "#,##0" in code]
        assert money and all(FRENCH_MONEY.match(code) for code in money), money
        assert "yyyy-mm-dd" in formats
        assert all(code.startswith("[$-C0C]") for code in formats if "%" in code)


@pytest.mark.usefixtures("soffice")
def test_an_english_libreoffice_shows_the_money_the_quebec_way(tmp_path):
    """The Sommaire and the template's amounts, printed by a LibreOffice in English."""
    sommaire = pdf_pages(to_pdf(demo_workbook(tmp_path), tmp_path / "pdf", locale="en_US.UTF-8"))[0]
    assert re.search(r"OUEST\s+Ouest de la Montérégie\s+2 600 000,00 \$\s+1 792 200,00 \$", sommaire)
    assert "68,9 %" in sommaire and "2,600,000.00" not in sommaire
    assert "2019-04-01" in sommaire  # dates stay ISO


def test_the_template_s_print_settings_as_the_file_holds_them(tmp_path):
    """Without LibreOffice: landscape Letter, one page wide and as tall as needed, row 1
    repeated, the print area over the header (and, in a filled copy, the filled rows)."""
    config = load_config(demo_config())
    committee = config.committee("OUEST")
    projects, payments = synthetic_committee(config, committee, 3)
    filled = tmp_path / "ouest.xlsx"
    write_committee_workbook(filled, config, committee, projects, payments)
    for path, rows in ((template(tmp_path), {"Projets": 0, "Versements": 0}), (filled, None)):
        book = openpyxl.load_workbook(path)
        for tab, last_column in (("Projets", "T"), ("Versements", "E")):
            ws = book[tab]
            setup = ws.page_setup
            assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == ("landscape", 1, 1, 0)
            assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.print_title_rows == "$1:$1"
            filled_rows = rows[tab] if rows else len(projects if tab == "Projets" else payments)
            assert ws.print_area == f"'{tab}'!$A$1:${last_column}${filled_rows + 1}"
        assert book["Instructions"].page_setup.orientation == "portrait"
