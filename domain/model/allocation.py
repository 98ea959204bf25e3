"""Allocations of operators and machines to work orders, and their change events (seed 002 §3.5)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain._checks import require_order
from domain.errors import RuleViolation, ValidationError, Violation


class AllocationType(enum.StrEnum):
    OPERATOR = "operator"
    MACHINE = "machine"
    OPERATOR_MACHINE = "operator_machine"


class AllocationStatus(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"
    RELEASED = "released"
    CANCELLED = "cancelled"

    @property
    def holds_resources(self) -> bool:
        """Active and paused allocations keep their operator and machine booked."""
        return self in (AllocationStatus.ACTIVE, AllocationStatus.PAUSED)


class AllocationMethod(enum.StrEnum):
    MANUAL = "manual"
    AI_SUGGESTED = "ai_suggested"
    AUTOMATED = "automated"


class AllocationEventType(enum.StrEnum):
    CREATED = "created"
    REASSIGNED = "reassigned"
    RELEASED = "released"
    COMPLETED = "completed"
    PAUSED = "paused"
    RESUMED = "resumed"


class ChangeSource(enum.StrEnum):
    SUPERVISOR_UI = "supervisor_ui"
    API = "api"
    AUTOMATED_SYSTEM = "automated_system"
    INTEGRATION = "integration"


_TRANSITIONS: dict[AllocationStatus, frozenset[AllocationStatus]] = {
    AllocationStatus.ACTIVE: frozenset(
        {
            AllocationStatus.PAUSED,
            AllocationStatus.COMPLETED,
            AllocationStatus.RELEASED,
            AllocationStatus.CANCELLED,
        }
    ),
    AllocationStatus.PAUSED: frozenset(
        {
            AllocationStatus.ACTIVE,
            AllocationStatus.COMPLETED,
            AllocationStatus.RELEASED,
            AllocationStatus.CANCELLED,
        }
    ),
    AllocationStatus.COMPLETED: frozenset(),
    AllocationStatus.RELEASED: frozenset(),
    AllocationStatus.CANCELLED: frozenset(),
}


@dataclass(slots=True)
class Allocation:
    work_order_id: str
    allocation_type: AllocationType
    allocated_by: str
    allocated_at: datetime
    operator_id: str | None = None
    machine_id: str | None = None
    status: AllocationStatus = AllocationStatus.ACTIVE
    method: AllocationMethod = AllocationMethod.MANUAL
    suggestion_score: float | None = None
    expected_start: datetime | None = None
    expected_end: datetime | None = None
    actual_start: datetime | None = None
    actual_end: datetime | None = None
    released_by: str | None = None
    released_at: datetime | None = None
    release_reason: str | None = None
    id: int | None = None
    version: int = 1
    updated_by: str | None = None
    updated_seat: str | None = None
    updated_at: datetime | None = None

    def __post_init__(self) -> None:
        # by truthiness, as type_for: an empty id is no resource (it used to pass as MACHINE)
        if not self.operator_id and not self.machine_id:
            raise ValidationError("an allocation needs an operator, a machine or both")
        expected = (
            AllocationType.OPERATOR_MACHINE
            if self.operator_id and self.machine_id
            else AllocationType.OPERATOR
            if self.operator_id
            else AllocationType.MACHINE
        )
        if self.allocation_type is not expected:
            raise ValidationError(
                f"allocation type {self.allocation_type.value} does not match its resources "
                f"({expected.value})"
            )
        if self.suggestion_score is not None and not 0 <= self.suggestion_score <= 100:
            raise ValidationError("a suggestion score is between 0 and 100")
        if self.method is AllocationMethod.MANUAL and self.suggestion_score is not None:
            raise ValidationError("a manual allocation has no suggestion score")
        require_order("allocation window", self.expected_start, self.expected_end)

    @staticmethod
    def type_for(operator_id: str | None, machine_id: str | None) -> AllocationType:
        if operator_id and machine_id:
            return AllocationType.OPERATOR_MACHINE
        if operator_id:
            return AllocationType.OPERATOR
        if machine_id:
            return AllocationType.MACHINE
        raise ValidationError("an allocation needs an operator, a machine or both")

    def move_to(self, status: AllocationStatus) -> AllocationStatus:
        previous = self.status
        if status not in _TRANSITIONS[previous]:
            raise RuleViolation(
                [
                    Violation(
                        "allocation_status",
                        f"allocation {self.id} is {previous.value} "
                        f"and cannot become {status.value}",
                        {"allocation_id": self.id, "from": previous.value, "to": status.value},
                    )
                ]
            )
        self.status = status
        return previous

    def snapshot(self) -> dict[str, Any]:
        """The state recorded in change events (before/after)."""
        return {
            "work_order_id": self.work_order_id,
            "operator_id": self.operator_id,
            "machine_id": self.machine_id,
            "status": self.status.value,
            "allocation_type": self.allocation_type.value,
            "method": self.method.value,
            "suggestion_score": self.suggestion_score,
            "expected_start": self.expected_start.isoformat() if self.expected_start else None,
            "expected_end": self.expected_end.isoformat() if self.expected_end else None,
            "version": self.version,
        }


@dataclass(frozen=True, slots=True)
class AllocationChangeEvent:
    """The append-only history of an allocation: previous and new state, reason, who, where."""

    allocation_id: int
    event_type: AllocationEventType
    at: datetime
    changed_by: str
    seat: str
    source: ChangeSource
    previous_state: dict[str, Any] | None
    new_state: dict[str, Any] | None
    reason_code: str | None = None
    reason: str | None = None
    idle_time_prevented_minutes: int | None = None
    work_order_delay_minutes: int | None = None
    id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
