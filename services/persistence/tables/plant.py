"""Organisations, plants, lines, work centres and machines (seeds 002 section 3.2 and 004)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from domain.model.plant import CalendarKind, MachineStatus
from services.persistence.tables.base import audit_columns, enum_check, enum_column, metadata
from services.persistence.types import BigId, Json, UtcDateTime

organisations = Table(
    "organisations",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
)

plants = Table(
    "plants",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("organisation_id", String(32), ForeignKey("organisations.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("timezone", String(64), nullable=False, default="UTC"),
)

lines = Table(
    "lines",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("plant_id", String(32), ForeignKey("plants.id"), nullable=False),
    Column("name", String(200), nullable=False),
)

work_centre_categories = Table(
    "work_centre_categories",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
)

work_centres = Table(
    "work_centres",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("plant_id", String(32), ForeignKey("plants.id"), nullable=False),
    Column("line_id", String(32), ForeignKey("lines.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("category_id", String(32), ForeignKey("work_centre_categories.id")),
    Column("capacity_per_hour", Float),
    Column("cost_per_hour", Float),
    Column("parallel_capacity", Integer, nullable=False, default=1),
    Column("active", Boolean, nullable=False, default=True),
    Column("version", Integer, nullable=False, default=1),
    *audit_columns(),
    CheckConstraint("parallel_capacity >= 1", name="parallel_capacity"),
    Index("ix_work_centres_line", "line_id"),
)

work_centre_substitutions = Table(
    "work_centre_substitutions",
    metadata,
    Column(
        "work_centre_id",
        String(32),
        ForeignKey("work_centres.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "substitute_id",
        String(32),
        ForeignKey("work_centres.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("time_factor", Float, nullable=False, default=1.0),
    Column("cost_factor", Float, nullable=False, default=1.0),
    Column("priority", Integer, nullable=False, default=1),
    CheckConstraint("work_centre_id <> substitute_id", name="not_self"),
    CheckConstraint("time_factor > 0 AND cost_factor > 0", name="factors_positive"),
)

calendar_windows = Table(
    "calendar_windows",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column(
        "work_centre_id",
        String(32),
        ForeignKey("work_centres.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("start", UtcDateTime(), nullable=False),
    Column("end", UtcDateTime(), nullable=False),
    enum_column("kind", CalendarKind, CalendarKind.MAINTENANCE),
    Column("note", Text, nullable=False, default=""),
    CheckConstraint('"end" > start', name="window_order"),
    enum_check("kind", CalendarKind, "kind"),
    Index("ix_calendar_windows_wc_start", "work_centre_id", "start"),
)

setup_times = Table(
    "setup_times",
    metadata,
    Column(
        "work_centre_id",
        String(32),
        ForeignKey("work_centres.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("from_family", String(64), primary_key=True),
    Column("to_family", String(64), primary_key=True),
    Column("minutes", Integer, nullable=False),
    CheckConstraint("minutes >= 0", name="minutes"),
)

machines = Table(
    "machines",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("machine_type", String(50), nullable=False),
    Column("line_id", String(32), ForeignKey("lines.id"), nullable=False),
    Column("work_centre_id", String(32), ForeignKey("work_centres.id")),
    Column("zone", String(50)),
    Column("manufacturer", String(100)),
    Column("serial_number", String(50), unique=True),
    enum_column("status", MachineStatus, MachineStatus.IDLE),
    Column("status_updated_at", UtcDateTime()),
    Column("oee", Float),
    Column("uptime_percentage", Float),
    Column("max_capacity_per_hour", Integer),
    Column("required_skills", Json, nullable=False, default=list),
    Column("last_maintenance_date", Date),
    Column("next_maintenance_date", Date),
    Column("active", Boolean, nullable=False, default=True),
    Column("version", Integer, nullable=False, default=1),
    *audit_columns(),
    enum_check("status", MachineStatus, "machine_status"),
    CheckConstraint("oee IS NULL OR (oee >= 0 AND oee <= 100)", name="oee"),
    Index("ix_machines_status", "status", "active"),
    Index("ix_machines_line", "line_id"),
    Index("ix_machines_type", "machine_type"),
    Index("ix_machines_maintenance", "next_maintenance_date"),
)

machine_status_history = Table(
    "machine_status_history",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("machine_id", String(32), ForeignKey("machines.id"), nullable=False),
    Column("status", String(20), nullable=False),
    Column("previous_status", String(20)),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("ended_at", UtcDateTime()),
    Column("reason_code", String(50)),
    Column("reason", Text),
    Column("reported_by", String(64)),
    Index("ix_machine_status_history_machine", "machine_id", "started_at"),
)

machine_metrics = Table(
    "machine_metrics",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("machine_id", String(32), ForeignKey("machines.id"), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("utilisation", Float),
    Column("cycle_time_s", Float),
    Column("temperature_c", Float),
    Column("vibration", Float),
    Column("power_kwh", Float),
    Column("units_produced", Integer),
    Column("quality_pass", Integer),
    Column("quality_fail", Integer),
    Column("downtime_s", Integer),
    Index("ix_machine_metrics_machine_at", "machine_id", "at"),
)
