"""The camera wall dock: the wall, the seat's camera host behind it, the camera-moved watch.

The host starts the first time the wall is shown (and only when cameras are configured), and
stops when the main window closes; on the offscreen platform (smoke runs, the self-test) it
waits for the wall's Start button instead. A user without ``Permission.VIEW_LIVE_VIDEO`` sees the
zones, counts and people boxes on a blank background, not the picture.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDockWidget

from desktop.cameras.alignment_watch import AlignmentWatch
from desktop.cameras.host_link import HostFactory, HostLink, default_factory
from desktop.cameras.wall import CameraWall
from desktop.context import DesktopContext
from domain.auth import Permission
from services.zones import CameraSummary, ZoneService
from vision.alignment import AlignmentResult

log = logging.getLogger(__name__)


class CameraWallController(QObject):
    """Wires the wall to the host link, the change hub and the window's life cycle."""

    def __init__(
        self,
        ctx: DesktopContext,
        wall: CameraWall,
        link: HostLink,
        *,
        autostart: bool = True,
        alignment_interval_ms: int = 300_000,
    ) -> None:
        super().__init__(wall)
        self.ctx = ctx
        self.wall = wall
        self.link = link
        self.autostart = autostart
        self.requested = False
        self.closed = False
        self.watch = AlignmentWatch(
            ctx,
            link.camera_ids,
            link.latest_frame,
            interval_ms=alignment_interval_ms,
            parent=self,
        )
        link.started.connect(self._on_link_started)
        link.failed.connect(self._on_link_failed)
        link.changed.connect(self._on_link_changed)
        ctx.hub.changed.connect(link.on_hub_changed)
        self.watch.checked.connect(self._on_watch_checked)
        wall.installEventFilter(self)
        wall.start_button.clicked.connect(self.begin)
        wall.start_button.setVisible(not autostart)
        if not autostart:
            wall.status.setText("cameras not started (smoke run): Start cameras")
        elif wall.isVisible():
            self.begin()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and watched is self.wall and self.autostart:
            self.begin()
        elif event.type() == QEvent.Type.Close and watched is not self.wall:
            self.shutdown()  # the main window closes
        return False

    def begin(self) -> None:
        """Start the cameras once, if any are configured (checked off the GUI thread)."""
        if self.requested or self.closed:
            return
        self.requested = True
        self.wall.start_button.hide()
        self.wall.status.setText("looking for cameras…")
        self.ctx.runner.query(
            ZoneService(self.ctx.app).cameras, name="cameras.list", owner=self
        ).on_success(self._on_cameras).on_failure(self._on_link_failed)

    def _on_cameras(self, cameras: list[CameraSummary]) -> None:
        if self.closed:
            return
        running = [c for c in cameras if c.status != "inactive"]
        if not running:
            self.wall.set_source(None, "no cameras configured")
            return
        self.wall.status.setText(f"starting {len(running)} camera(s)…")
        self.link.start()

    def _on_link_started(self, host: Any) -> None:
        if self.closed:
            return
        self.wall.set_source(host, "starting the cameras…")
        self.wall.start()
        self.watch.start()

    def _on_link_failed(self, message: object) -> None:
        text = message if isinstance(message, str) else f"cameras: {message}"
        self.wall.set_source(None, text)

    def _on_link_changed(self) -> None:
        if not self.closed and self.link.host is not None:
            error = self.link.host_error()
            self.wall.set_source(self.link.host, f"cameras: {error}" if error else "")

    def _on_watch_checked(self, camera_id: str, result: AlignmentResult) -> None:
        tile = self.wall.tiles.get(camera_id)
        if tile is not None:
            tile.set_notice(
                "Camera moved since calibration: check its zones (zone editor)"
                if result.moved
                else None
            )

    def shutdown(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.wall.stop()
        self.watch.stop()
        self.wall.close_windows()
        self.link.stop()


def create_dock(
    ctx: DesktopContext,
    window: Any,
    *,
    factory: HostFactory | None = None,
    autostart: bool | None = None,
) -> QDockWidget:
    """``autostart``: start the cameras when the wall is first shown; by default not on the
    offscreen platform (smoke runs, ``takt --self-test``, tests), where a Start button waits."""
    if autostart is None:
        autostart = QGuiApplication.platformName() != "offscreen"
    wall = CameraWall(ctx.settings, ctx.seat, show_video=ctx.actor.can(Permission.VIEW_LIVE_VIDEO))
    wall.setObjectName("camera_wall")
    link = HostLink(ctx, factory or default_factory(ctx), parent=wall)
    controller = CameraWallController(ctx, wall, link, autostart=autostart)
    window.installEventFilter(controller)
    wall.controller = controller  # type: ignore[attr-defined]
    dock: QDockWidget = window.add_dock(
        "cameras", "Cameras", wall, Qt.DockWidgetArea.RightDockWidgetArea
    )
    return dock
