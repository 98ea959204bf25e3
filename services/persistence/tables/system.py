"""Users, alerts, anomalies, planning, analytics, the audit log and the change-event outbox."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
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

from domain.auth import Role
from domain.model.alerts import AlertSeverity, AlertState, AnomalySeverity
from domain.model.planning import PlanningLevel, ScenarioStatus
from services.persistence.tables.base import enum_check, enum_column, metadata
from services.persistence.types import BigId, Json, UtcDateTime

users = Table(
    "users",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("display_name", String(200), nullable=False),
    enum_column("role", Role, Role.VIEWER),
    Column("password_hash", String(255)),
    Column("active", Boolean, nullable=False, default=True),
    Column("version", Integer, nullable=False, default=1),
    enum_check("role", Role, "role"),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("alert_type", String(50), nullable=False),
    enum_column("severity", AlertSeverity),
    Column("message", Text, nullable=False),
    Column("raised_at", UtcDateTime(), nullable=False),
    Column("dedup_key", String(200), nullable=False),
    enum_column("state", AlertState, AlertState.NEW),
    Column("owner", String(64)),
    Column("zone_id", String(32)),
    Column("camera_id", String(32)),
    Column("machine_id", String(32)),
    Column("operator_id", String(32)),
    Column("work_order_id", String(32)),
    Column("occurrences", Integer, nullable=False, default=1),
    Column("last_seen_at", UtcDateTime()),
    Column("acknowledged_by", String(64)),
    Column("acknowledged_at", UtcDateTime()),
    Column("comment", Text),
    Column("snoozed_until", UtcDateTime()),
    Column("resolved_at", UtcDateTime()),
    Column("resolved_by", String(64)),
    Column("escalated_at", UtcDateTime()),
    Column("context", Json, nullable=False, default=dict),
    Column("version", Integer, nullable=False, default=1),
    enum_check("severity", AlertSeverity, "severity"),
    enum_check("state", AlertState, "alert_state"),
    Index("ix_alerts_state", "state", "raised_at"),
    Index("ix_alerts_dedup", "dedup_key", "state"),
    Index("ix_alerts_type", "alert_type"),
)

anomalies = Table(
    "anomalies",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("anomaly_type", String(100), nullable=False),
    enum_column("severity", AnomalySeverity),
    Column("description", Text, nullable=False),
    Column("score", Float),
    Column("machine_id", String(32)),
    Column("zone_id", String(32)),
    Column("camera_id", String(32)),
    Column("operator_id", String(32)),
    Column("index_number", Integer),
    Column("root_cause", Text),
    Column("resolution", Text),
    Column("auto_detected", Boolean, nullable=False, default=True),
    Column("resolved", Boolean, nullable=False, default=False),
    Column("resolved_at", UtcDateTime()),
    Column("resolved_by", String(64)),
    Column("metadata", Json, nullable=False, default=dict),
    enum_check("severity", AnomalySeverity, "anomaly_severity"),
    Index("ix_anomalies_at", "at"),
    Index("ix_anomalies_resolved", "resolved"),
)

scheduling_scenarios = Table(
    "scheduling_scenarios",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    enum_column("level", PlanningLevel, PlanningLevel.PLANT_FLOOR),
    enum_column("status", ScenarioStatus, ScenarioStatus.DRAFT),
    Column("objective", String(50), nullable=False, default="makespan"),
    Column("metrics", Json, nullable=False, default=dict),
    Column("released_at", UtcDateTime()),
    Column("released_by", String(64)),
    Column("notes", Text),
    Column("version", Integer, nullable=False, default=1),
    enum_check("level", PlanningLevel, "level"),
    enum_check("status", ScenarioStatus, "scenario_status"),
)

schedule_entries = Table(
    "schedule_entries",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column(
        "scenario_id",
        String(40),
        ForeignKey("scheduling_scenarios.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column(
        "operation_id", String(40), ForeignKey("operations.id", ondelete="CASCADE"), nullable=False
    ),
    Column("work_order_id", String(32), nullable=False),
    Column("work_centre_id", String(32), ForeignKey("work_centres.id"), nullable=False),
    Column("start", UtcDateTime(), nullable=False),
    Column("end", UtcDateTime(), nullable=False),
    Column("setup_minutes", Integer, nullable=False, default=0),
    Column("operator_id", String(32)),
    Column("pinned", Boolean, nullable=False, default=False),
    Column("version", Integer, nullable=False, default=1),
    Index("ix_schedule_entries_scenario_wc", "scenario_id", "work_centre_id", "start"),
    Index("ix_schedule_entries_operation", "scenario_id", "operation_id", unique=True),
)

optimisation_runs = Table(
    "optimisation_runs",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("kind", String(30), nullable=False),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime()),
    Column("status", String(30), nullable=False),
    Column("objective", Float),
    Column("bound", Float),
    Column("parameters", Json, nullable=False, default=dict),
    Column("result", Json, nullable=False, default=dict),
    Column("requested_by", String(64)),
)

demand_history = Table(
    "demand_history",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("product_id", String(32), nullable=False),
    Column("day", Date, nullable=False),
    Column("quantity", Float, nullable=False),
    Index("ix_demand_history_product_day", "product_id", "day", unique=True),
)

demand_forecasts = Table(
    "demand_forecasts",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("product_id", String(32), nullable=False),
    Column("day", Date, nullable=False),
    Column("quantity", Float, nullable=False),
    Column("lower", Float),
    Column("upper", Float),
    Column("model", String(50), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Index("ix_demand_forecasts_product_day", "product_id", "day"),
)

anomaly_predictions = Table(
    "anomaly_predictions",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("machine_id", String(32), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("metric", String(50), nullable=False),
    Column("score", Float, nullable=False),
    Column("is_anomaly", Boolean, nullable=False),
    Column("model", String(50), nullable=False),
    Index("ix_anomaly_predictions_machine_at", "machine_id", "at"),
)

absence_forecasts = Table(
    "absence_forecasts",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column(
        "operator_id", String(32), ForeignKey("operators.id", ondelete="CASCADE"), nullable=False
    ),
    Column("day", Date, nullable=False),
    Column("shift_id", String(16)),
    Column("probability", Float, nullable=False),
    Column("model", String(50), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Index("ix_absence_forecasts_day", "day", "operator_id"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("user", String(64), nullable=False),
    Column("seat", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("entity_type", String(50), nullable=False),
    Column("entity_id", String(100), nullable=False),
    Column("before", Json),
    Column("after", Json),
    Column("reason", Text),
    Column("source", String(30), nullable=False, default="supervisor_ui"),
    Column("request_id", String(64)),
    Index("ix_audit_log_entity", "entity_type", "entity_id", "id"),
    Index("ix_audit_log_at", "at"),
    Index("ix_audit_log_user", "user"),
)

# The outbox: one row per committed change, in commit order (see services/persistence/uow.py).
change_events = Table(
    "change_events",
    metadata,
    Column("seq", BigId, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("topic", String(30), nullable=False),
    Column("kind", String(50), nullable=False),
    Column("ids", Json, nullable=False, default=list),
    Column("data", Json, nullable=False, default=dict),
    Column("user", String(64), nullable=False),
    Column("seat", String(64), nullable=False),
    Column("request_id", String(64)),
    Index("ix_change_events_topic", "topic", "seq"),
)

system_logs = Table(
    "system_logs",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("level", String(10), nullable=False),
    Column("component", String(100), nullable=False),
    Column("message", Text, nullable=False),
    Column("stack_trace", Text),
    Column("user", String(64)),
    Column("metadata", Json, nullable=False, default=dict),
    Index("ix_system_logs_at", "at"),
    Index("ix_system_logs_level", "level"),
)

settings = Table(
    "settings",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("value", Json, nullable=False),
    Column("updated_by", String(64)),
    Column("updated_at", UtcDateTime()),
)
