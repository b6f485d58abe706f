"""The pytest plugin of the test suite (loaded by ``-p tests.support.plugin`` in
pyproject.toml): the fixtures shared by the test modules (the local Google servers,
started for one test each), and the guard that fails a CI run (``CI=true``) in
which any test was skipped."""

from __future__ import annotations

import functools
from collections.abc import Iterator

import pytest

from sync.wording import plural
from tests.support.drive_server import DriveServer
from tests.support.libreoffice import in_ci
from tests.support.sheets_server import SheetsServer

# The guard's own tests (tests/test_skip_guard.py) run pytest inside pytest.
pytest_plugins = ["pytester"]


class SkipGuard:
    """Under ``CI=true``, a skipped test fails the run: what CI cannot check must be
    installed by .ci/run, never passed over in silence. Expected failures (xfail)
    are not skips."""

    def __init__(self) -> None:
        self.skipped: list[str] = []

    def _note(self, report: pytest.CollectReport | pytest.TestReport) -> None:
        if report.skipped and not hasattr(report, "wasxfail"):
            self.skipped.append(report.nodeid or "(collecte)")

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        self._note(report)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self._note(report)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        # Runs before the terminal's summary, which then shows the failed status.
        if self.skipped and session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if not self.skipped:
            return
        terminalreporter.section("tests sautés en CI", sep="=", red=True, bold=True)
        skipped = plural(len(self.skipped), "test sauté", "tests sautés")
        terminalreporter.line(f"En CI (CI=true), aucun test ne doit être sauté : {skipped}, la suite échoue. "
                              "Installez ce qui manque (.ci/run le fait) ou retirez le saut.", red=True)
        for nodeid in self.skipped:
            terminalreporter.line(f"  {nodeid}")


def pytest_configure(config: pytest.Config) -> None:
    if in_ci():
        config.pluginmanager.register(SkipGuard(), "alliance-sync-skip-guard")


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
