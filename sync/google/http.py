"""The HTTP layer under gspread: base address, timeouts, retries, quota limiter,
and the run-wide deadline.

gspread's own ``BackOffHTTPClient`` retries a persistent 429 without end and
carries its backoff counter from one request to the next, so it is not used.
:class:`RetryingHTTPClient` is gspread's plain ``HTTPClient`` (every gspread call
goes through its ``request``) with tenacity retries around each request: 429,
408, 5xx (HTML bodies included), connection errors and timeouts are retried
with capped exponential backoff and jitter, within a number of tries and a total
deadline; everything else (403, 404, 400…) is raised at once. A service that
cannot be reached at all (connection refused, unknown host, no answer to the
connection) is tried ``connect_attempts`` times only: such a failure lasts longer
than a retry can wait, and a night's run should say so within a minute.

:func:`run_deadline` bounds all of a run's Google calls together: no try starts,
and no wait is made, past it.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from google.auth.credentials import Credentials
from google.auth.exceptions import RefreshError, TransportError
from google.auth.transport.requests import AuthorizedSession
from google.auth.transport.requests import Request as GoogleAuthRequest
from gspread.exceptions import APIError
from gspread.http_client import FileType, HTTPClient, ParamsType
from tenacity import (
    RetryCallState,
    RetryError,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_any,
    stop_before_delay,
    wait_exponential,
    wait_random,
)
from tenacity.stop import stop_base
from urllib3.exceptions import NameResolutionError

from sync.config import GoogleSettings
from sync.errors import ConfigError
from sync.wording import sentence_start

log = logging.getLogger("sync")

# google-auth's classes are unannotated: calling them is « no-untyped-call » under
# mypy --strict only; « unused-ignore » keeps the project's present, non-strict mypy quiet.

GOOGLE_SHEETS = "https://sheets.googleapis.com"
USER_AGENT = "alliance-sync (gzip)"
# requests' timeout: one for all, or (connect, read); None: no limit.
Timeout = float | tuple[float, float] | None
SHEETS_URL_ENV = "ALLIANCE_SYNC_SHEETS_URL"


def sheets_base_url(resolved: str) -> str:
    """The Sheets API's base address: ``ALLIANCE_SYNC_SHEETS_URL`` (``resolved`` when the
    configuration was loaded, GoogleSettings.sheets_url) or Google's."""
    return api_base_url(SHEETS_URL_ENV, GOOGLE_SHEETS, resolved)


def api_base_url(variable: str, google: str, resolved: str) -> str:
    """``resolved``, the value of the environment ``variable`` when the configuration was
    loaded, or ``google``'s address; ConfigError unless it is https, or http to this
    machine. Requests carry the Google access token: it must never cross a network in
    clear text (a proxy is reached with https too)."""
    url = (resolved.strip() or google).rstrip("/")
    parts = urlsplit(url)
    if (parts.scheme == "https" and parts.hostname) or (parts.scheme == "http" and is_loopback(url)):
        return url
    raise ConfigError(
        f"adresse « {url} » refusée : une adresse https://… est attendue (http:// seulement vers "
        "cette machine : localhost, 127.0.0.1, [::1]), car les requêtes portent le jeton d'accès "
        "Google",
        key=variable,
    )


def is_loopback(url: str) -> bool:
    """True for http(s)://localhost, 127.0.0.0/8 and [::1] addresses."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _StopWhen(stop_base):
    """A stop condition from a plain predicate, so that it combines with tenacity's own."""

    def __init__(self, predicate: Callable[[RetryCallState], bool]):
        self.predicate = predicate

    def __call__(self, retry_state: RetryCallState) -> bool:
        return self.predicate(retry_state)


