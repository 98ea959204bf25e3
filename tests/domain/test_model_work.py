"""Work orders, their status transitions, dependencies, operations and timestamps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import RuleViolation, ValidationError
from domain.model.work import (
    DependencyType,
    Operation,
    OperationTimestamp,
    Priority,
    TimestampKind,
    WorkOrder,
    WorkOrderDependency,
    WorkOrderMaterial,
    WorkOrderStatus,
    check_dependencies_acyclic,
    check_timestamp_sequence,
    worked_minutes,
)

S = WorkOrderStatus
DUE = datetime(2025, 3, 7, 16, 0, tzinfo=UTC)


def order(**kw: object) -> WorkOrder:
    base: dict[str, object] = {
        "id": "wo1",
        "number": "WO-1001",
        "product_id": "P",
        "product_name": "Bike",
        "quantity_ordered": 100.0,
        "due_date": DUE,
    }
    base.update(kw)
    return WorkOrder(**base)  # type: ignore[arg-type]


def t(hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, 3, hour, minute, tzinfo=UTC)


# -- invariants -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"number": ""}, "work order number cannot be empty"),
        ({"quantity_ordered": 0}, "work order WO-1001: ordered quantity must be positive"),
        ({"quantity_ordered": -5}, "ordered quantity must be positive"),
        ({"quantity_produced": -1}, "WO-1001: produced quantity cannot be negative"),
        ({"quantity_produced": 100.5}, "WO-1001: produced 100.5 exceeds ordered 100"),
        (
            {"planned_start": t(10), "planned_end": t(9)},
            r"WO-1001 planned window: the end \(2025-03-03 09:00\) is before the start",
        ),
    ],
)
def test_work_order_invariants(kw: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        order(**kw)


def test_produced_may_equal_ordered() -> None:
    wo = order(quantity_produced=100)
    assert wo.quantity_remaining == 0
    assert wo.progress == 100.0


def test_remaining_and_progress() -> None:
    wo = order(quantity_produced=25)
    assert wo.quantity_remaining == 75
    assert wo.progress == 25.0


def test_priority_weights_double_each_step() -> None:
    assert [p.weight for p in Priority] == [1, 2, 4, 8]


# -- status transitions ---------------------------------------------------------------------

# Spelled out from the rules: a queued order is assigned or started (not paused or completed
# before it ran), open orders can be cancelled, and a closed order never reopens.
ALLOWED: set[tuple[WorkOrderStatus, WorkOrderStatus]] = {
    (S.QUEUED, S.ASSIGNED),
    (S.QUEUED, S.IN_PROGRESS),
    (S.QUEUED, S.CANCELLED),
    *((S.ASSIGNED, x) for x in (S.QUEUED, S.IN_PROGRESS, S.PAUSED, S.COMPLETED, S.CANCELLED)),
    *((S.IN_PROGRESS, x) for x in (S.QUEUED, S.ASSIGNED, S.PAUSED, S.COMPLETED, S.CANCELLED)),
    *((S.PAUSED, x) for x in (S.QUEUED, S.ASSIGNED, S.IN_PROGRESS, S.COMPLETED, S.CANCELLED)),
}
PAIRS = [(a, b) for a in S for b in S if a is not b]


@pytest.mark.parametrize(("start", "target"), [p for p in PAIRS if p in ALLOWED])
def test_allowed_transition(start: WorkOrderStatus, target: WorkOrderStatus) -> None:
    wo = order(status=start)
    assert wo.move_to(target) is start
    assert wo.status is target


@pytest.mark.parametrize(("start", "target"), [p for p in PAIRS if p not in ALLOWED])
def test_refused_transition(start: WorkOrderStatus, target: WorkOrderStatus) -> None:
    wo = order(status=start)
    with pytest.raises(
        RuleViolation,
        match=rf"^work order WO-1001 is {start.value} and cannot become {target.value}$",
    ) as e:
        wo.move_to(target)
    assert e.value.code == "work_order_status"
    assert e.value.violations[0].details == {
        "work_order_id": "wo1",
        "from": start.value,
        "to": target.value,
    }
    assert wo.status is start


@pytest.mark.parametrize("status", list(S))
def test_moving_to_the_same_status_is_a_no_op(status: WorkOrderStatus) -> None:
    wo = order(status=status)
    assert wo.move_to(status) is status
    assert wo.status is status


def test_closed_statuses() -> None:
    assert {s for s in S if s.is_closed} == {S.COMPLETED, S.CANCELLED}


# -- production and lateness ----------------------------------------------------------------


def test_record_production_accumulates_up_to_the_ordered_quantity() -> None:
    wo = order(status=S.IN_PROGRESS)
    wo.record_production(60)
    wo.record_production(40)
    assert wo.quantity_produced == 100


def test_record_production_cannot_exceed_ordered() -> None:
    wo = order(status=S.IN_PROGRESS, quantity_produced=90)
    with pytest.raises(ValidationError, match="WO-1001: 101 would exceed the ordered 100"):
        wo.record_production(11)
    assert wo.quantity_produced == 90


@pytest.mark.parametrize("qty", [0, -3])
def test_record_production_must_be_positive(qty: float) -> None:
    with pytest.raises(ValidationError, match="produced quantity must be positive"):
        order().record_production(qty)


@pytest.mark.parametrize("status", [S.COMPLETED, S.CANCELLED])
def test_record_production_refused_on_a_closed_order(status: WorkOrderStatus) -> None:
    wo = order(status=status)
    with pytest.raises(RuleViolation, match=f"work order WO-1001 is {status.value}") as e:
        wo.record_production(1)
    assert e.value.code == "work_order_closed"


def test_is_late_only_after_the_due_time_and_while_open() -> None:
    assert not order().is_late(DUE)
    assert order().is_late(DUE + timedelta(seconds=1))
    assert not order().is_late(DUE - timedelta(days=1))
    assert not order(status=S.COMPLETED).is_late(DUE + timedelta(days=3))
    assert not order(status=S.CANCELLED).is_late(DUE + timedelta(days=3))
    assert order(status=S.PAUSED).is_late(DUE + timedelta(days=3))


# -- dependencies ---------------------------------------------------------------------------


def test_work_order_cannot_depend_on_itself() -> None:
    with pytest.raises(ValidationError, match="work order wo1 cannot depend on itself"):
        WorkOrderDependency("wo1", "wo1")


def test_finish_to_start_with_lag() -> None:
    dep = WorkOrderDependency("wo2", "wo1", DependencyType.FINISH_TO_START, lag_minutes=30)
    # predecessor runs 08:00-10:00, so the successor may start at 10:30 at the earliest
    assert dep.satisfied(t(8), t(10), t(10, 30), t(12))
    assert dep.satisfied(t(8), t(10), t(11), t(12))
    assert not dep.satisfied(t(8), t(10), t(10, 29), t(12))


def test_finish_to_start_without_lag_allows_back_to_back() -> None:
    dep = WorkOrderDependency("wo2", "wo1")
    assert dep.kind is DependencyType.FINISH_TO_START
    assert dep.satisfied(t(8), t(10), t(10), t(11))
    assert not dep.satisfied(t(8), t(10), t(9, 59), t(11))


def test_start_to_start_with_lag() -> None:
    dep = WorkOrderDependency("wo2", "wo1", DependencyType.START_TO_START, lag_minutes=15)
    # the successor may start 15 minutes after the predecessor started, long before it ends
    assert dep.satisfied(t(8), t(12), t(8, 15), t(9))
    assert not dep.satisfied(t(8), t(12), t(8, 14), t(13))


def test_finish_to_finish_with_lag() -> None:
    dep = WorkOrderDependency("wo2", "wo1", DependencyType.FINISH_TO_FINISH, lag_minutes=60)
    # only the ends matter: the successor may start first but finishes an hour after
    assert dep.satisfied(t(9), t(10), t(7), t(11))
    assert not dep.satisfied(t(9), t(10), t(10), t(10, 59))


def test_acyclic_dependency_graphs_pass() -> None:
    check_dependencies_acyclic([])
    chain = [WorkOrderDependency("c", "b"), WorkOrderDependency("b", "a")]
    check_dependencies_acyclic(chain)
    diamond = [
        WorkOrderDependency("d", "b"),
        WorkOrderDependency("d", "c"),
        WorkOrderDependency("b", "a"),
        WorkOrderDependency("c", "a"),
    ]
    check_dependencies_acyclic(diamond)


def test_two_orders_waiting_for_each_other_are_refused() -> None:
    deps = [WorkOrderDependency("a", "b"), WorkOrderDependency("b", "a")]
    with pytest.raises(ValidationError, match=r"work-order dependencies form a loop: a -> b -> a"):
        check_dependencies_acyclic(deps)


def test_a_loop_behind_a_chain_is_found_and_named() -> None:
    deps = [
        WorkOrderDependency("x", "a"),  # x waits for a, outside the loop
        WorkOrderDependency("a", "b"),
        WorkOrderDependency("b", "c"),
        WorkOrderDependency("c", "a"),
    ]
    with pytest.raises(ValidationError, match=r"loop: a -> b -> c -> a$") as e:
        check_dependencies_acyclic(deps)
    assert e.value.details["cycle"] == ["a", "b", "c", "a"]


def test_a_long_chain_does_not_hit_the_recursion_limit() -> None:
    deps = [WorkOrderDependency(f"w{i + 1}", f"w{i}") for i in range(5_000)]
    check_dependencies_acyclic(deps)
    with pytest.raises(ValidationError, match="loop"):
        check_dependencies_acyclic([*deps, WorkOrderDependency("w0", "w5000")])


# -- operations and materials ---------------------------------------------------------------


def operation(**kw: object) -> Operation:
    base: dict[str, object] = {
        "id": "op1",
        "work_order_id": "wo1",
        "sequence": 10,
        "name": "Weld frame",
        "work_centre_id": "wc-weld",
        "duration_minutes": 45,
    }
    base.update(kw)
    return Operation(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"duration_minutes": 0}, "operation op1 must take at least one minute"),
        ({"min_proficiency": 0}, "minimum proficiency must be 1 to 4"),
        ({"min_proficiency": 5}, "minimum proficiency must be 1 to 4"),
        ({"alternatives": ("wc-2", "wc-weld")}, "op1 lists its own work centre as an alternative"),
    ],
)
def test_operation_invariants(kw: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        operation(**kw)


def test_eligible_work_centres_put_the_primary_first() -> None:
    assert operation(alternatives=("wc-2", "wc-3")).eligible_work_centres == (
        "wc-weld",
        "wc-2",
        "wc-3",
    )
    assert operation().eligible_work_centres == ("wc-weld",)


def test_work_order_material_quantity_must_be_positive() -> None:
    with pytest.raises(ValidationError, match="a required material quantity must be positive"):
        WorkOrderMaterial("wo1", "m1", 0)


# -- timestamps -----------------------------------------------------------------------------

K = TimestampKind


@pytest.mark.parametrize(
    "sequence",
    [
        [K.START, K.STOP],
        [K.START, K.PAUSE, K.RESUME, K.STOP],
        [K.START, K.PAUSE, K.STOP],
        [K.START, K.PAUSE, K.RESUME, K.PAUSE, K.RESUME, K.STOP],
    ],
)
def test_valid_timestamp_sequences(sequence: list[TimestampKind]) -> None:
    previous: TimestampKind | None = None
    for kind in sequence:
        check_timestamp_sequence(previous, kind, "op1")
        previous = kind


@pytest.mark.parametrize(
    ("previous", "kind", "message"),
    [
        (None, K.STOP, "operation op1: STOP cannot follow nothing"),
        (None, K.PAUSE, "PAUSE cannot follow nothing"),
        (None, K.RESUME, "RESUME cannot follow nothing"),
        (K.START, K.START, "START cannot follow START"),
        (K.START, K.RESUME, "RESUME cannot follow START"),
        (K.PAUSE, K.PAUSE, "PAUSE cannot follow PAUSE"),
        (K.PAUSE, K.START, "START cannot follow PAUSE"),
        (K.RESUME, K.RESUME, "RESUME cannot follow RESUME"),
        (K.STOP, K.START, "START cannot follow STOP"),
        (K.STOP, K.STOP, "STOP cannot follow STOP"),
    ],
)
def test_invalid_timestamp_sequences(
    previous: TimestampKind | None, kind: TimestampKind, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        check_timestamp_sequence(previous, kind, "op1")


def stamp(kind: TimestampKind, at: datetime) -> OperationTimestamp:
    return OperationTimestamp("op1", kind, at)


def test_worked_minutes_excludes_paused_time() -> None:
    # 08:00-09:00 worked, paused 30 min, 09:30-10:00 worked: 90 minutes
    stamps = [
        stamp(K.START, t(8)),
        stamp(K.PAUSE, t(9)),
        stamp(K.RESUME, t(9, 30)),
        stamp(K.STOP, t(10)),
    ]
    assert worked_minutes(stamps) == 90.0
    assert worked_minutes(list(reversed(stamps))) == 90.0  # order of the list does not matter


def test_worked_minutes_stopped_while_paused() -> None:
    stamps = [stamp(K.START, t(8)), stamp(K.PAUSE, t(8, 20)), stamp(K.STOP, t(9))]
    assert worked_minutes(stamps) == 20.0


def test_worked_minutes_counts_only_closed_stretches() -> None:
    assert worked_minutes([]) == 0.0
    assert worked_minutes([stamp(K.START, t(8))]) == 0.0
    assert worked_minutes([stamp(K.START, t(8)), stamp(K.PAUSE, t(8, 45))]) == 45.0
