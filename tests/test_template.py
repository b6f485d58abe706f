"""The committee template (docs/gabarit.md): `alliance-sync template`, and the copy kept in
templates/ (regenerate it with `alliance-sync template --output templates/gabarit-comite.xlsx`)."""

from __future__ import annotations

import functools
import shutil
import subprocess
import sys

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.formula.translate import Translator

from sync.cli import cli
from sync.config import load_config
from sync.resources import demo_config
from tests.support.builders import (
    PAYMENT_HEADERS,
    PROJECT_HEADERS,
    SUM,
    payment,
    project,
    write_committee_xlsx,
    write_config,
)
from tests.support.checks import REPO, of_code, validate
from tests.support.libreoffice import formula_errors, pdf_pages, recalculate, require_pdftoppm, to_pdf
from tests.support.render_template import is_data_page

KEPT = REPO / "templates" / "gabarit-comite.xlsx"
MONEY = '[$-C0C]#,##0.00\\ "$"'


def contents(path) -> dict:
    """Everything a committee sees in the workbook, bytes and timestamps aside."""
    wb = openpyxl.load_workbook(path)
    out = {"sheets": wb.sheetnames, "active": wb.active.title}
    for ws in wb:
        out[ws.title] = {
            "state": ws.sheet_state,
            "freeze": ws.freeze_panes,
            "cells": {
                c.coordinate: (c.value, c.data_type, c.number_format, c.font.b)
                for row in ws.iter_rows()
                for c in row
                if c.value is not None or c.number_format != "General"
            },
            "validations": sorted(repr(guard(dv)) for dv in ws.data_validations.dataValidation),
            "conditional": sorted((str(cf.sqref), r.formula) for cf in ws.conditional_formatting for r in cf.rules),
            "widths": {k: d.width for k, d in ws.column_dimensions.items() if d.width},
            "heights": {k: d.height for k, d in ws.row_dimensions.items() if d.height},
        }
    return out


@functools.cache
def kept_workbook():
    """The kept template, loaded once for the tests that only read it (5000 rows)."""
    return openpyxl.load_workbook(KEPT)


def guard(dv) -> tuple:
    """A data validation as read back: what it accepts, where, and what it says."""
    return (
        str(dv.sqref),
        dv.type,
        dv.operator,
        dv.formula1,
        dv.formula2,
        dv.errorStyle,
        dv.showErrorMessage,
        dv.errorTitle,
        dv.error,
        dv.showInputMessage,
        dv.promptTitle,
        dv.prompt,
        dv.allow_blank,
    )


def generate(tmp_path, *args: str):
    target = tmp_path / "gabarit.xlsx"
    result = CliRunner().invoke(cli, ["template", "--output", str(target), *args])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Gabarit écrit : {target}\n"
    return target


@pytest.mark.slow
def test_kept_template_is_current(tmp_path):
    fresh = contents(generate(tmp_path))
    kept = contents(KEPT)
    assert kept["sheets"] == fresh["sheets"]
    for title in fresh["sheets"]:
        assert kept[title] == fresh[title], (
            f"templates/gabarit-comite.xlsx ({title}) est périmé : "
            "alliance-sync template --output templates/gabarit-comite.xlsx"
        )
    assert kept == fresh


def projets(path):
    return openpyxl.load_workbook(path)["Projets"]


def test_tabs_and_exact_headers():
    wb = kept_workbook()
    assert wb.sheetnames == ["Instructions", "Projets", "Versements", "Listes"]
    assert wb.active.title == "Projets"
    assert [c.value for c in wb["Projets"][1]] == PROJECT_HEADERS
    assert [c.value for c in wb["Versements"][1]] == PAYMENT_HEADERS
    assert wb["Listes"].sheet_state == "hidden"
    assert wb["Projets"].freeze_panes == "A2"
    assert wb["Versements"].freeze_panes == "A2"


