"""rostering contracts, shift requests and drafts

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 15:13:36.719034
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "roster_drafts",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column(
            "changes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(length=64), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        sa.Column("updated_seat", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('draft', 'published', 'discarded')",
            name=op.f("ck_roster_drafts_draft_status"),
        ),
        sa.CheckConstraint("days > 0 AND days <= 366", name=op.f("ck_roster_drafts_draft_days")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_drafts")),
    )
    with op.batch_alter_table("roster_drafts", schema=None) as batch_op:
        batch_op.create_index("ix_roster_drafts_status", ["status", "start"], unique=False)

    op.create_table(
        "operator_contracts",
        sa.Column("operator_id", sa.String(length=32), nullable=False),
        sa.Column(
            "max_shifts",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("min_weekly_minutes", sa.Integer(), nullable=True),
        sa.Column("max_weekly_minutes", sa.Integer(), nullable=True),
        sa.Column("min_consecutive_shifts", sa.Integer(), nullable=True),
        sa.Column("max_consecutive_shifts", sa.Integer(), nullable=True),
        sa.Column("min_consecutive_days_off", sa.Integer(), nullable=True),
        sa.Column("max_weekends_per_4_weeks", sa.Integer(), nullable=True),
        sa.Column(
            "unavailable_weekdays",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        sa.Column("updated_seat", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "min_weekly_minutes IS NULL OR max_weekly_minutes IS NULL OR min_weekly_minutes <= max_weekly_minutes",
            name=op.f("ck_operator_contracts_weekly_minutes"),
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
            name=op.f("fk_operator_contracts_operator_id_operators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("operator_id", name=op.f("pk_operator_contracts")),
    )
    op.create_table(
        "shift_requests",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("operator_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("shift_id", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('on', 'off', 'unavailable')", name=op.f("ck_shift_requests_kind")
        ),
        sa.CheckConstraint("weight >= 0", name=op.f("ck_shift_requests_weight")),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
            name=op.f("fk_shift_requests_operator_id_operators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shift_requests")),
        sa.UniqueConstraint(
            "operator_id",
            "day",
            "kind",
            "shift_id",
            name=op.f("uq_shift_requests_operator_id_day_kind_shift_id"),
        ),
    )
    with op.batch_alter_table("shift_requests", schema=None) as batch_op:
        batch_op.create_index("ix_shift_requests_day", ["day", "operator_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("shift_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_shift_requests_day")

    op.drop_table("shift_requests")
    op.drop_table("operator_contracts")
    with op.batch_alter_table("roster_drafts", schema=None) as batch_op:
        batch_op.drop_index("ix_roster_drafts_status")

    op.drop_table("roster_drafts")
