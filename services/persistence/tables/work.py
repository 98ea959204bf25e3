"""Products, BOM, materials, work orders, operations and allocations (seeds 002 and 004)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    column,
    func,
    literal_column,
    text,
)
from sqlalchemy.dialects.postgresql import ExcludeConstraint

from domain.model.allocation import (
    AllocationEventType,
    AllocationMethod,
    AllocationStatus,
    AllocationType,
    ChangeSource,
)
from domain.model.products import InventoryTransactionType, ProductType, ReservationStatus
from domain.model.work import (
    DependencyType,
    OperationStatus,
    Priority,
    QualityStatus,
    TimestampKind,
    WorkOrderStatus,
)
from services.persistence.tables.base import audit_columns, enum_check, enum_column, metadata
from services.persistence.types import BigId, Json, UtcDateTime

products = Table(
    "products",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    enum_column("product_type", ProductType, ProductType.PRODUCT),
    Column("family", String(64), nullable=False, default="default"),
    Column("unit_of_measure", String(20), nullable=False, default="EA"),
    Column("active", Boolean, nullable=False, default=True),
    enum_check("product_type", ProductType, "product_type"),
)

bom_lines = Table(
    "bom_lines",
    metadata,
    Column(
        "parent_id", String(32), ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("child_id", String(32), primary_key=True),
    Column("quantity", Float, nullable=False),
    Column("child_is_material", Boolean, nullable=False, default=False),
    CheckConstraint("parent_id <> child_id", name="not_self"),
    CheckConstraint("quantity > 0", name="quantity"),
    Index("ix_bom_lines_child", "child_id"),
)

materials = Table(
    "materials",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("part_number", String(50), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("unit_of_measure", String(20), nullable=False, default="EA"),
    Column("category", String(50)),
    Column("on_hand", Float, nullable=False, default=0.0),
    Column("allocated", Float, nullable=False, default=0.0),
    Column("safety_stock", Float),
    Column("reorder_point", Float),
    Column("standard_cost", Float),
    Column("requires_fefo", Boolean, nullable=False, default=True),
    Column("is_hazardous", Boolean, nullable=False, default=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("version", Integer, nullable=False, default=1),
    *audit_columns(),
    CheckConstraint("on_hand >= 0 AND allocated >= 0", name="quantities"),
    # available = on_hand - allocated is never negative
    CheckConstraint("allocated <= on_hand + 0.0005", name="available"),
    Index("ix_materials_category", "category"),
)

material_reservations = Table(
    "material_reservations",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("material_id", String(32), ForeignKey("materials.id"), nullable=False),
    Column("work_order_id", String(32), ForeignKey("work_orders.id"), nullable=False),
    Column("quantity", Float, nullable=False),
    Column("reserved_by", String(64), nullable=False),
    Column("reserved_at", UtcDateTime(), nullable=False),
    enum_column("status", ReservationStatus, ReservationStatus.ACTIVE),
    Column("released_at", UtcDateTime()),
    Column("released_by", String(64)),
    CheckConstraint("quantity > 0", name="quantity"),
    enum_check("status", ReservationStatus, "reservation_status"),
    Index("ix_material_reservations_material", "material_id", "status"),
    Index("ix_material_reservations_wo", "work_order_id"),
)

inventory_transactions = Table(
    "inventory_transactions",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("material_id", String(32), ForeignKey("materials.id"), nullable=False),
    enum_column("transaction_type", InventoryTransactionType),
    Column("at", UtcDateTime(), nullable=False),
    Column("quantity", Float, nullable=False),
    Column("reference_type", String(50)),
    Column("reference_id", String(50)),
    Column("performed_by", String(64), nullable=False),
    Column("notes", Text),
    enum_check("transaction_type", InventoryTransactionType, "transaction_type"),
    Index("ix_inventory_transactions_material", "material_id", "at"),
    Index("ix_inventory_transactions_reference", "reference_type", "reference_id"),
)

work_orders = Table(
    "work_orders",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("number", String(50), nullable=False, unique=True),
    Column("product_id", String(32), ForeignKey("products.id"), nullable=False),
    Column("product_name", String(200), nullable=False),
    Column("quantity_ordered", Float, nullable=False),
    Column("quantity_produced", Float, nullable=False, default=0.0),
    Column("unit_of_measure", String(20), nullable=False, default="EA"),
    enum_column("priority", Priority, Priority.MEDIUM),
    enum_column("status", WorkOrderStatus, WorkOrderStatus.QUEUED),
    Column("line_id", String(32), ForeignKey("lines.id")),
    Column("due_date", UtcDateTime(), nullable=False),
    Column("release_date", UtcDateTime()),
    Column("planned_start", UtcDateTime()),
    Column("planned_end", UtcDateTime()),
    Column("actual_start", UtcDateTime()),
    Column("actual_end", UtcDateTime()),
    Column("estimated_minutes", Integer),
    Column("customer_order_id", String(50)),
    Column("quality_status", String(20)),
    Column("version", Integer, nullable=False, default=1),
    *audit_columns(),
    CheckConstraint("quantity_ordered > 0", name="ordered_positive"),
    CheckConstraint(
        "quantity_produced >= 0 AND quantity_produced <= quantity_ordered", name="produced"
    ),
    enum_check("priority", Priority, "priority"),
    enum_check("status", WorkOrderStatus, "wo_status"),
    enum_check("quality_status", QualityStatus, "quality", nullable=True),
    Index("ix_work_orders_status", "status", "priority"),
    Index("ix_work_orders_due_date", "due_date"),
    Index("ix_work_orders_line", "line_id", "status"),
)

work_order_materials = Table(
    "work_order_materials",
    metadata,
    Column(
        "work_order_id",
        String(32),
        ForeignKey("work_orders.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("material_id", String(32), ForeignKey("materials.id"), primary_key=True),
    Column("quantity_required", Float, nullable=False),
    Column("critical", Boolean, nullable=False, default=False),
    Column("quantity_allocated", Float, nullable=False, default=0.0),
    Column("quantity_consumed", Float, nullable=False, default=0.0),
    CheckConstraint("quantity_required > 0", name="required"),
    Index("ix_work_order_materials_material", "material_id"),
)

work_order_dependencies = Table(
    "work_order_dependencies",
    metadata,
    Column(
        "work_order_id",
        String(32),
        ForeignKey("work_orders.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("predecessor_id", String(32), ForeignKey("work_orders.id"), primary_key=True),
    enum_column("kind", DependencyType, DependencyType.FINISH_TO_START),
    Column("lag_minutes", Integer, nullable=False, default=0),
    Column("mandatory", Boolean, nullable=False, default=True),
    enum_check("kind", DependencyType, "dep_type"),
    CheckConstraint("work_order_id <> predecessor_id", name="no_self_dependency"),
    Index("ix_work_order_dependencies_pred", "predecessor_id"),
)

operations = Table(
    "operations",
    metadata,
    Column("id", String(40), primary_key=True),
    Column(
        "work_order_id",
        String(32),
        ForeignKey("work_orders.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("sequence", Integer, nullable=False),
    Column("name", String(100), nullable=False),
    Column("work_centre_id", String(32), ForeignKey("work_centres.id"), nullable=False),
    Column("duration_minutes", Integer, nullable=False),
    Column("setup_family", String(64), nullable=False, default="default"),
    Column("alternatives", Json, nullable=False, default=list),
    Column("required_skill", String(50)),
    Column("min_proficiency", Integer, nullable=False, default=1),
    enum_column("status", OperationStatus, OperationStatus.PLANNED),
    Column("version", Integer, nullable=False, default=1),
    CheckConstraint("duration_minutes > 0", name="duration"),
    CheckConstraint("min_proficiency BETWEEN 1 AND 4", name="proficiency"),
    enum_check("status", OperationStatus, "op_status"),
    UniqueConstraint("work_order_id", "sequence"),
    Index("ix_operations_work_centre", "work_centre_id"),
)

operation_timestamps = Table(
    "operation_timestamps",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column(
        "operation_id", String(40), ForeignKey("operations.id", ondelete="CASCADE"), nullable=False
    ),
    enum_column("kind", TimestampKind),
    Column("at", UtcDateTime(), nullable=False),
    Column("work_centre_id", String(32)),
    Column("operator_id", String(32)),
    Column("workstation", String(64)),
    Column("recorded_by", String(64)),
    enum_check("kind", TimestampKind, "ts_kind"),
    Index("ix_operation_timestamps_op", "operation_id", "at"),
)

production_logs = Table(
    "production_logs",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("work_order_id", String(32), ForeignKey("work_orders.id"), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("event_type", String(50), nullable=False),
    Column("quantity", Float),
    Column("operator_id", String(32)),
    Column("machine_id", String(32)),
    Column("notes", Text),
    Column("logged_by", String(64)),
    Column("extra", Json, nullable=False, default=dict),
    Index("ix_production_logs_wo", "work_order_id", "at"),
    Index("ix_production_logs_event", "event_type", "at"),
)

_HOLDS = "status IN ('active', 'paused')"

allocations = Table(
    "allocations",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("work_order_id", String(32), ForeignKey("work_orders.id"), nullable=False),
    Column("operator_id", String(32), ForeignKey("operators.id")),
    Column("machine_id", String(32), ForeignKey("machines.id")),
    enum_column("allocation_type", AllocationType),
    enum_column("status", AllocationStatus, AllocationStatus.ACTIVE),
    enum_column("method", AllocationMethod, AllocationMethod.MANUAL),
    Column("suggestion_score", Float),
    Column("allocated_by", String(64), nullable=False),
    Column("allocated_at", UtcDateTime(), nullable=False),
    # the booked window: [expected_start, expected_end); an open end books until released
    Column("expected_start", UtcDateTime(), nullable=False),
    Column("expected_end", UtcDateTime()),
    Column("actual_start", UtcDateTime()),
    Column("actual_end", UtcDateTime()),
    Column("released_by", String(64)),
    Column("released_at", UtcDateTime()),
    Column("release_reason", String(200)),
    Column("version", Integer, nullable=False, default=1),
    *audit_columns(),
    enum_check("allocation_type", AllocationType, "allocation_type"),
    enum_check("status", AllocationStatus, "allocation_status"),
    enum_check("method", AllocationMethod, "allocation_method"),
    CheckConstraint("operator_id IS NOT NULL OR machine_id IS NOT NULL", name="has_resource"),
    CheckConstraint(
        "suggestion_score IS NULL OR (suggestion_score >= 0 AND suggestion_score <= 100)",
        name="score",
    ),
    CheckConstraint("expected_end IS NULL OR expected_end > expected_start", name="window"),
    Index("ix_allocations_wo", "work_order_id", "status"),
    Index("ix_allocations_operator", "operator_id", "status"),
    Index("ix_allocations_machine", "machine_id", "status"),
    Index("ix_allocations_time", "allocated_at"),
    # PostgreSQL has the last word on double booking (needs btree_gist); SQLite checks the same
    # rule inside BEGIN IMMEDIATE (see repositories/allocations.py).
    ExcludeConstraint(
        (column("operator_id"), "="),
        (
            func.tstzrange(
                column("expected_start"), column("expected_end"), literal_column("'[)'")
            ),
            "&&",
        ),
        using="gist",
        where=text(f"operator_id IS NOT NULL AND {_HOLDS}"),
        name="ex_allocations_operator_overlap",
    ).ddl_if(dialect="postgresql"),
    ExcludeConstraint(
        (column("machine_id"), "="),
        (
            func.tstzrange(
                column("expected_start"), column("expected_end"), literal_column("'[)'")
            ),
            "&&",
        ),
        using="gist",
        where=text(f"machine_id IS NOT NULL AND {_HOLDS}"),
        name="ex_allocations_machine_overlap",
    ).ddl_if(dialect="postgresql"),
)

allocation_change_events = Table(
    "allocation_change_events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("allocation_id", BigId, ForeignKey("allocations.id"), nullable=False),
    enum_column("event_type", AllocationEventType),
    Column("at", UtcDateTime(), nullable=False),
    Column("changed_by", String(64), nullable=False),
    Column("seat", String(64), nullable=False),
    enum_column("source", ChangeSource, ChangeSource.SUPERVISOR_UI),
    Column("previous_state", Json),
    Column("new_state", Json),
    Column("reason_code", String(50)),
    Column("reason", Text),
    Column("idle_time_prevented_minutes", Integer),
    Column("work_order_delay_minutes", Integer),
    Column("extra", Json, nullable=False, default=dict),
    enum_check("event_type", AllocationEventType, "event_type"),
    enum_check("source", ChangeSource, "source"),
    Index("ix_allocation_change_events_allocation", "allocation_id", "at"),
    Index("ix_allocation_change_events_at", "at"),
    Index("ix_allocation_change_events_type", "event_type", "at"),
    Index("ix_allocation_change_events_changed_by", "changed_by"),
)
