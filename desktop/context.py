"""What every screen of a seat shares: the service stack, the runner, the change hub, the actor."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QSettings

from desktop.change_hub import ChangeHub
from desktop.runner import ServiceRunner
from domain.auth import Actor
from services.bootstrap import App


@dataclass
class DesktopContext:
    app: App
    runner: ServiceRunner
    hub: ChangeHub
    actor: Actor
    settings: QSettings
    report_error: Callable[[BaseException], None]

    @property
    def seat(self) -> str:
        return self.app.config.seat
