"""The solver runner: optimal on problems small enough to enumerate, progress, cancellation,
infeasibility, and a real benchmark instance."""

from __future__ import annotations

import functools
import threading
from dataclasses import replace

import pytest

from domain.rules.rostering import OFF, Contract, CoverRequirement, ShiftRequest
from services.rostering.benchmark_format import load_instance
from services.rostering.checker import objective_value
from services.rostering.problem import (
    FairnessDto,
    FairnessMeasure,
    LockDto,
    ProgressDto,
    RosterProblemDto,
    SolveOptionsDto,
    SolveStatus,
    StaffDto,
)
from services.rostering.solver import solve
from tests.datasets import shared_data
from tests.services.rostering.helpers import (
    all_rosters,
    assert_valid,
    brute_force_optimum,
    tiny_problem,
)


def _variant(name: str) -> RosterProblemDto:
    base = tiny_problem()
    if name == "fair-weekends":
        return replace(base, fairness=FairnessDto(150, FairnessMeasure.WEEKENDS))
    if name == "skills-and-locks":
        a, b = base.staff
        skilled = (StaffDto("A", a.contract), StaffDto("B", b.contract, frozenset({"first aid"})))
        extra = tuple(CoverRequirement(d, "E", 1, 60, 0, skill="first aid") for d in (0, 1, 4))
        return replace(
            base,
            staff=skilled,
            cover=base.cover + extra,
            locks=(LockDto("A", 1, "L"), LockDto("B", 6, "")),
        )
    if name == "day-wishes":
        # wishes about whole days: A would like to work Saturday and Sunday (any shift), B
        # would like Monday and Thursday off; heavy enough to change the best roster
        return replace(
            base,
            requests=(
                *base.requests,
                ShiftRequest("A", 5, OFF, 40, on=False),
                ShiftRequest("A", 6, OFF, 40, on=False),
                ShiftRequest("B", 0, OFF, 40, on=True),
                ShiftRequest("B", 3, OFF, 40, on=True),
            ),
        )
    if name == "late-the-day-before":
        # A worked a late shift the day before day 0 (L forbids E), and asks for E on day 0
        return replace(base, previous={"A": "L"})
    return base


@functools.cache
def _optimum(name: str) -> int:
    return brute_force_optimum(_variant(name))


@pytest.mark.parametrize(
    ("name", "strategy"),
    [
        ("base", "lns"),
        ("base", "cpsat"),
        ("fair-weekends", "lns"),
        ("skills-and-locks", "lns"),
        ("late-the-day-before", "lns"),
        ("late-the-day-before", "cpsat"),
        ("day-wishes", "cpsat"),
        ("day-wishes", "lns"),
    ],
)
def test_solver_finds_and_proves_the_enumerated_optimum(name: str, strategy: str) -> None:
    problem = _variant(name)
    result = solve(problem, SolveOptionsDto(time_limit=60, workers=2, strategy=strategy))
    assert result.status is SolveStatus.OPTIMAL
    assert_valid(problem, result.roster)
    assert result.objective == _optimum(name)
    assert result.lower_bound is not None
    assert result.lower_bound <= result.objective


def test_progress_reports_improving_rosters_and_ends_on_the_result() -> None:
    problem = load_instance(shared_data("rostering", "Instance3.txt"))
    seen: list[ProgressDto] = []
    result = solve(problem, SolveOptionsDto(time_limit=8, workers=2), on_progress=seen.append)
    assert result.status in (SolveStatus.FEASIBLE, SolveStatus.OPTIMAL)
    assert seen, "no progress reported"
    objectives = [p.objective for p in seen]
    assert objectives == sorted(objectives, reverse=True)
    assert len(set(objectives)) == len(objectives), "progress must be strictly improving"
    assert objectives[-1] == result.objective
    assert [p.solutions for p in seen] == list(range(1, len(seen) + 1))
    assert_valid(problem, seen[-1].roster)
    # (the final roster may be another one of the same objective: the search moves on plateaus)
    assert objective_value(problem, seen[-1].roster) == result.objective


