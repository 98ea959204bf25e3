"""CameraHost: every camera of the database analysed live in this process.

One :class:`~vision.pipeline.LivePipeline` per camera (capture thread + analysis thread), one
loaded detector shared by all of them (on a 2-core machine one model taking turns beats one
model per camera: see benchmarks/vision.py), observations handed to the
:class:`~services.vision.store.VisionStore` when ``persist`` is on. The desktop's camera wall
and ``takt vision-worker`` both run it.

For each camera the host exposes a :class:`CameraRuntime`: the domain camera, its zones, the
newest frame with its observation (``latest``, a :class:`~vision.latest.LatestValue` that
stays the same object across restarts of the camera), health and zone states. A camera that
cannot be opened gets an ``error`` and is retried with backoff; it never stops the others.

Changes arrive as change events (:meth:`CameraHost.apply_changes`, thread-safe, never blocks):
new zones are handed to the running analysis (no restart), cameras are added, removed, or
restarted when their source changed. All database reads and camera opening happen in the
host's own supervisor thread, never in the caller's (the GUI thread may call every method).

Privacy: watching live video is a role permission (``Permission.VIEW_LIVE_VIDEO``). For an
actor without it, ``latest`` holds a blank frame of the camera's size under the observation
(counts and overlays, no picture). ``blur`` (or the site's policy) pixelates people in the
shown frames and in alert snapshots. On a site where vision workers own the cameras, the
desktop's host runs with ``defer_to_workers``: it shows every camera but records only those no
live worker holds, so no observation is written twice.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from domain.auth import Actor, Permission
from domain.errors import NotFound
from domain.events import ChangeEvent, Topic
from services.bootstrap import App
from services.vision.catalogue import CameraSetup, read_setups
from services.vision.leases import cameras_held_by_workers
from services.vision.models import load_shared_detector
from services.vision.policy import POLICY_ID, VisionPolicy, read_policy
from services.vision.recording import CameraRecording
from services.vision.runtime import CameraRuntime
from services.vision.sources import camera_source
from services.vision.store import FlushReport, StoreSettings, VisionStore
from vision.analyzer import AnalyzerSettings
from vision.detect import Detector, SharedDetector
from vision.factory import build_analyzer
from vision.pipeline import LivePipeline
from vision.sources import mask_credentials

log = logging.getLogger(__name__)

__all__ = ["CameraHost", "CameraRuntime"]

Listener = Callable[[], None]


OWNERS_EVERY_S = 5.0  # how often a deferring host re-reads the workers' leases


class CameraHost:
    def __init__(
        self,
        app: App,
        actor: Actor,
        *,
        model_path: Path | None = None,
        imgsz: int = 320,
        persist: bool = True,
        camera_ids: Sequence[str] | None = None,
        blur: bool = False,
        detector: Detector | None = None,
        analyzer_settings: AnalyzerSettings | None = None,
        store_settings: StoreSettings | None = None,
        retry_s: float = 5.0,
        max_retry_s: float = 60.0,
        defer_to_workers: bool = False,
    ) -> None:
        """``detector``: an already loaded model to share (else ``model_path`` or the bundled
        one is loaded in the supervisor thread); ``camera_ids``: host only these cameras
        (see :meth:`set_camera_ids`), else every camera that is not inactive;
        ``defer_to_workers``: record only cameras no live vision worker holds (a desktop's
        host: it shows every camera, the workers record theirs; checked every
        ``OWNERS_EVERY_S``, a camera whose owner changes is restarted with or without its
        recording)."""
        self.app = app
        self.actor = actor
        self.model_path = model_path
        self.imgsz = imgsz
        self.persist = persist
        self.can_view_video = actor.can(Permission.VIEW_LIVE_VIDEO)
        self.analyzer_settings = analyzer_settings
        self.store_settings = store_settings
        self.retry_s = retry_s
        self.max_retry_s = max_retry_s
        self._blur_arg = blur
        self.policy = VisionPolicy()
        self.detector: Detector | None = (
            None
            if detector is None
            else detector
            if isinstance(detector, SharedDetector)
            else SharedDetector(detector, serial=False)
        )
        self.store: VisionStore | None = None
        self._wanted: list[str] | None = None if camera_ids is None else list(camera_ids)
        self._runtimes: dict[str, CameraRuntime] = {}
        self._cond = threading.Condition(threading.RLock())
        self._reload_cameras = True
        self._reload_zones = False
        self._reload_policy = False
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._listeners: list[Listener] = []
        self._error: str | None = None
        self.defer_to_workers = defer_to_workers
        self._worker_cameras: frozenset[str] = frozenset()
        self._owners_due = 0.0

    # -- the API ---------------------------------------------------------------------------

    @property
    def blur(self) -> bool:
        return self._blur_arg or self.policy.blur_people

    @property
    def error(self) -> str | None:
        """A failure of the whole host (no model, no database), or None."""
        with self._cond:
            return self._error

    def start(self) -> None:
        """Start the supervisor thread, which loads the model and opens the cameras."""
        if self._thread is not None:
            raise RuntimeError("the camera host was already started")
        self._thread = threading.Thread(target=self._run, name="camera-host", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 20.0) -> None:
        """Stop every camera, write what was observed, stop the threads (blocks a moment)."""
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("the camera host did not stop in %.0f s", timeout)

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Wait until the first load of the cameras is done (True) or the timeout passed."""
        return self._ready.wait(timeout)

    def camera_ids(self) -> list[str]:
        with self._cond:
            return sorted(self._runtimes)

    def camera(self, camera_id: str) -> CameraRuntime:
        with self._cond:
            rt = self._runtimes.get(camera_id)
        if rt is None:
            raise NotFound("camera", camera_id)
        return rt

    def apply_changes(self, events: Sequence[ChangeEvent]) -> None:
        """Follow zone, camera and policy changes (thread-safe, returns at once)."""
        zones = any(e.topic is Topic.ZONE for e in events)
        cams = any(e.topic is Topic.CAMERA for e in events)
        policy = any(
            e.topic is Topic.SYSTEM and e.kind == "settings_changed" and POLICY_ID in e.ids
            for e in events
        )
        if not (zones or cams or policy):
            return
        with self._cond:
            self._reload_zones |= zones
            self._reload_cameras |= cams
            self._reload_policy |= policy
            self._cond.notify_all()

    def set_camera_ids(self, camera_ids: Sequence[str] | None) -> None:
        """Host these cameras from now on (None: all); the vision worker's leases use this."""
        with self._cond:
            wanted = None if camera_ids is None else sorted(camera_ids)
            if wanted == self._wanted:
                return
            self._wanted = wanted
            self._reload_cameras = True
            self._cond.notify_all()

    def add_listener(self, listener: Listener) -> None:
        """``listener()`` runs in the host's thread after cameras, zones or errors changed."""
        with self._cond:
            self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        with self._cond:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def flush(self) -> FlushReport | None:
        """Write what the cameras observed so far now (tests; the store does it every few s)."""
        return self.store.flush() if self.store is not None else None

    # -- the supervisor thread -------------------------------------------------------------

    def _notify(self) -> None:
        with self._cond:
            listeners = list(self._listeners)
        for fn in listeners:
            try:
                fn()
            except Exception:  # a listener's failure is its own
                log.exception("camera host listener failed")

    def _set_error(self, error: str | None) -> None:
        with self._cond:
            changed = error != self._error
            self._error = error
        if changed:
            self._notify()

    def _setup(self) -> bool:
        """Policy, model and store; False (error set, retried) when something is missing."""
        from domain.errors import DomainError
        from services.errors import ServiceError
        from vision.detect import DetectorError

        try:
            self.policy = read_policy(self.app.engine)
            if self.detector is None:
                self.detector = load_shared_detector(self.model_path, self.imgsz)
            if self.persist and self.store is None:
                self.store = VisionStore(
                    self.app,
                    seat=self.actor.seat,
                    policy=self.policy,
                    settings=self.store_settings,
                    blur=self._blur_arg,
                )
                self.store.start()
        except (DetectorError, ServiceError, DomainError, OSError) as exc:
            self._set_error(str(getattr(exc, "message", None) or exc))
            log.error("camera host: %s", self._error)
            return False
        self._set_error(None)
        return True

    def _run(self) -> None:
        try:
            while not self._stop.is_set() and not self._setup():
                self._ready.set()  # ready, with an error to show
                self._stop.wait(self.retry_s)
            while not self._stop.is_set():
                with self._cond:
                    cams, zones, policy = (
                        self._reload_cameras,
                        self._reload_zones,
                        self._reload_policy,
                    )
                    self._reload_cameras = self._reload_zones = self._reload_policy = False
                if policy:
                    self._apply_policy()
                failed = (cams or zones) and not self._reload()
                self._ready.set()
                if failed:  # database unreachable: keep what runs, try again shortly
                    with self._cond:
                        self._reload_cameras |= cams
                        self._reload_zones |= zones
                    self._check_pipelines()
                    self._stop.wait(self.retry_s)
                    continue
                self._check_pipelines()
                with self._cond:
                    if not (self._reload_cameras or self._reload_zones or self._reload_policy):
                        self._cond.wait(0.5)
        except Exception:
            log.exception("camera host failed")
            self._set_error("the camera host failed (see the log)")
        finally:
            self._ready.set()
            self._shutdown()

    def _shutdown(self) -> None:
        with self._cond:
            runtimes = list(self._runtimes.values())
        for rt in runtimes:
            self._stop_runtime(rt)
        for rt in runtimes:
            rt.latest.close()
        if self.store is not None:
            self.store.stop()

    def _apply_policy(self) -> None:
        try:
            self.policy = read_policy(self.app.engine)
        except Exception as exc:  # noqa: BLE001 (keep the old policy; the log says why)
            log.warning("vision policy not re-read: %s", exc)
            return
        if self.store is not None:
            self.store.set_policy(self.policy)
            self.store.blur = self.blur
        with self._cond:
            runtimes = list(self._runtimes.values())
        for rt in runtimes:
            pipe = rt.pipeline
            if pipe is not None:
                pipe.blur = self.blur

    def _refresh_worker_cameras(self) -> bool:
        """Re-read which cameras live workers hold (when deferring); True if that changed."""
        if not self.defer_to_workers or self.store is None:
            return False
        self._owners_due = time.monotonic() + OWNERS_EVERY_S
        try:
            held = cameras_held_by_workers(self.app)
        except Exception:  # database down: keep the last known owners
            log.debug("camera host: worker leases not read", exc_info=True)
            return False
        changed = held != self._worker_cameras
        self._worker_cameras = held
        return changed

    def _records(self, camera_id: str) -> bool:
        return self.store is not None and camera_id not in self._worker_cameras

    def _reload(self) -> bool:
        with self._cond:
            wanted = None if self._wanted is None else list(self._wanted)
        self._refresh_worker_cameras()
        try:
            setups = read_setups(self.app.engine, wanted)
        except Exception as exc:  # noqa: BLE001 (database down: keep running what runs)
            self._set_error(f"cameras not read from the database: {exc}")
            log.warning("camera host: %s", self._error)
            return False
        self._set_error(None)
        fresh = {s.camera.id: s for s in setups}
        changed = False
        with self._cond:
            gone = [rt for cid, rt in self._runtimes.items() if cid not in fresh]
        for rt in gone:  # stopped first: camera_ids() lists a camera until it is stopped
            self._stop_runtime(rt)
            with self._cond:
                self._runtimes.pop(rt.camera.id, None)
            rt.latest.close()
            log.info("camera %s removed", rt.camera.id)
            changed = True
        for cid, setup in fresh.items():
            with self._cond:
                known = self._runtimes.get(cid)
            if known is None:
                rt = CameraRuntime(setup.camera, setup.zones)
                with self._cond:
                    self._runtimes[cid] = rt
                self._start_runtime(rt)
                changed = True
            else:
                changed |= self._update_runtime(known, setup)
        if changed:
            self._notify()
        return True

    def _update_runtime(self, rt: CameraRuntime, setup: CameraSetup) -> bool:
        old = rt.camera
        new = setup.camera
        restart = (old.source, old.loop, old.credential_ref) != (
            new.source,
            new.loop,
            new.credential_ref,
        )
        zones_changed = setup.zones != rt.zones
        with rt._lock:
            rt._camera = new
            rt._zones = setup.zones
            pipe, rec = rt._pipeline, rt._recording
        if restart:
            log.info("camera %s: the source changed, restarting", new.id)
            self._stop_runtime(rt)
            with rt._lock:
                rt._error, rt._failures, rt._final = None, 0, None
            self._start_runtime(rt)
            return True
        if zones_changed:
            log.info("camera %s: %d zone(s) now", new.id, len(setup.zones))
            if pipe is not None:
                pipe.set_zones(setup.zones)
            if rec is not None:
                rec.set_zones(setup.zones)
        return zones_changed or old != new

    def _start_runtime(self, rt: CameraRuntime) -> None:
        cam, zones = rt.camera, rt.zones
        assert self.detector is not None
        recording: CameraRecording | None = None
        try:
            analyzer = build_analyzer(
                cam.id, zones, detector=self.detector, settings=self.analyzer_settings
            )
            if self.store is not None and self._records(cam.id):
                recording = self.store.open_camera(cam, zones, health=rt.health)
            pipeline = LivePipeline(
                analyzer,
                camera_source(cam),
                loop=cam.loop,
                on_observation=recording.observe if recording else None,
                on_frame=recording.frame if recording else None,
                blur=self.blur,
                blank=not self.can_view_video,
                latest=rt.latest,
                wall_clock=self.app.clock.now,
            )
            pipeline.start()
        except Exception as exc:  # noqa: BLE001 (one bad camera never stops the others)
            if recording is not None:
                recording.close()
            message = str(getattr(exc, "message", None) or exc) or type(exc).__name__
            with rt._lock:
                rt._failures += 1
                delay = min(self.max_retry_s, self.retry_s * 2 ** (rt._failures - 1))
                rt._next_retry = time.monotonic() + delay
                rt._error = message
            log.warning("camera %s: %s (retry in %.0f s)", cam.id, mask_credentials(message),
                        delay)  # fmt: skip
            return
        with rt._lock:
            rt._pipeline, rt._recording = pipeline, recording
            rt._error, rt._final = None, None
        log.info("camera %s: analysing %s", cam.id, mask_credentials(cam.source))

    def _stop_runtime(self, rt: CameraRuntime) -> None:
        with rt._lock:
            pipe, rec = rt._pipeline, rt._recording
            if pipe is not None:
                rt._final = pipe.health()
            rt._pipeline = rt._recording = None
        if pipe is not None:
            pipe.stop()  # its closing events reach the recording before this returns
            with rt._lock:
                rt._final = pipe.health()
        if rec is not None:
            rec.close()

    def _check_pipelines(self) -> None:
        with self._cond:
            runtimes = list(self._runtimes.values())
        changed = False
        now = time.monotonic()
        if self.defer_to_workers and now >= self._owners_due and self._refresh_worker_cameras():
            for rt in runtimes:
                with rt._lock:
                    pipe, rec = rt._pipeline, rt._recording
                if pipe is not None and (rec is not None) != self._records(rt.camera.id):
                    log.info(
                        "camera %s: %s", rt.camera.id,
                        "a vision worker records it now" if rec is not None else "recording here",
                    )  # fmt: skip
                    self._stop_runtime(rt)
                    self._start_runtime(rt)
                    changed = True
        for rt in runtimes:
            with rt._lock:
                pipe, error, due = rt._pipeline, rt._error, rt._next_retry
            if pipe is not None and not pipe.running:
                health = pipe.health()
                self._stop_runtime(rt)
                if health.finished:
                    log.info("camera %s: the file ended", rt.camera.id)
                else:
                    with rt._lock:
                        rt._failures += 1
                        rt._error = health.last_error or "the analysis stopped"
                        delay = min(self.max_retry_s, self.retry_s * 2 ** (rt._failures - 1))
                        rt._next_retry = now + delay
                changed = True
            elif pipe is None and error is not None and now >= due and not self._stop.is_set():
                self._start_runtime(rt)
                changed = True
        if changed:
            self._notify()
