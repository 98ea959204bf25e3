"""Work orders, their routings (operations), BOM lines and dependencies (seeds 002 and 004)."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain._checks import require_non_negative, require_order, require_text
from domain.errors import RuleViolation, ValidationError, Violation


class Priority(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def weight(self) -> int:
        """Tardiness weight used by scheduling: an urgent order late by an hour costs 8 low ones."""
        return {"low": 1, "medium": 2, "high": 4, "urgent": 8}[self.value]


class WorkOrderStatus(enum.StrEnum):
    QUEUED = "queued"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    PAUSED = "paused"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @property
    def is_closed(self) -> bool:
        return self in (WorkOrderStatus.COMPLETED, WorkOrderStatus.CANCELLED)


# Which status may follow which: a work order never reopens once closed.
WORK_ORDER_TRANSITIONS: dict[WorkOrderStatus, frozenset[WorkOrderStatus]] = {
    WorkOrderStatus.QUEUED: frozenset(
        {WorkOrderStatus.ASSIGNED, WorkOrderStatus.IN_PROGRESS, WorkOrderStatus.CANCELLED}
    ),
    WorkOrderStatus.ASSIGNED: frozenset(
        {
            WorkOrderStatus.QUEUED,
            WorkOrderStatus.IN_PROGRESS,
            WorkOrderStatus.PAUSED,
            WorkOrderStatus.COMPLETED,
            WorkOrderStatus.CANCELLED,
        }
    ),
    WorkOrderStatus.IN_PROGRESS: frozenset(
        {
            WorkOrderStatus.ASSIGNED,
            WorkOrderStatus.QUEUED,
            WorkOrderStatus.PAUSED,
            WorkOrderStatus.COMPLETED,
            WorkOrderStatus.CANCELLED,
        }
    ),
    WorkOrderStatus.PAUSED: frozenset(
        {
            WorkOrderStatus.IN_PROGRESS,
            WorkOrderStatus.ASSIGNED,
            WorkOrderStatus.QUEUED,
            WorkOrderStatus.CANCELLED,
            WorkOrderStatus.COMPLETED,
        }
    ),
    WorkOrderStatus.COMPLETED: frozenset(),
    WorkOrderStatus.CANCELLED: frozenset(),
}


class QualityStatus(enum.StrEnum):
    PENDING = "pending"
    PASSED = "passed"
    FAILED = "failed"
    WAIVED = "waived"


@dataclass(slots=True)
class WorkOrder:
    id: str
    number: str
    product_id: str
    product_name: str
    quantity_ordered: float
    due_date: datetime
    quantity_produced: float = 0.0
    unit_of_measure: str = "EA"
    priority: Priority = Priority.MEDIUM
    status: WorkOrderStatus = WorkOrderStatus.QUEUED
    line_id: str | None = None
    release_date: datetime | None = None
    planned_start: datetime | None = None
    planned_end: datetime | None = None
    actual_start: datetime | None = None
    actual_end: datetime | None = None
    estimated_minutes: int | None = None
    customer_order_id: str | None = None
    quality_status: QualityStatus | None = None
    version: int = 1
    updated_by: str | None = None
    updated_seat: str | None = None
    updated_at: datetime | None = None

    def __post_init__(self) -> None:
        require_text("work order number", self.number)
        if self.quantity_ordered <= 0:
            raise ValidationError(f"work order {self.number}: ordered quantity must be positive")
        require_non_negative(f"work order {self.number}: produced quantity", self.quantity_produced)
        if self.quantity_produced > self.quantity_ordered + 1e-9:
            raise ValidationError(
                f"work order {self.number}: produced {self.quantity_produced:g} exceeds "
                f"ordered {self.quantity_ordered:g}"
            )
        require_order(
            f"work order {self.number} planned window", self.planned_start, self.planned_end
        )

    @property
    def quantity_remaining(self) -> float:
        return self.quantity_ordered - self.quantity_produced

    @property
    def progress(self) -> float:
        return 100.0 * self.quantity_produced / self.quantity_ordered

    def is_late(self, now: datetime) -> bool:
        return not self.status.is_closed and now > self.due_date

    def move_to(self, status: WorkOrderStatus) -> WorkOrderStatus:
        previous = self.status
        if status is previous:
            return previous
        if status not in WORK_ORDER_TRANSITIONS[previous]:
            raise RuleViolation(
                [
                    Violation(
                        "work_order_status",
                        f"work order {self.number} is {previous.value} and cannot become "
                        f"{status.value}",
                        {"work_order_id": self.id, "from": previous.value, "to": status.value},
                    )
                ]
            )
        self.status = status
        return previous

    def record_production(self, quantity: float) -> None:
        if quantity <= 0:
            raise ValidationError("produced quantity must be positive")
        if self.status.is_closed:
            raise RuleViolation(
                [Violation("work_order_closed", f"work order {self.number} is {self.status.value}")]
            )
        if self.quantity_produced + quantity > self.quantity_ordered + 1e-9:
            raise ValidationError(
                f"work order {self.number}: {self.quantity_produced + quantity:g} would exceed "
                f"the ordered {self.quantity_ordered:g}"
            )
        self.quantity_produced += quantity


class DependencyType(enum.StrEnum):
    FINISH_TO_START = "finish_to_start"
    START_TO_START = "start_to_start"
    FINISH_TO_FINISH = "finish_to_finish"


@dataclass(frozen=True, slots=True)
class WorkOrderDependency:
    """``work_order_id`` depends on ``predecessor_id`` (with a lag in minutes, may be 0)."""

    work_order_id: str
    predecessor_id: str
    kind: DependencyType = DependencyType.FINISH_TO_START
    lag_minutes: int = 0
    mandatory: bool = True

    def __post_init__(self) -> None:
        if self.work_order_id == self.predecessor_id:
            raise ValidationError(
                f"work order {self.work_order_id} cannot depend on itself",
                work_order_id=self.work_order_id,
            )

    def satisfied(
        self,
        pred_start: datetime,
        pred_end: datetime,
        succ_start: datetime,
        succ_end: datetime,
    ) -> bool:
        lag = timedelta(minutes=self.lag_minutes)
        if self.kind is DependencyType.FINISH_TO_START:
            return succ_start >= pred_end + lag
        if self.kind is DependencyType.START_TO_START:
            return succ_start >= pred_start + lag
        return succ_end >= pred_end + lag


def check_dependencies_acyclic(deps: Iterable[WorkOrderDependency]) -> None:
    """Work-order dependencies must not loop (A needs B needs A)."""
    graph: dict[str, list[str]] = {}
    for d in deps:
        graph.setdefault(d.work_order_id, []).append(d.predecessor_id)
    colour: dict[str, int] = {}
    for start in list(graph):
        if colour.get(start):
            continue
        stack: list[tuple[str, int]] = [(start, 0)]
        path: list[str] = []
        while stack:
            node, idx = stack.pop()
            if idx == 0:
                colour[node] = 1
                path.append(node)
            preds = graph.get(node, [])
            if idx < len(preds):
                stack.append((node, idx + 1))
                nxt = preds[idx]
                if colour.get(nxt) == 1:
                    cycle = [*path[path.index(nxt) :], nxt]
                    raise ValidationError(
                        "work-order dependencies form a loop: " + " -> ".join(cycle), cycle=cycle
                    )
                if not colour.get(nxt):
                    stack.append((nxt, 0))
            else:
                colour[node] = 2
                path.pop()


@dataclass(frozen=True, slots=True)
class WorkOrderMaterial:
    """A BOM line of one work order (seed 002 work_order_bom)."""

    work_order_id: str
    material_id: str
    quantity_required: float
    critical: bool = False
    quantity_allocated: float = 0.0
    quantity_consumed: float = 0.0

    def __post_init__(self) -> None:
        if self.quantity_required <= 0:
            raise ValidationError("a required material quantity must be positive")


class OperationStatus(enum.StrEnum):
    PLANNED = "planned"
    RELEASED = "released"
    RUNNING = "running"
    PAUSED = "paused"
    DONE = "done"
    CANCELLED = "cancelled"


@dataclass(slots=True)
class Operation:
    """One step of a work order's routing: which work centre, how long, who may run it."""

    id: str
    work_order_id: str
    sequence: int
    name: str
    work_centre_id: str
    duration_minutes: int
    setup_family: str = "default"
    alternatives: tuple[str, ...] = ()  # other eligible work centres (see substitutions)
    required_skill: str | None = None
    min_proficiency: int = 1
    status: OperationStatus = OperationStatus.PLANNED
    version: int = 1

    def __post_init__(self) -> None:
        if self.duration_minutes <= 0:
            raise ValidationError(f"operation {self.id} must take at least one minute")
        if not 1 <= self.min_proficiency <= 4:
            raise ValidationError("minimum proficiency must be 1 to 4")
        if self.work_centre_id in self.alternatives:
            raise ValidationError(
                f"operation {self.id} lists its own work centre as an alternative"
            )

    @property
    def eligible_work_centres(self) -> tuple[str, ...]:
        return (self.work_centre_id, *self.alternatives)


