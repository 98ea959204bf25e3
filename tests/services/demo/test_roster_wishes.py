"""The demo's operators with a rostering contract of their own and their shift requests: valid,
in the weeks ahead, loaded with the plant, and seen by the roster grid's snapshot."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from services.demo.generator import DemoPlant
from services.rostering.checker import check_roster
from services.rostering.contract_rules import (
    OperatorContractDto,
    RequestKind,
    ShiftRequestDto,
    contract_problems,
    request_problems,
)
from services.rostering.store import RosterService
from tests.services.demo.conftest import NOW


def test_a_few_contracts_and_requests_that_are_valid(plant: DemoPlant) -> None:
    shifts = {s.id for s in plant.shifts}
    operators = {o.id for o in plant.operators}
    assert len(plant.contracts) == 3
    assert {c.operator_id for c in plant.contracts} <= operators
    for c in plant.contracts:
        dto = OperatorContractDto(
            c.operator_id,
            max_shifts=c.max_shifts,
            max_weekly_minutes=c.max_weekly_minutes,
            max_consecutive_shifts=c.max_consecutive_shifts,
            unavailable_weekdays=frozenset(c.unavailable_weekdays),
        )
        assert contract_problems(dto, shifts) == []
    part_timer = plant.contracts[0]
    assert (part_timer.max_weekly_minutes, part_timer.unavailable_weekdays) == (1440, (5, 6))
    assert plant.contracts[1].max_shifts == {"C": 0}
    kinds = sorted(r.kind for r in plant.shift_requests)
    assert kinds == ["off", "on", "unavailable"]
    today = NOW.date()
    for r in plant.shift_requests:
        assert r.operator_id in operators
        dto = ShiftRequestDto(r.operator_id, r.day, RequestKind(r.kind), r.shift_id, r.weight)
        assert request_problems(dto, shifts) == []
        assert today < r.day <= today + timedelta(days=13)
    rostered = {(a.operator_id, a.day): a.shift_id for a in plant.shift_assignments}
    night_off = next(r for r in plant.shift_requests if r.kind == "off")
    assert rostered[(night_off.operator_id, night_off.day)] == "C"  # a night they would skip
    unavailable = next(r for r in plant.shift_requests if r.kind == "unavailable")
    assert (unavailable.operator_id, unavailable.day) not in rostered
    # from tomorrow on the roster follows the contracts
    part_timer, no_nights, short_runs = (c.operator_id for c in plant.contracts)
    ahead = [a for a in plant.shift_assignments if a.day > today]
    part_time = [a for a in ahead if a.operator_id == part_timer]
    assert part_time
    assert {(a.shift_id, a.day.weekday() < 3) for a in part_time} == {("A", True)}
    assert not [a for a in ahead if a.operator_id == no_nights and a.shift_id == "C"]
    assert not [a for a in ahead if a.operator_id == short_runs and a.shift_id == "A"]


def test_the_loaded_demo_shows_them_in_the_roster(demo_sqlite_url: str, make_app: Any) -> None:
    app = make_app(demo_sqlite_url)
    roster = RosterService(app)
    today = roster.today()
    snap = roster.read(today - timedelta(days=today.weekday()), 21)
    assert len(snap.own_contracts) == 3
    assert len({k for k, w in snap.wishes.items() if w}) == 3
    part_timer = next(
        c for c in snap.own_contracts.values() if c.unavailable_weekdays == frozenset({5, 6})
    )
    contract = snap.contract(part_timer.operator_id)
    weekend_days = {d for d in range(21) if snap.date_of(d).weekday() >= 5}
    assert weekend_days - set(range(snap.first_open_day)) <= contract.days_off
    assert contract.max_total_minutes == 3 * 1440
    assert snap.requests  # the on and off requests go to the solver
    # the two weeks from today keep every rule, the operators' own contracts included
    ahead = roster.read(today, 14)
    report = check_roster(ahead.problem(), ahead.roster())
    assert report.valid, [str(v) for v in report.violations[:3]]
