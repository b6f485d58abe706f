"""Every formula of the ministry workbook is saved with its result (issue 12).

A script that never recalculates (openpyxl ``data_only=True``, pandas) reads every
figure; LibreOffice, recalculating on load (forced, and proven by a canary: see
tests/support/libreoffice.py), agrees with each stored result. Checked on the demo,
on the alliance of tests/support/ministry.py (Excel tables), on its alliance of every
exclusion and edge, and on a large generated alliance written in constant-memory
mode (filters instead of tables).
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pandas
import pytest
from openpyxl import load_workbook

from benchmarks.generate import Size, build_alliance
from sync.config import load_config
from sync.findings import Code
from sync.outputs.ministry import write_ministry_workbook
from sync.pipeline import build_report
from sync.resources import demo_config
from tests.support import libreoffice as lo
from tests.support import ministry as mf
from tests.support.checks import validate


def cents(value) -> int:
    return int((Decimal(str(value)) * 100).to_integral_value())


def formula_cells(path: Path) -> list[tuple[str, str, str]]:
    """(sheet, cell, formula) of every formula cell."""
    wb = load_workbook(path)
    return [
        (ws.title, cell.coordinate, cell.value)
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]


def disagreements(path: Path, recalculated: Path) -> tuple[int, list[str]]:
    """Formula cells whose stored result is missing or differs from LibreOffice's."""
    stored = load_workbook(path, data_only=True)
    computed = load_workbook(recalculated, data_only=True)
    cells = formula_cells(path)
    wrong = []
    for title, coordinate, formula in cells:
        ours, theirs = stored[title][coordinate].value, computed[title][coordinate].value
        if ours is None:
            wrong.append(f"{title}!{coordinate} {formula} : aucun résultat enregistré")
        elif ours == "":
            if theirs not in (None, ""):
                wrong.append(f"{title}!{coordinate} : « » enregistré, {theirs!r} recalculé")
        elif not isinstance(theirs, (int, float)) or abs(Decimal(str(ours)) - Decimal(str(theirs))) >= Decimal(
            "0.000001"
        ):
            wrong.append(f"{title}!{coordinate} {formula} : {ours!r} enregistré, {theirs!r} recalculé")
    return len(cells), wrong


@pytest.fixture(scope="module")
def alliance(tmp_path_factory):
    return mf.build_and_write(tmp_path_factory.mktemp("alliance"))


@pytest.fixture(scope="module")
def edges(tmp_path_factory):
    return mf.build_and_write_edges(tmp_path_factory.mktemp("bords"))


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    report = build_report(load_config(demo_config()))
    return report, write_ministry_workbook(report, folder / "rapport.xlsx")


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    """3×2,000 projects from the benchmark's generator, in constant-memory mode."""
    folder = tmp_path_factory.mktemp("grande")
    report = build_report(load_config(build_alliance(Size("test", 2_000, 1_300), folder, quiet=True)))
    return report, write_ministry_workbook(report, folder / "rapport.xlsx", table_rows=1_000)


@pytest.mark.usefixtures("soffice")
@pytest.mark.parametrize("name", ["alliance", "edges", "demo", "large"])
def test_libreoffice_agrees_with_every_stored_result(name, request, tmp_path):
    _report, path = request.getfixturevalue(name)
    recalculated = lo.recalculate(path, tmp_path)
    count, wrong = disagreements(path, recalculated)
    assert count > 100 and wrong == []
    assert lo.formula_errors(recalculated) == []


