"""The control-room shell: docks that move, float to a second monitor and come back where they
were (per seat), a status bar with database, change feed, seat and user, and the menus."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable

from PySide6.QtCore import QByteArray, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QWidget,
)

from desktop.context import DesktopContext
from desktop.messages import describe
from desktop.plant_browser import PlantBrowser
from desktop.settings_dialog import SettingsDialog
from domain.events import ChangeEvent
from services.config import redact_url
from services.messaging.feed import SeatInfo
from services.version import __version__

log = logging.getLogger(__name__)

# Feature docks: module path -> object name. Each module has create_dock(ctx, parent).
FEATURE_DOCKS: tuple[str, ...] = (
    "desktop.board.dock",
    "desktop.cameras.dock",
    "desktop.zones.dock",
    "desktop.planning.dock",
    "desktop.roster.dock",
    "desktop.alerts.dock",
    "desktop.dashboard.dock",
)

HEARTBEAT_MS = 5_000


class MainWindow(QMainWindow):
    def __init__(self, ctx: DesktopContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("MainWindow")
        self.setWindowTitle(f"Takt Control Room — {ctx.seat} — {ctx.actor.user}")
        self.resize(1500, 900)
        self.setDockNestingEnabled(True)
        self.setDockOptions(
            QMainWindow.DockOption.AllowNestedDocks
            | QMainWindow.DockOption.AllowTabbedDocks
            | QMainWindow.DockOption.AnimatedDocks
        )
        placeholder = QWidget()
        placeholder.setMaximumSize(0, 0)
        self.setCentralWidget(placeholder)

        self.docks: dict[str, QDockWidget] = {}
        self.browser = PlantBrowser(ctx)
        self.add_dock(
            "plant_browser", "Plant browser", self.browser, Qt.DockWidgetArea.LeftDockWidgetArea
        )
        for module_name in FEATURE_DOCKS:
            self._load_feature(module_name)

        self._build_menus()
        self._build_status_bar()
        self._default_state = self.saveState()
        self.restore_layout()

        ctx.hub.changed.connect(self._on_hub_changed)
        ctx.hub.feed_status.connect(self._on_feed_status)
        ctx.runner.busy_changed.connect(self._on_busy_changed)
        self._heartbeat = QTimer(self)
        self._heartbeat.setInterval(HEARTBEAT_MS)
        self._heartbeat.timeout.connect(self._beat)
        self._heartbeat.start()
        self._beat()

    # -- docks -----------------------------------------------------------------------------
    def add_dock(
        self,
        name: str,
        title: str,
        widget: QWidget,
        area: Qt.DockWidgetArea = Qt.DockWidgetArea.RightDockWidgetArea,
    ) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)  # saveState/restoreState key
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.addDockWidget(area, dock)
        others = [d for d in self.docks.values() if self.dockWidgetArea(d) == area]
        if others:
            self.tabifyDockWidget(others[-1], dock)
        self.docks[name] = dock
        return dock

    def _load_feature(self, module_name: str) -> None:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and (module_name == exc.name or module_name.startswith(exc.name + ".")):
                return  # feature not part of this build
            raise
        dock: QDockWidget = module.create_dock(self.ctx, self)
        known = self.docks.get(dock.objectName())
        if known is not None and known is not dock:
            raise RuntimeError(f"two docks named {dock.objectName()}")
        self.docks[dock.objectName()] = dock  # create_dock may have used add_dock already

    # -- layout per seat -------------------------------------------------------------------
    def _layout_key(self, what: str) -> str:
        return f"layout/{self.ctx.seat}/{what}"

    def save_layout(self) -> None:
        s = self.ctx.settings
        s.setValue(self._layout_key("geometry"), self.saveGeometry())
        s.setValue(self._layout_key("state"), self.saveState())
        s.sync()

    def restore_layout(self) -> bool:
        s = self.ctx.settings
        geometry = s.value(self._layout_key("geometry"))
        state = s.value(self._layout_key("state"))
        restored = False
        if isinstance(geometry, QByteArray | bytes):
            restored = self.restoreGeometry(QByteArray(geometry))
        if isinstance(state, QByteArray | bytes):
            restored = self.restoreState(QByteArray(state)) and restored
        return restored

    def reset_layout(self) -> None:
        for dock in self.docks.values():
            dock.setFloating(False)
            dock.show()
        self.restoreState(self._default_state)

    # -- menus and status bar --------------------------------------------------------------
    def _action(
        self, text: str, slot: Callable[[], object], shortcut: str | None = None
    ) -> QAction:
        act = QAction(text, self)
        if shortcut:
            act.setShortcut(QKeySequence(shortcut))
        act.triggered.connect(slot)
        return act

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self._action("&Settings…", self.open_settings, "Ctrl+,"))
        file_menu.addSeparator()
        file_menu.addAction(self._action("&Quit", self.close, "Ctrl+Q"))
        view = bar.addMenu("&View")
        for dock in self.docks.values():
            view.addAction(dock.toggleViewAction())
        view.addSeparator()
        view.addAction(self._action("&Refresh", self.browser.refresh, "F5"))
        view.addAction(self._action("Reset &layout", self.reset_layout))
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self._action("&About", self._about))

    def _build_status_bar(self) -> None:
        cfg = self.ctx.app.config
        sb = self.statusBar()
        self.db_label = QLabel(f"DB: {redact_url(cfg.database_url)}")
        self.feed_label = QLabel(f"Feed: {cfg.feed_name}")
        self.seat_label = QLabel(f"Seat: {cfg.seat}")
        self.seats_label = QLabel("Seats: 1")
        self.user_label = QLabel(f"User: {self.ctx.actor.user} ({self.ctx.actor.role.value})")
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(90)
        self.busy.setVisible(False)
        for w in (
            self.busy,
            self.db_label,
            self.feed_label,
            self.seat_label,
            self.seats_label,
            self.user_label,
        ):
            sb.addPermanentWidget(w)

    def show_message(self, text: str, timeout_ms: int = 8000) -> None:
        self.statusBar().showMessage(text, timeout_ms)

    def report_error(self, error: BaseException) -> None:
        text = describe(error)
        self.show_message(text, 15000)
        log.warning("reported to the user: %s", text)

    # -- slots -------------------------------------------------------------------------------
    def _on_hub_changed(self, events: list[ChangeEvent]) -> None:
        last = events[-1]
        if last.seat != self.ctx.seat:
            self.show_message(f"{len(events)} change(s) from {last.user} at {last.seat}", 4000)

    def _on_feed_status(self, status: str) -> None:
        self.feed_label.setText(f"Feed: {self.ctx.app.config.feed_name} ({status})")

    def _on_busy_changed(self, n: int) -> None:
        self.busy.setVisible(n > 0)

    def _beat(self) -> None:
        feed = self.ctx.app.feed
        seat, user = self.ctx.seat, self.ctx.actor.user

        def announce_and_list() -> list[SeatInfo]:
            feed.announce(seat, user)
            return feed.seats()

        self.ctx.runner.query(announce_and_list, name="seats", owner=self).on_success(
            self._show_seats
        )

    def _show_seats(self, seats: list[SeatInfo]) -> None:
        self.seats_label.setText(f"Seats: {len(seats)}")
        self.seats_label.setToolTip("\n".join(f"{s.seat}: {s.user}" for s in seats))

    def open_settings(self) -> None:
        SettingsDialog(self.ctx.app.config, self.ctx.runner, self).exec()

    def _about(self) -> None:
        QMessageBox.about(
            self,
            "About Takt Control Room",
            f"Takt Control Room {__version__}\n\nDemo camera footage: Intel IoT devkit "
            "sample-videos (CC-BY-4.0). Person detector: Ultralytics YOLOv8n (AGPL-3.0).",
        )

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_layout()
        self._heartbeat.stop()
        super().closeEvent(event)
