"""The repositories of every aggregate, built on one connection (one unit of work)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import time
from typing import Any

from sqlalchemy import and_, delete, insert, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from domain.auth import User
from domain.errors import SlotConflict
from domain.model.alerts import Alert, Anomaly
from domain.model.allocation import Allocation, AllocationStatus
from domain.model.people import Operator, OperatorSkill, Shift, ShiftAssignment, ShiftBreak
from domain.model.planning import ScheduleEntry, SchedulingScenario
from domain.model.plant import Line, Machine, Plant, WorkCentre
from domain.model.products import Material, MaterialReservation, Product
from domain.model.vision import BreakWindow, Camera, DaySchedule, Zone, ZoneTemplate
from domain.model.work import Operation, WorkOrder, WorkOrderDependency, WorkOrderMaterial
from services.persistence.mapping import EntityMapper
from services.persistence.repository import SqlRepository
from services.persistence.tables import people, plant, system, vision, work

# -- mappers (built once) -----------------------------------------------------------------


def _breaks_dump(v: tuple[ShiftBreak, ...]) -> list[dict[str, Any]]:
    return [{"start": b.start.strftime("%H:%M"), "minutes": b.minutes} for b in v]


def _breaks_load(v: list[dict[str, Any]]) -> tuple[ShiftBreak, ...]:
    return tuple(ShiftBreak(time.fromisoformat(b["start"]), int(b["minutes"])) for b in v or [])


def _day_breaks_dump(v: tuple[BreakWindow, ...]) -> list[dict[str, Any]]:
    return [{"start": b.start.strftime("%H:%M"), "minutes": b.minutes} for b in v]


def _day_breaks_load(v: list[dict[str, Any]]) -> tuple[BreakWindow, ...]:
    return tuple(BreakWindow(time.fromisoformat(b["start"]), int(b["minutes"])) for b in v or [])


PLANT = EntityMapper(Plant, plant.plants)
LINE = EntityMapper(Line, plant.lines)
WORK_CENTRE = EntityMapper(WorkCentre, plant.work_centres)
MACHINE = EntityMapper(Machine, plant.machines)
OPERATOR = EntityMapper(Operator, people.operators, exclude=("skills",))
SKILL = EntityMapper(OperatorSkill, people.operator_skills)
SHIFT = EntityMapper(
    Shift, people.shifts, dump={"breaks": _breaks_dump}, load={"breaks": _breaks_load}
)
SHIFT_ASSIGNMENT = EntityMapper(ShiftAssignment, people.shift_assignments)
PRODUCT = EntityMapper(Product, work.products)
MATERIAL = EntityMapper(Material, work.materials)
RESERVATION = EntityMapper(MaterialReservation, work.material_reservations)
WORK_ORDER = EntityMapper(WorkOrder, work.work_orders)
WO_MATERIAL = EntityMapper(WorkOrderMaterial, work.work_order_materials)
DEPENDENCY = EntityMapper(WorkOrderDependency, work.work_order_dependencies)
OPERATION = EntityMapper(Operation, work.operations)
ALLOCATION = EntityMapper(Allocation, work.allocations)
CAMERA = EntityMapper(Camera, vision.cameras)
ZONE = EntityMapper(Zone, vision.zones)
ZONE_TEMPLATE = EntityMapper(ZoneTemplate, vision.zone_templates)
DAY_SCHEDULE = EntityMapper(
    DaySchedule,
    vision.day_schedules,
    exclude=("tz",),
    dump={"breaks": _day_breaks_dump},
    load={"breaks": _day_breaks_load},
)
ALERT = EntityMapper(Alert, system.alerts)
ANOMALY = EntityMapper(Anomaly, system.anomalies)
USER = EntityMapper(User, system.users)
SCENARIO = EntityMapper(SchedulingScenario, system.scheduling_scenarios)
SCHEDULE_ENTRY = EntityMapper(ScheduleEntry, system.schedule_entries)


# -- repositories with more than one table or extra rules ----------------------------------


class OperatorRepository(SqlRepository[Operator]):
    entity_name = "operator"

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn, OPERATOR)

    def _skills(self, operator_ids: Iterable[str]) -> dict[str, list[OperatorSkill]]:
        ids = list(operator_ids)
        out: dict[str, list[OperatorSkill]] = {i: [] for i in ids}
        if not ids:
            return out
        t = people.operator_skills
        rows = self.conn.execute(
            select(t).where(t.c.operator_id.in_(ids)).order_by(t.c.operator_id, t.c.skill_code)
        ).mappings()
        for r in rows:
            out[r["operator_id"]].append(SKILL.from_row(r))
        return out

    def load(self, row: Mapping[Any, Any]) -> Operator:
        skills = self._skills([row["id"]])[row["id"]]
        return OPERATOR.from_row(row, skills=skills)

    def list(
        self, *where: Any, order_by: Iterable[Any] = (), limit: int | None = None
    ) -> list[Operator]:
        stmt = select(self.table)
        for w in where:
            stmt = stmt.where(w)
        stmt = stmt.order_by(*(list(order_by) or [self.table.c.id]))
        if limit is not None:
            stmt = stmt.limit(limit)
        rows = list(self.conn.execute(stmt).mappings())
        skills = self._skills(r["id"] for r in rows)
        return [OPERATOR.from_row(r, skills=skills[r["id"]]) for r in rows]

    def _write_skills(self, op: Operator) -> None:
        t = people.operator_skills
        self.conn.execute(delete(t).where(t.c.operator_id == op.id))
        if op.skills:
            rows = []
            for s in op.skills:
                row = SKILL.to_row(s)
                row["operator_id"] = op.id
                rows.append(row)
            self.conn.execute(insert(t), rows)

    def add(self, entity: Operator) -> Operator:
        super().add(entity)
        self._write_skills(entity)
        return entity

    def add_many(self, entities: Iterable[Operator]) -> int:
        ops = list(entities)
        n = super().add_many(ops)
        rows = []
        for op in ops:
            for s in op.skills:
                row = SKILL.to_row(s)
                row["operator_id"] = op.id
                rows.append(row)
        if rows:
            self.conn.execute(insert(people.operator_skills), rows)
        return n

    def update(self, entity: Operator, *, expected_version: int | None = None) -> Operator:
        super().update(entity, expected_version=expected_version)
        self._write_skills(entity)
        return entity


class AllocationRepository(SqlRepository[Allocation]):
    """Allocations; on SQLite the no-overlap rule is checked here, inside BEGIN IMMEDIATE.

    PostgreSQL enforces the same rule with exclusion constraints (SQLSTATE 23P01 -> SlotConflict).
    """

    entity_name = "allocation"

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn, ALLOCATION)

    def overlapping(self, allocation: Allocation) -> list[Allocation]:
        t = self.table
        holds = [s.value for s in AllocationStatus if s.holds_resources]
        start = allocation.expected_start
        end = allocation.expected_end
        resource = []
        if allocation.operator_id:
            resource.append(t.c.operator_id == allocation.operator_id)
        if allocation.machine_id:
            resource.append(t.c.machine_id == allocation.machine_id)
        conds = [or_(*resource), t.c.status.in_(holds)]
        if allocation.id is not None:
            conds.append(t.c.id != allocation.id)
        if end is not None:
            conds.append(t.c.expected_start < end)
        if start is not None:
            conds.append(or_(t.c.expected_end.is_(None), t.c.expected_end > start))
        return self.list(and_(*conds))

    def _guard(self, allocation: Allocation) -> None:
        if self.is_postgres or not allocation.status.holds_resources:
            return
        clash = self.overlapping(allocation)
        if clash:
            other = clash[0]
            who = (
                f"operator {allocation.operator_id}"
                if allocation.operator_id and allocation.operator_id == other.operator_id
                else f"machine {allocation.machine_id}"
            )
            raise SlotConflict(
                f"{who} already holds allocation {other.id} on work order {other.work_order_id}",
                allocation_id=other.id,
            )

    def add(self, entity: Allocation) -> Allocation:
        if entity.expected_start is None:
            entity.expected_start = entity.allocated_at
        self._guard(entity)
        return super().add(entity)

    def update(self, entity: Allocation, *, expected_version: int | None = None) -> Allocation:
        self._guard(entity)
        return super().update(entity, expected_version=expected_version)

    def active_for(
        self,
        *,
        operator_id: str | None = None,
        machine_id: str | None = None,
        work_order_id: str | None = None,
    ) -> list[Allocation]:
        t = self.table
        holds = [s.value for s in AllocationStatus if s.holds_resources]
        conds: list[ColumnElement[bool]] = [t.c.status.in_(holds)]
        if operator_id:
            conds.append(t.c.operator_id == operator_id)
        if machine_id:
            conds.append(t.c.machine_id == machine_id)
        if work_order_id:
            conds.append(t.c.work_order_id == work_order_id)
        return self.list(*conds)


class Repositories:
    """Every repository of one unit of work, sharing its connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.plants = _repo(conn, PLANT, "plant")
        self.lines = _repo(conn, LINE, "line")
        self.work_centres = _repo(conn, WORK_CENTRE, "work centre")
        self.machines = _repo(conn, MACHINE, "machine")
        self.operators = OperatorRepository(conn)
        self.shifts = _repo(conn, SHIFT, "shift")
        self.shift_assignments = _repo(conn, SHIFT_ASSIGNMENT, "shift assignment")
        self.products = _repo(conn, PRODUCT, "product")
        self.materials = _repo(conn, MATERIAL, "material")
        self.reservations = _repo(conn, RESERVATION, "material reservation")
        self.work_orders = _repo(conn, WORK_ORDER, "work order")
        self.work_order_materials = _repo(
            conn, WO_MATERIAL, "work order material", key=("work_order_id", "material_id")
        )
        self.dependencies = _repo(
            conn, DEPENDENCY, "work order dependency", key=("work_order_id", "predecessor_id")
        )
        self.operations = _repo(conn, OPERATION, "operation")
        self.allocations = AllocationRepository(conn)
        self.cameras = _repo(conn, CAMERA, "camera")
        self.zones = _repo(conn, ZONE, "zone")
        self.zone_templates = _repo(conn, ZONE_TEMPLATE, "zone template")
        self.day_schedules = _repo(conn, DAY_SCHEDULE, "day schedule")
        self.alerts = _repo(conn, ALERT, "alert")
        self.anomalies = _repo(conn, ANOMALY, "anomaly")
        self.users = _repo(conn, USER, "user", key=("username",))
        self.scenarios = _repo(conn, SCENARIO, "scheduling scenario")
        self.schedule_entries = _repo(conn, SCHEDULE_ENTRY, "schedule entry")


def _repo(
    conn: Connection, mapper: EntityMapper[Any], name: str, *, key: tuple[str, ...] = ("id",)
) -> SqlRepository[Any]:
    repo: SqlRepository[Any] = SqlRepository(conn, mapper, key=key)
    repo.entity_name = name
    return repo
