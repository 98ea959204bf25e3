"""Scheduling scenarios and their entries (seed 004), and optimisation runs (seed 000)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain._checks import require_text
from domain.errors import RuleViolation, ValidationError, Violation


class PlanningLevel(enum.StrEnum):
    PLANT_FLOOR = "plant_floor"
    MID_LEVEL = "mid_level"
    HIGH_LEVEL = "high_level"


class ScenarioStatus(enum.StrEnum):
    DRAFT = "draft"
    OPTIMISED = "optimised"
    RELEASED = "released"
    ARCHIVED = "archived"


@dataclass(slots=True)
class SchedulingScenario:
    id: str
    name: str
    created_by: str
    created_at: datetime
    level: PlanningLevel = PlanningLevel.PLANT_FLOOR
    status: ScenarioStatus = ScenarioStatus.DRAFT
    objective: str = "makespan"
    metrics: dict[str, float] = field(default_factory=dict)  # makespan, tardiness, setup, ...
    released_at: datetime | None = None
    released_by: str | None = None
    notes: str | None = None
    version: int = 1

    def __post_init__(self) -> None:
        require_text("scenario name", self.name)

    def release(self, user: str, at: datetime) -> None:
        if self.status in (ScenarioStatus.RELEASED, ScenarioStatus.ARCHIVED):
            raise RuleViolation(
                [
                    Violation(
                        "scenario_status", f"scenario {self.name} is already {self.status.value}"
                    )
                ]
            )
        self.status = ScenarioStatus.RELEASED
        self.released_at = at
        self.released_by = user


@dataclass(slots=True)
class ScheduleEntry:
    scenario_id: str
    operation_id: str
    work_order_id: str
    work_centre_id: str
    start: datetime
    end: datetime
    setup_minutes: int = 0
    operator_id: str | None = None
    pinned: bool = False
    id: int | None = None
    version: int = 1

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValidationError(f"operation {self.operation_id} must end after it starts")

    def overlaps(self, other: ScheduleEntry) -> bool:
        return (
            self.work_centre_id == other.work_centre_id
            and self.start < other.end
            and other.start < self.end
        )


@dataclass(frozen=True, slots=True)
class OptimisationRun:
    kind: str  # schedule, roster, allocation
    started_at: datetime
    finished_at: datetime | None
    status: str
    objective: float | None
    bound: float | None
    parameters: dict[str, Any] = field(default_factory=dict)
    result: dict[str, Any] = field(default_factory=dict)
    requested_by: str | None = None
    id: int | None = None
