"""The default demo plant, generated once per test module (generation is deterministic)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.demo.generator import DemoPlant, PlantSize, generate_plant

NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # a Monday morning, in the early shift


@pytest.fixture(scope="module")
def plant() -> DemoPlant:
    # zone_presets=() keeps the test off resources/demo/zones.json: three fallback stations
    return generate_plant(PlantSize(), seed=7, now=NOW, zone_presets=())
