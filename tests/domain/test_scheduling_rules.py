"""Each scheduling rule on small cases checked by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from domain.model.people import Operator, OperatorSkill, Shift, ShiftAssignment
from domain.model.plant import CalendarKind, CalendarWindow, SetupTime
from domain.model.work import (
    DependencyType,
    Operation,
    WorkOrder,
    WorkOrderDependency,
)
from domain.rules.scheduling import (
    PlannedOperation,
    PlanRules,
    check_calendar,
    check_dependencies,
    check_eligibility,
    check_horizon,
    check_move,
    check_no_overlap,
    check_operators,
    check_plan,
    check_release,
    check_routing,
    shift_windows,
    snap_start,
)

T0 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # a Monday


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def bar(
    op: str, wo: str, wc: str, start: int, end: int, who: str | None = None
) -> PlannedOperation:
    return PlannedOperation(op, wo, wc, at(start), at(end), who)


def operation(op: str, wo: str, seq: int, wc: str = "WC1", **kw: object) -> Operation:
    return Operation(
        id=op,
        work_order_id=wo,
        sequence=seq,
        name=op,
        work_centre_id=wc,
        duration_minutes=60,
        **kw,  # type: ignore[arg-type]
    )


def work_order(wo: str, release: int | None = None) -> WorkOrder:
    return WorkOrder(
        id=wo,
        number=wo,
        product_id="P",
        product_name="P",
        quantity_ordered=1,
        due_date=at(10_000),
        release_date=None if release is None else at(release),
    )


def codes(violations: list) -> list[str]:
    return [v.code for v in violations]


# --- precedence ------------------------------------------------------------------------------


def test_routing_step_two_must_wait_for_step_one() -> None:
    ops = {"A1": operation("A1", "A", 1), "A2": operation("A2", "A", 2, wc="WC2")}
    ok = [bar("A1", "A", "WC1", 0, 60), bar("A2", "A", "WC2", 60, 120)]
    early = [bar("A1", "A", "WC1", 0, 60), bar("A2", "A", "WC2", 59, 119)]
    assert check_routing(ok, ops) == []
    found = check_routing(early, ops)
    assert codes(found) == ["precedence"]
    assert found[0].details == {"operation_id": "A2", "other": "A1"}
    assert "before step 1" in found[0].message


def test_finish_to_start_dependency_with_lag() -> None:
    dep = WorkOrderDependency("B", "A", DependencyType.FINISH_TO_START, lag_minutes=30)
    a = bar("A1", "A", "WC1", 0, 60)
    assert check_dependencies([a, bar("B1", "B", "WC2", 90, 100)], [dep]) == []
    late = check_dependencies([a, bar("B1", "B", "WC2", 89, 100)], [dep])
    assert codes(late) == ["dependency"]
    assert "finish-to-start" in late[0].message
    assert "30 min" in late[0].message


def test_start_to_start_dependency_uses_the_first_start() -> None:
    dep = WorkOrderDependency("B", "A", DependencyType.START_TO_START, lag_minutes=10)
    a = [bar("A1", "A", "WC1", 0, 60), bar("A2", "A", "WC1", 60, 120)]
    assert check_dependencies([*a, bar("B1", "B", "WC2", 10, 200)], [dep]) == []
    assert codes(check_dependencies([*a, bar("B1", "B", "WC2", 9, 200)], [dep])) == ["dependency"]


def test_finish_to_finish_dependency_blames_the_last_bar() -> None:
    dep = WorkOrderDependency("B", "A", DependencyType.FINISH_TO_FINISH)
    a = bar("A1", "A", "WC1", 0, 120)
    b = [bar("B1", "B", "WC2", 0, 30), bar("B2", "B", "WC2", 30, 100)]
    found = check_dependencies([a, *b], [dep])
    assert codes(found) == ["dependency"]
    assert found[0].details["operation_id"] == "B2"
    assert check_dependencies([a, b[0], bar("B2", "B", "WC2", 60, 120)], [dep]) == []


def test_optional_dependencies_are_not_violations() -> None:
    dep = WorkOrderDependency("B", "A", mandatory=False)
    bars = [bar("A1", "A", "WC1", 0, 60), bar("B1", "B", "WC2", 0, 10)]
    assert check_dependencies(bars, [dep]) == []


# --- work centres ----------------------------------------------------------------------------


def test_overlap_on_one_work_centre_only() -> None:
    bars = [bar("A1", "A", "WC1", 0, 60), bar("B1", "B", "WC1", 30, 90)]
    found = check_no_overlap(bars)
    assert codes(found) == ["overlap"]
    assert found[0].details["other"] == "A1"
    # touching bars and bars on different work centres are fine
    assert check_no_overlap([bar("A1", "A", "WC1", 0, 60), bar("B1", "B", "WC1", 60, 90)]) == []
    assert check_no_overlap([bar("A1", "A", "WC1", 0, 60), bar("B1", "B", "WC2", 0, 60)]) == []


def test_parallel_capacity_allows_two_at_once() -> None:
    bars = [bar("A1", "A", "OVEN", 0, 60), bar("B1", "B", "OVEN", 0, 60)]
    assert check_no_overlap(bars, capacity={"OVEN": 2}) == []
    three = [*bars, bar("C1", "C", "OVEN", 30, 40)]
    assert codes(check_no_overlap(three, capacity={"OVEN": 2})) == ["overlap"]


def test_changeover_between_families_needs_its_gap() -> None:
    setups = [SetupTime("WC1", "steel", "alu", 20)]
    families = {"A1": "steel", "B1": "alu", "C1": "steel"}
    tight = [bar("A1", "A", "WC1", 0, 60), bar("B1", "B", "WC1", 70, 100)]
    found = check_no_overlap(tight, setups=setups, families=families)
    assert codes(found) == ["setup"]
    assert found[0].details["minutes"] == 20
    roomy = [bar("A1", "A", "WC1", 0, 60), bar("B1", "B", "WC1", 80, 100)]
    assert check_no_overlap(roomy, setups=setups, families=families) == []
    # same family back to back needs nothing, and alu -> steel has no changeover in the table
    back = [bar("B1", "B", "WC1", 0, 60), bar("C1", "C", "WC1", 60, 90)]
    assert check_no_overlap(back, setups=setups, families=families) == []


def test_calendar_window_blocks_the_work_centre() -> None:
    window = CalendarWindow("WC1", at(120), at(240), CalendarKind.MAINTENANCE)
    assert check_calendar([bar("A1", "A", "WC1", 0, 120)], [window]) == []
    assert check_calendar([bar("A1", "A", "WC2", 150, 200)], [window]) == []
    found = check_calendar([bar("A1", "A", "WC1", 100, 130)], [window])
    assert codes(found) == ["calendar"]
    assert "maintenance" in found[0].message


def test_eligibility_accepts_alternatives_only() -> None:
    ops = {"A1": operation("A1", "A", 1, wc="WC1", alternatives=("WC3",))}
    assert check_eligibility([bar("A1", "A", "WC3", 0, 60)], ops) == []
    found = check_eligibility([bar("A1", "A", "WC2", 0, 60)], ops)
    assert codes(found) == ["eligibility"]
    assert "WC1, WC3" in found[0].message


# --- time ------------------------------------------------------------------------------------


def test_release_date() -> None:
    orders = {"A": work_order("A", release=60)}
    assert codes(check_release([bar("A1", "A", "WC1", 59, 100)], orders)) == ["release"]
    assert check_release([bar("A1", "A", "WC1", 60, 100)], orders) == []


def test_past_frozen_and_pinned() -> None:
    now = at(100)
    committed = {"A1": bar("A1", "A", "WC1", 110, 150), "B1": bar("B1", "B", "WC1", 500, 560)}
    pinned = {"C1": bar("C1", "C", "WC2", 300, 360)}
    # new work cannot start in the past
    assert codes(check_horizon([bar("D1", "D", "WC3", 90, 120)], now=now)) == ["before_now"]
    # inside the frozen horizon nothing moves; after it, things may move
    moved = [bar("A1", "A", "WC1", 120, 160), bar("B1", "B", "WC1", 520, 580)]
    found = check_horizon(moved, now=now, frozen_until=at(200), committed=committed)
    assert codes(found) == ["frozen"]
    assert found[0].details["operation_id"] == "A1"
    # a pinned bar stays exactly where it was pinned
    assert codes(check_horizon([bar("C1", "C", "WC2", 301, 361)], now=now, pinned=pinned)) == [
        "pinned"
    ]
    assert check_horizon([pinned["C1"]], now=now, pinned=pinned) == []


# --- people ----------------------------------------------------------------------------------


def _people() -> tuple[dict[str, Operation], dict[str, Operator], dict[str, list]]:
    ops = {
        "W1": operation("W1", "A", 1, wc="WELD", required_skill="welding", min_proficiency=2),
        "W2": operation("W2", "B", 1, wc="WELD2", required_skill="welding"),
    }
    ann = Operator(
        "ann",
        "E1",
        "Ann",
        "Lee",
        skills=[OperatorSkill("welding", "Welding", 3, certification_expiry=date(2026, 12, 31))],
    )
    bob = Operator("bob", "E2", "Bob", "Roe", skills=[OperatorSkill("welding", "Welding", 1)])
    early = Shift("early", "Early", time(6, 0), 8 * 60)
    days = [
        ShiftAssignment("ann", "early", date(2026, 3, 2)),
        ShiftAssignment("bob", "early", date(2026, 3, 2)),
    ]
    availability = shift_windows(days, {"early": early}, UTC)
    return ops, {"ann": ann, "bob": bob}, availability


def test_shift_windows_from_assignments() -> None:
    _, _, availability = _people()
    assert availability["ann"] == [(at(0), at(480))]


def test_operator_needed_with_skill_level_on_shift_and_not_twice() -> None:
    ops, people, availability = _people()
    good = [bar("W1", "A", "WELD", 0, 60, "ann")]
    assert check_operators(good, ops, people, availability) == []
    assert codes(check_operators([bar("W1", "A", "WELD", 0, 60)], ops, people)) == [
        "operator_missing"
    ]
    # Bob welds at level 1, W1 needs level 2
    low = check_operators([bar("W1", "A", "WELD", 0, 60, "bob")], ops, people, availability)
    assert codes(low) == ["operator_skill"]
    assert "level 2" in low[0].message
    # the shift ends at 14:00 (minute 480)
    late = check_operators([bar("W1", "A", "WELD", 450, 510, "ann")], ops, people, availability)
    assert codes(late) == ["operator_shift"]
    both = [bar("W1", "A", "WELD", 0, 60, "ann"), bar("W2", "B", "WELD2", 30, 90, "ann")]
    assert codes(check_operators(both, ops, people, availability)) == ["operator_overlap"]
    assert codes(check_operators([bar("W1", "A", "WELD", 0, 60, "zed")], ops, people)) == [
        "operator_unknown"
    ]


def test_expired_certification() -> None:
    ops, people, _ = _people()
    next_year = PlannedOperation(
        "W1",
        "A",
        "WELD",
        datetime(2027, 1, 4, 8, tzinfo=UTC),
        datetime(2027, 1, 4, 9, tzinfo=UTC),
        "ann",
    )
    assert codes(check_operators([next_year], ops, people)) == ["operator_certification"]


# --- together: a plan, a drag, a snap ------------------------------------------------------


def _plan() -> tuple[list[PlannedOperation], PlanRules]:
    ops = {
        "A1": operation("A1", "A", 1, wc="WC1"),
        "A2": operation("A2", "A", 2, wc="WC2", alternatives=("WC3",)),
        "B1": operation("B1", "B", 1, wc="WC1"),
    }
    rules = PlanRules(
        operations=ops,
        work_orders={"A": work_order("A"), "B": work_order("B")},
        calendar=(CalendarWindow("WC2", at(120), at(180)),),
        now=at(0),
    )
    bars = [
        bar("A1", "A", "WC1", 0, 60),
        bar("A2", "A", "WC2", 60, 120),
        bar("B1", "B", "WC1", 60, 120),
    ]
    return bars, rules


def test_a_valid_plan_has_no_violations() -> None:
    bars, rules = _plan()
    assert check_plan(bars, rules) == []


def test_check_move_names_every_rule_the_drag_breaks() -> None:
    bars, rules = _plan()
    # A2 dragged onto WC1 at 30: not eligible, before A1 ends, overlaps A1 and B1
    found = check_move(bars, bar("A2", "A", "WC1", 30, 90), rules)
    assert sorted(set(codes(found))) == ["eligibility", "overlap", "precedence"]
    # onto the alternative WC3 right after A1: fine
    assert check_move(bars, bar("A2", "A", "WC3", 60, 120), rules) == []
    # into the maintenance window of WC2
    assert codes(check_move(bars, bar("A2", "A", "WC2", 100, 160), rules)) == ["calendar"]


def test_check_move_ignores_problems_elsewhere() -> None:
    bars, rules = _plan()
    broken = [*bars, bar("X1", "X", "WC9", 0, 10), bar("Y1", "Y", "WC9", 5, 15)]
    assert check_move(broken, bar("A2", "A", "WC3", 60, 120), rules) == []


def test_snap_finds_the_nearest_valid_start() -> None:
    bars, rules = _plan()
    # dropped at 100 on WC2: the window 120-180 blocks it; the nearest valid start is 60
    # (back where it was: 40 away) rather than 180 (80 away)
    assert snap_start(bars, bar("A2", "A", "WC2", 100, 160), rules) == at(60)
    # dropped at 170: 180 (after the window) is nearest
    assert snap_start(bars, bar("A2", "A", "WC2", 170, 230), rules) == at(180)


def test_messages_give_times_on_the_plants_clock() -> None:
    from zoneinfo import ZoneInfo

    from domain.rules.scheduling import check_frozen

    berlin = ZoneInfo("Europe/Berlin")  # March 2: UTC+1, so 06:00 UTC is 07:00 there
    ops = {"A": operation("A", "W1", 10), "B": operation("B", "W1", 20)}
    bars = [bar("A", "W1", "WC1", 0, 60), bar("B", "W1", "WC1", 30, 90)]
    utc = {v.code: v.message for v in check_plan(bars, PlanRules(operations=ops))}
    local = {v.code: v.message for v in check_plan(bars, PlanRules(operations=ops, tz=berlin))}
    assert "starts 2026-03-02 06:30, before step 10 (A) ends 2026-03-02 07:00" in utc["precedence"]
    assert (
        "starts 2026-03-02 07:30, before step 10 (A) ends 2026-03-02 08:00" in local["precedence"]
    )
    assert "(2026-03-02 07:30 < 2026-03-02 08:00)" in local["overlap"]
    (frozen,) = check_frozen(
        bar("A", "W1", "WC1", 0, 60), bar("A", "W1", "WC1", 300, 360), at(120), berlin
    )
    assert frozen.message.startswith(
        "inside the frozen horizon (until 09:00): operation A starts Mon 07:00"
    )
