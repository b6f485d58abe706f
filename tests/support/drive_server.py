"""A local Google Drive API v3 server for the tests, on 127.0.0.1.

It answers what sync/delivery/drive.py sends, in the shapes Drive answers:

- ``GET   /drive/v3/files?q=…`` — files.list; the query language's clauses
  ``'<id>' in parents``, ``name = '<text>'``, ``trashed = false`` (joined by
  ``and``, with ``\\'`` escapes), ``fields=files(…)``, ``orderBy=modifiedTime desc``;
- ``POST  /upload/drive/v3/files?uploadType=multipart`` — files.create;
- ``PATCH /upload/drive/v3/files/<id>?uploadType=multipart`` — files.update with
  media: a new version of the same file (``version`` goes up, revisions kept);
- ``GET   /drive/v3/files/<id>?alt=media`` — the file's current content.

Multipart bodies are parsed strictly (``multipart/related``, a JSON part then the
media part) and refused with 400 otherwise. Folders are shared per test
(:meth:`DriveServer.add_folder`, access ``write``, ``read`` or ``none``); faults
are injected (:meth:`DriveServer.fail`: 403 with Drive's reasons, 5xx, slow
answers). Every request is recorded with its kind, headers and body.
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
from urllib.parse import parse_qs, urlsplit

from tests.support.loopback import LoopbackServer

REASON_MESSAGES = {
    "insufficientFilePermissions": "The user does not have sufficient permissions for file {id}.",
    "notFound": "File not found: {id}.",
    "userRateLimitExceeded": "User Rate Limit Exceeded",
    "rateLimitExceeded": "Rate Limit Exceeded",
    "storageQuotaExceeded": ("Service Accounts do not have storage quota. Leverage shared drives "
                             "(https://developers.google.com/workspace/drive/api/guides/about-shareddrives), "
                             "or use OAuth delegation instead."),
    "backendError": "Backend Error",
    "badRequest": "Bad Request",
}


@dataclass
class Folder:
    id: str
    name: str
    access: str = "write"  # write, read or none


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

    @property
    def content(self) -> bytes:
        return self.revisions[-1]

    def resource(self) -> dict:
        return {"kind": "drive#file", "id": self.id, "name": self.name, "mimeType": self.mime_type,
                "parents": list(self.parents), "description": self.description, "version": str(self.version),
                "md5Checksum": hashlib.md5(self.content).hexdigest(), "size": str(len(self.content)),
                "modifiedTime": self.modified, "trashed": False,
                "webViewLink": f"https://drive.google.com/file/d/{self.id}/view?usp=drivesdk"}


@dataclass
class Fault:
    status: int = 403
    reason: str | None = None
    kind: str | None = None  # "list", "create", "update" or None (any)
    delay: float = 0.0  # seconds before answering (status 200: a slow, normal answer)


@dataclass
class Request:
    method: str
    path: str
    kind: str  # list, create, update, media or unknown
    params: dict
    headers: dict
    body: bytes
    status: int = 0
    metadata: dict | None = None  # the JSON part of a multipart upload
    media: bytes | None = None  # the media part


class DriveServer(LoopbackServer):
    """``with DriveServer() as drive: drive.url``."""

    thread_name = "drive-server"

    def request_handler(self):
        return _Handler

    def __init__(self):
        self.folders: dict[str, Folder] = {}
        self.files: dict[str, DriveFile] = {}
        self.requests: list[Request] = []
        self._faults: deque[Fault] = deque()
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._clock = itertools.count(1)


    # -- content

    def add_folder(self, folder_id: str, name: str = "Rapports FQIS", access: str = "write") -> Folder:
        assert access in ("write", "read", "none")
        with self._lock:
            self.folders[folder_id] = Folder(folder_id, name, access)
            return self.folders[folder_id]

    def in_folder(self, folder_id: str) -> list[DriveFile]:
        with self._lock:
            return [f for f in self.files.values() if folder_id in f.parents]

    # -- faults and counts

    def fail(self, status: int = 403, times: int = 1, *, reason: str | None = None, kind: str | None = None,
             delay: float = 0.0) -> None:
        with self._lock:
            self._faults.extend([Fault(status, reason, kind, delay)] * times)

    def slow(self, delay: float, times: int = 1, kind: str | None = None) -> None:
        self.fail(200, times, kind=kind, delay=delay)

    def _take_fault(self, kind: str) -> Fault | None:
        with self._lock:
            for fault in list(self._faults):
                if fault.kind in (None, kind):
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
        base = dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=next(self._clock))
        return base.strftime("%Y-%m-%dT%H:%M:%S.000Z")

    def list_files(self, params: dict) -> dict:
        clauses = parse_query(_one(params, "q") or "")
        found = []
        for f in self.files.values():
            if self.folders.get(f.parents[0], Folder("", "", "none")).access == "none":
                continue  # not shared with the caller: invisible, as in Drive
            if all(_matches(f, clause) for clause in clauses):
                found.append(f)
        if (_one(params, "orderBy") or "").replace(" ", "") == "modifiedTimedesc":
            found.sort(key=lambda f: f.modified, reverse=True)
        resources = [_select(f.resource(), _inner_fields(_one(params, "fields"))) for f in found]
        return {"kind": "drive#fileList", "incompleteSearch": False, "files": resources}

    def create(self, metadata: dict, media: bytes, params: dict) -> dict:
        parents = metadata.get("parents") or []
        if len(parents) != 1:
            raise ApiError(400, "badRequest", "A shortcut or file must have exactly one parent.")
        folder = self.folders.get(parents[0])
        if folder is None or folder.access == "none":
            raise ApiError(404, "notFound", REASON_MESSAGES["notFound"].format(id=parents[0]))
        if folder.access != "write":
            raise ApiError(403, "insufficientFilePermissions",
                           REASON_MESSAGES["insufficientFilePermissions"].format(id=parents[0]))
        if not metadata.get("name"):
            raise ApiError(400, "badRequest", "The file name is required.")
        file = DriveFile(f"1DrIvE{next(self._ids):04d}xYz", metadata["name"], parents,
                         metadata.get("mimeType") or "application/octet-stream", metadata.get("description", ""),
                         [media], 1, self._now())
        self.files[file.id] = file
        return _select(file.resource(), _one(params, "fields"))

    def update(self, file_id: str, metadata: dict, media: bytes, params: dict) -> dict:
        file = self.files.get(file_id)
        folder = self.folders.get(file.parents[0]) if file else None
        if file is None or folder is None or folder.access == "none":
            raise ApiError(404, "notFound", REASON_MESSAGES["notFound"].format(id=file_id))
        if folder.access != "write":
            raise ApiError(403, "insufficientFilePermissions",
                           REASON_MESSAGES["insufficientFilePermissions"].format(id=file_id))
        if "parents" in metadata:
            raise ApiError(403, "fieldNotWritable",
                           "The resource body includes fields which are not directly writable.")
        file.name = metadata.get("name", file.name)
        file.description = metadata.get("description", file.description)
        file.revisions.append(media)
        file.version += 1
        file.modified = self._now()
        return _select(file.resource(), _one(params, "fields"))


class ApiError(Exception):
    def __init__(self, code: int, reason: str, message: str):
        super().__init__(message)
        self.code = code
        self.body = {"error": {"code": code, "message": message,
                               "errors": [{"message": message, "domain": "global", "reason": reason}]}}


# --------------------------------------------------------------------------
# Query language, fields, multipart


_CLAUSE = re.compile(r"""^\s*(?:'((?:[^'\\]|\\.)*)'\s+in\s+parents|(name|mimeType)\s*=\s*'((?:[^'\\]|\\.)*)'"""
                     r"""|trashed\s*=\s*(true|false))\s*$""")


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _split_and(q: str) -> list[str]:
    """Split on `` and `` outside string literals (which escape ``'`` as ``\\'``)."""
    parts, current, quoted, i = [], "", False, 0
    while i < len(q):
        char = q[i]
        if quoted and char == "\\":
            current += q[i:i + 2]
            i += 2
            continue
        if char == "'":
            quoted = not quoted
        if not quoted and q[i:i + 5].lower() == " and ":
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
        return {k: resource[k] for k in ("kind", "id", "name", "mimeType")}
    return {k: resource[k] for k in (f.strip() for f in fields.split(",")) if k in resource}


def parse_multipart(content_type: str, body: bytes) -> tuple[dict, bytes]:
    """The JSON metadata and the media of a ``multipart/related`` body; ApiError 400 otherwise."""
    match = re.fullmatch(r"multipart/related;\s*boundary=\"?([^\";]+)\"?", content_type.strip())
    if match is None:
        raise ApiError(400, "badRequest", f"Bad content type {content_type!r}: multipart/related expected.")
    delimiter = b"--" + match.group(1).encode()
    closing = b"\r\n" + delimiter + b"--"
    if not body.startswith(delimiter + b"\r\n") or closing not in body:
        raise ApiError(400, "badRequest", "Malformed multipart body.")
    inner = body[len(delimiter) + 2:body.rindex(closing)]
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

    def _serve(self, method: str) -> None:
        # The client gave up (its timeout).
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._dispatch(method)

    def _dispatch(self, method: str) -> None:
        state = self.state
        url = urlsplit(self.path)
        params = parse_qs(url.query, keep_blank_values=True)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        upload, file = _UPLOAD.match(url.path), _FILE.match(url.path)
        # The file id of an update (upload address) or of a download (file address).
        upload_id, file_id = (upload.group(1) if upload else ""), (file.group(1) if file else "")
        if upload and method == "POST" and not upload.group(1):
            kind = "create"
        elif upload and method == "PATCH" and upload.group(1):
            kind = "update"
        elif file and method == "GET" and not file.group(1):
            kind = "list"
        elif file and method == "GET" and _one(params, "alt") == "media":
            kind = "media"
        else:
            kind = "unknown"
        record = Request(method, url.path, kind, params, {k.lower(): v for k, v in self.headers.items()}, body)
        with state._lock:
            state.requests.append(record)
        fault = state._take_fault(kind)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.status != 200:
                reason = fault.reason or ("backendError" if fault.status >= 500 else "insufficientFilePermissions")
                error = ApiError(fault.status, reason, REASON_MESSAGES.get(reason, reason).format(id="?"))
                record.status = fault.status
                self._send_json(fault.status, error.body)
                return
        try:
            with state._lock:
                if kind in ("create", "update"):
                    if _one(params, "uploadType") != "multipart":
                        raise ApiError(400, "badRequest", "uploadType=multipart expected by this server.")
                    record.metadata, record.media = parse_multipart(self.headers.get("Content-Type", ""), body)
                    answer = (state.create(record.metadata, record.media, params) if kind == "create"
                              else state.update(upload_id, record.metadata, record.media, params))
                elif kind == "list":
                    try:
                        answer = state.list_files(params)
                    except ValueError as exc:
                        raise ApiError(400, "invalid", f"Invalid Value: {exc}") from None
                elif kind == "media":
                    stored = state.files.get(file_id)
                    if stored is None:
                        raise ApiError(404, "notFound", REASON_MESSAGES["notFound"].format(id=file_id))
                    record.status = 200
                    self._send(200, stored.content, "application/octet-stream")
                    return
                else:
                    raise ApiError(404, "notFound", f"Not Found: {method} {url.path}")
            status = 200
        except ApiError as exc:
            status, answer = exc.code, exc.body
        record.status = status
        self._send_json(status, answer)

    def _send_json(self, status: int, answer: dict) -> None:
        self._send(status, json.dumps(answer, indent=2).encode(), "application/json; charset=UTF-8")

    def _send(self, status: int, payload: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