class TimestampKind(enum.StrEnum):
    START = "START"
    STOP = "STOP"
    PAUSE = "PAUSE"
    RESUME = "RESUME"


_NEXT_TIMESTAMP: dict[TimestampKind | None, frozenset[TimestampKind]] = {
    None: frozenset({TimestampKind.START}),
    TimestampKind.START: frozenset({TimestampKind.PAUSE, TimestampKind.STOP}),
    TimestampKind.PAUSE: frozenset({TimestampKind.RESUME, TimestampKind.STOP}),
    TimestampKind.RESUME: frozenset({TimestampKind.PAUSE, TimestampKind.STOP}),
    TimestampKind.STOP: frozenset(),
}


@dataclass(frozen=True, slots=True)
class OperationTimestamp:
    operation_id: str
    kind: TimestampKind
    at: datetime
    work_centre_id: str | None = None
    operator_id: str | None = None
    workstation: str | None = None
    recorded_by: str | None = None


def check_timestamp_sequence(
    previous: TimestampKind | None, kind: TimestampKind, operation_id: str
) -> None:
    """START, then PAUSE/RESUME pairs, then STOP: anything else is refused."""
    if kind not in _NEXT_TIMESTAMP[previous]:
        after = previous.value if previous else "nothing"
        raise ValidationError(
            f"operation {operation_id}: {kind.value} cannot follow {after}",
            operation_id=operation_id,
        )


def worked_minutes(stamps: list[OperationTimestamp]) -> float:
    """Minutes between START and STOP minus paused time."""
    total = 0.0
    running_since: datetime | None = None
    for s in sorted(stamps, key=lambda s: s.at):
        if s.kind in (TimestampKind.START, TimestampKind.RESUME):
            running_since = s.at
        elif running_since is not None:
            total += (s.at - running_since).total_seconds() / 60.0
            running_since = None
    return total


@dataclass(frozen=True, slots=True)
class ProductionLog:
    work_order_id: str
    at: datetime
    event_type: str  # started, paused, resumed, completed, milestone, issue, note
    quantity: float | None = None
    operator_id: str | None = None
    machine_id: str | None = None
    notes: str | None = None
    logged_by: str | None = None
    extra: dict[str, object] = field(default_factory=dict)