def test_the_edge_alliance_exercises_every_exclusion_and_edge(edges):
    report, _ = edges
    found = {(f.code, f.sheet, f.row, f.field) for f in report.findings}
    assert found >= {
        (Code.INVALID_AMOUNT, "Projets", 7, "year:2024-2025"),
        (Code.INVALID_AMOUNT, "Projets", 8, "total_cost"),
        (Code.INVALID_AMOUNT, "Projets", 9, "other_contributions"),
        (Code.MISSING_VALUE, "Projets", 10, "status"),
        (Code.UNKNOWN_VALUE, "Projets", 11, "status"),
        (Code.INVALID_AMOUNT, "Projets", 12, "fqis_total"),
        (Code.DUPLICATE_PROJECT_ID, "Projets", 14, "project_id"),
        (Code.MISSING_VALUE, "Projets", 15, "project_id"),
        (Code.DATE_OUTSIDE_PERIOD, "Versements", 8, "date"),
        (Code.DATE_OUTSIDE_PERIOD, "Versements", 9, "date"),
        (Code.INVALID_AMOUNT, "Versements", 10, "amount"),
        (Code.PAYMENT_NOT_APPROVED, "Versements", 13, "project_id"),
        (Code.PAYMENT_UNKNOWN_PROJECT, "Versements", 15, "project_id"),
        (Code.INVALID_DATE, "Versements", 16, "date"),
        (Code.INVALID_AMOUNT, "Versements", 17, "amount"),
        (Code.MISSING_VALUE, "Versements", 18, "project_id"),
    }
    lines = {line.code: line for line in report.totals.lines}
    # E-1 (60 001,00 $), E-13 (2 500,50 $), the first E-12 (7 000 $), abandoned E-2 (what
    # was paid, 800 $); SUD has nothing; the regional line 50 000 $.
    assert [lines["NORD"].committed, lines["SUD"].committed] == [6000100 + 250050 + 700000 + 80000, 0]
    assert report.totals.committed == 7030150 + 5000000


def _store_wrong_result(path: Path, target: Path, sheet_xml: str, wrong: str) -> tuple[str, str]:
    """``path`` copied to ``target`` with the first stored formula result of
    ``sheet_xml`` replaced by ``wrong``: (cell, stored result it replaced)."""
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == sheet_xml:
                text = data.decode("utf-8")
                found = re.search(r'<c r="([A-Z]+[0-9]+)"[^>]*><f>[^<]*</f><v>([^<]*)</v>', text)
                assert found is not None
                cell, value = found.group(1), found.group(2)
                start, end = found.span(2)
                data = (text[:start] + wrong + text[end:]).encode("utf-8")
            copy.writestr(item, data)
    return cell, value


@pytest.mark.usefixtures("soffice")
def test_a_formula_whose_stored_result_is_wrong_is_named_with_both_values(edges, tmp_path):
    _report, path = edges
    tampered = tmp_path / "faux.xlsx"
    cell, _value = _store_wrong_result(path, tampered, "xl/worksheets/sheet1.xml", "12345")
    formula = load_workbook(tampered)["Sommaire"][cell].value
    right = load_workbook(path, data_only=True)["Sommaire"][cell].value
    assert right != 12345
    _count, wrong = disagreements(tampered, lo.recalculate(tampered, tmp_path / "recalcul"))
    assert wrong == [f"Sommaire!{cell} {formula} : 12345 enregistré, {right!r} recalculé"]


@pytest.mark.usefixtures("soffice")
def test_the_canary_catches_a_libreoffice_that_keeps_the_stored_results(tmp_path):
    canary = lo.write_canary(tmp_path / "source")
    # Forced (our profile): the canary comes back right, the helper returns.
    assert load_workbook(lo.recalculate(canary, tmp_path / "force"), data_only=True)["Canari"]["A3"].value == 5
    # LibreOffice's default for an .xlsx (never recalculate): the helper fails.
    with pytest.raises(AssertionError, match=r"le canari Canari!A3 =SUM\(A1:A2\) revient à 12345 au lieu de 5"):
        lo.recalculate(canary, tmp_path / "jamais", recalc_mode=lo.RECALC_NEVER)


