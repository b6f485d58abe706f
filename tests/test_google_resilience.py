"""Quotas, outages and refusals: our retries, limiter and messages, through real gspread
and google-auth against the local Sheets API server."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from urllib.parse import parse_qs

import pytest
import requests
from click.testing import CliRunner
from gspread.exceptions import APIError

from sync.cli import cli
from sync.config import GoogleSettings, load_config
from sync.errors import ConfigError, NoUsableData, SourceUnavailable
from sync.google.auth import READ_SCOPES, WRITE_SCOPES, Account, load_credentials
from sync.google.client import GoogleClients, access_problem
from sync.google.http import RateLimiter, RetryingHTTPClient, RetryPolicy
from sync.runner import GoogleSpreadsheets
from tests.support.builders import payment, project
from tests.support.checks import build_report, validate
from tests.support.sheets_server import KEYS, committee_tabs, google_config

PREFIX = {"OUEST": "OUE", "EST": "EST", "LONGUEUIL": "LON"}
EST = KEYS["EST"]


def fill(server) -> None:
    for code, key in KEYS.items():
        p = PREFIX[code]
        server.add_spreadsheet(key, committee_tabs([project(f"{p}-2020-001")], [payment(f"{p}-2020-001")]))


def statuses(server, key: str) -> list[int]:
    return [r.status for r in server.requests if r.key == key]


def run_cli(*args: str):
    return CliRunner().invoke(cli, list(args))


# -- ridden out


def test_two_429s_and_a_502_with_an_html_body_are_ridden_out(tmp_path, sheets_api):
    fill(sheets_api)
    sheets_api.fail(EST, 429, times=2)
    sheets_api.fail(EST, 502, html=True)
    report = validate(google_config(tmp_path))
    assert report.findings == []
    assert statuses(sheets_api, EST) == [429, 429, 502, 200]
    assert len(report.workbooks["EST"].projects) == 1
    assert [statuses(sheets_api, KEYS[c]) for c in ("OUEST", "LONGUEUIL")] == [[200], [200]]


def test_a_dropped_connection_and_a_late_answer_are_ridden_out(tmp_path, sheets_api):
    fill(sheets_api)
    sheets_api.fail(EST, 0)  # connection closed without an answer
    sheets_api.slow(EST, 1.0)  # answers after the client's timeout (0.2 s)
    report = validate(google_config(tmp_path, google={"timeout": 0.2}))
    assert report.findings == []
    assert sheets_api.count(EST) == 3


def test_server_errors_500_and_503_are_retried(tmp_path, sheets_api):
    fill(sheets_api)
    sheets_api.fail(EST, 500)
    sheets_api.fail(EST, 503, html=True)
    assert validate(google_config(tmp_path)).findings == []
    assert statuses(sheets_api, EST) == [500, 503, 200]


# -- given up, with a message


def test_a_spreadsheet_that_stays_unavailable_gives_up_after_the_configured_tries(tmp_path, sheets_api):
    fill(sheets_api)
    sheets_api.fail(EST, 503, times=None)
    result = run_cli("validate", "--config", str(google_config(tmp_path)))
    assert result.exit_code == 3
    assert statuses(sheets_api, EST) == [503] * 4  # max_attempts = 4, then no more
    # The address actually used is named; Google's status page is not (this is not Google).
    assert re.search(
        r"le serveur http://127\.0\.0\.1:\d+ \(variable ALLIANCE_SYNC_SHEETS_URL\) ne répond pas "
        rf"correctement pour le chiffrier Google du comité Est de la Montérégie \(clé {EST}\) \(erreur "
        r"503 du serveur, 4 essais en \d+ s\) : réessayez plus tard\n",
        result.output,
    ), result.output
    assert "appsstatus" not in result.output
    assert "Traceback" not in result.output


def test_a_persistent_429_is_not_retried_forever(tmp_path, sheets_api):
    """gspread's BackOffHTTPClient would retry this one without end."""
    fill(sheets_api)
    sheets_api.fail(EST, 429, times=None)
    with pytest.raises(NoUsableData) as caught:
        build_report(load_config(google_config(tmp_path, google={"max_attempts": 3})))
    assert "quota de requêtes Google dépassé (429), 3 essais" in caught.value.message
    assert statuses(sheets_api, EST) == [429] * 3


