"""Alerts that people acknowledge, and detected anomalies (seeds 000 and 003)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from domain.errors import RuleViolation, ValidationError, Violation


class AlertSeverity(enum.StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return ["info", "warning", "error", "critical"].index(self.value)

    @property
    def is_urgent(self) -> bool:
        """High (error) or critical: the severities the inbox cues and flashes for."""
        return self.rank >= AlertSeverity.ERROR.rank

    def raised(self) -> AlertSeverity:
        order = list(AlertSeverity)
        return order[min(self.rank + 1, len(order) - 1)]


class AlertState(enum.StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    SNOOZED = "snoozed"
    RESOLVED = "resolved"


class AlertType(enum.StrEnum):
    ZONE_EMPTY = "zone_empty"
    ZONE_OVERFLOW = "zone_overflow"
    IDLE_THRESHOLD = "idle_threshold"
    MACHINE_ANOMALY = "machine_anomaly"
    MACHINE_BREAKDOWN = "machine_breakdown"
    LATE_WORK_ORDER = "late_work_order"
    CERTIFICATION_EXPIRING = "certification_expiring"
    MATERIAL_LOW = "material_low"
    CAMERA_OFFLINE = "camera_offline"
    CAMERA_MOVED = "camera_moved"
    ABSENCE_RISK = "absence_risk"


_ALERT_TRANSITIONS: dict[AlertState, frozenset[AlertState]] = {
    AlertState.NEW: frozenset({AlertState.ACKNOWLEDGED, AlertState.SNOOZED, AlertState.RESOLVED}),
    AlertState.ACKNOWLEDGED: frozenset({AlertState.RESOLVED, AlertState.SNOOZED}),
    AlertState.SNOOZED: frozenset({AlertState.NEW, AlertState.ACKNOWLEDGED, AlertState.RESOLVED}),
    AlertState.RESOLVED: frozenset(),
}


@dataclass(slots=True)
class Alert:
    alert_type: AlertType
    severity: AlertSeverity
    message: str
    raised_at: datetime
    dedup_key: str  # one open alert per key: repeats bump ``occurrences``
    state: AlertState = AlertState.NEW
    owner: str | None = None
    zone_id: str | None = None
    camera_id: str | None = None
    machine_id: str | None = None
    operator_id: str | None = None
    work_order_id: str | None = None
    occurrences: int = 1
    last_seen_at: datetime | None = None
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    comment: str | None = None
    snoozed_until: datetime | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    escalated_at: datetime | None = None
    context: dict[str, Any] = field(default_factory=dict)  # metric window, snapshot ref, ...
    id: int | None = None
    version: int = 1

    def _move(self, to: AlertState) -> None:
        if to not in _ALERT_TRANSITIONS[self.state]:
            raise RuleViolation(
                [
                    Violation(
                        "alert_state",
                        f"alert {self.id} is {self.state.value} and cannot become {to.value}",
                    )
                ]
            )
        self.state = to

    @property
    def is_open(self) -> bool:
        return self.state is not AlertState.RESOLVED

    def acknowledge(self, user: str, at: datetime, comment: str | None = None) -> None:
        self._move(AlertState.ACKNOWLEDGED)
        self.acknowledged_by = user
        self.acknowledged_at = at
        self.comment = comment
        self.owner = self.owner or user

    def snooze(self, user: str, until: datetime, at: datetime) -> None:
        if until <= at:
            raise ValidationError("snooze until a time in the future")
        self._move(AlertState.SNOOZED)
        self.snoozed_until = until
        self.owner = self.owner or user

    def wake_if_due(self, now: datetime) -> bool:
        if self.state is AlertState.SNOOZED and self.snoozed_until and now >= self.snoozed_until:
            self.state = AlertState.NEW
            self.snoozed_until = None
            return True
        return False

    def resolve(self, user: str, at: datetime, comment: str | None = None) -> None:
        self._move(AlertState.RESOLVED)
        self.resolved_by = user
        self.resolved_at = at
        if comment:
            self.comment = comment

    def repeat(self, at: datetime) -> None:
        """The same condition fired again while the alert is open (de-duplication)."""
        self.occurrences += 1
        self.last_seen_at = at

    def due_for_escalation(self, now: datetime, after: timedelta) -> bool:
        return (
            self.state is AlertState.NEW
            and self.escalated_at is None
            and now - self.raised_at >= after
        )

    def escalate(self, at: datetime) -> None:
        self.severity = self.severity.raised()
        self.escalated_at = at


class AnomalySeverity(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


@dataclass(slots=True)
class Anomaly:
    at: datetime
    anomaly_type: str
    severity: AnomalySeverity
    description: str
    score: float | None = None
    machine_id: str | None = None
    zone_id: str | None = None
    camera_id: str | None = None
    operator_id: str | None = None
    index_number: int | None = None
    root_cause: str | None = None
    resolution: str | None = None
    auto_detected: bool = True
    resolved: bool = False
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
