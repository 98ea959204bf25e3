"""The inbox's cues for a new high or critical alert: rows that flash, a title that says so,
and a sound (the platform's beep) that each seat can switch off (kept in the seat's settings).

Offscreen (tests, smoke runs) the beep is a no-op of the platform; ``fired`` counts the cues
either way, so tests see that one was given.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QSettings
from PySide6.QtWidgets import QApplication

SOUND_KEY = "alerts/sound"


def setting_on(settings: QSettings, key: str, default: bool = True) -> bool:
    """A yes/no seat setting (INI files hand booleans back as text)."""
    value = settings.value(key, default)
    if isinstance(value, str):
        return value.lower() not in ("false", "0", "no", "off")
    return bool(value)


class AlertCue(QObject):
    def __init__(self, settings: QSettings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self.fired = 0
        self.beeps = 0

    @property
    def sound(self) -> bool:
        return setting_on(self._settings, SOUND_KEY)

    def set_sound(self, on: bool) -> None:
        self._settings.setValue(SOUND_KEY, on)

    def fire(self, alert_ids: list[int]) -> None:
        if not alert_ids:
            return
        self.fired += 1
        if self.sound:
            self.beeps += 1
            try:
                QApplication.beep()
            except Exception:  # noqa: BLE001 - a cue must never break the inbox
                pass
