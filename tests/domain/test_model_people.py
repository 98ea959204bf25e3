"""Operators, skills and certifications, shifts and clocking in and out."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from domain.errors import ValidationError
from domain.model.people import (
    Operator,
    OperatorSkill,
    OperatorStatus,
    Proficiency,
    Shift,
    ShiftAssignment,
    ShiftAssignmentStatus,
    ShiftBreak,
)

START = datetime(2025, 3, 3, 6, 0, tzinfo=UTC)


def operator(**kw: object) -> Operator:
    base: dict[str, object] = {
        "id": "o1",
        "employee_id": "E-001",
        "first_name": "Ana",
        "last_name": "Lopez",
        "email": "ana@example.com",
        "phone": "+34 600 000 000",
    }
    base.update(kw)
    return Operator(**base)  # type: ignore[arg-type]


def weld(level: int = 2, **kw: object) -> OperatorSkill:
    return OperatorSkill("WELD", "Welding", level, **kw)  # type: ignore[arg-type]


# -- skills and certification ---------------------------------------------------------------


@pytest.mark.parametrize("level", list(Proficiency))
def test_proficiency_one_to_four_is_accepted(level: Proficiency) -> None:
    assert weld(int(level)).proficiency == level


@pytest.mark.parametrize("level", [0, 5, -1])
def test_proficiency_outside_one_to_four_is_refused(level: int) -> None:
    with pytest.raises(
        ValidationError,
        match=rf"proficiency of WELD must be 1 \(basic\) to 4 \(expert\), got {level}",
    ):
        weld(level)


def test_certification_cannot_expire_before_it_was_issued() -> None:
    weld(certification_date=date(2025, 1, 1), certification_expiry=date(2025, 1, 1))
    with pytest.raises(ValidationError, match="certification of WELD expires before it was issued"):
        weld(certification_date=date(2025, 1, 2), certification_expiry=date(2025, 1, 1))


def test_certification_is_valid_up_to_and_including_the_expiry_day() -> None:
    skill = weld(certification_expiry=date(2025, 6, 30))
    assert skill.certified_on(date(2025, 6, 29))
    assert skill.certified_on(date(2025, 6, 30))
    assert not skill.certified_on(date(2025, 7, 1))
    assert skill.days_to_expiry(date(2025, 6, 20)) == 10
    assert skill.days_to_expiry(date(2025, 7, 2)) == -2


def test_a_skill_without_expiry_never_lapses() -> None:
    skill = weld()
    assert skill.certified_on(date(2099, 1, 1))
    assert skill.days_to_expiry(date(2099, 1, 1)) is None


# -- operators ------------------------------------------------------------------------------


def test_operator_name_initials_and_skill_lookup() -> None:
    op = operator(skills=[weld(3), OperatorSkill("CNC", "CNC turning", 1)])
    assert op.name == "Ana Lopez"
    assert op.initials == "AL"
    assert op.skill("CNC") is not None
    assert op.skill("WELD").proficiency == 3  # type: ignore[union-attr]
    assert op.skill("PAINT") is None


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"first_name": ""}, "first name cannot be empty"),
        ({"last_name": "  "}, "last name cannot be empty"),
        ({"efficiency_rating": 5.01}, "efficiency rating must be between 0 and 5"),
        ({"efficiency_rating": -0.1}, "efficiency rating must be between 0 and 5"),
        ({"on_time_rate": 100.5}, "on-time completion rate must be between 0 and 100"),
        ({"skills": [weld(1), weld(4)]}, "operator o1 lists a skill twice"),
    ],
)
def test_operator_invariants(kw: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        operator(**kw)


def test_operator_bounds_are_inclusive() -> None:
    operator(efficiency_rating=0, on_time_rate=100)
    operator(efficiency_rating=5, on_time_rate=0)


def test_anonymise_keeps_the_ids_and_drops_the_person() -> None:
    op = operator(skills=[weld()])
    op.anonymise()
    assert (op.id, op.employee_id) == ("o1", "E-001")
    assert (op.first_name, op.last_name) == ("REDACTED", "REDACTED")
    assert op.email is None
    assert op.phone is None
    assert op.anonymised
    assert "Ana" not in op.name
    assert "Lopez" not in op.name
    assert op.skills == [weld()]  # qualifications are not personal contact data


def test_set_status_returns_previous_and_away_statuses() -> None:
    op = operator()
    assert op.set_status(OperatorStatus.SICK, START) is OperatorStatus.AVAILABLE
    assert op.status_updated_at == START
    away = {s for s in OperatorStatus if s.is_away}
    assert away == {
        OperatorStatus.ABSENT,
        OperatorStatus.SICK,
        OperatorStatus.VACATION,
        OperatorStatus.OFFLINE,
    }


# -- shifts ---------------------------------------------------------------------------------


def test_shift_break_lasts_at_least_a_minute() -> None:
    with pytest.raises(ValidationError, match="a break lasts at least one minute"):
        ShiftBreak(time(10), 0)


@pytest.mark.parametrize("minutes", [0, -60, 24 * 60 + 1])
def test_shift_length_between_a_minute_and_a_day(minutes: int) -> None:
    with pytest.raises(
        ValidationError, match="shift Night must last between 1 minute and 24 hours"
    ):
        Shift("s3", "Night", time(22), minutes)


def test_shift_needs_a_name() -> None:
    with pytest.raises(ValidationError, match="shift name cannot be empty"):
        Shift("s1", "", time(6), 480)


def test_day_shift_end_and_window() -> None:
    early = Shift("s1", "Early", time(6), 480)
    assert early.end == time(14)
    assert not early.crosses_midnight
    assert early.window_on(date(2025, 3, 3), UTC) == (
        datetime(2025, 3, 3, 6, tzinfo=UTC),
        datetime(2025, 3, 3, 14, tzinfo=UTC),
    )


def test_night_shift_crosses_midnight_into_the_next_day() -> None:
    night = Shift("s3", "Night", time(22), 480)
    assert night.end == time(6)
    assert night.crosses_midnight
    start, end = night.window_on(date(2025, 3, 3))
    assert (start, end) == (datetime(2025, 3, 3, 22), datetime(2025, 3, 4, 6))


def test_shift_ending_exactly_at_midnight_does_not_cross_it() -> None:
    late = Shift("s2", "Late", time(16), 480)
    assert late.end == time(0)
    assert not late.crosses_midnight


# -- clocking in and out --------------------------------------------------------------------


def assignment() -> ShiftAssignment:
    return ShiftAssignment("o1", "s1", date(2025, 3, 3))


@pytest.mark.parametrize("minutes", [-10, 0, 5])
def test_clock_in_up_to_the_grace_period_is_on_time(minutes: int) -> None:
    a = assignment()
    a.clock_in_at(START + timedelta(minutes=minutes), START)
    assert a.status is ShiftAssignmentStatus.IN_PROGRESS
    assert a.clock_in == START + timedelta(minutes=minutes)


def test_clock_in_after_the_grace_period_is_late() -> None:
    a = assignment()
    a.clock_in_at(START + timedelta(minutes=5, seconds=1), START)
    assert a.status is ShiftAssignmentStatus.LATE


def test_grace_period_is_configurable() -> None:
    a = assignment()
    a.clock_in_at(START + timedelta(minutes=10), START, grace_minutes=15)
    assert a.status is ShiftAssignmentStatus.IN_PROGRESS
    b = assignment()
    b.clock_in_at(START + timedelta(minutes=1), START, grace_minutes=0)
    assert b.status is ShiftAssignmentStatus.LATE


def test_an_assignment_marked_late_before_arrival_can_still_clock_in() -> None:
    a = assignment()
    a.status = ShiftAssignmentStatus.LATE  # the lead marked the no-show at 06:10
    a.clock_in_at(START + timedelta(minutes=20), START)
    assert a.status is ShiftAssignmentStatus.LATE
    assert a.clock_in == START + timedelta(minutes=20)


@pytest.mark.parametrize("minutes", [0, 30])  # on time (in progress) and late
def test_clocking_in_twice_is_refused(minutes: int) -> None:
    a = assignment()
    a.clock_in_at(START + timedelta(minutes=minutes), START)
    with pytest.raises(ValidationError, match="already clocked in at 06:"):
        a.clock_in_at(START + timedelta(minutes=45), START)
    assert a.clock_in == START + timedelta(minutes=minutes)


@pytest.mark.parametrize(
    "status",
    [ShiftAssignmentStatus.COMPLETED, ShiftAssignmentStatus.ABSENT],
)
def test_clock_in_refused_for_a_closed_assignment(status: ShiftAssignmentStatus) -> None:
    a = assignment()
    a.status = status
    with pytest.raises(ValidationError, match=f"cannot clock in a shift that is {status.value}"):
        a.clock_in_at(START, START)


def test_clock_out_completes_the_assignment() -> None:
    a = assignment()
    a.clock_in_at(START, START)
    a.clock_out_at(START + timedelta(hours=8))
    assert a.status is ShiftAssignmentStatus.COMPLETED
    assert a.clock_out == START + timedelta(hours=8)


def test_clock_out_before_clock_in_is_refused() -> None:
    with pytest.raises(ValidationError, match="cannot clock out before clocking in"):
        assignment().clock_out_at(START)
    a = assignment()
    a.clock_in_at(START, START)
    with pytest.raises(ValidationError, match="clock-out is before clock-in"):
        a.clock_out_at(START - timedelta(minutes=1))
    assert a.status is ShiftAssignmentStatus.IN_PROGRESS


def test_clocking_out_twice_is_refused() -> None:
    a = assignment()
    a.clock_in_at(START, START)
    a.clock_out_at(START + timedelta(hours=8))
    with pytest.raises(ValidationError, match="already clocked out at 14:00"):
        a.clock_out_at(START + timedelta(hours=9))
    assert a.clock_out == START + timedelta(hours=8)
