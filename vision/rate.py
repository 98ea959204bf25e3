"""Events per second over a sliding window (source fps, analysed fps)."""

from __future__ import annotations

from collections import deque


class RateMeter:
    def __init__(self, window_s: float = 5.0) -> None:
        self.window_s = window_s
        self._times: deque[float] = deque()

    def tick(self, now: float) -> None:
        self._times.append(now)
        while self._times and now - self._times[0] > self.window_s:
            self._times.popleft()

    def rate(self) -> float | None:
        """None until two events were seen; else (events - 1) / span of the window."""
        if len(self._times) < 2:
            return None
        span = self._times[-1] - self._times[0]
        return (len(self._times) - 1) / span if span > 0 else None
