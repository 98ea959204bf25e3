"""Who is in which zone: debounce on entry, grace on exit, short tracks ignored.

A pure state machine fed with one sample per analysed frame: for every track the detector and
tracker report, the zones its anchor point lies in and whether it is active (moving) or idle.
Times are seconds on the stream's clock (a file's video time or a live camera's monotonic
clock); callers turn them into datetimes.

Rules (issue 8):

- entry needs the anchor inside for ``debounce_s``; the visit is then dated from the first
  inside sample (the debounce delays the report, not the record);
- exit needs the anchor outside (or the track unseen) for ``grace_s``; the visit ends at the
  first outside sample, and an excursion shorter than the grace (occlusion, jitter at the
  boundary) does not split a visit;
- tracks that live less than ``min_track_s`` are ignored: their events are held back until the
  track is old enough and dropped if it dies before (edge flicker on real clips);
- time between two samples is attributed to the state of the earlier sample (sample and hold),
  so a completed visit's active + idle seconds add up to its dwell, except for gaps longer than
  ``max_gap_s`` and samples whose activity is unknown.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from domain.errors import ValidationError

_EPS = 1e-6  # frame times are sums of 1/fps: 0.7 - 0.2 must count as 0.5


@dataclass(frozen=True, slots=True)
class PresenceRules:
    debounce_s: float = 0.5
    grace_s: float = 1.0
    min_track_s: float = 0.6
    max_gap_s: float = 2.0

    def __post_init__(self) -> None:
        for name in ("debounce_s", "grace_s", "min_track_s"):
            if getattr(self, name) < 0:
                raise ValidationError(f"{name.removesuffix('_s')} cannot be negative")
        if self.max_gap_s <= 0:
            raise ValidationError("the longest attributed gap must be positive")


@dataclass(frozen=True, slots=True)
class TrackSample:
    """One track on one analysed frame: the zones its anchor is in, and its activity."""

    zones: frozenset[str]
    active: bool | None = None  # None: not known (first frame, no motion estimate yet)


class PresenceEventKind(enum.StrEnum):
    ENTERED = "entered"
    EXITED = "exited"


@dataclass(frozen=True, slots=True)
class PresenceEvent:
    """A confirmed entry or exit. ``at`` is when it happened, ``reported_at`` when it was known."""

    kind: PresenceEventKind
    zone_id: str
    track_id: int
    at: float
    reported_at: float
    dwell_s: float | None = None  # exits only
    active_s: float = 0.0
    idle_s: float = 0.0
    completed: bool = True  # False: closed by the end of the stream, not by the person leaving


@dataclass(frozen=True, slots=True)
class Visit:
    """One track's stay in one zone; ``exited_at`` is None while it lasts."""

    zone_id: str
    track_id: int
    entered_at: float
    exited_at: float | None
    active_s: float
    idle_s: float
    completed: bool = True

    @property
    def dwell_s(self) -> float | None:
        return None if self.exited_at is None else self.exited_at - self.entered_at


class _Phase(enum.Enum):
    OUTSIDE = 0
    ENTERING = 1
    INSIDE = 2
    LEAVING = 3


@dataclass(slots=True)
class _Cell:
    """One (track, zone) pair."""

    phase: _Phase = _Phase.OUTSIDE
    since: float = 0.0  # ENTERING: first inside sample; INSIDE/LEAVING: entered_at
    left_at: float = 0.0  # LEAVING: first outside sample
    active_s: float = 0.0  # committed to the visit
    idle_s: float = 0.0
    pending_active_s: float = 0.0  # ENTERING / LEAVING: kept or dropped when the phase resolves
    pending_idle_s: float = 0.0

    def counted(self) -> bool:
        return self.phase in (_Phase.INSIDE, _Phase.LEAVING)

    def attribute(self, dt: float, active: bool | None) -> None:
        if active is None or dt <= 0 or self.phase is _Phase.OUTSIDE:
            return
        pending = self.phase in (_Phase.ENTERING, _Phase.LEAVING)
        if active:
            if pending:
                self.pending_active_s += dt
            else:
                self.active_s += dt
        elif pending:
            self.pending_idle_s += dt
        else:
            self.idle_s += dt

    def keep_pending(self) -> None:
        self.active_s += self.pending_active_s
        self.idle_s += self.pending_idle_s
        self.drop_pending()

    def drop_pending(self) -> None:
        self.pending_active_s = 0.0
        self.pending_idle_s = 0.0


