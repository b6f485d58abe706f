"""Named exceptions of the library.

The library raises these; only the command line (sync/cli.py) turns them into
French messages and exit codes. Every message is already written for the
coordinator, in French, so the CLI only prints it.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

# Exit codes (docs/ligne-de-commande.md).
EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_SOURCE = 3


class AllianceSyncError(Exception):
    """Base of every error the library raises on purpose."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class DriveError(Exception):
    """A Drive upload failed (sync/delivery/drive.py); ``message`` is French, says what to do,
    and holds no secret. Recorded as the delivery's failure, never shown by the command line."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ConfigError(AllianceSyncError):
    """The configuration file is missing, unreadable or wrong at one key."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, path: str | None = None, key: str | None = None):
        where = []
        if path:
            where.append(f"fichier {path}")
        if key:
            where.append(f"clé « {key} »")
        full = (
            f"Configuration invalide ({', '.join(where)}) : {message}"
            if where
            else f"Configuration invalide : {message}"
        )
        super().__init__(full)
        self.path = path
        self.key = key
        self.detail = message


class SourceUnavailable(AllianceSyncError):
    """A committee's spreadsheet could not be read (file, network, access)."""

    exit_code = EXIT_SOURCE

    def __init__(self, message: str, *, committee: str = "", retryable: bool = False):
        super().__init__(message)
        self.committee = committee
        self.retryable = retryable


class NoUsableData(AllianceSyncError):
    """Sources were unreadable and no last good copy exists: nothing to report.
    ``unreadable``: one French line per committee not read, with why."""

    exit_code = EXIT_SOURCE

    def __init__(self, message: str, *, unreadable: list[str] | None = None):
        super().__init__(message)
        self.unreadable = list(unreadable or [])

    def for_validation(self) -> NoUsableData:
        """The same failure told by ``validate``, which produces no report anyway."""
        return NoUsableData(
            "Validation impossible : des chiffriers n'ont pas pu être lus.\n  - " + "\n  - ".join(self.unreadable),
            unreadable=self.unreadable,
        )


class LockHeld(AllianceSyncError):
    """Another run holds the state folder's lock."""

    exit_code = EXIT_USAGE


class HistoryError(AllianceSyncError):
    """The state folder or its history database cannot be used, or a run asked for is unknown."""

    exit_code = EXIT_USAGE


class ForeignHistory(HistoryError):
    """The state folder holds the history of another alliance (or of the built-in demo):
    refused before anything in it is written (docs/exploitation.md)."""

    exit_code = EXIT_USAGE


class ClosureRefused(AllianceSyncError):
    """A fiscal year cannot be closed or reopened as asked (docs/exploitation.md): a year outside
    the agreement, already closed, not closed, no run to report, no reason to reopen."""

    exit_code = EXIT_USAGE


class OutputError(AllianceSyncError):
    """The output file could not be written."""

    exit_code = EXIT_USAGE


# French reasons for the failures of the file system a coordinator can meet (the
# system's own text is in English).
OS_REASONS = {
    errno.EACCES: "permission refusée",
    errno.EPERM: "opération non permise",
    errno.ENOENT: "dossier introuvable",
    errno.ENOTDIR: "un élément du chemin n'est pas un dossier",
    errno.EISDIR: "le chemin désigne un dossier, pas un fichier",
    errno.ENOSPC: "disque plein",
    errno.EROFS: "système de fichiers en lecture seule",
    errno.EDQUOT: "quota de disque dépassé",
    errno.ENAMETOOLONG: "nom de fichier trop long",
    errno.ELOOP: "boucle de liens symboliques",
    errno.EBUSY: "fichier occupé",
    errno.ETXTBSY: "fichier occupé",
}


def describe_os_error(exc: OSError) -> str:
    """The reason of an OSError, in French."""
    reason = OS_REASONS.get(exc.errno or 0)
    if reason is None:
        reason = f"erreur du système ({exc.strerror or exc})"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EBUSY, errno.ETXTBSY) and os.name == "nt":
        reason += " ; le fichier est peut-être ouvert dans Excel"
    return reason


class NotAWorkbookFile(AllianceSyncError):
    """A committee's local source is no file to read: missing, a folder, a device, a
    FIFO, a loop of links. Its message names the path and what it is; the
    configuration (ConfigError) and the xlsx source (SourceUnavailable) say it in
    their own sentence."""

    exit_code = EXIT_SOURCE

    def __init__(self, message: str, *, missing: bool = False):
        super().__init__(message)
        self.missing = missing


def regular_file_status(path: Path) -> os.stat_result:
    """The status of a workbook file to read, without opening it (a FIFO would wait
    forever, ``/dev/zero`` never end), or :class:`NotAWorkbookFile` saying what the
    path is instead."""
    try:
        status = path.stat()
    except FileNotFoundError:
        raise NotAWorkbookFile(f"{path} est introuvable", missing=True) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise NotAWorkbookFile(
                f"{path} est un lien symbolique qui boucle (il mène, directement ou par d'autres liens, à lui-même)"
            ) from None
        raise NotAWorkbookFile(f"{path} ne peut pas être lu : {describe_os_error(exc)}") from None
    except ValueError:  # a NUL byte in the path
        raise NotAWorkbookFile(f"{path} n'est pas un chemin de fichier valide") from None
    if stat.S_ISDIR(status.st_mode):
        raise NotAWorkbookFile(f"{path} est un dossier, pas un classeur")
    if not stat.S_ISREG(status.st_mode):
        raise NotAWorkbookFile(f"{path} n'est pas un fichier ordinaire (tube, périphérique ou prise)")
    return status
