"""The alert rules and the alert engine: states, de-duplication, flapping, escalation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from domain.errors import RuleViolation
from domain.model.alerts import AlertSeverity, AlertState, AlertType
from domain.model.people import OperatorSkill
from domain.model.plant import Machine, MachineStatus
from domain.model.products import Material
from domain.model.vision import Zone
from domain.model.work import Priority, WorkOrder
from domain.rules.alerting import (
    ActionKind,
    AlertEngine,
    AlertPolicy,
    Condition,
    anomaly_severity,
    certification_expiring,
    idle_beyond_threshold,
    late_work_order,
    machine_anomaly,
    machine_breakdown,
    material_below_safety_stock,
    zone_staffing,
)

T0 = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def zone(**kw: object) -> Zone:
    base: dict[str, object] = {
        "id": "z1",
        "camera_id": "cam1",
        "name": "Press",
        "polygon": ((0.1, 0.1), (0.9, 0.1), (0.9, 0.9), (0.1, 0.9)),
        "min_workers": 2,
        "max_workers": 3,
        "alert_on_empty": True,
    }
    base.update(kw)
    return Zone(**base)  # type: ignore[arg-type]


def cond(active: bool, minute: float, severity: AlertSeverity = AlertSeverity.WARNING) -> Condition:
    return Condition(AlertType.MACHINE_BREAKDOWN, "m1", active, at(minute), severity, "m1 down")


def kinds(actions: list) -> list[ActionKind]:
    return [a.kind for a in actions]


# -- rules ------------------------------------------------------------------------------------


def test_zone_staffing_raises_empty_understaffed_and_overflow() -> None:
    z = zone()
    empty, over = zone_staffing(z, 0, T0)
    assert (empty.alert_type, empty.active, empty.severity) == (
        AlertType.ZONE_EMPTY,
        True,
        AlertSeverity.ERROR,
    )
    assert not over.active
    short, _ = zone_staffing(z, 1, T0)
    assert short.active
    assert short.severity is AlertSeverity.WARNING
    ok_short, ok_over = zone_staffing(z, 2, T0)
    assert not ok_short.active
    assert not ok_over.active
    _, crowded = zone_staffing(z, 4, T0)
    assert crowded.active
    assert crowded.alert_type is AlertType.ZONE_OVERFLOW
    assert crowded.key == "zone_overflow:z1"
    assert crowded.zone_id == "z1"


def test_zone_flags_switch_rules_off() -> None:
    z = zone(alert_on_empty=False, alert_on_overflow=False)
    assert not any(c.active for c in zone_staffing(z, 0, T0))
    assert not any(c.active for c in zone_staffing(z, 9, T0))


def test_idle_threshold_uses_the_zone_threshold() -> None:
    z = zone(idle_threshold_s=120)
    assert not idle_beyond_threshold(z, "track-7", 119, T0).active
    warn = idle_beyond_threshold(z, "track-7", 120, T0)
    assert warn.active
    assert warn.severity is AlertSeverity.WARNING
    assert warn.key == "idle_threshold:z1:track-7"
    assert idle_beyond_threshold(z, "track-7", 400, T0).severity is AlertSeverity.ERROR


def test_anomaly_severity_grows_with_the_score() -> None:
    assert anomaly_severity(1.0, 1.0) is AlertSeverity.WARNING
    assert anomaly_severity(1.6, 1.0) is AlertSeverity.ERROR
    assert anomaly_severity(3.0, 1.0) is AlertSeverity.CRITICAL
    c = machine_anomaly("m1", "temperature", 0.9, 0.6, T0, {"values": [1.0, 2.0]})
    assert c.active
    assert c.severity is AlertSeverity.ERROR
    assert c.context["values"] == [1.0, 2.0]
    assert c.key == "machine_anomaly:m1:temperature"
    assert not machine_anomaly("m1", "temperature", 0.5, 0.6, T0).active


def test_breakdown_is_critical() -> None:
    m = Machine(id="m1", name="Press 1", machine_type="press", line_id="L1")
    assert not machine_breakdown(m, T0).active
    m.set_status(MachineStatus.BREAKDOWN, T0)
    c = machine_breakdown(m, T0)
    assert c.active
    assert c.severity is AlertSeverity.CRITICAL


def test_late_work_order_severity_follows_priority_and_lateness() -> None:
    wo = WorkOrder(
        id="wo1",
        number="WO-1",
        product_id="p",
        product_name="P",
        quantity_ordered=10,
        due_date=T0,
        priority=Priority.HIGH,
    )
    assert not late_work_order(wo, at(-1)).active
    late = late_work_order(wo, at(30))
    assert late.active
    assert late.severity is AlertSeverity.ERROR
    assert late_work_order(wo, at(25 * 60)).severity is AlertSeverity.CRITICAL


def test_certification_expiring_severity_by_days_left() -> None:
    skill = OperatorSkill("weld", "Welding", 3, certification_expiry=date(2025, 3, 20))
    assert not certification_expiring("op1", skill, datetime(2025, 1, 1, tzinfo=UTC)).active
    info = certification_expiring("op1", skill, datetime(2025, 3, 1, tzinfo=UTC))
    assert info.active
    assert info.severity is AlertSeverity.INFO
    week = certification_expiring("op1", skill, datetime(2025, 3, 15, tzinfo=UTC))
    assert week.severity is AlertSeverity.WARNING
    expired = certification_expiring("op1", skill, datetime(2025, 3, 25, tzinfo=UTC))
    assert expired.active
    assert expired.severity is AlertSeverity.ERROR
    never = OperatorSkill("read", "Reading", 2)
    assert not certification_expiring("op1", never, T0).active


def test_certification_message_names_the_operator_when_known() -> None:
    skill = OperatorSkill("weld", "Welding", 3, certification_expiry=date(2025, 3, 20))
    at = datetime(2025, 3, 15, tzinfo=UTC)
    named = certification_expiring("op1", skill, at, operator_name="Ana Lima")
    assert named.message == "Ana Lima: certificate 'Welding' expires in 5 days"
    assert "op1" in certification_expiring("op1", skill, at).message


def test_material_below_safety_stock_counts_allocated_stock() -> None:
    m = Material(
        id="m", part_number="P-1", name="Bolts", on_hand=100, allocated=60, safety_stock=50
    )
    c = material_below_safety_stock(m, T0)
    assert c.active
    assert c.severity is AlertSeverity.WARNING
    gone = Material(id="m", part_number="P-1", name="Bolts", on_hand=5, allocated=5, safety_stock=1)
    assert material_below_safety_stock(gone, T0).severity is AlertSeverity.ERROR
    plenty = Material(id="m", part_number="P-1", name="Bolts", on_hand=100, safety_stock=50)
    assert not material_below_safety_stock(plenty, T0).active
    no_rule = Material(id="m", part_number="P-1", name="Bolts", on_hand=0)
    assert not material_below_safety_stock(no_rule, T0).active


# -- engine: raising and de-duplication --------------------------------------------------------


def test_an_active_condition_raises_one_alert_and_repeats_deduplicate() -> None:
    engine = AlertEngine(AlertPolicy(escalate_after=None))
    assert engine.observe([cond(False, 0)]) == []
    first = engine.observe([cond(True, 1)])
    assert kinds(first) == [ActionKind.RAISED]
    alert = first[0].alert
    assert alert.state is AlertState.NEW
    assert alert.dedup_key == "machine_breakdown:m1"
    # the same verdict again and again is the same ongoing problem: no action, no new alert
    assert engine.observe([cond(True, 2), cond(True, 3)]) == []
    assert alert.occurrences == 1
    assert alert.last_seen_at == at(3)
    assert engine.open_alerts() == [alert]


def test_different_subjects_get_different_alerts() -> None:
    engine = AlertEngine()
    a = Condition(AlertType.MACHINE_BREAKDOWN, "m1", True, T0)
    b = Condition(AlertType.MACHINE_BREAKDOWN, "m2", True, T0)
    assert kinds(engine.observe([a, b])) == [ActionKind.RAISED, ActionKind.RAISED]
    assert len(engine.open_alerts()) == 2


def test_a_worse_verdict_raises_the_severity_of_the_open_alert() -> None:
    engine = AlertEngine()
    engine.observe([cond(True, 0, AlertSeverity.WARNING)])
    actions = engine.observe([cond(True, 1, AlertSeverity.ERROR)])
    assert kinds(actions) == [ActionKind.SEVERITY_RAISED]
    assert actions[0].alert.severity is AlertSeverity.ERROR
    assert engine.observe([cond(True, 2, AlertSeverity.INFO)]) == []  # never lowered
    assert actions[0].alert.severity is AlertSeverity.ERROR


# -- engine: flapping --------------------------------------------------------------------------


def test_a_flapping_condition_stays_one_alert() -> None:
    policy = AlertPolicy(flap_window=timedelta(minutes=10), escalate_after=None)
    engine = AlertEngine(policy)
    raised = engine.observe([cond(True, 0)])[0].alert
    for k in range(5):  # on/off every two minutes: well inside the flap window
        assert kinds(engine.observe([cond(False, 4 * k + 1)])) == [ActionKind.CLEARED]
        assert engine.tick(at(4 * k + 2)) == []
        assert kinds(engine.observe([cond(True, 4 * k + 3)])) == [ActionKind.REPEATED]
    assert engine.open_alerts() == [raised]
    assert raised.occurrences == 6
    assert raised.context["flaps"] == 5
    assert raised.state is AlertState.NEW


def test_a_cleared_condition_resolves_after_a_quiet_flap_window() -> None:
    engine = AlertEngine(AlertPolicy(flap_window=timedelta(minutes=10), escalate_after=None))
    alert = engine.observe([cond(True, 0)])[0].alert
    engine.observe([cond(False, 5)])
    assert engine.tick(at(14)) == []  # 9 minutes quiet: could still flap back
    assert kinds(engine.tick(at(15))) == [ActionKind.RESOLVED]
    assert alert.state is AlertState.RESOLVED
    assert alert.resolved_by == "system"
    assert engine.open_alerts() == []


def test_a_new_alert_after_a_resolution_only_once_the_flap_window_passed() -> None:
    engine = AlertEngine(AlertPolicy(flap_window=timedelta(minutes=10), escalate_after=None))
    first = engine.observe([cond(True, 0)])[0].alert
    first.resolve("anna", at(1), "reset the drive")
    assert engine.observe([cond(True, 2)]) == []  # still going minutes after "fixed": suppressed
    assert engine.observe([cond(False, 3)]) == []
    assert engine.observe([cond(True, 4)]) == []
    assert engine.tick(at(10)) == []
    late = engine.tick(at(11))  # still on a full flap window after the resolution: a new alert
    assert kinds(late) == [ActionKind.RAISED]
    assert late[0].alert is not first
    assert late[0].alert.occurrences == 1


def test_debounce_waits_for_the_condition_to_hold() -> None:
    policy = AlertPolicy(raise_after_by_type={AlertType.MACHINE_BREAKDOWN: timedelta(minutes=2)})
    engine = AlertEngine(policy)
    assert engine.observe([cond(True, 0)]) == []
    assert engine.observe([cond(False, 1)]) == []  # a blip: never raised
    assert engine.observe([cond(True, 2)]) == []
    assert engine.tick(at(3.5)) == []
    assert kinds(engine.tick(at(4))) == [ActionKind.RAISED]


# -- engine: people, escalation, snooze ------------------------------------------------------


def test_escalation_after_the_configured_time_only_while_new() -> None:
    engine = AlertEngine(AlertPolicy(escalate_after=timedelta(minutes=15)))
    alert = engine.observe([cond(True, 0, AlertSeverity.WARNING)])[0].alert
    assert engine.tick(at(14)) == []
    actions = engine.tick(at(15))
    assert kinds(actions) == [ActionKind.ESCALATED]
    assert alert.severity is AlertSeverity.ERROR
    assert alert.escalated_at == at(15)
    assert engine.tick(at(60)) == []  # once only


def test_an_acknowledged_alert_does_not_escalate() -> None:
    engine = AlertEngine(AlertPolicy(escalate_after=timedelta(minutes=15)))
    alert = engine.observe([cond(True, 0)])[0].alert
    alert.acknowledge("anna", at(5), "on my way")
    assert engine.tick(at(30)) == []
    assert alert.severity is AlertSeverity.WARNING
    assert (alert.state, alert.comment, alert.owner) == (
        AlertState.ACKNOWLEDGED,
        "on my way",
        "anna",
    )


def test_per_type_escalation_delay() -> None:
    policy = AlertPolicy(
        escalate_after=timedelta(hours=1),
        escalate_after_by_type={AlertType.MACHINE_BREAKDOWN: timedelta(minutes=2)},
    )
    engine = AlertEngine(policy)
    engine.observe([cond(True, 0)])
    assert kinds(engine.tick(at(2))) == [ActionKind.ESCALATED]


def test_snooze_wakes_up_and_escalation_counts_from_the_wake_up() -> None:
    engine = AlertEngine(AlertPolicy(escalate_after=timedelta(minutes=15)))
    alert = engine.observe([cond(True, 0)])[0].alert
    alert.snooze("anna", until=at(60), at=at(1))
    assert engine.tick(at(30)) == []  # snoozed: neither woken nor escalated
    assert alert.state is AlertState.SNOOZED
    assert kinds(engine.tick(at(60))) == [ActionKind.WOKEN]
    assert alert.state is AlertState.NEW
    assert engine.tick(at(74)) == []  # 14 minutes since the wake-up
    assert kinds(engine.tick(at(75))) == [ActionKind.ESCALATED]


def test_a_cleared_alert_is_not_escalated() -> None:
    engine = AlertEngine(AlertPolicy(escalate_after=timedelta(minutes=5), auto_resolve=False))
    alert = engine.observe([cond(True, 0)])[0].alert
    engine.observe([cond(False, 1)])
    assert engine.tick(at(30)) == []
    assert alert.escalated_at is None
    assert alert.state is AlertState.NEW


def test_alert_state_machine_refuses_illegal_moves() -> None:
    engine = AlertEngine()
    alert = engine.observe([cond(True, 0)])[0].alert
    alert.resolve("anna", at(1))
    with pytest.raises(RuleViolation):
        alert.acknowledge("bob", at(2))
    assert engine.open_alerts() == []


def test_open_alerts_survive_a_restart() -> None:
    engine = AlertEngine()
    alert = engine.observe([cond(True, 0)])[0].alert
    restarted = AlertEngine(open_alerts=[alert])
    assert restarted.observe([cond(True, 5)]) == []  # still the same ongoing problem
    assert restarted.open_alerts() == [alert]
    assert alert.occurrences == 1
    assert kinds(restarted.observe([cond(False, 6)])) == [ActionKind.CLEARED]
    assert kinds(restarted.observe([cond(True, 7)])) == [ActionKind.REPEATED]
    assert alert.occurrences == 2


def test_owner_by_type() -> None:
    engine = AlertEngine(AlertPolicy(owners={AlertType.MACHINE_BREAKDOWN: "maintenance"}))
    assert engine.observe([cond(True, 0)])[0].alert.owner == "maintenance"
