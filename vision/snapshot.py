"""Alert snapshots: one frame as JPEG bytes, people pixelated when privacy asks for it.

No video is ever stored; a snapshot is the single frame on which an alert was raised. Services
decide where the bytes go and how long they are kept.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from vision.privacy import blur_people
from vision.types import BoxXYXY

DEFAULT_QUALITY = 85


class SnapshotError(Exception):
    """A frame that cannot be encoded; one line for a person."""


def encode_jpeg(
    frame: np.ndarray,
    *,
    blur_boxes: Sequence[BoxXYXY] = (),
    quality: int = DEFAULT_QUALITY,
) -> bytes:
    """The frame (BGR) as JPEG; the boxes in ``blur_boxes`` are pixelated first."""
    if not 1 <= quality <= 100:
        raise SnapshotError(f"the JPEG quality must lie between 1 and 100, got {quality}")
    image = blur_people(frame, blur_boxes) if blur_boxes else frame
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise SnapshotError(f"a {image.shape} frame could not be encoded as JPEG")
    return bytes(np.asarray(data).tobytes())
