"""Uploading the workbook to Google Drive (Drive API v3), same credentials and same
HTTP machinery as Sheets (sync/google/): base address, timeouts, tenacity retries
with backoff and jitter, client-side limiter.

Two ways, both one file whose versions Drive keeps — not a pile of copies:

- ``drive_folder``: the period's file in a folder; the first delivery creates it
  (``files.create``), each later one uploads a new version (``files.update``).
  A service account has no storage quota: it can only create in a shared drive
  (Google Workspace); a person's OAuth login can create anywhere it may write.
- ``drive_file``: a file a person created once in their own Drive and shared with
  the tool's account (Éditeur); every delivery uploads a new version of it, by
  its id, and never creates a file: a service account then needs no quota.

Uploads are resumable (a session, then the content in chunks of 8 Mio): a
connection lost midway resumes from what Drive kept, asked with a status query,
instead of sending it all again (as Google's reference client does: a 308 is never
followed as a redirect, the retry budget is per failure, rate limits are waited out,
chunks included); a create whose outcome is unknown (its answer
lost) is asked of the session, or looked up in the folder, before any new
create: never a duplicate. The first version of each month is uploaded with
``keepRevisionForever`` (``drive_keep_versions``, on by default): Drive otherwise purges
a binary file's older versions after 30 days, and keeps at most 200 forever (a refusal
falls back to an unpinned upload with a warning). The content's MD5 that Drive reports is checked.

``ALLIANCE_SYNC_DRIVE_URL`` replaces ``https://www.googleapis.com`` as Drive's
address, as ``ALLIANCE_SYNC_SHEETS_URL`` does for Sheets; on a loopback address
no Google credentials are used.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import random
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from google.auth.exceptions import GoogleAuthError, RefreshError
from gspread.exceptions import APIError
from gspread.http_client import ParamsType

from sync.config import Config, GoogleSettings
from sync.config.delivery import DeliverySettings
from sync.delivery.content import drive_name
from sync.errors import DriveError as DriveError  # raised here; its home is sync/errors.py
from sync.google.auth import DEFAULT_TOKEN_DIR, Account, refresh_problem, scopes_for
from sync.google.client import connect, forbidden_reason
from sync.google.http import (
    GoogleCallFailed,
    RateLimiter,
    Reachability,
    RebasedSession,
    RetryingHTTPClient,
    RetryPolicy,
    api_base_url,
    describe_failure,
    failed_address,
    network_advice,
    retry_after,
    service_at,
    status_of,
    unreachable,
)
from sync.wording import plural, sentence_start

log = logging.getLogger("sync")

GOOGLE_APIS = "https://www.googleapis.com"
DRIVE_URL_ENV = "ALLIANCE_SYNC_DRIVE_URL"
FILES = GOOGLE_APIS + "/drive/v3/files"
UPLOAD = GOOGLE_APIS + "/upload/drive/v3/files"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILE_FIELDS = "id,name,version,md5Checksum,size,webViewLink"
# Google: chunks of a resumable upload are multiples of 256 Kio; 8 Mio is its advice.
CHUNK = 8 * 1024 * 1024
SERVICE_ACCOUNT_DOMAIN = ".gserviceaccount.com"
# Drive answers 403 (not 429) when a quota per user or per project is exceeded.
QUOTA_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}
# Drive's own quota is far above two requests a night; the limiter is there in
# case several alliances share the credentials.
REQUESTS_PER_MINUTE = 60

# Drive's JSON description of a file or folder (files.get, files.list, an upload's answer).
DriveFile = dict[str, Any]


def drive_base_url(resolved: str) -> str:
    """Drive's address: ``ALLIANCE_SYNC_DRIVE_URL`` (``resolved`` when the configuration was
    loaded, DeliverySettings.drive_url) or Google's."""
    return api_base_url(DRIVE_URL_ENV, GOOGLE_APIS, resolved)


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


