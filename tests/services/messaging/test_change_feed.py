"""The change feed: every committed change reaches the other seat once, in order, nothing lost.

Real Redis (and real PostgreSQL) for the shared feed; the in-process feed for the embedded mode.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from domain.events import Change, ChangeEvent, Topic
from tests.servers import RedisServer
from tests.services.persistence.helpers import ADMIN, LEAD


class Collector:
    def __init__(self) -> None:
        self.events: list[ChangeEvent] = []
        self.cond = threading.Condition()

    def __call__(self, events: list[ChangeEvent]) -> None:
        with self.cond:
            self.events.extend(events)
            self.cond.notify_all()

    def wait_for(self, n: int, timeout: float = 15.0) -> list[ChangeEvent]:
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.events) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.cond.wait(left)
            return list(self.events)


def _commit(app: Any, actor: Any, n: int, prefix: str) -> None:
    for i in range(n):
        with app.uow(actor) as uow:
            uow.record(Change(Topic.SYSTEM, "tick", (f"{prefix}{i}",)))
            uow.commit()


def _assert_exactly_in_order(events: list[ChangeEvent], start: int, count: int) -> None:
    assert [e.seq for e in events] == list(range(start + 1, start + count + 1))


def test_in_process_feed_delivers_in_order(sqlite_url: str, make_app: Any) -> None:
    app = make_app(sqlite_url)
    got = Collector()
    sub = app.subscribe(got, poll_interval=0.2)
    _commit(app, ADMIN, 10, "a")
    events = got.wait_for(10)
    _assert_exactly_in_order(events, 0, 10)
    assert {e.ids[0] for e in events} == {f"a{i}" for i in range(10)}
    sub.stop()


@pytest.mark.redis
def test_a_change_on_seat_a_reaches_seat_b_through_redis(
    pg_url: str, redis_url: str, make_app: Any
) -> None:
    seat_a = make_app(pg_url, redis_url=redis_url, seat="seat-A")
    seat_b = make_app(pg_url, redis_url=redis_url, seat="seat-B", user="lead")
    got = Collector()
    seat_b.subscribe(got, poll_interval=30)  # long poll: delivery must come through Redis
    time.sleep(0.3)
    _commit(seat_a, ADMIN, 5, "x")
    events = got.wait_for(5, timeout=5)
    _assert_exactly_in_order(events, 0, 5)
    assert all(e.seat == "seat-1" for e in events)  # the actor's seat is recorded


@pytest.mark.redis
def test_lost_messages_are_caught_up_from_the_outbox(
    pg_url: str, redis_url: str, make_app: Any
) -> None:
    seat_a = make_app(pg_url, redis_url=redis_url, seat="seat-A")
    seat_b = make_app(pg_url, redis_url=redis_url, seat="seat-B")
    real_publish: Callable[..., None] = seat_a.feed.publish
    # seat A "loses" every other message on the way to Redis
    seat_a.feed.publish = lambda events: real_publish([e for e in events if e.seq % 2])  # type: ignore[method-assign]
    got = Collector()
    sub = seat_b.subscribe(got, poll_interval=30)
    time.sleep(0.3)
    # nine commits: the last one (odd) rings the bell for the even one before it; with a 30 s
    # poll, every even event can only arrive through gap detection and the outbox
    _commit(seat_a, ADMIN, 9, "y")
    events = got.wait_for(9, timeout=15)
    _assert_exactly_in_order(events, 0, 9)
    assert sub.gaps_filled >= 1


@pytest.mark.redis
def test_redis_restart_in_the_middle_loses_nothing(
    pg_url: str, own_redis: RedisServer, make_app: Any
) -> None:
    seat_a = make_app(pg_url, redis_url=own_redis.url, seat="seat-A")
    seat_b = make_app(pg_url, redis_url=own_redis.url, seat="seat-B")
    got = Collector()
    statuses: list[str] = []
    sub = seat_b.subscribe(got, poll_interval=1.0, on_status=statuses.append)
    time.sleep(0.3)
    _commit(seat_a, ADMIN, 5, "before")
    _assert_exactly_in_order(got.wait_for(5), 0, 5)

    own_redis.stop()
    _commit(seat_a, LEAD, 5, "during")  # Redis is down: publishing fails, commits do not
    own_redis.restart()
    _commit(seat_a, ADMIN, 5, "after")

    events = got.wait_for(15, timeout=20)
    _assert_exactly_in_order(events, 0, 15)
    assert [e.ids[0] for e in events[5:10]] == [f"during{i}" for i in range(5)]
    assert sub.reconnects >= 1
    assert any(s.startswith("reconnecting") for s in statuses)


@pytest.mark.redis
def test_seats_see_each_other(pg_url: str, redis_url: str, make_app: Any) -> None:
    a = make_app(pg_url, redis_url=redis_url, seat="control-1")
    b = make_app(pg_url, redis_url=redis_url, seat="control-2")
    a.feed.announce("control-1", "admin")
    b.feed.announce("control-2", "lead")
    seats = {(s.seat, s.user) for s in a.feed.seats()}
    assert seats == {("control-1", "admin"), ("control-2", "lead")}
