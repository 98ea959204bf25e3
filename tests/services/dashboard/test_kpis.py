"""The dashboard's KPIs on hand-computed cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.dashboard.kpis import (
    Completion,
    MetricSample,
    OeeTotals,
    PlannedOrder,
    active_ratio,
    attendance_rate,
    ideal_cycle_s,
    oee_totals,
    on_time_rate,
    output_vs_plan,
    planned_quantity,
)
from services.dashboard.production import duration_text

T0 = datetime(2026, 11, 16, 6, 0, tzinfo=UTC)


def test_oee_of_one_machine_by_hand() -> None:
    # 9 hourly samples, one of them a full stop: 9 h planned, 1 h down -> run 8 h = 28,800 s;
    # ideal 6 s x 4,000 units = 24,000 s; 3,920 good of 4,000
    samples = [MetricSample(3600.0, 0.0, 500, 490) for _ in range(8)]
    samples.insert(2, MetricSample(3600.0, 3600.0, 0, 0))
    tot = oee_totals(samples, 6.0)
    assert tot == OeeTotals(32_400.0, 3600.0, 6.0 * 4000, 4000, 3920)
    oee = tot.oee()
    assert oee is not None
    assert oee.availability == pytest.approx(28_800 / 32_400)
    assert oee.performance == pytest.approx(24_000 / 28_800)
    assert oee.quality == pytest.approx(3920 / 4000)
    assert oee.value == pytest.approx((28_800 / 32_400) * (24_000 / 28_800) * 0.98)


def test_oee_skips_unplanned_samples_and_caps_downtime_and_performance() -> None:
    samples = [
        MetricSample(0.0, 900.0, 100, 100),  # off shift: not planned, ignored
        MetricSample(900.0, 2000.0, 0, 0),  # downtime above the sample's span counts 900
        MetricSample(900.0, 0.0, 1000, 1200),  # good above units counts as units
    ]
    tot = oee_totals(samples, 6.0)
    assert tot.planned_s == 1800.0
    assert tot.downtime_s == 900.0
    assert tot.units == 1000
    assert tot.good_units == 1000
    oee = tot.oee()
    assert oee is not None
    assert oee.availability == pytest.approx(0.5)
    assert oee.performance == 1.0  # 6,000 s of ideal time in 900 s of run: capped
    assert oee.quality == 1.0


def test_line_oee_adds_times_not_percentages() -> None:
    a = OeeTotals(planned_s=3600, downtime_s=0, ideal_s=3600, units=100, good_units=100)
    b = OeeTotals(planned_s=10_800, downtime_s=3600, ideal_s=3600, units=100, good_units=50)
    line = (a + b).oee()
    assert line is not None
    # run 3,600 + 7,200 of 14,400 planned; ideal 7,200 of 10,800 run; 150 good of 200
    assert line.availability == pytest.approx(10_800 / 14_400)
    assert line.performance == pytest.approx(7_200 / 10_800)
    assert line.quality == pytest.approx(0.75)
    mean_of_machines = (a.oee().value + b.oee().value) / 2  # type: ignore[union-attr]
    assert line.value != pytest.approx(mean_of_machines)


def test_no_planned_time_is_no_figure() -> None:
    assert OeeTotals().oee() is None
    assert oee_totals([MetricSample(0.0, 0.0, 5, 5)], 3.0).oee() is None
    full_stop = oee_totals([MetricSample(600.0, 600.0, 0, 0)], 3.0).oee()
    assert full_stop is not None
    assert full_stop.value == 0.0


def test_ideal_cycle_from_capacity_else_fastest_cycle() -> None:
    assert ideal_cycle_s(600, [4.0]) == pytest.approx(6.0)
    assert ideal_cycle_s(None, [5.0, 4.2, 0.0, 7.0]) == pytest.approx(4.2)
    assert ideal_cycle_s(0, []) == 0.0
    with pytest.raises(ValueError):
        oee_totals([], -1.0)


def test_planned_quantity_spreads_orders_over_their_planned_span() -> None:
    start, end = T0, T0 + timedelta(hours=8)
    orders = [
        PlannedOrder(100, T0 - timedelta(hours=2), T0 + timedelta(hours=2)),  # half inside: 50
        PlannedOrder(30, T0 + timedelta(hours=1), T0 + timedelta(hours=4)),  # inside: 30
        PlannedOrder(80, T0 + timedelta(hours=6), T0 + timedelta(hours=10)),  # half: 40
        PlannedOrder(10, T0 + timedelta(hours=9), T0 + timedelta(hours=12)),  # outside: 0
        PlannedOrder(7, T0 + timedelta(hours=3), T0 + timedelta(hours=3)),  # zero span inside
    ]
    assert planned_quantity(orders, start, end) == pytest.approx(50 + 30 + 40 + 7)
    assert output_vs_plan(127, 127.0) == pytest.approx(1.0)
    assert output_vs_plan(63.5, 127.0) == pytest.approx(0.5)
    assert output_vs_plan(10, 0.0) is None


def test_on_time_rate() -> None:
    due = T0 + timedelta(hours=4)
    done = [
        Completion(due - timedelta(minutes=1), due),
        Completion(due, due),  # exactly on the due time counts as on time
        Completion(due + timedelta(minutes=1), due),
    ]
    assert on_time_rate(done) == pytest.approx(2 / 3)
    assert on_time_rate([]) is None


def test_active_ratio_and_attendance() -> None:
    assert active_ratio(3600, 1200) == pytest.approx(0.75)
    assert active_ratio(0, 0) is None
    assert active_ratio(-5, 10) == 0.0
    assert attendance_rate(45, 50) == pytest.approx(0.9)
    assert attendance_rate(0, 0) is None


def test_camera_time_under_an_hour_is_said_in_minutes() -> None:
    assert duration_text(0) == "0 min"
    assert duration_text(170) == "3 min"  # not "0.0 h" next to a ratio of 65 %
    assert duration_text(3599) == "60 min"
    assert duration_text(5400) == "1.5 h"
    assert duration_text(36_000_000) == "10,000.0 h"
