"""The runner on the classical instances: optimum on ft06, progress reports, cancellation."""

from __future__ import annotations

import threading

import pytest

from services.scheduling.checker import check_schedule
from services.scheduling.instances import load_instance
from services.scheduling.problem import ProblemDto, ProgressDto, SolveStatus
from services.scheduling.solver import SolveOptions, solve
from tests.datasets import shared_data


def instance(*parts: str) -> ProblemDto:
    fmt = parts[0]
    return load_instance(shared_data("scheduling", *parts), fmt)


def test_ft06_reaches_the_optimum_55() -> None:
    p = instance("jsp", "ft", "ft06.txt")
    s = solve(p, SolveOptions(time_limit=10, workers=2))
    assert s.status is SolveStatus.OPTIMAL
    assert s.makespan == 55
    assert s.makespan_lower_bound == 55
    assert check_schedule(p, s.assignments) == []


def test_mk01_reaches_its_optimum_40() -> None:
    p = instance("fjsp", "brandimarte", "mk01.txt")
    s = solve(p, SolveOptions(time_limit=20, workers=2))
    assert s.makespan == 40  # proven optimal in the literature and by CP-SAT here
    assert check_schedule(p, s.assignments) == []


def test_progress_reports_every_improvement_in_order() -> None:
    p = instance("jsp", "la", "la16.txt")
    seen: list[ProgressDto] = []
    s = solve(p, SolveOptions(time_limit=4, workers=2), on_progress=seen.append)
    assert seen, "no improving solution was reported"
    assert seen == list(s.progress)
    objectives = [x.objective for x in seen]
    assert objectives == sorted(objectives, reverse=True)
    assert all(x.bound <= x.objective and 0 <= x.gap <= 1 for x in seen)
    assert [x.elapsed for x in seen] == sorted(x.elapsed for x in seen)
    assert s.makespan == int(objectives[-1])


def test_lower_bound_never_exceeds_the_makespan() -> None:
    p = instance("jsp", "la", "la21.txt")
    s = solve(p, SolveOptions(time_limit=2, workers=2))
    assert s.makespan is not None
    assert s.makespan_lower_bound is not None
    assert 0 < s.makespan_lower_bound <= s.makespan
    assert s.makespan_lower_bound <= 1046  # the proven optimum of la21


def test_cancellation_stops_a_long_solve() -> None:
    p = instance("jsp", "la", "la40.txt")  # 15 x 15: far from proven within the limit
    stop = threading.Event()
    timer = threading.Timer(1.0, stop.set)
    timer.start()
    try:
        s = solve(p, SolveOptions(time_limit=120, workers=2), cancel=stop)
    finally:
        timer.cancel()
    assert s.cancelled
    assert s.solve_seconds < 60  # stopped, not timed out
    assert s.has_plan  # the best plan so far (at least the greedy one) comes back
    assert check_schedule(p, s.assignments) == []


def test_cancellation_by_callable_from_the_progress_listener() -> None:
    p = instance("jsp", "la", "la40.txt")
    reports: list[ProgressDto] = []
    s = solve(
        p,
        SolveOptions(time_limit=120, workers=2),
        on_progress=reports.append,
        cancel=lambda: len(reports) >= 1,
    )
    assert s.cancelled
    assert s.solve_seconds < 60
    assert len(reports) >= 1


def test_already_cancelled_returns_the_greedy_plan_at_once() -> None:
    p = instance("jsp", "ft", "ft10.txt")
    stop = threading.Event()
    stop.set()
    s = solve(p, SolveOptions(time_limit=60), cancel=stop)
    assert s.cancelled
    assert s.status is SolveStatus.FEASIBLE
    assert s.progress == ()
    assert check_schedule(p, s.assignments) == []


@pytest.mark.parametrize("use_hint", [True, False])
def test_model_options_keep_the_plan_valid(use_hint: bool) -> None:
    p = instance("fjsp", "kacem", "k1.txt")
    s = solve(
        p,
        SolveOptions(
            time_limit=5, use_hint=use_hint, tight_horizon=use_hint, tight_domains=use_hint
        ),
    )
    assert s.makespan == 11  # Kacem 1: optimum 11
    assert check_schedule(p, s.assignments) == []
