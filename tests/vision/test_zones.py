"""Zone geometry (numpy) against the domain's pure-Python rule, and the zones file."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from domain.rules.geometry import point_in_polygon
from tests.vision.conftest import DEMO_ZONES
from vision.zones import (
    Anchor,
    ZoneGeometry,
    ZonesFileError,
    anchor_points,
    load_zones_file,
    points_in_polygon,
)

L_SHAPE = [(0.1, 0.1), (0.6, 0.1), (0.6, 0.3), (0.3, 0.3), (0.3, 0.8), (0.1, 0.8)]


def test_vectorised_point_in_polygon_agrees_with_the_domain_rule() -> None:
    rng = random.Random(3)
    pts = np.array([(rng.random(), rng.random()) for _ in range(2000)])
    fast = points_in_polygon(pts, np.array(L_SHAPE))
    slow = [point_in_polygon((float(x), float(y)), L_SHAPE) for x, y in pts]
    assert fast.tolist() == slow
    assert 0 < fast.sum() < len(pts)


def test_anchor_is_the_bottom_centre_of_the_box_by_default() -> None:
    boxes = np.array([[100, 50, 200, 250], [0, 0, 48, 27]], dtype=np.float32)
    pts = anchor_points(boxes, 480, 270)
    np.testing.assert_allclose(pts, [[150 / 480, 250 / 270], [24 / 480, 27 / 270]])
    centre = anchor_points(boxes, 480, 270, Anchor.CENTRE)
    assert centre[0].tolist() == pytest.approx([150 / 480, 150 / 270])


def test_geometry_reports_every_zone_holding_a_point() -> None:
    zones = load_zones_file(DEMO_ZONES)
    geo = ZoneGeometry(zones)
    at = geo.zones_at(np.array([[0.25, 0.785], [0.6, 0.99], [0.8, 0.6], [0.5, 0.2]]))
    assert at == [frozenset({"Z01"}), frozenset({"Z02"}), frozenset({"Z03"}), frozenset()]
    polys = geo.pixel_polygons(480, 270)
    assert polys["Z03"].shape == (4, 1, 2)


def test_the_demo_zones_file_loads_as_domain_zones() -> None:
    zones = load_zones_file(DEMO_ZONES, camera_id="CAM-9")
    assert [z.id for z in zones] == ["Z01", "Z02", "Z03"]
    assert {z.camera_id for z in zones} == {"CAM-9"}
    assert zones[2].zone_type.value == "inspection"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"zone": []}', 'expected {"zones"'),
        ('{"zones": []}', "defines no zones"),
        ('{"zones": [{"id": "A", "polygon": [[0, 0], [1, 0]]}]}', "at least 3 vertices"),
        ('{"zones": [{"id": "A", "polygon": [[0, 0], [2, 0], [1, 1]]}]}', "outside the frame"),
        (
            '{"zones": [{"id": "A", "polygon": [[0, 0], [1, 1], [1, 0], [0, 1]]}]}',
            "crosses itself",
        ),
        ('{"zones": [{"id": "A", "polygon": "square"}]}', "list of [x, y] pairs"),
        (
            '{"zones": [{"id": "A", "polygon": [[0, 0], [1, 0], [1, 1]], "min_workers": 3,'
            ' "max_workers": 1}]}',
            "max workers",
        ),
    ],
)
def test_bad_zones_files_give_one_clear_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "zones.json"
    path.write_text(content)
    with pytest.raises(ZonesFileError, match=message.replace("[", r"\[").replace("{", r"\{")):
        load_zones_file(path)


def test_duplicate_zone_ids_are_refused(tmp_path: Path) -> None:
    zone = {"id": "A", "polygon": [[0, 0], [1, 0], [1, 1]]}
    path = tmp_path / "zones.json"
    path.write_text(json.dumps({"zones": [zone, zone]}))
    with pytest.raises(ZonesFileError, match="used twice"):
        load_zones_file(path)


def test_a_missing_zones_file(tmp_path: Path) -> None:
    with pytest.raises(ZonesFileError, match="no such zones file"):
        load_zones_file(tmp_path / "nope.json")
