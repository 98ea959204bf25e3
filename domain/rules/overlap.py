"""Time windows of bookings and whether they overlap, in pure Python.

A booking holds a resource over the half-open window ``[start, end)``; an ``end`` of ``None``
holds it until the allocation is released. This is the friendly first check: PostgreSQL's
exclusion constraints (``tstzrange(start, end, '[)') &&``) have the final say.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Booking:
    """An allocation that holds an operator and/or a machine (status active or paused)."""

    allocation_id: int
    work_order_id: str
    work_order_number: str
    start: datetime
    end: datetime | None = None
    operator_id: str | None = None
    operator_name: str | None = None
    machine_id: str | None = None
    machine_name: str | None = None
    status: str = "active"

    def holds(self, *, operator_id: str | None = None, machine_id: str | None = None) -> bool:
        return (operator_id is not None and self.operator_id == operator_id) or (
            machine_id is not None and self.machine_id == machine_id
        )

    def running_at(self, at: datetime) -> bool:
        return self.start <= at and (self.end is None or at < self.end)


def windows_overlap(
    a_start: datetime, a_end: datetime | None, b_start: datetime, b_end: datetime | None
) -> bool:
    """Half-open windows ``[start, end)`` overlap; ``None`` is an open end."""
    a_before_b_ends = b_end is None or a_start < b_end
    b_before_a_ends = a_end is None or b_start < a_end
    return a_before_b_ends and b_before_a_ends


def overlapping(
    bookings: Iterable[Booking],
    start: datetime,
    end: datetime | None,
    *,
    operator_id: str | None = None,
    machine_id: str | None = None,
    ignore: Collection[int] = (),
) -> list[Booking]:
    """Bookings of the operator or the machine whose window overlaps ``[start, end)``."""
    return [
        b
        for b in bookings
        if b.allocation_id not in ignore
        and b.holds(operator_id=operator_id, machine_id=machine_id)
        and windows_overlap(start, end, b.start, b.end)
    ]


def double_bookings(bookings: Iterable[Booking]) -> list[tuple[Booking, Booking]]:
    """Every pair of bookings that hold the same operator or machine at the same time
    (what must never exist; used by the checks of the benchmark and the tests)."""
    by_resource: dict[tuple[str, str], list[Booking]] = {}
    for b in bookings:
        if b.operator_id:
            by_resource.setdefault(("operator", b.operator_id), []).append(b)
        if b.machine_id:
            by_resource.setdefault(("machine", b.machine_id), []).append(b)
    out: list[tuple[Booking, Booking]] = []
    for items in by_resource.values():
        items.sort(key=lambda b: b.start)
        for i, a in enumerate(items):
            for b in items[i + 1 :]:
                if a.end is not None and b.start >= a.end:
                    continue
                if windows_overlap(a.start, a.end, b.start, b.end):
                    out.append((a, b))
    return out