def test_the_total_deadline_stops_the_retries(tmp_path, sheets_api):
    fill(sheets_api)
    sheets_api.fail(EST, 503, times=None)
    with pytest.raises(NoUsableData):
        build_report(load_config(google_config(tmp_path, google={"max_attempts": 10, "retry_deadline": 0})))
    assert statuses(sheets_api, EST) == [503]  # the next wait would end past the deadline


def test_a_spreadsheet_that_stays_403_exits_3_at_once(tmp_path, sheets_api):
    fill(sheets_api)
    sheets_api.share(EST, "none")
    result = run_cli("validate", "--config", str(google_config(tmp_path)))
    assert result.exit_code == 3
    assert statuses(sheets_api, EST) == [403]  # never retried
    assert (
        f"Est de la Montérégie (EST) : le serveur {sheets_api.url} refuse l'accès au chiffrier Google du comité "
        f"Est de la Montérégie (clé {EST}) (403 : The caller does not have permission)"
    ) in result.output
    assert "Traceback" not in result.output


def test_a_spreadsheet_that_stays_403_gives_exit_3_and_no_workbook_on_run(tmp_path, sheets_api):
    fill(sheets_api)
    sheets_api.share(EST, "none")
    output = tmp_path / "rapport.xlsx"
    result = run_cli(
        "run", "--config", str(google_config(tmp_path)), "--output", str(output), "--state-dir", str(tmp_path / "etat")
    )
    assert result.exit_code == 3, result.output
    assert not output.exists()
    assert statuses(sheets_api, EST) == [403]
    assert "Traceback" not in result.output
    assert f"(clé {EST})" in result.output


def test_a_missing_spreadsheet_says_to_check_the_key(tmp_path, sheets_api):
    fill(sheets_api)
    del sheets_api.spreadsheets[EST]
    result = run_cli("validate", "--config", str(google_config(tmp_path)))
    assert result.exit_code == 3
    assert (
        f"le chiffrier Google du comité Est de la Montérégie (clé {EST}) est introuvable : vérifiez la clé "
        "dans la configuration"
    ) in result.output
    assert statuses(sheets_api, EST) == [404]


def test_service_account_refusal_says_whom_to_share_with(sheets_api):
    """The message a coordinator gets from Google's real 403 body, for a service account."""
    sheets_api.add_spreadsheet("k", {"Projets": []})
    sheets_api.share("k", "none")
    token = {"Authorization": "Bearer ya29.jeton"}
    answer = requests.get(f"{sheets_api.url}/v4/spreadsheets/k", headers=token, timeout=10)
    account = Account("service_account", "alliance-sync@projet-tcpm.iam.gserviceaccount.com")
    problem = access_problem(APIError(answer), account=account, committee="du comité Est de la Montérégie", key="k")
    assert problem.message == (
        "le compte de service alliance-sync@projet-tcpm.iam.gserviceaccount.com n'a pas accès au chiffrier Google "
        "du comité Est de la Montérégie (clé k) : partagez-le en lecture (Lecteur) avec "
        "alliance-sync@projet-tcpm.iam.gserviceaccount.com (bouton « Partager » du chiffrier)"
    )
    writing = access_problem(
        APIError(answer), account=account, committee="du comité Est de la Montérégie", key="k", writing=True
    )
    assert (
        "ne peut pas écrire dans le chiffrier Google du comité Est de la Montérégie (clé k) : partagez-le "
        "en modification (Éditeur) avec alliance-sync@projet-tcpm.iam.gserviceaccount.com" in writing.message
    )
    sheets_api.fail(
        "k",
        403,
        reason="SERVICE_DISABLED",
        message="Google Sheets API has not been used in project 123 before or it is disabled.",
    )
    sheets_api.share("k", "write")
    disabled = requests.get(f"{sheets_api.url}/v4/spreadsheets/k", headers=token, timeout=10)
    assert access_problem(APIError(disabled), account=account, committee="", key="k").message.startswith(
        "l'API Google Sheets n'est pas activée dans le projet Google Cloud du compte"
    )


