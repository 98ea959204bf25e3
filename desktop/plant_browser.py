"""The plant browser: operators, machines, work orders and materials as sortable, filterable
tables with live counts, refreshed when other seats change them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.change_hub import touches
from desktop.context import DesktopContext
from desktop.table_model import SORT_ROLE, Column, RowTableModel
from domain.events import ChangeEvent, Topic
from services.queries.plant_browser import (
    MachineRow,
    MaterialRow,
    OperatorRow,
    WorkOrderRow,
    machine_rows,
    material_rows,
    operator_rows,
    work_order_rows,
)

STATUS_COLOURS = {
    "available": "#59a14f",
    "busy": "#4e79a7",
    "break": "#edc948",
    "absent": "#e15759",
    "sick": "#e15759",
    "vacation": "#b07aa1",
    "offline": "#9c9c9c",
    "running": "#59a14f",
    "idle": "#76b7b2",
    "maintenance": "#edc948",
    "breakdown": "#e15759",
    "queued": "#9c9c9c",
    "assigned": "#4e79a7",
    "in_progress": "#59a14f",
    "paused": "#edc948",
}


class _FilterProxy(QSortFilterProxyModel):
    def __init__(self) -> None:
        super().__init__()
        self.setSortRole(SORT_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(-1)


@dataclass
class _TabSpec:
    title: str
    noun: str
    topics: tuple[Topic, ...]
    load: Callable[[DesktopContext], Sequence[Any]]
    columns: Sequence[Column[Any]]
    key: Callable[[Any], Any]


class BrowserTable(QWidget):
    """One tab: a filter box, the table and an 'N of M' count."""

    def __init__(self, spec: _TabSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.model: RowTableModel[Any] = RowTableModel(spec.columns, spec.key)
        self.proxy = _FilterProxy()
        self.proxy.setSourceModel(self.model)
        self.filter = QLineEdit(placeholderText=f"Filter {spec.noun}… (any column)")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._on_filter)
        self.count = QLabel()
        self.view = QTableView()
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.horizontalHeader().setStretchLastSection(True)
        top = QHBoxLayout()
        top.addWidget(self.filter, 1)
        top.addWidget(self.count)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(top)
        lay.addWidget(self.view)
        self._update_count()

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.model.set_rows(rows)
        if self.view.horizontalHeader().sortIndicatorSection() < 0:
            self.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.view.resizeColumnsToContents()
        self._update_count()

    def _on_filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text)
        self._update_count()

    def _update_count(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        self.count.setText(
            f"{total} {self.spec.noun}"
            if shown == total
            else f"{shown} of {total} {self.spec.noun}"
        )


def _fmt_opt(v: Any) -> str:
    return "" if v is None else f"{v:.1f}"


def _certificate_text(v: tuple[int, int]) -> str:
    expired, expiring = v
    parts = []
    if expired:
        parts.append(f"{expired} expired")
    if expiring:
        parts.append(f"{expiring} expiring")
    return ", ".join(parts) or "ok"


def _specs() -> list[_TabSpec]:
    op_cols: list[Column[OperatorRow]] = [
        Column("Id", lambda r: r.id),
        Column("Name", lambda r: r.name),
        Column("Status", lambda r: r.status, colour=lambda r: STATUS_COLOURS.get(r.status)),
        Column("Line", lambda r: r.line),
        Column("Home zone", lambda r: r.home_zone),
        Column("Efficiency", lambda r: r.efficiency, text=_fmt_opt, align_right=True),
        Column("Skills", lambda r: r.skills),
        Column(
            "Certificates",
            lambda r: (r.certificates_expired, r.certificates_expiring),
            text=_certificate_text,
            colour=lambda r: (
                "#e15759"
                if r.certificates_expired
                else ("#f28e2b" if r.certificates_expiring else None)
            ),
            tooltip=lambda r: (
                f"{r.certificates_expired} expired, "
                f"{r.certificates_expiring} expiring within 7 days"
            ),
        ),
    ]
    m_cols: list[Column[MachineRow]] = [
        Column("Id", lambda r: r.id),
        Column("Name", lambda r: r.name),
        Column("Type", lambda r: r.machine_type),
        Column("Line", lambda r: r.line),
        Column("Status", lambda r: r.status, colour=lambda r: STATUS_COLOURS.get(r.status)),
        Column("OEE %", lambda r: r.oee, text=_fmt_opt, align_right=True),
        Column("Next maintenance", lambda r: r.next_maintenance),
        Column("Work centre", lambda r: r.work_centre),
    ]
    wo_cols: list[Column[WorkOrderRow]] = [
        Column("Number", lambda r: r.number),
        Column("Product", lambda r: r.product),
        Column("Qty", lambda r: r.quantity, align_right=True, text=lambda v: f"{v:,.0f}"),
        Column("Done", lambda r: r.produced, align_right=True, text=lambda v: f"{v:,.0f}"),
        Column("Priority", lambda r: r.priority),
        Column("Status", lambda r: r.status, colour=lambda r: STATUS_COLOURS.get(r.status)),
        Column(
            "Due",
            lambda r: r.due,
            text=lambda v: v.strftime("%Y-%m-%d %H:%M"),
            colour=lambda r: "#e15759" if r.late else None,
            tooltip=lambda r: "late" if r.late else None,
        ),
        Column("Line", lambda r: r.line),
    ]
    mat_cols: list[Column[MaterialRow]] = [
        Column("Part", lambda r: r.part_number),
        Column("Name", lambda r: r.name),
        Column("On hand", lambda r: r.on_hand, align_right=True),
        Column("Allocated", lambda r: r.allocated, align_right=True),
        Column(
            "Available",
            lambda r: r.available,
            align_right=True,
            colour=lambda r: "#e15759" if r.below_safety else None,
            tooltip=lambda r: "below safety stock" if r.below_safety else None,
        ),
        Column("Safety stock", lambda r: r.safety_stock, text=_fmt_opt, align_right=True),
        Column("Unit", lambda r: r.unit),
    ]
    return [
        _TabSpec(
            "Operators",
            "operators",
            (Topic.OPERATOR, Topic.PLANT, Topic.ALLOCATION, Topic.ROSTER),
            lambda c: operator_rows(c.app.engine, c.app.clock.now().date()),
            op_cols,
            lambda r: r.id,
        ),
        _TabSpec(
            "Machines",
            "machines",
            (Topic.MACHINE, Topic.PLANT, Topic.ALLOCATION),
            lambda c: machine_rows(c.app.engine),
            m_cols,
            lambda r: r.id,
        ),
        _TabSpec(
            "Work orders",
            "work orders",
            (Topic.WORK_ORDER, Topic.PLANT, Topic.ALLOCATION, Topic.SCHEDULE),
            lambda c: work_order_rows(c.app.engine, c.app.clock.now()),
            wo_cols,
            lambda r: r.id,
        ),
        _TabSpec(
            "Materials",
            "materials",
            (Topic.MATERIAL, Topic.PLANT, Topic.ALLOCATION),
            lambda c: material_rows(c.app.engine),
            mat_cols,
            lambda r: r.id,
        ),
    ]


class PlantBrowser(QWidget):
    def __init__(self, ctx: DesktopContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.tabs = QTabWidget()
        self.tables: list[BrowserTable] = []
        for spec in _specs():
            table = BrowserTable(spec)
            self.tables.append(table)
            self.tabs.addTab(table, spec.title)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.tabs)
        ctx.hub.changed.connect(self._on_hub_changed)
        self.refresh()

    def table(self, title: str) -> BrowserTable:
        return next(t for t in self.tables if t.spec.title == title)

    def refresh(self, only: Sequence[BrowserTable] | None = None) -> None:
        for table in only or self.tables:
            spec = table.spec
            self.ctx.runner.query(
                spec.load, self.ctx, name=f"load {spec.noun}", owner=table
            ).on_success(table.set_rows).on_failure(self.ctx.report_error)

    def _on_hub_changed(self, events: list[ChangeEvent]) -> None:
        stale = [t for t in self.tables if touches(events, *t.spec.topics)]
        if stale:
            self.refresh(stale)
