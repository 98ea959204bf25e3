"""The alert rules: which conditions raise which alerts, and how an alert lives afterwards.

Two halves, both pure:

* **Rules** turn the plant's state into :class:`Condition` verdicts ("zone Z is empty: yes/no",
  with a severity). One function per alert type: :func:`zone_staffing`,
  :func:`idle_beyond_threshold`, :func:`machine_anomaly`, :func:`machine_breakdown`,
  :func:`late_work_order`, :func:`certification_expiring`, :func:`material_below_safety_stock`.
* The :class:`AlertEngine` turns a stream of verdicts into alerts (:class:`~domain.model.alerts.
  Alert`) and reports every change as an :class:`AlertAction` for services to store and
  publish:

  - **de-duplication**: one open alert per key (alert type + subject); the condition starting
    again while its alert is open bumps ``occurrences`` instead of raising a second alert;
  - **flapping**: a condition that clears and comes back within ``flap_window`` is the same
    alert; a cleared alert is resolved by the system only after ``flap_window`` of quiet; after
    a person resolves an alert, the same key raises nothing new for ``flap_window``;
  - **debounce**: a type may need its condition to hold ``raise_after`` before it raises;
  - **escalation**: an alert still ``new`` (nobody acknowledged or snoozed it) while its
    condition holds is escalated once, one severity up, after ``escalate_after`` (counted from
    when it was raised or woke from a snooze);
  - **snooze wake-up**: a snoozed alert becomes ``new`` again when its time is up.

Feed :meth:`AlertEngine.observe` with the current verdict of every rule each time the rules run
(level, not edge: repeating an unchanged verdict is cheap and harmless) and call
:meth:`AlertEngine.tick` periodically for the time-driven changes. People's actions
(acknowledge, snooze, resolve) go through the ``Alert`` methods; the engine notices them.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from domain.model.alerts import Alert, AlertSeverity, AlertState, AlertType
from domain.model.people import OperatorSkill
from domain.model.plant import Machine, MachineStatus
from domain.model.products import Material
from domain.model.vision import Zone
from domain.model.work import Priority, WorkOrder

SYSTEM_USER = "system"


@dataclass(frozen=True, slots=True)
class Condition:
    """One rule's verdict about one subject at one moment: the problem exists or not."""

    alert_type: AlertType
    subject: str  # what it is about: a zone id, "machine:metric", a work order id, ...
    active: bool
    at: datetime
    severity: AlertSeverity = AlertSeverity.WARNING
    message: str = ""
    zone_id: str | None = None
    camera_id: str | None = None
    machine_id: str | None = None
    operator_id: str | None = None
    work_order_id: str | None = None
    context: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The de-duplication key: one open alert per key."""
        return f"{self.alert_type.value}:{self.subject}"


# -- rules ------------------------------------------------------------------------------------


def zone_staffing(zone: Zone, count: int, at: datetime) -> list[Condition]:
    """Zone empty (or below its minimum) and zone overflow, as the zone's flags ask.

    Empty is an error, understaffed (some people, fewer than the minimum) a warning, overflow
    a warning. A flag that is off gives an inactive verdict, so an open alert clears.
    """
    state = zone.staffing(count)
    ids = {"zone_id": zone.id, "camera_id": zone.camera_id}
    context = {"count": count, "min_workers": zone.min_workers, "max_workers": zone.max_workers}
    short = zone.alert_on_empty and state in ("empty", "understaffed")
    over = zone.alert_on_overflow and state == "overflow"
    if state == "empty":
        short_text = f"zone {zone.name} is empty (needs {zone.min_workers})"
    else:
        short_text = f"zone {zone.name} has {count} of the {zone.min_workers} people it needs"
    return [
        Condition(
            AlertType.ZONE_EMPTY,
            zone.id,
            short,
            at,
            AlertSeverity.ERROR if state == "empty" else AlertSeverity.WARNING,
            short_text if short else "",
            context=context,
            **ids,
        ),
        Condition(
            AlertType.ZONE_OVERFLOW,
            zone.id,
            over,
            at,
            AlertSeverity.WARNING,
            f"zone {zone.name} holds {count} people (at most {zone.max_workers})" if over else "",
            context=context,
            **ids,
        ),
    ]


def idle_beyond_threshold(
    zone: Zone, subject: str, idle_seconds: float, at: datetime, operator_id: str | None = None
) -> Condition:
    """A person (track or operator) idle in a zone for longer than the zone's threshold:
    a warning, an error from three times the threshold."""
    threshold = zone.idle_threshold_s
    active = idle_seconds >= threshold
    severity = AlertSeverity.ERROR if idle_seconds >= 3 * threshold else AlertSeverity.WARNING
    return Condition(
        AlertType.IDLE_THRESHOLD,
        f"{zone.id}:{subject}",
        active,
        at,
        severity,
        f"{subject} idle for {idle_seconds / 60:.0f} min in zone {zone.name}" if active else "",
        zone_id=zone.id,
        camera_id=zone.camera_id,
        operator_id=operator_id,
        context={"idle_seconds": idle_seconds, "threshold_s": threshold},
    )


def anomaly_severity(
    score: float, threshold: float, error_ratio: float = 1.5, critical_ratio: float = 3.0
) -> AlertSeverity:
    """Severity of an anomaly score: warning at the threshold, error and critical at the given
    multiples of it."""
    if threshold <= 0:
        raise ValueError("an anomaly threshold is positive")
    ratio = score / threshold
    if ratio >= critical_ratio:
        return AlertSeverity.CRITICAL
    if ratio >= error_ratio:
        return AlertSeverity.ERROR
    return AlertSeverity.WARNING


def machine_anomaly(
    machine_id: str,
    metric: str,
    score: float,
    threshold: float,
    at: datetime,
    window: Mapping[str, Any] | None = None,
) -> Condition:
    """A detector's score on one machine metric at or above its threshold. ``window`` is the
    metric window to show with the alert (timestamps and values)."""
    active = score >= threshold
    return Condition(
        AlertType.MACHINE_ANOMALY,
        f"{machine_id}:{metric}",
        active,
        at,
        anomaly_severity(score, threshold) if active else AlertSeverity.WARNING,
        f"unusual {metric} on machine {machine_id} (score {score:.2f})" if active else "",
        machine_id=machine_id,
        context={"metric": metric, "score": score, "threshold": threshold, **(window or {})},
    )


def machine_breakdown(machine: Machine, at: datetime) -> Condition:
    """A machine in breakdown: critical."""
    active = machine.status is MachineStatus.BREAKDOWN
    return Condition(
        AlertType.MACHINE_BREAKDOWN,
        machine.id,
        active,
        at,
        AlertSeverity.CRITICAL,
        f"machine {machine.name} is broken down" if active else "",
        machine_id=machine.id,
        context={"status": machine.status.value},
    )


_LATE_SEVERITY = {
    Priority.LOW: AlertSeverity.INFO,
    Priority.MEDIUM: AlertSeverity.WARNING,
    Priority.HIGH: AlertSeverity.ERROR,
    Priority.URGENT: AlertSeverity.CRITICAL,
}


def late_work_order(
    order: WorkOrder, now: datetime, very_late: timedelta = timedelta(days=1)
) -> Condition:
    """An open work order past its due date; the severity follows its priority, one step up
    once it is ``very_late``."""
    active = order.is_late(now)
    severity = _LATE_SEVERITY[order.priority]
    lateness = now - order.due_date
    if active and lateness >= very_late:
        severity = severity.raised()
    hours = lateness.total_seconds() / 3600
    return Condition(
        AlertType.LATE_WORK_ORDER,
        order.id,
        active,
        now,
        severity,
        f"work order {order.number} is {hours:.1f} h late ({order.progress:.0f} % done)"
        if active
        else "",
        work_order_id=order.id,
        context={"due": order.due_date.isoformat(), "priority": order.priority.value},
    )


def certification_expiring(
    operator_id: str,
    skill: OperatorSkill,
    now: datetime,
    warn_days: int = 30,
    operator_name: str | None = None,
) -> Condition:
    """A certification that expires within ``warn_days``: info, a warning in the last week,
    an error once expired. The message names the operator when ``operator_name`` is given."""
    days = skill.days_to_expiry(now.date())
    active = days is not None and days <= warn_days
    if days is not None and days < 0:
        severity, text = AlertSeverity.ERROR, f"expired {-days} days ago"
    elif days is not None and days <= 7:
        severity, text = AlertSeverity.WARNING, f"expires in {days} days"
    else:
        severity, text = AlertSeverity.INFO, f"expires in {days} days"
    return Condition(
        AlertType.CERTIFICATION_EXPIRING,
        f"{operator_id}:{skill.skill_code}",
        active,
        now,
        severity,
        (
            (
                f"{operator_name}: certificate '{skill.skill_name}' {text}"
                if operator_name
                else f"certification {skill.skill_name} of operator {operator_id} {text}"
            )
            if active
            else ""
        ),
        operator_id=operator_id,
        context={"skill": skill.skill_code, "days_to_expiry": days},
    )


def material_below_safety_stock(material: Material, now: datetime) -> Condition:
    """Available stock (on hand minus allocated) below the safety stock: a warning, an error
    when nothing is available."""
    available = material.on_hand - material.allocated
    safety = material.safety_stock
    active = safety is not None and available < safety
    severity = AlertSeverity.ERROR if available <= 0 else AlertSeverity.WARNING
    return Condition(
        AlertType.MATERIAL_LOW,
        material.id,
        active,
        now,
        severity,
        f"{material.name}: {available:g} {material.unit_of_measure} available, "
        f"safety stock {safety:g}"
        if active and safety is not None
        else "",
        context={"available": available, "safety_stock": safety},
    )


# -- the engine -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AlertPolicy:
    """The engine's time rules; per-type entries override the defaults."""

    flap_window: timedelta = timedelta(minutes=10)
    escalate_after: timedelta | None = timedelta(minutes=15)
    escalate_after_by_type: Mapping[AlertType, timedelta | None] = field(default_factory=dict)
    raise_after_by_type: Mapping[AlertType, timedelta] = field(default_factory=dict)
    owners: Mapping[AlertType, str] = field(default_factory=dict)
    auto_resolve: bool = True

    def escalation_delay(self, alert_type: AlertType) -> timedelta | None:
        return self.escalate_after_by_type.get(alert_type, self.escalate_after)

    def raise_delay(self, alert_type: AlertType) -> timedelta:
        return self.raise_after_by_type.get(alert_type, timedelta(0))


