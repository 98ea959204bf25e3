"""Zone states, counts, dwell and idle alerts worked out for the overlay; frames wrapped as
QImages without copying."""

from __future__ import annotations

import numpy as np
import pytest

from desktop.cameras.frames import frame_image
from desktop.cameras.overlay import IdleClock, ZoneState, format_dwell, zone_statuses
from domain.model.vision import ActivityState
from tests.desktop.cameras.fakes import LEFT, RIGHT, observation, person
from vision.types import VisitProgress


def states(obs, idle=None):  # type: ignore[no-untyped-def]
    return {s.zone_id: s.state for s in zone_statuses(obs, [LEFT, RIGHT], idle)}


def test_states_follow_the_head_count() -> None:
    assert states(None) == {"Z1": ZoneState.UNKNOWN, "Z2": ZoneState.UNKNOWN}
    assert states(observation(1.0)) == {"Z1": ZoneState.EMPTY, "Z2": ZoneState.EMPTY}
    one = observation(1.0, [person(1, (50, 50, 100, 200), ("Z1",))])
    assert states(one) == {"Z1": ZoneState.OK, "Z2": ZoneState.EMPTY}
    two = observation(1.0, [person(1, (50, 50, 100, 200), ("Z1",)),
                            person(2, (110, 50, 160, 200), ("Z1",))])  # fmt: skip
    assert states(two)["Z1"] is ZoneState.OVERFLOW  # max 1 worker


def test_longest_dwell_of_the_visits_going_on() -> None:
    obs = observation(
        100.0,
        [person(1, (50, 50, 100, 200), ("Z1",)), person(2, (60, 50, 110, 200), ("Z1",))],
        visits=[VisitProgress("Z1", 1, 40.0, 50, 10), VisitProgress("Z1", 2, 95.0, 5, 0)],
    )
    left = zone_statuses(obs, [LEFT, RIGHT])[0]
    assert left.longest_dwell_s == pytest.approx(60.0)
    assert left.count == 2
    assert left.label == "Left: 2 · 1:00"
    assert zone_statuses(obs, [LEFT, RIGHT])[1].label == "Right: 0"
    assert [format_dwell(s) for s in (5, 75, 3725)] == ["5 s", "1:15", "1 h 02"]


def test_idle_alert_after_the_zone_threshold_and_reset_on_activity() -> None:
    clock = IdleClock()
    idle = ActivityState.IDLE
    seen = {}
    for t in (10.0, 12.0, 14.0, 15.5):
        obs = observation(t, [person(7, (50, 50, 100, 200), ("Z1",), idle)])
        seen[t] = states(obs, clock.update(obs))["Z1"]
    assert seen == {
        10.0: ZoneState.OK,
        12.0: ZoneState.OK,
        14.0: ZoneState.OK,
        15.5: ZoneState.IDLE,
    }  # fmt: skip  (threshold 5 s, idle since 10 s)
    active = observation(16.0, [person(7, (50, 50, 100, 200), ("Z1",))])
    assert states(active, clock.update(active))["Z1"] is ZoneState.OK
    again = observation(17.0, [person(7, (50, 50, 100, 200), ("Z1",), idle)])
    assert states(again, clock.update(again))["Z1"] is ZoneState.OK  # the idle spell restarted
    looped = observation(1.0, [person(7, (50, 50, 100, 200), ("Z1",), idle)])
    assert clock.update(looped) == {7: 1.0}  # the stream clock went back: start afresh


def test_frames_become_images_without_a_copy() -> None:
    frame = np.zeros((270, 480, 3), np.uint8)
    frame[10, 20] = (1, 2, 3)  # B, G, R
    frame.setflags(write=False)
    wrapped = frame_image(frame)
    assert not wrapped.copied
    assert wrapped.array is frame
    bits = np.frombuffer(wrapped.image.constBits(), np.uint8, count=3)
    assert bits.__array_interface__["data"][0] == frame.__array_interface__["data"][0]
    assert (wrapped.width, wrapped.height) == (480, 270)
    assert wrapped.image.pixelColor(20, 10).getRgb()[:3] == (3, 2, 1)
    # a view that skips columns is not contiguous: that one is copied, and says so
    strided = frame_image(np.zeros((270, 960, 3), np.uint8)[:, ::2])
    assert strided.copied
    grey = frame_image(np.full((10, 20), 200, np.uint8))
    assert grey.image.pixelColor(3, 3).getRgb()[:3] == (200, 200, 200)
    with pytest.raises(ValueError, match="uint8"):
        frame_image(np.zeros((10, 10, 3), np.float32))
