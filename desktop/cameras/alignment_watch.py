"""Every few minutes, compare each running camera's newest frame with its reference frame.

The comparison (ORB + RANSAC homography, vision/alignment.py) runs on the runner's query pool;
a camera that has moved since its zones were drawn gets a red band on its tile, and the zone
editor offers to move the zones with the picture.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from desktop.context import DesktopContext
from services.zones import ZoneService
from vision.alignment import AlignmentResult

log = logging.getLogger(__name__)

FrameOf = Callable[[str], np.ndarray | None]


class AlignmentWatch(QObject):
    checked = Signal(str, object)  # camera id, AlignmentResult

    def __init__(
        self,
        ctx: DesktopContext,
        camera_ids: Callable[[], list[str]],
        frame_of: FrameOf,
        *,
        interval_ms: int = 300_000,
        first_ms: int = 20_000,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.service = ZoneService(ctx.app)
        self._camera_ids = camera_ids
        self._frame_of = frame_of
        self.results: dict[str, AlignmentResult] = {}
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check_now)
        self._first_ms = first_ms

    def start(self) -> None:
        QTimer.singleShot(self._first_ms, self, self.check_now)
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def check_now(self) -> None:
        for cid in self._camera_ids():
            frame = self._frame_of(cid)
            if frame is None:
                continue
            job = self.ctx.runner.query(
                self.service.check_alignment, cid, frame, name="cameras.alignment", owner=self
            )
            job.on_success(partial(self._done, cid))
            job.on_failure(partial(self._failed, cid))

    def _failed(self, camera_id: str, exc: BaseException) -> None:
        log.warning("the alignment check of %s failed: %s", camera_id, exc)

    def _done(self, camera_id: str, result: AlignmentResult) -> None:
        self.results[camera_id] = result
        self.checked.emit(camera_id, result)
