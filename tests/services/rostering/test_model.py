"""The CP-SAT model says exactly what the domain rules say.

For one operator, the set of lines the model accepts is compared with the set the domain rules
accept, by enumerating both; the objective of fixed rosters is compared with the checker's.
"""

from __future__ import annotations

import functools
import random
from dataclasses import replace

import pytest

from domain.rules.rostering import Contract, ShiftKind
from services.rostering.checker import objective_value
from services.rostering.model import build_model
from services.rostering.neighbourhood import (
    KINDS,
    Neighbourhood,
    cover_counts,
    paying_rows,
    pick,
    sub_problem,
)
from services.rostering.problem import (
    FairnessDto,
    FairnessMeasure,
    LockDto,
    RosterDto,
    RosterProblemDto,
    StaffDto,
)
from tests.services.rostering.helpers import (
    all_rosters,
    lines,
    locked_to,
    tiny_problem,
    valid_lines,
)

SHIFTS = (
    ShiftKind("E", 480),
    ShiftKind("L", 480, frozenset({"E"})),
    ShiftKind("N", 720, frozenset({"E", "L"})),
)

CONTRACTS = {
    "runs": Contract(
        min_consecutive_shifts=2, max_consecutive_shifts=3, min_consecutive_days_off=2
    ),
    "minutes and types": Contract(
        max_shifts={"N": 1, "L": 2}, min_total_minutes=1900, max_total_minutes=2500
    ),
    "weekends and days off": Contract(max_weekends=0, days_off=frozenset({1, 2})),
    "absences": Contract(
        min_consecutive_shifts=3, min_consecutive_days_off=2, excused_days=frozenset({3})
    ),
    "everything": Contract(
        max_shifts={"N": 2},
        min_total_minutes=960,
        max_total_minutes=2400,
        min_consecutive_shifts=2,
        max_consecutive_shifts=4,
        min_consecutive_days_off=2,
        max_weekends=1,
        days_off=frozenset({0}),
    ),
}


def _model_lines(problem: RosterProblemDto) -> set[tuple[str, ...]]:
    from ortools.sat.python import cp_model

    built = build_model(problem)
    built.model.clear_objective()
    found: set[tuple[str, ...]] = set()

    class Collect(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self) -> None:
            found.add(built.roster(self.value).lines["A"])

    solver = cp_model.CpSolver()
    solver.parameters.enumerate_all_solutions = True
    solver.parameters.num_workers = 1
    status = solver.solve(built.model, Collect())
    assert status in (cp_model.OPTIMAL, cp_model.INFEASIBLE)
    return found


@pytest.mark.parametrize("name", sorted(CONTRACTS))
@pytest.mark.parametrize("first_weekday", [0, 4])  # a Monday (Sat alone), a Friday (Sat+Sun)
def test_model_accepts_exactly_the_valid_lines(name: str, first_weekday: int) -> None:
    problem = RosterProblemDto(
        horizon=6,
        shifts=SHIFTS,
        staff=(StaffDto("A", CONTRACTS[name]),),
        first_weekday=first_weekday,
    )
    expected = set(valid_lines(problem, problem.staff[0]))
    assert expected, "a contract with no valid line tests nothing"
    assert _model_lines(problem) == expected


def test_locks_restrict_the_lines() -> None:
    problem = RosterProblemDto(
        horizon=6,
        shifts=SHIFTS,
        staff=(StaffDto("A", CONTRACTS["runs"]),),
        locks=(LockDto("A", 2, "L"), LockDto("A", 4, "")),
    )
    expected = set(valid_lines(problem, problem.staff[0]))
    assert expected
    assert all(line[2] == "L" and line[4] == "" for line in expected)
    assert _model_lines(problem) == expected


@pytest.mark.parametrize("previous", ["L", "N"])
def test_the_shift_before_day_0_restricts_day_0(previous: str) -> None:
    problem = RosterProblemDto(
        horizon=5,
        shifts=SHIFTS,
        staff=(StaffDto("A", CONTRACTS["runs"]),),
        previous={"A": previous},
    )
    expected = set(valid_lines(problem, problem.staff[0]))
    firsts = {line[0] for line in expected}
    # L forbids E; N forbids E and L: the others stay possible on day 0
    assert firsts == ({"", "L", "N"} if previous == "L" else {"", "N"})
    assert _model_lines(problem) == expected


def test_a_lock_on_a_forbidden_first_shift_is_infeasible() -> None:
    from ortools.sat.python import cp_model

    problem = RosterProblemDto(
        horizon=4,
        shifts=SHIFTS,
        staff=(StaffDto("A", Contract()),),
        previous={"A": "N"},
        locks=(LockDto("A", 0, "E"),),
    )
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(build_model(problem).model) == cp_model.INFEASIBLE


