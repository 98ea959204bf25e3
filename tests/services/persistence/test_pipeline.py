"""Statements sent together (services/persistence/pipeline.py): the same rows as one by one, in
the caller's transaction, on SQLite and PostgreSQL; a failure raises SQLAlchemy's exception."""

from __future__ import annotations

from datetime import UTC
from typing import Any

import pytest
from sqlalchemy import bindparam, event, select, update
from sqlalchemy.exc import IntegrityError

from services.persistence.pipeline import Pipeline
from services.persistence.tables import people, work
from tests.services.persistence.helpers import ADMIN, seed_minimal

WO = work.work_orders
OPS = people.operators

LOCK_WOS = select(WO).where(WO.c.id.in_(bindparam("ids", expanding=True))).order_by(WO.c.id)
OPS_BY_ID = select(OPS.c.id, OPS.c.first_name.label("name")).where(
    OPS.c.id.in_(bindparam("ids", expanding=True))
)
RENAME = update(OPS).where(OPS.c.id == bindparam("key")).values(first_name=bindparam("name"))


def test_rows_match_one_by_one_reads(db_url: str, make_app: Any) -> None:
    app = make_app(db_url)
    seed_minimal(app)
    with app.uow(ADMIN) as uow:
        ids = {"ids": ["WO-00002", "WO-00001"]}
        expected = [dict(r) for r in uow.conn.execute(LOCK_WOS, ids).mappings()]
        p = Pipeline(uow.conn)
        assert p.pipelined is uow.is_postgres
        wos = p.add(LOCK_WOS.with_for_update() if uow.is_postgres else LOCK_WOS, ids)
        one = p.add(OPS_BY_ID, {"ids": ["OP-0002"]})
        none = p.add(OPS_BY_ID, {"ids": ["OP-NOPE"]})
        assert len(p) == 3
        p.run()
        assert len(p) == 0
    assert [r["id"] for r in wos.rows] == ["WO-00001", "WO-00002"]
    assert wos.rows == expected
    due = wos.rows[0]["due_date"]
    assert due.tzinfo is not None
    assert due.utcoffset() == UTC.utcoffset(due)
    assert one.rows == [{"id": "OP-0002", "name": "First2"}]
    assert none.rows == []


def test_writes_run_in_order_in_the_callers_transaction(db_url: str, make_app: Any) -> None:
    app = make_app(db_url)
    seed_minimal(app)
    with app.uow(ADMIN) as uow:
        p = Pipeline(uow.conn)
        renamed = p.add(RENAME, {"key": "OP-0001", "name": "Renamed"})
        missing = p.add(RENAME, {"key": "OP-NOPE", "name": "x"})
        after = p.add(OPS_BY_ID, {"ids": ["OP-0001"]})  # sees the update before it
        p.run()
        assert (renamed.rowcount, missing.rowcount) == (1, 0)
        assert after.rows == [{"id": "OP-0001", "name": "Renamed"}]
        # not committed: leaving the unit of work rolls it back
    with app.uow(ADMIN) as uow:
        name = uow.conn.execute(select(OPS.c.first_name).where(OPS.c.id == "OP-0001")).scalar()
    assert name == "First1"


