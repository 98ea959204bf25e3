"""Repositories, versions, the outbox and the audit trail, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from domain.errors import ConcurrentEdit, NotFound, ValidationError
from domain.events import Change, Topic
from domain.model.people import OperatorSkill, OperatorStatus, Shift, ShiftBreak
from domain.model.plant import MachineStatus
from domain.model.vision import BreakWindow, Camera, DaySchedule, Zone, ZoneType
from services.messaging.outbox import events_after, latest_seq
from services.persistence.tables.system import audit_log, change_events
from services.persistence.tables.work import work_orders
from tests.conftest import NOW
from tests.services.persistence.helpers import ADMIN, LEAD, seed_minimal


def test_entities_round_trip(db_url: str, make_app: Any) -> None:
    app = make_app(db_url)
    seed_minimal(app)
    with app.uow(ADMIN) as uow:
        r = uow.repos
        op = r.operators.require("OP-0001")
        assert op.skills == [OperatorSkill("PRESS", "Press operation", 3)]
        assert op.status is OperatorStatus.AVAILABLE
        wo = r.work_orders.require("WO-00001")
        assert wo.due_date == NOW + timedelta(days=1)
        assert wo.due_date.tzinfo is not None
        r.shifts.add(
            Shift("A", "Early", time(6), 480, (ShiftBreak(time(10), 30),), forbidden_next=("C",))
        )
        r.cameras.add(Camera("CAM-1", "Floor", "demo:clip.gif", loop=True))
        r.zones.add(
            Zone(
                "Z1",
                "CAM-1",
                "Station 1",
                ((0.1, 0.1), (0.5, 0.1), (0.5, 0.6)),
                zone_type=ZoneType.INSPECTION,
            )
        )
        r.day_schedules.add(
            DaySchedule(date(2026, 11, 16), time(8), time(17), (BreakWindow(time(10), 15),))
        )
        uow.commit()
    with app.uow(ADMIN) as uow:
        r = uow.repos
        shift = r.shifts.require("A")
        assert shift.breaks == (ShiftBreak(time(10), 30),)
        assert shift.forbidden_next == ("C",)
        zone = r.zones.require("Z1")
        assert zone.polygon == ((0.1, 0.1), (0.5, 0.1), (0.5, 0.6))
        assert zone.zone_type is ZoneType.INSPECTION
        sched = r.day_schedules.list()[0]
        assert sched.breaks == (BreakWindow(time(10), 15),)
        assert len(r.operators.list()) == 3


def test_missing_entity_is_not_found(db_url: str, make_app: Any) -> None:
    app = make_app(db_url)
    with app.uow(ADMIN) as uow, pytest.raises(NotFound, match="machine M-NOPE does not exist"):
        uow.repos.machines.require("M-NOPE")


def test_leaving_without_commit_rolls_back(db_url: str, make_app: Any) -> None:
    app = make_app(db_url)
    seed_minimal(app)
    with app.uow(ADMIN) as uow:
        m = uow.repos.machines.require("M-SAV100")
        m.set_status(MachineStatus.BREAKDOWN, NOW)
        uow.repos.machines.update(m)
        uow.record(Change(Topic.MACHINE, "status_changed", (m.id,)))
    with app.uow(ADMIN) as uow:
        assert uow.repos.machines.require("M-SAV100").status is MachineStatus.IDLE
    assert latest_seq(app.engine) == 0  # the rolled-back change never reached the outbox


def test_stale_write_names_who_changed_it_from_where(db_url: str, make_app: Any) -> None:
    app = make_app(db_url)
    seed_minimal(app)
    with app.uow(ADMIN) as uow:
        seen = uow.repos.machines.require("M-G1000")
    # another seat changes the machine meanwhile
    with app.uow(LEAD) as uow:
        m = uow.repos.machines.require("M-G1000", lock=True)
        m.set_status(MachineStatus.MAINTENANCE, NOW)
        uow.repos.machines.update(m)
        uow.audit("machine.status", "machine", m.id, {"status": "idle"}, {"status": "maintenance"})
        uow.commit()
    with app.uow(ADMIN) as uow:
        seen.set_status(MachineStatus.RUNNING, NOW)
        with pytest.raises(ConcurrentEdit) as info:
            uow.repos.machines.update(seen)
    err = info.value
    assert err.changed_by == "lead"
    assert err.seat == "seat-2"
    assert "changed by lead at seat-2" in err.message
    with app.uow(ADMIN) as uow:
        assert uow.repos.machines.require("M-G1000").status is MachineStatus.MAINTENANCE
        assert uow.repos.machines.require("M-G1000").version == 2


def test_commit_writes_outbox_and_audit_in_one_transaction(db_url: str, make_app: Any) -> None:
    app = make_app(db_url)
    seed_minimal(app)
    start = latest_seq(app.engine)
    received: list[Any] = []
    app.feed.publish = lambda events: received.extend(events)  # type: ignore[method-assign]
    with app.uow(ADMIN, request_id="req-1") as uow:
        op = uow.repos.operators.require("OP-0002")
        op.set_status(OperatorStatus.BREAK, NOW)
        uow.repos.operators.update(op)
        uow.audit(
            "operator.status",
            "operator",
            op.id,
            {"status": "available"},
            {"status": "break"},
            reason="lunch",
        )
        uow.record(Change(Topic.OPERATOR, "status_changed", (op.id,), {"status": "break"}))
        uow.record(Change(Topic.OPERATOR, "noted", (op.id,)))
        events = uow.commit()
    assert [e.seq for e in events] == [start + 1, start + 2]
    assert received == events
    stored = events_after(app.engine, start)
    assert [(e.seq, e.topic, e.kind, e.ids, e.user, e.seat, e.request_id) for e in stored] == [
        (start + 1, Topic.OPERATOR, "status_changed", ("OP-0002",), "admin", "seat-1", "req-1"),
        (start + 2, Topic.OPERATOR, "noted", ("OP-0002",), "admin", "seat-1", "req-1"),
    ]
    with app.engine.connect() as conn:
        row = (
            conn.execute(select(audit_log).where(audit_log.c.request_id == "req-1"))
            .mappings()
            .one()
        )
    assert (row["user"], row["seat"], row["action"], row["reason"]) == (
        "admin",
        "seat-1",
        "operator.status",
        "lunch",
    )
    assert row["before"] == {"status": "available"}
    assert row["after"] == {"status": "break"}


def test_failed_transaction_leaves_no_outbox_row(db_url: str, make_app: Any) -> None:
    app = make_app(db_url)
    seed_minimal(app)
    before = latest_seq(app.engine)
    with pytest.raises(ValidationError), app.uow(ADMIN) as uow:
        uow.record(Change(Topic.WORK_ORDER, "updated", ("WO-00001",)))
        # bypassing the domain: the database itself refuses produced > ordered
        uow.conn.execute(
            work_orders.update().where(work_orders.c.id == "WO-00001").values(quantity_produced=500)
        )
        uow.commit()
    assert latest_seq(app.engine) == before
    with app.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(change_events)).scalar_one() == before


@pytest.mark.parametrize(
    ("table_values", "message"),
    [
        ({"quantity_produced": 101}, "breaks a rule"),
        ({"status": "lost"}, "breaks a rule"),
        ({"priority": "whenever"}, "breaks a rule"),
    ],
)
def test_check_constraints_of_the_seeds_hold_in_the_database(
    db_url: str, make_app: Any, table_values: dict[str, Any], message: str
) -> None:
    app = make_app(db_url)
    seed_minimal(app)
    from sqlalchemy.exc import IntegrityError

    with app.engine.begin() as conn, pytest.raises(IntegrityError):
        conn.execute(
            work_orders.update().where(work_orders.c.id == "WO-00002").values(**table_values)
        )


def test_audit_rows_refuse_naive_datetimes(db_url: str, make_app: Any) -> None:
    from datetime import datetime

    from sqlalchemy.exc import StatementError

    app = make_app(db_url)
    with app.engine.begin() as conn, pytest.raises(StatementError, match="naive datetime"):
        conn.execute(
            insert(audit_log).values(
                at=datetime(2026, 1, 1),
                user="u",
                seat="s",
                action="a",
                entity_type="t",
                entity_id="1",
            )
        )
