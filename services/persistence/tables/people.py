"""Operators, skills, shifts, shift assignments and attendance (seed 002 section 3.1)."""

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
    Time,
    UniqueConstraint,
)

from domain.model.people import OperatorStatus, ShiftAssignmentStatus
from services.persistence.tables.base import audit_columns, enum_check, enum_column, metadata
from services.persistence.types import BigId, Json, UtcDateTime

operators = Table(
    "operators",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("employee_id", String(32), nullable=False, unique=True),
    Column("first_name", String(50), nullable=False),
    Column("last_name", String(50), nullable=False),
    Column("email", String(100)),
    Column("phone", String(20)),
    Column("department", String(50)),
    Column("home_zone", String(100)),
    Column("line_id", String(32), ForeignKey("lines.id")),
    Column("hire_date", Date),
    enum_column("status", OperatorStatus, OperatorStatus.AVAILABLE),
    Column("status_updated_at", UtcDateTime()),
    Column("efficiency_rating", Float),
    Column("on_time_rate", Float),
    Column("active", Boolean, nullable=False, default=True),
    Column("anonymised", Boolean, nullable=False, default=False),
    Column("version", Integer, nullable=False, default=1),
    *audit_columns(),
    enum_check("status", OperatorStatus, "operator_status"),
    CheckConstraint(
        "efficiency_rating IS NULL OR (efficiency_rating >= 0 AND efficiency_rating <= 5)",
        name="efficiency",
    ),
    Index("ix_operators_status", "status", "active"),
    Index("ix_operators_department", "department"),
    Index("ix_operators_home_zone", "home_zone"),
)

operator_skills = Table(
    "operator_skills",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column(
        "operator_id", String(32), ForeignKey("operators.id", ondelete="CASCADE"), nullable=False
    ),
    Column("skill_code", String(50), nullable=False),
    Column("skill_name", String(100), nullable=False),
    Column("proficiency", Integer, nullable=False),
    Column("certification_date", Date),
    Column("certification_expiry", Date),
    Column("certified_by", String(100)),
    CheckConstraint("proficiency BETWEEN 1 AND 4", name="proficiency"),
    UniqueConstraint("operator_id", "skill_code"),
    Index("ix_operator_skills_code", "skill_code"),
    Index("ix_operator_skills_expiry", "certification_expiry"),
)

shifts = Table(
    "shifts",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("name", String(50), nullable=False),
    Column("start", Time, nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("breaks", Json, nullable=False, default=list),
    Column("forbidden_next", Json, nullable=False, default=list),
    Column("colour", String(9), nullable=False, default="#4e79a7"),
    CheckConstraint("minutes > 0 AND minutes <= 1440", name="length"),
)

shift_assignments = Table(
    "shift_assignments",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column(
        "operator_id", String(32), ForeignKey("operators.id", ondelete="CASCADE"), nullable=False
    ),
    Column("shift_id", String(16), ForeignKey("shifts.id"), nullable=False),
    Column("day", Date, nullable=False),
    enum_column("status", ShiftAssignmentStatus, ShiftAssignmentStatus.SCHEDULED),
    Column("clock_in", UtcDateTime()),
    Column("clock_out", UtcDateTime()),
    Column("published", Boolean, nullable=False, default=True),
    Column("locked", Boolean, nullable=False, default=False),
    Column("version", Integer, nullable=False, default=1),
    enum_check("status", ShiftAssignmentStatus, "shift_status"),
    CheckConstraint("clock_out IS NULL OR clock_in IS NULL OR clock_out >= clock_in", name="clock"),
    UniqueConstraint("operator_id", "day"),
    Index("ix_shift_assignments_day", "day", "operator_id"),
    Index("ix_shift_assignments_status", "status"),
)

operator_contracts = Table(
    "operator_contracts",
    metadata,
    # One operator's labour contract for rostering; a NULL limit means "the site's default"
    # (the roster policy setting). Weekly figures are scaled to the roster's range.
    Column(
        "operator_id",
        String(32),
        ForeignKey("operators.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("max_shifts", Json, nullable=False, default=dict),  # {shift id: most per week}
    Column("min_weekly_minutes", Integer),
    Column("max_weekly_minutes", Integer),
    Column("min_consecutive_shifts", Integer),
    Column("max_consecutive_shifts", Integer),
    Column("min_consecutive_days_off", Integer),
    Column("max_weekends_per_4_weeks", Integer),
    Column("unavailable_weekdays", Json, nullable=False, default=list),  # 0 = Monday
    Column("notes", Text),
    Column("version", Integer, nullable=False, default=1),
    *audit_columns(),
    CheckConstraint(
        "min_weekly_minutes IS NULL OR max_weekly_minutes IS NULL"
        " OR min_weekly_minutes <= max_weekly_minutes",
        name="weekly_minutes",
    ),
)

shift_requests = Table(
    "shift_requests",
    metadata,
    # An operator's wish for one day: work a shift ("on"), not work it ("off"), or a day that
    # cannot be worked at all ("unavailable", a hard rule; weight unused). shift_id "" means
    # any shift of the day.
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column(
        "operator_id", String(32), ForeignKey("operators.id", ondelete="CASCADE"), nullable=False
    ),
    Column("day", Date, nullable=False),
    Column("shift_id", String(16), nullable=False, default=""),
    Column("kind", String(12), nullable=False),
    Column("weight", Integer, nullable=False, default=1),
    Column("note", Text),
    Column("created_by", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("version", Integer, nullable=False, default=1),
    CheckConstraint("kind IN ('on', 'off', 'unavailable')", name="kind"),
    CheckConstraint("weight >= 0", name="weight"),
    UniqueConstraint("operator_id", "day", "kind", "shift_id"),
    Index("ix_shift_requests_day", "day", "operator_id"),
)

roster_drafts = Table(
    "roster_drafts",
    metadata,
    # A roster being prepared and not yet published: the cells it would change against the
    # published roster it was made from (``changes``: [{operator_id, day, before, after}]).
    Column("id", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("start", Date, nullable=False),
    Column("days", Integer, nullable=False),
    Column("changes", Json, nullable=False, default=list),
    Column("status", String(20), nullable=False, default="draft"),
    Column("created_by", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("published_by", String(64)),
    Column("published_at", UtcDateTime()),
    Column("notes", Text),
    Column("version", Integer, nullable=False, default=1),
    *audit_columns(),
    CheckConstraint("status IN ('draft', 'published', 'discarded')", name="draft_status"),
    CheckConstraint("days > 0 AND days <= 366", name="draft_days"),
    Index("ix_roster_drafts_status", "status", "start"),
)

attendance = Table(
    "attendance",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column(
        "operator_id", String(32), ForeignKey("operators.id", ondelete="CASCADE"), nullable=False
    ),
    Column("day", Date, nullable=False),
    Column("shift_id", String(16)),
    Column("present", Boolean, nullable=False),
    Column("hours_worked", Float, nullable=False, default=0.0),
    Column("absence_reason", String(50)),
    Column("late_minutes", Integer, nullable=False, default=0),
    UniqueConstraint("operator_id", "day"),
    Index("ix_attendance_day", "day"),
)
