"""Workbooks built to docs/gabarit.md by "someone else": this file knows only the spec.

It has its own builder (it does not import tests/support/builders.py nor any of sync's
internals) and talks to the tool only through its command line, as a coordinator
would. A clean three-committee alliance must validate with exit 0 and no error;
one planted fault for each finding code of docs/constats.md must be reported at its exact cell.
Written as a committee's own tooling would write them: openpyxl, so the FQIS total
is a `=SUM()` formula with no cached value; an instructions tab in front; money
sometimes typed as text, dates sometimes typed as `JJ/MM/AAAA` text.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import shutil
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from sync.cli import cli
from tests.support.builders import PAYMENT_HEADERS, project_headers
from tests.support.libreoffice import recalculate

# -- docs/gabarit.md, docs/configuration.md ------------------------------------------------------------

YEARS = ["2019-2020", "2020-2021", "2021-2022", "2022-2023"]
PROJECT_HEADERS = project_headers(YEARS)
COMMITTED = {"Accepté", "En cours", "Terminé"}

COMMITTEES = {
    "OUEST": (
        "Ouest de la Montérégie",
        2_600_000,
        [
            "Beauharnois-Salaberry",
            "Le Haut-Saint-Laurent",
            "Les Jardins-de-Napierville",
            "Roussillon",
            "Vaudreuil-Soulanges",
        ],
    ),
    "EST": (
        "Est de la Montérégie",
        3_900_000,
        [
            "Acton",
            "Brome-Missisquoi",
            "La Haute-Yamaska",
            "La Vallée-du-Richelieu",
            "Le Haut-Richelieu",
            "Les Maskoutains",
            "Marguerite-D'Youville",
            "Pierre-De Saurel",
            "Rouville",
        ],
    ),
    "LONGUEUIL": (
        "Agglomération de Longueuil",
        4_100_000,
        [
            "Agglomération de Longueuil",
            "Boucherville",
            "Brossard",
            "Longueuil — Le Vieux-Longueuil",
            "Longueuil — Greenfield Park",
            "Longueuil — Saint-Hubert",
            "Saint-Bruno-de-Montarville",
            "Saint-Lambert",
        ],
    ),
}


def letter(headers: list[str], header: str) -> str:
    index = headers.index(header)
    return chr(ord("A") + index)  # fewer than 26 columns


@dataclass
class Committee:
    code: str
    projects: list[dict] = field(default_factory=list)
    payments: list[dict] = field(default_factory=list)
    headers: list[str] = field(default_factory=lambda: list(PROJECT_HEADERS))
    payment_headers: list[str] = field(default_factory=lambda: list(PAYMENT_HEADERS))
    tabs: tuple[str, str] = ("Projets", "Versements")

    def add_project(
        self,
        pid,
        title,
        org,
        org_type,
        territory,
        priority,
        status,
        years,
        cost,
        *,
        approved=None,
        start=None,
        end=None,
        target=25,
        reached=None,
        notes="",
    ) -> dict:
        row = {
            "No projet": pid,
            "Titre du projet": title,
            "Organisme porteur": org,
            "Type d'organisme": org_type,
            "Territoire": territory,
            "Priorité": priority,
            "Statut": status,
            "Date d'approbation": approved,
            "Date de début": start,
            "Date de fin": end,
            "Coût total": cost,
            "Autres contributions": None,
            "Participants visés": target,
            "Participants rejoints": reached,
            "Notes": notes,
        }
        for year in YEARS:
            row[f"FQIS {year}"] = years.get(year)
        row["FQIS total"] = "SUM"  # the formula, written when saving
        self.projects.append(row)
        return row

    def add_payment(self, pid, day, amount, reference, note="") -> dict:
        row = {"No projet": pid, "Date du versement": day, "Montant": amount, "Référence": reference, "Note": note}
        self.payments.append(row)
        return row

    def project_cell(self, index: int, header: str) -> str:
        return f"{letter(self.headers, header)}{index + 2}"

    def payment_cell(self, index: int, header: str) -> str:
        return f"{letter(self.payment_headers, header)}{index + 2}"

    def save(self, path: Path) -> None:
        wb = openpyxl.Workbook()
        intro = wb.active
        intro.title = "Lisez-moi"
        intro["A1"] = f"Chiffrier du comité {self.code} — une ligne par projet, une ligne par versement."
        projets = wb.create_sheet(self.tabs[0])
        projets.append(self.headers)
        first, last = letter(self.headers, f"FQIS {YEARS[0]}"), letter(self.headers, f"FQIS {YEARS[-1]}")
        for r, row in enumerate(self.projects, start=2):
            values = []
            for header in self.headers:
                value = row.get(header)
                if header == "FQIS total" and value == "SUM":
                    value = f"=SUM({first}{r}:{last}{r})"
                values.append(value)
            projets.append(values)
        projets.freeze_panes = "A2"
        versements = wb.create_sheet(self.tabs[1])
        versements.append(self.payment_headers)
        for row in self.payments:
            versements.append([row.get(h) for h in self.payment_headers])
        wb.save(path)


def dollars(value) -> Decimal:
    """The amount a cell holds, as the spec reads it (numbers, or Québec text)."""
    if value is None:
        return Decimal(0)
    if isinstance(value, str):
        text = re.sub(r"[\s\u00a0\u202f$]", "", value).replace(",", ".")
        return Decimal(text)
    return Decimal(str(value))


def fqis_total(row: dict) -> Decimal:
    if row["FQIS total"] == "SUM":
        return sum((dollars(row[f"FQIS {y}"]) for y in YEARS), Decimal(0))
    return dollars(row["FQIS total"])


@dataclass
class Alliance:
    committees: dict[str, Committee]
    regional: Committee | None = None
    annual: dict[str, dict[str, float]] = field(default_factory=dict)

    def save(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "chiffriers").mkdir(exist_ok=True)
        lines = [
            "[alliance]",
            'name = "Alliance pour la solidarité en Montérégie"',
            'mandataire = "Table de concertation des préfets de la Montérégie (TCPM)"',
            'ministry = "MTESS"',
            'fund = "FQIS"',
            "envelope = 11800000",
            "period = { start = 2019-04-01, end = 2023-03-31 }",
            "max_fqis_share = 0.80",
            "nearly_used = 0.95",
            "",
            "[regional]",
            'name = "Réserve régionale (TCPM)"',
            "allocation = 1200000",
        ]
        if self.regional:
            self.regional.save(folder / "chiffriers" / "regional.xlsx")
            lines.append('source = { xlsx = "chiffriers/regional.xlsx" }')
        for code, committee in self.committees.items():
            name, allocation, territories = COMMITTEES[code]
            committee.save(folder / "chiffriers" / f"{code.lower()}.xlsx")
            lines += [
                "",
                "[[subregions]]",
                f'code = "{code}"',
                f'name = "{name}"',
                f"allocation = {allocation}",
                "territories = [" + ", ".join(f'"{t}"' for t in territories) + "]",
                f'source = {{ xlsx = "chiffriers/{code.lower()}.xlsx" }}',
            ]
            if code in self.annual:
                lines.append("annual = { " + ", ".join(f'"{y}" = {a}' for y, a in self.annual[code].items()) + " }")
        path = folder / "alliance.toml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    def committed(self, code: str) -> Decimal:
        committee = self.committees.get(code, self.regional)
        assert committee is not None
        paid: dict[str, Decimal] = {}
        for v in committee.payments:
            paid[v["No projet"]] = paid.get(v["No projet"], Decimal(0)) + dollars(v["Montant"])
        total = Decimal(0)
        for p in committee.projects:
            if p["Statut"] in COMMITTED:
                total += fqis_total(p)
            elif p["Statut"] == "Abandonné":
                total += paid.get(p["No projet"], Decimal(0))
        return total

    def paid(self, code: str) -> Decimal:
        return sum((dollars(v["Montant"]) for v in self.committees[code].payments), Decimal(0))


def clean_alliance() -> Alliance:
    d = dt.date
    ouest = Committee("OUEST")
    ouest.add_project(
        "OUE-2019-001",
        "Frigos solidaires",
        "Comptoir alimentaire de Châteauguay",
        "OBNL",
        "Roussillon",
        "Sécurité alimentaire",
        "Terminé",
        {"2019-2020": 60000, "2020-2021": 40000},
        180000,
        approved=d(2019, 5, 2),
        start=d(2019, 6, 1),
        end=d(2021, 3, 31),
        reached=310,
    )
    ouest.add_project(
        "OUE-2020-002",
        "Navette rurale vers les services",
        "MRC du Haut-Saint-Laurent",
        "Organisme municipal ou MRC",
        "Le Haut-Saint-Laurent",
        "Transport collectif",
        "En cours",
        {"2020-2021": 85000.5, "2021-2022": 90000, "2022-2023": 74999.5},
        "400 000,00 $",
        approved=d(2020, 4, 20),
        start="01/06/2020",
        end=d(2023, 3, 31),
        reached=120,
    )
    ouest.add_project(
        "OUE-2020-003",
        "Logements de transition pour jeunes",
        "Coopérative d'habitation L'Envol",
        "Coopérative sans but lucratif",
        "Vaudreuil-Soulanges",
        "Logement",
        "Accepté",
        {"2021-2022": 120000, "2022-2023": 80000},
        450000,
        approved=d(2021, 2, 10),
        start=d(2021, 4, 1),
        end=d(2023, 3, 31),
    )
    ouest.add_project(
        "OUE-2021-004",
        "Aide aux devoirs en milieu HLM",
        "Maison de la famille Beauharnois",
        "OBNL",
        "Beauharnois-Salaberry",
        "Réussite éducative et sociale",
        "En analyse",
        {"2022-2023": 45000},
        70000,
    )
    ouest.add_project(
        "OUE-2021-005",
        "Jardins nourriciers",
        "Centre d'entraide Napierville",
        "OBNL",
        "Les Jardins-de-Napierville",
        "Sécurité alimentaire",
        "Refusé",
        {"2021-2022": 30000},
        50000,
    )
    ouest.add_payment("OUE-2019-001", d(2019, 6, 15), 60000, "CHQ-1001", "Premier versement")
    ouest.add_payment("OUE-2019-001", "15/06/2020", "40 000,00 $", "CHQ-1022")
    ouest.add_payment("OUE-2020-002", d(2020, 6, 30), 85000.5, "CHQ-1030")
    ouest.add_payment("OUE-2020-002", d(2021, 6, 30), "45 000 $", "CHQ-1051")

    est = Committee("EST")
    est.add_project(
        "EST-2019-001",
        "Épicerie solidaire mobile",
        "Moisson Maskoutaine",
        "OBNL",
        "Les Maskoutains",
        "Sécurité alimentaire",
        "Terminé",
        {"2019-2020": 150000, "2020-2021": 150000},
        520000,
        approved=d(2019, 4, 30),
        start=d(2019, 5, 15),
        end=d(2021, 3, 31),
        target=800,
        reached=940,
    )
    est.add_project(
        "EST-2020-002",
        "Parcours vers l'emploi pour personnes immigrantes",
        "Carrefour jeunesse-emploi de la Haute-Yamaska",
        "OBNL",
        "La Haute-Yamaska",
        "Insertion socioprofessionnelle",
        "En cours",
        {"2020-2021": 110000, "2021-2022": 110000},
        "350000",
        approved=d(2020, 5, 1),
        start=d(2020, 9, 1),
        end="31/08/2022",
        reached=34,
    )
    est.add_project(
        "EST-2020-003",
        "Comité de locataires et salubrité",
        "Association des locataires de Granby",
        "OBNL",
        "La Haute-Yamaska",
        "Logement",
        "Abandonné",
        {"2020-2021": 40000, "2021-2022": 40000},
        120000,
        approved=d(2020, 6, 1),
        start=d(2020, 7, 1),
        end=d(2022, 6, 30),
    )
    est.add_project(
        "EST-2021-004",
        "Formation des bénévoles",
        "Corporation de développement communautaire Acton",
        "OBNL",
        "Acton",
        "Soutien à l'action communautaire",
        "Intention déposée",
        {"2022-2023": 25000},
        40000,
    )
    est.add_project(
        "EST-2021-005",
        "Transport solidaire pour aînés",
        "Cégep de Saint-Hyacinthe",
        "Centre de recherche ou établissement d'enseignement",
        "Rouville",
        "Transport collectif",
        "Accepté",
        {"2021-2022": 60000.25, "2022-2023": 60000},
        200000.25,
        approved=d(2021, 3, 1),
        start=d(2021, 4, 1),
        end=d(2023, 3, 31),
    )
    est.add_payment("EST-2019-001", d(2019, 6, 1), 150000, "VIR-2001")
    est.add_payment("EST-2019-001", d(2020, 6, 1), 150000, "VIR-2002")
    est.add_payment("EST-2020-003", d(2020, 8, 1), "12 345,67 $", "VIR-2003", "Projet abandonné en 2021")
    est.add_payment("EST-2020-002", 44105, 55000, "VIR-2004")  # a serial date: 2020-10-01

    longueuil = Committee("LONGUEUIL")
    longueuil.add_project(
        "LON-2019-001",
        "Cuisines collectives pour familles",
        "Regroupement des cuisines collectives de Longueuil",
        "OBNL",
        "Longueuil — Le Vieux-Longueuil",
        "Sécurité alimentaire",
        "En cours",
        {"2019-2020": 100000, "2020-2021": 100000, "2021-2022": 100000},
        500000,
        approved=d(2019, 6, 1),
        start=d(2019, 9, 1),
        end=d(2022, 8, 31),
        reached=75,
    )
    longueuil.add_project(
        "LON-2020-002",
        "Fonds de dépannage au loyer",
        "Office municipal d'habitation de Longueuil",
        "Organisme municipal ou MRC",
        "Agglomération de Longueuil",
        "Logement",
        "Terminé",
        {"2020-2021": 200000},
        300000,
        approved=d(2020, 4, 15),
        start=d(2020, 5, 1),
        end=d(2021, 3, 31),
        reached=180,
    )
    longueuil.add_project(
        "LON-2021-003",
        "Persévérance scolaire des 16-24 ans",
        "Communauté Kahnawà:ke",
        "Communauté autochtone",
        "Brossard",
        "Réussite éducative et sociale",
        "Accepté",
        {"2021-2022": 75000, "2022-2023": 75000},
        210000,
        approved=d(2021, 5, 1),
        start=d(2021, 9, 1),
        end=d(2023, 3, 31),
    )
    longueuil.add_project(
        "LON-2022-004",
        "Taxibus du soir",
        "Ville de Saint-Lambert",
        "Organisme municipal ou MRC",
        "Saint-Lambert",
        "Transport collectif",
        "En analyse",
        {"2022-2023": 90000},
        150000,
    )
    longueuil.add_payment("LON-2019-001", d(2019, 9, 15), 100000, "LON-V-01")
    longueuil.add_payment("LON-2019-001", d(2020, 9, 15), 100000, "LON-V-02")
    longueuil.add_payment("LON-2020-002", d(2020, 5, 15), "200 000,00 $", "LON-V-03")
    return Alliance({"OUEST": ouest, "EST": est, "LONGUEUIL": longueuil})


def validate(config: Path, fmt: str = "json"):
    result = CliRunner().invoke(cli, ["validate", "--config", str(config), "--format", fmt])
    assert "Traceback" not in result.output
    return result


def quebec(amount: Decimal) -> str:
    """2 600 000,00 $"""
    whole, cents = f"{amount:.2f}".split(".")
    groups: list[str] = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return " ".join(groups) + f",{cents} $"


# -- (a) a clean alliance ---------------------------------------------------------------


def test_clean_alliance_exit_0_no_error(tmp_path):
    alliance = clean_alliance()
    config = alliance.save(tmp_path)
    result = validate(config)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["findings"] == []
    # The JSON's committed cents are the hand-computed Decimal amounts, to the cent.
    committed = {line["code"]: line["committed"] for line in document["totals"]["lines"]}
    for code in COMMITTEES:
        assert committed[code] == {
            "cents": int(alliance.committed(code) * 100),
            "text": quebec(alliance.committed(code)),
        }, code
    text = validate(config, "text")
    assert text.exit_code == 0
    assert text.stdout.rstrip().endswith("Conforme — 0 erreur, 0 avertissement.")
    for code in COMMITTEES:
        line = next(line for line in text.stdout.splitlines() if line.strip().startswith(code + " "))
        assert re.search(rf"engagé\s+{re.escape(quebec(alliance.committed(code)))} sur", line), line
        assert line.endswith(f"versé {quebec(alliance.paid(code))}"), line


@pytest.mark.usefixtures("soffice")
def test_clean_alliance_recalculated_by_libreoffice_gives_the_same_result(tmp_path):
    """The same workbooks after a spreadsheet program saved them (cached formula values)."""
    alliance = clean_alliance()
    config = alliance.save(tmp_path)
    before = validate(config, "text").stdout
    folder = tmp_path / "chiffriers"
    for path in sorted(folder.glob("*.xlsx")):
        shutil.copy(recalculate(path, tmp_path / "recalcules"), path)
    cached = openpyxl.load_workbook(folder / "ouest.xlsx", data_only=True)["Projets"]
    assert cached["P3"].value == pytest.approx(250000)  # the SUM now has a cached value
    after = validate(config, "text")
    assert after.exit_code == 0
    strip = lambda text: [line for line in text.splitlines() if "validation du" not in line]  # noqa: E731
    assert strip(after.stdout) == strip(before)


def test_wrongly_declared_sheet_size_is_read_whole(tmp_path):
    """Some programs declare a sheet's size wrong; every row must still be read."""
    config = clean_alliance().save(tmp_path)
    path = tmp_path / "chiffriers" / "est.xlsx"
    tampered = tmp_path / "tampered.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(tampered, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:B2"/>', data)
            target.writestr(item, data)
    shutil.move(tampered, path)
    result = validate(config, "text")
    assert result.exit_code == 0, result.stdout
    line = next(line for line in result.stdout.splitlines() if line.strip().startswith("EST "))
    assert re.search(r"engagé\s+652 345,92 \$ sur", line), line


