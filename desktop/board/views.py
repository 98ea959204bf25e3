"""CardListView: a column of cards that can be dragged and dropped on.

While a card is dragged over it, the view asks the store for the plan of that drop: a valid
target is highlighted (the delegate paints every valid target green as soon as the drag starts),
an invalid one refuses the drop and shows the rule that would break, before anything is sent.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDragMoveEvent, QDropEvent, QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QListView, QToolTip, QWidget

from desktop.board.delegates import CardDelegate
from desktop.board.mime import decode
from desktop.board.models import KEY_ROLE, CardListModel
from desktop.board.store import BoardStore


class CardListView(QListView):
    hover_explained = Signal(str)  # the sentence about the target under the dragged card
    enter_pressed = Signal(str)  # the keyboard path: the selected card's key
    delete_pressed = Signal(str)
    card_selected = Signal(str)

    def __init__(self, store: BoardStore, model: CardListModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.store = store
        self.setModel(model)
        self.setItemDelegate(CardDelegate(store.now))
        # setMovement(Static) turns drag and drop off again: it must come first
        self.setMovement(QListView.Movement.Static)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)  # drag events arrive at the viewport
        self.setDropIndicatorShown(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDragDropOverwriteMode(True)  # drops land on a card, not between cards
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setUniformItemSizes(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMinimumWidth(230)
        self.setMouseTracking(True)
        self.last_explanation = ""
        self.selectionModel().currentChanged.connect(self._on_current)

    def card_model(self) -> CardListModel:
        model = self.model()
        assert isinstance(model, CardListModel)
        return model

    def selected_key(self) -> str | None:
        index = self.currentIndex()
        return index.data(KEY_ROLE) if index.isValid() else None

    def select_key(self, key: str) -> bool:
        row = self.card_model().row_of(key)
        if row is None:
            return False
        self.setCurrentIndex(self.card_model().index(row))
        return True

    def _on_current(self, current: object, _previous: object) -> None:
        key = self.selected_key()
        if key:
            self.card_selected.emit(key)

    # -- drag and drop -----------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        drag = decode(event.mimeData())
        if drag is None or self.store.historic:
            event.ignore()
            return
        self.store.begin_drag(drag.key)
        event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        drag = decode(event.mimeData())
        if drag is None:
            event.ignore()
            return
        pos = event.position().toPoint()
        index = self.indexAt(pos)
        target = self.card_model().target_key(index)
        plan = self.store.plan_for(target, drag.key) if target else None
        text = ""
        if plan is not None:
            text = plan.description if plan.ok else f"Not allowed: {plan.why_not}"
        self._explain(text, pos)
        if plan is not None and plan.ok:
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            event.ignore()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self._explain("", None)
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        drag = decode(event.mimeData())
        self._explain("", None)
        if drag is None:
            event.ignore()
            return
        index = self.indexAt(event.position().toPoint())
        model = self.card_model()
        parent = index if index.isValid() else model.index(-1)
        accepted = model.dropMimeData(event.mimeData(), Qt.DropAction.CopyAction, -1, -1, parent)
        self.store.end_drag()
        if accepted:
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            event.ignore()

    def _explain(self, text: str, pos: QPoint | None) -> None:
        if text == self.last_explanation:
            return
        self.last_explanation = text
        self.hover_explained.emit(text)
        if text and pos is not None:
            QToolTip.showText(self.viewport().mapToGlobal(pos), text, self)
        else:
            QToolTip.hideText()

    # -- keyboard ----------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = self.selected_key()
        if key and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.enter_pressed.emit(key)
            return
        if key and event.key() == Qt.Key.Key_Delete:
            self.delete_pressed.emit(key)
            return
        super().keyPressEvent(event)
