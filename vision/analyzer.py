"""One analysed frame: detect -> track -> zones -> activity -> presence rules -> observation.

:class:`FrameAnalyzer` is synchronous and keeps the per-camera state (tracker, motion history,
zone presence, alert episodes). The offline analysis and the live pipeline both drive it.

Zones can be replaced while a camera runs (:meth:`FrameAnalyzer.set_zones`, from any thread):
the new polygons apply from the next frame; visits in zones that stay (same id) go on, and
people in a zone that was removed or deactivated are seen leaving it (their visits close
after the grace period, like any exit), so no session is left open.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from domain.model.vision import ActivityState, Zone
from domain.rules.zone_alerts import ZoneAlertWatch
from domain.rules.zone_presence import PresenceEvent, PresenceRules, TrackSample, ZonePresence
from vision.activity import MotionMeter, MotionSettings
from vision.detect import Detector
from vision.track import Track, Tracker
from vision.types import (
    FrameObservation,
    TrackedPerson,
    VisitProgress,
    ZoneAlert,
    ZoneCount,
    ZoneEvent,
)
from vision.zones import Anchor, ZoneGeometry, anchor_points


@dataclass(frozen=True, slots=True)
class AnalyzerSettings:
    presence: PresenceRules = field(default_factory=PresenceRules)
    motion: MotionSettings = field(default_factory=MotionSettings)
    anchor: Anchor = Anchor.BOTTOM_CENTRE
    alert_hold_s: float = 5.0


def zone_event(e: PresenceEvent) -> ZoneEvent:
    return ZoneEvent(
        kind=e.kind,
        zone_id=e.zone_id,
        track_id=e.track_id,
        at_s=e.at,
        reported_s=e.reported_at,
        dwell_s=e.dwell_s,
        active_s=e.active_s,
        idle_s=e.idle_s,
        completed=e.completed,
    )


class FrameAnalyzer:
    """The analysis state of one camera."""

    def __init__(
        self,
        camera_id: str,
        zones: Sequence[Zone],
        detector: Detector,
        tracker: Tracker,
        settings: AnalyzerSettings | None = None,
    ) -> None:
        self.camera_id = camera_id
        self.settings = settings or AnalyzerSettings()
        self.zones = [z for z in zones if z.active]
        self._by_id = {z.id: z for z in self.zones}
        self.geometry = ZoneGeometry(self.zones)
        self.detector = detector
        self.tracker = tracker
        self.motion = MotionMeter(self.settings.motion)
        self.presence = ZonePresence(self.geometry.ids, self.settings.presence)
        self.alerts = ZoneAlertWatch(self.zones, hold_s=self.settings.alert_hold_s)
        self.last_t: float | None = None
        self._zones_lock = threading.Lock()
        self._pending_zones: list[Zone] | None = None
        self._retiring: dict[str, float | None] = {}  # removed zone -> when it was removed

    # -- zones while running -------------------------------------------------------------

    def set_zones(self, zones: Sequence[Zone]) -> None:
        """Use ``zones`` from the next analysed frame on (thread-safe, no restart)."""
        with self._zones_lock:
            self._pending_zones = [z for z in zones if z.active]

    def _apply_pending_zones(self) -> None:
        with self._zones_lock:
            pending, self._pending_zones = self._pending_zones, None
        if pending is None:
            return
        new_ids = tuple(z.id for z in pending)
        for zone_id in self.presence.zone_ids:
            if zone_id not in new_ids and zone_id not in self._retiring:
                self._retiring[zone_id] = None  # dated on the next frame
        for zone_id in new_ids:
            self._retiring.pop(zone_id, None)
        self.zones = pending
        self._by_id = {z.id: z for z in pending}
        self.geometry = ZoneGeometry(pending)
        # removed zones stay known to the presence rules until everybody has left them
        self.presence.zone_ids = new_ids + tuple(self._retiring)
        self.alerts.zones = dict(self._by_id)  # alert episodes of the zones that stay go on

    def _drop_retired(self, t: float) -> None:
        """Forget removed zones once the grace period has closed every visit in them."""
        if not self._retiring:
            return
        grace = self.settings.presence.grace_s
        for zone_id, since in list(self._retiring.items()):
            if since is None:
                self._retiring[zone_id] = t
            elif t - since >= grace and not self.presence.members(zone_id):
                del self._retiring[zone_id]
        self.presence.zone_ids = self.geometry.ids + tuple(self._retiring)

    @property
    def retiring_zones(self) -> tuple[str, ...]:
        """Removed zones whose last visits are still being closed."""
        return tuple(self._retiring)

    def analyse(
        self, frame: np.ndarray, *, t: float, at: datetime, frame_index: int
    ) -> FrameObservation:
        self._apply_pending_zones()
        h, w = frame.shape[:2]
        dets = self.detector.detect(frame)
        tracks = self.tracker.update(dets, frame, t)
        boxes = np.array([tr.box for tr in tracks], dtype=np.float64).reshape(-1, 4)
        anchors = anchor_points(boxes, w, h, self.settings.anchor)
        in_zones = self.geometry.zones_at(anchors)
        motion = self.motion.update(frame, {tr.track_id: tr.box for tr in tracks}, t)
        samples: dict[int, TrackSample] = {}
        for tr, zones in zip(tracks, in_zones, strict=True):
            state = motion[tr.track_id][1]
            active = None if state is ActivityState.UNKNOWN else state is ActivityState.ACTIVE
            samples[tr.track_id] = TrackSample(zones, active)
        events = self.presence.update(t, samples)
        self._drop_retired(t)
        self.last_t = t
        return self._observation(
            frame_index, t, at, w, h, tracks, anchors, in_zones, motion, events
        )

    def finish(self, t: float | None = None) -> tuple[ZoneEvent, ...]:
        """End of the stream: close the visits still open (marked not completed)."""
        return tuple(zone_event(e) for e in self.presence.finish(t))

    def _observation(
        self,
        frame_index: int,
        t: float,
        at: datetime,
        w: int,
        h: int,
        tracks: Sequence[Track],
        anchors: np.ndarray,
        in_zones: list[frozenset[str]],
        motion: dict[int, tuple[float, ActivityState]],
        events: list[PresenceEvent],
    ) -> FrameObservation:
        persons: list[TrackedPerson] = []
        for tr, anchor, zones in zip(tracks, anchors, in_zones, strict=True):
            tid = tr.track_id
            score, state = motion[tid]
            persons.append(
                TrackedPerson(
                    track_id=tid,
                    box=tr.box,
                    confidence=tr.conf,
                    anchor=(float(anchor[0]), float(anchor[1])),
                    in_zones=tuple(z for z in self.geometry.ids if z in zones),
                    counted_in=self.presence.zones_of(tid),
                    state=state,
                    motion=round(score, 4),
                )
            )
        members = {z: self.presence.members(z) for z in self.geometry.ids}
        counts = tuple(
            ZoneCount(z, len(m), self._by_id[z].staffing(len(m))) for z, m in members.items()
        )
        alerts = tuple(
            ZoneAlert(a.alert_type, a.zone_id, a.at, a.message, a.track_id)
            for a in self.alerts.update(t, members, self.motion.idle_since())
        )
        visits = tuple(
            VisitProgress(v.zone_id, v.track_id, v.entered_at, v.active_s, v.idle_s)
            for v in self.presence.open_visits()
        )
        return FrameObservation(
            camera_id=self.camera_id,
            frame_index=frame_index,
            t=t,
            at=at,
            width=w,
            height=h,
            persons=tuple(persons),
            events=tuple(zone_event(e) for e in events),
            counts=counts,
            alerts=alerts,
            open_visits=visits,
        )
