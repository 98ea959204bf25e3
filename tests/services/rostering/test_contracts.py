"""Operators' own contracts and shift requests: the pure conversion on hand-checked cases, the
store round trip on both backends (audit, change event, stale writes), the snapshot the grid
and the solver see, a solve that honours them, and a grid edit refused by one of them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from domain.auth import Actor, Role
from domain.errors import (
    ConcurrentEdit,
    NotFound,
    PermissionDenied,
    RuleViolation,
    ValidationError,
)
from domain.events import Topic
from domain.rules.rostering import OFF, ShiftRequest
from services.persistence.tables.system import audit_log, change_events
from services.rostering.checker import check_roster
from services.rostering.contract_rules import (
    OperatorContractDto,
    RequestKind,
    ShiftRequestDto,
    contract_problems,
    request_problems,
    to_contract,
    to_requests,
)
from services.rostering.contracts import ContractService
from services.rostering.policy import RosterPolicy
from services.rostering.problem import FairnessDto, FairnessMeasure, SolveOptionsDto
from services.rostering.proposals import optimise
from services.rostering.snapshot import CellChange
from services.rostering.store import RosterService
from tests.services.rostering.store_fixtures import DAYS, LEAD, MONDAY, PLANNER, POLICY, seed

OTHER = Actor("admin", Role.ADMIN, "seat-9")
SITE = RosterPolicy(per_shift={"E": 1, "L": 1}, max_weekends_per_4_weeks=2)


def day(n: int) -> date:
    return MONDAY + timedelta(days=n)


# -- pure conversion ------------------------------------------------------------------------------


def test_no_contract_is_the_site_contract_plus_unavailable_requests() -> None:
    requests = [
        ShiftRequestDto("OP-1", day(2), RequestKind.UNAVAILABLE),
        ShiftRequestDto("OP-1", day(9), RequestKind.UNAVAILABLE),  # outside a 7-day range
        ShiftRequestDto("OP-1", day(3), RequestKind.OFF, "E", 5),  # soft: not a day off
    ]
    c = to_contract(None, SITE, MONDAY, 7, requests)
    assert c.max_total_minutes == 48 * 60
    assert c.max_consecutive_shifts == 6
    assert c.min_consecutive_days_off == 2
    assert c.max_weekends == 1  # ceil(2 * 7 / 28)
    assert c.days_off == {2}


def test_weekly_figures_scale_to_the_range() -> None:
    stored = OperatorContractDto(
        "OP-1",
        max_shifts={"L": 3, "E": 0},
        min_weekly_minutes=600,
        max_weekly_minutes=1200,
        max_consecutive_shifts=4,
        max_weekends_per_4_weeks=2,
    )
    two_weeks = to_contract(stored, SITE, MONDAY, 14)
    assert dict(two_weeks.max_shifts) == {"L": 6, "E": 0}
    assert (two_weeks.min_total_minutes, two_weeks.max_total_minutes) == (1200, 2400)
    assert two_weeks.max_weekends == 1  # ceil(2 * 14 / 28)
    assert two_weeks.max_consecutive_shifts == 4
    assert two_weeks.min_consecutive_days_off == 2  # blank: the site's
    ten_days = to_contract(stored, SITE, MONDAY, 10)
    # maxima round up, the minimum down: 3 * 10/7 = 4.29, 600 * 10/7 = 857.1, 1200 * 10/7 = 1714.3
    assert dict(ten_days.max_shifts) == {"L": 5, "E": 0}
    assert (ten_days.min_total_minutes, ten_days.max_total_minutes) == (857, 1715)


def test_the_weekly_minimum_is_pro_rata_of_the_days_that_can_be_worked() -> None:
    stored = OperatorContractDto(
        "OP-1", min_weekly_minutes=2400, unavailable_weekdays=frozenset({6})
    )
    assert to_contract(stored, SITE, MONDAY, 7).min_total_minutes == 2057  # 2400 * 6/7
    # Mon and Tue are past days off or absences: 4 of 7 days can be worked, 2400 * 4/7 = 1371.4
    assert to_contract(stored, SITE, MONDAY, 7, fixed_off={0, 1}).min_total_minutes == 1371


def test_unavailable_weekdays_follow_the_first_weekday_and_spare_fixed_work() -> None:
    weekends = OperatorContractDto("OP-1", unavailable_weekdays=frozenset({5, 6}))
    assert to_contract(weekends, SITE, MONDAY, 14).days_off == {5, 6, 12, 13}
    wednesday = MONDAY + timedelta(days=2)
    assert to_contract(weekends, SITE, wednesday, 7).days_off == {3, 4}
    # day 5 is a past or locked shift: the solver must keep it, so it is not a day off
    assert to_contract(weekends, SITE, MONDAY, 7, fixed_work={5: "E"}).days_off == {6}


def test_no_limit_is_tighter_than_the_days_that_can_no_longer_change() -> None:
    stored = OperatorContractDto(
        "OP-1",
        max_shifts={"E": 1, "L": 2},
        max_weekly_minutes=960,
        max_consecutive_shifts=2,
        min_consecutive_days_off=3,
    )
    # the past: worked E E E on Mon-Wed, off Thu, worked Fri; the rest of the week is open
    fixed = {0: "E", 1: "E", 2: "E", 4: "E"}
    c = to_contract(stored, SITE, MONDAY, 7, fixed_work=fixed, fixed_off={3}, minutes={"E": 480})
    assert dict(c.max_shifts) == {"E": 4, "L": 2}  # 4 early shifts are already worked
    assert c.max_total_minutes == 4 * 480
    assert c.max_consecutive_shifts == 3  # Mon-Wed
    assert c.min_consecutive_days_off == 1  # Thu, between two worked days
    assert c.max_weekends == 1  # the site's: nothing fixed at the weekend
    free = to_contract(stored, SITE, MONDAY, 7)
    assert (dict(free.max_shifts), free.max_total_minutes) == ({"E": 1, "L": 2}, 960)
    assert (free.max_consecutive_shifts, free.min_consecutive_days_off) == (2, 3)


def test_requests_become_the_solvers_requests() -> None:
    requests = [
        ShiftRequestDto("OP-1", day(1), RequestKind.ON, "E", 3),
        ShiftRequestDto("OP-1", day(2), RequestKind.OFF, "", 7),  # any shift: one per type
        ShiftRequestDto("OP-2", day(3), RequestKind.OFF, "L", 2),
        ShiftRequestDto("OP-2", day(4), RequestKind.UNAVAILABLE),  # a day off, not a request
        ShiftRequestDto("OP-2", day(5), RequestKind.ON, "X", 2),  # unknown shift
        ShiftRequestDto("OP-9", day(1), RequestKind.ON, "E", 2),  # not on this roster
        ShiftRequestDto("OP-1", day(7), RequestKind.ON, "E", 2),  # outside the range
        ShiftRequestDto("OP-1", day(6), RequestKind.ON, "", 2),  # to work, any shift
    ]
    assert to_requests(requests, MONDAY, 7, {"OP-1", "OP-2"}, ["E", "L"]) == (
        ShiftRequest("OP-1", 1, "E", 3, on=True),
        ShiftRequest("OP-1", 2, "E", 7, on=False),
        ShiftRequest("OP-1", 2, "L", 7, on=False),
        ShiftRequest("OP-2", 3, "L", 2, on=False),
        ShiftRequest("OP-1", 6, OFF, 2, on=False),  # not the day off
    )


def test_bad_values_are_named() -> None:
    bad = OperatorContractDto(
        "OP-1",
        max_shifts={"N": 2, "E": 9},
        min_weekly_minutes=-5,
        min_consecutive_shifts=5,
        max_consecutive_shifts=3,
        unavailable_weekdays=frozenset({7}),
    )
    problems = dict(contract_problems(bad, {"E", "L"}))
    assert "'N' is not a shift type" in problems["max_shifts"]
    assert problems["min_weekly_minutes"] == "-5 is negative"
    assert (
        "minimum shifts in a row (5) is above the maximum (3)" in problems["min_consecutive_shifts"]
    )
    assert "7 is not a weekday" in problems["unavailable_weekdays"]
    on_any = ShiftRequestDto("OP-1", MONDAY, RequestKind.ON, "", 1)
    assert request_problems(on_any, {"E"}) == []  # to work that day, any shift
    whole_day = ShiftRequestDto("OP-1", MONDAY, RequestKind.UNAVAILABLE, "E", 0)
    assert [f for f, _ in request_problems(whole_day, {"E"})] == ["shift_id"]
    heavy = ShiftRequestDto("OP-1", MONDAY, RequestKind.OFF, "E", -1)
    assert [f for f, _ in request_problems(heavy, {"E"})] == ["weight"]
    assert contract_problems(OperatorContractDto("OP-1", max_shifts={"E": 3}), {"E"}) == []


def test_fairness_is_stored_in_the_policy_and_off_by_default() -> None:
    assert RosterPolicy.from_json(POLICY.to_json()).fairness is None
    fair = RosterPolicy(
        per_shift={"E": 1},
        fairness=FairnessDto(5, FairnessMeasure.SHIFTS, frozenset({"L"})),
    )
    assert RosterPolicy.from_json(fair.to_json()).fairness == fair.fairness
    with pytest.raises(ValidationError, match="fairness measure 'luck'"):
        RosterPolicy.from_json({"per_shift": {}, "fairness": {"measure": "luck", "weight": 1}})


# -- the database ---------------------------------------------------------------------------------


@pytest.fixture
def app(db_url: str, make_app: Any) -> Any:
    app = make_app(db_url)
    seed(app)
    RosterService(app).save_policy(LEAD, POLICY)
    return app


def test_contract_round_trip_audit_event_and_stale_write(app: Any) -> None:
    svc = ContractService(app)
    assert svc.contract("OP-1") == OperatorContractDto("OP-1")  # none: the site's
    wanted = OperatorContractDto(
        "OP-1",
        max_shifts={"L": 2},
        max_weekly_minutes=1920,
        unavailable_weekdays=frozenset({5, 6}),
        notes="part time",
    )
    saved = svc.save_contract(LEAD, wanted, expected_version=0)
    assert saved.version == 1
    back = svc.contract("OP-1")
    assert (back.max_shifts, back.max_weekly_minutes, back.unavailable_weekdays, back.notes) == (
        {"L": 2},
        1920,
        {5, 6},
        "part time",
    )
    assert (back.updated_by, back.updated_seat) == ("lead", "seat-1")
    again = svc.save_contract(
        OTHER, OperatorContractDto("OP-1", max_shifts={"L": 1}), expected_version=1
    )
    assert again.version == 2
    with pytest.raises(ConcurrentEdit) as stale:  # the lead still holds version 1
        svc.save_contract(LEAD, wanted, expected_version=1)
    assert "changed by admin at seat-9" in str(stale.value)
    with pytest.raises(ConcurrentEdit):  # "new" although one is stored
        svc.save_contract(LEAD, wanted, expected_version=0)
    assert svc.contract("OP-1").max_shifts == {"L": 1}
    # blank again: back to the site's contract, the row is gone
    cleared = svc.save_contract(LEAD, OperatorContractDto("OP-1"), expected_version=2)
    assert cleared.version == 0
    assert not svc.contract("OP-1").stored
    with app.engine.connect() as conn:
        audit = conn.execute(
            select(audit_log.c.action, audit_log.c.user, audit_log.c.entity_id)
            .where(audit_log.c.entity_type == "operator_contract")
            .order_by(audit_log.c.id)
        ).all()
        events = conn.execute(select(change_events.c.topic, change_events.c.kind)).all()
    assert [tuple(a) for a in audit] == [
        ("roster.contract", "lead", "OP-1"),
        ("roster.contract", "admin", "OP-1"),
        ("roster.contract", "lead", "OP-1"),
    ]
    assert [tuple(e) for e in events].count((Topic.ROSTER.value, "contract_saved")) == 3


def test_contract_writes_refuse_bad_values_unknown_operators_and_other_roles(app: Any) -> None:
    svc = ContractService(app)
    with pytest.raises(ValidationError, match="'N' is not a shift type"):
        svc.save_contract(
            LEAD, OperatorContractDto("OP-1", max_shifts={"N": 1}), expected_version=0
        )
    with pytest.raises(ValidationError, match="above the maximum"):
        svc.save_contract(
            LEAD,
            OperatorContractDto("OP-1", min_weekly_minutes=900, max_weekly_minutes=600),
            expected_version=0,
        )
    with pytest.raises(NotFound):
        svc.save_contract(
            LEAD, OperatorContractDto("OP-99", max_shifts={"E": 1}), expected_version=0
        )
    with pytest.raises(PermissionDenied):
        svc.save_contract(PLANNER, OperatorContractDto("OP-1"), expected_version=0)
    with pytest.raises(PermissionDenied):
        svc.set_day_requests(PLANNER, "OP-1", day(1), [])
    assert not svc.contract("OP-1").stored


def test_day_requests_replace_and_refuse_a_stale_view(app: Any) -> None:
    svc = ContractService(app)
    off = ShiftRequestDto("OP-3", day(5), RequestKind.OFF, "", 20, note="wedding")
    (stored,) = svc.set_day_requests(LEAD, "OP-3", day(5), [off], seen=[])
    assert (stored.kind, stored.weight, stored.note, stored.created_by) == (
        RequestKind.OFF,
        20,
        "wedding",
        "lead",
    )
    seen = [(stored.id, stored.version)]
    with pytest.raises(ConcurrentEdit) as stale:  # the other seat saw no request that day
        svc.set_day_requests(OTHER, "OP-3", day(5), [], seen=[])
    assert "changed by lead at seat-1" in str(stale.value)
    on = ShiftRequestDto("OP-3", day(5), RequestKind.ON, "L", 4)
    (now,) = svc.set_day_requests(OTHER, "OP-3", day(5), [on], seen=seen)
    assert (now.kind, now.shift_id) == (RequestKind.ON, "L")
    with pytest.raises(ValidationError, match="the whole day"):
        svc.set_day_requests(
            LEAD,
            "OP-3",
            day(6),
            [ShiftRequestDto("OP-3", day(6), RequestKind.UNAVAILABLE, "E", 0)],
        )
    assert svc.set_day_requests(LEAD, "OP-3", day(5), [], seen=[(now.id, now.version)]) == ()
    assert svc.requests(MONDAY, day(DAYS)) == []


def test_snapshot_carries_each_operators_contract_and_requests(app: Any) -> None:
    svc = ContractService(app)
    svc.save_contract(
        LEAD,
        OperatorContractDto("OP-1", max_shifts={"L": 1}, unavailable_weekdays=frozenset({1})),
        expected_version=0,
    )
    svc.set_day_requests(
        LEAD, "OP-3", day(5), [ShiftRequestDto("OP-3", day(5), RequestKind.OFF, "", 50)]
    )
    svc.set_day_requests(
        LEAD, "OP-4", day(2), [ShiftRequestDto("OP-4", day(2), RequestKind.UNAVAILABLE, note="GP")]
    )
    snap = RosterService(app).read(MONDAY, DAYS)
    assert snap.contract("OP-1").days_off == {1}
    assert dict(snap.contract("OP-1").max_shifts) == {"L": 1}
    assert snap.contract("OP-2") == POLICY.contract(DAYS)  # no contract: the site's
    assert snap.contract("OP-4").days_off == {2}
    assert set(snap.requests) == {
        ShiftRequest("OP-3", 5, "E", 50, on=False),
        ShiftRequest("OP-3", 5, "L", 50, on=False),
    }
    assert [w.kind for w in snap.wishes[("OP-4", 2)]] == [RequestKind.UNAVAILABLE]
    assert snap.problem().requests == snap.requests
    assert snap.unavailable[("OP-1", 1)] == "the contract says never on Tuesdays"
    assert snap.unavailable[("OP-4", 2)] == "marked unavailable (GP)"


def test_an_edit_onto_an_unavailable_day_is_refused_naming_the_rule(app: Any) -> None:
    ContractService(app).save_contract(
        LEAD, OperatorContractDto("OP-3", unavailable_weekdays=frozenset({1})), expected_version=0
    )
    roster = RosterService(app)
    snap = roster.read(MONDAY, DAYS)
    change = CellChange("OP-3", day(1), OFF, "E")  # OP-3 is off on Tuesday: put them on E
    (why,) = snap.refusal([change])
    assert why.code == "roster.day_off"
    assert why.message == (
        "OP-3 cannot work on Tue 17 Nov (day off): the contract says never on Tuesdays"
    )
    with pytest.raises(RuleViolation, match="never on Tuesdays"):
        roster.save(LEAD, MONDAY, DAYS, [change])


def test_optimise_honours_unavailable_days_max_shifts_and_a_heavy_off_request(app: Any) -> None:
    # published: OP-1 EE.LL.., OP-2 LL.EE.., OP-3 ..E..LL, OP-4 ..L..EE (penalty 0)
    svc = ContractService(app)
    svc.save_contract(  # OP-1 never works Tuesdays (works E there now)
        LEAD, OperatorContractDto("OP-1", unavailable_weekdays=frozenset({1})), expected_version=0
    )
    svc.save_contract(  # OP-2 at most one late shift a week (has two)
        LEAD, OperatorContractDto("OP-2", max_shifts={"L": 1}), expected_version=0
    )
    svc.set_day_requests(  # OP-3 wants Saturday off (works L there now)
        LEAD, "OP-3", day(5), [ShiftRequestDto("OP-3", day(5), RequestKind.OFF, "", 500)]
    )
    snap = RosterService(app).read(MONDAY, DAYS)
    before = check_roster(snap.problem(), snap.roster())
    assert not before.valid  # the published week breaks the two new contracts
    proposal = optimise(snap, SolveOptionsDto(time_limit=5.0, workers=2))
    assert proposal.ok, proposal.describe()
    after = snap.with_changes(proposal.changes)
    assert after.line("OP-1")[1] == OFF
    assert after.line("OP-2").count("L") <= 1
    assert after.line("OP-3")[5] == OFF
    report = check_roster(snap.problem(), after.roster())
    assert report.valid, report.violations
    assert report.penalty.shift_off_requests == 0


def test_a_stored_fairness_goal_reaches_the_solver(app: Any) -> None:
    fair = RosterPolicy(
        per_shift=POLICY.per_shift,
        max_consecutive_shifts=POLICY.max_consecutive_shifts,
        min_consecutive_days_off=POLICY.min_consecutive_days_off,
        max_weekly_minutes=POLICY.max_weekly_minutes,
        fairness=FairnessDto(10, FairnessMeasure.WEEKENDS),
    )
    RosterService(app).save_policy(LEAD, fair)
    snap = RosterService(app).read(MONDAY, DAYS)
    assert snap.fairness == FairnessDto(10, FairnessMeasure.WEEKENDS)
    assert snap.problem().fairness == snap.fairness
    # published: OP-3 and OP-4 work the weekend, OP-1 and OP-2 do not: a spread of 1
    assert check_roster(snap.problem(), snap.roster()).fairness == 10
    proposal = optimise(snap, SolveOptionsDto(time_limit=5.0, workers=2))
    assert proposal.ok, proposal.describe()
    after = check_roster(snap.problem(), snap.with_changes(proposal.changes).roster())
    assert after.valid, after.violations
    assert after.fairness == 0  # everybody works a weekend day now
    assert after.penalty.total + after.fairness < 10  # (an extra operator costs 1, not 10)