def test_prefilled_sum_formulas_on_empty_rows_are_not_projects(tmp_path):
    """A committee copied =SUM() down 200 rows; a spreadsheet program shows 0 there."""
    alliance = clean_alliance()
    config = alliance.save(tmp_path)
    path = tmp_path / "chiffriers" / "ouest.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb["Projets"]
    for r in range(ws.max_row + 1, 200):
        ws.cell(row=r, column=PROJECT_HEADERS.index("FQIS total") + 1, value=0)
    wb.save(path)
    result = validate(config)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["findings"] == []


# -- (b) one planted fault per code --------------------------------------------------------


def fault(code, severity="error"):
    def register(function):
        FAULTS.append(pytest.param(function, code, severity, id=code))
        return function

    return register


FAULTS: list = []


@fault("MISSING_TAB")
def renamed_payments_tab(a: Alliance):
    a.committees["EST"].tabs = ("Projets", "Paiements")
    return [("EST", "Versements", "", None, "", "« Versements » est introuvable")]


@fault("MISSING_COLUMN")
def renamed_priority_header(a: Alliance):
    c = a.committees["LONGUEUIL"]
    c.headers[c.headers.index("Priorité")] = "Thème"
    for p in c.projects:
        p["Thème"] = p.pop("Priorité")
    return [("LONGUEUIL", "Projets", "", 1, "", "La colonne « Priorité » est introuvable")]