class RebasedSession(AuthorizedSession):
    """An authorised requests session that sends Sheets calls to ``base_url``.

    gspread builds its real URLs (https://sheets.googleapis.com/v4/…); only the
    prefix is swapped here, so the paths and parameters stay gspread's own.
    ``google_base``: the Google address replaced (Drive's, in sync/delivery/drive.py).
    """

    google_base = GOOGLE_SHEETS

    def __init__(self, credentials: Credentials, base_url: str, **kwargs: Any) -> None:
        # google-auth's own token session retries a failed connection 3 times inside each
        # of our tries (4 DNS lookups per try, each up to the resolver's timeout): the
        # token endpoint is tried once per try here, and our retries count them.
        self._token_session = requests.Session()
        super().__init__(  # type: ignore[no-untyped-call, unused-ignore]  # google-auth: unannotated
            credentials, auth_request=GoogleAuthRequest(self._token_session), **kwargs
        )
        self.base_url = base_url.rstrip("/")
        # Google compresses an answer only when both say gzip (Sheets API, « Performance
        # tips »): a committee's grid data shrinks about tenfold.
        self.headers["Accept-Encoding"] = "gzip"
        self.headers["User-Agent"] = USER_AGENT

    def request(self, method: str, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        google = self.google_base
        if isinstance(url, str) and self.base_url != google and url.startswith(google + "/"):
            url = self.base_url + url[len(google) :]
        # google-auth: unannotated
        response: requests.Response = super().request(  # type: ignore[no-untyped-call, unused-ignore]
            method, url, *args, **kwargs
        )
        return response

    def close(self) -> None:
        self._token_session.close()
        super().close()  # type: ignore[no-untyped-call, unused-ignore]  # google-auth: unannotated


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    deadline: float = 120.0  # seconds, all tries of one request together
    initial: float = 1.0  # first wait, doubled at each retry
    maximum: float = 30.0  # longest single wait
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    connect_attempts: int = 3  # tries when the service cannot be reached at all

    @classmethod
    def from_settings(cls, settings: GoogleSettings) -> RetryPolicy:
        return cls(
            max_attempts=settings.max_attempts,
            deadline=settings.retry_deadline,
            initial=settings.backoff_initial,
            maximum=settings.backoff_max,
            connect_timeout=min(10.0, settings.timeout),
            read_timeout=settings.timeout,
        )


class RateLimiter:
    """At most ``limit`` requests in any window of ``period`` seconds (sliding window).

    Google counts requests per minute per user and per project; staying under the
    count on our side is cheaper than being answered 429. One limiter serves every
    spreadsheet of the process; each try of a retried request counts.
    """

    def __init__(
        self,
        limit: int,
        period: float = 60.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.limit = limit
        self.period = period
        self.clock = clock
        self.sleep = sleep
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Wait until a request may be sent; return the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self.clock()
                while self._sent and self._sent[0] <= now - self.period:
                    self._sent.popleft()
                if len(self._sent) < self.limit:
                    self._sent.append(now)
                    return waited
                delay = self._sent[0] + self.period - now
            if waited == 0.0:
                log.info("Limite de %d requêtes Google par minute atteinte : attente de %.1f s.", self.limit, delay)
            self.sleep(delay)
            waited += delay


# --------------------------------------------------------------------------
# The run-wide deadline

_run_deadline: list[float | None] = [None]  # time.monotonic() after which no Google call is tried


@contextlib.contextmanager
def run_deadline(seconds: float | None) -> Iterator[None]:
    """Within the block, Google calls (every thread's) stop ``seconds`` from now."""
    previous = _run_deadline[0]
    _run_deadline[0] = None if seconds is None else time.monotonic() + seconds
    try:
        yield
    finally:
        _run_deadline[0] = previous


def time_left() -> float | None:
    """Seconds before the run's deadline (None: no deadline)."""
    deadline = _run_deadline[0]
    return None if deadline is None else deadline - time.monotonic()


class DeadlinePassed(Exception):
    """The run's deadline came before this call could be tried (again)."""

    def __init__(self, last: BaseException | None = None, attempts: int = 0):
        super().__init__("délai de la synchronisation dépassé")
        self.last = last
        self.attempts = attempts


# --------------------------------------------------------------------------
# Failures


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception and what it wraps (requests → urllib3 → socket)."""
    seen: set[int] = set()
    stack = [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack.extend(a for a in getattr(current, "args", ()) if isinstance(a, BaseException))
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            stack.append(reason)
        stack.extend(e for e in (current.__cause__, current.__context__) if e is not None)


def network_error(exc: BaseException | None) -> BaseException | None:
    """The requests failure behind ``exc``: google-auth wraps the token endpoint's own
    network failures in its ``TransportError``, whose name would otherwise be all the
    user sees."""

    if isinstance(exc, TransportError):
        wrapped = next((c for c in _causes(exc) if isinstance(c, requests.RequestException)), None)
        return wrapped or exc
    return exc


def failed_address(exc: BaseException) -> str:
    """``scheme://host`` of the request that failed, when the failure knows it (a
    token refresh fails at the token endpoint, not at the Sheets or Drive address)."""
    request = getattr(network_error(exc), "request", None)
    url = getattr(request, "url", None) or ""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def unreachable(exc: BaseException | None) -> str:
    """``"dns"``, ``"refused"``, ``"connect-timeout"`` or ``"tls"`` when the service could
    not be reached at all (nothing was sent: no name, no connection, or no TLS session —
    a certificate refused, an intercepting proxy); ``""`` otherwise."""
    exc = network_error(exc)
    if exc is None or not isinstance(exc, requests.RequestException):
        return ""
    if isinstance(exc, requests.exceptions.SSLError):
        return "tls"

    for cause in _causes(exc):
        if isinstance(cause, (NameResolutionError, socket.gaierror)):
            return "dns"
        if isinstance(cause, ConnectionRefusedError):
            return "refused"
    if isinstance(exc, requests.ConnectTimeout):
        return "connect-timeout"
    return ""


def status_of(exc: BaseException) -> int | None:
    """The HTTP status of a failed Google call (gspread's APIError says -1 for HTML bodies)."""
    if isinstance(exc, APIError):
        return exc.response.status_code
    return None


def is_transient(exc: BaseException) -> bool:
    """Worth another try: quota (429), timeout (408), server errors, network trouble."""

    status = status_of(exc)
    if status is not None:
        return status in (408, 429) or status >= 500
    if isinstance(exc, RefreshError):  # a token refused is final, a token server down is not
        return bool(getattr(exc, "retryable", False))
    return isinstance(
        exc, (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError, TransportError)
    )


def retry_after(exc: BaseException | None) -> float | None:
    if isinstance(exc, APIError):
        value = exc.response.headers.get("Retry-After", "")
        try:
            return max(0.0, float(value))
        except ValueError:
            return None
    return None


@dataclass(frozen=True)
class Outage:
    """A Google address a command could not reach at all, and why (for its messages)."""

    address: str  # scheme://host that failed: the token endpoint, Sheets or Drive
    kind: str  # unreachable(): "dns", "refused", "connect-timeout" or "tls"


class Reachability:
    """What one command learnt of the network: the first Google address it could not
    reach at all after its tries. Kept by the command (``GoogleClients.network``) and
    handed to each of its clients: a client made after such an outage (Drive's, for the
    night's delivery after the reads proved the network down) tries each request once
    only when it fails the same way, instead of paying the connection tries again. The
    clients made before keep their tries: the committees read together each get the
    same documented tries and the same message, whichever failed first."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._outage: Outage | None = None

    @property
    def outage(self) -> Outage | None:
        return self._outage

    def record(self, exc: BaseException, base_url: str) -> None:
        """Remember ``exc`` when it says the address could not be reached (the first only)."""
        kind = unreachable(exc)
        with self._lock:
            if kind and self._outage is None:
                self._outage = Outage((failed_address(exc) or base_url).rstrip("/"), kind)


class GoogleCallFailed(Exception):
    """A request still failing after its retries; ``error`` is the last failure;
    ``known_outage``: the earlier outage of the command that cut its tries to one."""

    def __init__(self, error: BaseException, attempts: int, elapsed: float, known_outage: Outage | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.attempts = attempts
        self.elapsed = elapsed
        self.known_outage = known_outage


def describe_failure(exc: BaseException, base_url: str = "") -> str:
    """A short French description of a failed call, for logs and messages; it names
    ``base_url`` (the address actually used) when the failure is the network's; the
    address of the request that failed wins when it is another one (the token endpoint)."""
    status = status_of(exc)
    exc = network_error(exc) or exc
    if base_url:  # the caller wants the address named: the one that really failed
        base_url = failed_address(exc) or base_url
    at = f" ({base_url})" if base_url else ""
    if status == 429:
        return "quota de requêtes Google dépassé (429)"
    if status is not None:
        return f"erreur {status} du serveur{at}"
    return _network_failure(exc, base_url)


def _network_failure(exc: BaseException, base_url: str) -> str:
    """A call that got no HTTP answer: the name, the connection, the wait, TLS."""
    host = urlsplit(base_url).hostname or base_url
    at = f" ({base_url})" if base_url else ""
    kind = unreachable(exc)
    if kind == "dns":
        return f"adresse introuvable : le nom {host} n'a pu être résolu (DNS)"
    if kind == "refused":
        return f"connexion refusée par {base_url or 'le serveur'} : aucun service n'y répond"
    if kind == "connect-timeout":
        return f"aucune réponse à la connexion{at}"
    if kind == "tls":
        return f"négociation TLS impossible{at} (certificat refusé ou connexion interceptée)"
    if isinstance(exc, requests.Timeout):
        return f"délai d'attente dépassé{at}"
    if isinstance(exc, requests.ConnectionError):
        return f"connexion interrompue{at}"
    if isinstance(exc, requests.RequestException):
        return f"échec de la communication{at}"
    return f"échec inattendu{at}"


TOKEN_SERVICE = "le serveur d'authentification Google"


def service_at(exc: BaseException | None, base_url: str, service: str) -> str:
    """Who failed, for a log line or a message: ``service`` (« Google Sheets », « Google
    Drive ») when the request to ``base_url`` failed, the token endpoint when the failure
    is its own (a service-account key or an OAuth token is refreshed there, at another
    address: Sheets or Drive was never asked)."""
    failed = failed_address(exc) if exc is not None else ""
    return TOKEN_SERVICE if failed and failed != base_url.rstrip("/") else service


def network_advice(exc: BaseException | None) -> str:
    """What to check when a Google address cannot be reached (never a sharing advice:
    nothing was asked of Google)."""
    if unreachable(exc) == "tls":
        return (
            "vérifiez que le réseau de ce poste n'intercepte pas les connexions chiffrées (serveur mandataire, "
            "inspection TLS) et que sa date est juste"
        )
    return "vérifiez la connexion Internet de ce poste (et son serveur mandataire)"


class RetryingHTTPClient(HTTPClient):
    """gspread's HTTP client with our retries, timeouts and quota limiter."""

    service = "Google Sheets"  # named in the log lines of retries

    def __init__(
        self,
        session: requests.Session,
        *,
        policy: RetryPolicy,
        read_limiter: RateLimiter,
        write_limiter: RateLimiter,
        sleep: Callable[[float], None] = time.sleep,
        network: Reachability | None = None,
    ):
        # gspread uses `auth` only to build a session: ours is given, already authorised.
        super().__init__(auth=None, session=session)  # type: ignore[arg-type]
        self.policy = policy
        self.read_limiter = read_limiter
        self.write_limiter = write_limiter
        self.sleep = sleep
        self.network = network or Reachability()
        self.known_outage = self.network.outage  # met by the command before this client was made
        self.set_timeout((policy.connect_timeout, policy.read_timeout))
        # initial, 2 × initial, 4 × initial… plus up to `initial` of jitter, so that
        # clients refused together do not come back together.
        self._backoff = wait_exponential(multiplier=policy.initial, max=policy.maximum) + wait_random(0, policy.initial)

    def _wait(self, state: RetryCallState) -> float:
        policy = self.policy
        delay = self._backoff(state)
        asked = retry_after(state.outcome.exception() if state.outcome else None)
        if asked is not None:
            delay = max(delay, min(asked, policy.maximum))
        return min(delay, policy.maximum)

    def _log_retry(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        who = service_at(exc, self.base_url, self.service)
        log.warning(
            "%s : %s, nouvel essai dans %.1f s (essai %d sur %d).",
            sentence_start(who),
            describe_failure(exc, self.base_url) if exc else "échec",
            state.upcoming_sleep,
            state.attempt_number + 1,
            self.policy.max_attempts,
        )

    @property
    def base_url(self) -> str:
        return getattr(self.session, "base_url", "")

    def _connect_attempts(self, known: Outage | None) -> Callable[[RetryCallState], bool]:
        """Stop when the service could not be reached ``connect_attempts`` times, or once
        when the command already met an outage (``known``) before this client was made."""
        limit = 1 if known is not None else self.policy.connect_attempts

        def too_long(state: RetryCallState) -> bool:
            exc = state.outcome.exception() if state.outcome else None
            return bool(unreachable(exc)) and state.attempt_number >= limit

        return too_long

    @property
    def timeout(self) -> Timeout:
        """The (connect, read) timeouts; within a run deadline, never past it."""
        left = time_left()
        base = self._timeout
        if left is None or base is None:
            return base
        left = max(left, 0.1)
        connect, read = base if isinstance(base, tuple) else (base, base)
        return (min(connect, left), min(read, left))

    @timeout.setter
    def timeout(self, value: Timeout) -> None:
        self._timeout = value

    def request(
        self,
        method: str,
        endpoint: str,
        params: ParamsType | None = None,
        data: bytes | None = None,
        json: Mapping[str, Any] | None = None,
        files: FileType = None,
        headers: MutableMapping[str, str] | None = None,
    ) -> requests.Response:
        limiter = self.read_limiter if method.lower() == "get" else self.write_limiter
        policy = self.policy
        out_of_time = [False]
        known = self.known_outage

        def past_run_deadline(state: RetryCallState) -> bool:
            """Stop retrying when the next try would start past the run's deadline."""
            left = time_left()
            out_of_time[0] = left is not None and left <= (state.upcoming_sleep or 0.0)
            return out_of_time[0]

        retrying = Retrying(
            stop=stop_any(
                stop_after_attempt(policy.max_attempts),
                stop_before_delay(policy.deadline),
                _StopWhen(self._connect_attempts(known)),
                _StopWhen(past_run_deadline),
            ),
            wait=self._wait,
            retry=retry_if_exception(self.is_transient),
            sleep=self.sleep,
            before_sleep=self._log_retry,
        )
        started = time.monotonic()

        def attempt() -> requests.Response:
            left = time_left()
            if left is not None and left <= 0:
                raise DeadlinePassed()
            limiter.acquire()
            sent = time.monotonic()
            response = HTTPClient.request(self, method, endpoint, params, data, json, files, headers)
            # --verbose: every request, for whoever diagnoses a slow night.
            log.debug(
                "%s : %s %s → %s (%.2f s).",
                self.service,
                method.upper(),
                endpoint,
                response.status_code,
                time.monotonic() - sent,
            )
            return response

        try:
            return retrying(attempt)
        except RetryError as exc:
            last = exc.last_attempt
            if out_of_time[0]:
                raise DeadlinePassed(last.exception() or exc, last.attempt_number) from None
            error = last.exception() or exc
            self.network.record(error, self.base_url)
            raise GoogleCallFailed(error, last.attempt_number, time.monotonic() - started, known) from None

    def is_transient(self, exc: BaseException) -> bool:
        """Whether a failed try is worth another (Drive adds its 403 quota answers)."""
        return is_transient(exc)
