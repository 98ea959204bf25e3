"""A TTL cache of the newest predictions for the readers' hot path, shared through Redis when
the site has one, else held in this process.

Entries are keyed by the job's current *run*: a job that writes predictions calls
:func:`invalidate` after its commit, which starts a new run for that kind, so readers never see
an entry of an earlier run (on Redis the run marker is shared, so every seat and process sees
the new run at once; old entries expire by their TTL). Without Redis each process has its own
cache: another process's job is seen when the entries expire (``ttl`` seconds).

Readers: :func:`newest_forecast` (the newest demand forecast run of a product) and
:func:`anomaly_state` (the newest prediction per metric of a machine). A Redis error never
fails a reader: it reads the database instead.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from services.persistence.tables.system import anomaly_predictions, demand_forecasts

if TYPE_CHECKING:
    from services.bootstrap import App

log = logging.getLogger(__name__)

PREFIX = "takt:analytics:v1:"
DEFAULT_TTL_S = 60.0
DEMAND = "demand_forecast"
ANOMALY = "machine_anomaly"
ABSENCE = "absence_forecast"
KINDS = (DEMAND, ANOMALY, ABSENCE)


class PredictionCache(Protocol):
    ttl: float

    def get(self, kind: str, key: str) -> Any | None: ...

    def put(self, kind: str, key: str, value: Any) -> None: ...

    def invalidate(self, kind: str) -> None: ...


class MemoryCache:
    """The in-process cache: entries expire ``ttl`` seconds after they were put."""

    def __init__(self, ttl: float = DEFAULT_TTL_S, clock: Callable[[], float] = time.monotonic):
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._runs: dict[str, int] = {}
        self._entries: dict[tuple[str, int, str], tuple[float, str]] = {}

    def get(self, kind: str, key: str) -> Any | None:
        with self._lock:
            slot = (kind, self._runs.get(kind, 0), key)
            hit = self._entries.get(slot)
            if hit is None:
                return None
            if hit[0] <= self._clock():
                del self._entries[slot]
                return None
            return json.loads(hit[1])

    def put(self, kind: str, key: str, value: Any) -> None:
        raw = json.dumps(value)
        with self._lock:
            self._entries[(kind, self._runs.get(kind, 0), key)] = (self._clock() + self.ttl, raw)

    def invalidate(self, kind: str) -> None:
        with self._lock:
            self._runs[kind] = self._runs.get(kind, 0) + 1
            self._entries = {k: v for k, v in self._entries.items() if k[0] != kind}


class RedisCache:
    """The shared cache: ``<prefix>run:<kind>`` names the current run, entries live under
    ``<prefix><kind>:<run>:<key>`` with a TTL."""

    def __init__(self, url: str, ttl: float = DEFAULT_TTL_S) -> None:
        import redis

        self.ttl = ttl
        self._errors: tuple[type[Exception], ...] = (redis.RedisError,)
        self._client = redis.Redis.from_url(
            url, socket_connect_timeout=2, socket_timeout=2, decode_responses=True
        )

    def _run(self, kind: str) -> str:
        run = self._client.get(PREFIX + "run:" + kind)
        return str(run) if run else "0"

    def get(self, kind: str, key: str) -> Any | None:
        try:
            raw = self._client.get(f"{PREFIX}{kind}:{self._run(kind)}:{key}")
        except self._errors as exc:
            log.debug("prediction cache read failed: %s", exc)
            return None
        return json.loads(str(raw)) if raw else None

    def put(self, kind: str, key: str, value: Any) -> None:
        try:
            self._client.set(
                f"{PREFIX}{kind}:{self._run(kind)}:{key}",
                json.dumps(value),
                px=max(1, int(self.ttl * 1000)),
            )
        except self._errors as exc:
            log.debug("prediction cache write failed: %s", exc)

    def invalidate(self, kind: str) -> None:
        try:
            self._client.set(PREFIX + "run:" + kind, uuid.uuid4().hex)
        except self._errors as exc:
            log.warning("could not invalidate the %s predictions in Redis: %s", kind, exc)

    def close(self) -> None:
        self._client.close()


_caches: dict[int, PredictionCache] = {}
_caches_lock = threading.Lock()


def cache_for(app: App) -> PredictionCache:
    """The app's prediction cache (one per app: Redis when configured, else in-process)."""
    with _caches_lock:
        cache = _caches.get(id(app))
        if cache is None:
            if app.config.redis_url:
                redis_cache = RedisCache(app.config.redis_url)
                cache = redis_cache
                weakref.finalize(app, redis_cache.close)
            else:
                cache = MemoryCache()
            _caches[id(app)] = cache
            weakref.finalize(app, _caches.pop, id(app), None)
        return cache


def invalidate(app: App, kind: str) -> None:
    """A job of ``kind`` wrote predictions: readers see its run from now on."""
    cache_for(app).invalidate(kind)


