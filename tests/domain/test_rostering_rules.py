"""Each labour rule of a roster line on small cases checked by hand, and the penalty."""

from __future__ import annotations

import pytest

from domain.errors import ValidationError
from domain.rules.rostering import (
    OFF,
    Contract,
    CoverRequirement,
    ShiftKind,
    ShiftRequest,
    check_consecutive_days_off,
    check_consecutive_shifts,
    check_days_off,
    check_line,
    check_max_shifts,
    check_successions,
    check_total_minutes,
    check_weekends,
    cover_penalty,
    request_penalty,
    roster_penalty,
    runs,
    violations_introduced,
    weekends,
    weekends_worked,
)

SHIFTS = {
    "E": ShiftKind("E", 480),
    "L": ShiftKind("L", 480, frozenset({"E"})),
    "N": ShiftKind("N", 600, frozenset({"E", "L"})),
}


def line(text: str) -> list[str]:
    """``"EE.N"`` -> ["E", "E", "", "N"] (a dot is a day off)."""
    return [OFF if c == "." else c for c in text]


def codes(violations: list) -> list[str]:
    return [v.code for v in violations]


def test_runs_split_a_line_into_working_and_off_runs() -> None:
    got = [(r.start, r.length, r.working) for r in runs(line("EE..L.NN"))]
    assert got == [(0, 2, True), (2, 2, False), (4, 1, True), (5, 1, False), (6, 2, True)]
    assert runs([]) == []


def test_max_shifts_per_type() -> None:
    contract = Contract(max_shifts={"E": 2, "N": 0})
    assert check_max_shifts("A", line("EE.LL"), contract) == []
    too_many = check_max_shifts("A", line("EEE.."), contract)
    assert codes(too_many) == ["roster.max_shifts"]
    assert too_many[0].details == {"staff_id": "A", "shift": "E", "count": 3, "limit": 2}
    never = check_max_shifts("A", line("N...."), contract)
    assert never[0].message == "A may not work shift N"


def test_total_minutes_bounds() -> None:
    contract = Contract(min_total_minutes=960, max_total_minutes=1500)
    assert check_total_minutes("A", line("EL..."), contract, SHIFTS) == []  # 960
    assert codes(check_total_minutes("A", line("E...."), contract, SHIFTS)) == [
        "roster.min_total_minutes"
    ]
    over = check_total_minutes("A", line("EEN.."), contract, SHIFTS)  # 480+480+600 = 1560
    assert codes(over) == ["roster.max_total_minutes"]
    assert over[0].details["minutes"] == 1560


def test_max_consecutive_shifts_applies_everywhere() -> None:
    contract = Contract(max_consecutive_shifts=3)
    assert check_consecutive_shifts("A", line("EEE.EEE"), contract) == []
    # a run of 4 at the very start is still too long (the maximum has no edge exemption)
    got = check_consecutive_shifts("A", line("EEEE..."), contract)
    assert codes(got) == ["roster.max_consecutive_shifts"]
    assert got[0].details["start"] == 0
    assert got[0].details["length"] == 4


def test_min_consecutive_shifts_exempts_runs_at_the_edges() -> None:
    contract = Contract(min_consecutive_shifts=2)
    assert check_consecutive_shifts("A", line("E..EE..E"), contract) == []  # edges exempt
    inner = check_consecutive_shifts("A", line("..E..EE."), contract)
    assert codes(inner) == ["roster.min_consecutive_shifts"]
    assert inner[0].details == {"staff_id": "A", "start": 2, "length": 1, "limit": 2}


def test_min_consecutive_days_off_exempts_runs_at_the_edges() -> None:
    contract = Contract(min_consecutive_days_off=2)
    assert check_consecutive_days_off("A", line(".EE..EE."), contract) == []
    got = check_consecutive_days_off("A", line("EE.EE..E"), contract)
    assert codes(got) == ["roster.min_consecutive_days_off"]
    assert got[0].details["start"] == 2


