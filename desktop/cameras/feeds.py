"""What the camera wall reads: one-slot holders filled by analysis threads, never a queue.

A camera as the wall sees it (:class:`CameraFeed`) is what ``services.vision.host.CameraHost``
hands out per camera (``CameraRuntime``): the camera, its zones, ``latest`` (a
``LatestValue[LiveView]``: the newest analysed frame with its observation), ``health()`` and
``error``. :class:`PipelineFeed` wraps a :class:`LivePipeline` built by hand the same way
(tests, the benchmark).

The analysed frames arrive at the analysis rate. When the camera's frames are not blurred for
privacy, the tile can also peek at the capture thread's newest frame (``raw_frames``), so the
picture moves at the source's frame rate while the overlays follow at the analysis rate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from domain.model.vision import Camera, Zone
from vision.capture import CapturedFrame
from vision.latest import LatestValue
from vision.pipeline import LivePipeline, LiveView
from vision.types import SourceHealth


class CameraFeed(Protocol):
    @property
    def camera(self) -> Camera: ...

    @property
    def zones(self) -> Sequence[Zone]: ...

    @property
    def latest(self) -> LatestValue[LiveView]: ...

    @property
    def error(self) -> str | None: ...

    def health(self) -> SourceHealth | None: ...


class FeedSource(Protocol):
    """Several cameras (``CameraHost`` is one)."""

    def camera_ids(self) -> list[str]: ...

    def camera(self, camera_id: str) -> Any: ...


class PipelineFeed:
    """A :class:`LivePipeline` seen as a camera feed."""

    def __init__(self, camera: Camera, zones: Sequence[Zone], pipeline: LivePipeline) -> None:
        self._camera = camera
        self._zones = list(zones)
        self.pipeline = pipeline

    @property
    def camera(self) -> Camera:
        return self._camera

    @property
    def zones(self) -> Sequence[Zone]:
        return self._zones

    @property
    def latest(self) -> LatestValue[LiveView]:
        return self.pipeline.latest

    @property
    def error(self) -> str | None:
        return self.pipeline.health().last_error

    def health(self) -> SourceHealth | None:
        return self.pipeline.health()


class PipelineSource:
    """Feeds by camera id (tests and the benchmark; the program uses CameraHost)."""

    def __init__(self, feeds: Sequence[PipelineFeed]) -> None:
        self.feeds = {f.camera.id: f for f in feeds}

    def camera_ids(self) -> list[str]:
        return list(self.feeds)

    def camera(self, camera_id: str) -> PipelineFeed:
        return self.feeds[camera_id]


def raw_frames(feed: Any) -> LatestValue[CapturedFrame] | None:
    """The capture thread's newest-frame slot, when the feed exposes its pipeline and the
    pipeline neither blurs people nor blanks the picture (privacy, permissions): such a
    camera only shows its analysed, masked frames."""
    pipeline = getattr(feed, "pipeline", None)
    if pipeline is None or getattr(pipeline, "blur", True) or getattr(pipeline, "blank", True):
        return None
    capture = getattr(pipeline, "capture", None)
    frames = getattr(capture, "frames", None)
    return frames if isinstance(frames, LatestValue) else None
