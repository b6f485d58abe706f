"""Where a command may write its workbook: never over one of its inputs.

``run`` writes the ministry workbook and ``template`` a committee template, each
to the path its ``--output`` names. :func:`output_path` is the one guard both go
through, before anything is read or written:

- a folder receives the default file name; missing parent folders are created;
- the name must end in ``.xlsx`` (``-o rapport.csv`` would hold xlsx content);
- the path must not be an input: the configuration, a committee's workbook, the
  history database, the state folder or anything in it (links and other spellings
  of the same file included);
- an existing file is replaced only when it is a workbook of the same kind that
  alliance-sync wrote (a ministry workbook, an unfilled template), or with ``force``.
"""

from __future__ import annotations

import errno
import os
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from sync.errors import OS_REASONS, OutputError, describe_os_error

SUFFIX = ".xlsx"
# The sheets every ministry workbook has, and that no committee workbook has.
MINISTRY_SHEETS = frozenset({"Sommaire", "Validation", "À propos"})


@dataclass(frozen=True)
class Input:
    """A file or folder the command reads, and how to name it in French."""

    path: Path
    label: str  # « la configuration », « le classeur du comité OUEST »…
    folder: bool = False  # a folder: nothing inside it may be an output either


def inputs_of(config, state_dir: Path | None) -> list[Input]:
    """The configuration, the committees' local workbooks and the state folder."""
    from sync.history.store import DB_NAME

    found = []
    if config.path is not None:
        found.append(Input(Path(config.path), "la configuration"))
    for committee in config.committees:
        if committee.source is not None and committee.source.kind == "xlsx":
            found.append(Input(Path(committee.source.location), f"le classeur du comité {committee.code}"))
    if state_dir is not None:
        found.append(Input(state_dir / DB_NAME, "l'historique des synchronisations"))
        found.append(Input(state_dir, "le dossier d'état", folder=True))
    return found


def output_path(given: Path | None, default_name: str, inputs: Iterable[Input], *, force: bool = False,
                ours: Callable[[Path], bool]) -> Path:
    """The path to write, checked; raises OutputError (exit 2) with a French message.
    Its missing folders are made by :func:`make_parents`, when the writing starts."""
    target = Path(given) if given is not None else Path(default_name)
    try:
        if target.is_dir():
            target = target / default_name
    except OSError as exc:
        raise OutputError(_refused(target, describe_os_error(exc))) from None
    if target.suffix.lower() != SUFFIX:
        raise OutputError(_refused(target, f"un classeur porte l'extension {SUFFIX} "
                                           f"(par exemple « {target.with_suffix(SUFFIX).name} »)"))
    for item in inputs:
        if _is_within(target, item):
            what = f"dans {item.label} ({item.path})" if item.folder else f"{item.label} ({item.path})"
            raise OutputError(_refused(target, f"ce chemin désigne {what}, qui serait écrasé ; "
                                               "choisissez un autre nom"))
    try:
        exists = target.exists() or target.is_symlink()
        if exists and not target.is_file():
            raise OutputError(_refused(target, "ce chemin existe et n'est pas un fichier ordinaire"))
        if exists and not force and not ours(target):
            raise OutputError(_refused(target, "ce fichier existe et n'est pas un classeur de ce type écrit par "
                                               "alliance-sync ; choisissez un autre nom, ou ajoutez --force "
                                               "pour le remplacer"))
    except OSError as exc:
        raise OutputError(_refused(target, describe_os_error(exc))) from None
    return target


def make_parents(target: Path) -> None:
    """Create the missing folders of ``target``, as for ``--log-file``; a failure is
    the French message of a workbook that could not be written."""
    from sync.outputs.atomic import cannot_write

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


def _refused(target: Path, reason: str) -> str:
    return f"sortie refusée : {target} : {reason}."


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def _is_within(target: Path, item: Input) -> bool:
    """``target`` is the input, or inside the input folder, however spelt."""
    try:
        resolved, place = target.resolve(), item.path.resolve()
    except (OSError, RuntimeError):  # a loop of links: compare as written
        resolved, place = target.absolute(), item.path.absolute()
    if resolved == place or _same_file(target, item.path):
        return True
    if item.folder:
        if place in resolved.parents:
            return True
        parent = target.parent if str(target.parent) else Path(".")
        return _same_file(parent, item.path)
    return False


def _tab_titles(path: Path) -> list[str] | None:
    """The tab titles of an .xlsx, or None when it is none."""
    from sync.sources.xlsx import worksheet_titles

    try:
        with zipfile.ZipFile(path) as archive:
            return worksheet_titles(archive)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, SyntaxError):
        return None


def is_ministry_workbook(path: Path) -> bool:
    titles = _tab_titles(path)
    return titles is not None and set(titles) >= MINISTRY_SHEETS


def is_unfilled_template(path: Path) -> bool:
    """A committee template nobody typed in: its Projets and Versements tabs hold
    their header only (a filled committee workbook is an input, never replaced)."""
    from sync.config import SourceSpec
    from sync.errors import SourceUnavailable
    from sync.parsing.headers import PAYMENTS_TAB, PROJECTS_TAB, find_tab
    from sync.parsing.values import is_blank
    from sync.sources.xlsx import XlsxSource

    titles = _tab_titles(path)
    if titles is None or set(titles) >= MINISTRY_SHEETS:
        return False
    try:
        tabs = XlsxSource(SourceSpec("xlsx", str(path))).read([PROJECTS_TAB, PAYMENTS_TAB]).tabs
    except SourceUnavailable:
        return False
    for wanted in (PROJECTS_TAB, PAYMENTS_TAB):
        title = find_tab(list(tabs), wanted)
        if title is None:
            return False
        if any(not is_blank(v) for row in tabs[title][1:] for v in row):
            return False
    return True
