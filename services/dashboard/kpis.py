"""Pure KPI computations on plain numbers: no database, no clock.

OEE = availability x performance x quality (``domain.model.plant.Oee``):

- availability = run time / planned time, run time = planned time - downtime;
- performance = ideal cycle time x units / run time (at most 1);
- quality = good units / units.

A line's OEE adds its machines' times and counts first (``OeeTotals.__add__``), so a machine
that was planned longer weighs more; it is not the mean of the machines' OEE values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from domain.model.plant import Oee


@dataclass(frozen=True, slots=True)
class OeeTotals:
    """What OEE is computed from, summed over samples (and machines, for a line)."""

    planned_s: float = 0.0
    downtime_s: float = 0.0
    ideal_s: float = 0.0  # ideal cycle time x units: the time the output needs at rated speed
    units: int = 0
    good_units: int = 0

    def __add__(self, other: OeeTotals) -> OeeTotals:
        return OeeTotals(
            self.planned_s + other.planned_s,
            self.downtime_s + other.downtime_s,
            self.ideal_s + other.ideal_s,
            self.units + other.units,
            self.good_units + other.good_units,
        )

    @property
    def run_s(self) -> float:
        return max(self.planned_s - self.downtime_s, 0.0)

    def oee(self) -> Oee | None:
        """The OEE factors, or None when nothing was planned (no figure rather than 0 %)."""
        if self.planned_s <= 0:
            return None
        run = self.run_s
        availability = run / self.planned_s
        performance = min(self.ideal_s / run, 1.0) if run > 0 else 0.0
        quality = self.good_units / self.units if self.units > 0 else 0.0
        return Oee(availability, performance, quality)


@dataclass(frozen=True, slots=True)
class MetricSample:
    """The counters of one machine-metric sample that OEE needs."""

    planned_s: float  # the sample's share of planned production time (0 when off shift)
    downtime_s: float
    units: int
    good_units: int


def oee_totals(samples: Iterable[MetricSample], ideal_cycle_s: float) -> OeeTotals:
    """Sum a machine's samples. Downtime never exceeds a sample's planned time."""
    if ideal_cycle_s < 0:
        raise ValueError("the ideal cycle time cannot be negative")
    planned = down = 0.0
    units = good = 0
    for s in samples:
        if s.planned_s <= 0:
            continue
        planned += s.planned_s
        down += min(max(s.downtime_s, 0.0), s.planned_s)
        units += max(s.units, 0)
        good += min(max(s.good_units, 0), max(s.units, 0))
    return OeeTotals(planned, down, ideal_cycle_s * units, units, good)


def ideal_cycle_s(capacity_per_hour: float | None, observed_cycles: Iterable[float]) -> float:
    """The rated cycle time: 3600 / rated capacity, else the fastest cycle observed, else 0."""
    if capacity_per_hour is not None and capacity_per_hour > 0:
        return 3600.0 / capacity_per_hour
    seen = [c for c in observed_cycles if c > 0]
    return min(seen) if seen else 0.0


def ratio(part: float, whole: float) -> float | None:
    """part / whole, or None when the whole is empty (shown as "no data", not as 0 %)."""
    return part / whole if whole > 0 else None


@dataclass(frozen=True, slots=True)
class PlannedOrder:
    quantity: float
    planned_start: datetime
    planned_end: datetime


def planned_quantity(orders: Iterable[PlannedOrder], start: datetime, end: datetime) -> float:
    """How much the plan meant to make in [start, end): each order's quantity spread evenly over
    its planned span, the share that overlaps the window counted."""
    total = 0.0
    for o in orders:
        span = (o.planned_end - o.planned_start).total_seconds()
        if span <= 0:
            if start <= o.planned_end < end:
                total += o.quantity
            continue
        lo, hi = max(o.planned_start, start), min(o.planned_end, end)
        overlap = (hi - lo).total_seconds()
        if overlap > 0:
            total += o.quantity * overlap / span
    return total


def output_vs_plan(produced: float, planned: float) -> float | None:
    """Output as a fraction of plan (1.0 = on plan), None without a plan."""
    return ratio(produced, planned)


@dataclass(frozen=True, slots=True)
class Completion:
    actual_end: datetime
    due: datetime


def on_time_rate(completions: Iterable[Completion]) -> float | None:
    """The share of completed orders that finished by their due date."""
    done = list(completions)
    return ratio(sum(1 for c in done if c.actual_end <= c.due), len(done))


def active_ratio(active_s: float, idle_s: float) -> float | None:
    """Active share of observed time (the cameras' active / (active + idle))."""
    return ratio(max(active_s, 0.0), max(active_s, 0.0) + max(idle_s, 0.0))


def attendance_rate(present: int, rostered: int) -> float | None:
    """Present / rostered operator-days."""
    return ratio(present, rostered)
