"""Figures of a plan that planners compare scenarios by, computed from the plan alone."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Sequence

from services.scheduling.problem import AssignmentDto, MetricsDto, OpRef, ProblemDto


def setups_of(problem: ProblemDto, assignments: Sequence[AssignmentDto]) -> dict[OpRef, int]:
    """The changeover before each operation: from the family that ran before it on its machine."""
    table = problem.setup_table()
    out: dict[OpRef, int] = {a.ref: 0 for a in assignments}
    if not table:
        return out
    per_machine: dict[int, list[AssignmentDto]] = defaultdict(list)
    for a in assignments:
        per_machine[a.machine].append(a)
    for m, items in per_machine.items():
        items.sort(key=lambda a: (a.start, a.end))
        for prev, nxt in itertools.pairwise(items):
            fa = problem.operation(prev.ref).family
            fb = problem.operation(nxt.ref).family
            if fa is not None and fb is not None:
                out[nxt.ref] = table.get((m, fa, fb), 0)
    return out


def with_setups(problem: ProblemDto, assignments: Sequence[AssignmentDto]) -> list[AssignmentDto]:
    setups = setups_of(problem, assignments)
    return [
        AssignmentDto(a.job, a.op, a.machine, a.start, a.end, a.operator, setups[a.ref])
        for a in assignments
    ]


def compute_metrics(
    problem: ProblemDto,
    assignments: Sequence[AssignmentDto],
    previous: Sequence[AssignmentDto] | None = None,
) -> MetricsDto:
    if not assignments:
        return MetricsDto(0, 0, 0, 0, 0, 0.0)
    makespan = max(a.end for a in assignments)
    job_end: dict[int, int] = {}
    for a in assignments:
        job_end[a.job] = max(job_end.get(a.job, a.end), a.end)
    tardiness = 0
    late = 0
    for j, end in job_end.items():
        due = problem.jobs[j].due
        if due is not None and end > due:
            tardiness += problem.jobs[j].weight * (end - due)
            late += 1
    cost = 0
    for a in assignments:
        op = problem.operation(a.ref)
        cost += next((m.cost for m in op.modes if m.machine == a.machine), 0)
    busy = sum(a.end - a.start for a in assignments)
    window = max(makespan - min(problem.now, min(a.start for a in assignments)), 1)
    utilisation = busy / (len(problem.machines) * window) if problem.machines else 0.0
    changes = 0
    if previous is not None:
        before = {a.ref: a for a in previous}
        changes = sum(
            1
            for a in assignments
            if a.ref in before
            and (before[a.ref].start != a.start or before[a.ref].machine != a.machine)
        )
    return MetricsDto(
        makespan=makespan,
        weighted_tardiness=tardiness,
        late_jobs=late,
        total_setup=sum(setups_of(problem, assignments).values()),
        total_cost=cost,
        utilisation=utilisation,
        changes=changes,
    )
