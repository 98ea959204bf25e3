"""Assembling a camera's analyser from a model file, zones and settings."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from domain.model.vision import Zone
from vision.analyzer import AnalyzerSettings, FrameAnalyzer
from vision.detect import DEFAULT_CONF, Detector, load_detector
from vision.track import default_tracker_for, make_tracker


def build_analyzer(
    camera_id: str,
    zones: Sequence[Zone],
    *,
    model: str | Path | None = None,
    detector: Detector | None = None,
    conf: float = DEFAULT_CONF,
    imgsz: int | None = None,
    tracker: str | None = None,
    threads: int | None = None,
    settings: AnalyzerSettings | None = None,
) -> FrameAnalyzer:
    """A fresh analyser; pass ``detector`` to share one loaded model between cameras."""
    if detector is None:
        if model is None:
            raise ValueError("give a model path or a loaded detector")
        detector = load_detector(model, conf=conf, imgsz=imgsz, threads=threads)
    kind = tracker or default_tracker_for(detector.backend)
    return FrameAnalyzer(camera_id, zones, detector, make_tracker(kind), settings)
