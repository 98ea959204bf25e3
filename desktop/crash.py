"""Unexpected errors: logged with their traceback and shown in a dialog that says where the log
file is, instead of the program vanishing or a traceback scrolling past in a console nobody sees.

:class:`CrashReporter` takes over ``sys.excepthook`` (the GUI thread; PySide6 routes exceptions
raised in slots there) and ``threading.excepthook`` (worker threads). The dialog is opened on the
GUI thread through a queued signal; further errors while it is open are counted on it, not piled
up as more windows. Passwords in URLs are masked in the log and the dialog.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType
from typing import Any

from PySide6.QtCore import QObject, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

log = logging.getLogger(__name__)

_URL_PASSWORD = re.compile(r"(?P<head>[a-zA-Z][\w+.-]*://[^\s:/@]*:)[^\s@/]+(?P<at>@)")


def mask_secrets(text: str) -> str:
    """``scheme://user:password@host`` -> ``scheme://user:***@host`` anywhere in ``text``."""
    return _URL_PASSWORD.sub(r"\g<head>***\g<at>", text)


class CrashDialog(QDialog):
    def __init__(
        self, summary: str, details: str, log_file: Path, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Takt Control Room: unexpected error")
        self.setMinimumWidth(560)
        self.log_file = log_file
        self.details_text = details
        self.more = 0
        icon = QLabel()
        icon.setPixmap(
            self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical).pixmap(48, 48)
        )
        self.message = QLabel(
            "<b>Something went wrong that the program did not expect.</b><br>"
            "It keeps running, but what you just did may not have finished: check it, or "
            "restart the program. Please send the log file to your administrator."
        )
        self.message.setWordWrap(True)
        self.summary = QLabel(summary)
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.log_label = QLabel(f"Log file: {log_file}")
        self.log_label.setObjectName("crash_log_path")
        self.log_label.setWordWrap(True)
        self.log_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.more_label = QLabel()
        self.more_label.hide()
        self.details = QPlainTextEdit(details)
        self.details.setReadOnly(True)
        self.details.setMinimumHeight(180)
        self.details.hide()

        buttons = QDialogButtonBox()
        self.open_button = QPushButton("Open log folder")
        self.copy_button = QPushButton("Copy details")
        self.details_button = QPushButton("Show details")
        self.quit_button = QPushButton("Quit")
        self.continue_button = QPushButton("Continue")
        for b in (self.open_button, self.copy_button, self.details_button):
            buttons.addButton(b, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.quit_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        buttons.addButton(self.continue_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.continue_button.setDefault(True)
        self.open_button.clicked.connect(self._on_open_clicked)
        self.copy_button.clicked.connect(self._on_copy_clicked)
        self.details_button.clicked.connect(self._on_details_clicked)
        self.quit_button.clicked.connect(self._on_quit_clicked)
        self.continue_button.clicked.connect(self.accept)

        lay = QVBoxLayout(self)
        lay.addWidget(icon)
        lay.addWidget(self.message)
        lay.addWidget(self.summary)
        lay.addWidget(self.log_label)
        lay.addWidget(self.more_label)
        lay.addWidget(self.details)
        lay.addWidget(buttons)

    def count_another(self, summary: str) -> None:
        self.more += 1
        self.more_label.setText(f"{self.more} more error(s) since, the last: {summary}")
        self.more_label.show()

    def report_text(self) -> str:
        return f"{self.summary.text()}\nLog file: {self.log_file}\n\n{self.details_text}"

    def _on_open_clicked(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.log_file.parent)))

    def _on_copy_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.report_text())

    def _on_details_clicked(self) -> None:
        self.details.setVisible(not self.details.isVisible())
        self.details_button.setText("Hide details" if self.details.isVisible() else "Show details")

    def _on_quit_clicked(self) -> None:
        self.reject()
        QApplication.exit(1)


class CrashReporter(QObject):
    """Installs the hooks; create it on the GUI thread after the QApplication."""

    crashed = Signal(str, str)  # summary, details: emitted from any thread, shown on the GUI's

    def __init__(self, log_file: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.log_file = log_file
        self.dialog: CrashDialog | None = None
        self.count = 0
        self._previous_hook: Any = None
        self._previous_thread_hook: Any = None
        self.crashed.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def install(self) -> CrashReporter:
        self._previous_hook = sys.excepthook
        self._previous_thread_hook = threading.excepthook
        sys.excepthook = self.handle_exception
        threading.excepthook = self._handle_thread_exception
        return self

    def uninstall(self) -> None:
        if self._previous_hook is not None:
            sys.excepthook = self._previous_hook
            threading.excepthook = self._previous_thread_hook
            self._previous_hook = self._previous_thread_hook = None

    def handle_exception(
        self,
        exc_type: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
        where: str = "the GUI thread",
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt | SystemExit):
            hook = self._previous_hook or sys.__excepthook__
            hook(exc_type, exc, tb)
            return
        self.count += 1
        summary = mask_secrets(f"{exc_type.__name__}: {exc}".strip())
        details = mask_secrets("".join(traceback.format_exception(exc_type, exc, tb)))
        log.critical("unhandled exception in %s:\n%s", where, details.rstrip())
        self.crashed.emit(summary, details)

    def _handle_thread_exception(self, args: threading.ExceptHookArgs) -> None:
        name = args.thread.name if args.thread is not None else "a thread"
        if args.exc_value is None:
            return
        self.handle_exception(
            args.exc_type, args.exc_value, args.exc_traceback, where=f"thread {name}"
        )

    @Slot(str, str)
    def _show(self, summary: str, details: str) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.count_another(summary)
            return
        parent = QApplication.activeWindow()
        self.dialog = CrashDialog(summary, details, self.log_file, parent)
        self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        self.dialog.open()
