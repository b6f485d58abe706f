"""The pytest fixtures shared by the test modules (loaded by ``-p tests.support.plugin``
in pyproject.toml): the local Google servers, started for one test each."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.drive_server import DriveServer
from tests.support.sheets_server import SheetsServer


@pytest.fixture(name="sheets_api")
def sheets_api_fixture(monkeypatch: pytest.MonkeyPatch) -> Iterator[SheetsServer]:
    """A running server that the Google source talks to (ALLIANCE_SYNC_SHEETS_URL).
    Each test starts without clients, and without a state folder chosen by an earlier
    command of the process (the tabs found at a read are kept there)."""
    from sync.google.auth import set_state_dir
    from sync.google.client import reset_clients

    with SheetsServer() as server:
        monkeypatch.setenv("ALLIANCE_SYNC_SHEETS_URL", server.url)
        monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
        set_state_dir(None)
        reset_clients()
        yield server
    reset_clients()
    set_state_dir(None)


@pytest.fixture(name="drive_api")
def drive_api_fixture(monkeypatch: pytest.MonkeyPatch) -> Iterator[DriveServer]:
    """A running server that delivery uploads to (ALLIANCE_SYNC_DRIVE_URL)."""
    with DriveServer() as server:
        monkeypatch.setenv("ALLIANCE_SYNC_DRIVE_URL", server.url)
        monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
        yield server
