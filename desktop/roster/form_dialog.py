"""What the roster's edit dialogs share (an operator's contract, the site's policy): a heading,
a form of number boxes, an error line in red and Save / Cancel. The subclass fills ``fields``,
calls :meth:`FormDialog.finish_layout`, reads its form on the runner and saves there; a refusal
lands in :meth:`FormDialog.failed`, shown in words while the dialog stays open."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.messages import describe


def int_edit(low: int = 0, high: int = 100_000) -> QLineEdit:
    """A box for a whole number from ``low`` to ``high`` (or blank)."""
    edit = QLineEdit()
    edit.setValidator(QIntValidator(low, high, edit))
    return edit


def number_of(edit: QLineEdit) -> int | None:
    """The box's number (None: blank)."""
    text = edit.text().strip()
    return int(text) if text else None


class FormDialog(QDialog):
    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.form: Any = None  # what the dialog read (None: not yet)
        self.saving = False
        self.heading = QLabel("Loading…")
        self.heading.setWordWrap(True)
        self.fields = QFormLayout()
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #e15759")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setEnabled(False)

    def finish_layout(self) -> None:
        """Heading, form, error line and buttons, top to bottom (once ``fields`` is filled)."""
        lay = QVBoxLayout(self)
        lay.addWidget(self.heading)
        lay.addLayout(self.fields)
        lay.addWidget(self.error)
        lay.addWidget(self.buttons)

    def save(self) -> None:
        raise NotImplementedError

    def failed(self, exc: BaseException) -> None:
        """A read or a save was refused: say why; Save again once something was read."""
        self.saving = False
        self.error.setText(describe(exc))
        self.save_button.setEnabled(self.form is not None)
