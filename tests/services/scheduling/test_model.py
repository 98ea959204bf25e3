"""Each constraint type of the CP-SAT model on a small case whose optimum is worked out by hand;
every plan is also passed through the independent checker."""

from __future__ import annotations

import dataclasses

import pytest

from domain.model.work import DependencyType
from services.scheduling.checker import check_schedule
from services.scheduling.flat import ProblemError
from services.scheduling.problem import (
    AssignmentDto,
    LinkDto,
    MachineDto,
    ObjectiveWeights,
    OperatorDto,
    PinDto,
    ProblemDto,
    SetupDto,
    SolutionDto,
    SolveStatus,
)
from services.scheduling.solver import SolveOptions, solve
from tests.services.scheduling.helpers import job, op, problem


def run(p: ProblemDto, **kw: object) -> SolutionDto:
    options = SolveOptions(time_limit=10, workers=2, **kw)  # type: ignore[arg-type]
    s = solve(p, options)
    assert s.status is SolveStatus.OPTIMAL, s.status
    assert check_schedule(p, s.assignments) == []
    return s


def placed(s: SolutionDto) -> dict[tuple[int, int], AssignmentDto]:
    return {a.ref: a for a in s.assignments}


def test_alternative_machines() -> None:
    # job 1 could wait for M0 (ends 10) or run on the slower M1 (ends 8)
    p = problem(2, job(op((0, 5))), job(op((0, 5), (1, 8))))
    s = run(p)
    assert s.makespan == 8
    assert placed(s)[(1, 0)].machine == 1


def test_sequence_dependent_setups_batch_the_families() -> None:
    # x, y, x of 5 each; a change of family costs 10: x x y = 25, x y x = 35
    p = problem(
        1,
        job(op((0, 5), family="x")),
        job(op((0, 5), family="y")),
        job(op((0, 5), family="x")),
        setups=(SetupDto(0, "x", "y", 10), SetupDto(0, "y", "x", 10)),
    )
    s = run(p)
    assert s.makespan == 25
    assert s.metrics is not None
    assert s.metrics.total_setup == 10
    by_start = sorted(s.assignments, key=lambda a: a.start)
    assert [p.jobs[a.job].operations[0].family for a in by_start] in (
        ["x", "x", "y"],
        ["y", "x", "x"],
    )
    assert sum(a.setup for a in s.assignments) == 10


def test_setup_objective_alone() -> None:
    p = problem(
        1,
        *(job(op((0, 3), family=f)) for f in "xyxy"),
        setups=(SetupDto(0, "x", "y", 7), SetupDto(0, "y", "x", 2)),
    )
    s = run(p, weights=ObjectiveWeights.of("setup"))
    assert s.metrics is not None
    assert s.metrics.total_setup == 2


@pytest.mark.parametrize(
    ("kind", "lag", "makespan", "start"),
    [
        (DependencyType.FINISH_TO_START, 3, 18, 13),  # 10 + 3, then 5
        (DependencyType.START_TO_START, 8, 13, 8),  # 0 + 8, then 5
        (DependencyType.FINISH_TO_FINISH, 2, 12, 7),  # ends at 10 + 2
    ],
)
def test_links_with_lags(kind: DependencyType, lag: int, makespan: int, start: int) -> None:
    p = problem(2, job(op((0, 10))), job(op((1, 5))), links=(LinkDto((0, 0), (1, 0), kind, lag),))
    s = run(p)
    assert s.makespan == makespan
    assert placed(s)[(1, 0)].start == start


def test_release_dates_and_now() -> None:
    p = problem(2, job(op((0, 4)), release=7), job(op((1, 4))), now=2)
    s = run(p)
    assert placed(s)[(0, 0)].start == 7
    assert placed(s)[(1, 0)].start == 2
    assert s.makespan == 11


def test_calendar_windows_are_not_crossed() -> None:
    # M0 is down 3-10: the 5-long operation cannot fit before, so it starts at 10
    p = dataclasses.replace(
        problem(1, job(op((0, 5)))), machines=(MachineDto("M0", unavailable=((3, 10),)),)
    )
    s = run(p)
    assert placed(s)[(0, 0)].start == 10


