"""A step's readings and events written in one short transaction (a unit of work).

Metrics go to machine_metrics (one change event per batch, on the analytics topic, so screens
that only show machine cards are not re-read every second); status changes update the machine
and machine_status_history; order events update the work order, its operation and
production_logs; attendance events update the shift assignment and the attendance row. Every
state change writes an audit row; the change events are published after the commit.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from domain.errors import DomainError
from domain.events import Change, Topic
from domain.model.people import ShiftAssignmentStatus
from domain.model.plant import MachineMetric
from domain.model.work import OperationStatus, WorkOrder, WorkOrderStatus
from services.persistence.mapping import EntityMapper
from services.persistence.tables import people, plant, work
from services.persistence.uow import UnitOfWork
from services.simulation.model import (
    Absent,
    ClockedIn,
    ClockedOut,
    Event,
    OrderCompleted,
    OrderLate,
    OrderProgressed,
    OrderResumed,
    OrderStalled,
    OrderStarted,
    StatusChanged,
    StepResult,
)

log = logging.getLogger(__name__)

_METRIC = EntityMapper(MachineMetric, plant.machine_metrics)


@dataclass
class WriteCounts:
    """What the writer has written so far (the run's summary)."""

    metrics: int = 0
    status_changes: int = 0
    production_logs: int = 0
    orders_started: int = 0
    orders_completed: int = 0
    orders_late: int = 0
    units_reported: float = 0.0
    attendance: int = 0
    skipped: int = 0  # events refused because somebody changed the row meanwhile
    change_events: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


class _Changes:
    """Change events grouped by (topic, kind): one event names every id a step touched."""

    def __init__(self) -> None:
        self._ids: dict[tuple[Topic, str], list[str]] = defaultdict(list)
        self._data: dict[tuple[Topic, str], dict[str, Any]] = {}

    def add(self, topic: Topic, kind: str, ident: str, **data: Any) -> None:
        key = (topic, kind)
        if ident not in self._ids[key]:
            self._ids[key].append(ident)
        if data:
            self._data.setdefault(key, {}).update(data)

    def record(self, uow: UnitOfWork) -> int:
        for (topic, kind), ids in self._ids.items():
            uow.record(Change(topic, kind, tuple(ids), self._data.get((topic, kind), {})))
        return len(self._ids)


def write_step(uow: UnitOfWork, result: StepResult, counts: WriteCounts) -> None:
    """Write one step inside ``uow`` (the caller commits)."""
    changes = _Changes()
    if result.readings:
        uow.conn.execute(
            insert(plant.machine_metrics), [_METRIC.to_row(r) for r in result.readings]
        )
        counts.metrics += len(result.readings)
        for r in result.readings:
            changes.add(Topic.ANALYTICS, "machine_metrics", r.machine_id, at=result.at.isoformat())
    for event in result.events:
        savepoint = uow.conn.begin_nested()
        try:
            _write_event(uow, event, changes, counts)
            savepoint.commit()
        except DomainError as exc:  # a person changed the row: their word wins, we go on
            savepoint.rollback()
            counts.skipped += 1
            log.info("simulation: %s skipped: %s", type(event).__name__, exc.message)
        name = type(event).__name__
        counts.by_kind[name] = counts.by_kind.get(name, 0) + 1
    counts.change_events += changes.record(uow)


def _write_event(uow: UnitOfWork, event: Event, changes: _Changes, counts: WriteCounts) -> None:
    if isinstance(event, StatusChanged):
        _status(uow, event)
        counts.status_changes += 1
        changes.add(Topic.MACHINE, "status_changed", event.machine_id)
    elif isinstance(event, OrderStarted):
        _order_started(uow, event)
        counts.orders_started += 1
        counts.production_logs += 1
        changes.add(Topic.WORK_ORDER, "started", event.order_id)
    elif isinstance(event, OrderProgressed):
        done = _order_progressed(uow, event)
        counts.units_reported += done
        counts.production_logs += 1
        changes.add(Topic.WORK_ORDER, "progressed", event.order_id)
    elif isinstance(event, OrderCompleted):
        _order_completed(uow, event)
        counts.orders_completed += 1
        counts.production_logs += 1
        changes.add(Topic.WORK_ORDER, "completed", event.order_id)
    elif isinstance(event, OrderStalled | OrderResumed):
        _order_held(uow, event)
        counts.production_logs += 1
        kind = "paused" if isinstance(event, OrderStalled) else "resumed"
        changes.add(Topic.WORK_ORDER, kind, event.order_id)
    elif isinstance(event, OrderLate):
        _order_late(uow, event)
        counts.orders_late += 1
        counts.production_logs += 1
        changes.add(Topic.WORK_ORDER, "late", event.order_id)
    elif isinstance(event, ClockedIn | Absent | ClockedOut):
        _attendance(uow, event)
        counts.attendance += 1
        changes.add(Topic.ROSTER, "attendance_recorded", event.operator_id)


# -- machines ---------------------------------------------------------------------------------


def _status(uow: UnitOfWork, e: StatusChanged) -> None:
    machine = uow.repos.machines.require(e.machine_id, lock=True)
    previous = machine.set_status(e.status, e.at)
    uow.repos.machines.update(machine)
    h = plant.machine_status_history
    uow.conn.execute(
        update(h)
        .where(h.c.machine_id == e.machine_id, h.c.ended_at.is_(None))
        .values(ended_at=e.at)
    )
    uow.conn.execute(
        insert(h).values(
            machine_id=e.machine_id,
            status=e.status.value,
            previous_status=previous.value,
            started_at=e.at,
            reason_code=e.reason_code,
            reason=e.reason,
            reported_by=uow.actor.user,
        )
    )
    uow.audit(
        "machine.status",
        "machine",
        e.machine_id,
        {"status": previous.value},
        {"status": e.status.value},
        f"simulation: {e.reason}",
    )


# -- work orders ------------------------------------------------------------------------------


def _log(
    uow: UnitOfWork,
    order_id: str,
    at: datetime,
    kind: str,
    *,
    quantity: float | None = None,
    machine_id: str | None = None,
    notes: str | None = None,
    **extra: Any,
) -> None:
    uow.conn.execute(
        insert(work.production_logs).values(
            work_order_id=order_id,
            at=at,
            event_type=kind,
            quantity=quantity,
            machine_id=machine_id,
            notes=notes,
            logged_by=uow.actor.user,
            extra={"source": "simulation", **extra},
        )
    )


def _save(uow: UnitOfWork, wo: WorkOrder, before: dict[str, Any], action: str) -> None:
    wo.updated_by, wo.updated_seat, wo.updated_at = uow.actor.user, uow.actor.seat, uow.now
    uow.repos.work_orders.update(wo)
    uow.audit(action, "work_order", wo.id, before, _snapshot(wo), "simulation")


def _snapshot(wo: WorkOrder) -> dict[str, Any]:
    return {"status": wo.status.value, "quantity_produced": wo.quantity_produced}


def _set_operation(uow: UnitOfWork, order_id: str, status: OperationStatus) -> None:
    """The order's current operation (the first one not done) takes ``status``."""
    ops = uow.repos.operations
    t = ops.table
    for op in ops.list(t.c.work_order_id == order_id, order_by=[t.c.sequence]):
        if op.status in (OperationStatus.DONE, OperationStatus.CANCELLED):
            continue
        if op.status is not status:
            op.status = status
            ops.update(op)
        return


def _order_started(uow: UnitOfWork, e: OrderStarted) -> None:
    wo = uow.repos.work_orders.require(e.order_id, lock=True)
    before = _snapshot(wo)
    wo.move_to(WorkOrderStatus.IN_PROGRESS)
    wo.actual_start = wo.actual_start or e.at
    _save(uow, wo, before, "work_order.start")
    _set_operation(uow, wo.id, OperationStatus.RUNNING)
    _log(uow, wo.id, e.at, "started", machine_id=e.machine_id, notes="started on the machine")


def _order_progressed(uow: UnitOfWork, e: OrderProgressed) -> float:
    wo = uow.repos.work_orders.require(e.order_id, lock=True)
    quantity = min(e.quantity, wo.quantity_remaining)
    if quantity <= 0:
        return 0.0
    before = _snapshot(wo)
    wo.record_production(quantity)
    _save(uow, wo, before, "work_order.progress")
    _log(uow, wo.id, e.at, "milestone", quantity=quantity, machine_id=e.machine_id,
         notes="good parts reported")  # fmt: skip
    return quantity


def _order_completed(uow: UnitOfWork, e: OrderCompleted) -> None:
    wo = uow.repos.work_orders.require(e.order_id, lock=True)
    before = _snapshot(wo)
    wo.move_to(WorkOrderStatus.COMPLETED)
    wo.actual_end = e.at
    _save(uow, wo, before, "work_order.complete")
    _set_operation(uow, wo.id, OperationStatus.DONE)
    note = f"{wo.quantity_produced:g} {wo.unit_of_measure} produced"
    _log(uow, wo.id, e.at, "completed", machine_id=e.machine_id, notes=note)


def _order_held(uow: UnitOfWork, e: OrderStalled | OrderResumed) -> None:
    wo = uow.repos.work_orders.require(e.order_id, lock=True)
    before = _snapshot(wo)
    if isinstance(e, OrderStalled):
        wo.move_to(WorkOrderStatus.PAUSED)
        _save(uow, wo, before, "work_order.pause")
        _set_operation(uow, wo.id, OperationStatus.PAUSED)
        _log(uow, wo.id, e.at, "paused", machine_id=e.machine_id, notes=e.reason,
             until=e.until.isoformat())  # fmt: skip
    else:
        wo.move_to(WorkOrderStatus.IN_PROGRESS)
        _save(uow, wo, before, "work_order.resume")
        _set_operation(uow, wo.id, OperationStatus.RUNNING)
        _log(uow, wo.id, e.at, "resumed", machine_id=e.machine_id, notes="material arrived")


def _order_late(uow: UnitOfWork, e: OrderLate) -> None:
    if e.projected_end is None:
        note = f"late: due {e.due_date:%Y-%m-%d %H:%M} and not finished"
    else:
        note = (
            f"late: due {e.due_date:%Y-%m-%d %H:%M}, "
            f"projected to finish {e.projected_end:%Y-%m-%d %H:%M}"
        )
    projected = e.projected_end.isoformat() if e.projected_end else None
    _log(uow, e.order_id, e.at, "issue", notes=note, late=True, projected_end=projected)


# -- attendance -------------------------------------------------------------------------------


def _attendance(uow: UnitOfWork, e: ClockedIn | Absent | ClockedOut) -> None:
    sa = uow.repos.shift_assignments.require(e.assignment_id, lock=True)
    before = {"status": sa.status.value}
    att = people.attendance
    existing = uow.conn.execute(
        select(att.c.id).where(att.c.operator_id == e.operator_id, att.c.day == e.day)
    ).first()
    if isinstance(e, ClockedIn):
        if sa.clock_in is None:
            sa.clock_in = e.at
            sa.status = (
                ShiftAssignmentStatus.LATE if e.late_minutes else ShiftAssignmentStatus.IN_PROGRESS
            )
        row: dict[str, Any] = {"present": True, "hours_worked": 0.0, "late_minutes": e.late_minutes}
    elif isinstance(e, Absent):
        sa.status = ShiftAssignmentStatus.ABSENT
        row = {"present": False, "hours_worked": 0.0, "absence_reason": e.reason}
    else:
        if sa.clock_in is not None and sa.clock_out is None:
            sa.clock_out_at(max(e.at, sa.clock_in))
        row = {"present": True, "hours_worked": e.hours_worked, "late_minutes": e.late_minutes}
    uow.repos.shift_assignments.update(sa)
    if existing is None:
        uow.conn.execute(
            insert(att).values(operator_id=e.operator_id, day=e.day, shift_id=e.shift_id, **row)
        )
    else:
        uow.conn.execute(update(att).where(att.c.id == existing.id).values(**row))
    uow.audit(
        "shift_assignment.attendance",
        "shift_assignment",
        e.assignment_id,
        before,
        {"status": sa.status.value},
        "simulation",
    )
