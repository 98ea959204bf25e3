"""Vision fixtures: the bundled models loaded once per session, clip runs cached per session.

Loading the torch model and the first inference run under a network guard that records
(and refuses) every DNS lookup and socket connection, so a test can prove that ultralytics
never reaches for the network.
"""

from __future__ import annotations

import csv
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.datasets import REPO, shared_data

MODELS = REPO / "resources" / "models"
DEMO = REPO / "resources" / "demo"
PT_MODEL = MODELS / "yolov8n.pt"
ONNX_MODEL = MODELS / "yolov8n-320.onnx"
DEMO_ZONES = DEMO / "zones.json"
IMGSZ = 320


@dataclass
class NetworkLog:
    attempts: list[str] = field(default_factory=list)


@contextmanager
def network_guard(log: NetworkLog) -> Iterator[None]:
    """Refuse and record DNS lookups and outgoing connections (loopback included)."""
    real = (socket.getaddrinfo, socket.create_connection, socket.socket.connect)

    def getaddrinfo(host: Any, *a: Any, **k: Any) -> Any:
        log.attempts.append(f"getaddrinfo {host}")
        raise socket.gaierror("network refused by the test guard")

    def create_connection(address: Any, *a: Any, **k: Any) -> Any:
        log.attempts.append(f"create_connection {address}")
        raise OSError("network refused by the test guard")

    def connect(self: socket.socket, address: Any) -> Any:
        log.attempts.append(f"connect {address}")
        raise OSError("network refused by the test guard")

    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]
    socket.create_connection = create_connection  # type: ignore[assignment]
    socket.socket.connect = connect  # type: ignore[method-assign]
    try:
        yield
    finally:
        socket.getaddrinfo, socket.create_connection, socket.socket.connect = real  # type: ignore[method-assign]


@dataclass
class TorchModel:
    detector: Any
    network: NetworkLog
    imported_before: bool


@pytest.fixture(scope="session")
def torch_model() -> TorchModel:
    """The bundled .pt model at imgsz 320, loaded (with a first inference) behind the guard."""
    import importlib.util
    import sys

    if importlib.util.find_spec("ultralytics") is None:
        pytest.skip("the 'yolo' extra (ultralytics + torch) is not installed")

    import numpy as np

    from vision.detect import load_detector
    from vision.track import make_tracker

    imported_before = "ultralytics" in sys.modules
    log = NetworkLog()
    with network_guard(log):
        det = load_detector(PT_MODEL, imgsz=IMGSZ)
        frame = np.zeros((270, 480, 3), np.uint8)
        tracker = make_tracker("ultralytics")
        tracker.update(det.detect(frame), frame, 0.0)
    return TorchModel(det, log, imported_before)


@pytest.fixture(scope="session")
def onnx_detector() -> Any:
    from vision.detect import load_detector

    return load_detector(ONNX_MODEL)


def read_gt(clip: str) -> dict[int, int]:
    """Frame -> ground-truth person count, ambiguous frames left out."""
    path = shared_data("vision", "gt", f"{clip}_counts.csv")
    with path.open(newline="") as fh:
        return {
            int(r["frame"]): int(r["person_count"])
            for r in csv.DictReader(fh)
            if r["ambiguous"].strip() != "1"
        }


@dataclass
class ClipRun:
    observations: list[Any]
    summary: dict[str, Any]
    analyzer: Any
    recorder: Any


def _run_clip(detector: Any, clip: str, zones_path: Path | None = None, **rules: float) -> ClipRun:
    from domain.rules.zone_presence import PresenceRules
    from vision.analyzer import AnalyzerSettings
    from vision.factory import build_analyzer
    from vision.pipeline import analyze_source
    from vision.recorder import ObservationRecorder
    from vision.summary import summarise
    from vision.zones import load_zones_file

    source = shared_data("vision", "clips", f"{clip}.gif")
    zones = load_zones_file(zones_path or DEMO_ZONES)
    settings = AnalyzerSettings(presence=PresenceRules(**rules))
    analyzer = build_analyzer("CAM-T", zones, detector=detector, settings=settings)
    recorder = ObservationRecorder("CAM-T", zones, log_interval_s=1.0)
    observations: list[Any] = []
    result = analyze_source(str(source), analyzer, recorder, on_observation=observations.append)
    counts = [o.person_count for o in observations]
    return ClipRun(observations, summarise(result, analyzer, recorder, counts, zones), analyzer,
                   recorder)  # fmt: skip


@pytest.fixture(scope="session")
def clip_cache() -> dict[tuple[str, str], ClipRun]:
    return {}


def cached_run(
    cache: dict[tuple[str, str], ClipRun], backend: str, detector: Any, clip: str
) -> ClipRun:
    """Run a clip once per session per backend, with the demo zones and short rules."""
    key = (backend, clip)
    if key not in cache:
        # a 4 s clip: debounce and grace shorter than the defaults meant for live cameras
        cache[key] = _run_clip(detector, clip, debounce_s=0.3, grace_s=0.5, min_track_s=0.6)
    return cache[key]
