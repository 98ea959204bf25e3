"""The plant's current state as alert-rule verdicts (``domain.rules.alerting.Condition``).

Each reader returns the verdict of every subject it knows about, active or not, so an open
alert whose problem is gone clears. Machine anomalies are the exception: a machine metric
without a recent prediction has no verdict at all (no data is not "normal").

``anomaly_predictions`` keeps a score and the detector's yes/no, not its threshold; the
threshold used for the severity is estimated from the same window as the highest score the
detector still called normal (or the score itself when every recent point was anomalous, which
gives a warning).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from domain.model.alerts import AlertType
from domain.model.work import WorkOrderStatus
from domain.rules.alerting import (
    Condition,
    certification_expiring,
    late_work_order,
    machine_anomaly,
    machine_breakdown,
    material_below_safety_stock,
)
from services.persistence.repositories import Repositories
from services.persistence.tables import people, plant, system, work

MAX_WINDOW_POINTS = 120  # a metric window kept with an alert: at most this many points

# Types whose readers see every subject: an open alert of these without a verdict is about
# something that no longer exists (a deleted machine, a closed work order) and clears.
COMPLETE_TYPES: frozenset[AlertType] = frozenset(
    {
        AlertType.MACHINE_BREAKDOWN,
        AlertType.LATE_WORK_ORDER,
        AlertType.CERTIFICATION_EXPIRING,
        AlertType.MATERIAL_LOW,
    }
)


@dataclass(frozen=True, slots=True)
class RuleSettings:
    """What the plant-state rules look at."""

    certification_warn_days: int = 30
    very_late: timedelta = timedelta(days=1)
    anomaly_lookback: timedelta = timedelta(hours=1)  # predictions older than this are ignored
    metric_window: timedelta = timedelta(hours=2)  # the window kept with an anomaly alert


def breakdown_conditions(repos: Repositories, now: datetime) -> list[Condition]:
    machines = repos.machines.list(plant.machines.c.active.is_(True))
    return [machine_breakdown(m, now) for m in machines]


def late_work_order_conditions(
    repos: Repositories, now: datetime, very_late: timedelta
) -> list[Condition]:
    closed = [WorkOrderStatus.COMPLETED.value, WorkOrderStatus.CANCELLED.value]
    orders = repos.work_orders.list(work.work_orders.c.status.notin_(closed))
    return [late_work_order(o, now, very_late) for o in orders]


def certification_conditions(repos: Repositories, now: datetime, warn_days: int) -> list[Condition]:
    operators = repos.operators.list(people.operators.c.active.is_(True))
    return [
        certification_expiring(op.id, skill, now, warn_days, operator_name=op.name)
        for op in operators
        for skill in op.skills
        if skill.certification_expiry is not None
    ]


def material_conditions(repos: Repositories, now: datetime) -> list[Condition]:
    materials = repos.materials.list(work.materials.c.active.is_(True))
    return [material_below_safety_stock(m, now) for m in materials]


def metric_series(
    conn: Connection, machine_id: str, metric: str, start: datetime, end: datetime
) -> tuple[list[datetime], list[float]]:
    """A machine metric's values in [start, end] (at most MAX_WINDOW_POINTS, evenly thinned);
    empty when ``metric`` is not a column of ``machine_metrics``."""
    t = plant.machine_metrics
    if metric not in t.c or metric in ("id", "machine_id", "at"):
        return [], []
    col = t.c[metric]
    rows = conn.execute(
        select(t.c.at, col)
        .where(t.c.machine_id == machine_id, t.c.at >= start, t.c.at <= end, col.is_not(None))
        .order_by(t.c.at)
    ).all()
    if len(rows) > MAX_WINDOW_POINTS:
        step = len(rows) / MAX_WINDOW_POINTS
        rows = [rows[int(i * step)] for i in range(MAX_WINDOW_POINTS - 1)] + [rows[-1]]
    return [r[0] for r in rows], [float(r[1]) for r in rows]


def window_context(times: Iterable[datetime], values: Iterable[float]) -> dict[str, Any]:
    return {
        "window": {"times": [t.isoformat() for t in times], "values": [float(v) for v in values]}
    }


def anomaly_conditions(
    conn: Connection, now: datetime, lookback: timedelta, metric_window: timedelta
) -> list[Condition]:
    """One verdict per (machine, metric) with a prediction in the last ``lookback``: the latest
    prediction decides; an active one carries the metric window before it."""
    t = system.anomaly_predictions
    rows = conn.execute(
        select(t.c.machine_id, t.c.metric, t.c.at, t.c.score, t.c.is_anomaly)
        .where(t.c.at >= now - lookback, t.c.at <= now)
        .order_by(t.c.machine_id, t.c.metric, t.c.at, t.c.id)
    ).all()
    groups: dict[tuple[str, str], list[Any]] = {}
    for r in rows:
        groups.setdefault((r.machine_id, r.metric), []).append(r)
    out: list[Condition] = []
    for (machine_id, metric), preds in groups.items():
        latest = preds[-1]
        score = float(latest.score)
        normal = [float(p.score) for p in preds if not p.is_anomaly]
        if latest.is_anomaly:
            below = [s for s in normal if 0 < s < score]
            threshold = max(below) if below else score
            if threshold <= 0:
                threshold = abs(score) or 1.0
                score = threshold
            times, values = metric_series(
                conn, machine_id, metric, latest.at - metric_window, latest.at
            )
            out.append(
                machine_anomaly(
                    machine_id,
                    metric,
                    score,
                    threshold,
                    now,
                    {**window_context(times, values), "predicted_at": latest.at.isoformat()},
                )
            )
        else:
            # not anomalous now: an inactive verdict (threshold above the score)
            out.append(machine_anomaly(machine_id, metric, 0.0, 1.0, now))
    return out


def plant_conditions(conn: Connection, now: datetime, settings: RuleSettings) -> list[Condition]:
    """Every rule's verdict on the plant as it is at ``now``."""
    repos = Repositories(conn)
    return [
        *breakdown_conditions(repos, now),
        *late_work_order_conditions(repos, now, settings.very_late),
        *certification_conditions(repos, now, settings.certification_warn_days),
        *material_conditions(repos, now),
        *anomaly_conditions(conn, now, settings.anomaly_lookback, settings.metric_window),
    ]
