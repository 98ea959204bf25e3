"""Reading the dashboard's charts: a machine metric with its anomaly markers, demand with the
stored forecast band, and the index timeline of a day (planned versus actual)."""

from __future__ import annotations

import bisect
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from services.analytics.cache import ForecastRunDto, newest_forecast_on
from services.dashboard.dtos import (
    METRICS,
    AnomalyMarker,
    DemandSeries,
    ForecastPoint,
    IndexRow,
    MetricSeries,
    Window,
)
from services.persistence import repositories as R
from services.persistence.tables import plant, system, vision, work

DEMAND_HISTORY_DAYS = 90


def metric_series(conn: Connection, window: Window, machine_id: str, metric: str) -> MetricSeries:
    if metric not in METRICS:
        raise ValueError(f"unknown machine metric {metric!r}")
    t = plant.machine_metrics
    col = t.c[metric]
    rows = conn.execute(
        select(t.c.at, col)
        .where(
            t.c.machine_id == machine_id,
            t.c.at >= window.start,
            t.c.at < window.end,
            col.is_not(None),
        )
        .order_by(t.c.at)
    )
    points = tuple((r.at, float(r[1])) for r in rows)
    a = system.anomaly_predictions
    marks = conn.execute(
        select(a.c.at, a.c.metric, a.c.score, a.c.model)
        .where(
            a.c.machine_id == machine_id,
            a.c.metric == metric,
            a.c.is_anomaly.is_(True),
            a.c.at >= window.start,
            a.c.at < window.end,
        )
        .order_by(a.c.at)
    )
    times = [p[0] for p in points]
    markers = []
    for m in marks:
        i = bisect.bisect_right(times, m.at) - 1
        value = points[i][1] if i >= 0 else None
        markers.append(AnomalyMarker(m.at, m.metric, float(m.score), value, m.model))
    return MetricSeries(machine_id, metric, points, tuple(markers))


def demand_products(conn: Connection) -> list[tuple[str, str]]:
    """Products with demand history, with their names when the catalogue knows them."""
    d, p = system.demand_history, work.products
    ids = [r[0] for r in conn.execute(select(d.c.product_id).distinct().order_by(d.c.product_id))]
    names = {r.id: r.name for r in conn.execute(select(p.c.id, p.c.name).where(p.c.id.in_(ids)))}
    return [(i, names.get(i, i)) for i in ids]


def demand_series(
    conn: Connection,
    product_id: str,
    until: date,
    newest: Callable[[str], ForecastRunDto | None] | None = None,
) -> DemandSeries:
    """The last ``DEMAND_HISTORY_DAYS`` days of demand up to ``until`` and the newest stored
    forecast of the product (all rows of its latest run): from ``newest`` (the prediction
    cache, services/analytics/cache.py) when given, else read on ``conn``."""
    d = system.demand_history
    first = until - timedelta(days=DEMAND_HISTORY_DAYS)
    history = tuple(
        (r.day, float(r.quantity))
        for r in conn.execute(
            select(d.c.day, d.c.quantity)
            .where(d.c.product_id == product_id, d.c.day > first, d.c.day <= until)
            .order_by(d.c.day)
        )
    )
    forecast: tuple[ForecastPoint, ...] = ()
    model: str | None = None
    created: datetime | None = None
    run = newest(product_id) if newest is not None else newest_forecast_on(conn, product_id)
    if run is not None:
        forecast = tuple(
            ForecastPoint(day, q, lo, hi)
            for day, q, lo, hi in zip(run.days, run.quantity, run.lower, run.upper, strict=True)
        )
        model, created = run.model, run.created_at
    return DemandSeries(product_id, history, forecast, model, created)


def timeline_day(conn: Connection, window: Window) -> date:
    """The day whose index timeline to show: the window's last day when anything was recorded
    on it, else the latest day of the window with index records or time logs (the plant's
    days)."""
    last = window.last_day
    ir, tl = vision.index_records, vision.time_logs
    start, end = window.day_bounds(last)
    if (
        conn.execute(select(ir.c.id).where(ir.c.day == last).limit(1)).first()
        or conn.execute(select(tl.c.id).where(tl.c.at >= start, tl.c.at < end).limit(1)).first()
    ):
        return last
    latest_log = conn.execute(
        select(func.max(tl.c.at)).where(tl.c.at >= window.start, tl.c.at < window.end)
    ).scalar_one_or_none()
    latest_rec = conn.execute(
        select(func.max(ir.c.day)).where(ir.c.day >= window.first_day, ir.c.day <= last)
    ).scalar_one_or_none()
    log_day = _aware(latest_log).astimezone(window.tz).date() if latest_log else None
    candidates = [d for d in (latest_rec, log_day) if d]
    return max(candidates) if candidates else last


def index_timeline(conn: Connection, day: date, window: Window) -> tuple[IndexRow, ...]:
    """Planned versus actual per index of the plant's ``day``: the stored index records when
    the vision pipeline wrote them, else the cameras' time logs of the day grouped by index,
    else the planned slots alone. Times of day are in the plant's zone (``window.tz``)."""
    sched_row = (
        conn.execute(select(vision.day_schedules).where(vision.day_schedules.c.day == day))
        .mappings()
        .first()
    )
    planned: dict[int, tuple[datetime, datetime]] = {}
    if sched_row is not None:
        schedule = R.DAY_SCHEDULE.from_row(sched_row, tz=window.tz)
        planned = {s.number: (s.start, s.end) for s in schedule.index_slots()}
    ir = vision.index_records
    records = {
        r.index_number: r
        for r in conn.execute(select(ir).where(ir.c.day == day).order_by(ir.c.index_number))
    }
    if records:
        out = []
        for n in sorted(set(records) | set(planned)):
            r = records.get(n)
            if r is None:
                start, end = planned[n]
                out.append(IndexRow(n, start, end, None, None, 0.0, 0.0, None, None, "schedule"))
                continue
            out.append(
                IndexRow(
                    n,
                    r.scheduled_start,
                    r.scheduled_end,
                    r.actual_start,
                    r.actual_end,
                    float(r.active_seconds),
                    float(r.idle_seconds),
                    _productivity(r.active_seconds, r.idle_seconds),
                    r.completion,
                    "index_records",
                )
            )
        return tuple(out)
    tl = vision.time_logs
    lo, hi = window.day_bounds(day)
    logged = {
        r.index_number: r
        for r in conn.execute(
            select(
                tl.c.index_number,
                func.min(tl.c.at).label("first"),
                func.max(tl.c.at).label("last"),
                func.sum(tl.c.active_seconds).label("active"),
                func.sum(tl.c.idle_seconds).label("idle"),
            )
            .where(tl.c.at >= lo, tl.c.at < hi, tl.c.index_number.is_not(None))
            .group_by(tl.c.index_number)
        )
    }
    out = []
    for n in sorted(set(planned) | set(logged)):
        g = logged.get(n)
        if g is None:
            start, end = planned[n]
            out.append(IndexRow(n, start, end, None, None, 0.0, 0.0, None, None, "schedule"))
            continue
        first, last = _aware(g.first), _aware(g.last)
        start, end = planned.get(n, (first, last))
        out.append(
            IndexRow(
                n,
                start,
                end,
                first,
                last,
                float(g.active or 0.0),
                float(g.idle or 0.0),
                _productivity(g.active or 0.0, g.idle or 0.0),
                None,
                "time_logs",
            )
        )
    return tuple(out)


def _aware(value: datetime | str) -> datetime:
    """min()/max() of a time column come back as text on SQLite: read them as UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _productivity(active: float, idle: float) -> float | None:
    total = active + idle
    return active / total if total > 0 else None