@fault("MISSING_VALUE")
def empty_title(a: Alliance):
    c = a.committees["OUEST"]
    c.projects[1]["Titre du projet"] = None
    return [
        ("OUEST", "Projets", c.project_cell(1, "Titre du projet"), 3, "OUE-2020-002", "« Titre du projet » est vide")
    ]


@fault("INVALID_AMOUNT")
def unreadable_cost(a: Alliance):
    c = a.committees["EST"]
    c.projects[0]["Coût total"] = "environ 520 000 $"
    return [("EST", "Projets", c.project_cell(0, "Coût total"), 2, "EST-2019-001", "« environ 520 000 $ »")]


@fault("INVALID_DATE")
def unreadable_payment_date(a: Alliance):
    c = a.committees["LONGUEUIL"]
    c.payments[1]["Date du versement"] = "15 sept. 2020"
    return [
        (
            "LONGUEUIL",
            "Versements",
            c.payment_cell(1, "Date du versement"),
            3,
            "LON-2019-001",
            "date illisible « 15 sept. 2020 »",
        )
    ]


@fault("INVALID_NUMBER")
def participants_in_words(a: Alliance):
    c = a.committees["OUEST"]
    c.projects[0]["Participants visés"] = "une trentaine"
    return [("OUEST", "Projets", c.project_cell(0, "Participants visés"), 2, "OUE-2019-001", "« une trentaine »")]


