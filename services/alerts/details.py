"""What the inbox shows next to one alert: the camera snapshot of a vision alert, the metric
window of a machine anomaly.

The snapshot is the JPEG the vision store wrote when it raised the alert (its path is in the
alert's ``context["snapshot"]``; retention may have deleted it since). The metric window is the
one kept with the alert when the rules raised it (``context["window"]``), or else read from
``machine_metrics`` for the alert's machine and metrics in the hours before it was last seen.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from domain.model.alerts import Alert
from services.alerts.conditions import metric_series
from services.bootstrap import App
from services.persistence.repositories import Repositories

log = logging.getLogger(__name__)

MAX_SNAPSHOT_BYTES = 8_000_000
DEFAULT_WINDOW = timedelta(hours=6)


@dataclass(frozen=True, slots=True)
class MetricSeries:
    metric: str
    times: tuple[datetime, ...]
    values: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class AlertDetail:
    alert: Alert
    snapshot: bytes | None = None
    snapshot_note: str | None = None  # why there is no snapshot although the alert had one
    series: tuple[MetricSeries, ...] = field(default_factory=tuple)


def _stored_window(alert: Alert) -> MetricSeries | None:
    window = alert.context.get("window")
    metric = alert.context.get("metric")
    if not isinstance(window, dict) or not isinstance(metric, str):
        return None
    try:
        times = tuple(datetime.fromisoformat(t) for t in window.get("times", []))
        values = tuple(float(v) for v in window.get("values", []))
    except (TypeError, ValueError):
        return None
    if not times or len(times) != len(values):
        return None
    return MetricSeries(metric, times, values)


def _metrics_of(alert: Alert) -> list[str]:
    ctx: dict[str, Any] = alert.context
    names: list[str] = []
    if isinstance(ctx.get("metric"), str):
        names.append(ctx["metric"])
    extra = ctx.get("metrics")
    if isinstance(extra, list):
        names += [m for m in extra if isinstance(m, str) and m not in names]
    return names


def _snapshot(alert: Alert) -> tuple[bytes | None, str | None]:
    ref = alert.context.get("snapshot")
    if not isinstance(ref, str) or not ref:
        return None, None
    path = Path(ref)
    try:
        if path.stat().st_size > MAX_SNAPSHOT_BYTES:
            return None, "the snapshot is too large to show"
        return path.read_bytes(), None
    except OSError:
        return None, "the snapshot is no longer on this computer (retention or another seat)"


def alert_detail(app: App, alert_id: int, window: timedelta = DEFAULT_WINDOW) -> AlertDetail:
    """The alert as stored now, with its snapshot and metric windows."""
    with app.engine.connect().execution_options(read_only=True) as conn:
        alert: Alert = Repositories(conn).alerts.require(alert_id)
        series: list[MetricSeries] = []
        stored = _stored_window(alert)
        if stored is not None:
            series.append(stored)
        if alert.machine_id:
            end = alert.last_seen_at or alert.raised_at
            for metric in _metrics_of(alert):
                if any(s.metric == metric for s in series):
                    continue
                times, values = metric_series(conn, alert.machine_id, metric, end - window, end)
                if times:
                    series.append(MetricSeries(metric, tuple(times), tuple(values)))
    snapshot, note = _snapshot(alert)
    return AlertDetail(alert, snapshot, note, tuple(series))
