"""The demo clip through the camera host: time logs, sessions and index records that add up."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from domain.events import Topic
from domain.model.vision import SessionStatus
from services.persistence.tables.system import change_events
from services.persistence.tables.vision import index_records, time_logs, work_sessions
from tests.conftest import NOW
from tests.services.vision.conftest import add_camera, demo_zones, run_clip_once

MS = timedelta(milliseconds=1)  # times are computed from stream seconds: float rounding


def rows(app: Any, table: Any) -> list[Any]:
    with app.engine.connect() as conn:
        return list(conn.execute(select(table)).mappings())


def test_the_demo_clip_writes_records_that_add_up(vision_app: Any, make_host: Any) -> None:
    add_camera(vision_app, "CAM-T", demo_zones("CAM-T"))
    host = make_host(vision_app)
    run_clip_once(host, ["CAM-T"])

    sessions = rows(vision_app, work_sessions)
    logs = rows(vision_app, time_logs)
    assert sessions, "the worker walking through the stations was seen"
    assert {s["zone_id"] for s in sessions} >= {"Z01"}
    for s in sessions:
        assert s["exit_time"] is not None, "every visit is closed when the clip ends"
        assert s["status"] in (SessionStatus.COMPLETED.value, SessionStatus.INTERRUPTED.value)
        assert s["operator_id"] is None, "pseudonymous: no identity linked to a track"
        assert s["entry_time"] >= NOW, "frames are dated on the app's clock"
        dwell = (s["exit_time"] - s["entry_time"]).total_seconds()
        measured = s["active_seconds"] + s["idle_seconds"]
        # sample-and-hold: only the first sample of a track (activity unknown) and stalls
        # longer than max_gap_s are not attributed
        assert measured <= dwell + 0.01
        assert measured == pytest.approx(dwell, abs=0.35), s
        own = [
            t
            for t in logs
            if (t["camera_id"], t["zone_id"], t["track_id"])
            == (s["camera_id"], s["zone_id"], s["track_id"])
            and s["entry_time"] - MS <= t["at"] <= s["exit_time"]
        ]
        assert own, "a session has its time logs"
        assert sum(t["active_seconds"] for t in own) == pytest.approx(s["active_seconds"], abs=0.01)
        assert sum(t["idle_seconds"] for t in own) == pytest.approx(s["idle_seconds"], abs=0.01)
    assert all(t["operator_id"] is None for t in logs)

    # the seed-003 day: 09:00 lies in index 2 (8:00-17:00, two 15-minute breaks, 11 indices)
    records = rows(vision_app, index_records)
    assert [(r["day"], r["index_number"]) for r in records] == [(NOW.date(), 2)]
    rec = records[0]
    booked = [t for t in logs if t["index_number"] == 2]
    assert len(booked) == len(logs)
    active = sum(t["active_seconds"] for t in booked)
    idle = sum(t["idle_seconds"] for t in booked)
    assert rec["active_seconds"] == pytest.approx(active, abs=0.01)
    assert rec["idle_seconds"] == pytest.approx(idle, abs=0.01)
    assert rec["productivity"] == pytest.approx(active / (active + idle), abs=1e-3)
    per_zone = rec["zone_metrics"]
    assert sum(z["active"] for z in per_zone.values()) == pytest.approx(active, abs=0.01)
    assert rec["total_workers"] == len({t["track_id"] for t in booked})
    assert rec["actual_start"] == min(t["at"] for t in booked)

    with vision_app.engine.connect() as conn:
        events = list(
            conn.execute(
                select(change_events).where(change_events.c.topic == Topic.VISION.value)
            ).mappings()
        )
    assert events, "other seats hear about the camera"
    assert all(e["ids"] == ["CAM-T"] for e in events)
    assert {"persons", "zones", "connected"} <= set(events[-1]["data"])
    frames = host.camera("CAM-T").health().frames_analysed
    assert frames > 10
    assert host.store.totals.flushes <= frames / 2, "batches, not a transaction per frame"
