"""The suite's guard (tests/support/plugin.py): under ``CI=true`` a run in which any
test was skipped, or which was given a marker expression (``-m``), fails, with the
reason; locally a skip stays a skip, and ``-m`` leaves the slow tiers out."""

from __future__ import annotations

import tomllib

import pytest

from tests.support.checks import REPO

# The inner loop's command (docs/architecture.md, « Les tests »).
INNER_LOOP = "not libreoffice and not install and not kill"

SOME_TESTS = """
import pytest

def test_passes():
    pass

def test_needs_a_program():
    pytest.skip("programme absent")

@pytest.mark.xfail(reason="défaut connu", strict=True)
def test_known_defect():
    assert False
"""


def run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, ci: str | None, source: str = SOME_TESTS, *args: str
):
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    pytester.makepyfile(test_inner=source)
    return pytester.runpytest_inprocess("-p", "tests.support.plugin", "-p", "no:cacheprovider", *args)


def test_under_ci_a_skipped_test_fails_the_run_and_says_which(pytester, monkeypatch):
    result = run(pytester, monkeypatch, "true")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*= tests sautés en CI =*",
            "En CI (CI=true), aucun test ne doit être sauté : 1 test sauté, la suite échoue. "
            "Installez ce qui manque (.ci/run le fait) ou retirez le saut.",
            "  test_inner.py::test_needs_a_program",
        ]
    )
    # pytest's own summary stays the last line (CI reads it).
    assert result.stdout.lines[-1].startswith("=") and "1 passed, 1 skipped, 1 xfailed" in result.stdout.lines[-1]
    result.assert_outcomes(passed=1, skipped=1, xfailed=1)


def test_a_module_skipped_at_collection_counts_too(pytester, monkeypatch):
    pytester.makepyfile(test_other="def test_passes():\n    pass\n")
    result = run(pytester, monkeypatch, "1", "import pytest\npytest.importorskip('un_module_absent')\n")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*1 test sauté, la suite échoue*", "  test_inner.py"])
    result.assert_outcomes(passed=1, skipped=1)


def test_a_run_that_only_skipped_fails_as_a_failure(pytester, monkeypatch):
    result = run(pytester, monkeypatch, "true", "import pytest\npytest.skip('rien ici', allow_module_level=True)\n")
    assert result.ret == pytest.ExitCode.TESTS_FAILED  # not 5, « no tests collected »
    result.stdout.fnmatch_lines(["*1 test sauté, la suite échoue*"])


def test_under_ci_a_run_without_skips_passes(pytester, monkeypatch):
    result = run(pytester, monkeypatch, "true", SOME_TESTS.replace('pytest.skip("programme absent")', "pass"))
    assert result.ret == pytest.ExitCode.OK
    assert "tests sautés en CI" not in result.stdout.str()
    result.assert_outcomes(passed=2, xfailed=1)


def test_a_real_failure_keeps_its_status(pytester, monkeypatch):
    result = run(pytester, monkeypatch, "true", SOME_TESTS + "\ndef test_fails():\n    assert 1 == 2\n")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=1, skipped=1, failed=1, xfailed=1)
    result.stdout.fnmatch_lines(["*1 test sauté, la suite échoue*"])


@pytest.mark.parametrize("ci", [None, "", "false"])
def test_outside_ci_a_skip_stays_a_skip(pytester, monkeypatch, ci):
    result = run(pytester, monkeypatch, ci)
    assert result.ret == pytest.ExitCode.OK
    assert "tests sautés en CI" not in result.stdout.str()
    result.assert_outcomes(passed=1, skipped=1, xfailed=1)


# ---------------------------------------------------------------- markers: the inner loop and CI

MARKED_TESTS = """
import pytest

def test_quick():
    pass

@pytest.mark.kill
def test_kills_a_run():
    pass

def test_recalculates(soffice):
    pass
"""


def run_marked(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, ci: str | None, *args: str, source: str = MARKED_TESTS
):
    """The project's markers and --strict-markers, as pyproject.toml declares them."""
    options = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
    markers = "\n    ".join(options["markers"])
    pytester.makeini(f"[pytest]\naddopts = --strict-markers\nmarkers =\n    {markers}\n")
    return run(pytester, monkeypatch, ci, source, *args)


def test_the_inner_loop_leaves_the_slow_tiers_out(pytester, monkeypatch):
    result = run_marked(pytester, monkeypatch, None, "-m", INNER_LOOP)
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(passed=1, deselected=2)
    assert "désélectionnés en CI" not in result.stdout.str()


def test_a_test_asking_for_soffice_is_marked_libreoffice(pytester, monkeypatch):
    result = run_marked(pytester, monkeypatch, None, "-m", "libreoffice", "--collect-only", "-q")
    assert result.stdout.lines[0] == "test_inner.py::test_recalculates"
    assert "1/3 tests collected (2 deselected)" in result.stdout.str()


def test_under_ci_a_marker_expression_fails_the_run_and_says_so(pytester, monkeypatch):
    result = run_marked(pytester, monkeypatch, "true", "-m", "not kill")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*= tests désélectionnés en CI =*",
            "En CI (CI=true), la suite entière est lancée, sans -m : « -m not kill » donné, 1 test désélectionné, "
            "la suite échoue.",
        ]
    )
    assert result.stdout.lines[-1].startswith("=") and "1 deselected" in result.stdout.lines[-1]


def test_under_ci_even_a_marker_expression_that_keeps_every_test_fails(pytester, monkeypatch):
    result = run_marked(pytester, monkeypatch, "true", "-m", "not slow", source="def test_quick():\n    pass\n")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*« -m not slow » donné, 0 test désélectionné, la suite échoue."])


def test_under_ci_a_run_that_deselected_everything_fails(pytester, monkeypatch):
    result = run_marked(pytester, monkeypatch, "true", "-m", "kill", source="def test_quick():\n    pass\n")
    assert result.ret == pytest.ExitCode.TESTS_FAILED  # not 5, « no tests collected »
    result.stdout.fnmatch_lines(["*« -m kill » donné, 1 test désélectionné, la suite échoue."])


def test_an_unregistered_marker_is_an_error(pytester, monkeypatch):
    result = run_marked(
        pytester, monkeypatch, None, source="import pytest\n\n@pytest.mark.libreofice\ndef test_typo():\n    pass\n"
    )
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*'libreofice' not found in `markers` configuration option*"])


def test_a_test_that_starts_libreoffice_without_the_fixture_fails(pytester, monkeypatch):
    source = (
        "from pathlib import Path\nfrom tests.support.libreoffice import recalculate\n\n"
        "def test_forgot(tmp_path):\n    recalculate(Path('rapport.xlsx'), tmp_path)\n"
    )
    result = run_marked(pytester, monkeypatch, None, source=source)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*test_inner.py::test_forgot lance LibreOffice sans la marque libreoffice : "
            "demandez la fixture soffice (tests/support/plugin.py), au test ou à sa fixture."
        ]
    )
