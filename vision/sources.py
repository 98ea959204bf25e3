"""Camera sources behind one interface: video files, image folders, USB cameras, RTSP/HTTP URLs.

``parse_source`` turns what a person typed into a :class:`SourceSpec`; ``open_reader`` opens
it and fails fast with a :class:`SourceError` whose message is one clear line (a wrong path, a
file OpenCV cannot decode, a URL that does not answer within the open timeout). Readers are
plain and synchronous; :mod:`vision.capture` runs them in a thread.
"""

from __future__ import annotations

import enum
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

import cv2
import numpy as np

log = logging.getLogger(__name__)

VIDEO_SUFFIXES = frozenset({".mp4", ".avi", ".gif", ".mkv", ".mov", ".m4v", ".webm", ".mjpeg"})
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"})
URL_SCHEMES = frozenset({"rtsp", "rtsps", "rtmp", "http", "https"})
_USB = re.compile(r"^(?:usb:)?(\d{1,2})$")

DEFAULT_FOLDER_FPS = 10.0


class SourceError(Exception):
    """A source that cannot be opened or read; the message is one line for a person."""


class SourceKind(enum.StrEnum):
    FILE = "file"
    FOLDER = "folder"
    USB = "usb"
    URL = "url"


@dataclass(frozen=True, slots=True)
class SourceSpec:
    kind: SourceKind
    target: str  # path, URL, or the USB index as text

    @property
    def live(self) -> bool:
        """Cameras (USB, network) run in real time; files and folders can be read at any pace."""
        return self.kind in (SourceKind.USB, SourceKind.URL)

    @property
    def usb_index(self) -> int:
        return int(self.target)

    def describe(self) -> str:
        """The source for messages and logs, with any password in a URL masked."""
        if self.kind is SourceKind.URL:
            return mask_credentials(self.target)
        if self.kind is SourceKind.USB:
            return f"usb:{self.target}"
        return self.target


