"""Reading the allocation board: the whole board at a moment, or only the cards that changed.

A seat reads the whole board once (and when the roster or the plant changes); after that each
batch of change events names the operators, machines, work orders and allocations to re-read
(:func:`card_ids`), and :func:`board_delta` reads only those. Allocation events carry the state
they leave, which a seat applies without reading (board_events.py); this module reads what such
an event cannot tell.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.elements import ColumnElement

from domain.events import ChangeEvent, Topic
from domain.model.people import OperatorStatus, Shift
from domain.model.work import Priority, WorkOrderStatus
from domain.rules.allocation import MaterialNeed, OperationNeed, OperatorFacts
from services.allocation import facts as F
from services.allocation.board_state import BoardState
from services.allocation.cards import (
    AllocationCard,
    BoardSnapshot,
    CardIds,
    MachineCard,
    OperatorCard,
    WorkOrderCard,
)
from services.persistence import repositories as R
from services.persistence.engine import read_connection
from services.persistence.tables import people, plant, work

OPEN = tuple(s.value for s in WorkOrderStatus if not s.is_closed)
MAX_WORK_ORDERS = 400
FULL_RELOAD_TOPICS = (Topic.PLANT, Topic.ROSTER, Topic.USER)


def card_ids(events: Sequence[ChangeEvent]) -> CardIds:
    """The cards a batch of change events makes stale."""
    ops: set[str] = set()
    machines: set[str] = set()
    wos: set[str] = set()
    allocs: set[int] = set()
    materials: set[str] = set()
    everything = False
    for e in events:
        if e.topic in FULL_RELOAD_TOPICS:
            everything = True
        elif e.topic is Topic.ALLOCATION:
            allocs.update(int(i) for i in e.ids if i.isdigit())
            ops.update(e.data.get("operators", ()))
            machines.update(e.data.get("machines", ()))
            wos.update(e.data.get("work_orders", ()))
            materials.update(e.data.get("materials", ()))
        elif e.topic is Topic.MATERIAL:
            materials.update(e.ids)
        elif e.topic is Topic.OPERATOR:
            ops.update(e.ids)
        elif e.topic is Topic.MACHINE:
            machines.update(e.ids)
        elif e.topic is Topic.WORK_ORDER:
            wos.update(e.ids)
    return CardIds(
        frozenset(ops),
        frozenset(machines),
        frozenset(wos),
        frozenset(allocs),
        everything,
        frozenset(materials),
        light=all(e.topic is Topic.ALLOCATION for e in events),
    )


def _allocation_card(r: Any) -> AllocationCard:
    return AllocationCard(
        id=int(r["id"]),
        work_order_id=r["work_order_id"],
        status=r["status"],
        version=int(r["version"]),
        start=r["expected_start"],
        end=r["expected_end"],
        operator_id=r["operator_id"],
        machine_id=r["machine_id"],
        method=r["method"],
        score=r["suggestion_score"],
        allocated_by=r["allocated_by"],
        updated_by=r["updated_by"],
        updated_seat=r["updated_seat"],
        updated_at=r["updated_at"],
    )


def allocation_cards(
    conn: Connection,
    *,
    ids: Collection[int] = (),
    operators: Collection[str] = (),
    machines: Collection[str] = (),
    work_orders: Collection[str] = (),
    all_holding: bool = False,
) -> list[AllocationCard]:
    a = work.allocations
    holding = a.c.status.in_(F.HOLDS)
    if all_holding:
        stmt = select(a).where(holding)
    else:
        conds: list[ColumnElement[bool]] = []
        if ids:
            conds.append(a.c.id.in_(list(ids)))
        if operators:
            conds.append(holding & a.c.operator_id.in_(list(operators)))
        if machines:
            conds.append(holding & a.c.machine_id.in_(list(machines)))
        if work_orders:
            conds.append(holding & a.c.work_order_id.in_(list(work_orders)))
        if not conds:
            return []
        stmt = select(a).where(or_(*conds))
    return [_allocation_card(r) for r in conn.execute(stmt.order_by(a.c.id)).mappings()]


def _now_holding(allocs: Sequence[AllocationCard], at: datetime) -> list[AllocationCard]:
    return [x for x in allocs if x.holds and x.start <= at and (x.end is None or x.end > at)]


def operator_cards(
    conn: Connection,
    at: datetime,
    tz: tzinfo,
    shifts: dict[str, Shift],
    ids: Collection[str] | None,
    allocs: Sequence[AllocationCard],
    known: Mapping[str, OperatorCard] | None = None,
) -> list[OperatorCard]:
    """Operator cards; for the ``known`` ones (an allocation changed, nothing else) the skills
    and the roster are taken from the card the seat has instead of being read again."""
    o = people.operators
    stmt = select(o).where(o.c.active.is_(True))
    if ids is not None:
        stmt = select(o).where(o.c.id.in_(list(ids)))
    rows = list(conn.execute(stmt.order_by(o.c.id)).mappings())
    if not rows:
        return []
    cached = known or {}
    unknown = [r["id"] for r in rows if r["id"] not in cached]
    skills = R.OperatorRepository(conn)._skills(unknown) if unknown else {}
    roster = F.load_roster(conn, at, tz, None if ids is None else unknown) if unknown else {}
    holding = {x.operator_id: x for x in reversed(_now_holding(allocs, at)) if x.operator_id}
    out: list[OperatorCard] = []
    for r in rows:
        old = cached.get(r["id"])
        op = R.OPERATOR.from_row(r, skills=list(old.skills) if old else skills[r["id"]])
        if old is not None:
            f = OperatorFacts(op.id, op.name, op.status, old.skills, old.shift, old.next_shift)
        else:
            f = F.operator_facts(op, roster.get(op.id, []), shifts, at, tz)
        held = holding.get(op.id)
        idle = None
        if held is None and f.shift is not None and op.status is OperatorStatus.AVAILABLE:
            since = op.status_updated_at or f.shift.start
            idle = max(0, int((at - max(since, f.shift.start)).total_seconds() // 60))
        out.append(
            OperatorCard(
                id=op.id,
                name=op.name,
                status=op.status.value,
                version=op.version,
                line_id=op.line_id,
                home_zone=op.home_zone,
                efficiency=op.efficiency_rating,
                skills=tuple(op.skills),
                shift=f.shift,
                next_shift=f.next_shift,
                active=op.active,
                status_since=op.status_updated_at,
                idle_minutes=idle,
                allocation_id=held.id if held else None,
                work_order_id=held.work_order_id if held else None,
                machine_id=held.machine_id if held else None,
            )
        )
    return out


def machine_cards(
    conn: Connection, ids: Collection[str] | None, allocs: Sequence[AllocationCard], at: datetime
) -> list[MachineCard]:
    m, w = plant.machines, work.work_orders
    stmt = select(m).where(m.c.active.is_(True))
    if ids is not None:
        stmt = select(m).where(m.c.id.in_(list(ids)))
    rows = list(conn.execute(stmt.order_by(m.c.line_id, m.c.id)).mappings())
    holding = {x.machine_id: x for x in reversed(_now_holding(allocs, at)) if x.machine_id}
    wo_ids = {x.work_order_id for x in holding.values()}
    numbers = (
        dict(conn.execute(select(w.c.id, w.c.number).where(w.c.id.in_(list(wo_ids)))).all())
        if wo_ids
        else {}
    )
    op_ids = {x.operator_id for x in holding.values() if x.operator_id}
    o = people.operators
    names = (
        {
            r.id: f"{r.first_name} {r.last_name}"
            for r in conn.execute(
                select(o.c.id, o.c.first_name, o.c.last_name).where(o.c.id.in_(list(op_ids)))
            )
        }
        if op_ids
        else {}
    )
    out: list[MachineCard] = []
    for r in rows:
        held = holding.get(r["id"])
        out.append(
            MachineCard(
                id=r["id"],
                name=r["name"],
                machine_type=r["machine_type"],
                line_id=r["line_id"],
                status=r["status"],
                version=int(r["version"]),
                zone=r["zone"],
                work_centre_id=r["work_centre_id"],
                required_skills=tuple(r["required_skills"] or ()),
                active=bool(r["active"]),
                allocation_id=held.id if held else None,
                work_order_id=held.work_order_id if held else None,
                work_order_number=numbers.get(held.work_order_id) if held else None,
                operator_ids=(held.operator_id,) if held and held.operator_id else (),
                operator_names=(names.get(held.operator_id, held.operator_id),)
                if held and held.operator_id
                else (),
            )
        )
    return out


def work_order_cards(
    conn: Connection,
    at: datetime,
    ids: Collection[str] | None,
    allocs: Sequence[AllocationCard],
    limit: int,
    *,
    include_closed: bool = False,
    known: Mapping[str, WorkOrderCard] | None = None,
) -> list[WorkOrderCard]:
    w = work.work_orders
    if ids is None:
        head = conn.execute(
            select(w.c.id, w.c.priority, w.c.due_date).where(w.c.status.in_(OPEN))
        ).all()
        busy = {x.work_order_id for x in allocs if x.holds}
        ranked = sorted(head, key=lambda r: (-Priority(r.priority).weight, r.due_date, r.id))
        wanted = [r.id for r in ranked if r.id in busy]
        wanted += [r.id for r in ranked if r.id not in busy][: max(0, limit - len(wanted))]
        stmt = select(w).where(w.c.id.in_(wanted))
    else:
        stmt = select(w).where(w.c.id.in_(list(ids)))
        if not include_closed:
            stmt = stmt.where(w.c.status.in_(OPEN))
    rows = list(conn.execute(stmt).mappings())
    if not rows:
        return []
    cached = known or {}
    unknown = [r["id"] for r in rows if r["id"] not in cached]
    ops: dict[str, tuple[OperationNeed, ...]] = F.load_operations(conn, unknown) if unknown else {}
    ops.update({k: c.operations for k, c in cached.items()})
    queued = [r["id"] for r in rows if r["status"] == WorkOrderStatus.QUEUED.value]
    needs: dict[str, tuple[MaterialNeed, ...]] = (
        F.load_material_needs(conn, queued) if queued else {}
    )
    by_wo: dict[str, list[AllocationCard]] = {}
    for x in allocs:
        if x.holds:
            by_wo.setdefault(x.work_order_id, []).append(x)
    out: list[WorkOrderCard] = []
    for r in rows:
        held = by_wo.get(r["id"], [])
        out.append(
            WorkOrderCard(
                id=r["id"],
                number=r["number"],
                product=r["product_name"],
                priority=r["priority"],
                status=r["status"],
                due=r["due_date"],
                version=int(r["version"]),
                quantity=float(r["quantity_ordered"]),
                produced=float(r["quantity_produced"]),
                line_id=r["line_id"],
                operations=ops.get(r["id"], ()),
                materials=needs.get(r["id"], ()),
                allocation_ids=tuple(x.id for x in held),
                operator_ids=tuple(x.operator_id for x in held if x.operator_id),
                machine_ids=tuple(x.machine_id for x in held if x.machine_id),
                late=at > r["due_date"],
            )
        )
    out.sort(key=lambda c: (-Priority(c.priority).weight, c.due, c.id))
    return out


class BoardReader:
    """Reads the board for one seat, keeping the plant's time zone, shift types and lines
    (which change rarely) between reads; a full snapshot reads them again."""

    def __init__(self, engine: Engine, *, max_work_orders: int = MAX_WORK_ORDERS) -> None:
        self.engine = engine
        self.max_work_orders = max_work_orders
        self._basics: tuple[tzinfo, dict[str, Shift], tuple[tuple[str, str], ...]] | None = None
        self._lock = threading.Lock()

    def _read_basics(
        self, conn: Connection
    ) -> tuple[tzinfo, dict[str, Shift], tuple[tuple[str, str], ...]]:
        lines = tuple(
            (r.id, r.name)
            for r in conn.execute(select(plant.lines.c.id, plant.lines.c.name).order_by("id"))
        )
        basics = (F.plant_timezone(conn), F.load_shifts(conn), lines)
        with self._lock:
            self._basics = basics
        return basics

    def snapshot(self, at: datetime) -> BoardSnapshot:
        """The whole board at ``at``: active operators and machines, open work orders (those
        held by an allocation and the most urgent others), and the allocations that hold
        resources."""
        with read_connection(self.engine) as conn:
            tz, shifts, lines = self._read_basics(conn)
            allocs = allocation_cards(conn, all_holding=True)
            return BoardSnapshot(
                at=at,
                operators=tuple(operator_cards(conn, at, tz, shifts, None, allocs)),
                machines=tuple(machine_cards(conn, None, allocs, at)),
                work_orders=tuple(work_order_cards(conn, at, None, allocs, self.max_work_orders)),
                allocations=tuple(allocs),
                lines=lines,
            )

    def delta(self, at: datetime, ids: CardIds, known: BoardState | None = None) -> BoardSnapshot:
        """Only the cards named in ``ids`` (and the allocations that hold them). With ``known``
        (the seat's board) and a change of allocations only (``ids.light``), routings, skills
        and rosters of cards the board has are not read again."""
        if ids.everything:
            return self.snapshot(at)
        # orders whose material lines alone are stale: the board's card with those lines read
        # again (the whole order when the board does not have it)
        refill = ids.materials_of - ids.work_orders
        cards = known.work_orders if known is not None else {}
        whole = frozenset(w for w in refill if w not in cards)
        refill -= whole
        ids = replace(ids, work_orders=ids.work_orders | whole | refill, materials_of=frozenset())
        with read_connection(self.engine) as conn:
            with self._lock:
                basics = self._basics
            tz, shifts, _lines = basics or self._read_basics(conn)
            read_wos = ids.work_orders - refill
            allocs = allocation_cards(
                conn,
                ids=ids.allocations,
                operators=ids.operators,
                machines=ids.machines,
                work_orders=read_wos,
            )
            needs = F.load_material_needs(conn, sorted(refill)) if refill else {}
            refilled = [replace(cards[w], materials=needs.get(w, ())) for w in sorted(refill)]
            return BoardSnapshot(
                at=at,
                operators=tuple(
                    operator_cards(
                        conn,
                        at,
                        tz,
                        shifts,
                        ids.operators,
                        allocs,
                        known.operators if known is not None and ids.light else None,
                    )
                )
                if ids.operators
                else (),
                machines=tuple(machine_cards(conn, ids.machines, allocs, at))
                if ids.machines
                else (),
                work_orders=tuple(
                    work_order_cards(
                        conn,
                        at,
                        read_wos,
                        allocs,
                        0,
                        known=known.work_orders if known is not None and ids.light else None,
                    )
                )
                + tuple(refilled)
                if read_wos
                else tuple(refilled),
                allocations=tuple(allocs),
                asked=ids,
            )


def board_snapshot(
    engine: Engine, at: datetime, *, max_work_orders: int = MAX_WORK_ORDERS
) -> BoardSnapshot:
    """The whole board at ``at`` (see :meth:`BoardReader.snapshot`)."""
    return BoardReader(engine, max_work_orders=max_work_orders).snapshot(at)


def board_delta(engine: Engine, at: datetime, ids: CardIds) -> BoardSnapshot:
    """Only the cards named in ``ids`` (see :meth:`BoardReader.delta`)."""
    return BoardReader(engine).delta(at, ids)