# -- readers --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ForecastRunDto:
    """The newest stored demand forecast of a product (all the days of its latest run)."""

    product_id: str
    model: str
    created_at: datetime
    days: tuple[date, ...]
    quantity: tuple[float, ...]
    lower: tuple[float | None, ...]
    upper: tuple[float | None, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "product_id": self.product_id,
            "model": self.model,
            "created_at": self.created_at.isoformat(),
            "days": [d.isoformat() for d in self.days],
            "quantity": list(self.quantity),
            "lower": list(self.lower),
            "upper": list(self.upper),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> ForecastRunDto:
        return cls(
            d["product_id"],
            d["model"],
            datetime.fromisoformat(d["created_at"]),
            tuple(date.fromisoformat(x) for x in d["days"]),
            tuple(d["quantity"]),
            tuple(d["lower"]),
            tuple(d["upper"]),
        )


@dataclass(frozen=True, slots=True)
class AnomalyStateDto:
    """The newest prediction of one metric of a machine."""

    machine_id: str
    metric: str
    at: datetime
    score: float
    is_anomaly: bool
    model: str

    def to_json(self) -> dict[str, Any]:
        return {
            "machine_id": self.machine_id,
            "metric": self.metric,
            "at": self.at.isoformat(),
            "score": self.score,
            "is_anomaly": self.is_anomaly,
            "model": self.model,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> AnomalyStateDto:
        return cls(
            d["machine_id"],
            d["metric"],
            datetime.fromisoformat(d["at"]),
            float(d["score"]),
            bool(d["is_anomaly"]),
            d["model"],
        )


def _aware(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def read_newest_forecast(app: App, product_id: str) -> ForecastRunDto | None:
    """The newest forecast run of ``product_id`` from the database (no cache)."""
    with app.engine.connect().execution_options(read_only=True) as conn:
        return newest_forecast_on(conn, product_id)


def newest_forecast_on(conn: Connection, product_id: str) -> ForecastRunDto | None:
    """:func:`read_newest_forecast` on an open connection (inside a reader's transaction)."""
    f = demand_forecasts
    latest = conn.execute(
        select(func.max(f.c.created_at)).where(f.c.product_id == product_id)
    ).scalar_one_or_none()
    if latest is None:
        return None
    rows = conn.execute(
        select(f.c.day, f.c.quantity, f.c.lower, f.c.upper, f.c.model, f.c.created_at)
        .where(f.c.product_id == product_id, f.c.created_at == latest)
        .order_by(f.c.day)
    ).all()
    if not rows:
        return None
    return ForecastRunDto(
        product_id,
        str(rows[0].model),
        _aware(rows[0].created_at),
        tuple(r.day for r in rows),
        tuple(float(r.quantity) for r in rows),
        tuple(None if r.lower is None else float(r.lower) for r in rows),
        tuple(None if r.upper is None else float(r.upper) for r in rows),
    )


def read_anomaly_state(app: App, machine_id: str) -> dict[str, AnomalyStateDto]:
    """The newest prediction per metric of ``machine_id`` from the database (no cache)."""
    a = anomaly_predictions
    with app.engine.connect().execution_options(read_only=True) as conn:
        newest = (
            select(a.c.metric, func.max(a.c.at).label("at"))
            .where(a.c.machine_id == machine_id)
            .group_by(a.c.metric)
            .subquery()
        )
        rows = conn.execute(
            select(a.c.metric, a.c.at, a.c.score, a.c.is_anomaly, a.c.model)
            .join(newest, (a.c.metric == newest.c.metric) & (a.c.at == newest.c.at))
            .where(a.c.machine_id == machine_id)
            .order_by(a.c.metric, a.c.id)
        ).all()
    return {
        str(r.metric): AnomalyStateDto(
            machine_id, str(r.metric), _aware(r.at), float(r.score), bool(r.is_anomaly), r.model
        )
        for r in rows
    }


def newest_forecast(app: App, product_id: str) -> ForecastRunDto | None:
    """:func:`read_newest_forecast` through the cache."""
    cache = cache_for(app)
    hit = cache.get(DEMAND, product_id)
    if hit is not None:
        return ForecastRunDto.from_json(hit) if hit else None
    run = read_newest_forecast(app, product_id)
    cache.put(DEMAND, product_id, run.to_json() if run is not None else {})
    return run


def anomaly_state(app: App, machine_id: str) -> dict[str, AnomalyStateDto]:
    """:func:`read_anomaly_state` through the cache."""
    cache = cache_for(app)
    hit = cache.get(ANOMALY, machine_id)
    if hit is not None:
        return {m: AnomalyStateDto.from_json(d) for m, d in hit.items()}
    state = read_anomaly_state(app, machine_id)
    cache.put(ANOMALY, machine_id, {m: s.to_json() for m, s in state.items()})
    return state