def test_one_fqis_column_per_configured_fiscal_year(tmp_path):
    config = write_config(tmp_path, alliance={"period": {"start": "2024-04-01", "end": "2029-03-31"}, "fund": "FQIS"})
    ws = projets(generate(tmp_path, "--config", str(config)))
    headers = [c.value for c in ws[1]]
    years = [h for h in headers if h.startswith("FQIS 2")]
    assert years == ["FQIS 2024-2025", "FQIS 2025-2026", "FQIS 2026-2027", "FQIS 2027-2028", "FQIS 2028-2029"]
    assert headers.index("FQIS total") == headers.index("FQIS 2028-2029") + 1
    assert ws["Q2"].value == '=IF(COUNT(L2:P2)=0,"",SUM(L2:P2))'


def test_drop_downs_for_type_territory_priority_status():
    wb = kept_workbook()
    ws, lists = wb["Projets"], wb["Listes"]
    by_column = {
        str(dv.sqref).split(":")[0][:-1]: dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"
    }
    assert set(by_column) == {"D", "E", "F", "G"}  # type, territory, priority, status

    def values(formula):
        column = formula.split("!$")[1].split("$")[0]
        return [c.value for c in lists[column][1:] if c.value is not None]

    assert values(by_column["D"]) == [
        "OBNL",
        "Coopérative sans but lucratif",
        "Organisme municipal ou MRC",
        "Communauté autochtone",
        "Centre de recherche ou établissement d'enseignement",
    ]
    assert len(values(by_column["E"])) == 22 and "Longueuil — Saint-Hubert" in values(by_column["E"])
    assert "Régional" not in values(by_column["E"])
    assert values(by_column["F"])[1] == "Logement" and len(values(by_column["F"])) == 6
    assert values(by_column["G"]) == [
        "Intention déposée",
        "En analyse",
        "Accepté",
        "En cours",
        "Terminé",
        "Refusé",
        "Abandonné",
    ]
    # Each list names exactly its values: no blank row of Listes is offered.
    assert by_column == {
        "D": "Listes!$A$2:$A$6",
        "E": "Listes!$B$2:$B$23",
        "F": "Listes!$C$2:$C$7",
        "G": "Listes!$D$2:$D$8",
    }


PERIOD = "entre le 2019-04-01 et le 2023-03-31"
DATE_ERROR = f"Entrez une date {PERIOD}, au format AAAA-MM-JJ (ex. 2019-04-01)."
MONEY_ERROR = "Entrez un montant en dollars, positif ou nul, au cent près (ex. 12500,50)."
COUNT_ERROR = "Entrez un nombre entier positif ou nul, sans décimales (ex. 25)."
COMMITTED = "Accepté, En cours ou Terminé"


def stop(cells, type_, operator, formula1, formula2, title, error, prompt_title, prompt):
    return (cells, type_, operator, formula1, formula2, "stop", True, title, error, True, prompt_title, prompt, True)


def hint(cells, prompt_title, prompt):
    """A column open to any value: an input message only."""
    return (cells, None, None, None, None, None, False, None, None, True, prompt_title, prompt, True)


def in_list(cells, heading, source, prompt_title, what):
    return stop(
        cells,
        "list",
        None,
        source,
        None,
        "Valeur hors liste",
        f"Cette valeur n'est pas dans la liste « {heading} » : choisissez-en une dans la liste déroulante.",
        prompt_title,
        f"Obligatoire. Choisissez dans la liste déroulante {what}.",
    )


def date(cells, prompt_title, when):
    # 43556 and 45016: 2019-04-01 and 2023-03-31 as spreadsheet day numbers.
    return stop(
        cells,
        "date",
        "between",
        "43556",
        "45016",
        "Date hors période",
        DATE_ERROR,
        prompt_title,
        f"{when}Une date {PERIOD}, au format AAAA-MM-JJ.",
    )


def money(cells, prompt_title, prompt):
    return stop(
        cells, "decimal", "between", "0", "9999999999999.99", "Montant invalide", MONEY_ERROR, prompt_title, prompt
    )


def count(cells, prompt_title):
    return stop(
        cells,
        "whole",
        "greaterThanOrEqual",
        "0",
        None,
        "Nombre invalide",
        COUNT_ERROR,
        prompt_title,
        "Un nombre entier de personnes, positif ou nul (ex. 25).",
    )


