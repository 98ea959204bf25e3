"""The allocation board as a dock of the main window."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget

from desktop.board.widget import BoardWidget
from desktop.context import DesktopContext

if TYPE_CHECKING:
    from desktop.main_window import MainWindow


def create_dock(ctx: DesktopContext, window: MainWindow) -> QDockWidget:
    board = BoardWidget(ctx)
    dock = window.add_dock(
        "allocation_board", "Allocation board", board, Qt.DockWidgetArea.RightDockWidgetArea
    )
    board.start()
    return dock
