"""Which change events cue, and the sound switch kept in the seat's settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings

from desktop.alerts.cue import AlertCue
from desktop.alerts.store import cue_worthy
from domain.events import ChangeEvent, Topic
from tests.conftest import NOW

pytestmark = pytest.mark.gui


def _event(seq: int, kind: str, severity: str, topic: Topic = Topic.ALERT) -> ChangeEvent:
    return ChangeEvent(
        seq, NOW, topic, kind, (str(seq),), "system", "seat-1", data={"severity": severity}
    )


def test_new_escalated_worse_or_woken_high_alerts_cue() -> None:
    events = [
        _event(1, "raised", "critical"),
        _event(2, "raised", "warning"),
        _event(3, "escalated", "error"),
        _event(4, "acknowledged", "critical"),
        _event(5, "woken", "critical"),
        _event(6, "repeated", "critical"),
        _event(7, "severity_raised", "error"),
        _event(8, "raised", "critical", Topic.MACHINE),
    ]
    assert cue_worthy(events) == [1, 3, 5, 7]


def test_the_sound_switch_is_kept_per_seat(tmp_path: Path, qtbot: Any) -> None:
    path = str(tmp_path / "seat.ini")
    cue = AlertCue(QSettings(path, QSettings.Format.IniFormat))
    assert cue.sound
    cue.fire([1])
    assert (cue.fired, cue.beeps) == (1, 1)
    cue.set_sound(False)
    cue.fire([2])
    assert (cue.fired, cue.beeps) == (2, 1)
    cue._settings.sync()
    again = AlertCue(QSettings(path, QSettings.Format.IniFormat))
    assert not again.sound
    again.fire([])
    assert again.fired == 0
