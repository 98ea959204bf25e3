"""One step of the simulated plant: state + random generator -> sensor readings and events.

Pure: no database, no clock, no sleeping. ``step`` moves ``state`` on by ``step_s`` simulated
seconds in place and reports what happened; the same state, plan and seed give the same
readings and events. Machines are visited in id order so the random draws never depend on
dictionary order.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

from domain.model.plant import MachineMetric, MachineStatus
from services.demo.rand import Weighted, clamp
from services.simulation.faults import FaultKind, FaultPlan
from services.simulation.model import (
    Absent,
    ClockedIn,
    ClockedOut,
    Event,
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

REPORT_EVERY_S = 15 * 60.0  # an order's progress is reported at most this often
THERMAL_TAU_S = 15 * 60.0  # how quickly a machine's temperature follows its load
MINOR_STOP_EVERY_S = 4 * 3600.0  # mean time between short stops of a running machine
CHANGEOVER_S = 10 * 60.0  # mean time before an idle machine takes the next order
ABSENCE_RATE = 0.04
LATE_ARRIVAL_RATE = 0.08
DRIFT_TEMPERATURE_C = 18.0  # extra degrees at the moment of failure
DRIFT_VIBRATION = 2.5  # vibration grows by this factor (x (1 + factor)) at failure
_ABSENCE_REASONS = Weighted((("sick", 0.6), ("personal", 0.25), ("unexcused", 0.15)))


def plant_rhythm(at: datetime) -> tuple[float, float]:
    """The plant's load factor at ``at`` (by shift, lower in breaks) and the hall temperature."""
    hour = at.hour + at.minute / 60.0
    load = 1.0 if 6 <= hour < 14 else 0.93 if 14 <= hour < 22 else 0.8
    into_shift = (hour - 6.0) % 8.0  # breaks 3:00 and 5:30 hours into each shift
    if 3.0 <= into_shift < 3.25 or 5.5 <= into_shift < 6.0:
        load *= 0.55
    return load, 21.0 + 2.5 * math.sin(2 * math.pi * (hour - 9) / 24)


def good_rate(machine: MachineSim) -> float:
    """Good units per second the machine makes on average while it runs."""
    return machine.base_load * (1.0 - machine.scrap) / max(machine.profile.cycle_s, 1e-6)


def projected_end(state: PlantState, order: OrderSim) -> datetime | None:
    """When the order would be done at its machine's usual pace (None: not on a machine)."""
    machine = state.machines.get(order.machine_id or "")
    if not order.running or machine is None:
        return None
    wait = 0.0
    if order.stalled_until is not None and order.stalled_until > state.at:
        wait += (order.stalled_until - state.at).total_seconds()
    if machine.down_until is not None and machine.down_until > state.at:
        wait += (machine.down_until - state.at).total_seconds()
    rate = good_rate(machine)
    if rate <= 0:
        return None
    return state.at + timedelta(seconds=wait + order.remaining / rate)


def is_late(state: PlantState, order: OrderSim) -> tuple[bool, datetime | None]:
    if order.done:
        return False, None
    if state.at > order.due_date:
        return True, None
    end = projected_end(state, order)
    return (end is not None and end > order.due_date), end


def settle(state: PlantState) -> None:
    """Mark the orders that are late already when the run starts (they are not news)."""
    for order in state.orders.values():
        order.late = is_late(state, order)[0]


def step(state: PlantState, plan: FaultPlan, rng: random.Random, step_s: float) -> StepResult:
    """Advance the plant by ``step_s`` simulated seconds."""
    if step_s <= 0:
        raise ValueError("a step must move time forward")
    start = state.at
    state.at = at = start + timedelta(seconds=step_s)
    events: list[Event] = []
    _faults(state, plan, rng, events)
    _repairs(state, events)
    _resumes(state, events)
    _starts(state, rng, step_s, events)
    load_factor, ambient = plant_rhythm(at)
    readings: list[MachineMetric] = []
    for machine_id in sorted(state.machines):
        machine = state.machines[machine_id]
        reading = _sample(state, machine, rng, step_s, load_factor, ambient, events)
        if reading is not None:
            readings.append(reading)
    _drift_failure(state, plan, events)
    _late_orders(state, events)
    _attendance(state, rng, events)
    return StepResult(at, tuple(readings), tuple(events))


