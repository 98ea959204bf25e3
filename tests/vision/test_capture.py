"""The capture thread and the live pipeline: newest frame only, drops, reconnects, stop().

A small MJPEG-over-HTTP camera on loopback stands in for a network camera: it sends a few
frames per connection and hangs up (a flaky camera), or goes away and comes back (a reboot).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from domain.model.vision import Zone
from tests.vision.conftest import DEMO
from vision.analyzer import FrameAnalyzer
from vision.capture import Backoff, CaptureThread
from vision.detect import Detections
from vision.pipeline import LivePipeline
from vision.sources import FolderReader, SourceError, SourceKind, SourceSpec, parse_source
from vision.track import make_tracker

CLIP = DEMO / "worker-zone-detection.gif"
FAST = Backoff(initial_s=0.05, factor=2.0, max_s=0.2)


def wait_until(cond: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.02)
    return cond()


class MjpegCamera:
    """HTTP multipart JPEG stream; ``per_connection`` frames, then the connection drops."""

    def __init__(self, per_connection: int = 10, port: int = 0) -> None:
        self.per_connection = per_connection
        self.connections = 0
        self._srv = socket.socket()
        self._srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._srv.bind(("127.0.0.1", port))
        self._srv.listen(8)
        self.port = self._srv.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/stream.mjpg"

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._srv.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            conn.recv(65536)
            conn.sendall(
                b"HTTP/1.0 200 OK\r\n"
                b"Content-Type: multipart/x-mixed-replace; boundary=frame\r\n\r\n"
            )
            for i in range(self.per_connection):
                _ok, jpg = cv2.imencode(".jpg", np.full((96, 128, 3), 20 * i % 255, np.uint8))
                part = jpg.tobytes()
                conn.sendall(
                    b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: "
                    + str(len(part)).encode()
                    + b"\r\n\r\n"
                    + part
                    + b"\r\n"
                )
                time.sleep(0.02)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self._srv.close()


@pytest.fixture
def camera() -> Iterator[MjpegCamera]:
    cam = MjpegCamera()
    yield cam
    cam.close()


def drain(cap: CaptureThread, until: Callable[[], bool], timeout: float = 30.0) -> int:
    taken = 0
    deadline = time.monotonic() + timeout
    while not until() and time.monotonic() < deadline:
        if cap.frames.take(timeout=0.1) is not None:
            taken += 1
    return taken


def test_a_network_camera_that_hangs_up_is_reconnected(camera: MjpegCamera) -> None:
    cap = CaptureThread(camera.url, backoff=FAST, open_timeout_s=2.0)
    cap.start()
    try:
        drain(cap, lambda: cap.health().frames_read >= 3 * camera.per_connection)
        health = cap.health()
    finally:
        cap.stop()
    assert health.frames_read >= 3 * camera.per_connection
    assert health.reconnects >= 2
    assert camera.connections >= 3
    assert health.last_error is not None
    assert "stopped delivering" in health.last_error
    assert not cap.running


def test_a_camera_that_goes_away_and_comes_back(camera: MjpegCamera) -> None:
    cap = CaptureThread(camera.url, backoff=FAST, open_timeout_s=1.0)
    cap.start()
    try:
        drain(cap, lambda: cap.health().frames_read >= 5)
        port = camera.port
        camera.close()  # the camera reboots
        assert wait_until(lambda: not cap.health().connected)
        assert wait_until(lambda: "did not answer" in (cap.health().last_error or ""))
        read_while_down = cap.health().frames_read
        back = MjpegCamera(port=port)
        try:
            drain(cap, lambda: cap.health().frames_read >= read_while_down + 5)
            health = cap.health()
        finally:
            back.close()
    finally:
        cap.stop()
    assert health.frames_read >= read_while_down + 5
    assert health.reconnects >= 1


class FakeReader:
    """Frames numbered from ``start``; ``None`` after ``count`` (a dying live source)."""

    def __init__(self, count: int, start: int = 0, fps: float | None = None) -> None:
        self.left = count
        self.value = start
        self._fps = fps

    @property
    def fps(self) -> float | None:
        return self._fps

    def read(self) -> np.ndarray | None:
        if self.left <= 0:
            return None
        self.left -= 1
        self.value += 1
        return np.full((8, 8, 3), self.value % 255, np.uint8)

    def close(self) -> None:
        self.left = 0


def test_failed_reopens_back_off_and_are_reported() -> None:
    attempts: list[float] = []

    def factory() -> FakeReader:
        attempts.append(time.monotonic())
        if len(attempts) == 1:
            return FakeReader(3)
        if len(attempts) < 5:
            raise SourceError("cam: the stream did not answer")
        return FakeReader(10**9)

    cap = CaptureThread(
        SourceSpec(SourceKind.URL, "rtsp://cam/x"), backoff=FAST, reader_factory=factory
    )
    cap.start()
    try:
        assert wait_until(lambda: cap.health().frames_read > 10)
        health = cap.health()
    finally:
        cap.stop()
    assert len(attempts) == 5, "three failed reopens, then one that works"
    assert health.reconnects == 1
    assert health.connected
    assert health.last_error == "cam: the stream did not answer"


def test_the_backoff_doubles_up_to_its_ceiling() -> None:
    delays = [Backoff(initial_s=0.5, factor=2.0, max_s=10.0).delay(n) for n in range(1, 8)]
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]


def test_only_the_newest_frame_is_kept_and_stale_ones_are_counted() -> None:
    cap = CaptureThread(str(CLIP), pace=False)  # decode as fast as possible
    cap.start()
    assert wait_until(lambda: not cap.running)
    health = cap.health()
    assert health.finished
    assert health.frames_read == 71
    item = cap.frames.take(timeout=1)
    assert item is not None
    assert item[1].frame_index == 70, "the last frame waits"
    assert cap.frames.dropped == 70, "nobody took the 70 frames before it"
    assert not item[1].image.flags.writeable, "frames handed out are read-only"


def test_a_file_camera_loops_and_is_paced(tmp_path: Path) -> None:
    for i in range(8):
        cv2.imwrite(str(tmp_path / f"{i:02d}.png"), np.full((24, 32, 3), 30 * i, np.uint8))
    spec = parse_source(str(tmp_path))
    cap = CaptureThread(
        spec, loop=True, pace=True, reader_factory=lambda: FolderReader(spec, fps=30)
    )
    cap.start()
    try:
        assert wait_until(lambda: cap.health().frames_read > 20)
        seqs = []
        for _ in range(5):
            item = cap.frames.take(timeout=5)
            assert item is not None
            seqs.append(item[1].seq)
        fps = cap.health().source_fps
    finally:
        cap.stop()
    assert cap.health().frames_read > 8, "the clip started again"
    assert seqs == sorted(seqs)
    assert fps is not None
    assert fps < 60, "played near its 30 fps, not as fast as decoding"


def test_a_wrong_path_fails_in_start_not_in_the_thread(tmp_path: Path) -> None:
    with pytest.raises(SourceError):
        CaptureThread(str(tmp_path / "missing.mp4"))
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00" * 4096)
    cap = CaptureThread(str(broken))
    with pytest.raises(SourceError, match="decode"):
        cap.start()
    assert not cap.running


class SlowDetector:
    """Stands in for a model slower than the camera: one box, ``delay_s`` per frame."""

    backend = "fake"
    imgsz = 320
    conf = 0.25
    path = Path("fake")

    def __init__(self, delay_s: float) -> None:
        self.delay_s = delay_s

    def detect(self, frame: np.ndarray) -> Detections:
        time.sleep(self.delay_s)
        return Detections(
            np.array([[2.0, 2.0, 30.0, 40.0]], np.float32), np.array([0.9], np.float32)
        )


def test_live_analysis_skips_frames_when_inference_is_slower_than_the_camera(
    tmp_path: Path,
) -> None:
    for i in range(40):
        cv2.imwrite(str(tmp_path / f"{i:03d}.png"), np.full((48, 64, 3), 5 * i, np.uint8))
    spec = parse_source(str(tmp_path))
    capture = CaptureThread(spec, pace=True, reader_factory=lambda: FolderReader(spec, fps=40))
    zone = Zone("Z", "CAM", "All", ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)))
    analyzer = FrameAnalyzer("CAM", [zone], SlowDetector(0.1), make_tracker("edgefirst"))
    seen = []
    pipe = LivePipeline(analyzer, spec, capture=capture, blur=True, on_observation=seen.append)
    pipe.start()
    pipe.join(timeout=60)
    pipe.stop()
    health = pipe.health()
    assert health.frames_read == 40
    assert 0 < health.frames_analysed < 40, "frames were skipped, not queued"
    assert health.frames_analysed + health.dropped_frames == health.frames_read
    assert health.analysed_fps is not None
    assert health.analysed_fps < 40
    indexes = [o.frame_index for o in seen if o.persons]
    assert indexes == sorted(indexes)
    assert indexes[-1] == 40, "the newest frame is analysed"
    seq, view = pipe.latest.get()
    assert view is not None
    assert seq == health.frames_analysed
    assert not view.frame.flags.writeable
    x1, y1, x2, y2 = (int(v) for v in view.observation.persons[0].box)
    assert len(np.unique(view.frame[y1:y2, x1:x2])) <= 8 * 12, "the person is pixelated"
    assert not pipe.running


def test_stop_ends_both_threads_of_a_looping_camera() -> None:
    from vision.detect import Detections as D

    class NoPeople(SlowDetector):
        def detect(self, frame: np.ndarray) -> D:
            return D.empty()

    analyzer = FrameAnalyzer("CAM", [], NoPeople(0.0), make_tracker("edgefirst"))
    pipe = LivePipeline(analyzer, str(CLIP), loop=True)
    pipe.start()
    assert wait_until(lambda: pipe.health().frames_analysed >= 3)
    pipe.stop(timeout=10)
    assert not pipe.running
    assert not pipe.capture.running
    assert pipe.latest.closed