@fault("UNKNOWN_VALUE")
def misspelt_priority(a: Alliance):
    c = a.committees["EST"]
    c.projects[2]["Priorité"] = "Logemnt"
    return [("EST", "Projets", c.project_cell(2, "Priorité"), 4, "EST-2020-003", "« Logement »")]


@fault("TERRITORY_OUTSIDE_SUBREGION")
def territory_of_another_subregion(a: Alliance):
    c = a.committees["OUEST"]
    c.projects[2]["Territoire"] = "Brossard"
    return [("OUEST", "Projets", c.project_cell(2, "Territoire"), 4, "OUE-2020-003", "« Brossard »")]


@fault("INELIGIBLE_ORGANIZATION")
def private_company(a: Alliance):
    c = a.committees["LONGUEUIL"]
    c.projects[1]["Type d'organisme"] = "Entreprise privée"
    return [("LONGUEUIL", "Projets", c.project_cell(1, "Type d'organisme"), 3, "LON-2020-002", "« Entreprise privée »")]


@fault("DUPLICATE_PROJECT_ID")
def id_used_by_another_committee(a: Alliance):
    c = a.committees["EST"]
    c.projects[3]["No projet"] = "OUE-2019-001"  # EST-2021-004 has no payment
    return [("EST", "Projets", c.project_cell(3, "No projet"), 5, "OUE-2019-001", "« OUE-2019-001 »")]


