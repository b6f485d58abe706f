"""`run --export DIR`: the workbook's figures as tidy CSV files (sync/outputs/export.py).

The CSV totals equal the workbook's (its stored results), pandas reads them back
exactly, and committee text cannot run as a formula when a spreadsheet opens them.
"""

from __future__ import annotations

from decimal import Decimal

import pandas
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from sync.cli import cli
from sync.outputs.export import FILES, MANIFEST, PAYMENT_COLUMNS, PROJECT_COLUMNS, amount, export_csv, protect
from sync.outputs.ministry import write_ministry_workbook
from tests.support import ministry as mf
from tests.support.checks import validate
from tests.support.libreoffice import convert


def cents(value) -> int:
    return int((Decimal(str(value)) * 100).to_integral_value())


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("alliance")
    report = validate(mf.build(folder))
    workbook = write_ministry_workbook(report, folder / "rapport.xlsx")
    export_csv(report, folder / "csv")
    return report, workbook, folder / "csv"


def read(folder, name: str, **options) -> pandas.DataFrame:
    return pandas.read_csv(folder / name, encoding="utf-8", keep_default_na=False, **options)


def test_four_files_in_rfc_4180_utf8(exported):
    _, _, folder = exported
    assert sorted(p.name for p in folder.iterdir()) == sorted([*FILES, MANIFEST])
    raw = (folder / "projets.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")  # UTF-8 without BOM
    lines = raw.decode("utf-8").split("\r\n")
    assert lines[0] == ",".join(PROJECT_COLUMNS) and lines[-1] == ""
    assert "\n" not in raw.decode("utf-8").replace("\r\n", "")
    first = lines[1]
    # Amounts: dot decimal, no thousands separator; dates ISO.
    assert first.startswith("Alliance pour la solidarité du Haut-Pays & des Rivières,NORD,N-1,")
    assert ",2024-05-01,2024-06-01,2026-03-31,1000000.00,150000.55,250000.00," in first


def test_csv_totals_equal_the_workbook(exported):
    report, workbook, folder = exported
    sommaire = {
        row[0]: row for row in load_workbook(workbook, data_only=True)["Sommaire"].iter_rows(values_only=True) if row[0]
    }
    totals = read(folder, "totaux.csv", dtype={"valeur": str, "exercice": str})
    whole = totals[totals["exercice"] == ""]
    for line in report.totals.lines:
        mine = whole[whole["ligne"] == line.code].set_index("mesure")["valeur"]
        row = sommaire[line.code]
        assert cents(mine["engage"]) == cents(row[3]) == line.committed
        assert cents(mine["verse"]) == cents(row[4])
        assert cents(mine["solde_non_engage"]) == cents(row[5])
        assert int(mine["projets_engages"]) == row[7]
        assert cents(mine["demandes_en_analyse"]) == cents(row[9])
    # The projects and payments add up to the same figures.
    projects = read(folder, "projets.csv", dtype={"fqis_engage": str, "ligne": str})
    included = projects[projects["inclus"] == "oui"]
    by_line = included.groupby("ligne")["fqis_engage"].apply(lambda s: sum(cents(v) for v in s))
    assert by_line.to_dict() == {"NORD": 39934623, "SUD": 39999999, "REGION": 10000000}
    payments = read(folder, "versements.csv", dtype={"montant": str})
    paid = sum(cents(v) for v in payments[payments["inclus"] == "oui"]["montant"])
    assert paid == report.totals.paid == 41367956
    # By fiscal year, as Par année shows them.
    yearly = totals[(totals["exercice"] == "2024-2025") & (totals["mesure"] == "verse")]
    assert [cents(v) for v in yearly["valeur"]] == [6234622, 15000000, 0]


