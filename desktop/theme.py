"""The control-room look: a dark, low-glare theme (resources/qss/control_room.qss)."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QApplication

from services.resources import resource_path

log = logging.getLogger(__name__)


def apply_theme(app: QApplication, name: str = "control_room") -> bool:
    path = resource_path("qss", f"{name}.qss")
    try:
        app.setStyleSheet(path.read_text(encoding="utf-8"))
    except OSError as exc:
        log.warning("theme %s not loaded: %s", path, exc)
        return False
    app.setStyle("Fusion")
    return True
