"""The `alliance-sync validate` command (docs/ligne-de-commande.md): exit codes, JSON and text output."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from sync.cli import cli
from tests.support.builders import payment, project, write_alliance
from tests.support.checks import REPO

FIELDS = ["severity", "code", "committee", "sheet", "cell", "row", "project_id", "field", "values", "message"]


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def faulty_alliance(tmp_path):
    """OUEST: an error and a warning; EST: an error; LONGUEUIL: clean."""
    return write_alliance(
        tmp_path,
        {
            "OUEST": {
                "projects": [
                    project("OUE-2020-001", total_cost=70000, other_contributions=10000),
                    project("OUE-2020-002", priority="Logemnt"),
                ]
            },
            "EST": {"projects": [project("EST-2020-001")], "payments": [payment("EST-2020-009")]},
            "LONGUEUIL": {"projects": [project("LON-2020-001")]},
        },
    )


def test_demo_validates_without_error():
    result = run("validate")
    assert result.exit_code == 0, result.output
    assert result.stdout.rstrip().splitlines()[-1].startswith("Conforme — 0 erreur")
    assert result.stderr.startswith("Démonstration intégrée : ")


def test_demo_as_json_has_no_error():
    result = run("validate", "--format", "json")
    assert result.exit_code == 0
    findings = json.loads(result.stdout)["findings"]
    assert [f for f in findings if f["severity"] == "error"] == []
    assert 1 <= len(findings) <= 3


def test_python_dash_m_sync_validate_runs_the_demo():
    result = subprocess.run(
        [sys.executable, "-m", "sync", "validate", "--format", "json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert all(f["severity"] == "warning" for f in json.loads(result.stdout)["findings"])


def test_clean_alliance_exit_0_and_empty_json(tmp_path):
    config = write_alliance(tmp_path, {"OUEST": {"projects": [project()], "payments": [payment()]}})
    result = run("validate", "--config", str(config), "--format", "json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["findings"] == []
    assert (document["verdict"], document["summary"]) == ("conforming", "Conforme — 0 erreur, 0 avertissement.")
    assert document["counts"] == {
        "errors": 0,
        "warnings": 0,
        "projects": 1,
        "payments": 1,
        "by_committee": {},
        "by_code": {},
    }


def test_warnings_only_exit_0(tmp_path):
    config = write_alliance(tmp_path, {"OUEST": {"projects": [project(total_cost=70000, other_contributions=10000)]}})
    result = run("validate", "--config", str(config))
    assert result.exit_code == 0
    assert result.stdout.rstrip().splitlines()[-1] == "Conforme — 0 erreur, 1 avertissement."


def test_errors_exit_1_and_json_shape(tmp_path):
    result = run("validate", "--config", str(faulty_alliance(tmp_path)), "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert (document["format"], document["version"], document["verdict"]) == ("alliance-sync/validation", 1, "errors")
    assert document["summary"] == "2 erreurs à corriger, 1 avertissement."
    assert document["counts"]["by_committee"] == {
        "OUEST": {"errors": 1, "warnings": 1},
        "EST": {"errors": 1, "warnings": 0},
    }
    assert document["counts"]["by_code"] == {
        "UNKNOWN_VALUE": {"severity": "error", "count": 1},
        "PAYMENT_UNKNOWN_PROJECT": {"severity": "error", "count": 1},
        "FQIS_SHARE_HIGH": {"severity": "warning", "count": 1},
    }
    findings = document["findings"]
    assert all(list(f) == FIELDS for f in findings)
    assert [(f["severity"], f["code"], f["committee"]) for f in findings] == [
        ("error", "UNKNOWN_VALUE", "OUEST"),
        ("error", "PAYMENT_UNKNOWN_PROJECT", "EST"),
        ("warning", "FQIS_SHARE_HIGH", "OUEST"),
    ]
    unknown = findings[0]
    assert {k: unknown[k] for k in FIELDS[:-2]} == {
        "severity": "error",
        "code": "UNKNOWN_VALUE",
        "committee": "OUEST",
        "sheet": "Projets",
        "cell": "F3",
        "row": 3,
        "project_id": "OUE-2020-002",
        "field": "priority",
    }
    assert unknown["values"] == {
        "column": "Priorité",
        "value": "Logemnt",
        "closest": "Logement",
        "allowed": [
            "Sécurité alimentaire",
            "Logement",
            "Réussite éducative et sociale",
            "Transport collectif",
            "Insertion socioprofessionnelle",
            "Soutien à l'action communautaire",
        ],
    }
    assert "« Logemnt »" in unknown["message"] and "Vouliez-vous dire « Logement » ?" in unknown["message"]
    assert findings[2]["values"]["fqis"] == 6_000_000 and findings[2]["values"]["limit"] == "0.8"
    assert findings[1]["sheet"] == "Versements" and findings[1]["cell"] == "A2"
    assert isinstance(findings[2]["row"], int)


def test_json_keeps_french_characters_and_null_rows(tmp_path):
    config = write_alliance(tmp_path, {"OUEST": {"projects": [project()], "tabs": {"Versements": "Paiements"}}})
    result = run("validate", "--config", str(config), "--format", "json")
    assert result.exit_code == 1
    assert "« Versements »" in result.stdout  # not \u00ab escapes
    (finding,) = json.loads(result.stdout)["findings"]
    assert (finding["code"], finding["cell"], finding["row"], finding["project_id"]) == ("MISSING_TAB", "", None, "")


def test_json_totals_per_envelope_line_in_exact_cents(tmp_path):
    """Two projects of 60 000 $ of FQIS each, one with a payment of 10 000,01 $ typed
    with its cents: the lines and the Alliance's totals, to the cent, as cents and text."""
    config = write_alliance(
        tmp_path,
        {
            "OUEST": {
                "projects": [project("OUE-2020-001")],
                "payments": [payment("OUE-2020-001", amount="10 000,01 $")],
            },
            "EST": {"projects": [project("EST-2020-001", status="En analyse")]},
        },
    )
    document = json.loads(run("validate", "--config", str(config), "--format", "json").stdout)
    lines = {line["code"]: line for line in document["totals"]["lines"]}
    assert lines["OUEST"]["committed"] == {"cents": 6_000_000, "text": "60 000,00 $"}
    assert lines["OUEST"]["paid"] == {"cents": 1_000_001, "text": "10 000,01 $"}
    assert lines["OUEST"]["projects"] == {"committed": 1, "pipeline": 0, "counted": 1}
    assert lines["EST"]["committed"] == {"cents": 0, "text": "0,00 $"}
    assert lines["EST"]["pipeline"] == {"cents": 6_000_000, "text": "60 000,00 $"}
    assert lines["OUEST"]["balance"]["cents"] == lines["OUEST"]["allocation"]["cents"] - 6_000_000
    alliance = document["totals"]["alliance"]
    assert (alliance["committed"]["cents"], alliance["paid"]["cents"], alliance["pipeline"]["cents"]) == (
        6_000_000,
        1_000_001,
        6_000_000,
    )
    assert alliance["allocation"]["cents"] == sum(line["allocation"]["cents"] for line in lines.values())
    assert [(s["committee"], s["kind"], s["current"]) for s in document["sources"]] == [
        ("OUEST", "xlsx", True),
        ("EST", "xlsx", True),
        ("LONGUEUIL", "xlsx", True),
    ]


