"""Keeping the statuses of operators, machines and work orders in step with the allocations that
hold them, reserving critical material, and recording the change events, inside one unit of work.

The caller has locked every row it hands over (see the lock order in service.py).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.sql.schema import Table

from domain.errors import RuleViolation
from domain.events import Change, Topic
from domain.model.allocation import AllocationStatus
from domain.model.people import OperatorStatus
from domain.model.plant import MachineStatus
from domain.model.products import MaterialReservation
from domain.model.work import WorkOrder, WorkOrderStatus
from domain.rules.allocation import (
    machine_status_after,
    operator_status_after,
    work_order_status_after,
)
from services.allocation import facts as F
from services.persistence.tables import people, plant
from services.persistence.uow import UnitOfWork

log = logging.getLogger(__name__)


class StatusKeeper:
    def __init__(self, uow: UnitOfWork, now: datetime) -> None:
        self.uow = uow
        self.now = now
        self.operators: set[str] = set()
        self.machines: set[str] = set()
        self.work_orders: set[str] = set()
        self.materials: set[str] = set()
        self.allocations: set[int] = set()
        self.complete_work_order = False

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

    # -- material ------------------------------------------------------------------------------
    def reserve_critical(self, wo: WorkOrder) -> None:
        """Reserve what the work order still needs of its critical materials (the rules have
        checked that the stock covers it)."""
        r = self.uow.repos
        needs = F.load_material_needs(self.uow.conn, [wo.id]).get(wo.id, ())
        for need in sorted((n for n in needs if n.critical), key=lambda n: n.material_id):
            material = r.materials.require(need.material_id)
            material.reserve(need.to_reserve)
            r.materials.update(material)
            r.reservations.add(
                MaterialReservation(
                    material_id=need.material_id,
                    work_order_id=wo.id,
                    quantity=need.to_reserve,
                    reserved_by=self.uow.actor.user,
                    reserved_at=self.now,
                )
            )
            line = r.work_order_materials.require((wo.id, need.material_id))
            r.work_order_materials.update(
                dataclasses.replace(
                    line, quantity_allocated=line.quantity_allocated + need.to_reserve
                )
            )
            self.materials.add(need.material_id)

    # -- statuses ------------------------------------------------------------------------------
    def settle(self) -> None:
        """Bring every touched operator, machine and work order in line with its allocations."""
        conn = self.uow.conn
        for op_id in sorted(self.operators):
            held = F.resource_holdings(conn, operator_id=op_id, at=self.now)
            active = any(s is AllocationStatus.ACTIVE for s in held)
            self._set_status(people.operators, op_id, OperatorStatus, operator_status_after, active)
        for m_id in sorted(self.machines):
            held = F.resource_holdings(conn, machine_id=m_id, at=self.now)
            running = any(s is AllocationStatus.ACTIVE for s in held)
            self._set_status(plant.machines, m_id, MachineStatus, machine_status_after, running)
        for wo_id in sorted(self.work_orders):
            self._settle_work_order(wo_id)

    def _set_status(self, table: Table, key: str, enum: type, rule: object, flag: bool) -> None:
        conn = self.uow.conn
        row = conn.execute(select(table.c.status, table.c.version).where(table.c.id == key)).first()
        if row is None:
            return
        current = enum(row.status)
        new = rule(current, flag)  # type: ignore[operator]
        if new is current:
            return
        actor = self.uow.actor
        conn.execute(
            update(table)
            .where(table.c.id == key, table.c.version == row.version)
            .values(
                status=new.value,
                status_updated_at=self.now,
                version=row.version + 1,
                updated_by=actor.user,
                updated_seat=actor.seat,
                updated_at=self.now,
            )
        )

    def _settle_work_order(self, wo_id: str) -> None:
        r = self.uow.repos
        wo = r.work_orders.require(wo_id)
        holding = F.holding_statuses(self.uow.conn, wo_id)
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
        if target is WorkOrderStatus.COMPLETED:
            wo.actual_end = self.now
        elif target in (WorkOrderStatus.ASSIGNED, WorkOrderStatus.IN_PROGRESS):
            wo.actual_start = wo.actual_start or self.now
        actor = self.uow.actor
        wo.updated_by, wo.updated_seat, wo.updated_at = actor.user, actor.seat, self.now
        r.work_orders.update(wo)

    # -- change events ---------------------------------------------------------------------------
    def record(self, kind: str) -> None:
        """The outbox rows of this call: the allocations (with the ids of everything they touch in
        ``data``), and the operators, machines, work orders and materials whose cards changed."""
        data = {
            "operators": sorted(self.operators),
            "machines": sorted(self.machines),
            "work_orders": sorted(self.work_orders),
        }
        uow = self.uow
        uow.record(
            Change(Topic.ALLOCATION, kind, tuple(str(i) for i in sorted(self.allocations)), data)
        )
        if self.operators:
            uow.record(Change(Topic.OPERATOR, "allocation_changed", tuple(sorted(self.operators))))
        if self.machines:
            uow.record(Change(Topic.MACHINE, "allocation_changed", tuple(sorted(self.machines))))
        if self.work_orders:
            uow.record(
                Change(Topic.WORK_ORDER, "allocation_changed", tuple(sorted(self.work_orders)))
            )
        if self.materials:
            uow.record(Change(Topic.MATERIAL, "reserved", tuple(sorted(self.materials))))