# -- the limiter and the waits


def test_the_limiter_holds_back_the_request_over_the_quota():
    now = [1000.0]
    waits = []

    def sleep(seconds):
        waits.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(2, 60.0, clock=lambda: now[0], sleep=sleep)
    limiter.acquire()
    now[0] += 10
    limiter.acquire()
    assert waits == []
    assert limiter.acquire() == 50.0  # until the first request leaves the minute
    assert waits == [50.0]
    now[0] += 9.5
    assert limiter.acquire() == 0.5
    assert waits == [50.0, 0.5]


def test_one_limiter_serves_every_spreadsheet_of_the_run(tmp_path, sheets_api):
    fill(sheets_api)
    config = load_config(google_config(tmp_path, google={"reads_per_minute": 2}))
    clients = GoogleClients()
    limiter = clients.sheets(config).http.read_limiter
    now = [0.0]
    waits = []
    limiter.clock = lambda: now[0]
    limiter.sleep = lambda seconds: (waits.append(seconds), now.__setitem__(0, now[0] + seconds))
    assert build_report(config, google=GoogleSpreadsheets(clients)).findings == []
    assert waits == [60.0]  # the third spreadsheet waited for the first read to leave the minute
    assert sheets_api.reads() == 3


def test_each_command_has_its_own_clients_and_limiters(tmp_path, sheets_api):
    """No client is kept by the process: two commands (two GoogleClients) share nothing,
    one command's spreadsheets share its client; the token folder is the command's."""
    config = load_config(google_config(tmp_path))
    first, second = GoogleClients(tmp_path / "etat"), GoogleClients()
    assert first.sheets(config) is first.sheets(config)
    assert first.sheets(config) is not second.sheets(config)
    assert first.sheets(config).http.read_limiter is not second.sheets(config).http.read_limiter
    assert first.sheets(config, write=True) is not first.sheets(config)  # other scopes, another client
    assert (first.token_dir, second.token_dir) == (tmp_path / "etat", Path(".alliance-sync"))


def test_waits_grow_exponentially_with_jitter_are_capped_and_honour_retry_after(tmp_path, sheets_api):
    """Google's real delays (1 s, doubling, at most 30 s), recorded instead of slept."""
    fill(sheets_api)
    config = load_config(
        google_config(
            tmp_path, google={"max_attempts": 8, "backoff_initial": 1.0, "backoff_max": 30.0, "retry_deadline": 10_000}
        )
    )
    clients = GoogleClients()
    http = clients.sheets(config).http
    assert isinstance(http, RetryingHTTPClient)
    assert http.timeout == (5.0, 5.0)  # [google] timeout = 5
    assert RetryPolicy.from_settings(GoogleSettings()) == RetryPolicy(8, 120.0, 1.0, 30.0, 10.0, 60.0)
    slept = []
    http.sleep = slept.append
    sheets_api.fail(EST, 503, times=6)
    sheets_api.fail(EST, 429, retry_after=3600)
    assert build_report(config, google=GoogleSpreadsheets(clients)).findings == []
    assert len(slept) == 7
    for attempt, wait in enumerate(slept[:6]):
        assert min(2**attempt, 30) <= wait <= min(2**attempt + 1, 30)
    assert slept[6] == 30.0  # Retry-After: 3600, capped at backoff_max


# -- credentials


