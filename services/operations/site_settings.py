"""Site-wide settings in the database's ``settings`` table (key -> JSON value).

They live in the database, not in a seat's config.json, because every seat of a site must apply
the same retention rules.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from services.persistence.tables.system import settings


def read_settings(conn: Connection, keys: list[str]) -> dict[str, Any]:
    rows = conn.execute(select(settings.c.key, settings.c.value).where(settings.c.key.in_(keys)))
    return {r.key: r.value for r in rows}


def write_setting(conn: Connection, key: str, value: Any, *, by: str, at: datetime) -> None:
    """Insert or replace one setting (an upsert on both databases: two seats may race)."""
    values = {"key": key, "value": value, "updated_by": by, "updated_at": at}
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    stmt = dialect.insert(settings).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[settings.c.key],
        set_={"value": stmt.excluded.value, "updated_by": by, "updated_at": at},
    )
    conn.execute(stmt)
