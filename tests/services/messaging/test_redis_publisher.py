"""The Redis feed publishes from its own thread: the caller does not wait, nothing is lost or
reordered, and closing the feed sends what is still queued."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
import redis

from domain.events import ChangeEvent, Topic
from services.messaging.codec import decode
from services.messaging.redis_feed import STREAM, RedisFeed
from tests.servers import RedisServer


def _event(seq: int) -> ChangeEvent:
    return ChangeEvent(
        seq=seq,
        at=datetime(2026, 12, 6, 12, 0, tzinfo=UTC),
        topic=Topic.SYSTEM,
        kind="tick",
        ids=(f"t{seq}",),
        user="lead",
        seat="seat-1",
        request_id=None,
        data={"n": seq},
    )


def _stream(url: str) -> list[ChangeEvent]:
    client = redis.Redis.from_url(url)
    try:
        return [decode(fields[b"e"]) for _id, fields in client.xrange(STREAM)]
    finally:
        client.close()


@pytest.mark.redis
def test_published_events_arrive_in_order_and_close_flushes(own_redis: RedisServer) -> None:
    url = own_redis.url
    feed = RedisFeed(url)
    feed.publish([_event(1), _event(2)])
    for seq in range(3, 40):
        feed.publish([_event(seq)])
    feed.close()  # sends what is queued, then stops the publisher thread
    got = _stream(url)
    assert [e.seq for e in got] == list(range(1, 40))
    assert got[4].data == {"n": 5}
    assert got[4].ids == ("t5",)
    feed.publish([_event(99)])  # after close: left to the outbox, no error
    assert [e.seq for e in _stream(url)][-1] == 39


@pytest.mark.redis
def test_a_redis_that_is_down_does_not_reach_the_caller(own_redis: RedisServer) -> None:
    other_publishers = _publishers()  # other feeds' threads in this process, if any
    feed = RedisFeed(own_redis.url)
    own_redis.stop()
    feed.publish([_event(1)])  # returns at once; the thread logs the failure
    publisher = _publishers() - other_publishers
    assert len(publisher) == 1
    feed.close()  # and does not hang on it: the thread has ended
    assert not publisher.pop().is_alive()
    feed.publish([_event(2)])  # after close: refused, no new thread is started
    assert _publishers() - other_publishers == set()


def _publishers() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == "redis-publisher"}