def service_account_file(path: Path, token_uri: str) -> Path:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "projet-tcpm",
                "private_key_id": "0123456789abcdef",
                "private_key": pem,
                "client_email": "alliance-sync@projet-tcpm.iam.gserviceaccount.com",
                "client_id": "1234567890",
                "token_uri": token_uri,
            }
        ),
        encoding="utf-8",
    )
    return path


def test_a_refused_service_account_key_gives_a_clear_message(tmp_path, sheets_api, monkeypatch):
    """The key is refused by the token endpoint (here the local server, as Google
    answers for a deleted key); the Sheets address is never reached."""
    fill(sheets_api)
    key_file = service_account_file(tmp_path / "cle.json", f"{sheets_api.url}/token")
    monkeypatch.setenv("ALLIANCE_SYNC_SHEETS_URL", "https://sheets.invalid")
    config = google_config(tmp_path, google={"credentials": "cle.json"})
    result = run_cli("validate", "--config", str(config))
    assert result.exit_code == 3, result.output
    assert (
        f"Google a refusé la clé {key_file} du compte de service alliance-sync@projet-tcpm.iam.gserviceaccount"
        ".com (invalid_grant : Invalid JWT Signature.) : la clé a été supprimée, désactivée ou a expiré (une "
        "organisation Google Cloud peut limiter la durée des clés) : créez une nouvelle clé JSON du compte de "
        "service et indiquez-la dans [google] credentials"
    ) in result.output
    assert "Traceback" not in result.output
    tokens = [r for r in sheets_api.requests if r.kind == "token"]
    assert len(tokens) == 3  # once per committee, never retried
    assert sheets_api.reads() == 0
    # Read-only unless the write-back is on: the scope the key asked for.
    assertion = parse_qs(tokens[0].body)["assertion"][0]
    claims = json.loads(base64.urlsafe_b64decode(assertion.split(".")[1] + "=="))
    assert claims["scope"] == "https://www.googleapis.com/auth/spreadsheets.readonly"
    assert key_file.exists()


def test_scopes_are_read_only_unless_feedback(tmp_path, sheets_api):
    key_file = service_account_file(tmp_path / "cle.json", f"{sheets_api.url}/token")
    read = load_config(google_config(tmp_path / "a", google={"credentials": str(key_file)}))
    write = load_config(google_config(tmp_path / "b", feedback=True, google={"credentials": str(key_file)}))
    credentials, account = load_credentials(read.google, scopes=READ_SCOPES)
    assert tuple(credentials.scopes) == READ_SCOPES
    assert account == Account("service_account", "alliance-sync@projet-tcpm.iam.gserviceaccount.com", str(key_file))
    credentials, _ = load_credentials(write.google, scopes=WRITE_SCOPES)
    assert tuple(credentials.scopes) == WRITE_SCOPES


def test_google_application_credentials_is_used_when_the_file_names_none(tmp_path, sheets_api, monkeypatch):
    key_file = service_account_file(tmp_path / "cle.json", f"{sheets_api.url}/token")
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))
    config = load_config(google_config(tmp_path))
    _, account = load_credentials(config.google, scopes=READ_SCOPES)
    assert (account.email, account.origin) == ("alliance-sync@projet-tcpm.iam.gserviceaccount.com", str(key_file))


def test_no_credentials_is_a_configuration_error(tmp_path, sheets_api, monkeypatch):
    monkeypatch.setenv("ALLIANCE_SYNC_SHEETS_URL", "https://sheets.invalid")
    result = run_cli("validate", "--config", str(google_config(tmp_path)))
    assert result.exit_code == 2
    assert "aucun identifiant Google" in result.output
    assert "GOOGLE_APPLICATION_CREDENTIALS" in result.output