def drive_client(
    google: GoogleSettings,
    settings: DeliverySettings,
    token_dir: Path = DEFAULT_TOKEN_DIR,
    network: Reachability | None = None,
) -> DriveClient:
    """Drive's client, by the one connection factory, from the two sections it needs:
    Google's (credentials, retries) and delivery's; the Sheets scopes too, so that one
    OAuth authorisation covers both. ``network``: the command's (``GoogleClients.network``),
    so that a delivery after reads that found Google unreachable tries once."""
    scopes = (*scopes_for(google.feedback), settings.drive_scope_url)
    connection = connect(
        google,
        base_url=drive_base_url(settings.drive_url),
        scopes=scopes,
        token_dir=token_dir,
        session_class=DriveSession,
    )
    limiter = RateLimiter(REQUESTS_PER_MINUTE, 60.0)
    http = DriveHTTPClient(
        connection.session,
        policy=RetryPolicy.from_settings(google),
        read_limiter=limiter,
        write_limiter=limiter,
        network=network,
    )
    return DriveClient(http, connection.account, connection.base_url)


def _quoted(text: str) -> str:
    """A string literal of Drive's query language."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def find_file(client: DriveClient, folder: str, name: str) -> DriveFile | None:
    """The file of that name in the folder (the most recently modified, if several)."""
    answer: DriveFile = client.http.request(
        "get",
        FILES,
        params={
            "q": f"{_quoted(folder)} in parents and name = {_quoted(name)} and trashed = false",
            "fields": "files(id,name,version,modifiedTime,md5Checksum,size,webViewLink)",
            "orderBy": "modifiedTime desc",
            "pageSize": 10,
            "corpora": "allDrives",
            "supportsAllDrives": "true",
            "includeItemsFromAllDrives": "true",
        },
    ).json()
    files: list[DriveFile] = answer.get("files") or []
    return files[0] if files else None


class _SessionLost(Exception):
    """Drive no longer knows the resumable session (404 or 410): start another."""


def upload(
    config: Config,
    settings: DeliverySettings,
    data: bytes,
    *,
    description: str = "",
    token_dir: Path = DEFAULT_TOKEN_DIR,
    network: Reachability | None = None,
) -> Uploaded:
    """Upload a new version of the configured file, or create the period's file in the folder."""
    assert settings.drive_folder or settings.drive_file, "no Drive folder or file configured"
    name = drive_name(config, settings)
    client = _client_or_error(config, settings, token_dir, network)
    metadata: DriveFile = {"description": description} if description else {}
    try:
        sent, existing = _put_workbook(client, settings, name, metadata, data)
    except Exception as exc:
        error = _upload_error(exc, client, settings)
        if error is None:
            raise
        raise error from None
    expected = hashlib.md5(data).hexdigest()
    if sent.get("md5Checksum") and sent["md5Checksum"] != expected:
        raise DriveError(
            f"le fichier « {sent.get('name', name)} » reçu par Google Drive diffère du classeur envoyé "
            f"(somme MD5 {sent['md5Checksum']} au lieu de {expected}) : relancez la livraison"
        )
    created = existing is None
    return Uploaded(
        str(sent.get("id", existing["id"] if existing else "")),
        str(sent.get("name", name)),
        str(sent.get("version", "")),
        created,
        str(sent.get("webViewLink", "")),
    )


def _put_workbook(
    client: DriveClient, settings: DeliverySettings, name: str, metadata: DriveFile, data: bytes
) -> tuple[DriveFile, DriveFile | None]:
    """The file Drive answers with, and the one it replaced (None: created)."""
    if settings.drive_file:
        target = get_item(client, settings.drive_file, "id,name,modifiedTime")
        pinning = _pinning(settings, target)
        return _resumable(client, pinning, "patch", f"{UPLOAD}/{settings.drive_file}", metadata, data), target
    folder = settings.drive_folder
    assert folder is not None
    existing = find_file(client, folder, name)
    if existing is not None:
        pinning = _pinning(settings, existing)
        return _resumable(client, pinning, "patch", f"{UPLOAD}/{existing['id']}", metadata, data), existing
    return _create(client, settings, folder, name, metadata, data), None  # a new file's first version is kept


