"""How many of each thing the database holds (``takt info``, the status bar, the browser)."""

from __future__ import annotations

from sqlalchemy import Table, func, select
from sqlalchemy.engine import Engine

from domain.model.allocation import AllocationStatus
from domain.model.work import WorkOrderStatus
from services.persistence.tables import people, plant, system, vision, work

_COUNTED: dict[str, Table] = {
    "plants": plant.plants,
    "lines": plant.lines,
    "work_centres": plant.work_centres,
    "machines": plant.machines,
    "operators": people.operators,
    "shifts": people.shifts,
    "products": work.products,
    "materials": work.materials,
    "work_orders": work.work_orders,
    "operations": work.operations,
    "allocations": work.allocations,
    "cameras": vision.cameras,
    "zones": vision.zones,
    "time_logs": vision.time_logs,
    "alerts": system.alerts,
    "users": system.users,
}


def plant_counts(engine: Engine) -> dict[str, int]:
    out: dict[str, int] = {}
    open_states = [s.value for s in WorkOrderStatus if not s.is_closed]
    holding = [s.value for s in AllocationStatus if s.holds_resources]
    with engine.connect().execution_options(read_only=True) as conn:
        for name, table in _COUNTED.items():
            out[name] = int(conn.execute(select(func.count()).select_from(table)).scalar_one())
        out["open_work_orders"] = int(
            conn.execute(
                select(func.count())
                .select_from(work.work_orders)
                .where(work.work_orders.c.status.in_(open_states))
            ).scalar_one()
        )
        out["active_allocations"] = int(
            conn.execute(
                select(func.count())
                .select_from(work.allocations)
                .where(work.allocations.c.status.in_(holding))
            ).scalar_one()
        )
    return out
