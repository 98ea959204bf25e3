"""numpy frames as QImages without copying the pixels.

``QImage(buffer, w, h, bytes_per_line, Format_BGR888)`` points at the array's memory; the
image is only valid while the array lives, so :class:`FrameImage` keeps both together. The
arrays come read-only from the capture and analysis threads, which never write to a frame
after publishing it, so the GUI may read them while newer frames are being produced.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtGui import QImage


@dataclass(frozen=True, slots=True)
class FrameImage:
    array: np.ndarray  # keeps the pixels alive for as long as the image is used
    image: QImage
    copied: bool  # True only when the frame had to be made contiguous first

    @property
    def width(self) -> int:
        return self.image.width()

    @property
    def height(self) -> int:
        return self.image.height()


def frame_image(frame: np.ndarray) -> FrameImage:
    """Wrap a BGR (H, W, 3) or grey (H, W) uint8 frame; copies only a non-contiguous one."""
    if frame.dtype != np.uint8 or frame.ndim not in (2, 3):
        raise ValueError(f"expected a uint8 BGR or grey frame, got {frame.dtype} {frame.shape}")
    if frame.ndim == 3 and frame.shape[2] != 3:
        raise ValueError(f"expected 3 channels (BGR), got {frame.shape[2]}")
    array = frame
    copied = False
    if not frame.flags.c_contiguous:
        array = np.ascontiguousarray(frame)
        copied = True
    h, w = array.shape[:2]
    fmt = QImage.Format.Format_BGR888 if array.ndim == 3 else QImage.Format.Format_Grayscale8
    image = QImage(array.data, w, h, array.strides[0], fmt)
    return FrameImage(array, image, copied)
