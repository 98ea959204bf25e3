"""Privacy by design: blur people in frames that are shown or saved."""

from __future__ import annotations

from collections.abc import Iterable

import cv2
import numpy as np


def blur_people(
    frame: np.ndarray, boxes: Iterable[tuple[float, float, float, float]], *, cells: int = 8
) -> np.ndarray:
    """A copy of ``frame`` with every xyxy box pixelated to about ``cells`` blocks across.

    Pixelation, not a light blur: faces and badges must not be readable afterwards.
    """
    out = frame.copy()
    h, w = out.shape[:2]
    for x1, y1, x2, y2 in boxes:
        a, b = max(0, int(x1)), max(0, int(y1))
        c, d = min(w, int(np.ceil(x2))), min(h, int(np.ceil(y2)))
        if c - a < 2 or d - b < 2:
            continue
        roi = out[b:d, a:c]
        across = max(1, min(cells, c - a))
        down = max(1, round(across * (d - b) / (c - a)))
        small = cv2.resize(roi, (across, down), interpolation=cv2.INTER_AREA)
        out[b:d, a:c] = cv2.resize(small, (c - a, d - b), interpolation=cv2.INTER_NEAREST)
    return out


def blank_like(frame: np.ndarray) -> np.ndarray:
    """A black, read-only frame of the same size: what a viewer without the live-video
    permission gets under the overlays."""
    out = np.zeros_like(frame)
    out.setflags(write=False)
    return out