def _pinning(settings: DeliverySettings, current: DriveFile) -> DeliverySettings:
    """The revision policy (docs/exploitation.md, « Ce que Drive garde »): Drive keeps at most
    200 revisions of a file forever, so only the first delivery of each month is pinned
    (``keepRevisionForever``); the others are kept by Drive for 30 days. The file's last
    change (``modifiedTime``) tells whether this month already has its delivery."""
    if not settings.drive_keep_versions:
        return settings
    month = dt.datetime.now(dt.UTC).strftime("%Y-%m")
    if str(current.get("modifiedTime", ""))[:7] == month:
        return dataclasses.replace(settings, drive_keep_versions=False)
    return settings


def _revision_limit(exc: BaseException) -> bool:
    """Drive refuses to keep one more revision of this file forever (200 at most)."""
    text = f"{_reason(exc)} {getattr(exc, 'error', {}) or ''}".lower()
    return status_of(exc) in (400, 403) and "revision" in text


def _upload_error(exc: Exception, client: DriveClient, settings: DeliverySettings) -> DriveError | None:
    """A failed upload in the coordinator's words; None for a failure nobody expected."""
    if isinstance(exc, GoogleCallFailed):
        return DriveError(call_failed(client, exc))
    if isinstance(exc, APIError):
        return DriveError(refusal(exc, client.account, settings.drive_folder or "", file_id=settings.drive_file))
    if isinstance(exc, ValueError):  # 200 with a body that is not JSON (a proxy's page)
        return DriveError(f"réponse illisible de Google Drive ({client.base_url}) : un proxy s'interpose-t-il ?")
    if isinstance(exc, RefreshError):
        return DriveError(refresh_problem(exc, client.account))
    if isinstance(exc, GoogleAuthError):
        return DriveError(f"Google a refusé les identifiants {client.account.of_who} pour Drive ({exc})")
    if isinstance(exc, requests.RequestException):  # not worth a retry: a wrong address, a bad proxy…
        where = (
            f"le fichier Google Drive {settings.drive_file}"
            if settings.drive_file
            else f"le dossier Google Drive {settings.drive_folder}"
        )
        service = service_at(exc, client.base_url, "Google Drive")  # the token endpoint's failure is its own
        return DriveError(
            f"échec de la connexion à {service} ({failed_address(exc) or client.base_url}) pour {where} : "
            f"{describe_failure(exc, client.base_url)}"
        )
    return None


def call_failed(client: DriveClient, exc: GoogleCallFailed) -> str:
    """A Drive call given up after its tries: the host that could not be reached (Drive's,
    or the token endpoint's) and why, with what to check; or Drive answering wrongly."""
    tries = f"{plural(exc.attempts, 'essai')} en {exc.elapsed:.0f} s"
    if _rate_limited(exc.error):
        return f"{_rate_message(exc.error, client.account)} ({tries})"
    if unreachable(exc.error):
        failed = failed_address(exc.error) or client.base_url
        service = service_at(exc.error, client.base_url, "Google Drive")
        return (
            f"{service} ({failed}) est injoignable ({describe_failure(exc.error, client.base_url)}, {tries}"
            f"{_once(exc)}) : {network_advice(exc.error)}"
        )
    return (
        f"Google Drive ({client.base_url}) ne répond pas correctement ({describe_failure(exc.error)}, {tries}) : "
        "réessayez plus tard"
    )


def _once(exc: GoogleCallFailed) -> str:
    """Why a Drive call was tried once: the command met the outage before (its reads)."""
    known = exc.known_outage
    if known is None or exc.attempts > 1:
        return ""
    return f", pas davantage : {known.address} était déjà injoignable plus tôt dans cette commande"


def _client_or_error(
    config: Config, settings: DeliverySettings, token_dir: Path, network: Reachability | None
) -> DriveClient:
    try:
        return drive_client(config.google, settings, token_dir, network)
    except Exception as exc:  # ConfigError, SourceUnavailable: already French
        message = getattr(exc, "message", None)
        if message is None:
            raise
        raise DriveError(f"identifiants Google inutilisables pour Drive : {message}") from None


