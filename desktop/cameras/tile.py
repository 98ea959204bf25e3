"""One camera tile: pulls the newest frame and observation when the wall's timer asks."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QRectF, Signal
from PySide6.QtGui import QAction, QContextMenuEvent, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QMenu, QSizePolicy, QWidget

from desktop.cameras.feeds import CameraFeed, raw_frames
from desktop.cameras.frames import FrameImage, frame_image
from desktop.cameras.overlay import IdleClock, ZoneStatus, zone_statuses
from desktop.cameras.painting import TileContent, ZoneLayer, paint_tile
from vision.rate import RateMeter
from vision.types import FrameObservation, SourceHealth


class CameraTile(QWidget):
    maximise_requested = Signal(str)  # camera id: toggle maximised
    detach_requested = Signal(str)
    attach_requested = Signal(str)
    synced_changed = Signal(str, bool)

    def __init__(
        self, feed: CameraFeed, *, show_video: bool = True, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setMinimumSize(160, 110)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.show_video = show_video
        self.detached = False
        self.maximised = False
        self.notice: str | None = None  # shown in a red band (camera moved)
        self.smooth = True  # bilinear scaling; the wall turns it off when tiles share the screen
        self.synced = False  # True: only analysed frames, boxes always on their own frame
        self.zone_layer = ZoneLayer()
        self.frames_painted = 0  # pictures actually drawn (the display frame rate's count)
        self.pictures_taken = 0  # new pictures pulled from the holders
        self._rate = RateMeter(window_s=3.0)
        self._feed: CameraFeed = feed
        self._raw: Any = None  # the capture's newest-frame slot we read last
        self._set_feed_state(feed)

    # -- feed --------------------------------------------------------------------------------
    def _set_feed_state(self, feed: CameraFeed) -> None:
        self._feed = feed
        self._view_seq = 0
        self._raw = None
        self._raw_seq = 0
        self._raw_frame_seq = 0
        self._image: FrameImage | None = None
        self._image_seq = 0
        self._painted_seq = 0
        self._obs: FrameObservation | None = None
        self._idle = IdleClock()
        self._statuses: list[ZoneStatus] = zone_statuses(None, feed.zones)
        self._health: SourceHealth | None = None
        self._error: str | None = None

    def set_feed(self, feed: CameraFeed) -> None:
        """A new runtime for the camera (the host restarted it)."""
        self._set_feed_state(feed)
        self.update()

    @property
    def feed(self) -> CameraFeed:
        return self._feed

    @property
    def camera_id(self) -> str:
        return self._feed.camera.id

    @property
    def title(self) -> str:
        return self._feed.camera.name

    @property
    def observation(self) -> FrameObservation | None:
        return self._obs

    @property
    def statuses(self) -> list[ZoneStatus]:
        return list(self._statuses)

    @property
    def image(self) -> FrameImage | None:
        return self._image

    @property
    def display_fps(self) -> float | None:
        return self._rate.rate()

    # -- pulled by the wall's timer ------------------------------------------------------------
    def pull(self) -> bool:
        """Take the newest values from the one-slot holders; True when something changed.

        Only ``get()`` (a peek under a lock): the GUI never waits on the analysis and never
        sees a queue; frames it had no time to show are simply never drawn.
        """
        changed = False
        new_frame = None
        # the capture's slot (a restart brings a new one); none when masked or synchronised
        raw = raw_frames(self._feed) if self.show_video and not self.synced else None
        if raw is not self._raw:
            self._raw, self._raw_seq = raw, 0
        seq, view = self._feed.latest.get()
        if view is not None and seq != self._view_seq:
            self._view_seq = seq
            obs = view.observation
            self._obs = obs
            self._statuses = zone_statuses(obs, self._feed.zones, self._idle.update(obs))
            changed = True
            if raw is None:
                new_frame = view.frame
        if raw is not None:
            raw_seq, captured = raw.get()
            if captured is not None and raw_seq != self._raw_seq:
                self._raw_seq = raw_seq
                self._raw_frame_seq = captured.seq
                new_frame = captured.image
        if new_frame is not None and self.show_video:
            self._image = frame_image(new_frame)
            self._image_seq += 1
            self.pictures_taken += 1
            changed = True
        if changed and self.isVisible():
            self.update()
        return changed

    def set_synced(self, synced: bool) -> None:
        """Show only analysed frames (smooth video off) or the capture's newest frame."""
        self.synced = synced
        self.synced_changed.emit(self.camera_id, synced)
        self.update()

    def set_notice(self, text: str | None) -> None:
        self.notice = text
        self.update()

    def refresh_health(self) -> None:
        self._health = self._feed.health()
        self._error = self._feed.error
        self.update()

    # -- Qt ----------------------------------------------------------------------------------
    def content(self) -> TileContent:
        return TileContent(
            title=self.title,
            image=self._image if self.show_video else None,
            show_video=self.show_video,
            observation=self._obs,
            zones=list(self._feed.zones),
            statuses=self._statuses,
            health=self._health,
            error=self._error,
            display_fps=self.display_fps,
            notice=self.notice,
            lag_frames=self.lag_frames,
        )

    @property
    def lag_frames(self) -> int:
        """Frames between the picture shown and the one the overlay was computed on."""
        if self._raw is None or self._obs is None or not self._raw_frame_seq:
            return 0
        return max(0, self._raw_frame_seq - self._obs.frame_index)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        try:
            paint_tile(
                p,
                QRectF(self.rect()),
                self.content(),
                selected=self.maximised,
                smooth=self.smooth,
                layer=self.zone_layer,
            )
        finally:
            p.end()
        key = self._image_seq if self.show_video else self._view_seq
        if key != self._painted_seq:
            self._painted_seq = key
            self.frames_painted += 1
            self._rate.tick(time.monotonic())

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.maximise_requested.emit(self.camera_id)
        event.accept()

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        menu = self.context_menu()
        menu.exec(event.globalPos())

    def context_menu(self) -> QMenu:
        menu = QMenu(self)
        cid = self.camera_id
        if not self.detached:
            act = QAction("Restore the wall" if self.maximised else "Maximise", menu)
            act.triggered.connect(lambda: self.maximise_requested.emit(cid))
            menu.addAction(act)
            sync = QAction("Analysed frames only (boxes on their own frame)", menu)
            sync.setCheckable(True)
            sync.setChecked(self.synced)
            sync.toggled.connect(self.set_synced)
            menu.addAction(sync)
            detach = QAction("Open in its own window (second monitor)", menu)
            detach.triggered.connect(lambda: self.detach_requested.emit(cid))
            menu.addAction(detach)
        else:
            attach = QAction("Back to the wall", menu)
            attach.triggered.connect(lambda: self.attach_requested.emit(cid))
            menu.addAction(attach)
        return menu
