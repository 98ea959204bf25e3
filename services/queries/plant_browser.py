"""Rows for the plant browser's tables: operators, machines, work orders, materials."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine

from services.persistence.tables import people, plant, work


@dataclass(frozen=True, slots=True)
class OperatorRow:
    id: str
    name: str
    status: str
    line: str
    home_zone: str
    efficiency: float | None
    skills: str
    certificates_expiring: int
    certificates_expired: int
    version: int


@dataclass(frozen=True, slots=True)
class MachineRow:
    id: str
    name: str
    machine_type: str
    line: str
    status: str
    oee: float | None
    next_maintenance: date | None
    work_centre: str
    version: int


@dataclass(frozen=True, slots=True)
class WorkOrderRow:
    id: str
    number: str
    product: str
    quantity: float
    produced: float
    priority: str
    status: str
    due: datetime
    late: bool
    line: str
    version: int


@dataclass(frozen=True, slots=True)
class MaterialRow:
    id: str
    part_number: str
    name: str
    unit: str
    on_hand: float
    allocated: float
    available: float
    safety_stock: float | None
    below_safety: bool
    version: int


def operator_rows(engine: Engine, today: date, *, soon_days: int = 7) -> list[OperatorRow]:
    o, s = people.operators, people.operator_skills
    with engine.connect().execution_options(read_only=True) as conn:
        ops = conn.execute(select(o).where(o.c.active.is_(True)).order_by(o.c.id)).mappings().all()
        skills = conn.execute(select(s).order_by(s.c.operator_id, s.c.skill_code)).mappings().all()
    by_op: dict[str, list[tuple[str, int, date | None]]] = {}
    for sk in skills:
        by_op.setdefault(str(sk["operator_id"]), []).append(
            (str(sk["skill_code"]), int(sk["proficiency"]), sk["certification_expiry"])
        )
    soon = today + timedelta(days=soon_days)
    out: list[OperatorRow] = []
    for r in ops:
        own = by_op.get(r["id"], [])
        expiring = sum(1 for _, _, exp in own if exp is not None and today <= exp <= soon)
        expired = sum(1 for _, _, exp in own if exp is not None and exp < today)
        out.append(
            OperatorRow(
                id=r["id"],
                name=f"{r['first_name']} {r['last_name']}",
                status=r["status"],
                line=r["line_id"] or "",
                home_zone=r["home_zone"] or "",
                efficiency=r["efficiency_rating"],
                skills=", ".join(f"{code}:{level}" for code, level, _ in own),
                certificates_expiring=expiring,
                certificates_expired=expired,
                version=r["version"],
            )
        )
    return out


def machine_rows(engine: Engine) -> list[MachineRow]:
    m = plant.machines
    with engine.connect().execution_options(read_only=True) as conn:
        rows = conn.execute(select(m).where(m.c.active.is_(True)).order_by(m.c.id)).mappings().all()
    return [
        MachineRow(
            id=r["id"],
            name=r["name"],
            machine_type=r["machine_type"],
            line=r["line_id"],
            status=r["status"],
            oee=r["oee"],
            next_maintenance=r["next_maintenance_date"],
            work_centre=r["work_centre_id"] or "",
            version=r["version"],
        )
        for r in rows
    ]


def work_order_rows(
    engine: Engine, now: datetime, *, include_closed: bool = False
) -> list[WorkOrderRow]:
    w = work.work_orders
    stmt = select(w).order_by(w.c.due_date, w.c.id)
    if not include_closed:
        stmt = stmt.where(w.c.status.notin_(["completed", "cancelled"]))
    with engine.connect().execution_options(read_only=True) as conn:
        rows = conn.execute(stmt).mappings().all()
    return [
        WorkOrderRow(
            id=r["id"],
            number=r["number"],
            product=r["product_name"],
            quantity=r["quantity_ordered"],
            produced=r["quantity_produced"],
            priority=r["priority"],
            status=r["status"],
            due=r["due_date"],
            late=r["status"] not in ("completed", "cancelled") and r["due_date"] < now,
            line=r["line_id"] or "",
            version=r["version"],
        )
        for r in rows
    ]


def material_rows(engine: Engine) -> list[MaterialRow]:
    m = work.materials
    with engine.connect().execution_options(read_only=True) as conn:
        rows = conn.execute(select(m).where(m.c.active.is_(True)).order_by(m.c.id)).mappings().all()
    out = []
    for r in rows:
        available = r["on_hand"] - r["allocated"]
        safety = r["safety_stock"]
        out.append(
            MaterialRow(
                id=r["id"],
                part_number=r["part_number"],
                name=r["name"],
                unit=r["unit_of_measure"],
                on_hand=r["on_hand"],
                allocated=r["allocated"],
                available=available,
                safety_stock=safety,
                below_safety=safety is not None and available < safety,
                version=r["version"],
            )
        )
    return out