@pytest.mark.parametrize(
    "content, expected",
    [
        ("{ pas du json", "fichier d'identifiants Google illisible"),
        (json.dumps({"installed": {"client_id": "x"}}), "est un client OAuth, pas une clé de compte de service"),
        (
            json.dumps({"type": "external_account"}),
            "n'est pas une clé de compte de service (type « external_account »)",
        ),
    ],
)
def test_unusable_key_files_are_named(tmp_path, content, expected):
    (tmp_path / "cle.json").write_text(content, encoding="utf-8")
    config = load_config(google_config(tmp_path, google={"credentials": "cle.json"}))
    with pytest.raises(ConfigError) as caught:
        load_credentials(config.google, scopes=READ_SCOPES)
    assert expected in caught.value.message
    assert "google.credentials" in caught.value.message


def test_loopback_addresses_need_no_credentials():
    from sync.google.http import is_loopback

    assert [
        is_loopback(u)
        for u in (
            "http://127.0.0.1:8080",
            "http://127.9.9.9",
            "http://[::1]:80",
            "http://localhost:1",
            "https://sheets.googleapis.com",
            "http://10.0.0.1",
            "http://localhost.example.com",
        )
    ] == [True, True, True, True, False, False, False]


# -- installed-app OAuth: the token kept in the state folder


def oauth_files(tmp_path: Path, token_uri: str, *, expiry: str, scopes=READ_SCOPES) -> None:
    (tmp_path / "client.json").write_text(
        json.dumps(
            {
                "installed": {
                    "client_id": "123.apps.googleusercontent.com",
                    "client_secret": "secret",
                    "token_uri": token_uri,
                    "auth_uri": "https://accounts.google.com/o/oauth2/auth",
                    "redirect_uris": ["http://localhost"],
                }
            }
        ),
        encoding="utf-8",
    )
    state = tmp_path / "etat"
    state.mkdir(exist_ok=True)
    (state / "google-oauth-jeton.json").write_text(
        json.dumps(
            {
                "token": "ya29.jeton",
                "refresh_token": "1//rafraichir",
                "token_uri": token_uri,
                "client_id": "123.apps.googleusercontent.com",
                "client_secret": "secret",
                "scopes": list(scopes),
                "expiry": expiry,
            }
        ),
        encoding="utf-8",
    )


@pytest.fixture
def oauth_state(tmp_path, sheets_api):
    """The folder whose etat/ keeps the OAuth token, as a command's state folder."""
    return tmp_path


# -- one connection factory for Sheets and Drive (sync/google/client.py: connect)


def test_one_factory_connects_sheets_and_drive_anonymously_on_a_loopback_address(tmp_path, sheets_api, monkeypatch):
    """Sheets' client and Drive's both come from connect(): on a local server, the
    placeholder token and no refresh, whatever the configuration's credentials."""
    from sync.config.delivery import delivery_settings
    from sync.delivery.drive import drive_client
    from sync.google.auth import LOCAL_TOKEN
    from sync.google.client import connect

    monkeypatch.setenv("ALLIANCE_SYNC_DRIVE_URL", sheets_api.url)
    config = load_config(google_config(tmp_path, google={"credentials": "absente.json"}))
    connection = connect(config.google, base_url=sheets_api.url, scopes=READ_SCOPES, token_dir=tmp_path / "etat")
    sheets = GoogleClients(tmp_path / "etat").sheets(config)
    drive = drive_client(config.google, delivery_settings(config), tmp_path / "etat")
    for session, account in (
        (connection.session, connection.account),
        (sheets.http.session, sheets.account),
        (drive.http.session, drive.account),
    ):
        assert account.kind == "anonymous"
        assert session.credentials.token == LOCAL_TOKEN
        assert tuple(session._refresh_status_codes) == ()
    assert (connection.base_url, sheets.base_url, drive.base_url) == (sheets_api.url,) * 3