def test_every_column_is_guarded_as_the_rules_read_it():
    """Each column's validation read back: type, operator, bounds, range to row 5001,
    « stop » alert with a French title and message, and an input message."""
    wb = kept_workbook()
    required_when = f"Requise dès le statut {COMMITTED}. "
    projects = [
        stop(
            "A2:A5001",
            "custom",
            None,
            "COUNTIF($A$2:$A$5001,A2)<=1",
            None,
            "No projet en double",
            "Ce No projet figure déjà dans cet onglet : chaque projet a un numéro unique.",
            "No projet",
            "Obligatoire. Un numéro unique dans toute l'Alliance, ex. OUE-2020-003.",
        ),
        hint("B2:B5001", "Titre du projet", "Obligatoire. Le titre du projet."),
        hint("C2:C5001", "Organisme porteur", "Obligatoire. Le nom de l'organisme qui porte le projet."),
        in_list(
            "D2:D5001",
            "Types d'organisme admissibles",
            "Listes!$A$2:$A$6",
            "Type d'organisme",
            "le type d'organisme (seuls les types admissibles y sont)",
        ),
        in_list(
            "E2:E5001",
            "Territoires",
            "Listes!$B$2:$B$23",
            "Territoire",
            "le territoire du projet, dans votre sous-région",
        ),
        in_list("F2:F5001", "Priorités", "Listes!$C$2:$C$7", "Priorité", "la priorité d'action"),
        in_list("G2:G5001", "Statuts", "Listes!$D$2:$D$8", "Statut", "le statut du projet"),
        date("H2:H5001", "Date d'approbation", required_when),
        date("I2:I5001", "Date de début", required_when),
        date("J2:J5001", "Date de fin", required_when),
        money(
            "K2:K5001",
            "Coût total",
            f"Requis dès le statut {COMMITTED}. Le coût total du projet, au moins le FQIS total. Ex. 12500,50 (≥ 0).",
        ),
        *(
            money(
                f"{col}2:{col}5001",
                f"FQIS {year}",
                f"La part du FQIS de l'exercice {year}, en dollars. Ex. 12500,50 (≥ 0).",
            )
            for col, year in zip("LMNO", ("2019-2020", "2020-2021", "2021-2022", "2022-2023"), strict=True)
        ),
        money("P2:P5001", "FQIS total", "Calculé seul : la somme des colonnes FQIS par exercice. Ne rien saisir ici."),
        money(
            "Q2:Q5001",
            "Autres contributions",
            "Les autres sources de financement du projet, en dollars. Ex. 12500,50 (≥ 0).",
        ),
        count("R2:R5001", "Participants visés"),
        count("S2:S5001", "Participants rejoints"),
        hint("T2:T5001", "Notes", "Facultatif. Toute précision utile au comité."),
    ]
    assert [guard(dv) for dv in wb["Projets"].data_validations.dataValidation] == projects
    payments = [
        stop(
            "A2:A5001",
            "list",
            None,
            "Projets!$A$2:$A$5001",
            None,
            "Projet inconnu",
            "Ce No projet ne figure pas dans l'onglet Projets de ce classeur : choisissez-le dans la liste.",
            "No projet",
            "Obligatoire. Choisissez le No projet d'un projet de l'onglet Projets.",
        ),
        date("B2:B5001", "Date du versement", "Obligatoire. "),
        money("C2:C5001", "Montant", "Obligatoire. Le montant versé, en dollars. Ex. 12500,50 (≥ 0)."),
        hint("D2:D5001", "Référence", "La référence du versement : no de chèque ou de virement."),
        hint("E2:E5001", "Note", "Facultatif. Toute précision utile sur ce versement."),
    ]
    assert [guard(dv) for dv in wb["Versements"].data_validations.dataValidation] == payments
    # Excel refuses a workbook whose alert titles exceed 32 characters or messages 255.
    for dv in [*wb["Projets"].data_validations.dataValidation, *wb["Versements"].data_validations.dataValidation]:
        assert len(dv.promptTitle) <= 32 and len(dv.errorTitle or "") <= 32, dv.promptTitle
        assert len(dv.prompt) <= 255 and len(dv.error or "") <= 255, dv.prompt


