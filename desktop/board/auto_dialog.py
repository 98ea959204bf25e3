"""The auto-allocate proposal, for a person to confirm: who goes where, with each pair's score."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from services.allocation.auto_allocate import Proposal


class AutoAllocateDialog(QDialog):
    def __init__(self, proposal: Proposal, labels: dict[str, str], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Auto-allocate: proposal")
        self.proposal = proposal
        head = QLabel(
            f"{len(proposal.pairs)} allocation(s) proposed for {proposal.work_orders} waiting "
            f"work order(s) and {proposal.operators} free operator(s) "
            f"({proposal.status}, {proposal.seconds:.1f} s). Every pair passes every rule now; "
            "another seat may still change things before you apply."
        )
        head.setWordWrap(True)
        table = QTableWidget(len(proposal.pairs), 4)
        table.setHorizontalHeaderLabels(["Operator", "Work order", "Score", "Why"])
        for row, s in enumerate(proposal.pairs):
            table.setItem(row, 0, QTableWidgetItem(s.name))
            table.setItem(row, 1, QTableWidgetItem(labels.get(s.work_order_id, s.work_order_id)))
            table.setItem(row, 2, QTableWidgetItem(f"{s.score:.1f}"))
            table.setItem(row, 3, QTableWidgetItem("; ".join(s.reasons)))
        table.resizeColumnsToContents()
        self.table = table
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Apply | QDialogButtonBox.StandardButton.Cancel
        )
        apply_button = buttons.button(QDialogButtonBox.StandardButton.Apply)
        apply_button.setEnabled(bool(proposal.pairs))
        apply_button.clicked.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(head)
        lay.addWidget(table)
        lay.addWidget(buttons)
        self.resize(760, 420)
