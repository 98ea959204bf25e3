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

Append-only rows the transaction itself never reads back (``audit(..., deferred=True)``,
``defer_insert``) can wait for the commit: on PostgreSQL they ride in the same statement as the
advisory lock and the first outbox row (data-modifying CTEs), so a call that writes an audit row,
an event row and an outbox row pays one round trip for all of them instead of four. They are
still written in this transaction, before COMMIT; a rollback drops them with everything else.
Do not defer inside a savepoint that may be rolled back on its own.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any

from sqlalchemy import (
    Table,
    Update,
    bindparam,
    case,
    cast,
    func,
    insert,
    literal,
    select,
    union_all,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from domain.auth import Actor
from domain.errors import ConcurrentEdit
from domain.events import Change, ChangeEvent
from services.clock import Clock
from services.errors import DatabaseUnavailable
from services.persistence.engine import describe_db_error
from services.persistence.pipeline import Pending, Pipeline
from services.persistence.repositories import Repositories
from services.persistence.repository import translate_integrity
from services.persistence.tables.system import audit_log, change_events

log = logging.getLogger(__name__)

# pg_advisory_xact_lock key that serialises outbox writes (commit order == seq order)
OUTBOX_LOCK_KEY = 0x74616B74  # "takt"

Publisher = Callable[[Sequence[ChangeEvent]], None]
RowCountCheck = Callable[[int], None]


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
        self._deferred: dict[Table, list[dict[str, Any]]] = {}
        self._deferred_writes: list[tuple[Any, dict[str, Any], RowCountCheck | None]] = []
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
        *,
        deferred: bool = False,
    ) -> None:
        """An audit row in this transaction: who, from which seat, when, what, before/after, why.

        ``deferred``: written at commit (see the module docstring), not now."""
        row = {
            "at": self.clock.now(),
            "user": self.actor.user,
            "seat": self.actor.seat,
            "action": action,
            "entity_type": entity_type,
            "entity_id": str(entity_id),
            "before": before,
            "after": after,
            "reason": reason,
            "source": self.actor.source,
            "request_id": self.request_id,
        }
        if deferred:
            self.defer_insert(audit_log, row)
        else:
            self.conn.execute(insert(audit_log).values(**row))

    def defer_insert(self, table: Table, row: dict[str, Any]) -> None:
        """Insert ``row`` into ``table`` at commit, in this transaction, in the order given
        (rows the transaction never reads back: audit, event log)."""
        self.conn  # noqa: B018 - refuse outside the with block, as the other writes do
        self._deferred.setdefault(table, []).append(row)

    def defer_write(
        self, statement: Any, params: dict[str, Any], check: RowCountCheck | None = None
    ) -> None:
        """Run ``statement`` at commit, before the deferred rows and the outbox, in the order
        deferred: for writes to rows this transaction holds locked and does not read again (a
        status the call has settled). On PostgreSQL they go to the server with the outbox
        statement (services/persistence/pipeline.py: one round trip for all), and when they are
        all UPDATEs, with COMMIT too: each is then guarded on the server (anything but exactly
        one row changed aborts the transaction, raised as ConcurrentEdit). ``check`` gets the
        statement's row count and raises to roll the whole transaction back."""
        self.conn  # noqa: B018 - refuse outside the with block, as the other writes do
        self._deferred_writes.append((statement, params, check))

    def _add_deferred_writes(self, p: Pipeline) -> list[tuple[Pending, RowCountCheck | None]]:
        writes, self._deferred_writes = self._deferred_writes, []
        return [(p.add(stmt, params), check) for stmt, params, check in writes]

    # -- commit ----------------------------------------------------------------------------
    def commit(self) -> list[ChangeEvent]:
        conn = self.conn
        events: list[ChangeEvent] = []
        try:
            if self._changes and self.is_postgres:
                events = self._write_outbox_postgres(conn)
            else:
                p = Pipeline(conn)
                _checked(self._add_deferred_writes(p), p)
                for table, rows in self._deferred.items():
                    conn.execute(insert(table), rows)  # executemany: in order, one statement
                self._deferred.clear()
                if self._changes:
                    events = self._write_outbox(conn, self._changes, self.clock.now())
            conn.commit()
        except IntegrityError as exc:
            # a deferred write may be the one refused: name its table when the server says
            refused = getattr(getattr(exc.orig, "diag", None), "table_name", None)
            entity = str(refused).removesuffix("s").replace("_", " ") if refused else "change"
            raise translate_integrity(exc, entity) from exc
        self._committed = True
        self._changes.clear()
        self.events = events
        if events and self._publish is not None:
            try:
                self._publish(events)
            except Exception:  # the outbox holds them; subscribers catch up
                log.exception("publishing %d change event(s) failed", len(events))
        return events

    def _event(self, seq: int, at: Any, ch: Change) -> ChangeEvent:
        return ChangeEvent(
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

    def _outbox_row(self, at: Any, ch: Change) -> dict[str, Any]:
        return {
            "at": at,
            "topic": ch.topic.value,
            "kind": ch.kind,
            "ids": list(ch.ids),
            "data": ch.data,
            "user": self.actor.user,
            "seat": self.actor.seat,
            "request_id": self.request_id,
        }

    def _write_outbox(
        self, conn: Connection, changes: Sequence[Change], at: Any
    ) -> list[ChangeEvent]:
        """One outbox row per change, numbered in order (the caller holds the outbox lock on
        PostgreSQL, or SQLite's write lock)."""
        events = []
        for ch in changes:
            seq = conn.execute(
                insert(change_events)
                .values(**self._outbox_row(at, ch))
                .returning(change_events.c.seq)
            ).scalar_one()
            events.append(self._event(seq, at, ch))
        return events

    def _write_outbox_postgres(self, conn: Connection) -> list[ChangeEvent]:
        """The advisory lock, the deferred rows and the first outbox row in one statement
        (see :func:`_outbox_statement`); further changes of the same transaction follow as
        plain inserts (the lock is held until COMMIT)."""
        at = self.clock.now()
        first, *rest = self._changes
        row = self._outbox_row(at, first)
        deferred = list(self._deferred.items())
        self._deferred.clear()
        shape = (
            tuple(row),
            tuple((table, len(rows), tuple(rows[0])) for table, rows in deferred),
        )
        params = {f"o_{c}": v for c, v in row.items()}
        for k, (_table, rows) in enumerate(deferred):
            for i, r in enumerate(rows):
                params.update({f"d{k}_{i}_{c}": r.get(c) for c in shape[1][k][2]})
        p = Pipeline(conn)
        if rest or not all(isinstance(w[0], Update) for w in self._deferred_writes):
            writes = self._add_deferred_writes(p)
            outbox = p.add(_outbox_statement(shape), params)
            _checked(writes, p)
            seq = outbox.rows[0]["seq"]
            return [self._event(seq, at, first), *self._write_outbox(conn, rest, at)]
        # everything in one go, COMMIT included: each deferred update is guarded on the server
        # (a row count other than one aborts the transaction, see _guarded), so nothing is
        # committed that a check would refuse, and the outbox lock is released by the server
        # right after the outbox row, without waiting for this process to send COMMIT
        queued, self._deferred_writes = self._deferred_writes, []
        guarded = [(p.add(_guarded(stmt), values), check) for stmt, values, check in queued]
        outbox = p.add(_outbox_statement(shape), params)
        try:
            p.run(commit=True)
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) == GUARD_SQLSTATE:
                raise ConcurrentEdit(
                    "row", "?", changed_by="somebody while this call held it (nothing was saved)"
                ) from exc
            raise
        for pending, check in guarded:
            if check is not None:
                check(int(pending.rows[0]["n"]))
        seq = outbox.rows[0]["seq"]
        return [self._event(seq, at, first)]

    def rollback(self) -> None:
        self.conn.rollback()
        self._changes.clear()
        self._deferred.clear()
        self._deferred_writes.clear()


