"""Zone alerts from the vision pipeline into the alerts table, de-duplicated by ``dedup_key``.

The analyser raises one alert per episode (``domain.rules.zone_alerts``: the zone stayed empty,
understaffed or overfull for the hold time, or a person stayed idle past the zone's
threshold). Here each one becomes an alert row through the alert rules of
``domain.rules.alerting`` (same keys, severities and messages as the rest of the control
room): while an alert with the same key is still open (new, acknowledged or snoozed), a new
episode bumps its ``occurrences`` instead of raising a second alert. A new alert keeps the
frame it was raised on as a JPEG snapshot (people pixelated when the policy says so).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from domain.model.alerts import Alert, AlertState, AlertType
from domain.rules.alerting import Condition, idle_beyond_threshold, zone_staffing
from services.persistence.tables.system import alerts as alerts_table
from services.persistence.uow import UnitOfWork
from services.vision.recording import PendingAlert

log = logging.getLogger(__name__)

SnapshotWriter = Callable[[PendingAlert, str], Path | None]


class Outcome(enum.StrEnum):
    RAISED = "raised"
    REPEATED = "repeated"
    SKIPPED = "skipped"


def track_subject(track_id: int) -> str:
    """The pseudonym of a person in alerts: the tracker's number, never a name."""
    return f"track {track_id}"


def condition_of(pending: PendingAlert) -> Condition | None:
    zone = pending.zone
    alert = pending.alert
    if zone is None:
        return None
    if alert.alert_type in (AlertType.ZONE_EMPTY, AlertType.ZONE_OVERFLOW):
        count = pending.count if pending.count is not None else 0
        for cond in zone_staffing(zone, count, pending.at):
            if cond.alert_type is alert.alert_type:
                return cond
        return None
    if alert.alert_type is AlertType.IDLE_THRESHOLD and alert.track_id is not None:
        # raised on the first frame past the threshold: the idle time is the threshold
        return idle_beyond_threshold(
            zone, track_subject(alert.track_id), float(zone.idle_threshold_s), pending.at
        )
    return None


def record_zone_alert(
    uow: UnitOfWork, pending: PendingAlert, snapshot: SnapshotWriter | None
) -> tuple[Outcome, Alert | None]:
    """Raise or repeat the alert of ``pending`` in the unit of work (no commit)."""
    cond = condition_of(pending)
    if cond is None:
        log.debug(
            "no alert rule for %s in zone %s", pending.alert.alert_type, pending.alert.zone_id
        )
        return Outcome.SKIPPED, None
    repo = uow.repos.alerts
    t = alerts_table
    found = repo.list(
        t.c.dedup_key == cond.key,
        t.c.state != AlertState.RESOLVED.value,
        order_by=[t.c.id.desc()],
        limit=1,
    )
    message = cond.message or pending.alert.message
    if found:
        existing = repo.require(found[0].id, lock=True)
        if existing.is_open:
            existing.repeat(pending.at)
            if cond.severity.rank > existing.severity.rank:
                existing.severity = cond.severity
                existing.message = message
            existing.context["vision_message"] = pending.alert.message
            repo.update(existing)
            return Outcome.REPEATED, existing
    context: dict[str, Any] = {
        **dict(cond.context),
        "source": "vision",
        "vision_message": pending.alert.message,
    }
    if pending.alert.track_id is not None:
        context["track_id"] = pending.alert.track_id
    alert = Alert(
        alert_type=cond.alert_type,
        severity=cond.severity,
        message=message,
        raised_at=pending.at,
        dedup_key=cond.key,
        zone_id=pending.alert.zone_id,
        camera_id=pending.camera_id,
        last_seen_at=pending.at,
        context=context,
    )
    if snapshot is not None and pending.image is not None:
        try:
            path = snapshot(pending, cond.alert_type.value)
        except OSError as exc:
            log.warning("alert snapshot not saved: %s", exc)
            path = None
        if path is not None:
            alert.context["snapshot"] = str(path)
    repo.add(alert)
    return Outcome.RAISED, alert