def test_operators_with_skills_and_shifts() -> None:
    two_welds = (job(op((0, 4), skill="weld")), job(op((1, 4), skill="weld")))
    one = (OperatorDto("ann", frozenset({"weld"})), OperatorDto("bob", frozenset({"paint"})))
    s = run(problem(2, *two_welds, operators=one))
    assert s.makespan == 8  # one welder: one after the other although the machines are free
    assert {a.operator for a in s.assignments} == {0}
    both = (*one, OperatorDto("cid", frozenset({"weld", "paint"})))
    s = run(problem(2, *two_welds, operators=both))
    assert s.makespan == 4
    assert {a.operator for a in s.assignments} == {0, 2}
    # Ann works 10-20 only
    late = (OperatorDto("ann", frozenset({"weld"}), shifts=((10, 20),)),)
    s = run(problem(1, job(op((0, 4), skill="weld")), operators=late))
    assert placed(s)[(0, 0)].start == 10


def test_nobody_with_the_skill_is_a_problem_error() -> None:
    p = problem(1, job(op((0, 4), skill="weld")), operators=(OperatorDto("a", frozenset()),))
    with pytest.raises(ProblemError, match="skill weld"):
        solve(p, SolveOptions(time_limit=2))


def test_pinned_operation_stays_and_others_plan_around_it() -> None:
    p = problem(
        2,
        job(op((0, 5), (1, 5))),
        job(op((0, 5))),
        pins=(PinDto((0, 0), machine=1, start=6),),
    )
    s = run(p)
    assert (placed(s)[(0, 0)].machine, placed(s)[(0, 0)].start) == (1, 6)
    assert placed(s)[(1, 0)].start == 0


def test_pins_that_collide_are_infeasible() -> None:
    p = problem(
        1,
        job(op((0, 5))),
        job(op((0, 5))),
        pins=(PinDto((0, 0), 0, 0), PinDto((1, 0), 0, 2)),
    )
    s = solve(p, SolveOptions(time_limit=5))
    assert s.status is SolveStatus.INFEASIBLE
    assert not s.has_plan


def test_weighted_tardiness_puts_the_heavy_order_first() -> None:
    # J0: 10 long, due 10, weight 1; J1: 2 long, due 2, weight 5
    # J1 first: J0 is 2 late (2); J0 first: J1 is 10 late (50)
    p = problem(1, job(op((0, 10)), due=10, weight=1), job(op((0, 2)), due=2, weight=5))
    s = run(p, weights=ObjectiveWeights.of("tardiness"))
    assert s.metrics is not None
    assert s.metrics.weighted_tardiness == 2
    assert s.objective == 2
    assert placed(s)[(1, 0)].start == 0


def test_repair_moves_only_what_the_breakdown_forces() -> None:
    p = problem(2, job(op((0, 5))), job(op((1, 5))))
    previous = (AssignmentDto(0, 0, 0, 0, 5), AssignmentDto(1, 0, 1, 20, 25))
    broken = dataclasses.replace(
        p, machines=(MachineDto("M0", unavailable=((0, 3),)), MachineDto("M1"))
    )
    s = run(broken, previous=previous, weights=ObjectiveWeights(makespan=0))
    assert placed(s)[(0, 0)].start == 3
    assert placed(s)[(1, 0)].start == 20  # untouched, although the makespan could shrink
    assert s.metrics is not None
    assert s.metrics.changes == 1


def test_frozen_horizon_keeps_the_near_future() -> None:
    p = problem(1, job(op((0, 5))), job(op((0, 5))))
    previous = (AssignmentDto(0, 0, 0, 2, 7), AssignmentDto(1, 0, 0, 7, 12))
    free = run(p)
    assert free.makespan == 10
    frozen = run(p, previous=previous, frozen_until=3)
    assert placed(frozen)[(0, 0)].start == 2  # starts before 3: frozen where it was
    assert frozen.makespan == 12
