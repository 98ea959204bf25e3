"""Reading several rows in one statement and writing deferred rows at commit, on SQLite and
PostgreSQL: the same results as the one-row-at-a-time path, in the same transaction."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, func, select

from domain.errors import NotFound
from domain.events import Change, Topic
from services.messaging.outbox import events_after, latest_seq
from services.persistence.tables.system import audit_log, change_events
from tests.services.persistence.helpers import ADMIN, seed_minimal


def _count_statements(engine: Any) -> list[str]:
    seen: list[str] = []

    def on_statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        seen.append(sql)

    event.listen(engine, "before_cursor_execute", on_statement)
    return seen


def test_get_many_reads_and_locks_in_key_order(db_url: str, make_app: Any) -> None:
    app = make_app(db_url)
    seed_minimal(app)
    with app.uow(ADMIN) as uow:
        seen = _count_statements(app.engine)
        found = uow.repos.work_orders.get_many(["WO-00002", "WO-NOPE", "WO-00001"], lock=True)
        assert list(found) == ["WO-00001", "WO-00002"]
        assert found["WO-00002"].id == "WO-00002"
        assert len(seen) == 1
        if uow.is_postgres:
            assert "FOR UPDATE" in seen[0]
            assert "ORDER BY" in seen[0]
        assert uow.repos.work_orders.get_many([]) == {}
        with pytest.raises(NotFound, match="WO-NOPE"):
            uow.repos.work_orders.require_many(["WO-00001", "WO-NOPE"])


def test_deferred_rows_are_written_at_commit_with_the_outbox(db_url: str, make_app: Any) -> None:
    app = make_app(db_url)
    seed_minimal(app)
    before = latest_seq(app.engine)
    with app.uow(ADMIN) as uow:
        uow.audit("test.one", "machine", "M-SAV100", None, {"n": 1}, "first", deferred=True)
        uow.audit("test.two", "machine", "M-SAV100", {"n": 1}, {"n": 2}, "second", deferred=True)
        n = uow.conn.execute(
            select(func.count()).select_from(audit_log).where(audit_log.c.action.like("test.%"))
        ).scalar_one()
        assert n == 0  # not yet: they go with the commit
        uow.record(Change(Topic.MACHINE, "status_changed", ("M-SAV100",), {"k": [1, 2]}))
        uow.record(Change(Topic.MACHINE, "renamed", ("M-G1000",)))
        seen = _count_statements(app.engine)
        events = uow.commit()
        if uow.is_postgres:  # lock, both audit rows and the first outbox row: one statement
            assert len([s for s in seen if "pg_advisory_xact_lock" in s]) == 1
            assert len([s for s in seen if "audit_log" in s]) == 1
            assert len(seen) == 2
    assert [e.seq for e in events] == [before + 1, before + 2]
    assert [e.kind for e in events] == ["status_changed", "renamed"]
    stored = events_after(app.engine, before)
    assert [(e.seq, e.kind, e.ids, e.data) for e in stored] == [
        (before + 1, "status_changed", ("M-SAV100",), {"k": [1, 2]}),
        (before + 2, "renamed", ("M-G1000",), {}),
    ]
    assert stored[0].at == events[0].at
    with app.engine.connect() as conn:
        rows = conn.execute(
            select(audit_log.c.action, audit_log.c.after, audit_log.c.reason, audit_log.c.seat)
            .where(audit_log.c.action.like("test.%"))
            .order_by(audit_log.c.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("test.one", {"n": 1}, "first", "seat-1"),
        ("test.two", {"n": 2}, "second", "seat-1"),
    ]


def test_deferred_rows_without_changes_and_rolled_back_ones(db_url: str, make_app: Any) -> None:
    app = make_app(db_url)
    seed_minimal(app)
    with app.uow(ADMIN) as uow:
        uow.audit("test.kept", "machine", "M-SAV100", deferred=True)
        assert uow.commit() == []
    with app.uow(ADMIN) as uow:
        uow.audit("test.dropped", "machine", "M-SAV100", deferred=True)
        uow.record(Change(Topic.MACHINE, "status_changed", ("M-SAV100",)))
        # leaving without commit rolls back
    with app.engine.connect() as conn:
        actions = conn.execute(
            select(audit_log.c.action).where(audit_log.c.action.like("test.%"))
        ).scalars()
        assert list(actions) == ["test.kept"]
        assert conn.execute(select(func.count()).select_from(change_events)).scalar_one() == 0


def test_read_connections_skip_the_transaction_and_leave_the_pool_transactional(
    db_url: str, make_app: Any
) -> None:
    from sqlalchemy import text

    from services.persistence.engine import read_connection

    app = make_app(db_url)
    seed_minimal(app)
    with app.uow(ADMIN) as uow:
        uow.audit("test.kept", "machine", "M-SAV100")
        uow.commit()
    seen = _count_statements(app.engine)
    with read_connection(app.engine) as conn:
        kept = conn.execute(
            select(func.count()).select_from(audit_log).where(audit_log.c.action == "test.kept")
        ).scalar_one()
        assert kept == 1
        if app.engine.dialect.name == "postgresql":
            assert len(seen) == 1  # the SELECT alone (no BEGIN either: checked below)
        else:  # a deferred transaction: it takes no write lock
            assert seen[0] == "BEGIN DEFERRED"
            assert len(seen) == 2
        assert "audit_log" in seen[-1]
        if app.engine.dialect.name == "postgresql":
            assert conn.connection.driver_connection.autocommit is True
            # after a read no transaction is left open on the server: no BEGIN was sent
            conn.execute(text("SELECT 1")).scalar_one()
            status = conn.connection.driver_connection.info.transaction_status
            assert status.name == "IDLE"
    # the same pooled connection serves a unit of work next: it must be transactional again
    with app.uow(ADMIN) as uow:
        uow.audit("test.rolled_back", "machine", "M-SAV100")
        if uow.is_postgres:
            assert uow.conn.connection.driver_connection.autocommit is False
    with read_connection(app.engine) as conn:
        n = conn.execute(
            select(func.count())
            .select_from(audit_log)
            .where(audit_log.c.action == "test.rolled_back")
        ).scalar_one()
    assert n == 0
