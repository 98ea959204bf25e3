"""Several statements in one round trip: psycopg's pipeline mode on PostgreSQL.

    p = Pipeline(uow.conn)
    ops = p.add(lock_operators, {"ids": ["OP-1"]})
    bookings = p.add(bookings_select, {"operators": ["OP-1"]})
    p.run()
    ops.rows, bookings.rows            # lists of {column: value}

The server runs the statements one after the other, in the order added, in the connection's
transaction, each with a fresh snapshot (READ COMMITTED) as if sent one by one: a ``FOR UPDATE``
still waits for its lock before the statements after it run, so locks are still taken in the
caller's order and a read placed after a lock sees what the lock holder committed. Only the
waiting between them goes: the client sends them all, then reads all the results. A failing
statement aborts the rest and the transaction, as it would have one by one; the error comes out
of :meth:`Pipeline.run` as SQLAlchemy's exception for it (``OperationalError`` for a deadlock,
``IntegrityError`` for a constraint), so callers handle it as before. Listeners of SQLAlchemy's
``before_cursor_execute`` event see each statement as it is sent (with no execution context).

Statements are SQLAlchemy Core statements (``expanding`` IN parameters allowed), compiled once
per statement object for the connection's dialect; rows come back with the columns' result
processing applied (aware UTC datetimes, as :class:`~services.persistence.types.UtcDateTime`
gives). On any other database (SQLite) each statement simply runs in turn.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError

Processor = Callable[[Any], Any]


@dataclass
class Pending:
    """One statement of a pipeline; ``rows`` and ``rowcount`` are set by :meth:`Pipeline.run`."""

    statement: Any
    params: Mapping[str, Any]
    rows: list[dict[str, Any]] = field(default_factory=list)
    rowcount: int = -1


@dataclass
class _Compiled:
    compiled: Any
    columns: list[Any]  # the result columns (name and type), [] for a statement without rows
    # the columns' result processors, made on the first result (they depend on the type
    # codes the server sends)
    names: tuple[str, ...] | None = None
    processors: tuple[Processor | None, ...] | None = None

    def processing(
        self, dialect: Dialect, cursor: Any
    ) -> tuple[tuple[str, ...], tuple[Processor | None, ...]]:
        if self.names is None or self.processors is None:
            description = cursor.description  # built anew on every access: once per statement
            if len(self.columns) == len(description):
                self.processors = tuple(
                    c.type.dialect_impl(dialect).result_processor(dialect, d.type_code)
                    for c, d in zip(self.columns, description, strict=True)
                )
                self.names = tuple(c.keyname for c in self.columns)
            else:  # a textual statement: names as the server gives them, values as they come
                self.processors = (None,) * len(description)
                self.names = tuple(d.name for d in description)
        return self.names, self.processors


_COMPILED: dict[int, tuple[Any, _Compiled]] = {}
_MAX_COMPILED = 256
_lock = threading.Lock()


def _compile(statement: Any, dialect: Dialect) -> _Compiled:
    """The statement compiled for ``dialect`` with its result columns' processors, once per
    statement object (the callers' statements are built once per shape and kept)."""
    got = _COMPILED.get(id(statement))
    if got is not None and got[0] is statement:
        return got[1]
    compiled = statement.compile(dialect=dialect)
    made = _Compiled(compiled, list(getattr(compiled, "_result_columns", None) or []))
    with _lock:
        if len(_COMPILED) >= _MAX_COMPILED:
            _COMPILED.clear()
        _COMPILED[id(statement)] = (statement, made)
    return made


def _bind(compiled: Any, params: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The SQL text for these parameters (IN lists expanded) and the values with bind
    processing applied (aware datetimes to UTC, JSON documents...), as SQLAlchemy's own
    execution does: the statement's processors, then those of the expanded names."""
    state = compiled.construct_expanded_state(dict(params))
    values = dict(state.parameters)
    processors = {**compiled._bind_processors, **state.processors}
    for name, value in values.items():
        process = processors.get(name)
        if callable(process):
            values[name] = process(value)
    return state.statement, values


class Pipeline:
    """Statements to run together on ``conn`` (see the module docstring)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._items: list[Pending] = []
        self.pipelined = conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg"

    def add(self, statement: Any, params: Mapping[str, Any] | None = None) -> Pending:
        item = Pending(statement, params or {})
        self._items.append(item)
        return item

    def __len__(self) -> int:
        return len(self._items)

    def run(self, *, commit: bool = False) -> None:
        """Run what was added; with ``commit``, commit the transaction too (on PostgreSQL the
        COMMIT goes in the same pipeline: the server commits right after the last statement,
        and not at all if one of them failed)."""
        items, self._items = self._items, []
        if not self.pipelined:
            for item in items:
                result = self.conn.execute(item.statement, dict(item.params))
                item.rowcount = result.rowcount
                if result.returns_rows:
                    item.rows = [dict(r) for r in result.mappings()]
            if commit:
                self.conn.commit()
            return
        if items or commit:
            self._run_pipelined(items, commit)

    def _run_pipelined(self, items: list[Pending], commit: bool) -> None:
        import psycopg
        from psycopg.pq import ExecStatus

        tuples_ok = ExecStatus.TUPLES_OK

        dialect = self.conn.dialect
        raw: psycopg.Connection[Any] = self.conn.connection.driver_connection  # type: ignore[assignment]
        prepared = [_compile(item.statement, dialect) for item in items]
        texts = [_bind(p.compiled, item.params) for p, item in zip(prepared, items, strict=True)]
        cursors: list[psycopg.Cursor[Any]] = []
        conn = self.conn
        observed = conn._has_events or conn.engine._has_events
        try:
            with raw.pipeline():
                for sql, values in texts:
                    cur = raw.cursor()
                    if observed:  # SQLAlchemy's statement listeners see it go (no context)
                        conn.dispatch.before_cursor_execute(conn, cur, sql, values, None, False)
                    cur.execute(sql, values)
                    cursors.append(cur)
                if commit:
                    raw.commit()
            for item, p, cur in zip(items, prepared, cursors, strict=True):
                item.rowcount = cur.rowcount
                result = cur.pgresult
                if result is None or result.status != tuples_ok:
                    continue
                names, procs = p.processing(dialect, cur)
                item.rows = [
                    {
                        n: (f(v) if f is not None and v is not None else v)
                        for n, f, v in zip(names, procs, row, strict=True)
                    }
                    for row in cur.fetchall()
                ]
        except psycopg.Error as exc:
            if raw.closed or raw.broken:  # the server went away: the pool must not reuse it
                conn.invalidate(exc)
            sent = ";\n".join(sql for sql, _values in texts)
            raise DBAPIError.instance(sent, None, exc, psycopg.Error) from exc
        finally:
            for cur in cursors:
                cur.close()
