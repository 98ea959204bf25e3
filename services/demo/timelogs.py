"""The demo camera's time logs: who was in which zone, active or idle, over the past work days.

Exactly ``size.time_logs`` rows, spread evenly over the past ``size.history_days`` work days
(seed 003's 08:00-17:00 with two breaks): at every tick, each visible track logs one interval.
With more rows per day the ticks get shorter (about 4.6 minutes at the default 20,000 rows, a
few seconds at 1,000,000), so the totals per zone and index stay comparable.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from domain.model.people import ShiftAssignmentStatus
from domain.model.vision import ActivityState, DaySchedule, TimeLog
from services.demo.floor import camera_line
from services.demo.history import resolve_now
from services.demo.plant import DemoPlant
from services.demo.rand import split_counts, stream

_ACTIVE, _IDLE = ActivityState.ACTIVE, ActivityState.IDLE
_TO_ACTIVE = 0.3  # chance per tick that an idle worker picks up work again


class _Track:
    """A person the tracker follows: a new track id each time they walk into another zone."""

    __slots__ = ("active", "operator_id", "stay", "track_id", "zone_id")

    def __init__(self, track_id: int, zone_id: str, operator_id: str | None, stay: float) -> None:
        self.track_id = track_id
        self.zone_id = zone_id
        self.operator_id = operator_id
        self.active = True
        self.stay = stay  # chance per tick to stay active


def _schedules(plant: DemoPlant, today: date) -> list[DaySchedule]:
    known = {s.day: s for s in plant.day_schedules}
    template = plant.day_schedules[-1]
    out = []
    for back in range(plant.size.history_days, 0, -1):
        day = today - timedelta(days=back)
        out.append(
            known.get(day)
            or DaySchedule(
                day,
                template.work_start,
                template.work_end,
                template.breaks,
                template.indices,
                tz=UTC,
            )
        )
    return out


def _crews(plant: DemoPlant) -> dict[date, list[str]]:
    """Who worked the early shift on each day, the camera's line first."""
    line = camera_line(plant.machines)
    line_of = {o.id: o.line_id for o in plant.operators}
    crews: dict[date, list[str]] = {}
    for a in plant.shift_assignments:
        if a.shift_id == "A" and a.status is ShiftAssignmentStatus.COMPLETED:
            crews.setdefault(a.day, []).append(a.operator_id)
    for ops in crews.values():
        ops.sort(key=lambda op: (line_of.get(op) != line, op))
    return crews


def time_logs(plant: DemoPlant, seed: int = 7, now: datetime | None = None) -> Iterator[TimeLog]:
    """Exactly ``plant.size.time_logs`` rows of camera time logs, in time order."""
    now = resolve_now(plant, now)
    total = plant.size.time_logs
    camera = plant.cameras[0].id
    zones = [z.id for z in plant.zones if z.camera_id == camera and z.active]
    if total <= 0 or not zones:
        return
    schedules = _schedules(plant, now.date())
    crews = _crews(plant)
    make, active_state, idle_state = TimeLog, _ACTIVE, _IDLE  # the loop below runs per row
    next_track = 1
    for schedule, rows in zip(schedules, split_counts(total, [1.0] * len(schedules)), strict=True):
        if rows == 0:
            continue
        rng = stream(seed, "time-logs", schedule.day.isoformat())
        rnd = rng.random
        segments = schedule.working_segments()
        work_s = sum((b - a).total_seconds() for a, b in segments)
        share = work_s / schedule.indices
        width = min(rows, rng.randint(len(zones) + 1, 2 * len(zones) + 1))
        ticks = math.ceil(rows / width)
        interval = work_s / ticks
        crew = crews.get(schedule.day, [])
        tracks: list[_Track] = []
        for k in range(width):
            productivity = rng.uniform(0.62, 0.9)  # the share of time active, in the long run
            stay = 1.0 - _TO_ACTIVE * (1 - productivity) / productivity
            operator = crew[k] if k < len(crew) else None
            tracks.append(_Track(next_track, zones[k % len(zones)], operator, stay))
            next_track += 1
        move = min(0.3, interval / 1800.0)  # chance per tick to walk to another zone
        tenths = interval * 10.0  # seconds are logged to a tenth: int(x + 0.5) beats round()
        interval_tenths = int(tenths + 0.5)
        left = rows
        seg, seg_clock = 0, 0.0
        for t in range(ticks):
            clock = t * interval
            while (
                seg < len(segments) - 1
                and clock >= seg_clock + (segments[seg][1] - segments[seg][0]).total_seconds()
            ):
                seg_clock += (segments[seg][1] - segments[seg][0]).total_seconds()
                seg += 1
            at = segments[seg][0] + timedelta(seconds=round(clock - seg_clock))
            index = min(schedule.indices, int(clock // share) + 1)
            for track in tracks[: min(width, left)]:
                if rnd() < move:
                    track.track_id = next_track
                    next_track += 1
                    track.zone_id = zones[int(rnd() * len(zones))]
                active = rnd() < (track.stay if track.active else _TO_ACTIVE)
                track.active = active
                r = rnd()
                if active:
                    busy = int(tenths * (0.75 + 0.25 * r) + 0.5)
                    state, motion = active_state, int(350.5 + 650.0 * r) / 1000.0
                else:
                    busy = int(tenths * 0.25 * r + 0.5)
                    state, motion = idle_state, int(0.5 + 150.0 * r) / 1000.0
                yield make(
                    camera,
                    track.track_id,
                    at,
                    state,
                    track.zone_id,
                    track.operator_id,
                    busy / 10.0,
                    (interval_tenths - busy) / 10.0,
                    index,
                    motion,
                )
            left -= min(width, left)
