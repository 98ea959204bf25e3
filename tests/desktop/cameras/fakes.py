"""Hand-filled camera feeds: the wall's tests publish frames and observations themselves."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np

from domain.model.vision import ActivityState, Camera, Zone
from vision.latest import LatestValue
from vision.pipeline import LiveView
from vision.types import (
    FrameObservation,
    SourceHealth,
    TrackedPerson,
    VisitProgress,
    ZoneCount,
)

W, H = 480, 270
AT = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


def zone(zid: str, polygon: Sequence[tuple[float, float]], **kw: object) -> Zone:
    return Zone(zid, "CAM", kw.pop("name", zid), tuple(polygon), **kw)  # type: ignore[arg-type]


LEFT = zone("Z1", [(0.05, 0.1), (0.45, 0.1), (0.45, 0.9), (0.05, 0.9)], name="Left",
            min_workers=1, max_workers=1, idle_threshold_s=5)  # fmt: skip
RIGHT = zone("Z2", [(0.55, 0.1), (0.95, 0.1), (0.95, 0.9), (0.55, 0.9)], name="Right")


def person(tid: int, box: tuple[float, float, float, float], zones: tuple[str, ...],
           state: ActivityState = ActivityState.ACTIVE) -> TrackedPerson:  # fmt: skip
    x1, _y1, x2, y2 = box
    return TrackedPerson(tid, box, 0.9, ((x1 + x2) / 2 / W, y2 / H), zones, zones, state, 0.1)


def observation(
    t: float,
    persons: Sequence[TrackedPerson] = (),
    zones: Sequence[Zone] = (LEFT, RIGHT),
    visits: Sequence[VisitProgress] = (),
    index: int = 0,
) -> FrameObservation:
    counts = []
    for z in zones:
        n = sum(1 for p in persons if z.id in p.counted_in)
        counts.append(ZoneCount(z.id, n, z.staffing(n)))
    return FrameObservation("CAM", index, t, AT, W, H, tuple(persons), (), tuple(counts), (),
                            tuple(visits))  # fmt: skip


def frame(colour: tuple[int, int, int] = (0, 0, 255)) -> np.ndarray:
    f = np.zeros((H, W, 3), np.uint8)
    f[:, :] = colour
    f.setflags(write=False)
    return f


class FakeFeed:
    def __init__(self, cid: str, zones: Sequence[Zone] = (LEFT, RIGHT)) -> None:
        self.camera = Camera(cid, f"Camera {cid}", "demo:worker-zone-detection.gif")
        self.zones = list(zones)
        self.latest: LatestValue[LiveView] = LatestValue()
        self.error: str | None = None
        self.connected = True

    def health(self) -> SourceHealth:
        return SourceHealth("demo", self.connected, 16.7, 8.0, 100, 50, 7, 0, AT, None)

    def publish(self, obs: FrameObservation, image: np.ndarray | None = None) -> int:
        return self.latest.set(LiveView(frame() if image is None else image, obs))


class FakeSource:
    """What CameraHost offers the wall: ids, runtimes, start/stop, changes, listeners."""

    def __init__(self, feeds: Sequence[FakeFeed]) -> None:
        self.feeds = {f.camera.id: f for f in feeds}
        self.started = False
        self.stopped = False
        self.applied: list[object] = []
        self.listeners: list[object] = []
        self.error: str | None = None

    def camera_ids(self) -> list[str]:
        return list(self.feeds)

    def camera(self, camera_id: str) -> FakeFeed:
        return self.feeds[camera_id]

    def start(self) -> None:
        self.started = True

    def stop(self) -> None:
        self.stopped = True

    def apply_changes(self, events: object) -> None:
        self.applied.append(events)

    def add_listener(self, fn: object) -> None:
        self.listeners.append(fn)

    def remove_listener(self, fn: object) -> None:
        self.listeners.remove(fn)
