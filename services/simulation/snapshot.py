"""The simulator's starting state, read from the database (the demo plant or a real one).

Which order runs on which machine comes from the running operations (their work centre's
machine); the orders waiting for each work centre are the queued and assigned orders whose next
operation is there, most urgent first; the roster is the published shift assignments from
yesterday to a week ahead that are not over yet.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from domain.model.people import ShiftAssignmentStatus
from domain.model.work import OperationStatus, WorkOrderStatus
from services.demo.catalogue import MACHINE_TYPES_BY_CODE
from services.demo.rand import stream
from services.persistence.repositories import Repositories
from services.persistence.tables import people, work
from services.simulation.model import (
    DEFAULT_PROFILE,
    MachineProfile,
    MachineSim,
    OrderSim,
    PlantState,
    RosterSlot,
)
from services.simulation.step import settle

ROSTER_DAYS_AHEAD = 7


def profile_of(machine_type: str) -> MachineProfile:
    kind = MACHINE_TYPES_BY_CODE.get(machine_type)
    if kind is None:
        return DEFAULT_PROFILE
    return MachineProfile(kind.temperature_c, kind.vibration, kind.power_kw, kind.cycle_s)


def load_state(engine: Engine, at: datetime, seed: int) -> PlantState:
    """The plant as the database holds it, at simulated time ``at``."""
    if at.tzinfo is None:
        raise ValueError("the simulation start needs a time zone")
    at = at.astimezone(UTC)
    with engine.connect() as conn:
        return _read(conn, at, seed)


def _read(conn: Connection, at: datetime, seed: int) -> PlantState:
    repos = Repositories(conn)
    machines: dict[str, MachineSim] = {}
    machine_of_centre: dict[str, str] = {}
    for m in repos.machines.list(repos.machines.table.c.active.is_(True)):
        rng = stream(seed, "simulation", m.id)
        machines[m.id] = MachineSim(
            id=m.id,
            work_centre_id=m.work_centre_id,
            profile=profile_of(m.machine_type),
            status=m.status,
            base_load=rng.uniform(0.7, 0.92),
            scrap=rng.uniform(0.005, 0.03),
        )
        if m.work_centre_id:
            machine_of_centre.setdefault(m.work_centre_id, m.id)

    wo = work.work_orders
    open_states = [
        WorkOrderStatus.QUEUED.value,
        WorkOrderStatus.ASSIGNED.value,
        WorkOrderStatus.IN_PROGRESS.value,
        WorkOrderStatus.PAUSED.value,
    ]
    orders: dict[str, OrderSim] = {}
    status_of: dict[str, str] = {}
    for r in conn.execute(
        select(
            wo.c.id,
            wo.c.number,
            wo.c.quantity_ordered,
            wo.c.quantity_produced,
            wo.c.due_date,
            wo.c.status,
        ).where(wo.c.status.in_(open_states))
    ):
        orders[r.id] = OrderSim(
            r.id, r.number, float(r.quantity_ordered), float(r.quantity_produced), r.due_date
        )
        status_of[r.id] = r.status

    op = work.operations
    next_centre: dict[str, str] = {}
    for o in conn.execute(
        select(op.c.work_order_id, op.c.work_centre_id, op.c.status)
        .where(op.c.work_order_id.in_(list(orders)))
        .order_by(op.c.work_order_id, op.c.sequence)
    ):
        order = orders[o.work_order_id]
        machine_id = machine_of_centre.get(o.work_centre_id)
        if o.status == OperationStatus.RUNNING.value and machine_id and not order.running:
            machine = machines[machine_id]
            if machine.order_id is None and status_of[order.id] == WorkOrderStatus.IN_PROGRESS:
                order.running = True
                order.machine_id = machine_id
                order.last_report = at
                machine.order_id = order.id
        if o.status not in (OperationStatus.DONE.value, OperationStatus.CANCELLED.value):
            next_centre.setdefault(o.work_order_id, o.work_centre_id)

    queues: dict[str, list[str]] = {}
    # waiting: not started yet, or started and between two operations
    waiting = (
        WorkOrderStatus.QUEUED.value,
        WorkOrderStatus.ASSIGNED.value,
        WorkOrderStatus.IN_PROGRESS.value,
    )
    for order in sorted(orders.values(), key=lambda o: (o.due_date, o.id)):
        centre = next_centre.get(order.id)
        if status_of[order.id] in waiting and not order.running and centre in machine_of_centre:
            queues.setdefault(centre, []).append(order.id)

    state = PlantState(
        at=at,
        machines=machines,
        orders=orders,
        queues=queues,
        roster=_roster(conn, repos, at),
    )
    settle(state)
    return state


def _roster(conn: Connection, repos: Repositories, at: datetime) -> list[RosterSlot]:
    shifts = {s.id: s for s in repos.shifts.list()}
    sa = people.shift_assignments
    first, last = at.date() - timedelta(days=1), at.date() + timedelta(days=ROSTER_DAYS_AHEAD)
    live = [
        ShiftAssignmentStatus.SCHEDULED.value,
        ShiftAssignmentStatus.IN_PROGRESS.value,
        ShiftAssignmentStatus.LATE.value,
    ]
    att = people.attendance
    recorded = {
        (r.operator_id, r.day)
        for r in conn.execute(
            select(att.c.operator_id, att.c.day).where(att.c.day >= first, att.c.day <= last)
        )
    }
    slots: list[RosterSlot] = []
    for a in repos.shift_assignments.list(
        sa.c.day >= first,
        sa.c.day <= last,
        sa.c.status.in_(live),
        sa.c.published.is_(True),
        order_by=[sa.c.day, sa.c.shift_id, sa.c.operator_id],
    ):
        shift = shifts.get(a.shift_id)
        if shift is None or a.id is None:
            continue
        start, end = shift.window_on(a.day, UTC)
        if end <= at:
            continue
        late = 0
        if a.clock_in is not None:
            late = max(0, int((a.clock_in - start).total_seconds() // 60))
        slots.append(
            RosterSlot(
                assignment_id=a.id,
                operator_id=a.operator_id,
                shift_id=a.shift_id,
                day=a.day,
                start=start,
                end=end,
                break_minutes=sum(b.minutes for b in shift.breaks),
                clock_in=a.clock_in,
                late_minutes=late if late > 5 else 0,
                recorded=(a.operator_id, a.day) in recorded,
            )
        )
    return slots
