"""Organisations, plants, lines, work centres and machines (seeds 002 section 3.2 and 004)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime

from domain._checks import require_non_negative, require_range, require_text
from domain.errors import ValidationError


@dataclass(slots=True)
class Organisation:
    id: str
    name: str


@dataclass(slots=True)
class Plant:
    id: str
    organisation_id: str
    name: str
    timezone: str = "UTC"


@dataclass(slots=True)
class Line:
    id: str
    plant_id: str
    name: str


@dataclass(slots=True)
class WorkCentreCategory:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class WorkCentreSubstitution:
    """``substitute_id`` may run what ``work_centre_id`` runs, slower or dearer by the factors."""

    work_centre_id: str
    substitute_id: str
    time_factor: float = 1.0
    cost_factor: float = 1.0
    priority: int = 1

    def __post_init__(self) -> None:
        if self.work_centre_id == self.substitute_id:
            raise ValidationError("a work centre cannot substitute for itself")
        if self.time_factor <= 0 or self.cost_factor <= 0:
            raise ValidationError("substitution factors must be positive")


class CalendarKind(enum.StrEnum):
    MAINTENANCE = "maintenance"
    HOLIDAY = "holiday"
    OFF_SHIFT = "off_shift"
    BREAKDOWN = "breakdown"


@dataclass(frozen=True, slots=True)
class CalendarWindow:
    """Time when a work centre cannot run (maintenance, holidays, no shift)."""

    work_centre_id: str
    start: datetime
    end: datetime
    kind: CalendarKind = CalendarKind.MAINTENANCE
    note: str = ""

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValidationError("a calendar window must end after it starts")

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start < end and start < self.end


@dataclass(frozen=True, slots=True)
class SetupTime:
    """Minutes to change a work centre over from one product family to another."""

    work_centre_id: str
    from_family: str
    to_family: str
    minutes: int

    def __post_init__(self) -> None:
        require_non_negative("setup minutes", self.minutes)


@dataclass(slots=True)
class WorkCentre:
    id: str
    plant_id: str
    line_id: str
    name: str
    category_id: str | None = None
    capacity_per_hour: float | None = None
    cost_per_hour: float | None = None
    parallel_capacity: int = 1
    active: bool = True
    version: int = 1

    def __post_init__(self) -> None:
        require_text("work centre name", self.name)
        if self.parallel_capacity < 1:
            raise ValidationError("a work centre runs at least one operation at a time")
        require_non_negative("capacity per hour", self.capacity_per_hour)


class MachineStatus(enum.StrEnum):
    RUNNING = "running"
    IDLE = "idle"
    MAINTENANCE = "maintenance"
    BREAKDOWN = "breakdown"
    OFFLINE = "offline"

    @property
    def can_take_work(self) -> bool:
        return self in (MachineStatus.RUNNING, MachineStatus.IDLE)


@dataclass(slots=True)
class Machine:
    id: str
    name: str
    machine_type: str
    line_id: str
    work_centre_id: str | None = None
    zone: str | None = None
    manufacturer: str | None = None
    serial_number: str | None = None
    status: MachineStatus = MachineStatus.IDLE
    status_updated_at: datetime | None = None
    oee: float | None = None  # percent 0..100
    uptime_percentage: float | None = None
    max_capacity_per_hour: int | None = None
    required_skills: tuple[str, ...] = ()
    last_maintenance_date: date | None = None
    next_maintenance_date: date | None = None
    active: bool = True
    version: int = 1
    updated_by: str | None = None
    updated_seat: str | None = None
    updated_at: datetime | None = None

    def __post_init__(self) -> None:
        require_text("machine name", self.name)
        require_range("OEE", self.oee, 0, 100)
        require_range("uptime", self.uptime_percentage, 0, 100)

    def maintenance_overdue(self, today: date) -> bool:
        return (
            self.next_maintenance_date is not None
            and self.next_maintenance_date < today
            and self.status is not MachineStatus.MAINTENANCE
        )

    def set_status(self, status: MachineStatus, at: datetime) -> MachineStatus:
        previous = self.status
        self.status = status
        self.status_updated_at = at
        return previous


@dataclass(frozen=True, slots=True)
class MachineMetric:
    """One sample of a machine's sensors and counters (seed 002 section 3.2)."""

    machine_id: str
    at: datetime
    utilisation: float | None = None
    cycle_time_s: float | None = None
    temperature_c: float | None = None
    vibration: float | None = None
    power_kwh: float | None = None
    units_produced: int | None = None
    quality_pass: int | None = None
    quality_fail: int | None = None
    downtime_s: int | None = None


@dataclass(frozen=True, slots=True)
class Oee:
    """OEE = availability x performance x quality, each a fraction 0..1."""

    availability: float
    performance: float
    quality: float

    @property
    def value(self) -> float:
        return self.availability * self.performance * self.quality

    @classmethod
    def compute(
        cls,
        planned_s: float,
        downtime_s: float,
        ideal_cycle_s: float,
        units: int,
        good_units: int,
    ) -> Oee:
        require_non_negative("planned time", planned_s)
        require_non_negative("downtime", downtime_s)
        require_non_negative("ideal cycle time", ideal_cycle_s)
        require_non_negative("units", units)
        require_non_negative("good units", good_units)
        if good_units > units:
            # otherwise quality (and OEE) would exceed 1: a counter error, not a figure to show
            raise ValidationError(f"good units ({good_units}) cannot exceed units ({units})")
        if planned_s <= 0:
            return cls(0.0, 0.0, 0.0)
        run_s = max(planned_s - downtime_s, 0.0)
        availability = run_s / planned_s
        performance = min(ideal_cycle_s * units / run_s, 1.0) if run_s > 0 else 0.0
        quality = good_units / units if units > 0 else 0.0
        return cls(availability, performance, quality)


@dataclass(slots=True)
class MachineStatusChange:
    machine_id: str
    status: MachineStatus
    previous_status: MachineStatus | None
    started_at: datetime
    ended_at: datetime | None = None
    reason_code: str | None = None
    reason: str | None = None
    reported_by: str | None = None
    id: int | None = field(default=None)
