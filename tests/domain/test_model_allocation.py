"""Allocations of operators and machines to work orders: invariants and status transitions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.errors import RuleViolation, ValidationError
from domain.model.allocation import (
    Allocation,
    AllocationMethod,
    AllocationStatus,
    AllocationType,
)

A = AllocationStatus
AT = datetime(2025, 3, 3, 8, tzinfo=UTC)


def allocation(**kw: object) -> Allocation:
    base: dict[str, object] = {
        "work_order_id": "wo1",
        "allocation_type": AllocationType.OPERATOR_MACHINE,
        "allocated_by": "lead",
        "allocated_at": AT,
        "operator_id": "o1",
        "machine_id": "m1",
        "id": 7,
    }
    base.update(kw)
    return Allocation(**base)  # type: ignore[arg-type]


# -- invariants -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operator_id", "machine_id", "kind"),
    [
        ("o1", "m1", AllocationType.OPERATOR_MACHINE),
        ("o1", None, AllocationType.OPERATOR),
        (None, "m1", AllocationType.MACHINE),
    ],
)
def test_type_matching_the_resources_is_accepted(
    operator_id: str | None, machine_id: str | None, kind: AllocationType
) -> None:
    a = allocation(operator_id=operator_id, machine_id=machine_id, allocation_type=kind)
    assert a.allocation_type is kind
    assert Allocation.type_for(operator_id, machine_id) is kind


@pytest.mark.parametrize(("operator_id", "machine_id"), [(None, None), ("", None), (None, "")])
def test_an_allocation_needs_at_least_one_resource(
    operator_id: str | None, machine_id: str | None
) -> None:
    for kind in AllocationType:
        with pytest.raises(ValidationError, match="needs an operator, a machine or both"):
            allocation(operator_id=operator_id, machine_id=machine_id, allocation_type=kind)
    with pytest.raises(ValidationError, match="needs an operator, a machine or both"):
        Allocation.type_for(operator_id, machine_id)


@pytest.mark.parametrize(
    ("operator_id", "machine_id", "kind", "expected"),
    [
        ("o1", "m1", AllocationType.OPERATOR, "operator_machine"),
        ("o1", "m1", AllocationType.MACHINE, "operator_machine"),
        ("o1", None, AllocationType.MACHINE, "operator"),
        ("o1", None, AllocationType.OPERATOR_MACHINE, "operator"),
        (None, "m1", AllocationType.OPERATOR, "machine"),
        (None, "m1", AllocationType.OPERATOR_MACHINE, "machine"),
    ],
)
def test_type_not_matching_the_resources_is_refused(
    operator_id: str | None, machine_id: str | None, kind: AllocationType, expected: str
) -> None:
    with pytest.raises(
        ValidationError,
        match=rf"allocation type {kind.value} does not match its resources \({expected}\)",
    ):
        allocation(operator_id=operator_id, machine_id=machine_id, allocation_type=kind)


@pytest.mark.parametrize("score", [0.0, 55.5, 100.0])
def test_suggested_allocation_scores_within_0_to_100(score: float) -> None:
    a = allocation(method=AllocationMethod.AI_SUGGESTED, suggestion_score=score)
    assert a.suggestion_score == score


@pytest.mark.parametrize("score", [-0.1, 100.01])
def test_suggestion_score_outside_0_to_100_is_refused(score: float) -> None:
    with pytest.raises(ValidationError, match="a suggestion score is between 0 and 100"):
        allocation(method=AllocationMethod.AUTOMATED, suggestion_score=score)


def test_manual_allocation_has_no_score() -> None:
    allocation(method=AllocationMethod.MANUAL)
    with pytest.raises(ValidationError, match="a manual allocation has no suggestion score"):
        allocation(method=AllocationMethod.MANUAL, suggestion_score=80)


def test_expected_window_must_not_end_before_it_starts() -> None:
    with pytest.raises(ValidationError, match=r"allocation window: the end .* is before the start"):
        allocation(expected_start=datetime(2025, 3, 3, 10), expected_end=datetime(2025, 3, 3, 9))


# -- transitions ----------------------------------------------------------------------------

HOLDING = {A.ACTIVE, A.PAUSED}
CLOSED = {A.COMPLETED, A.RELEASED, A.CANCELLED}
ALLOWED = {(A.ACTIVE, A.PAUSED), (A.PAUSED, A.ACTIVE)} | {(a, b) for a in HOLDING for b in CLOSED}
PAIRS = [(a, b) for a in A for b in A]


def test_holding_statuses_are_active_and_paused() -> None:
    assert {s for s in A if s.holds_resources} == HOLDING


@pytest.mark.parametrize(("start", "target"), sorted(ALLOWED))
def test_allowed_transition(start: AllocationStatus, target: AllocationStatus) -> None:
    a = allocation(status=start)
    assert a.move_to(target) is start
    assert a.status is target


@pytest.mark.parametrize(("start", "target"), [p for p in PAIRS if p not in ALLOWED])
def test_refused_transition(start: AllocationStatus, target: AllocationStatus) -> None:
    a = allocation(status=start)
    with pytest.raises(
        RuleViolation, match=rf"^allocation 7 is {start.value} and cannot become {target.value}$"
    ) as e:
        a.move_to(target)
    assert e.value.code == "allocation_status"
    assert e.value.violations[0].details == {
        "allocation_id": 7,
        "from": start.value,
        "to": target.value,
    }
    assert a.status is start


def test_snapshot_records_the_state_for_change_events() -> None:
    a = allocation(
        method=AllocationMethod.AI_SUGGESTED,
        suggestion_score=91.5,
        expected_start=datetime(2025, 3, 3, 8, tzinfo=UTC),
    )
    snap = a.snapshot()
    assert snap == {
        "work_order_id": "wo1",
        "operator_id": "o1",
        "machine_id": "m1",
        "status": "active",
        "allocation_type": "operator_machine",
        "method": "ai_suggested",
        "suggestion_score": 91.5,
        "expected_start": "2025-03-03T08:00:00+00:00",
        "expected_end": None,
        "version": 1,
    }
    a.move_to(A.PAUSED)
    assert snap["status"] == "active"  # a snapshot is a copy, not a view
    assert a.snapshot()["status"] == "paused"
