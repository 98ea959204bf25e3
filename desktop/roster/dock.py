"""The shift roster as a dock of the main window."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget

from desktop.context import DesktopContext
from desktop.roster.widget import RosterWidget

if TYPE_CHECKING:
    from desktop.main_window import MainWindow


def create_dock(ctx: DesktopContext, window: MainWindow) -> QDockWidget:
    roster = RosterWidget(ctx)
    dock = window.add_dock(
        "shift_roster", "Shift roster", roster, Qt.DockWidgetArea.BottomDockWidgetArea
    )
    roster.start()
    return dock
