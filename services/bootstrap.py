"""The composition root: configuration -> engine, change feed, clock, units of work, services.

Everything that talks to the database or the feed gets its parts from here, so tests build the
same graph with a temporary database and a fixed clock.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from domain.auth import Actor, Role
from domain.errors import NotFound
from services.clock import Clock, SystemClock
from services.config import Config, load_config
from services.messaging.feed import ChangeFeed, ChangeSubscriber, EventHandler, StatusHandler
from services.messaging.inproc import InProcessFeed
from services.persistence import migrate
from services.persistence.engine import check_connection, make_engine
from services.persistence.tables.system import users
from services.persistence.uow import UnitOfWork

log = logging.getLogger(__name__)


@dataclass
class App:
    """One seat's service stack. Thread-safe: every unit of work opens its own connection."""

    config: Config
    engine: Engine
    feed: ChangeFeed
    clock: Clock = field(default_factory=SystemClock)
    _subscribers: list[ChangeSubscriber] = field(default_factory=list)

    def uow(self, actor: Actor, *, request_id: str | None = None) -> UnitOfWork:
        return UnitOfWork(self.engine, actor, self.clock, self.feed.publish, request_id=request_id)

    def actor(self, username: str | None = None, *, source: str = "supervisor_ui") -> Actor:
        """The acting user with the role stored in the database, at this seat."""
        name = username or self.config.user
        with self.engine.connect().execution_options(read_only=True) as conn:
            row = conn.execute(
                select(users.c.role, users.c.active).where(users.c.username == name)
            ).first()
        if row is None or not row.active:
            raise NotFound("user", name)
        return Actor(user=name, role=Role(row.role), seat=self.config.seat, source=source)

    def subscribe(
        self,
        handler: EventHandler,
        *,
        start_after: int | None = None,
        on_status: StatusHandler | None = None,
        poll_interval: float = 2.0,
    ) -> ChangeSubscriber:
        sub = ChangeSubscriber(
            self.engine,
            self.feed,
            handler,
            start_after=start_after,
            on_status=on_status,
            poll_interval=poll_interval,
        ).start()
        self._subscribers.append(sub)
        return sub

    def close(self) -> None:
        for sub in self._subscribers:
            sub.stop()
        self._subscribers.clear()
        self.feed.close()
        self.engine.dispose()

    def __enter__(self) -> App:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def make_feed(config: Config) -> ChangeFeed:
    if config.redis_url:
        from services.messaging.redis_feed import RedisFeed

        return RedisFeed(config.redis_url)
    return InProcessFeed()


def bootstrap(
    config: Config | None = None,
    *,
    feed: ChangeFeed | None = None,
    clock: Clock | None = None,
    upgrade: bool = False,
    check_schema: bool = True,
    create: bool | None = None,
) -> App:
    """Build a seat's service stack. ``upgrade`` creates or migrates the schema first;
    otherwise a schema that is not the program's own is refused with a clear message."""
    config = config or load_config()
    engine = make_engine(config.database_url, create=upgrade if create is None else create)
    try:
        check_connection(engine)
        if upgrade:
            migrate.upgrade(engine)
        elif check_schema:
            migrate.require_current(engine)
    except Exception:
        engine.dispose()
        raise
    return App(
        config=config,
        engine=engine,
        feed=feed or make_feed(config),
        clock=clock or SystemClock(),
    )
