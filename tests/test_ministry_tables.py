"""The summary tabs read by name: each table of the ministry workbook found by the
helper that docs/classeur-ministere.md (« Lire un tableau avec pandas ») shows, run
as written there, with the right header and the figures to the cent; in a workbook
written in constant-memory mode too, where the names are workbook names."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas
import pytest

from sync.config import load_config
from sync.outputs.ministry import write_ministry_workbook
from sync.pipeline import build_report
from sync.resources import demo_config
from tests.support.checks import REPO

DOC = REPO / "docs" / "classeur-ministere.md"


def documented_example() -> str:
    """The Python block of the docs' section « Lire un tableau avec pandas »."""
    section = DOC.read_text(encoding="utf-8").split("## Lire un tableau avec pandas", 1)[1].split("\n## ", 1)[0]
    [block] = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    return block


def cents(value) -> int:
    return int((Decimal(str(value)) * 100).to_integral_value())


@pytest.fixture(scope="module")
def demo():
    return build_report(load_config(demo_config()))


@pytest.fixture(scope="module", params=["tableaux", "memoire-constante"])
def workbook(request, demo, tmp_path_factory) -> Path:
    """The demo's workbook, with Excel tables, or in constant-memory mode (workbook names)."""
    folder = tmp_path_factory.mktemp(request.param)
    rows = 0 if request.param == "memoire-constante" else 25_000
    return write_ministry_workbook(demo, folder / "rapport.xlsx", table_rows=rows)


def run_example(workbook: Path, monkeypatch, capsys) -> tuple[dict, str]:
    """The documented block, run in the workbook's folder (it reads « rapport.xlsx »)."""
    monkeypatch.chdir(workbook.parent)
    scope: dict = {}
    exec(compile(documented_example(), str(DOC), "exec"), scope)
    return scope, capsys.readouterr().out


def test_the_workbook_names_its_tables_as_the_docs_list_them(workbook):
    book = openpyxl.load_workbook(workbook)
    tables = {name for ws in book.worksheets for name in ws.tables}
    names = set(book.defined_names)
    expected = {
        "T_Sommaire",
        "T_ParAnnee_Engage",
        "T_ParAnnee_Verse",
        "T_ParPriorite",
        "T_ParTerritoire",
        "T_Evolution",
    }
    if workbook.parent.name.startswith("memoire-constante"):
        assert expected <= names and not tables  # constant-memory mode writes no table
    else:
        assert expected | {"T_Projets", "T_Versements", "T_Constats"} <= tables


def test_the_documented_example_prints_the_paid_of_a_year(workbook, demo, monkeypatch, capsys):
    _, printed = run_example(workbook, monkeypatch, capsys)
    paid = sum(line.paid_by_year["2020-2021"] for line in demo.totals.lines)
    assert cents(printed.strip()) == paid


def test_each_summary_table_has_its_header_and_figures_to_the_cent(workbook, demo, monkeypatch, capsys):
    scope, _ = run_example(workbook, monkeypatch, capsys)
    read_table = scope["read_table"]
    codes = [c.code for c in demo.config.committees]
    years = [y.label for y in demo.config.fiscal_years]

    summary = read_table(workbook, "T_Sommaire")
    assert list(summary.columns[:5]) == ["Code", "Sous-région", "Allocation", "Engagé", "Versé"]
    assert list(summary["Code"]) == [line.code for line in demo.totals.lines]
    for _, row in summary.iterrows():
        line = demo.totals.line(row["Code"])
        assert (cents(row["Allocation"]), cents(row["Engagé"]), cents(row["Versé"])) == (
            line.allocation,
            line.committed,
            line.paid,
        )

    paid = read_table(workbook, "T_ParAnnee_Verse")
    assert list(paid.columns) == ["Exercice", "Du", "Au", *codes, "Total"]
    assert list(paid["Exercice"]) == [*years, "Versements datés hors de la période"]
    for _, row in paid.iloc[: len(years)].iterrows():
        for code in codes:
            assert cents(row[code]) == demo.totals.line(code).paid_by_year[row["Exercice"]]
    assert isinstance(paid["Du"][0], pandas.Timestamp) and paid["Du"][0].date() == demo.config.period_start
    assert sum(cents(v) for v in paid["Total"]) == demo.totals.paid

    committed = read_table(workbook, "T_ParAnnee_Engage")
    assert list(committed["Exercice"]) == [*years, "Projets abandonnés : montant versé"]
    assert sum(cents(v) for v in committed["Total"]) == demo.totals.committed

    priorities = read_table(workbook, "T_ParPriorite")
    assert "Total engagé" in priorities.columns
    assert sum(cents(v) for v in priorities["Total engagé"]) == demo.totals.committed

    territories = read_table(workbook, "T_ParTerritoire")
    subtotals = territories[territories["Territoire"].str.startswith("Total ")]
    assert sum(cents(v) for v in subtotals["Total engagé"]) == demo.totals.committed

    projects = read_table(workbook, "T_Projets")
    assert len(projects) == sum(len(w.projects) for w in demo.workbooks.values())

    evolution = read_table(workbook, "T_Evolution")
    assert list(evolution.columns[:3]) == ["Mois", "Date", "Synchronisation"]
    assert list(evolution["Synchronisation"]) == ["ce soir"]
    assert cents(evolution["Alliance engagé"].iloc[-1]) == demo.totals.committed
