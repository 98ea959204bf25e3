"""One camera's observations, gathered in memory between two writes to the database.

The analysis thread calls :meth:`CameraRecording.observe` (and :meth:`frame`) for every
analysed frame: cheap, in memory, under a short lock. The store's writer thread calls
:meth:`drain` every few seconds and writes what it got in one transaction. The recorder of
:mod:`vision.recorder` does the slicing; what it hands out is moved here and forgotten there,
so a camera that runs for weeks does not grow.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

import numpy as np

from domain.model.vision import Camera, DaySchedule, TimeLog, WorkSession, Zone
from vision.recorder import ObservationRecorder, ZoneStats
from vision.types import BoxXYXY, FrameObservation, SourceHealth, ZoneAlert, ZoneCount

ScheduleLookup = Callable[[datetime], DaySchedule | None]
HealthProbe = Callable[[], SourceHealth]

MAX_PENDING_ALERTS = 200  # per camera between two writes: a storm is cut, not queued forever


@dataclass(slots=True)
class PendingAlert:
    camera_id: str
    alert: ZoneAlert
    zone: Zone | None
    at: datetime
    count: int | None
    boxes: tuple[BoxXYXY, ...]
    image: np.ndarray | None = None  # the unmasked frame (read-only), for the snapshot


@dataclass(frozen=True, slots=True)
class Summary:
    """What other seats hear about a camera at a low rate (Topic.VISION)."""

    camera_id: str
    at: datetime
    persons: int
    counts: tuple[ZoneCount, ...]
    health: SourceHealth | None


@dataclass(slots=True)
class Batch:
    """Drained records of one or more cameras, ready for one transaction."""

    time_logs: list[tuple[str, TimeLog]] = field(default_factory=list)  # (run id, log)
    sessions: dict[str, WorkSession] = field(default_factory=dict)  # db id -> newest copy
    alerts: list[PendingAlert] = field(default_factory=list)
    summaries: dict[str, Summary] = field(default_factory=dict)

    def empty(self) -> bool:
        return not (self.time_logs or self.sessions or self.alerts or self.summaries)

    def merge(self, newer: Batch) -> None:
        self.time_logs.extend(newer.time_logs)
        self.sessions.update(newer.sessions)
        self.alerts.extend(newer.alerts)
        self.summaries.update(newer.summaries)


class CameraRecording:
    """The in-memory side of one run of one camera (a new run after every restart)."""

    def __init__(
        self,
        camera: Camera,
        zones: Sequence[Zone],
        *,
        run_id: str,
        log_interval_s: float,
        schedule_for: ScheduleLookup,
        health: HealthProbe | None = None,
    ) -> None:
        self.camera = camera
        self.run_id = run_id
        self.health = health
        self._schedule_for = schedule_for
        self._lock = threading.Lock()
        self._zones = {z.id: z for z in zones}
        self._recorder = ObservationRecorder(camera.id, zones, log_interval_s=log_interval_s)
        self._open: dict[str, WorkSession] = {}  # db id -> the recorder's (mutable) session
        self._alerts: list[PendingAlert] = []
        self._alerts_cut = 0
        self._alert_obs: FrameObservation | None = None
        self._last: FrameObservation | None = None
        self._closed = False
        self.frames = 0

    # -- the analysis thread ---------------------------------------------------------------

    def observe(self, obs: FrameObservation) -> None:
        with self._lock:
            rec = self._recorder
            schedule = self._schedule_for(obs.at)
            if schedule is not rec.schedule:
                rec.schedule = schedule  # a new day (or its schedule arrived)
            rec.feed(obs)
            self._last = obs
            self.frames += 1
            for alert in obs.alerts:
                if len(self._alerts) >= MAX_PENDING_ALERTS:
                    self._alerts_cut += 1
                    continue
                count = next((c.count for c in obs.counts if c.zone_id == alert.zone_id), None)
                self._alerts.append(
                    PendingAlert(
                        self.camera.id,
                        alert,
                        self._zones.get(alert.zone_id),
                        obs.at,
                        count,
                        tuple(p.box for p in obs.persons),
                    )
                )
            self._alert_obs = obs if obs.alerts else None

    def frame(self, obs: FrameObservation, image: np.ndarray) -> None:
        """The unmasked frame of ``obs``; kept only when ``obs`` raised alerts (snapshots)."""
        with self._lock:
            if obs is not self._alert_obs:
                return
            for pending in self._alerts:
                if pending.image is None and pending.at == obs.at:
                    pending.image = image

    def set_zones(self, zones: Sequence[Zone]) -> None:
        with self._lock:
            self._zones = {z.id: z for z in zones}
            for z in zones:
                self._recorder.stats.setdefault(z.id, ZoneStats(z.id, z.name))

    def close(self) -> None:
        """The camera stopped: the next drain is the last one."""
        with self._lock:
            self._closed = True

    @property
    def closed(self) -> bool:
        with self._lock:
            return self._closed

    # -- the writer thread -----------------------------------------------------------------

    def session_id(self, recorder_id: str) -> str:
        """Session ids are unique across runs (track ids start again at 1 after a restart)."""
        return f"{self.run_id}:{recorder_id}"

    def drain(self) -> Batch:
        with self._lock:
            rec = self._recorder
            batch = Batch()
            batch.time_logs = [(self.run_id, t) for t in rec.time_logs]
            rec.time_logs = []
            for s in rec.sessions:
                db_id = self.session_id(s.id)
                batch.sessions[db_id] = replace(s, id=db_id)
                if s.exit_time is None:
                    self._open[db_id] = s
            rec.sessions = []
            for db_id, s in list(self._open.items()):
                if s.exit_time is not None:
                    batch.sessions[db_id] = replace(s, id=db_id)
                    del self._open[db_id]
            # what the offline summary keeps: not needed here, and it would grow for ever
            rec.alerts.clear()
            rec.track_ids.clear()
            for st in rec.stats.values():
                st.visits.clear()
            batch.alerts, self._alerts = self._alerts, []
            if self._last is not None:
                batch.summaries[self.camera.id] = Summary(
                    self.camera.id,
                    self._last.at,
                    self._last.person_count,
                    self._last.counts,
                    None,
                )
            return batch

    def take_cut_alerts(self) -> int:
        with self._lock:
            n, self._alerts_cut = self._alerts_cut, 0
            return n
