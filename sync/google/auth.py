"""Who the tool is to Google: a service account, an OAuth-authorised user, or nobody.

- ``[google] credentials = "cle.json"`` (or ``GOOGLE_APPLICATION_CREDENTIALS``): a
  service-account key (or gcloud's authorised-user file). The nightly case.
- ``[google] oauth_client = "client.json"``: an installed-app OAuth client; the
  coordinator authorises once in a browser, the token is kept in the state folder.
- ``ALLIANCE_SYNC_SHEETS_URL`` on a loopback address: no Google credentials; a
  placeholder token is sent, since Google (and so the local servers) answers 401
  to a request without one.

Scopes are read-only unless the write-back of findings is on.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from google.auth.credentials import Credentials
from google.auth.exceptions import GoogleAuthError, RefreshError
from google.auth.transport.requests import Request
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account
from google.oauth2.credentials import Credentials as UserCredentials
from google_auth_oauthlib.flow import InstalledAppFlow

from sync.config import GoogleSettings
from sync.errors import ConfigError, SourceUnavailable, describe_os_error

log = logging.getLogger("sync")

# google-auth's classes are unannotated: calling them is « no-untyped-call » under
# mypy --strict only; « unused-ignore » keeps the project's present, non-strict mypy quiet.

READ_SCOPES = ("https://www.googleapis.com/auth/spreadsheets.readonly",)
WRITE_SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)
TOKEN_FILE = "google-oauth-jeton.json"
CREDENTIALS_ENV = "GOOGLE_APPLICATION_CREDENTIALS"

# Where the OAuth token is kept when no state folder is chosen (docs/exploitation.md):
# the command that knows the run's state folder passes it instead.
DEFAULT_TOKEN_DIR = Path(".alliance-sync")


def token_path(token_dir: Path) -> Path:
    return Path(token_dir) / TOKEN_FILE


@dataclass(frozen=True)
class Account:
    """The identity requests are made as, described for the coordinator."""

    kind: str  # "service_account", "user" or "anonymous"
    email: str = ""
    origin: str = ""  # the file the credentials came from

    @property
    def who(self) -> str:
        if self.kind == "service_account":
            return f"le compte de service {self.email}"
        if self.kind == "anonymous":
            return "l'accès anonyme (serveur local)"
        return f"le compte Google {self.email}" if self.email else "le compte Google autorisé"

    @property
    def of_who(self) -> str:
        """« du compte de service x@… », after « les identifiants »."""
        if self.kind == "anonymous":
            return "de l'accès anonyme (serveur local)"
        return "du" + self.who[len("le") :]

    @property
    def share_with(self) -> str:
        """The address a committee must share its spreadsheet with."""
        if self.email:
            return self.email
        if self.kind == "anonymous":
            return "(aucun partage : serveur local)"
        return "l'adresse du compte Google autorisé"


def scopes_for(write: bool) -> tuple[str, ...]:
    return WRITE_SCOPES if write else READ_SCOPES


LOCAL_TOKEN = "alliance-sync-serveur-local"


class LocalCredentials(Credentials):
    """What is sent to a local server (the tests', a demonstration): a fixed
    placeholder token, never a Google one, and nothing to refresh."""

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call, unused-ignore]  # google-auth: unannotated __init__
        self.token = LOCAL_TOKEN

    @property
    def expired(self) -> bool:
        return False

    @property
    def valid(self) -> bool:
        return True

    def refresh(self, request: object) -> None:
        pass


def anonymous() -> tuple[Credentials, Account]:
    return LocalCredentials(), Account("anonymous")


def load_credentials(
    settings: GoogleSettings, *, scopes: Sequence[str], token_dir: Path = DEFAULT_TOKEN_DIR
) -> tuple[Credentials, Account]:
    """The credentials the configuration names, for the ``scopes`` the caller asks
    (Sheets', and Drive's when delivery uploads there); ConfigError when none or
    unusable. ``token_dir``: where an OAuth login keeps its token (the state folder)."""
    scopes = list(scopes)
    if settings.credentials is not None:
        return _from_key_file(settings.credentials, scopes, key="google.credentials")
    if settings.oauth_client is not None:
        return _installed_app(settings.oauth_client, scopes, Path(token_dir))
    if settings.credentials_variable is not None:  # GOOGLE_APPLICATION_CREDENTIALS, read at load time
        return _from_key_file(settings.credentials_variable, scopes, key=CREDENTIALS_ENV)
    raise ConfigError(
        "aucun identifiant Google. Indiquez la clé JSON du compte de service "
        '([google] credentials = "cle-compte-de-service.json", ou la variable '
        f'{CREDENTIALS_ENV}), ou un client OAuth ([google] oauth_client = "client.json"). '
        "Voir le README, section Google Sheets.",
        key="google.credentials",
    )


def _read_json(path: Path, key: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"fichier d'identifiants Google introuvable : {path}", key=key) from None
    except OSError as exc:
        raise ConfigError(
            f"fichier d'identifiants Google illisible ({path}) : {describe_os_error(exc)}", key=key
        ) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        # Never the content in the message: it may be a private key.
        where = f" (ligne {exc.lineno}, colonne {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise ConfigError(
            f"fichier d'identifiants Google illisible ({path}) : ce n'est pas un fichier JSON"
            f"{where} ; téléchargez de nouveau la clé JSON",
            key=key,
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(f"fichier d'identifiants Google invalide : {path}", key=key)
    return data


def _from_key_file(path: Path, scopes: list[str], *, key: str) -> tuple[Credentials, Account]:
    data = _read_json(path, key)
    kind = data.get("type")
    try:
        if kind == "service_account":
            creds = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call, unused-ignore]
                data, scopes=scopes
            )  # google-auth: unannotated
            return creds, Account("service_account", creds.service_account_email, str(path))
        if kind == "authorized_user":
            creds = user_credentials.Credentials.from_authorized_user_info(  # type: ignore[no-untyped-call, unused-ignore]
                data, scopes=scopes
            )  # google-auth: unannotated
            return creds, Account("user", data.get("account", "") or "", str(path))
    except (ValueError, KeyError) as exc:
        raise ConfigError(
            f"clé de compte de service invalide ({path}) : {exc}. Téléchargez une nouvelle "
            "clé JSON depuis la console Google Cloud.",
            key=key,
        ) from None
    if "installed" in data or "web" in data:
        raise ConfigError(
            f"{path} est un client OAuth, pas une clé de compte de service : indiquez-le dans [google] oauth_client.",
            key=key,
        )
    # The file's « type » field, never Python's spelling of its absence (« None »).
    what = f"type « {kind} »" if isinstance(kind, str) and kind.strip() else "aucun champ « type »"
    raise ConfigError(
        f"{path} n'est pas une clé de compte de service ({what}) : téléchargez "
        "la clé JSON du compte de service (console Google Cloud, IAM, Comptes de "
        "service, Clés).",
        key=key,
    )


def _installed_app(client_file: Path, scopes: list[str], token_dir: Path) -> tuple[Credentials, Account]:
    """OAuth for an installed app: the cached token, refreshed, or a browser login."""

    client = _desktop_client(client_file)
    token = token_path(token_dir)
    creds = _cached_token(token, scopes)
    refreshed = False
    if creds is not None and not creds.valid and creds.refresh_token:
        creds = _refreshed_token(creds, token)
        refreshed = creds is not None
    if creds is None or not creds.valid:
        creds = _browser_login(client, scopes, token)
        refreshed = True
    if refreshed:
        _save_token(token, creds.to_json())  # type: ignore[no-untyped-call, unused-ignore]  # google-auth
    log.debug("Google : jeton OAuth %s (%s).", "renouvelé" if refreshed else "gardé en cache utilisé", token)
    return creds, Account("user", "", str(token))


def _desktop_client(client_file: Path) -> dict[str, Any]:
    """The OAuth client file, refused unless it is a desktop application's."""
    client = _read_json(client_file, "google.oauth_client")
    if "installed" not in client:
        raise ConfigError(
            f"{client_file} n'est pas un client OAuth « application de bureau » "
            "(console Google Cloud, Identifiants, ID client OAuth, type Application "
            "de bureau).",
            key="google.oauth_client",
        )
    return client


def _cached_token(token: Path, scopes: list[str]) -> UserCredentials | None:
    """The token kept in the state folder, if readable and authorised for ``scopes``."""
    if not token.is_file():
        return None
    try:
        creds: UserCredentials = UserCredentials.from_authorized_user_file(  # type: ignore[no-untyped-call, unused-ignore]
            str(token)
        )  # google-auth: unannotated
    except (ValueError, OSError, json.JSONDecodeError):
        return None
    if not creds.has_scopes(scopes):  # type: ignore[no-untyped-call, unused-ignore]  # google-auth: unannotated
        return None  # authorised read-only, write-back now on: ask again
    return creds


def _refreshed_token(creds: UserCredentials, token: Path) -> UserCredentials | None:
    """The cached token refreshed; None when refused on a terminal (a browser login follows);
    SourceUnavailable when refused with no one to log in."""
    try:
        creds.refresh(Request())  # type: ignore[no-untyped-call, unused-ignore]  # google-auth: unannotated
        return creds
    except GoogleAuthError as exc:
        if not sys.stdin.isatty():
            account = Account("user", "", str(token))
            if isinstance(exc, RefreshError) and getattr(exc, "retryable", False):
                raise SourceUnavailable(
                    f"le service d'authentification de Google ne répond pas ({exc}) : réessayez plus tard",
                    retryable=True,
                ) from None
            raise SourceUnavailable(
                refresh_problem(exc, account)
                if isinstance(exc, RefreshError)
                else f"l'autorisation Google enregistrée ({token}) est inutilisable ({exc}) : "
                "lancez « alliance-sync check-access » dans un terminal pour autoriser "
                "de nouveau l'accès",
                retryable=False,
            ) from None
        return None


def _browser_login(client: dict[str, Any], scopes: list[str], token: Path) -> UserCredentials:
    """A login in the browser, only on a terminal (never in the night's run)."""
    if not sys.stdin.isatty():
        raise SourceUnavailable(
            "aucune autorisation Google enregistrée pour ce compte : lancez une fois "
            "« alliance-sync check-access » dans un terminal et autorisez l'accès dans le "
            f"navigateur (le jeton sera gardé dans {token})"
        )

    flow = InstalledAppFlow.from_client_config(client, scopes)
    try:
        creds: UserCredentials = flow.run_local_server(
            port=0,
            open_browser=True,
            authorization_prompt_message="Ouvrez cette adresse pour autoriser alliance-sync : {url}",
            success_message="Autorisation reçue : vous pouvez fermer cette fenêtre.",
        )
    except Warning as exc:  # oauthlib: « Scope has changed from … to … »: a box left unticked
        granted = getattr(exc, "new_scope", None) or []
        raise SourceUnavailable(partial_consent(scopes, [str(g) for g in granted])) from None
    return creds


SCOPE_NAMES = {
    "https://www.googleapis.com/auth/spreadsheets": "Google Sheets (modification)",
    "https://www.googleapis.com/auth/spreadsheets.readonly": "Google Sheets (lecture)",
    "https://www.googleapis.com/auth/drive": "Google Drive",
    "https://www.googleapis.com/auth/drive.file": "Google Drive (fichiers de l'outil)",
}


def partial_consent(asked: Sequence[str], granted: Sequence[str]) -> str:
    """Google's consent screen lets a person tick only some of the scopes asked."""
    missing = [SCOPE_NAMES.get(s, s) for s in asked if s not in granted]
    kept = [SCOPE_NAMES.get(s, s) for s in granted if s in SCOPE_NAMES] or ["aucune"]
    return (
        f"sur l'écran d'autorisation de Google, toutes les cases n'ont pas été cochées : il manque "
        f"{', '.join(missing)} (autorisé : {', '.join(kept)}) ; relancez « alliance-sync check-access "
        "--config <fichier de configuration> » dans un terminal et cochez chaque case demandée"
    )


# How to authorise again, and a refused token refresh, in French (also for Drive).


def login_again(account: Account, *, drive: bool = False) -> str:
    """How to authorise again, for the kind of account (``drive``: Drive's scope too)."""
    if account.origin.endswith(TOKEN_FILE):
        return (
            "lancez « alliance-sync check-access --config <fichier de configuration> » dans un terminal "
            "et autorisez de nouveau l'accès dans le navigateur"
        )
    scopes = "https://www.googleapis.com/auth/cloud-platform,https://www.googleapis.com/auth/spreadsheets"
    if drive:
        scopes += ",https://www.googleapis.com/auth/drive"
    # Since June 2025, gcloud's own OAuth client refuses scopes outside Google Cloud
    # (Sheets, Drive) unless the login names a client of one's own.
    return (
        "indiquez un client OAuth « Application de bureau » de votre projet dans [google] oauth_client "
        "(alliance-sync demande alors lui-même les portées), ou une clé de compte de service dans [google] "
        "credentials ; gcloud seul ne peut plus accorder ces portées (son propre client OAuth les refuse) : "
        "il lui faut ce même client, « gcloud auth application-default login "
        f"--client-id-file=client-oauth.json --scopes={scopes} »"
    )


def refresh_problem(exc: BaseException, account: Account) -> str:
    """A refused refresh of the access token (google-auth's RefreshError), in French."""
    data = exc.args[1] if len(getattr(exc, "args", ())) > 1 and isinstance(exc.args[1], dict) else {}
    error = str(data.get("error", "")) or ("invalid_grant" if "invalid_grant" in str(exc) else "")
    detail = str(data.get("error_description", "")) or str(exc)
    if account.kind == "service_account":
        if "account not found" in detail.lower():
            advice = (
                "le compte de service a été supprimé : recréez-en un (console Google Cloud, IAM, Comptes de "
                "service), partagez-lui les chiffriers et indiquez sa clé JSON dans [google] credentials"
            )
        elif "short-lived" in detail or "iat" in detail or "exp" in detail.split():
            advice = "l'horloge de ce poste n'est pas à l'heure : réglez-la (synchronisation automatique de l'heure)"
        else:
            advice = (
                "la clé a été supprimée, désactivée ou a expiré (une organisation Google Cloud peut "
                "limiter la durée des clés) : créez une nouvelle clé JSON du compte de service et "
                "indiquez-la dans [google] credentials"
            )
        return f"Google a refusé la clé {account.origin} {account.of_who} ({error or 'refus'} : {detail}) : {advice}"
    if error == "invalid_grant":
        return (
            f"l'autorisation OAuth {account.of_who} a expiré ou a été révoquée (invalid_grant : {detail}). "
            "Une application OAuth laissée en mode « Test » perd ses autorisations après 7 jours : "
            "publiez-la (console Google Cloud, Écran de consentement OAuth, « Publier l'application ») "
            f"ou utilisez un compte de service. Ensuite, {login_again(account)}"
        )
    if error in ("invalid_client", "unauthorized_client", "deleted_client"):
        return (
            f"le client OAuth a été supprimé ou désactivé ({error} : {detail}) : créez un nouveau client "
            "OAuth « Application de bureau », indiquez-le dans [google] oauth_client, puis " + login_again(account)
        )
    return f"Google a refusé les identifiants {account.of_who} ({detail}) : {login_again(account)}"


def _save_token(path: Path, text: str) -> None:
    """Keep the token readable by its owner only: it opens the committees' spreadsheets."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
