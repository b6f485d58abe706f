"""The one Google connection factory (Sheets and Drive), the Sheets client, and Google's
refusals in the coordinator's words.

:func:`connect` is how every Google API is reached: the caller names the API's address
and the scopes it needs, and gets an authorised session and the account it acts as; on
a loopback address (a local server: the tests', a demonstration), no Google credentials.
A command's Sheets clients (session, retries, limiters) are kept by its
:class:`GoogleClients` and shared by every spreadsheet it reads or writes, so the quota
limiter sees all its requests; a client is keyed by what it depends on, so a change of
address or configuration gets a new one.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from google.auth.exceptions import GoogleAuthError, RefreshError

from sync.config import Config, GoogleSettings
from sync.errors import SourceUnavailable
from sync.google.auth import (
    DEFAULT_TOKEN_DIR,
    Account,
    anonymous,
    load_credentials,
    login_again,
    refresh_problem,
    scopes_for,
)
from sync.google.http import (
    GOOGLE_SHEETS,
    SHEETS_URL_ENV,
    DeadlinePassed,
    GoogleCallFailed,
    RateLimiter,
    Reachability,
    RebasedSession,
    RetryingHTTPClient,
    RetryPolicy,
    describe_failure,
    failed_address,
    is_loopback,
    network_advice,
    sheets_base_url,
    status_of,
    unreachable,
)
from sync.vocabulary.template import VALIDATION_TAB
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


@dataclass(frozen=True)
class Connection:
    """An authorised session to one Google API, and who it acts as."""

    session: RebasedSession
    account: Account
    base_url: str


def connect(
    settings: GoogleSettings,
    *,
    base_url: str,
    scopes: Sequence[str],
    token_dir: Path = DEFAULT_TOKEN_DIR,
    session_class: type[RebasedSession] = RebasedSession,
) -> Connection:
    """The one factory of a Google connection, for Sheets and for Drive: ``settings`` are
    the configuration's [google] table, ``scopes`` what the caller needs, ``token_dir``
    where an OAuth login keeps its token (the state folder the command chose)."""
    local = is_loopback(base_url)
    credentials, account = anonymous() if local else load_credentials(settings, scopes=scopes, token_dir=token_dir)
    # Anonymous credentials cannot be refreshed: a 401 from a local server is final.
    session = session_class(credentials, base_url, **({"refresh_status_codes": ()} if local else {}))
    return Connection(session, account, base_url)


# What a Sheets client depends on: address, credentials, write scope, scopes, retries, quota.
ClientKey = tuple[str, Path | None, Path | None, Path | None, bool, tuple[str, ...], RetryPolicy, int]


class GoogleClients:
    """The Sheets clients of one command, made when first asked and kept for the command:
    every spreadsheet it reads or writes shares one client per configuration and scopes,
    so that the quota limiters see all its requests. Made by the command (or by
    ``build_report`` for a bare call), never a module global: ``token_dir`` is the state
    folder that command chose, where an OAuth login keeps its token."""

    def __init__(self, token_dir: Path = DEFAULT_TOKEN_DIR) -> None:
        self.token_dir = Path(token_dir)
        self._lock = threading.Lock()
        self._clients: dict[ClientKey, GoogleClient] = {}
        self._limiters: dict[tuple[str, int], RateLimiter] = {}
        # The command's one view of the network, shared by its Sheets and Drive clients.
        self.network = Reachability()

    def _limiter(self, kind: str, per_minute: int) -> RateLimiter:
        key = (kind, per_minute)
        if key not in self._limiters:
            self._limiters[key] = RateLimiter(per_minute, 60.0)
        return self._limiters[key]

    def sheets(self, config: Config, *, write: bool | None = None, extra_scopes: tuple[str, ...] = ()) -> GoogleClient:
        """The Sheets client for this configuration (read-only scope unless write-back).

        ``extra_scopes``: asked besides the Sheets scopes, chosen by the caller (the Drive
        scope when delivery uploads there: one OAuth authorisation covers both)."""
        settings = config.google
        write = settings.feedback if write is None else write
        base = sheets_base_url(settings.sheets_url)
        policy = RetryPolicy.from_settings(settings)
        scopes = (*scopes_for(write), *extra_scopes)
        key = (
            base,
            settings.credentials,
            settings.oauth_client,
            settings.credentials_variable,
            write,
            scopes,
            policy,
            settings.reads_per_minute,
        )
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                connection = connect(settings, base_url=base, scopes=scopes, token_dir=self.token_dir)
                http = RetryingHTTPClient(
                    connection.session,
                    policy=policy,
                    read_limiter=self._limiter("read", settings.reads_per_minute),
                    write_limiter=self._limiter("write", WRITES_PER_MINUTE),
                    network=self.network,
                )
                client = self._clients[key] = GoogleClient(http, connection.account, base, write)
            return client


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


def _error_body(exc: BaseException) -> dict[str, Any] | None:
    """Google's JSON error (gspread's ``APIError.error``); None for any other failure."""
    error = getattr(exc, "error", None)
    return error if isinstance(error, dict) else None


def _reason(exc: BaseException) -> str:
    body = _error_body(exc)
    if body is None:
        return ""
    details = body.get("details") or []
    return next((str(d.get("reason", "")) for d in details if isinstance(d, dict) and d.get("reason")), "")


def _google_message(exc: BaseException) -> str:
    body = _error_body(exc)
    if body is None:
        return str(exc)[:300]
    return str(body.get("message", ""))[:300]


def _consumer(exc: BaseException) -> str:
    """The Google Cloud project a refusal names (``projects/123`` → ``123``)."""
    body = _error_body(exc)
    try:
        for detail in (body or {}).get("details") or []:
            consumer = str(((detail or {}).get("metadata") or {}).get("consumer", ""))
            if consumer:
                return consumer.rsplit("/", 1)[-1].replace("project_number:", "")
    except AttributeError:
        pass
    found = re.search(r"\bin project (\d+)", _google_message(exc))  # Drive's envelope says it in its message
    return found.group(1) if found else ""


def where(base_url: str) -> str:
    """« Google Sheets (https://sheets.googleapis.com) », or the local address used instead."""
    if not base_url or base_url == GOOGLE_SHEETS:
        return f"Google Sheets ({GOOGLE_SHEETS})"
    return f"le serveur {base_url} (variable {SHEETS_URL_ENV})"


def forbidden_reason(exc: BaseException, account: Account, service: str = "Google Sheets") -> str:
    """The French message for a 403 that is not about sharing (scopes, quota project,
    disabled API), or "" when it is about sharing."""
    message = _google_message(exc)
    reason = _reason(exc)
    lowered = message.lower()
    if (
        reason == "ACCESS_TOKEN_SCOPE_INSUFFICIENT"
        or "insufficient authentication scopes" in lowered
        or reason == "insufficientPermissions"
    ):
        drive = service == "Google Drive"
        fix = (
            login_again(account, drive=drive)
            if account.kind == "user"
            else "vérifiez [delivery] drive_scope (« drive » pour un dossier ou un fichier existant)"
            if drive
            else "utilisez la clé JSON d'un compte de service"
        )
        return (
            f"les identifiants {account.of_who} n'ont pas les autorisations (scopes) demandées pour "
            f"{service} (403 : {message}) ; un fichier « authorized_user » de gcloud n'a que celles demandées "
            f"à la connexion : {fix}"
        )
    if "quota project" in lowered:
        return (
            f"Google exige un projet Google Cloud pour compter les requêtes de ces identifiants d'utilisateur "
            f"(403 : {message}) : lancez « gcloud auth application-default set-quota-project ID_DU_PROJET » "
            f"(un projet où l'API {service} est activée), ou utilisez une clé de compte de service"
        )
    if (
        reason in ("SERVICE_DISABLED", "accessNotConfigured")
        or "has not been used" in lowered
        or "is disabled" in lowered
    ):
        project = _consumer(exc)
        in_project = f" (projet n° {project})" if project else ""
        return (
            f"l'API {service} n'est pas activée dans le projet Google Cloud du compte{in_project} : activez "
            f"« {service} API » (console Google Cloud, API et services, Bibliothèque), attendez quelques "
            "minutes, puis relancez"
        )
    return ""


def access_problem(
    exc: BaseException, *, account: Account, committee: str, key: str, writing: bool = False, base_url: str = ""
) -> SourceUnavailable:
    """Turn a failed Google call into SourceUnavailable with what to do about it.

    ``committee`` names the committee as in « du comité Est de la Montérégie »;
    ``base_url``: the address the call went to, named when it could not be reached.
    """

    base_url = base_url or GOOGLE_SHEETS
    sheet = f"chiffrier Google {committee} (clé {key})"
    if isinstance(exc, DeadlinePassed):
        last = f" ; dernier échec : {describe_failure(exc.last, base_url)}" if exc.last is not None else ""
        return SourceUnavailable(
            f"délai de la synchronisation dépassé avant la lecture du {sheet} ([google] deadline){last}", retryable=True
        )
    if isinstance(exc, GoogleCallFailed):
        return _call_failed(exc, sheet, base_url)
    if isinstance(exc, RefreshError):
        return SourceUnavailable(refresh_problem(exc, account), retryable=bool(getattr(exc, "retryable", False)))
    if isinstance(exc, GoogleAuthError):
        return SourceUnavailable(f"identifiants Google inutilisables ({account.of_who} : {exc}).", retryable=True)
    status = status_of(exc)
    if status is None:
        return SourceUnavailable(f"échec de la lecture du {sheet} : {describe_failure(exc, base_url)}.", retryable=True)
    return _refused(exc, status, account=account, sheet=sheet, key=key, writing=writing, base_url=base_url)


def _call_failed(exc: GoogleCallFailed, sheet: str, base_url: str) -> SourceUnavailable:
    """A call given up after its retries: unreachable, or answering wrongly."""
    service = where(base_url)
    failure = describe_failure(exc.error, base_url if unreachable(exc.error) else "")
    status = status_of(exc.error)
    tries = f"{plural(exc.attempts, 'essai')} en {exc.elapsed:.0f} s"
    if unreachable(exc.error):
        failed = failed_address(exc.error)
        elsewhere = bool(failed) and failed != base_url.rstrip("/")
        if elsewhere:  # the token endpoint: Sheets itself was never asked
            service = f"le serveur d'authentification Google ({failed})"
        advice = (
            network_advice(exc.error)
            if elsewhere or base_url == GOOGLE_SHEETS
            else f"vérifiez l'adresse {base_url} ({SHEETS_URL_ENV})"
        )
        return SourceUnavailable(
            f"{service} est injoignable pour le {sheet} ({failure}, {tries}) : {advice}", retryable=True
        )
    status_page = (
        " ; si cela dure, consultez https://www.google.com/appsstatus"
        if base_url == GOOGLE_SHEETS and (status is None or status >= 500)
        else ""
    )
    return SourceUnavailable(
        f"{service} ne répond pas correctement pour le {sheet} ({failure}, {tries}) : réessayez plus tard{status_page}",
        retryable=True,
    )


def _refused(
    exc: BaseException, status: int, *, account: Account, sheet: str, key: str, writing: bool, base_url: str
) -> SourceUnavailable:
    """Google's answer with an HTTP status: refused, not found, not a spreadsheet."""
    message = _google_message(exc)
    if status == 403:
        return _forbidden(exc, account=account, sheet=sheet, writing=writing, base_url=base_url, message=message)
    if status == 404:
        return SourceUnavailable(
            f"le {sheet} est introuvable : vérifiez la clé dans la configuration (la partie de "
            "l'adresse du chiffrier entre /d/ et /edit) ; s'il a été supprimé, restaurez-le "
            "depuis la corbeille de Google Drive"
        )
    service = where(base_url)
    if status == 401:
        return SourceUnavailable(
            f"{service} a refusé les identifiants {account.of_who} (401 : {message}) : vérifiez la clé "
            "du compte de service ([google] credentials) ou autorisez de nouveau l'accès"
        )
    if status == 400 and "protected cell or object" in message:
        return SourceUnavailable(protected_message(account, sheet, "", message))
    if status == 400 and "not supported for this document" in message:
        return SourceUnavailable(
            f"le document de clé {key} n'est pas un chiffrier Google Sheets (peut-être un fichier "
            ".xlsx déposé dans Drive) : ouvrez-le puis Fichier > Enregistrer au format Google Sheets, et indiquez la "
            "clé du nouveau chiffrier"
        )
    return SourceUnavailable(f"{service} a refusé la requête sur le {sheet} (erreur {status} : {message})")


def protected_message(account: Account, sheet: str, what: str, message: str = "") -> str:
    """A write refused by a protection of the committee's spreadsheet. ``what``: « tab »
    (the whole Validation tab), « cells » (some of its cells), "" (Google does not say)."""
    where = {
        "tab": f"l'onglet {VALIDATION_TAB} du {sheet} est protégé",
        "cells": f"des cellules de l'onglet {VALIDATION_TAB} du {sheet} sont protégées",
    }.get(what, f"l'onglet {VALIDATION_TAB} du {sheet}, ou certaines de ses cellules, est protégé")
    google = f" (400 : {message})" if message else ""
    allow = "" if account.kind == "anonymous" else f", ou y autoriser {account.share_with}"
    return (
        f"{where}{google} : {account.who} ne peut pas y écrire les constats ; le propriétaire du chiffrier doit "
        f"retirer cette protection (Données > Protéger les feuilles et les plages){allow} ; ou mettez [google] "
        "feedback = false"
    )


def _forbidden(
    exc: BaseException, *, account: Account, sheet: str, writing: bool, base_url: str, message: str
) -> SourceUnavailable:
    """A 403: scopes, quota project or disabled API, else the spreadsheet is not shared."""
    other = forbidden_reason(exc, account)
    if other:
        return SourceUnavailable(other)
    if account.kind == "anonymous":
        refused = "refuse l'écriture dans le" if writing else "refuse l'accès au"
        return SourceUnavailable(f"le serveur {base_url} {refused} {sheet} (403 : {message})")
    if writing:
        return SourceUnavailable(
            f"{account.who} ne peut pas écrire dans le {sheet} : partagez-le en modification "
            f"(Éditeur) avec {account.share_with} pour recevoir l'onglet Validation, "
            "ou mettez [google] feedback = false"
        )
    return SourceUnavailable(
        f"{account.who} n'a pas accès au {sheet} : partagez-le en lecture (Lecteur) avec "
        f"{account.share_with} (bouton « Partager » du chiffrier)"
    )
