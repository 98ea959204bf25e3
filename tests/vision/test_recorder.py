"""The recorder: time-log slices, work sessions and index records from observations."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from domain.model.vision import (
    ActivityState,
    BreakWindow,
    DaySchedule,
    SessionStatus,
    Zone,
)
from domain.rules.zone_presence import PresenceEventKind
from vision.recorder import ObservationRecorder
from vision.types import FrameObservation, TrackedPerson, VisitProgress, ZoneCount, ZoneEvent

ZONE = Zone("Z", "CAM", "Station", ((0.1, 0.1), (0.9, 0.1), (0.9, 0.9), (0.1, 0.9)))
DAY = DaySchedule(
    datetime(2026, 11, 16).date(),
    time(8),
    time(17),
    (BreakWindow(time(10), 15), BreakWindow(time(15), 15)),
    11,
    tz=UTC,
)


def visit_timeline(start_at: datetime) -> list[FrameObservation]:
    """Track 7 enters at 10 s, is active until 70 s, idle until it leaves at 130 s (1 fps)."""
    out = []
    active = idle = 0.0
    for t in range(0, 141):
        events: tuple[ZoneEvent, ...] = ()
        visits: tuple[VisitProgress, ...] = ()
        persons: tuple[TrackedPerson, ...] = ()
        inside = 10 <= t < 130
        if t == 10:
            events = (ZoneEvent(PresenceEventKind.ENTERED, "Z", 7, 10.0, 10.5),)
        if t == 131:
            events = (
                ZoneEvent(PresenceEventKind.EXITED, "Z", 7, 130.0, 131.0, 120.0, active, idle),
            )
        if 10 < t <= 130:
            if t <= 70:
                active += 1.0
            else:
                idle += 1.0
        if inside:
            visits = (VisitProgress("Z", 7, 10.0, active, idle),)
            state = ActivityState.ACTIVE if t < 70 else ActivityState.IDLE
            persons = (
                TrackedPerson(
                    7, (10.0, 20.0, 50.0, 120.0), 0.9, (0.5, 0.5), ("Z",), ("Z",), state,
                    0.2 if t < 70 else 0.0,
                ),
            )  # fmt: skip
        out.append(
            FrameObservation(
                "CAM", t, float(t), start_at + timedelta(seconds=t), 480, 270, persons, events,
                (ZoneCount("Z", 1 if inside else 0, "ok" if inside else "empty"),), (), visits,
            )
        )  # fmt: skip
    return out


def test_time_logs_are_sliced_per_interval_and_sessions_run_entry_to_exit() -> None:
    start = datetime(2026, 11, 16, 8, 5, tzinfo=UTC)
    rec = ObservationRecorder("CAM", [ZONE], log_interval_s=60.0)
    for obs in visit_timeline(start):
        rec.feed(obs)
    rec.finish(())
    logs = rec.time_logs
    assert [(log.at, log.state) for log in logs] == [
        (start + timedelta(seconds=10), ActivityState.ACTIVE),
        (start + timedelta(seconds=70), ActivityState.IDLE),
    ]
    assert [(log.active_seconds, log.idle_seconds) for log in logs] == [(60.0, 0.0), (0.0, 60.0)]
    assert logs[0].motion_score == pytest.approx(0.2)
    assert logs[1].bbox == (10.0, 20.0, 40.0, 100.0)
    (session,) = rec.sessions
    assert session.entry_time == start + timedelta(seconds=10)
    assert session.exit_time == start + timedelta(seconds=130)
    assert session.status is SessionStatus.COMPLETED
    assert (session.active_seconds, session.idle_seconds) == (60.0, 60.0)
    assert session.dwell_seconds == 120.0
    stats = rec.stats["Z"]
    assert (stats.entries, stats.exits, stats.max_count) == (1, 1, 1)
    assert stats.visits[0].dwell_s == 120.0


def test_time_logs_are_booked_on_the_index_they_start_in() -> None:
    second = DAY.index_slots()[1]
    start = second.start - timedelta(seconds=40)  # first slice in index 1, second in index 2
    rec = ObservationRecorder("CAM", [ZONE], log_interval_s=60.0, schedule=DAY)
    for obs in visit_timeline(start):
        rec.feed(obs)
    assert [log.index_number for log in rec.time_logs] == [1, 2]
    one, two = rec.index_records()
    assert (one.index_number, one.active_seconds, one.idle_seconds) == (1, 60.0, 0.0)
    assert (two.index_number, two.productivity) == (2, 0.0)
    assert one.productivity == 1.0
    assert one.zone_metrics == {"Z": {"active": 60.0, "idle": 0.0}}
    assert one.total_workers == 1
    assert rec.sessions[0].index_number == 1


def test_a_visit_cut_by_the_end_of_the_stream_is_an_interrupted_session() -> None:
    start = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
    rec = ObservationRecorder("CAM", [ZONE], log_interval_s=600.0)
    for obs in visit_timeline(start)[:50]:
        rec.feed(obs)
    rec.finish([ZoneEvent(PresenceEventKind.EXITED, "Z", 7, 49.0, 49.0, 39.0, 39.0, 0.0, False)])
    (session,) = rec.sessions
    assert session.status is SessionStatus.INTERRUPTED
    assert rec.stats["Z"].exits == 0, "the person did not leave"
    assert rec.stats["Z"].visits[0].completed is False
    assert sum(log.active_seconds for log in rec.time_logs) == 39.0
