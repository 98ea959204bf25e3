"""Hit testing and snapping for the editor, in scene pixels (no Qt)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from domain.rules.geometry import point_in_polygon

Pt = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Hit:
    kind: str  # "vertex", "edge", "inside"
    key: int
    index: int = -1  # vertex index, or the edge's first vertex
    point: Pt = (0.0, 0.0)  # for an edge: the nearest point on it


def distance(a: Pt, b: Pt) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])


def nearest_on_segment(p: Pt, a: Pt, b: Pt) -> tuple[Pt, float]:
    dx, dy = b[0] - a[0], b[1] - a[1]
    length2 = dx * dx + dy * dy
    t = (
        0.0
        if length2 == 0
        else max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length2))
    )
    q = (a[0] + t * dx, a[1] + t * dy)
    return q, distance(p, q)


def hit_test(
    p: Pt, polygons: Sequence[tuple[int, Sequence[Pt]]], tolerance: float, first: int | None = None
) -> Hit | None:
    """What lies under ``p``: a vertex, then an edge, then a polygon's inside.

    ``first`` (the selected zone) wins ties, so its handles stay reachable over other zones.
    """
    ordered = sorted(polygons, key=lambda kp: kp[0] != first)
    for key, pts in ordered:
        best = min(range(len(pts)), key=lambda i: distance(p, pts[i]), default=None)
        if best is not None and distance(p, pts[best]) <= tolerance:
            return Hit("vertex", key, best, pts[best])
    for key, pts in ordered:
        n = len(pts)
        for i in range(n):
            q, d = nearest_on_segment(p, pts[i], pts[(i + 1) % n])
            if d <= tolerance:
                return Hit("edge", key, i, q)
    for key, pts in ordered:
        if len(pts) >= 3 and point_in_polygon(p, list(pts)):
            return Hit("inside", key)
    return None


def snap(
    p: Pt, targets: Iterable[Pt], tolerance: float, width: float, height: float
) -> tuple[Pt, bool]:
    """``p`` moved onto the nearest target vertex within ``tolerance``, else onto a frame edge
    within it; returns the point and whether it snapped to a vertex."""
    best: Pt | None = None
    best_d = tolerance
    for t in targets:
        d = distance(p, t)
        if d <= best_d:
            best, best_d = t, d
    if best is not None:
        return best, True
    x, y = p
    if abs(x) <= tolerance:
        x = 0.0
    elif abs(x - width) <= tolerance:
        x = width
    if abs(y) <= tolerance:
        y = 0.0
    elif abs(y - height) <= tolerance:
        y = height
    return (x, y), False