GUARD_SQLSTATE = "22012"  # division_by_zero: how a guarded update says it missed its row
_GUARDED: dict[int, tuple[Any, Any]] = {}


def _guarded(update_statement: Update) -> Any:
    """``WITH w AS (<update> RETURNING 1) SELECT count(*) AS n, 1 / CASE WHEN count(*) = 1
    THEN 1 ELSE 0 END FROM w``: the update, and an error (division by zero) unless it changed
    exactly one row, so that a COMMIT sent after it in the same pipeline does not happen.
    Built once per statement."""
    got = _GUARDED.get(id(update_statement))
    if got is not None and got[0] is update_statement:
        return got[1]
    w = update_statement.returning(literal(1).label("one")).cte("guarded_write")
    n = func.count()
    guard = literal(1) / case((n == 1, 1), else_=0)
    stmt = select(n.label("n"), guard.label("guard")).select_from(w)
    if len(_GUARDED) < _MAX_CACHED_SHAPES:
        _GUARDED[id(update_statement)] = (update_statement, stmt)
    return stmt


def _checked(writes: list[tuple[Pending, RowCountCheck | None]], p: Pipeline) -> None:
    """Run ``p`` (the deferred writes and whatever follows them), then check each write's row
    count (a check raises: the caller does not commit)."""
    p.run()
    for pending, check in writes:
        if check is not None:
            check(pending.rowcount)