@fault("DATE_OUTSIDE_PERIOD")
def end_after_the_agreement(a: Alliance):
    c = a.committees["LONGUEUIL"]
    c.projects[0]["Date de fin"] = dt.datetime(2023, 6, 30)
    return [("LONGUEUIL", "Projets", c.project_cell(0, "Date de fin"), 2, "LON-2019-001", "2023-06-30")]


@fault("END_BEFORE_START")
def end_before_start(a: Alliance):
    c = a.committees["OUEST"]
    c.projects[2]["Date de fin"] = "31/03/2021"  # starts 2021-04-01
    return [("OUEST", "Projets", c.project_cell(2, "Date de fin"), 4, "OUE-2020-003", "2021-03-31")]


@fault("YEAR_SPLIT_MISMATCH")
def total_typed_over_the_years(a: Alliance):
    c = a.committees["EST"]
    c.projects[4]["FQIS total"] = 120001.25  # years: 60 000,25 + 60 000
    return [("EST", "Projets", c.project_cell(4, "FQIS total"), 6, "EST-2021-005", "écart de 1,00 $")]


@fault("FQIS_OVER_TOTAL_COST")
def cost_below_fqis(a: Alliance):
    c = a.committees["LONGUEUIL"]
    c.projects[1]["Coût total"] = 150000
    return [("LONGUEUIL", "Projets", c.project_cell(1, "FQIS total"), 3, "LON-2020-002", "150 000,00 $")]


