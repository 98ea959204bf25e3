"""Active or idle: motion inside each person's box by frame differencing.

The frame is shrunk to at most ``work_width`` pixels wide, turned grey and slightly blurred
(GIF dithering and sensor noise), and compared with the previous analysed frame; the motion
score of a box is the share of its pixels that changed by more than ``pixel_threshold``. The
score is smoothed per track (exponential, ``smoothing``) and the state switches with
hysteresis: active above ``active_above``, idle below ``idle_below``, unchanged in between.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from domain.model.vision import ActivityState


@dataclass(frozen=True, slots=True)
class MotionSettings:
    pixel_threshold: int = 20
    smoothing: float = 0.5  # weight of the newest score
    active_above: float = 0.06
    idle_below: float = 0.03
    work_width: int = 320
    forget_after_s: float = 10.0

    def __post_init__(self) -> None:
        if not 0 < self.smoothing <= 1:
            raise ValueError("smoothing must lie in (0, 1]")
        if self.idle_below > self.active_above:
            raise ValueError("the idle threshold must not exceed the active threshold")


@dataclass(slots=True)
class _TrackMotion:
    score: float
    state: ActivityState
    idle_since: float | None
    seen: float


class MotionMeter:
    """Motion score and active/idle state per track, one call per analysed frame."""

    def __init__(self, settings: MotionSettings | None = None) -> None:
        self.settings = settings or MotionSettings()
        self._prev: np.ndarray | None = None
        self._tracks: dict[int, _TrackMotion] = {}

    def reset(self) -> None:
        self._prev = None
        self._tracks.clear()

    def _grey(self, frame: np.ndarray) -> tuple[np.ndarray, float]:
        h, w = frame.shape[:2]
        scale = min(1.0, self.settings.work_width / max(w, 1))
        small = frame
        if scale < 1.0:
            small = cv2.resize(
                frame, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA
            )
        grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY) if small.ndim == 3 else small
        return cv2.GaussianBlur(grey, (3, 3), 0), scale

    def update(
        self, frame: np.ndarray, boxes: dict[int, tuple[float, float, float, float]], t: float
    ) -> dict[int, tuple[float, ActivityState]]:
        """Score and state of each track in ``boxes`` (pixel xyxy of the full frame)."""
        grey, scale = self._grey(frame)
        prev = self._prev
        if prev is not None and prev.shape != grey.shape:
            prev = None  # resolution changed: start again
        self._prev = grey
        out: dict[int, tuple[float, ActivityState]] = {}
        if prev is None:
            for tid in boxes:
                tm = self._tracks.get(tid)
                out[tid] = (tm.score, tm.state) if tm else (0.0, ActivityState.UNKNOWN)
            return out
        s = self.settings
        changed = (cv2.absdiff(grey, prev) > s.pixel_threshold).astype(np.uint8)
        integral = cv2.integral(changed)
        gh, gw = grey.shape[:2]
        for tid, (x1, y1, x2, y2) in boxes.items():
            a = int(np.clip(np.floor(x1 * scale), 0, gw))
            b = int(np.clip(np.floor(y1 * scale), 0, gh))
            c = int(np.clip(np.ceil(x2 * scale), 0, gw))
            d = int(np.clip(np.ceil(y2 * scale), 0, gh))
            area = (c - a) * (d - b)
            raw = 0.0
            if area > 0:
                total = integral[d, c] - integral[b, c] - integral[d, a] + integral[b, a]
                raw = float(total) / area
            out[tid] = self._smooth(tid, raw, t)
        for tid in [k for k, v in self._tracks.items() if t - v.seen > s.forget_after_s]:
            del self._tracks[tid]
        return out

    def _smooth(self, tid: int, raw: float, t: float) -> tuple[float, ActivityState]:
        s = self.settings
        tm = self._tracks.get(tid)
        if tm is None:
            state = ActivityState.ACTIVE if raw >= s.active_above else ActivityState.IDLE
            tm = self._tracks[tid] = _TrackMotion(
                raw, state, t if state is ActivityState.IDLE else None, t
            )
            return tm.score, tm.state
        tm.score = s.smoothing * raw + (1.0 - s.smoothing) * tm.score
        tm.seen = t
        if tm.state is not ActivityState.ACTIVE and tm.score >= s.active_above:
            tm.state, tm.idle_since = ActivityState.ACTIVE, None
        elif tm.state is not ActivityState.IDLE and tm.score <= s.idle_below:
            tm.state, tm.idle_since = ActivityState.IDLE, t
        return tm.score, tm.state

    def idle_since(self) -> dict[int, float]:
        """Idle tracks and the time they became idle."""
        return {tid: tm.idle_since for tid, tm in self._tracks.items() if tm.idle_since is not None}