def test_a_script_that_never_recalculates_reads_the_python_totals(alliance):
    report, path = alliance
    ws = load_workbook(path, data_only=True)["Sommaire"]
    rows = {row[0]: row for row in ws.iter_rows(values_only=True) if row[0]}
    for line in report.totals.lines:
        row = rows[line.code]
        assert [cents(v) for v in row[3:6]] == [line.committed, line.paid, line.balance]
        assert row[7] == line.projects_committed and cents(row[9]) == line.pipeline
    total = next(row for row in ws.iter_rows(values_only=True) if row[1] == "Total de l'Alliance")
    assert cents(total[3]) == report.totals.committed == 89934622
    engaged = load_workbook(path, data_only=True)["Projets"]
    headers = [c.value for c in engaged[1]]
    column = headers.index("FQIS engagé")
    assert [cents(row[column]) for row in engaged.iter_rows(min_row=2, values_only=True)] == [
        15000055,
        20000000,
        1234567,
        0,
        0,
        0,
        2500000,
        500000,
        700001,
        30000000,
        9999999,
        0,
        0,
        10000000,
    ]


def test_pandas_reads_every_figure_of_the_sommaire(alliance):
    _, path = alliance
    frame = pandas.read_excel(path, sheet_name="Sommaire", header=None, engine="calamine")
    header = frame.index[frame[0] == "Code"][0]
    table = frame.iloc[header + 1 : header + 4, :10]
    table.columns = frame.iloc[header, :10]
    assert not table[["Engagé", "Versé", "Solde non engagé", "% engagé"]].isna().any().any()
    assert [cents(v) for v in table["Engagé"]] == [39934623, 39999999, 10000000]


def test_every_control_stores_the_python_figure(alliance):
    _, path = alliance
    ws = load_workbook(path, data_only=True)["À propos"]
    all_rows = list(ws.iter_rows(values_only=True))
    start = next(i for i, row in enumerate(all_rows) if row[0] == "Contrôle")
    controls = [row for row in all_rows[start + 1 :] if row[0]]
    assert len(controls) > 60
    assert [row for row in controls if cents(row[2]) != cents(row[3]) or row[4] != 0] == []
    assert next(row for row in all_rows if row[0] == "Contrôles en écart (attendu : 0)")[1] == 0


@pytest.mark.usefixtures("soffice")
def test_each_subregion_rows_of_par_territoire_add_up_to_its_sommaire_figure(alliance, tmp_path):
    report, path = alliance
    recalculated = lo.recalculate(path, tmp_path)
    for source in (path, recalculated):
        wb = load_workbook(source, data_only=True)
        sommaire = {row[0]: row for row in wb["Sommaire"].iter_rows(values_only=True) if row[0]}
        rows = [row for row in wb["Par territoire"].iter_rows(min_row=5, values_only=True) if row[0]]
        for line in report.totals.lines:
            own = [row for row in rows if row[0] == line.code and not str(row[1]).startswith("Total ")]
            assert sum(cents(row[2]) for row in own) == cents(sommaire[line.code][3]) == line.committed
            assert sum(row[3] for row in own) == sommaire[line.code][7]
        # N-7 of NORD, typed with SUD's « Vallée-Sud », stays in NORD.
        outside = next(row for row in rows if row[0] == "NORD" and row[1] == "Territoire hors sous-région ou vide")
        assert cents(outside[2]) == 2500000 and outside[3] == 1
        vallee = next(row for row in rows if row[1] == "Vallée-Sud")
        assert vallee[0] == "SUD" and cents(vallee[2]) == 30000000


def test_an_unreadable_amount_keeps_its_typed_text_in_projets(alliance):
    _, path = alliance
    ws = load_workbook(path)["Projets"]
    headers = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[1].value == "N-6")
    cell = row[headers.index("Autres contributions")]
    assert cell.value == "beaucoup" and cell.data_type == "s"
    assert cell.fill.fgColor.rgb.endswith("FFC7CE")  # the error colour of the template
    assert row[headers.index("Inclus dans les totaux")].value == "Non"


def test_sommaire_shows_the_agreement_period_and_the_mandataire_with_its_article(alliance):
    _report, path = alliance
    ws = load_workbook(path)["Sommaire"]
    values = {row[0]: row[1] for row in ws.iter_rows(values_only=True) if row[0]}
    assert values["Période de l'entente"] == "du 2024-04-01 au 2027-03-31 (3 exercices financiers)"
    assert ws["A2"].value == (
        f"{mf.ALLIANCE['name']} — classeur produit par la Conférence des préfets du Haut-Pays (CPHP)"
    )


