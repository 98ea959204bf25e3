"""Keeping the statuses of operators, machines and work orders in step with the allocations that
hold them, reserving critical material, and recording the change events, inside one unit of work.

The caller has locked every row it hands over (see the lock order in service.py).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.sql.schema import Table

from domain.errors import ConcurrentEdit, RuleViolation, Violation
from domain.events import Change, Topic
from domain.model.allocation import Allocation, AllocationStatus
from domain.model.people import Operator
from domain.model.plant import Machine
from domain.model.products import MaterialReservation
from domain.model.work import WorkOrder, WorkOrderStatus
from domain.rules.allocation import (
    MaterialNeed,
    check_materials,
    machine_status_after,
    operator_status_after,
    work_order_status_after,
)
from services.allocation import facts as F
from services.allocation.statements import built
from services.persistence.pipeline import Pending, Pipeline
from services.persistence.tables import people, plant, work
from services.persistence.uow import UnitOfWork

log = logging.getLogger(__name__)


def _stale_stock(need: MaterialNeed) -> Violation:
    return Violation(
        "critical_material_unavailable",
        f"critical {need.name} ({need.part_number}) was reserved by someone else meanwhile",
        {"material_id": need.material_id},
    )


def stale_entity(kind: str, entity: Any) -> ConcurrentEdit:
    return ConcurrentEdit(
        kind,
        entity.id,
        changed_by=getattr(entity, "updated_by", None),
        seat=getattr(entity, "updated_seat", None),
        at=getattr(entity, "updated_at", None),
    )


class StatusKeeper:
    def __init__(self, uow: UnitOfWork, now: datetime) -> None:
        self.uow = uow
        self.now = now
        self.operators: set[str] = set()
        self.machines: set[str] = set()
        self.work_orders: set[str] = set()
        self.materials: set[str] = set()
        self.stock: dict[str, float] = {}  # material id -> available after this call
        self.requeued: set[str] = set()  # orders back in the queue (their material lines)
        self.allocations: set[int] = set()
        self.complete_work_order = False
        self._operators: dict[str, Operator] = {}
        self._machines: dict[str, Machine] = {}
        self._work_orders: dict[str, WorkOrder] = {}
        # the versions the touched rows had when this call read them (the change event says
        # "from this version to that one", so a seat applies it only onto what it has)
        self._before: dict[tuple[str, str], int] = {}
        self._changed: dict[int, tuple[int | None, Allocation]] = {}

    def touch(
        self,
        *,
        operators: Iterable[str | None] = (),
        machines: Iterable[str | None] = (),
        work_orders: Iterable[str | None] = (),
    ) -> None:
        self.operators.update(o for o in operators if o)
        self.machines.update(m for m in machines if m)
        self.work_orders.update(w for w in work_orders if w)

    def touch_allocations(self, ids: Iterable[int | None]) -> None:
        self.allocations.update(i for i in ids if i)

    def changed(self, alloc: Allocation, before: dict[str, Any] | None) -> None:
        """``alloc`` was written by this call (``before``: its state as read, None if new); its
        final state goes into the change event."""
        aid = alloc.id or 0
        first = self._changed.get(aid)
        version = int(before["version"]) if before is not None else None
        self._changed[aid] = (first[0] if first is not None else version, alloc)

    # -- material ------------------------------------------------------------------------------
    def reserve_critical(self, wo: WorkOrder, needs: Iterable[MaterialNeed]) -> None:
        """Reserve what the work order still needs of its critical materials.

        Called last, just before the commit, so the material rows (shared by many orders) stay
        locked as briefly as possible. Each reservation is one conditional UPDATE that only
        succeeds while the available stock covers it; the rules checked the same earlier for a
        friendly message, this is the guarantee.
        """
        mt, wm = work.materials, work.work_order_materials
        conn = self.uow.conn
        actor = self.uow.actor
        for need in sorted((n for n in needs if n.critical), key=lambda n: n.material_id):
            done = conn.execute(
                update(mt)
                .where(
                    mt.c.id == need.material_id,
                    mt.c.on_hand - mt.c.allocated >= need.to_reserve - 1e-9,
                )
                .values(
                    allocated=mt.c.allocated + need.to_reserve,
                    version=mt.c.version + 1,
                    updated_by=actor.user,
                    updated_seat=actor.seat,
                    updated_at=self.now,
                )
                .returning(mt.c.on_hand, mt.c.allocated)
            ).first()
            if done is None:
                available = conn.execute(
                    select(mt.c.on_hand - mt.c.allocated).where(mt.c.id == need.material_id)
                ).scalar()
                short = replace(need, available=float(available or 0.0))
                errors, _ = check_materials([short])
                raise RuleViolation(errors or [_stale_stock(short)])
            self.uow.repos.reservations.add(
                MaterialReservation(
                    material_id=need.material_id,
                    work_order_id=wo.id,
                    quantity=need.to_reserve,
                    reserved_by=actor.user,
                    reserved_at=self.now,
                )
            )
            conn.execute(
                update(wm)
                .where(wm.c.work_order_id == wo.id, wm.c.material_id == need.material_id)
                .values(quantity_allocated=wm.c.quantity_allocated + need.to_reserve)
            )
            self.materials.add(need.material_id)
            # the stock after this reservation (the row stays locked until the commit): every
            # queued order's card shows it as the material's availability
            self.stock[need.material_id] = float(done.on_hand - done.allocated)

    # -- statuses ------------------------------------------------------------------------------
    def known(self, *entities: Any) -> None:
        """Operators, machines and work orders this call has read and locked (saves reads)."""
        for e in entities:
            if isinstance(e, Operator):
                self._operators[e.id] = e
                self._before.setdefault(("operator", e.id), e.version)
            elif isinstance(e, Machine):
                self._machines[e.id] = e
                self._before.setdefault(("machine", e.id), e.version)
            elif isinstance(e, WorkOrder):
                self._work_orders[e.id] = e
                self._before.setdefault(("work_order", e.id), e.version)

    def settle(self, holdings: Holdings | None = None) -> None:
        """Bring every touched operator, machine and work order in line with its allocations.

        ``holdings``: the allocations that held any of them, read under this call's locks
        before it changed anything (:func:`holdings_query`, sent with the locks); this call's
        own changes are laid over them, so nothing is read here. Without it (or when it does
        not cover everything touched) they are read now, after the changes."""
        if not (self.operators or self.machines or self.work_orders):
            return
        touched = (self.operators, self.machines, self.work_orders)
        if holdings is not None and holdings.covers(*touched):
            rows = self._overlay(holdings.pending.rows)
        else:
            query = holdings_query(self.operators, self.machines, self.work_orders)
            assert query is not None
            rows = [dict(r) for r in self.uow.conn.execute(*query).mappings()]
        self._settle(rows)

    def _overlay(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``rows`` as they are after this call's own changes to allocations."""
        mine = set(self._changed)
        out = [r for r in rows if r["id"] not in mine]
        for aid, (_before, a) in sorted(self._changed.items()):
            touches = (
                a.operator_id in self.operators
                or a.machine_id in self.machines
                or a.work_order_id in self.work_orders
            )
            if a.status.holds_resources and touches:
                out.append(
                    {
                        "id": aid,
                        "operator_id": a.operator_id,
                        "machine_id": a.machine_id,
                        "work_order_id": a.work_order_id,
                        "status": a.status.value,
                        "expected_start": a.expected_start,
                        "expected_end": a.expected_end,
                    }
                )
        return out

    def _settle(self, rows: list[dict[str, Any]]) -> None:
        now = self.now
        active_ops: set[str] = set()
        running: set[str] = set()
        by_wo: dict[str, list[AllocationStatus]] = {}
        for r in rows:
            op_id, m_id, wo_id = r["operator_id"], r["machine_id"], r["work_order_id"]
            status, start, end = r["status"], r["expected_start"], r["expected_end"]
            by_wo.setdefault(wo_id, []).append(AllocationStatus(status))
            if status != AllocationStatus.ACTIVE.value or start > now:
                continue
            if end is not None and end <= now:
                continue
            if op_id:
                active_ops.add(op_id)
            if m_id:
                running.add(m_id)
        for op_id in sorted(self.operators):
            op = self._operators.get(op_id)
            if op is None:
                op = self.uow.repos.operators.require(op_id)
                self.known(op)
            new = operator_status_after(op.status, op_id in active_ops)
            if new is not op.status:
                self._write_status(people.operators, op, new)
        for m_id in sorted(self.machines):
            m = self._machines.get(m_id)
            if m is None:
                m = self.uow.repos.machines.require(m_id)
                self.known(m)
            new_m = machine_status_after(m.status, m_id in running)
            if new_m is not m.status:
                self._write_status(plant.machines, m, new_m)
        for wo_id in sorted(self.work_orders):
            self._settle_work_order(wo_id, by_wo.get(wo_id, []))

    def _write_status(self, table: Table, entity: Any, status: Any) -> None:
        """A versioned single-row update of the status (the row is locked by this call; the
        write goes to the server with the commit: nothing in the call reads it back)."""
        actor = self.uow.actor

        def check(rowcount: int) -> None:
            if rowcount != 1:
                raise stale_entity(table.name.rstrip("s"), entity)

        self.uow.defer_write(
            built(("status", table.name), lambda: _status_update(table)),
            {
                "key": entity.id,
                "expected": entity.version,
                "new_status": status.value,
                "new_at": self.now,
                "new_version": entity.version + 1,
                "new_by": actor.user,
                "new_seat": actor.seat,
            },
            check,
        )
        entity.status = status
        entity.status_updated_at = self.now
        entity.version += 1

    def _settle_work_order(self, wo_id: str, holding: list[AllocationStatus]) -> None:
        r = self.uow.repos
        wo = self._work_orders.get(wo_id)
        if wo is None:
            wo = r.work_orders.require(wo_id)
            self.known(wo)
        target = work_order_status_after(wo.status, holding, wo.quantity_produced)
        if self.complete_work_order and not holding and not wo.status.is_closed:
            target = WorkOrderStatus.COMPLETED
        if target is wo.status:
            return
        try:
            wo.move_to(target)
        except RuleViolation:
            log.warning("work order %s stays %s (cannot become %s)", wo.id, wo.status, target)
            return
        if target is WorkOrderStatus.QUEUED:
            self.requeued.add(wo.id)
        if target is WorkOrderStatus.COMPLETED:
            wo.actual_end = self.now
        elif target in (WorkOrderStatus.ASSIGNED, WorkOrderStatus.IN_PROGRESS):
            wo.actual_start = wo.actual_start or self.now
        actor = self.uow.actor
        wo.updated_by, wo.updated_seat, wo.updated_at = actor.user, actor.seat, self.now
        # only the columns a settle changes (the row is locked by this call; versioned all the
        # same): binding all of a work order's columns again cost more than the statement.
        # Written with the commit: nothing in the call reads it back.
        key = wo.id

        def check(rowcount: int) -> None:
            if rowcount != 1:
                raise r.work_orders.stale(key)

        self.uow.defer_write(
            built("settle_work_order", _settle_work_order_update),
            {
                "key": wo.id,
                "expected": wo.version,
                "new_status": wo.status.value,
                "new_start": wo.actual_start,
                "new_end": wo.actual_end,
                "new_version": wo.version + 1,
                "new_by": wo.updated_by,
                "new_seat": wo.updated_seat,
                "new_at": wo.updated_at,
            },
            check,
        )
        wo.version += 1

    # -- change events ---------------------------------------------------------------------------
    def record(self, kind: str) -> None:
        """One outbox row for the call: the allocations it changed as ``ids``, and in ``data``
        the operators, machines, work orders and materials whose cards changed with them."""
        data: dict[str, Any] = {
            "operators": sorted(self.operators),
            "machines": sorted(self.machines),
            "work_orders": sorted(self.work_orders),
            "materials": sorted(self.materials),
        }
        state = self.state()
        if state is not None:
            data["state"] = state
        ids = tuple(str(i) for i in sorted(self.allocations))
        self.uow.record(Change(Topic.ALLOCATION, kind, ids, data))

    def state(self) -> dict[str, Any] | None:
        """What the call leaves behind, for seats to apply without reading it again
        (services/allocation/board_events.py): every changed allocation as a board card with
        the version it had before (None: new), and every touched operator, machine and work
        order as [version before, version after, status(, status since)], the available
        stock of every material it reserved (what queued orders' cards show), and the material
        lines of the orders it put back in the queue (without the stock). None when the call
        touched a row it did not read (the seats then read the cards, as before)."""
        allocations = []
        for aid in sorted(self.allocations):
            got = self._changed.get(aid)
            if got is None:
                return None
            before, a = got
            allocations.append([aid, before, allocation_state(a)])
        ops, machines, wos = [], [], []
        for op_id in sorted(self.operators):
            op = self._operators.get(op_id)
            v = self._before.get(("operator", op_id))
            if op is None or v is None:
                return None
            since = op.status_updated_at.isoformat() if op.status_updated_at else None
            ops.append([op_id, v, op.version, op.status.value, since])
        for m_id in sorted(self.machines):
            m = self._machines.get(m_id)
            v = self._before.get(("machine", m_id))
            if m is None or v is None:
                return None
            machines.append([m_id, v, m.version, m.status.value])
        for wo_id in sorted(self.work_orders):
            wo = self._work_orders.get(wo_id)
            v = self._before.get(("work_order", wo_id))
            if wo is None or v is None:
                return None
            wos.append([wo_id, v, wo.version, wo.status.value])
        # an order back in the queue shows what it still has to reserve: its lines as the
        # board reads them (the order is locked, so are its lines); the stock each line shows
        # is the seat's own latest (an unlocked read here could be older than another call's)
        lines: dict[str, list[list[Any]]] = {}
        if self.requeued:
            needs = F.load_material_needs(self.uow.conn, sorted(self.requeued))
            lines = {
                wo_id: [
                    [n.material_id, n.name, n.part_number, n.unit, n.to_reserve, n.critical]
                    for n in needs.get(wo_id, ())
                ]
                for wo_id in sorted(self.requeued)
            }
        return {
            "allocations": allocations,
            "operators": ops,
            "machines": machines,
            "work_orders": wos,
            "materials": [[m, self.stock[m]] for m in sorted(self.materials)],
            "lines": lines,
        }


