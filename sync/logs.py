"""The run's log: French lines on standard error, and optionally in a file.

One line per step, with counts and durations. A person's terminal (standard error
a terminal, neither ``--quiet`` nor ``--verbose``) and ``--quiet`` (cron) show only
what needs a person: errors, and the few warnings marked with :data:`ATTENTION`
(a source unreadable, a history to look at); a Google request that succeeded on
its second try or a configuration remark stays in the log. Off a terminal (a pipe,
systemd's journal) without ``--quiet``, standard error gets the step lines, as a
log does. ``--verbose`` shows the step lines in a terminal too, and adds the
details of a slow or odd night: each stage's own timing, each Google request, the
fallback and cache decisions. A log file, when asked for, always receives the step
lines, so a quiet nightly run still leaves a full trace. It is opened only once the
command knows its inputs and the file is checked not to be one of them
(:func:`open_log_file`, called by sync/cli.py): until then its lines wait in memory,
and they are dropped if it is never opened.

Long steps report their progress in a click progress bar (:func:`progress_bar`)
when standard error is a terminal, nothing more than their log lines otherwise
(cron, a log file, a pipe): the tracer of sync/steps.py decides which. A bar is
erased once its step ends: what stays on the screen is the result.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click

from sync.errors import OutputError, describe_os_error
from sync.wording import printable  # committee text never drives the terminal

if TYPE_CHECKING:  # the type of click.progressbar's bar, not exported by click
    from click._termui_impl import ProgressBar

log = logging.getLogger("sync")

# ``log.warning(..., extra=ATTENTION)``: a warning that needs a person, shown even with --quiet.
ATTENTION = {"attention": True}
# ``log.info(..., extra=LOG_ONLY)``: a line for the log file only; the console said it otherwise.
LOG_ONLY = {"log_only": True}

# Durations are logged as ``%.2f s``; a French reader expects ``0,02 s``.
_DECIMAL_SECONDS = re.compile(r"(\d)\.(\d+ s)\b")

_LEVELS = {logging.WARNING: "AVERTISSEMENT", logging.ERROR: "ERREUR", logging.CRITICAL: "ERREUR"}


class FrenchFormatter(logging.Formatter):
    """``2026-11-27 02:00:03 message``; warnings and errors are labelled in French."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        text = printable(_DECIMAL_SECONDS.sub(r"\1,\2", super().format(record)))
        label = _LEVELS.get(record.levelno)
        if label:
            stamp = self.formatTime(record, self.datefmt)
            text = f"{stamp} {label} : {text[len(stamp) + 1 :]}"
        return text


def needs_a_person(record: logging.LogRecord) -> bool:
    """What --quiet lets through: errors, and warnings marked with ATTENTION."""
    return record.levelno >= logging.ERROR or bool(getattr(record, "attention", False))


def on_the_console(record: logging.LogRecord) -> bool:
    """Not a line meant for the log file only (:data:`LOG_ONLY`)."""
    return not getattr(record, "log_only", False)