@pytest.mark.parametrize("strategy", ["lns", "cpsat"])
def test_cancellation_stops_the_solve_soon(strategy: str) -> None:
    problem = load_instance(shared_data("rostering", "Instance8.txt"))
    cancel = threading.Event()
    limit = 300.0

    def first(progress: ProgressDto) -> None:
        cancel.set()

    result = solve(
        problem,
        SolveOptionsDto(time_limit=limit, workers=2, strategy=strategy),
        on_progress=first,
        cancel=cancel,
    )
    assert result.cancelled
    assert result.solve_seconds < limit / 5  # stopped on request, not by the time limit
    assert result.status is SolveStatus.FEASIBLE
    assert_valid(problem, result.roster)


def test_an_already_cancelled_solve_does_nothing() -> None:
    cancel = threading.Event()
    cancel.set()
    result = solve(tiny_problem(), cancel=cancel)
    assert result.cancelled
    assert result.roster is None
    assert result.status is SolveStatus.UNKNOWN


@pytest.mark.parametrize("strategy", ["lns", "cpsat"])
def test_an_impossible_contract_is_reported_infeasible(strategy: str) -> None:
    base = tiny_problem()
    a, b = base.staff
    # B may work at most 5 of 7 days, one of them a day off: 6 shifts are impossible
    greedy = replace(b.contract, min_total_minutes=6 * 480, max_total_minutes=None)
    problem = replace(base, staff=(a, StaffDto("B", greedy)))
    result = solve(problem, SolveOptionsDto(time_limit=30, workers=2, strategy=strategy))
    assert result.status is SolveStatus.INFEASIBLE
    assert result.roster is None
    if strategy == "lns":
        assert result.detail["staff_id"] == "B"


def test_a_lock_that_breaks_a_rule_makes_the_problem_infeasible() -> None:
    base = tiny_problem()
    problem = replace(base, locks=(LockDto("B", 2, "E"),))  # day 2 is B's day off
    result = solve(problem, SolveOptionsDto(time_limit=30, workers=2))
    assert result.status is SolveStatus.INFEASIBLE


@pytest.mark.slow
def test_a_benchmark_instance_gets_a_checked_roster() -> None:
    problem = load_instance(shared_data("rostering", "Instance1.txt"))
    result = solve(problem, SolveOptionsDto(time_limit=10, workers=2))
    assert result.status in (SolveStatus.FEASIBLE, SolveStatus.OPTIMAL)
    assert_valid(problem, result.roster)
    assert result.objective is not None
    assert result.objective >= 607  # the proven optimum (MANIFEST): lower would be a bug
    if result.status is SolveStatus.OPTIMAL:
        assert result.objective == 607


def test_options_are_validated() -> None:
    from domain.errors import ValidationError

    with pytest.raises(ValidationError):
        SolveOptionsDto(time_limit=0)
    with pytest.raises(ValidationError):
        SolveOptionsDto(strategy="magic")
    with pytest.raises(ValidationError):
        replace(tiny_problem(), staff=(StaffDto("A", Contract()), StaffDto("A", Contract())))


@pytest.mark.parametrize("count", [0, 1])
def test_tiny_staffs_are_solved(count: int) -> None:
    base = tiny_problem()
    problem = replace(base, staff=base.staff[:count], requests=(), locks=())
    result = solve(problem, SolveOptionsDto(time_limit=20, workers=2))
    assert result.status is SolveStatus.OPTIMAL
    assert_valid(problem, result.roster)
    assert result.objective == brute_force_optimum(problem)


def test_the_day_before_day_0_forbids_an_early_start_but_not_a_late_one() -> None:
    # by enumeration: every optimal roster of the base problem starts A on the early shift
    # (A asked for it); after a late shift the day before, every optimal one starts A on late
    for name, first in (("base", "E"), ("late-the-day-before", "L")):
        problem, best = _variant(name), _optimum(name)
        optimal = [r for r in all_rosters(problem) if objective_value(problem, r) == best]
        assert {r.lines["A"][0] for r in optimal} == {first}
        result = solve(problem, SolveOptionsDto(time_limit=30, workers=2))
        assert result.status is SolveStatus.OPTIMAL
        assert_valid(problem, result.roster)
        assert result.roster is not None
        assert result.roster.lines["A"][0] == first
