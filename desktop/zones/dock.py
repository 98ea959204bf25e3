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
    # MainWindow._load_feature registers the returned dock itself and refuses a name it already
    # holds, while add_dock registers it too: hand it back unregistered.
    docks = getattr(window, "docks", None)
    if isinstance(docks, dict) and docks.get(dock.objectName()) is dock:
        del docks[dock.objectName()]
    return dock
