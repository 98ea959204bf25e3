"""Person detectors: ultralytics YOLO (``.pt``, needs torch) or an ONNX export on onnxruntime.

The backend follows the model file's extension. Both return the same :class:`Detections`
(boxes in the frame's pixels, person class only). ultralytics is imported inside the loader
with ``YOLO_OFFLINE=1``: it never reaches for the network (no weight, font or requirement
download, no telemetry); weights come only from the path given.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

log = logging.getLogger(__name__)

PERSON_CLASS = 0
DEFAULT_CONF = 0.25
DEFAULT_IMGSZ = 320
NMS_IOU = 0.7  # ultralytics' default


class DetectorError(Exception):
    """A model that cannot be loaded or run; the message is one line for a person."""


@dataclass(frozen=True, slots=True)
class Detections:
    xyxy: np.ndarray  # (N, 4) float32, pixels of the original frame
    conf: np.ndarray  # (N,) float32

    def __len__(self) -> int:
        return int(self.conf.shape[0])

    @staticmethod
    def empty() -> Detections:
        return Detections(np.zeros((0, 4), np.float32), np.zeros((0,), np.float32))


class Detector(Protocol):
    backend: str
    imgsz: int
    conf: float
    path: Path

    def detect(self, frame: np.ndarray) -> Detections: ...


def prepare_offline_ultralytics() -> None:
    """Environment that keeps ultralytics off the network; call before importing it."""
    os.environ["YOLO_OFFLINE"] = "1"  # no pip auto-update, no hub events, no online checks
    os.environ.setdefault("YOLO_VERBOSE", "False")


class UltralyticsDetector:
    backend = "ultralytics"

    def __init__(self, path: Path, *, conf: float, imgsz: int, device: str = "cpu") -> None:
        prepare_offline_ultralytics()
        try:
            from ultralytics.models import YOLO
        except ImportError as exc:
            raise DetectorError(
                f"{path.name} needs ultralytics and torch (pip install 'takt-control-room[yolo]'), "
                f"or use an .onnx model ({exc.name} is missing)"
            ) from None
        try:
            self.model: Any = YOLO(str(path), task="detect")
        except Exception as exc:  # noqa: BLE001 (torch/pickle/format errors: an unusable file)
            raise DetectorError(f"{path}: cannot load the model ({_one_line(exc)})") from None
        self.path = path
        self.conf = conf
        self.imgsz = imgsz
        self.device = device

    def detect(self, frame: np.ndarray) -> Detections:
        result = self.model.predict(
            frame,
            classes=[PERSON_CLASS],
            conf=self.conf,
            imgsz=self.imgsz,
            device=self.device,
            verbose=False,
        )[0]
        boxes = result.boxes.cpu().numpy()
        if len(boxes) == 0:
            return Detections.empty()
        return Detections(
            np.asarray(boxes.xyxy, dtype=np.float32), np.asarray(boxes.conf, dtype=np.float32)
        )


class OnnxDetector:
    """A YOLOv8-style ONNX export ((1, 4 + classes, anchors) output) on onnxruntime."""

    backend = "onnxruntime"

    def __init__(
        self, path: Path, *, conf: float, imgsz: int | None, threads: int | None = None
    ) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or 0
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # No busy-waiting between operators: on a 2-core control-room PC that also decodes,
        # tracks and draws, spinning threads halved the throughput in a measurement here.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self.session = ort.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # noqa: BLE001 (onnxruntime's own Fail/InvalidProtobuf types)
            raise DetectorError(f"{path}: cannot load the ONNX model ({_one_line(exc)})") from None
        inp = self.session.get_inputs()[0]
        self._input = inp.name
        shape = list(inp.shape)
        fixed = [d for d in shape[2:4] if isinstance(d, int)]
        if len(fixed) == 2:
            if fixed[0] != fixed[1]:
                raise DetectorError(f"{path}: only square inputs are supported, got {fixed}")
            if imgsz is not None and imgsz != fixed[0]:
                raise DetectorError(
                    f"{path.name} was exported for {fixed[0]} px input; run it with imgsz "
                    f"{fixed[0]} or export the model again with imgsz={imgsz}"
                )
            imgsz = fixed[0]
        self.imgsz = imgsz or 640
        out_shape = self.session.get_outputs()[0].shape
        if len(out_shape) != 3:
            raise DetectorError(f"{path}: not a YOLO detection export (output {out_shape})")
        self.path = path
        self.conf = conf

    def _letterbox(self, frame: np.ndarray) -> tuple[np.ndarray, float, int, int]:
        size = self.imgsz
        h, w = frame.shape[:2]
        r = min(size / h, size / w)
        nh, nw = round(h * r), round(w * r)
        img = cv2.resize(frame, (nw, nh), interpolation=cv2.INTER_LINEAR)
        top, left = (size - nh) // 2, (size - nw) // 2
        canvas = np.full((size, size, 3), 114, np.uint8)
        canvas[top : top + nh, left : left + nw] = img
        blob = cv2.dnn.blobFromImage(canvas, 1.0 / 255.0, swapRB=True)
        return blob, r, left, top

    def detect(self, frame: np.ndarray) -> Detections:
        blob, r, left, top = self._letterbox(frame)
        out = self.session.run(None, {self._input: blob})[0][0]  # (4 + classes, anchors)
        scores = out[4:]
        person = scores[PERSON_CLASS]
        keep = (person >= self.conf) & (scores.argmax(axis=0) == PERSON_CLASS)
        if not keep.any():
            return Detections.empty()
        cx, cy, bw, bh = out[:4, keep]
        conf = person[keep].astype(np.float32)
        x1 = (cx - bw / 2 - left) / r
        y1 = (cy - bh / 2 - top) / r
        xywh = np.stack([x1, y1, bw / r, bh / r], axis=1)
        kept = cv2.dnn.NMSBoxes(xywh.tolist(), conf.tolist(), self.conf, NMS_IOU)
        idx = np.asarray(kept, dtype=np.int64).reshape(-1)
        h, w = frame.shape[:2]
        sel = xywh[idx]
        xyxy = np.stack(
            [
                np.clip(sel[:, 0], 0, w),
                np.clip(sel[:, 1], 0, h),
                np.clip(sel[:, 0] + sel[:, 2], 0, w),
                np.clip(sel[:, 1] + sel[:, 3], 0, h),
            ],
            axis=1,
        ).astype(np.float32)
        order = np.argsort(-conf[idx])
        return Detections(xyxy[order], conf[idx][order])


def load_detector(
    path: str | Path,
    *,
    conf: float = DEFAULT_CONF,
    imgsz: int | None = None,
    threads: int | None = None,
) -> Detector:
    """The detector for a model file: ``.pt`` -> ultralytics, ``.onnx`` -> onnxruntime."""
    model = Path(path)
    if not model.is_file():
        raise DetectorError(f"{model}: no such model file")
    if not 0.0 < conf < 1.0:
        raise DetectorError(f"the confidence threshold must lie between 0 and 1, got {conf}")
    suffix = model.suffix.lower()
    if suffix == ".pt":
        return UltralyticsDetector(model, conf=conf, imgsz=imgsz or DEFAULT_IMGSZ)
    if suffix == ".onnx":
        return OnnxDetector(model, conf=conf, imgsz=imgsz, threads=threads)
    raise DetectorError(f"{model.name}: unknown model type {suffix!r} (use .pt or .onnx)")


def _one_line(exc: BaseException) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return (lines[-1] if lines else type(exc).__name__)[:200]


class SharedDetector:
    """One loaded model used by several cameras' threads.

    ``serial`` (the default): one frame at a time, for any backend. An onnxruntime session
    may also run several frames at once (``InferenceSession.run`` is thread-safe), which
    ``serial=False`` allows for ONNX models; ultralytics' predictor keeps per-call state and
    is always serialised.
    """

    def __init__(self, inner: Detector, *, serial: bool = True) -> None:
        import contextlib
        import threading

        self.inner = inner
        self.backend = inner.backend
        self.imgsz = inner.imgsz
        self.conf = inner.conf
        self.path = inner.path
        self.serial = serial or inner.backend != "onnxruntime"
        self._lock: contextlib.AbstractContextManager[object] = (
            threading.Lock() if self.serial else contextlib.nullcontext()
        )

    def detect(self, frame: np.ndarray) -> Detections:
        with self._lock:
            return self.inner.detect(frame)