def get_item(client: DriveClient, item_id: str, fields: str) -> DriveFile:
    """files.get of a file or folder (metadata only): a read, safe to retry."""
    item: DriveFile = client.http.request(
        "get", f"{FILES}/{item_id}", params={"fields": fields, "supportsAllDrives": "true"}
    ).json()
    return item


def _upload_params(settings: DeliverySettings) -> ParamsType:
    params: ParamsType = {"uploadType": "resumable", "supportsAllDrives": "true", "fields": FILE_FIELDS}
    if settings.drive_keep_versions:
        params["keepRevisionForever"] = "true"
    return params


def _create(
    client: DriveClient, settings: DeliverySettings, folder: str, name: str, metadata: DriveFile, data: bytes
) -> DriveFile:
    """files.create, never twice: when the outcome is unknown, the file is looked up first."""
    body = {**metadata, "name": name, "parents": [folder], "mimeType": XLSX_MIME}
    try:
        return _resumable(client, settings, "post", UPLOAD, body, data)
    except (_SessionLost, GoogleCallFailed) as exc:
        # The content may have reached Drive although its answer did not: a second
        # create would leave two files of the same name.
        done = find_file(client, folder, name)
        if done is not None and done.get("md5Checksum") == hashlib.md5(data).hexdigest():
            log.info(
                "Google Drive : le fichier « %s » a bien été créé malgré la réponse perdue (%s).", name, done["id"]
            )
            return done
        if isinstance(exc, GoogleCallFailed):
            raise
        log.warning("Google Drive : session de dépôt perdue, nouvelle session.")
        return _resumable(client, settings, "post", UPLOAD, body, data)


def _resumable(
    client: DriveClient, settings: DeliverySettings, method: str, url: str, metadata: DriveFile, data: bytes
) -> DriveFile:
    """One resumable upload: the session (retried like any request: it creates nothing),
    then the content; a lost update session is opened again once."""
    for attempt in (1, 2):
        try:
            answer = _open_session(client, settings, method, url, metadata, len(data))
        except APIError as exc:
            if not (settings.drive_keep_versions and _revision_limit(exc)):
                raise
            log.warning(
                "Google Drive refuse de garder une version de plus pour toujours (au plus 200 par fichier) : "
                "version déposée sans être épinglée, Drive la gardera 30 jours ; supprimez d'anciennes "
                "versions épinglées (Gérer les versions, dans Drive) pour épingler de nouveau."
            )
            settings = dataclasses.replace(settings, drive_keep_versions=False)
            answer = _open_session(client, settings, method, url, metadata, len(data))
        session_url = answer.headers.get("Location", "")
        if not session_url:
            raise ValueError("no Location header for the resumable session")
        try:
            return _send_content(client, session_url, data)
        except _SessionLost:
            if method == "post" or attempt == 2:
                raise
            log.warning("Google Drive : session de dépôt perdue, nouvelle session.")
    raise AssertionError("unreachable")


def _open_session(
    client: DriveClient, settings: DeliverySettings, method: str, url: str, metadata: DriveFile, length: int
) -> requests.Response:
    return client.http.request(
        method,
        url,
        params=_upload_params(settings),
        json=metadata,
        headers={"X-Upload-Content-Type": XLSX_MIME, "X-Upload-Content-Length": str(length)},
    )


def _send_content(client: DriveClient, session_url: str, data: bytes) -> DriveFile:
    """PUT the content from where Drive is; after a failure, ask Drive where it is
    (the question itself retried) and go on from there.

    As Google's own resumable client does (google-api-python-client, ``next_chunk``):
    redirects are never followed (Drive's 308 means « Resume Incomplete », whatever
    ``Location`` it carries); the retry budget (``max_attempts``, ``retry_deadline``)
    is per failure, started again each time Drive reports progress, so a long upload
    is not failed by its first dropped connection; rate-limit refusals (429, 403
    ``userRateLimitExceeded``) are waited out like a lost connection, honouring
    ``Retry-After``, with jitter."""
    total = len(data)
    retry = _ChunkRetry(client)
    offset = 0
    while True:
        chunk = data[offset : offset + CHUNK]
        try:
            outcome = _put(client, session_url, chunk, f"bytes {offset}-{offset + len(chunk) - 1}/{total}")
        except _TRANSFER_FAILURES as exc:
            outcome = retry.where_is_drive(session_url, total, exc)
        if isinstance(outcome, dict):
            return outcome
        if outcome > offset:
            retry.progress()
        offset = outcome