def test_dates_follow_the_configured_period(tmp_path):
    config = write_config(tmp_path, alliance={"period": {"start": "2024-04-01", "end": "2029-03-31"}})
    wb = openpyxl.load_workbook(generate(tmp_path, "--config", str(config)))
    dates = [dv for dv in wb["Projets"].data_validations.dataValidation if dv.type == "date"]
    # 45383 is 2024-04-01 and 47208 is 2029-03-31 in spreadsheet day numbers.
    assert [(str(dv.sqref), dv.formula1, dv.formula2) for dv in dates] == [
        ("H2:H5001", "45383", "47208"),
        ("I2:I5001", "45383", "47208"),
        ("J2:J5001", "45383", "47208"),
    ]
    assert "entre le 2024-04-01 et le 2029-03-31" in dates[0].error


def test_missing_required_cells_of_a_started_row_are_coloured():
    wb = kept_workbook()
    started = "COUNTA($A2:$O2,$Q2:$T2)>0"  # every column but the FQIS total formula's
    committed = 'OR($G2="Accepté",$G2="En cours",$G2="Terminé")'
    rules = {}
    for ws in (wb["Projets"], wb["Versements"]):
        for cf in ws.conditional_formatting:
            (rule,) = cf.rules
            assert rule.type == "expression"
            assert rule.dxf.fill.fgColor.rgb == "00FFC7CE" and rule.dxf.font.color.rgb == "009C0006"
            rules[(ws.title, str(cf.sqref))] = rule.formula
    expected = {("Projets", f"{c}2:{c}5001"): [f"AND(LEN(TRIM({c}2))=0,{started})"] for c in "ABCDEFG"}
    expected |= {("Projets", f"{c}2:{c}5001"): [f"AND(LEN(TRIM({c}2))=0,{committed})"] for c in "HIJKP"}
    expected |= {("Versements", f"{c}2:{c}5001"): [f"AND(LEN(TRIM({c}2))=0,COUNTA($A2:$E2)>0)"] for c in "ABC"}
    assert rules == expected


def test_priority_list_comes_from_one_place(monkeypatch, tmp_path):
    from sync.outputs import committee_workbook

    monkeypatch.setattr(committee_workbook, "priority_choices", lambda config, committee: ["Axe 1", "Axe 2"])
    wb = openpyxl.load_workbook(generate(tmp_path, "--committee", "EST"))
    (priority,) = [dv for dv in wb["Projets"].data_validations.dataValidation if str(dv.sqref) == "F2:F5001"]
    assert priority.formula1 == "Listes!$C$2:$C$3"
    assert [c.value for c in wb["Listes"]["C"] if c.value] == ["Priorités", "Axe 1", "Axe 2"]


@pytest.mark.slow
def test_committee_template_offers_only_its_plans_axes(tmp_path):
    plan = ["Logement", "Sécurité alimentaire"]
    config = write_config(tmp_path, overrides={"EST": {"priorities": plan}})
    est = openpyxl.load_workbook(generate(tmp_path, "--config", str(config), "--committee", "EST"))
    (priority,) = [dv for dv in est["Projets"].data_validations.dataValidation if str(dv.sqref) == "F2:F5001"]
    assert priority.formula1 == "Listes!$C$2:$C$3"
    # The plan in the Alliance's order, whatever order the configuration gives it.
    assert [c.value for c in est["Listes"]["C"] if c.value] == ["Priorités", "Sécurité alimentaire", "Logement"]
    (tmp_path / "alliance").mkdir()
    whole = openpyxl.load_workbook(generate(tmp_path / "alliance", "--config", str(config)))
    assert [c.value for c in whole["Listes"]["C"] if c.value][1:] == list(load_config(config).priorities)


def test_committee_template_offers_only_its_territories(tmp_path):
    wb = openpyxl.load_workbook(generate(tmp_path, "--committee", "OUEST"))
    territories = [c.value for c in wb["Listes"]["B"][1:] if c.value]
    assert territories == list(load_config(demo_config()).committee("OUEST").territories)
    assert "Ouest de la Montérégie" in wb["Instructions"]["A1"].value