def test_excused_days_end_runs_like_the_horizon_edge() -> None:
    # day 3 is an absence: the one-day run on day 2 touches it, so it breaks no minimum
    contract = Contract(min_consecutive_shifts=2, excused_days=frozenset({3}))
    assert check_consecutive_shifts("A", line("..E.EE.."), contract) == []
    strict = Contract(min_consecutive_shifts=2)
    assert codes(check_consecutive_shifts("A", line("..E.EE.."), strict)) == [
        "roster.min_consecutive_shifts"
    ]
    off = Contract(min_consecutive_days_off=3, excused_days=frozenset({2}))
    assert check_consecutive_days_off("A", line("EE.EEE"), off) == []


def test_weekends_from_a_monday_and_from_another_weekday() -> None:
    assert weekends(14) == [(5, 6), (12, 13)]
    assert weekends(6) == [(5,)]  # a Saturday alone still counts
    assert weekends(7, first_weekday=5) == [(0, 1)]  # day 0 is a Saturday
    worked = line("......E" + ".....E.")  # Sunday of week 1, Saturday of week 2
    assert weekends_worked(worked) == [(5, 6), (12, 13)]
    assert weekends_worked(worked, excused=[6]) == [(12, 13)]


def test_max_weekends() -> None:
    contract = Contract(max_weekends=1)
    two = line(".....E." + "......E")
    got = check_weekends("A", two, contract)
    assert codes(got) == ["roster.max_weekends"]
    assert got[0].details["count"] == 2
    assert check_weekends("A", line(".....EE" + "......."), contract) == []  # one weekend


def test_days_off_and_absences_cannot_be_worked() -> None:
    contract = Contract(days_off=frozenset({1}), excused_days=frozenset({3}))
    got = check_days_off("A", line("EE.E"), contract)
    assert codes(got) == ["roster.day_off", "roster.absent"]
    assert [v.details["day"] for v in got] == [1, 3]
    assert "Tue" in got[0].message


def test_forbidden_successions() -> None:
    assert check_successions("A", line("ELN.E"), SHIFTS) == []
    got = check_successions("A", line("NE.LE"), SHIFTS)
    assert [(v.details["day"], v.details["previous"], v.details["shift"]) for v in got] == [
        (1, "N", "E"),
        (4, "L", "E"),
    ]


def test_the_shift_before_day_0_forbids_its_successors_on_day_0() -> None:
    # a night the day before: no early (nor late) on day 0; a day off or another night is fine
    got = check_successions("A", line("E.E"), SHIFTS, previous="N")
    assert [(v.details["day"], v.details["previous"], v.details["shift"]) for v in got] == [
        (0, "N", "E")
    ]
    assert "the day before" in got[0].message
    assert check_successions("A", line("N.E"), SHIFTS, previous="N") == []
    assert check_successions("A", line(".EE"), SHIFTS, previous="N") == []
    assert check_successions("A", line("E.E"), SHIFTS, previous="E") == []
    assert check_successions("A", line("E.E"), SHIFTS) == []  # off the day before (default)
    assert codes(check_line("A", line("L.."), Contract(), SHIFTS, previous="N")) == [
        "roster.forbidden_succession"
    ]
    assert check_line("A", line("L.."), Contract(), SHIFTS, previous="L") == []
    # an edit that keeps the forbidden first day is not blamed for it; one that makes it is
    assert violations_introduced("A", line("E.."), line("E.E"), Contract(), SHIFTS, 0, "N") == []
    made = violations_introduced("A", line("..."), line("E.."), Contract(), SHIFTS, 0, "N")
    assert codes(made) == ["roster.forbidden_succession"]


def test_check_line_reports_unknown_shifts_first() -> None:
    assert codes(check_line("A", line("EX"), Contract(), SHIFTS)) == ["roster.unknown_shift"]


