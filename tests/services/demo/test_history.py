from __future__ import annotations

import itertools
import statistics
from collections import Counter
from datetime import timedelta
from types import GeneratorType

import pytest

from domain.model.alerts import AlertType
from domain.model.people import ShiftAssignmentStatus
from domain.model.plant import MachineMetric, MachineStatus
from domain.model.vision import ActivityState
from domain.model.work import WorkOrderStatus
from services.demo.generator import (
    DemoPlant,
    PlantSize,
    alerts,
    attendance_history,
    demand_history,
    generate_plant,
    machine_metrics,
    production_logs,
    time_logs,
)
from tests.services.demo.conftest import NOW

SMALL = PlantSize(
    operators=20, machines=8, lines=2, open_work_orders=30, history_days=4, time_logs=1_500
)


@pytest.fixture(scope="module")
def metrics(plant: DemoPlant) -> list[MachineMetric]:
    return list(machine_metrics(plant))


def test_history_is_deterministic_for_plant_seed_and_now() -> None:
    a = generate_plant(SMALL, seed=5, now=NOW, zone_presets=())
    b = generate_plant(SMALL, seed=5, now=NOW, zone_presets=())
    for history in (machine_metrics, demand_history, attendance_history, production_logs,
                    time_logs, alerts):  # fmt: skip
        first, second = list(history(a, 5, NOW)), list(history(b, 5, NOW))
        assert first
        assert first == second, history.__name__
    assert list(machine_metrics(a, 6, NOW)) != list(machine_metrics(a, 5, NOW))
    assert list(time_logs(a, 6, NOW)) != list(time_logs(a, 5, NOW))
    assert list(demand_history(a, 6, NOW)) != list(demand_history(a, 5, NOW))


def test_history_is_lazy(plant: DemoPlant) -> None:
    for history in (machine_metrics, demand_history, attendance_history, production_logs,
                    time_logs):  # fmt: skip
        assert isinstance(history(plant), GeneratorType)
    first = list(itertools.islice(time_logs(plant), 3))
    assert len(first) == 3


def test_history_defaults_to_the_plant_now(plant: DemoPlant) -> None:
    assert list(itertools.islice(machine_metrics(plant), 50)) == list(
        itertools.islice(machine_metrics(plant, 7, NOW), 50)
    )


def test_machine_metrics(plant: DemoPlant, metrics: list[MachineMetric]) -> None:
    rows = metrics
    assert len(rows) == len(plant.machines) * 96 * 30
    times = [r.at for r in rows]
    assert times == sorted(times)
    assert times[0] == NOW - timedelta(days=30) + timedelta(minutes=15)
    assert times[-1] == NOW
    assert all(r.at.utcoffset() == timedelta(0) for r in rows[:: len(plant.machines)])
    for r in rows:
        assert r.utilisation is not None
        assert 0 <= r.utilisation <= 1
        assert r.temperature_c is not None
        assert 10 < r.temperature_c < 90
        assert r.vibration is not None
        assert r.vibration >= 0
        assert r.units_produced is not None
        assert r.quality_fail is not None
        assert r.quality_pass == r.units_produced - r.quality_fail >= 0
        assert r.downtime_s is not None
        assert 0 <= r.downtime_s <= 900
    busy = statistics.mean(r.utilisation or 0 for r in rows)
    assert 0.4 < busy < 0.85


def test_one_machine_drifts_towards_failure(plant: DemoPlant, metrics: list[MachineMetric]) -> None:
    by_machine: dict[str, list[tuple[float, float, float]]] = {}
    for r in metrics:
        age = (NOW - r.at).total_seconds() / 86400
        by_machine.setdefault(r.machine_id, []).append(
            (age, r.temperature_c or 0.0, r.vibration or 0.0)
        )

    def rise(machine_id: str) -> tuple[float, float]:
        rows = by_machine[machine_id]
        old = [(t, v) for age, t, v in rows if 10 <= age <= 25]
        new = [(t, v) for age, t, v in rows if age <= 0.5]
        return (
            statistics.mean(t for t, _ in new) - statistics.mean(t for t, _ in old),
            statistics.mean(v for _, v in new) / statistics.mean(v for _, v in old),
        )

    temperature, vibration = rise(plant.drifting_machine_id)
    assert temperature > 8
    assert vibration > 2
    healthy = [m.id for m in plant.machines if m.status is MachineStatus.RUNNING]
    for machine_id in healthy:
        if machine_id != plant.drifting_machine_id:
            assert rise(machine_id)[0] < 5, machine_id


def test_broken_machine_stops_when_it_breaks(
    plant: DemoPlant, metrics: list[MachineMetric]
) -> None:
    (broken,) = [m for m in plant.machines if m.status is MachineStatus.BREAKDOWN]
    assert broken.status_updated_at is not None
    rows = [r for r in metrics if r.machine_id == broken.id]
    after = [r for r in rows if r.at >= broken.status_updated_at]
    before = [r for r in rows if r.at < broken.status_updated_at - timedelta(hours=6)]
    assert after
    assert all(r.utilisation == 0 and r.downtime_s == 900 for r in after)
    assert statistics.mean(r.utilisation or 0 for r in before) > 0.3


def test_demand_history_covers_a_year_with_weekly_seasons(plant: DemoPlant) -> None:
    rows = list(demand_history(plant))
    tops = {p.id for p in plant.products if p.product_type.value == "product"}
    days = sorted({r.day for r in rows})
    assert len(days) >= 365
    assert days[-1] == NOW.date() - timedelta(days=1)
    assert {r.product_id for r in rows} == tops
    assert len(rows) == len(days) * len(tops)
    assert [r.day for r in rows] == sorted(r.day for r in rows)
    assert all(r.quantity >= 0 for r in rows)
    weekday = statistics.mean(r.quantity for r in rows if r.day.weekday() < 5)
    sunday = statistics.mean(r.quantity for r in rows if r.day.weekday() == 6)
    assert weekday > 2.5 * sunday
    product = sorted(tops)[0]
    series = [r.quantity for r in rows if r.product_id == product and r.day.weekday() == 2]
    assert len(set(series)) > 10  # noisy, not a flat line