def test_postgres_sends_them_in_one_pipeline(
    pg_url: str, make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg

    app = make_app(pg_url)
    seed_minimal(app)
    seen: list[str] = []
    event.listen(app.engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    entered: list[int] = []
    original = psycopg.Connection.pipeline

    def counting(self: Any) -> Any:
        entered.append(1)
        return original(self)

    monkeypatch.setattr(psycopg.Connection, "pipeline", counting)
    with app.uow(ADMIN) as uow:
        p = Pipeline(uow.conn)
        got = [p.add(OPS_BY_ID, {"ids": [key]}) for key in ("OP-0001", "OP-0002", "OP-0003")]
        p.run()
        raw = uow.conn.connection.driver_connection
        assert raw.info.transaction_status.name == "INTRANS"  # it began the transaction
    assert entered == [1]
    assert len(seen) == 3  # listeners still see each statement go
    assert [g.rows[0]["id"] for g in got] == ["OP-0001", "OP-0002", "OP-0003"]


def test_a_failing_statement_raises_sqlalchemys_error_and_aborts(
    db_url: str, make_app: Any
) -> None:
    app = make_app(db_url)
    seed_minimal(app)
    dup = work.work_orders.insert().values(
        id="WO-00001", number="dup", product_id="P-1", product_name="x", quantity_ordered=1
    )
    with app.uow(ADMIN) as uow:
        p = Pipeline(uow.conn)
        p.add(RENAME, {"key": "OP-0001", "name": "Lost"})
        p.add(dup)
        after = p.add(OPS_BY_ID, {"ids": ["OP-0001"]})
        with pytest.raises(IntegrityError, match=r"WO-00001|UNIQUE|unique"):
            p.run()
        assert after.rows == []
    with app.uow(ADMIN) as uow:
        name = uow.conn.execute(select(OPS.c.first_name).where(OPS.c.id == "OP-0001")).scalar()
    assert name == "First1"


RENAME_IF = (
    update(OPS)
    .where(OPS.c.id == bindparam("key"), OPS.c.version == bindparam("expected"))
    .values(first_name=bindparam("name"))
)


def test_a_deferred_write_that_misses_its_row_saves_nothing(db_url: str, make_app: Any) -> None:
    from domain.errors import ConcurrentEdit
    from domain.events import Change, Topic
    from services.messaging.outbox import latest_seq

    app = make_app(db_url)
    seed_minimal(app)
    before = latest_seq(app.engine)
    seen: list[int] = []

    def check(rowcount: int) -> None:
        seen.append(rowcount)
        if rowcount != 1:
            raise ConcurrentEdit("operator", "OP-0002")

    with pytest.raises(ConcurrentEdit), app.uow(ADMIN) as uow:
        uow.defer_write(RENAME_IF, {"key": "OP-0001", "name": "Saved?", "expected": 1}, check)
        uow.defer_write(RENAME_IF, {"key": "OP-0002", "name": "Lost", "expected": 99}, check)
        uow.record(Change(Topic.SYSTEM, "tick", ("x",)))
        uow.commit()
    with app.uow(ADMIN) as uow:
        names = dict(uow.conn.execute(select(OPS.c.id, OPS.c.first_name)).all())
    assert (names["OP-0001"], names["OP-0002"]) == ("First1", "First2")
    assert latest_seq(app.engine) == before  # no outbox row either
    # nor one that changes more than its one row
    every = update(OPS).where(OPS.c.version == bindparam("expected"))
    every = every.values(first_name=bindparam("name"))
    with pytest.raises(ConcurrentEdit), app.uow(ADMIN) as uow:
        uow.defer_write(every, {"name": "Everybody", "expected": 1}, check)
        uow.record(Change(Topic.SYSTEM, "tick", ("x",)))
        uow.commit()
    with app.uow(ADMIN) as uow:
        left = {n for _i, n in uow.conn.execute(select(OPS.c.id, OPS.c.first_name)).all()}
    assert "Everybody" not in left
    assert latest_seq(app.engine) == before
    # and when both match, both are written with the outbox row, in one commit
    with app.uow(ADMIN) as uow:
        uow.defer_write(RENAME_IF, {"key": "OP-0001", "name": "One", "expected": 1}, check)
        uow.defer_write(RENAME_IF, {"key": "OP-0002", "name": "Two", "expected": 1}, check)
        uow.record(Change(Topic.SYSTEM, "tick", ("y",)))
        events = uow.commit()
    assert [e.seq for e in events] == [before + 1]
    with app.uow(ADMIN) as uow:
        names = dict(uow.conn.execute(select(OPS.c.id, OPS.c.first_name)).all())
    assert (names["OP-0001"], names["OP-0002"]) == ("One", "Two")
    assert seen[-2:] == [1, 1]


def test_a_connection_the_server_dropped_is_not_reused(pg_url: str, make_app: Any) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    app = make_app(pg_url)
    seed_minimal(app)
    with app.uow(ADMIN) as uow:
        pid = uow.conn.execute(text("SELECT pg_backend_pid()")).scalar()
        with app.engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        p = Pipeline(uow.conn)
        p.add(OPS_BY_ID, {"ids": ["OP-0001"]})
        with pytest.raises(OperationalError):
            p.run()
        assert uow.conn.invalidated
        uow.rollback()
    with app.uow(ADMIN) as uow:  # a fresh connection, not the dead one
        p = Pipeline(uow.conn)
        again = p.add(OPS_BY_ID, {"ids": ["OP-0001"]})
        p.run()
    assert again.rows == [{"id": "OP-0001", "name": "First1"}]
