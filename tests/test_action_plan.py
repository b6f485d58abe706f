"""Each sub-region's action plan (`priorities` in `[[subregions]]`) and its support
organisation (`support`): the configuration, and the rule PRIORITY_OUTSIDE_PLAN at
the Priorité cell (column F of the builders' Projets tab)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sync.cli import cli
from sync.config import load_config
from sync.config.monteregie import PRIORITIES
from tests.support.builders import payment, project, write_alliance, write_config
from tests.support.checks import only, validate

ALLIANCE_LIST = (
    "Sécurité alimentaire, Logement, Réussite éducative et sociale, Transport collectif, "
    "Insertion socioprofessionnelle, Soutien à l'action communautaire"
)
# Typed out of order, in another case and without accents: read as the Alliance writes them.
OUEST_PLAN = ["transport collectif", "SECURITE ALIMENTAIRE"]


# --------------------------------------------------------------------------
# Configuration


def test_a_plan_is_read_in_the_alliances_order_and_spelling(tmp_path):
    config = load_config(
        write_config(tmp_path, overrides={"OUEST": {"priorities": OUEST_PLAN, "support": " Concertation Horizon "}})
    )
    ouest, est = config.committee("OUEST"), config.committee("EST")
    assert ouest.priorities == ("Sécurité alimentaire", "Transport collectif")
    assert ouest.support == "Concertation Horizon"
    # Without `priorities`, the plan is the Alliance's whole list; without `support`, None.
    assert est.priorities == PRIORITIES == config.priorities
    assert est.support is None
    assert (config.regional.priorities, config.regional.support) == (PRIORITIES, None)


def test_a_plan_follows_the_alliances_own_list(tmp_path):
    path = write_config(
        tmp_path, alliance={"priorities": ["Logement", "Mobilité"]}, overrides={"EST": {"priorities": ["Mobilité"]}}
    )
    config = load_config(path)
    assert config.committee("EST").priorities == ("Mobilité",)
    assert config.committee("OUEST").priorities == ("Logement", "Mobilité")


def config_error(path: Path) -> str:
    result = CliRunner().invoke(cli, ["validate", "--config", str(path)])
    assert result.exit_code == 2, result.output
    assert result.stdout == "" and "Traceback" not in result.output
    return result.stderr


def test_an_unknown_axis_is_a_configuration_error_with_a_suggestion(tmp_path):
    path = write_config(tmp_path, overrides={"EST": {"priorities": ["Logement", "Transport colectif"]}})
    assert config_error(path) == (
        f"Erreur : Configuration invalide (fichier {path}, clé « subregions[2].priorities ») : "
        f"priorité inconnue « Transport colectif ». Vouliez-vous dire « Transport collectif » ? "
        f"Priorités de l'Alliance : {ALLIANCE_LIST}\n"
    )


def test_an_axis_with_nothing_close_names_the_alliances_list(tmp_path):
    path = write_config(
        tmp_path, alliance={"priorities": ["Logement", "Mobilité"]}, overrides={"OUEST": {"priorities": ["Culture"]}}
    )
    assert config_error(path).endswith(
        "clé « subregions[1].priorities ») : priorité inconnue « Culture ». "
        "Priorités de l'Alliance : Logement, Mobilité\n"
    )


@pytest.mark.parametrize(
    "override, key, detail",
    [
        ({"priorities": []}, "subregions[1].priorities", "au moins une valeur est requise"),
        ({"priorities": ["Logement", 3]}, "subregions[1].priorities", "une liste de textes est attendue"),
        ({"support": ""}, "subregions[1].support", "un texte non vide est attendu, lu : ''"),
        (
            {"support": ["Concertation Horizon"]},
            "subregions[1].support",
            "un texte non vide est attendu, lu : ['Concertation Horizon']",
        ),
    ],
)
def test_wrong_plan_or_support_names_its_key(tmp_path, override, key, detail):
    path = write_config(tmp_path, overrides={"OUEST": override})
    assert config_error(path) == f"Erreur : Configuration invalide (fichier {path}, clé « {key} ») : {detail}\n"


# --------------------------------------------------------------------------
# The rule


def ouest_with_plan(tmp_path, projects, payments=(), plan=OUEST_PLAN, **workbooks):
    return validate(
        write_alliance(
            tmp_path,
            {"OUEST": {"projects": projects, "payments": list(payments)}, **workbooks},
            overrides={"OUEST": {"priorities": plan}},
        )
    )


def test_a_priority_outside_the_plan_is_an_error_at_its_cell_and_stays_counted(tmp_path):
    report = ouest_with_plan(
        tmp_path,
        [project("OUE-2020-001", priority="Transport collectif"), project("OUE-2020-002", priority="logement")],
        [payment("OUE-2020-002", amount=25000)],
    )
    f = only(report, "PRIORITY_OUTSIDE_PLAN")
    assert (f.severity, f.committee, f.sheet, f.cell, f.row, f.project_id) == (
        "error",
        "OUEST",
        "Projets",
        "F3",
        3,
        "OUE-2020-002",
    )
    assert (f.field, f.values) == (
        "priority",
        {
            "column": "Priorité",
            "value": "Logement",
            "own": "Ouest de la Montérégie",
            "own_regional": False,
            "allowed": ["Sécurité alimentaire", "Transport collectif"],
        },
    )  # the plan, as the Alliance writes it
    assert report.findings == [f]
    # The money is real: both projects count, the one outside the plan under its own axis.
    line = report.totals.line("OUEST")
    assert (line.committed, line.paid, line.projects_committed) == (12_000_000, 2_500_000, 2)
    assert sorted((p.priority, p.counted, p.fqis_total) for p in report.workbooks["OUEST"].projects) == [
        ("Logement", True, 6_000_000),
        ("Transport collectif", True, 6_000_000),
    ]


def test_a_subregion_without_a_plan_takes_every_axis_of_the_alliance(tmp_path):
    est = {"projects": [project(f"EST-2020-00{i}", priority=p) for i, p in enumerate(PRIORITIES, start=1)]}
    report = ouest_with_plan(tmp_path, [project("OUE-2020-001")], EST=est)
    assert report.findings == []
    assert report.totals.line("EST").projects_committed == len(PRIORITIES)


def test_an_unknown_priority_is_unknown_not_outside_the_plan(tmp_path):
    report = ouest_with_plan(tmp_path, [project("OUE-2020-001", priority="Logemnt")])
    f = only(report, "UNKNOWN_VALUE")
    assert (f.cell, f.field) == ("F2", "priority")
    assert f.values == {
        "column": "Priorité",
        "value": "Logemnt",
        "closest": "Logement",
        "allowed": ALLIANCE_LIST.split(", "),
    }
    assert report.findings == [f]


def test_a_missing_priority_names_the_plans_axes(tmp_path):
    report = ouest_with_plan(tmp_path, [project("OUE-2020-001", priority=None)])
    f = only(report, "MISSING_VALUE")
    assert (f.cell, f.field) == ("F2", "priority")
    assert f.values == {
        "column": "Priorité",
        "expected": "priority",
        "allowed": ["Sécurité alimentaire", "Transport collectif"],
    }
    assert report.findings == [f]


def test_the_regional_line_takes_every_axis_of_the_alliance(tmp_path):
    regional = {"projects": [project("REG-2020-001", priority="Logement")]}
    path = write_alliance(
        tmp_path,
        {"REGION": regional},
        regional={"source": {"xlsx": "regional.xlsx"}},
        overrides={code: {"priorities": ["Sécurité alimentaire"]} for code in ("OUEST", "EST", "LONGUEUIL")},
    )
    report = validate(path)
    assert report.findings == []
    assert report.totals.line("REGION").committed == 6_000_000


# --------------------------------------------------------------------------
# The committee's e-mail names its support organisation


def test_the_committees_email_names_its_support_organisation(tmp_path, monkeypatch):
    from sync.config.delivery import PASSWORD_ENV
    from tests.support.delivery import CONTACTS, PASSWORD, USER, DeliveryAlliance
    from tests.support.smtp_server import SmtpServer

    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    with SmtpServer(user=USER, password=PASSWORD) as smtp:
        alliance = DeliveryAlliance(tmp_path, smtp.port, drive=False)
        text = alliance.config.read_text(encoding="utf-8")
        contact = f'contact = "{CONTACTS["EST"]}"\n'
        alliance.config.write_text(
            text.replace(contact, contact + 'support = "Concertation Horizon"\n'), encoding="utf-8"
        )
        result = alliance.cli("run", "--deliver")
        assert result.exit_code == 1, result.output  # EST's errors
        [message] = [m for m in smtp.messages if m.rcpt_tos == [CONTACTS["EST"]]]
    lines = message.body.splitlines()
    assert lines[2].endswith(
        "sur le chiffrier du comité Est de la Montérégie (EST) — Alliance pour la solidarité en Montérégie."
    )
    assert lines[3:6] == [
        "Votre comité est accompagné par Concertation Horizon.",
        "",
        "Bilan : 2 erreurs à corriger, 0 avertissement.",
    ]


# --------------------------------------------------------------------------
# The ministry workbook: each plan in « Par priorité », each support on the Sommaire


def ministry_workbook(report, path: Path):
    from openpyxl import load_workbook

    from sync.outputs.ministry import write_ministry_workbook

    return load_workbook(write_ministry_workbook(report, path))


def demo_workbook(tmp_path):
    from sync.pipeline import build_report
    from sync.resources import demo_config

    return ministry_workbook(build_report(load_config(demo_config())), tmp_path / "demo.xlsx")


def sheet_rows(ws) -> dict[str, tuple]:
    """Rows by their first cell (cells, not values: styles are checked too)."""
    return {row[0].value: row for row in ws.iter_rows() if row[0].value is not None}


GREY = "FF808080"  # excluded_text of templates/rapport-ministere.toml


def greyed(cell) -> bool:
    return cell.font.color is not None and cell.font.color.rgb == GREY and cell.font.i


def test_par_priorite_marks_which_axes_are_in_each_subregions_plan(tmp_path):
    # The demo: OUEST's plan has five of the Alliance's six axes.
    ws = demo_workbook(tmp_path)["Par priorité"]
    rows = sheet_rows(ws)
    assert [c.value for c in rows["Priorité"]] == [
        "Priorité",
        "OUEST",
        "EST",
        "LONGUEUIL",
        "Total engagé",
        "Projets engagés",
        "Part de l'engagé",
        "Demandes en analyse",
        "Dans le plan de",
    ]
    plans = {label: row[8].value for label, row in rows.items() if label in PRIORITIES}
    assert plans == {
        **{axis: "Toutes les sous-régions" for axis in PRIORITIES[:5]},
        "Soutien à l'action communautaire": "EST, LONGUEUIL",
    }
    assert rows["Autre valeur ou vide (hors de la liste)"][8].value is None
    assert rows["Total"][8].value is None
    # In the amounts, OUEST's cell of the axis outside its plan is greyed, and only that one.
    marked = [
        (label, ws.cell(4, cell.column).value)
        for label, row in rows.items()
        if label in PRIORITIES
        for cell in row[1:4]
        if greyed(cell)
    ]
    assert marked == [("Soutien à l'action communautaire", "OUEST")]
    assert ws["A2"].value.endswith("En gris : un axe absent du plan d'action de la sous-région.")


def test_an_axis_outside_every_plan_is_marked_and_its_money_still_shown(tmp_path):
    plan = {"priorities": ["Sécurité alimentaire", "Logement"]}
    path = write_alliance(
        tmp_path,
        {
            "OUEST": {"projects": [project("OUE-2020-001", priority="Soutien à l'action communautaire")]},
            "REGION": {"projects": [project("REG-2020-001", priority="Soutien à l'action communautaire")]},
        },
        regional={"source": {"xlsx": "regional.xlsx"}},
        overrides={"OUEST": plan, "EST": {"priorities": ["Logement"]}, "LONGUEUIL": plan},
    )
    report = validate(path)
    assert only(report, "PRIORITY_OUTSIDE_PLAN").cell == "F2"
    ws = ministry_workbook(report, tmp_path / "rapport.xlsx")["Par priorité"]
    rows = sheet_rows(ws)
    assert [c.value for c in rows["Priorité"]][1:5] == ["OUEST", "EST", "LONGUEUIL", "REGION"]
    soutien = rows["Soutien à l'action communautaire"]
    assert soutien[9].value == "Aucune sous-région (hors de tous les plans)"
    assert soutien[9].fill.fgColor.rgb == "FFFFEB9C"  # the warning colour of the template
    assert [greyed(c) for c in soutien[1:5]] == [True, True, True, False]  # the regional line has no plan
    assert rows["Logement"][9].value == "Toutes les sous-régions"
    assert rows["Sécurité alimentaire"][9].value == "OUEST, LONGUEUIL"
    assert [greyed(c) for c in rows["Sécurité alimentaire"][1:5]] == [False, True, False, False]
    # The money is real: OUEST's and the regional line's 60 000,00 $ each, under the axis.
    stored = sheet_rows(load_workbook_values(tmp_path / "rapport.xlsx")["Par priorité"])
    assert [c.value for c in stored["Soutien à l'action communautaire"][1:6]] == [60000, 0, 0, 60000, 120000]


def load_workbook_values(path: Path):
    from openpyxl import load_workbook

    return load_workbook(path, data_only=True)


def test_the_sommaire_names_each_subregions_support_organisation(tmp_path):
    ws = demo_workbook(tmp_path)["Sommaire"]
    rows = sheet_rows(ws)
    assert rows["Code"][12].value == "Organisme d'accompagnement"
    assert {code: rows[code][12].value for code in ("OUEST", "EST", "LONGUEUIL", "REGION")} == {
        "OUEST": "Concertation Horizon",
        "EST": "Concertation Horizon",
        "LONGUEUIL": "Ville de Longueuil (Bureau de développement social et communautaire)",
        "REGION": None,
    }
    assert rows["LONGUEUIL"][12].alignment.wrap_text
    # The cover note spans the new column too.
    note = next(r for r in ws.merged_cells.ranges if ws.cell(r.min_row, 1).value.startswith("Tous les totaux"))
    assert (note.min_col, note.max_col) == (1, 13)


def test_without_any_support_the_sommaire_has_no_support_column(tmp_path):
    from sync.outputs.ministry.summary import SUMMARY_HEADERS

    only_est = validate(write_alliance(tmp_path, overrides={"EST": {"support": "Concertation Horizon"}}))
    rows = sheet_rows(ministry_workbook(only_est, tmp_path / "est.xlsx")["Sommaire"])
    assert [rows[code][12].value for code in ("OUEST", "EST", "LONGUEUIL")] == [None, "Concertation Horizon", None]
    none = validate(write_alliance(tmp_path / "aucun"))
    wb = ministry_workbook(none, tmp_path / "aucun.xlsx")
    rows = sheet_rows(wb["Sommaire"])
    assert [c.value for c in rows["Code"]] == SUMMARY_HEADERS
    # Without plans, every axis is in every sub-region's.
    plans = [row[8].value for label, row in sheet_rows(wb["Par priorité"]).items() if label in PRIORITIES]
    assert plans == ["Toutes les sous-régions"] * len(PRIORITIES)


def test_the_ministrys_email_names_each_subregions_support_organisation(tmp_path, monkeypatch):
    from sync.config.delivery import PASSWORD_ENV
    from tests.support.delivery import MINISTRY, PASSWORD, USER, DeliveryAlliance
    from tests.support.smtp_server import SmtpServer

    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    with SmtpServer(user=USER, password=PASSWORD) as smtp:
        alliance = DeliveryAlliance(tmp_path, smtp.port, drive=False)
        text = alliance.config.read_text(encoding="utf-8")
        for code, support in (
            ("OUEST", "Concertation Horizon"),
            ("LONGUEUIL", "Ville de Longueuil (Bureau de développement social et communautaire)"),
        ):
            line = f'code = "{code}"\n'
            assert text.count(line) == 1
            text = text.replace(line, f'{line}support = "{support}"\n')
        alliance.config.write_text(text, encoding="utf-8")
        result = alliance.cli("run", "--deliver")
        assert result.exit_code == 1, result.output  # EST's errors
        ministry = [m for m in smtp.messages if m.rcpt_tos[0] in MINISTRY]
    assert len(ministry) == 2
    for message in ministry:
        assert (
            "- Ensemble de l'Alliance : engagé 180 000,00 $ sur l'enveloppe de 11 800 000,00 $ (1,5 %), "
            "versé 30 000,00 $\n"
            "\n"
            "Organismes d'accompagnement des sous-régions :\n"
            "- OUEST — Ouest de la Montérégie : Concertation Horizon\n"
            "- LONGUEUIL — Agglomération de Longueuil : Ville de Longueuil (Bureau de développement social "
            "et communautaire)\n"
            "\n"
            "Pièce jointe : rapport.xlsx\n"
        ) in message.body