def test_pandas_reads_amounts_and_dates_back_exactly(exported):
    _, _, folder = exported
    projects = read(folder, "projets.csv", parse_dates=["date_approbation"])
    n1 = projects[(projects["no_projet"] == "N-1") & (projects["ligne"] == "NORD")].iloc[0]
    assert n1["fqis_total"] == 150000.55 and n1["cout_total"] == 1000000
    assert projects["fqis_total"].dtype == "float64"
    assert n1["date_approbation"] == pandas.Timestamp("2024-05-01")
    payments = read(folder, "versements.csv")
    assert payments["montant"].tolist() == [
        50000.55,
        12345.67,
        20000,
        1000,
        1000,
        7000.01,
        150000,
        100000,
        33333.33,
        40000,
    ]
    assert payments["exercice"].tolist()[:5] == ["2024-2025", "2024-2025", "2025-2026", "2024-2025", ""]
    findings = read(folder, "constats.csv")
    assert len(findings) == 6 and set(findings["gravite"]) == {"erreur"}


def test_committee_text_cannot_become_a_formula(exported):
    _, _, folder = exported
    projects = read(folder, "projets.csv", dtype=str)
    n1 = projects[(projects["no_projet"] == "N-1") & (projects["ligne"] == "NORD")].iloc[0]
    assert n1["titre"] == "'" + mf.FORMULA_TITLE
    assert n1["organisme"] == "'" + mf.PHONE and n1["notes"] == "'" + mf.AT_SUM
    assert projects[projects["no_projet"] == "N-2"].iloc[0]["titre"] == "'" + mf.MINUS
    payments = read(folder, "versements.csv", dtype=str)
    assert payments["reference"].tolist()[0] == "'" + mf.FORMULA_REFERENCE
    # Nothing in any file starts a field with a formula character.
    for name in FILES:
        frame = read(folder, name, dtype=str)
        for column in frame.columns:
            assert not frame[column].str.match(r"^[=+\-@\t\r]").any(), (name, column)
    assert PAYMENT_COLUMNS[5] == "montant"


def test_amounts_and_protection_in_detail():
    assert [str(amount(c)) for c in (0, 5, 15000055, -12345, 100000000000000)] == [
        "0.00",
        "0.05",
        "150000.55",
        "-123.45",
        "1000000000000.00",
    ]
    assert amount(None) is None
    assert [protect(t) for t in ("=1+1", "+1", "-5", "@A1", "\tx", "\rx", "Logement", "")] == [
        "'=1+1",
        "'+1",
        "'-5",
        "'@A1",
        "'\tx",
        "'\rx",
        "Logement",
        "",
    ]


def test_run_export_writes_the_files_and_says_so(tmp_path, monkeypatch):
    config = mf.build(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["run", "--config", str(config), "--output", "rapport.xlsx", "--export", "export"])
    assert result.exit_code == 1, result.output  # the alliance has errors
    assert result.stdout.splitlines()[-1] == (
        "Exportation CSV écrite dans export : projets.csv, versements.csv, constats.csv, totaux.csv, evolution.csv."
    )
    assert sorted(p.name for p in (tmp_path / "export").iterdir()) == sorted([*FILES, MANIFEST])


def test_an_export_folder_that_cannot_be_created_is_a_french_error(tmp_path, monkeypatch):
    config = mf.build(tmp_path)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "fichier").write_text("pas un dossier")
    result = CliRunner().invoke(
        cli, ["run", "--config", str(config), "--output", "rapport.xlsx", "--export", "fichier/export"]
    )
    assert result.exit_code == 2
    assert result.stderr.endswith(
        "le dossier d'exportation fichier/export n'a pas pu être créé : un élément du chemin n'est pas un dossier.\n"
    )
    assert "Traceback" not in result.output


# As docs/classeur-ministere.md (« Ouvrir un CSV dans un tableur ») tells a person to
# import it in LibreOffice: comma, quote, UTF-8 (76), from line 1, English (Canada) (4105).
PERSON_IMPORT = "CSV:44,34,76,1,,4105"
FRENCH_IMPORT = "CSV:44,34,76,1,,3084"  # the same, with the language left at French (Canada)


