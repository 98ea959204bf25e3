"""AlertStore: the seat's alerts on the GUI thread, read and written off it.

Reads run on the runner's query pool one at a time (ids that change meanwhile trigger one more
read afterwards); every alert change from any seat (``Topic.ALERT`` on ``ctx.hub``) re-reads.
Writes (acknowledge, resolve, snooze, assign) go to the write lane with the version the seat
shows, so a stale one is refused and the refusal is said in words; the list is re-read then.

The store holds every open alert and the most recent resolved ones, whatever the inbox's
filter, so the counts in the dock's title and the cue do not depend on what is shown.
Arrivals that deserve a cue (an alert raised, escalated, made worse or woken, at error or
critical) come from the change events themselves, so an alert raised on another seat cues here.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.context import DesktopContext
from desktop.messages import describe
from domain.auth import Actor, Permission, Role
from domain.events import ChangeEvent, Topic
from domain.model.alerts import Alert, AlertSeverity, AlertState
from services.alerts.details import AlertDetail, alert_detail
from services.alerts.service import OPEN_STATES, AlertFilter, AlertService, RefreshReport

log = logging.getLogger(__name__)

RULES_MS = 60_000  # the rules run (and ages refresh) once a minute
RESOLVED_SHOWN = 200
CUE_KINDS = frozenset({"raised", "escalated", "severity_raised", "woken"})
CUE_SEVERITIES = frozenset(s.value for s in AlertSeverity if s.is_urgent)


def cue_worthy(events: Iterable[ChangeEvent]) -> list[int]:
    """Ids of alerts that became high or critical problems in ``events``."""
    out: list[int] = []
    for e in events:
        if e.topic is not Topic.ALERT or e.kind not in CUE_KINDS:
            continue
        if e.data.get("severity") not in CUE_SEVERITIES:
            continue
        out += [int(i) for i in e.ids if str(i).isdigit() and int(i) not in out]
    return out


def _load(service: AlertService) -> list[Alert]:
    open_ = service.list_alerts(AlertFilter(states=OPEN_STATES, limit=2000))
    resolved = service.list_alerts(
        AlertFilter(states=frozenset({AlertState.RESOLVED}), limit=RESOLVED_SHOWN)
    )
    return open_ + resolved


class AlertStore(QObject):
    reset = Signal()  # the list was (re)loaded or an alert in it changed
    arrived = Signal(object)  # list[int]: ids of new high/critical problems (from events)
    failed = Signal(str)  # a refused or failed action, in words
    committed = Signal(str)  # a description of an action the service accepted

    def __init__(
        self, ctx: DesktopContext, parent: QObject | None = None, *, run_rules: bool = True
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.service = AlertService(ctx.app)
        self.alerts: dict[int, Alert] = {}
        self.pending: dict[int, str] = {}  # alert id -> the action on its way
        self.run_rules = run_rules and ctx.actor.can(Permission.ACKNOWLEDGE_ALERTS)
        self.loaded = False
        self._own_requests: set[str] = set()
        self._reading = False
        self._again = False
        self._timer = QTimer(self)
        self._timer.setInterval(RULES_MS)
        self._timer.timeout.connect(self.tick)
        ctx.hub.changed.connect(self._on_hub_changed)

    @property
    def can_act(self) -> bool:
        return self.ctx.actor.can(Permission.ACKNOWLEDGE_ALERTS)

    def now(self) -> datetime:
        return self.ctx.app.clock.now()

    def start(self) -> None:
        self.tick()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    # -- reading ---------------------------------------------------------------------------
    def reload(self) -> None:
        if self._reading:
            self._again = True
            return
        self._reading = True
        job = self.ctx.runner.query(_load, self.service, name="alerts", owner=self)
        job.on_success(self._apply).on_failure(self.ctx.report_error).on_finished(self._done)

    def _done(self) -> None:
        self._reading = False
        if self._again:
            self._again = False
            self.reload()

    def _apply(self, alerts: list[Alert]) -> None:
        self.alerts = {a.id: a for a in alerts if a.id is not None}
        self.loaded = True
        self.reset.emit()

    def _on_hub_changed(self, events: list[ChangeEvent]) -> None:
        mine = [e for e in events if e.topic is Topic.ALERT]
        if not mine:
            return
        arrived = cue_worthy(mine)
        if any(e.request_id not in self._own_requests for e in mine):
            self.reload()
        if arrived:
            self.arrived.emit(arrived)

    def detail(self, alert_id: int, done: Callable[[AlertDetail], None]) -> None:
        """The alert's snapshot and metric window, read off the GUI thread."""
        job = self.ctx.runner.query(
            alert_detail, self.ctx.app, alert_id, name="alert detail", owner=self
        )
        job.on_success(done).on_failure(self.ctx.report_error)

    def owners(self, done: Callable[[list[tuple[str, str]]], None]) -> None:
        job = self.ctx.runner.query(self.service.owners, name="alert owners", owner=self)
        job.on_success(done).on_failure(self.ctx.report_error)

    # -- the rules -------------------------------------------------------------------------
    def system_actor(self) -> Actor:
        return Actor("system", Role.ADMIN, self.ctx.seat, "automated_system")

    def tick(self) -> None:
        """Run the rules (when this seat runs them), then re-read (ages move with the clock)."""
        if not self.run_rules:
            self.reload()
            return
        job = self.ctx.runner.command(
            self.service.refresh, self.system_actor(), name="alert rules", owner=self
        )
        job.on_success(self._rules_done).on_failure(self._rules_failed)

    def _rules_done(self, report: RefreshReport) -> None:
        # re-read even when the rules changed nothing (ages move) and without waiting for
        # their change events (the feed may be down; a read meanwhile is merged into one)
        self.reload()

    def _rules_failed(self, exc: BaseException) -> None:
        log.warning("alert rules did not run: %s", describe(exc))
        self.reload()

    # -- writing ---------------------------------------------------------------------------
    def acknowledge(self, alert_ids: Iterable[int], comment: str | None) -> None:
        self._each(alert_ids, "acknowledge", self.service.acknowledge, comment=comment)

    def resolve(self, alert_ids: Iterable[int], comment: str | None = None) -> None:
        self._each(alert_ids, "resolve", self.service.resolve, comment=comment)

    def snooze(self, alert_ids: Iterable[int], until: datetime) -> None:
        self._each(alert_ids, "snooze", self.service.snooze, until)

    def assign(self, alert_ids: Iterable[int], owner: str | None) -> None:
        self._each(alert_ids, "assign", self.service.assign, owner)

    def _each(
        self, alert_ids: Iterable[int], verb: str, fn: Any, *args: Any, **kwargs: Any
    ) -> None:
        """``fn(actor, alert id, *args, expected_version=..., **kwargs)`` for each alert."""
        for alert in self._targets(alert_ids, verb):
            version = alert.version
            self._send(
                alert, verb, fn, self.ctx.actor, alert.id, *args, expected_version=version, **kwargs
            )

    def _targets(self, alert_ids: Iterable[int], verb: str) -> list[Alert]:
        out = []
        for i in alert_ids:
            alert = self.alerts.get(i)
            if alert is None:
                continue
            if i in self.pending:
                self.failed.emit(f"alert {i}: still waiting for the answer to {self.pending[i]}")
                continue
            out.append(alert)
        if not self.can_act and out:
            self.failed.emit(f"{self.ctx.actor.user} may not {verb} alerts")
            return []
        return out

    def _send(self, alert: Alert, verb: str, fn: Any, *args: Any, **kwargs: Any) -> None:
        assert alert.id is not None
        alert_id = alert.id
        request_id = uuid.uuid4().hex
        self._own_requests.add(request_id)
        self.pending[alert_id] = verb
        self.reset.emit()

        def ok(updated: Alert) -> None:
            self.pending.pop(alert_id, None)
            self.alerts[alert_id] = updated
            self.reset.emit()
            self.committed.emit(f"alert {alert_id}: {updated.state.value} ({verb})")

        def bad(exc: BaseException) -> None:
            self._own_requests.discard(request_id)
            self.pending.pop(alert_id, None)
            self.reset.emit()
            self.failed.emit(describe(exc))
            self.reload()  # show what is stored now (a stale write: somebody changed it)

        self.ctx.runner.command(
            fn, *args, request_id=request_id, name=f"alert {verb}", owner=self, **kwargs
        ).on_success(ok).on_failure(bad)
