"""What each kind of import reads: its columns, their types, what must be given, what they name.

Kinds: operators, skills, machines, work_orders, materials, demand, contracts, shift_requests.
Every row becomes a domain object (so the domain's own rules check it too) and is written
through the repositories (contracts and requests through services.rostering.contracts).
References name existing rows by code: a line or work centre by its id, a product by its id,
an operator by employee id (or operator id).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, insert, select, tuple_
from sqlalchemy.engine import Connection

from domain.events import Topic
from domain.model.analytics import DemandPoint
from domain.model.people import Operator, OperatorSkill, OperatorStatus
from domain.model.plant import Machine, MachineStatus
from domain.model.products import Material
from domain.model.work import Priority, QualityStatus, WorkOrder, WorkOrderStatus
from services.imports.fields import (
    BadValue,
    Field,
    boolean,
    choice,
    codes,
    day,
    integer,
    moment,
    number,
    positive,
    text,
)
from services.persistence.mapping import EntityMapper
from services.persistence.tables import people, plant, system, work
from services.persistence.uow import UnitOfWork
from services.rostering.contract_rules import (
    WEEKDAYS,
    OperatorContractDto,
    RequestKind,
    ShiftRequestDto,
    contract_problems,
    request_problems,
    validate_contract,
    validate_request,
)
from services.rostering.contracts import (
    insert_requests,
    read_contracts,
    shift_ids,
    write_contract,
)

Values = dict[str, Any]
Key = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class ImportSpec:
    kind: str
    label: str  # plural, for messages: "operators"
    fields: tuple[Field, ...]
    table: Table
    topic: Topic
    build: Callable[[Values], Any]  # values (references resolved) -> domain object
    write: Callable[[UnitOfWork, list[Any]], list[str]]  # -> the ids other seats re-read
    # a composite identity (skills: operator + skill; demand: product + day), checked for
    # duplicates in the file and in the database; single unique columns use Field.unique
    key: Callable[[Any], Key] | None = None
    key_columns: tuple[str, ...] = ()
    existing: Callable[[Connection, list[Key]], set[Key]] | None = None
    # checks of built rows against the database beyond references (shift ids named inside a
    # value): (row number, item) -> (row number, column, problem)
    check: Callable[[Connection, list[tuple[int, Any]]], list[tuple[int, str, str]]] | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)


# -- operators ------------------------------------------------------------------------------------


def _operator(v: Values) -> Operator:
    return Operator(
        id=v.get("id") or f"OP-{v['employee_id']}",
        employee_id=v["employee_id"],
        first_name=v["first_name"],
        last_name=v["last_name"],
        email=v.get("email"),
        phone=v.get("phone"),
        department=v.get("department"),
        home_zone=v.get("home_zone"),
        line_id=v.get("line_id"),
        hire_date=v.get("hire_date"),
        status=v.get("status") or OperatorStatus.AVAILABLE,
        efficiency_rating=v.get("efficiency_rating"),
        on_time_rate=v.get("on_time_rate"),
    )


def _add_operators(uow: UnitOfWork, items: list[Any]) -> list[str]:
    uow.repos.operators.add_many(items)
    return [o.id for o in items]


OPERATORS = ImportSpec(
    "operators",
    "operators",
    (
        Field("id", text(32), unique=True),
        Field("employee_id", text(32), required=True, unique=True),
        Field("first_name", text(50), required=True),
        Field("last_name", text(50), required=True),
        Field("email", text(100)),
        Field("phone", text(20)),
        Field("department", text(50)),
        Field("home_zone", text(100)),
        Field("line_id", text(32), ref="line"),
        Field("hire_date", day),
        Field("status", choice(OperatorStatus)),
        Field("efficiency_rating", number(0, 5)),
        Field("on_time_rate", number(0, 100)),
    ),
    people.operators,
    Topic.OPERATOR,
    _operator,
    _add_operators,
)

# -- skills ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SkillRow:
    operator_id: str
    skill: OperatorSkill


_SKILL = EntityMapper(OperatorSkill, people.operator_skills)


def _skill(v: Values) -> SkillRow:
    skill = OperatorSkill(
        skill_code=v["skill_code"],
        skill_name=v.get("skill_name") or v["skill_code"].replace("_", " ").capitalize(),
        proficiency=v["proficiency"],
        certification_date=v.get("certification_date"),
        certification_expiry=v.get("certification_expiry"),
        certified_by=v.get("certified_by"),
    )
    return SkillRow(v["employee_id"], skill)


def _add_skills(uow: UnitOfWork, items: list[Any]) -> list[str]:
    rows = []
    for item in items:
        row = _SKILL.to_row(item.skill)
        row["operator_id"] = item.operator_id
        row.pop("id", None)
        rows.append(row)
    uow.conn.execute(insert(people.operator_skills), rows)
    return sorted({i.operator_id for i in items})


def _existing_skills(conn: Connection, keys: list[Key]) -> set[Key]:
    t = people.operator_skills
    operators = sorted({k[0] for k in keys})
    found = conn.execute(
        select(t.c.operator_id, t.c.skill_code).where(t.c.operator_id.in_(operators))
    )
    return {(r.operator_id, r.skill_code) for r in found} & set(keys)


SKILLS = ImportSpec(
    "skills",
    "skills",
    (
        Field("employee_id", text(32), required=True, ref="operator"),
        Field("skill_code", text(50), required=True),
        Field("skill_name", text(100)),
        Field("proficiency", integer(1, 4), required=True),
        Field("certification_date", day),
        Field("certification_expiry", day),
        Field("certified_by", text(100)),
    ),
    people.operator_skills,
    Topic.OPERATOR,
    _skill,
    _add_skills,
    key=lambda s: (s.operator_id, s.skill.skill_code),
    key_columns=("employee_id", "skill_code"),
    existing=_existing_skills,
)

# -- machines -------------------------------------------------------------------------------------


def _machine(v: Values) -> Machine:
    return Machine(
        id=v["id"],
        name=v["name"],
        machine_type=v["machine_type"],
        line_id=v["line_id"],
        work_centre_id=v.get("work_centre_id"),
        zone=v.get("zone"),
        manufacturer=v.get("manufacturer"),
        serial_number=v.get("serial_number"),
        status=v.get("status") or MachineStatus.IDLE,
        max_capacity_per_hour=v.get("max_capacity_per_hour"),
        required_skills=v.get("required_skills") or (),
        last_maintenance_date=v.get("last_maintenance_date"),
        next_maintenance_date=v.get("next_maintenance_date"),
    )


def _add_machines(uow: UnitOfWork, items: list[Any]) -> list[str]:
    uow.repos.machines.add_many(items)
    return [m.id for m in items]


MACHINES = ImportSpec(
    "machines",
    "machines",
    (
        Field("id", text(32), required=True, unique=True),
        Field("name", text(100), required=True),
        Field("machine_type", text(50), required=True),
        Field("line_id", text(32), required=True, ref="line"),
        Field("work_centre_id", text(32), ref="work_centre"),
        Field("zone", text(50)),
        Field("manufacturer", text(100)),
        Field("serial_number", text(50), unique=True),
        Field("status", choice(MachineStatus)),
        Field("max_capacity_per_hour", integer(0)),
        Field("required_skills", codes),
        Field("last_maintenance_date", day),
        Field("next_maintenance_date", day),
    ),
    plant.machines,
    Topic.MACHINE,
    _machine,
    _add_machines,
)

# -- work orders ----------------------------------------------------------------------------------


def _work_order(v: Values) -> WorkOrder:
    return WorkOrder(
        id=v.get("id") or v["number"],
        number=v["number"],
        product_id=v["product_id"],
        product_name=v.get("product_name") or v["_product_name"],
        quantity_ordered=v["quantity_ordered"],
        due_date=v["due_date"],
        quantity_produced=v.get("quantity_produced") or 0.0,
        unit_of_measure=v.get("unit_of_measure") or "EA",
        priority=v.get("priority") or Priority.MEDIUM,
        status=v.get("status") or WorkOrderStatus.QUEUED,
        line_id=v.get("line_id"),
        release_date=v.get("release_date"),
        planned_start=v.get("planned_start"),
        planned_end=v.get("planned_end"),
        estimated_minutes=v.get("estimated_minutes"),
        customer_order_id=v.get("customer_order_id"),
        quality_status=v.get("quality_status"),
    )


def _add_work_orders(uow: UnitOfWork, items: list[Any]) -> list[str]:
    uow.repos.work_orders.add_many(items)
    return [w.id for w in items]


WORK_ORDERS = ImportSpec(
    "work_orders",
    "work orders",
    (
        Field("id", text(32), unique=True),
        Field("number", text(50), required=True, unique=True),
        Field("product_id", text(32), required=True, ref="product"),
        Field("product_name", text(200)),
        Field("quantity_ordered", positive, required=True),
        Field("quantity_produced", number(0)),
        Field("unit_of_measure", text(20)),
        Field("due_date", moment, required=True),
        Field("priority", choice(Priority)),
        Field("status", choice(WorkOrderStatus)),
        Field("line_id", text(32), ref="line"),
        Field("release_date", moment),
        Field("planned_start", moment),
        Field("planned_end", moment),
        Field("estimated_minutes", integer(0)),
        Field("customer_order_id", text(50)),
        Field("quality_status", choice(QualityStatus)),
    ),
    work.work_orders,
    Topic.WORK_ORDER,
    _work_order,
    _add_work_orders,
)

# -- materials ------------------------------------------------------------------------------------


def _material(v: Values) -> Material:
    optional = {
        k: v[k]
        for k in ("requires_fefo", "is_hazardous", "unit_of_measure", "on_hand", "allocated")
        if v.get(k) is not None
    }
    return Material(
        id=v["id"],
        part_number=v["part_number"],
        name=v["name"],
        category=v.get("category"),
        safety_stock=v.get("safety_stock"),
        reorder_point=v.get("reorder_point"),
        standard_cost=v.get("standard_cost"),
        **optional,
    )


def _add_materials(uow: UnitOfWork, items: list[Any]) -> list[str]:
    uow.repos.materials.add_many(items)
    return [m.id for m in items]


MATERIALS = ImportSpec(
    "materials",
    "materials",
    (
        Field("id", text(32), required=True, unique=True),
        Field("part_number", text(50), required=True, unique=True),
        Field("name", text(200), required=True),
        Field("unit_of_measure", text(20)),
        Field("category", text(50)),
        Field("on_hand", number(0)),
        Field("allocated", number(0)),
        Field("safety_stock", number(0)),
        Field("reorder_point", number(0)),
        Field("standard_cost", number(0)),
        Field("requires_fefo", boolean),
        Field("is_hazardous", boolean),
    ),
    work.materials,
    Topic.MATERIAL,
    _material,
    _add_materials,
)

# -- demand history -------------------------------------------------------------------------------

_DEMAND = EntityMapper(DemandPoint, system.demand_history)


def _demand(v: Values) -> DemandPoint:
    return DemandPoint(v["product_id"], v["day"], v["quantity"])


def _add_demand(uow: UnitOfWork, items: list[Any]) -> list[str]:
    uow.conn.execute(insert(system.demand_history), [_DEMAND.to_row(d) for d in items])
    return sorted({d.product_id for d in items})


def _existing_demand(conn: Connection, keys: list[Key]) -> set[Key]:
    t = system.demand_history
    found: set[Key] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        rows = conn.execute(
            select(t.c.product_id, t.c.day).where(tuple_(t.c.product_id, t.c.day).in_(chunk))
        )
        found |= {(r.product_id, r.day) for r in rows}
    return found


DEMAND = ImportSpec(
    "demand",
    "demand history days",
    (
        Field("product_id", text(32), required=True, ref="product"),
        Field("day", day, required=True),
        Field("quantity", number(0), required=True),
    ),
    system.demand_history,
    Topic.ANALYTICS,
    _demand,
    _add_demand,
    key=lambda d: (d.product_id, d.day),
    key_columns=("product_id", "day"),
    existing=_existing_demand,
)

# -- rostering contracts and shift requests ------------------------------------------------------


def shift_limits(v: str) -> dict[str, int]:
    """Most shifts of a type per week: ``N:3;L:5`` (shift id, colon, whole number)."""
    out: dict[str, int] = {}
    for part in codes(v):
        shift, sep, n = part.partition(":")
        shift = shift.strip()
        if not sep or not shift:
            raise BadValue(f"{part!r} is not shift:count (e.g. N:3;L:5)")
        if shift in out:
            raise BadValue(f"shift {shift} is given twice")
        out[shift] = integer(0, 7)(n.strip())
    return out


_WEEKDAY_NAMES = {name.lower()[:3]: i for i, name in enumerate(WEEKDAYS)}


def weekdays(v: str) -> frozenset[int]:
    """Weekdays by name (``Sat;Sun``, ``saturday``) or number (0 = Monday to 6)."""
    out: set[int] = set()
    for part in codes(v):
        low = part.strip().lower()
        if low.isdigit() and 0 <= int(low) <= 6:
            out.add(int(low))
        elif low[:3] in _WEEKDAY_NAMES and WEEKDAYS[_WEEKDAY_NAMES[low[:3]]].lower().startswith(
            low
        ):
            out.add(_WEEKDAY_NAMES[low[:3]])
        else:
            raise BadValue(f"{part!r} is not a weekday (Mon to Sun, or 0 = Monday to 6)")
    return frozenset(out)


def _contract(v: Values) -> OperatorContractDto:
    contract = OperatorContractDto(
        operator_id=v["employee_id"],
        max_shifts=v.get("max_shifts") or {},
        min_weekly_minutes=v.get("min_weekly_minutes"),
        max_weekly_minutes=v.get("max_weekly_minutes"),
        min_consecutive_shifts=v.get("min_consecutive_shifts"),
        max_consecutive_shifts=v.get("max_consecutive_shifts"),
        min_consecutive_days_off=v.get("min_consecutive_days_off"),
        max_weekends_per_4_weeks=v.get("max_weekends_per_4_weeks"),
        unavailable_weekdays=v.get("unavailable_weekdays") or frozenset(),
        notes=v.get("notes") or "",
    )
    validate_contract(contract)
    return contract


def _check_contracts(conn: Connection, built: list[tuple[int, Any]]) -> list[tuple[int, str, str]]:
    known = shift_ids(conn)
    return [(n, f, text) for n, c in built for f, text in contract_problems(c, known)]


def _write_contracts(uow: UnitOfWork, items: list[Any]) -> list[str]:
    """Each operator's contract is replaced by the file's (a new version of it)."""
    stored = read_contracts(uow.conn, [c.operator_id for c in items])
    for c in items:
        old = stored.get(c.operator_id)
        write_contract(uow, c, old.version if old else 0)
    return sorted({c.operator_id for c in items})


CONTRACTS = ImportSpec(
    "contracts",
    "contracts",
    (
        Field("employee_id", text(32), required=True, ref="operator"),
        Field("max_shifts", shift_limits),
        Field("min_weekly_minutes", integer(0)),
        Field("max_weekly_minutes", integer(0)),
        Field("min_consecutive_shifts", integer(1)),
        Field("max_consecutive_shifts", integer(1)),
        Field("min_consecutive_days_off", integer(1)),
        Field("max_weekends_per_4_weeks", integer(0, 4)),
        Field("unavailable_weekdays", weekdays),
        Field("notes", text(2000)),
    ),
    people.operator_contracts,
    Topic.ROSTER,
    _contract,
    _write_contracts,
    key=lambda c: (c.operator_id,),
    key_columns=("employee_id",),
    check=_check_contracts,
)


def _request(v: Values) -> ShiftRequestDto:
    request = ShiftRequestDto(
        operator_id=v["employee_id"],
        day=v["day"],
        kind=v["kind"],
        shift_id=v.get("shift_id") or "",
        weight=v.get("weight", 1),
        note=v.get("note") or "",
    )
    validate_request(request)
    return request


def _check_requests(conn: Connection, built: list[tuple[int, Any]]) -> list[tuple[int, str, str]]:
    known = shift_ids(conn)
    return [(n, f, text) for n, r in built for f, text in request_problems(r, known)]


def _add_requests(uow: UnitOfWork, items: list[Any]) -> list[str]:
    insert_requests(uow, items)
    return sorted({r.operator_id for r in items})


def _existing_requests(conn: Connection, keys: list[Key]) -> set[Key]:
    t = people.shift_requests
    operators = sorted({k[0] for k in keys})
    found = conn.execute(
        select(t.c.operator_id, t.c.day, t.c.kind, t.c.shift_id).where(
            t.c.operator_id.in_(operators)
        )
    )
    return {(r.operator_id, r.day, RequestKind(r.kind), r.shift_id) for r in found} & set(keys)


SHIFT_REQUESTS = ImportSpec(
    "shift_requests",
    "shift requests",
    (
        Field("employee_id", text(32), required=True, ref="operator"),
        Field("day", day, required=True),
        Field("kind", choice(RequestKind), required=True),
        Field("shift_id", text(16)),
        Field("weight", integer(0, 1000)),
        Field("note", text(2000)),
    ),
    people.shift_requests,
    Topic.ROSTER,
    _request,
    _add_requests,
    key=lambda r: (r.operator_id, r.day, r.kind, r.shift_id),
    key_columns=("employee_id", "day", "kind", "shift_id"),
    existing=_existing_requests,
    check=_check_requests,
)

SPECS: dict[str, ImportSpec] = {
    s.kind: s
    for s in (
        OPERATORS,
        SKILLS,
        MACHINES,
        WORK_ORDERS,
        MATERIALS,
        DEMAND,
        CONTRACTS,
        SHIFT_REQUESTS,
    )
}
ALIASES = {
    "work-orders": "work_orders",
    "workorders": "work_orders",
    "demand_history": "demand",
    "shift-requests": "shift_requests",
    "requests": "shift_requests",
}


def spec_for(kind: str) -> ImportSpec | None:
    name = kind.strip().lower()
    return SPECS.get(ALIASES.get(name, name))


def kinds() -> Sequence[str]:
    return tuple(SPECS)