# -- machines ---------------------------------------------------------------------------------


def _set_status(
    machine: MachineSim,
    status: MachineStatus,
    at: datetime,
    code: str,
    reason: str,
    events: list[Event],
) -> None:
    if machine.status is status:
        return
    events.append(StatusChanged(machine.id, at, status, machine.status, code, reason))
    machine.status = status


def _running_order(state: PlantState, machine: MachineSim) -> OrderSim | None:
    order = state.orders.get(machine.order_id or "")
    return order if order is not None and order.running and not order.done else None


def _sample(
    state: PlantState,
    machine: MachineSim,
    rng: random.Random,
    step_s: float,
    load_factor: float,
    ambient: float,
    events: list[Event],
) -> MachineMetric | None:
    if machine.status is MachineStatus.OFFLINE:
        return None
    profile = machine.profile
    order = _running_order(state, machine)
    working = (
        machine.status is MachineStatus.RUNNING
        and order is not None
        and (order.stalled_until is None or order.stalled_until <= state.at)
    )
    broken = machine.status in (MachineStatus.BREAKDOWN, MachineStatus.MAINTENANCE)
    downtime = step_s if broken else 0.0
    load = 0.0
    if working:
        load = clamp(machine.base_load * load_factor * (1 + rng.gauss(0, 0.08)), 0.0, 1.0)
        if rng.random() < 1.0 - math.exp(-step_s / MINOR_STOP_EVERY_S):
            downtime = rng.uniform(min(30.0, step_s), min(600.0, step_s))
            load *= 1.0 - downtime / step_s
    wear = machine.drift**2
    heat = 0.1 if broken else 0.35 + 0.65 * load
    target = ambient + (profile.temperature_c - 21.0) * heat + DRIFT_TEMPERATURE_C * wear
    if machine.temperature_c is None:
        machine.temperature_c = target
    follow = 1.0 - math.exp(-step_s / THERMAL_TAU_S)
    machine.temperature_c += (target - machine.temperature_c) * follow
    temperature = machine.temperature_c + rng.gauss(0, 0.3)
    shake = (0.3 + 0.7 * load) if load > 0 else 0.05
    vibration = profile.vibration * shake * (1 + rng.gauss(0, 0.07)) * (1 + DRIFT_VIBRATION * wear)
    draw = 0.02 if broken else 0.12 + 0.88 * load
    power = profile.power_kw * draw * step_s / 3600.0 * (1 + rng.gauss(0, 0.03))
    cycle = profile.cycle_s * rng.uniform(0.96, 1.08) * (1 + 0.1 * machine.drift)
    made = load * step_s / cycle + machine.unit_carry if working else 0.0
    units = int(made)
    machine.unit_carry = made - units if working else 0.0
    fails = min(units, int(units * (machine.scrap + 0.05 * wear) + rng.random())) if units else 0
    if order is not None and units:
        _credit(state, machine, order, float(units - fails), events)
    return MachineMetric(
        machine_id=machine.id,
        at=state.at,
        utilisation=round(load, 3),
        cycle_time_s=round(cycle, 2) if units else None,
        temperature_c=round(temperature, 2),
        vibration=round(max(vibration, 0.0), 3),
        power_kwh=round(max(power, 0.0), 3),
        units_produced=units,
        quality_pass=units - fails,
        quality_fail=fails,
        downtime_s=round(downtime),
    )


def _credit(
    state: PlantState, machine: MachineSim, order: OrderSim, good: float, events: list[Event]
) -> None:
    order.pending += min(good, order.remaining)
    finished = order.quantity_produced + order.pending >= order.quantity_ordered - 1e-9
    due_report = (
        order.last_report is None
        or (state.at - order.last_report).total_seconds() >= REPORT_EVERY_S
    )
    if order.pending > 0 and (finished or due_report):
        events.append(OrderProgressed(order.id, machine.id, state.at, order.pending))
        order.quantity_produced += order.pending
        order.pending = 0.0
        order.last_report = state.at
    if finished:
        order.done = True
        order.running = False
        events.append(OrderCompleted(order.id, machine.id, state.at))
        machine.order_id = None
        _set_status(machine, MachineStatus.IDLE, state.at, "order_completed", "order done", events)


