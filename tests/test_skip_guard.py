"""The suite's guard (tests/support/plugin.py): under ``CI=true`` a run in which any
test was skipped fails, with the reason; locally a skip stays a skip."""

from __future__ import annotations

import pytest

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


def run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, ci: str | None, source: str = SOME_TESTS):
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    pytester.makepyfile(test_inner=source)
    return pytester.runpytest_inprocess("-p", "tests.support.plugin", "-p", "no:cacheprovider")


def test_under_ci_a_skipped_test_fails_the_run_and_says_which(pytester, monkeypatch):
    result = run(pytester, monkeypatch, "true")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([
        "*= tests sautés en CI =*",
        "En CI (CI=true), aucun test ne doit être sauté : 1 test sauté, la suite échoue. "
        "Installez ce qui manque (.ci/run le fait) ou retirez le saut.",
        "  test_inner.py::test_needs_a_program",
    ])
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
