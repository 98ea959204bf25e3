"""The shared MetaData and helpers for declaring tables."""

from __future__ import annotations

import enum

from sqlalchemy import CheckConstraint, Column, MetaData, String

from services.persistence.types import UtcDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


def enum_check(
    column: str, values: type[enum.Enum], name: str, *, nullable: bool = False
) -> CheckConstraint:
    """CHECK (column IN (...)) from an enum's values: the seeds' status rules in the database."""
    allowed = ", ".join(f"'{v.value}'" for v in values)
    expr = f"{column} IN ({allowed})"
    if nullable:
        expr = f"{column} IS NULL OR {expr}"
    return CheckConstraint(expr, name=name)


def enum_column(
    name: str, values: type[enum.Enum], default: enum.Enum | None = None, *, nullable: bool = False
) -> Column[str]:
    length = max(len(str(v.value)) for v in values)
    return Column(
        name,
        String(max(length, 20)),
        nullable=nullable,
        default=default.value if default is not None else None,
    )


def audit_columns() -> list[Column[object]]:
    """Who last changed a versioned row, from which seat, and when (for stale-write messages)."""
    return [
        Column("updated_by", String(64)),
        Column("updated_seat", String(64)),
        Column("updated_at", UtcDateTime()),
    ]
