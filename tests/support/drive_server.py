"""A local Google Drive API v3 server for the tests, on 127.0.0.1.

It answers what sync/delivery/drive.py sends, in the shapes Drive answers, and
refuses what Drive refuses:

- ``GET   /drive/v3/about?fields=user(…)`` — who the caller is;
- ``GET   /drive/v3/files?q=…`` — files.list; the query language's clauses
  ``'<id>' in parents``, ``name = '<text>'``, ``trashed = false`` (joined by
  ``and``, with ``\\'`` escapes), ``fields=files(…)``, ``orderBy=modifiedTime desc``;
  ``corpora=allDrives`` without ``includeItemsFromAllDrives=true`` and
  ``supportsAllDrives=true`` is a 403, as at Drive; items of a shared drive are
  listed only with ``includeItemsFromAllDrives=true``;
- ``GET   /drive/v3/files/<id>`` — files.get (metadata with ``capabilities``, or
  ``alt=media``); an item of a shared drive is a 404 without ``supportsAllDrives=true``;
- ``POST  /upload/drive/v3/files?uploadType=resumable|multipart`` — files.create;
- ``PATCH /upload/drive/v3/files/<id>?uploadType=resumable|multipart`` — files.update
  with media: a new version of the same file (``version`` goes up, revisions kept,
  each with its ``keepForever`` from ``keepRevisionForever``);
- ``PUT   <session address>`` — the resumable upload's content, whole or from an
  offset (``Content-Range: bytes a-b/total``), and its status query
  (``Content-Range: bytes */total``: 308 with ``Range``, or the file when complete).
  As at Drive: the session needs ``X-Upload-Content-Length``; every chunk but the last
  is a multiple of 256 KiB (:attr:`DriveServer.chunk_unit`); every other 308 carries a
  ``Location`` header (:attr:`DriveServer.location_on_308`), to ``/redirected`` (404),
  which a client must not follow; a refusal may carry ``Retry-After``; a file keeps at
  most 200 revisions forever (``keepRevisionForever``): the 201st is refused (403).
- Rate limits, by itself: with :attr:`DriveServer.rate_limit_every` = N, every Nth
  request (chunks and status queries included) is refused as Drive refuses a burst,
  in turn 403 ``userRateLimitExceeded`` (the body Google sent in a recorded answer,
  ``tests/fixtures/google/drive_errors.json``) and 429 ``rateLimitExceeded`` with
  ``Retry-After`` (:attr:`DriveServer.rate_limit_retry_after`); deterministic.

As at Drive: 401 without an ``Authorization`` header; a service account
(:attr:`DriveServer.caller`) has no storage quota, so it may not create a file
outside a shared drive (403 ``storageQuotaExceeded``), though it may upload a new
version of a file a person owns and shared with it. Folders and files are shared
per test (:meth:`DriveServer.add_folder`, :meth:`DriveServer.add_file`: access
``write``, ``read`` or ``none``); faults are injected (:meth:`DriveServer.fail`:
403 with Drive's reasons, 5xx, slow answers; :meth:`DriveServer.drop_upload`: the
connection lost mid-upload; :meth:`DriveServer.lose_answer`: the upload done but its
answer lost). Every request is recorded with its kind, headers and body.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import itertools
import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import cast
from urllib.parse import parse_qs, urlsplit

from tests.support.loopback import LoopbackServer
from tests.support.sheets_server import apply_fields, parse_fields

REASON_MESSAGES = {
    "insufficientFilePermissions": "The user does not have sufficient permissions for file {id}.",
    "notFound": "File not found: {id}.",
    "userRateLimitExceeded": "User Rate Limit Exceeded",
    "rateLimitExceeded": "Rate Limit Exceeded",
    "storageQuotaExceeded": (
        "Service Accounts do not have storage quota. Leverage shared drives "
        "(https://developers.google.com/workspace/drive/api/guides/about-shareddrives), "
        "or use OAuth delegation instead."
    ),
    "backendError": "Backend Error",
    "badRequest": "Bad Request",
    "teamDriveIncludeTeamDriveItemsRequired": (
        "The includeItemsFromAllDrives parameter must be set to true when "
        "driveId is specified or corpora contains drive or allDrives."
    ),
    "authError": "Request is missing required authentication credential. Expected OAuth 2 access token, login "
    "cookie or other valid authentication credential. See "
    "https://developers.google.com/identity/sign-in/web/devconsole-project.",
}


@dataclass
class Folder:
    id: str
    name: str
    access: str = "write"  # write, read or none
    drive_id: str | None = None  # the shared drive holding it; None: someone's « Mon Drive »


@dataclass
class DriveFile:
    id: str
    name: str
    parents: list[str]
    mime_type: str
    description: str = ""
    revisions: list[bytes] = field(default_factory=list)
    version: int = 1
    modified: str = ""
    kept_forever: list[bool] = field(default_factory=list)  # per revision: keepRevisionForever
    drive_id: str | None = None
    access: str | None = None  # shared with the caller by itself (drive_file); None: as its folder

    @property
    def content(self) -> bytes:
        return self.revisions[-1]

    def resource(self, access: str = "write") -> dict:
        resource = {
            "kind": "drive#file",
            "id": self.id,
            "name": self.name,
            "mimeType": self.mime_type,
            "parents": list(self.parents),
            "description": self.description,
            "version": str(self.version),
            "md5Checksum": hashlib.md5(self.content).hexdigest(),
            "size": str(len(self.content)),
            "modifiedTime": self.modified,
            "trashed": False,
            "webViewLink": f"https://drive.google.com/file/d/{self.id}/view?usp=drivesdk",
            "capabilities": {"canEdit": access == "write", "canAddChildren": False, "canDownload": True},
        }
        if self.drive_id:
            resource["driveId"] = self.drive_id
        return resource


@dataclass
class Fault:
    status: int = 403  # 0: the connection is dropped without an answer
    reason: str | None = None
    kind: str | None = None  # "list", "get", "create", "update", "upload", "status" or None (any)
    delay: float = 0.0  # seconds before answering (status 200: a slow, normal answer)
    keep: int | None = None  # upload dropped: the bytes Drive kept before the connection was lost
    done: bool = False  # the request is carried out, only its answer is lost
    body: dict | None = None  # Drive's whole JSON answer (tests/fixtures/google)
    retry_after: str | None = None  # the Retry-After header of the refusal
    skip: int = 0  # requests of its kind served normally before this fault applies


@dataclass
class Request:
    method: str
    path: str
    kind: str  # list, create, update, media or unknown
    params: dict
    headers: dict
    body: bytes
    status: int = 0
    metadata: dict | None = None  # the JSON part of a multipart upload, or a resumable session's metadata
    media: bytes | None = None  # the media part, or the bytes of a resumable PUT


@dataclass
class Session:
    """A resumable upload: what it will create or update, and the bytes received."""

    id: str
    kind: str  # create or update
    metadata: dict
    params: dict
    file_id: str | None = None  # update: the file; create: set once done
    received: bytearray = field(default_factory=bytearray)
    done: dict | None = None  # the file resource, once complete


class DriveServer(LoopbackServer):
    """``with DriveServer() as drive: drive.url``."""

    thread_name = "drive-server"

    def request_handler(self):
        return _Handler

    def __init__(self):
        self.folders: dict[str, Folder] = {}
        self.files: dict[str, DriveFile] = {}
        self.sessions: dict[str, Session] = {}
        self.requests: list[Request] = []
        self._faults: deque[Fault] = deque()
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._clock = itertools.count(1)
        self.caller = "user"  # or "service_account": no storage quota of its own
        self.email = "coordination@exemple.org"
        self.require_auth = True
        # Drive's 308 (« Resume Incomplete ») sometimes carries a Location header: a
        # client that follows it as a redirect lands on /redirected (404).
        self.location_on_308 = True
        self._308s = itertools.count()
        self.epoch = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)  # the clock of modifiedTime
        self.chunk_unit = CHUNK_UNIT  # a test of small chunks scales it down, never off
        # Rate limits answered by the server itself: every Nth request (0: never).
        self.rate_limit_every = 0
        self.rate_limit_retry_after = "1"
        self._served = itertools.count(1)
        self._rate_limits = itertools.cycle((403, 429))

    # -- content

    def add_folder(
        self, folder_id: str, name: str = "Rapports FQIS", access: str = "write", drive_id: str | None = None
    ) -> Folder:
        """A folder shared with the caller; ``drive_id``: it is in that shared drive."""
        assert access in ("write", "read", "none")
        with self._lock:
            self.folders[folder_id] = Folder(folder_id, name, access, drive_id)
            return self.folders[folder_id]

    def add_file(
        self,
        name: str,
        content: bytes = b"",
        *,
        access: str = "write",
        folder: str = "0AMonDrive",
        file_id: str | None = None,
    ) -> DriveFile:
        """A file a person created in their own Drive and shared with the caller (``access``)."""
        assert access in ("write", "read", "none")
        with self._lock:
            if folder not in self.folders:
                self.folders[folder] = Folder(folder, "Mon Drive", "none")
            file = DriveFile(
                file_id or f"1FiChIeR{next(self._ids):04d}xYz",
                name,
                [folder],
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                revisions=[content],
                modified=self._now(),
                kept_forever=[False],
                drive_id=self.folders[folder].drive_id,
                access=access,
            )
            self.files[file.id] = file
            return file

    def access_to(self, file: DriveFile) -> str:
        if file.access is not None:
            return file.access
        return self.folders.get(file.parents[0], Folder("", "", "none")).access

    def expire_sessions(self) -> None:
        """Forget every resumable session (Drive keeps one about a week)."""
        with self._lock:
            self.sessions.clear()

    def in_folder(self, folder_id: str) -> list[DriveFile]:
        with self._lock:
            return [f for f in self.files.values() if folder_id in f.parents]

    # -- faults and counts

    def fail(
        self,
        status: int = 403,
        times: int = 1,
        *,
        reason: str | None = None,
        kind: str | None = None,
        delay: float = 0.0,
        body: dict | None = None,
        retry_after: str | None = None,
        skip: int = 0,
    ) -> None:
        """The next ``times`` requests of ``kind`` (any kind: None) refused with ``status``;
        ``skip``: after that many of its kind served normally (the second look-up, not the first)."""
        faults = [Fault(status, reason, kind, delay, body=body, retry_after=retry_after) for _ in range(times)]
        if faults:
            faults[0].skip = skip
        with self._lock:
            self._faults.extend(faults)

    def clear_faults(self) -> None:
        """Drive answers normally again: the faults not yet met are dropped."""
        with self._lock:
            self._faults.clear()

    def drop_upload(self, keep: int, times: int = 1) -> None:
        """The next resumable PUTs lose their connection after Drive kept ``keep`` bytes."""
        with self._lock:
            self._faults.extend([Fault(0, kind="upload", keep=keep)] * times)

    def lose_answer(self, kind: str = "upload") -> None:
        """The next request of ``kind`` is carried out but its answer never arrives."""
        with self._lock:
            self._faults.append(Fault(0, kind=kind, done=True))

    def slow(self, delay: float, times: int = 1, kind: str | None = None) -> None:
        self.fail(200, times, kind=kind, delay=delay)

    def rate_limited(self) -> tuple[int, dict, dict] | None:
        """This request's own rate-limit refusal (status, body, headers), every
        :attr:`rate_limit_every` requests; None otherwise."""
        with self._lock:
            if not self.rate_limit_every or next(self._served) % self.rate_limit_every:
                return None
            status = next(self._rate_limits)
        if status == 403:
            return 403, RATE_LIMIT_403, {}
        return 429, RATE_LIMIT_429, {"Retry-After": self.rate_limit_retry_after}

    def _take_fault(self, kind: str) -> Fault | None:
        with self._lock:
            for fault in list(self._faults):
                if fault.kind in (None, kind):
                    if fault.skip:
                        fault.skip -= 1
                        return None
                    self._faults.remove(fault)
                    return fault
        return None

    def count(self, kind: str | None = None) -> int:
        with self._lock:
            return sum(1 for r in self.requests if kind is None or r.kind == kind)

    def of_kind(self, kind: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.kind == kind]

    # -- the API

    def _now(self) -> str:
        # Strictly increasing, so that « orderBy=modifiedTime desc » is deterministic.
        base = self.epoch + dt.timedelta(seconds=next(self._clock))
        return base.strftime("%Y-%m-%dT%H:%M:%S.000Z")

    def list_files(self, params: dict) -> dict:
        all_drives = _one(params, "includeItemsFromAllDrives") == "true"
        if _one(params, "corpora") in ("allDrives", "drive") and not (
            all_drives and _one(params, "supportsAllDrives") == "true"
        ):
            raise ApiError(
                403, "teamDriveIncludeTeamDriveItemsRequired", REASON_MESSAGES["teamDriveIncludeTeamDriveItemsRequired"]
            )
        clauses = parse_query(_one(params, "q") or "")
        found = []
        for f in self.files.values():
            if self.access_to(f) == "none":
                continue  # not shared with the caller: invisible, as in Drive
            if f.drive_id and not all_drives:
                continue  # a shared drive's item: listed only when asked for
            if all(_matches(f, clause) for clause in clauses):
                found.append(f)
        if (_one(params, "orderBy") or "").replace(" ", "") == "modifiedTimedesc":
            found.sort(key=lambda f: f.modified, reverse=True)
        resources = [_select(f.resource(self.access_to(f)), _inner_fields(_one(params, "fields"))) for f in found]
        return {"kind": "drive#fileList", "incompleteSearch": False, "files": resources}

    def about(self, params: dict) -> dict:
        kind = "serviceAccount" if self.caller == "service_account" else "user"
        answer = {
            "kind": "drive#about",
            "user": {
                "kind": "drive#user",
                "displayName": self.email,
                "me": True,
                "emailAddress": self.email,
                "permissionId": kind,
            },
        }
        return _select(answer, _one(params, "fields"))

    def get(self, item_id: str, params: dict) -> dict:
        """files.get of a folder or a file (metadata)."""
        all_drives = _one(params, "supportsAllDrives") == "true"
        folder = self.folders.get(item_id)
        if folder is not None and folder.access != "none" and (not folder.drive_id or all_drives):
            resource = {
                "kind": "drive#file",
                "id": folder.id,
                "name": folder.name,
                "mimeType": "application/vnd.google-apps.folder",
                "trashed": False,
                "capabilities": {"canEdit": folder.access == "write", "canAddChildren": folder.access == "write"},
            }
            if folder.drive_id:
                resource["driveId"] = folder.drive_id
            return _select(resource, _one(params, "fields"))
        file = self.files.get(item_id)
        if file is None or self.access_to(file) == "none" or (file.drive_id and not all_drives):
            raise ApiError(404, "notFound", REASON_MESSAGES["notFound"].format(id=item_id))
        return _select(file.resource(self.access_to(file)), _one(params, "fields"))

    def check_create(self, metadata: dict, params: dict) -> Folder:
        parents = metadata.get("parents") or []
        if len(parents) != 1:
            raise ApiError(400, "badRequest", "A shortcut or file must have exactly one parent.")
        folder = self.folders.get(parents[0])
        all_drives = _one(params, "supportsAllDrives") == "true"
        if folder is None or folder.access == "none" or (folder.drive_id and not all_drives):
            raise ApiError(404, "notFound", REASON_MESSAGES["notFound"].format(id=parents[0]))
        if folder.access != "write":
            raise ApiError(
                403, "insufficientFilePermissions", REASON_MESSAGES["insufficientFilePermissions"].format(id=parents[0])
            )
        if not metadata.get("name"):
            raise ApiError(400, "badRequest", "The file name is required.")
        if self.caller == "service_account" and not folder.drive_id:
            raise ApiError(403, "storageQuotaExceeded", REASON_MESSAGES["storageQuotaExceeded"])
        return folder

    def create(self, metadata: dict, media: bytes, params: dict) -> dict:
        folder = self.check_create(metadata, params)
        file = DriveFile(
            f"1DrIvE{next(self._ids):04d}xYz",
            metadata["name"],
            [folder.id],
            metadata.get("mimeType") or "application/octet-stream",
            metadata.get("description", ""),
            [media],
            1,
            self._now(),
            [_one(params, "keepRevisionForever") == "true"],
            folder.drive_id,
        )
        self.files[file.id] = file
        return _select(file.resource(), _one(params, "fields"))

    def check_update(self, file_id: str, metadata: dict, params: dict) -> DriveFile:
        file = self.files.get(file_id)
        all_drives = _one(params, "supportsAllDrives") == "true"
        if file is None or self.access_to(file) == "none" or (file.drive_id and not all_drives):
            raise ApiError(404, "notFound", REASON_MESSAGES["notFound"].format(id=file_id))
        if self.access_to(file) != "write":
            raise ApiError(
                403, "insufficientFilePermissions", REASON_MESSAGES["insufficientFilePermissions"].format(id=file_id)
            )
        if "parents" in metadata:
            raise ApiError(
                403, "fieldNotWritable", "The resource body includes fields which are not directly writable."
            )
        if _one(params, "keepRevisionForever") == "true" and sum(file.kept_forever) >= PINNED_LIMIT:
            # Drive keeps at most 200 revisions of a file forever; the wording is this fake's
            # (no real answer recorded yet), the limit is Drive's.
            raise ApiError(403, "revisionLimitExceeded", PINNED_MESSAGE)
        return file

    def update(self, file_id: str, metadata: dict, media: bytes, params: dict) -> dict:
        file = self.check_update(file_id, metadata, params)
        file.name = metadata.get("name", file.name)
        file.description = metadata.get("description", file.description)
        file.revisions.append(media)
        file.kept_forever.append(_one(params, "keepRevisionForever") == "true")
        file.version += 1
        file.modified = self._now()
        return _select(file.resource(self.access_to(file)), _one(params, "fields"))

    def open_session(self, kind: str, file_id: str | None, metadata: dict, params: dict) -> Session:
        if kind == "create":
            self.check_create(metadata, params)
        else:
            self.check_update(file_id or "", metadata, params)
        session = Session(f"sEsSiOn{next(self._ids):04d}", kind, metadata, params, file_id)
        self.sessions[session.id] = session
        return session

    def complete(self, session: Session) -> dict:
        media = bytes(session.received)
        if session.kind == "create":
            session.done = self.create(session.metadata, media, session.params)
            session.file_id = session.done.get("id")
        else:
            session.done = self.update(session.file_id or "", session.metadata, media, session.params)
        return session.done


class ApiError(Exception):
    def __init__(self, code: int, reason: str, message: str):
        super().__init__(message)
        self.code = code
        self.body = {
            "error": {
                "code": code,
                "message": message,
                "errors": [{"message": message, "domain": "global", "reason": reason}],
            }
        }


# --------------------------------------------------------------------------
# Query language, fields, multipart


_CLAUSE = re.compile(
    r"""^\s*(?:'((?:[^'\\]|\\.)*)'\s+in\s+parents|(name|mimeType)\s*=\s*'((?:[^'\\]|\\.)*)'"""
    r"""|trashed\s*=\s*(true|false))\s*$"""
)


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _split_and(q: str) -> list[str]:
    """Split on `` and `` outside string literals (which escape ``'`` as ``\\'``)."""
    parts, current, quoted, i = [], "", False, 0
    while i < len(q):
        char = q[i]
        if quoted and char == "\\":
            current += q[i : i + 2]
            i += 2
            continue
        if char == "'":
            quoted = not quoted
        if not quoted and q[i : i + 5].lower() == " and ":
            parts.append(current)
            current, i = "", i + 5
            continue
        current += char
        i += 1
    return [*parts, current]


def parse_query(q: str) -> list[tuple[str, object]]:
    """``'F' in parents and name = 'N' and trashed = false`` → clauses; ValueError otherwise."""
    clauses: list[tuple[str, object]] = []
    for part in _split_and(q) if q.strip() else []:
        match = _CLAUSE.match(part)
        if match is None:
            raise ValueError(part)
        parent, field_name, value, trashed = match.groups()
        if parent is not None:
            clauses.append(("parent", _unescape(parent)))
        elif field_name is not None:
            clauses.append((field_name, _unescape(value)))
        else:
            clauses.append(("trashed", trashed == "true"))
    return clauses


def _matches(f: DriveFile, clause: tuple[str, object]) -> bool:
    kind, value = clause
    if kind == "parent":
        return value in f.parents
    if kind == "name":
        return f.name == value
    if kind == "mimeType":
        return f.mime_type == value
    return value is False  # trashed = false: no file here is trashed


def _inner_fields(fields: str | None) -> str | None:
    """``files(id,name)`` → ``id,name``."""
    if not fields:
        return None
    match = re.fullmatch(r"\s*files\((.*)\)\s*", fields)
    return match.group(1) if match else None


def _select(resource: dict, fields: str | None) -> dict:
    if not fields:  # Drive's default fields
        return {k: resource[k] for k in ("kind", "id", "name", "mimeType") if k in resource}
    return apply_fields(resource, parse_fields(fields))


def parse_multipart(content_type: str, body: bytes) -> tuple[dict, bytes]:
    """The JSON metadata and the media of a ``multipart/related`` body; ApiError 400 otherwise."""
    match = re.fullmatch(r"multipart/related;\s*boundary=\"?([^\";]+)\"?", content_type.strip())
    if match is None:
        raise ApiError(400, "badRequest", f"Bad content type {content_type!r}: multipart/related expected.")
    delimiter = b"--" + match.group(1).encode()
    closing = b"\r\n" + delimiter + b"--"
    if not body.startswith(delimiter + b"\r\n") or closing not in body:
        raise ApiError(400, "badRequest", "Malformed multipart body.")
    inner = body[len(delimiter) + 2 : body.rindex(closing)]
    parts = inner.split(b"\r\n" + delimiter + b"\r\n")
    if len(parts) != 2:
        raise ApiError(400, "badRequest", f"Multipart body has {len(parts)} parts, 2 expected.")
    decoded = []
    for part in parts:
        head, sep, content = part.partition(b"\r\n\r\n")
        if not sep:
            raise ApiError(400, "badRequest", "Multipart part without headers.")
        headers = dict(line.split(b":", 1) for line in head.split(b"\r\n") if b":" in line)
        decoded.append(({k.strip().lower().decode(): v.strip().decode() for k, v in headers.items()}, content))
    (meta_headers, meta), (_, media) = decoded
    if not meta_headers.get("content-type", "").startswith("application/json"):
        raise ApiError(400, "badRequest", "The first part must be the JSON metadata.")
    try:
        metadata = json.loads(meta.decode("utf-8"))
    except ValueError:
        raise ApiError(400, "badRequest", "Invalid JSON metadata.") from None
    return metadata, media


def _one(params: dict, name: str) -> str | None:
    values = params.get(name)
    return values[-1] if values else None


# --------------------------------------------------------------------------
# HTTP


_UPLOAD = re.compile(r"^/upload/drive/v3/files(?:/([^/]+))?$")
_FILE = re.compile(r"^/drive/v3/files(?:/([^/]+))?$")


def _id_in(pattern: re.Pattern[str], path: str) -> str:
    """The file id in a path the request's kind was told from (empty for a create or a list)."""
    found = pattern.match(path)
    assert found is not None, path
    return found.group(1) or ""


PINNED_LIMIT = 200
_DRIVE_ERRORS = json.loads((Path(__file__).resolve().parent.parent / "fixtures/google/drive_errors.json").read_text())
# Google's answers to a burst (tests/fixtures/google/README.md says where each comes from).
RATE_LIMIT_403 = _DRIVE_ERRORS["user_rate_limit_403"]["body"]
RATE_LIMIT_429 = _DRIVE_ERRORS["rate_limit_429"]["body"]
PINNED_MESSAGE = "The maximum number of revisions kept forever (200) for this file has been reached."
# Every chunk but the last is a multiple of 256 KiB (Google's resumable upload protocol).
CHUNK_UNIT = 256 * 1024
CHUNK_MESSAGE = (
    "Invalid request. The number of bytes uploaded is required to be equal or greater than 262144, except for "
    "the final request (it's recommended to be the exact multiple of 262144). The received request contained "
    "a chunk that is not a multiple of 262144 bytes."
)
_RANGE = re.compile(r"^bytes (?:(\d+)-(\d+)|\*)/(\d+|\*)$")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state: DriveServer

    def log_message(self, *args) -> None:
        pass

    def do_GET(self):
        self._serve("GET")

    def do_POST(self):
        self._serve("POST")

    def do_PATCH(self):
        self._serve("PATCH")

    def do_PUT(self):
        self._serve("PUT")

    def _serve(self, method: str) -> None:
        # The client gave up (its timeout).
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._dispatch(method)

    def _kind(self, method: str, url, params: dict) -> str:
        upload, file = _UPLOAD.match(url.path), _FILE.match(url.path)
        if upload and method == "PUT" and _one(params, "upload_id"):
            return "status" if (self.headers.get("Content-Range") or "").startswith("bytes */") else "upload"
        if upload and method == "POST" and not upload.group(1):
            return "create"
        if upload and method == "PATCH" and upload.group(1):
            return "update"
        if url.path == "/redirected":
            return "redirected"
        if url.path == "/drive/v3/about" and method == "GET":
            return "about"
        if file and method == "GET" and not file.group(1):
            return "list"
        if file and method == "GET" and _one(params, "alt") == "media":
            return "media"
        if file and method == "GET":
            return "get"
        return "unknown"

    def _dispatch(self, method: str) -> None:
        state = self.state
        url = urlsplit(self.path)
        params = parse_qs(url.query, keep_blank_values=True)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        kind = self._kind(method, url, params)
        record = Request(method, url.path, kind, params, {k.lower(): v for k, v in self.headers.items()}, body)
        with state._lock:
            state.requests.append(record)
        if state.require_auth and not self.headers.get("Authorization", "").startswith("Bearer "):
            error = ApiError(401, "required", REASON_MESSAGES["authError"])
            error.body["error"]["status"] = "UNAUTHENTICATED"
            record.status = 401
            self._send_json(401, error.body)
            return
        refused = state.rate_limited() if kind != "redirected" else None
        if refused is not None:
            record.status = refused[0]
            self._send_json(*refused)
            return
        fault = state._take_fault(kind)
        if fault is not None and not fault.done:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.status == 0:
                if fault.keep is not None and kind == "upload":
                    with state._lock:
                        session = state.sessions.get(_one(params, "upload_id") or "")
                        if session is not None:
                            start = _content_start(self.headers.get("Content-Range"))
                            session.received[start:] = body[: fault.keep]
                record.status = 0
                self.close_connection = True
                self.connection.shutdown(2)
                return
            if fault.status != 200:
                wait = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
                if fault.body is not None:
                    record.status = fault.status
                    self._send_json(fault.status, fault.body, wait)
                    return
                reason = fault.reason or ("backendError" if fault.status >= 500 else "insufficientFilePermissions")
                error = ApiError(fault.status, reason, REASON_MESSAGES.get(reason, reason).format(id="?"))
                record.status = fault.status
                self._send_json(fault.status, error.body, wait)
                return
        headers: dict[str, str] = {}
        try:
            with state._lock:
                status: int = 200
                answer: dict | None = None
                if kind in ("create", "update"):
                    upload_id = _id_in(_UPLOAD, url.path)
                    upload_type = _one(params, "uploadType")
                    if upload_type == "resumable":
                        if not (self.headers.get("X-Upload-Content-Length") or "").isdigit():
                            raise ApiError(400, "badRequest", "X-Upload-Content-Length header is required.")
                        try:
                            record.metadata = json.loads(body.decode("utf-8")) if body else {}
                        except ValueError:
                            raise ApiError(400, "badRequest", "Invalid JSON metadata.") from None
                        session = state.open_session(kind, upload_id, record.metadata, params)
                        headers["Location"] = (
                            f"{self._base()}/upload/drive/v3/files?uploadType=resumable&upload_id={session.id}"
                        )
                        answer = {}
                    elif upload_type == "multipart":
                        record.metadata, record.media = parse_multipart(self.headers.get("Content-Type", ""), body)
                        answer = (
                            state.create(record.metadata, record.media, params)
                            if kind == "create"
                            else state.update(upload_id, record.metadata, record.media, params)
                        )
                    else:
                        raise ApiError(400, "badRequest", "uploadType=resumable or multipart expected.")
                elif kind in ("upload", "status"):
                    status, answer, headers = self._upload(params, body, record)
                elif kind == "list":
                    try:
                        answer = state.list_files(params)
                    except ValueError as exc:
                        raise ApiError(400, "invalid", f"Invalid Value: {exc}") from None
                elif kind == "about":
                    answer = state.about(params)
                elif kind == "get":
                    answer = state.get(_id_in(_FILE, url.path), params)
                elif kind == "media":
                    item = _id_in(_FILE, url.path)
                    stored = state.files.get(item)
                    if stored is None:
                        raise ApiError(404, "notFound", REASON_MESSAGES["notFound"].format(id=item))
                    record.status = 200
                    self._send(200, stored.content, "application/octet-stream")
                    return
                else:
                    raise ApiError(404, "notFound", f"Not Found: {method} {url.path}")
        except ApiError as exc:
            status, answer = exc.code, exc.body
        record.status = status
        if fault is not None and fault.done:  # carried out, but the answer is lost on the way
            record.status = 0
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self._send_json(status, answer, headers)

    def _base(self) -> str:
        host, port = cast(tuple[str, int], self.server.server_address)[:2]
        return f"http://{host}:{port}"

    def _upload(self, params: dict, body: bytes, record: Request) -> tuple[int, dict | None, dict]:
        """A resumable session's PUT: content from an offset, or a status query."""
        session = self.state.sessions.get(_one(params, "upload_id") or "")
        if session is None:
            raise ApiError(404, "notFound", "Upload session not found or expired.")
        total_text = self.headers.get("Content-Range")
        match = _RANGE.match(total_text or f"bytes 0-{max(len(body) - 1, 0)}/{len(body)}")
        if match is None:
            raise ApiError(400, "badRequest", f"Invalid Content-Range: {total_text}")
        first, last, total = match.groups()
        if session.done is not None:
            return 200, session.done, {}
        if first is not None:
            if int(first) != len(session.received):
                raise ApiError(400, "badRequest", f"Upload starts at {first}, {len(session.received)} bytes received.")
            if int(last) - int(first) + 1 != len(body):
                raise ApiError(400, "badRequest", "Content-Range does not match the body's length.")
            if total != "*" and int(last) + 1 < int(total) and len(body) % self.state.chunk_unit:
                raise ApiError(400, "badRequest", CHUNK_MESSAGE.replace("262144", str(self.state.chunk_unit)))
            session.received.extend(body)
            record.media = body
        if total != "*" and len(session.received) == int(total):
            return 200, self.state.complete(session), {}
        headers = {"Range": f"bytes=0-{len(session.received) - 1}"} if session.received else {}
        if self.state.location_on_308 and next(self.state._308s) % 2 == 0:
            headers["Location"] = f"{self._base()}/redirected"
        return 308, None, headers

    def _send_json(self, status: int, answer: dict | None, headers: dict | None = None) -> None:
        payload = b"" if answer is None else json.dumps(answer, indent=2).encode()
        self._send(status, payload, "application/json; charset=UTF-8", headers)

    def _send(self, status: int, payload: bytes, content_type: str, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)


def _content_start(header: str | None) -> int:
    match = _RANGE.match(header or "")
    return int(match.group(1)) if match and match.group(1) is not None else 0
