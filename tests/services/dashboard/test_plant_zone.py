"""The dashboard keeps the plant's clock: with the plant in Asia/Kolkata (UTC+5:30), a window
from 22:30 to 02:30 local time crosses the plant's midnight (but not UTC's), so its days, its
index timeline and its heatmap hours are the plant's, and the running shift is found in local
time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from domain.model.people import Shift
from services.dashboard.dtos import Window
from services.dashboard.handover import current_shift, read_handover
from services.dashboard.snapshot import read_snapshot
from services.persistence.tables import people, plant, vision

KOLKATA = ZoneInfo("Asia/Kolkata")
# 14 Nov 22:30 to 15 Nov 02:30 in Kolkata: all of it on 14 Nov in UTC
WINDOW = Window(datetime(2026, 11, 14, 17, tzinfo=UTC), datetime(2026, 11, 14, 21, tzinfo=UTC))


@pytest.fixture
def app(demo_sqlite_url: str, make_app: Callable[..., Any]) -> Any:
    app = make_app(demo_sqlite_url)
    with app.engine.begin() as conn:
        conn.execute(update(plant.plants).values(timezone="Asia/Kolkata"))
    return app


def test_the_window_has_the_plants_days() -> None:
    local = Window(WINDOW.start, WINDOW.end, KOLKATA)
    assert (WINDOW.first_day, WINDOW.last_day) == (date(2026, 11, 14), date(2026, 11, 14))
    assert (local.first_day, local.last_day) == (date(2026, 11, 14), date(2026, 11, 15))
    assert local.day_bounds(date(2026, 11, 15)) == (
        datetime(2026, 11, 14, 18, 30, tzinfo=UTC),
        datetime(2026, 11, 15, 18, 30, tzinfo=UTC),
    )
    berlin = Window(WINDOW.start, WINDOW.end, ZoneInfo("Europe/Berlin"))
    start, end = berlin.day_bounds(date(2026, 10, 25))  # the clocks go back: 25 hours
    assert (end - start).total_seconds() == 25 * 3600


def test_a_window_across_the_plants_midnight(app: Any) -> None:
    snap = read_snapshot(app, WINDOW)
    assert snap.window.tz == KOLKATA
    # heatmap columns are the plant's hours: 22:00 local is 16:30 UTC
    assert snap.heatmap.hours[0] == datetime(2026, 11, 14, 16, 30, tzinfo=UTC)
    assert [h.astimezone(KOLKATA).hour for h in snap.heatmap.hours] == [22, 23, 0, 1, 2]
    # attendance counts both of the plant's days the window touches
    a = people.attendance
    with app.engine.connect() as conn:
        rostered = conn.execute(
            select(func.count()).where(a.c.day.in_([date(2026, 11, 14), date(2026, 11, 15)]))
        ).scalar_one()
        one_day = conn.execute(
            select(func.count()).where(a.c.day == date(2026, 11, 14))
        ).scalar_one()
    assert rostered > one_day > 0
    assert f"of {rostered} rostered operator-days" in snap.kpi("attendance").detail
    # the index timeline is of the plant's 15 Nov (UTC would say 14 Nov): its planned slots at
    # the day schedule's times on the plant's clock, its actuals from that local day's logs
    assert snap.index_day == date(2026, 11, 15)
    with app.engine.connect() as conn:
        ds = vision.day_schedules
        sched = conn.execute(select(ds).where(ds.c.day == date(2026, 11, 15))).mappings().one()
    assert snap.indices
    first = min(snap.indices, key=lambda r: r.number)
    assert first.scheduled_start.astimezone(KOLKATA).date() == date(2026, 11, 15)
    assert first.scheduled_start.astimezone(KOLKATA).time() == _time(sched["work_start"])
    lo, hi = datetime(2026, 11, 14, 18, 30, tzinfo=UTC), datetime(2026, 11, 15, 18, 30, tzinfo=UTC)
    seen = [r.actual_start for r in snap.indices if r.actual_start is not None]
    assert seen
    assert all(lo <= t < hi for t in seen)


def _time(value: Any) -> time:
    return value if isinstance(value, time) else time.fromisoformat(str(value))


def test_the_running_shift_is_found_on_the_plants_clock() -> None:
    early = Shift("A", "Early", time(6), 480)
    night = Shift("C", "Night", time(22), 480)
    at = datetime(2026, 11, 16, 1, 0, tzinfo=UTC)  # 06:30 in Kolkata
    assert current_shift([early, night], at, KOLKATA) == (
        early,
        datetime(2026, 11, 16, 0, 30, tzinfo=UTC),
    )
    assert current_shift([early, night], at) == (night, datetime(2026, 11, 15, 22, tzinfo=UTC))


def test_the_handover_window_starts_with_the_local_shift(app: Any) -> None:
    at = datetime(2026, 11, 16, 1, 0, tzinfo=UTC)  # 06:30 in Kolkata: the early shift runs
    report = read_handover(app, app.actor("lead"), at)
    assert report.window.tz == KOLKATA
    assert report.window.start.astimezone(KOLKATA).time() == time(6)
