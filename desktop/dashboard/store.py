"""DashboardStore: which window, machine, metric and product the dashboard shows, and the
latest snapshot, read on the runner's query pool (never on the GUI thread).

One read at a time: a request that comes while a read runs is remembered and made once the read
returns, so a slow read never overwrites a newer one. Change events from other seats (and this
one) ask for a refresh at most once per ``throttle_ms``, or per four read times when reads are
slow (a busy simulator must not keep a seat reading all the time); a timer refreshes every
minute so the window follows the clock when nothing changes.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.context import DesktopContext
from desktop.messages import describe
from domain.events import ChangeEvent, Topic
from services.dashboard.dtos import DashboardSnapshot, Window
from services.dashboard.snapshot import DEFAULT_METRIC, last_hours, read_snapshot

log = logging.getLogger(__name__)

REFRESH_MS = 60_000
THROTTLE_MS = 2_000
# topics that never change a figure the dashboard shows
IGNORED_TOPICS = frozenset({Topic.USER, Topic.CAMERA, Topic.ZONE})

WINDOWS: tuple[tuple[str, float], ...] = (
    ("Last 8 hours", 8.0),
    ("Last 24 hours", 24.0),
    ("Last 7 days", 24.0 * 7),
)


@dataclass(frozen=True)
class DashboardQuery:
    hours: float = 24.0
    machine_id: str | None = None
    metric: str = DEFAULT_METRIC
    product_id: str | None = None


class DashboardStore(QObject):
    snapshot_changed = Signal(object)  # DashboardSnapshot
    loading_changed = Signal(bool)
    failed = Signal(str)  # a sentence for people

    def __init__(
        self,
        ctx: DesktopContext,
        parent: QObject | None = None,
        *,
        throttle_ms: int = THROTTLE_MS,
        refresh_ms: int = REFRESH_MS,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.query = DashboardQuery()
        self.snapshot: DashboardSnapshot | None = None
        self.reads = 0  # finished reads (tests and the status line)
        self._reading = False
        self._again = False
        self._started = 0.0
        self.throttle_ms = throttle_ms
        self.last_read_s = 0.0
        self._throttle = QTimer(self)
        self._throttle.setSingleShot(True)
        self._throttle.setInterval(throttle_ms)
        self._throttle.timeout.connect(self.reload)
        self._refresh = QTimer(self)
        self._refresh.setInterval(refresh_ms)
        self._refresh.timeout.connect(self.reload)
        ctx.hub.changed.connect(self._on_hub_changed)

    def start(self) -> None:
        self.reload()
        self._refresh.start()

    def stop(self) -> None:
        self._refresh.stop()
        self._throttle.stop()

    def window(self) -> Window:
        return last_hours(self.ctx.app.clock.now(), self.query.hours)

    def set_query(self, **changes: object) -> None:
        query = replace(self.query, **changes)  # type: ignore[arg-type]
        if query != self.query:
            self.query = query
            self.reload()

    def reload(self) -> None:
        if self._reading:
            self._again = True
            return
        self._reading = True
        self._started = time.monotonic()
        self.loading_changed.emit(True)
        q = self.query
        job = self.ctx.runner.query(
            read_snapshot,
            self.ctx.app,
            self.window(),
            machine_id=q.machine_id,
            metric=q.metric,
            product_id=q.product_id,
            name="dashboard",
            owner=self,
        )
        job.on_success(self._apply).on_failure(self._failed).on_finished(self._read_done)

    def _apply(self, snap: DashboardSnapshot) -> None:
        self.last_read_s = time.monotonic() - self._started
        self.snapshot = snap
        self.reads += 1
        self.snapshot_changed.emit(snap)

    def _failed(self, exc: BaseException) -> None:
        self.failed.emit(describe(exc))

    def _read_done(self) -> None:
        self._reading = False
        self.loading_changed.emit(False)
        if self._again:
            self._again = False
            self.reload()

    def _on_hub_changed(self, events: list[ChangeEvent]) -> None:
        if any(e.topic not in IGNORED_TOPICS for e in events) and not self._throttle.isActive():
            self._throttle.start(max(self.throttle_ms, int(4_000 * self.last_read_s)))
