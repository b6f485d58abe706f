"""Two runs never overlap (SPEC §8): the second says who holds the lock and exits 2;
a lock left by a dead process is taken over."""

from __future__ import annotations

import fcntl
import os
import re
import signal
import socket

import pytest

from tests.support.history import Alliance, wait_for_pause
from sync.errors import LockHeld
from sync.lock import StateLock, current_holder

HOST = socket.gethostname()


def holder_text(alliance: Alliance, pid: int) -> str:
    command = "python -m sync " + " ".join(alliance.run_args())
    return (f"processus {pid} sur {HOST}, commande « {command} », "
            r"depuis le \d{4}-\d\d-\d\d \d\d:\d\d:\d\d")


def test_a_second_run_names_the_holder_and_exits_2(tmp_path):
    alliance = Alliance(tmp_path)
    first = alliance.process(pause_at="verrou")
    try:
        wait_for_pause(first, "verrou")
        result = alliance.cli("run")
        assert result.exit_code == 2
        expected = (f"Erreur : une autre synchronisation est en cours \\({holder_text(alliance, first.pid)}\\). "
                    f"Elle tient le verrou {re.escape(str(alliance.state / 'verrou'))}. Attendez sa fin, ou "
                    "arrêtez ce processus ; un verrou laissé par un processus terminé est repris "
                    "automatiquement.\n")
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
    assert re.search(f"AVERTISSEMENT : Verrou abandonné repris \\({holder_text(alliance, first.pid)}\\) : "
                     "cette synchronisation s'est terminée sans le libérer.", result.stderr), result.stderr
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
    assert caught.value.message == (f"le verrou {tmp_path / 'verrou'} ne peut pas être ouvert "
                                    "(système de fichiers en lecture seule).")
