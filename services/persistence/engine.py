"""Engines for SQLite (embedded) and PostgreSQL (shared), with errors a person can act on."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, DisconnectionError, NoSuchModuleError

from services.config import redact_url
from services.errors import ConfigurationError, DatabaseUnavailable
from services.secrets import fill_database_password

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 30_000
PG_CONNECT_TIMEOUT_S = 5
# A pooled PostgreSQL connection idle longer than this is pinged before it is handed out (the
# server may have restarted or a firewall dropped it meanwhile); a busy one is not, which saves
# a round trip per transaction. A connection that dies while in use fails that one statement;
# SQLAlchemy then recognises the disconnect and replaces every older connection of the pool.
PG_PING_AFTER_IDLE_S = 5.0


def normalise_url(raw: str) -> URL:
    """Parse a database URL; accept postgres:// and postgresql:// for psycopg 3."""
    raw = raw.strip()
    if not raw:
        raise ConfigurationError("the database URL is empty")
    if "://" not in raw:
        raise ConfigurationError(
            f"{raw!r} is not a database URL: use sqlite:///PATH or postgresql://USER@HOST/DB"
        )
    scheme = raw.split("://", 1)[0]
    if scheme in ("postgres", "postgresql", "postgresql+psycopg2", "postgresql+psycopg"):
        raw = "postgresql+psycopg://" + raw.split("://", 1)[1]
    elif scheme not in ("sqlite", "sqlite+pysqlite"):
        raise ConfigurationError(
            f"unsupported database type {scheme!r}: use sqlite:///PATH or postgresql://USER@HOST/DB"
        )
    try:
        return make_url(raw)
    except ArgumentError as exc:
        raise ConfigurationError(f"malformed database URL {redact_url(raw)!r}: {exc}") from exc


def is_sqlite(engine_or_url: Engine | URL | str) -> bool:
    if isinstance(engine_or_url, Engine):
        return engine_or_url.dialect.name == "sqlite"
    url = engine_or_url if isinstance(engine_or_url, URL) else normalise_url(engine_or_url)
    return url.get_backend_name() == "sqlite"


def make_engine(
    raw_url: str, *, pool_size: int = 5, echo: bool = False, create: bool = True
) -> Engine:
    """An engine for ``raw_url``. With ``create=False`` a missing SQLite file is an error
    (a typo in a path must not silently make a new, empty database)."""
    url = normalise_url(raw_url)
    url = fill_database_password(url)  # a password kept in the OS keyring (services/secrets.py)
    try:
        if url.get_backend_name() == "sqlite":
            if not create and url.database not in (None, "", ":memory:"):
                path = Path(str(url.database)).expanduser()
                if not path.exists():
                    raise ConfigurationError(
                        f"there is no database file at {path} (create it with `takt db upgrade`)"
                    )
            return _sqlite_engine(url, echo=echo)
        engine = create_engine(
            url,
            echo=echo,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_use_lifo=True,  # the most recently used connection: warm, rarely idle
            pool_recycle=1800,
            connect_args={"connect_timeout": PG_CONNECT_TIMEOUT_S, "application_name": "takt"},
        )
        _ping_after_idle(engine, PG_PING_AFTER_IDLE_S)
        return engine
    except NoSuchModuleError as exc:  # pragma: no cover - packaging problem
        raise ConfigurationError(f"no driver for {url.drivername}: {exc}") from exc


def _ping_after_idle(engine: Engine, idle_s: float) -> None:
    """Ping a pooled connection on checkout only when it was idle more than ``idle_s``
    (instead of ``pool_pre_ping``, which costs a round trip on every checkout)."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info["takt_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("takt_idle_since")
        if since is None or time.monotonic() - since <= idle_s:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:  # the pool retries with a new connection
            raise DisconnectionError(f"a pooled connection was dead: {exc}") from exc


def _sqlite_engine(url: URL, *, echo: bool) -> Engine:
    database = url.database
    if database and database != ":memory:":
        path = Path(database).expanduser()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigurationError(f"cannot create the folder of {path}: {exc}") from exc
        url = url.set(database=str(path))
    engine = create_engine(
        url,
        echo=echo,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself (see below).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if database and database != ":memory:":
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers take the write lock up front (BEGIN IMMEDIATE), so a rule checked inside the
        # transaction still holds at commit. Read-only work opts out with read_only=True.
        mode = "DEFERRED" if conn.get_execution_options().get("read_only") else "IMMEDIATE"
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def read_connection(engine: Engine) -> Connection:
    """A connection for reading only (``with read_connection(engine) as conn: ...``).

    On PostgreSQL it runs in autocommit: at READ COMMITTED each statement takes its own
    snapshot anyway, so a transaction around reads adds nothing but a BEGIN and a ROLLBACK
    round trip. On SQLite it is a deferred transaction (``read_only``, see the begin hook)."""
    conn = engine.connect()
    if engine.dialect.name == "postgresql":
        return conn.execution_options(isolation_level="AUTOCOMMIT", read_only=True)
    return conn.execution_options(read_only=True)


def describe_db_error(exc: BaseException, url: str) -> str:
    """One line saying what went wrong with the database, without the password."""
    orig = getattr(exc, "orig", None) or exc
    first = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    where = redact_url(url)
    lowered = first.lower()
    if "password authentication failed" in lowered:
        return f"the database at {where} refused the user name or password"
    if "does not exist" in lowered and "database" in lowered:
        return f"{first} (at {where})"
    if "connection refused" in lowered or "could not connect" in lowered:
        return f"cannot reach the database at {where}: connection refused (is the server running?)"
    if "timeout" in lowered or "timed out" in lowered:
        return f"cannot reach the database at {where}: the connection timed out"
    if "name or service not known" in lowered or "could not translate host" in lowered:
        return f"cannot reach the database at {where}: unknown host"
    if "unable to open database file" in lowered:
        return f"cannot open the database file of {where}"
    if "file is not a database" in lowered:
        return f"{where} is not an SQLite database file (damaged or another kind of file)"
    return f"database error at {where}: {first}"


def check_connection(engine: Engine) -> str:
    """Connect once and return the server version; raise DatabaseUnavailable with a clear line."""
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                version = conn.execute(text("select sqlite_version()")).scalar_one()
                conn.execute(text("PRAGMA schema_version")).scalar()
                return f"SQLite {version}"
            version = conn.execute(text("show server_version")).scalar_one()
            return f"PostgreSQL {version}"
    except DBAPIError as exc:
        raise DatabaseUnavailable(describe_db_error(exc, str(engine.url))) from exc
    except OSError as exc:
        raise DatabaseUnavailable(describe_db_error(exc, str(engine.url))) from exc