def _repairs(state: PlantState, events: list[Event]) -> None:
    for machine_id in sorted(state.machines):
        machine = state.machines[machine_id]
        if machine.down_until is None or machine.down_until > state.at:
            continue
        machine.down_until = None
        machine.drift = 0.0
        status = MachineStatus.RUNNING if machine.order_id else MachineStatus.IDLE
        _set_status(machine, status, state.at, "repaired", "repaired and released", events)


def _starts(state: PlantState, rng: random.Random, step_s: float, events: list[Event]) -> None:
    for machine_id in sorted(state.machines):
        machine = state.machines[machine_id]
        if machine.order_id is not None or not machine.available:
            continue
        queue = state.queues.get(machine.work_centre_id or "", [])
        while queue and (state.orders[queue[0]].running or state.orders[queue[0]].done):
            queue.pop(0)
        if not queue or rng.random() >= 1.0 - math.exp(-step_s / CHANGEOVER_S):
            continue
        order = state.orders[queue.pop(0)]
        order.running = True
        order.machine_id = machine.id
        order.last_report = state.at
        machine.order_id = order.id
        events.append(OrderStarted(order.id, machine.id, state.at))
        _set_status(machine, MachineStatus.RUNNING, state.at, "order_started", order.number, events)


def _resumes(state: PlantState, events: list[Event]) -> None:
    for order_id in sorted(state.orders):
        order = state.orders[order_id]
        if order.stalled_until is None or order.stalled_until > state.at:
            continue
        order.stalled_until = None
        events.append(OrderResumed(order.id, order.machine_id, state.at))
        machine = state.machines.get(order.machine_id or "")
        if machine is not None and machine.status is MachineStatus.IDLE and machine.order_id:
            _set_status(
                machine, MachineStatus.RUNNING, state.at, "material", "material arrived", events
            )


# -- faults -----------------------------------------------------------------------------------


def _running_machines(state: PlantState, *exclude: str | None) -> list[MachineSim]:
    return [
        state.machines[m]
        for m in sorted(state.machines)
        if state.machines[m].status is MachineStatus.RUNNING and m not in exclude
    ]


def _work_ahead_s(state: PlantState, machine: MachineSim) -> float:
    order = _running_order(state, machine)
    rate = good_rate(machine)
    return order.remaining / rate if order is not None and rate > 0 else 0.0


def _faults(state: PlantState, plan: FaultPlan, rng: random.Random, events: list[Event]) -> None:
    f = state.faults
    elapsed = state.elapsed_s
    if plan.has(FaultKind.DRIFT) and f.drift_machine_id is None and elapsed >= plan.drift_start_s:
        candidates = _running_machines(state, f.breakdown_machine_id)
        if candidates:
            # one of the machines with the longest work ahead, so the trend shows under load
            candidates.sort(key=lambda m: -_work_ahead_s(state, m))
            machine = rng.choice(candidates[:3])
            f.drift_machine_id = machine.id
            f.drift_started = state.at
            f.applied.append(f"drift: {machine.id} from {state.at:%Y-%m-%d %H:%M}")
    if f.drift_machine_id is not None and not f.drift_failed and f.drift_started is not None:
        machine = state.machines[f.drift_machine_id]
        progress = (state.at - f.drift_started).total_seconds() / plan.drift_ramp_s
        machine.drift = clamp(progress, 0.0, 1.0)
    if (
        plan.has(FaultKind.BREAKDOWN)
        and f.breakdown_machine_id is None
        and elapsed >= plan.breakdown_at_s
    ):
        candidates = _running_machines(state, f.drift_machine_id)
        if candidates:
            machine = rng.choice(candidates)
            f.breakdown_machine_id = machine.id
            _break(machine, state.at, plan, "hydraulic_failure", "hydraulic failure", events)
            f.applied.append(f"breakdown: {machine.id} at {state.at:%Y-%m-%d %H:%M}")
    if plan.has(FaultKind.LATE) and f.late_order_id is None and elapsed >= plan.late_at_s:
        _hold_an_order(state, events)


def _break(
    machine: MachineSim,
    at: datetime,
    plan: FaultPlan,
    code: str,
    reason: str,
    events: list[Event],
) -> None:
    machine.down_until = at + timedelta(seconds=plan.repair_s)
    _set_status(machine, MachineStatus.BREAKDOWN, at, code, reason, events)