# -- the one-statement commit on PostgreSQL ---------------------------------------------------

_Shape = tuple[tuple[str, ...], tuple[tuple[Table, int, tuple[str, ...]], ...]]
_OUTBOX_STATEMENTS: dict[_Shape, Any] = {}
_MAX_CACHED_SHAPES = 64


def _outbox_statement(shape: _Shape) -> Any:
    """The statement for one shape of commit (the outbox columns; per deferred table, its rows
    and columns), built once and reused with bind parameters (building and hashing a statement
    of this size on every call cost more than executing it)::

        WITH outbox_lock AS (SELECT pg_advisory_xact_lock(k)),
             deferred_0 AS (INSERT INTO allocation_change_events ...),
             deferred_1 AS (INSERT INTO audit_log ...)
        INSERT INTO change_events (...) SELECT ... FROM outbox_lock RETURNING seq

    The outbox row is built from the lock's row, so its sequence number is drawn only once the
    lock is held (commit order == seq order). Data-modifying CTEs always run to completion,
    whether or not the main statement reads them. Several rows of one table are an ``INSERT ...
    SELECT ... ORDER BY`` over a ``UNION ALL`` of one-row selects, numbered in the order they
    were deferred."""
    stmt = _OUTBOX_STATEMENTS.get(shape)
    if stmt is not None:
        return stmt
    outbox_columns, deferred = shape
    lock = select(func.pg_advisory_xact_lock(OUTBOX_LOCK_KEY).label("locked")).cte("outbox_lock")

    def value(table: Table, column: str, name: str) -> Any:
        kind = table.c[column].type
        return cast(bindparam(name, type_=kind), kind)

    stmt = (
        insert(change_events)
        .from_select(
            list(outbox_columns),
            select(*(value(change_events, c, f"o_{c}") for c in outbox_columns)).select_from(lock),
        )
        .returning(change_events.c.seq)
    )
    ctes = []
    for k, (table, n, columns) in enumerate(deferred):
        if n == 1:
            dml: Any = insert(table).values(
                {c: bindparam(f"d{k}_0_{c}", type_=table.c[c].type) for c in columns}
            )
        else:
            parts = [
                select(
                    *(value(table, c, f"d{k}_{i}_{c}").label(c) for c in columns),
                    literal(i).label("deferred_order"),
                )
                for i in range(n)
            ]
            src = union_all(*parts).subquery(f"deferred_rows_{k}")
            ordered = select(*(src.c[c] for c in columns)).order_by(src.c.deferred_order)
            dml = insert(table).from_select(list(columns), ordered)
        ctes.append(dml.cte(f"deferred_{k}"))
    if ctes:
        stmt = stmt.add_cte(*ctes)
    if len(_OUTBOX_STATEMENTS) < _MAX_CACHED_SHAPES:
        _OUTBOX_STATEMENTS[shape] = stmt
    return stmt
