"""Motion score and active/idle hysteresis on synthetic frames, and pixelation for privacy."""

from __future__ import annotations

import numpy as np

from domain.model.vision import ActivityState
from vision.activity import MotionMeter, MotionSettings
from vision.privacy import blur_people

BOX = (100.0, 40.0, 180.0, 200.0)


def frame_with_block(x: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    f = np.full((270, 480, 3), 90, np.uint8) + rng.integers(0, 3, (270, 480, 3), np.uint8)
    f[60:180, x : x + 40] = 230
    return f


def test_a_still_scene_is_idle_with_a_low_score() -> None:
    meter = MotionMeter()
    states = []
    for i in range(10):
        out = meter.update(frame_with_block(120, seed=i), {1: BOX}, i / 10)
        states.append(out[1][1])
    assert states[0] is ActivityState.UNKNOWN, "no previous frame to compare with"
    assert set(states[1:]) == {ActivityState.IDLE}
    assert meter.update(frame_with_block(120, 99), {1: BOX}, 1.0)[1][0] < 0.01
    assert 1 in meter.idle_since()


def test_moving_inside_the_box_is_active() -> None:
    meter = MotionMeter()
    out = {}
    for i in range(6):
        out = meter.update(frame_with_block(100 + 6 * i), {1: BOX}, i / 10)
    score, state = out[1]
    assert state is ActivityState.ACTIVE
    assert score > MotionSettings().active_above
    assert meter.idle_since() == {}


def test_motion_outside_the_box_does_not_count() -> None:
    meter = MotionMeter()
    far = (300.0, 40.0, 380.0, 200.0)
    out = {}
    for i in range(6):
        out = meter.update(frame_with_block(100 + 6 * i), {1: far}, i / 10)
    assert out[1][1] is ActivityState.IDLE


def test_hysteresis_keeps_the_state_between_the_thresholds() -> None:
    s = MotionSettings(smoothing=1.0, active_above=0.2, idle_below=0.05)
    meter = MotionMeter(s)
    assert meter._smooth(1, 0.5, 0.0)[1] is ActivityState.ACTIVE
    assert meter._smooth(1, 0.1, 0.1)[1] is ActivityState.ACTIVE  # between: unchanged
    assert meter._smooth(1, 0.01, 0.2)[1] is ActivityState.IDLE
    assert meter._smooth(1, 0.1, 0.3)[1] is ActivityState.IDLE  # between: unchanged
    assert meter.idle_since() == {1: 0.2}


def test_people_are_pixelated_and_the_rest_is_untouched() -> None:
    rng = np.random.default_rng(1)
    frame = rng.integers(0, 255, (270, 480, 3), np.uint8)
    original = frame.copy()
    out = blur_people(frame, [BOX])
    assert np.array_equal(frame, original), "the input frame is not modified"
    x1, y1, x2, y2 = (int(v) for v in BOX)
    assert not np.array_equal(out[y1:y2, x1:x2], frame[y1:y2, x1:x2])
    distinct = len(np.unique(out[y1:y2, x1:x2].reshape(-1, 3), axis=0))
    assert distinct <= 8 * 16, "only a few blocks of colour remain"
    outside = np.ones(frame.shape[:2], bool)
    outside[y1:y2, x1:x2] = False
    assert np.array_equal(out[outside], frame[outside])
