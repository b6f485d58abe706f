"""Uploading the workbook to a Google Drive folder (Drive API v3), same credentials
and same HTTP machinery as Sheets (sync/google/): base address, timeouts,
tenacity retries with backoff and jitter, client-side limiter.

One file per agreement period in the folder: the first delivery creates it
(``files.create``), each later one uploads a new version of the same file
(``files.update`` with media), so the folder holds one file whose history of
versions Drive keeps — not a pile of copies. Both are multipart uploads
(metadata and content in one request), fitting a workbook of a few megabytes;
the content's MD5 that Drive reports is checked against ours.

``ALLIANCE_SYNC_DRIVE_URL`` replaces ``https://www.googleapis.com`` as Drive's
address, as ``ALLIANCE_SYNC_SHEETS_URL`` does for Sheets; on a loopback address
no credentials are used.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass

from gspread.exceptions import APIError

from sync.config import Config
from sync.delivery.settings import DeliverySettings
from sync.google.auth import Account
from sync.google.http import (
    GoogleCallFailed,
    RateLimiter,
    RebasedSession,
    RetryingHTTPClient,
    RetryPolicy,
    api_base_url,
    describe_failure,
    is_loopback,
    status_of,
)
from sync.wording import plural

GOOGLE_APIS = "https://www.googleapis.com"
DRIVE_URL_ENV = "ALLIANCE_SYNC_DRIVE_URL"
FILES = GOOGLE_APIS + "/drive/v3/files"
UPLOAD = GOOGLE_APIS + "/upload/drive/v3/files"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILE_FIELDS = "id,name,version,md5Checksum,size,webViewLink"
# Drive answers 403 (not 429) when a quota per user or per project is exceeded.
QUOTA_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}
# Drive's own quota is far above two requests a night; the limiter is there in
# case several alliances share the credentials.
REQUESTS_PER_MINUTE = 60


def drive_base_url() -> str:
    return api_base_url(DRIVE_URL_ENV, GOOGLE_APIS)


def default_name(config: Config) -> str:
    """The one file of the agreement period: ``rapport-fqis-2019-2023.xlsx``."""
    return f"rapport-{config.fund.lower()}-{config.period_start:%Y}-{config.period_end:%Y}.xlsx"


def drive_name(config: Config, settings: DeliverySettings) -> str:
    return settings.drive_name or default_name(config)


class DriveError(Exception):
    """The upload failed; ``message`` is French, says what to do, and holds no secret."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class DriveSession(RebasedSession):
    google_base = GOOGLE_APIS


def _reason(exc: BaseException) -> str:
    """Drive's reason (``errors[].reason``), or the newer ``details[].reason``."""
    error = getattr(exc, "error", None)
    if not isinstance(error, dict):
        return ""
    for item in [*(error.get("errors") or []), *(error.get("details") or [])]:
        if isinstance(item, dict) and item.get("reason"):
            return str(item["reason"])
    return ""


class DriveHTTPClient(RetryingHTTPClient):
    service = "Google Drive"

    def is_transient(self, exc: BaseException) -> bool:
        return super().is_transient(exc) or (status_of(exc) == 403 and _reason(exc) in QUOTA_REASONS)


@dataclass
class Uploaded:
    file_id: str
    name: str
    version: str  # Drive's version number of the file, as text
    created: bool  # True: the file was created; False: a new version of it
    link: str = ""


@dataclass
class DriveClient:
    http: DriveHTTPClient
    account: Account
    base_url: str


def drive_client(config: Config, settings: DeliverySettings) -> DriveClient:
    from sync.google.auth import anonymous, load_credentials

    google = config.google
    base = drive_base_url()
    local = is_loopback(base)
    credentials, account = anonymous() if local else load_credentials(
        google, write=google.feedback, extra_scopes=(settings.drive_scope_url,))
    session = DriveSession(credentials, base, **({"refresh_status_codes": ()} if local else {}))
    limiter = RateLimiter(REQUESTS_PER_MINUTE, 60.0)
    http = DriveHTTPClient(session, policy=RetryPolicy.from_settings(google), read_limiter=limiter,
                           write_limiter=limiter)
    return DriveClient(http, account, base)


