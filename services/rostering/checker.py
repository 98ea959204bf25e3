"""The independent checker: verifies every hard rule of a roster and recomputes its objective.

It shares nothing with the CP-SAT model but the problem DTO: the rules come from
:mod:`domain.rules.rostering`, the same functions the roster grid uses before an edit, so a
solver bug cannot hide behind its own bookkeeping.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from domain.errors import Violation
from domain.rules.rostering import OFF, Penalty, check_line, roster_penalty, weekends_worked
from services.rostering.problem import (
    CheckReportDto,
    FairnessMeasure,
    RosterDto,
    RosterProblemDto,
)


def _shape(problem: RosterProblemDto, roster: RosterDto) -> list[Violation]:
    out: list[Violation] = []
    for staff_id in problem.staff_ids():
        line = roster.lines.get(staff_id)
        if line is None:
            out.append(
                Violation(
                    "roster.missing_line",
                    f"the roster has no line for {staff_id}",
                    {"staff_id": staff_id},
                )
            )
        elif len(line) != problem.horizon:
            out.append(
                Violation(
                    "roster.bad_length",
                    f"the line of {staff_id} has {len(line)} days; the horizon has "
                    f"{problem.horizon}",
                    {"staff_id": staff_id, "length": len(line)},
                )
            )
    for staff_id in sorted(set(roster.lines) - set(problem.staff_ids())):
        out.append(
            Violation(
                "roster.unknown_staff",
                f"the roster has a line for an unknown operator {staff_id}",
                {"staff_id": staff_id},
            )
        )
    return out


def _locks(problem: RosterProblemDto, roster: RosterDto) -> list[Violation]:
    out = []
    for lock in problem.locks:
        got = roster.lines[lock.staff_id][lock.day]
        if got != lock.shift:
            want = lock.shift or "a day off"
            out.append(
                Violation(
                    "roster.locked",
                    f"{lock.staff_id} on day {lock.day} is locked to {want}, "
                    f"got {got or 'a day off'}",
                    {"staff_id": lock.staff_id, "day": lock.day, "shift": lock.shift},
                )
            )
    return out


def fairness_measures(problem: RosterProblemDto, roster: RosterDto) -> dict[str, int]:
    """Each operator's value of the fairness measure (empty when there is no fairness goal)."""
    goal = problem.fairness
    if goal is None:
        return {}
    lines = roster.lines
    out: dict[str, int] = {}
    for e in problem.staff:
        line = lines[e.id]
        if goal.measure is FairnessMeasure.WEEKENDS:
            out[e.id] = len(weekends_worked(line, problem.first_weekday, e.contract.excused_days))
        elif goal.measure is FairnessMeasure.SHIFTS:
            out[e.id] = sum(1 for s in line if s in goal.shifts)
        else:
            mine = [r for r in problem.requests if r.staff_id == e.id]
            out[e.id] = roster_penalty({e.id: line}, mine, ()).total
    return out


def changed_cells(
    problem: RosterProblemDto, roster: RosterDto, reference: Mapping[str, Sequence[str]]
) -> list[tuple[str, int]]:
    """The (operator, day) cells where ``roster`` differs from ``reference`` (a missing
    reference line counts as all days off)."""
    out: list[tuple[str, int]] = []
    for staff_id in problem.staff_ids():
        before = reference.get(staff_id, (OFF,) * problem.horizon)
        after = roster.lines[staff_id]
        out.extend((staff_id, d) for d in range(problem.horizon) if before[d] != after[d])
    return out


def objective_parts(problem: RosterProblemDto, roster: RosterDto) -> tuple[Penalty, int, int]:
    """The penalty, the fairness term and the number of changed cells of a complete roster."""
    penalty = roster_penalty(roster.lines, problem.requests, problem.cover, problem.skills())
    fairness = 0
    if problem.fairness is not None and problem.staff:
        values = fairness_measures(problem, roster).values()
        fairness = problem.fairness.weight * (max(values) - min(values))
    changes = 0
    if problem.reference is not None:
        changes = len(changed_cells(problem, roster, problem.reference.lines))
    return penalty, fairness, changes


def objective_value(problem: RosterProblemDto, roster: RosterDto) -> int:
    """The objective of a complete roster (no rule checks): penalty + fairness + changes."""
    penalty, fairness, changes = objective_parts(problem, roster)
    return penalty.total + fairness + problem.change_weight * changes


def check_roster(problem: RosterProblemDto, roster: RosterDto) -> CheckReportDto:
    """Every hard rule (shape, contracts, successions, also from the shift the day before day 0,
    locks) and the objective, recomputed."""
    shape = _shape(problem, roster)
    if shape:
        return CheckReportDto(tuple(shape), roster_penalty({}, (), ()), objective=0)
    shifts = problem.shift_map()
    violations: list[Violation] = []
    for e in problem.staff:
        violations += check_line(
            e.id,
            roster.lines[e.id],
            e.contract,
            shifts,
            problem.first_weekday,
            problem.previous_shift(e.id),
        )
    violations += _locks(problem, roster)
    penalty, fairness, changes = objective_parts(problem, roster)
    return CheckReportDto(
        violations=tuple(violations),
        penalty=penalty,
        fairness=fairness,
        changes=changes,
        objective=penalty.total + fairness + problem.change_weight * changes,
    )