def test_the_factory_asks_google_for_the_callers_scopes_from_the_callers_token_folder(oauth_state, sheets_api):
    """Off a loopback address: the token kept in the folder the command chose, for the
    scopes the caller named; a token authorised for fewer scopes is not used."""
    from sync.google.client import connect

    oauth_files(oauth_state, "https://oauth2.googleapis.com/token", expiry="2099-01-01T00:00:00Z")
    config = load_config(google_config(oauth_state, google={"oauth_client": "client.json"}))
    connection = connect(
        config.google, base_url="https://sheets.googleapis.com", scopes=READ_SCOPES, token_dir=oauth_state / "etat"
    )
    assert connection.account.origin == str(oauth_state / "etat" / "google-oauth-jeton.json")
    assert tuple(connection.session.credentials.scopes) == READ_SCOPES
    with pytest.raises(SourceUnavailable) as caught:  # write scope wanted, no terminal to authorise it
        connect(
            config.google, base_url="https://sheets.googleapis.com", scopes=WRITE_SCOPES, token_dir=oauth_state / "etat"
        )
    assert caught.value.message.startswith(
        "aucune autorisation Google enregistrée pour ce compte : lancez une fois "
        "« alliance-sync check-access » dans un terminal"
    )
    with pytest.raises(SourceUnavailable):  # another folder keeps no token
        connect(
            config.google,
            base_url="https://sheets.googleapis.com",
            scopes=READ_SCOPES,
            token_dir=oauth_state / "ailleurs",
        )


def test_a_kept_oauth_token_is_used_without_a_browser(oauth_state, sheets_api):
    oauth_files(oauth_state, f"{sheets_api.url}/token", expiry="2099-01-01T00:00:00Z")
    config = load_config(google_config(oauth_state, google={"oauth_client": "client.json"}))
    credentials, account = load_credentials(config.google, scopes=READ_SCOPES, token_dir=oauth_state / "etat")
    assert credentials.valid and credentials.token == "ya29.jeton"
    assert (account.kind, account.origin) == ("user", str(oauth_state / "etat" / "google-oauth-jeton.json"))
    assert [r.kind for r in sheets_api.requests] == []  # nothing to refresh


def test_an_expired_oauth_token_without_refresh_asks_for_a_login(oauth_state, sheets_api):
    """google-auth always refreshes user tokens at Google's own endpoint, so the tests
    only reach the cases that need no refresh: here, nothing left to refresh with."""
    oauth_files(oauth_state, f"{sheets_api.url}/token", expiry="2020-01-01T00:00:00Z")
    kept = oauth_state / "etat" / "google-oauth-jeton.json"
    token = json.loads(kept.read_text())
    del token["refresh_token"]
    kept.write_text(json.dumps({**token, "refresh_token": None}))
    config = load_config(google_config(oauth_state, google={"oauth_client": "client.json"}))
    with pytest.raises(SourceUnavailable) as caught:
        load_credentials(config.google, scopes=READ_SCOPES, token_dir=oauth_state / "etat")
    assert caught.value.message == (
        "aucune autorisation Google enregistrée pour ce compte : lancez une fois « alliance-sync check-access » "
        "dans un terminal et autorisez l'accès dans le navigateur (le jeton sera gardé dans "
        f"{kept})"
    )


def test_a_read_only_token_is_not_enough_for_feedback(oauth_state, sheets_api):
    oauth_files(oauth_state, f"{sheets_api.url}/token", expiry="2099-01-01T00:00:00Z")
    config = load_config(google_config(oauth_state, feedback=True, google={"oauth_client": "client.json"}))
    with pytest.raises(SourceUnavailable) as caught:
        # No terminal here to authorise the write scope.
        load_credentials(config.google, scopes=WRITE_SCOPES, token_dir=oauth_state / "etat")
    assert caught.value.message.startswith("aucune autorisation Google enregistrée pour ce compte")


# -- failing fast: the run's deadline, committees read at once, the address named


def closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_committees_are_read_at_the_same_time(tmp_path, sheets_api):
    import threading

    fill(sheets_api)
    sheets_api.gate = threading.Barrier(3, timeout=10)  # each read waits until all three are in flight
    report = build_report(load_config(google_config(tmp_path)))
    assert report.findings == []
    assert sorted(r.status for r in sheets_api.requests) == [200, 200, 200]


def test_an_address_refusing_connections_is_named_and_not_retried_long(tmp_path, sheets_api, monkeypatch, google_waits):
    address = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("ALLIANCE_SYNC_SHEETS_URL", address)
    config = google_config(tmp_path, google={"max_attempts": 8})  # defaults but for millisecond waits
    slept = google_waits
    result = run_cli("validate", "--config", str(config))
    assert result.exit_code == 3
    assert len(slept) == 3 * 2  # three tries per committee, not eight
    for name, key in (
        ("Est de la Montérégie (EST)", EST),
        ("Agglomération de Longueuil (LONGUEUIL)", KEYS["LONGUEUIL"]),
    ):
        assert re.search(
            rf"  - {re.escape(name)} : le serveur {address} \(variable ALLIANCE_SYNC_SHEETS_URL\) "
            rf"est injoignable pour le chiffrier Google du comité .* \(clé {key}\) \(connexion refusée "
            rf"par {address} : aucun service n'y répond, 3 essais en \d+ s\) : vérifiez l'adresse "
            rf"{address} \(ALLIANCE_SYNC_SHEETS_URL\)\n",
            result.output,
        ), result.output
    assert "Validation impossible : des chiffriers n'ont pas pu être lus." in result.output
    assert "Aucun rapport produit" not in result.output and "appsstatus" not in result.output


def test_the_run_deadline_stops_every_read(tmp_path, sheets_api):
    fill(sheets_api)
    sheets_api.fail(EST, 503, times=None)
    config = load_config(
        google_config(tmp_path, google={"deadline": 0.5, "backoff_initial": 1.0, "backoff_max": 1.0, "max_attempts": 8})
    )
    with pytest.raises(NoUsableData) as caught:
        build_report(config)
    assert statuses(sheets_api, EST) == [503]  # the first wait would end past the run's deadline
    assert caught.value.unreadable == [
        f"Est de la Montérégie (EST) : délai de la synchronisation dépassé avant la lecture du chiffrier Google du "
        f"comité Est de la Montérégie (clé {EST}) ([google] deadline) ; dernier échec : erreur 503 du serveur "
        f"({sheets_api.url})"
    ]


def test_an_unknown_host_is_told_apart_from_a_server_error(tmp_path, sheets_api, monkeypatch):
    """A DNS failure (here the reserved .invalid domain) after a token obtained at the local server."""
    service_account_file(tmp_path / "cle.json", f"{sheets_api.url}/token")
    sheets_api.token_answer = (200, {"access_token": "ya29.jeton", "expires_in": 3600, "token_type": "Bearer"})
    monkeypatch.setenv("ALLIANCE_SYNC_SHEETS_URL", "https://sheets.invalid")
    with pytest.raises(NoUsableData) as caught:
        build_report(load_config(google_config(tmp_path, google={"credentials": "cle.json"}, codes=("EST",))))
    assert len(caught.value.unreadable) == 1
    assert re.fullmatch(
        rf"Est de la Montérégie \(EST\) : le serveur https://sheets.invalid \(variable ALLIANCE_SYNC_SHEETS_URL\) "
        rf"est injoignable pour le chiffrier Google du comité Est de la Montérégie \(clé {EST}\) \(adresse "
        rf"introuvable : le nom sheets.invalid n'a pu être résolu \(DNS\), 3 essais en \d+ s\) : vérifiez "
        r"l'adresse https://sheets.invalid \(ALLIANCE_SYNC_SHEETS_URL\)",
        caught.value.unreadable[0],
    )