@pytest.mark.parametrize(
    "typed, error",
    [
        ("NORD", "Erreur : sous-région inconnue « NORD ». Codes : OUEST, EST, LONGUEUIL.\n"),
        (
            "OUEZT",
            "Erreur : sous-région inconnue « OUEZT ». Vouliez-vous dire « OUEST » ? Codes : OUEST, EST, LONGUEUIL.\n",
        ),
        (
            "longeuil",
            "Erreur : sous-région inconnue « longeuil ». Vouliez-vous dire « LONGUEUIL » ? Codes : OUEST, "
            "EST, LONGUEUIL.\n",
        ),
        # On main, an empty code (a shell variable never set) wrote the template of every sub-region.
        ("", "Erreur : --committee attend le code d'une sous-région ; codes : OUEST, EST, LONGUEUIL.\n"),
        ("  ", "Erreur : --committee attend le code d'une sous-région ; codes : OUEST, EST, LONGUEUIL.\n"),
    ],
)
def test_unknown_or_empty_committee_is_a_usage_error(tmp_path, typed, error):
    target = tmp_path / "g.xlsx"
    result = CliRunner().invoke(
        cli, ["template", "--output", str(target), "--committee", typed], prog_name="alliance-sync"
    )
    assert result.exit_code == 2
    assert result.stderr.endswith(
        "Utilisation : alliance-sync template [OPTIONS]\n"
        "Essayez « alliance-sync template --help » pour l'aide.\n\n" + error
    )
    assert not target.exists()


def test_the_shipped_configuration_makes_its_template_before_the_keys_are_known(tmp_path):
    # The committees' spreadsheets are made from the template: their keys cannot be there yet.
    wb = openpyxl.load_workbook(
        generate(tmp_path, "--config", str(REPO / "config" / "monteregie.toml"), "--committee", "LONGUEUIL")
    )
    assert "Agglomération de Longueuil" in wb["Instructions"]["A1"].value


def test_the_template_still_refuses_an_unknown_key(tmp_path):
    config = tmp_path / "monteregie.toml"
    config.write_text(
        (REPO / "config" / "monteregie.toml")
        .read_text(encoding="utf-8")
        .replace("allocation = 2600000", "alocation = 2600000"),
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["template", "--config", str(config), "--output", str(tmp_path / "g.xlsx")])
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"Erreur : Configuration invalide (fichier {config}, clé « "
        "subregions[1].alocation ») : clé inconnue « alocation ». Vouliez-vous dire "
        "« allocation » ?"
    )
    assert not (tmp_path / "g.xlsx").exists()


def test_a_committee_code_is_read_whatever_its_case_and_spaces(tmp_path):
    wb = openpyxl.load_workbook(generate(tmp_path, "--committee", " est "))
    assert "Est de la Montérégie" in wb["Instructions"]["A1"].value


def test_money_and_date_formats_and_total_formula():
    ws = kept_workbook()["Projets"]
    for column in "KLMNOPQ":
        assert ws[f"{column}2"].number_format == MONEY
        assert ws[f"{column}5001"].number_format == MONEY
    for column in "HIJ":
        assert ws[f"{column}2"].number_format == "yyyy-mm-dd"
        assert ws[f"{column}5001"].number_format == "yyyy-mm-dd"
    assert ws["P2"].value == '=IF(COUNT(L2:O2)=0,"",SUM(L2:O2))'
    assert ws["P5001"].value == '=IF(COUNT(L5001:O5001)=0,"",SUM(L5001:O5001))'
    assert ws.max_row == 5001
    payments = kept_workbook()["Versements"]
    assert payments["B5001"].number_format == "yyyy-mm-dd"
    assert payments["C5001"].number_format == MONEY


def test_instructions_in_french():
    ws = kept_workbook()["Instructions"]
    text = "\n".join(str(c.value) for c in ws["A"] if c.value)
    assert text.startswith("Alliance pour la solidarité en Montérégie — chiffrier du comité")
    for fragment in (
        "Onglet Projets : une ligne par projet",
        "choisissez dans la liste déroulante",
        "entre le 2019-04-01 et le 2023-03-31",
        "Onglet Versements",
        "Ne renommez pas les onglets",
        "12 500,50 $",
    ):
        assert fragment in text


