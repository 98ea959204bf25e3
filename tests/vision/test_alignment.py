"""Camera-moved detection on real frames of the demo clip, and zones that follow the picture."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from domain.model.vision import validate_polygon
from tests.vision.conftest import DEMO, DEMO_ZONES
from vision.alignment import (
    IDENTITY,
    AlignmentError,
    AlignmentStatus,
    clip_to_frame,
    decode_image,
    encode_png,
    estimate_alignment,
    move_points,
    move_polygon,
)
from vision.zones import load_zones_file

CLIP = DEMO / "worker-zone-detection.gif"


@pytest.fixture(scope="module")
def frames() -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(CLIP))
    out = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        out.append(frame)
    cap.release()
    assert len(out) > 40
    return out


def shifted(frame: np.ndarray, dx: float, dy: float) -> np.ndarray:
    """The frame as a camera nudged by (dx, dy) pixels would see it (new content reflected)."""
    m = np.float32([[1, 0, dx], [0, 1, dy]])
    h, w = frame.shape[:2]
    return cv2.warpAffine(frame, m, (w, h), borderMode=cv2.BORDER_REFLECT)


def test_the_same_camera_later_is_aligned(frames: list[np.ndarray]) -> None:
    # the worker walked meanwhile: moving people must not count as camera motion
    result = estimate_alignment(frames[0], frames[40])
    assert result.status is AlignmentStatus.ALIGNED, result.message
    assert not result.moved
    assert result.inliers >= 15
    assert result.displacement_px < 5


def test_a_shifted_copy_of_a_real_frame_is_detected_as_moved(frames: list[np.ndarray]) -> None:
    live = shifted(frames[40], 24, -12)
    result = estimate_alignment(frames[0], live)
    assert result.status is AlignmentStatus.MOVED, result.message
    assert "moved" in result.message
    assert result.homography is not None
    # the homography carries a point of the reference where the shift put it (normalised)
    (x, y) = move_points([(0.5, 0.5)], result.homography)[0]
    assert x == pytest.approx(0.5 + 24 / 480, abs=0.01)
    assert y == pytest.approx(0.5 - 12 / 270, abs=0.01)
    assert result.displacement_px == pytest.approx(np.hypot(24, 12), abs=4)


def test_zones_follow_the_moved_camera(frames: list[np.ndarray]) -> None:
    zones = load_zones_file(DEMO_ZONES)
    live = shifted(frames[40], -20, 15)
    result = estimate_alignment(frames[0], live)
    assert result.moved
    assert result.homography is not None
    inspection = next(z for z in zones if z.id == "Z03")  # well inside the frame
    moved = move_polygon(inspection.polygon, result.homography)
    validate_polygon(moved)  # still a usable zone
    assert len(moved) == len(inspection.polygon)
    for (x0, y0), (x1, y1) in zip(inspection.polygon, moved, strict=True):
        assert x1 - x0 == pytest.approx(-20 / 480, abs=0.012)
        assert y1 - y0 == pytest.approx(15 / 270, abs=0.012)
    # a zone that touches the bottom edge is cut at the edge, never outside the frame
    station = next(z for z in zones if z.id == "Z01")
    cut = move_polygon(station.polygon, result.homography)
    assert all(0.0 <= x <= 1.0 and 0.0 <= y <= 1.0 for x, y in cut)
    validate_polygon(cut)


def test_a_different_scene_is_unknown_not_moved(frames: list[np.ndarray]) -> None:
    rng = np.random.default_rng(5)
    noise = rng.integers(0, 255, frames[0].shape, dtype=np.uint8)
    result = estimate_alignment(frames[0], noise)
    assert result.status is AlignmentStatus.UNKNOWN
    assert result.homography is None
    blank = np.zeros_like(frames[0])
    assert estimate_alignment(frames[0], blank).status is AlignmentStatus.UNKNOWN


def test_a_reference_of_another_resolution_still_compares(frames: list[np.ndarray]) -> None:
    big = cv2.resize(frames[0], (960, 540), interpolation=cv2.INTER_LINEAR)
    result = estimate_alignment(big, frames[30])
    assert result.status is AlignmentStatus.ALIGNED, result.message
    moved = estimate_alignment(big, shifted(frames[30], 0, 20))
    assert moved.moved
    assert moved.displacement_px == pytest.approx(20, abs=4)  # pixels of the live frame


def test_png_round_trip_and_garbage() -> None:
    frame = np.zeros((20, 30, 3), np.uint8)
    frame[5:10, 5:20] = (10, 200, 30)
    back = decode_image(encode_png(frame))
    assert np.array_equal(back, frame)
    with pytest.raises(AlignmentError):
        decode_image(b"not a png")
    with pytest.raises(AlignmentError):
        decode_image(b"")


def test_identity_and_clipping() -> None:
    square = [(0.2, 0.2), (0.6, 0.2), (0.6, 0.6), (0.2, 0.6)]
    assert move_polygon(square, IDENTITY) == square
    # half of the square pushed out to the right is cut at x = 1
    right = ((1.0, 0.0, 0.6), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))
    cut = move_polygon(square, right)
    assert max(x for x, _ in cut) == 1.0
    assert sorted(cut) == sorted([(0.8, 0.2), (1.0, 0.2), (1.0, 0.6), (0.8, 0.6)])
    # entirely outside: nothing left, and the zone rules refuse it
    gone = move_polygon(square, ((1.0, 0.0, 2.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)))
    assert len(gone) < 3
    assert clip_to_frame([]) == []
