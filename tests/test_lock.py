"""Two runs never overlap (docs/exploitation.md): the second says who holds the lock and exits 2;
a lock left by a dead process is taken over."""

from __future__ import annotations

import fcntl
import os
import re
import signal
import socket
from pathlib import Path

import pytest

from sync import lock as lock_module
from sync.errors import LockHeld
from sync.lock import StateLock, current_holder
from tests.support.history import Alliance, wait_for_pause

HOST = socket.gethostname()


def holder_text(alliance: Alliance, pid: int) -> str:
    command = "python -m sync " + " ".join(alliance.run_args())
    return (
        f"processus {pid} sur {HOST}, commande « {command} », "
        r"depuis le \d{4}-\d\d-\d\d \d\d:\d\d:\d\d"
    )


def test_a_second_run_names_the_holder_and_exits_2(tmp_path):
    alliance = Alliance(tmp_path)
    first = alliance.process(pause_at="verrou")
    try:
        wait_for_pause(first, "verrou")
        result = alliance.cli("run")
        assert result.exit_code == 2
        expected = (
            f"Erreur : une autre synchronisation est en cours \\({holder_text(alliance, first.pid)}\\). "
            f"Elle tient le verrou {re.escape(str(alliance.state / 'verrou'))}. Attendez sa fin, ou "
            "arrêtez ce processus ; un verrou laissé par un processus terminé est repris "
            "automatiquement.\n"
        )
        assert re.fullmatch(expected, result.stderr), result.stderr
        assert not alliance.output.exists()
        # The refused run left no trace in the history: only the first one is there.
        assert alliance.query("SELECT id, state FROM runs") == [(1, "running")]
        holder = current_holder(alliance.state)
        assert holder is not None and holder.pid == first.pid
        assert alliance.cli("history").stdout.splitlines()[1].split()[3:5] == ["en", "cours"]
    finally:
        first.kill()
        first.wait()
    assert current_holder(alliance.state) is None
    assert alliance.cli("history").stdout.splitlines()[1].split()[3] == "interrompue"


def test_a_lock_left_by_a_killed_run_is_taken_over(tmp_path):
    alliance = Alliance(tmp_path)
    first = alliance.process(pause_at="fin")  # committed, lock still held
    wait_for_pause(first, "fin")
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    assert str(first.pid) in (alliance.state / "verrou").read_text()  # its details are still there
    result = alliance.cli("run")
    assert result.exit_code == 0, result.output
    assert re.search(
        f"AVERTISSEMENT : Verrou abandonné repris \\({holder_text(alliance, first.pid)}\\) : "
        "cette synchronisation s'est terminée sans le libérer.",
        result.stderr,
    ), result.stderr
    assert alliance.query("SELECT id, state FROM runs") == [(1, "done"), (2, "done")]
    assert (alliance.state / "verrou").read_text() == ""  # released cleanly


def test_the_lock_conflicts_between_two_holders_and_is_released(tmp_path):
    with StateLock(tmp_path) as first:
        assert first.taken_over is None
        with pytest.raises(LockHeld) as caught:
            StateLock(tmp_path).acquire()
        assert f"processus {os.getpid()} sur {HOST}" in caught.value.message
        assert caught.value.exit_code == 2
    assert (tmp_path / "verrou").read_text() == ""
    with StateLock(tmp_path) as again:
        assert again.taken_over is None


