"""KpiCard: one KPI as a big figure with its label, and how it was obtained as a tooltip."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from services.dashboard.dtos import Kpi


class KpiCard(QFrame):
    def __init__(self, key: str, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.setObjectName(f"kpi_{key}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = QLabel(label)
        self.title.setStyleSheet("font-weight: bold")
        self.value = QLabel("…")
        self.value.setStyleSheet("font-size: 22pt")
        self.value.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail = QLabel("")
        self.detail.setWordWrap(True)
        self.detail.setStyleSheet("font-size: 8pt")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 6, 8, 6)
        lay.addWidget(self.title)
        lay.addWidget(self.value)
        lay.addWidget(self.detail)

    def show_kpi(self, kpi: Kpi) -> None:
        self.title.setText(kpi.label)
        self.value.setText(kpi.text)
        self.detail.setText(kpi.detail)
        self.setToolTip(kpi.detail)