def _put(client: DriveClient, session_url: str, body: bytes, content_range: str) -> DriveFile | int:
    http = client.http
    http.write_limiter.acquire()
    return _session_answer(
        http.session.request(
            "put",
            session_url,
            data=body,
            timeout=http.timeout,
            headers={"Content-Range": content_range},
            allow_redirects=False,  # a 308 is « Resume Incomplete », never a redirect
        )
    )


class _ChunkRetry:
    """The retries of one resumable upload's content: a budget per failure."""

    def __init__(self, client: DriveClient):
        self.client = client
        self.failures = 0
        self.started = time.monotonic()

    def progress(self) -> None:
        """Drive kept more: the next failure has a whole budget again."""
        self.failures, self.started = 0, time.monotonic()

    def where_is_drive(self, session_url: str, total: int, exc: BaseException) -> DriveFile | int:
        """After a failed PUT, wait, then ask Drive what it kept (nothing is sent again
        before it says); the question is retried the same way."""
        http, policy = self.client.http, self.client.http.policy
        last = exc
        while True:
            if isinstance(last, APIError) and not http.is_transient(last):
                raise last
            self.failures += 1
            elapsed = time.monotonic() - self.started
            if self.failures >= policy.max_attempts or elapsed > policy.deadline:
                raise GoogleCallFailed(last, self.failures, elapsed) from None
            delay = self._delay(last)
            who = service_at(last, self.client.base_url, "Google Drive")
            log.warning(
                "%s : %s pendant le dépôt, reprise dans %.1f s.",
                sentence_start(who),
                describe_failure(last, self.client.base_url),
                delay,
            )
            http.sleep(delay)
            try:
                return _put(self.client, session_url, b"", f"bytes */{total}")
            except _TRANSFER_FAILURES as again:
                last = again

    def _delay(self, exc: BaseException) -> float:
        """Exponential, capped, with up to ``initial`` of jitter; Google's ``Retry-After`` wins."""
        policy = self.client.http.policy
        backoff: float = policy.initial * 2.0 ** (self.failures - 1) + random.uniform(0, policy.initial)
        delay = min(policy.maximum, backoff)
        asked = retry_after(exc)
        return min(policy.maximum, max(delay, asked)) if asked is not None else delay


_TRANSFER_FAILURES = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError, APIError)


def _session_answer(response: requests.Response) -> DriveFile | int:
    """The file when the upload is complete, else the offset to send from (308)."""
    if response.status_code in (200, 201):
        sent: DriveFile = response.json()
        return sent
    if response.status_code == 308:
        match = re.fullmatch(r"bytes=0-(\d+)", response.headers.get("Range", ""))
        return int(match.group(1)) + 1 if match else 0
    if response.status_code in (404, 410):
        raise _SessionLost()
    raise APIError(response)


def _rate_limited(exc: BaseException) -> bool:
    """Drive's « slow down »: 429, or 403 with a rate-limit reason."""
    status = status_of(exc)
    return status == 429 or (status == 403 and _reason(exc) in QUOTA_REASONS)


def _rate_message(exc: BaseException, account: Account) -> str:
    status, reason = status_of(exc), _reason(exc) or "rateLimitExceeded"
    return (
        f"Google Drive limite le rythme des requêtes {account.of_who} (erreur {status} {reason}), encore après "
        "les attentes : relancez la livraison plus tard (alliance-sync deliver) ; si d'autres outils emploient "
        "les mêmes identifiants, espacez leurs envois"
    )


