"""A generic repository over one table: get, lock, add, versioned update, delete, list."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import Table, and_, bindparam, delete, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from domain.errors import ConcurrentEdit, NotFound, SlotConflict, ValidationError
from services.persistence.mapping import EntityMapper
from services.persistence.tables.system import audit_log

T = TypeVar("T")

# SQLSTATE codes worth a sentence
EXCLUSION_VIOLATION = "23P01"
CHECK_VIOLATION = "23514"
UNIQUE_VIOLATION = "23505"
FOREIGN_KEY_VIOLATION = "23503"


def sqlstate(exc: IntegrityError) -> str | None:
    orig = exc.orig
    return getattr(orig, "sqlstate", None) or getattr(getattr(orig, "diag", None), "sqlstate", None)


def translate_integrity(exc: IntegrityError, entity: str) -> Exception:
    """Database constraint failures as domain errors a person can read."""
    state = sqlstate(exc)
    text = str(exc.orig).splitlines()[0] if exc.orig else str(exc)
    if state == EXCLUSION_VIOLATION:
        return SlotConflict(
            f"{entity}: the resource already holds an overlapping allocation", detail=text
        )
    if state == UNIQUE_VIOLATION or "UNIQUE constraint failed" in text:
        return ValidationError(f"{entity} already exists ({text})", code="duplicate")
    if state == FOREIGN_KEY_VIOLATION or "FOREIGN KEY constraint failed" in text:
        return ValidationError(f"{entity} refers to something that does not exist ({text})")
    if state == CHECK_VIOLATION or "CHECK constraint failed" in text:
        return ValidationError(f"{entity} breaks a rule of the database ({text})")
    return ValidationError(f"{entity} could not be saved: {text}")


class SqlRepository(Generic[T]):
    """Rows of ``table`` as ``T``; ``key`` names the primary-key column(s)."""

    entity_name = "entity"  # for messages: "work order WO-00001 ..."

    @property
    def entity_type(self) -> str:
        """The stable code of the entity in audit rows and change events ("work_order")."""
        return self.entity_name.replace(" ", "_")

    def __init__(
        self,
        conn: Connection,
        mapper: EntityMapper[T],
        *,
        key: Sequence[str] = ("id",),
        versioned: bool = True,
    ) -> None:
        self.conn = conn
        self.mapper = mapper
        self.table: Table = mapper.table
        self.key = tuple(key)
        self.versioned = versioned and "version" in self.table.c
        self.is_postgres = conn.dialect.name == "postgresql"

    # -- reading ---------------------------------------------------------------------------
    def _where_key(self, key: object) -> ColumnElement[bool]:
        values = key if isinstance(key, tuple) else (key,)
        if len(values) != len(self.key):
            raise TypeError(f"{self.entity_name} key has {len(self.key)} parts")
        return and_(*(self.table.c[k] == v for k, v in zip(self.key, values, strict=True)))

    def _key_of(self, entity: T) -> object:
        values = tuple(getattr(entity, k) for k in self.key)
        return values[0] if len(values) == 1 else values

    def load(self, row: Mapping[Any, Any]) -> T:
        return self.mapper.from_row(row)

    def get(self, key: object, *, lock: bool = False) -> T | None:
        stmt = select(self.table).where(self._where_key(key))
        if lock and self.is_postgres:
            stmt = stmt.with_for_update()
        row = self.conn.execute(stmt).mappings().first()
        return None if row is None else self.load(row)

    def get_many(self, keys: Iterable[Any], *, lock: bool = False) -> dict[Any, T]:
        """The rows of ``keys`` (single-column keys) by key, read in one statement; with
        ``lock`` (PostgreSQL) locked in key order, so callers that lock in a fixed order can
        take several rows at once. Missing keys are left out."""
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        if len(self.key) != 1:
            found = {k: self.get(k, lock=lock) for k in wanted}
            return {k: e for k, e in found.items() if e is not None}
        stmt, params = self.many_query(wanted, lock=lock)
        return self.many_from(self.conn.execute(stmt, params).mappings().all())

    def many_query(self, keys: Iterable[Any], *, lock: bool = False) -> tuple[Any, dict[str, Any]]:
        """The statement and parameters of :meth:`get_many` for a single-column key, to run
        now or to send with others (services/persistence/pipeline.py); read the rows with
        :meth:`many_from`."""
        if len(self.key) != 1:
            raise TypeError(f"{self.entity_name} has a key of {len(self.key)} columns")
        locking = lock and self.is_postgres
        key = ("many", self.table, locking)
        stmt = _STATEMENTS.get(key)
        if stmt is None:
            col = self.table.c[self.key[0]]
            stmt = select(self.table).where(col.in_(bindparam("keys", expanding=True)))
            stmt = stmt.order_by(col)
            stmt = _remember(key, stmt.with_for_update() if locking else stmt)
        return stmt, {"keys": sorted(set(keys))}

    def many_from(self, rows: Iterable[Mapping[Any, Any]]) -> dict[Any, T]:
        """The rows of :meth:`many_query` by key."""
        return {r[self.key[0]]: self.load(r) for r in rows}

    def require_many(self, keys: Iterable[Any], *, lock: bool = False) -> dict[Any, T]:
        """:meth:`get_many`, raising NotFound for the first key that does not exist."""
        wanted = sorted(set(keys))
        found = self.get_many(wanted, lock=lock)
        for k in wanted:
            if k not in found:
                raise NotFound(self.entity_name, k)
        return found

    def require(self, key: object, *, lock: bool = False) -> T:
        entity = self.get(key, lock=lock)
        if entity is None:
            raise NotFound(self.entity_name, key)
        return entity

    def list(
        self,
        *where: ColumnElement[bool],
        order_by: Iterable[Any] = (),
        limit: int | None = None,
    ) -> list[T]:
        stmt = select(self.table)
        for w in where:
            stmt = stmt.where(w)
        order = list(order_by) or [self.table.c[k] for k in self.key]
        stmt = stmt.order_by(*order)
        if limit is not None:
            stmt = stmt.limit(limit)
        return [self.load(r) for r in self.conn.execute(stmt).mappings()]

    def count(self, *where: ColumnElement[bool]) -> int:
        stmt = select(func.count()).select_from(self.table)
        for w in where:
            stmt = stmt.where(w)
        return int(self.conn.execute(stmt).scalar_one())

    # -- writing ---------------------------------------------------------------------------
    def add(self, entity: T) -> T:
        row = self.mapper.to_row(entity)
        autoinc = [k for k in self.key if row.get(k) is None]
        for k in autoinc:
            row.pop(k, None)
        try:
            stmt = _insert_statement(self.table, tuple(row), autoinc[0] if autoinc else None)
            params = {f"new_{c}": v for c, v in row.items()}
            if autoinc:
                new_key = self.conn.execute(stmt, params).scalar_one()
                setattr(entity, autoinc[0], new_key)
            else:
                self.conn.execute(stmt, params)
        except IntegrityError as exc:
            raise translate_integrity(exc, self.entity_name) from exc
        return entity

    def add_many(self, entities: Iterable[T]) -> int:
        rows = [self.mapper.to_row(e) for e in entities]
        if not rows:
            return 0
        for k in self.key:  # let the database number new rows (explicit NULL fails on PostgreSQL)
            if all(r.get(k) is None for r in rows):
                for r in rows:
                    r.pop(k, None)
        try:
            self.conn.execute(insert(self.table), rows)
        except IntegrityError as exc:
            raise translate_integrity(exc, self.entity_name) from exc
        return len(rows)

    def update(self, entity: T, *, expected_version: int | None = None) -> T:
        """Write every mapped field; with a version column, only if nobody changed it meanwhile.

        ``expected_version`` defaults to the entity's own ``version`` (the one it was read at).
        The stored version goes up by one and so does the entity's.
        """
        stmt, params, done = self.update_query(entity, expected_version=expected_version)
        try:
            result = self.conn.execute(stmt, params)
        except IntegrityError as exc:
            raise translate_integrity(exc, self.entity_name) from exc
        done(result.rowcount)
        return entity

    def update_query(
        self, entity: T, *, expected_version: int | None = None
    ) -> tuple[Any, dict[str, Any], Callable[[int], None]]:
        """:meth:`update` as a statement, its parameters and a function to call with the row
        count it gave (it raises NotFound or ConcurrentEdit for none, and moves the entity's
        version on), for a write sent later (UnitOfWork.defer_write)."""
        row = self.mapper.to_row(entity)
        key = self._key_of(entity)
        for k in self.key:
            row.pop(k, None)
        params: dict[str, Any] = {}
        if self.versioned:
            expected = expected_version if expected_version is not None else entity.version  # type: ignore[attr-defined]
            params["expected_version"] = expected
            row["version"] = expected + 1
        values = key if isinstance(key, tuple) else (key,)
        if len(values) != len(self.key):
            raise TypeError(f"{self.entity_name} key has {len(self.key)} parts")
        params.update({f"key_{k}": v for k, v in zip(self.key, values, strict=True)})
        params.update({f"new_{c}": v for c, v in row.items()})
        stmt = _update_statement(self.table, self.key, tuple(row), self.versioned)

        def done(rowcount: int) -> None:
            if rowcount == 0:
                if self.get(key) is None:
                    raise NotFound(self.entity_name, key)
                raise self.stale(key)
            if self.versioned:
                entity.version = row["version"]  # type: ignore[attr-defined]

        return stmt, params, done

    def check_version(self, entity: T, expected_version: int | None) -> None:
        """Refuse when the caller saw an older version than the one stored now."""
        if expected_version is None or not self.versioned:
            return
        if entity.version != expected_version:  # type: ignore[attr-defined]
            raise self.stale(self._key_of(entity))

    def stale(self, key: object) -> ConcurrentEdit:
        """A ConcurrentEdit naming who changed ``key`` last, from which seat and when."""
        entity_id = key if not isinstance(key, tuple) else "/".join(map(str, key))
        last = self.conn.execute(
            select(audit_log.c.user, audit_log.c.seat, audit_log.c.at)
            .where(audit_log.c.entity_type == self.entity_type)
            .where(audit_log.c.entity_id == str(entity_id))
            .order_by(audit_log.c.id.desc())
            .limit(1)
        ).first()
        if last is None:
            return ConcurrentEdit(self.entity_name, entity_id)
        return ConcurrentEdit(
            self.entity_name, entity_id, changed_by=last.user, seat=last.seat, at=last.at
        )

    def delete(self, key: object) -> bool:
        result = self.conn.execute(delete(self.table).where(self._where_key(key)))
        return bool(result.rowcount)


# -- statements built once per table and column set -------------------------------------------
# Building an INSERT or UPDATE of every column of a wide table (and hashing it for SQLAlchemy's
# compiled cache) took about 0.5 ms each time; built once, they are reused with parameters.

_STATEMENTS: dict[tuple[Any, ...], Any] = {}
_MAX_STATEMENTS = 512


def _remember(key: tuple[Any, ...], stmt: Any) -> Any:
    if len(_STATEMENTS) < _MAX_STATEMENTS:
        _STATEMENTS[key] = stmt
    return stmt


def _insert_statement(table: Table, columns: tuple[str, ...], returning: str | None) -> Any:
    """``INSERT INTO table (columns) VALUES (:new_<column>...) [RETURNING returning]``."""
    key = ("insert", table, columns, returning)
    stmt = _STATEMENTS.get(key)
    if stmt is None:
        stmt = insert(table).values(
            {c: bindparam(f"new_{c}", type_=table.c[c].type) for c in columns}
        )
        if returning is not None:
            stmt = stmt.returning(table.c[returning])
        stmt = _remember(key, stmt)
    return stmt


def _update_statement(
    table: Table, key_columns: tuple[str, ...], columns: tuple[str, ...], versioned: bool
) -> Any:
    """``UPDATE table SET <column>=:new_<column>... WHERE <key>=:key_<key> [AND version =
    :expected_version]``."""
    key = ("update", table, key_columns, columns, versioned)
    stmt = _STATEMENTS.get(key)
    if stmt is None:
        where = [table.c[k] == bindparam(f"key_{k}", type_=table.c[k].type) for k in key_columns]
        if versioned:
            version = table.c.version
            where.append(version == bindparam("expected_version", type_=version.type))
        stmt = _remember(
            key,
            update(table)
            .where(and_(*where))
            .values({c: bindparam(f"new_{c}", type_=table.c[c].type) for c in columns}),
        )
    return stmt
