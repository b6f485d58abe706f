"""Replacing an output file atomically: readers — and the next run — see the old
file or the new one, never a part of it (docs/classeur-ministere.md, docs/exploitation.md).

The file is written beside its target under a temporary name, flushed to disk,
then renamed over the target; the folder is synced so that the rename itself
survives a power cut. A failure at any point leaves the previous file as it was.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sync.errors import OS_REASONS, OutputError, describe_os_error


def temporary_path(target: Path) -> Path:
    """The temporary name of ``target`` for this process: hidden, same folder, same suffix."""
    return target.with_name(f".{target.stem}.{os.getpid()}.tmp{target.suffix}")


def write_atomically(
    target: Path, write: Callable[[Path], object], *, before_replace: Callable[[], object] | None = None
) -> None:
    """Write ``target`` through ``write(temporary_path)``, then rename it into place.

    Raises OutputError (in French, naming the file) when the folder cannot be
    written; any other exception of ``write`` propagates, the temporary file removed.
    """
    target = Path(target).absolute()
    _check_folder(target)
    temporary = temporary_path(target)
    remove_leftovers(target)
    try:
        write(temporary)
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())
        if before_replace is not None:
            before_replace()
        os.replace(temporary, target)
        _sync_folder(target.parent)
    except OutputError as exc:
        _discard(temporary)
        # The writer named the file it was given: the reader knows the target.
        raise OutputError(exc.message.replace(str(temporary), str(target))) from None
    except OSError as exc:
        _discard(temporary)
        raise OutputError(cannot_write(target, describe_os_error(exc))) from None
    except BaseException:
        _discard(temporary)
        raise


def _discard(temporary: Path) -> None:
    """Remove a temporary file, if any. On a read-only file system even removing a
    file that was never created fails (EROFS, not ENOENT): the reason to report is
    the first failure, not this one."""
    with contextlib.suppress(OSError):
        temporary.unlink(missing_ok=True)


def cannot_write(target: Path, reason: str) -> str:
    """The message of an output that could not be written, in French."""
    return f"le classeur {target} n'a pas pu être écrit : {reason}."


def _check_folder(target: Path) -> None:
    """Fail early, naming the target, when it cannot be a file in a folder."""
    if target.is_dir():
        raise OutputError(cannot_write(target, OS_REASONS[errno.EISDIR]))
    folder = target.parent
    if not folder.exists():
        raise OutputError(cannot_write(target, OS_REASONS[errno.ENOENT]))
    if not folder.is_dir():
        raise OutputError(cannot_write(target, OS_REASONS[errno.ENOTDIR]))


def remove_leftovers(target: Path) -> None:
    """Temporary files of runs killed while writing this target (runs do not
    overlap: the state lock is held), recognised by the pid in their name."""
    try:
        leftovers = list(target.parent.glob(f".{target.stem}.*.tmp{target.suffix}"))
    except OSError:
        return
    for leftover in leftovers:
        pid = leftover.name[len(target.stem) + 2 :].split(".")[0]
        if pid.isascii() and pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            leftover.unlink(missing_ok=True)


TEMPORARY_FOLDER = "temporaire"


@contextmanager
def temporary_files_in(state_dir: Path) -> Iterator[Path]:
    """Send the temporary files of the libraries that write workbooks (openpyxl's
    write-only sheets: tens of MB of committee data) to the state folder instead of
    the system's, and empty that folder first: what a killed run left there is
    removed by the next run (runs hold the state lock, so nothing there is alive)."""
    folder = Path(state_dir) / TEMPORARY_FOLDER
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"le dossier temporaire {folder} ne peut pas être créé ({describe_os_error(exc)}).") from None
    _empty(folder)
    previous = tempfile.tempdir
    tempfile.tempdir = str(folder)
    try:
        yield folder
    finally:
        tempfile.tempdir = previous
        _empty(folder)


def _empty(folder: Path) -> None:
    try:
        leftovers = list(folder.iterdir())
    except OSError:
        return
    for leftover in leftovers:
        try:
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)
        except OSError:
            pass  # removed by a later run


def _alive(pid: int) -> bool:
    if os.name == "nt":
        # os.kill would terminate the process there: assume it is alive.
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _sync_folder(folder: Path) -> None:
    # The rename itself is durable only once the folder is synced (POSIX).
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
