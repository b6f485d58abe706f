"""The pytest plugin of the test suite (loaded by ``-p tests.support.plugin`` in
pyproject.toml): the fixtures shared by the test modules (the local Google servers,
started for one test each; LibreOffice), the ``libreoffice`` marker given to every
test that needs LibreOffice, and the guard that fails a CI run (``CI=true``) in
which any test was skipped or deselected by a marker.

The slow tiers carry markers (registered in pyproject.toml) so that the inner loop
can leave them out: ``pytest -m "not libreoffice and not install and not kill"``
(docs/architecture.md); CI runs them all."""

from __future__ import annotations

import functools
from collections.abc import Iterator

import pytest
from hypothesis import Phase, settings

from sync.wording import plural
from tests.support import libreoffice
from tests.support.drive_server import DriveServer
from tests.support.libreoffice import in_ci
from tests.support.sheets_server import SheetsServer

# The guard's own tests (tests/test_skip_guard.py) run pytest inside pytest.
pytest_plugins = ["pytester"]

# Mutation testing (benchmarks/mutants.sh, --hypothesis-profile=mutants) only needs
# to know whether a property fails: no shrinking of the failing example, no example
# database, no deadline on a machine it shares.
settings.register_profile("mutants", phases=[Phase.explicit, Phase.reuse, Phase.generate], database=None, deadline=None)


class SkipGuard:
    """Under ``CI=true``, a skipped test fails the run: what CI cannot check must be
    installed by .ci/run, never passed over in silence. Expected failures (xfail)
    are not skips. A marker expression (``-m``) fails it too, even one that leaves
    every test in: the inner loop's ``-m "not libreoffice …"`` must never become
    CI's command."""

    def __init__(self, markexpr: str = "") -> None:
        self.skipped: list[str] = []
        self.markexpr = markexpr
        self.deselected = 0

    def _note(self, report: pytest.CollectReport | pytest.TestReport) -> None:
        if report.skipped and not hasattr(report, "wasxfail"):
            self.skipped.append(report.nodeid or "(collecte)")

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        self._note(report)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self._note(report)

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.deselected += len(items)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        # Runs before the terminal's summary, which then shows the failed status.
        failed = self.skipped or self.markexpr
        if failed and session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.markexpr:
            terminalreporter.section("tests désélectionnés en CI", sep="=", red=True, bold=True)
            deselected = plural(self.deselected, "test désélectionné", "tests désélectionnés")
            terminalreporter.line(
                f"En CI (CI=true), la suite entière est lancée, sans -m : « -m {self.markexpr} » "
                f"donné, {deselected}, la suite échoue.",
                red=True,
            )
        if not self.skipped:
            return
        terminalreporter.section("tests sautés en CI", sep="=", red=True, bold=True)
        skipped = plural(len(self.skipped), "test sauté", "tests sautés")
        terminalreporter.line(
            f"En CI (CI=true), aucun test ne doit être sauté : {skipped}, la suite échoue. "
            "Installez ce qui manque (.ci/run le fait) ou retirez le saut.",
            red=True,
        )
        for nodeid in self.skipped:
            terminalreporter.line(f"  {nodeid}")


def pytest_configure(config: pytest.Config) -> None:
    if in_ci():
        config.pluginmanager.register(SkipGuard(config.option.markexpr or ""), "alliance-sync-skip-guard")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that uses the ``soffice`` fixture, itself or through another fixture,
    is a LibreOffice test: marked here, at the source, so that ``-m`` sees it.
    Runs before ``-m`` deselects (pytest's own hook is tried last)."""
    for item in items:
        if "soffice" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.libreoffice)
    # The helpers refuse to start LibreOffice for any other test (a forgotten fixture).
    # Added to, not replaced: a pytester run inside a test collects its own items.
    libreoffice.marked_tests = (libreoffice.marked_tests or set()) | {
        item.nodeid for item in items if item.get_closest_marker("libreoffice")
    }


@pytest.fixture(name="soffice", scope="session")
def soffice_fixture() -> str:
    """The LibreOffice program (``soffice``): a test or fixture that recalculates or
    prints a workbook asks for it, and is marked ``libreoffice``. Skipped locally
    when LibreOffice is absent, failed in CI."""
    return libreoffice.require_soffice()


@pytest.fixture
def google_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits of every Sheets client a command makes in the test, recorded instead of
    slept (the clients belong to the command: there is no process-wide one to reach)."""
    from sync.google import client
    from sync.google.http import RetryingHTTPClient

    waits: list[float] = []
    monkeypatch.setattr(client, "RetryingHTTPClient", functools.partial(RetryingHTTPClient, sleep=waits.append))
    return waits


@pytest.fixture(name="sheets_api")
def sheets_api_fixture(monkeypatch: pytest.MonkeyPatch) -> Iterator[SheetsServer]:
    """A running server that the Google source talks to (ALLIANCE_SYNC_SHEETS_URL).
    Each command makes its own clients: nothing is kept between tests."""
    with SheetsServer() as server:
        monkeypatch.setenv("ALLIANCE_SYNC_SHEETS_URL", server.url)
        monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
        yield server


@pytest.fixture(name="drive_api")
def drive_api_fixture(monkeypatch: pytest.MonkeyPatch) -> Iterator[DriveServer]:
    """A running server that delivery uploads to (ALLIANCE_SYNC_DRIVE_URL)."""
    with DriveServer() as server:
        monkeypatch.setenv("ALLIANCE_SYNC_DRIVE_URL", server.url)
        monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
        yield server
