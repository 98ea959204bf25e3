"""Has the camera moved since its zones were drawn? ORB features + a RANSAC homography.

At calibration the zone editor stores a reference frame (PNG) with the zones. Later a live
frame is compared with it: ORB keypoints of both images are matched (Hamming distance, Lowe's
ratio test) and a homography is fitted with RANSAC, so people walking through the picture do
not count as camera motion. The homography is expressed in normalised 0..1 coordinates
(reference -> live), which is what the zones use, so :func:`move_polygon` can carry a zone
along with the picture. The displacement of a grid of points tells how far the view moved.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

log = logging.getLogger(__name__)

Point = tuple[float, float]
Matrix3 = tuple[tuple[float, float, float], tuple[float, float, float], tuple[float, float, float]]

IDENTITY: Matrix3 = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))


class AlignmentError(Exception):
    """An image that cannot be decoded or used; one line for a person."""


class AlignmentStatus(enum.StrEnum):
    ALIGNED = "aligned"  # the live view matches the reference frame
    MOVED = "moved"  # it matches, shifted/rotated/zoomed: the zones no longer fit
    UNKNOWN = "unknown"  # too few features match (covered lens, dark, a different scene)


@dataclass(frozen=True, slots=True)
class AlignmentSettings:
    features: int = 1500  # ORB keypoints per image
    ratio: float = 0.75  # Lowe's ratio test
    ransac_px: float = 3.0  # RANSAC reprojection threshold, in pixels of the working size
    min_inliers: int = 15  # fewer: UNKNOWN
    min_inlier_share: float = 0.25  # inliers / good matches; lower: UNKNOWN
    moved_share: float = 0.015  # median grid displacement / frame diagonal above which: MOVED
    max_width: int = 960  # larger frames are scaled down first (speed)


@dataclass(frozen=True, slots=True)
class AlignmentResult:
    status: AlignmentStatus
    homography: Matrix3 | None  # normalised reference -> live coordinates
    displacement: float  # median displacement of a grid of points / frame diagonal
    displacement_px: float  # the same in pixels of the live frame
    matches: int  # matches that passed the ratio test
    inliers: int  # matches that agree with the homography
    message: str

    @property
    def moved(self) -> bool:
        return self.status is AlignmentStatus.MOVED


def encode_png(frame: np.ndarray) -> bytes:
    """A BGR (or grey) frame as PNG bytes (the reference frame stored at calibration)."""
    ok, buf = cv2.imencode(".png", np.ascontiguousarray(frame))
    if not ok:
        raise AlignmentError("the frame cannot be encoded as PNG")
    return bytes(buf.tobytes())


def decode_image(data: bytes) -> np.ndarray:
    """PNG/JPEG bytes as a BGR frame; AlignmentError when they are not an image."""
    arr = np.frombuffer(data, dtype=np.uint8)
    image = cv2.imdecode(arr, cv2.IMREAD_COLOR) if arr.size else None
    if image is None:
        raise AlignmentError("the stored reference frame is not a readable image")
    return np.asarray(image)


def _grey(frame: np.ndarray, max_width: int) -> np.ndarray:
    """Grey image scaled to at most ``max_width`` wide (the normalisation undoes the scale)."""
    image = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    h, w = image.shape[:2]
    scale = min(1.0, max_width / max(w, 1))
    if scale < 1.0:
        image = cv2.resize(
            image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA
        )
    return np.asarray(image)


def _normaliser(width: float, height: float) -> np.ndarray:
    return np.array([[1.0 / width, 0, 0], [0, 1.0 / height, 0], [0, 0, 1.0]])


def _as_matrix(h: np.ndarray) -> Matrix3:
    m = h / h[2, 2]
    return tuple(tuple(float(v) for v in row) for row in m)  # type: ignore[return-value]


def _transform(points: np.ndarray, h: np.ndarray) -> np.ndarray:
    pts = np.hstack([points, np.ones((points.shape[0], 1))]) @ h.T
    w = pts[:, 2:3]
    w = np.where(np.abs(w) < 1e-12, 1e-12, w)
    return np.asarray(pts[:, :2] / w)


def estimate_alignment(
    reference: np.ndarray, live: np.ndarray, settings: AlignmentSettings | None = None
) -> AlignmentResult:
    """Compare ``live`` with ``reference`` (BGR or grey; sizes may differ)."""
    s = settings or AlignmentSettings()
    g_ref = _grey(reference, s.max_width)
    g_live = _grey(live, s.max_width)
    orb = cv2.ORB.create(nfeatures=s.features)
    kp1, d1 = orb.detectAndCompute(g_ref, None)
    kp2, d2 = orb.detectAndCompute(g_live, None)
    if d1 is None or d2 is None or len(kp1) < s.min_inliers or len(kp2) < s.min_inliers:
        return _unknown(0, 0, "too few features to compare with the reference frame")
    pairs = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(d1, d2, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < s.ratio * p[1].distance]
    if len(good) < s.min_inliers:
        return _unknown(len(good), 0, f"only {len(good)} features match the reference frame")
    src = np.array([kp1[m.queryIdx].pt for m in good], np.float32).reshape(-1, 1, 2)
    dst = np.array([kp2[m.trainIdx].pt for m in good], np.float32).reshape(-1, 1, 2)
    h_px, mask = cv2.findHomography(src, dst, cv2.RANSAC, s.ransac_px)
    inliers = int(mask.sum()) if mask is not None else 0
    if h_px is None or inliers < s.min_inliers or inliers < s.min_inlier_share * len(good):
        return _unknown(
            len(good), inliers, f"the view does not match the reference frame ({inliers} inliers)"
        )
    # pixels of the working sizes -> normalised coordinates of either frame
    rh, rw = g_ref.shape[:2]
    lh, lw = g_live.shape[:2]
    h_norm = _normaliser(lw, lh) @ h_px @ np.linalg.inv(_normaliser(rw, rh))
    if not np.all(np.isfinite(h_norm)) or abs(np.linalg.det(h_norm[:2, :2])) < 1e-3:
        return _unknown(len(good), inliers, "the fitted transform is degenerate")
    grid = np.array([(x, y) for x in np.linspace(0.1, 0.9, 5) for y in np.linspace(0.1, 0.9, 5)])
    moved = _transform(grid, h_norm) - grid
    full_w, full_h = live.shape[1], live.shape[0]
    px = np.hypot(moved[:, 0] * full_w, moved[:, 1] * full_h)
    displacement_px = float(np.median(px))
    displacement = displacement_px / float(np.hypot(full_w, full_h))
    if displacement > s.moved_share:
        status = AlignmentStatus.MOVED
        message = (
            f"the camera has moved: the picture is shifted by about {displacement_px:.0f} px "
            f"({displacement:.1%} of the frame diagonal) since the zones were drawn"
        )
    else:
        status = AlignmentStatus.ALIGNED
        message = f"the camera matches its reference frame ({displacement_px:.1f} px)"
    return AlignmentResult(
        status, _as_matrix(h_norm), displacement, displacement_px, len(good), inliers, message
    )


def _unknown(matches: int, inliers: int, message: str) -> AlignmentResult:
    return AlignmentResult(AlignmentStatus.UNKNOWN, None, 0.0, 0.0, matches, inliers, message)


def move_points(points: Sequence[Point], homography: Matrix3) -> list[Point]:
    """Normalised points carried by the homography (not clipped)."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    out = _transform(pts, np.asarray(homography, dtype=np.float64))
    return [(float(x), float(y)) for x, y in out]


