"""Persistence: SQLAlchemy Core tables, repositories, the unit of work, migrations (Alembic)."""