def _drift_failure(state: PlantState, plan: FaultPlan, events: list[Event]) -> None:
    f = state.faults
    if f.drift_machine_id is None or f.drift_failed:
        return
    machine = state.machines[f.drift_machine_id]
    if machine.drift < 1.0:
        return
    f.drift_failed = True
    machine.drift = 0.0  # it stops: the heat goes, the repair replaces the bearing
    reason = "spindle bearing failure after rising temperature and vibration"
    _break(machine, state.at, plan, "bearing_failure", reason, events)
    f.applied.append(f"drift failure: {machine.id} at {state.at:%Y-%m-%d %H:%M}")


def _hold_an_order(state: PlantState, events: list[Event]) -> None:
    """Hold the running order with the least slack long enough to miss its due date."""
    best: tuple[float, str] | None = None
    for order_id in sorted(state.orders):
        order = state.orders[order_id]
        if order.done or order.late or not order.running:
            continue
        end = projected_end(state, order)
        if end is None:
            continue
        slack = (order.due_date - end).total_seconds()
        if best is None or slack < best[0]:
            best = (slack, order.id)
    if best is None:
        return
    slack, order_id = best
    order = state.orders[order_id]
    order.stalled_until = state.at + timedelta(seconds=max(slack, 0.0) + 3600.0)
    state.faults.late_order_id = order.id
    reason = "waiting for material: shortage at the line"
    events.append(OrderStalled(order.id, order.machine_id, state.at, order.stalled_until, reason))
    machine = state.machines.get(order.machine_id or "")
    if machine is not None and machine.status is MachineStatus.RUNNING:
        _set_status(machine, MachineStatus.IDLE, state.at, "material", reason, events)
    state.faults.applied.append(f"late order: {order.number} held at {state.at:%Y-%m-%d %H:%M}")


def _late_orders(state: PlantState, events: list[Event]) -> None:
    for order_id in sorted(state.orders):
        order = state.orders[order_id]
        if order.late or order.done:
            continue
        late, end = is_late(state, order)
        if late:
            order.late = True
            events.append(OrderLate(order.id, state.at, order.due_date, end))


# -- attendance -------------------------------------------------------------------------------


def _attendance(state: PlantState, rng: random.Random, events: list[Event]) -> None:
    at = state.at
    for slot in state.roster:
        if slot.finished or slot.start > at:
            continue
        if slot.clock_in is None and slot.arrives_at is None and not slot.absent:
            _decide(slot, rng, events)
        if slot.clock_in is None and slot.arrives_at is not None and slot.arrives_at <= at:
            slot.clock_in = slot.arrives_at
        if slot.clock_in is not None and not slot.recorded:
            slot.recorded = True
            events.append(
                ClockedIn(
                    slot.assignment_id,
                    slot.operator_id,
                    slot.day,
                    slot.shift_id,
                    slot.clock_in,
                    slot.late_minutes,
                )
            )
        if slot.clock_in is not None and slot.end <= at:
            slot.finished = True
            worked = (slot.end - slot.clock_in).total_seconds() / 3600 - slot.break_minutes / 60
            events.append(
                ClockedOut(
                    slot.assignment_id,
                    slot.operator_id,
                    slot.day,
                    slot.shift_id,
                    slot.end,
                    round(max(worked, 0.0), 2),
                    slot.late_minutes,
                )
            )


def _decide(slot: RosterSlot, rng: random.Random, events: list[Event]) -> None:
    """Whether the operator comes, and when (on time is up to eight minutes early)."""
    if rng.random() < ABSENCE_RATE:
        slot.absent = True
        slot.finished = True
        reason = _ABSENCE_REASONS.pick(rng)
        events.append(Absent(slot.assignment_id, slot.operator_id, slot.day, slot.shift_id, reason))
        return
    if rng.random() < LATE_ARRIVAL_RATE:
        slot.late_minutes = rng.randint(6, 25)
        slot.arrives_at = slot.start + timedelta(minutes=slot.late_minutes)
    else:
        slot.arrives_at = slot.start - timedelta(seconds=rng.uniform(0, 8 * 60))