Inside = Callable[[Point], bool]
Cross = Callable[[Point, Point], Point]


def _clip_edge(pts: list[Point], inside: Inside, cross: Cross) -> list[Point]:
    out: list[Point] = []
    for i, cur in enumerate(pts):
        prev = pts[i - 1]
        if inside(cur):
            if not inside(prev):
                out.append(cross(prev, cur))
            out.append(cur)
        elif inside(prev):
            out.append(cross(prev, cur))
    return out


def _at_x(x: float) -> Cross:
    return lambda a, b: (x, a[1] + (b[1] - a[1]) * (x - a[0]) / (b[0] - a[0]))


def _at_y(y: float) -> Cross:
    return lambda a, b: (a[0] + (b[0] - a[0]) * (y - a[1]) / (b[1] - a[1]), y)


_FRAME_EDGES: tuple[tuple[Inside, Cross], ...] = (
    (lambda p: p[0] >= 0.0, _at_x(0.0)),
    (lambda p: p[0] <= 1.0, _at_x(1.0)),
    (lambda p: p[1] >= 0.0, _at_y(0.0)),
    (lambda p: p[1] <= 1.0, _at_y(1.0)),
)


def clip_to_frame(points: Sequence[Point]) -> list[Point]:
    """Sutherland-Hodgman clipping of a polygon to the frame (0..1 on both axes)."""
    pts = list(points)
    for inside, cross in _FRAME_EDGES:
        if not pts:
            break
        pts = _clip_edge(pts, inside, cross)
    return pts


def move_polygon(polygon: Sequence[Point], homography: Matrix3, *, digits: int = 5) -> list[Point]:
    """A zone's polygon carried by the homography and cut at the frame's edges.

    The result may have fewer than 3 vertices when the zone left the picture; the zone rules
    (``domain.model.vision.validate_polygon``) say so when it is saved.
    """
    moved = clip_to_frame(move_points(polygon, homography))
    out: list[Point] = []
    for x, y in moved:
        p = (round(min(1.0, max(0.0, x)), digits), round(min(1.0, max(0.0, y)), digits))
        if not out or p != out[-1]:
            out.append(p)
    while len(out) > 1 and out[0] == out[-1]:
        out.pop()
    return out
