"""Column types of the CSV import: each turns text into a value or says what is wrong with it."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

Parser = Callable[[str], Any]


class BadValue(ValueError):
    """A value that does not fit its column's type; the message says what was expected."""


def text(max_length: int) -> Parser:
    def parse(v: str) -> str:
        if len(v) > max_length:
            raise BadValue(f"is {len(v)} characters long, at most {max_length} fit")
        return v

    return parse


def integer(low: int | None = None, high: int | None = None) -> Parser:
    def parse(v: str) -> int:
        try:
            f = float(v)
        except ValueError:
            raise BadValue(f"{v!r} is not a whole number") from None
        if not f.is_integer():
            raise BadValue(f"{v!r} is not a whole number")
        i = int(f)
        _range(i, low, high)
        return i

    return parse


def number(low: float | None = None, high: float | None = None) -> Parser:
    def parse(v: str) -> float:
        try:
            f = float(v)
        except ValueError:
            hint = " (use a point for decimals)" if "," in v else ""
            raise BadValue(f"{v!r} is not a number{hint}") from None
        if f != f or f in (float("inf"), float("-inf")):
            raise BadValue(f"{v!r} is not a number")
        _range(f, low, high)
        return f

    return parse


def positive(v: str) -> float:
    f: float = number()(v)
    if f <= 0:
        raise BadValue(f"{f:g} must be more than 0")
    return f


def _range(value: float, low: float | None, high: float | None) -> None:
    if low is not None and value < low:
        raise BadValue(f"{value:g} is below the minimum {low:g}")
    if high is not None and value > high:
        raise BadValue(f"{value:g} is above the maximum {high:g}")


_TRUE = {"true", "yes", "y", "1", "x"}
_FALSE = {"false", "no", "n", "0"}


def boolean(v: str) -> bool:
    low = v.lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise BadValue(f"{v!r} is not yes/no (use true or false)")


def day(v: str) -> date:
    try:
        return date.fromisoformat(v)
    except ValueError:
        raise BadValue(f"{v!r} is not a date: use YYYY-MM-DD, e.g. 2026-11-16") from None


def moment(v: str) -> datetime:
    """ISO 8601; a date alone is midnight, a time without a zone is UTC."""
    try:
        at = datetime.fromisoformat(v)
    except ValueError:
        raise BadValue(
            f"{v!r} is not a date and time: use ISO 8601, e.g. 2026-11-16T14:00 or 2026-11-16"
        ) from None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def choice(kind: type[enum.Enum]) -> Parser:
    allowed = [str(e.value) for e in kind]

    def parse(v: str) -> Any:
        low = v.strip().lower().replace(" ", "_")
        for e in kind:
            if str(e.value).lower() == low:
                return e
        raise BadValue(f"{v!r} is not one of {', '.join(allowed)}")

    return parse


def codes(v: str) -> tuple[str, ...]:
    """A list in one cell, separated by semicolons or vertical bars."""
    parts = [p.strip() for p in v.replace("|", ";").split(";")]
    return tuple(p for p in parts if p)


@dataclass(frozen=True, slots=True)
class Field:
    """One column of an import: its name, type, whether it must be given, what it refers to."""

    name: str
    parse: Parser
    required: bool = False
    ref: str | None = None  # the kind of existing row it names (line, product, operator, ...)
    unique: bool = False  # a new value: not twice in the file, not in the database yet
