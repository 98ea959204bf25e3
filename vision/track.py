"""Multi-object trackers: maintained ByteTrack implementations, not a home-made one.

- ``ultralytics``: ultralytics' own ``BYTETracker`` (with the ``.pt`` detector: torch is there).
- ``edgefirst``: the ByteTrack of the ``edgefirst-tracker`` wheel (Au-Zone's EdgeFirst HAL,
  Apache-2.0, Rust, depends on numpy only: ~0.9 MB installed) for the torch-free ONNX path.
  Its tracks carry UUIDs; they are mapped to small integers here (pseudonymous track ids).

Both report, per frame, the detections that belong to a track, with the detector's own box.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from vision.detect import Detections

log = logging.getLogger(__name__)

TRACKERS = ("ultralytics", "edgefirst")


class TrackerError(Exception):
    """A tracker that cannot be set up; one line for a person."""


@dataclass(frozen=True, slots=True)
class Track:
    track_id: int
    box: tuple[float, float, float, float]  # xyxy pixels (the matched detection)
    conf: float


class Tracker(Protocol):
    name: str

    def update(self, dets: Detections, frame: np.ndarray, t: float) -> list[Track]: ...


class UltralyticsByteTracker:
    name = "ultralytics-bytetrack"

    def __init__(self, **overrides: Any) -> None:
        from vision.detect import prepare_offline_ultralytics

        prepare_offline_ultralytics()
        try:
            from ultralytics.engine.results import Boxes
            from ultralytics.trackers.byte_tracker import BYTETracker
            from ultralytics.utils import YAML, IterableSimpleNamespace
            from ultralytics.utils.checks import check_yaml
        except ImportError as exc:
            raise TrackerError(f"ultralytics' tracker is not installed ({exc.name})") from None
        cfg = dict(YAML.load(check_yaml("bytetrack.yaml")))
        cfg.update(overrides)
        self._boxes = Boxes
        self._tracker = BYTETracker(IterableSimpleNamespace(**cfg))

    def update(self, dets: Detections, frame: np.ndarray, t: float) -> list[Track]:
        n = len(dets)
        data = np.zeros((n, 6), np.float32)
        if n:
            data[:, :4] = dets.xyxy
            data[:, 4] = dets.conf
        boxes = self._boxes(data, frame.shape[:2])
        rows = self._tracker.update(boxes, frame)
        out: list[Track] = []
        for row in np.asarray(rows).reshape(-1, 8):
            idx = int(row[7])
            box = dets.xyxy[idx] if 0 <= idx < n else row[:4]
            out.append(Track(int(row[4]), _box(box), float(row[5])))
        return out


class EdgeFirstByteTracker:
    name = "edgefirst-bytetrack"

    def __init__(self, *, high_conf: float = 0.5, iou: float = 0.25, lost_s: float = 1.0) -> None:
        try:
            from edgefirst.tracker import ByteTrack
        except ImportError:
            raise TrackerError(
                "the torch-free tracker is not installed (pip install edgefirst-tracker)"
            ) from None
        self._tracker = ByteTrack(
            high_conf=high_conf, iou=iou, update=0.25, lifespan_ns=int(lost_s * 1e9)
        )
        self._ids: dict[str, int] = {}
        self._next = itertools.count(1)
        self._calls = 0

    def update(self, dets: Detections, frame: np.ndarray, t: float) -> list[Track]:
        n = len(dets)
        labels = np.zeros(n, np.uint64)  # the binding wants unsigned labels
        infos = self._tracker.update(
            np.ascontiguousarray(dets.xyxy, np.float32),
            np.ascontiguousarray(dets.conf, np.float32),
            labels,
            max(0, int(t * 1e9)),
        )
        out: list[Track] = []
        for i, info in enumerate(infos):
            if info is None:
                continue
            tid = self._ids.get(info.uuid)
            if tid is None:
                tid = self._ids[info.uuid] = next(self._next)
            out.append(Track(tid, _box(dets.xyxy[i]), float(dets.conf[i])))
        self._calls += 1
        if self._calls % 256 == 0:  # forget the UUIDs of tracks the tracker has dropped
            alive = {a.info.uuid for a in self._tracker.get_active_tracks()}
            self._ids = {u: i for u, i in self._ids.items() if u in alive}
        return out


def make_tracker(kind: str) -> Tracker:
    if kind == "ultralytics":
        return UltralyticsByteTracker()
    if kind == "edgefirst":
        return EdgeFirstByteTracker()
    raise TrackerError(f"unknown tracker {kind!r} (choose from {', '.join(TRACKERS)})")


def default_tracker_for(backend: str) -> str:
    """ultralytics' tracker next to the torch detector; the torch-free one next to ONNX."""
    return "ultralytics" if backend == "ultralytics" else "edgefirst"


def _box(b: Any) -> tuple[float, float, float, float]:
    return (float(b[0]), float(b[1]), float(b[2]), float(b[3]))
