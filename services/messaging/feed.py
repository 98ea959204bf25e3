"""One change-feed interface, two transports (in-process, Redis Streams), and the subscriber
that turns "a bell rang" into a gap-free, ordered stream of committed events.

The outbox table is the truth. A transport only delivers events fast; whenever the subscriber
sees a gap in sequence numbers, reconnects, or its periodic check finds newer rows, it reads the
missing events from the outbox. So a Redis restart, a laptop asleep or a lost message never loses
a change, it only delays it.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.engine import Engine

from domain.events import ChangeEvent
from services.messaging.outbox import events_after, latest_seq

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SeatInfo:
    seat: str
    user: str
    since: datetime
    last_seen: datetime
    feed: str


class Delivery(Protocol):
    """What a transport hands the subscriber: events (may be out of order or duplicated) or None
    when nothing arrived before the timeout."""

    def __call__(self, timeout: float) -> list[ChangeEvent] | None: ...


class ChangeFeed(Protocol):
    """Publishing side (used by the unit of work after commit) and the transport for subscribers."""

    name: str

    def publish(self, events: Sequence[ChangeEvent]) -> None: ...

    def open_channel(self) -> Channel: ...

    def announce(self, seat: str, user: str) -> None: ...

    def seats(self) -> list[SeatInfo]: ...

    def close(self) -> None: ...


class Channel(Protocol):
    """One subscriber's connection to the transport."""

    def receive(self, timeout: float) -> list[ChangeEvent]:
        """Events that arrived (possibly none). Raises ConnectionError when the link is down."""
        ...

    def reset(self) -> None:
        """Reconnect after a failure; later events are delivered from now on."""
        ...

    def close(self) -> None: ...


EventHandler = Callable[[list[ChangeEvent]], None]
StatusHandler = Callable[[str], None]


class ChangeSubscriber:
    """A background thread delivering every committed event exactly once, in sequence order.

    ``handler`` receives batches of consecutive events. ``on_status`` hears "connected",
    "reconnecting: <reason>" and "caught up <n>" (for the status bar).
    """

    def __init__(
        self,
        engine: Engine,
        feed: ChangeFeed,
        handler: EventHandler,
        *,
        start_after: int | None = None,
        poll_interval: float = 2.0,
        on_status: StatusHandler | None = None,
        name: str = "change-subscriber",
    ) -> None:
        self.engine = engine
        self.feed = feed
        self.handler = handler
        self.on_status = on_status or (lambda s: None)
        self.poll_interval = poll_interval
        self._last = start_after
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._lock = threading.Lock()
        self.gaps_filled = 0
        self.reconnects = 0

    @property
    def last_seq(self) -> int:
        return self._last or 0

    def start(self) -> ChangeSubscriber:
        if self._last is None:
            self._last = latest_seq(self.engine)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    # -- internals -------------------------------------------------------------------------
    def _deliver(self, events: list[ChangeEvent]) -> None:
        """Deliver events above the last one seen; fetch from the outbox if there is a gap."""
        with self._lock:
            last = self._last or 0
            fresh = sorted({e.seq: e for e in events if e.seq > last}.values(), key=lambda e: e.seq)
            if not fresh:
                return
            if fresh[0].seq != last + 1 or any(
                b.seq != a.seq + 1 for a, b in itertools.pairwise(fresh)
            ):
                fresh = self._catch_up_locked()
                if fresh:
                    self.gaps_filled += 1
            if fresh:
                self._last = fresh[-1].seq
                self._safe_handle(fresh)

    def _catch_up_locked(self) -> list[ChangeEvent]:
        out: list[ChangeEvent] = []
        last = self._last or 0
        while True:
            batch = events_after(self.engine, last)
            if not batch:
                return out
            out.extend(batch)
            last = batch[-1].seq

    def catch_up(self) -> int:
        """Read and deliver everything newer than the last seen event; returns how many."""
        with self._lock:
            events = self._catch_up_locked()
            if events:
                self._last = events[-1].seq
                self._safe_handle(events)
            return len(events)

    def _safe_handle(self, events: list[ChangeEvent]) -> None:
        try:
            self.handler(events)
        except Exception:  # an event handler failing must not stop the feed
            log.exception("change handler failed on events %s..%s", events[0].seq, events[-1].seq)

    def _run(self) -> None:
        channel: Channel | None = None
        backoff = 0.2
        next_poll = time.monotonic() + self.poll_interval
        while not self._stop.is_set():
            try:
                if channel is None:
                    channel = self.feed.open_channel()
                    self.on_status("connected")
                    n = self.catch_up()
                    if n:
                        self.on_status(f"caught up {n}")
                    backoff = 0.2
                events = channel.receive(timeout=0.5)
                if events:
                    self._deliver(events)
                if time.monotonic() >= next_poll:
                    next_poll = time.monotonic() + self.poll_interval
                    if latest_seq(self.engine) > self.last_seq:
                        n = self.catch_up()
                        if n:
                            self.gaps_filled += 1
            except ConnectionError as exc:
                self.reconnects += 1
                self.on_status(f"reconnecting: {exc}")
                if channel is not None:
                    try:
                        channel.close()
                    except Exception:  # the channel is already broken
                        log.debug("closing a broken channel failed", exc_info=True)
                channel = None
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
            except Exception:  # the database may be down: keep trying, never die silently
                log.exception("change subscriber error")
                self.on_status("error: see the log")
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
        if channel is not None:
            channel.close()
