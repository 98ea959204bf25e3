"""``takt vision-worker``: a camera host in its own process, sharing the cameras by leases.

The loop: renew the leases (heartbeat), hand the host the cameras this worker owns, stop and
release the ones above its fair share, take over cameras of workers that died. The host
writes observations through the store and publishes them on the change feed; zone and camera
changes reach it through the feed. :meth:`VisionWorker.run` returns when ``stop`` is set (the
CLI sets it on Ctrl+C or SIGTERM); a clean stop writes what was observed and releases every
lease at once, so other workers need not wait for the lease to expire.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from domain.auth import Actor, Role
from services.bootstrap import App
from services.errors import ServiceError
from services.messaging.feed import ChangeSubscriber
from services.vision.host import CameraHost
from services.vision.leases import CameraLeases, LeaseRound, LeaseSettings
from services.vision.store import StoreSettings, StoreTotals
from vision.analyzer import AnalyzerSettings
from vision.detect import Detector

log = logging.getLogger(__name__)


@dataclass(slots=True)
class WorkerReport:
    worker_id: str
    started_at: float
    rounds: int = 0
    taken: list[str] = field(default_factory=list)  # every camera taken, in order
    released: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    owned: tuple[str, ...] = ()
    frames: dict[str, int] = field(default_factory=dict)  # analysed frames per camera
    store: StoreTotals | None = None
    lease_errors: int = 0
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return {
            "worker_id": self.worker_id,
            "seconds": round(time.monotonic() - self.started_at, 1),
            "rounds": self.rounds,
            "owned_at_exit": list(self.owned),
            "taken": self.taken,
            "released": self.released,
            "lost": self.lost,
            "frames_analysed": self.frames,
            "records": asdict(self.store) if self.store else None,
            "lease_errors": self.lease_errors,
            "error": self.error,
        }


class VisionWorker:
    def __init__(
        self,
        app: App,
        worker_id: str,
        *,
        lease: LeaseSettings | None = None,
        model_path: Path | None = None,
        imgsz: int = 320,
        blur: bool = False,
        detector: Detector | None = None,
        analyzer_settings: AnalyzerSettings | None = None,
        store_settings: StoreSettings | None = None,
        poll_interval: float = 2.0,
    ) -> None:
        self.app = app
        self.worker_id = worker_id
        self.actor = Actor(user="system", role=Role.ADMIN, seat=worker_id[:64], source="vision")
        self.leases = CameraLeases(app, self.actor, worker_id, lease)
        self.host = CameraHost(
            app,
            self.actor,
            model_path=model_path,
            imgsz=imgsz,
            persist=True,
            camera_ids=[],
            blur=blur,
            detector=detector,
            analyzer_settings=analyzer_settings,
            store_settings=store_settings,
        )
        self.poll_interval = poll_interval
        self.report = WorkerReport(worker_id, time.monotonic())
        self._subscriber: ChangeSubscriber | None = None

    def run(self, stop: threading.Event, *, release: bool = True) -> WorkerReport:
        """Work until ``stop`` is set; ``release=False`` leaves the leases to expire (tests
        use it to play a worker that died)."""
        settings = self.leases.settings
        self.host.start()
        try:
            self._subscriber = self.app.subscribe(
                self.host.apply_changes, poll_interval=self.poll_interval
            )
        except ServiceError as exc:
            log.warning("worker %s: no change feed (%s); zones follow on restart", self.worker_id,
                        exc)  # fmt: skip
        last_ok = time.monotonic()
        try:
            while not stop.is_set():
                try:
                    round_ = self.leases.renew()
                except ServiceError as exc:
                    self.report.lease_errors += 1
                    log.warning("worker %s: leases not renewed: %s", self.worker_id, exc)
                    if time.monotonic() - last_ok > settings.ttl_s:
                        self.host.set_camera_ids([])  # others may own them by now
                        self.report.owned = ()
                    stop.wait(settings.heartbeat_s)
                    continue
                last_ok = time.monotonic()
                self._apply(round_, stop)
                stop.wait(settings.heartbeat_s)
        finally:
            self._finish(release)
        return self.report

    def _apply(self, r: LeaseRound, stop: threading.Event) -> None:
        rep = self.report
        rep.rounds += 1
        rep.taken.extend(r.taken)
        rep.lost.extend(r.lost)
        keep = [c for c in r.owned if c not in r.surplus]
        self.host.set_camera_ids(keep)
        rep.owned = tuple(keep)
        if r.surplus:
            deadline = time.monotonic() + 20.0
            while set(self.host.camera_ids()) & set(r.surplus) and time.monotonic() < deadline:
                if stop.wait(0.1):
                    break
            self.host.flush()  # their last records are in before another worker starts them
            self.leases.release(r.surplus)
            rep.released.extend(r.surplus)

    def _finish(self, release: bool) -> None:
        if self._subscriber is not None:
            self._subscriber.stop()
        for cid in self.host.camera_ids():
            try:
                h = self.host.camera(cid).health()
            except Exception:  # noqa: BLE001 (removed meanwhile)
                continue
            self.report.frames[cid] = self.report.frames.get(cid, 0) + h.frames_analysed
        self.host.stop()
        self.report.store = self.host.store.totals if self.host.store else None
        self.report.error = self.host.error
        if release:
            try:
                self.leases.release_all()
            except ServiceError as exc:
                log.warning("worker %s: leases not released (they expire): %s", self.worker_id,
                            exc)  # fmt: skip
