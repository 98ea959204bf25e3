"""Sources: one interface, clear errors (never a hang) for wrong paths, dead URLs, corrupt files."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.datasets import shared_data
from tests.vision.conftest import DEMO
from vision.sources import (
    FolderReader,
    SourceError,
    SourceKind,
    mask_credentials,
    open_reader,
    parse_source,
)

CLIP = DEMO / "worker-zone-detection.gif"


def test_parse_source_tells_the_kinds_apart(tmp_path: Path) -> None:
    assert parse_source("usb:1").kind is SourceKind.USB
    assert parse_source("0").usb_index == 0
    assert parse_source("rtsp://cam.local:554/stream").kind is SourceKind.URL
    assert parse_source("HTTP://cam.local/video.mjpg").live
    assert parse_source(str(CLIP)).kind is SourceKind.FILE
    assert parse_source(str(tmp_path)).kind is SourceKind.FOLDER
    assert not parse_source(str(CLIP)).live


def test_passwords_never_appear_in_messages() -> None:
    url = "rtsp://admin:s3cret@10.0.0.7:554/h264"
    assert mask_credentials(url) == "rtsp://admin:***@10.0.0.7:554/h264"
    assert "s3cret" not in parse_source(url).describe()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("/no/such/clip.mp4", "no such file or folder"),
        ("ftp://host/clip.mp4", "unsupported URL scheme"),
        ("rtsp:///nohost", "no host"),
    ],
)
def test_bad_source_texts(text: str, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        parse_source(text)


def test_a_video_file_reads_every_frame_with_its_fps() -> None:
    reader = open_reader(parse_source(str(CLIP)))
    try:
        assert reader.fps == pytest.approx(16.67, abs=0.1)
        n = 0
        while (frame := reader.read()) is not None:
            assert frame.shape == (270, 480, 3)
            n += 1
        assert n == 71
    finally:
        reader.close()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("random.mp4", np.random.default_rng(0).bytes(20_000), "cannot decode"),
        ("empty.avi", b"", "empty"),
        ("text.gif", b"GIF89a this is not really a gif" * 50, "decode"),
    ],
)
def test_a_corrupt_file_errors_cleanly(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SourceError, match=message):
        open_reader(parse_source(str(path)))


def test_a_truncated_clip_ends_early_instead_of_failing(tmp_path: Path) -> None:
    path = tmp_path / "cut.gif"
    data = shared_data("vision", "clips", "classroom.gif").read_bytes()
    path.write_bytes(data[: len(data) // 3])
    reader = open_reader(parse_source(str(path)))
    frames = 0
    while reader.read() is not None:
        frames += 1
    reader.close()
    assert 0 < frames < 45


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP port on loopback that accepts connections and never says a word."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            held.append(conn)

    threading.Thread(target=accept, daemon=True).start()
    yield srv.getsockname()[1]
    srv.close()
    for c in held:
        c.close()


@pytest.mark.parametrize("scheme", ["http", "rtsp"])
def test_a_url_that_never_answers_times_out_with_a_clear_error(
    silent_server: int, scheme: str
) -> None:
    spec = parse_source(f"{scheme}://127.0.0.1:{silent_server}/stream")
    with pytest.raises(SourceError, match="did not answer"):
        open_reader(spec, open_timeout_s=0.5, read_timeout_s=0.5)


def test_a_refused_url_errors_at_once() -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    with pytest.raises(SourceError, match="did not answer"):
        open_reader(parse_source(f"rtsp://127.0.0.1:{port}/x"), open_timeout_s=0.5)


def test_a_missing_usb_camera_is_a_clear_error() -> None:
    with pytest.raises(SourceError, match="no camera at this index"):
        open_reader(parse_source("usb:63"), open_timeout_s=0.5)


def test_an_image_folder_plays_in_name_order(tmp_path: Path) -> None:
    for i in (2, 0, 1):
        cv2.imwrite(str(tmp_path / f"f{i:03d}.png"), np.full((20, 30, 3), i * 50, np.uint8))
    (tmp_path / "notes.txt").write_text("not an image")
    reader = FolderReader(parse_source(str(tmp_path)), fps=5)
    values = []
    while (frame := reader.read()) is not None:
        values.append(int(frame[0, 0, 0]))
    assert values == [0, 50, 100]
    assert reader.fps == 5


def test_a_corrupt_image_in_a_folder_names_the_file(tmp_path: Path) -> None:
    cv2.imwrite(str(tmp_path / "a.png"), np.zeros((20, 30, 3), np.uint8))
    (tmp_path / "b.png").write_bytes(b"\x89PNG broken")
    reader = open_reader(parse_source(str(tmp_path)))
    assert reader.read() is not None
    with pytest.raises(SourceError, match=r"b\.png"):
        reader.read()


def test_an_empty_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no images"):
        open_reader(parse_source(str(tmp_path)))
