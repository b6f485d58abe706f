"""`alliance-sync history`, the last good copy of an unreadable source, exit 3
without one, and the logs of a nightly run (docs/exploitation.md)."""

from __future__ import annotations

import datetime as dt
import re

from click.testing import CliRunner

from sync.changes import FieldChange
from sync.cli import cli
from sync.config import load_config
from sync.runner import run_sync
from tests.support.builders import payment
from tests.support.history import Alliance

WHEN = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d")


def lines(text: str) -> list[str]:
    return WHEN.sub("AAAA-MM-JJ HH:MM", text).splitlines()


def started(alliance: Alliance, run_id: int) -> str:
    [(text,)] = alliance.query("SELECT started_at FROM runs WHERE id = ?", run_id)
    return f"{dt.datetime.fromisoformat(text):%Y-%m-%d %H:%M}"


def test_history_lists_every_run_with_its_status(tmp_path):
    alliance = Alliance(tmp_path)
    assert alliance.cli("history").stdout == (
        f"Aucune synchronisation enregistrée dans le dossier d'état {alliance.state} (option --state-dir).\n"
    )
    assert alliance.cli("run").exit_code == 0
    alliance.rewrite(
        "EST",
        projects=alliance.workbooks["EST"]["projects"],
        payments=[*alliance.workbooks["EST"]["payments"], payment("EST-2020-404", reference="E-2")],
    )
    assert alliance.cli("run").exit_code == 1
    alliance.workbook("OUEST").unlink()
    assert alliance.cli("run").exit_code == 1
    (tmp_path / "fichier").write_text("un fichier, pas un dossier")
    assert alliance.cli("run", "--output", str(tmp_path / "fichier" / "rapport.xlsx")).exit_code == 2
    result = alliance.cli("history")
    assert result.exit_code == 0
    shown = lines(result.stdout)
    # The reason is the output guard's own message (sync/outputs/paths.py).
    assert shown[2] == (
        f"    le classeur {tmp_path}/fichier/rapport.xlsx n'a pas pu être écrit : "
        "un élément du chemin n'est pas un dossier."
    )
    # Each run wrote the same file: the older ones say which run replaced it.
    assert shown[:2] + shown[3:] == [
        "N°  Date              Statut             Projets  Versements  Erreurs  Avertissements  Classeur"
        "                          Livraison",
        " 4  AAAA-MM-JJ HH:MM  échec                    —           —        —               —  aucun"
        "                             —",
        " 3  AAAA-MM-JJ HH:MM  source de secours        3           5        2               0  rapport.xlsx"
        "                      —",
        " 2  AAAA-MM-JJ HH:MM  1 erreur                 3           5        1               0  rapport.xlsx"
        " (remplacé par n° 3)  —",
        " 1  AAAA-MM-JJ HH:MM  conforme                 3           4        0               0  rapport.xlsx"
        " (remplacé par n° 2)  —",
    ]
    assert lines(alliance.cli("history", "-n", "1").stdout) == [
        "N°  Date              Statut  Projets  Versements  Erreurs  Avertissements  Classeur  Livraison",
        " 4  AAAA-MM-JJ HH:MM  échec         —           —        —               —  aucun     —",
        shown[2],
    ]


