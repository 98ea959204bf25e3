"""RosterView: the grid. Drag a shift onto another cell, type a code, L locks, Delete clears.

While a shift is dragged over a cell the view says which rule the drop would break (the
``hover`` signal), before anything is dropped; a refused drop changes nothing and the store
says why.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPoint, QRect, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QDragMoveEvent,
    QKeyEvent,
    QPainter,
    QPolygon,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QMenu,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from desktop.roster.model import FORECAST_ROLE, LOCKED_ROLE, REQUEST_ROLE, Index, RosterModel
from desktop.roster.requests_menu import MARKER_COLOURS, add_request_actions
from services.rostering.proposals import FORECAST_THRESHOLD


class CellDelegate(QStyledItemDelegate):
    """The default cell, plus a dark corner on locked cells and a red dot on shifts that are
    forecast absent."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        super().paint(painter, option, index)
        p = index.data(FORECAST_ROLE)
        if p is not None and p >= FORECAST_THRESHOLD and index.data():
            r0: QRect = option.rect
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#e15759"))
            painter.drawEllipse(r0.bottomLeft() + QPoint(5, -5), 3, 3)
            painter.restore()
        request = index.data(REQUEST_ROLE)
        if request in MARKER_COLOURS:  # a request: a triangle in the lower right corner
            rr: QRect = option.rect
            n = min(8, rr.height() // 2)
            painter.save()
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(MARKER_COLOURS[request]))
            c = rr.bottomRight()
            painter.drawPolygon(QPolygon([c, c - QPoint(n, 0), c - QPoint(0, n)]))
            painter.restore()
        if index.data(LOCKED_ROLE):
            r: QRect = option.rect
            size = min(10, r.height() // 2)
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#202124"))
            corner = QPolygon(
                [r.topRight(), r.topRight() - QPoint(size, 0), r.topRight() + QPoint(0, size)]
            )
            painter.drawPolygon(corner)
            painter.restore()


class RosterView(QTableView):
    hover = Signal(str)  # why the cell under a drag refuses it ("" when it accepts)
    lock_requested = Signal(list)  # [(operator id, day)]
    repair_requested = Signal()
    contract_requested = Signal(str)  # operator id: open the contract dialog

    def __init__(self, model: RosterModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.setItemDelegate(CellDelegate(self))
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDragDropOverwriteMode(True)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.horizontalHeader().setDefaultSectionSize(52)
        self.verticalHeader().setDefaultSectionSize(22)
        header = self.verticalHeader()
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._header_menu)

    def roster_model(self) -> RosterModel:
        model = self.model()
        assert isinstance(model, RosterModel)
        return model

    def selected_cells(self) -> list[tuple[str, int]]:
        model = self.roster_model()
        cells = [model.cell_of(i) for i in self.selectionModel().selectedIndexes()]
        return sorted(c for c in cells if c is not None)

    # -- drag feedback -------------------------------------------------------------------
    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        super().dragMoveEvent(event)
        index = self.indexAt(event.position().toPoint())
        why = self.roster_model().drop_refusal(event.mimeData(), index)
        self.hover.emit(why)

    def dragLeaveEvent(self, event: object) -> None:
        super().dragLeaveEvent(event)  # type: ignore[arg-type]
        self.hover.emit("")

    # -- keys and the context menu ---------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if (
            event.key() == Qt.Key.Key_L
            and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        ):
            cells = self.selected_cells()
            if cells:
                self.lock_requested.emit(cells)
                return
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            model = self.roster_model()
            for op, day in self.selected_cells()[:1]:
                model.store.set_code(op, day, "")
            return
        super().keyPressEvent(event)

    def _setter(self, operator_id: str, day: int, code: str) -> Callable[[], object]:
        store = self.roster_model().store
        return lambda: store.set_code(operator_id, day, code)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        cells = self.selected_cells()
        if not cells:
            return
        model = self.roster_model()
        menu = QMenu(self)
        snap = model.store.snapshot
        locked = snap is not None and all(snap.cell(op, d).locked for op, d in cells)
        menu.addAction(
            "Unlock (L)" if locked else "Lock (L)", lambda: self.lock_requested.emit(cells)
        )
        if snap is not None and len(cells) == 1:
            op, day = cells[0]
            for s in snap.shifts:
                menu.addAction(f"Set {s.id} ({s.name})", self._setter(op, day, s.id))
            menu.addAction("Day off", lambda: model.store.set_code(op, day, ""))
        if len({op for op, _ in cells}) == 1:
            menu.addAction("Absent: repair the roster…", self.repair_requested.emit)
            op = cells[0][0]
            menu.addAction("Operator contract…", lambda: self.contract_requested.emit(op))
        if snap is not None and len(cells) == 1:
            add_request_actions(menu, model.store, *cells[0])
        menu.exec(event.globalPos())

    def _header_menu(self, pos: QPoint) -> None:
        model = self.roster_model()
        row = self.verticalHeader().logicalIndexAt(pos)
        if not 0 <= row < len(model.operators):
            return
        op = model.operators[row]
        menu = QMenu(self)
        menu.addAction("Operator contract…", lambda: self.contract_requested.emit(op))
        menu.exec(self.verticalHeader().mapToGlobal(pos))
