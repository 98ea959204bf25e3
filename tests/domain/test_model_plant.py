"""Work centres, substitutions, calendars, setup times, machines and OEE."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from domain.errors import ValidationError
from domain.model.plant import (
    CalendarKind,
    CalendarWindow,
    Machine,
    MachineStatus,
    Oee,
    SetupTime,
    WorkCentre,
    WorkCentreSubstitution,
)

T8 = datetime(2025, 3, 3, 8)
T10 = datetime(2025, 3, 3, 10)
T12 = datetime(2025, 3, 3, 12)


def machine(**kw: object) -> Machine:
    base: dict[str, object] = {
        "id": "m1",
        "name": "Press 1",
        "machine_type": "press",
        "line_id": "L1",
    }
    base.update(kw)
    return Machine(**base)  # type: ignore[arg-type]


# -- substitutions --------------------------------------------------------------------------


def test_substitution_keeps_its_factors() -> None:
    sub = WorkCentreSubstitution("wc1", "wc2", time_factor=1.25, cost_factor=1.1, priority=2)
    assert (sub.time_factor, sub.cost_factor, sub.priority) == (1.25, 1.1, 2)


def test_work_centre_cannot_substitute_for_itself() -> None:
    with pytest.raises(ValidationError, match="cannot substitute for itself"):
        WorkCentreSubstitution("wc1", "wc1")


@pytest.mark.parametrize(("time_factor", "cost_factor"), [(0, 1), (1, 0), (-1, 1), (1, -0.5)])
def test_substitution_factors_must_be_positive(time_factor: float, cost_factor: float) -> None:
    with pytest.raises(ValidationError, match="factors must be positive"):
        WorkCentreSubstitution("wc1", "wc2", time_factor=time_factor, cost_factor=cost_factor)


# -- calendar windows -----------------------------------------------------------------------


@pytest.mark.parametrize("end", [T8, datetime(2025, 3, 3, 7)])
def test_calendar_window_must_end_after_it_starts(end: datetime) -> None:
    with pytest.raises(ValidationError, match="must end after it starts"):
        CalendarWindow("wc1", T8, end)


def test_calendar_window_overlap_is_half_open() -> None:
    w = CalendarWindow("wc1", T8, T10, CalendarKind.HOLIDAY)
    assert w.overlaps(datetime(2025, 3, 3, 9), T12)
    assert w.overlaps(datetime(2025, 3, 3, 7), datetime(2025, 3, 3, 8, 1))
    assert w.overlaps(datetime(2025, 3, 3, 8, 30), datetime(2025, 3, 3, 9))  # inside
    assert w.overlaps(datetime(2025, 3, 3, 7), T12)  # covers it
    assert not w.overlaps(T10, T12)  # starts when the window ends
    assert not w.overlaps(datetime(2025, 3, 3, 6), T8)  # ends when the window starts


# -- setup times and work centres -----------------------------------------------------------


def test_setup_time_cannot_be_negative() -> None:
    assert SetupTime("wc1", "A", "B", 0).minutes == 0
    with pytest.raises(ValidationError, match=r"setup minutes cannot be negative, got -5"):
        SetupTime("wc1", "A", "B", -5)


def test_work_centre_invariants() -> None:
    WorkCentre("wc1", "p1", "L1", "Welding", capacity_per_hour=0, parallel_capacity=2)
    with pytest.raises(ValidationError, match="work centre name cannot be empty"):
        WorkCentre("wc1", "p1", "L1", " ")
    with pytest.raises(ValidationError, match="at least one operation at a time"):
        WorkCentre("wc1", "p1", "L1", "Welding", parallel_capacity=0)
    with pytest.raises(ValidationError, match="capacity per hour cannot be negative"):
        WorkCentre("wc1", "p1", "L1", "Welding", capacity_per_hour=-1)


# -- machines -------------------------------------------------------------------------------


def test_machine_invariants() -> None:
    machine(oee=0, uptime_percentage=100)
    with pytest.raises(ValidationError, match="machine name cannot be empty"):
        machine(name="")
    with pytest.raises(ValidationError, match=r"OEE must be between 0 and 100, got 101"):
        machine(oee=101)
    with pytest.raises(ValidationError, match=r"uptime must be between 0 and 100, got -1"):
        machine(uptime_percentage=-1)


@pytest.mark.parametrize(
    ("status", "can"),
    [
        (MachineStatus.RUNNING, True),
        (MachineStatus.IDLE, True),
        (MachineStatus.MAINTENANCE, False),
        (MachineStatus.BREAKDOWN, False),
        (MachineStatus.OFFLINE, False),
    ],
)
def test_only_running_or_idle_machines_take_work(status: MachineStatus, can: bool) -> None:
    assert status.can_take_work is can


def test_maintenance_overdue_only_after_the_due_day() -> None:
    m = machine(next_maintenance_date=date(2025, 3, 10))
    assert not m.maintenance_overdue(date(2025, 3, 9))
    assert not m.maintenance_overdue(date(2025, 3, 10))  # due today is not overdue yet
    assert m.maintenance_overdue(date(2025, 3, 11))


def test_maintenance_not_overdue_while_in_maintenance_or_unplanned() -> None:
    m = machine(next_maintenance_date=date(2025, 3, 10), status=MachineStatus.MAINTENANCE)
    assert not m.maintenance_overdue(date(2025, 4, 1))
    assert not machine().maintenance_overdue(date(2025, 4, 1))


def test_set_status_returns_the_previous_one_and_stamps_the_time() -> None:
    m = machine()
    assert m.set_status(MachineStatus.BREAKDOWN, T10) is MachineStatus.IDLE
    assert m.status is MachineStatus.BREAKDOWN
    assert m.status_updated_at == T10


# -- OEE ------------------------------------------------------------------------------------


def test_oee_textbook_example() -> None:
    # 8 h planned, 1 h down -> 7 h run; 700 units at 30 s ideal = 21,000 s of 25,200 s run;
    # 665 of 700 good.
    oee = Oee.compute(
        planned_s=28_800, downtime_s=3_600, ideal_cycle_s=30, units=700, good_units=665
    )
    assert oee.availability == pytest.approx(0.875)
    assert oee.performance == pytest.approx(21_000 / 25_200)
    assert oee.quality == pytest.approx(0.95)
    assert oee.value == pytest.approx(0.875 * (5 / 6) * 0.95)  # 0.6927...


def test_oee_performance_is_capped_at_one() -> None:
    # 1,000 units at 30 s = 30,000 s of work in 28,800 s: the ideal cycle is optimistic
    oee = Oee.compute(28_800, 0, 30, 1_000, 1_000)
    assert oee.performance == 1.0
    assert oee.value == pytest.approx(1.0)


def test_oee_degenerate_inputs_give_zero_not_an_error() -> None:
    assert Oee.compute(0, 0, 30, 10, 10) == Oee(0.0, 0.0, 0.0)
    down_all_day = Oee.compute(3_600, 5_000, 30, 0, 0)
    assert down_all_day == Oee(0.0, 0.0, 0.0)
    nothing_made = Oee.compute(3_600, 0, 30, 0, 0)
    assert (nothing_made.availability, nothing_made.performance, nothing_made.quality) == (
        1.0,
        0.0,
        0.0,
    )


def test_oee_refuses_more_good_units_than_units() -> None:
    with pytest.raises(ValidationError, match=r"good units \(11\) cannot exceed units \(10\)"):
        Oee.compute(3_600, 0, 30, 10, 11)


@pytest.mark.parametrize(
    ("args", "name"),
    [
        ((-1, 0, 30, 10, 10), "planned time"),
        ((3_600, -1, 30, 10, 10), "downtime"),
        ((3_600, 0, -30, 10, 10), "ideal cycle time"),
        ((3_600, 0, 30, -10, 0), "units"),
        ((3_600, 0, 30, 10, -1), "good units"),
    ],
)
def test_oee_refuses_negative_inputs(args: tuple[float, float, float, int, int], name: str) -> None:
    with pytest.raises(ValidationError, match=rf"^{name} cannot be negative"):
        Oee.compute(*args)
