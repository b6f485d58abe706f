"""The steps of a sync, declared once, and the tracer that follows a sync through them.

Each :class:`Step` says, in one place, what a person sees of it: its French label
(the progress bar, the start of its timing line under ``--verbose``), the log line
it ends with, and its checkpoint, the name by which the kill tests stop a run there
(``ALLIANCE_SYNC_TEST_PAUSE_AT=<checkpoint>``: the run says ``PAUSE <checkpoint> <pid>``
on standard error and sleeps until it is killed, so that tests/test_kill.py can
SIGKILL it at an exact moment without timing guesses).

A :class:`Tracer` is passed in by the caller (no module global): ``sync/cli.py``
gives one that draws a progress bar on a terminal and pauses at the checkpoint
asked for; a library caller gets the log lines only, or passes
:meth:`Tracer.silent`. ``with tracer.step(Step.VALIDATE) as step: … step.done(…)``
times the step, logs its line, draws its progress and, as it ends, pauses at its
checkpoint.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from enum import Enum
from typing import Any

from sync.logs import Progress, Share, is_terminal, progress_bar

PAUSE_ENV = "ALLIANCE_SYNC_TEST_PAUSE_AT"


@dataclass(frozen=True)
class StepInfo:
    label: str  # French; ``{field}``s are filled by tracer.step(…, field=…)
    line: str = ""  # the INFO line of step.done(…): ``{seconds}`` and the step's fields
    checkpoint: str | None = None  # where a run can be stopped, as the step ends
    timed: bool = False  # a DEBUG line with its duration (--verbose), or those of its parts
    progress: str | None = None  # its label in the progress bar, when not ``label``
    weight: int = 0  # its share of its parent's progress bar (of its own, for a step with no parent)


class Step(Enum):
    """The steps of ``alliance-sync run`` (``validate``: those of the report), in the
    order a run finishes them: a committee's parts before the committee, the
    workbook's temporary file and recording before the workbook."""

    START = StepInfo("Début", "Synchronisation n° {run} commencée (historique : {history}).", checkpoint="verrou")
    SOURCE = StepInfo("lecture", weight=30)
    PARSE = StepInfo("analyse des lignes", weight=20)
    ROW_RULES = StepInfo("règles des lignes", progress="règles", weight=50)
    COMMITTEE = StepInfo(
        "Comité {committee}",
        "Comité {committee} : {projects}, {payments} lus en {seconds} ({location}).",
        timed=True,
        progress="{committee}",
        weight=100,
    )
    READ = StepInfo("Lecture et validation")
    CROSS_CHECKS = StepInfo("Contrôles entre lignes et comités, consolidation et enveloppes", timed=True)
    VALIDATE = StepInfo("Validation", "Validation : {errors}, {warnings} ({seconds}).", checkpoint="rapport")
    CHANGES = StepInfo("Changements", "Changements depuis la synchronisation n° {base} : {summary} ({seconds}).")
    TEMPORARY = StepInfo("Classeur temporaire", checkpoint="classeur-temporaire")
    RECORD = StepInfo(
        "Historique",
        "Historique : synchronisation n° {run} enregistrée, {projects}, {payments}, {findings} ({seconds}).",
        checkpoint="historique",
    )
    WRITE = StepInfo(
        "Écriture du classeur du ministère",
        "Classeur du ministère écrit : {path} ({seconds}).",
        checkpoint="classeur",
        weight=1,
    )
    END = StepInfo("Fin", checkpoint="fin")
    EXPORT = StepInfo("Exportation CSV", "Exportation CSV écrite : {path} ({seconds}).")
    RUN = StepInfo("Synchronisation", "Synchronisation n° {run} terminée en {seconds}.")


# The checkpoints, in the order a run reaches them: verrou (lock taken, run started),
# rapport (report built), classeur-temporaire (workbook written beside its target, run
# not recorded), historique (run recorded and committed, workbook not yet in place),
# classeur (workbook in place, its placement not yet confirmed in the history), fin
# (all done, lock still held).
CHECKPOINTS = tuple(step.value.checkpoint for step in Step if step.value.checkpoint)


def _seconds(value: float) -> str:
    return f"{value:.2f} s"  # sync/logs.py writes it the French way: 0,02 s


