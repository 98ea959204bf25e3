"""One hosted camera as the GUI sees it (:class:`CameraRuntime`); the host updates it."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from domain.model.vision import Camera, Zone
from services.vision.recording import CameraRecording
from vision.latest import LatestValue
from vision.pipeline import LivePipeline, LiveView
from vision.sources import mask_credentials
from vision.types import SourceHealth, ZoneCount


class CameraRuntime:
    """One hosted camera. Every property is safe to read from any thread."""

    def __init__(self, camera: Camera, zones: Sequence[Zone]) -> None:
        self._lock = threading.Lock()
        self._camera = camera
        self._zones = tuple(zones)
        self.latest: LatestValue[LiveView] = LatestValue()
        self._error: str | None = None
        self._pipeline: LivePipeline | None = None
        self._recording: CameraRecording | None = None
        self._final: SourceHealth | None = None  # health of a run that ended (file finished)
        self._failures = 0
        self._next_retry = 0.0

    @property
    def camera(self) -> Camera:
        with self._lock:
            return self._camera

    @property
    def zones(self) -> tuple[Zone, ...]:
        with self._lock:
            return self._zones

    @property
    def error(self) -> str | None:
        """Why the camera does not run (e.g. "cannot open ..."), or None."""
        with self._lock:
            return self._error

    @property
    def running(self) -> bool:
        with self._lock:
            pipe = self._pipeline
        return pipe is not None and pipe.running

    @property
    def pipeline(self) -> LivePipeline | None:
        with self._lock:
            return self._pipeline

    def health(self) -> SourceHealth:
        with self._lock:
            pipe, final, error, cam = self._pipeline, self._final, self._error, self._camera
        if pipe is not None:
            return pipe.health()
        if final is not None:
            return final
        return SourceHealth(
            source=mask_credentials(cam.source),
            connected=False,
            source_fps=None,
            analysed_fps=None,
            frames_read=0,
            frames_analysed=0,
            dropped_frames=0,
            reconnects=0,
            last_frame_at=None,
            last_error=error,
        )

    def zone_states(self) -> tuple[ZoneCount, ...]:
        """Head count and staffing per zone on the newest analysed frame (0 before one)."""
        _, view = self.latest.get()
        zones = self.zones
        if view is not None:
            known = {c.zone_id: c for c in view.observation.counts}
            if all(z.id in known for z in zones):
                return tuple(known[z.id] for z in zones)
        return tuple(ZoneCount(z.id, 0, z.staffing(0)) for z in zones)