def test_json_keeps_a_committee_s_control_characters_visible(tmp_path):
    """A right-to-left override typed in a title reaches a script as an escape, never raw."""
    config = write_alliance(tmp_path, {"OUEST": {"projects": [project(priority="Logemnt\u202e")]}})
    result = run("validate", "--config", str(config), "--format", "json")
    assert "\u202e" not in result.stdout and "\\u202e" in result.stdout
    assert json.loads(result.stdout)["findings"][0]["code"] == "UNKNOWN_VALUE"


def test_text_grouped_by_committee_errors_first_then_summary(tmp_path):
    result = run("validate", "--config", str(faulty_alliance(tmp_path)))
    assert result.exit_code == 1
    lines = result.stdout.rstrip().splitlines()
    assert lines[-1] == "2 erreurs à corriger, 1 avertissement."
    ouest = lines.index("OUEST — Ouest de la Montérégie : 1 erreur, 1 avertissement")
    est = lines.index("EST — Est de la Montérégie : 1 erreur, 0 avertissement")
    assert ouest < est
    assert lines[ouest + 1].startswith("  erreur        UNKNOWN_VALUE [Projets!F3] (OUE-2020-002) : ")
    assert lines[ouest + 2].startswith("  avertissement FQIS_SHARE_HIGH [Projets!P2] (OUE-2020-001) : ")
    assert lines[est + 1].startswith("  erreur        PAYMENT_UNKNOWN_PROJECT [Versements!A2] (EST-2020-009) : ")
    assert not any(line.startswith("LONGUEUIL —") for line in lines)
    assert any(line.startswith("  LONGUEUIL") and "engagé" in line for line in lines)


