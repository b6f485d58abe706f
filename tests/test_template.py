"""The committee template (SPEC §3): `alliance-sync template`, and the copy kept in
templates/ (regenerate it with `alliance-sync template --output templates/gabarit-comite.xlsx`)."""

from __future__ import annotations

import shutil
import subprocess

import openpyxl
import pytest
from click.testing import CliRunner

from tests.support.builders import PAYMENT_HEADERS, PROJECT_HEADERS, write_config
from tests.support.checks import REPO, validate
from sync.cli import cli
from sync.config import load_config
from sync.resources import demo_config

KEPT = REPO / "templates" / "gabarit-comite.xlsx"
MONEY = '#,##0.00\\ "$"'


def contents(path) -> dict:
    """Everything a committee sees in the workbook, bytes and timestamps aside."""
    wb = openpyxl.load_workbook(path)
    out = {"sheets": wb.sheetnames, "active": wb.active.title}
    for ws in wb:
        out[ws.title] = {
            "state": ws.sheet_state,
            "freeze": ws.freeze_panes,
            "cells": {c.coordinate: (c.value, c.data_type, c.number_format, c.font.b)
                      for row in ws.iter_rows() for c in row
                      if c.value is not None or c.number_format != "General"},
            "validations": sorted((dv.type, dv.formula1, str(dv.sqref), dv.errorStyle, dv.error)
                                  for dv in ws.data_validations.dataValidation),
            "widths": {k: d.width for k, d in ws.column_dimensions.items() if d.width},
        }
    return out


def generate(tmp_path, *args: str):
    target = tmp_path / "gabarit.xlsx"
    result = CliRunner().invoke(cli, ["template", "--output", str(target), *args])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Gabarit écrit : {target}\n"
    return target


def test_kept_template_is_current(tmp_path):
    fresh = contents(generate(tmp_path))
    kept = contents(KEPT)
    assert kept["sheets"] == fresh["sheets"]
    for title in fresh["sheets"]:
        assert kept[title] == fresh[title], (
            f"templates/gabarit-comite.xlsx ({title}) est périmé : "
            "alliance-sync template --output templates/gabarit-comite.xlsx")
    assert kept == fresh


def projets(path):
    return openpyxl.load_workbook(path)["Projets"]


def test_tabs_and_exact_headers():
    wb = openpyxl.load_workbook(KEPT)
    assert wb.sheetnames == ["Instructions", "Projets", "Versements", "Listes"]
    assert wb.active.title == "Projets"
    assert [c.value for c in wb["Projets"][1]] == PROJECT_HEADERS
    assert [c.value for c in wb["Versements"][1]] == PAYMENT_HEADERS
    assert wb["Listes"].sheet_state == "hidden"
    assert wb["Projets"].freeze_panes == "A2"
    assert wb["Versements"].freeze_panes == "A2"


def test_one_fqis_column_per_configured_fiscal_year(tmp_path):
    config = write_config(tmp_path, alliance={"period": {"start": "2024-04-01", "end": "2029-03-31"},
                                              "fund": "FQIS"})
    ws = projets(generate(tmp_path, "--config", str(config)))
    headers = [c.value for c in ws[1]]
    years = [h for h in headers if h.startswith("FQIS 2")]
    assert years == ["FQIS 2024-2025", "FQIS 2025-2026", "FQIS 2026-2027", "FQIS 2027-2028", "FQIS 2028-2029"]
    assert headers.index("FQIS total") == headers.index("FQIS 2028-2029") + 1
    assert ws["Q2"].value == '=IF(COUNT(L2:P2)=0,"",SUM(L2:P2))'


def test_drop_downs_for_type_territory_priority_status():
    wb = openpyxl.load_workbook(KEPT)
    ws, lists = wb["Projets"], wb["Listes"]
    by_column = {}
    for dv in ws.data_validations.dataValidation:
        assert dv.type == "list"
        (cells,) = str(dv.sqref).split()
        by_column[cells.split(":")[0].rstrip("0123456789")] = dv.formula1
    assert set(by_column) == {"D", "E", "F", "G"}  # type, territory, priority, status

    def values(formula):
        column = formula.split("!$")[1].split("$")[0]
        return [c.value for c in lists[column][1:] if c.value is not None]

    assert values(by_column["D"]) == ["OBNL", "Coopérative sans but lucratif", "Organisme municipal ou MRC",
                                      "Communauté autochtone",
                                      "Centre de recherche ou établissement d'enseignement"]
    assert len(values(by_column["E"])) == 22 and "Longueuil — Saint-Hubert" in values(by_column["E"])
    assert "Régional" not in values(by_column["E"])
    assert values(by_column["F"])[1] == "Logement" and len(values(by_column["F"])) == 6
    assert values(by_column["G"]) == ["Intention déposée", "En analyse", "Accepté", "En cours", "Terminé",
                                      "Refusé", "Abandonné"]
    payments = wb["Versements"].data_validations.dataValidation
    assert [(str(dv.sqref), dv.formula1) for dv in payments] == [("A2:A501", "=Projets!$A$2:$A$501")]


def test_committee_template_offers_only_its_territories(tmp_path):
    wb = openpyxl.load_workbook(generate(tmp_path, "--committee", "OUEST"))
    territories = [c.value for c in wb["Listes"]["B"][1:] if c.value]
    assert territories == list(load_config(demo_config()).committee("OUEST").territories)
    assert "Ouest de la Montérégie" in wb["Instructions"]["A1"].value