@dataclass(frozen=True)
class Holdings:
    """The allocations holding some operators, machines and work orders, as read (a pending
    statement of a pipeline) for :meth:`StatusKeeper.settle`."""

    pending: Pending
    operators: frozenset[str]
    machines: frozenset[str]
    work_orders: frozenset[str]

    def covers(self, operators: set[str], machines: set[str], work_orders: set[str]) -> bool:
        return (
            operators <= self.operators
            and machines <= self.machines
            and work_orders <= self.work_orders
        )


def read_holdings(
    p: Pipeline,
    operators: Iterable[str | None],
    machines: Iterable[str | None],
    work_orders: Iterable[str | None],
) -> Holdings | None:
    """Add the read of :func:`holdings_query` to ``p`` (after the call's locks)."""
    ops = frozenset(o for o in operators if o)
    ms = frozenset(m for m in machines if m)
    wos = frozenset(w for w in work_orders if w)
    query = holdings_query(ops, ms, wos)
    return None if query is None else Holdings(p.add(*query), ops, ms, wos)


def holdings_query(
    operators: Collection[str], machines: Collection[str], work_orders: Collection[str]
) -> F.Query | None:
    """The holding allocations (active, paused) of these operators, machines and work orders:
    id, operator, machine, work order, status, expected start and end."""
    shape = (bool(operators), bool(machines), bool(work_orders))
    if not any(shape):
        return None
    params: dict[str, Any] = {}
    if operators:
        params["operators"] = sorted(operators)
    if machines:
        params["machines"] = sorted(machines)
    if work_orders:
        params["work_orders"] = sorted(work_orders)
    return built(("settle", shape), lambda: _settle_select(shape)), params


