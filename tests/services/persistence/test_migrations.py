"""The schema is made by the Alembic migrations only, on SQLite and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text

from services.errors import SchemaMismatch
from services.persistence import migrate
from services.persistence.engine import make_engine
from services.persistence.tables import metadata


def _expected_tables() -> set[str]:
    return set(metadata.tables) | {"alembic_version"}


def test_upgrade_creates_every_table_on_an_empty_sqlite_file(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    assert migrate.schema_status(engine).empty
    status = migrate.upgrade(engine)
    assert status.up_to_date
    assert set(migrate.table_names(engine)) == _expected_tables()
    # running it again changes nothing
    assert migrate.upgrade(engine).current == status.current
    engine.dispose()


def test_upgrade_creates_every_table_and_the_exclusion_constraints_on_postgres(
    pg_admin_url: str,
) -> None:
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS takt_migrate_empty")
        conn.execute("CREATE DATABASE takt_migrate_empty")
    url = pg_admin_url.rsplit("/", 1)[0] + "/takt_migrate_empty"
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        assert set(migrate.table_names(engine)) == _expected_tables()
        with engine.connect() as conn:
            names = set(
                conn.execute(
                    text("SELECT conname FROM pg_constraint WHERE contype = 'x'")
                ).scalars()
            )
        assert names == {"ex_allocations_operator_overlap", "ex_allocations_machine_overlap"}
    finally:
        engine.dispose()
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS takt_migrate_empty WITH (FORCE)")


def test_a_database_newer_than_the_program_is_refused(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    with pytest.raises(SchemaMismatch, match="newer than this program") as info:
        migrate.require_current(engine)
    assert info.value.newer
    with pytest.raises(SchemaMismatch, match="install the newer"):
        migrate.upgrade(engine)
    engine.dispose()


def test_an_empty_database_asks_for_an_upgrade(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    with pytest.raises(SchemaMismatch, match="takt db upgrade") as info:
        migrate.require_current(engine)
    assert not info.value.newer
    engine.dispose()
