"""`alliance-sync run` (docs/ligne-de-commande.md): the demo's workbook, --strict, --output, and
a failed write that leaves the previous workbook intact."""

from __future__ import annotations

import errno
import re
from decimal import Decimal

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from sync.cli import cli
from sync.config import load_config
from sync.pipeline import build_report
from sync.resources import demo_config
from tests.support import libreoffice as lo
from tests.support.builders import payment, project, write_alliance
from tests.support.ministry import SHEETS

DATED = re.compile(r"^rapport-fqis-(\d{4}-\d\d-\d\d)\.xlsx$")


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """An empty working folder, the current one, apart from the alliance's files."""
    folder = tmp_path / "travail"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def faulty(tmp_path):
    """An alliance with one error (a payment to an unknown project) in EST."""
    folder = tmp_path / "alliance"
    folder.mkdir(exist_ok=True)
    return write_alliance(
        folder,
        {
            "OUEST": {"projects": [project("OUE-2020-001")]},
            "EST": {"projects": [project("EST-2020-001")], "payments": [payment("EST-2020-009")]},
            "LONGUEUIL": {"projects": [project("LON-2020-001")]},
        },
    )


def workbooks(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.suffix == ".xlsx")


def test_demo_run_writes_the_dated_workbook(workdir):
    result = run("run")
    assert result.exit_code == 0, result.output
    [name] = workbooks(workdir)
    day = DATED.match(name).group(1)
    assert result.stdout == f"Conforme — 0 erreur, 1 avertissement. Classeur écrit : {name}\n"
    wb = load_workbook(workdir / name)
    assert wb.sheetnames == SHEETS
    # The file's date is the sync's, as the Sommaire shows it.
    synced = next(row[1].value for row in wb["Sommaire"].iter_rows() if row[0].value == "Synchronisation")
    assert f"{synced:%Y-%m-%d}" == day
    assert wb["Projets"].max_row == 1 + 18 + 26 + 30
    assert wb["Versements"].max_row == 1 + 19 + 29 + 44


@pytest.mark.usefixtures("soffice")
def test_demo_workbook_recalculates_to_the_envelope(workdir):
    assert run("run", "--output", "demo.xlsx").exit_code == 0
    recalculated = lo.recalculate(workdir / "demo.xlsx", workdir / "recalcul")
    assert lo.formula_errors(recalculated) == []
    totals = build_report(load_config(demo_config())).totals
    ws = load_workbook(recalculated, data_only=True)["Sommaire"]
    shown = {row[0]: row for row in ws.iter_rows(values_only=True) if row[0] in ("OUEST", "EST", "LONGUEUIL")}
    for code, row in shown.items():
        line = totals.line(code)
        assert Decimal(str(row[3])) * 100 == line.committed, code
        assert Decimal(str(row[4])) * 100 == line.paid, code
    total = next(row for row in ws.iter_rows(values_only=True) if row[1] == "Total de l'Alliance")
    assert total[2] == 11800000
    assert Decimal(str(total[3])) * 100 == totals.committed


def test_strict_with_errors_writes_nothing_and_exits_1(tmp_path, workdir):
    result = run("run", "--config", str(faulty(tmp_path)), "--strict")
    assert result.exit_code == 1
    assert result.stdout == (
        "1 erreur à corriger, 0 avertissement. Mode strict : aucun classeur écrit.\n"
        "Erreurs qui empêchent le classeur :\n"
        "  erreur        PAYMENT_UNKNOWN_PROJECT [Versements!A2] (EST-2020-009) : Le versement nomme le projet "
        "« EST-2020-009 », absent de l'onglet Projets de ce comité. Attendu : le No projet d'un projet de ce "
        "comité. Vouliez-vous dire « EST-2020-001 » ?\n"
    )
    assert workbooks(workdir) == []


def test_errors_without_strict_still_write_the_workbook_and_exit_1(tmp_path, workdir):
    result = run("run", "--config", str(faulty(tmp_path)), "--output", "rapport.xlsx")
    assert result.exit_code == 1
    assert workbooks(workdir) == ["rapport.xlsx"]
    validation = load_workbook(workdir / "rapport.xlsx")["Validation"]
    assert [c.value for c in validation[2]][:2] == ["Erreur", "PAYMENT_UNKNOWN_PROJECT"]


def test_unwritable_output_is_a_french_error_exit_2(workdir):
    (workdir / "fichier").write_text("pas un dossier")
    target = workdir / "fichier" / "rapport.xlsx"
    result = run("run", "--output", str(target))
    assert result.exit_code == 2
    assert result.stderr.endswith(
        f"Erreur : le classeur {target} n'a pas pu être écrit : un élément du chemin n'est pas un dossier.\n"
    )
    assert "Traceback" not in result.output


@pytest.mark.parametrize("failure", [OSError(errno.ENOSPC, "No space left on device"), RuntimeError("panne")])
def test_failed_write_leaves_the_previous_workbook_intact(workdir, monkeypatch, failure):
    assert run("run", "--output", "rapport.xlsx").exit_code == 0
    before = (workdir / "rapport.xlsx").read_bytes()

    def broken(*args, **kwargs):
        raise failure

    # Half the workbook is written when the disk fills up (or anything fails).
    monkeypatch.setattr("sync.outputs.ministry.write_records", broken)
    result = run("run", "--output", "rapport.xlsx")
    if isinstance(failure, OSError):
        assert result.exit_code == 2
        assert result.stderr.endswith(
            f"Erreur : le classeur {workdir / 'rapport.xlsx'} n'a pas pu être écrit : disque plein.\n"
        )
    else:
        assert result.exception is failure
    assert (workdir / "rapport.xlsx").read_bytes() == before
    assert sorted(p.name for p in workdir.iterdir()) == [".alliance-sync-demo", "rapport.xlsx"]  # the demo's own


# -- files that cannot be written -----------------------------------------------------


def _read_only_file_system(monkeypatch):
    """What a read-only file system answers (tests run as root: permissions do not stop them)."""
    from pathlib import Path

    def refuse(path, *args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    monkeypatch.setattr(Path, "unlink", refuse)
    return refuse


def test_a_workbook_on_a_read_only_file_system_is_a_french_error(tmp_path, monkeypatch):
    from sync.errors import OutputError
    from sync.outputs.atomic import write_atomically

    refuse = _read_only_file_system(monkeypatch)
    target = tmp_path / "rapport.xlsx"
    with pytest.raises(OutputError) as caught:
        write_atomically(target, refuse)
    assert caught.value.message == f"le classeur {target} n'a pas pu être écrit : système de fichiers en lecture seule."


def test_a_leftover_with_odd_digits_in_the_output_folder_is_left_alone(tmp_path):
    from sync.outputs.atomic import write_atomically

    odd = tmp_path / ".rapport.²³.tmp.xlsx"
    odd.write_bytes(b"")
    write_atomically(tmp_path / "rapport.xlsx", lambda path: path.write_bytes(b"classeur"))
    assert (tmp_path / "rapport.xlsx").read_bytes() == b"classeur" and odd.exists()


def test_the_reading_log_agrees_in_number(tmp_path):
    from tests.support.cli import invoke

    path = write_alliance(
        tmp_path, {"OUEST": {"projects": [project("OUE-2020-001")], "payments": [payment("OUE-2020-001")]}}
    )
    result = invoke("validate", "--config", str(path))
    assert " Comité OUEST : 1 projet, 1 versement lus en " in result.stderr
    assert " Comité EST : 0 projet, 0 versement lus en " in result.stderr
