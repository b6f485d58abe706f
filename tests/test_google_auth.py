"""Every authentication case has its French message, each reached through the local
servers with Google's own answers (tests/fixtures/google/auth_errors.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sync.cli import cli
from sync.config import load_config
from sync.errors import NoUsableData, SourceUnavailable
from sync.google.auth import READ_SCOPES, load_credentials
from tests.support.builders import payment, project
from tests.support.checks import build_report
from tests.support.sheets_server import KEYS, committee_tabs, google_config
from tests.test_google_resilience import oauth_files, service_account_file

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "google" / "auth_errors.json"
EST = KEYS["EST"]


def answer(name: str) -> tuple[int, dict]:
    recorded = json.loads(FIXTURES.read_text(encoding="utf-8"))[name]
    return recorded["status"], recorded["response_json"]


def fill(server) -> None:
    for code, key in KEYS.items():
        server.add_spreadsheet(
            key, committee_tabs([project(f"{code[:3]}-2020-001")], [payment(f"{code[:3]}-2020-001")])
        )


def est_problem(tmp_path, server, case: str) -> str:
    fill(server)
    status, body = answer(case)
    server.fail(EST, status, body=body)
    with pytest.raises(NoUsableData) as caught:
        build_report(load_config(google_config(tmp_path)))
    assert [r.status for r in server.requests if r.key == EST] == [status]  # never retried
    (line,) = caught.value.unreadable
    return line.removeprefix("Est de la Montérégie (EST) : ")


def test_insufficient_scopes_is_not_a_sharing_problem(tmp_path, sheets_api):
    assert est_problem(tmp_path, sheets_api, "insufficient_scopes") == (
        "les identifiants de l'accès anonyme (serveur local) n'ont pas les autorisations (scopes) demandées pour "
        "Google Sheets (403 : Request had insufficient authentication scopes.) ; un fichier « authorized_user » de "
        "gcloud n'a que celles demandées à la connexion : utilisez la clé JSON d'un compte de service"
    )


def test_a_missing_quota_project_is_not_a_disabled_api(tmp_path, sheets_api):
    problem = est_problem(tmp_path, sheets_api, "quota_project_required")
    assert problem.startswith(
        "Google exige un projet Google Cloud pour compter les requêtes de ces identifiants "
        "d'utilisateur (403 : Your application is authenticating by using local Application "
        "Default Credentials."
    )
    assert problem.endswith(
        "lancez « gcloud auth application-default set-quota-project ID_DU_PROJET » (un projet "
        "où l'API Google Sheets est activée), ou utilisez une clé de compte de service"
    )
    assert "n'est pas activée" not in problem


def test_a_disabled_api_names_the_project(tmp_path, sheets_api):
    assert est_problem(tmp_path, sheets_api, "api_disabled") == (
        "l'API Google Sheets n'est pas activée dans le projet Google Cloud du compte (projet n° 123456789) : "
        "activez « Google Sheets API » (console Google Cloud, API et services, Bibliothèque), attendez quelques "
        "minutes, puis relancez"
    )


@pytest.mark.parametrize(
    "case, advice",
    [
        (
            "service_account_key_deleted",
            "la clé a été supprimée, désactivée ou a expiré (une organisation Google Cloud "
            "peut limiter la durée des clés) : créez une nouvelle clé JSON du compte de "
            "service et indiquez-la dans [google] credentials",
        ),
        (
            "service_account_deleted",
            "le compte de service a été supprimé : recréez-en un (console Google Cloud, IAM, "
            "Comptes de service), partagez-lui les chiffriers et indiquez sa clé JSON dans "
            "[google] credentials",
        ),
    ],
)
def test_a_service_account_key_refused_by_google(tmp_path, sheets_api, monkeypatch, case, advice):
    key_file = service_account_file(tmp_path / "cle.json", f"{sheets_api.url}/token")
    sheets_api.token_answer = answer(case)
    monkeypatch.setenv("ALLIANCE_SYNC_SHEETS_URL", "https://sheets.invalid")  # never reached: the token fails
    config = google_config(tmp_path, google={"credentials": "cle.json"}, codes=("EST",))
    with pytest.raises(NoUsableData) as caught:
        build_report(load_config(config))
    _, body = answer(case)
    assert caught.value.unreadable == [
        f"Est de la Montérégie (EST) : Google a refusé la clé {key_file} du compte de service "
        f"alliance-sync@projet-tcpm.iam.gserviceaccount.com (invalid_grant : {body['error_description']}) : {advice}"
    ]


@pytest.fixture
def oauth_state(tmp_path, sheets_api, monkeypatch):
    """A kept OAuth token whose refresh goes to the local server: google-auth always
    refreshes a user's token at Google's endpoint, its module constant is pointed here."""
    import google.oauth2.credentials

    monkeypatch.setattr(google.oauth2.credentials, "_GOOGLE_OAUTH2_TOKEN_ENDPOINT", f"{sheets_api.url}/token")
    yield tmp_path


def test_a_revoked_or_expired_oauth_token_says_the_7_days_and_how_to_log_in_again(oauth_state, sheets_api):
    """The refresh is refused as Google refuses it (an app in « Testing » loses its tokens after 7 days)."""
    oauth_files(oauth_state, f"{sheets_api.url}/token", expiry="2020-01-01T00:00:00Z")
    sheets_api.token_answer = answer("token_revoked_or_expired")
    config = load_config(google_config(oauth_state, google={"oauth_client": "client.json"}))
    with pytest.raises(SourceUnavailable) as caught:
        load_credentials(config.google, scopes=READ_SCOPES, token_dir=oauth_state / "etat")
    assert caught.value.message == (
        "l'autorisation OAuth du compte Google autorisé a expiré ou a été révoquée (invalid_grant : Token has been "
        "expired or revoked.). Une application OAuth laissée en mode « Test » perd ses autorisations après 7 "
        "jours : publiez-la (console Google Cloud, Écran de consentement OAuth, « Publier l'application ») ou "
        "utilisez un compte de service. Ensuite, lancez « alliance-sync check-access --config <fichier de "
        "configuration> » dans un terminal et autorisez de nouveau l'accès dans le navigateur"
    )
    assert [r.kind for r in sheets_api.requests] == ["token"]  # one refresh asked, as Google was asked


def test_a_deleted_oauth_client(oauth_state, sheets_api):
    oauth_files(oauth_state, f"{sheets_api.url}/token", expiry="2020-01-01T00:00:00Z")
    sheets_api.token_answer = answer("oauth_client_deleted")
    config = load_config(google_config(oauth_state, google={"oauth_client": "client.json"}))
    with pytest.raises(SourceUnavailable) as caught:
        load_credentials(config.google, scopes=READ_SCOPES, token_dir=oauth_state / "etat")
    assert caught.value.message.startswith(
        "le client OAuth a été supprimé ou désactivé (deleted_client : The OAuth client was deleted.) : créez un "
        "nouveau client OAuth « Application de bureau », indiquez-le dans [google] oauth_client, puis lancez "
        "« alliance-sync check-access"
    )


def test_validate_exits_3_with_the_message(tmp_path, sheets_api):
    fill(sheets_api)
    status, body = answer("quota_project_required")
    sheets_api.fail(EST, status, body=body, times=None)
    result = CliRunner().invoke(cli, ["validate", "--config", str(google_config(tmp_path))])
    assert result.exit_code == 3
    assert "gcloud auth application-default set-quota-project ID_DU_PROJET" in result.output
    assert "Traceback" not in result.output


def test_a_request_refused_as_unauthenticated_names_the_server_and_what_to_check(tmp_path, sheets_api):
    from tests.support.sheets_server import UNAUTHENTICATED

    fill(sheets_api)
    sheets_api.fail(EST, 401, body=UNAUTHENTICATED)
    with pytest.raises(NoUsableData) as caught:
        build_report(load_config(google_config(tmp_path)))
    assert caught.value.unreadable == [
        f"Est de la Montérégie (EST) : le serveur {sheets_api.url} (variable ALLIANCE_SYNC_SHEETS_URL) a refusé les "
        "identifiants de l'accès anonyme (serveur local) (401 : Request is missing required authentication "
        "credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See "
        "https://developers.google.com/identity/sign-in/web/devconsole-project.) : vérifiez la clé du compte de "
        "service ([google] credentials) ou autorisez de nouveau l'accès"
    ]
    assert [r.status for r in sheets_api.requests if r.key == EST] == [401]


# -- the consent screen, and gcloud


class Terminal:
    """A standard input that is a terminal: the browser login is allowed."""

    def isatty(self) -> bool:
        return True


def test_a_box_left_unticked_on_the_consent_screen_is_explained(tmp_path, sheets_api, monkeypatch):
    """Google's consent screen lets a person tick Sheets and not Drive; its token answer
    then names only the scope granted, and oauthlib raises « Scope has changed »."""
    from google_auth_oauthlib.flow import InstalledAppFlow
    from oauthlib.oauth2.rfc6749.parameters import parse_token_response  # type: ignore[import-untyped]  # oauthlib ships no types

    from sync.config.delivery import DRIVE_SCOPES

    oauth_files(tmp_path, f"{sheets_api.url}/token", expiry="2020-01-01T00:00:00Z")
    (tmp_path / "etat" / "google-oauth-jeton.json").unlink()  # never authorised yet
    # Google's token answer (OAuth 2.0 for installed apps) with only one of the two scopes.
    granted = {
        "access_token": "ya29.a0AfB_byC",
        "expires_in": 3599,
        "refresh_token": "1//0gxEoDL4iW3cx",
        "scope": "https://www.googleapis.com/auth/spreadsheets.readonly",
        "token_type": "Bearer",
    }

    def consent(flow, **options):
        return parse_token_response(json.dumps(granted), scope=flow.oauth2session.scope)

    monkeypatch.setattr(InstalledAppFlow, "run_local_server", consent)
    monkeypatch.setattr("sys.stdin", Terminal())
    config = load_config(google_config(tmp_path, google={"oauth_client": "client.json"}))
    with pytest.raises(SourceUnavailable) as caught:
        load_credentials(config.google, scopes=(*READ_SCOPES, DRIVE_SCOPES["drive"]), token_dir=tmp_path / "etat")
    assert caught.value.message == (
        "sur l'écran d'autorisation de Google, toutes les cases n'ont pas été cochées : il manque Google Drive "
        "(autorisé : Google Sheets (lecture)) ; relancez « alliance-sync check-access --config <fichier de "
        "configuration> » dans un terminal et cochez chaque case demandée"
    )


def test_the_gcloud_advice_names_a_client_of_ones_own():
    """Since June 2025, « gcloud auth application-default login --scopes=…spreadsheets »
    is refused by gcloud's own client: the advice is oauth_client or a key."""
    from sync.google.auth import Account, login_again

    gcloud = Account("user", "", "/home/coordination/.config/gcloud/application_default_credentials.json")
    advice = login_again(gcloud, drive=True)
    assert advice.startswith(
        "indiquez un client OAuth « Application de bureau » de votre projet dans [google] oauth_client"
    )
    assert "ou une clé de compte de service dans [google] credentials" in advice
    assert (
        "« gcloud auth application-default login --client-id-file=client-oauth.json --scopes="
        "https://www.googleapis.com/auth/cloud-platform,https://www.googleapis.com/auth/spreadsheets,"
        "https://www.googleapis.com/auth/drive »"
    ) in advice
