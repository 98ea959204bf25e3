"""The history panel: allocation events with who, when, from which seat, what and why, and a
time slider that shows the board as it was at a chosen moment (rebuilt from the event log)."""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSlider,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.board.store import BoardStore
from desktop.change_hub import touches
from desktop.table_model import Column, RowTableModel
from domain.events import ChangeEvent, Topic
from services.allocation.event_log import HistoryRow, history

SLIDER_HOURS = 12  # how far back the slider reaches
RELOAD_DEBOUNCE_MS = 300


def _columns() -> list[Column[HistoryRow]]:
    return [
        Column("When", lambda r: r.at, text=lambda v: v.astimezone().strftime("%a %H:%M:%S")),
        Column("Who", lambda r: r.changed_by),
        Column("Seat", lambda r: r.seat),
        Column("What", lambda r: r.event_type),
        Column("Change", lambda r: r.summary),
        Column("Why", lambda r: r.reason or r.reason_code or ""),
    ]


class HistoryPanel(QWidget):
    def __init__(self, store: BoardStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.model: RowTableModel[HistoryRow] = RowTableModel(_columns(), lambda r: r.id)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(self._show_row_time)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(-SLIDER_HOURS * 60, 0)
        self.slider.setValue(0)
        self.slider.setToolTip("Drag back in time to see the board as it was")
        self.slider.sliderReleased.connect(self._on_slider)
        self.slider.valueChanged.connect(self._on_value)
        self.when = QLabel("now (live)")
        self.live = QPushButton("Back to live")
        self.live.setEnabled(False)
        self.live.clicked.connect(self.go_live)
        row = QHBoxLayout()
        row.addWidget(QLabel("Board at:"))
        row.addWidget(self.slider, 1)
        row.addWidget(self.when)
        row.addWidget(self.live)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addWidget(self.table)
        self._reload = QTimer(self)
        self._reload.setSingleShot(True)
        self._reload.setInterval(RELOAD_DEBOUNCE_MS)
        self._reload.timeout.connect(self.reload)
        store.ctx.hub.changed.connect(self._on_hub_changed)
        store.mode_changed.connect(self._on_mode)

    def reload(self) -> None:
        job = self.store.ctx.runner.query(
            history, self.store.ctx.app.engine, limit=300, name="history", owner=self
        )
        job.on_success(self.model.set_rows).on_failure(self.store.ctx.report_error)

    def _on_hub_changed(self, events: list[ChangeEvent]) -> None:
        if touches(events, Topic.ALLOCATION):
            self._reload.start()

    def _time_of(self, minutes: int) -> datetime:
        return self.store.now() + timedelta(minutes=minutes)

    def _on_value(self, minutes: int) -> None:
        if minutes >= 0:
            self.when.setText("now (live)")
        else:
            self.when.setText(self._time_of(minutes).astimezone().strftime("%a %H:%M"))

    def _on_slider(self) -> None:
        self.show_at_minutes(self.slider.value())

    def show_at_minutes(self, minutes: int) -> None:
        if minutes >= 0:
            self.go_live()
        else:
            self.store.show_at(self._time_of(minutes))

    def show_at(self, at: datetime) -> None:
        self.store.show_at(at)

    def _show_row_time(self, index: object) -> None:
        row = self.model.rows[index.row()]  # type: ignore[attr-defined]
        self.store.show_at(row.at)

    def go_live(self) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(0)
        self.slider.blockSignals(False)
        self.when.setText("now (live)")
        self.store.back_to_live()

    def _on_mode(self, historic: bool) -> None:
        self.live.setEnabled(historic)

    def stop(self) -> None:
        self._reload.stop()
