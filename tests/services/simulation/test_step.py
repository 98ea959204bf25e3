"""The simulator's pure step: readings, faults, orders and attendance from state + seed."""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, timedelta
from statistics import mean

import pytest

from domain.errors import ValidationError
from domain.model.plant import MachineStatus
from services.simulation.faults import FaultKind, FaultPlan, parse_faults
from services.simulation.model import (
    Absent,
    ClockedIn,
    ClockedOut,
    MachineProfile,
    MachineSim,
    OrderCompleted,
    OrderLate,
    OrderProgressed,
    OrderResumed,
    OrderSim,
    OrderStalled,
    OrderStarted,
    PlantState,
    RosterSlot,
    StatusChanged,
    StepResult,
)
from services.simulation.step import settle, step

START = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)  # a Monday, shift A (06:00-14:00) running
PRESS = MachineProfile(temperature_c=41.0, vibration=3.2, power_kw=55.0, cycle_s=4.0)
NO_FAULTS = FaultPlan(frozenset())


def plant(orders_due_in_h: float = 48.0, quantity: float = 100_000.0) -> PlantState:
    """Three presses, each running a big order, and one more order queued on the first."""
    machines = {}
    orders = {}
    for i in (1, 2, 3):
        mid, oid = f"M-{i}", f"WO-{i}"
        machines[mid] = MachineSim(
            mid, f"WC-{i}", PRESS, MachineStatus.RUNNING, base_load=0.85, order_id=oid
        )
        orders[oid] = OrderSim(
            oid,
            oid,
            quantity,
            0.0,
            START + timedelta(hours=orders_due_in_h),
            running=True,
            machine_id=mid,
        )
    orders["WO-9"] = OrderSim("WO-9", "WO-9", 50.0, 0.0, START + timedelta(days=5))
    state = PlantState(at=START, machines=machines, orders=orders, queues={"WC-1": ["WO-9"]})
    settle(state)
    return state


def run(
    state: PlantState, plan: FaultPlan, seed: int, steps: int, step_s: float = 60.0
) -> list[StepResult]:
    rng = random.Random(seed)
    return [step(state, plan, rng, step_s) for _ in range(steps)]


def events_of(results: list[StepResult], kind: type) -> list:
    return [e for r in results for e in r.events if isinstance(e, kind)]


def test_readings_are_plausible_for_a_running_machine() -> None:
    results = run(plant(), NO_FAULTS, seed=1, steps=30)
    readings = [m for r in results for m in r.readings if m.machine_id == "M-1"]
    assert len(readings) == 30
    assert [m.at for m in readings] == [START + timedelta(minutes=k) for k in range(1, 31)]
    for m in readings:
        assert 0.0 <= (m.utilisation or 0) <= 1.0
        assert 25.0 < (m.temperature_c or 0) < 55.0
        assert (m.vibration or 0) > 0
        assert (m.power_kwh or 0) > 0
        assert m.quality_pass is not None
        assert m.quality_fail is not None
        assert m.quality_pass + m.quality_fail == m.units_produced
    # a press at about 85 % load and 4 s a part makes about 12 parts a minute
    assert 8 <= mean(m.units_produced or 0 for m in readings) <= 14


def test_the_same_seed_gives_the_same_plant_and_another_seed_another() -> None:
    plan = FaultPlan(frozenset(FaultKind), breakdown_at_s=600, late_at_s=300, drift_ramp_s=1800)
    a = run(plant(), plan, seed=42, steps=60)
    b = run(plant(), plan, seed=42, steps=60)
    c = run(plant(), plan, seed=43, steps=60)
    assert a == b
    assert [r.readings for r in a] != [r.readings for r in c]


def test_drift_raises_temperature_and_vibration_before_the_breakdown() -> None:
    plan = FaultPlan(frozenset({FaultKind.DRIFT}), drift_start_s=0, drift_ramp_s=3 * 3600)
    state = plant()
    results = run(state, plan, seed=5, steps=4 * 60)
    target = state.faults.drift_machine_id
    assert target is not None
    failures = [e for e in events_of(results, StatusChanged) if e.machine_id == target]
    assert [e.status for e in failures][:1] == [MachineStatus.BREAKDOWN]
    failed_at = failures[0].at
    # it fails when the ramp is over (three hours after the drift began), not before
    assert state.faults.drift_started == START + timedelta(minutes=1)  # the first step
    assert failed_at == state.faults.drift_started + timedelta(hours=3)
    before = [m for r in results for m in r.readings if m.machine_id == target and m.at < failed_at]
    first, last = before[:30], before[-30:]
    assert mean(m.temperature_c or 0 for m in last) > mean(m.temperature_c or 0 for m in first) + 8
    assert mean(m.vibration or 0 for m in last) > 2 * mean(m.vibration or 0 for m in first)
    # the healthy machines stay where they were
    other = next(m for m in state.machines if m != target)
    healthy = [m for r in results for m in r.readings if m.machine_id == other]
    assert abs(mean(m.temperature_c or 0 for m in healthy[-30:]) - mean(
        m.temperature_c or 0 for m in healthy[:30]
    )) < 4  # fmt: skip
    # broken: nothing made, the whole step is downtime
    after = [m for r in results for m in r.readings if m.machine_id == target and m.at > failed_at]
    assert after[0].units_produced == 0
    assert after[0].downtime_s == 60