class Tracer:
    """Logs, times, shows the progress of and pauses at the steps of a sync.

    ``log``: where the step lines go (None: nowhere); ``progress``: draw a progress
    bar on standard error; ``pause_at``: the checkpoint to stop at (tests only)."""

    def __init__(
        self, *, log: logging.Logger | None = None, progress: bool = False, pause_at: str | None = None
    ) -> None:
        self.log = log
        self.progress = progress
        self.pause_at = pause_at

    @classmethod
    def log_only(cls) -> Tracer:
        """The library's default: the step lines in the ``sync`` log, nothing drawn, no pause."""
        return cls(log=logging.getLogger("sync"))

    @classmethod
    def silent(cls) -> Tracer:
        return cls()

    @classmethod
    def for_console(cls, *, quiet: bool) -> Tracer:
        """The command line's: a progress bar when standard error is a terminal and
        not --quiet; the kill tests' checkpoint from ALLIANCE_SYNC_TEST_PAUSE_AT."""
        return cls(
            log=logging.getLogger("sync"),
            progress=not quiet and is_terminal(sys.stderr),
            pause_at=os.environ.get(PAUSE_ENV) or None,
        )

    @contextmanager
    def step(self, step: Step, *, total: int = 0, **fields: Any) -> Iterator[StepTrace]:
        """The step, timed; ``total``: the length of its progress bar (0: none). The
        bar is gone before the step's checkpoint."""
        bar = progress_bar(step.value.label, total) if self.progress and total > 0 else nullcontext(Progress())
        with bar as progress:
            trace = StepTrace(self, step, fields, progress)
            yield trace
            trace.end()
        self.reached(step)

    def reached(self, step: Step) -> None:
        """The end of ``step``: a run asked to stop at its checkpoint waits there to be killed."""
        checkpoint = step.value.checkpoint
        if checkpoint is not None and checkpoint == self.pause_at:
            _pause(checkpoint)

    def say(self, text: str) -> None:
        if self.log is not None:
            self.log.info(text)

    def timing(self, text: str) -> None:
        if self.log is not None:
            self.log.debug(text)


class StepTrace:
    """One step under way: its time, its fields, its share of a progress bar."""

    def __init__(
        self, tracer: Tracer, step: Step, fields: dict[str, Any], progress: Progress, parent: StepTrace | None = None
    ) -> None:
        self.tracer, self.step, self.fields, self.progress, self.parent = tracer, step, fields, progress, parent
        self.started = time.perf_counter()
        self.ended: float | None = None
        self.parts: list[StepTrace] = []  # the parts ended, in order
        self.advanced = 0  # of its weight in the bar
        self._timing_said = False

    @property
    def seconds(self) -> float:
        """Its duration; until it ends, the time so far."""
        return (self.ended if self.ended is not None else time.perf_counter()) - self.started

    @property
    def label(self) -> str:
        return self.step.value.label.format(**self.fields)

    def took(self, seconds: float) -> None:
        """It began ``seconds`` ago, elsewhere: a Google read made before, with the others."""
        self.started = time.perf_counter() - seconds
        if self.parent is not None:
            self.parent.started = min(self.parent.started, self.started)

    def done(self, **fields: Any) -> None:
        """Log the step's line, with its duration so far (its whole duration once ended);
        under --verbose, its timing line first."""
        self._say_timing()
        self.tracer.say(self.step.value.line.format(seconds=_seconds(self.seconds), **self.fields, **fields))

    def note(self, text: str) -> None:
        """Another INFO line of the step (what it found), silent with the step lines."""
        self.tracer.say(text)

    @contextmanager
    def part(self, step: Step, **fields: Any) -> Iterator[StepTrace]:
        """A part of this step: timed in its timing line, its weight in the same bar,
        its label in the bar when this step has one (« OUEST : lecture »)."""
        part = StepTrace(self.tracer, step, {**self.fields, **fields}, self.progress, self)
        if self.step.value.progress:
            head = self.step.value.progress.format(**part.fields)
            self.progress.describe(f"{head} : {step.value.progress or part.label}")
        yield part
        part.end()
        self.tracer.reached(step)

    def ended_part(self, step: Step) -> StepTrace:
        """Its last part ``step``, ended: to say its line later (the run recorded, said
        once its workbook is in place)."""
        return next(part for part in reversed(self.parts) if part.step is step)

    def share(self, items: int) -> Share:
        """What remains of its weight in the bar, spread over ``items`` (rows checked one by one)."""
        share = self.progress.share(self.step.value.weight - self.advanced, items)
        self.advanced = self.step.value.weight
        return share

    def end(self) -> None:
        self.ended = time.perf_counter()
        self.progress.advance(self.step.value.weight - self.advanced)
        self.advanced = self.step.value.weight
        if self.parent is not None:
            self.parent.parts.append(self)
            self.parent.advanced += self.step.value.weight
        if not self.step.value.line:
            self._say_timing()

    def _say_timing(self) -> None:
        if self.step.value.timed and not self._timing_said:
            self._timing_said = True
            times = ", ".join(f"{part.label} {_seconds(part.seconds)}" for part in self.parts)
            self.tracer.timing(f"{self.label} : {times or _seconds(self.seconds)}.")


def _pause(checkpoint: str) -> None:
    sys.stderr.write(f"PAUSE {checkpoint} {os.getpid()}\n")
    sys.stderr.flush()
    while True:  # until killed
        time.sleep(60)
