"""The alert inbox as a dock of the main window; its title counts the new alerts and blinks
while a new high or critical one has not been looked at."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget

from desktop.alerts.cue import setting_on
from desktop.alerts.widget import AlertInbox
from desktop.context import DesktopContext

if TYPE_CHECKING:
    from desktop.main_window import MainWindow

RUN_RULES_KEY = "alerts/run_rules"


def create_dock(ctx: DesktopContext, window: MainWindow) -> QDockWidget:
    inbox = AlertInbox(ctx, run_rules=setting_on(ctx.settings, RUN_RULES_KEY))
    dock = window.add_dock("alerts", "Alerts", inbox, Qt.DockWidgetArea.BottomDockWidgetArea)
    inbox.title_changed.connect(dock.setWindowTitle)
    inbox.start()
    return dock
