"""The database side of the first-run wizard, on a real PostgreSQL server."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from domain.errors import ValidationError
from services.config import Paths
from services.errors import SchemaMismatch
from services.operations.first_run import (
    SchemaState,
    admins_of,
    check_database,
    create_first_admin,
    prepare_schema,
)
from services.persistence import migrate
from services.persistence.engine import make_engine

_n = itertools.count(1)


def empty_database(admin_url: str) -> Iterator[str]:
    import psycopg

    name = f"takt_empty_{os.getpid()}_{next(_n)}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield admin_url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def empty_pg_url(pg_admin_url: str) -> Iterator[str]:
    yield from empty_database(pg_admin_url)


def stamp_newer(url: str) -> None:
    engine = make_engine(url, create=False)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    engine.dispose()


def _paths(tmp_path: Path) -> Paths:
    return Paths(tmp_path / "d", tmp_path / "c", tmp_path / "l", tmp_path / "k")


@pytest.mark.postgres
def test_an_empty_database_gets_its_schema_and_a_first_admin(
    empty_pg_url: str, redis_url: str, tmp_path: Path
) -> None:
    check = check_database(empty_pg_url, redis_url)
    assert check.reachable
    assert check.state is SchemaState.EMPTY
    assert not check.usable
    assert "empty" in check.message()
    assert check.report.redis_ok is True
    check = prepare_schema(empty_pg_url)
    assert check.state is SchemaState.CURRENT
    assert check.usable
    assert check.admins == ()
    create_first_admin(empty_pg_url, "boss", "correct horse", seat="s1", paths=_paths(tmp_path))
    assert admins_of(empty_pg_url) == ("boss",)
    assert check_database(empty_pg_url).admins == ("boss",)
    with pytest.raises(ValidationError, match="exists already"):
        create_first_admin(empty_pg_url, "boss", "another one", seat="s1", paths=_paths(tmp_path))
    with pytest.raises(ValidationError, match="4 characters"):
        create_first_admin(empty_pg_url, "weak", "abc", seat="s1", paths=_paths(tmp_path))


@pytest.mark.postgres
def test_a_database_from_a_newer_program_is_reported_and_left_alone(pg_url: str) -> None:
    stamp_newer(pg_url)
    check = check_database(pg_url)
    assert check.state is SchemaState.NEWER
    assert not check.usable
    assert "newer Takt Control Room" in check.message()
    with pytest.raises(SchemaMismatch) as info:
        prepare_schema(pg_url)
    assert info.value.newer
    engine = make_engine(pg_url, create=False)
    try:
        assert migrate.current_revision(engine) == "9999_from_the_future"
    finally:
        engine.dispose()


def test_an_unreachable_database_says_why(tmp_path: Path) -> None:
    check = check_database("postgresql://takt@127.0.0.1:1/nowhere")
    assert not check.reachable
    assert check.state is None
    assert check.message().startswith("✗")