def is_terminal(stream: Any) -> bool:
    """``stream`` is a person's terminal (not a pipe, a file, cron's capture)."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def setup_logging(quiet: bool = False, verbose: bool = False, log_file: Path | None = None) -> None:
    """The console shows what needs a person under --quiet and in a terminal (unless
    --verbose), the step lines otherwise; the log file always gets the step lines."""
    console = _Console(sys.stderr)
    console.addFilter(on_the_console)
    if quiet or (not verbose and is_terminal(sys.stderr)):
        console.setLevel(logging.INFO)  # INFO for the ATTENTION lines; the filter keeps only those and errors
        console.addFilter(needs_a_person)
    else:
        console.setLevel(logging.DEBUG if verbose else logging.INFO)
    console.setFormatter(FrenchFormatter())
    handlers: list[logging.Handler] = [console]
    root = logging.getLogger("sync")
    earlier = [h for h in root.handlers if isinstance(h, _Waiting)]
    if log_file is not None:
        waiting = _Waiting(log_file)
        if earlier and earlier[0].path == log_file:  # a general option given after the command
            waiting.records = earlier[0].records
        waiting.setLevel(logging.DEBUG if verbose else logging.INFO)
        handlers.append(waiting)
    for old in root.handlers:
        if isinstance(old, logging.FileHandler):
            old.close()
    root.handlers[:] = handlers
    root.setLevel(min(h.level for h in handlers))
    root.propagate = False


class _Waiting(logging.Handler):
    """The log file asked for, not opened yet: its lines are kept until it is."""

    def __init__(self, path: Path):
        super().__init__()
        self.path = path
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def pending_log_file() -> Path | None:
    """The --log-file given and not opened yet, if any."""
    for handler in logging.getLogger("sync").handlers:
        if isinstance(handler, _Waiting):
            return handler.path
    return None


def open_log_file(path: Path) -> None:
    """Open the log file (``path``: the one asked for, checked by the caller), its
    missing folders made, and write there the lines logged while it waited."""
    root = logging.getLogger("sync")
    waiting = next((h for h in root.handlers if isinstance(h, _Waiting)), None)
    if waiting is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        to_file = logging.FileHandler(path, encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"le journal {path} ne peut pas être ouvert ({describe_os_error(exc)}).") from None
    to_file.setLevel(waiting.level)
    to_file.setFormatter(FrenchFormatter())
    for record in waiting.records:
        if record.levelno >= to_file.level:
            to_file.handle(record)
    root.handlers[root.handlers.index(waiting)] = to_file


class _Console(logging.StreamHandler[TextIO]):
    """Standard error; a line logged while a progress bar is drawn first clears the
    bar's line (the bar redraws itself below at its next step)."""

    bar_on_screen = False  # set by progress_bar while it draws

    def emit(self, record: logging.LogRecord) -> None:
        if self.bar_on_screen:
            self.stream.write("\r\x1b[2K")
        super().emit(record)


class Progress:
    """What a stage reports: ``advance(n)`` steps done, ``describe(text)`` what it is doing now."""

    def __init__(self, bar: ProgressBar[int] | None = None) -> None:
        self._bar = bar

    def advance(self, steps: int) -> None:
        if self._bar is not None and steps > 0:
            self._bar.update(steps)

    def describe(self, text: str) -> None:
        if self._bar is not None:
            self._bar.label = text
            self._bar.render_progress()

    def share(self, steps: int, items: int) -> Share:
        """``steps`` of the bar spread over ``items`` (rows checked one by one)."""
        return Share(self, steps, items)


class Share:
    """``share()`` once per item: advances its progress in proportion; ``finish()`` completes it."""

    def __init__(self, progress: Progress, steps: int, items: int):
        self.progress, self.steps, self.items = progress, steps, items
        self.done = self.reported = 0

    def __call__(self) -> None:
        self.done += 1
        due = self.steps * self.done // self.items if self.items else self.steps
        if due > self.reported:
            self.progress.advance(due - self.reported)
            self.reported = due

    def finish(self) -> None:
        self.progress.advance(self.steps - self.reported)
        self.reported = self.steps


class _Erased:
    """Standard error as a progress bar sees it: the bar's last line, which click ends
    with a new line, is erased instead (the cursor shown again), so that a finished
    bar leaves nothing on the screen."""

    _AFTER_BAR = "\x1b[?25h\n"  # what click writes after a finished bar, on a terminal

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        return self.stream.write(text.replace(self._AFTER_BAR, "\r\x1b[2K\x1b[?25h"))

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return is_terminal(self.stream)


@contextmanager
def progress_bar(label: str, total: int) -> Iterator[Progress]:
    """``with progress_bar("Lecture et validation", 300) as progress: … progress.advance(30)``:
    a click progress bar on standard error (the tracer asks for one only on a terminal),
    erased when it ends."""

    consoles = [h for h in logging.getLogger("sync").handlers if isinstance(h, _Console)]
    screen: Any = _Erased(sys.stderr)
    with click.progressbar(length=total, label=label, file=screen, show_eta=True, show_percent=True) as bar:
        for console in consoles:
            console.bar_on_screen = True
        try:
            yield Progress(bar)
        finally:
            for console in consoles:
                console.bar_on_screen = False
