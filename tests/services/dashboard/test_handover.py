"""The shift handover report's content, read from the demo plant."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select, update

from domain.model.people import Shift
from services.dashboard.handover import current_shift, read_handover
from services.persistence.tables import people, plant, system, work
from tests.conftest import NOW

EARLY = Shift("A", "Early", time(6), 480)
NIGHT = Shift("C", "Night", time(22), 480)


def test_current_shift_finds_the_running_shift_and_its_start() -> None:
    at = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
    assert current_shift([EARLY, NIGHT], at) == (EARLY, datetime(2026, 11, 16, 6, tzinfo=UTC))
    past_midnight = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)
    assert current_shift([EARLY, NIGHT], past_midnight) == (
        NIGHT,
        datetime(2026, 11, 15, 22, tzinfo=UTC),
    )
    assert current_shift([EARLY], datetime(2026, 11, 16, 15, tzinfo=UTC)) is None


def test_handover_of_the_early_shift(demo_url: str, make_app: Callable[..., Any]) -> None:
    app = make_app(demo_url)
    actor = app.actor("lead")
    with app.engine.begin() as conn:
        op = conn.execute(select(people.operators.c.id).limit(1)).scalar_one()
        machine = conn.execute(select(plant.machines.c.id).limit(1)).scalar_one()
        wo = conn.execute(
            select(work.work_orders.c.id, work.work_orders.c.number).where(
                work.work_orders.c.status == "queued"
            )
        ).first()
        assert wo is not None
        conn.execute(
            insert(work.allocations).values(
                work_order_id=wo.id,
                operator_id=op,
                machine_id=machine,
                allocation_type="operator_machine",
                status="active",
                method="manual",
                allocated_by="lead",
                allocated_at=NOW - timedelta(hours=1),
                expected_start=NOW - timedelta(hours=1),
            )
        )
        alert_id = conn.execute(
            select(system.alerts.c.id).order_by(system.alerts.c.id).limit(1)
        ).scalar_one()
        conn.execute(
            update(system.alerts)
            .where(system.alerts.c.id == alert_id)
            .values(
                state="acknowledged",
                acknowledged_by="lead",
                acknowledged_at=NOW - timedelta(minutes=20),
                comment="maintenance called",
            )
        )
    report = read_handover(app, actor)

    assert report.shift == "Early (A)"
    assert report.window.start == datetime(2026, 11, 16, 6, tzinfo=UTC)
    assert report.window.end == NOW
    assert report.generated_by == "lead"
    assert [a.work_order for a in report.allocations] == [wo.number]
    assert report.allocations[0].status == "active"
    handled = {a.alert_id: a.handled for a in report.alerts}
    assert "acknowledged by lead at 08:40" in handled[alert_id]
    assert "maintenance called" in handled[alert_id]
    assert any(h == "not handled yet" for h in handled.values())
    assert report.oee[0].scope == "plant"
    assert report.oee[0].oee is not None
    assert [r.scope for r in report.oee[1:]] == ["line"] * 3
    # the demo's cameras log past days only: no idle hotspots this morning
    assert report.hotspots == ()
    assert any("late" in item for item in report.open_items)
    assert any(item.startswith("Unresolved alerts:") for item in report.open_items)


def test_handover_lists_absences_and_idle_hotspots(
    demo_sqlite_url: str, make_app: Callable[..., Any]
) -> None:
    from services.clock import FixedClock

    # yesterday's early shift: the demo has attendance and camera time logs for it
    then = NOW - timedelta(days=1) + timedelta(hours=4)  # Sunday 13:00
    app = make_app(demo_sqlite_url, clock=FixedClock(then))
    report = read_handover(app, app.actor())
    assert report.shift == "Early (A)"
    att = people.attendance
    with app.engine.connect() as conn:
        absent = set(
            conn.execute(
                select(att.c.operator_id).where(
                    att.c.day == then.date(), att.c.present.is_(False), att.c.shift_id == "A"
                )
            ).scalars()
        )
    assert absent, "the demo has absences on Sunday's early shift"
    assert {a.operator_id for a in report.absences} >= absent
    assert report.hotspots
    idle = [h.idle_s for h in report.hotspots]
    assert idle == sorted(idle, reverse=True)
    assert all(0 < h.idle_share < 1 for h in report.hotspots)
