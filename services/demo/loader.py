"""Writes a generated demo plant into the database, in bulk, with one audit row.

Small plants go through the repositories' bulk inserts; the big history tables stream in batches
(COPY on PostgreSQL), so ``takt demo --scale large`` with a million time logs stays practical.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import chain, islice
from typing import Any

from sqlalchemy import Table, func, insert, select
from sqlalchemy.engine import Connection

from domain.auth import SYSTEM_ACTOR, Actor
from domain.events import Change, Topic
from domain.model.alerts import Alert
from domain.model.analytics import DemandPoint
from domain.model.people import Attendance
from domain.model.plant import (
    CalendarWindow,
    MachineMetric,
    Organisation,
    SetupTime,
    WorkCentreCategory,
    WorkCentreSubstitution,
)
from domain.model.products import BomLine
from domain.model.vision import TimeLog
from domain.model.work import ProductionLog
from services.bootstrap import App
from services.demo.generator import (
    DemoPlant,
    PlantSize,
    alerts,
    attendance_history,
    demand_history,
    generate_plant,
    machine_metrics,
    production_logs,
    time_logs,
)
from services.passwords import hash_password
from services.persistence import repositories as R
from services.persistence.mapping import EntityMapper
from services.persistence.tables import people, plant, system, vision, work
from services.rostering.contract_rules import OperatorContractDto
from services.rostering.contracts import contract_values

log = logging.getLogger(__name__)

DEMO_PASSWORD = "takt"  # printed by `takt demo`; change it in the user dialog
BATCH = 5_000

Progress = Callable[[str, int], None]

_ORG = EntityMapper(Organisation, plant.organisations)
_CATEGORY = EntityMapper(WorkCentreCategory, plant.work_centre_categories)
_SUBST = EntityMapper(WorkCentreSubstitution, plant.work_centre_substitutions)
_WINDOW = EntityMapper(CalendarWindow, plant.calendar_windows)
_SETUP = EntityMapper(SetupTime, plant.setup_times)
_BOM = EntityMapper(BomLine, work.bom_lines)
_METRIC = EntityMapper(MachineMetric, plant.machine_metrics)
_DEMAND = EntityMapper(DemandPoint, system.demand_history)
_ATTENDANCE = EntityMapper(Attendance, people.attendance)
_PRODUCTION = EntityMapper(ProductionLog, work.production_logs)
_TIMELOG = EntityMapper(TimeLog, vision.time_logs)
_ALERT = R.ALERT


@dataclass(frozen=True, slots=True)
class LoadReport:
    counts: dict[str, int]
    seconds: float


def _rows(mapper: EntityMapper[Any], items: Iterable[Any]) -> Iterator[dict[str, Any]]:
    for item in items:
        yield mapper.to_row(item)


def _batched(it: Iterable[dict[str, Any]], n: int) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(it)
    while batch := list(islice(iterator, n)):
        yield batch


def _copy_rows(conn: Connection, table: Table, rows: Iterable[dict[str, Any]]) -> int:
    """PostgreSQL COPY for the big tables (much faster than INSERT for a million rows)."""
    from psycopg.types.json import Jsonb

    raw = conn.connection.driver_connection
    assert raw is not None
    it = iter(rows)
    first = next(it, None)
    if first is None:
        return 0
    cols = list(first.keys())
    names = ", ".join(f'"{c}"' for c in cols)
    n = 0
    with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in chain([first], it):
            copy.write_row([_copyable(row[c], Jsonb) for c in cols])
            n += 1
    return n


def _copyable(v: Any, jsonb: Any) -> Any:
    if isinstance(v, dict | list):
        return jsonb(v)
    return v


def _bulk(conn: Connection, table: Table, rows: Iterable[dict[str, Any]], big: bool = False) -> int:
    if big and conn.dialect.name == "postgresql":
        return _copy_rows(conn, table, rows)
    n = 0
    for batch in _batched(rows, BATCH):
        conn.execute(insert(table), batch)
        n += len(batch)
    return n


def is_empty(app: App) -> bool:
    with app.engine.connect().execution_options(read_only=True) as conn:
        return not conn.execute(select(func.count()).select_from(plant.plants)).scalar_one()


def load_demo(
    app: App,
    size: PlantSize | None = None,
    *,
    seed: int = 7,
    now: datetime | None = None,
    actor: Actor = SYSTEM_ACTOR,
    progress: Progress | None = None,
    staff: bool = True,
) -> LoadReport:
    """Generate the demo plant and write it with its history, in one transaction; then (with
    ``staff``) put operators on shift to work through the allocation service."""
    import time

    started = time.perf_counter()
    size = size or PlantSize()
    now = now or app.clock.now().replace(minute=0, second=0, microsecond=0)
    report = progress or (lambda stage, n: log.info("demo: %s %d", stage, n))
    demo = generate_plant(size, seed=seed, now=now)
    counts: dict[str, int] = {}
    with app.uow(actor) as uow:
        conn = uow.conn
        r = uow.repos

        def put(name: str, n: int) -> None:
            counts[name] = n
            report(name, n)

        conn.execute(insert(plant.organisations).values(_ORG.to_row(demo.organisation)))
        r.plants.add(demo.plant)
        put("lines", r.lines.add_many(demo.lines))
        put(
            "categories",
            _bulk(conn, plant.work_centre_categories, _rows(_CATEGORY, demo.categories)),
        )
        put("work_centres", r.work_centres.add_many(demo.work_centres))
        put(
            "substitutions",
            _bulk(conn, plant.work_centre_substitutions, _rows(_SUBST, demo.substitutions)),
        )
        put("setup_times", _bulk(conn, plant.setup_times, _rows(_SETUP, demo.setup_times)))
        put(
            "calendar_windows",
            _bulk(conn, plant.calendar_windows, _rows(_WINDOW, demo.calendar_windows)),
        )
        put("machines", r.machines.add_many(demo.machines))
        put("operators", r.operators.add_many(demo.operators))
        put("shifts", r.shifts.add_many(demo.shifts))
        hashed = hash_password(DEMO_PASSWORD)
        users = [dataclasses.replace(u, password_hash=hashed) for u in demo.users]
        put("users", r.users.add_many(users))
        put("products", r.products.add_many(demo.products))
        put("bom_lines", _bulk(conn, work.bom_lines, _rows(_BOM, demo.bom_lines)))
        put("materials", r.materials.add_many(demo.materials))
        put("work_orders", r.work_orders.add_many(demo.work_orders))
        put("work_order_materials", r.work_order_materials.add_many(demo.work_order_materials))
        put("dependencies", r.dependencies.add_many(demo.dependencies))
        put("operations", r.operations.add_many(demo.operations))
        put("cameras", r.cameras.add_many(demo.cameras))
        put("zones", r.zones.add_many(demo.zones))
        put("day_schedules", r.day_schedules.add_many(demo.day_schedules))
        put("shift_assignments", r.shift_assignments.add_many(demo.shift_assignments))
        put(
            "operator_contracts",
            _bulk(
                conn,
                people.operator_contracts,
                [
                    {
                        "operator_id": c.operator_id,
                        **contract_values(
                            OperatorContractDto(
                                c.operator_id,
                                max_shifts=c.max_shifts,
                                max_weekly_minutes=c.max_weekly_minutes,
                                max_consecutive_shifts=c.max_consecutive_shifts,
                                unavailable_weekdays=frozenset(c.unavailable_weekdays),
                                notes=c.notes,
                            )
                        ),
                        "version": 1,
                        "updated_by": actor.user,
                        "updated_at": now,
                    }
                    for c in demo.contracts
                ],
            ),
        )
        put(
            "shift_requests",
            _bulk(
                conn,
                people.shift_requests,
                [
                    {
                        "operator_id": q.operator_id,
                        "day": q.day,
                        "shift_id": q.shift_id,
                        "kind": q.kind,
                        "weight": q.weight,
                        "note": q.note or None,
                        "created_by": actor.user,
                        "created_at": now,
                        "version": 1,
                    }
                    for q in demo.shift_requests
                ],
            ),
        )
        put(
            "machine_metrics",
            _bulk(
                conn,
                plant.machine_metrics,
                _rows(_METRIC, machine_metrics(demo, seed, now)),
                big=True,
            ),
        )
        put(
            "demand_history",
            _bulk(
                conn,
                system.demand_history,
                _rows(_DEMAND, demand_history(demo, seed, now)),
                big=True,
            ),
        )
        put(
            "attendance",
            _bulk(
                conn,
                people.attendance,
                _rows(_ATTENDANCE, attendance_history(demo, seed, now)),
                big=True,
            ),
        )
        put(
            "production_logs",
            _bulk(
                conn,
                work.production_logs,
                _rows(_PRODUCTION, production_logs(demo, seed, now)),
                big=True,
            ),
        )
        put(
            "time_logs",
            _bulk(conn, vision.time_logs, _rows(_TIMELOG, time_logs(demo, seed, now)), big=True),
        )
        demo_alerts: list[Alert] = alerts(demo, seed, now)
        put("alerts", r.alerts.add_many(demo_alerts))
        uow.audit(
            "demo.load",
            "plant",
            demo.plant.id,
            None,
            {"size": dataclasses.asdict(size), "seed": seed},
        )
        uow.record(Change(Topic.PLANT, "loaded", (demo.plant.id,), {"seed": seed}))
        uow.commit()
    if staff:
        from services.demo.staffing import staff_the_floor

        staffing = staff_the_floor(app, actor, app.clock.now())
        put("allocations", staffing.allocated)
    return LoadReport(counts, time.perf_counter() - started)


__all__ = ["DemoPlant", "LoadReport", "PlantSize", "is_empty", "load_demo"]
