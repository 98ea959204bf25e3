"""The changes an optimise or repair run proposes, for the shift lead to approve or discard."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from services.rostering.proposals import ProposalDto
from services.rostering.snapshot import RosterSnapshot


def _cell(text: str) -> QTableWidgetItem:
    return QTableWidgetItem(text or "off")


class ProposalDialog(QDialog):
    save_draft = Signal(str)  # "Save as draft" with this name (the dialog closes)
    DRAFTED = 2  # the result code after "Save as draft"

    def __init__(
        self, proposal: ProposalDto, snapshot: RosterSnapshot | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.proposal = proposal
        self.setWindowTitle("Optimised roster" if proposal.kind == "optimise" else "Roster repair")
        summary = QLabel(proposal.describe())
        summary.setWordWrap(True)
        self.table = QTableWidget(len(proposal.changes), 4)
        self.table.setHorizontalHeaderLabels(["Operator", "Day", "Now", "Proposed"])
        for r, c in enumerate(proposal.changes):
            op = snapshot.operator(c.operator_id) if snapshot is not None else None
            name = f"{op.name} ({c.operator_id})" if op else c.operator_id
            self.table.setItem(r, 0, QTableWidgetItem(name))
            self.table.setItem(r, 1, QTableWidgetItem(f"{c.day:%a %d %b}"))
            self.table.setItem(r, 2, _cell(c.before))
            self.table.setItem(r, 3, _cell("absent" if c.absent else c.after))
        self.table.resizeColumnsToContents()
        buttons = QDialogButtonBox()
        self.apply_button = buttons.addButton("Apply", QDialogButtonBox.ButtonRole.AcceptRole)
        self.draft_button = buttons.addButton(
            "Save as draft", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.draft_button.setToolTip("Keep the proposal as a draft to publish later")
        self.draft_button.clicked.connect(self._save_draft)
        kind = "Optimised" if proposal.kind == "optimise" else "Repair"
        first = f" from {snapshot.start:%a %d %b}" if snapshot is not None else ""
        self.draft_name = QLineEdit(f"{kind} roster{first}")
        self.draft_name.setPlaceholderText("draft name")
        buttons.addButton("Discard", QDialogButtonBox.ButtonRole.RejectRole)
        self.apply_button.setEnabled(bool(proposal.changes))
        self.draft_button.setEnabled(bool(proposal.changes))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(summary)
        lay.addWidget(self.table)
        lay.addWidget(self.draft_name)
        lay.addWidget(buttons)
        self.resize(520, 420)

    def _save_draft(self) -> None:
        name = self.draft_name.text().strip()
        if not name:
            self.draft_name.setFocus()
            return
        self.save_draft.emit(name)
        self.done(self.DRAFTED)

    def rows(self) -> list[tuple[str, str, str, str]]:
        """What the table shows (for tests and screen readers)."""
        out = []
        for r in range(self.table.rowCount()):
            cells = [self.table.item(r, c) for c in range(4)]
            row = tuple(i.text() if i is not None else "" for i in cells)
            out.append((row[0], row[1], row[2], row[3]))
        return out
