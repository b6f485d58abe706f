"""The Évolution sheet (docs/classeur-ministere.md): engagé and versé by line and for the
Alliance at the end of each month since the first recorded night, and tonight."""

from __future__ import annotations

import datetime as dt
import posixpath
import sqlite3
import zipfile
from xml.etree import ElementTree

import openpyxl

from tests.support.builders import payment
from tests.support.history import Alliance

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CHART = "http://schemas.openxmlformats.org/drawingml/2006/chart"


def evolution_rows(alliance: Alliance) -> list[tuple]:
    sheet = openpyxl.load_workbook(alliance.output)["Évolution"]
    return [tuple(c.value for c in row) for row in sheet.iter_rows(min_row=4)]


def test_an_empty_history_gives_one_point_tonight_said_plainly(tmp_path):
    alliance = Alliance(tmp_path)
    assert alliance.cli("run").exit_code == 0
    header, tonight, _blank, note = evolution_rows(alliance)[:4]
    assert header[:5] == ("Mois", "Date", "Synchronisation", "OUEST engagé", "OUEST versé")
    assert header[-2:] == ("Alliance engagé", "Alliance versé")
    day = dt.date.today()
    assert tonight[:3] == (f"{day:%Y-%m}", dt.datetime(day.year, day.month, day.day), "ce soir")
    # OUEST: 60 000 $ + 60 000 $ committed, 30 000 $ paid; EST: 60 000 $ and 20 000 $ (dollars as shown).
    assert tonight[3:5] == (120000, 30000)
    assert tonight[-2:] == (180000, 50000)
    assert note[0] == (
        "Aucune synchronisation d'un mois précédent dans l'historique : un seul point, ce soir. "
        "Chaque fin de mois en ajoutera un."
    )


def test_one_point_per_month_the_last_run_of_each_then_tonight(tmp_path):
    alliance = Alliance(tmp_path)
    for _ in range(3):
        assert alliance.cli("run").exit_code == 0
    # Runs 1 and 2 moved to earlier months: 1 in September, 2 and 3 in October (3 is its last).
    with sqlite3.connect(alliance.db) as conn:
        conn.execute("UPDATE runs SET started_at = '2026-09-30T23:00:00+00:00' WHERE id = 1")
        conn.execute("UPDATE runs SET started_at = '2026-10-05T23:00:00+00:00' WHERE id = 2")
        conn.execute("UPDATE runs SET started_at = '2026-10-31T23:00:00+00:00' WHERE id = 3")
    ouest = alliance.workbooks["OUEST"]
    ouest["payments"].append(payment("OUE-2020-002", amount=1000, reference="VER-9"))
    alliance.rewrite("OUEST", **ouest)
    assert alliance.cli("run").exit_code == 0
    rows = evolution_rows(alliance)
    points = [row for row in rows[1:] if row[0]][:3]
    assert [(p[0], p[2], p[-2], p[-1]) for p in points] == [
        ("2026-09", "n° 1", 180000, 50000),
        ("2026-10", "n° 3", 180000, 50000),
        (f"{dt.date.today():%Y-%m}", "ce soir", 180000, 51000),
    ]


def _part(book: zipfile.ZipFile, source: str, kind: str) -> str:
    """The part a package part ``source`` points to by its only relationship of ``kind``."""
    folder, name = posixpath.split(source)
    rels = ElementTree.fromstring(book.read(f"{folder}/_rels/{name}.rels"))
    [target] = [r.get("Target", "") for r in rels if r.get("Type", "").endswith(f"/relationships/{kind}")]
    return posixpath.normpath(posixpath.join(folder, target))


def test_the_evolution_chart_is_a_line_chart_of_the_alliance_s_two_columns_of_the_sheet(tmp_path):
    alliance = Alliance(tmp_path)
    for _ in range(3):
        assert alliance.cli("run").exit_code == 0
    with sqlite3.connect(alliance.db) as conn:  # two earlier months: three points with tonight
        conn.execute("UPDATE runs SET started_at = '2026-09-30T23:00:00+00:00' WHERE id = 1")
        conn.execute("UPDATE runs SET started_at = '2026-10-31T23:00:00+00:00' WHERE id IN (2, 3)")
    assert alliance.cli("run").exit_code == 0
    with zipfile.ZipFile(alliance.output) as book:
        workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
        [sheet_id] = [s.get(f"{{{RELS}}}id") for s in workbook.iter(f"{{{MAIN}}}sheet") if s.get("name") == "Évolution"]
        rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
        [target] = [r.get("Target") for r in rels if r.get("Id") == sheet_id]
        sheet = posixpath.normpath(posixpath.join("xl", target))
        chart = ElementTree.fromstring(book.read(_part(book, _part(book, sheet, "drawing"), "chart")))
    assert chart.find(f".//{{{CHART}}}lineChart") is not None
    series = [
        [ref.text for ref in s.iter(f"{{{CHART}}}f")] for s in chart.iter(f"{{{CHART}}}ser")
    ]  # name, categories, values of each line
    assert series == [
        ["Évolution!$L$4", "Évolution!$A$5:$A$7", "Évolution!$L$5:$L$7"],
        ["Évolution!$M$4", "Évolution!$A$5:$A$7", "Évolution!$M$5:$M$7"],
    ]
    # Those ranges are the sheet's: the Alliance's two columns, one row per point.
    values = openpyxl.load_workbook(alliance.output)["Évolution"]
    assert (values["L4"].value, values["M4"].value) == ("Alliance engagé", "Alliance versé")
    assert [values[f"A{row}"].value for row in (5, 6, 7)] == ["2026-09", "2026-10", f"{dt.date.today():%Y-%m}"]
    assert [values[f"L{row}"].value for row in (5, 6, 7)] == [180000, 180000, 180000]
    assert values["A8"].value is None