@fault("FQIS_SHARE_HIGH", "warning")
def fqis_share_above_80(a: Alliance):
    c = a.committees["OUEST"]
    c.projects[2]["Coût total"] = 220000  # 200 000 $ of FQIS: 90,9 %
    return [("OUEST", "Projets", c.project_cell(2, "FQIS total"), 4, "OUE-2020-003", "90,9 %")]


@fault("PAYMENT_UNKNOWN_PROJECT")
def payment_to_an_unknown_project(a: Alliance):
    c = a.committees["EST"]
    c.add_payment("EST-2020-099", dt.date(2021, 1, 10), 5000, "VIR-2099")
    return [("EST", "Versements", c.payment_cell(4, "No projet"), 6, "EST-2020-099", "« EST-2020-099 »")]


@fault("PAYMENT_NOT_APPROVED")
def payment_to_a_project_in_analysis(a: Alliance):
    c = a.committees["OUEST"]
    c.add_payment("OUE-2021-004", dt.date(2022, 5, 1), 10000, "CHQ-1100")
    return [("OUEST", "Versements", c.payment_cell(4, "No projet"), 6, "OUE-2021-004", "« En analyse »")]


@fault("PAID_OVER_GRANTED")
def paid_more_than_granted(a: Alliance):
    c = a.committees["LONGUEUIL"]
    c.add_payment("LON-2020-002", dt.date(2021, 2, 1), "0,01 $", "LON-V-04")
    c.add_payment("LON-2020-002", dt.date(2021, 3, 1), 500, "LON-V-05")
    return [("LONGUEUIL", "Versements", c.payment_cell(3, "Montant"), 5, "LON-2020-002", "dépassement de 0,01 $")]


