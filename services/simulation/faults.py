"""The faults the simulator injects, and when (in simulated seconds after the start).

- ``drift``: a running machine drifts towards failure: its temperature and vibration trend up
  (and its cycle slows, its scrap rises) over ``drift_ramp_s``, then it breaks down.
- ``breakdown``: another running machine breaks down at ``breakdown_at_s``.
- ``late``: at ``late_at_s`` the running order with the least slack is held (a material
  shortage) long enough to miss its due date; it is reported late at once (projected end after
  the due date) and resumes when the material arrives.
A broken machine is repaired after ``repair_s`` and runs again.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from domain.errors import ValidationError


class FaultKind(enum.StrEnum):
    DRIFT = "drift"
    BREAKDOWN = "breakdown"
    LATE = "late"


ALL_FAULTS: frozenset[FaultKind] = frozenset(FaultKind)


def parse_faults(text: str) -> frozenset[FaultKind]:
    """``"drift,breakdown"`` -> the kinds; ``""`` or ``"none"`` -> none; unknown names refused."""
    names = [n.strip().lower() for n in text.split(",") if n.strip()]
    if names == ["none"]:
        return frozenset()
    if names == ["all"]:
        return ALL_FAULTS
    unknown = [n for n in names if n not in {k.value for k in FaultKind}]
    if unknown:
        known = ", ".join(k.value for k in FaultKind)
        raise ValidationError(
            f"unknown fault {', '.join(unknown)}: use a comma-separated list of {known} (or none)",
            field="faults",
        )
    return frozenset(FaultKind(n) for n in names)


@dataclass(frozen=True, slots=True)
class FaultPlan:
    kinds: frozenset[FaultKind] = ALL_FAULTS
    # an open-ended run: everything within half an hour, so a live demo shows it
    drift_start_s: float = 60.0
    drift_ramp_s: float = 20 * 60.0
    breakdown_at_s: float = 5 * 60.0
    late_at_s: float = 2 * 60.0
    repair_s: float = 10 * 60.0

    def __post_init__(self) -> None:
        if self.drift_ramp_s <= 0 or self.repair_s <= 0:
            raise ValidationError("the drift and the repair must take some time")

    def has(self, kind: FaultKind) -> bool:
        return kind in self.kinds

    @classmethod
    def over(cls, kinds: Iterable[FaultKind], span_s: float | None) -> FaultPlan:
        """Faults spread over a run of ``span_s`` simulated seconds (None: an open-ended run):
        the late order at 10 %, the breakdown at 30 %, the drift from 5 % failing at 65 %."""
        chosen = frozenset(kinds)
        if span_s is None or span_s <= 0:
            return cls(chosen)
        return cls(
            chosen,
            drift_start_s=0.05 * span_s,
            drift_ramp_s=max(0.6 * span_s, 1.0),
            breakdown_at_s=0.3 * span_s,
            late_at_s=0.1 * span_s,
            repair_s=max(min(45 * 60.0, 0.25 * span_s), 1.0),
        )
