"""What a tile draws over the picture, worked out from an observation (no Qt here).

A zone is filled by its state: ``ok``, ``empty`` (or understaffed), ``overflow``, or
``idle`` when somebody counted in it has been idle for longer than the zone's threshold.
Each zone shows its live count and the longest dwell of the visits going on in it.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from domain.model.vision import ActivityState, Zone
from vision.types import FrameObservation


class ZoneState(enum.StrEnum):
    OK = "ok"
    EMPTY = "empty"
    UNDERSTAFFED = "understaffed"
    OVERFLOW = "overflow"
    IDLE = "idle"  # idle alert: a worker idle past the zone's threshold
    UNKNOWN = "unknown"  # no observation yet


_STAFFING = {"ok", "empty", "understaffed", "overflow"}


@dataclass(frozen=True, slots=True)
class ZoneStatus:
    zone_id: str
    name: str
    state: ZoneState
    count: int
    longest_dwell_s: float | None  # of the visits going on now

    @property
    def label(self) -> str:
        dwell = "" if self.longest_dwell_s is None else f" · {format_dwell(self.longest_dwell_s)}"
        return f"{self.name}: {self.count}{dwell}"


def format_dwell(seconds: float) -> str:
    s = max(0, int(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60}:{s % 60:02d}"
    return f"{s // 3600} h {s % 3600 // 60:02d}"


class IdleClock:
    """Since when each track has been idle without a break (seconds on the stream clock)."""

    def __init__(self) -> None:
        self._since: dict[int, float] = {}
        self._last_t: float | None = None

    def update(self, obs: FrameObservation) -> dict[int, float]:
        if self._last_t is not None and obs.t < self._last_t:
            self._since.clear()  # the stream restarted (a looping file, a new analysis)
        self._last_t = obs.t
        seen: dict[int, float] = {}
        for p in obs.persons:
            if p.state is ActivityState.IDLE:
                seen[p.track_id] = self._since.get(p.track_id, obs.t)
        self._since = seen
        return dict(seen)


def zone_statuses(
    obs: FrameObservation | None,
    zones: Sequence[Zone],
    idle_since: dict[int, float] | None = None,
) -> list[ZoneStatus]:
    """The state, count and longest dwell of each active zone (UNKNOWN without an observation)."""
    active = [z for z in zones if z.active]
    if obs is None:
        return [ZoneStatus(z.id, z.name, ZoneState.UNKNOWN, 0, None) for z in active]
    counts = {c.zone_id: c for c in obs.counts}
    dwell: dict[str, float] = {}
    for v in obs.open_visits:
        dwell[v.zone_id] = max(dwell.get(v.zone_id, 0.0), obs.t - v.entered_s)
    idle = idle_since or {}
    out: list[ZoneStatus] = []
    for z in active:
        c = counts.get(z.id)
        count = c.count if c is not None else 0
        staffing = c.staffing if c is not None else z.staffing(count)
        members = [p for p in obs.persons if z.id in p.counted_in]
        idle_too_long = any(
            p.track_id in idle and obs.t - idle[p.track_id] >= z.idle_threshold_s for p in members
        )
        if idle_too_long:
            state = ZoneState.IDLE
        elif staffing in _STAFFING:
            state = ZoneState(staffing)
        else:
            state = ZoneState.OK
        out.append(ZoneStatus(z.id, z.name, state, count, dwell.get(z.id)))
    return out