def test_the_article_of_the_mandataire_comes_from_the_presentation_file(tmp_path):
    config_path = mf.build(tmp_path)
    (tmp_path / "rapport-ministere.toml").write_text('[cover]\nmandataire_article = "l\'"\n', encoding="utf-8")
    wb = load_workbook(write_ministry_workbook(validate(config_path), tmp_path / "article.xlsx"))
    assert wb["Sommaire"]["A2"].value.endswith("classeur produit par l'Conférence des préfets du Haut-Pays (CPHP)")
    about = {row[0]: row[1] for row in wb["À propos"].iter_rows(values_only=True) if row[0]}
    assert about["Présentation"] == "rapport-ministere.toml"


@pytest.mark.slow
def test_a_large_alliance_in_constant_memory_has_filters_frozen_headers_and_links(large):
    _report, path = large
    wb = load_workbook(path, read_only=False)
    projets = wb["Projets"]
    last = projets.cell(1, projets.max_column).column_letter
    assert projets.tables == {} and projets.auto_filter.ref == f"A1:{last}6001"
    assert projets.freeze_panes == "C2"
    assert projets.max_row == 6001
    assert wb["Versements"].auto_filter.ref.startswith("A1:")


def test_the_writer_logs_a_line_per_sheet_with_its_record_count(alliance, caplog, tmp_path):
    report, _ = alliance
    with caplog.at_level("INFO", logger="sync"):
        write_ministry_workbook(report, tmp_path / "journal.xlsx")
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Classeur du ministère : onglet")]
    assert lines == [
        "Classeur du ministère : onglet Sommaire…",
        "Classeur du ministère : onglet Par année…",
        "Classeur du ministère : onglet Par priorité…",
        "Classeur du ministère : onglet Par territoire…",
        "Classeur du ministère : onglet Évolution…",
        "Classeur du ministère : onglet Projets, 14 lignes…",
        "Classeur du ministère : onglet Versements, 10 lignes…",
        "Classeur du ministère : onglet Validation, 6 constats…",
        "Classeur du ministère : onglet Changements…",
        "Classeur du ministère : onglet À propos…",
    ]


def test_dates_are_dates_for_a_script(alliance):
    _, path = alliance
    ws = load_workbook(path, data_only=True)["Projets"]
    headers = [c.value for c in ws[1]]
    assert ws.cell(2, headers.index("Date d'approbation") + 1).value == dt.datetime(2024, 5, 1)


def test_changements_amounts_are_numbers_and_other_values_stay_text(alliance, tmp_path):
    from sync.changes import MODIFIED, Changes, FieldChange, RecordChange
    from sync.outputs.ministry.lists import cents_of

    assert [cents_of(t) for t in ("12 500,00 $", "0,05 $", "-1 234,50 $", "(illisible)", "12500", "1 000,0 $")] == [
        1250000,
        5,
        -123450,
        None,
        None,
        None,
    ]
    report, _ = alliance
    changes = Changes(
        4,
        dt.datetime(2026, 11, 27, 2, 0),
        [
            RecordChange(
                MODIFIED,
                "projet",
                "NORD",
                "N-1",
                "Titre",
                (
                    FieldChange("FQIS total", "(illisible)", "12 500,00 $"),
                    FieldChange("Titre du projet", "1 000,00 $", "(vide)"),
                ),
            ),
        ],
    )
    ws = load_workbook(write_ministry_workbook(report, tmp_path / "c.xlsx", changes))["Changements"]
    assert [(c.value, c.data_type) for c in ws[4][5:8]] == [("FQIS total", "s"), ("(illisible)", "s"), (12500, "n")]
    # Only amount columns are read as amounts: a title that looks like one stays text.
    assert [(c.value, c.data_type) for c in ws[5][5:8]] == [
        ("Titre du projet", "s"),
        ("1 000,00 $", "s"),
        ("(vide)", "s"),
    ]
