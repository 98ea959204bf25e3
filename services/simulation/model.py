"""What the simulator keeps between steps and what a step reports. Plain data, no I/O.

The state is mutable (a step moves it on in place); the events a step returns are frozen and are
what the writer turns into rows, audit entries and change events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from domain.model.plant import MachineMetric, MachineStatus


@dataclass(frozen=True, slots=True)
class MachineProfile:
    """How a kind of machine behaves when it runs flat out."""

    temperature_c: float  # running temperature
    vibration: float  # mm/s RMS
    power_kw: float
    cycle_s: float  # seconds per unit


DEFAULT_PROFILE = MachineProfile(temperature_c=35.0, vibration=1.0, power_kw=15.0, cycle_s=60.0)


@dataclass(slots=True)
class MachineSim:
    id: str
    work_centre_id: str | None
    profile: MachineProfile
    status: MachineStatus
    base_load: float = 0.8  # share of the time it runs while it has work
    scrap: float = 0.015  # share of units that fail inspection
    order_id: str | None = None  # the work order it runs now
    temperature_c: float | None = None  # follows its target with thermal inertia
    down_until: datetime | None = None  # a breakdown being repaired until then
    drift: float = 0.0  # 0 .. 1: how far along towards failure (the drift fault)
    unit_carry: float = 0.0  # fractions of a unit carried to the next step

    @property
    def available(self) -> bool:
        """It may start work (not broken down, in maintenance or switched off)."""
        return self.status in (MachineStatus.RUNNING, MachineStatus.IDLE)


@dataclass(slots=True)
class OrderSim:
    id: str
    number: str
    quantity_ordered: float
    quantity_produced: float
    due_date: datetime
    running: bool = False  # in progress on a machine
    machine_id: str | None = None
    stalled_until: datetime | None = None  # the late fault holds it (material shortage)
    pending: float = 0.0  # good units made since the last progress report
    last_report: datetime | None = None
    late: bool = False  # already reported (or late when the run started)
    done: bool = False

    @property
    def remaining(self) -> float:
        return max(self.quantity_ordered - self.quantity_produced - self.pending, 0.0)


@dataclass(slots=True)
class RosterSlot:
    """One operator's shift on one day, as the simulation moves through it."""

    assignment_id: int
    operator_id: str
    shift_id: str
    day: date
    start: datetime
    end: datetime
    break_minutes: int
    clock_in: datetime | None = None
    arrives_at: datetime | None = None  # decided when the shift starts
    late_minutes: int = 0
    absent: bool = False
    finished: bool = False
    recorded: bool = False  # the attendance row exists


@dataclass(slots=True)
class FaultState:
    """Which faults have struck, and on what."""

    drift_machine_id: str | None = None
    drift_started: datetime | None = None
    drift_failed: bool = False
    breakdown_machine_id: str | None = None
    late_order_id: str | None = None
    applied: list[str] = field(default_factory=list)  # what happened, for the summary


@dataclass(slots=True)
class PlantState:
    at: datetime
    machines: dict[str, MachineSim]
    orders: dict[str, OrderSim]
    # open orders waiting for a machine, per work centre, most urgent first
    queues: dict[str, list[str]] = field(default_factory=dict)
    roster: list[RosterSlot] = field(default_factory=list)
    faults: FaultState = field(default_factory=FaultState)
    started_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.started_at is None:
            self.started_at = self.at

    @property
    def elapsed_s(self) -> float:
        assert self.started_at is not None
        return (self.at - self.started_at).total_seconds()


# -- what a step reports ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatusChanged:
    machine_id: str
    at: datetime
    status: MachineStatus
    previous: MachineStatus
    reason_code: str
    reason: str


@dataclass(frozen=True, slots=True)
class OrderStarted:
    order_id: str
    machine_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class OrderProgressed:
    order_id: str
    machine_id: str | None
    at: datetime
    quantity: float  # good units since the last report


@dataclass(frozen=True, slots=True)
class OrderCompleted:
    order_id: str
    machine_id: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class OrderStalled:
    order_id: str
    machine_id: str | None
    at: datetime
    until: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class OrderResumed:
    order_id: str
    machine_id: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class OrderLate:
    order_id: str
    at: datetime
    due_date: datetime
    projected_end: datetime | None  # None: already past its due date


@dataclass(frozen=True, slots=True)
class ClockedIn:
    assignment_id: int
    operator_id: str
    day: date
    shift_id: str
    at: datetime
    late_minutes: int


@dataclass(frozen=True, slots=True)
class Absent:
    assignment_id: int
    operator_id: str
    day: date
    shift_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class ClockedOut:
    assignment_id: int
    operator_id: str
    day: date
    shift_id: str
    at: datetime
    hours_worked: float
    late_minutes: int


Event = (
    StatusChanged
    | OrderStarted
    | OrderProgressed
    | OrderCompleted
    | OrderStalled
    | OrderResumed
    | OrderLate
    | ClockedIn
    | Absent
    | ClockedOut
)


@dataclass(frozen=True, slots=True)
class StepResult:
    at: datetime  # the end of the step
    readings: tuple[MachineMetric, ...]
    events: tuple[Event, ...]