def mask_credentials(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    netloc = f"{parts.username}:***@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def parse_source(text: str) -> SourceSpec:
    """``usb:0`` or ``0`` -> USB camera; ``rtsp://`` / ``http(s)://`` -> URL; else a path."""
    raw = text.strip()
    if not raw:
        raise SourceError("the camera source is empty")
    m = _USB.match(raw)
    if m and not Path(raw).exists():
        return SourceSpec(SourceKind.USB, m.group(1))
    scheme = urlsplit(raw).scheme.lower()
    if scheme in URL_SCHEMES:
        if not urlsplit(raw).hostname:
            raise SourceError(f"{mask_credentials(raw)}: the URL has no host")
        return SourceSpec(SourceKind.URL, raw)
    if scheme and len(scheme) > 1 and "://" in raw:
        raise SourceError(f"{mask_credentials(raw)}: unsupported URL scheme {scheme!r}")
    path = Path(raw).expanduser()
    if path.is_dir():
        return SourceSpec(SourceKind.FOLDER, str(path))
    if path.is_file():
        return SourceSpec(SourceKind.FILE, str(path))
    raise SourceError(f"{raw}: no such file or folder")


class FrameReader(Protocol):
    """A synchronous source of BGR frames."""

    @property
    def fps(self) -> float | None:
        """Nominal frames per second, when the source says."""
        ...

    def read(self) -> np.ndarray | None:
        """The next frame; None at the end of a file or when a live stream fails."""
        ...

    def close(self) -> None: ...


class VideoReader:
    """OpenCV VideoCapture on a file, a USB index or a URL, with short timeouts for URLs."""

    def __init__(
        self, spec: SourceSpec, *, open_timeout_s: float = 5.0, read_timeout_s: float = 5.0
    ) -> None:
        self.spec = spec
        ms = [
            cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
            int(open_timeout_s * 1000),
            cv2.CAP_PROP_READ_TIMEOUT_MSEC,
            int(read_timeout_s * 1000),
        ]
        try:
            if spec.kind is SourceKind.USB:
                cap = cv2.VideoCapture(spec.usb_index, cv2.CAP_ANY, ms)
            elif spec.kind is SourceKind.URL:
                cap = cv2.VideoCapture(spec.target, cv2.CAP_FFMPEG, ms)
            else:
                cap = cv2.VideoCapture(spec.target, cv2.CAP_FFMPEG)
        except cv2.error as exc:
            raise SourceError(f"{spec.describe()}: cannot open ({_first_line(exc)})") from None
        if not cap.isOpened():
            cap.release()
            raise SourceError(_open_failure(spec))
        self._cap = cap
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        self._fps = fps if 0.5 <= fps <= 240 else None
        # Prove that frames decode: a corrupt file often opens and then yields nothing.
        self._first: np.ndarray | None = self._grab()
        if self._first is None:
            cap.release()
            if spec.live:
                raise SourceError(f"{spec.describe()}: opened, but no frame arrived in time")
            raise SourceError(f"{spec.describe()}: no frame could be decoded (corrupt file?)")

    @property
    def fps(self) -> float | None:
        return self._fps

    def _grab(self) -> np.ndarray | None:
        try:
            ok, frame = self._cap.read()
        except cv2.error as exc:
            log.warning("%s: read failed: %s", self.spec.describe(), _first_line(exc))
            return None
        if not ok or frame is None or frame.size == 0:
            return None
        if frame.ndim == 2:
            frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
        return np.asarray(frame)

    def read(self) -> np.ndarray | None:
        if self._first is not None:
            frame, self._first = self._first, None
            return frame
        return self._grab()

    def close(self) -> None:
        self._cap.release()


class FolderReader:
    """The images of a folder in name order, as a video at ``fps`` frames per second."""

    def __init__(self, spec: SourceSpec, *, fps: float = DEFAULT_FOLDER_FPS) -> None:
        self.spec = spec
        folder = Path(spec.target)
        self._files = sorted(
            p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
        )
        if not self._files:
            raise SourceError(f"{folder}: the folder has no images ({', '.join(IMAGE_SUFFIXES)})")
        self._next = 0
        self._fps = fps

    @property
    def fps(self) -> float | None:
        return self._fps

    def read(self) -> np.ndarray | None:
        if self._next >= len(self._files):
            return None
        path = self._files[self._next]
        self._next += 1
        data = np.fromfile(str(path), dtype=np.uint8)  # works with non-ASCII paths on Windows
        frame = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
        if frame is None:
            raise SourceError(f"{path}: the image cannot be decoded (corrupt file?)")
        return np.asarray(frame)

    def close(self) -> None:
        self._next = len(self._files)


def open_reader(
    spec: SourceSpec,
    *,
    open_timeout_s: float = 5.0,
    read_timeout_s: float = 5.0,
    folder_fps: float = DEFAULT_FOLDER_FPS,
) -> FrameReader:
    """Open a source; raises :class:`SourceError` with a one-line reason."""
    if spec.kind is SourceKind.FOLDER:
        return FolderReader(spec, fps=folder_fps)
    if spec.kind is SourceKind.FILE:
        path = Path(spec.target)
        if not path.is_file():
            raise SourceError(f"{spec.target}: no such file")
        if path.stat().st_size == 0:
            raise SourceError(f"{spec.target}: the file is empty")
        if path.suffix.lower() in IMAGE_SUFFIXES:
            raise SourceError(f"{spec.target}: a single image; give its folder instead")
    return VideoReader(spec, open_timeout_s=open_timeout_s, read_timeout_s=read_timeout_s)


def _open_failure(spec: SourceSpec) -> str:
    if spec.kind is SourceKind.URL:
        return f"{spec.describe()}: the stream did not answer (unreachable, wrong path or refused)"
    if spec.kind is SourceKind.USB:
        return f"{spec.describe()}: no camera at this index (or it is in use)"
    return f"{spec.describe()}: OpenCV cannot decode this file (corrupt or not a video)"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[-1] if text else type(exc).__name__