def _quoted(text: str) -> str:
    """A string literal of Drive's query language."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _multipart(metadata: dict, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    while boundary.encode() in data:  # astronomically unlikely, and then fatal: take another
        boundary = uuid.uuid4().hex
    head = (f"--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n"
            f"{json.dumps(metadata, ensure_ascii=False)}\r\n"
            f"--{boundary}\r\nContent-Type: {XLSX_MIME}\r\n\r\n").encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/related; boundary={boundary}"


def find_file(client: DriveClient, folder: str, name: str) -> dict | None:
    """The file of that name in the folder (the most recently modified, if several)."""
    answer = client.http.request("get", FILES, params={
        "q": f"{_quoted(folder)} in parents and name = {_quoted(name)} and trashed = false",
        "fields": "files(id,name,version,modifiedTime)", "orderBy": "modifiedTime desc", "pageSize": 10,
        "corpora": "allDrives", "supportsAllDrives": "true", "includeItemsFromAllDrives": "true",
    }).json()
    files = answer.get("files") or []
    return files[0] if files else None


def upload(config: Config, settings: DeliverySettings, data: bytes, *, description: str = "") -> Uploaded:
    """Create the period's file in the folder, or upload a new version of it."""
    folder = settings.drive_folder
    assert folder, "no Drive folder configured"
    name = drive_name(config, settings)
    try:
        client = drive_client(config, settings)
    except Exception as exc:  # ConfigError, SourceUnavailable: already French
        message = getattr(exc, "message", None)
        if message is None:
            raise
        raise DriveError(f"identifiants Google inutilisables pour Drive : {message}") from None
    try:
        existing = find_file(client, folder, name)
        metadata: dict = {"description": description} if description else {}
        params = {"uploadType": "multipart", "supportsAllDrives": "true", "fields": FILE_FIELDS}
        if existing is None:
            body, kind = _multipart({**metadata, "name": name, "parents": [folder], "mimeType": XLSX_MIME}, data)
            answer = client.http.request("post", UPLOAD, params=params, data=body, headers={"Content-Type": kind})
        else:
            body, kind = _multipart(metadata, data)
            answer = client.http.request("patch", f"{UPLOAD}/{existing['id']}", params=params, data=body,
                                         headers={"Content-Type": kind})
        sent = answer.json()
    except GoogleCallFailed as exc:
        raise DriveError(f"Google Drive ne répond pas correctement ({describe_failure(exc.error)}, "
                         f"{plural(exc.attempts, 'essai')} en {exc.elapsed:.0f} s) : réessayez plus tard") from None
    except APIError as exc:
        raise DriveError(refusal(exc, client.account, folder)) from None
    except ValueError:  # 200 with a body that is not JSON (a proxy's page)
        raise DriveError(f"réponse illisible de Google Drive ({client.base_url}) : un proxy s'interpose-t-il ?") \
            from None
    except Exception as exc:
        import requests
        from google.auth.exceptions import GoogleAuthError

        if isinstance(exc, GoogleAuthError):
            raise DriveError(f"Google a refusé les identifiants {client.account.of_who} pour Drive ({exc})") \
                from None
        if isinstance(exc, requests.RequestException):  # not worth a retry: a wrong address, a bad proxy…
            raise DriveError(f"échec de la connexion à Google Drive ({client.base_url}) : "
                             f"{describe_failure(exc)} ({exc})") from None
        raise
    expected = hashlib.md5(data).hexdigest()
    if sent.get("md5Checksum") and sent["md5Checksum"] != expected:
        raise DriveError(f"le fichier « {name} » reçu par Google Drive diffère du classeur envoyé (somme MD5 "
                         f"{sent['md5Checksum']} au lieu de {expected}) : relancez la livraison")
    return Uploaded(str(sent.get("id", existing["id"] if existing else "")), str(sent.get("name", name)),
                    str(sent.get("version", "")), existing is None, str(sent.get("webViewLink", "")))


def refusal(exc: APIError, account: Account, folder: str) -> str:
    """Drive's refusal in the coordinator's words, saying what to do."""
    status = status_of(exc)
    reason = _reason(exc)
    try:
        google = str(exc.error.get("message", ""))[:300]
    except AttributeError:
        google = str(exc)[:300]
    where = f"le dossier Google Drive {folder}"
    if status == 403:
        if reason == "storageQuotaExceeded" or "storage quota" in google:
            return (f"{account.who} n'a pas d'espace de stockage dans Google Drive (403 : {google}) : placez "
                    f"{where} dans un Drive partagé où ce compte est Gestionnaire de contenu, ou utilisez une "
                    "connexion OAuth ([google] oauth_client)")
        if reason in ("accessNotConfigured", "SERVICE_DISABLED") or "has not been used" in google:
            return ("l'API Google Drive n'est pas activée dans le projet Google Cloud du compte : activez "
                    "« Google Drive API » (console Google Cloud, API et services, Bibliothèque)")
        if account.kind == "anonymous":
            return f"le serveur refuse l'écriture dans {where} (403 : {google})"
        return (f"{account.who} ne peut pas déposer de fichier dans {where} (403 : {google}) : partagez le dossier "
                f"avec {account.share_with} en modification (Éditeur)")
    if status == 404:
        return (f"{where} est introuvable pour {account.who} (404 : {google}) : vérifiez delivery.drive_folder "
                "(la partie de l'adresse du dossier après /folders/) et que le dossier est partagé avec ce compte")
    if status == 401:
        return f"Google a refusé les identifiants {account.of_who} (401 : {google})"
    return f"Google Drive a refusé le dépôt dans {where} (erreur {status} : {google})"