def _forbidden(exc: APIError, account: Account, where: str, google: str, *, file_id: str | None) -> str:
    """Drive's 403 that is not a rate limit: storage (the tool's or the owner's), scopes, sharing."""
    reason = _reason(exc)
    if (reason == "storageQuotaExceeded" or "storage quota" in google) and "service accounts" not in google.lower():
        # The owner's Drive is full: the file counts against its owner's storage, not the tool's.
        return (
            f"{where} appartient à une personne dont l'espace de stockage Google Drive est plein "
            f"(403 : {google}) : cette personne doit libérer de l'espace (corbeille, fichiers, anciennes "
            f"versions) ou en acheter ; le partage avec {account.who} est correct"
        )
    if reason == "storageQuotaExceeded" or "storage quota" in google:
        return (
            f"{account.who} n'a pas d'espace de stockage dans Google Drive (403 : {google}) : placez "
            f"{where} dans un Drive partagé où ce compte est Gestionnaire de contenu, ou faites créer le "
            "fichier une fois par une personne dans son Drive, partagé avec ce compte en Éditeur, et "
            "indiquez-le dans [delivery] drive_file, ou utilisez une connexion OAuth ([google] oauth_client)"
        )
    other = forbidden_reason(exc, account, "Google Drive")
    if other:
        return other
    if account.kind == "anonymous":
        return f"le serveur refuse l'écriture dans {where} (403 : {google})"
    if file_id:
        return (
            f"{account.who} ne peut pas modifier {where} (403 : {google}) : partagez le fichier avec "
            f"{account.share_with} en modification (Éditeur)"
        )
    return (
        f"{account.who} ne peut pas déposer de fichier dans {where} (403 : {google}) : partagez le dossier "
        f"avec {account.share_with} en modification (Éditeur)"
    )


def refusal(exc: APIError, account: Account, folder: str, *, file_id: str | None = None) -> str:
    """Drive's refusal in the coordinator's words, saying what to do."""

    status = status_of(exc)
    try:
        google = str(exc.error.get("message", ""))[:300]
    except AttributeError:
        google = str(exc)[:300]
    where = f"le fichier Google Drive {file_id}" if file_id else f"le dossier Google Drive {folder}"
    if _rate_limited(exc):
        return _rate_message(exc, account)
    if status == 403:
        return _forbidden(exc, account, where, google, file_id=file_id)
    if status == 404:
        if file_id:
            return (
                f"{where} est introuvable pour {account.who} (404 : {google}) : vérifiez delivery.drive_file "
                "(la partie de l'adresse du fichier entre /d/ et /edit) et que le fichier est partagé avec "
                f"{account.share_with} (Éditeur)"
            )
        return (
            f"{where} est introuvable pour {account.who} (404 : {google}) : vérifiez delivery.drive_folder "
            "(la partie de l'adresse du dossier après /folders/) et que le dossier est partagé avec ce compte"
        )
    if status == 401:
        return f"Google a refusé les identifiants {account.of_who} (401 : {google})"
    return f"Google Drive a refusé le dépôt dans {where} (erreur {status} : {google})"


# --------------------------------------------------------------------------
# deliver --dry-run: which way is configured, and will it work? (read-only calls)


@dataclass
class DriveCheck:
    way: str  # French: the way configured
    lines: list[str] = field(default_factory=list)  # what was checked, in French
    problem: str = ""  # why the upload would fail; "" when it would work

    @property
    def ok(self) -> bool:
        return not self.problem


