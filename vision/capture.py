"""The capture thread: reads a source, keeps only the newest frame, reconnects with backoff.

Live sources run at the camera's pace; a file played as a camera (the demo camera) is paced
at its nominal frame rate and can loop. The newest frame sits in a :class:`LatestValue`; a
frame replaced before the analysis thread took it counts as dropped. After a failure the
thread waits (0.5 s, 1 s, 2 s ... up to ``max_backoff_s``) and opens the source again, and
:meth:`CaptureThread.health` says what happened.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from vision.latest import LatestValue
from vision.rate import RateMeter
from vision.sources import FrameReader, SourceError, SourceSpec, open_reader, parse_source
from vision.types import SourceHealth

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CapturedFrame:
    seq: int  # running number of frames this capture delivered (loops keep counting)
    frame_index: int  # position in the source since it was (re)opened
    image: np.ndarray  # BGR, read-only
    t: float  # time.monotonic() at capture
    at: datetime


@dataclass(frozen=True, slots=True)
class Backoff:
    initial_s: float = 0.5
    factor: float = 2.0
    max_s: float = 10.0

    def delay(self, failures: int) -> float:
        return min(self.max_s, self.initial_s * self.factor ** max(0, failures - 1))


class CaptureThread:
    """Reads one source in its own thread; ``frames`` always holds the newest frame."""

    def __init__(
        self,
        source: str | SourceSpec,
        *,
        loop: bool = False,
        pace: bool = True,
        backoff: Backoff | None = None,
        reader_factory: Callable[[], FrameReader] | None = None,
        open_timeout_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.spec = source if isinstance(source, SourceSpec) else parse_source(source)
        self.loop = loop
        self.pace = pace
        self.backoff = backoff or Backoff()
        self._factory = reader_factory or (
            lambda: open_reader(
                self.spec, open_timeout_s=open_timeout_s, read_timeout_s=open_timeout_s
            )
        )
        self._clock = clock
        self.frames: LatestValue[CapturedFrame] = LatestValue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._reader: FrameReader | None = None
        self._lock = threading.Lock()
        self._connected = False
        self._finished = False
        self._frames_read = 0
        self._reconnects = 0
        self._last_error: str | None = None
        self._last_frame_at: datetime | None = None
        self._nominal_fps: float | None = None
        self._rate = RateMeter()

    # -- life cycle ----------------------------------------------------------------------

    def start(self) -> None:
        """Open the source now (a wrong path fails here, in the caller) and start reading."""
        if self._thread is not None:
            raise RuntimeError("the capture thread was already started")
        self._reader = self._factory()  # raises SourceError: the caller reports it
        self._on_connected(self._reader)
        self._thread = threading.Thread(
            target=self._run, name=f"capture {self.spec.describe()}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self.frames.close()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("%s: capture thread did not stop in time", self.spec.describe())

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def health(self) -> SourceHealth:
        with self._lock:
            return SourceHealth(
                source=self.spec.describe(),
                connected=self._connected,
                source_fps=self._rate.rate() or self._nominal_fps,
                analysed_fps=None,
                frames_read=self._frames_read,
                frames_analysed=0,
                dropped_frames=self.frames.dropped,
                reconnects=self._reconnects,
                last_frame_at=self._last_frame_at,
                last_error=self._last_error,
                finished=self._finished,
            )

    # -- the thread ----------------------------------------------------------------------

    def _on_connected(self, reader: FrameReader) -> None:
        with self._lock:
            self._connected = True
            self._nominal_fps = reader.fps

    def _fail(self, message: str) -> None:
        with self._lock:
            self._connected = False
            self._last_error = message
        log.warning("%s", message)

    def _run(self) -> None:
        failures = 0
        seq = 0
        try:
            while not self._stop.is_set():
                reader = self._reader
                if reader is None:
                    failures += 1
                    if self._stop.wait(self.backoff.delay(failures)):
                        break
                    try:
                        reader = self._factory()
                    except SourceError as exc:
                        self._fail(str(exc))
                        continue
                    self._reader = reader
                    with self._lock:
                        self._reconnects += 1
                    self._on_connected(reader)
                    log.info("%s: reconnected", self.spec.describe())
                before = seq
                seq = self._read_until_end(reader, seq)
                if seq < 0:
                    break
                if seq > before:
                    failures = 0  # the connection delivered: start the backoff afresh
        finally:
            if self._reader is not None:
                self._reader.close()
                self._reader = None
            with self._lock:
                self._connected = False
            self.frames.close()

    def _read_until_end(self, reader: FrameReader, seq: int) -> int:
        """Read until the source ends or fails; returns the running seq, or -1 to finish."""
        fps = reader.fps
        paced = self.pace and not self.spec.live and fps is not None
        start = self._clock()
        index = 0
        while not self._stop.is_set():
            try:
                image = reader.read()
            except SourceError as exc:
                image = None
                self._fail(str(exc))
            if image is None:
                reader.close()
                self._reader = None
                if self._stop.is_set():
                    return -1  # stopping: the reader was closed under us, not a failure
                if self.spec.live:
                    self._fail(f"{self.spec.describe()}: the stream stopped delivering frames")
                    return seq
                if self.loop and index > 0:
                    try:
                        self._reader = self._factory()  # files loop by opening again
                    except SourceError as exc:
                        self._fail(str(exc))
                    return seq
                with self._lock:
                    self._finished = True
                return -1
            if paced and fps is not None:
                due = start + index / fps
                wait = due - self._clock()
                if wait > 0 and self._stop.wait(wait):
                    return -1
            now = self._clock()
            image.setflags(write=False)
            seq += 1
            self.frames.set(CapturedFrame(seq, index, image, now, datetime.now(UTC)))
            self._count(now)
            index += 1
        return -1

    def _count(self, now: float) -> None:
        with self._lock:
            self._frames_read += 1
            self._last_frame_at = datetime.now(UTC)
            self._rate.tick(now)
            self._connected = True