def test_vanished_workbook_falls_back_to_its_last_good_copy(tmp_path):
    alliance = Alliance(tmp_path)
    first = run_sync(load_config(alliance.config), output=alliance.output, state_dir=alliance.state)
    assert first.exit_code == 0
    before = alliance.output.read_bytes()
    alliance.workbook("OUEST").unlink()

    result = alliance.cli("run")
    assert result.exit_code == 1
    assert result.stdout == f"1 erreur à corriger, 0 avertissement. Classeur écrit : {alliance.output}\n"
    assert alliance.output.read_bytes() != before  # a new, complete workbook
    [(message,)] = alliance.query("SELECT message FROM findings WHERE run_id = 2 AND code = 'SOURCE_UNAVAILABLE'")
    read_at = f"{first.report.sources['OUEST'].read_at:%Y-%m-%d %H:%M}"
    assert message == (
        f"Le chiffrier du comité Ouest de la Montérégie n'a pas pu être lu : fichier introuvable : "
        f"{alliance.workbook('OUEST')}. Illisible depuis le {started(alliance, 2)} ; les données "
        f"utilisées sont la dernière copie valide, lue le {read_at}."
    )
    # The copy's figures are those of the last good read, to the cent.
    totals = "SELECT code, committed, paid, projects_total FROM totals WHERE run_id = ? ORDER BY rowid"
    assert alliance.query(totals, 2) == alliance.query(totals, 1)
    assert alliance.query("SELECT committee, current, problem FROM sources WHERE run_id = 2 ORDER BY rowid") == [
        ("OUEST", 0, f"fichier introuvable : {alliance.workbook('OUEST')}"),
        ("EST", 1, None),
        ("LONGUEUIL", 1, None),
    ]
    assert "  Projet" not in alliance.cli("diff").stdout  # the copy changes nothing

    # Still unreadable the next night: since the first night it failed, and the
    # workbook's sources say which data was used.
    third = run_sync(load_config(alliance.config, check_files=False), output=alliance.output, state_dir=alliance.state)
    assert third.exit_code == 1
    [unavailable] = [f for f in third.report.findings if f.code == "SOURCE_UNAVAILABLE"]
    assert f"Illisible depuis le {started(alliance, 2)} ;" in unavailable.message
    ouest = third.report.sources["OUEST"]
    assert (ouest.current, ouest.read_at) == (False, first.report.sources["OUEST"].read_at)
    assert ouest.unavailable_since == dt.datetime.fromisoformat(
        alliance.query("SELECT started_at FROM runs WHERE id = 2")[0][0]
    )


def test_corrupted_workbook_falls_back_too(tmp_path):
    alliance = Alliance(tmp_path)
    assert alliance.cli("run").exit_code == 0
    alliance.workbook("EST").write_bytes(b"PK\x03\x04 pas vraiment un classeur")
    result = alliance.cli("run")
    assert result.exit_code == 1
    [(message,)] = alliance.query("SELECT message FROM findings WHERE code = 'SOURCE_UNAVAILABLE'")
    assert message.startswith(
        f"Le chiffrier du comité Est de la Montérégie n'a pas pu être lu : le fichier "
        f"{alliance.workbook('EST')} est illisible : ce n'est pas un classeur Excel (.xlsx)"
    )
    assert alliance.query("SELECT projects, payments, fallbacks FROM runs WHERE id = 2") == [(3, 4, 1)]


def test_no_copy_at_all_exits_3_and_leaves_the_previous_workbook(tmp_path):
    alliance = Alliance(tmp_path)
    alliance.output.write_bytes(b"le classeur de la veille")
    alliance.workbook("LONGUEUIL").unlink()
    result = alliance.cli("run", "--force")  # the stand-in is no workbook: --force lets it be replaced
    assert result.exit_code == 3
    assert result.stderr.endswith(
        "Erreur : Aucun rapport produit : des chiffriers n'ont pas pu être lus et aucune copie valide antérieure "
        "n'existe.\n  - Agglomération de Longueuil (LONGUEUIL) : fichier introuvable : "
        f"{alliance.workbook('LONGUEUIL')}\n"
        f"Ce dossier d'état était vide : {alliance.state} (option --state-dir).\n"
    )
    assert alliance.output.read_bytes() == b"le classeur de la veille"
    assert list(tmp_path.glob(".rapport*")) == []
    assert alliance.query("SELECT id, state FROM runs") == [(1, "failed")]
    assert alliance.query("SELECT committee, current, snapshot, problem FROM sources") == [
        ("LONGUEUIL", 0, None, f"fichier introuvable : {alliance.workbook('LONGUEUIL')}")
    ]
    assert lines(alliance.cli("history").stdout)[1] == (
        " 1  AAAA-MM-JJ HH:MM  échec         —           —        —               —  aucun     —"
    )


