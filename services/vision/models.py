"""The detector a camera host uses: the bundled YOLOv8n unless a model file is given.

Cheap to import (the CLI reads the default model path): OpenCV and onnxruntime load only when
a model does.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING

from services.resources import resource_path

if TYPE_CHECKING:
    from vision.detect import SharedDetector

DEFAULT_PT = ("models", "yolov8n.pt")
DEFAULT_ONNX = ("models", "yolov8n-320.onnx")


def has_torch() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in ("ultralytics", "torch"))


def default_model() -> Path:
    """The bundled YOLOv8n: the torch model when ultralytics is installed, else the ONNX one."""
    return resource_path(*(DEFAULT_PT if has_torch() else DEFAULT_ONNX))


def load_shared_detector(model_path: Path | None, imgsz: int) -> SharedDetector:
    """One loaded model for every camera of this process.

    An ONNX session runs several cameras' frames at once (onnxruntime's ``run`` is
    thread-safe): on 2 cores, 4 cameras analysed about as many frames per second as with one
    session per camera and more than with one frame at a time, with one model in memory
    (benchmarks/vision.py). A ``.pt`` model is shared one frame at a time (ultralytics'
    predictor is not thread-safe). An ONNX export has its own input size; ``imgsz`` applies
    to ``.pt`` models.
    """
    from vision.detect import SharedDetector, load_detector

    model = model_path or default_model()
    size = imgsz if model.suffix.lower() == ".pt" else None
    return SharedDetector(load_detector(model, imgsz=size), serial=False)
