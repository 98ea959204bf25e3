"""Turns observations into the seed-003 records: time logs, work sessions, index records.

- a **time log** covers one track in one zone for at most ``log_interval_s`` (and ends at the
  exit): active and idle seconds, the mean motion score and the last box;
- a **work session** runs from entry to exit with its active and idle totals (interrupted
  when the stream ends first);
- with a :class:`DaySchedule`, every time log is booked on the index it starts in, giving
  per-index productivity = active / (active + idle).

Nothing here touches a database: services persist what :class:`ObservationRecorder` holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain.model.vision import (
    ActivityState,
    DaySchedule,
    IndexRecord,
    TimeLog,
    WorkSession,
    Zone,
)
from domain.rules.zone_presence import PresenceEventKind
from vision.types import FrameObservation, ZoneAlert, ZoneEvent


@dataclass(frozen=True, slots=True)
class VisitRecord:
    zone_id: str
    track_id: int
    entered_s: float
    exited_s: float
    dwell_s: float
    active_s: float
    idle_s: float
    completed: bool


@dataclass(slots=True)
class ZoneStats:
    zone_id: str
    name: str
    entries: int = 0
    exits: int = 0
    max_count: int = 0
    alerts: int = 0
    visits: list[VisitRecord] = field(default_factory=list)

    @property
    def active_s(self) -> float:
        return sum((v.active_s for v in self.visits), 0.0)

    @property
    def idle_s(self) -> float:
        return sum((v.idle_s for v in self.visits), 0.0)


@dataclass(slots=True)
class _OpenSlice:
    session: WorkSession
    since_s: float
    logged_active: float = 0.0
    logged_idle: float = 0.0
    motion_sum: float = 0.0
    motion_n: int = 0
    box: tuple[float, float, float, float] | None = None


class ObservationRecorder:
    def __init__(
        self,
        camera_id: str,
        zones: Sequence[Zone],
        *,
        log_interval_s: float = 60.0,
        schedule: DaySchedule | None = None,
    ) -> None:
        if log_interval_s <= 0:
            raise ValueError("the time-log interval must be positive")
        self.camera_id = camera_id
        self.log_interval_s = log_interval_s
        self.schedule = schedule
        self.stats: dict[str, ZoneStats] = {z.id: ZoneStats(z.id, z.name) for z in zones}
        self.time_logs: list[TimeLog] = []
        self.sessions: list[WorkSession] = []
        self.alerts: list[ZoneAlert] = []
        self.track_ids: set[int] = set()
        self._open: dict[tuple[str, int], _OpenSlice] = {}
        self._ref: tuple[float, datetime] | None = None  # (t, at) of the newest observation
        self._index: dict[int, IndexRecord] = {}
        self._index_workers: dict[int, set[int]] = {}
        self._sessions_per_key: dict[tuple[str, int], int] = {}

    def _at(self, t: float) -> datetime:
        if self._ref is None:
            raise RuntimeError("no observation yet")
        ref_t, ref_at = self._ref
        return ref_at + timedelta(seconds=t - ref_t)

    # -- feeding -------------------------------------------------------------------------

    def feed(self, obs: FrameObservation) -> None:
        self._ref = (obs.t, obs.at)
        for c in obs.counts:
            st = self.stats.get(c.zone_id)
            if st is not None:
                st.max_count = max(st.max_count, c.count)
        self.track_ids.update(p.track_id for p in obs.persons)
        for a in obs.alerts:
            self.alerts.append(a)
            if a.zone_id in self.stats:
                self.stats[a.zone_id].alerts += 1
        self._events(obs.events)
        for v in obs.open_visits:
            sl = self._open.get((v.zone_id, v.track_id))
            if sl is not None and obs.t - sl.since_s >= self.log_interval_s:
                self._slice(v.zone_id, v.track_id, sl, obs.t, v.active_s, v.idle_s)
        for p in obs.persons:
            for zone_id in p.counted_in:
                sl = self._open.get((zone_id, p.track_id))
                if sl is not None:
                    sl.motion_sum += p.motion
                    sl.motion_n += 1
                    sl.box = p.box_xywh

    def finish(self, events: Iterable[ZoneEvent]) -> None:
        """The closing events of :meth:`FrameAnalyzer.finish`."""
        if self._ref is not None:
            self._events(events)

    def _events(self, events: Iterable[ZoneEvent]) -> None:
        for e in events:
            key = (e.zone_id, e.track_id)
            st = self.stats.get(e.zone_id)
            if e.kind is PresenceEventKind.ENTERED:
                if st is not None:
                    st.entries += 1
                n = self._sessions_per_key.get(key, 0) + 1
                self._sessions_per_key[key] = n
                at = self._at(e.at_s)
                session = WorkSession(
                    id=f"{self.camera_id}:{e.zone_id}:{e.track_id}:{n}",
                    camera_id=self.camera_id,
                    zone_id=e.zone_id,
                    track_id=e.track_id,
                    entry_time=at,
                    index_number=self.schedule.index_at(at) if self.schedule else None,
                )
                self.sessions.append(session)
                self._open[key] = _OpenSlice(session, e.at_s)
                continue
            sl = self._open.pop(key, None)
            if st is not None:
                if e.completed:
                    st.exits += 1
                dwell = e.dwell_s or 0.0
                st.visits.append(
                    VisitRecord(
                        e.zone_id,
                        e.track_id,
                        e.at_s - dwell,
                        e.at_s,
                        dwell,
                        e.active_s,
                        e.idle_s,
                        e.completed,
                    )
                )
            if sl is None:
                continue
            self._slice(e.zone_id, e.track_id, sl, e.at_s, e.active_s, e.idle_s, final=True)
            sl.session.active_seconds = e.active_s
            sl.session.idle_seconds = e.idle_s
            sl.session.close(self._at(e.at_s), interrupted=not e.completed)

    def _slice(
        self,
        zone_id: str,
        track_id: int,
        sl: _OpenSlice,
        t: float,
        active_total: float,
        idle_total: float,
        *,
        final: bool = False,
    ) -> None:
        d_active = max(0.0, active_total - sl.logged_active)
        d_idle = max(0.0, idle_total - sl.logged_idle)
        if d_active == 0.0 and d_idle == 0.0 and final and t <= sl.since_s:
            return
        start = self._at(sl.since_s)
        index = self.schedule.index_at(start) if self.schedule else None
        if d_active > 0 or d_idle > 0:
            state = ActivityState.ACTIVE if d_active >= d_idle else ActivityState.IDLE
        else:
            state = ActivityState.UNKNOWN
        self.time_logs.append(
            TimeLog(
                camera_id=self.camera_id,
                track_id=track_id,
                at=start,
                state=state,
                zone_id=zone_id,
                active_seconds=round(d_active, 3),
                idle_seconds=round(d_idle, 3),
                index_number=index,
                motion_score=round(sl.motion_sum / sl.motion_n, 4) if sl.motion_n else None,
                bbox=sl.box,
            )
        )
        if index is not None and self.schedule is not None:
            self._book(index, zone_id, track_id, d_active, d_idle)
        sl.since_s = t
        sl.logged_active, sl.logged_idle = active_total, idle_total
        sl.motion_sum, sl.motion_n = 0.0, 0

    def _book(self, index: int, zone_id: str, track_id: int, active: float, idle: float) -> None:
        rec = self._index.get(index)
        if rec is None:
            assert self.schedule is not None
            slot = self.schedule.index_slots()[index - 1]
            rec = self._index[index] = IndexRecord(
                day=self.schedule.day,
                index_number=index,
                scheduled_start=slot.start,
                scheduled_end=slot.end,
            )
        rec.add(zone_id, active, idle)
        workers = self._index_workers.setdefault(index, set())
        workers.add(track_id)
        rec.total_workers = len(workers)

    # -- results -------------------------------------------------------------------------

    def index_records(self) -> list[IndexRecord]:
        return [self._index[k] for k in sorted(self._index)]