def test_instructions_end_with_the_committees_return_path(tmp_path):
    """A committee on a workbook learns to send it back, and to whom; the Alliance's
    template says both ways, a committee's own says its own."""
    generic = [c.value for c in kept_workbook()["Instructions"]["A"] if c.value][-1]
    assert generic == (
        "Vos corrections : si votre comité tient ses données dans un chiffrier Google, corrigez-les "
        "directement, rien à renvoyer ; s'il les tient dans ce classeur (.xlsx), corrigez-le puis "
        "renvoyez-le à la coordination de l'Alliance, Table de concertation des préfets de la Montérégie "
        "(TCPM). La synchronisation suivante vérifiera vos corrections."
    )
    ouest = openpyxl.load_workbook(generate(tmp_path, "--committee", "OUEST"))
    assert [c.value for c in ouest["Instructions"]["A"] if c.value][-1] == (
        "Corrigez votre classeur ouest.xlsx, puis renvoyez-le à la coordination de l'Alliance, "
        "Table de concertation des préfets de la Montérégie (TCPM) : la synchronisation qui suivra "
        "sa réception vérifiera vos corrections."
    )


def test_empty_template_validates_clean(tmp_path):
    for name in ("ouest.xlsx", "est.xlsx", "longueuil.xlsx"):
        shutil.copy(KEPT, tmp_path / name)
    report = validate(write_config(tmp_path))
    assert report.findings == []


def test_template_filled_like_a_committee_validates(tmp_path):
    wb = openpyxl.load_workbook(KEPT)
    ws = wb["Projets"]
    row = [
        "OUE-2020-001",
        "Frigos solidaires",
        "Comptoir alimentaire",
        "OBNL",
        "Roussillon",
        "Logement",
        "En cours",
        "2019-05-01",
        "2019-06-01",
        "2021-03-31",
        "100 000 $",
        20000,
        "20 000,50 $",
    ]
    for column, value in enumerate(row, start=1):
        ws.cell(row=2, column=column, value=value)
    wb.save(tmp_path / "ouest.xlsx")
    report = validate(write_config(tmp_path))
    assert report.errors == []
    assert report.totals.line("OUEST").committed == 4_000_050


@pytest.mark.usefixtures("soffice")
def test_total_formula_and_missing_cell_colours_compute_in_libreoffice(tmp_path):
    """LibreOffice computes the FQIS total, and each conditional format's formula, as
    moved to a test row, says whether that cell is coloured."""
    wb = openpyxl.load_workbook(KEPT)
    ws, pay = wb["Projets"], wb["Versements"]
    ws["L2"], ws["M2"], ws["N3"] = 1000, 500.5, 0.1
    ws["A2"] = "OUE-2020-001"  # row 2: only a number and years
    for column, value in zip(
        "ABCDEFG", ["OUE-2020-002", "Titre", "Organisme", "OBNL", "Roussillon", "Logement", "En cours"], strict=True
    ):
        ws[f"{column}4"] = value  # row 4: committed, no dates nor amounts
    ws["T5"] = "à suivre"  # row 5: only a note
    ws["G6"], ws["A6"] = "Intention déposée", "OUE-2020-001"  # row 6: the number of row 2 again
    pay["D2"] = "Chèque 118"  # payment row 2: only a reference
    checks = {}
    for sheet, rows in ((ws, (2, 4, 5, 6, 7)), (pay, (2, 3))):
        helper = 30  # column AD, beyond every column the formulas read
        for cf in sheet.conditional_formatting:
            (rule,) = cf.rules
            column = str(cf.sqref).split(":")[0][:-1]
            for r in rows:
                moved = Translator("=" + rule.formula[0], origin=f"{column}2").translate_formula(f"{column}{r}")
                sheet.cell(row=r, column=helper, value=moved)
                checks[(sheet.title, f"{column}{r}")] = (r, helper)
                helper += 1
    (duplicates,) = [dv for dv in ws.data_validations.dataValidation if dv.type == "custom"]
    for r in (2, 4, 6):
        ws.cell(row=r, column=200, value=Translator("=" + duplicates.formula1, origin="A2").translate_formula(f"A{r}"))
    wb.save(tmp_path / "rempli.xlsx")
    computed = openpyxl.load_workbook(recalculate(tmp_path / "rempli.xlsx", tmp_path / "calcule"), data_only=True)
    projects = computed["Projets"]
    assert projects["P2"].value == 1500.5
    assert projects["P3"].value == 0.1
    assert projects["P4"].value in (None, "")  # empty rows stay empty, not 0
    coloured = {
        cell for cell, (r, helper) in checks.items() if computed[cell[0]].cell(row=r, column=helper).value is True
    }
    assert sorted(c for s, c in coloured if s == "Projets") == [
        "A5",
        "B2",
        "B5",
        "B6",
        "C2",
        "C5",
        "C6",
        "D2",
        "D5",
        "D6",
        "E2",
        "E5",
        "E6",
        "F2",
        "F5",
        "F6",
        "G2",
        "G5",
        "H4",
        "I4",
        "J4",
        "K4",
        "P4",
    ]
    assert sorted(c for s, c in coloured if s == "Versements") == ["A2", "B2", "C2"]
    # The number typed twice is refused (row 6), the others pass.
    assert [projects.cell(row=r, column=200).value for r in (2, 4, 6)] == [False, True, False]


