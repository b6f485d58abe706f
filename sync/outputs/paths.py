"""Where a command may write: never over one of its inputs.

Every file alliance-sync writes goes through :func:`output_path`, before anything is
read or written: the ministry workbook (``run --output``), a committee template
(``template --output``), each file of ``run --export`` and the log (``--log-file``).

- a folder (an existing one, or a name ending in ``/``) receives the default file
  name; missing parent folders are created when the writing starts;
- a workbook's name must end in ``.xlsx`` (``-o rapport.csv`` would hold xlsx content);
- the path must not be an input (which files are inputs, and which existing files
  alliance-sync recognises as its own, is the file policy of
  sync/usecases/file_policy.py): the configuration, the presentation file beside
  it, a committee's workbook, the Google credentials, the history database, the
  state folder or anything in it — links, hard links, ``..`` and other letter
  cases of the same file included (``Ouest.XLSX`` is ``ouest.xlsx`` on every OS,
  as it is on Windows and macOS);
- an existing file is replaced only when alliance-sync recognises it as its own
  (a ministry workbook, an unfilled template, a file of its last export), or with
  ``force``.
"""

from __future__ import annotations

import errno
import os
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from sync.errors import OS_REASONS, OutputError, describe_os_error
from sync.outputs.atomic import cannot_write

SUFFIX = ".xlsx"


@dataclass(frozen=True)
class Input:
    """A file or folder the command reads, and how to name it in French."""

    path: Path
    label: str  # « la configuration », « le classeur du comité OUEST »…
    folder: bool = False  # a folder: nothing inside it may be an output either


FOREIGN_WORKBOOK = (
    "ce fichier existe et n'est pas un classeur de ce type écrit par alliance-sync ; choisissez un "
    "autre nom, ou ajoutez --force pour le remplacer"
)


def output_path(
    given: Path | str | None,
    default_name: str,
    inputs: Iterable[Input],
    *,
    force: bool = False,
    ours: Callable[[Path], bool] | None,
    suffix: str | None = SUFFIX,
    foreign: str = FOREIGN_WORKBOOK,
) -> Path:
    """The path to write, checked; raises OutputError (exit 2) with a French message.
    Its missing folders are made by :func:`make_parents`, when the writing starts.

    ``given`` as typed (a str keeps its final ``/``: a folder, even one still missing);
    ``ours`` None: an existing file is written to (appended, for the log); ``suffix``
    None: any name; ``foreign``: why an existing file that is not ours is refused."""
    target = _target(given, default_name)
    if suffix is not None and target.suffix.lower() != suffix:
        raise OutputError(
            refused(
                target, f"un classeur porte l'extension {suffix} (par exemple « {target.with_suffix(suffix).name} »)"
            )
        )
    refuse_inputs(target, inputs)
    try:
        exists = target.exists() or target.is_symlink()
        if ours is None:  # appended to, never replaced: /dev/stderr is a fine log
            return target
        if exists and not target.is_file():
            raise OutputError(refused(target, "ce chemin existe et n'est pas un fichier ordinaire"))
        if exists and not force and not ours(target):
            raise OutputError(refused(target, foreign))
    except OSError as exc:
        raise OutputError(refused(target, describe_os_error(exc))) from None
    return target


def _target(given: Path | str | None, default_name: str) -> Path:
    """The file meant: ``given``, or the default name inside it when it is a folder."""
    if given is None:
        return Path(default_name)
    target = Path(given)
    # Path() drops a final separator: « rapports/ » names a folder even before it exists.
    if isinstance(given, str) and given.endswith(("/", os.sep)):
        return target / default_name
    try:
        if target.is_dir():
            return target / default_name
    except OSError as exc:
        raise OutputError(refused(target, describe_os_error(exc))) from None
    return target


# Agrees with every label (« la configuration », « le classeur du comité OUEST »).
NEVER_OVERWRITTEN = "une entrée que la synchronisation lit et n'écrase jamais"


def refuse_inputs(target: Path, inputs: Iterable[Input]) -> None:
    """OutputError when ``target`` is one of the inputs, or inside an input folder."""
    for item in inputs:
        if is_within(target, item):
            reason = (
                f"ce chemin est dans {item.label} ({item.path}), que seul alliance-sync écrit"
                if item.folder
                else f"ce chemin désigne {item.label} ({item.path}), {NEVER_OVERWRITTEN}"
            )
            raise OutputError(refused(target, f"{reason} ; choisissez un autre nom"))


def make_parents(target: Path) -> None:
    """Create the missing folders of ``target``, as for ``--log-file``; a failure is
    the French message of a workbook that could not be written."""
    for folder in reversed(target.absolute().parents):
        try:
            if folder.exists() and not folder.is_dir():
                raise OutputError(cannot_write(target, OS_REASONS[errno.ENOTDIR]))
        except OSError as exc:
            raise OutputError(cannot_write(target, describe_os_error(exc))) from None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(cannot_write(target, describe_os_error(exc))) from None


def refused(target: Path, reason: str) -> str:
    return f"sortie refusée : {target} : {reason}."


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def is_within(target: Path, item: Input) -> bool:
    """``target`` is the input, or inside the input folder, however spelt: another
    letter case or Unicode form, ``..``, a symbolic link, a hard link."""
    try:
        resolved, place = target.resolve(), item.path.resolve()
    except (OSError, RuntimeError):  # a loop of links: compare as written
        resolved, place = target.absolute(), item.path.absolute()
    if _folded(resolved) == _folded(place) or _same_file(target, item.path):
        return True
    if item.folder:
        if _folded(place) in {_folded(parent) for parent in resolved.parents}:
            return True
        return any(_same_file(parent, item.path) for parent in _parents(target))
    return False


def _folded(path: Path) -> str:
    """A path as a case-insensitive file system compares it (Windows, macOS): « Ouest.XLSX »
    and « ouest.xlsx », an « é » typed in one or two characters, are one file there."""
    return unicodedata.normalize("NFC", str(path)).casefold()


def _parents(target: Path) -> list[Path]:
    """The existing folders above ``target`` (a folder reached by a hard link or a bind mount)."""
    found = []
    for parent in target.absolute().parents:
        try:
            if parent.is_dir():
                found.append(parent)
        except OSError:
            continue
    return found
