"""Small helpers that entity constructors use to refuse bad values with clear messages."""

from __future__ import annotations

from datetime import datetime

from domain.errors import ValidationError


def require_range(name: str, value: float | None, low: float, high: float) -> None:
    if value is not None and not (low <= value <= high):
        raise ValidationError(
            f"{name} must be between {low:g} and {high:g}, got {value:g}",
            field=name,
            value=value,
        )


def require_non_negative(name: str, value: float | None) -> None:
    if value is not None and value < 0:
        raise ValidationError(f"{name} cannot be negative, got {value:g}", field=name, value=value)


def require_text(name: str, value: str) -> None:
    if not value or not value.strip():
        raise ValidationError(f"{name} cannot be empty", field=name)


def require_order(name: str, start: datetime | None, end: datetime | None) -> None:
    if start is not None and end is not None and end < start:
        raise ValidationError(
            f"{name}: the end ({end:%Y-%m-%d %H:%M}) is before the start ({start:%Y-%m-%d %H:%M})",
            field=name,
        )


def require_aware(name: str, value: datetime | None) -> None:
    if value is not None and value.tzinfo is None:
        raise ValidationError(f"{name} must carry a time zone", field=name)
