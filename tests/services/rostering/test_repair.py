"""Repair after an absence: as few changes as possible, shown as a diff."""

from __future__ import annotations

import itertools

import pytest

from domain.errors import ValidationError
from domain.rules.rostering import OFF, Contract, CoverRequirement, ShiftKind
from services.rostering.benchmark_format import load_instance
from services.rostering.checker import check_roster, objective_value
from services.rostering.problem import (
    AbsenceDto,
    RosterDto,
    RosterProblemDto,
    SolveOptionsDto,
    SolveStatus,
    StaffDto,
)
from services.rostering.repair import repair, repair_problem
from services.rostering.search import construct
from tests.datasets import shared_data
from tests.services.rostering.helpers import assert_valid, lines

RUNS_OF_TWO = Contract(min_consecutive_shifts=2)
PUBLISHED = lines("DDD....", "DDD....", "...DDDD", "...DDDD", ids="ABCD")


def problem() -> RosterProblemDto:
    """Four operators, one shift, two needed every day; C and D work runs of 2 or more."""
    return RosterProblemDto(
        horizon=7,
        shifts=(ShiftKind("D", 480),),
        staff=(
            StaffDto("A", Contract()),
            StaffDto("B", Contract()),
            StaffDto("C", RUNS_OF_TWO),
            StaffDto("D", RUNS_OF_TWO),
        ),
        cover=tuple(CoverRequirement(d, "D", 2, 100, 1) for d in range(7)),
    )


def _near(start: RosterDto, distance: int) -> list[RosterDto]:
    """Every roster within ``distance`` flipped cells of ``start`` (one shift type: D or off)."""
    cells = [(e, d) for e in start.lines for d in range(7)]
    out = []
    for k in range(distance + 1):
        for chosen in itertools.combinations(cells, k):
            new = {e: list(line) for e, line in start.lines.items()}
            for e, d in chosen:
                new[e][d] = OFF if new[e][d] == "D" else "D"
            out.append(RosterDto({e: tuple(v) for e, v in new.items()}))
    return out


def test_published_roster_is_valid_and_covers_every_day() -> None:
    report = check_roster(problem(), PUBLISHED)
    assert report.valid
    assert report.penalty.total == 0


def test_repair_fills_the_gap_with_the_fewest_changes() -> None:
    absence = AbsenceDto("A", frozenset({1}))
    out = repair(problem(), PUBLISHED, [absence], SolveOptionsDto(time_limit=30, workers=2))
    result = out.result
    assert result.status is SolveStatus.OPTIMAL
    fixed = repair_problem(problem(), PUBLISHED, [absence])
    assert_valid(fixed, result.roster)
    forced = [c for c in out.changes if c.forced]
    assert [(c.staff_id, c.day, c.before, c.after) for c in forced] == [("A", 1, "D", "")]
    # C or D must cover day 1, and a run of one day is not allowed: two changes, one of
    # them on day 1 (the other on day 0 or 2, over-covering it by one)
    voluntary = out.voluntary_changes
    assert len(voluntary) == 2
    assert {c.staff_id for c in voluntary} in ({"C"}, {"D"})
    assert 1 in {c.day for c in voluntary}
    assert result.report is not None
    assert result.report.penalty.under_cover == 0
    # nothing within three flips of the published roster does better
    start = RosterDto({**PUBLISHED.lines, "A": ("D", "", "D", "", "", "", "")})
    valid = [r for r in _near(start, 3) if check_roster(fixed, r).valid]
    assert min(objective_value(fixed, r) for r in valid) == result.objective


def test_an_expensive_change_is_not_made() -> None:
    absence = AbsenceDto("A", frozenset({1}))
    out = repair(problem(), PUBLISHED, [absence], SolveOptionsDto(time_limit=30), change_weight=60)
    # two changes (120) cost more than the missing operator (100): leave the gap
    assert out.voluntary_changes == ()
    assert out.result.report is not None
    assert out.result.report.penalty.under_cover == 100


def test_frozen_days_do_not_change() -> None:
    absence = AbsenceDto("C", frozenset({4, 5}))
    out = repair(problem(), PUBLISHED, [absence], SolveOptionsDto(time_limit=30), freeze_before=5)
    assert out.result.status is SolveStatus.OPTIMAL
    assert all(c.day >= 5 for c in out.voluntary_changes)
    assert {(c.day, c.forced) for c in out.changes if c.staff_id == "C"} >= {(4, True), (5, True)}
    # day 4 stays short (frozen), day 5 is filled
    roster = out.result.roster
    assert roster is not None
    assert sum(line[4] == "D" for line in roster.lines.values()) == 1
    assert sum(line[5] == "D" for line in roster.lines.values()) == 2


def test_absences_are_validated() -> None:
    with pytest.raises(ValidationError, match="unknown operator"):
        repair_problem(problem(), PUBLISHED, [AbsenceDto("Z", frozenset({1}))])
    with pytest.raises(ValidationError, match="outside the horizon"):
        repair_problem(problem(), PUBLISHED, [AbsenceDto("A", frozenset({9}))])


def test_repair_on_a_benchmark_instance_is_never_worse_than_doing_nothing() -> None:
    p = load_instance(shared_data("rostering", "Instance2.txt"))
    published = construct(p, seed=1)
    assert published is not None
    worker = next(e for e in p.staff if sum(s != OFF for s in published.lines[e.id][:4]) >= 2)
    days = frozenset(d for d in range(4) if published.lines[worker.id][d] != OFF)
    absence = AbsenceDto(worker.id, days)
    out = repair(p, published, [absence], SolveOptionsDto(time_limit=4, workers=2))
    fixed = repair_problem(p, published, [absence])
    assert_valid(fixed, out.result.roster)
    nothing = RosterDto(
        {
            **published.lines,
            worker.id: tuple(
                OFF if d in days else s for d, s in enumerate(published.lines[worker.id])
            ),
        }
    )
    assert check_roster(fixed, nothing).valid  # the absence alone breaks no rule
    assert out.result.objective is not None
    assert out.result.objective <= objective_value(fixed, nothing)
    assert {(c.staff_id, c.day) for c in out.changes if c.forced} == {(worker.id, d) for d in days}
