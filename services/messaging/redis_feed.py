"""The shared change feed on Redis Streams, and the list of connected seats.

Publishing is XADD to one stream after commit; subscribers XREAD BLOCK from where they are.
Streams are only the fast path: the outbox is the truth (see feed.py).

``publish`` hands the events to a publisher thread of the feed and returns at once: the seat's
call does not wait for Redis (nor, in a process that also runs a subscriber, for the Python
lock its subscriber takes while the call waits on the socket). The thread sends in order, all
that is queued in one pipeline; ``close`` sends what is still queued first.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import redis

from domain.events import ChangeEvent
from services.errors import ConfigurationError, FeedUnavailable
from services.messaging.codec import decode, encode
from services.messaging.feed import SeatInfo

log = logging.getLogger(__name__)

STREAM = "takt:changes:v1"
SEAT_PREFIX = "takt:seat:v1:"
STREAM_MAXLEN = 50_000
SEAT_TTL_S = 15


def _client(url: str, *, timeout: float | None) -> redis.Redis:
    try:
        return redis.Redis.from_url(
            url,
            socket_connect_timeout=3,
            socket_timeout=timeout,
            health_check_interval=0,
            decode_responses=False,
        )
    except ValueError as exc:
        raise ConfigurationError(f"malformed Redis URL {url!r}: {exc}") from exc


class _RedisChannel:
    def __init__(self, url: str) -> None:
        self._client = _client(url, timeout=5)
        self._last_id = b"$"
        try:
            self._client.ping()
            info = self._client.xinfo_stream(STREAM) if self._client.exists(STREAM) else None
            self._last_id = info["last-generated-id"] if info else b"0-0"
        except redis.RedisError as exc:
            raise ConnectionError(f"Redis: {exc}") from exc

    def receive(self, timeout: float) -> list[ChangeEvent]:
        try:
            reply: Any = self._client.xread(
                {STREAM: self._last_id}, block=int(timeout * 1000), count=500
            )
        except redis.RedisError as exc:
            raise ConnectionError(f"Redis: {exc}") from exc
        out: list[ChangeEvent] = []
        for _stream, entries in reply or []:
            for entry_id, fields in entries:
                self._last_id = entry_id
                raw = fields.get(b"e")
                if raw is None:
                    continue
                try:
                    out.append(decode(raw))
                except (ValueError, KeyError, json.JSONDecodeError):
                    log.warning("ignoring a malformed change message %s", entry_id)
        return out

    def reset(self) -> None:
        self._last_id = b"$"

    def close(self) -> None:
        self._client.close()


class RedisFeed:
    name = "redis"

    def __init__(self, url: str) -> None:
        self.url = url
        self._client = _client(url, timeout=2)
        self._outgoing: queue.SimpleQueue[list[ChangeEvent] | None] = queue.SimpleQueue()
        self._publisher: threading.Thread | None = None
        self._publisher_lock = threading.Lock()
        self._closed = False

    def check(self) -> str:
        try:
            info = self._client.info("server")
        except redis.RedisError as exc:
            raise FeedUnavailable(f"cannot reach Redis at {self.url}: {exc}") from exc
        return f"Redis {info.get('redis_version', '?')}"

    def publish(self, events: Sequence[ChangeEvent]) -> None:
        """Queue ``events`` for the publisher thread (in order); returns at once."""
        if not events:
            return
        with self._publisher_lock:
            if self._closed:
                log.debug("feed closed: %d change(s) left to the outbox", len(events))
                return
            if self._publisher is None:
                self._publisher = threading.Thread(
                    target=self._publish_loop, name="redis-publisher", daemon=True
                )
                self._publisher.start()
            self._outgoing.put(list(events))

    def _publish_loop(self) -> None:
        while True:
            first = self._outgoing.get()
            if first is None:
                return
            batch, stop = list(first), False
            while True:  # everything queued meanwhile goes in the same pipeline
                try:
                    more = self._outgoing.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                batch.extend(more)
            self._send(batch)
            if stop:
                return

    def _send(self, events: Sequence[ChangeEvent]) -> None:
        try:
            pipe = self._client.pipeline(transaction=False)
            for e in events:
                pipe.xadd(STREAM, {"e": encode(e)}, maxlen=STREAM_MAXLEN, approximate=True)
            pipe.execute()
        except redis.RedisError as exc:
            # The outbox has the events: subscribers will catch up from it.
            log.warning("could not publish %d change(s) to Redis: %s", len(events), exc)
        except Exception:  # the publisher thread must not die
            log.exception("publishing %d change(s) failed", len(events))

    def open_channel(self) -> _RedisChannel:
        return _RedisChannel(self.url)

    def announce(self, seat: str, user: str) -> None:
        key = SEAT_PREFIX + seat
        now = datetime.now(UTC).isoformat()
        try:
            prev = self._client.get(key)
            since = json.loads(prev)["since"] if prev else now
            self._client.set(
                key,
                json.dumps({"seat": seat, "user": user, "since": since, "last_seen": now}),
                ex=SEAT_TTL_S,
            )
        except (redis.RedisError, ValueError, KeyError) as exc:
            log.debug("seat announcement failed: %s", exc)

    def seats(self) -> list[SeatInfo]:
        out: list[SeatInfo] = []
        try:
            for key in self._client.scan_iter(match=SEAT_PREFIX + "*", count=100):
                raw = self._client.get(key)
                if not raw:
                    continue
                d = json.loads(raw)
                out.append(
                    SeatInfo(
                        d["seat"],
                        d["user"],
                        datetime.fromisoformat(d["since"]),
                        datetime.fromisoformat(d["last_seen"]),
                        self.name,
                    )
                )
        except (redis.RedisError, ValueError, KeyError) as exc:
            log.debug("listing seats failed: %s", exc)
        return sorted(out, key=lambda s: s.seat)

    def close(self) -> None:
        with self._publisher_lock:
            self._closed = True
            publisher, self._publisher = self._publisher, None
        if publisher is not None:
            self._outgoing.put(None)  # after what is queued: that is sent first
            publisher.join(5)
        self._client.close()