@fault("SUBREGION_ENVELOPE_EXCEEDED")
def subregion_over_its_allocation(a: Alliance):
    c = a.committees["EST"]
    c.add_project(
        "EST-2022-006",
        "Plateau de travail en cuisine",
        "Cuisine-atelier de Sorel",
        "OBNL",
        "Pierre-De Saurel",
        "Insertion socioprofessionnelle",
        "Accepté",
        {"2021-2022": 1_500_000, "2022-2023": 1_747_654.09},
        6_000_000,
        approved=dt.date(2021, 6, 1),
        start=dt.date(2021, 7, 1),
        end=dt.date(2023, 3, 31),
    )
    # EST committed 652 345,92 $ before; now 3 900 000,01 $.
    return [("EST", "Projets", "", None, "", "(3 900 000,01 $) dépasse son allocation de 3 900 000,00 $")]


@fault("ANNUAL_ENVELOPE_EXCEEDED")
def year_over_its_annual_amount(a: Alliance):
    a.annual["OUEST"] = {"2019-2020": 59999.99, "2020-2021": 900000}
    return [("OUEST", "Projets", "", None, "", "durant l'exercice 2019-2020 (60 000,00 $)")]


@fault("ALLIANCE_ENVELOPE_EXCEEDED")
def alliance_over_its_envelope(a: Alliance):
    regional = Committee("REGION")
    regional.add_project(
        "REG-2020-001",
        "Coordination régionale de l'Alliance",
        "Table de concertation des préfets de la Montérégie",
        "Organisme municipal ou MRC",
        "Régional",
        "Soutien à l'action communautaire",
        "En cours",
        {"2020-2021": 3_000_000, "2021-2022": 3_000_000, "2022-2023": 3_000_000},
        15_000_000,
        approved=dt.date(2020, 4, 1),
        start=dt.date(2020, 4, 1),
        end=dt.date(2023, 3, 31),
    )
    regional.add_project(
        "REG-2021-002",
        "Observatoire régional de la pauvreté",
        "Université de Sherbrooke",
        "Centre de recherche ou établissement d'enseignement",
        "Les Maskoutains",
        "Réussite éducative et sociale",
        "Accepté",
        {"2021-2022": 1_000_000},
        1_500_000,
        approved=dt.date(2021, 4, 1),
        start=dt.date(2021, 4, 1),
        end=dt.date(2023, 3, 31),
    )
    a.regional = regional  # 10 000 000 $ + 1 852 345,92 $ of the sub-regions
    return [
        ("ALLIANCE", "Projets", "", None, "", "réserve régionale comprise"),
        ("REGION", "Projets", "", None, "", "dépasse son allocation de 1 200 000,00 $"),
    ]


