"""Scoring detections against labelled anomaly windows, as NAB counts them.

A detection is a point whose score reaches the threshold after the probationary period (the
first ``min(floor(0.15 n), 750)`` points, where NAB counts nothing). A labelled window is hit
when at least one detection falls inside it (the first one is the one that counts; how early it
came is reported). Detections outside every window are false positives; detections less than
``event_gap`` apart form one false-positive *event* (one alarm a person would see). With a gap
of 12 samples (one hour) this reproduces the published detectors' counts given in the data
set's MANIFEST.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

EVENT_GAP = 12


def probation_length(n: int) -> int:
    """NAB's probationary period: 15 % of the points, at most 750."""
    return min(int(0.15 * n), 750)


@dataclass(frozen=True, slots=True)
class WindowHit:
    start: datetime
    end: datetime
    first_detection: datetime | None

    @property
    def hit(self) -> bool:
        return self.first_detection is not None

    @property
    def lead_fraction(self) -> float | None:
        """How early in the window the first detection came (1.0 at the start, 0.0 at the end)."""
        if self.first_detection is None:
            return None
        span = (self.end - self.start).total_seconds()
        return 1.0 - (self.first_detection - self.start).total_seconds() / span if span else 1.0


@dataclass(frozen=True, slots=True)
class WindowScore:
    windows: tuple[WindowHit, ...]
    detections: int
    false_positive_points: int
    false_positive_events: int

    @property
    def windows_hit(self) -> int:
        return sum(w.hit for w in self.windows)


def group_events(indices: Sequence[int], gap: int = EVENT_GAP) -> list[tuple[int, int]]:
    """Runs of sorted point indices, a new run when the next one is ``gap`` or more after."""
    runs: list[tuple[int, int]] = []
    for i in indices:
        if runs and i - runs[-1][1] < gap:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def score_windows(
    times: Sequence[datetime],
    detected: Sequence[bool],
    windows: Sequence[tuple[datetime, datetime]],
    probation: int | None = None,
    gap: int = EVENT_GAP,
) -> WindowScore:
    """Windows hit and false positives of a detector's decisions ``detected[i]`` at ``times[i]``."""
    if len(times) != len(detected):
        raise ValueError("one decision per timestamp")
    skip = probation_length(len(times)) if probation is None else probation
    firsts: list[datetime | None] = [None] * len(windows)
    outside: list[int] = []
    count = 0
    for i in range(skip, len(times)):
        if not detected[i]:
            continue
        count += 1
        at = times[i]
        inside = [k for k, (a, b) in enumerate(windows) if a <= at <= b]
        for k in inside:
            if firsts[k] is None:
                firsts[k] = at
        if not inside:
            outside.append(i)
    hits = tuple(WindowHit(a, b, firsts[k]) for k, (a, b) in enumerate(windows))
    return WindowScore(hits, count, len(outside), len(group_events(outside, gap)))
