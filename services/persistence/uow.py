"""The unit of work: one database transaction, its repositories, its change events and audit rows.

    with app.uow(actor) as uow:
        wo = uow.repos.work_orders.require("WO-00001", lock=True)
        ...
        uow.audit("work_order.update", "work_order", wo.id, before, after, reason)
        uow.record(Change(Topic.WORK_ORDER, "updated", (wo.id,)))
        uow.commit()

Leaving the block without ``commit()`` rolls everything back. ``commit()`` writes the recorded
changes to the outbox in the same transaction, after taking a transaction-level advisory lock on
PostgreSQL, so outbox sequence numbers are handed out in commit order: a seat that has seen
sequence N has seen every change up to N. After the commit the events are published on the
change feed (the in-process hub or Redis) for the other seats.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from domain.auth import Actor
from domain.events import Change, ChangeEvent
from services.clock import Clock
from services.errors import DatabaseUnavailable
from services.persistence.engine import describe_db_error
from services.persistence.repositories import Repositories
from services.persistence.repository import translate_integrity
from services.persistence.tables.system import audit_log, change_events

log = logging.getLogger(__name__)

# pg_advisory_xact_lock key that serialises outbox writes (commit order == seq order)
OUTBOX_LOCK_KEY = 0x74616B74  # "takt"

Publisher = Callable[[Sequence[ChangeEvent]], None]


class UnitOfWork:
    def __init__(
        self,
        engine: Engine,
        actor: Actor,
        clock: Clock,
        publish: Publisher | None = None,
        *,
        request_id: str | None = None,
    ) -> None:
        self.engine = engine
        self.actor = actor
        self.clock = clock
        self._publish = publish
        self.request_id = request_id or uuid.uuid4().hex
        self._conn: Connection | None = None
        self._repos: Repositories | None = None
        self._changes: list[Change] = []
        self._committed = False
        self.events: list[ChangeEvent] = []

    # -- context manager -------------------------------------------------------------------
    def __enter__(self) -> UnitOfWork:
        try:
            self._conn = self.engine.connect()
            self._conn.begin()
        except DBAPIError as exc:
            if self._conn is not None:
                self._conn.close()
            raise DatabaseUnavailable(describe_db_error(exc, str(self.engine.url))) from exc
        self._repos = Repositories(self._conn)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn = self._conn
        self._conn = None
        self._repos = None
        if conn is None:
            return
        try:
            if not self._committed:
                conn.rollback()
        finally:
            conn.close()
        if isinstance(exc, IntegrityError):
            raise translate_integrity(exc, "the change") from exc
        if isinstance(exc, OperationalError):
            raise DatabaseUnavailable(describe_db_error(exc, str(self.engine.url))) from exc

    # -- access ----------------------------------------------------------------------------
    @property
    def conn(self) -> Connection:
        if self._conn is None:
            raise RuntimeError("the unit of work is not open (use it in a with block)")
        return self._conn

    @property
    def repos(self) -> Repositories:
        if self._repos is None:
            raise RuntimeError("the unit of work is not open (use it in a with block)")
        return self._repos

    @property
    def now(self) -> Any:
        return self.clock.now()

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    # -- recording -------------------------------------------------------------------------
    def record(self, change: Change) -> None:
        """A change other seats must hear about; written to the outbox on commit."""
        self._changes.append(change)

    def audit(
        self,
        action: str,
        entity_type: str,
        entity_id: object,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        reason: str | None = None,
    ) -> None:
        """An audit row in this transaction: who, from which seat, when, what, before/after, why."""
        self.conn.execute(
            insert(audit_log).values(
                at=self.clock.now(),
                user=self.actor.user,
                seat=self.actor.seat,
                action=action,
                entity_type=entity_type,
                entity_id=str(entity_id),
                before=before,
                after=after,
                reason=reason,
                source=self.actor.source,
                request_id=self.request_id,
            )
        )

    # -- commit ----------------------------------------------------------------------------
    def commit(self) -> list[ChangeEvent]:
        conn = self.conn
        events: list[ChangeEvent] = []
        try:
            if self._changes:
                if self.is_postgres:
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": OUTBOX_LOCK_KEY})
                at = self.clock.now()
                for ch in self._changes:
                    seq = conn.execute(
                        insert(change_events)
                        .values(
                            at=at,
                            topic=ch.topic.value,
                            kind=ch.kind,
                            ids=list(ch.ids),
                            data=ch.data,
                            user=self.actor.user,
                            seat=self.actor.seat,
                            request_id=self.request_id,
                        )
                        .returning(change_events.c.seq)
                    ).scalar_one()
                    events.append(
                        ChangeEvent(
                            seq=int(seq),
                            at=at,
                            topic=ch.topic,
                            kind=ch.kind,
                            ids=tuple(ch.ids),
                            user=self.actor.user,
                            seat=self.actor.seat,
                            request_id=self.request_id,
                            data=ch.data,
                        )
                    )
            conn.commit()
        except IntegrityError as exc:
            raise translate_integrity(exc, "change") from exc
        self._committed = True
        self._changes.clear()
        self.events = events
        if events and self._publish is not None:
            try:
                self._publish(events)
            except Exception:  # the outbox holds them; subscribers catch up
                log.exception("publishing %d change event(s) failed", len(events))
        return events

    def rollback(self) -> None:
        self.conn.rollback()
        self._changes.clear()
