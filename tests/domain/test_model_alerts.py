"""Alert states: acknowledge, snooze, wake, resolve, repeats and escalation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import RuleViolation, ValidationError
from domain.model.alerts import Alert, AlertSeverity, AlertState, AlertType

T0 = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
Sev = AlertSeverity


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def alert(**kw: object) -> Alert:
    base: dict[str, object] = {
        "alert_type": AlertType.ZONE_EMPTY,
        "severity": Sev.WARNING,
        "message": "Press is empty",
        "raised_at": T0,
        "dedup_key": "zone_empty:z1",
        "id": 5,
    }
    base.update(kw)
    return Alert(**base)  # type: ignore[arg-type]


def in_state(state: AlertState) -> Alert:
    a = alert()
    if state is AlertState.ACKNOWLEDGED:
        a.acknowledge("sam", at(1))
    elif state is AlertState.SNOOZED:
        a.snooze("sam", at(30), at(1))
    elif state is AlertState.RESOLVED:
        a.resolve("sam", at(1))
    return a


# -- severity -------------------------------------------------------------------------------


def test_severity_ranks_and_raises_up_to_critical() -> None:
    assert [s.rank for s in Sev] == [0, 1, 2, 3]
    assert Sev.INFO.raised() is Sev.WARNING
    assert Sev.WARNING.raised() is Sev.ERROR
    assert Sev.ERROR.raised() is Sev.CRITICAL
    assert Sev.CRITICAL.raised() is Sev.CRITICAL


def test_only_error_and_critical_are_urgent() -> None:
    assert [s for s in Sev if s.is_urgent] == [Sev.ERROR, Sev.CRITICAL]


# -- acknowledge ----------------------------------------------------------------------------


def test_acknowledge_records_who_when_and_why_and_takes_ownership() -> None:
    a = alert()
    a.acknowledge("sam", at(2), "on my way")
    assert a.state is AlertState.ACKNOWLEDGED
    assert (a.acknowledged_by, a.acknowledged_at, a.comment) == ("sam", at(2), "on my way")
    assert a.owner == "sam"
    assert a.is_open


def test_acknowledge_keeps_an_existing_owner() -> None:
    a = alert(owner="lea")
    a.acknowledge("sam", at(2))
    assert a.owner == "lea"


def test_a_snoozed_alert_can_be_acknowledged() -> None:
    a = in_state(AlertState.SNOOZED)
    a.acknowledge("sam", at(5))
    assert a.state is AlertState.ACKNOWLEDGED


@pytest.mark.parametrize("state", [AlertState.ACKNOWLEDGED, AlertState.RESOLVED])
def test_acknowledge_refused_when_already_acknowledged_or_resolved(state: AlertState) -> None:
    a = in_state(state)
    with pytest.raises(
        RuleViolation, match=rf"^alert 5 is {state.value} and cannot become acknowledged$"
    ) as e:
        a.acknowledge("kim", at(3))
    assert e.value.code == "alert_state"
    assert a.acknowledged_by in (None, "sam")
    assert a.state is state


# -- snooze and wake ------------------------------------------------------------------------


def test_snooze_until_a_later_time() -> None:
    a = alert()
    a.snooze("sam", at(30), at(5))
    assert a.state is AlertState.SNOOZED
    assert a.snoozed_until == at(30)
    assert a.owner == "sam"
    assert a.is_open


@pytest.mark.parametrize("until", [5, 4])
def test_snooze_until_now_or_the_past_is_refused(until: float) -> None:
    a = alert()
    with pytest.raises(ValidationError, match="snooze until a time in the future"):
        a.snooze("sam", at(until), at(5))
    assert a.state is AlertState.NEW


def test_an_acknowledged_alert_can_be_snoozed_but_not_a_snoozed_one_again() -> None:
    a = in_state(AlertState.ACKNOWLEDGED)
    a.snooze("sam", at(60), at(2))
    assert a.state is AlertState.SNOOZED
    with pytest.raises(RuleViolation, match="alert 5 is snoozed and cannot become snoozed"):
        a.snooze("sam", at(90), at(3))
    assert a.snoozed_until == at(60)


def test_snooze_refused_on_a_resolved_alert() -> None:
    with pytest.raises(RuleViolation, match="is resolved and cannot become snoozed"):
        in_state(AlertState.RESOLVED).snooze("sam", at(60), at(2))


def test_wake_if_due_returns_the_alert_to_new_at_the_snooze_time() -> None:
    a = in_state(AlertState.SNOOZED)  # until at(30)
    assert not a.wake_if_due(at(29))
    assert a.snoozed_until == at(30)  # still snoozed
    assert a.wake_if_due(at(30))
    assert a.state is AlertState.NEW
    assert a.snoozed_until is None
    assert not a.wake_if_due(at(31))  # already awake


@pytest.mark.parametrize("state", [AlertState.NEW, AlertState.ACKNOWLEDGED, AlertState.RESOLVED])
def test_wake_does_nothing_unless_snoozed(state: AlertState) -> None:
    a = in_state(state)
    assert not a.wake_if_due(at(1_000))
    assert a.state is state


# -- resolve --------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [AlertState.NEW, AlertState.ACKNOWLEDGED, AlertState.SNOOZED])
def test_any_open_alert_can_be_resolved(state: AlertState) -> None:
    a = in_state(state)
    a.resolve("kim", at(10), "staffed again")
    assert a.state is AlertState.RESOLVED
    assert (a.resolved_by, a.resolved_at, a.comment) == ("kim", at(10), "staffed again")
    assert not a.is_open


def test_resolve_without_comment_keeps_the_acknowledgement_comment() -> None:
    a = alert()
    a.acknowledge("sam", at(1), "checking")
    a.resolve("sam", at(5))
    assert a.comment == "checking"


def test_resolve_twice_is_refused() -> None:
    a = in_state(AlertState.RESOLVED)
    with pytest.raises(RuleViolation, match="alert 5 is resolved and cannot become resolved"):
        a.resolve("kim", at(10))
    assert a.resolved_by == "sam"


# -- repeats and escalation -----------------------------------------------------------------


def test_repeat_counts_occurrences_and_remembers_the_last() -> None:
    a = alert()
    assert a.occurrences == 1
    assert a.last_seen_at is None
    a.repeat(at(1))
    a.repeat(at(2))
    assert a.occurrences == 3
    assert a.last_seen_at == at(2)
    assert a.state is AlertState.NEW  # a repeat does not change the state


def test_due_for_escalation_only_when_new_unescalated_and_old_enough() -> None:
    after = timedelta(minutes=10)
    a = alert()
    assert not a.due_for_escalation(at(9), after)
    assert a.due_for_escalation(at(10), after)
    a.escalate(at(10))
    assert a.severity is Sev.ERROR
    assert a.escalated_at == at(10)
    assert not a.due_for_escalation(at(60), after)  # escalates once


@pytest.mark.parametrize(
    "state", [AlertState.ACKNOWLEDGED, AlertState.SNOOZED, AlertState.RESOLVED]
)
def test_handled_alerts_are_not_escalated(state: AlertState) -> None:
    assert not in_state(state).due_for_escalation(at(600), timedelta(minutes=10))


def test_escalating_a_critical_alert_keeps_it_critical() -> None:
    a = alert(severity=Sev.CRITICAL)
    a.escalate(at(1))
    assert a.severity is Sev.CRITICAL
