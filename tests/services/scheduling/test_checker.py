"""The independent checker on hand-made plans: each rule it knows, caught once."""

from __future__ import annotations

import dataclasses

from domain.model.work import DependencyType
from services.scheduling.checker import check_schedule
from services.scheduling.problem import (
    AssignmentDto,
    LinkDto,
    MachineDto,
    OperatorDto,
    PinDto,
    SetupDto,
)
from tests.services.scheduling.helpers import job, op, problem

A = AssignmentDto


def codes(p, plan) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(v.code for v in check_schedule(p, plan))


def test_valid_plan_passes() -> None:
    p = problem(2, job(op((0, 3)), op((1, 2))), job(op((1, 4)), op((0, 1))))
    plan = [A(0, 0, 0, 0, 3), A(0, 1, 1, 4, 6), A(1, 0, 1, 0, 4), A(1, 1, 0, 4, 5)]
    assert check_schedule(p, plan) == []


def test_completeness() -> None:
    p = problem(1, job(op((0, 3)), op((0, 2))))
    assert codes(p, [A(0, 0, 0, 0, 3)]) == ["missing"]
    assert codes(p, [A(0, 0, 0, 0, 3), A(0, 0, 0, 5, 8), A(0, 1, 0, 3, 5)]) == ["duplicate"]
    assert codes(p, [A(0, 0, 0, 0, 3), A(0, 1, 0, 3, 5), A(3, 0, 0, 9, 9)]) == ["unknown_operation"]


def test_machine_and_duration_must_match_a_mode() -> None:
    p = problem(3, job(op((0, 3), (1, 5))))
    assert check_schedule(p, [A(0, 0, 1, 0, 5)]) == []
    assert codes(p, [A(0, 0, 2, 0, 5)]) == ["eligibility"]
    assert codes(p, [A(0, 0, 1, 0, 3)]) == ["duration"]


def test_precedence_and_overlap() -> None:
    p = problem(1, job(op((0, 3)), op((0, 2))), job(op((0, 2))))
    assert codes(p, [A(0, 0, 0, 0, 3), A(0, 1, 0, 2, 4), A(1, 0, 0, 5, 7)]) == [
        "overlap",
        "precedence",
    ]


def test_zero_length_operations_take_no_machine_time() -> None:
    p = problem(1, job(op((0, 3))), job(op((0, 0))))
    assert check_schedule(p, [A(0, 0, 0, 0, 3), A(1, 0, 0, 1, 1)]) == []


def test_links_with_lags() -> None:
    two = (job(op((0, 10))), job(op((1, 10))))
    for kind, ok, bad in [
        (DependencyType.FINISH_TO_START, 15, 14),  # b.start >= a.end + 5
        (DependencyType.START_TO_START, 5, 4),  # b.start >= a.start + 5
        (DependencyType.FINISH_TO_FINISH, 5, 4),  # b.end >= a.end + 5
    ]:
        p = problem(2, *two, links=(LinkDto((0, 0), (1, 0), kind, 5),))
        assert check_schedule(p, [A(0, 0, 0, 0, 10), A(1, 0, 1, ok, ok + 10)]) == [], kind
        assert codes(p, [A(0, 0, 0, 0, 10), A(1, 0, 1, bad, bad + 10)]) == ["dependency"], kind


def test_setups_calendars_release_and_now() -> None:
    p = problem(
        1,
        job(op((0, 5), family="x")),
        job(op((0, 5), family="y"), release=3),
        setups=(SetupDto(0, "x", "y", 4),),
        now=1,
    )
    assert check_schedule(p, [A(0, 0, 0, 1, 6), A(1, 0, 0, 10, 15)]) == []
    assert codes(p, [A(0, 0, 0, 1, 6), A(1, 0, 0, 9, 14)]) == ["setup"]
    assert codes(p, [A(1, 0, 0, 1, 6), A(0, 0, 0, 6, 11)]) == ["release"]  # y before x: no setup
    assert codes(p, [A(0, 0, 0, 0, 5), A(1, 0, 0, 10, 15)]) == ["before_now"]
    closed = dataclasses.replace(p, machines=(MachineDto("M0", unavailable=((8, 12),)),))
    assert codes(closed, [A(0, 0, 0, 1, 6), A(1, 0, 0, 10, 15)]) == ["calendar"]


def test_operators_and_pins() -> None:
    people = (
        OperatorDto("ann", frozenset({"weld"}), shifts=((0, 8), (8, 16))),
        OperatorDto("bob", frozenset({"paint"})),
    )
    p = problem(2, job(op((0, 4), skill="weld")), job(op((1, 4), skill="weld")), operators=people)
    # shifts back to back count as one stretch
    assert check_schedule(p, [A(0, 0, 0, 6, 10, 0), A(1, 0, 1, 10, 14, 0)]) == []
    assert codes(p, [A(0, 0, 0, 0, 4), A(1, 0, 1, 4, 8, 0)]) == ["operator_missing"]
    assert codes(p, [A(0, 0, 0, 0, 4, 1), A(1, 0, 1, 4, 8, 0)]) == ["operator_skill"]
    assert codes(p, [A(0, 0, 0, 0, 4, 0), A(1, 0, 1, 14, 18, 0)]) == ["operator_shift"]
    assert codes(p, [A(0, 0, 0, 0, 4, 0), A(1, 0, 1, 2, 6, 0)]) == ["operator_overlap"]
    pinned = dataclasses.replace(p, pins=(PinDto((0, 0), 0, 2, 0),))
    assert codes(pinned, [A(0, 0, 0, 3, 7, 0), A(1, 0, 1, 8, 12, 0)]) == ["pinned"]
