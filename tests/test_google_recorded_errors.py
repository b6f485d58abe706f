"""The local Google servers answer with the bodies Google was recorded sending
(tests/fixtures/google/drive_errors.json, sheets_errors.json), and the French messages
built from those bodies say the right thing."""

from __future__ import annotations

import json
from pathlib import Path

import requests

from tests.support.delivery import FOLDER
from tests.support.sheets_server import KEYS
from tests.test_google_resilience import fill

EST = KEYS["EST"]
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "google"
DRIVE_ERRORS = json.loads((FIXTURES / "drive_errors.json").read_text(encoding="utf-8"))
SHEETS_ERRORS = json.loads((FIXTURES / "sheets_errors.json").read_text(encoding="utf-8"))
AUTH = {"Authorization": "Bearer jeton"}


def test_every_recorded_body_names_its_source():
    for recorded in (DRIVE_ERRORS, SHEETS_ERRORS):
        for name, entry in recorded.items():
            if name.startswith("_"):
                continue
            assert entry["_source"], name
            assert entry["body"]["error"]["code"] == entry["status"], name


def test_the_local_drive_refuses_every_nth_request_by_itself_as_drive_does(drive_api):
    drive_api.add_folder(FOLDER)
    drive_api.rate_limit_every = 2
    drive_api.rate_limit_retry_after = "3"
    about = f"{drive_api.url}/drive/v3/about"
    answers = [requests.get(about, params={"fields": "user"}, headers=AUTH, timeout=5) for _ in range(6)]
    assert [a.status_code for a in answers] == [200, 403, 200, 429, 200, 403]
    assert answers[1].json() == DRIVE_ERRORS["user_rate_limit_403"]["body"]
    assert "Retry-After" not in answers[1].headers
    assert answers[3].json() == DRIVE_ERRORS["rate_limit_429"]["body"]
    assert answers[3].headers["Retry-After"] == "3"


def test_the_local_drive_never_refuses_by_itself_unless_asked(drive_api):
    about = f"{drive_api.url}/drive/v3/about"
    assert {requests.get(about, headers=AUTH, timeout=5).status_code for _ in range(10)} == {200}


def test_the_local_sheets_refuses_an_over_size_payload_with_googles_recorded_body(sheets_api):
    fill(sheets_api)
    sheets_api.max_payload = 1_000
    answer = requests.put(
        f"{sheets_api.url}/v4/spreadsheets/{EST}/values/Projets!A1",
        params={"valueInputOption": "RAW"},
        json={"values": [["x" * 2_000]]},
        headers=AUTH,
        timeout=10,
    )
    recorded = SHEETS_ERRORS["payload_too_large_400"]["body"]
    assert answer.status_code == 400
    assert answer.json() == json.loads(json.dumps(recorded).replace("10485760", "1000"))
    assert answer.json()["error"]["errors"][0]["reason"] == "badRequest"
