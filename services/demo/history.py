"""The history of the demo plant, streamed: machine metrics, demand, attendance, production logs.

Each iterator is deterministic for (plant, seed, now), yields domain objects in time order, and
keeps little in memory. ``now`` defaults to the moment the plant describes (``plant.now``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from domain.errors import ValidationError
from domain.model.analytics import DemandPoint
from domain.model.people import Attendance, ShiftAssignmentStatus
from domain.model.plant import CalendarKind, Machine, MachineMetric, MachineStatus
from domain.model.products import ProductType
from domain.model.work import Operation, OperationStatus, ProductionLog, WorkOrderStatus
from services.demo.catalogue import MACHINE_TYPES_BY_CODE
from services.demo.plant import DemoPlant
from services.demo.rand import clamp, stream

DEMAND_DAYS = 365  # at least a year, so forecasting can learn the seasons
DRIFT_DAYS = 5.0  # the failing machine starts drifting this long before ``now``
_WEEKDAY = (1.08, 1.12, 1.1, 1.04, 0.96, 0.42, 0.18)  # Monday .. Sunday


def resolve_now(plant: DemoPlant, now: datetime | None) -> datetime:
    if now is None:
        return plant.now
    if now.tzinfo is None:
        raise ValidationError("now must carry a time zone (UTC)", field="now")
    return now.astimezone(UTC)


# --- machine metrics -------------------------------------------------------------------------


class _MachineSignal:
    """One machine's sensors: utilisation by shift, heat and vibration that follow the load,
    stops, and for the failing machine a slow rise of temperature and vibration."""

    def __init__(self, plant: DemoPlant, machine: Machine, seed: int, now: datetime) -> None:
        self.machine = machine
        self.kind = MACHINE_TYPES_BY_CODE[machine.machine_type]
        self.rng = rng = stream(seed, "metrics", machine.id)
        self.base = rng.uniform(0.58, 0.9)
        self.scrap = rng.uniform(0.005, 0.03)
        self.now = now
        self.drifting = machine.id == plant.drifting_machine_id
        self.down: list[tuple[datetime, datetime, bool]] = []  # (from, to, counts as downtime)
        for w in plant.calendar_windows:
            if w.work_centre_id == machine.work_centre_id and w.start <= now:
                self.down.append((w.start, w.end, w.kind is not CalendarKind.OFF_SHIFT))
        if machine.status is MachineStatus.IDLE and machine.status_updated_at is not None:
            self.down.append((machine.status_updated_at, now + timedelta(days=1), False))

    def sample(self, at: datetime, step_s: float, shift: float, ambient: float) -> MachineMetric:
        rng, kind = self.rng, self.kind
        downtime = 0.0
        stopped = False
        for start, end, counts in self.down:
            if start <= at < end:
                stopped = True
                downtime = step_s if counts else 0.0
        if not stopped and rng.random() < 0.03:
            downtime = rng.uniform(60.0, step_s)
        load = 0.0 if stopped else clamp(self.base * shift * (1 + rng.gauss(0, 0.08)), 0, 1)
        load *= 1.0 - downtime / step_s
        ramp = 0.0
        if self.drifting:
            ramp = clamp(1.0 - (self.now - at).total_seconds() / (DRIFT_DAYS * 86400), 0, 1) ** 2
        temperature = (
            ambient + (kind.temperature_c - 21.0) * (0.35 + 0.65 * load) + rng.gauss(0, 0.6)
        ) + 16.0 * ramp
        vibration = (
            kind.vibration * (0.3 + 0.7 * load) * (1 + rng.gauss(0, 0.07)) * (1 + 2.2 * ramp)
        )
        power = kind.power_kw * (0.12 + 0.88 * load) * step_s / 3600 * (1 + rng.gauss(0, 0.03))
        cycle = kind.cycle_s * rng.uniform(0.96, 1.08) * (1 + 0.08 * ramp)
        units = int(load * step_s / cycle)
        fails = min(units, int(units * (self.scrap + 0.04 * ramp) + rng.random()))
        return MachineMetric(
            machine_id=self.machine.id,
            at=at,
            utilisation=_rounded(load, 1000.0),
            cycle_time_s=_rounded(cycle, 100.0) if units else None,
            temperature_c=_rounded(temperature, 100.0),
            vibration=_rounded(vibration, 1000.0),
            power_kwh=_rounded(power, 1000.0),
            units_produced=units,
            quality_pass=units - fails,
            quality_fail=fails,
            downtime_s=int(downtime + 0.5),
        )


def _rounded(value: float, scale: float) -> float:
    """``value`` (never below 0) rounded to 1/scale: quicker than round() in the per-row loop."""
    return int(value * scale + 0.5) / scale if value > 0 else 0.0


def _hour_of_day(at: datetime) -> tuple[float, float]:
    """The plant's load factor (by shift, lower in breaks) and the hall temperature."""
    hour = at.hour + at.minute / 60.0
    shift = 1.0 if 6 <= hour < 14 else 0.93 if 14 <= hour < 22 else 0.8
    into_shift = (hour - 6.0) % 8.0  # breaks 3:00 and 5:30 hours into each shift
    if 3.0 <= into_shift < 3.25 or 5.5 <= into_shift < 6.0:
        shift *= 0.55
    return shift, 21.0 + 2.5 * math.sin(2 * math.pi * (hour - 9) / 24)