def test_a_holder_that_has_not_written_its_details_yet(tmp_path):
    fd = os.open(tmp_path / "verrou", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with pytest.raises(LockHeld) as caught:
            StateLock(tmp_path).acquire()
        assert "(un processus qui ne s'est pas encore identifié)" in caught.value.message
    finally:
        os.close(fd)
    (tmp_path / "verrou").write_text("pas du JSON")
    with StateLock(tmp_path) as lock:  # unreadable leftovers are no holder
        assert lock.taken_over is None


# ---------------------------------------------------------------- Windows


def _fake_msvcrt():
    """``msvcrt.locking`` as Windows behaves: a lock on bytes from the file's current
    position, refused with EACCES to any other open file. Linux's open-file-description
    locks have the same semantics (a second descriptor conflicts, even in this process)."""
    import struct
    import types

    def locking(fd: int, mode: int, nbytes: int) -> None:
        start = os.lseek(fd, 0, os.SEEK_CUR)
        kind = fcntl.F_UNLCK if mode == module.LK_UNLCK else fcntl.F_WRLCK
        try:
            fcntl.fcntl(fd, fcntl.F_OFD_SETLK, struct.pack("hhqqi4x", kind, os.SEEK_SET, start, nbytes, 0))
        except BlockingIOError:
            raise PermissionError(13, "Permission denied") from None

    module = types.ModuleType("msvcrt")
    module.LK_UNLCK, module.LK_NBLCK = 0, 2
    module.locking = locking
    return module


@pytest.fixture
def windows_lock(monkeypatch):
    """sync/lock.py as Windows imports it: no fcntl, msvcrt instead."""
    import importlib.util
    import sys

    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setitem(sys.modules, "msvcrt", _fake_msvcrt())
    monkeypatch.setitem(sys.modules, "fcntl", None)  # any `import fcntl` would fail, as on Windows
    spec = importlib.util.spec_from_file_location("sync_lock_on_windows", Path(lock_module.__file__))
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_on_windows_the_lock_conflicts_and_the_holder_stays_readable(windows_lock, tmp_path):
    with windows_lock.StateLock(tmp_path) as first:
        assert first.taken_over is None
        with pytest.raises(LockHeld) as caught:
            windows_lock.StateLock(tmp_path).acquire()
        # The holder's details are read beside the locked byte, as Windows allows.
        assert f"(processus {os.getpid()} sur {HOST}, commande « " in caught.value.message
    assert (tmp_path / "verrou").read_text() == ""
    with windows_lock.StateLock(tmp_path) as again:
        assert again.taken_over is None


# -- a state folder that cannot be written --------------------------------------------


def test_a_lock_on_a_read_only_state_folder_is_explained_in_french(tmp_path, monkeypatch):
    import errno
    import os

    from sync.errors import HistoryError
    from sync.lock import StateLock

    def refuse(path, *args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(HistoryError) as caught:
        StateLock(tmp_path).acquire()
    assert caught.value.message == (
        f"le verrou {tmp_path / 'verrou'} ne peut pas être ouvert (système de fichiers en lecture seule)."
    )


# ---------------------------------------------------------------- paths the tests never took (issue 23)


def test_after_a_take_over_a_second_process_reads_the_new_holders_details(tmp_path):
    """A stale lock's details (a dead process, a long command) are replaced by the new
    holder's, whole: another process reads exactly them, and is refused naming them."""
    import datetime as dt
    import json
    import subprocess
    import sys

    from tests.support.checks import REPO

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = {
        "pid": dead.pid,
        "host": HOST,
        "command": "alliance-sync run " + "--config x " * 40,
        "since": "2020-04-01T02:00:00",
    }
    (tmp_path / "verrou").write_text(json.dumps(stale))
    reader = (
        "import pathlib, sys\n"
        "from sync.errors import LockHeld\n"
        "from sync.lock import StateLock, current_holder\n"
        "folder = pathlib.Path(sys.argv[1])\n"
        "holder = current_holder(folder)\n"
        "print(repr(None if holder is None else (holder.pid, holder.host, holder.command, holder.since)))\n"
        "try:\n"
        "    StateLock(folder).acquire()\n"
        "except LockHeld as exc:\n"
        "    print(exc.message)\n"
    )
    with StateLock(tmp_path) as lock:
        assert lock.taken_over == lock_module.Holder(**stale)
        me = lock_module.Holder.current()
        written = json.loads((tmp_path / "verrou").read_text())
        assert abs(dt.datetime.fromisoformat(written["since"]) - dt.datetime.fromisoformat(me.since)) < dt.timedelta(
            seconds=5
        )
        mine = lock_module.Holder(me.pid, me.host, me.command, written["since"])
        second = subprocess.run(
            [sys.executable, "-c", reader, str(tmp_path)],
            capture_output=True,
            text=True,
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            check=True,
        )
        assert second.stdout.splitlines() == [
            repr((mine.pid, mine.host, mine.command, mine.since)),
            f"une autre synchronisation est en cours ({mine.describe()}). Elle tient le verrou "
            f"{tmp_path / 'verrou'}. Attendez sa fin, ou arrêtez ce processus ; un verrou laissé par "
            "un processus terminé est repris automatiquement.",
        ]
    assert (tmp_path / "verrou").read_text() == ""
