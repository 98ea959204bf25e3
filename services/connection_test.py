"""Test a database URL and a Redis URL before using them (settings dialog, first-run wizard)."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.config import redact_url
from services.errors import ServiceError
from services.persistence import migrate
from services.persistence.engine import check_connection, make_engine


@dataclass(frozen=True)
class ConnectionReport:
    database_ok: bool
    database_message: str
    schema: str | None = None
    schema_ok: bool = False
    redis_ok: bool | None = None
    redis_message: str | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.database_ok and self.redis_ok is not False

    def lines(self) -> list[str]:
        out = [("✓ " if self.database_ok else "✗ ") + self.database_message]
        if self.database_ok:
            if self.schema_ok:
                out.append(f"✓ schema {self.schema} is current")
            else:
                out.append(f"! schema {self.schema or 'empty'}: it will be created or upgraded")
        if self.redis_ok is not None:
            out.append(("✓ " if self.redis_ok else "✗ ") + (self.redis_message or ""))
        return out


def probe_connection(database_url: str, redis_url: str | None = None) -> ConnectionReport:
    try:
        engine = make_engine(database_url, create=False)
    except ServiceError as exc:
        db_ok, db_msg, schema, schema_ok = False, str(exc), None, False
    else:
        try:
            server = check_connection(engine)
            status = migrate.schema_status(engine)
            db_ok, db_msg = True, f"{server} at {redact_url(database_url)}"
            schema, schema_ok = status.current, status.up_to_date
        except ServiceError as exc:
            db_ok, db_msg, schema, schema_ok = False, str(exc), None, False
        finally:
            engine.dispose()
    redis_ok: bool | None = None
    redis_msg: str | None = None
    if redis_url:
        try:
            from services.messaging.redis_feed import RedisFeed

            feed = RedisFeed(redis_url)
            try:
                redis_msg = f"{feed.check()} at {redact_url(redis_url)}"
                redis_ok = True
            finally:
                feed.close()
        except ServiceError as exc:
            redis_ok, redis_msg = False, str(exc)
    return ConnectionReport(db_ok, db_msg, schema, schema_ok, redis_ok, redis_msg)
