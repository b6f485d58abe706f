"""The exact waits between the tries of a Google request (sync/google/http.py), through
real gspread against the local Sheets server. Waits are observed, never slept: the
client hands tenacity its ``sleep``, replaced here by a list that records them.

Policy: the n-th retry waits ``initial × 2ⁿ⁻¹`` plus up to ``initial`` of jitter,
at most ``maximum``; a ``Retry-After`` header is honoured (up to ``maximum``) when it
asks for longer; no wait is begun that would end past the request's deadline.
"""

from __future__ import annotations

import pytest

from sync.config import load_config
from sync.delivery.drive import DriveError
from sync.errors import NoUsableData
from tests.support.builders import _toml_table as toml_table
from tests.support.builders import payment, project, write_config
from tests.support.checks import build_report
from tests.support.delivery import FOLDER
from tests.support.sheets_server import KEYS, committee_tabs, google_config

EST = KEYS["EST"]


def alliance(tmp_path, server, **google):
    """EST reads its Google spreadsheet (the others their local workbook): the
    configuration (its client's waits are recorded by the ``google_waits`` fixture)."""
    server.add_spreadsheet(EST, committee_tabs([project("EST-2020-001")], [payment("EST-2020-001")]))
    settings = {"max_attempts": 8, "backoff_initial": 1.0, "backoff_max": 30.0, "retry_deadline": 10_000, **google}
    return load_config(google_config(tmp_path, codes=("EST",), google=settings))


@pytest.fixture
def waits(google_waits):
    return google_waits


def est_statuses(server) -> list[int]:
    return [r.status for r in server.requests if r.key == EST]


def test_a_retry_after_of_10_seconds_is_waited_10_seconds(tmp_path, sheets_api, waits):
    config = alliance(tmp_path, sheets_api)
    sheets_api.fail(EST, 429, retry_after=10)
    assert build_report(config).findings == []
    assert waits == [10.0]
    assert est_statuses(sheets_api) == [429, 200]


def test_each_retry_after_is_waited_as_asked(tmp_path, sheets_api, waits):
    config = alliance(tmp_path, sheets_api)
    for seconds in (10, 7, 12.5):
        sheets_api.fail(EST, 503, retry_after=seconds)
    assert build_report(config).findings == []
    assert waits == [10.0, 7.0, 12.5]  # each longer than the backoff of its retry (1–2 s, 2–3 s, 4–5 s)


def test_a_retry_after_at_and_beyond_the_longest_wait(tmp_path, sheets_api, waits):
    config = alliance(tmp_path, sheets_api)
    for seconds in (29, 30, 31, 3600):
        sheets_api.fail(EST, 429, retry_after=seconds)
    assert build_report(config).findings == []
    assert waits == [29.0, 30.0, 30.0, 30.0]  # backoff_max = 30


def test_a_retry_after_shorter_than_the_backoff_waits_the_backoff(tmp_path, sheets_api, waits):
    # initial = maximum = 5: every backoff is exactly 5 s (jitter capped away).
    config = alliance(tmp_path, sheets_api, backoff_initial=5.0, backoff_max=5.0)
    for seconds in (0, 4, 5):
        sheets_api.fail(EST, 429, retry_after=seconds)
    assert build_report(config).findings == []
    assert waits == [5.0, 5.0, 5.0]


def test_an_unreadable_retry_after_falls_back_on_the_backoff(tmp_path, sheets_api, waits):
    config = alliance(tmp_path, sheets_api)
    sheets_api.fail(EST, 429, retry_after="Wed, 21 Oct 2015 07:28:00 GMT")  # an HTTP date: not read
    assert build_report(config).findings == []
    assert len(waits) == 1 and 1.0 <= waits[0] <= 2.0


def test_backoff_doubles_then_stays_at_the_longest_wait(tmp_path, sheets_api, waits):
    config = alliance(tmp_path, sheets_api, backoff_initial=1.0, backoff_max=4.0)
    sheets_api.fail(EST, 503, times=6)
    assert build_report(config).findings == []
    assert len(waits) == 6
    assert 1.0 <= waits[0] <= 2.0 and 2.0 <= waits[1] <= 3.0  # 1 s then 2 s, plus jitter below 1 s
    assert waits[2:] == [4.0, 4.0, 4.0, 4.0]  # 4 s, 8 s, 16 s… capped at 4 s, jitter included


def test_no_wait_after_the_last_try(tmp_path, sheets_api, waits):
    config = alliance(tmp_path, sheets_api, max_attempts=3)
    sheets_api.fail(EST, 503, times=None, retry_after=10)
    with pytest.raises(NoUsableData, match=r"\(erreur 503 du serveur, 3 essais en \d+ s\)"):
        build_report(config)
    assert waits == [10.0, 10.0]  # 3 tries, 2 waits
    assert est_statuses(sheets_api) == [503, 503, 503]


def test_a_wait_that_would_end_at_the_deadline_is_not_begun(tmp_path, sheets_api, waits):
    config = alliance(tmp_path, sheets_api, retry_deadline=10)
    sheets_api.fail(EST, 429, retry_after=10)
    with pytest.raises(NoUsableData, match=r"\(quota de requêtes Google dépassé \(429\), 1 essai en \d+ s\)"):
        build_report(config)
    assert waits == []  # 10 s from now is past a deadline of 10 s from the first try
    assert est_statuses(sheets_api) == [429]


def test_a_wait_within_the_deadline_is_waited(tmp_path, sheets_api, waits):
    config = alliance(tmp_path, sheets_api, retry_deadline=60)
    sheets_api.fail(EST, 429, retry_after=10)
    assert build_report(config).findings == []
    assert waits == [10.0]


# -- Google Drive (delivery): its 403 quota answers are retried like a 429


def drive_upload(tmp_path, monkeypatch, **google):
    """Upload a small file to Drive's folder; the waits its client recorded."""
    from sync.config.delivery import delivery_settings
    from sync.delivery import drive

    settings = {"max_attempts": 4, "backoff_initial": 5.0, "backoff_max": 5.0, "retry_deadline": 10_000, **google}
    extra = "\n".join(toml_table("[delivery]", {"drive_folder": FOLDER}) + toml_table("[google]", settings))
    config = load_config(write_config(tmp_path, extra=extra))
    waits: list[float] = []
    made = drive.drive_client

    def recording_client(*args):
        client = made(*args)
        client.http.sleep = waits.append
        return client

    monkeypatch.setattr(drive, "drive_client", recording_client)
    return lambda: drive.upload(config, delivery_settings(config), b"classeur"), waits


def test_drive_quota_refusals_wait_the_backoff_then_upload(tmp_path, drive_api, monkeypatch):
    drive_api.add_folder(FOLDER)
    upload, waits = drive_upload(tmp_path, monkeypatch)
    drive_api.fail(403, times=2, reason="rateLimitExceeded")
    assert upload().created is True
    assert waits == [5.0, 5.0]  # initial = maximum = 5 s: the backoff, jitter capped away


def test_drive_permission_refusal_is_not_waited_for(tmp_path, drive_api, monkeypatch):
    drive_api.add_folder(FOLDER)
    upload, waits = drive_upload(tmp_path, monkeypatch)
    drive_api.fail(403, reason="insufficientFilePermissions")
    with pytest.raises(DriveError):
        upload()
    assert waits == []