@pytest.mark.usefixtures("soffice")
def test_instructions_print_whole_within_the_page_without_overlap(tmp_path):
    """LibreOffice prints every paragraph of the Instructions tab whole (nothing cut
    at the page's edge), in order, each in a row tall enough for its printed lines
    (a row too short overlaps the next paragraph). Look at it too:
    python -m tests.support.render_template."""
    ws = kept_workbook()["Instructions"]
    paragraphs = [(c.value, c.font.sz, ws.row_dimensions[c.row].height) for c in ws["A"] if c.value]
    pages = pdf_pages(to_pdf(KEPT, tmp_path, locale="fr_CA.UTF-8"))
    projets = next(n for n, text in enumerate(pages) if is_data_page(text))
    assert 1 <= projets <= 2  # the Instructions hold on two pages at most
    printed = iter(line for page in pages[:projets] for line in page.splitlines() if line.strip())
    for text, size, height in paragraphs:
        wanted, seen, lines = "".join(text.split()), "", 0
        while len(seen) < len(wanted):
            seen += "".join(next(printed).split())
            lines += 1
        assert seen == wanted, f"imprimé : {seen!r}\nattendu : {wanted!r}"
        # A printed line takes about 1.15 times the font's size.
        assert (height or 0) >= lines * size * 1.15, f"{lines} lignes dans {height} pt : {text}"
    assert next(printed, None) is None
    assert all(c.alignment.wrap_text for c in ws["A"] if c.value)
    assert ws.page_setup.orientation == "portrait" and ws.page_setup.fitToWidth == 1


@pytest.mark.usefixtures("soffice")
def test_libreoffice_opens_the_template_with_its_guards(tmp_path):
    """LibreOffice loads every validation (and saves it back unchanged) and computes
    every formula without an error value."""
    saved = recalculate(KEPT, tmp_path)
    assert formula_errors(saved) == []
    kept, reopened = kept_workbook(), openpyxl.load_workbook(saved)
    for title in ("Projets", "Versements"):
        again = {dv.promptTitle: dv for dv in reopened[title].data_validations.dataValidation}
        assert len(again) == len(kept[title].data_validations.dataValidation)
        for dv in kept[title].data_validations.dataValidation:
            back = again[dv.promptTitle]
            assert back.prompt == dv.prompt
            if dv.type:
                assert (back.type, back.formula1, back.errorStyle, back.errorTitle, back.error) == (
                    dv.type,
                    dv.formula1,
                    "stop",
                    dv.errorTitle,
                    dv.error,
                )
                if dv.operator:
                    assert back.operator == dv.operator
                if dv.operator == "between":
                    assert back.formula2 == dv.formula2
            # LibreOffice saves the Versements ranges cut to its first 1000 rows (it
            # holds all 5000 once opened); the Projets ones, whose formulas reach
            # row 5001, come back whole.
            if title == "Projets":
                assert str(back.sqref) == str(dv.sqref)


