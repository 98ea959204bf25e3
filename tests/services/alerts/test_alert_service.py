"""The alert service on both databases: the rules raise one alert per condition, repeats and
flapping never make a second one, people's actions follow the state rules with a version
check, an audit row and a change event, escalation and snooze wake-ups are time-driven, and an
acknowledgement on one seat reaches another seat through PostgreSQL and Redis."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from domain.errors import ConcurrentEdit, NotFound, PermissionDenied, RuleViolation, ValidationError
from domain.events import ChangeEvent, Topic
from domain.model.alerts import Alert, AlertSeverity, AlertState, AlertType
from domain.model.plant import MachineStatus
from domain.rules.alerting import AlertPolicy
from services.alerts.service import AlertFilter, AlertService
from services.clock import FixedClock
from services.persistence.tables.system import audit_log, change_events
from tests.conftest import NOW
from tests.services.alerts.plant import (
    ADMIN,
    EXPECTED_KEYS,
    LEAD,
    VIEWER,
    add_anomaly,
    seed_alert_plant,
)

ALL = AlertFilter(states=frozenset())


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def app(db_url: str, make_app: Any, clock: FixedClock) -> Any:
    app = make_app(db_url, clock=clock)
    seed_alert_plant(app)
    return app


@pytest.fixture
def service(app: Any) -> AlertService:
    return AlertService(app)


def _by_key(service: AlertService, flt: AlertFilter = ALL) -> dict[str, Alert]:
    return {a.dedup_key: a for a in service.list_alerts(flt)}


def _set_machine(app: Any, machine_id: str, status: MachineStatus) -> None:
    with app.uow(ADMIN) as uow:
        m = uow.repos.machines.require(machine_id)
        m.status = status
        uow.repos.machines.update(m)
        uow.commit()


def _events(app: Any, kind: str | None = None) -> list[Any]:
    t = change_events
    stmt = select(t).where(t.c.topic == Topic.ALERT.value).order_by(t.c.seq)
    if kind is not None:
        stmt = stmt.where(t.c.kind == kind)
    with app.engine.connect() as conn:
        return list(conn.execute(stmt).mappings())


# -- the rules -----------------------------------------------------------------------------------


def test_refresh_raises_one_alert_per_condition_and_deduplicates(
    service: AlertService, app: Any, clock: FixedClock
) -> None:
    report = service.refresh(ADMIN)
    alerts = _by_key(service)
    assert set(alerts) == EXPECTED_KEYS
    assert sorted(report.raised) == sorted(a.id for a in alerts.values())
    assert alerts["machine_breakdown:M-P4"].severity is AlertSeverity.CRITICAL
    assert alerts["machine_breakdown:M-P4"].machine_id == "M-P4"
    assert alerts["certification_expiring:OP-03:press_operation"].severity is AlertSeverity.ERROR
    assert alerts["late_work_order:WO-9"].work_order_id == "WO-9"
    assert all(a.state is AlertState.NEW for a in alerts.values())
    assert len(_events(app, "raised")) == len(EXPECTED_KEYS)

    # the same conditions again, later: nothing new, nothing written
    clock.advance(minutes=1)
    again = service.refresh(ADMIN)
    assert again.raised == []
    assert again.changed == 0
    assert {k: a.version for k, a in _by_key(service).items()} == {
        k: a.version for k, a in alerts.items()
    }
    assert len(service.list_alerts(ALL)) == len(EXPECTED_KEYS)


def test_a_condition_that_comes_back_repeats_its_open_alert(
    service: AlertService, app: Any, clock: FixedClock
) -> None:
    service.refresh(ADMIN)
    first = _by_key(service)["machine_breakdown:M-P4"]
    _set_machine(app, "M-P4", MachineStatus.IDLE)
    clock.advance(minutes=2)
    cleared = service.refresh(ADMIN)
    assert cleared.cleared == [first.id]
    assert _by_key(service)["machine_breakdown:M-P4"].state is AlertState.NEW  # still open
    _set_machine(app, "M-P4", MachineStatus.BREAKDOWN)
    clock.advance(minutes=2)
    back = service.refresh(ADMIN)
    assert back.raised == []
    assert back.repeated == [first.id]
    alert = _by_key(service)["machine_breakdown:M-P4"]
    assert alert.id == first.id
    assert alert.occurrences == 2
    assert alert.context["flaps"] == 1
    assert "cleared_at" not in alert.context
    breakdowns = [
        a for a in service.list_alerts(ALL) if a.alert_type is AlertType.MACHINE_BREAKDOWN
    ]
    assert len(breakdowns) == 1


def test_a_cleared_alert_is_resolved_after_a_quiet_flap_window(
    service: AlertService, app: Any, clock: FixedClock
) -> None:
    service.refresh(ADMIN)
    alert = _by_key(service)["machine_breakdown:M-P4"]
    _set_machine(app, "M-P4", MachineStatus.IDLE)
    service.refresh(ADMIN)
    clock.advance(minutes=5)
    assert service.refresh(ADMIN).resolved == []  # quiet for less than the flap window
    clock.advance(minutes=6)
    report = service.refresh(ADMIN)
    assert report.resolved == [alert.id]
    done = service.get(alert.id or 0)
    assert done.state is AlertState.RESOLVED
    assert done.resolved_by == "system"
    # the machine breaks again within the flap window after the resolution: no new alert yet
    _set_machine(app, "M-P4", MachineStatus.BREAKDOWN)
    clock.advance(minutes=1)
    flapping = service.refresh(ADMIN)
    assert flapping.raised == []
    assert flapping.suppressed == ["machine_breakdown:M-P4"]
    # ... once the window has passed it is a new problem
    clock.advance(minutes=10)
    later = service.refresh(ADMIN)
    assert len(later.raised) == 1
    assert _by_key(service, AlertFilter())["machine_breakdown:M-P4"].id != alert.id


def test_a_closed_work_order_clears_its_late_alert(
    service: AlertService, app: Any, clock: FixedClock
) -> None:
    service.refresh(ADMIN)
    with app.uow(ADMIN) as uow:
        from services.persistence.tables import work

        uow.conn.execute(
            work.work_orders.update()
            .where(work.work_orders.c.id == "WO-9")
            .values(status="cancelled", version=work.work_orders.c.version + 1)
        )
        uow.commit()
    clock.advance(minutes=1)
    report = service.refresh(ADMIN)
    late = _by_key(service)["late_work_order:WO-9"]
    assert report.cleared == [late.id]


def test_machine_anomalies_from_predictions_carry_the_metric_window(
    service: AlertService, app: Any
) -> None:
    normal = [(0.30 + 0.01 * i, False) for i in range(10)]
    add_anomaly(app, "M-C1", "temperature_c", [*normal, (1.50, True)])
    add_anomaly(app, "M-P1", "vibration", [(0.3, False), (0.9, True), (0.35, False)])
    service.refresh(ADMIN)
    alerts = _by_key(service)
    alert = alerts["machine_anomaly:M-C1:temperature_c"]
    assert alert.machine_id == "M-C1"
    # threshold estimated as the highest normal score (0.39): 1.5 / 0.39 > 3 -> critical
    assert alert.severity is AlertSeverity.CRITICAL
    window = alert.context["window"]
    assert len(window["times"]) == len(window["values"]) == 25  # 2 h of 5-minute values
    assert window["values"][-1] == 60.0
    assert "machine_anomaly:M-P1:vibration" not in alerts  # the latest point is normal again


def test_escalation_after_the_configured_delay_once(
    app: Any, clock: FixedClock, service: AlertService
) -> None:
    fast = service.with_escalation(10)
    fast.refresh(ADMIN)
    alerts = _by_key(fast)
    acked = alerts["late_work_order:WO-9"]
    fast.acknowledge(LEAD, acked.id or 0, acked.version, "on it")
    clock.advance(minutes=9)
    assert fast.escalate_overdue(ADMIN) == []
    clock.advance(minutes=2)
    escalated = {a.dedup_key: a for a in fast.escalate_overdue(ADMIN)}
    assert "late_work_order:WO-9" not in escalated  # somebody took it on
    material = escalated["material_low:MAT-LOW"]
    assert material.severity is AlertSeverity.ERROR  # warning -> error
    assert material.escalated_at == clock.now()
    assert len(_events(app, "escalated")) == len(escalated)
    clock.advance(minutes=30)
    assert fast.escalate_overdue(ADMIN) == []  # once
    assert fast.get(material.id or 0).severity is AlertSeverity.ERROR


def test_no_escalation_when_switched_off(service: AlertService, clock: FixedClock) -> None:
    off = service.with_escalation(None)
    off.refresh(ADMIN)
    clock.advance(hours=5)
    assert off.escalate_overdue(ADMIN) == []


# -- people's actions ----------------------------------------------------------------------------


def test_acknowledge_with_a_comment_writes_audit_and_event(service: AlertService, app: Any) -> None:
    service.refresh(ADMIN)
    alert = _by_key(service)["machine_breakdown:M-P4"]
    done = service.acknowledge(LEAD, alert.id or 0, alert.version, "  fitter called  ")
    assert done.state is AlertState.ACKNOWLEDGED
    assert (done.acknowledged_by, done.comment, done.owner) == ("lead", "fitter called", "lead")
    assert done.acknowledged_at == NOW
    assert done.version == alert.version + 1
    stored = service.get(alert.id or 0)
    assert stored.state is AlertState.ACKNOWLEDGED
    assert stored.version == done.version
    with app.engine.connect() as conn:
        rows = list(
            conn.execute(
                select(audit_log).where(
                    audit_log.c.entity_type == "alert", audit_log.c.action == "alert.acknowledged"
                )
            ).mappings()
        )
    assert len(rows) == 1
    assert rows[0]["user"] == "lead"
    assert rows[0]["seat"] == "seat-2"
    assert rows[0]["before"]["state"] == "new"
    assert rows[0]["after"]["state"] == "acknowledged"
    events = _events(app, "acknowledged")
    assert [e["ids"] for e in events] == [[str(alert.id)]]
    assert events[0]["data"]["state"] == "acknowledged"


def test_a_stale_acknowledge_is_refused_naming_who_changed_it(service: AlertService) -> None:
    service.refresh(ADMIN)
    alert = _by_key(service)["machine_breakdown:M-P4"]
    service.assign(ADMIN, alert.id or 0, "lead", alert.version)
    with pytest.raises(ConcurrentEdit) as err:
        service.acknowledge(LEAD, alert.id or 0, alert.version, "too late")
    assert "admin" in err.value.message
    assert "seat-1" in err.value.message
    stored = service.get(alert.id or 0)
    assert stored.state is AlertState.NEW
    assert stored.owner == "lead"


def test_state_transitions(service: AlertService, clock: FixedClock) -> None:
    service.refresh(ADMIN)
    alerts = _by_key(service)
    a = alerts["material_low:MAT-LOW"]
    with pytest.raises(ValidationError):
        service.snooze(LEAD, a.id or 0, NOW - timedelta(minutes=1))
    snoozed = service.snooze(LEAD, a.id or 0, NOW + timedelta(hours=1), a.version)
    assert snoozed.state is AlertState.SNOOZED
    assert snoozed.snoozed_until == NOW + timedelta(hours=1)
    acked = service.acknowledge(LEAD, a.id or 0, snoozed.version)
    assert acked.state is AlertState.ACKNOWLEDGED
    assert acked.snoozed_until is None
    with pytest.raises(RuleViolation):
        service.acknowledge(LEAD, a.id or 0, acked.version)  # already acknowledged
    resolved = service.resolve(LEAD, a.id or 0, acked.version, "delivery arrived")
    assert resolved.state is AlertState.RESOLVED
    assert resolved.resolved_by == "lead"
    assert resolved.comment == "delivery arrived"
    for act in (
        lambda: service.acknowledge(LEAD, a.id or 0),
        lambda: service.snooze(LEAD, a.id or 0, NOW + timedelta(hours=1)),
        lambda: service.resolve(LEAD, a.id or 0),
    ):
        with pytest.raises(RuleViolation):
            act()
    with pytest.raises(ValidationError):
        service.assign(LEAD, a.id or 0, "admin")
    with pytest.raises(PermissionDenied):
        service.acknowledge(VIEWER, alerts["late_work_order:WO-9"].id or 0)
    with pytest.raises(NotFound):
        service.assign(LEAD, alerts["late_work_order:WO-9"].id or 0, "nobody")
    with pytest.raises(NotFound):
        service.acknowledge(LEAD, 999_999)


def test_a_snoozed_alert_wakes_up_and_its_escalation_clock_restarts(
    app: Any, clock: FixedClock
) -> None:
    service = AlertService(app, AlertPolicy(escalate_after=timedelta(minutes=30)))
    service.refresh(ADMIN)
    a = _by_key(service)["late_work_order:WO-9"]
    service.snooze(LEAD, a.id or 0, NOW + timedelta(hours=1), a.version)
    clock.advance(minutes=59)
    assert service.refresh(ADMIN).woken == []
    clock.advance(minutes=2)
    report = service.refresh(ADMIN)
    assert a.id in report.woken
    assert a.id not in report.escalated
    woke = service.get(a.id or 0)
    assert woke.state is AlertState.NEW
    assert woke.snoozed_until is None
    clock.advance(minutes=31)
    assert a.id in service.refresh(ADMIN).escalated


def test_filters(service: AlertService) -> None:
    service.refresh(ADMIN)
    alerts = _by_key(service)
    a = alerts["material_low:MAT-LOW"]
    service.resolve(LEAD, a.id or 0, a.version)
    open_ = service.list_alerts()
    assert a.id not in {x.id for x in open_}
    assert len(open_) == len(EXPECTED_KEYS) - 1
    crit = service.list_alerts(AlertFilter(severities=frozenset({AlertSeverity.CRITICAL})))
    assert [x.dedup_key for x in crit] == ["machine_breakdown:M-P4"]
    certs = service.list_alerts(AlertFilter(types=frozenset({AlertType.CERTIFICATION_EXPIRING})))
    assert len(certs) == 2
    resolved = service.list_alerts(AlertFilter(states=frozenset({AlertState.RESOLVED})))
    assert [x.id for x in resolved] == [a.id]


def test_a_refresh_waits_for_a_persons_action_and_never_makes_it_stale(
    service: AlertService, clock: FixedClock
) -> None:
    service.refresh(ADMIN)
    alert = _by_key(service)["machine_breakdown:M-P4"]
    for _ in range(3):
        clock.advance(minutes=1)
        service.refresh(ADMIN)
    # the version the person saw before the rules ran again still holds
    done = service.acknowledge(LEAD, alert.id or 0, alert.version, "seen")
    assert done.state is AlertState.ACKNOWLEDGED


# -- two seats -----------------------------------------------------------------------------------


class _Collector:
    def __init__(self) -> None:
        self.events: list[ChangeEvent] = []
        self.cond = threading.Condition()

    def __call__(self, events: list[ChangeEvent]) -> None:
        with self.cond:
            self.events.extend(events)
            self.cond.notify_all()

    def wait_for(self, pred: Any, timeout: float = 15.0) -> list[ChangeEvent]:
        deadline = time.monotonic() + timeout
        with self.cond:
            while not pred(self.events):
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.cond.wait(left)
            return list(self.events)


@pytest.mark.postgres
@pytest.mark.redis
def test_an_acknowledgement_on_one_seat_reaches_another(
    pg_url: str, redis_url: str, make_app: Any
) -> None:
    seat_a = make_app(pg_url, redis_url=redis_url, seat="seat-A")
    seat_b = make_app(pg_url, redis_url=redis_url, seat="seat-B", user="lead")
    seed_alert_plant(seat_a)
    service_a, service_b = AlertService(seat_a), AlertService(seat_b)
    service_a.refresh(ADMIN)
    seen_by_b = {a.dedup_key: a for a in service_b.list_alerts()}
    alert = seen_by_b["machine_breakdown:M-P4"]
    got = _Collector()
    seat_b.subscribe(got, poll_interval=30)  # long poll: delivery must come through Redis
    time.sleep(0.3)
    lead_a = seat_a.actor("lead")
    service_a.acknowledge(lead_a, alert.id or 0, alert.version, "fitter on the way")

    def acked(events: list[ChangeEvent]) -> bool:
        return any(e.topic is Topic.ALERT and e.kind == "acknowledged" for e in events)

    events = got.wait_for(acked)
    assert acked(events), "seat B heard nothing"
    event = next(e for e in events if e.kind == "acknowledged")
    assert event.ids == (str(alert.id),)
    assert event.seat == "seat-A"
    assert event.user == "lead"
    now_on_b = service_b.get(alert.id or 0)
    assert now_on_b.state is AlertState.ACKNOWLEDGED
    assert now_on_b.comment == "fitter on the way"
    # seat B still holds the version it read before: its acknowledgement is stale
    with pytest.raises(ConcurrentEdit):
        service_b.acknowledge(seat_b.actor(), alert.id or 0, alert.version, "me too")


def test_the_site_policy_sets_the_escalation_delay_for_every_seat(
    app: Any, clock: FixedClock
) -> None:
    seat = AlertService(app)  # follows the site's policy, read on each run
    assert seat.site_policy().escalate_after == timedelta(minutes=15)
    with pytest.raises(PermissionDenied):
        seat.save_site_policy(LEAD, AlertPolicy(escalate_after=timedelta(minutes=5)))
    seat.save_site_policy(ADMIN, AlertPolicy(escalate_after=timedelta(minutes=5)))
    seat.refresh(ADMIN)
    clock.advance(minutes=6)
    report = seat.refresh(ADMIN)
    assert len(report.escalated) == len(EXPECTED_KEYS)
    seat.save_site_policy(ADMIN, AlertPolicy(escalate_after=None))
    assert AlertService(app).site_policy().escalate_after is None


@pytest.mark.postgres
def test_concurrent_refreshes_raise_each_alert_once(pg_url: str, make_app: Any) -> None:
    seats = [make_app(pg_url, seat=f"seat-{i}") for i in range(3)]
    seed_alert_plant(seats[0])
    errors: list[BaseException] = []
    start = threading.Barrier(len(seats))

    def run(app: Any) -> None:
        try:
            start.wait()
            AlertService(app).refresh(ADMIN)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(a,)) for a in seats]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    keys = [a.dedup_key for a in AlertService(seats[0]).list_alerts(ALL)]
    assert sorted(keys) == sorted(EXPECTED_KEYS)