def test_unknown_committee_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["template", "--output", str(tmp_path / "g.xlsx"), "--committee", "NORD"])
    assert result.exit_code == 2
    assert "sous-région inconnue « NORD » ; codes : OUEST, EST, LONGUEUIL" in result.stderr


def test_money_and_date_formats_and_total_formula():
    ws = projets(KEPT)
    for column in "KLMNOPQ":
        assert ws[f"{column}2"].number_format == MONEY
        assert ws[f"{column}501"].number_format == MONEY
    for column in "HIJ":
        assert ws[f"{column}2"].number_format == "yyyy-mm-dd"
    assert ws["P2"].value == '=IF(COUNT(L2:O2)=0,"",SUM(L2:O2))'
    assert ws["P501"].value == '=IF(COUNT(L501:O501)=0,"",SUM(L501:O501))'
    payments = openpyxl.load_workbook(KEPT)["Versements"]
    assert payments["B2"].number_format == "yyyy-mm-dd"
    assert payments["C2"].number_format == MONEY


def test_instructions_in_french():
    ws = openpyxl.load_workbook(KEPT)["Instructions"]
    text = "\n".join(str(c.value) for c in ws["A"] if c.value)
    assert text.startswith("Alliance pour la solidarité en Montérégie — chiffrier du comité")
    for fragment in ("Onglet Projets : une ligne par projet", "choisissez dans la liste déroulante",
                     "entre le 2019-04-01 et le 2023-03-31", "Onglet Versements", "Ne renommez pas les onglets",
                     "12 500,50 $"):
        assert fragment in text


def test_empty_template_validates_clean(tmp_path):
    for name in ("ouest.xlsx", "est.xlsx", "longueuil.xlsx"):
        shutil.copy(KEPT, tmp_path / name)
    report = validate(write_config(tmp_path))
    assert report.findings == []


def test_template_filled_like_a_committee_validates(tmp_path):
    wb = openpyxl.load_workbook(KEPT)
    ws = wb["Projets"]
    row = ["OUE-2020-001", "Frigos solidaires", "Comptoir alimentaire", "OBNL", "Roussillon", "Logement",
           "En cours", "2019-05-01", "2019-06-01", "2021-03-31", "100 000 $", 20000, "20 000,50 $"]
    for column, value in enumerate(row, start=1):
        ws.cell(row=2, column=column, value=value)
    wb.save(tmp_path / "ouest.xlsx")
    report = validate(write_config(tmp_path))
    assert report.errors == []
    assert report.totals.line("OUEST").committed == 4_000_050


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice absent")
def test_total_formula_computes_in_libreoffice(tmp_path):
    wb = openpyxl.load_workbook(KEPT)
    ws = wb["Projets"]
    ws["L2"], ws["M2"], ws["N3"] = 1000, 500.5, 0.1
    wb.save(tmp_path / "rempli.xlsx")
    out = tmp_path / "calcule"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless",
                    "--convert-to", "xlsx", "--outdir", str(out), str(tmp_path / "rempli.xlsx")],
                   check=True, capture_output=True, timeout=180)
    computed = openpyxl.load_workbook(out / "rempli.xlsx", data_only=True)["Projets"]
    assert computed["P2"].value == 1500.5
    assert computed["P3"].value == 0.1
    assert computed["P4"].value in (None, "")  # empty rows stay empty, not 0


# -- where the template is written, what it says --------------------------------------


def test_a_template_that_cannot_be_written_is_a_french_error(tmp_path, monkeypatch):
    import errno
    from tests.support.cli import invoke
    import openpyxl

    def refuse(workbook, filename):
        raise OSError(errno.EROFS, "Read-only file system", str(filename))

    monkeypatch.setattr(openpyxl.Workbook, "save", refuse)
    target = tmp_path / "gabarit.xlsx"
    result = invoke("--quiet", "template", "--output", str(target))
    assert result.exit_code == 2, result.output
    assert result.stderr == (f"Erreur : le classeur {target} n'a pas pu être écrit : "
                             "système de fichiers en lecture seule.\n")


def test_a_template_in_a_missing_folder_creates_it(tmp_path):
    from tests.support.cli import invoke

    target = tmp_path / "absent" / "gabarit.xlsx"
    result = invoke("--quiet", "template", "--output", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Gabarit écrit : {target}\n"
    assert target.is_file()


def test_a_configured_share_is_shown_as_configured_everywhere(tmp_path):
    # 0.855 was « 86 % » in the finding and « 85 % » in the template's instructions.
    from tests.support.builders import project, write_alliance
    from tests.support.checks import only
    from tests.support.cli import invoke
    import openpyxl

    path = write_alliance(tmp_path, {"OUEST": {"projects": [
        project("OUE-2020-001", fqis={"2019-2020": 86000}, total_cost=100000, other_contributions=14000)]}},
        alliance={"max_fqis_share": 0.855})
    high = only(validate(path), "FQIS_SHARE_HIGH")
    assert "au-delà de la part de 85,5 % prévue" in high.message
    target = tmp_path / "gabarit.xlsx"
    assert invoke("--quiet", "template", "--config", str(path), "--output", str(target)).exit_code == 0
    instructions = [c.value for c in openpyxl.load_workbook(target)["Instructions"]["A"] if c.value]
    assert any("au-delà de 85,5 % du coût, un avertissement est émis" in line for line in instructions)
