"""Create or upgrade the schema with Alembic, and refuse a database newer than the program.

The migrations in services/persistence/migrations/versions are the only way the schema is made,
on SQLite and PostgreSQL alike (``takt db upgrade``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from services.errors import DatabaseUnavailable, SchemaMismatch, ServiceError
from services.persistence.engine import describe_db_error

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _alembic_config() -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    script = ScriptDirectory.from_config(_alembic_config())
    return {rev.revision for rev in script.walk_revisions()}


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except DBAPIError as exc:
        raise DatabaseUnavailable(describe_db_error(exc, str(engine.url))) from exc


@dataclass(frozen=True, slots=True)
class SchemaStatus:
    current: str | None
    head: str

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head

    @property
    def empty(self) -> bool:
        return self.current is None


def schema_status(engine: Engine) -> SchemaStatus:
    return SchemaStatus(current_revision(engine), head_revision())


def upgrade(engine: Engine, target: str = "head") -> SchemaStatus:
    """Bring the schema to ``target`` (default: the newest); refuse a newer database."""
    before = current_revision(engine)
    if before is not None and before not in known_revisions():
        raise SchemaMismatch(
            f"the database schema ({before}) is newer than this program understands "
            f"({head_revision()}): install the newer Takt Control Room",
            current=before,
            expected=head_revision(),
            newer=True,
        )
    cfg = _alembic_config()
    try:
        with engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:
                _sqlite_foreign_keys(conn, on=False)
            try:
                with conn.begin():
                    cfg.attributes["connection"] = conn
                    command.upgrade(cfg, target)
                    if sqlite:
                        _require_foreign_keys_intact(conn)
            finally:
                if sqlite:
                    _sqlite_foreign_keys(conn, on=True)
    except DBAPIError as exc:
        raise DatabaseUnavailable(describe_db_error(exc, str(engine.url))) from exc
    after = current_revision(engine)
    if before != after:
        log.info("schema upgraded from %s to %s", before, after)
    return SchemaStatus(after, head_revision())


def _sqlite_foreign_keys(conn: Connection, *, on: bool) -> None:
    """SQLite rebuilds a table in a batch migration (copy, drop, rename). With foreign keys on,
    the drop deletes the rows that reference it (ON DELETE CASCADE) or fails: they are switched
    off for the migration (outside a transaction, where SQLite honours the pragma) and checked
    before the commit instead."""
    driver = conn.connection.driver_connection
    assert driver is not None
    driver.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def _require_foreign_keys_intact(conn: Connection) -> None:
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        tables = sorted({str(row[0]) for row in broken})
        raise ServiceError(
            f"the migration left rows that point nowhere in {', '.join(tables)}; nothing was "
            "changed (report this: it is a bug in the migration)"
        )


def require_current(engine: Engine) -> None:
    """Refuse to run against a database whose schema is not the program's own."""
    status = schema_status(engine)
    if status.up_to_date:
        return
    if status.current is not None and status.current not in known_revisions():
        raise SchemaMismatch(
            f"the database schema ({status.current}) is newer than this program "
            f"({status.head}): install the newer Takt Control Room",
            current=status.current,
            expected=status.head,
            newer=True,
        )
    raise SchemaMismatch(
        f"the database schema is {status.current or 'empty'}, this program needs {status.head}: "
        "run `takt db upgrade`",
        current=status.current,
        expected=status.head,
        newer=False,
    )


def table_names(engine: Engine) -> list[str]:
    return sorted(inspect(engine).get_table_names())