def _settle_select(shape: tuple[bool, bool, bool]) -> Any:
    """The holding allocations of the touched operators, machines and work orders."""
    a = work.allocations
    conds = []
    for present, column, name in zip(
        shape,
        (a.c.operator_id, a.c.machine_id, a.c.work_order_id),
        ("operators", "machines", "work_orders"),
        strict=True,
    ):
        if present:
            conds.append(column.in_(bindparam(name, expanding=True)))
    return select(
        a.c.id,
        a.c.operator_id,
        a.c.machine_id,
        a.c.work_order_id,
        a.c.status,
        a.c.expected_start,
        a.c.expected_end,
    ).where(a.c.status.in_(F.HOLDS), or_(*conds))


def _status_update(table: Table) -> Any:
    """A versioned update of an operator's or a machine's status."""
    return (
        update(table)
        .where(table.c.id == bindparam("key"), table.c.version == bindparam("expected"))
        .values(
            status=bindparam("new_status"),
            status_updated_at=bindparam("new_at"),
            version=bindparam("new_version"),
            updated_by=bindparam("new_by"),
            updated_seat=bindparam("new_seat"),
            updated_at=bindparam("new_at"),
        )
    )


def _settle_work_order_update() -> Any:
    """A versioned update of the columns a settle changes on a work order."""
    t = work.work_orders
    return (
        update(t)
        .where(t.c.id == bindparam("key"), t.c.version == bindparam("expected"))
        .values(
            status=bindparam("new_status"),
            actual_start=bindparam("new_start"),
            actual_end=bindparam("new_end"),
            version=bindparam("new_version"),
            updated_by=bindparam("new_by"),
            updated_seat=bindparam("new_seat"),
            updated_at=bindparam("new_at"),
        )
    )


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def allocation_state(a: Allocation) -> dict[str, Any]:
    """An allocation as its board card has it (services/allocation/cards.py AllocationCard)."""
    return {
        "work_order_id": a.work_order_id,
        "status": a.status.value,
        "version": a.version,
        "start": _iso(a.expected_start),
        "end": _iso(a.expected_end),
        "operator_id": a.operator_id,
        "machine_id": a.machine_id,
        "method": a.method.value,
        "score": a.suggestion_score,
        "allocated_by": a.allocated_by,
        "updated_by": a.updated_by,
        "updated_seat": a.updated_seat,
        "updated_at": _iso(a.updated_at),
    }
