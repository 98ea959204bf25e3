"""The dashboard as a dock of the main window."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget

from desktop.context import DesktopContext
from desktop.dashboard.widget import DashboardWidget

if TYPE_CHECKING:
    from desktop.main_window import MainWindow


def create_dock(ctx: DesktopContext, window: MainWindow) -> QDockWidget:
    dashboard = DashboardWidget(ctx)
    dock = window.add_dock(
        "dashboard", "Dashboard", dashboard, Qt.DockWidgetArea.BottomDockWidgetArea
    )
    dashboard.start()
    return dock
