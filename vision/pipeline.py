"""Running the analysis: offline over a whole file, or live on a camera in two threads.

- :func:`analyze_source` processes every frame of a file or folder as fast as the machine
  allows (decoding runs one step ahead in a helper thread); frame times are video time.
- :class:`LivePipeline` runs a :class:`CaptureThread` and an analysis thread. The analysis
  always takes the newest frame: when inference is slower than the camera, frames are skipped
  (counted as dropped), not queued. It publishes the newest frame with its observation into a
  :class:`LatestValue` for the GUI, hands every observation to a callback (services persist
  them) and reports health with the achieved analysed fps. What it shows can be the picture,
  the picture with people pixelated (``blur``) or a blank frame of the same size (``blank``:
  counts and overlays without the picture, for people not allowed to watch live video).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import numpy as np

from domain.model.vision import Zone
from vision.analyzer import FrameAnalyzer
from vision.capture import CaptureThread
from vision.latest import LatestValue
from vision.privacy import blank_like, blur_people
from vision.rate import RateMeter
from vision.recorder import ObservationRecorder
from vision.sources import SourceError, SourceSpec, open_reader, parse_source
from vision.types import FrameObservation, SourceHealth, ZoneEvent

log = logging.getLogger(__name__)

ObservationCallback = Callable[[FrameObservation], None]
FrameCallback = Callable[[FrameObservation, np.ndarray], None]


@dataclass(frozen=True, slots=True)
class AnalysisResult:
    source: str
    frames: int
    source_fps: float | None
    duration_s: float  # stream time covered
    wall_s: float
    closing_events: tuple[ZoneEvent, ...]

    @property
    def analysed_fps(self) -> float:
        return self.frames / self.wall_s if self.wall_s > 0 else 0.0


_END = object()


def analyze_source(
    source: str | SourceSpec,
    analyzer: FrameAnalyzer,
    recorder: ObservationRecorder | None = None,
    *,
    max_frames: int | None = None,
    start_at: datetime | None = None,
    on_observation: ObservationCallback | None = None,
    folder_fps: float = 10.0,
    open_timeout_s: float = 5.0,
) -> AnalysisResult:
    """Analyse every frame of ``source`` (files, folders; live sources need ``max_frames``)."""
    spec = source if isinstance(source, SourceSpec) else parse_source(source)
    if spec.live and max_frames is None:
        raise SourceError(f"{spec.describe()}: a live source needs a frame limit")
    reader = open_reader(
        spec, open_timeout_s=open_timeout_s, read_timeout_s=open_timeout_s, folder_fps=folder_fps
    )
    fps = reader.fps
    start_at = start_at or datetime.now(UTC)
    frames: queue.Queue[object] = queue.Queue(maxsize=4)
    stop = threading.Event()

    def decode() -> None:
        n = 0
        try:
            while not stop.is_set() and (max_frames is None or n < max_frames):
                image = reader.read()
                if image is None:
                    break
                frames.put(image)
                n += 1
        except (SourceError, OSError) as exc:
            frames.put(exc)
        finally:
            frames.put(_END)

    thread = threading.Thread(target=decode, name=f"decode {spec.describe()}", daemon=True)
    t_wall = time.perf_counter()
    t_live0 = time.monotonic()
    thread.start()
    index = 0
    t = 0.0
    try:
        while True:
            item = frames.get()
            if item is _END:
                break
            if isinstance(item, BaseException):
                raise item
            assert isinstance(item, np.ndarray)
            if spec.live or not fps:
                t = time.monotonic() - t_live0 if spec.live else index / folder_fps
            else:
                t = index / fps
            obs = analyzer.analyse(item, t=t, at=start_at + timedelta(seconds=t), frame_index=index)
            if recorder is not None:
                recorder.feed(obs)
            if on_observation is not None:
                on_observation(obs)
            index += 1
    finally:
        stop.set()
        while thread.is_alive():  # unblock the decoder if it waits on a full queue
            try:
                frames.get(timeout=0.05)
            except queue.Empty:
                pass
        reader.close()
    wall = time.perf_counter() - t_wall
    closing = analyzer.finish()
    if recorder is not None:
        recorder.finish(closing)
    if index == 0:
        raise SourceError(f"{spec.describe()}: no frame could be decoded")
    step = (1.0 / fps) if fps else (1.0 / folder_fps)
    return AnalysisResult(
        source=spec.describe(),
        frames=index,
        source_fps=fps if not spec.live else None,
        duration_s=(t + step) if not spec.live else t,
        wall_s=wall,
        closing_events=closing,
    )


@dataclass(frozen=True, slots=True)
class LiveView:
    """What the camera wall draws: the newest analysed frame and its observation."""

    frame: np.ndarray  # BGR, read-only; people pixelated when the pipeline blurs
    observation: FrameObservation


class LivePipeline:
    """Capture thread + analysis thread for one camera; ``start()`` / ``stop()``."""

    def __init__(
        self,
        analyzer: FrameAnalyzer,
        source: str | SourceSpec,
        *,
        loop: bool = False,
        recorder: ObservationRecorder | None = None,
        on_observation: ObservationCallback | None = None,
        blur: bool = False,
        capture: CaptureThread | None = None,
        blank: bool = False,
        on_frame: FrameCallback | None = None,
        latest: LatestValue[LiveView] | None = None,
        wall_clock: Callable[[], datetime] | None = None,
    ) -> None:
        """``on_frame`` gets every observation with its unmasked frame (read-only; alert
        snapshots); ``latest`` lets a host keep one slot across restarts of a camera (it is
        not closed by :meth:`stop` then); ``wall_clock`` dates frames as its value at the
        first frame plus stream seconds (default: the capture's wall-clock time)."""
        self.analyzer = analyzer
        self.capture = capture or CaptureThread(source, loop=loop, pace=True)
        self.recorder = recorder
        self.on_observation = on_observation
        self.on_frame = on_frame
        self.blur = blur
        self.blank = blank
        self._owns_latest = latest is None
        self.latest: LatestValue[LiveView] = latest if latest is not None else LatestValue()
        self._wall_clock = wall_clock
        self._at0: datetime | None = None
        self._blank: np.ndarray | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._rate = RateMeter()
        self._lock = threading.Lock()
        self._analysed = 0
        self._error: str | None = None
        self._t0: float | None = None
        self.closing_events: tuple[ZoneEvent, ...] = ()

    def start(self) -> None:
        """Open the source (raises SourceError here) and start both threads."""
        self.capture.start()
        self._thread = threading.Thread(
            target=self._run, name=f"analyse {self.analyzer.camera_id}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.capture.stop(timeout)
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("%s: analysis thread did not stop in time", self.analyzer.camera_id)
        if self._owns_latest:
            self.latest.close()

    def set_zones(self, zones: Sequence[Zone]) -> None:
        """New zones for the running analysis, from the next frame on (thread-safe)."""
        self.analyzer.set_zones(zones)

    def join(self, timeout: float | None = None) -> None:
        """Wait for the analysis to end by itself (a file source that does not loop)."""
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def health(self) -> SourceHealth:
        with self._lock:
            analysed, rate, error = self._analysed, self._rate.rate(), self._error
        h = self.capture.health()
        return replace(
            h,
            analysed_fps=rate,
            frames_analysed=analysed,
            last_error=error or h.last_error,
        )

    def _shown(self, image: np.ndarray, obs: FrameObservation) -> np.ndarray:
        if self.blank:
            if self._blank is None or self._blank.shape != image.shape:
                self._blank = blank_like(image)
            return self._blank
        if self.blur and obs.persons:
            shown = blur_people(image, [p.box for p in obs.persons])
            shown.setflags(write=False)
            return shown
        return image

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                item = self.capture.frames.take(timeout=0.5)
                if item is None:
                    if self.capture.frames.closed and not self.capture.running:
                        break  # the source ended (or the capture was stopped)
                    continue
                _, frame = item
                if self._t0 is None:
                    self._t0 = frame.t
                    if self._wall_clock is not None:
                        self._at0 = self._wall_clock()
                t = frame.t - self._t0
                at = frame.at if self._at0 is None else self._at0 + timedelta(seconds=t)
                obs = self.analyzer.analyse(frame.image, t=t, at=at, frame_index=frame.seq)
                if self.recorder is not None:
                    self.recorder.feed(obs)
                if self.on_observation is not None:
                    self.on_observation(obs)
                if self.on_frame is not None:
                    self.on_frame(obs, frame.image)
                self.latest.set(LiveView(self._shown(frame.image, obs), obs))
                with self._lock:
                    self._analysed += 1
                    self._rate.tick(time.monotonic())
        except Exception as exc:  # keep the thread's failure visible in health, then re-raise
            with self._lock:
                self._error = f"analysis failed: {type(exc).__name__}: {exc}"
            log.exception("%s: analysis failed", self.analyzer.camera_id)
            raise
        finally:
            self.closing_events = self.analyzer.finish()
            if self.recorder is not None:
                self.recorder.finish(self.closing_events)
            if self.on_observation is not None and self.closing_events:
                last = self.latest.get()[1]
                if last is not None:
                    self.on_observation(
                        replace(
                            last.observation,
                            persons=(),
                            events=self.closing_events,
                            alerts=(),
                            open_visits=(),
                        )
                    )
