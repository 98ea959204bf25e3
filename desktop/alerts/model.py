"""The inbox table: one row per alert (severity colour, type, subject, message, since, state,
owner), bold while a high or critical alert is still new, flashing while it has just arrived."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from domain.model.alerts import Alert, AlertSeverity, AlertState

Index = QModelIndex | QPersistentModelIndex

COLUMNS = ("Severity", "Type", "Subject", "Message", "Since", "State", "Owner")
SEVERITY_COL, TYPE_COL, SUBJECT_COL, MESSAGE_COL, SINCE_COL, STATE_COL, OWNER_COL = range(7)

ALERT_ID_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2

SEVERITY_COLOURS: dict[AlertSeverity, str] = {
    AlertSeverity.CRITICAL: "#d32f2f",
    AlertSeverity.ERROR: "#ef6c00",
    AlertSeverity.WARNING: "#f9a825",
    AlertSeverity.INFO: "#1e88e5",
}
FLASH_COLOUR = "#7a1f1f"


def is_urgent(alert: Alert) -> bool:
    """High or critical and nobody has taken it on yet."""
    return alert.state is AlertState.NEW and alert.severity.is_urgent


def subject_of(alert: Alert) -> str:
    for value in (
        alert.machine_id,
        alert.work_order_id,
        alert.zone_id,
        alert.operator_id,
        alert.camera_id,
    ):
        if value:
            return value
    material = alert.context.get("material_id")
    if isinstance(material, str):
        return material
    prefix = f"{alert.alert_type.value}:"
    key = alert.dedup_key
    return key[len(prefix) :] if key.startswith(prefix) else key


def age(since: datetime, now: datetime) -> str:
    seconds = max(0, int((now - since).total_seconds()))
    minutes = seconds // 60
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def state_text(alert: Alert) -> str:
    if alert.state is AlertState.SNOOZED and alert.snoozed_until is not None:
        return f"snoozed until {alert.snoozed_until.astimezone():%H:%M}"
    text = alert.state.value
    if alert.escalated_at is not None and alert.state is AlertState.NEW:
        text += " (escalated)"
    return text


class AlertTableModel(QAbstractTableModel):
    def __init__(self, now: Callable[[], datetime]) -> None:
        super().__init__()
        self._now = now
        self.rows: list[Alert] = []
        self.pending: dict[int, str] = {}
        self.flashing: set[int] = set()
        self.flash_on = False

    # -- content ---------------------------------------------------------------------------
    def set_alerts(self, alerts: list[Alert], pending: dict[int, str]) -> None:
        self.beginResetModel()
        self.rows = sorted(alerts, key=lambda a: (-a.severity.rank, -a.raised_at.timestamp()))
        self.pending = dict(pending)
        self.endResetModel()

    def set_flash(self, flashing: set[int], on: bool) -> None:
        self.flashing = set(flashing)
        self.flash_on = on
        if self.rows:
            self.dataChanged.emit(
                self.index(0, 0),
                self.index(len(self.rows) - 1, len(COLUMNS) - 1),
                [Qt.ItemDataRole.BackgroundRole],
            )

    def alert_at(self, row: int) -> Alert | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def row_of(self, alert_id: int) -> int | None:
        for i, a in enumerate(self.rows):
            if a.id == alert_id:
                return i
        return None

    # -- Qt --------------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        alert = self.alert_at(index.row())
        if alert is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(alert, col)
        if role == ALERT_ID_ROLE:
            return alert.id
        if role == SORT_ROLE:
            if col == SEVERITY_COL:
                return alert.severity.rank
            if col == SINCE_COL:
                return -alert.raised_at.timestamp()
            return self._text(alert, col)
        if role == Qt.ItemDataRole.BackgroundRole:
            if alert.id in self.flashing and self.flash_on:
                return QBrush(QColor(FLASH_COLOUR))
            if col == SEVERITY_COL:
                return QBrush(QColor(SEVERITY_COLOURS[alert.severity]))
            return None
        if role == Qt.ItemDataRole.ForegroundRole and col == SEVERITY_COL:
            return QBrush(QColor("#000000" if alert.severity is AlertSeverity.WARNING else "#fff"))
        if role == Qt.ItemDataRole.FontRole and (is_urgent(alert) or alert.id in self.pending):
            font = QFont()
            font.setBold(is_urgent(alert))
            font.setItalic(alert.id in self.pending)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == SINCE_COL:
                return f"raised {alert.raised_at.astimezone():%Y-%m-%d %H:%M}"
            if alert.id in self.pending:
                return f"waiting for the answer to {self.pending[alert.id]}"
            return alert.message
        return None

    def _text(self, alert: Alert, col: int) -> str:
        if col == SEVERITY_COL:
            return alert.severity.value
        if col == TYPE_COL:
            return alert.alert_type.value.replace("_", " ")
        if col == SUBJECT_COL:
            return subject_of(alert)
        if col == MESSAGE_COL:
            n = f" (×{alert.occurrences})" if alert.occurrences > 1 else ""
            return alert.message + n
        if col == SINCE_COL:
            return age(alert.raised_at, self._now())
        if col == STATE_COL:
            if alert.id in self.pending:
                return f"{self.pending[alert.id]}…"
            return state_text(alert)
        if col == OWNER_COL:
            return alert.owner or ""
        return ""
