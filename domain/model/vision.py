"""Cameras, zones, zone templates, time logs, sessions, index records, day schedules (seed 003)."""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from domain._checks import require_text
from domain.errors import ValidationError
from domain.rules.geometry import (
    Point,
    duplicate_vertices,
    polygon_area,
    polygons_overlap,
    self_intersections,
)

_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")


class CameraStatus(enum.StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    ERROR = "error"


@dataclass(slots=True)
class Camera:
    """A camera source: a file path, a USB index ("usb:0"), or an RTSP/HTTP URL."""

    id: str
    name: str
    source: str
    location: str | None = None
    status: CameraStatus = CameraStatus.ACTIVE
    fps: float | None = None
    width: int | None = None
    height: int | None = None
    loop: bool = False
    credential_ref: str | None = None  # key of the secret in the OS keyring, never the secret
    reference_frame: bytes | None = None  # PNG at calibration time (camera-moved check)
    calibration: dict[str, Any] = field(default_factory=dict)
    worker_id: str | None = None  # which vision worker owns the camera now
    last_seen_at: datetime | None = None
    version: int = 1

    def __post_init__(self) -> None:
        require_text("camera name", self.name)
        require_text("camera source", self.source)


class ZoneType(enum.StrEnum):
    WORK_AREA = "work_area"
    INSPECTION = "inspection"
    BREAK_AREA = "break_area"
    RESTRICTED = "restricted"


def validate_polygon(points: Sequence[Point], *, name: str = "zone") -> tuple[Point, ...]:
    """Refuse polygons a person could not mean: too few vertices, crossing edges, off-frame."""
    pts = tuple((float(x), float(y)) for x, y in points)
    if len(pts) < 3:
        raise ValidationError(
            f"{name} needs at least 3 vertices, it has {len(pts)}", code="polygon_too_few_vertices"
        )
    for i, (x, y) in enumerate(pts):
        if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
            raise ValidationError(
                f"{name}: vertex {i + 1} ({x:.3f}, {y:.3f}) lies outside the frame",
                code="polygon_outside_frame",
                vertex=i,
            )
    if duplicate_vertices(pts):
        raise ValidationError(f"{name} has two vertices on the same spot", code="polygon_duplicate")
    crossings = self_intersections(pts)
    if crossings:
        i, j = crossings[0]
        raise ValidationError(
            f"{name} crosses itself (edge {i + 1} crosses edge {j + 1})",
            code="polygon_self_intersection",
            edges=crossings,
        )
    if abs(polygon_area(pts)) < 1e-6:
        raise ValidationError(f"{name} has no area", code="polygon_no_area")
    return pts


@dataclass(slots=True)
class Zone:
    """A polygon on a camera's image in normalised 0..1 coordinates, with its staffing rules."""

    id: str
    camera_id: str
    name: str
    polygon: tuple[Point, ...]
    zone_type: ZoneType = ZoneType.WORK_AREA
    colour: str = "#00FF00"
    min_workers: int = 1
    max_workers: int = 3
    alert_on_empty: bool = False
    alert_on_overflow: bool = True
    idle_threshold_s: int = 120
    work_centre_id: str | None = None
    station: str | None = None
    active: bool = True
    version: int = 1
    updated_by: str | None = None
    updated_at: datetime | None = None

    def __post_init__(self) -> None:
        require_text("zone name", self.name)
        self.polygon = validate_polygon(self.polygon, name=f"zone {self.name!r}")
        if not _COLOUR.match(self.colour):
            raise ValidationError(f"zone colour must look like #RRGGBB, got {self.colour!r}")
        if self.min_workers < 0 or self.max_workers < 0:
            raise ValidationError("worker limits cannot be negative")
        if self.max_workers < self.min_workers:
            raise ValidationError(
                f"zone {self.name}: max workers ({self.max_workers}) is below min workers "
                f"({self.min_workers})"
            )
        if self.idle_threshold_s <= 0:
            raise ValidationError("the idle threshold must be positive")

    def overlapping(self, others: Sequence[Zone]) -> list[Zone]:
        """Other zones on the same camera that share area with this one (a warning only)."""
        return [
            z
            for z in others
            if z.id != self.id
            and z.camera_id == self.camera_id
            and z.active
            and polygons_overlap(self.polygon, z.polygon)
        ]

    def staffing(self, count: int) -> str:
        """'empty', 'overflow' or 'ok' for a live head count."""
        if count < self.min_workers or (count == 0 and self.min_workers > 0):
            return "empty" if count == 0 else "understaffed"
        if count > self.max_workers:
            return "overflow"
        return "ok"


@dataclass(slots=True)
class ZoneTemplate:
    """A camera's zones saved for reuse on another camera (seed 003 zone_templates)."""

    name: str
    zones: list[dict[str, Any]]
    description: str | None = None
    camera_type: str | None = None
    created_by: str | None = None
    created_at: datetime | None = None
    id: int | None = None

    def __post_init__(self) -> None:
        require_text("template name", self.name)
        if not self.zones:
            raise ValidationError("a zone template needs at least one zone")
        for z in self.zones:
            name = f"template zone {z.get('name', '?')!r}"
            if "polygon" not in z:  # a KeyError here used to escape as a traceback
                raise ValidationError(f"{name} has no polygon")
            validate_polygon(z["polygon"], name=name)


class ActivityState(enum.StrEnum):
    ACTIVE = "active"
    IDLE = "idle"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class TimeLog:
    """One interval of one track in one zone: how much of it was active and idle."""

    camera_id: str
    track_id: int
    at: datetime
    state: ActivityState
    zone_id: str | None = None
    operator_id: str | None = None
    active_seconds: float = 0.0
    idle_seconds: float = 0.0
    index_number: int | None = None
    motion_score: float | None = None
    bbox: tuple[float, float, float, float] | None = None  # x, y, w, h (pixels)


class SessionStatus(enum.StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    INTERRUPTED = "interrupted"


@dataclass(slots=True)
class WorkSession:
    """A visit: one track from entering a zone to leaving it."""

    id: str
    camera_id: str
    zone_id: str
    track_id: int
    entry_time: datetime
    exit_time: datetime | None = None
    operator_id: str | None = None
    active_seconds: float = 0.0
    idle_seconds: float = 0.0
    index_number: int | None = None
    status: SessionStatus = SessionStatus.ACTIVE

    def close(self, at: datetime, *, interrupted: bool = False) -> None:
        if at < self.entry_time:
            raise ValidationError("a session cannot end before it starts")
        self.exit_time = at
        self.status = SessionStatus.INTERRUPTED if interrupted else SessionStatus.COMPLETED

    @property
    def dwell_seconds(self) -> float | None:
        if self.exit_time is None:
            return None
        return (self.exit_time - self.entry_time).total_seconds()


@dataclass(frozen=True, slots=True)
class BreakWindow:
    start: time
    minutes: int


@dataclass(frozen=True, slots=True)
class IndexSlot:
    """One of the N indices of a work day; breaks inside it split it into segments."""

    number: int
    segments: tuple[tuple[datetime, datetime], ...]

    @property
    def start(self) -> datetime:
        return self.segments[0][0]

    @property
    def end(self) -> datetime:
        return self.segments[-1][1]

    @property
    def working_seconds(self) -> float:
        return sum((b - a).total_seconds() for a, b in self.segments)

    def contains(self, at: datetime) -> bool:
        return any(a <= at < b for a, b in self.segments)


@dataclass(slots=True)
class DaySchedule:
    """A work day (start, end, breaks) split into ``indices`` equal shares of working time."""

    day: date
    work_start: time
    work_end: time
    breaks: tuple[BreakWindow, ...] = ()
    indices: int = 11
    tz: Any = None
    id: int | None = None

    def __post_init__(self) -> None:
        if self.indices < 1:
            raise ValidationError("a day has at least one index")
        if self.work_end <= self.work_start:
            raise ValidationError("the work day must end after it starts")
        start, end = self._at(self.work_start), self._at(self.work_end)
        for b in self.breaks:
            bs = self._at(b.start)
            if bs < start or bs + timedelta(minutes=b.minutes) > end:
                raise ValidationError(f"the break at {b.start:%H:%M} lies outside the work day")

    def _at(self, t: time) -> datetime:
        return datetime.combine(self.day, t, tzinfo=self.tz)

    def working_segments(self) -> list[tuple[datetime, datetime]]:
        segments = [(self._at(self.work_start), self._at(self.work_end))]
        for b in sorted(self.breaks, key=lambda b: b.start):
            bs = self._at(b.start)
            be = bs + timedelta(minutes=b.minutes)
            nxt: list[tuple[datetime, datetime]] = []
            for a, z in segments:
                if be <= a or bs >= z:
                    nxt.append((a, z))
                    continue
                if a < bs:
                    nxt.append((a, bs))
                if be < z:
                    nxt.append((be, z))
            segments = nxt
        return segments

    def index_slots(self) -> list[IndexSlot]:
        """Split working time (breaks excluded) into ``indices`` equal slots, in order.

        A slot that spans a break is made of two segments, before and after the break.
        """
        segments = self.working_segments()
        # each segment as [work-seconds-from, work-seconds-to) on the working clock
        spans: list[tuple[float, float, datetime]] = []
        clock = 0.0
        for seg_start, seg_end in segments:
            length = (seg_end - seg_start).total_seconds()
            spans.append((clock, clock + length, seg_start))
            clock += length
        share = clock / self.indices
        slots: list[IndexSlot] = []
        for number in range(1, self.indices + 1):
            lo, hi = (number - 1) * share, number * share
            parts: list[tuple[datetime, datetime]] = []
            for s_lo, s_hi, wall in spans:
                a, b = max(lo, s_lo), min(hi, s_hi)
                if b - a > 1e-6:
                    parts.append(
                        (wall + timedelta(seconds=a - s_lo), wall + timedelta(seconds=b - s_lo))
                    )
            slots.append(IndexSlot(number, tuple(parts)))
        return slots

    def index_at(self, at: datetime) -> int | None:
        for slot in self.index_slots():
            if slot.contains(at):
                return slot.number
        return None


class IndexCompletion(enum.StrEnum):
    ON_TIME = "on_time"
    DELAYED = "delayed"
    INCOMPLETE = "incomplete"


@dataclass(slots=True)
class IndexRecord:
    """Planned versus actual for one index of one day, with its productivity score."""

    day: date
    index_number: int
    scheduled_start: datetime
    scheduled_end: datetime
    actual_start: datetime | None = None
    actual_end: datetime | None = None
    zone_metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    completion: IndexCompletion | None = None
    total_workers: int = 0
    active_seconds: float = 0.0
    idle_seconds: float = 0.0
    anomalies: int = 0
    notes: str | None = None
    id: int | None = None

    @property
    def productivity(self) -> float | None:
        """active / (active + idle), or None when nothing was observed."""
        total = self.active_seconds + self.idle_seconds
        return None if total <= 0 else self.active_seconds / total

    def add(self, zone_id: str, active_s: float, idle_s: float) -> None:
        z = self.zone_metrics.setdefault(zone_id, {"active": 0.0, "idle": 0.0})
        z["active"] += active_s
        z["idle"] += idle_s
        self.active_seconds += active_s
        self.idle_seconds += idle_s
