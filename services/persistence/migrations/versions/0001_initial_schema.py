"""initial schema: every table of the seeds, constraints and indexes

Revision ID: 0001
Revises:
Create Date: 2026-11-22 05:43:19.357387
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        # exclusion constraints on (resource, time range) need btree_gist (postgresql-contrib)
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.create_table(
        "alerts",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("alert_type", sa.String(length=50), nullable=False),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dedup_key", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=True),
        sa.Column("zone_id", sa.String(length=32), nullable=True),
        sa.Column("camera_id", sa.String(length=32), nullable=True),
        sa.Column("machine_id", sa.String(length=32), nullable=True),
        sa.Column("operator_id", sa.String(length=32), nullable=True),
        sa.Column("work_order_id", sa.String(length=32), nullable=True),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=64), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("snoozed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=64), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "context",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "severity IN ('info', 'warning', 'error', 'critical')", name=op.f("ck_alerts_severity")
        ),
        sa.CheckConstraint(
            "state IN ('new', 'acknowledged', 'snoozed', 'resolved')",
            name=op.f("ck_alerts_alert_state"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    op.create_index("ix_alerts_dedup", "alerts", ["dedup_key", "state"], unique=False)
    op.create_index("ix_alerts_state", "alerts", ["state", "raised_at"], unique=False)
    op.create_index("ix_alerts_type", "alerts", ["alert_type"], unique=False)
    op.create_table(
        "anomalies",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("anomaly_type", sa.String(length=100), nullable=False),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("machine_id", sa.String(length=32), nullable=True),
        sa.Column("zone_id", sa.String(length=32), nullable=True),
        sa.Column("camera_id", sa.String(length=32), nullable=True),
        sa.Column("operator_id", sa.String(length=32), nullable=True),
        sa.Column("index_number", sa.Integer(), nullable=True),
        sa.Column("root_cause", sa.Text(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("auto_detected", sa.Boolean(), nullable=False),
        sa.Column("resolved", sa.Boolean(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=64), nullable=True),
        sa.Column(
            "metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "severity IN ('low', 'medium', 'high', 'critical')",
            name=op.f("ck_anomalies_anomaly_severity"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anomalies")),
    )
    op.create_index("ix_anomalies_at", "anomalies", ["at"], unique=False)
    op.create_index("ix_anomalies_resolved", "anomalies", ["resolved"], unique=False)
    op.create_table(
        "anomaly_predictions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("machine_id", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("metric", sa.String(length=50), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("is_anomaly", sa.Boolean(), nullable=False),
        sa.Column("model", sa.String(length=50), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anomaly_predictions")),
    )
    op.create_index(
        "ix_anomaly_predictions_machine_at",
        "anomaly_predictions",
        ["machine_id", "at"],
        unique=False,
    )
    op.create_table(
        "audit_log",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user", sa.String(length=64), nullable=False),
        sa.Column("seat", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("entity_type", sa.String(length=50), nullable=False),
        sa.Column("entity_id", sa.String(length=100), nullable=False),
        sa.Column(
            "before",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "after",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=30), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"], unique=False)
    op.create_index(
        "ix_audit_log_entity", "audit_log", ["entity_type", "entity_id", "id"], unique=False
    )
    op.create_index("ix_audit_log_user", "audit_log", ["user"], unique=False)
    op.create_table(
        "cameras",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("fps", sa.Float(), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("loop", sa.Boolean(), nullable=False),
        sa.Column("credential_ref", sa.String(length=200), nullable=True),
        sa.Column("reference_frame", sa.LargeBinary(), nullable=True),
        sa.Column(
            "calibration",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("worker_id", sa.String(length=64), nullable=True),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        sa.Column("updated_seat", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('active', 'inactive', 'error')", name=op.f("ck_cameras_camera_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cameras")),
    )
    op.create_index("ix_cameras_status", "cameras", ["status"], unique=False)
    op.create_table(
        "change_events",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("topic", sa.String(length=30), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column(
            "ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("user", sa.String(length=64), nullable=False),
        sa.Column("seat", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_change_events")),
    )
    op.create_index("ix_change_events_topic", "change_events", ["topic", "seq"], unique=False)
    op.create_table(
        "day_schedules",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("work_start", sa.Time(), nullable=False),
        sa.Column("work_end", sa.Time(), nullable=False),
        sa.Column(
            "breaks",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("indices", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint("indices >= 1", name=op.f("ck_day_schedules_indices")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_day_schedules")),
        sa.UniqueConstraint("day", name=op.f("uq_day_schedules_day")),
    )
    op.create_table(
        "demand_forecasts",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("product_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("lower", sa.Float(), nullable=True),
        sa.Column("upper", sa.Float(), nullable=True),
        sa.Column("model", sa.String(length=50), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demand_forecasts")),
    )
    op.create_index(
        "ix_demand_forecasts_product_day", "demand_forecasts", ["product_id", "day"], unique=False
    )
    op.create_table(
        "demand_history",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("product_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demand_history")),
    )
    op.create_index(
        "ix_demand_history_product_day", "demand_history", ["product_id", "day"], unique=True
    )
    op.create_table(
        "index_records",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("index_number", sa.Integer(), nullable=False),
        sa.Column("scheduled_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("scheduled_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actual_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("actual_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "zone_metrics",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("completion", sa.String(length=20), nullable=True),
        sa.Column("total_workers", sa.Integer(), nullable=False),
        sa.Column("active_seconds", sa.Float(), nullable=False),
        sa.Column("idle_seconds", sa.Float(), nullable=False),
        sa.Column("productivity", sa.Float(), nullable=True),
        sa.Column("anomalies", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "completion IS NULL OR completion IN ('on_time', 'delayed', 'incomplete')",
            name=op.f("ck_index_records_completion"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_index_records")),
        sa.UniqueConstraint("day", "index_number", name=op.f("uq_index_records_day_index_number")),
    )
    op.create_index(
        "ix_index_records_productivity", "index_records", ["productivity"], unique=False
    )
    op.create_table(
        "materials",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("part_number", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("unit_of_measure", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=50), nullable=True),
        sa.Column("on_hand", sa.Float(), nullable=False),
        sa.Column("allocated", sa.Float(), nullable=False),
        sa.Column("safety_stock", sa.Float(), nullable=True),
        sa.Column("reorder_point", sa.Float(), nullable=True),
        sa.Column("standard_cost", sa.Float(), nullable=True),
        sa.Column("requires_fefo", sa.Boolean(), nullable=False),
        sa.Column("is_hazardous", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        sa.Column("updated_seat", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("allocated <= on_hand + 0.0005", name=op.f("ck_materials_available")),
        sa.CheckConstraint("on_hand >= 0 AND allocated >= 0", name=op.f("ck_materials_quantities")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_materials")),
        sa.UniqueConstraint("part_number", name=op.f("uq_materials_part_number")),
    )
    op.create_index("ix_materials_category", "materials", ["category"], unique=False)
    op.create_table(
        "optimisation_runs",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("objective", sa.Float(), nullable=True),
        sa.Column("bound", sa.Float(), nullable=True),
        sa.Column(
            "parameters",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "result",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("requested_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_optimisation_runs")),
    )
    op.create_table(
        "organisations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
    )
    op.create_table(
        "products",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("product_type", sa.String(length=20), nullable=False),
        sa.Column("family", sa.String(length=64), nullable=False),
        sa.Column("unit_of_measure", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "product_type IN ('product', 'assembly', 'sub_assembly', 'component')",
            name=op.f("ck_products_product_type"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
    )
    op.create_table(
        "scheduling_scenarios",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("objective", sa.String(length=50), nullable=False),
        sa.Column(
            "metrics",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_by", sa.String(length=64), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "level IN ('plant_floor', 'mid_level', 'high_level')",
            name=op.f("ck_scheduling_scenarios_level"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'optimised', 'released', 'archived')",
            name=op.f("ck_scheduling_scenarios_scenario_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduling_scenarios")),
    )
    op.create_table(
        "settings",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column(
            "value",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_settings")),
    )
    op.create_table(
        "shifts",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("start", sa.Time(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column(
            "breaks",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "forbidden_next",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("colour", sa.String(length=9), nullable=False),
        sa.CheckConstraint("minutes > 0 AND minutes <= 1440", name=op.f("ck_shifts_length")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shifts")),
    )
    op.create_table(
        "system_logs",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("component", sa.String(length=100), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("stack_trace", sa.Text(), nullable=True),
        sa.Column("user", sa.String(length=64), nullable=True),
        sa.Column(
            "metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_system_logs")),
    )
    op.create_index("ix_system_logs_at", "system_logs", ["at"], unique=False)
    op.create_index("ix_system_logs_level", "system_logs", ["level"], unique=False)
    op.create_table(
        "users",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "role IN ('viewer', 'supervisor', 'shift_lead', 'planner', 'admin')",
            name=op.f("ck_users_role"),
        ),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_users")),
    )
    op.create_table(
        "work_centre_categories",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_centre_categories")),
    )
    op.create_table(
        "zone_templates",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "zones",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("camera_type", sa.String(length=50), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zone_templates")),
        sa.UniqueConstraint("name", name=op.f("uq_zone_templates_name")),
    )
    op.create_table(
        "bom_lines",
        sa.Column("parent_id", sa.String(length=32), nullable=False),
        sa.Column("child_id", sa.String(length=32), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("child_is_material", sa.Boolean(), nullable=False),
        sa.CheckConstraint("parent_id <> child_id", name=op.f("ck_bom_lines_not_self")),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_bom_lines_quantity")),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["products.id"],
            name=op.f("fk_bom_lines_parent_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("parent_id", "child_id", name=op.f("pk_bom_lines")),
    )
    op.create_index("ix_bom_lines_child", "bom_lines", ["child_id"], unique=False)
    op.create_table(
        "inventory_transactions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("material_id", sa.String(length=32), nullable=False),
        sa.Column("transaction_type", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("reference_type", sa.String(length=50), nullable=True),
        sa.Column("reference_id", sa.String(length=50), nullable=True),
        sa.Column("performed_by", sa.String(length=64), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "transaction_type IN ('receipt', 'issue', 'adjustment', 'transfer', 'reservation', 'release')",
            name=op.f("ck_inventory_transactions_transaction_type"),
        ),
        sa.ForeignKeyConstraint(
            ["material_id"],
            ["materials.id"],
            name=op.f("fk_inventory_transactions_material_id_materials"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inventory_transactions")),
    )
    op.create_index(
        "ix_inventory_transactions_material",
        "inventory_transactions",
        ["material_id", "at"],
        unique=False,
    )
    op.create_index(
        "ix_inventory_transactions_reference",
        "inventory_transactions",
        ["reference_type", "reference_id"],
        unique=False,
    )
    op.create_table(
        "plants",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("organisation_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_plants_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plants")),
    )
    op.create_table(
        "lines",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("plant_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["plant_id"], ["plants.id"], name=op.f("fk_lines_plant_id_plants")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lines")),
    )
    op.create_table(
        "operators",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("employee_id", sa.String(length=32), nullable=False),
        sa.Column("first_name", sa.String(length=50), nullable=False),
        sa.Column("last_name", sa.String(length=50), nullable=False),
        sa.Column("email", sa.String(length=100), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("department", sa.String(length=50), nullable=True),
        sa.Column("home_zone", sa.String(length=100), nullable=True),
        sa.Column("line_id", sa.String(length=32), nullable=True),
        sa.Column("hire_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("efficiency_rating", sa.Float(), nullable=True),
        sa.Column("on_time_rate", sa.Float(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("anonymised", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        sa.Column("updated_seat", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('available', 'busy', 'break', 'absent', 'sick', 'vacation', 'offline')",
            name=op.f("ck_operators_operator_status"),
        ),
        sa.CheckConstraint(
            "efficiency_rating IS NULL OR (efficiency_rating >= 0 AND efficiency_rating <= 5)",
            name=op.f("ck_operators_efficiency"),
        ),
        sa.ForeignKeyConstraint(["line_id"], ["lines.id"], name=op.f("fk_operators_line_id_lines")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operators")),
        sa.UniqueConstraint("employee_id", name=op.f("uq_operators_employee_id")),
    )
    op.create_index("ix_operators_department", "operators", ["department"], unique=False)
    op.create_index("ix_operators_home_zone", "operators", ["home_zone"], unique=False)
    op.create_index("ix_operators_status", "operators", ["status", "active"], unique=False)
    op.create_table(
        "work_centres",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("plant_id", sa.String(length=32), nullable=False),
        sa.Column("line_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category_id", sa.String(length=32), nullable=True),
        sa.Column("capacity_per_hour", sa.Float(), nullable=True),
        sa.Column("cost_per_hour", sa.Float(), nullable=True),
        sa.Column("parallel_capacity", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        sa.Column("updated_seat", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "parallel_capacity >= 1", name=op.f("ck_work_centres_parallel_capacity")
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["work_centre_categories.id"],
            name=op.f("fk_work_centres_category_id_work_centre_categories"),
        ),
        sa.ForeignKeyConstraint(
            ["line_id"], ["lines.id"], name=op.f("fk_work_centres_line_id_lines")
        ),
        sa.ForeignKeyConstraint(
            ["plant_id"], ["plants.id"], name=op.f("fk_work_centres_plant_id_plants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_centres")),
    )
    op.create_index("ix_work_centres_line", "work_centres", ["line_id"], unique=False)
    op.create_table(
        "work_orders",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("number", sa.String(length=50), nullable=False),
        sa.Column("product_id", sa.String(length=32), nullable=False),
        sa.Column("product_name", sa.String(length=200), nullable=False),
        sa.Column("quantity_ordered", sa.Float(), nullable=False),
        sa.Column("quantity_produced", sa.Float(), nullable=False),
        sa.Column("unit_of_measure", sa.String(length=20), nullable=False),
        sa.Column("priority", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("line_id", sa.String(length=32), nullable=True),
        sa.Column("due_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("release_date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("planned_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("planned_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("actual_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("actual_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("estimated_minutes", sa.Integer(), nullable=True),
        sa.Column("customer_order_id", sa.String(length=50), nullable=True),
        sa.Column("quality_status", sa.String(length=20), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        sa.Column("updated_seat", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "priority IN ('low', 'medium', 'high', 'urgent')", name=op.f("ck_work_orders_priority")
        ),
        sa.CheckConstraint(
            "quality_status IS NULL OR quality_status IN ('pending', 'passed', 'failed', 'waived')",
            name=op.f("ck_work_orders_quality"),
        ),
        sa.CheckConstraint(
            "status IN ('queued', 'assigned', 'in_progress', 'paused', 'completed', 'cancelled')",
            name=op.f("ck_work_orders_wo_status"),
        ),
        sa.CheckConstraint("quantity_ordered > 0", name=op.f("ck_work_orders_ordered_positive")),
        sa.CheckConstraint(
            "quantity_produced >= 0 AND quantity_produced <= quantity_ordered",
            name=op.f("ck_work_orders_produced"),
        ),
        sa.ForeignKeyConstraint(
            ["line_id"], ["lines.id"], name=op.f("fk_work_orders_line_id_lines")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_work_orders_product_id_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_orders")),
        sa.UniqueConstraint("number", name=op.f("uq_work_orders_number")),
    )
    op.create_index("ix_work_orders_due_date", "work_orders", ["due_date"], unique=False)
    op.create_index("ix_work_orders_line", "work_orders", ["line_id", "status"], unique=False)
    op.create_index("ix_work_orders_status", "work_orders", ["status", "priority"], unique=False)
    op.create_table(
        "absence_forecasts",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("operator_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("shift_id", sa.String(length=16), nullable=True),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("model", sa.String(length=50), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
            name=op.f("fk_absence_forecasts_operator_id_operators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_absence_forecasts")),
    )
    op.create_index(
        "ix_absence_forecasts_day", "absence_forecasts", ["day", "operator_id"], unique=False
    )
    op.create_table(
        "attendance",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("operator_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("shift_id", sa.String(length=16), nullable=True),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.Column("hours_worked", sa.Float(), nullable=False),
        sa.Column("absence_reason", sa.String(length=50), nullable=True),
        sa.Column("late_minutes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
            name=op.f("fk_attendance_operator_id_operators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendance")),
        sa.UniqueConstraint("operator_id", "day", name=op.f("uq_attendance_operator_id_day")),
    )
    op.create_index("ix_attendance_day", "attendance", ["day"], unique=False)
    op.create_table(
        "calendar_windows",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("work_centre_id", sa.String(length=32), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('maintenance', 'holiday', 'off_shift', 'breakdown')",
            name=op.f("ck_calendar_windows_kind"),
        ),
        sa.CheckConstraint('"end" > start', name=op.f("ck_calendar_windows_window_order")),
        sa.ForeignKeyConstraint(
            ["work_centre_id"],
            ["work_centres.id"],
            name=op.f("fk_calendar_windows_work_centre_id_work_centres"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_windows")),
    )
    op.create_index(
        "ix_calendar_windows_wc_start",
        "calendar_windows",
        ["work_centre_id", "start"],
        unique=False,
    )
    op.create_table(
        "machines",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("machine_type", sa.String(length=50), nullable=False),
        sa.Column("line_id", sa.String(length=32), nullable=False),
        sa.Column("work_centre_id", sa.String(length=32), nullable=True),
        sa.Column("zone", sa.String(length=50), nullable=True),
        sa.Column("manufacturer", sa.String(length=100), nullable=True),
        sa.Column("serial_number", sa.String(length=50), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("oee", sa.Float(), nullable=True),
        sa.Column("uptime_percentage", sa.Float(), nullable=True),
        sa.Column("max_capacity_per_hour", sa.Integer(), nullable=True),
        sa.Column(
            "required_skills",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("last_maintenance_date", sa.Date(), nullable=True),
        sa.Column("next_maintenance_date", sa.Date(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        sa.Column("updated_seat", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('running', 'idle', 'maintenance', 'breakdown', 'offline')",
            name=op.f("ck_machines_machine_status"),
        ),
        sa.CheckConstraint(
            "oee IS NULL OR (oee >= 0 AND oee <= 100)", name=op.f("ck_machines_oee")
        ),
        sa.ForeignKeyConstraint(["line_id"], ["lines.id"], name=op.f("fk_machines_line_id_lines")),
        sa.ForeignKeyConstraint(
            ["work_centre_id"],
            ["work_centres.id"],
            name=op.f("fk_machines_work_centre_id_work_centres"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_machines")),
        sa.UniqueConstraint("serial_number", name=op.f("uq_machines_serial_number")),
    )
    op.create_index("ix_machines_line", "machines", ["line_id"], unique=False)
    op.create_index("ix_machines_maintenance", "machines", ["next_maintenance_date"], unique=False)
    op.create_index("ix_machines_status", "machines", ["status", "active"], unique=False)
    op.create_index("ix_machines_type", "machines", ["machine_type"], unique=False)
    op.create_table(
        "material_reservations",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("material_id", sa.String(length=32), nullable=False),
        sa.Column("work_order_id", sa.String(length=32), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("reserved_by", sa.String(length=64), nullable=False),
        sa.Column("reserved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_by", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "status IN ('active', 'consumed', 'released', 'expired')",
            name=op.f("ck_material_reservations_reservation_status"),
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_material_reservations_quantity")),
        sa.ForeignKeyConstraint(
            ["material_id"],
            ["materials.id"],
            name=op.f("fk_material_reservations_material_id_materials"),
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"],
            ["work_orders.id"],
            name=op.f("fk_material_reservations_work_order_id_work_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_material_reservations")),
    )
    op.create_index(
        "ix_material_reservations_material",
        "material_reservations",
        ["material_id", "status"],
        unique=False,
    )
    op.create_index(
        "ix_material_reservations_wo", "material_reservations", ["work_order_id"], unique=False
    )
    op.create_table(
        "operations",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("work_order_id", sa.String(length=32), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("work_centre_id", sa.String(length=32), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("setup_family", sa.String(length=64), nullable=False),
        sa.Column(
            "alternatives",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("required_skill", sa.String(length=50), nullable=True),
        sa.Column("min_proficiency", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('planned', 'released', 'running', 'paused', 'done', 'cancelled')",
            name=op.f("ck_operations_op_status"),
        ),
        sa.CheckConstraint("duration_minutes > 0", name=op.f("ck_operations_duration")),
        sa.CheckConstraint(
            "min_proficiency BETWEEN 1 AND 4", name=op.f("ck_operations_proficiency")
        ),
        sa.ForeignKeyConstraint(
            ["work_centre_id"],
            ["work_centres.id"],
            name=op.f("fk_operations_work_centre_id_work_centres"),
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"],
            ["work_orders.id"],
            name=op.f("fk_operations_work_order_id_work_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operations")),
        sa.UniqueConstraint(
            "work_order_id", "sequence", name=op.f("uq_operations_work_order_id_sequence")
        ),
    )
    op.create_index("ix_operations_work_centre", "operations", ["work_centre_id"], unique=False)
    op.create_table(
        "operator_skills",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("operator_id", sa.String(length=32), nullable=False),
        sa.Column("skill_code", sa.String(length=50), nullable=False),
        sa.Column("skill_name", sa.String(length=100), nullable=False),
        sa.Column("proficiency", sa.Integer(), nullable=False),
        sa.Column("certification_date", sa.Date(), nullable=True),
        sa.Column("certification_expiry", sa.Date(), nullable=True),
        sa.Column("certified_by", sa.String(length=100), nullable=True),
        sa.CheckConstraint(
            "proficiency BETWEEN 1 AND 4", name=op.f("ck_operator_skills_proficiency")
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
            name=op.f("fk_operator_skills_operator_id_operators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator_skills")),
        sa.UniqueConstraint(
            "operator_id", "skill_code", name=op.f("uq_operator_skills_operator_id_skill_code")
        ),
    )
    op.create_index("ix_operator_skills_code", "operator_skills", ["skill_code"], unique=False)
    op.create_index(
        "ix_operator_skills_expiry", "operator_skills", ["certification_expiry"], unique=False
    )
    op.create_table(
        "production_logs",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("work_order_id", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_type", sa.String(length=50), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=True),
        sa.Column("operator_id", sa.String(length=32), nullable=True),
        sa.Column("machine_id", sa.String(length=32), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("logged_by", sa.String(length=64), nullable=True),
        sa.Column(
            "extra",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"],
            ["work_orders.id"],
            name=op.f("fk_production_logs_work_order_id_work_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_production_logs")),
    )
    op.create_index(
        "ix_production_logs_event", "production_logs", ["event_type", "at"], unique=False
    )
    op.create_index(
        "ix_production_logs_wo", "production_logs", ["work_order_id", "at"], unique=False
    )
    op.create_table(
        "setup_times",
        sa.Column("work_centre_id", sa.String(length=32), nullable=False),
        sa.Column("from_family", sa.String(length=64), nullable=False),
        sa.Column("to_family", sa.String(length=64), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.CheckConstraint("minutes >= 0", name=op.f("ck_setup_times_minutes")),
        sa.ForeignKeyConstraint(
            ["work_centre_id"],
            ["work_centres.id"],
            name=op.f("fk_setup_times_work_centre_id_work_centres"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "work_centre_id", "from_family", "to_family", name=op.f("pk_setup_times")
        ),
    )
    op.create_table(
        "shift_assignments",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("operator_id", sa.String(length=32), nullable=False),
        sa.Column("shift_id", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("clock_in", sa.DateTime(timezone=True), nullable=True),
        sa.Column("clock_out", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('scheduled', 'in_progress', 'completed', 'absent', 'late')",
            name=op.f("ck_shift_assignments_shift_status"),
        ),
        sa.CheckConstraint(
            "clock_out IS NULL OR clock_in IS NULL OR clock_out >= clock_in",
            name=op.f("ck_shift_assignments_clock"),
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
            name=op.f("fk_shift_assignments_operator_id_operators"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shift_id"], ["shifts.id"], name=op.f("fk_shift_assignments_shift_id_shifts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shift_assignments")),
        sa.UniqueConstraint(
            "operator_id", "day", name=op.f("uq_shift_assignments_operator_id_day")
        ),
    )
    op.create_index(
        "ix_shift_assignments_day", "shift_assignments", ["day", "operator_id"], unique=False
    )
    op.create_index("ix_shift_assignments_status", "shift_assignments", ["status"], unique=False)
    op.create_table(
        "work_centre_substitutions",
        sa.Column("work_centre_id", sa.String(length=32), nullable=False),
        sa.Column("substitute_id", sa.String(length=32), nullable=False),
        sa.Column("time_factor", sa.Float(), nullable=False),
        sa.Column("cost_factor", sa.Float(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "time_factor > 0 AND cost_factor > 0",
            name=op.f("ck_work_centre_substitutions_factors_positive"),
        ),
        sa.CheckConstraint(
            "work_centre_id <> substitute_id", name=op.f("ck_work_centre_substitutions_not_self")
        ),
        sa.ForeignKeyConstraint(
            ["substitute_id"],
            ["work_centres.id"],
            name=op.f("fk_work_centre_substitutions_substitute_id_work_centres"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["work_centre_id"],
            ["work_centres.id"],
            name=op.f("fk_work_centre_substitutions_work_centre_id_work_centres"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "work_centre_id", "substitute_id", name=op.f("pk_work_centre_substitutions")
        ),
    )
    op.create_table(
        "work_order_dependencies",
        sa.Column("work_order_id", sa.String(length=32), nullable=False),
        sa.Column("predecessor_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("lag_minutes", sa.Integer(), nullable=False),
        sa.Column("mandatory", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('finish_to_start', 'start_to_start', 'finish_to_finish')",
            name=op.f("ck_work_order_dependencies_dep_type"),
        ),
        sa.CheckConstraint(
            "work_order_id <> predecessor_id",
            name=op.f("ck_work_order_dependencies_no_self_dependency"),
        ),
        sa.ForeignKeyConstraint(
            ["predecessor_id"],
            ["work_orders.id"],
            name=op.f("fk_work_order_dependencies_predecessor_id_work_orders"),
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"],
            ["work_orders.id"],
            name=op.f("fk_work_order_dependencies_work_order_id_work_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "work_order_id", "predecessor_id", name=op.f("pk_work_order_dependencies")
        ),
    )
    op.create_index(
        "ix_work_order_dependencies_pred",
        "work_order_dependencies",
        ["predecessor_id"],
        unique=False,
    )
    op.create_table(
        "work_order_materials",
        sa.Column("work_order_id", sa.String(length=32), nullable=False),
        sa.Column("material_id", sa.String(length=32), nullable=False),
        sa.Column("quantity_required", sa.Float(), nullable=False),
        sa.Column("critical", sa.Boolean(), nullable=False),
        sa.Column("quantity_allocated", sa.Float(), nullable=False),
        sa.Column("quantity_consumed", sa.Float(), nullable=False),
        sa.CheckConstraint("quantity_required > 0", name=op.f("ck_work_order_materials_required")),
        sa.ForeignKeyConstraint(
            ["material_id"],
            ["materials.id"],
            name=op.f("fk_work_order_materials_material_id_materials"),
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"],
            ["work_orders.id"],
            name=op.f("fk_work_order_materials_work_order_id_work_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "work_order_id", "material_id", name=op.f("pk_work_order_materials")
        ),
    )
    op.create_index(
        "ix_work_order_materials_material", "work_order_materials", ["material_id"], unique=False
    )
    op.create_table(
        "zones",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("camera_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "polygon",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("zone_type", sa.String(length=20), nullable=False),
        sa.Column("colour", sa.String(length=9), nullable=False),
        sa.Column("min_workers", sa.Integer(), nullable=False),
        sa.Column("max_workers", sa.Integer(), nullable=False),
        sa.Column("alert_on_empty", sa.Boolean(), nullable=False),
        sa.Column("alert_on_overflow", sa.Boolean(), nullable=False),
        sa.Column("idle_threshold_s", sa.Integer(), nullable=False),
        sa.Column("work_centre_id", sa.String(length=32), nullable=True),
        sa.Column("station", sa.String(length=64), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        sa.Column("updated_seat", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "zone_type IN ('work_area', 'inspection', 'break_area', 'restricted')",
            name=op.f("ck_zones_zone_type"),
        ),
        sa.CheckConstraint("idle_threshold_s > 0", name=op.f("ck_zones_idle_threshold")),
        sa.CheckConstraint(
            "min_workers >= 0 AND max_workers >= min_workers", name=op.f("ck_zones_workers")
        ),
        sa.ForeignKeyConstraint(
            ["camera_id"],
            ["cameras.id"],
            name=op.f("fk_zones_camera_id_cameras"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["work_centre_id"],
            ["work_centres.id"],
            name=op.f("fk_zones_work_centre_id_work_centres"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zones")),
    )
    op.create_index("ix_zones_camera", "zones", ["camera_id"], unique=False)
    op.create_index("ix_zones_type", "zones", ["zone_type"], unique=False)
    op.create_table(
        "allocations",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("work_order_id", sa.String(length=32), nullable=False),
        sa.Column("operator_id", sa.String(length=32), nullable=True),
        sa.Column("machine_id", sa.String(length=32), nullable=True),
        sa.Column("allocation_type", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("suggestion_score", sa.Float(), nullable=True),
        sa.Column("allocated_by", sa.String(length=64), nullable=False),
        sa.Column("allocated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expected_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expected_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("actual_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("actual_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_by", sa.String(length=64), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("release_reason", sa.String(length=200), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        sa.Column("updated_seat", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "allocation_type IN ('operator', 'machine', 'operator_machine')",
            name=op.f("ck_allocations_allocation_type"),
        ),
        sa.CheckConstraint(
            "method IN ('manual', 'ai_suggested', 'automated')",
            name=op.f("ck_allocations_allocation_method"),
        ),
        sa.CheckConstraint(
            "status IN ('active', 'paused', 'completed', 'released', 'cancelled')",
            name=op.f("ck_allocations_allocation_status"),
        ),
        sa.CheckConstraint(
            "expected_end IS NULL OR expected_end > expected_start",
            name=op.f("ck_allocations_window"),
        ),
        sa.CheckConstraint(
            "operator_id IS NOT NULL OR machine_id IS NOT NULL",
            name=op.f("ck_allocations_has_resource"),
        ),
        sa.CheckConstraint(
            "suggestion_score IS NULL OR (suggestion_score >= 0 AND suggestion_score <= 100)",
            name=op.f("ck_allocations_score"),
        ),
        sa.ForeignKeyConstraint(
            ["machine_id"], ["machines.id"], name=op.f("fk_allocations_machine_id_machines")
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"], ["operators.id"], name=op.f("fk_allocations_operator_id_operators")
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"],
            ["work_orders.id"],
            name=op.f("fk_allocations_work_order_id_work_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocations")),
    )
    op.create_index("ix_allocations_machine", "allocations", ["machine_id", "status"], unique=False)
    op.create_index(
        "ix_allocations_operator", "allocations", ["operator_id", "status"], unique=False
    )
    op.create_index("ix_allocations_time", "allocations", ["allocated_at"], unique=False)
    op.create_index("ix_allocations_wo", "allocations", ["work_order_id", "status"], unique=False)
    op.create_table(
        "machine_metrics",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("machine_id", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("utilisation", sa.Float(), nullable=True),
        sa.Column("cycle_time_s", sa.Float(), nullable=True),
        sa.Column("temperature_c", sa.Float(), nullable=True),
        sa.Column("vibration", sa.Float(), nullable=True),
        sa.Column("power_kwh", sa.Float(), nullable=True),
        sa.Column("units_produced", sa.Integer(), nullable=True),
        sa.Column("quality_pass", sa.Integer(), nullable=True),
        sa.Column("quality_fail", sa.Integer(), nullable=True),
        sa.Column("downtime_s", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["machine_id"], ["machines.id"], name=op.f("fk_machine_metrics_machine_id_machines")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_machine_metrics")),
    )
    op.create_index(
        "ix_machine_metrics_machine_at", "machine_metrics", ["machine_id", "at"], unique=False
    )
    op.create_table(
        "machine_status_history",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("machine_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("previous_status", sa.String(length=20), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason_code", sa.String(length=50), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("reported_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["machine_id"],
            ["machines.id"],
            name=op.f("fk_machine_status_history_machine_id_machines"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_machine_status_history")),
    )
    op.create_index(
        "ix_machine_status_history_machine",
        "machine_status_history",
        ["machine_id", "started_at"],
        unique=False,
    )
    op.create_table(
        "operation_timestamps",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("operation_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("work_centre_id", sa.String(length=32), nullable=True),
        sa.Column("operator_id", sa.String(length=32), nullable=True),
        sa.Column("workstation", sa.String(length=64), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "kind IN ('START', 'STOP', 'PAUSE', 'RESUME')",
            name=op.f("ck_operation_timestamps_ts_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["operation_id"],
            ["operations.id"],
            name=op.f("fk_operation_timestamps_operation_id_operations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operation_timestamps")),
    )
    op.create_index(
        "ix_operation_timestamps_op", "operation_timestamps", ["operation_id", "at"], unique=False
    )
    op.create_table(
        "schedule_entries",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("scenario_id", sa.String(length=40), nullable=False),
        sa.Column("operation_id", sa.String(length=40), nullable=False),
        sa.Column("work_order_id", sa.String(length=32), nullable=False),
        sa.Column("work_centre_id", sa.String(length=32), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("setup_minutes", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.String(length=32), nullable=True),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["operation_id"],
            ["operations.id"],
            name=op.f("fk_schedule_entries_operation_id_operations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["scenario_id"],
            ["scheduling_scenarios.id"],
            name=op.f("fk_schedule_entries_scenario_id_scheduling_scenarios"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["work_centre_id"],
            ["work_centres.id"],
            name=op.f("fk_schedule_entries_work_centre_id_work_centres"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_entries")),
    )
    op.create_index(
        "ix_schedule_entries_operation",
        "schedule_entries",
        ["scenario_id", "operation_id"],
        unique=True,
    )
    op.create_index(
        "ix_schedule_entries_scenario_wc",
        "schedule_entries",
        ["scenario_id", "work_centre_id", "start"],
        unique=False,
    )
    op.create_table(
        "time_logs",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("camera_id", sa.String(length=32), nullable=False),
        sa.Column("track_id", sa.Integer(), nullable=False),
        sa.Column("zone_id", sa.String(length=32), nullable=True),
        sa.Column("operator_id", sa.String(length=32), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("active_seconds", sa.Float(), nullable=False),
        sa.Column("idle_seconds", sa.Float(), nullable=False),
        sa.Column("index_number", sa.Integer(), nullable=True),
        sa.Column("motion_score", sa.Float(), nullable=True),
        sa.Column(
            "bbox",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.CheckConstraint(
            "state IN ('active', 'idle', 'unknown')", name=op.f("ck_time_logs_state")
        ),
        sa.ForeignKeyConstraint(
            ["camera_id"],
            ["cameras.id"],
            name=op.f("fk_time_logs_camera_id_cameras"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
            name=op.f("fk_time_logs_operator_id_operators"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["zone_id"], ["zones.id"], name=op.f("fk_time_logs_zone_id_zones"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_time_logs")),
    )
    op.create_index("ix_time_logs_at", "time_logs", ["at"], unique=False)
    op.create_index("ix_time_logs_index", "time_logs", ["index_number", "at"], unique=False)
    op.create_index("ix_time_logs_operator_at", "time_logs", ["operator_id", "at"], unique=False)
    op.create_index(
        "ix_time_logs_track", "time_logs", ["camera_id", "track_id", "at"], unique=False
    )
    op.create_index("ix_time_logs_zone_at", "time_logs", ["zone_id", "at"], unique=False)
    op.create_table(
        "work_sessions",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("camera_id", sa.String(length=32), nullable=False),
        sa.Column("zone_id", sa.String(length=32), nullable=False),
        sa.Column("track_id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.String(length=32), nullable=True),
        sa.Column("entry_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("exit_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("active_seconds", sa.Float(), nullable=False),
        sa.Column("idle_seconds", sa.Float(), nullable=False),
        sa.Column("index_number", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.CheckConstraint(
            "status IN ('active', 'completed', 'interrupted')",
            name=op.f("ck_work_sessions_session_status"),
        ),
        sa.CheckConstraint(
            "exit_time IS NULL OR exit_time >= entry_time", name=op.f("ck_work_sessions_order")
        ),
        sa.ForeignKeyConstraint(
            ["camera_id"],
            ["cameras.id"],
            name=op.f("fk_work_sessions_camera_id_cameras"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
            name=op.f("fk_work_sessions_operator_id_operators"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["zone_id"],
            ["zones.id"],
            name=op.f("fk_work_sessions_zone_id_zones"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_sessions")),
    )
    op.create_index("ix_work_sessions_status", "work_sessions", ["status"], unique=False)
    op.create_index(
        "ix_work_sessions_zone_entry", "work_sessions", ["zone_id", "entry_time"], unique=False
    )
    op.create_table(
        "allocation_change_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "allocation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("event_type", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(length=64), nullable=False),
        sa.Column("seat", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column(
            "previous_state",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "new_state",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("reason_code", sa.String(length=50), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("idle_time_prevented_minutes", sa.Integer(), nullable=True),
        sa.Column("work_order_delay_minutes", sa.Integer(), nullable=True),
        sa.Column(
            "extra",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "event_type IN ('created', 'reassigned', 'released', 'completed', 'paused', 'resumed')",
            name=op.f("ck_allocation_change_events_event_type"),
        ),
        sa.CheckConstraint(
            "source IN ('supervisor_ui', 'api', 'automated_system', 'integration')",
            name=op.f("ck_allocation_change_events_source"),
        ),
        sa.ForeignKeyConstraint(
            ["allocation_id"],
            ["allocations.id"],
            name=op.f("fk_allocation_change_events_allocation_id_allocations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocation_change_events")),
    )
    op.create_index(
        "ix_allocation_change_events_allocation",
        "allocation_change_events",
        ["allocation_id", "at"],
        unique=False,
    )
    op.create_index(
        "ix_allocation_change_events_at", "allocation_change_events", ["at"], unique=False
    )
    op.create_index(
        "ix_allocation_change_events_changed_by",
        "allocation_change_events",
        ["changed_by"],
        unique=False,
    )
    op.create_index(
        "ix_allocation_change_events_type",
        "allocation_change_events",
        ["event_type", "at"],
        unique=False,
    )
    if postgres:
        # the last line against double booking: no two active allocations of one operator or
        # machine may overlap in time, whatever a client does (SQLSTATE 23P01)
        for resource in ("operator", "machine"):
            op.execute(
                f"ALTER TABLE allocations ADD CONSTRAINT ex_allocations_{resource}_overlap "
                f"EXCLUDE USING gist ({resource}_id WITH =, "
                "tstzrange(expected_start, expected_end, '[)') WITH &&) "
                f"WHERE ({resource}_id IS NOT NULL AND status IN ('active', 'paused'))"
            )


def downgrade() -> None:
    op.drop_index("ix_allocation_change_events_type", table_name="allocation_change_events")
    op.drop_index("ix_allocation_change_events_changed_by", table_name="allocation_change_events")
    op.drop_index("ix_allocation_change_events_at", table_name="allocation_change_events")
    op.drop_index("ix_allocation_change_events_allocation", table_name="allocation_change_events")
    op.drop_table("allocation_change_events")
    op.drop_index("ix_work_sessions_zone_entry", table_name="work_sessions")
    op.drop_index("ix_work_sessions_status", table_name="work_sessions")
    op.drop_table("work_sessions")
    op.drop_index("ix_time_logs_zone_at", table_name="time_logs")
    op.drop_index("ix_time_logs_track", table_name="time_logs")
    op.drop_index("ix_time_logs_operator_at", table_name="time_logs")
    op.drop_index("ix_time_logs_index", table_name="time_logs")
    op.drop_index("ix_time_logs_at", table_name="time_logs")
    op.drop_table("time_logs")
    op.drop_index("ix_schedule_entries_scenario_wc", table_name="schedule_entries")
    op.drop_index("ix_schedule_entries_operation", table_name="schedule_entries")
    op.drop_table("schedule_entries")
    op.drop_index("ix_operation_timestamps_op", table_name="operation_timestamps")
    op.drop_table("operation_timestamps")
    op.drop_index("ix_machine_status_history_machine", table_name="machine_status_history")
    op.drop_table("machine_status_history")
    op.drop_index("ix_machine_metrics_machine_at", table_name="machine_metrics")
    op.drop_table("machine_metrics")
    op.drop_index("ix_allocations_wo", table_name="allocations")
    op.drop_index("ix_allocations_time", table_name="allocations")
    op.drop_index("ix_allocations_operator", table_name="allocations")
    op.drop_index("ix_allocations_machine", table_name="allocations")
    op.drop_table("allocations")
    op.drop_index("ix_zones_type", table_name="zones")
    op.drop_index("ix_zones_camera", table_name="zones")
    op.drop_table("zones")
    op.drop_index("ix_work_order_materials_material", table_name="work_order_materials")
    op.drop_table("work_order_materials")
    op.drop_index("ix_work_order_dependencies_pred", table_name="work_order_dependencies")
    op.drop_table("work_order_dependencies")
    op.drop_table("work_centre_substitutions")
    op.drop_index("ix_shift_assignments_status", table_name="shift_assignments")
    op.drop_index("ix_shift_assignments_day", table_name="shift_assignments")
    op.drop_table("shift_assignments")
    op.drop_table("setup_times")
    op.drop_index("ix_production_logs_wo", table_name="production_logs")
    op.drop_index("ix_production_logs_event", table_name="production_logs")
    op.drop_table("production_logs")
    op.drop_index("ix_operator_skills_expiry", table_name="operator_skills")
    op.drop_index("ix_operator_skills_code", table_name="operator_skills")
    op.drop_table("operator_skills")
    op.drop_index("ix_operations_work_centre", table_name="operations")
    op.drop_table("operations")
    op.drop_index("ix_material_reservations_wo", table_name="material_reservations")
    op.drop_index("ix_material_reservations_material", table_name="material_reservations")
    op.drop_table("material_reservations")
    op.drop_index("ix_machines_type", table_name="machines")
    op.drop_index("ix_machines_status", table_name="machines")
    op.drop_index("ix_machines_maintenance", table_name="machines")
    op.drop_index("ix_machines_line", table_name="machines")
    op.drop_table("machines")
    op.drop_index("ix_calendar_windows_wc_start", table_name="calendar_windows")
    op.drop_table("calendar_windows")
    op.drop_index("ix_attendance_day", table_name="attendance")
    op.drop_table("attendance")
    op.drop_index("ix_absence_forecasts_day", table_name="absence_forecasts")
    op.drop_table("absence_forecasts")
    op.drop_index("ix_work_orders_status", table_name="work_orders")
    op.drop_index("ix_work_orders_line", table_name="work_orders")
    op.drop_index("ix_work_orders_due_date", table_name="work_orders")
    op.drop_table("work_orders")
    op.drop_index("ix_work_centres_line", table_name="work_centres")
    op.drop_table("work_centres")
    op.drop_index("ix_operators_status", table_name="operators")
    op.drop_index("ix_operators_home_zone", table_name="operators")
    op.drop_index("ix_operators_department", table_name="operators")
    op.drop_table("operators")
    op.drop_table("lines")
    op.drop_table("plants")
    op.drop_index("ix_inventory_transactions_reference", table_name="inventory_transactions")
    op.drop_index("ix_inventory_transactions_material", table_name="inventory_transactions")
    op.drop_table("inventory_transactions")
    op.drop_index("ix_bom_lines_child", table_name="bom_lines")
    op.drop_table("bom_lines")
    op.drop_table("zone_templates")
    op.drop_table("work_centre_categories")
    op.drop_table("users")
    op.drop_index("ix_system_logs_level", table_name="system_logs")
    op.drop_index("ix_system_logs_at", table_name="system_logs")
    op.drop_table("system_logs")
    op.drop_table("shifts")
    op.drop_table("settings")
    op.drop_table("scheduling_scenarios")
    op.drop_table("products")
    op.drop_table("organisations")
    op.drop_table("optimisation_runs")
    op.drop_index("ix_materials_category", table_name="materials")
    op.drop_table("materials")
    op.drop_index("ix_index_records_productivity", table_name="index_records")
    op.drop_table("index_records")
    op.drop_index("ix_demand_history_product_day", table_name="demand_history")
    op.drop_table("demand_history")
    op.drop_index("ix_demand_forecasts_product_day", table_name="demand_forecasts")
    op.drop_table("demand_forecasts")
    op.drop_table("day_schedules")
    op.drop_index("ix_change_events_topic", table_name="change_events")
    op.drop_table("change_events")
    op.drop_index("ix_cameras_status", table_name="cameras")
    op.drop_table("cameras")
    op.drop_index("ix_audit_log_user", table_name="audit_log")
    op.drop_index("ix_audit_log_entity", table_name="audit_log")
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index("ix_anomaly_predictions_machine_at", table_name="anomaly_predictions")
    op.drop_table("anomaly_predictions")
    op.drop_index("ix_anomalies_resolved", table_name="anomalies")
    op.drop_index("ix_anomalies_at", table_name="anomalies")
    op.drop_table("anomalies")
    op.drop_index("ix_alerts_type", table_name="alerts")
    op.drop_index("ix_alerts_state", table_name="alerts")
    op.drop_index("ix_alerts_dedup", table_name="alerts")
    op.drop_table("alerts")
