"""One dashboard snapshot for a time window, read in one read-only transaction.

    snap = read_snapshot(app, Window(start, end), machine_id="M-001", product_id="P-0001")

Reads go through a read-only connection rather than ``app.uow()``: a unit of work opens a
write transaction (``BEGIN IMMEDIATE`` on SQLite), which a dashboard refreshing every minute on
every seat must not take.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from services.allocation.facts import plant_timezone
from services.analytics.cache import newest_forecast
from services.bootstrap import App
from services.dashboard import production as P
from services.dashboard import series as S
from services.dashboard.dtos import (
    METRICS,
    DashboardSnapshot,
    DemandSeries,
    IndexRow,
    Kpi,
    MetricSeries,
    Window,
)

DEFAULT_METRIC = "temperature_c"


def last_hours(now: datetime, hours: float) -> Window:
    return Window(now - timedelta(hours=hours), now)


def read_snapshot(
    app: App,
    window: Window,
    *,
    machine_id: str | None = None,
    metric: str = DEFAULT_METRIC,
    product_id: str | None = None,
) -> DashboardSnapshot:
    """Everything the dashboard shows for ``window``; the machine chart shows ``machine_id``
    (the first machine when None or unknown), the demand chart ``product_id`` (likewise)."""
    if metric not in METRICS:
        raise ValueError(f"unknown machine metric {metric!r}")
    with app.engine.connect().execution_options(read_only=True) as conn, conn.begin():
        window = replace(window, tz=plant_timezone(conn))  # days and hours: the plant's
        infos = P.machines(conn)
        rows = P.samples(conn, window)
        oee = P.oee_rows(conn, window, infos, rows)
        kpis = (
            P.oee_kpi(oee),
            P.output_kpi(conn, window),
            P.on_time_kpi(conn, window),
            P.activity_kpi(conn, window),
            P.attendance_kpi(conn, window),
        )
        ids = [m.id for m in infos]
        chosen = machine_id if machine_id in ids else (ids[0] if ids else None)
        metric_series = S.metric_series(conn, window, chosen, metric) if chosen else None
        products = S.demand_products(conn)
        pids = [p for p, _ in products]
        product = product_id if product_id in pids else (pids[0] if pids else None)
        until = window.last_day
        demand = (
            S.demand_series(conn, product, until, lambda pid: newest_forecast(app, pid))
            if product
            else None
        )
        day = S.timeline_day(conn, window)
        indices = S.index_timeline(conn, day, window)
        heat = P.heatmap(window, infos, rows)
    notes = _notes(kpis, metric_series, demand, indices, rows)
    return DashboardSnapshot(
        window=window,
        read_at=app.clock.now(),
        kpis=kpis,
        oee=tuple(oee),
        machines=tuple((m.id, m.name) for m in infos),
        products=tuple(products),
        metric=metric_series,
        demand=demand,
        heatmap=heat,
        index_day=day,
        indices=indices,
        notes=notes,
    )


def _notes(
    kpis: tuple[Kpi, ...],
    metric: MetricSeries | None,
    demand: DemandSeries | None,
    indices: tuple[IndexRow, ...],
    rows: list[P.Sample],
) -> tuple[str, ...]:
    out = [f"{k.label}: no data ({k.detail})." for k in kpis if k.value is None]
    if not rows:
        out.append("No machine metrics in this window.")
    if metric is not None and not metric.anomalies:
        out.append("No anomaly predictions stored for this machine and metric in the window.")
    if demand is None:
        out.append("No demand history.")
    elif not demand.forecast:
        out.append("No stored demand forecast for this product.")
    if not indices:
        out.append("No day schedule or index data for the timeline.")
    elif all(i.source == "schedule" for i in indices):
        out.append("Index timeline: planned only, nothing recorded for the day yet.")
    return tuple(out)