def machine_metrics(
    plant: DemoPlant, seed: int = 7, now: datetime | None = None, step_minutes: int = 15
) -> Iterator[MachineMetric]:
    """A sample per machine every ``step_minutes`` over the last ``size.history_days`` days."""
    if step_minutes < 1:
        raise ValidationError("the metric step must be at least one minute", field="step_minutes")
    now = resolve_now(plant, now)
    step_s = step_minutes * 60
    end = datetime.fromtimestamp(int(now.timestamp()) // step_s * step_s, UTC)
    at = end - timedelta(days=plant.size.history_days)
    signals = [_MachineSignal(plant, m, seed, now) for m in plant.machines]
    step = timedelta(seconds=step_s)
    while at < end:
        at += step
        shift, ambient = _hour_of_day(at)
        for signal in signals:
            yield signal.sample(at, float(step_s), shift, ambient)


# --- demand ----------------------------------------------------------------------------------


def demand_history(
    plant: DemoPlant, seed: int = 7, now: datetime | None = None
) -> Iterator[DemandPoint]:
    """Daily demand per product for the last year (or longer history): a level that follows
    the plant's recent output, a trend, weekly and yearly seasons, holidays, noise and spikes."""
    now = resolve_now(plant, now)
    days = max(DEMAND_DAYS, plant.size.history_days)
    today = now.date()
    tops = [p.id for p in plant.products if p.product_type is ProductType.PRODUCT]
    made: dict[str, float] = {}
    for wo in plant.work_orders:
        if wo.status is WorkOrderStatus.COMPLETED:
            made[wo.product_id] = made.get(wo.product_id, 0.0) + wo.quantity_ordered
    params = []
    for pid in tops:
        rng = stream(seed, "demand", pid)
        level = made.get(pid, 0.0) / plant.size.history_days or rng.uniform(10.0, 40.0)
        growth = rng.uniform(-0.1, 0.35)  # over the year
        params.append((pid, rng, level, growth, rng.uniform(0.04, 0.15), rng.uniform(0, 365)))
    for back in range(days, 0, -1):
        day = today - timedelta(days=back)
        age = back / 365.0
        holiday = 0.1 if (day.month, day.day) in ((12, 25), (12, 26), (1, 1)) else 1.0
        for pid, rng, level, growth, season, phase in params:
            mean = (
                level
                * (1 - growth * age)
                * _WEEKDAY[day.weekday()]
                * (1 + season * math.sin(2 * math.pi * (day.toordinal() - phase) / 365.25))
                * holiday
            )
            value = mean * (1 + rng.gauss(0, 0.12))
            if rng.random() < 0.015:
                value *= rng.uniform(1.5, 2.2)
            yield DemandPoint(pid, day, float(max(0, round(value))))


# --- attendance ------------------------------------------------------------------------------


def attendance_history(
    plant: DemoPlant, seed: int = 7, now: datetime | None = None
) -> Iterator[Attendance]:
    """A row per rostered day of the past ``size.history_days`` days, read off the roster: the
    clock-in and clock-out times, lateness, and the reason of every absence. (The roster already
    fixes it all, so ``seed`` changes nothing here.)"""
    now = resolve_now(plant, now)
    today = now.date()
    first = today - timedelta(days=plant.size.history_days)
    shifts = {s.id: s for s in plant.shifts}
    for a in plant.shift_assignments:
        if not first <= a.day < today:
            continue
        shift = shifts[a.shift_id]
        if a.status is ShiftAssignmentStatus.ABSENT:
            reason = plant.absences.get((a.operator_id, a.day), "unexcused")
            yield Attendance(a.operator_id, a.day, a.shift_id, False, 0.0, reason)
        elif a.status is ShiftAssignmentStatus.COMPLETED and a.clock_in and a.clock_out:
            start, _ = shift.window_on(a.day, UTC)
            paused = sum(b.minutes for b in shift.breaks) * 60
            worked = ((a.clock_out - a.clock_in).total_seconds() - paused) / 3600
            late = max(0, int((a.clock_in - start).total_seconds() // 60))
            yield Attendance(a.operator_id, a.day, a.shift_id, True, round(worked, 2), None, late)


# --- production logs -------------------------------------------------------------------------

_PAUSE_REASONS = ("waiting for material", "tool change", "quality hold", "operator called away")
_ISSUES = (
    "scrap above target",
    "material shortage at the line",
    "tool wear: insert replaced",
    "minor stop: part jammed in the fixture",
    "drawing revision queried",
)

# what happened: (event type, quantity, operator, machine, notes, operation)
_Payload = tuple[str, float | None, str | None, str | None, str, str | None]


def production_logs(
    plant: DemoPlant, seed: int = 7, now: datetime | None = None
) -> Iterator[ProductionLog]:
    """Started, paused/resumed, issue, milestone and completed events of every order that ran
    in the history or runs now. Milestone quantities of an order add up to its produced
    quantity."""
    now = resolve_now(plant, now)
    ops: dict[str, list[Operation]] = {}
    for op in plant.operations:
        ops.setdefault(op.work_order_id, []).append(op)
    machine_of = {m.work_centre_id: m.id for m in plant.machines}
    skilled: dict[tuple[str, int], list[str]] = {}
    for o in plant.operators:
        for s in o.skills:
            for level in range(1, s.proficiency + 1):
                skilled.setdefault((s.skill_code, level), []).append(o.id)
    everyone = [o.id for o in plant.operators]
    events: list[tuple[datetime, int, int, _Payload]] = []
    for index, wo in enumerate(plant.work_orders):
        if wo.actual_start is None or wo.actual_start > now:
            continue
        rng = stream(seed, "production", wo.id)
        steps = [
            op
            for op in ops.get(wo.id, [])
            if op.status in (OperationStatus.DONE, OperationStatus.RUNNING, OperationStatus.PAUSED)
        ]
        if not steps:
            continue
        end = min(wo.actual_end or now, now)
        span = max((end - wo.actual_start).total_seconds(), 60.0)
        total = sum(op.duration_minutes for op in steps)
        at = wo.actual_start
        own: list[tuple[datetime, _Payload]] = []
        for i, op in enumerate(steps):
            length = timedelta(seconds=span * op.duration_minutes / total)
            who_pool = skilled.get((op.required_skill or "", op.min_proficiency)) or everyone
            who = rng.choice(who_pool)
            machine = machine_of.get(op.work_centre_id)
            own.append((at, ("started", None, who, machine, f"{op.name} started", op.id)))
            pause = op.status is OperationStatus.PAUSED
            if pause or (op.status is OperationStatus.DONE and rng.random() < 0.12):
                why = rng.choice(_PAUSE_REASONS)
                own.append((at + length * 0.3, ("paused", None, who, machine, why, op.id)))
                if not pause:
                    own.append((at + length * 0.4, ("resumed", None, who, machine, "", op.id)))
            if rng.random() < 0.06:
                issue = rng.choice(_ISSUES)
                own.append((at + length * 0.6, ("issue", None, who, machine, issue, op.id)))
            if i == len(steps) - 1 and wo.quantity_produced > 0:
                chunks = rng.randint(1, 4)
                left = wo.quantity_produced
                for c in range(chunks):
                    qty = left if c == chunks - 1 else math.floor(wo.quantity_produced / chunks)
                    left -= qty
                    when = at + length * ((c + 1) / (chunks + 1))
                    note = "good parts reported"
                    own.append((when, ("milestone", float(qty), who, machine, note, op.id)))
            elif op.status is OperationStatus.DONE:
                done = f"{op.name} done"
                own.append((at + length * 0.98, ("note", None, who, machine, done, op.id)))
            at += length
        if wo.status is WorkOrderStatus.COMPLETED and wo.actual_end is not None:
            total_note = f"{wo.quantity_produced:g} {wo.unit_of_measure} produced"
            own.append((wo.actual_end, ("completed", None, None, None, total_note, None)))
        for k, (t, payload) in enumerate(own):
            events.append((t.replace(microsecond=0), index, k, payload))
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    for t, index, _, (kind, amount, operator_id, machine_id, notes, op_id) in events:
        yield ProductionLog(
            work_order_id=plant.work_orders[index].id,
            at=t,
            event_type=kind,
            quantity=amount,
            operator_id=operator_id,
            machine_id=machine_id,
            notes=notes or None,
            logged_by="shopfloor",
            extra={"operation_id": op_id} if op_id else {},
        )
