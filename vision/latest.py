"""A one-slot holder: the newest value wins, readers pull it when they are ready.

The GUI's camera wall pulls the newest frame and overlay at display rate (pymmcore-widgets'
pattern) instead of receiving every frame; the capture thread keeps only the newest frame for
the analysis thread the same way. Every ``set`` bumps a sequence number, so a reader can tell
a new value from one it has already seen, and values overwritten before anybody took them are
counted as dropped.
"""

from __future__ import annotations

import threading
import time
from typing import Generic, TypeVar

T = TypeVar("T")


class LatestValue(Generic[T]):
    """Thread-safe single slot with a sequence number (0: nothing set yet)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._value: T | None = None
        self._seq = 0
        self._taken = 0  # highest sequence number handed out by take()
        self._dropped = 0
        self._closed = False

    def set(self, value: T) -> int:
        """Store ``value`` (replacing the old one) and return its sequence number."""
        with self._cond:
            if self._seq > self._taken and self._seq > 0:
                self._dropped += 1  # the previous value was never taken
            self._seq += 1
            self._value = value
            self._cond.notify_all()
            return self._seq

    def get(self) -> tuple[int, T | None]:
        """The newest value and its sequence number, without waiting (peek)."""
        with self._cond:
            return self._seq, self._value

    def wait_newer(self, seen: int, timeout: float | None = None) -> tuple[int, T | None]:
        """Wait until the sequence number passes ``seen`` (or timeout/close); then peek."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self._seq <= seen and not self._closed:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    break
                self._cond.wait(remaining)
            return self._seq, self._value

    def take(self, timeout: float | None = None) -> tuple[int, T] | None:
        """Wait for a value nobody has taken yet and take it; None on timeout or close."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self._seq <= self._taken and not self._closed:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return None
                self._cond.wait(remaining)
            if self._seq <= self._taken or self._value is None:
                return None
            self._taken = self._seq
            return self._seq, self._value

    def close(self) -> None:
        """Wake every waiter; later waits return at once."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    @property
    def closed(self) -> bool:
        with self._cond:
            return self._closed

    @property
    def seq(self) -> int:
        with self._cond:
            return self._seq

    @property
    def dropped(self) -> int:
        """Values replaced before anybody took them."""
        with self._cond:
            return self._dropped
