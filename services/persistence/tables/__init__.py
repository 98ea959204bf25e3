"""Every table of the schema, on one MetaData. Alembic migrations create them; nothing else does."""

from __future__ import annotations

from services.persistence.tables import people, plant, system, vision, work
from services.persistence.tables.base import metadata

__all__ = ["metadata", "people", "plant", "system", "vision", "work"]