def check_drive(
    config: Config,
    settings: DeliverySettings,
    token_dir: Path = DEFAULT_TOKEN_DIR,
    network: Reachability | None = None,
) -> DriveCheck:
    """The credentials, then the file or folder, with reads only (about.get, files.get,
    files.list): nothing is created, uploaded or shared."""
    if settings.drive_file:
        way = (
            f"fichier {settings.drive_file} mis à jour par son identifiant (drive_file) : une nouvelle version "
            "à chaque livraison, jamais de création"
        )
    else:
        way = f"dossier {settings.drive_folder} (drive_folder) : le fichier de la période y est créé puis mis à jour"
    check = DriveCheck(way)
    try:
        client = _client_or_error(config, settings, token_dir, network)
    except DriveError as exc:
        check.problem = exc.message
        return check
    try:
        who: DriveFile = client.http.request(
            "get", GOOGLE_APIS + "/drive/v3/about", params={"fields": "user(emailAddress,displayName)"}
        ).json()
        email = str((who.get("user") or {}).get("emailAddress", ""))
        robot = email.endswith(SERVICE_ACCOUNT_DOMAIN) or client.account.kind == "service_account"
        kind = "compte de service" if robot else "compte Google"
        check.lines.append(f"identifiants : {kind} {email or client.account.who} ({_origin(client)})")
        if settings.drive_file:
            _check_file(client, settings, check)
        else:
            _check_folder(client, config, settings, check, robot)
    except GoogleCallFailed as exc:
        check.problem = call_failed(client, exc)
    except APIError as exc:
        check.problem = refusal(exc, client.account, settings.drive_folder or "", file_id=settings.drive_file)
    except Exception as exc:
        if isinstance(exc, RefreshError):
            check.problem = refresh_problem(exc, client.account)
        elif isinstance(exc, (GoogleAuthError, requests.RequestException, ValueError)):
            check.problem = f"Google Drive ({client.base_url}) injoignable ou réponse illisible : {exc}"
        else:
            raise
    return check


def _origin(client: DriveClient) -> str:
    account = client.account
    if account.kind == "anonymous":
        return f"serveur local {client.base_url}, {DRIVE_URL_ENV}"
    return f"{'clé' if account.kind == 'service_account' else 'jeton'} {account.origin}"


def _check_file(client: DriveClient, settings: DeliverySettings, check: DriveCheck) -> None:
    item = get_item(client, settings.drive_file or "", "id,name,mimeType,driveId,capabilities(canEdit)")
    where = "un Drive partagé" if item.get("driveId") else "le Drive d'une personne"
    editable = bool((item.get("capabilities") or {}).get("canEdit"))
    check.lines.append(
        f"fichier « {item.get('name', '')} » ({where}) : "
        f"{'modifiable' if editable else 'en lecture seule pour ce compte'}"
    )
    if item.get("mimeType") == "application/vnd.google-apps.folder":
        check.problem = (
            f"{settings.drive_file} est un dossier : indiquez-le dans [delivery] drive_folder, ou "
            "indiquez dans drive_file l'identifiant d'un fichier"
        )
    elif not editable:
        check.problem = (
            f"{client.account.who} ne peut pas modifier ce fichier : partagez-le avec "
            f"{client.account.share_with} en modification (Éditeur)"
        )


def _check_folder(
    client: DriveClient, config: Config, settings: DeliverySettings, check: DriveCheck, robot: bool
) -> None:
    folder = settings.drive_folder or ""
    item = get_item(client, folder, "id,name,mimeType,driveId,capabilities(canAddChildren)")
    shared = bool(item.get("driveId"))
    can_add = bool((item.get("capabilities") or {}).get("canAddChildren"))
    check.lines.append(
        f"dossier « {item.get('name', '')} » ({'Drive partagé' if shared else 'Mon Drive'}) : "
        f"{'dépôt permis' if can_add else 'dépôt refusé à ce compte'}"
    )
    name = drive_name(config, settings)
    existing = find_file(client, folder, name)
    check.lines.append(
        f"fichier « {name} » : "
        + ("présent, une nouvelle version y serait déposée" if existing else "absent, il serait créé")
    )
    if not can_add and existing is None:
        check.problem = (
            f"{client.account.who} ne peut pas déposer de fichier dans ce dossier : partagez-le avec "
            f"{client.account.share_with} en modification (Éditeur)"
        )
    elif robot and not shared and existing is None:
        check.problem = (
            "un compte de service n'a pas d'espace de stockage : il ne peut pas créer de fichier hors "
            "d'un Drive partagé (Google répondrait 403 storageQuotaExceeded) ; faites créer le fichier "
            "une fois par une personne, partagé avec ce compte en Éditeur, et indiquez-le dans "
            "[delivery] drive_file, ou utilisez un Drive partagé ou une connexion OAuth "
            "([google] oauth_client)"
        )
