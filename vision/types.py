"""What the vision pipeline emits: plain, immutable observations (no numpy views, no Qt).

One :class:`FrameObservation` per analysed frame carries the tracked people with their boxes,
ids, zone membership, activity and motion score, the zone events and alerts of that frame and
the live count per zone. Times are seconds on the stream clock (``t``) plus a wall-clock
``at`` for records. :class:`SourceHealth` describes a capture source.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.model.alerts import AlertType
from domain.model.vision import ActivityState
from domain.rules.zone_presence import PresenceEventKind

BoxXYXY = tuple[float, float, float, float]  # pixels: left, top, right, bottom


@dataclass(frozen=True, slots=True)
class TrackedPerson:
    track_id: int
    box: BoxXYXY
    confidence: float
    anchor: tuple[float, float]  # normalised 0..1 (bottom centre of the box by default)
    in_zones: tuple[str, ...]  # zones whose polygon holds the anchor on this frame (raw)
    counted_in: tuple[str, ...]  # zones that count this person (debounce/grace/min length)
    state: ActivityState
    motion: float  # smoothed share of changed pixels in the box, 0..1

    @property
    def box_xywh(self) -> tuple[float, float, float, float]:
        x1, y1, x2, y2 = self.box
        return (x1, y1, x2 - x1, y2 - y1)


@dataclass(frozen=True, slots=True)
class ZoneEvent:
    kind: PresenceEventKind
    zone_id: str
    track_id: int
    at_s: float  # when it happened (entry is dated from the first inside sample)
    reported_s: float  # when the rules confirmed it
    dwell_s: float | None = None
    active_s: float = 0.0
    idle_s: float = 0.0
    completed: bool = True  # False: the visit was cut by the end of the stream


@dataclass(frozen=True, slots=True)
class ZoneCount:
    zone_id: str
    count: int
    staffing: str  # "ok", "empty", "understaffed", "overflow" (domain Zone.staffing)


@dataclass(frozen=True, slots=True)
class ZoneAlert:
    alert_type: AlertType
    zone_id: str
    at_s: float
    message: str
    track_id: int | None = None


@dataclass(frozen=True, slots=True)
class VisitProgress:
    """A visit still going on, with the seconds committed to it so far."""

    zone_id: str
    track_id: int
    entered_s: float
    active_s: float
    idle_s: float


@dataclass(frozen=True, slots=True)
class FrameObservation:
    camera_id: str
    frame_index: int  # index in the source (files: frame number from 0)
    t: float  # seconds on the stream clock
    at: datetime
    width: int
    height: int
    persons: tuple[TrackedPerson, ...]
    events: tuple[ZoneEvent, ...] = ()
    counts: tuple[ZoneCount, ...] = ()
    alerts: tuple[ZoneAlert, ...] = ()
    open_visits: tuple[VisitProgress, ...] = ()

    @property
    def person_count(self) -> int:
        return len(self.persons)


@dataclass(frozen=True, slots=True)
class SourceHealth:
    source: str
    connected: bool
    source_fps: float | None  # frames per second the source delivers (measured, or nominal)
    analysed_fps: float | None  # frames per second the pipeline analysed
    frames_read: int
    frames_analysed: int
    dropped_frames: int  # stale frames replaced by a newer one before anybody analysed them
    reconnects: int
    last_frame_at: datetime | None
    last_error: str | None
    finished: bool = False  # a file source that reached its end (and does not loop)
