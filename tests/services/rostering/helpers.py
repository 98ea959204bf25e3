"""Small rostering problems and brute force to check the solver and the model against."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence

from domain.rules.rostering import (
    OFF,
    Contract,
    CoverRequirement,
    ShiftKind,
    ShiftRequest,
    check_line,
)
from services.rostering.checker import check_roster, objective_value
from services.rostering.problem import LockDto, RosterDto, RosterProblemDto, StaffDto


def tiny_problem(**changes: object) -> RosterProblemDto:
    """2 operators, 7 days from a Monday, an early and a late shift (late may not be followed
    by early), cover of 1 early and 1 late a day, a few requests: small enough to enumerate
    (175 x 91 valid rosters)."""
    shifts = (ShiftKind("E", 480), ShiftKind("L", 480, frozenset({"E"})))
    contract = Contract(
        max_shifts={"E": 5, "L": 4},
        min_total_minutes=3 * 480,
        max_total_minutes=5 * 480,
        min_consecutive_shifts=2,
        max_consecutive_shifts=4,
        min_consecutive_days_off=2,
        max_weekends=1,
    )
    staff = (
        StaffDto("A", contract),
        StaffDto("B", Contract(**{**_fields(contract), "days_off": frozenset({2})})),
    )
    cover = tuple(CoverRequirement(d, s, 1, 100, 1) for d in range(7) for s in ("E", "L"))
    requests = (
        ShiftRequest("A", 0, "E", 3),
        ShiftRequest("A", 5, "E", 2, on=False),
        ShiftRequest("B", 3, "L", 2),
    )
    base = {
        "horizon": 7,
        "shifts": shifts,
        "staff": staff,
        "requests": requests,
        "cover": cover,
        "name": "tiny",
    }
    base.update(changes)
    return RosterProblemDto(**base)  # type: ignore[arg-type]


def _fields(c: Contract) -> dict[str, object]:
    return {name: getattr(c, name) for name in Contract.__dataclass_fields__}


def valid_lines(problem: RosterProblemDto, staff: StaffDto) -> list[tuple[str, ...]]:
    """Every line of ``staff`` that obeys their rules and locks, by enumeration."""
    shifts = problem.shift_map()
    locks = {k.day: k.shift for k in problem.locks if k.staff_id == staff.id}
    options = [OFF, *shifts]
    out = []
    for line in itertools.product(options, repeat=problem.horizon):
        if any(line[d] != s for d, s in locks.items()):
            continue
        previous = problem.previous_shift(staff.id)
        if not check_line(staff.id, line, staff.contract, shifts, problem.first_weekday, previous):
            out.append(line)
    return out


def all_rosters(problem: RosterProblemDto) -> Iterator[RosterDto]:
    per_staff = [valid_lines(problem, e) for e in problem.staff]
    for combo in itertools.product(*per_staff):
        yield RosterDto({e.id: line for e, line in zip(problem.staff, combo, strict=True)})


def brute_force_optimum(problem: RosterProblemDto) -> int:
    return min(objective_value(problem, r) for r in all_rosters(problem))


def assert_valid(problem: RosterProblemDto, roster: RosterDto | None) -> None:
    assert roster is not None
    report = check_roster(problem, roster)
    assert report.valid, [str(v) for v in report.violations]


def locked_to(problem: RosterProblemDto, roster: RosterDto) -> tuple[LockDto, ...]:
    return tuple(LockDto(e, d, s) for e, line in roster.lines.items() for d, s in enumerate(line))


def lines(*rows: str, ids: Sequence[str] = "ABC") -> RosterDto:
    """``lines("EE..LL.", ...)``: one string per operator, a dot for a day off."""
    return RosterDto(
        {i: tuple(OFF if c == "." else c for c in row) for i, row in zip(ids, rows, strict=True)}
    )