@dataclass(slots=True)
class _Track:
    first_seen: float
    last_seen: float
    confirmed: bool = False
    last_sample: TrackSample | None = None  # None while unseen
    cells: dict[str, _Cell] = field(default_factory=dict)
    held: list[PresenceEvent] = field(default_factory=list)  # events before confirmation
    held_visits: list[Visit] = field(default_factory=list)


class ZonePresence:
    """Presence of every track in every zone of one camera."""

    def __init__(self, zone_ids: Iterable[str], rules: PresenceRules | None = None) -> None:
        self.zone_ids: tuple[str, ...] = tuple(dict.fromkeys(zone_ids))
        self.rules = rules or PresenceRules()
        self._tracks: dict[int, _Track] = {}
        self._last_t: float | None = None
        self._visits: list[Visit] = []
        self.ignored_tracks = 0  # tracks dropped for being shorter than min_track_s

    # -- queries -----------------------------------------------------------------------------

    @property
    def visits(self) -> list[Visit]:
        """Finished visits of confirmed tracks, in the order they ended."""
        return list(self._visits)

    def open_visits(self) -> list[Visit]:
        """Visits going on now (confirmed tracks only), with their committed seconds."""
        out: list[Visit] = []
        for track_id, tr in self._tracks.items():
            if not tr.confirmed:
                continue
            for zone_id, cell in tr.cells.items():
                if cell.counted():
                    out.append(
                        Visit(zone_id, track_id, cell.since, None, cell.active_s, cell.idle_s)
                    )
        return out

    def members(self, zone_id: str) -> frozenset[int]:
        """Confirmed tracks counted in the zone now (inside, or outside within the grace)."""
        return frozenset(
            tid
            for tid, tr in self._tracks.items()
            if tr.confirmed and (c := tr.cells.get(zone_id)) is not None and c.counted()
        )

    def counts(self) -> dict[str, int]:
        return {z: len(self.members(z)) for z in self.zone_ids}

    def zones_of(self, track_id: int) -> tuple[str, ...]:
        tr = self._tracks.get(track_id)
        if tr is None or not tr.confirmed:
            return ()
        return tuple(z for z in self.zone_ids if (c := tr.cells.get(z)) and c.counted())

    def is_confirmed(self, track_id: int) -> bool:
        tr = self._tracks.get(track_id)
        return tr is not None and tr.confirmed

    # -- the state machine -------------------------------------------------------------------

    def update(self, t: float, samples: Mapping[int, TrackSample]) -> list[PresenceEvent]:
        """Feed one analysed frame at time ``t`` (seconds, non-decreasing)."""
        if self._last_t is not None and t < self._last_t:
            raise ValidationError(f"presence samples went back in time ({t} < {self._last_t})")
        dt = 0.0 if self._last_t is None else t - self._last_t
        if dt > self.rules.max_gap_s:
            dt = 0.0  # a long gap (stall, reconnect): attribute nothing rather than guess
        self._last_t = t
        events: list[PresenceEvent] = []
        for track_id in samples:
            if track_id not in self._tracks:
                self._tracks[track_id] = _Track(first_seen=t, last_seen=t)
        for track_id in list(self._tracks):
            tr = self._tracks[track_id]
            sample: TrackSample | None = samples.get(track_id)
            previous = tr.last_sample
            for cell in tr.cells.values():
                cell.attribute(dt, previous.active if previous is not None else None)
            seen_zones = sample.zones if sample is not None else frozenset()
            if sample is not None:
                tr.last_seen = t
            tr.last_sample = sample
            produced: list[PresenceEvent] = []
            for zone_id in self.zone_ids:
                found = tr.cells.get(zone_id)
                inside = zone_id in seen_zones
                if found is None:
                    if not inside:
                        continue
                    found = tr.cells[zone_id] = _Cell()
                self._step(track_id, tr, zone_id, found, inside, t, produced)
            self._emit(tr, produced, events)
            if not tr.confirmed and tr.last_seen - tr.first_seen >= self.rules.min_track_s - _EPS:
                tr.confirmed = True
                events.extend(tr.held)
                self._visits.extend(tr.held_visits)
                tr.held.clear()
                tr.held_visits.clear()
            self._forget_if_gone(track_id, tr, t)
        events.sort(key=lambda e: (e.at, e.kind is PresenceEventKind.ENTERED))
        return events

    def finish(self, t: float | None = None) -> list[PresenceEvent]:
        """End of the stream: close every visit at ``t`` (default: the last sample's time)."""
        end = self._last_t if t is None else t
        events: list[PresenceEvent] = []
        if end is None:
            return events
        for track_id, tr in list(self._tracks.items()):
            if not tr.confirmed and tr.last_seen - tr.first_seen < self.rules.min_track_s - _EPS:
                self.ignored_tracks += 1
                continue
            produced: list[PresenceEvent] = []
            for zone_id, cell in tr.cells.items():
                if cell.phase is _Phase.INSIDE:
                    produced.append(self._close(track_id, zone_id, cell, end, end, completed=False))
                elif cell.phase is _Phase.LEAVING:
                    cell.drop_pending()
                    produced.append(self._close(track_id, zone_id, cell, cell.left_at, end))
            tr.confirmed = True
            self._emit(tr, produced, events)
            events.extend(tr.held)
            self._visits.extend(tr.held_visits)
        self._tracks.clear()
        events.sort(key=lambda e: (e.at, e.kind is PresenceEventKind.ENTERED))
        return events

    # -- internals ---------------------------------------------------------------------------

    def _step(
        self,
        track_id: int,
        tr: _Track,
        zone_id: str,
        cell: _Cell,
        inside: bool,
        t: float,
        out: list[PresenceEvent],
    ) -> None:
        rules = self.rules
        phase = cell.phase
        if phase is _Phase.OUTSIDE:
            if inside:
                cell.phase, cell.since = _Phase.ENTERING, t
                cell.active_s = cell.idle_s = 0.0
                cell.drop_pending()
                phase = _Phase.ENTERING
            else:
                return
        if phase is _Phase.ENTERING:
            if not inside:
                cell.phase = _Phase.OUTSIDE
                cell.drop_pending()
            elif t - cell.since >= rules.debounce_s - _EPS:
                cell.phase = _Phase.INSIDE
                cell.keep_pending()
                out.append(
                    PresenceEvent(PresenceEventKind.ENTERED, zone_id, track_id, cell.since, t)
                )
            return
        if phase is _Phase.INSIDE:
            if not inside:
                cell.phase, cell.left_at = _Phase.LEAVING, t
                if rules.grace_s <= 0:
                    cell.drop_pending()
                    out.append(self._close(track_id, zone_id, cell, t, t))
            return
        # LEAVING
        if inside:
            cell.phase = _Phase.INSIDE
            cell.keep_pending()
        elif t - cell.left_at >= rules.grace_s - _EPS:
            cell.drop_pending()
            out.append(self._close(track_id, zone_id, cell, cell.left_at, t))

    def _close(
        self,
        track_id: int,
        zone_id: str,
        cell: _Cell,
        exited_at: float,
        reported_at: float,
        *,
        completed: bool = True,
    ) -> PresenceEvent:
        event = PresenceEvent(
            PresenceEventKind.EXITED,
            zone_id,
            track_id,
            exited_at,
            reported_at,
            dwell_s=exited_at - cell.since,
            active_s=cell.active_s,
            idle_s=cell.idle_s,
            completed=completed,
        )
        cell.phase = _Phase.OUTSIDE
        return event

    def _emit(self, tr: _Track, produced: list[PresenceEvent], events: list[PresenceEvent]) -> None:
        for e in produced:
            visit = None
            if e.kind is PresenceEventKind.EXITED:
                visit = Visit(
                    e.zone_id,
                    e.track_id,
                    e.at - (e.dwell_s or 0.0),
                    e.at,
                    e.active_s,
                    e.idle_s,
                    e.completed,
                )
            if tr.confirmed:
                events.append(e)
                if visit is not None:
                    self._visits.append(visit)
            else:
                tr.held.append(e)
                if visit is not None:
                    tr.held_visits.append(visit)

    def _forget_if_gone(self, track_id: int, tr: _Track, t: float) -> None:
        if tr.last_sample is not None:
            return
        gone_for = t - tr.last_seen
        if not tr.confirmed and gone_for > self.rules.grace_s + _EPS:
            self.ignored_tracks += 1
            del self._tracks[track_id]
            return
        if gone_for > self.rules.grace_s + _EPS and all(
            c.phase is _Phase.OUTSIDE for c in tr.cells.values()
        ):
            del self._tracks[track_id]