def test_quiet_run_prints_nothing_when_conforming_and_logs_to_the_file(tmp_path):
    alliance = Alliance(tmp_path)
    log_file = tmp_path / "journal" / "sync.log"
    result = CliRunner().invoke(cli, ["--quiet", "--log-file", str(log_file), *alliance.run_args()])
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    logged = [line[20:] for line in log_file.read_text(encoding="utf-8").splitlines()]
    assert logged[0] == (
        f"Aucun historique dans le dossier d'état {alliance.state} (option --state-dir) : "
        "aucune synchronisation antérieure, donc aucune copie de secours."
    )
    assert logged[1] == f"Synchronisation n° 1 commencée (historique : {alliance.db})."
    assert "Validation : 0 erreur, 0 avertissement" in logged[5]
    assert logged[6] == "Changements : première synchronisation enregistrée, rien à comparer."
    assert logged[-1].startswith("Synchronisation n° 1 terminée en ")

    alliance.workbook("OUEST").unlink()
    result = CliRunner().invoke(cli, ["--quiet", "--log-file", str(log_file), *alliance.run_args()])
    assert result.exit_code == 1
    assert result.stdout == f"1 erreur à corriger, 0 avertissement. Classeur écrit : {alliance.output}\n"
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d AVERTISSEMENT : Comité OUEST : source illisible, dernière "
        r"copie valide du \d{4}-\d\d-\d\d \d\d:\d\d utilisée\.\n",
        result.stderr,
    ), result.stderr
    logged = log_file.read_text(encoding="utf-8").splitlines()
    assert any(
        "Sources inchangées depuis la synchronisation n° 1 : EST, LONGUEUIL ; modifiées : aucune." in line
        for line in logged
    )


def test_strict_run_is_recorded_and_the_next_workbook_shows_changes_since_the_last_workbook(tmp_path):
    from tests.support.builders import project

    alliance = Alliance(tmp_path)
    assert alliance.cli("run").exit_code == 0
    before = alliance.output.read_bytes()
    est = [project("EST-2020-001", title="Épicerie solidaire mobile")]
    alliance.rewrite("EST", projects=est, payments=[payment("EST-2020-404", reference="E-2")])
    result = alliance.cli("run", "--strict")
    assert result.exit_code == 1
    assert result.stdout == (
        "1 erreur à corriger, 0 avertissement. Mode strict : aucun classeur écrit.\n"
        "Erreurs qui empêchent le classeur :\n"
        "  erreur        PAYMENT_UNKNOWN_PROJECT [Versements!A2] (EST-2020-404) : Le versement nomme le projet "
        "« EST-2020-404 », absent de l'onglet Projets de ce comité. Attendu : le No projet d'un projet de ce "
        "comité. Vouliez-vous dire « EST-2020-001 » ?\n"
    )
    assert alliance.output.read_bytes() == before
    # history says which run wrote no workbook.
    assert [line.split()[-2:] for line in lines(alliance.cli("history").stdout)] == [
        ["Classeur", "Livraison"],
        ["aucun", "—"],
        ["rapport.xlsx", "—"],
    ]
    assert alliance.query("SELECT id, state, errors, output FROM runs") == [
        (1, "done", 0, str(alliance.output)),
        (2, "done", 1, None),
    ]

    alliance.rewrite("EST", projects=est, payments=[])
    third = run_sync(load_config(alliance.config), output=alliance.output, state_dir=alliance.state)
    assert third.exit_code == 0
    assert third.changes.previous_run_id == 1  # the last run that wrote a workbook
    assert [(c.kind, c.record, c.key, c.fields) for c in third.changes.items] == [
        (
            "modifié",
            "projet",
            "EST-2020-001",
            (FieldChange("Titre du projet", "Épicerie mobile", "Épicerie solidaire mobile"),),
        ),
        ("supprimé", "versement", "EST-2020-001 · 2020-05-01 · réf. E-1", ()),
    ]
