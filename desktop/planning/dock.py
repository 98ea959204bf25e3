"""The Gantt chart as a dock of the main window."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget

from desktop.context import DesktopContext
from desktop.planning.widget import PlanningWidget

if TYPE_CHECKING:
    from desktop.main_window import MainWindow


def create_dock(ctx: DesktopContext, window: MainWindow) -> QDockWidget:
    widget = PlanningWidget(ctx)
    dock = window.add_dock(
        "planning_gantt", "Planning (Gantt)", widget, Qt.DockWidgetArea.BottomDockWidgetArea
    )
    widget.start()
    return dock
