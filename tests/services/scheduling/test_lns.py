"""Large-neighbourhood search: sub-problems are faithful, and the large path plans validly."""

from __future__ import annotations

import random
import threading

import pytest

from services.scheduling.checker import check_schedule
from services.scheduling.flat import flatten
from services.scheduling.heuristic import greedy_schedule
from services.scheduling.lns import build_subproblem, objective_of
from services.scheduling.plant import PlantSpec, generate_plant
from services.scheduling.problem import ObjectiveWeights, SolveStatus
from services.scheduling.solver import LARGE, SolveOptions, solve

SPEC = PlantSpec(operations=LARGE + 200, work_centres=20, operators=12, seed=5)


def test_a_window_with_the_current_plan_as_hint_is_a_valid_subproblem() -> None:
    p = generate_plant(PlantSpec(operations=400, work_centres=20, operators=12, seed=3))
    flat = flatten(p)
    greedy = greedy_schedule(flat, budget_seconds=0)
    assert greedy is not None
    plan = {a.ref: a for a in greedy.assignments}
    order = sorted(plan.values(), key=lambda a: a.start)
    rng = random.Random(0)
    for _ in range(5):
        first = rng.randrange(len(order) - 60)
        free = {a.ref for a in order[first : first + 60]}
        sub = build_subproblem(flat, plan, free)
        assert check_schedule(sub.problem, sub.hint) == []
        # every free operation is in the sub-problem once; the rest are pins
        assert sorted(r for r in sub.refs if r in free) == sorted(free)
        assert len(sub.problem.pins) == len(sub.refs) - len(free)
        # bounds hold for the current positions
        sub_flat = flatten(sub.problem)
        for i, (lo_s, hi_s, lo_e, hi_e) in sub.bounds.items():
            a = sub.hint[i]
            assert a.ref == sub_flat.refs[i]
            assert lo_s is None or a.start >= lo_s
            assert hi_s is None or a.start <= hi_s
            assert lo_e is None or a.end >= lo_e
            assert hi_e is None or a.end <= hi_e


@pytest.mark.slow
def test_large_problems_improve_the_greedy_plan_window_by_window() -> None:
    p = generate_plant(SPEC)
    weights = ObjectiveWeights.of("weighted")
    s = solve(p, SolveOptions(time_limit=5, workers=2, weights=weights))
    assert s.status is SolveStatus.FEASIBLE
    assert check_schedule(p, s.assignments) == []
    objectives = [x.objective for x in s.progress]
    assert objectives, "the greedy plan is reported first"
    assert objectives == sorted(objectives, reverse=True)
    assert s.objective == objectives[-1] == objective_of(p, s.assignments, weights)
    assert s.bound is not None
    assert s.bound <= s.objective


def test_large_problems_can_be_cancelled() -> None:
    p = generate_plant(SPEC)
    stop = threading.Event()
    s = solve(
        p,
        SolveOptions(time_limit=120, workers=2),
        on_progress=lambda _item: stop.set(),  # stop after the first (greedy) plan
        cancel=stop,
    )
    assert s.cancelled
    assert s.solve_seconds < 60
    assert check_schedule(p, s.assignments) == []
