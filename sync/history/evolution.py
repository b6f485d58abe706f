"""The Évolution sheet's points (docs/classeur-ministere.md): engagé and versé by line of the
envelope at the end of each month since the first recorded night (the last run of each month
that has data), then tonight's. Read from the totals table: a dozen rows a year per line."""

from __future__ import annotations

import datetime as dt

from sync.history.deliveries import run_totals
from sync.history.identity import AllianceIdentity
from sync.history.store import History
from sync.report import EvolutionPoint, Report


def evolution(
    history: History, identity: AllianceIdentity, tonight: Report, before: int | None = None
) -> list[EvolutionPoint]:
    """The month-end points of the alliance's runs before run ``before`` (all recorded runs when
    None), a month of tonight's replaced by tonight, and tonight's point last."""
    sql = (
        "SELECT id, started_at FROM runs WHERE state = 'done' AND (output_placed IS NULL OR output_placed = 1) "
        "AND alliance = ? AND period = ? AND demo = ?"
    )
    params: list[object] = [identity.name, identity.period, int(identity.demo)]
    if before is not None:
        sql += " AND id < ?"
        params.append(before)
    last_of_month: dict[str, tuple[int, dt.datetime]] = {}
    for run_id, started_at in history.conn.execute(sql + " ORDER BY id", params).fetchall():
        try:
            when = dt.datetime.fromisoformat(started_at)
        except (TypeError, ValueError):
            history.note(
                f"historique {history.path} : la synchronisation n° {run_id} est illisible (date illisible) ; "
                "elle est ignorée."
            )
            continue
        last_of_month[f"{when:%Y-%m}"] = (run_id, when)
    last_of_month.pop(f"{tonight.generated_at:%Y-%m}", None)  # tonight is that month's last run
    points = [_point(history, run_id, when) for run_id, when in last_of_month.values()]
    lines = tonight.totals.lines
    points.append(
        EvolutionPoint(
            tonight.generated_at.date(),
            None,
            {line.code: line.committed for line in lines},
            {line.code: line.paid for line in lines},
        )
    )
    return points


def _point(history: History, run_id: int, started_at: dt.datetime) -> EvolutionPoint:
    lines = run_totals(history, run_id)
    return EvolutionPoint(
        started_at.date(),
        run_id,
        {line.code: line.committed for line in lines},
        {line.code: line.paid for line in lines},
    )
