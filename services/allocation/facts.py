"""Reading what the allocation rules look at: rosters and shifts, bookings, routings, stock.

Used inside the service's transaction (on its connection) and by the board queries, so both
judge an allocation from the same facts.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.engine import Connection

from domain.model.allocation import AllocationStatus
from domain.model.people import Operator, Shift, ShiftAssignment
from domain.model.plant import Machine
from domain.rules.allocation import (
    MachineFacts,
    MaterialNeed,
    OperationNeed,
    OperatorFacts,
    next_shift,
    open_operations,
    shift_state,
)
from domain.rules.overlap import Booking
from services.allocation.statements import built
from services.persistence import repositories as R
from services.persistence.tables import people, plant, work

HOLDS = tuple(s.value for s in AllocationStatus if s.holds_resources)

# a statement and its parameters, to run now or to send with others (persistence/pipeline.py)
Query = tuple[Any, dict[str, Any]]


def plant_timezone(conn: Connection) -> tzinfo:
    """The plant's time zone (rosters are in local days and times); UTC when unknown."""
    name = conn.execute(select(plant.plants.c.timezone).limit(1)).scalar()
    try:
        return ZoneInfo(str(name or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def load_shifts(conn: Connection) -> dict[str, Shift]:
    rows = conn.execute(select(people.shifts)).mappings()
    return {r["id"]: R.SHIFT.from_row(r) for r in rows}


def roster_days(at: datetime, tz: tzinfo) -> list[date]:
    """Yesterday (a night shift still running), today and the next two days (the next shift)."""
    today = at.astimezone(tz).date()
    return [today + timedelta(days=d) for d in (-1, 0, 1, 2)]


def load_roster(
    conn: Connection, at: datetime, tz: tzinfo, operator_ids: Collection[str] | None = None
) -> dict[str, list[ShiftAssignment]]:
    query = roster_query(at, tz, operator_ids)
    return {} if query is None else roster_from(conn.execute(*query).mappings())


def roster_query(
    at: datetime, tz: tzinfo, operator_ids: Collection[str] | None = None
) -> Query | None:
    """The statement and parameters of :func:`load_roster` (None: nothing to read)."""
    by_operator = operator_ids is not None
    stmt = built(("roster", by_operator), lambda: _roster_select(by_operator))
    params: dict[str, Any] = {"days": roster_days(at, tz)}
    if operator_ids is not None:
        if not operator_ids:
            return None
        params["operators"] = list(operator_ids)
    return stmt, params


def roster_from(rows: Iterable[Mapping[Any, Any]]) -> dict[str, list[ShiftAssignment]]:
    out: dict[str, list[ShiftAssignment]] = {}
    for r in rows:
        out.setdefault(r["operator_id"], []).append(R.SHIFT_ASSIGNMENT.from_row(r))
    return out


def _roster_select(by_operator: bool) -> Any:
    t = people.shift_assignments
    stmt = select(t).where(t.c.day.in_(bindparam("days", expanding=True)))
    if by_operator:
        stmt = stmt.where(t.c.operator_id.in_(bindparam("operators", expanding=True)))
    return stmt


def operator_facts(
    op: Operator,
    assignments: Iterable[ShiftAssignment],
    shifts: Mapping[str, Shift],
    at: datetime,
    tz: tzinfo,
) -> OperatorFacts:
    entries = list(assignments)
    state = shift_state(entries, shifts, at, tz)
    nxt = next_shift(entries, shifts, at, tz) if state is None else None
    return OperatorFacts(
        id=op.id,
        name=op.name,
        status=op.status,
        skills=tuple(op.skills),
        shift=state,
        next_shift=f"{nxt[0]}, {nxt[1].astimezone(tz):%a %H:%M}" if nxt else None,
        active=op.active,
    )


def machine_facts(m: Machine) -> MachineFacts:
    return MachineFacts(
        id=m.id,
        name=m.name,
        status=m.status,
        work_centre_id=m.work_centre_id,
        required_skills=tuple(m.required_skills),
        active=m.active,
    )


def load_bookings(
    conn: Connection,
    *,
    operator_ids: Collection[str] = (),
    machine_ids: Collection[str] = (),
    everything: bool = False,
) -> list[Booking]:
    """Holding allocations (active, paused) of the given operators and machines, with the names
    the messages need; ``everything`` gives all of them (the board)."""
    query = bookings_query(
        operator_ids=operator_ids, machine_ids=machine_ids, everything=everything
    )
    return [] if query is None else bookings_from(conn.execute(*query).mappings())


def bookings_query(
    *,
    operator_ids: Collection[str] = (),
    machine_ids: Collection[str] = (),
    everything: bool = False,
) -> Query | None:
    """The statement and parameters of :func:`load_bookings` (None: nothing to read)."""
    params: dict[str, Any] = {}
    if not everything:
        if operator_ids:
            params["operators"] = list(operator_ids)
        if machine_ids:
            params["machines"] = list(machine_ids)
        if not params:
            return None
    shape = (everything, "operators" in params, "machines" in params)
    return built(("bookings", shape), lambda: _bookings_select(*shape)), params


def bookings_from(rows: Iterable[Mapping[Any, Any]]) -> list[Booking]:
    return [
        Booking(
            allocation_id=int(r["id"]),
            work_order_id=r["work_order_id"],
            work_order_number=r["number"],
            start=r["expected_start"],
            end=r["expected_end"],
            operator_id=r["operator_id"],
            operator_name=f"{r['first_name']} {r['last_name']}" if r["operator_id"] else None,
            machine_id=r["machine_id"],
            machine_name=r["machine_name"],
            status=r["status"],
        )
        for r in rows
    ]


def _bookings_select(everything: bool, by_operator: bool, by_machine: bool) -> Any:
    a, w, o, m = work.allocations, work.work_orders, people.operators, plant.machines
    stmt = (
        select(
            a.c.id,
            a.c.work_order_id,
            w.c.number,
            a.c.expected_start,
            a.c.expected_end,
            a.c.operator_id,
            o.c.first_name,
            o.c.last_name,
            a.c.machine_id,
            m.c.name.label("machine_name"),
            a.c.status,
        )
        .select_from(a.join(w, w.c.id == a.c.work_order_id))
        .outerjoin(o, o.c.id == a.c.operator_id)
        .outerjoin(m, m.c.id == a.c.machine_id)
        .where(a.c.status.in_(HOLDS))
    )
    if not everything:
        conds = []
        if by_operator:
            conds.append(a.c.operator_id.in_(bindparam("operators", expanding=True)))
        if by_machine:
            conds.append(a.c.machine_id.in_(bindparam("machines", expanding=True)))
        stmt = stmt.where(or_(*conds))
    return stmt.order_by(a.c.id)


def _operations_select() -> Any:
    t = work.operations
    return (
        select(t)
        .where(t.c.work_order_id.in_(bindparam("work_orders", expanding=True)))
        .order_by(t.c.sequence)
    )


def load_operations(
    conn: Connection, work_order_ids: Collection[str]
) -> dict[str, tuple[OperationNeed, ...]]:
    query = operations_query(work_order_ids)
    return {} if query is None else operations_from(conn.execute(*query).mappings())


def operations_query(work_order_ids: Collection[str]) -> Query | None:
    """The statement and parameters of :func:`load_operations` (None: nothing to read)."""
    if not work_order_ids:
        return None
    return built("operations", _operations_select), {"work_orders": list(work_order_ids)}


def operations_from(rows: Iterable[Mapping[Any, Any]]) -> dict[str, tuple[OperationNeed, ...]]:
    out: dict[str, list[object]] = {}
    for r in rows:
        out.setdefault(r["work_order_id"], []).append(R.OPERATION.from_row(r))
    return {wo: open_operations(ops) for wo, ops in out.items()}  # type: ignore[arg-type]


def load_material_needs(
    conn: Connection, work_order_ids: Collection[str]
) -> dict[str, tuple[MaterialNeed, ...]]:
    """What each work order still has to reserve, line by line (in material order), against
    available stock: one statement (the lines joined with their materials)."""
    query = material_needs_query(work_order_ids)
    return {} if query is None else material_needs_from(conn.execute(*query).mappings())


def material_needs_query(work_order_ids: Collection[str]) -> Query | None:
    """The statement and parameters of :func:`load_material_needs` (None: nothing to read)."""
    if not work_order_ids:
        return None
    return built("material_needs", _material_needs_select), {"work_orders": list(work_order_ids)}


def material_needs_from(
    rows: Iterable[Mapping[Any, Any]],
) -> dict[str, tuple[MaterialNeed, ...]]:
    out: dict[str, list[MaterialNeed]] = {}
    for r in rows:
        remaining = r["quantity_required"] - r["quantity_allocated"] - r["quantity_consumed"]
        if remaining <= 1e-9:
            continue
        out.setdefault(r["work_order_id"], []).append(
            MaterialNeed(
                material_id=r["material_id"],
                name=r["name"],
                part_number=r["part_number"],
                unit=r["unit_of_measure"],
                to_reserve=float(remaining),
                available=float(r["on_hand"] - r["allocated"]),
                critical=bool(r["critical"]),
            )
        )
    return {k: tuple(v) for k, v in out.items()}


def _material_needs_select() -> Any:
    wm, mt = work.work_order_materials, work.materials
    return (
        select(
            wm.c.work_order_id,
            wm.c.material_id,
            wm.c.quantity_required,
            wm.c.quantity_allocated,
            wm.c.quantity_consumed,
            wm.c.critical,
            mt.c.name,
            mt.c.part_number,
            mt.c.unit_of_measure,
            mt.c.on_hand,
            mt.c.allocated,
        )
        .select_from(wm.join(mt, mt.c.id == wm.c.material_id))
        .where(wm.c.work_order_id.in_(bindparam("work_orders", expanding=True)))
        .order_by(wm.c.work_order_id, wm.c.material_id)
    )


def holding_statuses(
    conn: Connection, work_order_id: str, *, exclude: Collection[int] = ()
) -> list[AllocationStatus]:
    a = work.allocations
    conds = [a.c.work_order_id == work_order_id, a.c.status.in_(HOLDS)]
    if exclude:
        conds.append(a.c.id.notin_(list(exclude)))
    return [
        AllocationStatus(s) for s in conn.execute(select(a.c.status).where(and_(*conds))).scalars()
    ]


def resource_holdings(
    conn: Connection,
    *,
    operator_id: str | None = None,
    machine_id: str | None = None,
    at: datetime,
) -> list[AllocationStatus]:
    """Statuses of the allocations that hold the operator or machine at ``at``."""
    a = work.allocations
    conds = [a.c.status.in_(HOLDS), a.c.expected_start <= at]
    if operator_id is not None:
        conds.append(a.c.operator_id == operator_id)
    elif machine_id is not None:
        conds.append(a.c.machine_id == machine_id)
    else:
        return []
    conds.append(or_(a.c.expected_end.is_(None), a.c.expected_end > at))
    return [
        AllocationStatus(s) for s in conn.execute(select(a.c.status).where(and_(*conds))).scalars()
    ]
