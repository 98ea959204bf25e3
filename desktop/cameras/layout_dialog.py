"""The custom wall layout: rows, columns and the order of the cameras in the cells."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QWidget,
)

from desktop.cameras.wall import WallLayout


class CustomLayoutDialog(QDialog):
    def __init__(
        self,
        current: WallLayout,
        camera_ids: list[str],
        names: dict[str, str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Custom camera layout")
        self.rows = QSpinBox()
        self.rows.setRange(1, 6)
        self.rows.setValue(current.rows)
        self.cols = QSpinBox()
        self.cols.setRange(1, 6)
        self.cols.setValue(current.cols)
        self.order = QListWidget()
        self.order.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        for cid in camera_ids:
            item = QListWidgetItem(f"{names.get(cid, cid)} ({cid})")
            item.setData(256, cid)
            self.order.addItem(item)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Rows", self.rows)
        form.addRow("Columns", self.cols)
        form.addRow("Order (drag)", self.order)
        form.addRow(buttons)

    def result_layout(self) -> tuple[int, int, tuple[str, ...]]:
        order = tuple(str(self.order.item(i).data(256)) for i in range(self.order.count()))
        return self.rows.value(), self.cols.value(), order
