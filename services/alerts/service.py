"""The alert service: what people do with alerts, and the rules run over the plant's state.

Every write is one short unit of work that

1. locks the alert (``FOR UPDATE`` on PostgreSQL; SQLite writers hold the write lock);
2. refuses a stale write (``expected_version`` older than the stored one) with
   :class:`~domain.errors.ConcurrentEdit` naming who changed it last, from which seat, when;
3. applies the domain transition (``Alert.acknowledge`` / ``snooze`` / ``resolve`` ...), which
   refuses an impossible one (RuleViolation: a resolved alert stays resolved);
4. writes the row (version + 1), an audit row and a ``Change(Topic.ALERT, kind, (id,))``
   that every seat receives.

:meth:`AlertService.refresh` runs the domain :class:`~domain.rules.alerting.AlertEngine` over
the plant's current verdicts (``services.alerts.conditions``), restored from the open alerts,
so a condition that holds raises one alert per ``dedup_key`` and only repeats it afterwards.
A refresh is stateless between runs; what the engine would remember lives in the alert row's
``context``: ``cleared_at`` (the condition stopped; the system resolves the alert after a
quiet ``flap_window``), ``flaps`` (times it came back), ``woke_at`` (a snooze ended: the
escalation clock restarts there). After a person resolves an alert, the same key raises
nothing new for ``flap_window`` (flapping). Escalation (one severity up, once) applies to
alerts still ``new`` after the policy's delay.

The escalation delay and the flap window come from the site's policy (``settings`` table,
``takt alerts policy``) unless the service is given one. The engine's debounce
(``raise_after_by_type``) is not applied across runs: a refresh raises on the first run that
sees the condition.

Rows are written only when something a person would notice changed (raised, repeated, worse,
cleared, resolved, escalated, woken), so the rules running every minute never make a person's
acknowledgement stale.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.engine import Connection

from domain.auth import Actor, Permission
from domain.errors import NotFound, ValidationError
from domain.events import Change, Topic
from domain.model.alerts import Alert, AlertSeverity, AlertState, AlertType
from domain.rules.alerting import (
    SYSTEM_USER,
    ActionKind,
    AlertEngine,
    AlertPolicy,
    Condition,
)
from services.alerts.conditions import COMPLETE_TYPES, RuleSettings, plant_conditions
from services.alerts.policy import (
    POLICY_KEY,
    policy_to_setting,
    read_site_policy,
    write_site_policy,
)
from services.bootstrap import App
from services.persistence.repositories import ALERT, Repositories
from services.persistence.tables.system import alerts as alerts_table
from services.persistence.tables.system import users as users_table
from services.persistence.uow import UnitOfWork

log = logging.getLogger(__name__)

# pg_advisory_xact_lock key: one refresh at a time across all seats ("alrt")
REFRESH_LOCK_KEY = 0x616C7274

Changed = dict[int, tuple[Alert, list[str]]]  # alert id -> the alert and what happened to it

OPEN_STATES: frozenset[AlertState] = frozenset(
    {AlertState.NEW, AlertState.ACKNOWLEDGED, AlertState.SNOOZED}
)
DEFAULT_LIMIT = 500


@dataclass(frozen=True, slots=True)
class AlertFilter:
    """Which alerts to list; an empty set means any. The default: the open ones."""

    states: frozenset[AlertState] = OPEN_STATES
    severities: frozenset[AlertSeverity] = frozenset()
    types: frozenset[AlertType] = frozenset()
    limit: int = DEFAULT_LIMIT


@dataclass(slots=True)
class RefreshReport:
    """What one run of the rules changed (alert ids by what happened to them)."""

    at: datetime
    conditions: int = 0
    raised: list[int] = field(default_factory=list)
    repeated: list[int] = field(default_factory=list)
    severity_raised: list[int] = field(default_factory=list)
    cleared: list[int] = field(default_factory=list)
    resolved: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)
    woken: list[int] = field(default_factory=list)
    suppressed: list[str] = field(default_factory=list)  # keys resolved moments ago (flapping)

    @property
    def changed(self) -> int:
        return len(
            set(
                self.raised
                + self.repeated
                + self.severity_raised
                + self.cleared
                + self.resolved
                + self.escalated
                + self.woken
            )
        )


def alert_data(alert: Alert) -> dict[str, Any]:
    """What a change event carries about an alert (enough for a cue without a re-read)."""
    return {
        "alert_type": alert.alert_type.value,
        "severity": alert.severity.value,
        "state": alert.state.value,
        "owner": alert.owner,
        "version": alert.version,
    }


def audit_view(alert: Alert) -> dict[str, Any]:
    return {
        "state": alert.state.value,
        "severity": alert.severity.value,
        "owner": alert.owner,
        "occurrences": alert.occurrences,
        "comment": alert.comment,
        "snoozed_until": alert.snoozed_until.isoformat() if alert.snoozed_until else None,
        "escalated_at": alert.escalated_at.isoformat() if alert.escalated_at else None,
        "version": alert.version,
    }


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


class AlertService:
    """One per seat (thread-safe: each call opens its own unit of work or connection)."""

    def __init__(
        self,
        app: App,
        policy: AlertPolicy | None = None,
        settings: RuleSettings | None = None,
    ) -> None:
        self.app = app
        self.policy = policy  # None: the site's policy (settings table), read on each run
        self.settings = settings or RuleSettings()

    def with_escalation(self, minutes: float | None) -> AlertService:
        """The same service escalating after ``minutes`` (None: never), whatever the site's
        policy says."""
        after = None if minutes is None else timedelta(minutes=minutes)
        base = self.policy or self.site_policy()
        return AlertService(self.app, replace(base, escalate_after=after), self.settings)

    def _policy_in(self, conn: Connection) -> AlertPolicy:
        return self.policy if self.policy is not None else read_site_policy(conn)

    def site_policy(self) -> AlertPolicy:
        with self._read() as conn:
            return read_site_policy(conn)

    def save_site_policy(self, actor: Actor, policy: AlertPolicy) -> AlertPolicy:
        """Store the policy every seat's rules follow (administrators)."""
        actor.require(Permission.OPERATE_SYSTEM)
        with self.app.uow(actor) as uow:
            before = policy_to_setting(read_site_policy(uow.conn))
            write_site_policy(uow.conn, policy, by=actor.user, at=uow.now)
            uow.audit("settings.update", "setting", POLICY_KEY, before, policy_to_setting(policy))
            uow.record(Change(Topic.SYSTEM, "settings_changed", (POLICY_KEY,)))
            uow.commit()
        return policy

    # -- reading ---------------------------------------------------------------------------
    def _read(self) -> Connection:
        return self.app.engine.connect().execution_options(read_only=True)

    def list_alerts(self, flt: AlertFilter | None = None) -> list[Alert]:
        """Alerts matching ``flt``, newest first."""
        flt = flt or AlertFilter()
        t = alerts_table
        where = []
        if flt.states:
            where.append(t.c.state.in_(sorted(s.value for s in flt.states)))
        if flt.severities:
            where.append(t.c.severity.in_(sorted(s.value for s in flt.severities)))
        if flt.types:
            where.append(t.c.alert_type.in_(sorted(a.value for a in flt.types)))
        with self._read() as conn:
            return Repositories(conn).alerts.list(
                *where, order_by=[t.c.raised_at.desc(), t.c.id.desc()], limit=flt.limit
            )

    def get(self, alert_id: int) -> Alert:
        with self._read() as conn:
            alert: Alert = Repositories(conn).alerts.require(alert_id)
            return alert

    def owners(self) -> list[tuple[str, str]]:
        """Who may own an alert: the active users as (user name, display name)."""
        u = users_table
        with self._read() as conn:
            rows = conn.execute(
                select(u.c.username, u.c.display_name)
                .where(u.c.active.is_(True))
                .order_by(u.c.username)
            ).all()
        return [(r.username, r.display_name) for r in rows]

    # -- people's actions ------------------------------------------------------------------
    def acknowledge(
        self,
        actor: Actor,
        alert_id: int,
        expected_version: int | None = None,
        comment: str | None = None,
        *,
        request_id: str | None = None,
    ) -> Alert:
        return self._settle(
            actor,
            alert_id,
            expected_version,
            comment,
            "acknowledged",
            Alert.acknowledge,
            request_id,
        )

    def resolve(
        self,
        actor: Actor,
        alert_id: int,
        expected_version: int | None = None,
        comment: str | None = None,
        *,
        request_id: str | None = None,
    ) -> Alert:
        return self._settle(
            actor, alert_id, expected_version, comment, "resolved", Alert.resolve, request_id
        )

    def _settle(
        self,
        actor: Actor,
        alert_id: int,
        expected_version: int | None,
        comment: str | None,
        kind: str,
        move: Callable[[Alert, str, datetime, str | None], None],
        request_id: str | None,
    ) -> Alert:
        """Acknowledge or resolve (``move``) with an optional comment; a snooze ends with it."""
        actor.require(Permission.ACKNOWLEDGE_ALERTS)
        text_ = (comment or "").strip() or None

        def act(alert: Alert, now: datetime) -> None:
            move(alert, actor.user, now, text_)
            alert.snoozed_until = None

        return self._change(actor, alert_id, expected_version, kind, act, request_id)

    def snooze(
        self,
        actor: Actor,
        alert_id: int,
        until: datetime,
        expected_version: int | None = None,
        *,
        request_id: str | None = None,
    ) -> Alert:
        actor.require(Permission.ACKNOWLEDGE_ALERTS)
        if until.tzinfo is None:
            raise ValidationError("snooze until a time with a time zone")

        def act(alert: Alert, now: datetime) -> None:
            alert.snooze(actor.user, until, now)
            alert.context.pop("woke_at", None)

        return self._change(actor, alert_id, expected_version, "snoozed", act, request_id)

    def assign(
        self,
        actor: Actor,
        alert_id: int,
        owner: str | None,
        expected_version: int | None = None,
        *,
        request_id: str | None = None,
    ) -> Alert:
        """Give the alert an owner (a user name) or take it away (None)."""
        actor.require(Permission.ACKNOWLEDGE_ALERTS)
        name = (owner or "").strip() or None

        def act(alert: Alert, now: datetime) -> None:
            if not alert.is_open:
                raise ValidationError(f"alert {alert.id} is resolved: nobody can take it on")
            alert.owner = name

        def check(uow: UnitOfWork) -> None:
            if name is None:
                return
            u = users_table
            row = uow.conn.execute(select(u.c.active).where(u.c.username == name)).first()
            if row is None or not row.active:
                raise NotFound("user", name)

        return self._change(
            actor, alert_id, expected_version, "assigned", act, request_id, check=check
        )

    def _change(
        self,
        actor: Actor,
        alert_id: int,
        expected_version: int | None,
        kind: str,
        act: Callable[[Alert, datetime], None],
        request_id: str | None,
        *,
        check: Callable[[UnitOfWork], None] | None = None,
    ) -> Alert:
        with self.app.uow(actor, request_id=request_id) as uow:
            if check is not None:
                check(uow)
            repo = uow.repos.alerts
            alert: Alert = repo.require(alert_id, lock=True)
            repo.check_version(alert, expected_version)
            before = audit_view(alert)
            act(alert, uow.now)
            repo.update(alert)
            uow.audit(f"alert.{kind}", repo.entity_type, alert.id, before, audit_view(alert))
            uow.record(Change(Topic.ALERT, kind, (str(alert.id),), alert_data(alert)))
            uow.commit()
            return alert

    # -- the rules -------------------------------------------------------------------------
    def escalate_overdue(self, actor: Actor, *, request_id: str | None = None) -> list[Alert]:
        """Alerts still ``new`` (nobody acknowledged or snoozed them) longer than the policy's
        delay: one severity up, once. Also wakes snoozed alerts whose time is up."""
        actor.require(Permission.ACKNOWLEDGE_ALERTS)
        with self.app.uow(actor, request_id=request_id) as uow:
            self._lock_refresh(uow)
            policy = self._policy_in(uow.conn)
            alerts = self._open_alerts(uow)
            report = RefreshReport(at=uow.now)
            changed: Changed = {}
            self._wake(uow, alerts, report, changed)
            self._escalate(uow, policy, alerts, report, changed)
            self._write(uow, changed)
            uow.commit()
            return [changed[i][0] for i in report.escalated]

    def refresh(self, actor: Actor, *, request_id: str | None = None) -> RefreshReport:
        """Run every rule over the plant as it is now and store what changed."""
        actor.require(Permission.ACKNOWLEDGE_ALERTS)
        with self.app.uow(actor, request_id=request_id) as uow:
            self._lock_refresh(uow)
            now: datetime = uow.now
            conditions = plant_conditions(uow.conn, now, self.settings)
            report = self.apply(uow, conditions, complete_types=COMPLETE_TYPES)
            uow.commit()
            return report

    def apply(
        self,
        uow: UnitOfWork,
        conditions: Sequence[Condition],
        *,
        complete_types: frozenset[AlertType] = frozenset(),
    ) -> RefreshReport:
        """Feed ``conditions`` (the verdicts of this moment) to the engine inside ``uow``
        (no commit): the core of :meth:`refresh`, also for callers with their own verdicts.
        ``conditions`` covers every subject of ``complete_types``: an open alert of those types
        without a verdict is about something gone, and clears."""
        now: datetime = uow.now
        policy = self._policy_in(uow.conn)
        report = RefreshReport(at=now, conditions=len(conditions))
        alerts = self._open_alerts(uow)
        by_key = {a.dedup_key: a for a in alerts}
        changed: Changed = {}
        self._wake(uow, alerts, report, changed)

        seen = {c.key for c in conditions}
        verdicts = list(conditions)
        for a in alerts:  # the subject is gone (machine removed, order closed): it cleared
            if a.alert_type in complete_types and a.dedup_key not in seen:
                prefix = f"{a.alert_type.value}:"
                if a.dedup_key.startswith(prefix):
                    subject = a.dedup_key[len(prefix) :]
                    verdicts.append(Condition(a.alert_type, subject, False, now))

        # the engine decides raise / repeat / worse / cleared; time-driven changes, debounce
        # and escalation are this service's (the engine's memory does not outlive a run)
        engine = AlertEngine(
            replace(policy, escalate_after=None, escalate_after_by_type={}, raise_after_by_type={}),
            alerts,
        )
        for cond in verdicts:
            alert = by_key.get(cond.key)
            if alert is None or not cond.active:
                continue
            if alert.context.pop("cleared_at", None) is not None:  # it came back
                alert.repeat(now)
                alert.context["flaps"] = int(alert.context.get("flaps", 0)) + 1
                self._mark(changed, alert, report.repeated, "repeated")
        actions = engine.observe(verdicts)
        raised = [a for a in actions if a.kind is ActionKind.RAISED]
        suppressed = self._recently_resolved(uow, policy, [a.key for a in raised], now)
        for action in actions:
            alert = action.alert
            if action.kind is ActionKind.RAISED:
                if action.key in suppressed:
                    report.suppressed.append(action.key)
                    continue
                uow.repos.alerts.add(alert)
                uow.audit("alert.raised", "alert", alert.id, None, audit_view(alert))
                uow.record(Change(Topic.ALERT, "raised", (str(alert.id),), alert_data(alert)))
                report.raised.append(int(alert.id or 0))
            elif action.kind is ActionKind.SEVERITY_RAISED:
                self._mark(changed, alert, report.severity_raised, "severity_raised")
            elif action.kind is ActionKind.CLEARED:
                self._cleared(policy, alert, now, report, changed)
            elif action.kind is ActionKind.REPEATED:
                self._mark(changed, alert, report.repeated, "repeated")
        self._escalate(uow, policy, alerts, report, changed)
        self._write(uow, changed)
        return report

    # -- internals -------------------------------------------------------------------------
    def _lock_refresh(self, uow: UnitOfWork) -> None:
        if uow.is_postgres:
            uow.conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": REFRESH_LOCK_KEY})

    def _open_alerts(self, uow: UnitOfWork) -> list[Alert]:
        """The open alerts, locked on PostgreSQL (a person's action waits or is waited for)."""
        t = alerts_table
        stmt = select(t).where(t.c.state.in_(sorted(s.value for s in OPEN_STATES))).order_by(t.c.id)
        if uow.is_postgres:
            stmt = stmt.with_for_update()
        return [ALERT.from_row(r) for r in uow.conn.execute(stmt).mappings()]

    def _recently_resolved(
        self, uow: UnitOfWork, policy: AlertPolicy, keys: Iterable[str], now: datetime
    ) -> set[str]:
        wanted = sorted(set(keys))
        if not wanted:
            return set()
        t = alerts_table
        rows = uow.conn.execute(
            select(t.c.dedup_key).where(
                t.c.dedup_key.in_(wanted),
                t.c.state == AlertState.RESOLVED.value,
                t.c.resolved_at >= now - policy.flap_window,
            )
        ).all()
        return {r.dedup_key for r in rows}

    @staticmethod
    def _mark(changed: Changed, alert: Alert, bucket: list[int], kind: str) -> None:
        assert alert.id is not None
        kinds = changed.setdefault(alert.id, (alert, []))[1]
        if kind not in kinds:
            kinds.append(kind)
        if alert.id not in bucket:
            bucket.append(alert.id)

    def _cleared(
        self,
        policy: AlertPolicy,
        alert: Alert,
        now: datetime,
        report: RefreshReport,
        changed: Changed,
    ) -> None:
        since = _parse_time(alert.context.get("cleared_at"))
        if since is None:
            alert.context["cleared_at"] = now.isoformat()
            self._mark(changed, alert, report.cleared, "cleared")
        elif policy.auto_resolve and now - since >= policy.flap_window:
            alert.resolve(SYSTEM_USER, now, "condition cleared")
            self._mark(changed, alert, report.resolved, "resolved")

    def _wake(
        self,
        uow: UnitOfWork,
        alerts: list[Alert],
        report: RefreshReport,
        changed: Changed,
    ) -> None:
        now: datetime = uow.now
        for a in alerts:
            if a.wake_if_due(now):
                a.context["woke_at"] = now.isoformat()
                self._mark(changed, a, report.woken, "woken")

    def _escalate(
        self,
        uow: UnitOfWork,
        policy: AlertPolicy,
        alerts: list[Alert],
        report: RefreshReport,
        changed: Changed,
    ) -> None:
        now: datetime = uow.now
        for a in alerts:
            delay = policy.escalation_delay(a.alert_type)
            if delay is None or a.state is not AlertState.NEW or a.escalated_at is not None:
                continue
            if "cleared_at" in a.context:
                continue  # the problem stopped: nothing to escalate
            started = _parse_time(a.context.get("woke_at")) or a.raised_at
            if now - started >= delay:
                a.escalate(now)
                self._mark(changed, a, report.escalated, "escalated")

    def _write(self, uow: UnitOfWork, changed: Changed) -> None:
        """One update, audit row and change event per changed alert; the event is named for
        the last thing that happened to it and lists them all."""
        repo = uow.repos.alerts
        for alert_id in sorted(changed):
            alert, kinds = changed[alert_id]
            before_version = alert.version
            repo.update(alert)
            uow.audit(
                f"alert.{kinds[-1]}",
                repo.entity_type,
                alert_id,
                {"version": before_version},
                audit_view(alert),
                "alert rules: " + ", ".join(kinds),
            )
            data = {**alert_data(alert), "kinds": list(kinds)}
            uow.record(Change(Topic.ALERT, kinds[-1], (str(alert_id),), data))
