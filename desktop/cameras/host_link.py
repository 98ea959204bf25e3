"""The seat's camera host (``services.vision.host.CameraHost``) seen from the GUI.

The host runs one capture thread and one analysis thread per camera, a supervisor thread
that loads the model and opens the cameras, and persists the observations. This link starts
it, hands it the zone and camera changes from the change hub (it picks new zones up without a
restart), turns its listener calls (from the host's thread) into a queued Qt signal, and stops
it when the main window closes. The zone editor asks it for a camera's newest frame
(:func:`live_link`).
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from desktop.change_hub import touches
from desktop.context import DesktopContext
from domain.errors import NotFound
from domain.events import ChangeEvent, Topic

log = logging.getLogger(__name__)

HostFactory = Callable[[], Any]

_links: weakref.WeakKeyDictionary[QObject, HostLink] = weakref.WeakKeyDictionary()


def live_link(ctx: DesktopContext) -> HostLink | None:
    """The camera link of this seat's window, when the camera wall is part of it."""
    return _links.get(ctx.hub)


def default_factory(ctx: DesktopContext) -> HostFactory | None:
    """``CameraHost(ctx.app, ctx.actor)``, or None when this build has no camera host."""
    try:
        from services.vision.host import CameraHost
    except ImportError as exc:
        log.info("no camera host in this build (%s)", exc)
        return None
    # the wall shows every camera; cameras a live vision worker holds are recorded there only
    return lambda: CameraHost(ctx.app, ctx.actor, defer_to_workers=True)


class HostLink(QObject):
    started = Signal(object)  # the host (a FeedSource); its cameras appear over time
    failed = Signal(str)
    changed = Signal()  # cameras, zones or errors changed in the host (queued to the GUI)

    def __init__(
        self,
        ctx: DesktopContext,
        factory: HostFactory | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._factory = factory
        self.host: Any = None
        self._closed = False
        self._listener = self.changed.emit  # one object, so that it can be removed again
        _links[ctx.hub] = self

    @property
    def available(self) -> bool:
        return self._factory is not None

    def start(self) -> None:
        """Start the host once (it opens the cameras in its own thread)."""
        if self.host is not None or self._closed:
            return
        if self._factory is None:
            self.failed.emit("no camera host in this build: the wall cannot show live cameras")
            return
        try:
            host = self._factory()
            add_listener = getattr(host, "add_listener", None)
            if add_listener is not None:
                add_listener(self._listener)  # from the host's thread: a queued signal
            host.start()
        except Exception as exc:  # shown on the wall
            log.exception("the camera host did not start")
            self.failed.emit(f"cameras could not start: {exc}")
            return
        self.host = host
        self.started.emit(host)

    @Slot(object)
    def on_hub_changed(self, events: list[ChangeEvent]) -> None:
        if self.host is not None and touches(events, Topic.ZONE, Topic.CAMERA, Topic.SYSTEM):
            self.host.apply_changes(events)  # thread-safe, returns at once

    def host_error(self) -> str | None:
        return getattr(self.host, "error", None) if self.host is not None else None

    def camera_ids(self) -> list[str]:
        return list(self.host.camera_ids()) if self.host is not None else []

    def latest_frame(self, camera_id: str) -> np.ndarray | None:
        """The newest analysed frame of a running camera (None when it is not running)."""
        if self.host is None:
            return None
        try:
            runtime = self.host.camera(camera_id)
        except (NotFound, KeyError):
            return None
        _, view = runtime.latest.get()
        return None if view is None else view.frame

    def stop(self) -> None:
        """Stop the host (blocks while its threads finish; the window is closing)."""
        self._closed = True
        host, self.host = self.host, None
        if host is not None:
            remove = getattr(host, "remove_listener", None)
            if remove is not None:
                remove(self._listener)
            host.stop()
        if _links.get(self.ctx.hub) is self:
            del _links[self.ctx.hub]