def test_the_run_deadline_is_checked_and_defaults_to_three_minutes(tmp_path):
    assert load_config(google_config(tmp_path / "a")).google.deadline == 180.0
    with pytest.raises(ConfigError) as caught:
        load_config(google_config(tmp_path / "b", google={"deadline": 0}))
    assert caught.value.key == "google.deadline"
    assert caught.value.detail == "un nombre de secondes supérieur à 0 est attendu, lu : 0"


# -- credentials and addresses --------------------------------------------------------


@pytest.mark.parametrize("content", [bytes(range(256)), b'{"type": "service_account", "private_key": "SECRET'])
def test_garbage_google_credentials_are_explained_without_their_content(tmp_path, content):
    from sync.config import GoogleSettings
    from sync.google.auth import load_credentials

    key = tmp_path / "cle.json"
    key.write_bytes(content)
    with pytest.raises(ConfigError) as caught:
        load_credentials(GoogleSettings(credentials_variable=key), scopes=READ_SCOPES)  # GOOGLE_APPLICATION_CREDENTIALS
    message = caught.value.message
    assert f"fichier d'identifiants Google illisible ({key}) : ce n'est pas un fichier JSON" in message
    assert "codec" not in message and "SECRET" not in message


@pytest.mark.parametrize("url", ["http://proxy.exemple.org:3128", "ftp://127.0.0.1:9", "pas une adresse"])
def test_the_google_token_never_travels_in_clear_text(url):
    # Requests carry the bearer token: http:// to another machine would show it to the network.
    from sync.delivery.drive import DRIVE_URL_ENV, drive_base_url
    from sync.google.http import SHEETS_URL_ENV, sheets_base_url

    for variable, base_url in ((SHEETS_URL_ENV, sheets_base_url), (DRIVE_URL_ENV, drive_base_url)):
        with pytest.raises(ConfigError) as caught:
            base_url(url)  # the variable's value, resolved when the configuration was loaded
        assert caught.value.key == variable
        assert f"adresse « {url} » refusée : une adresse https://… est attendue" in caught.value.message


@pytest.mark.parametrize(
    "url", ["https://proxy.exemple.org/google", "http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:8080/"]
)
def test_https_and_local_addresses_are_accepted(url):
    from sync.google.http import sheets_base_url

    assert sheets_base_url(url) == url.rstrip("/")
    assert sheets_base_url("") == "https://sheets.googleapis.com"


def test_a_single_try_is_said_in_the_singular():
    from requests import ConnectionError as Unreachable

    from sync.google.auth import anonymous
    from sync.google.client import access_problem
    from sync.google.http import GoogleCallFailed

    problem = access_problem(
        GoogleCallFailed(Unreachable("refusée"), 1, 0.2), account=anonymous()[1], committee="du comité Ouest", key="CLE"
    )
    assert "1 essai en 0 s" in problem.message


def test_an_unreachable_token_server_is_named_in_french(tmp_path, monkeypatch):
    """No network at all: the token endpoint's name does not resolve. The message names
    that host and the cause (DNS), never google-auth's exception class, and does not
    advise to share a spreadsheet that was never reached."""
    service_account_file(tmp_path / "cle.json", "https://oauth2.invalid/token")
    monkeypatch.setenv("ALLIANCE_SYNC_SHEETS_URL", "https://sheets.invalid")
    result = run_cli(
        "validate", "--config", str(google_config(tmp_path, codes=("EST",), google={"credentials": "cle.json"}))
    )
    assert result.exit_code == 3, result.output
    assert "adresse introuvable : le nom oauth2.invalid n'a pu être résolu (DNS)" in result.output
    assert "TransportError" not in result.output and "Error" not in result.output
    assert (
        "le serveur d'authentification Google (https://oauth2.invalid) est injoignable pour le chiffrier "
        "Google du comité Est de la Montérégie"
    ) in result.output
    assert "3 essais" in result.output  # a host that cannot be found is not tried 8 times
    assert "vérifiez la connexion Internet de ce poste" in result.output
    assert "partagez" not in result.output and "Traceback" not in result.output
