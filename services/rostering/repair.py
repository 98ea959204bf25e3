"""Repair a published roster after an absence: re-solve with as few changes as possible and
return the changes as a diff for the shift lead to approve.

The absent operator's days become *excused*: they cannot be worked, they end runs like the
horizon's edge (so a cut-short run breaks no minimum), and their minimum total minutes drop by
the minutes of the shifts they lose. Every other cell that differs from the published roster
costs ``change_weight``; days before ``freeze_before`` (already worked) cannot change at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from domain.errors import ValidationError
from domain.rules.rostering import OFF
from services.rostering.problem import (
    AbsenceDto,
    CellChangeDto,
    LockDto,
    RepairResultDto,
    RosterDto,
    RosterProblemDto,
    SolveOptionsDto,
    StaffDto,
)
from services.rostering.solver import CancelToken, ProgressCallback, solve

DEFAULT_CHANGE_WEIGHT = 10
"""What one changed cell costs, in the penalty's units: with the benchmark's weights a missing
operator costs 100 and a request 1 to 3, so a repair fills a gap with a few changes but does
not reshuffle people to grant wishes."""


def _absent_days(problem: RosterProblemDto, absences: Sequence[AbsenceDto]) -> dict[str, set[int]]:
    known = set(problem.staff_ids())
    out: dict[str, set[int]] = {}
    for a in absences:
        if a.staff_id not in known:
            raise ValidationError(f"absence of an unknown operator {a.staff_id}")
        bad = sorted(d for d in a.days if not 0 <= d < problem.horizon)
        if bad:
            raise ValidationError(f"absence of {a.staff_id} on day {bad[0]}, outside the horizon")
        out.setdefault(a.staff_id, set()).update(a.days)
    return out


def repair_problem(
    problem: RosterProblemDto,
    published: RosterDto,
    absences: Sequence[AbsenceDto],
    change_weight: int = DEFAULT_CHANGE_WEIGHT,
    freeze_before: int = 0,
) -> RosterProblemDto:
    """The problem whose optimum is the best repair of ``published`` (see the module doc)."""
    missing = [e for e in problem.staff_ids() if e not in published.lines]
    if missing:
        raise ValidationError(f"the published roster has no line for {missing[0]}")
    absent = _absent_days(problem, absences)
    shifts = problem.shift_map()
    staff = []
    for e in problem.staff:
        days = absent.get(e.id)
        if not days:
            staff.append(e)
            continue
        line = published.lines[e.id]
        lost = sum(shifts[line[d]].minutes for d in days if line[d] != OFF and line[d] in shifts)
        contract = replace(
            e.contract,
            excused_days=e.contract.excused_days | frozenset(days),
            min_total_minutes=max(0, e.contract.min_total_minutes - lost),
        )
        staff.append(StaffDto(e.id, contract, e.skills, e.name))
    locks = {
        (k.staff_id, k.day): k
        for k in problem.locks
        if k.day not in absent.get(k.staff_id, set())  # an absence overrides a lock
    }
    for e in problem.staff:
        for d in range(min(freeze_before, problem.horizon)):
            cell = OFF if d in absent.get(e.id, set()) else published.lines[e.id][d]
            locks[e.id, d] = LockDto(e.id, d, cell)
    return replace(
        problem,
        staff=tuple(staff),
        locks=tuple(locks.values()),
        reference=published,
        change_weight=change_weight,
    )


def diff(
    before: RosterDto, after: RosterDto, forced: set[tuple[str, int]] | None = None
) -> tuple[CellChangeDto, ...]:
    """The cells that differ, operator by operator and day by day."""
    forced = forced or set()
    out = []
    for staff_id, old in before.lines.items():
        new = after.lines.get(staff_id, old)
        for d, (a, b) in enumerate(zip(old, new, strict=True)):
            if a != b:
                out.append(CellChangeDto(staff_id, d, a, b, (staff_id, d) in forced))
    return tuple(out)


def repair(
    problem: RosterProblemDto,
    published: RosterDto,
    absences: Sequence[AbsenceDto],
    options: SolveOptionsDto | None = None,
    on_progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    change_weight: int = DEFAULT_CHANGE_WEIGHT,
    freeze_before: int = 0,
) -> RepairResultDto:
    """Re-solve ``problem`` close to ``published`` with ``absences`` taken out; the result's
    objective includes the cost of the changes, and ``changes`` lists them."""
    fixed = repair_problem(problem, published, absences, change_weight, freeze_before)
    absent = _absent_days(problem, absences)
    start = RosterDto(
        {
            e: tuple(OFF if d in absent.get(e, set()) else s for d, s in enumerate(line))
            for e, line in published.lines.items()
        }
    )
    opts = replace(options or SolveOptionsDto(), hint=start)
    result = solve(fixed, opts, on_progress, cancel)
    forced = {(e, d) for e, days in absent.items() for d in days if published.lines[e][d] != OFF}
    changes = () if result.roster is None else diff(published, result.roster, forced)
    return RepairResultDto(result, changes)
