"""Polygon rules for zones, in pure Python (the vision layer does the fast numpy versions)."""

from __future__ import annotations

from collections.abc import Sequence

Point = tuple[float, float]


def polygon_area(points: Sequence[Point]) -> float:
    """Signed shoelace area; positive for counter-clockwise in a y-up frame."""
    n = len(points)
    s = 0.0
    for i in range(n):
        x1, y1 = points[i]
        x2, y2 = points[(i + 1) % n]
        s += x1 * y2 - x2 * y1
    return s / 2.0


def _orient(a: Point, b: Point, c: Point) -> float:
    return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])


def _on_segment(a: Point, b: Point, p: Point, eps: float = 1e-12) -> bool:
    return (
        min(a[0], b[0]) - eps <= p[0] <= max(a[0], b[0]) + eps
        and min(a[1], b[1]) - eps <= p[1] <= max(a[1], b[1]) + eps
    )


def segments_intersect(p1: Point, p2: Point, q1: Point, q2: Point, eps: float = 1e-12) -> bool:
    d1 = _orient(q1, q2, p1)
    d2 = _orient(q1, q2, p2)
    d3 = _orient(p1, p2, q1)
    d4 = _orient(p1, p2, q2)
    if ((d1 > eps and d2 < -eps) or (d1 < -eps and d2 > eps)) and (
        (d3 > eps and d4 < -eps) or (d3 < -eps and d4 > eps)
    ):
        return True
    if abs(d1) <= eps and _on_segment(q1, q2, p1):
        return True
    if abs(d2) <= eps and _on_segment(q1, q2, p2):
        return True
    if abs(d3) <= eps and _on_segment(p1, p2, q1):
        return True
    return abs(d4) <= eps and _on_segment(p1, p2, q2)


def self_intersections(points: Sequence[Point]) -> list[tuple[int, int]]:
    """Pairs of edge indexes (edge i runs from vertex i to i+1) that cross each other."""
    n = len(points)
    out: list[tuple[int, int]] = []
    for i in range(n):
        a1, a2 = points[i], points[(i + 1) % n]
        for j in range(i + 1, n):
            if j == i or (j + 1) % n == i or (i + 1) % n == j:
                continue  # neighbours share a vertex
            b1, b2 = points[j], points[(j + 1) % n]
            if segments_intersect(a1, a2, b1, b2):
                out.append((i, j))
    return out


def duplicate_vertices(points: Sequence[Point], eps: float = 1e-9) -> list[int]:
    n = len(points)
    return [
        i
        for i in range(n)
        if abs(points[i][0] - points[(i + 1) % n][0]) <= eps
        and abs(points[i][1] - points[(i + 1) % n][1]) <= eps
    ]


def point_in_polygon(p: Point, points: Sequence[Point]) -> bool:
    """Ray casting; points on the boundary count as inside."""
    x, y = p
    inside = False
    n = len(points)
    for i in range(n):
        a, b = points[i], points[(i + 1) % n]
        if abs(_orient(a, b, p)) <= 1e-12 and _on_segment(a, b, p):
            return True
        if (a[1] > y) != (b[1] > y):
            xin = a[0] + (y - a[1]) * (b[0] - a[0]) / (b[1] - a[1])
            if x < xin:
                inside = not inside
    return inside


def polygons_overlap(a: Sequence[Point], b: Sequence[Point]) -> bool:
    """True when two simple polygons share area (touching edges count as overlap)."""
    na, nb = len(a), len(b)
    for i in range(na):
        for j in range(nb):
            if segments_intersect(a[i], a[(i + 1) % na], b[j], b[(j + 1) % nb]):
                return True
    return point_in_polygon(a[0], b) or point_in_polygon(b[0], a)


def bounding_box(points: Sequence[Point]) -> tuple[float, float, float, float]:
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)