def test_alliance_level_finding_has_its_own_group(tmp_path):
    def big(pid, dollars, **kw):
        return project(pid, fqis={"2019-2020": dollars}, total_cost=2 * dollars, other_contributions=dollars, **kw)

    config = write_alliance(
        tmp_path,
        {
            "OUEST": {"projects": [big("OUE-2020-001", 2_600_000)]},
            "EST": {"projects": [big("EST-2020-001", 3_900_000)]},
            "LONGUEUIL": {"projects": [big("LON-2020-001", 4_100_000)]},
            "REGION": {"projects": [big("REG-2020-001", 1_300_000)]},
        },
        regional={"source": {"xlsx": "regional.xlsx"}},
    )
    result = run("validate", "--config", str(config))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    region = lines.index("REGION — Réserve régionale (TCPM) : 1 erreur, 0 avertissement")
    alliance = lines.index("ALLIANCE — Ensemble de l'Alliance : 1 erreur, 0 avertissement")
    assert region < alliance
    assert lines[alliance + 1].startswith("  erreur        ALLIANCE_ENVELOPE_EXCEEDED [Projets] : ")


def test_bad_usage_exit_2(tmp_path):
    result = run("validate", "--format", "xml")
    assert result.exit_code == 2
    result = run("validate", "--config", str(tmp_path / "absente.toml"))
    assert result.exit_code == 2
    assert result.stderr.startswith("Erreur : Configuration invalide")


def test_unreadable_workbook_exit_3(tmp_path):
    config = write_alliance(tmp_path)
    (tmp_path / "est.xlsx").write_bytes(b"ceci n'est pas un classeur")
    result = run("validate", "--config", str(config))
    assert result.exit_code == 3
    assert "Validation impossible : des chiffriers n'ont pas pu être lus." in result.stderr
    assert (
        f"Est de la Montérégie (EST) : le fichier {tmp_path / 'est.xlsx'} est illisible : "
        "ce n'est pas un classeur Excel (.xlsx)"
    ) in result.stderr
    assert "Traceback" not in result.output


def test_help_is_in_french():
    result = run("--help")
    assert result.exit_code == 0
    for command in ("run", "validate", "template"):
        assert command in result.stdout
    result = run("validate", "--help")
    assert "--format [text|json]" in result.stdout
    assert "Valider les chiffriers des comités" in result.stdout


# -- usage mistakes -------------------------------------------------------------------


def test_the_command_alone_shows_its_help_not_an_error():
    from tests.support.cli import invoke

    result = invoke()
    assert result.exit_code == 2
    assert result.stderr.startswith("Utilisation : cli [OPTIONS] COMMANDE [ARGS]...\n\n  Synchronise")
    assert "Erreur" not in result.stderr and result.stderr.count("Utilisation") == 1


@pytest.mark.parametrize("args", [["deliver"], ["deliver", "--dry-run"], ["run", "--deliver"]])
def test_delivering_without_a_configuration_asks_for_one(tmp_path, args):
    # It used to ask to add [delivery] to the bundled demo's own file.
    from tests.support.cli import invoke

    result = invoke("--quiet", *args, "--state-dir", str(tmp_path / "etat"))
    assert result.exit_code == 2, result.output
    assert result.stderr.endswith(
        "Erreur : indiquez votre configuration avec --config : la livraison se règle "
        "dans sa table [delivery], et la démonstration intégrée n'en a pas.\n"
    )
    assert "demo.toml" not in result.stderr
    assert not (tmp_path / "etat").exists()


@pytest.mark.parametrize("command", ["history", "diff", "deliver"])
def test_a_state_folder_this_user_cannot_enter_is_explained(tmp_path, monkeypatch, command):
    from tests.support.builders import write_config
    from tests.support.checks import deny_access
    from tests.support.cli import invoke

    folder = tmp_path / "etat"
    folder.mkdir()
    deny_access(monkeypatch, folder)
    config = ["--config", str(write_config(tmp_path))] if command == "deliver" else []
    if command == "deliver":
        (tmp_path / "alliance.toml").write_text(
            (tmp_path / "alliance.toml").read_text(encoding="utf-8") + '[delivery]\ndrive_folder = "dossier"\n',
            encoding="utf-8",
        )
    result = invoke("--quiet", command, *config, "--state-dir", str(folder))
    assert result.exit_code == 2, result.output
    assert result.stderr == f"Erreur : le dossier d'état {folder} est inaccessible (permission refusée).\n"
