from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from domain.errors import ValidationError
from domain.model.vision import ZoneType
from services.demo.generator import PlantSize, generate_plant
from services.demo.zone_presets import load_zone_presets, resources_dir
from tests.services.demo.conftest import NOW

PRESET = {
    "zones": [
        {"id": "zone-a", "name": "Press feeding", "min_workers": 1, "max_workers": 2,
         "polygon": [[0.1, 0.1], [0.4, 0.1], [0.45, 0.6], [0.1, 0.7]]},
        {"id": "zone-b", "name": "Quality inspection", "min_workers": 0, "max_workers": 1,
         "polygon": [[0.5, 0.1], [0.9, 0.1], [0.9, 0.6]]},
    ]
}  # fmt: skip


def test_zones_come_from_the_preset_file(tmp_path: Path) -> None:
    path = tmp_path / "zones.json"
    path.write_text(json.dumps(PRESET), encoding="utf-8")
    presets = load_zone_presets(path)
    assert presets == PRESET["zones"]
    plant = generate_plant(PlantSize(), now=NOW, zone_presets=presets)
    assert [z.id for z in plant.zones] == ["zone-a", "zone-b"]
    a, b = plant.zones
    assert a.polygon[2] == (0.45, 0.6)
    assert (a.min_workers, a.max_workers, a.zone_type) == (1, 2, ZoneType.WORK_AREA)
    assert (b.min_workers, b.max_workers, b.zone_type) == (0, 1, ZoneType.INSPECTION)
    centres = {m.work_centre_id: m.machine_type for m in plant.machines}
    assert a.work_centre_id is not None
    assert centres[a.work_centre_id] == "assembly"
    assert b.work_centre_id is not None
    assert centres[b.work_centre_id] == "inspection"


def test_a_missing_file_means_no_presets(tmp_path: Path) -> None:
    assert load_zone_presets(tmp_path / "absent.json") is None


@pytest.mark.parametrize("text", ["{not json", '{"zones": 3}', '{"other": []}', '{"zones": [1]}'])
def test_an_unusable_file_is_ignored_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, text: str
) -> None:
    path = tmp_path / "zones.json"
    path.write_text(text, encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        assert load_zone_presets(path) is None
    assert "zones.json" in caplog.text


def test_a_self_crossing_preset_polygon_is_refused() -> None:
    bow_tie = [{"id": "z", "name": "Bow tie", "polygon": [[0, 0], [1, 1], [1, 0], [0, 1]]}]
    with pytest.raises(ValidationError, match="crosses itself"):
        generate_plant(PlantSize(), now=NOW, zone_presets=bow_tie)


def test_the_default_preset_path_is_in_the_repository_resources() -> None:
    assert resources_dir() == Path(__file__).resolve().parents[3] / "resources"
    presets = load_zone_presets()
    plant = generate_plant(PlantSize(), now=NOW)  # reads resources/demo/zones.json if present
    expected = len(presets) if presets else 3
    assert len(plant.zones) == expected
