"""One dashboard snapshot read from the demo plant, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, insert, select, update

from domain.events import Change, Topic
from services.analytics.cache import DEMAND, invalidate
from services.dashboard.dtos import Window
from services.dashboard.kpis import OeeTotals
from services.dashboard.snapshot import last_hours, read_snapshot
from services.persistence.tables import people, plant, system, vision
from tests.conftest import NOW


def _scalar(app: Any, stmt: Any) -> Any:
    with app.engine.connect() as conn:
        return conn.execute(stmt).scalar_one()


def test_snapshot_of_the_demo_plant(demo_url: str, make_app: Callable[..., Any]) -> None:
    app = make_app(demo_url)
    window = last_hours(NOW, 24)
    snap = read_snapshot(app, window)

    # every machine has a row; the plant's units are the machine samples' units in the window
    mm = plant.machine_metrics
    units = _scalar(
        app,
        select(func.sum(mm.c.units_produced)).where(mm.c.at >= window.start, mm.c.at < window.end),
    )
    whole = snap.oee[0]
    assert whole.scope == "plant"
    assert whole.units == units
    assert len([r for r in snap.oee if r.scope == "machine"]) == len(snap.machines) == 24
    assert [r.id for r in snap.oee if r.scope == "line"] == ["L1", "L2", "L3"]
    oee = snap.kpi("oee").value
    assert oee is not None
    assert 0.0 < oee < 1.0
    assert whole.oee == pytest.approx(oee)

    # attendance: the demo's attendance rows of the window's two days
    att = people.attendance
    first, last = window.start.date(), window.end.date()
    total = _scalar(app, select(func.count()).where(att.c.day >= first, att.c.day <= last))
    present = _scalar(
        app,
        select(func.count()).where(att.c.day >= first, att.c.day <= last, att.c.present.is_(True)),
    )
    assert total > 0
    assert snap.kpi("attendance").value == pytest.approx(present / total)

    # cameras: the demo logs yesterday's work day, so there is an active share
    active = snap.kpi("active_ratio").value
    assert active is not None
    assert 0.5 < active < 1.0

    # the metric chart shows the first machine's temperature every 15 minutes
    assert snap.metric is not None
    assert snap.metric.machine_id == snap.machines[0][0]
    assert len(snap.metric.points) == 24 * 4
    assert snap.metric.anomalies == ()  # the demo stores no anomaly predictions
    assert any("anomaly predictions" in n for n in snap.notes)

    # demand: the 90 days up to today; the demo's history ends yesterday. No stored forecast.
    assert snap.demand is not None
    assert len(snap.demand.history) == 89
    assert snap.demand.history[-1][0] == (NOW - timedelta(days=1)).date()
    assert snap.demand.forecast == ()
    assert any("forecast" in n for n in snap.notes)

    # heatmap: 24 machines x 24 hours, utilisation within 0..1
    assert len(snap.heatmap.machines) == 24
    assert len(snap.heatmap.hours) == 24
    cells = [v for row in snap.heatmap.values for v in row if v is not None]
    assert cells
    assert all(0.0 <= v <= 1.0 for v in cells)

    # the index timeline: today (Monday 09:00) has nothing recorded yet, so the latest day of
    # the window with time logs (Sunday), its 11 indices computed from the time logs
    assert snap.index_day == (NOW - timedelta(days=1)).date()
    assert [i.number for i in snap.indices] == list(range(1, 12))
    assert all(i.source == "time_logs" for i in snap.indices)
    assert all(i.productivity is not None and 0 < i.productivity < 1 for i in snap.indices)


def test_stored_forecast_and_anomaly_markers_are_shown(
    demo_url: str, make_app: Callable[..., Any]
) -> None:
    app = make_app(demo_url)
    window = last_hours(NOW, 24)
    first = read_snapshot(app, window)
    machine = first.machines[1][0]
    assert first.demand is not None
    product = first.demand.product_id
    marked = NOW - timedelta(hours=3, minutes=7)
    with app.engine.begin() as conn:
        conn.execute(
            insert(system.anomaly_predictions),
            [
                {
                    "machine_id": machine,
                    "at": marked,
                    "metric": "temperature_c",
                    "score": 0.93,
                    "is_anomaly": True,
                    "model": "iforest",
                },
                {  # not an anomaly: no marker
                    "machine_id": machine,
                    "at": marked + timedelta(minutes=30),
                    "metric": "temperature_c",
                    "score": 0.2,
                    "is_anomaly": False,
                    "model": "iforest",
                },
            ],
        )
        old = datetime(2026, 11, 1, tzinfo=UTC)
        new = datetime(2026, 11, 15, tzinfo=UTC)
        for created, model in ((old, "old"), (new, "gbm")):
            conn.execute(
                insert(system.demand_forecasts),
                [
                    {
                        "product_id": product,
                        "day": NOW.date() + timedelta(days=d),
                        "quantity": 10.0 + d,
                        "lower": 8.0 + d,
                        "upper": 12.0 + d,
                        "model": model,
                        "created_at": created,
                    }
                    for d in range(7)
                ],
            )
    invalidate(app, DEMAND)  # what the forecast job does after it writes (the prediction cache)
    snap = read_snapshot(app, window, machine_id=machine, product_id=product)
    assert snap.metric is not None
    assert snap.metric.machine_id == machine
    assert len(snap.metric.anomalies) == 1
    mark = snap.metric.anomalies[0]
    assert mark.at == marked
    assert mark.score == pytest.approx(0.93)
    # placed on the sample just before it (samples every 15 minutes)
    before = [v for t, v in snap.metric.points if t <= marked][-1]
    assert mark.value == pytest.approx(before)
    assert snap.demand is not None
    assert snap.demand.model == "gbm"
    assert len(snap.demand.forecast) == 7
    assert snap.demand.forecast[0].lower == pytest.approx(8.0)
    assert snap.demand.forecast[6].upper == pytest.approx(18.0)


def test_a_change_in_the_data_changes_the_snapshot(
    demo_url: str, make_app: Callable[..., Any]
) -> None:
    app = make_app(demo_url)
    window = Window(NOW - timedelta(days=2), NOW)
    before = read_snapshot(app, window).kpi("attendance")
    att = people.attendance
    day = (NOW - timedelta(days=1)).date()
    with app.uow(app.actor()) as uow:
        n = uow.conn.execute(
            update(att).where(att.c.day == day).values(present=False, hours_worked=0.0)
        ).rowcount
        uow.record(Change(Topic.ROSTER, "attendance_changed", ()))
        uow.commit()
    assert n > 0
    after = read_snapshot(app, window).kpi("attendance")
    assert before.value is not None
    assert after.value is not None
    assert after.value < before.value


def test_an_empty_database_gives_no_data_not_zeros(
    sqlite_url: str, make_app: Callable[..., Any]
) -> None:
    snap = read_snapshot(make_app(sqlite_url), last_hours(NOW, 8))
    assert all(k.value is None for k in snap.kpis)
    assert all(k.text == "no data" for k in snap.kpis)
    assert snap.metric is None
    assert snap.demand is None
    assert snap.indices == ()
    assert snap.oee[0].oee is None
    assert OeeTotals().oee() is None
    assert "No machine metrics in this window." in snap.notes


def test_index_records_win_over_time_logs(demo_url: str, make_app: Callable[..., Any]) -> None:
    app = make_app(demo_url)
    day = (NOW - timedelta(days=1)).date()
    start = datetime(day.year, day.month, day.day, 8, tzinfo=UTC)
    with app.engine.begin() as conn:
        conn.execute(
            insert(vision.index_records),
            [
                {
                    "day": day,
                    "index_number": 1,
                    "scheduled_start": start,
                    "scheduled_end": start + timedelta(minutes=48),
                    "actual_start": start + timedelta(minutes=2),
                    "actual_end": start + timedelta(minutes=55),
                    "zone_metrics": {},
                    "completion": "delayed",
                    "total_workers": 4,
                    "active_seconds": 3000.0,
                    "idle_seconds": 1000.0,
                    "anomalies": 0,
                },
            ],
        )
    snap = read_snapshot(app, last_hours(NOW, 24))
    assert snap.index_day == day
    first = snap.indices[0]
    assert first.source == "index_records"
    assert first.completion == "delayed"
    assert first.productivity == pytest.approx(0.75)
    assert first.actual_end == start + timedelta(minutes=55)
    # the other indices have no record: planned only, from the day schedule
    assert [i.source for i in snap.indices[1:]] == ["schedule"] * 10
    assert all(i.actual_start is None for i in snap.indices[1:])


def test_the_demand_band_comes_through_the_prediction_cache(
    demo_url: str, make_app: Callable[..., Any]
) -> None:
    app = make_app(demo_url)
    window = last_hours(NOW, 24)
    first = read_snapshot(app, window)
    assert first.demand is not None
    assert first.demand.forecast == ()
    row = {
        "product_id": first.demand.product_id,
        "day": NOW.date() + timedelta(days=1),
        "quantity": 10.0,
        "lower": 8.0,
        "upper": 12.0,
        "model": "gbm",
        "created_at": NOW,
    }
    with app.engine.begin() as conn:  # written behind the cache's back
        conn.execute(insert(system.demand_forecasts), [row])
    cached = read_snapshot(app, window, product_id=row["product_id"])
    assert cached.demand is not None
    assert cached.demand.forecast == (), "served from the cache"
    invalidate(app, DEMAND)  # a forecast run starts a new cache run
    fresh = read_snapshot(app, window, product_id=row["product_id"])
    assert fresh.demand is not None
    assert len(fresh.demand.forecast) == 1
