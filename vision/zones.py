"""Zone geometry with numpy: anchor points of boxes and which polygons hold them.

Zones are :class:`domain.model.vision.Zone` entities in normalised 0..1 image coordinates
(they survive resolution changes). The zones file of ``takt vision analyze`` is
``{"zones": [{"id": "Z01", "name": "Station 1", "polygon": [[x, y], ...], "min_workers": 1,
"max_workers": 3}]}``; the domain entity validates each polygon.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from domain.errors import ValidationError
from domain.model.vision import Zone, ZoneType


class ZonesFileError(Exception):
    """A zones file that cannot be used; one line for a person."""


class Anchor(enum.StrEnum):
    BOTTOM_CENTRE = "bottom_centre"  # the feet: where a person stands on the floor
    CENTRE = "centre"


def anchor_points(
    boxes_xyxy: np.ndarray, width: int, height: int, anchor: Anchor = Anchor.BOTTOM_CENTRE
) -> np.ndarray:
    """(N, 2) normalised anchor points of (N, 4) pixel boxes."""
    b = np.asarray(boxes_xyxy, dtype=np.float64).reshape(-1, 4)
    x = (b[:, 0] + b[:, 2]) / 2.0
    y = b[:, 3] if anchor is Anchor.BOTTOM_CENTRE else (b[:, 1] + b[:, 3]) / 2.0
    return np.stack([x / max(width, 1), y / max(height, 1)], axis=1)


def points_in_polygon(points: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Vectorised even-odd ray casting: (N,) bool for (N, 2) points and a (M, 2) polygon.

    Points on an edge may fall either side; zones are drawn with margins wider than that.
    """
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    poly = np.asarray(polygon, dtype=np.float64).reshape(-1, 2)
    x = pts[:, 0:1]
    y = pts[:, 1:2]
    x1, y1 = poly[:, 0][None, :], poly[:, 1][None, :]
    x2, y2 = np.roll(poly[:, 0], -1)[None, :], np.roll(poly[:, 1], -1)[None, :]
    crosses = (y1 > y) != (y2 > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_at = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
    hits = crosses & (x < x_at)
    return (hits.sum(axis=1) % 2) == 1


class ZoneGeometry:
    """The polygons of one camera's zones, ready for many points at once."""

    def __init__(self, zones: Sequence[Zone]) -> None:
        self.zones = tuple(z for z in zones if z.active)
        self.ids = tuple(z.id for z in self.zones)
        self._polys = [np.asarray(z.polygon, dtype=np.float64) for z in self.zones]

    def contains(self, points: np.ndarray) -> np.ndarray:
        """(N, Z) bool: point i lies in zone j."""
        pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        out = np.zeros((pts.shape[0], len(self._polys)), dtype=bool)
        for j, poly in enumerate(self._polys):
            out[:, j] = points_in_polygon(pts, poly)
        return out

    def zones_at(self, points: np.ndarray) -> list[frozenset[str]]:
        inside = self.contains(points)
        return [frozenset(self.ids[j] for j in np.flatnonzero(row)) for row in inside]

    def pixel_polygons(self, width: int, height: int) -> dict[str, np.ndarray]:
        """Polygons in pixels (int32, OpenCV's polylines format) for drawing overlays."""
        scale = np.array([width, height], dtype=np.float64)
        return {
            z.id: np.round(p * scale).astype(np.int32).reshape(-1, 1, 2)
            for z, p in zip(self.zones, self._polys, strict=True)
        }


def zones_from_data(data: Any, *, camera_id: str, source: str = "zones") -> list[Zone]:
    """Domain zones from the parsed zones file; raises ZonesFileError with one clear line."""
    if not isinstance(data, dict) or not isinstance(data.get("zones"), list):
        raise ZonesFileError(f'{source}: expected {{"zones": [...]}}')
    zones: list[Zone] = []
    seen: set[str] = set()
    for i, raw in enumerate(data["zones"], start=1):
        where = f"{source}: zone {i}"
        if not isinstance(raw, dict):
            raise ZonesFileError(f"{where}: expected an object")
        zone_id = str(raw.get("id") or f"Z{i:02d}")
        if zone_id in seen:
            raise ZonesFileError(f"{where}: the id {zone_id!r} is used twice")
        seen.add(zone_id)
        polygon = raw.get("polygon")
        if not isinstance(polygon, list) or not all(
            isinstance(p, list | tuple) and len(p) == 2 for p in polygon
        ):
            raise ZonesFileError(f"{where} ({zone_id}): 'polygon' must be a list of [x, y] pairs")
        try:
            kwargs: dict[str, Any] = {}
            for key in ("min_workers", "max_workers", "idle_threshold_s"):
                if key in raw:
                    kwargs[key] = int(raw[key])
            if "zone_type" in raw:
                kwargs["zone_type"] = ZoneType(raw["zone_type"])
            if "colour" in raw:
                kwargs["colour"] = str(raw["colour"])
            if "alert_on_empty" in raw:
                kwargs["alert_on_empty"] = bool(raw["alert_on_empty"])
            zone = Zone(
                id=zone_id,
                camera_id=camera_id,
                name=str(raw.get("name") or zone_id),
                polygon=tuple((float(x), float(y)) for x, y in polygon),
                **kwargs,
            )
        except ValidationError as exc:
            raise ZonesFileError(f"{where} ({zone_id}): {exc.message}") from None
        except (TypeError, ValueError) as exc:
            raise ZonesFileError(f"{where} ({zone_id}): {exc}") from None
        zones.append(zone)
    if not zones:
        raise ZonesFileError(f"{source}: the file defines no zones")
    return zones


def load_zones_file(path: str | Path, *, camera_id: str = "CAM-01") -> list[Zone]:
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ZonesFileError(f"{p}: no such zones file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ZonesFileError(f"{p}: cannot read the zones file ({exc})") from None
    except json.JSONDecodeError as exc:
        raise ZonesFileError(f"{p}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    return zones_from_data(data, camera_id=camera_id, source=str(p))
