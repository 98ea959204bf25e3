"""What a camera host reads from the database: cameras, their zones, the day schedule."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from domain.model.vision import Camera, CameraStatus, DaySchedule, Zone
from services.persistence.repositories import CAMERA, DAY_SCHEDULE, ZONE
from services.persistence.tables.plant import plants
from services.persistence.tables.vision import cameras, day_schedules, zones


@dataclass(frozen=True, slots=True)
class CameraSetup:
    camera: Camera
    zones: tuple[Zone, ...]  # active zones, in id order


def read_setups(engine: Engine, camera_ids: Sequence[str] | None = None) -> list[CameraSetup]:
    """The cameras to run (not inactive; only ``camera_ids`` when given) with their zones."""
    with engine.connect().execution_options(read_only=True) as conn:
        stmt = select(cameras).where(cameras.c.status != CameraStatus.INACTIVE.value)
        if camera_ids is not None:
            stmt = stmt.where(cameras.c.id.in_(list(camera_ids)))
        cams = [CAMERA.from_row(r) for r in conn.execute(stmt.order_by(cameras.c.id)).mappings()]
        by_camera: dict[str, list[Zone]] = {c.id: [] for c in cams}
        if cams:
            rows = conn.execute(
                select(zones)
                .where(zones.c.camera_id.in_(list(by_camera)), zones.c.active.is_(True))
                .order_by(zones.c.id)
            ).mappings()
            for r in rows:
                by_camera[r["camera_id"]].append(ZONE.from_row(r))
    return [CameraSetup(c, tuple(by_camera[c.id])) for c in cams]


def plant_timezone(conn: Connection) -> tzinfo:
    """The plant's time zone (work days are local); UTC when unknown."""
    name = conn.execute(select(plants.c.timezone).order_by(plants.c.id).limit(1)).scalar()
    try:
        return ZoneInfo(str(name or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def read_schedules(engine: Engine, days: Sequence[date]) -> tuple[tzinfo, dict[date, DaySchedule]]:
    """The plant's time zone and the active day schedules of ``days`` (in that zone)."""
    with engine.connect().execution_options(read_only=True) as conn:
        tz = plant_timezone(conn)
        rows = conn.execute(
            select(day_schedules).where(
                day_schedules.c.day.in_(list(days)), day_schedules.c.active.is_(True)
            )
        ).mappings()
        found = {r["day"]: replace(DAY_SCHEDULE.from_row(r), tz=tz) for r in rows}
    return tz, found
