"""The generated plant: deterministic, shaped like a plant, and plannable within every rule."""

from __future__ import annotations

import dataclasses
import statistics

import pytest

from domain.rules.scheduling import check_move, check_plan
from services.scheduling.bars import to_bars, to_plan_rules
from services.scheduling.checker import check_schedule
from services.scheduling.flat import flatten
from services.scheduling.heuristic import greedy_schedule
from services.scheduling.plant import PlantSpec, generate_plant
from services.scheduling.problem import MachineDto, ObjectiveWeights, SolveStatus
from services.scheduling.solver import SolveOptions, solve

SMALL = PlantSpec(operations=300, work_centres=20, operators=12, seed=11)


def test_same_seed_same_plant_other_seed_other_plant() -> None:
    assert generate_plant(SMALL) == generate_plant(SMALL)
    assert generate_plant(SMALL) != generate_plant(dataclasses.replace(SMALL, seed=12))


def test_the_benchmark_plant_has_the_promised_shape() -> None:
    p = generate_plant()
    assert p.operation_count == 5000
    assert len(p.machines) == 50
    assert {len(j.operations) for j in p.jobs} == set(range(3, 9))
    ops = [o for j in p.jobs for o in j.operations]
    flexible = sum(len(o.modes) > 1 for o in ops) / len(ops)
    assert 0.4 < flexible < 0.8
    assert len({o.family for o in ops}) == 6
    assert all(j.due is not None and j.due > j.release for j in p.jobs)
    assert len({j.release for j in p.jobs}) >= 5  # orders are released at day starts
    assert {j.weight for j in p.jobs} == {1, 2, 4, 8}
    assert all(m.unavailable and len(m.kinds) == len(m.unavailable) for m in p.machines)
    assert {k for m in p.machines for k in m.kinds} == {"off_shift", "maintenance"}
    assert p.links
    assert p.setups
    assert p.operators
    assert any(o.skill for o in ops)
    assert 30 < statistics.median(m.duration for o in ops for m in o.modes) < 150


def test_greedy_plan_of_a_small_plant_keeps_every_rule_in_both_checkers() -> None:
    p = generate_plant(SMALL)
    greedy = greedy_schedule(flatten(p), budget_seconds=0.2)
    assert greedy is not None
    assert check_schedule(p, greedy.assignments) == []
    # the domain rules (what the Gantt checks a drag with) agree on the same plan
    bars = to_bars(p, greedy.assignments)
    rules = to_plan_rules(p)
    assert check_plan(bars, rules) == []
    # and both see the same broken rule when a bar is dropped onto another one
    a, b = next(
        (x, y)
        for x in greedy.assignments
        for y in greedy.assignments
        if x.machine == y.machine and x.ref != y.ref and x.end - x.start == y.end - y.start
    )
    moved = dataclasses.replace(a, start=b.start, end=b.end)
    plan = [moved if x.ref == a.ref else x for x in greedy.assignments]
    assert "overlap" in {v.code for v in check_schedule(p, plan)}
    [moved_bar] = to_bars(p, [moved])
    assert "overlap" in {v.code for v in check_move(bars, moved_bar, rules)}


@pytest.mark.slow
def test_small_plant_solved_with_the_weighted_objective() -> None:
    p = generate_plant(SMALL)
    s = solve(p, SolveOptions(time_limit=5, workers=2, weights=ObjectiveWeights.of("weighted")))
    assert s.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)
    assert check_schedule(p, s.assignments) == []
    assert s.metrics is not None
    assert s.objective == (
        s.metrics.makespan + s.metrics.weighted_tardiness + s.metrics.total_setup
    )
    # every improvement CP-SAT reports beats the one before, starting from the greedy plan
    objectives = [x.objective for x in s.progress]
    assert objectives == sorted(objectives, reverse=True)


@pytest.mark.slow
def test_repair_after_a_breakdown_keeps_most_of_the_plan() -> None:
    p = generate_plant(SMALL)
    before = solve(p, SolveOptions(time_limit=3, workers=2))
    # the busiest work centre breaks down for a day in the middle of its work
    busiest = max(
        range(len(p.machines)), key=lambda m: sum(a.machine == m for a in before.assignments)
    )
    on_it = sorted(a.start for a in before.assignments if a.machine == busiest)
    down = (on_it[len(on_it) // 2], on_it[len(on_it) // 2] + 24 * 60)
    machines = list(p.machines)
    machines[busiest] = MachineDto(
        machines[busiest].id, machines[busiest].line, (*machines[busiest].unavailable, down)
    )
    broken = dataclasses.replace(p, machines=tuple(machines))
    after = solve(
        broken,
        SolveOptions(
            time_limit=5,
            workers=2,
            previous=before.assignments,
            weights=ObjectiveWeights(makespan=0),
        ),
    )
    assert check_schedule(broken, after.assignments) == []
    assert after.metrics is not None
    assert 0 < after.metrics.changes < p.operation_count // 2