def test_breakdown_stops_a_machine_and_the_repair_restarts_it() -> None:
    plan = FaultPlan(frozenset({FaultKind.BREAKDOWN}), breakdown_at_s=600, repair_s=1800)
    state = plant()
    results = run(state, plan, seed=9, steps=60)
    changes = events_of(results, StatusChanged)
    broken = [c for c in changes if c.status is MachineStatus.BREAKDOWN]
    assert len(broken) == 1
    assert broken[0].at == START + timedelta(minutes=10)
    repaired = [c for c in changes if c.reason_code == "repaired"]
    assert [(c.machine_id, c.status, c.at) for c in repaired] == [
        (broken[0].machine_id, MachineStatus.RUNNING, START + timedelta(minutes=40))
    ]


def test_late_fault_holds_the_order_with_least_slack_until_it_misses_its_due_date() -> None:
    state = plant(orders_due_in_h=48.0, quantity=20_000.0)  # about 27 hours of work each
    state.orders["WO-2"].due_date = START + timedelta(hours=30)  # the least slack
    plan = FaultPlan(frozenset({FaultKind.LATE}), late_at_s=300)
    results = run(state, plan, seed=3, steps=10)
    stalled = events_of(results, OrderStalled)
    assert [s.order_id for s in stalled] == ["WO-2"]
    late = events_of(results, OrderLate)
    assert [(x.order_id, x.at) for x in late] == [("WO-2", stalled[0].at)]
    assert late[0].projected_end is not None
    assert late[0].projected_end > late[0].due_date
    # the machine waits for material, then runs again when it arrives
    idle = [c for c in events_of(results, StatusChanged) if c.machine_id == "M-2"]
    assert [c.status for c in idle] == [MachineStatus.IDLE]
    wait = math.ceil((stalled[0].until - state.at).total_seconds() / 60)
    more = run(state, plan, seed=3, steps=wait)
    assert [e.order_id for e in events_of(more, OrderResumed)] == ["WO-2"]
    again = [c.status for c in events_of(more, StatusChanged) if c.machine_id == "M-2"]
    assert again == [MachineStatus.RUNNING]


def test_orders_report_progress_complete_and_the_machine_takes_the_next() -> None:
    state = plant(quantity=400.0)
    results = run(state, NO_FAULTS, seed=11, steps=90)
    done = [e.order_id for e in events_of(results, OrderCompleted)]
    assert sorted(done) == ["WO-1", "WO-2", "WO-3", "WO-9"]
    for oid in ("WO-1", "WO-2", "WO-3"):
        reported = sum(e.quantity for e in events_of(results, OrderProgressed) if e.order_id == oid)
        assert reported == pytest.approx(400.0)
    # WO-9 waited on M-1's work centre: M-1 takes it after its own order is done
    started = events_of(results, OrderStarted)
    assert [(s.order_id, s.machine_id) for s in started] == [("WO-9", "M-1")]
    assert state.orders["WO-9"].done
    assert state.machines["M-1"].status is MachineStatus.IDLE  # nothing left in its queue


def test_attendance_clocks_in_at_the_shift_start_and_out_at_its_end() -> None:
    state = plant()
    shift_b = datetime(2026, 11, 16, 14, 0, tzinfo=UTC)
    state.roster = [
        RosterSlot(
            i,
            f"OP-{i}",
            "B",
            date(2026, 11, 16),
            shift_b,
            shift_b + timedelta(hours=8),
            45,
        )
        for i in range(40)
    ]
    results = run(state, NO_FAULTS, seed=4, steps=16 * 4, step_s=15 * 60)
    ins = events_of(results, ClockedIn)
    absent = events_of(results, Absent)
    outs = events_of(results, ClockedOut)
    assert len(ins) + len(absent) == 40  # everybody is decided once
    assert len(ins) > 30  # most come
    assert {e.operator_id for e in outs} == {e.operator_id for e in ins}
    for e in ins:
        assert shift_b - timedelta(minutes=8) <= e.at <= shift_b + timedelta(minutes=25)
    for e in outs:
        assert 6.5 < e.hours_worked <= 8.0 - 0.75 + 8 / 60


def test_fault_names_are_parsed_and_unknown_ones_refused() -> None:
    assert parse_faults("drift, late") == {FaultKind.DRIFT, FaultKind.LATE}
    assert parse_faults("none") == frozenset()
    with pytest.raises(ValidationError, match="unknown fault fire"):
        parse_faults("drift,fire")


def test_a_step_must_move_time_forward() -> None:
    with pytest.raises(ValueError, match="forward"):
        step(plant(), NO_FAULTS, random.Random(1), 0)
