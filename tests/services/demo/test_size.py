from __future__ import annotations

import pytest

from domain.errors import ValidationError
from services.demo.generator import PlantSize


def test_default_size_is_the_plant_of_the_foundation_issue() -> None:
    size = PlantSize()
    assert (size.operators, size.machines, size.lines) == (60, 24, 3)
    assert (size.open_work_orders, size.history_days, size.time_logs) == (200, 30, 20_000)


def test_scaled_multiplies_counts_and_grows_lines_with_the_square_root() -> None:
    size = PlantSize.scaled(4)
    assert (size.operators, size.machines, size.open_work_orders) == (240, 96, 800)
    assert size.time_logs == 80_000
    assert size.lines == 6  # 3 * sqrt(4)
    assert size.history_days == 30
    assert PlantSize.scaled(1) == PlantSize()


def test_scaled_down_keeps_a_working_plant() -> None:
    size = PlantSize.scaled(0.01)
    assert size.machines >= 2
    assert size.operators >= 1
    assert 1 <= size.lines <= size.machines


def test_large_is_the_benchmark_plant() -> None:
    size = PlantSize.large()
    assert (size.operators, size.machines, size.open_work_orders) == (1_000, 300, 20_000)
    assert size.time_logs == 1_000_000


@pytest.mark.parametrize("factor", [0, -1, float("nan"), float("inf")])
def test_scaled_refuses_a_non_positive_factor(factor: float) -> None:
    with pytest.raises(ValidationError, match="scale"):
        PlantSize.scaled(factor)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"machines": 1}, "machines"),
        ({"operators": 0}, "operators"),
        ({"lines": 0}, "lines"),
        ({"lines": 5, "machines": 4}, "lines"),
        ({"history_days": 0}, "history_days"),
        ({"time_logs": -1}, "time_logs"),
    ],
)
def test_impossible_sizes_are_refused_with_the_field(kwargs: dict[str, int], field: str) -> None:
    with pytest.raises(ValidationError) as err:
        PlantSize(**kwargs)
    assert err.value.details["field"] == field
