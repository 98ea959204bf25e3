"""The utilisation heatmap's hour buckets, on hand-made samples (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.dashboard.dtos import Window
from services.dashboard.production import MachineInfo, Sample, heatmap, sample_step_s

T = datetime(2026, 11, 16, 9, 30, tzinfo=UTC)
M1 = MachineInfo("M1", "Press 1", "L1", "WC1", 600)
M2 = MachineInfo("M2", "Press 2", "L1", "WC2", 600)


def _s(machine: str, minutes: float, utilisation: float | None) -> Sample:
    return Sample(machine, T + timedelta(minutes=minutes), utilisation, 6.0, 0.0, 10, 10)


def test_hours_from_the_window_start_partial_hours_included() -> None:
    heat = heatmap(
        Window(T, T + timedelta(hours=2)),
        [M1, M2],
        [_s("M1", 0, 0.5), _s("M1", 15, 0.7), _s("M1", 45, 0.2), _s("M2", 100, None)],
    )
    # 09:00 (half an hour of it), 10:00, 11:00 (the first half hour of it)
    assert heat.hours == (
        datetime(2026, 11, 16, 9, tzinfo=UTC),
        datetime(2026, 11, 16, 10, tzinfo=UTC),
        datetime(2026, 11, 16, 11, tzinfo=UTC),
    )
    assert heat.machines == (("M1", "Press 1"), ("M2", "Press 2"))
    assert heat.values[0][0] == pytest.approx(0.6)  # 09:30 and 09:45
    assert heat.values[0][1] == pytest.approx(0.2)  # 10:15
    assert heat.values[0][2] is None
    assert heat.values[1] == (None, None, None)  # a sample without utilisation is no data


def test_whole_hours_make_whole_columns() -> None:
    start = T.replace(minute=0)
    heat = heatmap(Window(start, start + timedelta(hours=24)), [M1], [])
    assert len(heat.hours) == 24
    assert heat.values == ((None,) * 24,)


def test_sample_step_is_the_median_gap_within_a_machine() -> None:
    rows = [_s("M1", 0, 1), _s("M1", 15, 1), _s("M1", 30, 1), _s("M1", 90, 1), _s("M2", 91, 1)]
    assert sample_step_s(rows) == 900.0  # gaps 15, 15, 60 minutes; M1 -> M2 is no gap
    assert sample_step_s(rows[:1]) == 0.0
