"""The prediction cache: entries keyed by the job's run, expiring after their TTL, a job's
write making every reader (every seat, through Redis) see its run; with no Redis an
in-process cache; a Redis that is down never fails a reader."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import redis
from sqlalchemy import delete

from services.analytics.cache import (
    ANOMALY,
    DEMAND,
    PREFIX,
    MemoryCache,
    RedisCache,
    anomaly_state,
    cache_for,
    newest_forecast,
)
from services.analytics.jobs import (
    AnomalyJobSettings,
    DemandJobSettings,
    detect_machine_anomalies,
    forecast_demand,
)
from services.clock import FixedClock
from services.persistence.tables.plant import machine_metrics
from services.persistence.tables.system import demand_forecasts
from tests.conftest import NOW

QUICK_DEMAND = DemandJobSettings(max_origins=10, max_iter=25, band_iter=15)


class Ticks:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_memory_cache_expires_and_forgets_earlier_runs() -> None:
    ticks = Ticks()
    cache = MemoryCache(ttl=30, clock=ticks)
    cache.put(DEMAND, "P1", {"q": 1})
    cache.put(ANOMALY, "M1", {"s": 2})
    assert cache.get(DEMAND, "P1") == {"q": 1}
    ticks.t += 29
    assert cache.get(DEMAND, "P1") == {"q": 1}
    ticks.t += 2
    assert cache.get(DEMAND, "P1") is None  # past its TTL
    cache.put(DEMAND, "P1", {"q": 3})
    cache.invalidate(DEMAND)  # a new forecast run
    assert cache.get(DEMAND, "P1") is None
    assert cache.get(ANOMALY, "M1") is None  # expired too (put 31 s ago)
    cache.put(ANOMALY, "M1", {"s": 4})
    cache.invalidate(DEMAND)
    assert cache.get(ANOMALY, "M1") == {"s": 4}  # other kinds keep their entries


def test_redis_cache_is_shared_keyed_by_run_and_has_a_ttl(redis_url: str) -> None:
    seat_a, seat_b = RedisCache(redis_url, ttl=45), RedisCache(redis_url, ttl=45)
    try:
        seat_a.put(DEMAND, "P1", {"q": 1})
        assert seat_b.get(DEMAND, "P1") == {"q": 1}
        client = redis.Redis.from_url(redis_url)
        (key,) = client.keys(PREFIX + DEMAND + ":*")
        assert 0 < client.pttl(key) <= 45_000
        seat_b.invalidate(DEMAND)  # seat B's job wrote a new run
        assert seat_a.get(DEMAND, "P1") is None
        seat_a.put(DEMAND, "P1", {"q": 2})
        assert seat_b.get(DEMAND, "P1") == {"q": 2}
        client.close()
    finally:
        seat_a.close()
        seat_b.close()


def test_a_redis_that_is_down_is_a_cache_miss() -> None:
    cache = RedisCache("redis://127.0.0.1:1/0", ttl=10)
    try:
        cache.put(DEMAND, "P1", {"q": 1})
        assert cache.get(DEMAND, "P1") is None
        cache.invalidate(DEMAND)  # logged, not raised
    finally:
        cache.close()


def test_newest_forecast_is_cached_until_the_next_run_without_redis(
    demo_sqlite_url: str, make_app: Any
) -> None:
    clock = FixedClock(NOW)
    app = make_app(demo_sqlite_url, clock=clock)
    assert isinstance(cache_for(app), MemoryCache)
    planner = app.actor("planner")
    assert newest_forecast(app, "P-BRK-100") is None
    forecast_demand(app, planner, horizon_days=5, settings=QUICK_DEMAND)
    first = newest_forecast(app, "P-BRK-100")  # the job's write invalidated the "none" above
    assert first is not None
    assert first.created_at == NOW
    assert len(first.days) == 5
    with app.engine.begin() as conn:  # behind the cache's back
        conn.execute(delete(demand_forecasts))
    assert newest_forecast(app, "P-BRK-100") == first  # served from the cache
    clock.advance(hours=1)
    forecast_demand(app, planner, horizon_days=5, settings=QUICK_DEMAND)
    second = newest_forecast(app, "P-BRK-100")
    assert second is not None
    assert second.created_at == NOW + timedelta(hours=1)


def test_a_job_on_one_seat_refreshes_the_other_seats_cache_through_redis(
    demo_sqlite_url: str, make_app: Any, redis_url: str
) -> None:
    clock = FixedClock(NOW - timedelta(hours=1))
    seat_a = make_app(demo_sqlite_url, redis_url=redis_url, seat="a", clock=clock)
    seat_b = make_app(demo_sqlite_url, redis_url=redis_url, seat="b", clock=clock)
    assert isinstance(cache_for(seat_a), RedisCache)
    with seat_a.engine.begin() as conn:
        conn.execute(delete(machine_metrics).where(machine_metrics.c.machine_id != "M-LSR01"))
    settings = AnomalyJobSettings(metrics=("temperature_c",))
    admin = seat_b.actor("admin")
    detect_machine_anomalies(seat_b, admin, since=clock.now(), settings=settings)
    before = anomaly_state(seat_a, "M-LSR01")["temperature_c"]
    assert before.at == NOW - timedelta(hours=1)
    client = redis.Redis.from_url(redis_url)
    assert client.keys(PREFIX + ANOMALY + ":*")  # seat A's read is in Redis
    client.close()
    clock.advance(hours=1)
    detect_machine_anomalies(seat_b, admin, settings=settings)  # seat B's run
    after = anomaly_state(seat_a, "M-LSR01")["temperature_c"]
    assert after.at == NOW
    assert anomaly_state(seat_a, "M-LSR01") == anomaly_state(seat_b, "M-LSR01")
