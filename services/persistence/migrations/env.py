"""Alembic environment: runs on the connection handed over by services.persistence.migrate."""

from __future__ import annotations

from alembic import context

from services.persistence.tables import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - always called through migrate.py
    raise RuntimeError("run migrations through services.persistence.migrate")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    transaction_per_migration=False,
)
with context.begin_transaction():
    context.run_migrations()
