"""The in-process change feed of the embedded default: one seat, no server."""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from datetime import UTC, datetime

from domain.events import ChangeEvent
from services.messaging.feed import SeatInfo


class _LocalChannel:
    def __init__(self, hub: InProcessFeed) -> None:
        self._hub = hub
        self.queue: queue.Queue[ChangeEvent] = queue.Queue()

    def receive(self, timeout: float) -> list[ChangeEvent]:
        try:
            first = self.queue.get(timeout=timeout)
        except queue.Empty:
            return []
        out = [first]
        while True:
            try:
                out.append(self.queue.get_nowait())
            except queue.Empty:
                return out

    def reset(self) -> None:
        pass

    def close(self) -> None:
        self._hub._remove(self)


class InProcessFeed:
    name = "in-process"

    def __init__(self) -> None:
        self._channels: list[_LocalChannel] = []
        self._lock = threading.Lock()
        self._seats: dict[str, SeatInfo] = {}

    def publish(self, events: Sequence[ChangeEvent]) -> None:
        with self._lock:
            channels = list(self._channels)
        for ch in channels:
            for e in events:
                ch.queue.put(e)

    def open_channel(self) -> _LocalChannel:
        ch = _LocalChannel(self)
        with self._lock:
            self._channels.append(ch)
        return ch

    def _remove(self, ch: _LocalChannel) -> None:
        with self._lock:
            if ch in self._channels:
                self._channels.remove(ch)

    def announce(self, seat: str, user: str) -> None:
        now = datetime.now(UTC)
        prev = self._seats.get(seat)
        self._seats[seat] = SeatInfo(seat, user, prev.since if prev else now, now, self.name)

    def seats(self) -> list[SeatInfo]:
        return sorted(self._seats.values(), key=lambda s: s.seat)

    def close(self) -> None:
        with self._lock:
            self._channels.clear()
