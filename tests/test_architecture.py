"""The import contract of docs/architecture.md: every module of ``sync/`` sits in a layer,
imports only its own layer and the ones below, never in a cycle; only the command layer
defers imports; ``import sync.cli`` and a local ``validate`` stay light."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.layers import (
    LAYERS,
    cycles,
    deferred_outside_command,
    folder,
    imports_of,
    layer_of,
    package_imports,
    upward,
)

SYNC = Path(__file__).resolve().parent.parent / "sync"

# The deferred imports the command layer does not choose yet, each for a reason; the
# list may only shrink (any other function-local import fails the test below).
DEFERRED_FOR_NOW = {
    # openpyxl brings numpy: only for the rare workbook calamine cannot read, and for
    # the committee template's cells.
    "sync.sources.xlsx": {"openpyxl", "openpyxl.worksheet._reader"},
    "sync.outputs.cells": {"openpyxl.cell"},
    # Windows only.
    "sync.lock": {"ctypes"},
}


@pytest.fixture(scope="module")
def imports():
    return package_imports(SYNC)


def test_every_module_has_a_layer(imports):
    modules = {item.importer for item in imports} | {i.imported for i in imports if i.internal}
    assert {m: layer_of(m) for m in modules}  # KeyError names a module no layer claims


def test_no_module_imports_a_higher_layer(imports):
    assert upward(imports) == []


def test_no_import_cycle_between_modules_or_folders(imports):
    assert cycles(imports) == []
    assert cycles(imports, folder) == []


def test_only_the_command_layer_defers_imports(imports):
    assert deferred_outside_command(imports, DEFERRED_FOR_NOW) == []


def test_every_deferred_import_still_allowed_is_still_there(imports):
    """An allowance whose import is gone is removed from DEFERRED_FOR_NOW: the list shrinks."""
    deferred = {(i.importer, i.imported) for i in imports if i.deferred}
    stale = sorted((a, b) for a, names in DEFERRED_FOR_NOW.items() for b in names if (a, b) not in deferred)
    assert stale == []


# The contract can fail: synthetic modules that break it.

KNOWN = {"sync.sources.fake", "sync.rules.rows", "sync.vocabulary.template", "sync.parsing.values", "sync.parsing.x"}


def test_an_upward_import_inside_a_function_is_named_with_its_file_line_and_layers():
    source = (
        "from sync.vocabulary.template import find_tab\n\n\ndef read():\n    from sync.rules.rows import RowRules\n"
    )
    found = imports_of("sync.sources.fake", source, "sync/sources/fake.py", KNOWN)
    assert upward(found) == [
        "sync/sources/fake.py:5: sync.sources.fake (sources) importe sync.rules.rows (rules), une couche plus haute"
    ]
    assert deferred_outside_command(found) == [
        "sync/sources/fake.py:5: sync.sources.fake importe sync.rules.rows dans une fonction ; seule la couche de "
        "commande diffère ses importations"
    ]


def test_an_upward_import_for_type_checking_counts_and_is_not_deferred():
    source = (
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from sync.rules import rows\n"
        "    from sync.report import Report\n"
    )
    found = imports_of("sync.sources.fake", source, "sync/sources/fake.py", KNOWN | {"sync.rules"})
    assert upward(found) == [
        "sync/sources/fake.py:4: sync.sources.fake (sources) importe sync.rules.rows (rules), une couche plus haute",
        "sync/sources/fake.py:5: sync.sources.fake (sources) importe sync.report (report), une couche plus haute",
    ]
    assert deferred_outside_command(found) == []


def test_a_relative_import_is_read_as_the_module_it_names():
    found = imports_of(
        "sync.parsing.x",
        "from .values import parse_cents\nfrom ..rules import rows\n",
        "sync/parsing/x.py",
        KNOWN | {"sync.rules"},
    )
    assert [(i.imported, i.line) for i in found] == [("sync.parsing.values", 1), ("sync.rules.rows", 2)]
    assert upward(found) == [
        "sync/parsing/x.py:2: sync.parsing.x (parsing) importe sync.rules.rows (rules), une couche plus haute"
    ]


def test_a_cycle_within_a_layer_is_found_between_modules_and_between_folders():
    found = imports_of("sync.history.a", "def f():\n    import sync.lock\n", "sync/history/a.py", set()) + imports_of(
        "sync.lock", "from sync.history.a import f\n", "sync/lock.py", set()
    )
    assert upward(found) == []  # both in the history layer
    assert cycles(found) == [["sync.history.a", "sync.lock", "sync.history.a"]]
    assert cycles(found, folder) == [["sync.history", "sync.lock", "sync.history"]]


def test_a_module_no_layer_claims_is_refused():
    with pytest.raises(KeyError):
        layer_of("sync.newfolder.thing")
    assert layer_of("sync.config.delivery") == "configuration"
    assert layer_of("sync.delivery.drive") == "delivery"
    assert [name for name, _ in LAYERS] == [
        "base",
        "configuration",
        "google",
        "sources",
        "parsing",
        "consolidate",
        "rules",
        "report",
        "outputs",
        "history",
        "delivery",
        "use cases",
        "command",
    ]


# Laziness: the command layer decides what is imported.

HEAVY = ("gspread", "google.auth", "requests", "xlsxwriter")

_LOADED = """
import json, sys
{body}
print(json.dumps(sorted(m for m in {heavy} if m in sys.modules)))
"""


def _loaded_after(body: str, cwd: Path) -> list[str]:
    code = _LOADED.format(body=body, heavy=HEAVY)
    done = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_importing_the_command_loads_no_google_http_or_xlsxwriter(tmp_path):
    assert _loaded_after("import sync.cli", tmp_path) == []


def test_a_local_validate_on_the_demo_loads_no_google_http_or_xlsxwriter(tmp_path):
    body = (
        "from click.testing import CliRunner\nfrom sync.cli import cli\n"
        "result = CliRunner().invoke(cli, ['validate'])\n"
        "assert result.exit_code == 0, result.output\n"
        "assert result.output.rstrip().endswith('Conforme — 0 erreur, 1 avertissement.'), result.output\n"
    )
    assert _loaded_after(body, tmp_path) == []


def test_the_laziness_test_sees_a_heavy_import(tmp_path):
    assert _loaded_after("import sync.sources.google", tmp_path) == ["google.auth", "gspread", "requests"]
