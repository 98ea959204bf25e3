"""The demo plant: master data as lists of domain entities, cross-referenced by id."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from domain.auth import User
from domain.model.people import Operator, Shift, ShiftAssignment
from domain.model.plant import (
    CalendarWindow,
    Line,
    Machine,
    Organisation,
    Plant,
    SetupTime,
    WorkCentre,
    WorkCentreCategory,
    WorkCentreSubstitution,
)
from domain.model.products import BomLine, Material, Product
from domain.model.vision import Camera, DaySchedule, Zone
from domain.model.work import Operation, WorkOrder, WorkOrderDependency, WorkOrderMaterial
from services.demo.size import PlantSize


@dataclass(frozen=True, slots=True)
class DemoContract:
    """An operator's own rostering contract (an ``operator_contracts`` row; None: the site's)."""

    operator_id: str
    max_shifts: dict[str, int] = field(default_factory=dict)  # shift id -> most per week
    max_weekly_minutes: int | None = None
    max_consecutive_shifts: int | None = None
    unavailable_weekdays: tuple[int, ...] = ()  # 0 = Monday
    notes: str = ""


@dataclass(frozen=True, slots=True)
class DemoRequest:
    """A shift request (a ``shift_requests`` row): kind on, off or unavailable."""

    operator_id: str
    day: date
    kind: str
    shift_id: str = ""
    weight: int = 1
    note: str = ""


@dataclass(frozen=True, slots=True)
class DemoPlant:
    """Everything but the history, which the iterators of ``services.demo.generator`` stream.

    ``shift_assignments`` is the published roster from ``size.history_days`` days ago to 14 days
    ahead. The last five fields describe how the plant was made: ``now`` is the moment it
    describes (history iterators default to it), ``drifting_machine_id`` the running machine
    whose temperature and vibration rise towards a failure near ``now``, and ``absences`` the
    reason of every absent roster entry (sick, vacation, personal, unexcused). ``contracts`` and
    ``shift_requests``: the few operators with a rostering contract of their own and the
    requests of the weeks ahead.
    """

    organisation: Organisation
    plant: Plant
    lines: list[Line]
    categories: list[WorkCentreCategory]
    work_centres: list[WorkCentre]
    substitutions: list[WorkCentreSubstitution]
    setup_times: list[SetupTime]
    calendar_windows: list[CalendarWindow]
    machines: list[Machine]
    operators: list[Operator]
    shifts: list[Shift]
    users: list[User]
    products: list[Product]
    bom_lines: list[BomLine]
    materials: list[Material]
    work_orders: list[WorkOrder]
    work_order_materials: list[WorkOrderMaterial]
    dependencies: list[WorkOrderDependency]
    operations: list[Operation]
    cameras: list[Camera]
    zones: list[Zone]
    day_schedules: list[DaySchedule]
    shift_assignments: list[ShiftAssignment]
    size: PlantSize
    seed: int
    now: datetime
    drifting_machine_id: str
    absences: dict[tuple[str, date], str]
    contracts: tuple[DemoContract, ...] = ()
    shift_requests: tuple[DemoRequest, ...] = ()
