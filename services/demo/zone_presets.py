"""The one place the demo generator reads a file: the demo camera's zones, if a preset exists.

``resources/demo/zones.json`` holds ``{"zones": [{"id", "name", "polygon": [[x, y], ...],
"min_workers", "max_workers"}, ...]}`` in normalised 0..1 image coordinates.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def resources_dir() -> Path:
    """``resources/`` of the checkout, or of the frozen bundle (PyInstaller)."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def load_zone_presets(path: Path | None = None) -> list[dict[str, Any]] | None:
    """The zones of ``resources/demo/zones.json``; None when there is no usable file."""
    path = path or resources_dir() / "demo" / "zones.json"
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        zones = data["zones"]
        if not isinstance(zones, list) or not all(isinstance(z, dict) for z in zones):
            raise TypeError("'zones' is not a list of objects")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("ignoring the demo zone presets in %s: %s", path, exc)
        return None
    return zones