def test_attendance_follows_the_roster(plant: DemoPlant) -> None:
    rows = list(attendance_history(plant))
    first, today = NOW.date() - timedelta(days=30), NOW.date()
    assert rows
    assert all(first <= r.day < today for r in rows)
    assert [r.day for r in rows] == sorted(r.day for r in rows)
    roster = {(a.operator_id, a.day): a for a in plant.shift_assignments}
    for r in rows:
        a = roster[(r.operator_id, r.day)]
        assert r.shift_id == a.shift_id
        assert r.present == (a.status is ShiftAssignmentStatus.COMPLETED)
        if r.present:
            assert 6.0 < r.hours_worked < 8.0
            assert r.absence_reason is None
        else:
            assert r.hours_worked == 0
            assert r.absence_reason in {"sick", "vacation", "personal", "unexcused"}
    reasons = Counter(r.absence_reason for r in rows if not r.present)
    assert reasons["sick"] > 0
    assert reasons["vacation"] > 0
    absent = sum(not r.present for r in rows) / len(rows)
    assert 0.01 < absent < 0.15
    assert any(r.late_minutes > 5 for r in rows)


def test_production_logs(plant: DemoPlant) -> None:
    rows = list(production_logs(plant))
    assert [r.at for r in rows] == sorted(r.at for r in rows)
    assert all(r.at <= NOW for r in rows)
    orders = {w.id: w for w in plant.work_orders}
    machines = {m.id for m in plant.machines}
    operators = {o.id for o in plant.operators}
    made: dict[str, float] = {}
    for r in rows:
        assert r.work_order_id in orders
        assert r.machine_id is None or r.machine_id in machines
        assert r.operator_id is None or r.operator_id in operators
        if r.event_type == "milestone":
            made[r.work_order_id] = made.get(r.work_order_id, 0.0) + (r.quantity or 0.0)
    kinds = Counter(r.event_type for r in rows)
    assert {"started", "milestone", "completed", "paused", "resumed", "issue"} <= set(kinds)
    for w in plant.work_orders:
        if w.status in (WorkOrderStatus.COMPLETED, WorkOrderStatus.IN_PROGRESS):
            assert made.get(w.id, 0.0) == pytest.approx(w.quantity_produced), w.id
    completed = [w.id for w in plant.work_orders if w.status is WorkOrderStatus.COMPLETED]
    assert kinds["completed"] == len(completed)


def test_time_logs_count_order_and_places(plant: DemoPlant) -> None:
    rows = list(time_logs(plant))
    assert len(rows) == plant.size.time_logs
    assert [r.at for r in rows] == sorted(r.at for r in rows)
    zones = {z.id for z in plant.zones}
    operators = {o.id for o in plant.operators}
    schedules = {s.day: s for s in plant.day_schedules}
    segments = {day: s.working_segments() for day, s in schedules.items()}
    assert {r.at.date() for r in rows} == {NOW.date() - timedelta(days=d) for d in range(1, 31)}
    for r in rows:
        assert r.camera_id == "CAM-01"
        assert r.zone_id in zones
        assert r.operator_id is None or r.operator_id in operators
        assert 1 <= (r.index_number or 0) <= 11
        assert any(a <= r.at < b for a, b in segments[r.at.date()]), r.at  # not in a break
        assert r.active_seconds >= 0
        assert r.idle_seconds >= 0
        assert r.active_seconds + r.idle_seconds > 0
        assert r.motion_score is not None
        assert 0 <= r.motion_score <= 1
    for r in rows[:500]:
        assert schedules[r.at.date()].index_at(r.at) == r.index_number
    states = Counter(r.state for r in rows)
    active_share = states[ActivityState.ACTIVE] / len(rows)
    assert 0.55 < active_share < 0.92
    assert len({r.zone_id for r in rows}) == len(zones)
    assert len({r.track_id for r in rows}) > 30


@pytest.mark.parametrize("count", [0, 1, 7, 12_345])
def test_time_logs_yield_exactly_the_requested_rows(count: int) -> None:
    size = PlantSize(operators=20, machines=6, lines=2, open_work_orders=10, time_logs=count)
    plant = generate_plant(size, now=NOW, zone_presets=())
    assert sum(1 for _ in time_logs(plant)) == count


def test_alerts_give_the_inbox_something_open(plant: DemoPlant) -> None:
    found = alerts(plant)
    assert 4 <= len(found) <= 12
    assert all(a.is_open for a in found)
    assert all(a.raised_at <= NOW for a in found)
    assert len({a.dedup_key for a in found}) == len(found)
    kinds = {a.alert_type for a in found}
    assert {AlertType.MACHINE_BREAKDOWN, AlertType.MACHINE_ANOMALY, AlertType.LATE_WORK_ORDER,
            AlertType.CERTIFICATION_EXPIRING, AlertType.MATERIAL_LOW} <= kinds  # fmt: skip
    machines = {m.id for m in plant.machines}
    orders = {w.id for w in plant.work_orders}
    operators = {o.id for o in plant.operators}
    for a in found:
        assert a.machine_id is None or a.machine_id in machines
        assert a.work_order_id is None or a.work_order_id in orders
        assert a.operator_id is None or a.operator_id in operators
    anomaly = next(a for a in found if a.alert_type is AlertType.MACHINE_ANOMALY)
    assert anomaly.machine_id == plant.drifting_machine_id
