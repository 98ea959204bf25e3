"""The grid's cells while a draft is shown: a cell the draft changes against the published
roster is drawn in italics with a dotted border, and its tooltip says what is published."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont, QHelpEvent, QPainter, QPen
from PySide6.QtWidgets import QAbstractItemView, QStyleOptionViewItem, QToolTip

from desktop.roster.model import RosterModel
from desktop.roster.store import RosterStore
from desktop.roster.view import CellDelegate

Index = QModelIndex | QPersistentModelIndex
DRAFT_BORDER = QColor("#202124")


class DraftCellDelegate(CellDelegate):
    def __init__(self, store: RosterStore, view: QAbstractItemView) -> None:
        super().__init__(view)
        self.store = store

    def published(self, index: Index) -> str | None:
        """What the published roster has in this cell, when the shown draft changes it."""
        model = index.model()
        if not isinstance(model, RosterModel):
            return None
        cell = model.cell_of(index)
        return None if cell is None else self.store.draft_difference(*cell)

    def tooltip(self, index: Index) -> str | None:
        base = index.data(Qt.ItemDataRole.ToolTipRole)
        published = self.published(index)
        if published is None:
            return str(base) if base is not None else None
        return f"{base} · published: {published}" if base else f"published: {published}"

    def initStyleOption(self, option: QStyleOptionViewItem, index: Index) -> None:
        super().initStyleOption(option, index)
        if self.published(index) is not None:
            font = QFont(option.font)
            font.setItalic(True)
            option.font = font

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        super().paint(painter, option, index)
        if self.published(index) is None:
            return
        painter.save()
        pen = QPen(DRAFT_BORDER, 1.5, Qt.PenStyle.DotLine)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(option.rect.adjusted(1, 1, -2, -2))
        painter.restore()

    def helpEvent(
        self,
        event: QHelpEvent,
        view: QAbstractItemView,
        option: QStyleOptionViewItem,
        index: Index,
    ) -> bool:
        if event.type() == QEvent.Type.ToolTip and self.published(index) is not None:
            QToolTip.showText(event.globalPos(), self.tooltip(index) or "", view)
            return True
        return super().helpEvent(event, view, option, index)
