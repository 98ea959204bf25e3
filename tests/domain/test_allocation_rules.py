"""The allocation rules as pure functions: every rule, its reason code and its sentence."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from domain.errors import RuleViolation
from domain.model.allocation import AllocationStatus
from domain.model.people import (
    OperatorSkill,
    OperatorStatus,
    Shift,
    ShiftAssignment,
    ShiftAssignmentStatus,
    ShiftBreak,
)
from domain.model.plant import MachineStatus
from domain.model.work import Operation, OperationStatus, WorkOrderStatus
from domain.rules import allocation as A
from domain.rules.overlap import Booking, double_bookings, overlapping, windows_overlap

NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
TODAY = NOW.date()

EARLY = Shift("A", "Early", time(6), 480, (ShiftBreak(time(10), 15),))
NIGHT = Shift("C", "Night", time(22), 480, (ShiftBreak(time(1), 30),))
SHIFTS = {"A": EARLY, "C": NIGHT}


def _skill(code: str, level: int, expiry_days: int | None = None) -> OperatorSkill:
    expiry = TODAY + timedelta(days=expiry_days) if expiry_days is not None else None
    issued = expiry - timedelta(days=700) if expiry is not None else None
    return OperatorSkill(code, code, level, issued, expiry)


def _on_shift() -> A.ShiftState:
    return A.ShiftState("A", "Early", NOW.replace(hour=6), NOW.replace(hour=14))


def _operator(**kw: object) -> A.OperatorFacts:
    values: dict[str, object] = {
        "id": "OP-1",
        "name": "Anna Able",
        "status": OperatorStatus.AVAILABLE,
        "skills": (_skill("press", 3, 400),),
        "shift": _on_shift(),
    }
    values.update(kw)
    return A.OperatorFacts(**values)  # type: ignore[arg-type]


def _machine(**kw: object) -> A.MachineFacts:
    values: dict[str, object] = {
        "id": "M-1",
        "name": "Press P1",
        "status": MachineStatus.IDLE,
        "work_centre_id": "WC-1",
        "required_skills": ("press",),
    }
    values.update(kw)
    return A.MachineFacts(**values)  # type: ignore[arg-type]


def _facts(**kw: object) -> A.AllocationFacts:
    values: dict[str, object] = {
        "work_order_id": "WO-1",
        "work_order_number": "WO-00001",
        "work_order_status": WorkOrderStatus.QUEUED,
        "at": NOW,
        "start": NOW,
        "operator": _operator(),
        "needs": (A.SkillNeed("press", 2, "operation 10 Stamping"),),
    }
    values.update(kw)
    return A.AllocationFacts(**values)  # type: ignore[arg-type]


# -- the roster --------------------------------------------------------------------------------
def test_shift_state_covers_the_moment_and_knows_breaks() -> None:
    roster = [ShiftAssignment("OP-1", "A", TODAY)]
    state = A.shift_state(roster, SHIFTS, NOW, UTC)
    assert state is not None
    assert state.shift_name == "Early"
    assert not state.on_break
    on_break = A.shift_state(roster, SHIFTS, NOW.replace(hour=10, minute=5), UTC)
    assert on_break is not None
    assert on_break.on_break
    assert on_break.break_end == NOW.replace(hour=10, minute=15)
    assert A.shift_state(roster, SHIFTS, NOW.replace(hour=14), UTC) is None  # end is exclusive


def test_a_night_shift_belongs_to_the_day_it_starts_and_its_break_is_after_midnight() -> None:
    roster = [ShiftAssignment("OP-1", "C", TODAY - timedelta(days=1))]
    at = datetime.combine(TODAY, time(1, 10), tzinfo=UTC)
    state = A.shift_state(roster, SHIFTS, at, UTC)
    assert state is not None
    assert state.shift_id == "C"
    assert state.on_break
    assert A.shift_state(roster, SHIFTS, at.replace(hour=7), UTC) is None


def test_absent_and_unpublished_entries() -> None:
    absent = [ShiftAssignment("OP-1", "A", TODAY, ShiftAssignmentStatus.ABSENT)]
    state = A.shift_state(absent, SHIFTS, NOW, UTC)
    assert state is not None
    assert state.absent
    draft = [ShiftAssignment("OP-1", "A", TODAY, published=False)]
    assert A.shift_state(draft, SHIFTS, NOW, UTC) is None


def test_next_shift_skips_absences() -> None:
    roster = [
        ShiftAssignment("OP-1", "A", TODAY + timedelta(days=1), ShiftAssignmentStatus.ABSENT),
        ShiftAssignment("OP-1", "C", TODAY + timedelta(days=2)),
    ]
    nxt = A.next_shift(roster, SHIFTS, NOW, UTC)
    assert nxt is not None
    assert nxt[0] == "Night"
    assert nxt[1] == datetime.combine(TODAY + timedelta(days=2), time(22), tzinfo=UTC)


# -- presence ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kw", "code", "words"),
    [
        ({"status": OperatorStatus.SICK}, A.OPERATOR_ABSENT, "is sick"),
        ({"status": OperatorStatus.VACATION}, A.OPERATOR_ABSENT, "vacation"),
        ({"active": False}, A.OPERATOR_INACTIVE, "no longer active"),
        ({"shift": None, "next_shift": "Late, Mon 14:00"}, A.OPERATOR_NOT_ON_SHIFT, "Late, Mon"),
        ({"status": OperatorStatus.BREAK}, A.OPERATOR_ON_BREAK, "on a break"),
    ],
)
def test_operator_presence(kw: dict[str, object], code: str, words: str) -> None:
    out = A.check_operator_presence(_operator(**kw), NOW)
    assert [v.code for v in out] == [code]
    assert words in out[0].message
    assert "Anna Able" in out[0].message


def test_presence_from_the_roster() -> None:
    shift = _on_shift()
    absent = A.ShiftState(shift.shift_id, shift.shift_name, shift.start, shift.end, absent=True)
    out = A.check_operator_presence(_operator(shift=absent), NOW)
    assert out[0].code == A.OPERATOR_ABSENT
    assert "Early" in out[0].message
    brk = A.ShiftState("A", "Early", shift.start, shift.end, False, NOW, NOW.replace(minute=15))
    out = A.check_operator_presence(_operator(shift=brk), NOW)
    assert out[0].code == A.OPERATOR_ON_BREAK
    assert "until 09:15" in out[0].message
    assert A.check_operator_presence(_operator(), NOW) == []


# -- skills and certificates -------------------------------------------------------------------
def test_skill_missing_and_too_low() -> None:
    needs = (A.SkillNeed("press", 3, "operation 10"), A.SkillNeed("weld", 1, "machine W"))
    errors, warnings = A.check_skills("Ben", (_skill("press", 2),), needs, TODAY, TODAY)
    assert [e.code for e in errors] == [A.SKILL_TOO_LOW, A.SKILL_MISSING]
    assert "level 2, level 3 is needed" in errors[0].message
    assert "lacks the skill weld" in errors[1].message
    assert warnings == []


def test_certificates_expired_expiring_during_and_soon() -> None:
    need = (A.SkillNeed("press", 1),)
    expired, _ = A.check_skills("C", (_skill("press", 3, -1),), need, TODAY, TODAY)
    assert [e.code for e in expired] == [A.CERTIFICATION_EXPIRED]
    during, _ = A.check_skills(
        "C", (_skill("press", 3, 2),), need, TODAY, TODAY + timedelta(days=3)
    )
    assert [e.code for e in during] == [A.CERTIFICATION_EXPIRES_DURING]
    errors, soon = A.check_skills("C", (_skill("press", 3, 5),), need, TODAY, TODAY)
    assert errors == []
    assert [w.code for w in soon] == [A.CERTIFICATION_EXPIRING_SOON]
    errors, fine = A.check_skills("C", (_skill("press", 3, 8),), need, TODAY, TODAY)
    assert errors == []
    assert fine == []


def test_skill_needs_follow_the_routing_and_the_machine() -> None:
    ops = A.open_operations(
        [
            Operation(
                "o10",
                "WO-1",
                10,
                "Cut",
                "WC-L",
                5,
                required_skill="laser",
                status=OperationStatus.DONE,
            ),
            Operation(
                "o20", "WO-1", 20, "Stamp", "WC-1", 5, required_skill="press", min_proficiency=2
            ),
            Operation("o30", "WO-1", 30, "Weld", "WC-W", 5, required_skill="weld"),
        ]
    )
    needs, ok = A.skill_needs(ops, None)
    assert ok
    assert needs == (A.SkillNeed("press", 2, "operation 20 Stamp"),)
    welder = _machine(id="M-W", name="Welder", work_centre_id="WC-W", required_skills=("lockout",))
    needs, ok = A.skill_needs(ops, welder)
    assert ok
    assert [n.skill_code for n in needs] == ["weld", "lockout"]
    other = _machine(work_centre_id="WC-X")
    _, ok = A.skill_needs(ops, other)
    assert not ok


# -- machines, work orders, materials ---------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "code"),
    [
        (MachineStatus.MAINTENANCE, A.MACHINE_IN_MAINTENANCE),
        (MachineStatus.BREAKDOWN, A.MACHINE_BREAKDOWN),
        (MachineStatus.OFFLINE, A.MACHINE_OFFLINE),
    ],
)
def test_machine_status(status: MachineStatus, code: str) -> None:
    out = A.check_machine(_machine(status=status), eligible=True, number="WO-1")
    assert [v.code for v in out] == [code]


def test_machine_outside_the_routing() -> None:
    out = A.check_machine(_machine(), eligible=False, number="WO-00001")
    assert out[0].code == A.MACHINE_NOT_IN_ROUTING
    assert "WO-00001" in out[0].message
    assert A.check_machine(_machine(status=MachineStatus.RUNNING), eligible=True, number="x") == []


def test_closed_work_orders() -> None:
    assert A.check_work_order("W", WorkOrderStatus.COMPLETED)[0].code == A.WORK_ORDER_COMPLETED
    assert A.check_work_order("W", WorkOrderStatus.CANCELLED)[0].code == A.WORK_ORDER_CANCELLED
    assert A.check_work_order("W", WorkOrderStatus.PAUSED) == []


def test_materials_critical_is_an_error_other_a_warning() -> None:
    critical = A.MaterialNeed("M1", "Seal", "PN-1", "EA", 50, 20, critical=True)
    other = A.MaterialNeed("M2", "Bolt", "PN-2", "EA", 10, 5)
    enough = A.MaterialNeed("M3", "Nut", "PN-3", "EA", 10, 10, critical=True)
    errors, warnings = A.check_materials([critical, other, enough])
    assert [e.code for e in errors] == [A.CRITICAL_MATERIAL_UNAVAILABLE]
    assert "50 EA to reserve, 20 available" in errors[0].message
    assert [w.code for w in warnings] == [A.MATERIAL_SHORT]


# -- bookings ------------------------------------------------------------------------------------
def _booking(aid: int, start: datetime, end: datetime | None, **kw: str | None) -> Booking:
    return Booking(aid, f"WO-{aid}", f"WO-0000{aid}", start, end, **kw)  # type: ignore[arg-type]


def test_windows_overlap_half_open() -> None:
    h = timedelta(hours=1)
    assert windows_overlap(NOW, NOW + h, NOW + h / 2, None)
    assert not windows_overlap(NOW, NOW + h, NOW + h, NOW + 2 * h)  # touching is fine
    assert windows_overlap(NOW, None, NOW + 10 * h, NOW + 11 * h)


def test_busy_now_versus_a_planned_overlap() -> None:
    running = _booking(1, NOW - timedelta(hours=1), None, operator_id="OP-1", machine_name="P1")
    planned = _booking(2, NOW + timedelta(hours=2), NOW + timedelta(hours=3), operator_id="OP-1")
    op = _operator()
    out = A.check_bookings([running], NOW, NOW, None, operator=op, machine=None)
    assert out[0].code == A.OPERATOR_BUSY
    assert "WO-00001 on P1" in out[0].message
    out = A.check_bookings([planned], NOW, NOW, None, operator=op, machine=None)
    assert out[0].code == A.ALLOCATION_OVERLAP
    assert "overlaps" in out[0].message
    assert (
        A.check_bookings([planned], NOW, NOW, NOW + timedelta(hours=2), operator=op, machine=None)
        == []
    )
    assert A.check_bookings([running], NOW, NOW, None, operator=op, machine=None, ignore={1}) == []


def test_machine_busy_names_who_runs_it() -> None:
    b = _booking(3, NOW, None, machine_id="M-1", operator_name="Ben Baker")
    out = A.check_bookings([b], NOW, NOW, None, operator=None, machine=_machine())
    assert out[0].code == A.MACHINE_BUSY
    assert "with Ben Baker" in out[0].message


def test_double_bookings_finds_pairs() -> None:
    a = _booking(1, NOW, NOW + timedelta(hours=2), operator_id="OP-1")
    b = _booking(2, NOW + timedelta(hours=1), None, operator_id="OP-1")
    c = _booking(3, NOW + timedelta(hours=2), None, operator_id="OP-2")
    assert [(x.allocation_id, y.allocation_id) for x, y in double_bookings([a, b, c])] == [(1, 2)]
    assert overlapping([a, b, c], NOW, None, operator_id="OP-2") == [c]


# -- all together --------------------------------------------------------------------------------
def test_check_allocation_collects_every_violation_and_warning() -> None:
    facts = _facts(
        work_order_status=WorkOrderStatus.CANCELLED,
        operator=_operator(status=OperatorStatus.SICK, skills=(_skill("press", 1, 3),)),
        machine=_machine(status=MachineStatus.BREAKDOWN),
        materials=(A.MaterialNeed("M", "Seal", "PN", "EA", 5, 0, critical=True),),
    )
    verdict = A.check_allocation(facts)
    assert not verdict.ok
    assert set(verdict.codes) == {
        A.WORK_ORDER_CANCELLED,
        A.OPERATOR_ABSENT,
        A.SKILL_TOO_LOW,
        A.MACHINE_BREAKDOWN,
        A.CRITICAL_MATERIAL_UNAVAILABLE,
    }
    assert [w.code for w in verdict.warnings] == [A.CERTIFICATION_EXPIRING_SOON]
    with pytest.raises(RuleViolation) as info:
        verdict.raise_if_invalid()
    assert len(info.value.violations) == 5


def test_a_valid_allocation_passes_and_a_bad_window_does_not() -> None:
    assert A.check_allocation(_facts()).ok
    bad = A.check_allocation(_facts(end=NOW))
    assert bad.codes == (A.INVALID_WINDOW,)
    nothing = A.check_allocation(_facts(operator=None))
    assert nothing.codes == (A.NOTHING_TO_ALLOCATE,)


def test_marked_busy_without_an_allocation_is_only_a_warning() -> None:
    verdict = A.check_allocation(_facts(operator=_operator(status=OperatorStatus.BUSY)))
    assert verdict.ok
    assert [w.code for w in verdict.warnings] == [A.OPERATOR_MARKED_BUSY]


# -- what the statuses become ------------------------------------------------------------------
def test_work_order_status_follows_its_allocations() -> None:
    f = A.work_order_status_after
    active, paused = AllocationStatus.ACTIVE, AllocationStatus.PAUSED
    assert f(WorkOrderStatus.QUEUED, [active], 0) is WorkOrderStatus.ASSIGNED
    assert f(WorkOrderStatus.PAUSED, [active], 5) is WorkOrderStatus.IN_PROGRESS
    assert f(WorkOrderStatus.ASSIGNED, [paused], 0) is WorkOrderStatus.PAUSED
    assert f(WorkOrderStatus.ASSIGNED, [], 0) is WorkOrderStatus.QUEUED
    assert f(WorkOrderStatus.IN_PROGRESS, [], 5) is WorkOrderStatus.PAUSED
    assert f(WorkOrderStatus.COMPLETED, [active], 5) is WorkOrderStatus.COMPLETED


def test_resource_statuses_follow_their_allocations() -> None:
    assert A.operator_status_after(OperatorStatus.AVAILABLE, True) is OperatorStatus.BUSY
    assert A.operator_status_after(OperatorStatus.BUSY, False) is OperatorStatus.AVAILABLE
    assert A.operator_status_after(OperatorStatus.BREAK, False) is OperatorStatus.BREAK
    assert A.machine_status_after(MachineStatus.IDLE, True) is MachineStatus.RUNNING
    assert A.machine_status_after(MachineStatus.RUNNING, False) is MachineStatus.IDLE
    assert A.machine_status_after(MachineStatus.BREAKDOWN, True) is MachineStatus.BREAKDOWN


def test_date_of_the_rules_is_the_allocation_start() -> None:
    """An allocation tomorrow is judged against tomorrow's certificate state."""
    tomorrow = NOW + timedelta(days=1)
    facts = _facts(
        start=tomorrow,
        operator=_operator(skills=(_skill("press", 3, 0),)),  # expires today
    )
    verdict = A.check_allocation(facts)
    assert A.CERTIFICATION_EXPIRED in verdict.codes
    assert date.fromisoformat(verdict.violations[0].details["expiry"]) == TODAY