@fault("SUBREGION_ENVELOPE_NEARLY_USED", "warning")
def subregion_nearly_used(a: Alliance):
    c = a.committees["OUEST"]
    c.add_project(
        "OUE-2022-006",
        "Épicerie solidaire",
        "Comptoir alimentaire de Salaberry",
        "OBNL",
        "Beauharnois-Salaberry",
        "Sécurité alimentaire",
        "En cours",
        {"2020-2021": 200_000, "2021-2022": 1_000_000, "2022-2023": 720_000},
        3_000_000,
        approved=dt.date(2020, 6, 1),
        start=dt.date(2020, 7, 1),
        end=dt.date(2023, 3, 31),
    )
    # OUEST committed 550 000 $ before; now 2 470 000 $, exactly 95 % of 2 600 000 $.
    return [("OUEST", "Projets", "", None, "", "(95,0 %)")]


def test_every_code_but_source_unavailable_has_a_planted_fault():
    catalogue = {
        "MISSING_TAB",
        "MISSING_COLUMN",
        "MISSING_VALUE",
        "INVALID_AMOUNT",
        "INVALID_DATE",
        "INVALID_NUMBER",
        "UNKNOWN_VALUE",
        "TERRITORY_OUTSIDE_SUBREGION",
        "INELIGIBLE_ORGANIZATION",
        "DUPLICATE_PROJECT_ID",
        "DATE_OUTSIDE_PERIOD",
        "END_BEFORE_START",
        "YEAR_SPLIT_MISMATCH",
        "FQIS_OVER_TOTAL_COST",
        "FQIS_SHARE_HIGH",
        "PAYMENT_UNKNOWN_PROJECT",
        "PAYMENT_NOT_APPROVED",
        "PAID_OVER_GRANTED",
        "SUBREGION_ENVELOPE_EXCEEDED",
        "ANNUAL_ENVELOPE_EXCEEDED",
        "ALLIANCE_ENVELOPE_EXCEEDED",
        "SUBREGION_ENVELOPE_NEARLY_USED",
    }  # docs/constats.md
    assert {p.values[1] for p in FAULTS} == catalogue


@pytest.mark.parametrize("plant, code, severity", FAULTS)
def test_planted_fault_is_reported_at_its_cell(tmp_path, plant, code, severity):
    alliance = copy.deepcopy(clean_alliance())
    expected = plant(alliance)
    result = validate(alliance.save(tmp_path))
    findings = json.loads(result.stdout)["findings"]
    assert result.exit_code == (1 if severity == "error" else 0), result.stdout
    found = [f for f in findings if f["code"] == code]
    assert len(found) == 1, findings
    (f,) = found
    committee, sheet, cell, row, project_id, fragment = expected[0]
    assert (f["severity"], f["committee"], f["sheet"], f["cell"], f["row"], f["project_id"]) == (
        severity,
        committee,
        sheet,
        cell,
        row,
        project_id,
    )
    assert fragment in f["message"]
    # Nothing else is reported but what the fault itself implies.
    others = [(g["committee"], g["code"]) for g in findings if g is not f]
    implied = [(c, g["code"]) for c, *_ in expected[1:] for g in findings if g["committee"] == c and g is not f]
    assert sorted(others) == sorted(implied), findings
    for committee, sheet, cell, _row, _project_id, fragment in expected[1:]:
        assert any(
            g["committee"] == committee and g["sheet"] == sheet and g["cell"] == cell and fragment in g["message"]
            for g in findings
        ), findings
