"""The independent checker against penalties computed by hand."""

from __future__ import annotations

from dataclasses import replace

import pytest

from domain.errors import ValidationError
from domain.rules.rostering import Contract, CoverRequirement, ShiftKind, ShiftRequest
from services.rostering.checker import check_roster, fairness_measures
from services.rostering.problem import (
    FairnessDto,
    FairnessMeasure,
    LockDto,
    RosterDto,
    RosterProblemDto,
    StaffDto,
)
from tests.services.rostering.helpers import lines

FREE = Contract()


def problem(**changes: object) -> RosterProblemDto:
    base = RosterProblemDto(
        horizon=4,
        shifts=(ShiftKind("D", 480), ShiftKind("N", 600, frozenset({"D"}))),
        staff=(StaffDto("A", FREE, frozenset({"med"})), StaffDto("B", FREE)),
        requests=(
            ShiftRequest("A", 0, "D", 2),
            ShiftRequest("B", 1, "N", 3, on=False),
            ShiftRequest("B", 3, "D", 1),
        ),
        cover=(
            CoverRequirement(0, "D", 2, 100, 1),
            CoverRequirement(1, "N", 0, 100, 5),
            CoverRequirement(2, "D", 1, 100, 1, skill="med"),
        ),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_penalty_by_hand() -> None:
    #          day 0 1 2 3
    roster = lines("D.D.", "DN.D", ids="AB")
    report = check_roster(problem(), roster)
    assert report.valid
    # requests: A gets D on day 0 (0); B works N on day 1 against a wish (3); B gets D on day 3 (0)
    assert report.penalty.shift_on_requests == 0
    assert report.penalty.shift_off_requests == 3
    # cover: day 0 D needs 2, has 2 (0); day 1 N needs 0, has 1 (over 1 x 5);
    # day 2 D needs one "med", A holds it (0)
    assert (report.penalty.under_cover, report.penalty.over_cover) == (0, 5)
    assert report.objective == 8


def test_skill_cover_counts_only_skilled_operators() -> None:
    roster = lines("....", "..D.", ids="AB")  # B works day 2 but is not "med"
    report = check_roster(problem(), roster)
    # day 0 D: 2 missing (200); day 2 med: 1 missing (100); A's request not granted (2)
    assert report.penalty.under_cover == 300
    assert report.penalty.shift_on_requests == 2 + 1


def test_hard_rules_and_locks_are_reported() -> None:
    tight = Contract(max_consecutive_shifts=2, days_off=frozenset({3}))
    p = problem(
        staff=(StaffDto("A", tight, frozenset({"med"})), StaffDto("B", FREE)),
        locks=(LockDto("B", 0, "N"),),
    )
    report = check_roster(p, lines("DDDD", "ND..", ids="AB"))
    assert not report.valid
    assert sorted(v.code for v in report.violations) == [
        "roster.day_off",
        "roster.forbidden_succession",
        "roster.max_consecutive_shifts",
    ]
    report = check_roster(p, lines("DD..", "DD..", ids="AB"))
    assert [v.code for v in report.violations] == ["roster.locked"]


def test_the_shape_of_the_roster_is_checked() -> None:
    report = check_roster(problem(), RosterDto({"A": ("D",) * 3, "Z": ("",) * 4}))
    assert sorted(v.code for v in report.violations) == [
        "roster.bad_length",
        "roster.missing_line",
        "roster.unknown_staff",
    ]


def test_fairness_and_changes_enter_the_objective() -> None:
    roster = lines("D.D.", "DN.D", ids="AB")
    fair = problem(fairness=FairnessDto(10, FairnessMeasure.REQUESTS))
    # per operator: A 0, B 3: spread 3, times 10
    assert fairness_measures(fair, roster) == {"A": 0, "B": 3}
    assert check_roster(fair, roster).fairness == 30
    assert check_roster(fair, roster).objective == 8 + 30
    nights = problem(fairness=FairnessDto(1, FairnessMeasure.SHIFTS, frozenset({"N"})))
    assert fairness_measures(nights, roster) == {"A": 0, "B": 1}
    weekends = replace(problem(horizon=7), fairness=FairnessDto(1, FairnessMeasure.WEEKENDS))
    assert fairness_measures(weekends, lines("D.D...D", "DN.D...", ids="AB")) == {"A": 1, "B": 0}
    repair = problem(reference=lines("D.D.", "D..D", ids="AB"), change_weight=7)
    report = check_roster(repair, roster)
    assert report.changes == 1  # B day 1
    assert report.objective == 8 + 7


def test_the_shift_before_day_0_is_checked() -> None:
    # N forbids D the next day: A worked a night the day before the horizon
    roster = lines("D.D.", "DN.D", ids="AB")
    report = check_roster(problem(previous={"A": "N"}), roster)
    assert [(v.code, v.details["staff_id"], v.details["day"]) for v in report.violations] == [
        ("roster.forbidden_succession", "A", 0)
    ]
    # the same roster after a day shift, or a night on day 0 after a night, is valid
    assert check_roster(problem(previous={"A": "D"}), roster).valid
    assert check_roster(problem(previous={"A": "N"}), lines("N.D.", "DN.D", ids="AB")).valid


def test_a_previous_shift_must_name_known_operators_and_shifts() -> None:
    with pytest.raises(ValidationError, match="unknown operator"):
        problem(previous={"Z": "N"})
    with pytest.raises(ValidationError, match="unknown shift"):
        problem(previous={"A": "X"})
