"""Pure-Python polygon rules: segment intersection, point in polygon, overlap, area."""

from __future__ import annotations

import pytest

from domain.rules.geometry import (
    Point,
    bounding_box,
    duplicate_vertices,
    point_in_polygon,
    polygon_area,
    polygons_overlap,
    segments_intersect,
    self_intersections,
)

SQUARE: list[Point] = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]
# an L shape: the notch (1..2, 1..2) is outside
L_SHAPE: list[Point] = [(0, 0), (2, 0), (2, 1), (1, 1), (1, 2), (0, 2)]


# -- segments_intersect ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("p1", "p2", "q1", "q2", "expected"),
    [
        pytest.param((0, 0), (1, 1), (0, 1), (1, 0), True, id="proper X crossing"),
        pytest.param((0, 0), (1, 0), (0, 1), (1, 1), False, id="parallel apart"),
        pytest.param((0, 0), (1, 0), (1, 0), (2, 5), True, id="shared endpoint"),
        pytest.param((0, 0), (2, 0), (1, 0), (1, 3), True, id="T junction: endpoint on segment"),
        pytest.param((0, 0), (2, 0), (1, 0.001), (1, 3), False, id="near miss above"),
        pytest.param((0, 0), (2, 0), (1, 0), (3, 0), True, id="collinear overlapping"),
        pytest.param((0, 0), (1, 0), (1, 0), (2, 0), True, id="collinear touching end to end"),
        pytest.param((0, 0), (1, 0), (2, 0), (3, 0), False, id="collinear disjoint"),
        pytest.param((0, 0), (3, 0), (1, 0), (2, 0), True, id="collinear contained"),
        pytest.param((0, 0), (1, 1), (2, 2), (3, 1), False, id="would cross if extended"),
        pytest.param((0.5, 0.5), (0.5, 0.5), (0, 0), (1, 1), True, id="degenerate point on"),
        pytest.param((0.5, 0.6), (0.5, 0.6), (0, 0), (1, 1), False, id="degenerate point off"),
    ],
)
def test_segments_intersect(p1: Point, p2: Point, q1: Point, q2: Point, expected: bool) -> None:
    assert segments_intersect(p1, p2, q1, q2) is expected
    # the answer does not depend on the order of the segments or of their ends
    assert segments_intersect(q1, q2, p1, p2) is expected
    assert segments_intersect(p2, p1, q2, q1) is expected


# -- point_in_polygon -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("point", "expected"),
    [
        pytest.param((0.5, 0.5), True, id="centre"),
        pytest.param((1.5, 0.5), False, id="right of it"),
        pytest.param((-0.1, 0.5), False, id="left of it"),
        pytest.param((0.5, 1.0), True, id="on the top edge"),
        pytest.param((0.0, 0.3), True, id="on the left edge"),
        pytest.param((1.0, 1.0), True, id="on a corner"),
        pytest.param((0.0, 0.0), True, id="on the first vertex"),
        pytest.param((1.0 + 1e-9, 0.5), False, id="just outside the right edge"),
    ],
)
def test_point_in_square(point: Point, expected: bool) -> None:
    assert point_in_polygon(point, SQUARE) is expected


@pytest.mark.parametrize(
    ("point", "expected"),
    [
        ((0.5, 1.5), True),  # in the upright arm
        ((1.5, 0.5), True),  # in the foot
        ((1.5, 1.5), False),  # in the notch
        ((1.0, 1.5), True),  # on the inner vertical edge
        ((1.5, 1.0), True),  # on the inner horizontal edge
        ((0.5, 1.0), True),  # ray passes through the reflex vertex height
        ((3.0, 1.0), False),  # outside, level with a vertex
    ],
)
def test_point_in_concave_polygon(point: Point, expected: bool) -> None:
    assert point_in_polygon(point, L_SHAPE) is expected


def test_point_in_polygon_does_not_depend_on_winding() -> None:
    reversed_l = list(reversed(L_SHAPE))
    for p in [(0.5, 1.5), (1.5, 1.5), (1.0, 1.5), (2.5, 0.5)]:
        assert point_in_polygon(p, reversed_l) is point_in_polygon(p, L_SHAPE)


# -- polygons_overlap -----------------------------------------------------------------------


def _square(x: float, y: float, size: float) -> list[Point]:
    return [(x, y), (x + size, y), (x + size, y + size), (x, y + size)]


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        pytest.param(_square(0, 0, 1), _square(0.5, 0.5, 1), True, id="corners overlap"),
        pytest.param(_square(0, 0, 1), _square(2, 0, 1), False, id="apart"),
        pytest.param(_square(0, 0, 1), _square(1, 0, 1), True, id="share an edge"),
        pytest.param(_square(0, 0, 1), _square(1, 1, 1), True, id="share a corner"),
        pytest.param(_square(0, 0, 3), _square(1, 1, 1), True, id="b inside a"),
        pytest.param(_square(1, 1, 1), _square(0, 0, 3), True, id="a inside b"),
        pytest.param(L_SHAPE, _square(1.2, 1.2, 0.5), False, id="in the notch of an L"),
        pytest.param(L_SHAPE, _square(1.2, 0.2, 0.5), True, id="in the foot of an L"),
    ],
)
def test_polygons_overlap(a: list[Point], b: list[Point], expected: bool) -> None:
    assert polygons_overlap(a, b) is expected
    assert polygons_overlap(b, a) is expected


# -- area, crossings, duplicates, bounding box ---------------------------------------------


def test_polygon_area_is_signed_by_winding() -> None:
    assert polygon_area(SQUARE) == pytest.approx(1.0)
    assert polygon_area(list(reversed(SQUARE))) == pytest.approx(-1.0)
    assert polygon_area(L_SHAPE) == pytest.approx(3.0)
    assert polygon_area([(0, 0), (4, 0), (0, 3)]) == pytest.approx(6.0)


def test_self_intersections_reports_the_crossing_edges() -> None:
    bowtie: list[Point] = [(0, 0), (1, 1), (1, 0), (0, 1)]
    # edge 0 (0,0)-(1,1) crosses edge 2 (1,0)-(0,1); edges 1 and 3 are vertical and apart
    assert self_intersections(bowtie) == [(0, 2)]
    assert self_intersections(SQUARE) == []
    assert self_intersections(L_SHAPE) == []


def test_duplicate_vertices_finds_consecutive_repeats_including_the_wrap() -> None:
    assert duplicate_vertices(SQUARE) == []
    assert duplicate_vertices([(0, 0), (1, 0), (1, 0), (0, 1)]) == [1]
    # a closed ring that repeats its first vertex at the end: last == first
    assert duplicate_vertices([(0, 0), (1, 0), (0, 1), (0, 0)]) == [3]


def test_bounding_box() -> None:
    assert bounding_box(L_SHAPE) == (0, 0, 2, 2)
    assert bounding_box([(0.2, 0.7), (0.9, 0.1), (0.4, 0.4)]) == (0.2, 0.1, 0.9, 0.7)
