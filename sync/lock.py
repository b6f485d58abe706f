"""The state folder's lock: two runs never overlap.

The lock is an exclusive lock on ``<state>/verrou``: ``flock`` on Linux and
macOS, ``msvcrt.locking`` on Windows (both in the standard library, so no
dependency). The system drops it when its process ends, however it ends (even
SIGKILL or the Task Manager), so a dead run never blocks the next one; no PID
guessing is needed to take over. The file also holds who took the lock
(process, host, command, since when), read by a second run to say who is in the
way, and by the next holder to say it took over an abandoned lock.

Windows' locks are mandatory: a locked byte cannot even be read by another
process. The lock is therefore taken on one byte far past the holder's details,
which stay readable at the start of the file.

The state folder must be on a local disk (not a network share).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import shlex
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

from sync.errors import HistoryError, LockHeld, describe_os_error

log = logging.getLogger("sync")

LOCK_NAME = "verrou"

# Windows: where the locked byte lies, well past the holder's details (a few hundred bytes).
_LOCKED_BYTE = 1 << 20

if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        """Take the lock without waiting; False when another process holds it."""
        os.lseek(fd, _LOCKED_BYTE, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except PermissionError:  # EACCES: locked by another process
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, _LOCKED_BYTE, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

    def _alive(pid: int) -> bool:
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        try:
            code = ctypes.c_ulong()
            kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
            return code.value == 259  # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        """Take the lock without waiting; False when another process holds it."""
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)

    def _alive(pid: int) -> bool:
        try:
            os.kill(pid, 0)  # signal 0: only asks whether the process exists
        except ProcessLookupError:
            return False
        except PermissionError:
            pass  # alive, owned by another user
        return True


def _read_at_start(fd: int) -> bytes:
    os.lseek(fd, 0, os.SEEK_SET)
    return os.read(fd, 65536)


def _write_at_start(fd: int, data: bytes) -> None:
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, data)


@dataclass(frozen=True)
class Holder:
    pid: int
    host: str
    command: str
    since: str  # ISO 8601

    def describe(self) -> str:
        since = self.since
        with contextlib.suppress(ValueError):
            since = f"{dt.datetime.fromisoformat(self.since):%Y-%m-%d %H:%M:%S}"
        return f"processus {self.pid} sur {self.host}, commande « {self.command} », depuis le {since}"

    @classmethod
    def current(cls) -> Holder:
        return cls(
            os.getpid(), socket.gethostname(), _command(), dt.datetime.now().astimezone().isoformat(timespec="seconds")
        )


def _command() -> str:
    """The command as the coordinator typed it: ``alliance-sync run …`` or ``python -m sync run …``."""
    if not sys.argv or not sys.argv[0]:
        return "python"
    program = Path(sys.argv[0]).name
    if program == "__main__.py":
        program = "python -m sync"
    return " ".join([program, *(shlex.quote(arg) for arg in sys.argv[1:])])


def _read_holder(fd: int) -> Holder | None:
    try:
        data = json.loads(_read_at_start(fd).decode() or "null")
        return Holder(int(data["pid"]), str(data["host"]), str(data["command"]), str(data["since"]))
    except (ValueError, KeyError, TypeError, OSError, UnicodeDecodeError):
        return None


class StateLock:
    """``with StateLock(folder):`` — raises :class:`LockHeld` when another run holds it."""

    def __init__(self, state_dir: Path):
        self.state_dir = state_dir
        self.path = state_dir / LOCK_NAME
        self._fd: int | None = None
        self.taken_over: Holder | None = None  # the dead holder whose lock was taken over

    def acquire(self) -> None:
        try:
            self.state_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise HistoryError(f"le verrou {self.path} ne peut pas être ouvert ({describe_os_error(exc)}).") from None
        try:
            taken = _try_lock(fd)
        except OSError as exc:
            os.close(fd)
            raise HistoryError(f"le verrou {self.path} ne peut pas être pris ({describe_os_error(exc)}).") from None
        if not taken:
            holder = _read_holder(fd)
            os.close(fd)
            who = holder.describe() if holder else "un processus qui ne s'est pas encore identifié"
            raise LockHeld(
                f"une autre synchronisation est en cours ({who}). Elle tient le verrou {self.path}. "
                "Attendez sa fin, ou arrêtez ce processus ; un verrou laissé par un processus "
                "terminé est repris automatiquement."
            )
        # We hold the lock. Holder details still in the file belong to a run that
        # ended without releasing it: killed, or its machine stopped.
        self.taken_over = _read_holder(fd)
        if self.taken_over is not None:
            log.warning(
                "Verrou abandonné repris (%s) : cette synchronisation s'est terminée sans le libérer.",
                self.taken_over.describe(),
            )
        me = json.dumps(Holder.current().__dict__, ensure_ascii=False).encode()
        _write_at_start(fd, me)
        os.fsync(fd)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            os.ftruncate(self._fd, 0)  # an empty file: released cleanly
        finally:
            _unlock(self._fd)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> StateLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def current_holder(state_dir: Path) -> Holder | None:
    """Who holds the lock now, or None when nobody does. Never takes the lock."""
    path = state_dir / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        holder = _read_holder(fd)
    finally:
        os.close(fd)
    if holder is None or holder.host != socket.gethostname():
        return holder
    return holder if _alive(holder.pid) else None
