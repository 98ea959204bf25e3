"""The zone editor dock."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget

from desktop.context import DesktopContext
from desktop.zones.editor import ZoneEditor


def create_dock(ctx: DesktopContext, window: Any) -> QDockWidget:
    editor = ZoneEditor(ctx)
    editor.setObjectName("zone_editor")
    dock: QDockWidget = window.add_dock(
        "zones", "Zone editor", editor, Qt.DockWidgetArea.RightDockWidgetArea
    )
    return dock
