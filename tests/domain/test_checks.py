"""The small invariant helpers entity constructors use."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain._checks import (
    require_aware,
    require_non_negative,
    require_order,
    require_range,
    require_text,
)
from domain.errors import ValidationError


@pytest.mark.parametrize("value", [None, 0, 50.5, 100])
def test_require_range_accepts_bounds_and_none(value: float | None) -> None:
    require_range("OEE", value, 0, 100)


@pytest.mark.parametrize("value", [-0.01, 100.5])
def test_require_range_refuses_outside(value: float) -> None:
    with pytest.raises(ValidationError, match=r"^OEE must be between 0 and 100, got ") as e:
        require_range("OEE", value, 0, 100)
    assert e.value.details == {"field": "OEE", "value": value}


def test_require_non_negative() -> None:
    require_non_negative("stock", 0)
    require_non_negative("stock", None)
    with pytest.raises(ValidationError, match=r"^stock cannot be negative, got -2$"):
        require_non_negative("stock", -2)


@pytest.mark.parametrize("value", ["", "   ", "\t\n"])
def test_require_text_refuses_blank(value: str) -> None:
    with pytest.raises(ValidationError, match=r"^zone name cannot be empty$"):
        require_text("zone name", value)


def test_require_text_accepts_words() -> None:
    require_text("zone name", " Press 1 ")


def test_require_order_allows_equal_and_open_ends() -> None:
    t = datetime(2025, 3, 3, 8)
    require_order("window", t, t)
    require_order("window", None, t)
    require_order("window", t, None)


def test_require_order_refuses_end_before_start_and_shows_both() -> None:
    with pytest.raises(
        ValidationError,
        match=r"^window: the end \(2025-03-03 07:59\) is before the start \(2025-03-03 08:00\)$",
    ):
        require_order("window", datetime(2025, 3, 3, 8), datetime(2025, 3, 3, 7, 59))


def test_require_aware() -> None:
    require_aware("at", datetime(2025, 3, 3, tzinfo=UTC))
    require_aware("at", None)
    with pytest.raises(ValidationError, match=r"^at must carry a time zone$"):
        require_aware("at", datetime(2025, 3, 3))