def test_coloured_cells_are_the_ones_the_rules_require(tmp_path):
    """Blank one cell of a complete row of a committed project (or of a payment): the
    nightly validation reports it missing exactly when the template colours it."""
    kept = kept_workbook()
    for title in ("Projets", "Versements"):
        coloured = {str(cf.sqref).split(":")[0][:-1] for cf in kept[title].conditional_formatting}
        for cell in kept[title][1]:
            column, header = cell.column_letter, cell.value
            blank = {header: None}
            if header == "FQIS total":  # the formula is empty when no year is filled
                blank |= {h: None for h in PROJECT_HEADERS if h.startswith("FQIS 2")}
            elif header.startswith("FQIS 2"):
                blank["FQIS total"] = SUM
            folder = tmp_path / f"{title}-{column}"
            folder.mkdir()
            if title == "Projets":  # a committed project (En cours)
                write_committee_xlsx(folder / "ouest.xlsx", [project(cells=blank)])
            else:
                write_committee_xlsx(folder / "ouest.xlsx", [project()], [payment(cells=blank)])
            report = validate(write_config(folder))
            missing = {(f.sheet, f.cell) for f in of_code(report, "MISSING_VALUE")}
            assert missing == ({(title, f"{column}2")} if column in coloured else set()), header
            assert [f for f in report.errors if f.code != "MISSING_VALUE"] == [], header


@pytest.mark.usefixtures("soffice")
def test_rendering_script_draws_each_instructions_page(tmp_path):
    """python -m tests.support.render_template: the images to look at after a change."""
    require_pdftoppm()
    result = subprocess.run(
        [sys.executable, "-m", "tests.support.render_template", "--committee", "OUEST", "--out", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    images = sorted(tmp_path.glob("instructions-*.png"))
    assert result.stdout.splitlines() == [
        *(f"Image écrite : {image}" for image in images),
        f"PDF : {tmp_path / 'gabarit-comite.pdf'}",
    ]
    assert [image.name for image in images] == [f"instructions-{n}.png" for n in range(1, len(images) + 1)]
    assert 1 <= len(images) <= 2
    for image in images:
        assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# -- where the template is written, what it says --------------------------------------


def test_a_template_that_cannot_be_written_is_a_french_error(tmp_path, monkeypatch):
    import errno

    import openpyxl

    from tests.support.cli import invoke

    def refuse(workbook, filename):
        raise OSError(errno.EROFS, "Read-only file system", str(filename))

    monkeypatch.setattr(openpyxl.Workbook, "save", refuse)
    target = tmp_path / "gabarit.xlsx"
    result = invoke("--quiet", "template", "--output", str(target))
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        f"Erreur : le classeur {target} n'a pas pu être écrit : système de fichiers en lecture seule.\n"
    )


def test_a_template_in_a_missing_folder_creates_it(tmp_path):
    from tests.support.cli import invoke

    target = tmp_path / "absent" / "gabarit.xlsx"
    result = invoke("--quiet", "template", "--output", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Gabarit écrit : {target}\n"
    assert target.is_file()


def test_a_configured_share_is_shown_as_configured_everywhere(tmp_path):
    # 0.855 was « 86 % » in the finding and « 85 % » in the template's instructions.
    import openpyxl

    from tests.support.builders import project, write_alliance
    from tests.support.checks import only
    from tests.support.cli import invoke

    path = write_alliance(
        tmp_path,
        {
            "OUEST": {
                "projects": [
                    project("OUE-2020-001", fqis={"2019-2020": 86000}, total_cost=100000, other_contributions=14000)
                ]
            }
        },
        alliance={"max_fqis_share": 0.855},
    )
    high = only(validate(path), "FQIS_SHARE_HIGH")
    assert "au-delà de la part de 85,5 % prévue" in high.message
    target = tmp_path / "gabarit.xlsx"
    assert invoke("--quiet", "template", "--config", str(path), "--output", str(target)).exit_code == 0
    instructions = [c.value for c in openpyxl.load_workbook(target)["Instructions"]["A"] if c.value]
    assert any("au-delà de 85,5 % du coût, un avertissement est émis" in line for line in instructions)