class ActionKind(enum.StrEnum):
    RAISED = "raised"  # a new alert
    REPEATED = "repeated"  # its condition started again while it was open (occurrences + 1)
    SEVERITY_RAISED = "severity_raised"  # the condition got worse
    CLEARED = "cleared"  # the condition stopped; the alert stays open for now
    RESOLVED = "resolved"  # resolved by the system after a quiet flap window
    ESCALATED = "escalated"  # nobody took it on in time: one severity up
    WOKEN = "woken"  # a snooze ended


@dataclass(frozen=True, slots=True)
class AlertAction:
    kind: ActionKind
    key: str
    alert: Alert
    at: datetime


@dataclass(slots=True)
class _Track:
    """What the engine remembers about one key."""

    last: Condition | None = None
    active_since: datetime | None = None
    cleared_at: datetime | None = None
    resolved_at: datetime | None = None  # when its last alert was resolved
    clock_from: datetime | None = None  # escalation is counted from here
    flaps: int = 0


class AlertEngine:
    """Turns rule verdicts into alerts: de-duplication, flapping, escalation, snooze wake-ups.

    ``open_alerts`` restores the open alerts after a restart (their keys are ``dedup_key``).
    """

    def __init__(
        self, policy: AlertPolicy | None = None, open_alerts: Iterable[Alert] = ()
    ) -> None:
        self.policy = policy or AlertPolicy()
        self._open: dict[str, Alert] = {a.dedup_key: a for a in open_alerts if a.is_open}
        self._tracks: dict[str, _Track] = {}

    def open_alerts(self) -> list[Alert]:
        return [a for a in self._open.values() if a.is_open]

    def alert(self, key: str) -> Alert | None:
        found = self._open.get(key)
        return found if found is not None and found.is_open else None

    def observe(self, conditions: Iterable[Condition]) -> list[AlertAction]:
        actions: list[AlertAction] = []
        for condition in conditions:
            actions += self._observe(condition)
        return actions

    def tick(self, now: datetime) -> list[AlertAction]:
        """Time-driven changes: snooze wake-ups, auto-resolution, delayed raises, escalation."""
        actions: list[AlertAction] = []
        for key in list(self._open):
            alert = self._current(key)
            if alert is None:
                continue
            track = self._track(key)
            if alert.wake_if_due(now):
                track.clock_from = now
                actions.append(AlertAction(ActionKind.WOKEN, key, alert, now))
            if (
                self.policy.auto_resolve
                and track.cleared_at is not None
                and now - track.cleared_at >= self.policy.flap_window
            ):
                alert.resolve(SYSTEM_USER, now, "condition cleared")
                self._forget(key, now)
                actions.append(AlertAction(ActionKind.RESOLVED, key, alert, now))
                continue
            delay = self.policy.escalation_delay(alert.alert_type)
            started = track.clock_from or alert.raised_at
            if (
                delay is not None
                and track.cleared_at is None
                and alert.state is AlertState.NEW
                and alert.escalated_at is None
                and now - started >= delay
            ):
                alert.escalate(now)
                actions.append(AlertAction(ActionKind.ESCALATED, key, alert, now))
        for key, track in self._tracks.items():
            if track.last is not None and track.last.active and self._current(key) is None:
                raised = self._maybe_raise(key, track, now)
                if raised is not None:
                    actions.append(raised)
        return actions

    # -- internals ------------------------------------------------------------------------
    def _track(self, key: str) -> _Track:
        return self._tracks.setdefault(key, _Track())

    def _current(self, key: str) -> Alert | None:
        """The open alert of ``key``; notices an alert a person has resolved meanwhile."""
        alert = self._open.get(key)
        if alert is None:
            return None
        if not alert.is_open:
            self._forget(key, alert.resolved_at or alert.raised_at)
            return None
        return alert

    def _forget(self, key: str, resolved_at: datetime) -> None:
        self._open.pop(key, None)
        track = self._track(key)
        track.resolved_at = resolved_at
        track.cleared_at = None
        track.clock_from = None
        track.flaps = 0

    def _observe(self, condition: Condition) -> list[AlertAction]:
        key, at = condition.key, condition.at
        track = self._track(key)
        alert = self._current(key)
        # an alert restored after a restart is taken as ongoing until a verdict says otherwise
        was_active = track.last.active if track.last is not None else alert is not None
        track.last = condition
        if not condition.active:
            track.active_since = None
            if alert is not None and was_active and track.cleared_at is None:
                track.cleared_at = at
                return [AlertAction(ActionKind.CLEARED, key, alert, at)]
            return []
        if not was_active or track.active_since is None:
            track.active_since = at
        if alert is None:
            raised = self._maybe_raise(key, track, at)
            return [raised] if raised is not None else []
        actions: list[AlertAction] = []
        if not was_active or track.cleared_at is not None:
            # the condition started again while its alert is open: same alert, one more time
            if track.cleared_at is not None:
                track.flaps += 1
                track.cleared_at = None
            alert.repeat(at)
            alert.context["flaps"] = track.flaps
            actions.append(AlertAction(ActionKind.REPEATED, key, alert, at))
        else:
            alert.last_seen_at = at
        if condition.severity.rank > alert.severity.rank:
            alert.severity = condition.severity
            alert.message = condition.message or alert.message
            actions.append(AlertAction(ActionKind.SEVERITY_RAISED, key, alert, at))
        return actions

    def _maybe_raise(self, key: str, track: _Track, now: datetime) -> AlertAction | None:
        condition = track.last
        if condition is None or track.active_since is None:
            return None
        if now - track.active_since < self.policy.raise_delay(condition.alert_type):
            return None  # debounce: not held long enough yet
        if track.resolved_at is not None and now - track.resolved_at < self.policy.flap_window:
            return None  # resolved moments ago: flapping, not a new problem yet
        alert = Alert(
            alert_type=condition.alert_type,
            severity=condition.severity,
            message=condition.message or condition.key,
            raised_at=now,
            dedup_key=key,
            owner=self.policy.owners.get(condition.alert_type),
            zone_id=condition.zone_id,
            camera_id=condition.camera_id,
            machine_id=condition.machine_id,
            operator_id=condition.operator_id,
            work_order_id=condition.work_order_id,
            last_seen_at=now,
            context=dict(condition.context),
        )
        self._open[key] = alert
        track.cleared_at = None
        track.clock_from = now
        track.flaps = 0
        return AlertAction(ActionKind.RAISED, key, alert, now)
