"""The run's log: French lines on standard error, and optionally in a file.

One line per step, with counts and durations. ``--quiet`` keeps only warnings
and errors on standard error (cron mails whatever is printed); ``--verbose``
adds details. A log file, when asked for, always receives the step lines, so a
quiet nightly run still leaves a full trace.
"""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path

from sync.errors import OutputError, describe_os_error

# Durations are logged as ``%.2f s``; a French reader expects ``0,02 s``.
_DECIMAL_SECONDS = re.compile(r"(\d)\.(\d+ s)\b")

_LEVELS = {logging.WARNING: "AVERTISSEMENT", logging.ERROR: "ERREUR", logging.CRITICAL: "ERREUR"}


class FrenchFormatter(logging.Formatter):
    """``2026-11-27 02:00:03 message``; warnings and errors are labelled in French."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        from sync.outputs.text import printable  # committee text never drives the terminal

        text = printable(_DECIMAL_SECONDS.sub(r"\1,\2", super().format(record)))
        label = _LEVELS.get(record.levelno)
        if label:
            stamp = self.formatTime(record, self.datefmt)
            text = f"{stamp} {label} : {text[len(stamp) + 1:]}"
        return text


def setup_logging(quiet: bool = False, verbose: bool = False, log_file: Path | None = None) -> None:
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO)
    console.setFormatter(FrenchFormatter())
    handlers: list[logging.Handler] = [console]
    if log_file is not None:
        try:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            to_file = logging.FileHandler(log_file, encoding="utf-8")
        except OSError as exc:
            raise OutputError(f"le journal {log_file} ne peut pas être ouvert ({describe_os_error(exc)}).") from None
        to_file.setLevel(logging.DEBUG if verbose else logging.INFO)
        to_file.setFormatter(FrenchFormatter())
        handlers.append(to_file)
    root = logging.getLogger("sync")
    for old in root.handlers:
        if isinstance(old, logging.FileHandler):
            old.close()
    root.handlers[:] = handlers
    root.setLevel(min(h.level for h in handlers))
    root.propagate = False