@pytest.mark.usefixtures("soffice")
def test_a_person_imports_totaux_csv_as_the_docs_say_accents_and_amounts_intact(exported, tmp_path):
    """In a French session, the import the docs describe gives one column per field,
    the accents whole and every amount a number, to the cent; left in French, the
    language of the import reads 2600000.00 as text: the docs say why to pick English."""
    _, _, folder = exported
    expected = read(folder, "totaux.csv", dtype=str)
    imported = convert(folder / "totaux.csv", "xlsx", tmp_path / "anglais", "fr_CA.UTF-8", infilter=PERSON_IMPORT)
    rows = [[c.value for c in row] for row in load_workbook(imported).active.iter_rows()]
    assert rows[0] == list(expected.columns)
    assert len(rows) - 1 == len(expected)
    for row, (_, want) in zip(rows[1:], expected.iterrows(), strict=True):
        assert row[0] == want["alliance"] and "é" in row[0]  # Montérégie, not MontÃ©rÃ©gie
        assert (row[1], row[2] or "", row[3]) == (want["ligne"], want["exercice"], want["mesure"])
        assert isinstance(row[4], (int, float)) and cents(row[4]) == cents(want["valeur"])
    french = convert(folder / "totaux.csv", "xlsx", tmp_path / "francais", "fr_CA.UTF-8", infilter=FRENCH_IMPORT)
    amounts = [row[4].value for row in load_workbook(french).active.iter_rows(min_row=2)]
    decimals = [value for value, want in zip(amounts, expected["valeur"], strict=True) if "." in want]
    assert decimals and all(isinstance(value, str) for value in decimals)


# ---------------------------------------------------------------- paths the tests never took (issue 23)


def test_an_abandoned_project_is_exported_committed_for_what_was_paid_in_the_years_paid(tmp_path):
    """OUEST's only project is Abandonné (60 000 $ of FQIS planned), paid 1 234,56 $ on
    2020-03-31 and 10 000 $ on 2020-04-01: committed for 11 234,56 $, in each fiscal year
    for what was paid in it, nothing planned."""
    import datetime as dt

    from tests.support.builders import payment, project
    from tests.support.history import Alliance

    payments = [
        payment("OUE-2020-001", date=dt.date(2020, 3, 31), amount="1 234,56 $", reference="V-1"),
        payment("OUE-2020-001", date=dt.date(2020, 4, 1), amount=10000, reference="V-2"),
    ]
    alliance = Alliance(tmp_path, {"OUEST": {"projects": [project(status="Abandonné")], "payments": payments}})
    result = alliance.cli("run", "--export", str(tmp_path / "csv"))
    assert result.exit_code == 0, result.output
    name = "Alliance pour la solidarité en Montérégie"

    def ouest(file: str) -> list[str]:
        rows = (tmp_path / "csv" / file).read_bytes().decode("utf-8").split("\r\n")
        return [row.removeprefix(f"{name},") for row in rows if row.startswith(f"{name},OUEST,")]

    assert ouest("projets.csv") == [
        "OUEST,OUE-2020-001,Projet OUE-2020-001,Centre d'entraide régional,OBNL,Roussillon,Sécurité alimentaire,"
        "Abandonné,2019-05-15,2019-06-01,2021-03-31,100000.00,60000.00,40000.00,20,15,11234.56,Abandonné,11234.56,"
        "oui,Projets,2,"
    ]
    assert ouest("totaux.csv") == [
        "OUEST,,allocation,2600000.00",
        "OUEST,,engage,11234.56",
        "OUEST,,verse,11234.56",
        "OUEST,,solde_non_engage,2588765.44",
        "OUEST,,projets_engages,1",
        "OUEST,,autres_contributions,40000.00",
        "OUEST,,demandes_en_analyse,0.00",
        "OUEST,2019-2020,fqis_prevu,0.00",
        "OUEST,2019-2020,engage,1234.56",
        "OUEST,2019-2020,verse,1234.56",
        "OUEST,2020-2021,fqis_prevu,0.00",
        "OUEST,2020-2021,engage,10000.00",
        "OUEST,2020-2021,verse,10000.00",
        *(
            f"OUEST,{year},{measure},0.00"
            for year in ("2021-2022", "2022-2023")
            for measure in ("fqis_prevu", "engage", "verse")
        ),
    ]
