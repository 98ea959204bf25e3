"""The comment asked for when a person acknowledges (or resolves) alerts."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)


class CommentDialog(QDialog):
    def __init__(self, title: str, prompt: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName("AlertCommentDialog")
        self.editor = QPlainTextEdit()
        self.editor.setPlaceholderText("What is being done about it (optional)")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(prompt))
        lay.addWidget(self.editor)
        lay.addWidget(buttons)
        self.resize(420, 220)

    @property
    def comment(self) -> str | None:
        return self.editor.toPlainText().strip() or None