def test_check_line_collects_every_rule() -> None:
    contract = Contract(
        max_shifts={"N": 1},
        min_total_minutes=0,
        max_consecutive_shifts=2,
        min_consecutive_days_off=2,
        days_off=frozenset({0}),
    )
    got = codes(check_line("A", line("NNE.E"), contract, SHIFTS))
    assert got == [
        "roster.day_off",
        "roster.max_shifts",
        "roster.max_consecutive_shifts",
        "roster.min_consecutive_days_off",
        "roster.forbidden_succession",
    ]


def test_violations_introduced_blames_only_the_edit() -> None:
    contract = Contract(max_consecutive_shifts=2, min_consecutive_days_off=2)
    before = line("EE..EE..")
    assert violations_introduced("A", before, line("EE..E..."), contract, SHIFTS) == []
    added = violations_introduced("A", before, line("EE.EEE.."), contract, SHIFTS)
    assert sorted(codes(added)) == [
        "roster.max_consecutive_shifts",
        "roster.min_consecutive_days_off",
    ]
    # a violation already present is not blamed on an unrelated edit
    bad = line("EEE...EE")
    assert violations_introduced("A", bad, line("EEE...E."), contract, SHIFTS) == []


def test_request_penalty_by_hand() -> None:
    lines = {"A": line("EL."), "B": line("..N")}
    requests = [
        ShiftRequest("A", 0, "E", 2, on=True),  # granted: 0
        ShiftRequest("A", 2, "E", 3, on=True),  # not granted: 3
        ShiftRequest("B", 2, "N", 1, on=False),  # wanted off, works it: 1
        ShiftRequest("B", 0, "E", 5, on=False),  # granted: 0
    ]
    got = request_penalty(lines, requests)
    assert (got.shift_on_requests, got.shift_off_requests) == (3, 1)


def test_wishes_about_the_day_itself() -> None:
    lines = {"A": line("E.L"), "B": line("..N")}
    requests = [
        ShiftRequest("A", 0, OFF, 4, on=False),  # wants to work, any shift; works E: 0
        ShiftRequest("A", 1, OFF, 5, on=False),  # wants to work, is off: 5 (as shift-on)
        ShiftRequest("B", 2, OFF, 6, on=True),  # wants the day off, works N: 6 (shift-off)
        ShiftRequest("B", 0, OFF, 7, on=True),  # wants the day off, has it: 0
        ShiftRequest("C", 0, OFF, 2, on=False),  # no line: off every day, so not granted: 2
    ]
    assert [r.wants_work for r in requests] == [True, True, False, False, True]
    assert [r.granted(lines.get(r.staff_id, (OFF,))[0]) for r in requests[:1]] == [True]
    got = request_penalty(lines, requests)
    assert (got.shift_on_requests, got.shift_off_requests) == (7, 6)


def test_cover_penalty_by_hand_with_skills() -> None:
    lines = {"A": line("EE"), "B": line("E."), "C": line(".E")}
    cover = [
        CoverRequirement(0, "E", 1, 100, 1),  # 2 on shift: over by 1 -> 1
        CoverRequirement(1, "E", 3, 100, 1),  # 2 on shift: under by 1 -> 100
        CoverRequirement(0, "L", 0, 100, 1),  # nobody needed, nobody there -> 0
        CoverRequirement(1, "E", 2, 50, 1, skill="forklift"),  # only A holds it: 50
    ]
    skills = {"A": frozenset({"forklift"}), "B": frozenset(), "C": frozenset()}
    got = cover_penalty(lines, cover, skills)
    assert (got.under_cover, got.over_cover) == (150, 1)
    total = roster_penalty(lines, [ShiftRequest("C", 0, "E", 4)], cover, skills)
    assert total.total == 150 + 1 + 4


def test_contract_and_shift_validation() -> None:
    with pytest.raises(ValidationError):
        ShiftKind("E", 0)
    with pytest.raises(ValidationError):
        Contract(min_consecutive_shifts=0)
    with pytest.raises(ValidationError):
        Contract(max_shifts={"E": -1})
