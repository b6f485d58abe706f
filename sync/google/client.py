"""One Google client per process, and Google's refusals in the coordinator's words.

The client (credentials, session, retries) is made once per process and shared by
every spreadsheet, so the quota limiter sees all requests; it is keyed by what
it depends on, so a change of address or configuration gets a new one.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

from sync.config import Config
from sync.errors import SourceUnavailable
from sync.google.auth import CREDENTIALS_ENV, Account, anonymous, load_credentials
from sync.google.http import (
    GoogleCallFailed,
    RateLimiter,
    RebasedSession,
    RetryingHTTPClient,
    RetryPolicy,
    describe_failure,
    is_loopback,
    sheets_base_url,
    status_of,
)
from sync.wording import plural

SPREADSHEET_LINK = "https://docs.google.com/spreadsheets/d/{key}/edit"
# Google's write quota per user and per minute is the same as the read quota.
WRITES_PER_MINUTE = 60


@dataclass
class GoogleClient:
    http: RetryingHTTPClient
    account: Account
    base_url: str
    writable: bool  # the scopes allow writing (write-back is on)


_lock = threading.Lock()
_clients: dict[tuple, GoogleClient] = {}
_limiters: dict[tuple[str, int], RateLimiter] = {}


def _limiter(kind: str, per_minute: int) -> RateLimiter:
    key = (kind, per_minute)
    if key not in _limiters:
        _limiters[key] = RateLimiter(per_minute, 60.0)
    return _limiters[key]


def google_client(config: Config, *, write: bool | None = None) -> GoogleClient:
    """The process's client for this configuration (read-only scope unless write-back)."""
    from sync.delivery.settings import delivery_scopes

    settings = config.google
    write = settings.feedback if write is None else write
    base = sheets_base_url()
    policy = RetryPolicy.from_settings(settings)
    local = is_loopback(base)
    # The Drive scope too when delivery uploads there: one OAuth authorisation covers both.
    extra = delivery_scopes(config)
    key = (base, local, settings.credentials, settings.oauth_client,
           os.environ.get(CREDENTIALS_ENV, ""), write, extra, policy, settings.reads_per_minute)
    with _lock:
        client = _clients.get(key)
        if client is not None:
            return client
        credentials, account = anonymous() if local else load_credentials(settings, write=write,
                                                                           extra_scopes=extra)
        # Anonymous credentials cannot be refreshed: a 401 from a local server is final.
        session = RebasedSession(credentials, base, **({"refresh_status_codes": ()} if local else {}))
        http = RetryingHTTPClient(session, policy=policy,
                                  read_limiter=_limiter("read", settings.reads_per_minute),
                                  write_limiter=_limiter("write", WRITES_PER_MINUTE))
        client = GoogleClient(http, account, base, write)
        _clients[key] = client
        return client


def reset_clients() -> None:
    """Forget the process's clients and limiters (tests start each from scratch)."""
    with _lock:
        for client in _clients.values():
            client.http.session.close()
        _clients.clear()
        _limiters.clear()


def spreadsheet_link(key: str, gid: int | None = None, cell: str = "") -> str:
    """https://docs.google.com/spreadsheets/d/KEY/edit#gid=GID&range=A1"""
    link = SPREADSHEET_LINK.format(key=key)
    if gid is not None:
        link += f"#gid={gid}"
        if cell:
            link += f"&range={cell}"
    return link


# --------------------------------------------------------------------------
# Google's refusals, in French, saying what to do


def _reason(exc) -> str:
    try:
        details = exc.error.get("details") or []
        return next((d.get("reason", "") for d in details if isinstance(d, dict) and d.get("reason")), "")
    except AttributeError:
        return ""


def _google_message(exc) -> str:
    try:
        return str(exc.error.get("message", ""))[:300]
    except AttributeError:
        return str(exc)[:300]


def access_problem(exc: BaseException, *, account: Account, committee: str, key: str,
                   writing: bool = False) -> SourceUnavailable:
    """Turn a failed Google call into SourceUnavailable with what to do about it.

    ``committee`` names the committee as in « du comité Est de la Montérégie ».
    """
    from google.auth.exceptions import GoogleAuthError, RefreshError

    sheet = f"chiffrier Google {committee} (clé {key})"
    if isinstance(exc, GoogleCallFailed):
        return SourceUnavailable(
            f"Google Sheets ne répond pas correctement pour le {sheet} ({describe_failure(exc.error)}, "
            f"{plural(exc.attempts, 'essai')} en {exc.elapsed:.0f} s) : réessayez plus tard ; si cela dure, "
            "consultez https://www.google.com/appsstatus", retryable=True)
    if isinstance(exc, RefreshError):
        if account.kind == "service_account":
            advice = ("la clé a peut-être été supprimée ou désactivée : créez une nouvelle clé JSON "
                      "du compte de service et indiquez-la dans [google] credentials")
        else:
            advice = "lancez « alliance-sync check-access » dans un terminal pour autoriser de nouveau l'accès"
        return SourceUnavailable(f"Google a refusé les identifiants {account.of_who} ({exc}) : {advice}")
    if isinstance(exc, GoogleAuthError):
        return SourceUnavailable(f"identifiants Google inutilisables ({account.of_who} : {exc}).",
                                 retryable=True)
    status = status_of(exc)
    message = _google_message(exc)
    reason = _reason(exc)
    if status == 403:
        if reason == "SERVICE_DISABLED" or "has not been used" in message or "is disabled" in message:
            return SourceUnavailable(
                "l'API Google Sheets n'est pas activée dans le projet Google Cloud du compte : "
                "activez « Google Sheets API » (console Google Cloud, API et services, Bibliothèque)")
        if account.kind == "anonymous":
            refused = "refuse l'écriture dans le" if writing else "refuse l'accès au"
            return SourceUnavailable(f"le serveur {refused} {sheet} (403 : {message})")
        if writing:
            return SourceUnavailable(
                f"{account.who} ne peut pas écrire dans le {sheet} : partagez-le en modification "
                f"(Éditeur) avec {account.share_with} pour recevoir l'onglet Validation, "
                "ou mettez [google] feedback = false")
        return SourceUnavailable(
            f"{account.who} n'a pas accès au {sheet} : partagez-le en lecture (Lecteur) avec "
            f"{account.share_with} (bouton « Partager » du chiffrier)")
    if status == 404:
        return SourceUnavailable(
            f"le {sheet} est introuvable : vérifiez la clé dans la configuration (la partie de "
            "l'adresse du chiffrier entre /d/ et /edit) ; s'il a été supprimé, restaurez-le "
            "depuis la corbeille de Google Drive")
    if status == 401:
        return SourceUnavailable(
            f"Google a refusé les identifiants {account.of_who} (401 : {message}) : vérifiez la clé "
            "du compte de service ([google] credentials) ou autorisez de nouveau l'accès")
    if status == 400 and "not supported for this document" in message:
        return SourceUnavailable(
            f"le document de clé {key} n'est pas un chiffrier Google Sheets (peut-être un fichier "
            ".xlsx déposé dans Drive) : ouvrez-le puis Fichier > Enregistrer au format Google Sheets, et indiquez la "
            "clé du nouveau chiffrier")
    if status is not None:
        return SourceUnavailable(f"Google a refusé la requête sur le {sheet} (erreur {status} : {message})")
    return SourceUnavailable(f"échec de la lecture du {sheet} : {describe_failure(exc)} ({exc}).",
                             retryable=True)
