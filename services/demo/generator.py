"""The deterministic demo plant: ``generate_plant`` for the master data, iterators for history.

Pure: standard library and ``domain`` only, and the same (size, seed, now) always gives the same
plant. The one file it may read is the demo camera's zone preset (``zone_presets.py``); pass
``zone_presets`` to keep even that out.

    plant = generate_plant(PlantSize.scaled(10), seed=7)
    for metric in machine_metrics(plant): ...
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from domain.errors import ValidationError
from domain.model.plant import Organisation, Plant
from services.demo.alerts import alerts
from services.demo.bom import build_catalogue
from services.demo.floor import build_camera, build_day_schedules, build_zones
from services.demo.history import (
    attendance_history,
    demand_history,
    machine_metrics,
    production_logs,
)
from services.demo.layout import PLANT_ID, build_layout
from services.demo.orders import build_orders
from services.demo.plant import DemoPlant
from services.demo.size import PlantSize
from services.demo.timelogs import time_logs
from services.demo.workforce import (
    build_operators,
    build_roster,
    build_rostering_wishes,
    build_shifts,
    build_users,
)
from services.demo.zone_presets import load_zone_presets

log = logging.getLogger(__name__)

__all__ = [
    "DemoPlant",
    "PlantSize",
    "alerts",
    "attendance_history",
    "demand_history",
    "generate_plant",
    "machine_metrics",
    "production_logs",
    "time_logs",
]


def default_now() -> datetime:
    """The current time rounded down to the hour, in UTC."""
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


def generate_plant(
    size: PlantSize = PlantSize(),  # noqa: B008 - frozen, so one shared default is safe
    seed: int = 7,
    now: datetime | None = None,
    *,
    zone_presets: Sequence[Mapping[str, Any]] | None = None,
) -> DemoPlant:
    """A plant of ``size`` as it stands at ``now`` (default: this hour, UTC).

    ``zone_presets`` are the demo camera's zones (as in ``resources/demo/zones.json``); None
    reads that file, and without it (or with an empty list) three stations are drawn.
    """
    if now is None:
        now = default_now()
    elif now.tzinfo is None:
        raise ValidationError("now must carry a time zone (UTC)", field="now")
    else:
        now = now.astimezone(UTC)
    catalogue = build_catalogue(seed, size.lines, size.open_work_orders)
    layout = build_layout(
        seed, now, size.lines, size.machines, [f.family for f in catalogue.families]
    )
    operators = build_operators(seed, now, size.operators, layout.machines)
    shifts = build_shifts()
    roster = build_roster(seed, now, size.history_days, operators, shifts)
    wishes = build_rostering_wishes(seed, now, operators, shifts, roster)
    orders = build_orders(seed, now, size.open_work_orders, size.history_days, layout, catalogue)
    if zone_presets is None:
        zone_presets = load_zone_presets()
    plant = DemoPlant(
        organisation=Organisation("ORG-1", "Takt Demo Manufacturing"),
        plant=Plant(PLANT_ID, "ORG-1", "Demo plant", "UTC"),
        lines=layout.lines,
        categories=layout.categories,
        work_centres=layout.work_centres,
        substitutions=layout.substitutions,
        setup_times=layout.setup_times,
        calendar_windows=layout.calendar_windows,
        machines=layout.machines,
        operators=operators,
        shifts=shifts,
        users=build_users(),
        products=catalogue.products,
        bom_lines=catalogue.bom_lines,
        materials=orders.materials,
        work_orders=orders.work_orders,
        work_order_materials=orders.work_order_materials,
        dependencies=orders.dependencies,
        operations=orders.operations,
        cameras=[build_camera(layout.machines)],
        zones=build_zones(zone_presets, layout.machines),
        day_schedules=build_day_schedules(now, size.history_days),
        shift_assignments=wishes.assignments,
        size=size,
        seed=seed,
        now=now,
        drifting_machine_id=layout.drifting_machine_id,
        absences=roster.absences,
        contracts=wishes.contracts,
        shift_requests=wishes.requests,
    )
    log.info(
        "demo plant: %d operators, %d machines, %d work orders (seed %d, now %s)",
        len(plant.operators),
        len(plant.machines),
        len(plant.work_orders),
        seed,
        now.isoformat(),
    )
    return plant
