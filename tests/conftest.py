"""Shared fixtures.

- Qt runs offscreen; the developer's own configuration never leaks into tests (TAKT_HOME points
  to a fresh folder, TAKT_DATABASE_URL / TAKT_REDIS_URL / TAKT_SEAT are cleared).
- Real PostgreSQL and Redis: from TAKT_TEST_DATABASE_URL / TAKT_TEST_REDIS_URL, or throwaway
  servers started here for the session and stopped at its end, also when tests fail. When a
  server cannot start, every test that needs it fails with the reason: never a silent skip.
- Each database test gets a fresh database, copied from a template migrated once per session.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("YOLO_OFFLINE", "1")
os.environ.setdefault("YOLO_VERBOSE", "False")

import atexit
import itertools
import shutil
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.servers import PostgresServer, RedisServer, ServerError, start_postgres, start_redis

_counter = itertools.count(1)
NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # a Monday morning


@pytest.fixture(autouse=True)
def _fresh_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAKT_HOME", str(tmp_path / "takt-home"))
    for var in ("TAKT_DATABASE_URL", "TAKT_REDIS_URL", "TAKT_SEAT", "TAKT_USER"):
        monkeypatch.delenv(var, raising=False)


# -- PostgreSQL ---------------------------------------------------------------------------------


class _PgSource:
    """Where test databases come from: an external server (URL given) or a throwaway one."""

    def __init__(self) -> None:
        self.server: PostgresServer | None = None
        self.error: str | None = None
        self.admin_url: str | None = None
        self.template: str | None = None

    def url_for(self, database: str) -> str:
        assert self.admin_url is not None
        base, _ = self.admin_url.rsplit("/", 1)
        return f"{base}/{database}"


@pytest.fixture(scope="session")
def _pg() -> Iterator[_PgSource]:
    src = _PgSource()
    given = os.environ.get("TAKT_TEST_DATABASE_URL")
    try:
        if given:
            src.admin_url = given
        else:
            src.server = start_postgres()
            atexit.register(src.server.stop)
            src.admin_url = src.server.admin_url
        import psycopg

        src.template = f"takt_tpl_{os.getpid()}"
        with psycopg.connect(src.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{src.template}"')
            conn.execute(f'CREATE DATABASE "{src.template}"')
        from services.persistence import migrate
        from services.persistence.engine import make_engine

        engine = make_engine(src.url_for(src.template))
        try:
            migrate.upgrade(engine)
        finally:
            engine.dispose()
    except (ServerError, Exception) as exc:
        src.error = f"{type(exc).__name__}: {exc}"
    yield src
    if src.template and src.admin_url and not src.error:
        try:
            import psycopg

            with psycopg.connect(src.admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{src.template}" WITH (FORCE)')
        except Exception:
            pass
    if src.server is not None:
        src.server.stop()


@pytest.fixture
def pg_url(_pg: _PgSource) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for one test."""
    if _pg.error:
        pytest.fail(f"the test PostgreSQL server is not available: {_pg.error}")
    import psycopg

    name = f"takt_t{os.getpid()}_{next(_counter)}"
    assert _pg.admin_url is not None
    with psycopg.connect(_pg.admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{_pg.template}"')
    yield _pg.url_for(name)
    with psycopg.connect(_pg.admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_admin_url(_pg: _PgSource) -> str:
    if _pg.error:
        pytest.fail(f"the test PostgreSQL server is not available: {_pg.error}")
    assert _pg.admin_url is not None
    return _pg.admin_url


# -- SQLite -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _sqlite_template() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="takt-sqlite-"))
    path = root / "template.db"
    from services.persistence import migrate
    from services.persistence.engine import make_engine

    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()  # the last connection closing checkpoints the WAL into the file
    yield path
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def sqlite_url(_sqlite_template: Path, tmp_path: Path) -> str:
    """A fresh, migrated SQLite database file for one test."""
    path = tmp_path / "takt.db"
    shutil.copy(_sqlite_template, path)
    return f"sqlite:///{path}"


def _load_demo_into(url: str) -> None:
    from services.bootstrap import bootstrap
    from services.clock import FixedClock
    from services.config import Paths, load_config
    from services.demo.loader import load_demo

    root = Path(tempfile.mkdtemp(prefix="takt-demo-home-"))
    paths = Paths(root / "d", root / "c", root / "l", root / "k")
    app = bootstrap(load_config(database_url=url, paths=paths), clock=FixedClock(NOW))
    try:
        load_demo(app)
    finally:
        app.close()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def _demo_sqlite_template(_sqlite_template: Path) -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="takt-demo-"))
    path = root / "demo.db"
    shutil.copy(_sqlite_template, path)
    _load_demo_into(f"sqlite:///{path}")
    yield path
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def demo_sqlite_url(_demo_sqlite_template: Path, tmp_path: Path) -> str:
    """A fresh copy of an SQLite database holding the demo plant (generated at NOW, seed 7)."""
    path = tmp_path / "demo.db"
    shutil.copy(_demo_sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def _demo_pg_template(_pg: _PgSource) -> str:
    if _pg.error:
        pytest.fail(f"the test PostgreSQL server is not available: {_pg.error}")
    import psycopg

    name = f"takt_demo_tpl_{os.getpid()}"
    assert _pg.admin_url is not None
    with psycopg.connect(_pg.admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{_pg.template}"')
    _load_demo_into(_pg.url_for(name))
    return name


@pytest.fixture
def demo_pg_url(_pg: _PgSource, _demo_pg_template: str) -> Iterator[str]:
    """A fresh PostgreSQL database holding the demo plant (copied from a template)."""
    import psycopg

    name = f"takt_d{os.getpid()}_{next(_counter)}"
    assert _pg.admin_url is not None
    with psycopg.connect(_pg.admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{_demo_pg_template}"')
    yield _pg.url_for(name)
    with psycopg.connect(_pg.admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest) -> str:
    """The same test on the embedded SQLite file and on the real PostgreSQL server."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return str(request.getfixturevalue(name))


# -- Redis --------------------------------------------------------------------------------------


class _RedisSource:
    def __init__(self) -> None:
        self.server: RedisServer | None = None
        self.url: str | None = None
        self.error: str | None = None


@pytest.fixture(scope="session")
def _redis() -> Iterator[_RedisSource]:
    src = _RedisSource()
    given = os.environ.get("TAKT_TEST_REDIS_URL")
    try:
        if given:
            src.url = given
        else:
            src.server = start_redis()
            atexit.register(src.server.destroy)
            src.url = src.server.url
    except ServerError as exc:
        src.error = str(exc)
    yield src
    if src.server is not None:
        src.server.destroy()


@pytest.fixture
def redis_url(_redis: _RedisSource) -> str:
    """The session's Redis, flushed for this test."""
    if _redis.error or not _redis.url:
        pytest.fail(f"the test Redis server is not available: {_redis.error}")
    import redis

    client = redis.Redis.from_url(_redis.url)
    try:
        client.flushdb()
    finally:
        client.close()
    return _redis.url


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A Redis server of this test alone, which the test may restart."""
    try:
        server = start_redis()
    except ServerError as exc:
        pytest.fail(f"cannot start a Redis server for this test: {exc}")
    yield server
    server.destroy()


# -- the service stack ----------------------------------------------------------------------------


@pytest.fixture
def make_app(tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """Build seats' service stacks on a database URL (closed after the test)."""
    from services.bootstrap import bootstrap
    from services.clock import FixedClock
    from services.config import Paths, load_config

    apps: list[Any] = []

    def _make(
        url: str,
        *,
        redis_url: str | None = None,
        seat: str = "seat-1",
        user: str = "admin",
        clock: Any = None,
        **kw: Any,
    ) -> Any:
        paths = Paths(tmp_path / "d", tmp_path / "c", tmp_path / "l", tmp_path / "k")
        config = load_config(
            database_url=url, redis_url=redis_url, seat=seat, user=user, paths=paths
        )
        app = bootstrap(config, clock=clock or FixedClock(NOW), **kw)
        apps.append(app)
        return app

    yield _make
    for app in apps:
        app.close()
