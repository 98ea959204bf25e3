"""The demo plant lands in the database with what the foundation issue promises."""

from __future__ import annotations

from typing import Any

from services.queries.counts import plant_counts


def test_demo_plant_counts(demo_sqlite_url: str, make_app: Any) -> None:
    app = make_app(demo_sqlite_url)
    counts = plant_counts(app.engine)
    assert counts["plants"] == 1
    assert counts["lines"] == 3
    assert counts["machines"] == 24
    assert counts["operators"] == 60
    assert counts["shifts"] == 3
    assert counts["open_work_orders"] >= 200
    assert counts["cameras"] >= 1
    assert counts["zones"] >= 1
    assert counts["users"] == 5
    with app.uow(app.actor("admin")) as uow:
        names = {m.name for m in uow.repos.machines.list()}
    assert {"SAV100", "G1000"} <= names or any("SAV100" in n for n in names)


def test_demo_loads_on_postgres_too(demo_pg_url: str, make_app: Any) -> None:
    app = make_app(demo_pg_url)
    counts = plant_counts(app.engine)
    assert counts["operators"] == 60
    assert counts["time_logs"] == 20_000


def test_the_demo_floor_is_at_work_through_real_allocations(
    demo_sqlite_url: str, make_app: Any
) -> None:
    from datetime import timedelta

    from sqlalchemy import func, select

    from domain.auth import SYSTEM_ACTOR
    from domain.model.allocation import AllocationStatus
    from domain.model.people import OperatorStatus
    from services.clock import FixedClock
    from services.demo.staffing import staff_the_floor
    from services.persistence.tables import people, work
    from tests.conftest import NOW

    # the demo is loaded at 09:00, when the early shift is on its break: nobody can be put
    # to work then, and the loader leaves the floor as it is
    at_break = make_app(demo_sqlite_url)
    assert staff_the_floor(at_break, SYSTEM_ACTOR, NOW).allocated == 0
    later = NOW + timedelta(minutes=45)
    app = make_app(demo_sqlite_url, clock=FixedClock(later))
    staffing = staff_the_floor(app, SYSTEM_ACTOR, later)
    with app.engine.connect() as conn:
        active = (
            conn.execute(
                select(work.allocations.c.operator_id).where(
                    work.allocations.c.status == AllocationStatus.ACTIVE.value,
                    work.allocations.c.operator_id.is_not(None),
                )
            )
            .scalars()
            .all()
        )
        busy = set(
            conn.execute(
                select(people.operators.c.id).where(
                    people.operators.c.status == OperatorStatus.BUSY.value
                )
            ).scalars()
        )
        events = conn.execute(
            select(func.count()).select_from(work.allocation_change_events)
        ).scalar_one()
    assert staffing.allocated == len(active) >= 3, "the board opens with people at work"
    assert staffing.allocated <= round(staffing.free_before * 0.6), "some stay free to drag"
    assert len(set(active)) == len(active), "nobody holds two allocations"
    assert busy == set(active), "busy means allocated: no operator is busy on nothing"
    assert events >= len(active), "made through the service: each allocation has its event"
