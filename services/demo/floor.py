"""The demo camera, its zones, and the work-day schedules that split a day into indices."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any

from domain.model.plant import Machine
from domain.model.vision import BreakWindow, Camera, DaySchedule, Zone, ZoneType

CAMERA_ID = "CAM-01"
DEMO_CLIP = "demo:worker-zone-detection.gif"
_COLOURS = ("#2CA02C", "#1F77B4", "#FF7F0E", "#9467BD", "#D62728", "#17BECF")

# Used when resources/demo/zones.json does not exist: three stations side by side.
FALLBACK_ZONES: tuple[dict[str, Any], ...] = (
    {"id": "Z-01", "name": "Station 1", "min_workers": 1, "max_workers": 2,
     "polygon": [[0.04, 0.18], [0.34, 0.18], [0.34, 0.92], [0.04, 0.92]]},
    {"id": "Z-02", "name": "Station 2", "min_workers": 1, "max_workers": 2,
     "polygon": [[0.36, 0.18], [0.64, 0.18], [0.64, 0.92], [0.36, 0.92]]},
    {"id": "Z-03", "name": "Inspection", "min_workers": 1, "max_workers": 1,
     "polygon": [[0.66, 0.18], [0.96, 0.18], [0.96, 0.92], [0.66, 0.92]]},
)  # fmt: skip


def camera_line(machines: Sequence[Machine]) -> str:
    """The camera watches the assembly area of the first line that has one."""
    for m in machines:
        if m.machine_type == "assembly":
            return m.line_id
    return machines[0].line_id


def build_camera(machines: Sequence[Machine]) -> Camera:
    return Camera(
        id=CAMERA_ID,
        name="Assembly floor (demo)",
        source=DEMO_CLIP,
        location=f"{camera_line(machines)} assembly area",
        loop=True,
    )


def _zone_type(name: str) -> ZoneType:
    lowered = name.lower()
    if "inspect" in lowered or "quality" in lowered:
        return ZoneType.INSPECTION
    if "break" in lowered or "rest" in lowered:
        return ZoneType.BREAK_AREA
    if "restricted" in lowered or "danger" in lowered:
        return ZoneType.RESTRICTED
    return ZoneType.WORK_AREA


def build_zones(
    presets: Sequence[Mapping[str, Any]] | None, machines: Sequence[Machine]
) -> list[Zone]:
    """Zones of the demo camera, linked to the assembly and inspection work centres it sees."""
    line = camera_line(machines)
    near = sorted(machines, key=lambda m: (m.line_id != line, m.id))
    centres = {
        ZoneType.WORK_AREA: [m.work_centre_id for m in near if m.machine_type == "assembly"],
        ZoneType.INSPECTION: [m.work_centre_id for m in near if m.machine_type == "inspection"],
    }
    zones: list[Zone] = []
    for i, p in enumerate(presets or FALLBACK_ZONES):
        name = str(p.get("name") or f"Zone {i + 1}")
        kind = ZoneType(p["zone_type"]) if "zone_type" in p else _zone_type(name)
        linked = centres.get(kind, [])
        rank = sum(1 for z in zones if z.zone_type is kind)
        min_workers = int(p.get("min_workers", 1))
        zones.append(
            Zone(
                id=str(p.get("id") or f"Z-{i + 1:02d}"),
                camera_id=CAMERA_ID,
                name=name,
                polygon=tuple((float(x), float(y)) for x, y in p["polygon"]),
                zone_type=kind,
                colour=str(p.get("colour") or _COLOURS[i % len(_COLOURS)]),
                min_workers=min_workers,
                max_workers=int(p.get("max_workers", max(min_workers, 3))),
                alert_on_empty=kind is ZoneType.WORK_AREA and min_workers > 0,
                alert_on_overflow=kind is not ZoneType.BREAK_AREA,
                work_centre_id=linked[rank % len(linked)] if linked else None,
                station=f"Station {i + 1}",
                updated_by="system",
            )
        )
    return zones


def build_day_schedules(now: datetime, history_days: int) -> list[DaySchedule]:
    """Seed 003's day: 08:00-17:00, breaks at 10:00 and 15:00 (15 minutes), 11 indices."""
    today = now.date()
    breaks = (BreakWindow(time(10), 15), BreakWindow(time(15), 15))
    return [
        DaySchedule(today - timedelta(days=d), time(8), time(17), breaks, 11, tz=UTC)
        for d in range(history_days, -1, -1)
    ]
