"""The settings dialog: database URL, Redis URL and seat name, with a connection test."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.runner import ServiceRunner
from services.config import Config, Paths, redact_url, write_config_file
from services.connection_test import ConnectionReport, probe_connection


@dataclass(frozen=True)
class SettingsValues:
    database_url: str
    redis_url: str
    seat: str


class SettingsDialog(QDialog):
    def __init__(
        self,
        config: Config,
        runner: ServiceRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setMinimumWidth(560)
        self.runner = runner
        self.paths: Paths = config.paths
        self.database = QLineEdit(config.database_url)
        self.database.setPlaceholderText("sqlite:///path/takt.db or postgresql://user@host/db")
        self.redis = QLineEdit(config.redis_url or "")
        self.redis.setPlaceholderText(
            "empty: in-process (single seat); redis://host:6379/0 to share"
        )
        self.seat = QLineEdit(config.seat)
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.test_button = QPushButton("Test connection")
        self.test_button.clicked.connect(self._on_test_clicked)
        form = QFormLayout()
        form.addRow("Database URL", self.database)
        form.addRow("Redis URL", self.redis)
        form.addRow("Seat name", self.seat)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.addButton(self.test_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.accepted.connect(self._on_save)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.result_label)
        lay.addWidget(
            QLabel("Changes of database or Redis take effect when the program starts again.")
        )
        lay.addWidget(buttons)
        self.last_report: ConnectionReport | None = None

    def values(self) -> SettingsValues:
        return SettingsValues(
            self.database.text().strip(), self.redis.text().strip(), self.seat.text().strip()
        )

    def _on_test_clicked(self) -> None:
        v = self.values()
        self.test_button.setEnabled(False)
        self.result_label.setText("Testing…")
        self.runner.query(probe_connection, v.database_url, v.redis_url or None).on_success(
            self._show_report
        ).on_failure(lambda e: self.result_label.setText(f"✗ {e}")).on_finished(
            lambda: self.test_button.setEnabled(True)
        )

    def _show_report(self, report: ConnectionReport) -> None:
        self.last_report = report
        self.result_label.setText("\n".join(report.lines()))

    def _on_save(self) -> None:
        v = self.values()
        if not v.seat:
            self.result_label.setText("✗ The seat name cannot be empty.")
            return
        write_config_file(
            self.paths,
            {"database_url": v.database_url, "redis_url": v.redis_url or None, "seat": v.seat},
        )
        self.result_label.setText(f"Saved. Database: {redact_url(v.database_url)}")
        self.accept()