@functools.cache
def _tiny_rosters() -> list[RosterDto]:
    return list(all_rosters(tiny_problem()))


def _objective_of_fixed(problem: RosterProblemDto, roster: RosterDto) -> int:
    from ortools.sat.python import cp_model

    built = build_model(replace(problem, locks=locked_to(problem, roster)))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(built.model) == cp_model.OPTIMAL
    assert built.roster(solver.value) == roster
    return round(solver.objective_value)


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"fairness": FairnessDto(7, FairnessMeasure.REQUESTS)},
        {"fairness": FairnessDto(5, FairnessMeasure.WEEKENDS)},
        {"fairness": FairnessDto(3, FairnessMeasure.SHIFTS, frozenset({"L"}))},
    ],
    ids=["penalty", "fair-requests", "fair-weekends", "fair-shifts"],
)
def test_model_objective_equals_the_checker(extra: dict[str, object]) -> None:
    problem = replace(tiny_problem(), **extra)  # type: ignore[arg-type]
    sample = random.Random(7).sample(_tiny_rosters(), 6)
    reference = sample[0]
    problem = replace(problem, reference=reference, change_weight=4)
    for roster in sample:
        assert _objective_of_fixed(problem, roster) == objective_value(problem, roster)


def test_sub_problem_objective_moves_with_the_full_objective() -> None:
    """Changing one operator's line changes the sub-model's objective by as much as the full
    objective (cover offsets and fixed fairness stand in for the others)."""
    problem = replace(tiny_problem(), fairness=FairnessDto(2, FairnessMeasure.REQUESTS))
    rosters = _tiny_rosters()
    rng = random.Random(3)
    base = rng.choice(rosters)
    others = [r for r in rosters if r.lines["B"] == base.lines["B"] and r != base]
    hood = Neighbourhood("staff", (0,), None)
    sub = sub_problem(problem, base, hood, cover_counts(problem, base))
    for other in rng.sample(others, 5):

        def sub_value(r: RosterDto) -> int:
            from ortools.sat.python import cp_model

            part = RosterDto({"A": r.lines["A"]})
            locked = replace(sub.problem, locks=locked_to(sub.problem, part))
            built = build_model(
                locked, cover_offsets=sub.cover_offsets, fairness_fixed=sub.fairness_fixed
            )
            solver = cp_model.CpSolver()
            assert solver.solve(built.model) == cp_model.OPTIMAL
            return round(solver.objective_value)

        full = objective_value(problem, other) - objective_value(problem, base)
        assert sub_value(other) - sub_value(base) == full


@pytest.mark.parametrize(
    "fairness",
    [
        None,
        FairnessDto(7, FairnessMeasure.REQUESTS),
        FairnessDto(5, FairnessMeasure.WEEKENDS),
        FairnessDto(3, FairnessMeasure.SHIFTS, frozenset({"L"})),
    ],
    ids=["penalty", "fair-requests", "fair-weekends", "fair-shifts"],
)
def test_the_hint_of_a_valid_roster_is_complete_and_is_a_solution(
    fairness: FairnessDto | None,
) -> None:
    from ortools.sat.python import cp_model

    problem = replace(tiny_problem(), fairness=fairness)
    roster = random.Random(11).choice(_tiny_rosters())
    built = build_model(problem)
    built.add_hint(roster)
    hinted = set(built.model.proto.solution_hint.vars)
    assert hinted == set(range(len(built.model.proto.variables)))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.fix_variables_to_their_hinted_value = True
    assert solver.solve(built.model) == cp_model.OPTIMAL
    assert built.roster(solver.value) == roster
    assert round(solver.objective_value) == objective_value(problem, roster)


@pytest.mark.parametrize("kind", KINDS)
def test_every_neighbourhood_frees_a_part_of_the_roster(kind: str) -> None:
    problem = tiny_problem()
    rng = random.Random(5)
    for roster in rng.sample(_tiny_rosters(), 5):
        counts = cover_counts(problem, roster)
        hood = pick(kind, problem, roster, 0.3, rng, paying_rows(problem, counts))
        assert hood.staff
        assert all(0 <= e < len(problem.staff) for e in hood.staff)
        assert len(set(hood.staff)) == len(hood.staff)
        assert hood.days is None or all(0 <= d < problem.horizon for d in hood.days)


def test_the_requests_neighbourhood_frees_an_operator_whose_request_is_not_granted() -> None:
    problem = tiny_problem()
    # A asked for E on day 0 and gets L; A's other request (no E on day 5) and B's (L on day 3)
    # are granted
    roster = lines("LL.EE..", "..LLL..", ids="AB")
    for seed in range(5):
        hood = pick("requests", problem, roster, 0.1, random.Random(seed))
        assert hood.kind == "requests"
        assert 0 in hood.staff
        assert hood.days is not None
        assert 0 in hood.days
