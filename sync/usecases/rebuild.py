"""``alliance-sync report RUN --output F``: a past run's ministry workbook, rebuilt from the
history alone (docs/exploitation.md), no source read.

The raw rows each committee's source gave that night (kept once per content in the history)
go through the same parsing, rules and consolidation; the findings are the ones the run
recorded (a closed year's, a last good copy's included), the Changements sheet compares with
the run before it that wrote a workbook, Par année's closed years are those closed then, and
Évolution stops at that night.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sync.changes import Changes
from sync.config import Config
from sync.config.load import config_from_dict
from sync.errors import ConfigError, HistoryError
from sync.history import History
from sync.history.closures import reported_years
from sync.history.deliveries import run_findings
from sync.history.evolution import evolution
from sync.history.fallback import stored_sources
from sync.history.identity import alliance_identity
from sync.history.store import RunSummary
from sync.outputs.ministry.style import KeptPresentation
from sync.pipeline import build_report
from sync.report import Report
from sync.steps import Tracer
from sync.wording import moment

_INSTANT = dt.timedelta(microseconds=1)


@dataclass
class Rebuilt:
    """A past run's report as it was that night, and its Changements."""

    run: RunSummary
    report: Report
    changes: Changes | None
    presentation: KeptPresentation | None


def rebuild_report(config: Config, history: History, run_id: int) -> Rebuilt:
    """Run ``run_id``'s report again from the history; a HistoryError (in French) when that run
    wrote no workbook, belongs to another alliance, or its records were not kept."""
    run = history.run(run_id)
    if not run.has_data or not run.output:
        raise HistoryError(
            f"la synchronisation n° {run.id} du {moment(run.started_at)} n'a pas écrit de classeur "
            f"({run.status()}) : il n'y a rien à reconstruire."
        )
    identity = alliance_identity(config)
    if run.identity != identity:
        raise HistoryError(
            f"la synchronisation n° {run.id} n'est pas une synchronisation de {identity.describe()} : "
            "son classeur ne peut pas être reconstruit avec cette configuration."
        )
    config, presentation = _config_of_that_night(config, history, run)
    stored = stored_sources(history, config, run.id, run.started_at)
    report = build_report(config, now=run.started_at, tracer=Tracer.silent(), stored=stored)
    report.findings[:] = run_findings(history, run.id)
    # Closings are made under the state lock, never during a run: those of that night are the ones
    # made before it started. A closing's time is kept to the second: one in the second the run
    # started is taken as made after it (a closing follows the run it names).
    report.reported_years = reported_years(history, until=run.started_at.replace(microsecond=0) - _INSTANT)
    report.evolution = evolution(history, identity, report, before=run.id)
    base = history.previous_done(before=run.id, with_output=True, identity=identity)
    changes = history.changes_since(
        base,
        history.records(run.id, decoded=False),
        committee_order=[c.code for c in config.committees],
        sources=history.source_identities(run.id),
    )
    return Rebuilt(run, report, changes, presentation)


def _config_of_that_night(config: Config, history: History, run: RunSummary) -> tuple[Config, KeptPresentation | None]:
    """The configuration run ``run`` was made with and the presentation beside it (their texts
    kept in the history), read as if they were at today's configuration's place; today's, said
    in French in the history's notes, when that night's were not kept."""
    kept = history.settings_of(run.id)
    if not kept.kept or kept.config is None:
        history.note(
            f"la configuration de la synchronisation n° {run.id} n'est pas gardée dans l'historique (synchronisation "
            "enregistrée avant que l'historique ne la garde) : le classeur est reconstruit avec la configuration "
            "d'aujourd'hui (allocations, exercices, comités) et sa présentation, qui peuvent différer de celles de "
            "cette nuit-là."
        )
        return config, None
    try:
        then = config_from_dict(tomllib.loads(kept.config), path=config.path, check_files=False)
    except (tomllib.TOMLDecodeError, ConfigError) as error:
        why = error.message if isinstance(error, ConfigError) else "texte TOML illisible"
        raise HistoryError(
            f"la configuration de la synchronisation n° {run.id} gardée dans l'historique ne se lit plus ({why}) : "
            "son classeur ne peut pas être reconstruit."
        ) from None
    return then, KeptPresentation(kept.presentation)


@dataclass
class RebuiltWorkbook:
    """The result of ``alliance-sync report``: the run and the workbook written."""

    run: RunSummary
    path: Path

    def render_text(self) -> str:
        return (
            f"Classeur de la synchronisation n° {self.run.id} du {moment(self.run.started_at)} reconstruit "
            f"à partir de l'historique : {self.path}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {"run": self.run.id, "started_at": self.run.started_at.isoformat(), "workbook": str(self.path)}
