"""The store on scripted observations: batches, sessions across writes, index records, a
database that goes away, sessions left open by a dead run, deleted zones, retention."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select

from domain.model.vision import Camera, DaySchedule
from services.errors import DatabaseUnavailable
from services.operations.retention import RetentionPolicy, save_policy
from services.persistence.tables.vision import index_records, time_logs, work_sessions
from services.vision.store import StoreSettings, VisionStore
from tests.conftest import NOW
from tests.services.vision.conftest import ADMIN, add_camera
from tests.vision.test_recorder import ZONE, visit_timeline

CAMERA = Camera("CAM", "Camera", "demo:worker-zone-detection.gif")


def rows(app: Any, table: Any) -> list[Any]:
    with app.engine.connect() as conn:
        return list(conn.execute(select(table).order_by(*table.primary_key.columns)).mappings())


def schedule(app: Any) -> DaySchedule:
    with app.uow(ADMIN) as uow:
        (day,) = uow.repos.day_schedules.list()
    day.tz = NOW.tzinfo
    return day


def test_a_visit_written_in_batches_adds_up_across_sessions_logs_and_indices(
    vision_app: Any,
) -> None:
    add_camera(vision_app, "CAM", [ZONE])
    second = schedule(vision_app).index_slots()[1]
    start = second.start - timedelta(seconds=40)  # the visit spans indices 1 and 2
    store = VisionStore(
        vision_app, settings=StoreSettings(log_interval_s=60.0, run_retention=False)
    )
    rec = store.open_camera(CAMERA, [ZONE])
    timeline = visit_timeline(start)  # track 7: enters at 10 s, leaves at 130 s, 1 fps
    transactions = 0
    for i, obs in enumerate(timeline):
        rec.observe(obs)
        if i % 20 == 19:
            transactions += 1 if not store.flush().failed else 0
            if 20 <= i < 120:
                (open_,) = rows(vision_app, work_sessions)
                assert open_["status"] == "active", "a session is stored at entry ..."
                assert open_["exit_time"] is None
    store.stop()
    assert transactions == len(timeline) // 20, "one transaction per batch, not per frame"
    (session,) = rows(vision_app, work_sessions)
    assert session["status"] == "completed", "... and closed at exit"
    assert session["exit_time"] - session["entry_time"] == timedelta(seconds=120)
    assert (session["active_seconds"], session["idle_seconds"]) == (60.0, 60.0)
    logs = rows(vision_app, time_logs)
    assert [(t["active_seconds"], t["idle_seconds"], t["index_number"]) for t in logs] == [
        (60.0, 0.0, 1),
        (0.0, 60.0, 2),
    ]
    one, two = rows(vision_app, index_records)
    assert (one["index_number"], one["active_seconds"], one["productivity"]) == (1, 60.0, 1.0)
    assert (two["index_number"], two["idle_seconds"], two["productivity"]) == (2, 60.0, 0.0)
    assert one["zone_metrics"] == {"Z": {"active": 60.0, "idle": 0.0}}
    assert (one["total_workers"], two["total_workers"]) == (1, 1)
    assert one["actual_start"] == start + timedelta(seconds=10)
    assert store.totals.sessions_opened == 1
    assert store.totals.sessions_closed == 1


def test_observations_wait_while_the_database_is_away(
    sqlite_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_camera(sqlite_app, "CAM", [ZONE])
    store = VisionStore(sqlite_app, settings=StoreSettings(log_interval_s=30.0,
                                                           run_retention=False))  # fmt: skip
    rec = store.open_camera(CAMERA, [ZONE])
    timeline = visit_timeline(NOW)
    for obs in timeline[:80]:
        rec.observe(obs)
    real_write = store._write

    def down(*a: Any, **k: Any) -> Any:
        raise DatabaseUnavailable("the database server is not reachable")

    monkeypatch.setattr(store, "_write", down)
    report = store.flush()
    assert report.failed
    assert store.totals.failed_flushes == 1
    for obs in timeline[80:]:
        rec.observe(obs)
    monkeypatch.setattr(store, "_write", real_write)
    assert store.flush().failed is None
    store.stop()
    (session,) = rows(sqlite_app, work_sessions)
    assert session["status"] == "completed"
    logs = rows(sqlite_app, time_logs)
    assert sum(t["active_seconds"] + t["idle_seconds"] for t in logs) == 120.0, "none lost"
    assert len(logs) == 4, "none twice"


def test_sessions_left_open_by_a_dead_run_are_closed_when_the_camera_starts_again(
    sqlite_app: Any,
) -> None:
    add_camera(sqlite_app, "CAM", [ZONE])
    entry = NOW - timedelta(minutes=5)
    with sqlite_app.engine.begin() as conn:
        conn.execute(
            insert(work_sessions).values(
                id="deadrun:CAM:Z:4:1", camera_id="CAM", zone_id="Z", track_id=4,
                entry_time=entry, status="active",
            )
        )  # fmt: skip
        conn.execute(
            insert(time_logs),
            [
                {"at": entry, "camera_id": "CAM", "track_id": 4, "zone_id": "Z",
                 "state": "active", "active_seconds": 50.0, "idle_seconds": 10.0},
                {"at": entry + timedelta(seconds=60), "camera_id": "CAM", "track_id": 4,
                 "zone_id": "Z", "state": "idle", "active_seconds": 5.0, "idle_seconds": 20.0},
            ],
        )  # fmt: skip
    store = VisionStore(sqlite_app, settings=StoreSettings(run_retention=False))
    store.open_camera(CAMERA, [ZONE])
    (s,) = rows(sqlite_app, work_sessions)
    assert s["status"] == "interrupted"
    assert s["exit_time"] == entry + timedelta(seconds=85), "the end of its last time log"
    assert (s["active_seconds"], s["idle_seconds"]) == (55.0, 30.0)
    store.stop()


def test_records_of_a_zone_deleted_meanwhile_keep_their_time_without_the_zone(
    sqlite_app: Any,
) -> None:
    add_camera(sqlite_app, "CAM", [ZONE])
    store = VisionStore(sqlite_app, settings=StoreSettings(run_retention=False))
    rec = store.open_camera(CAMERA, [ZONE])
    for obs in visit_timeline(NOW)[:60]:
        rec.observe(obs)
    with sqlite_app.uow(ADMIN) as uow:
        uow.repos.zones.delete("Z")
        uow.commit()
    for obs in visit_timeline(NOW)[60:]:
        rec.observe(obs)
    assert store.flush().failed is None
    store.stop()
    assert rows(sqlite_app, work_sessions) == []
    logs = rows(sqlite_app, time_logs)
    assert logs
    assert {t["zone_id"] for t in logs} == {None}


def test_time_log_retention_follows_the_sites_policy_once_a_day(sqlite_app: Any) -> None:
    save_policy(sqlite_app, ADMIN, RetentionPolicy(time_logs_days=30))
    add_camera(sqlite_app, "CAM", [ZONE])
    with sqlite_app.engine.begin() as conn:
        conn.execute(
            insert(time_logs),
            [
                {"at": NOW - timedelta(days=d), "camera_id": "CAM", "track_id": 1,
                 "state": "idle", "idle_seconds": 60.0}
                for d in (40, 31, 29, 1)
            ],
        )  # fmt: skip
    store = VisionStore(sqlite_app)  # retention on, as in production
    store.housekeeping(force=True)
    kept = sorted((NOW - t["at"]).days for t in rows(sqlite_app, time_logs))
    assert kept == [1, 29]
    with sqlite_app.engine.begin() as conn:
        conn.execute(
            insert(time_logs).values(at=NOW - timedelta(days=50), camera_id="CAM", track_id=2,
                                     state="idle")
        )  # fmt: skip
    store.housekeeping(force=True)
    assert len(rows(sqlite_app, time_logs)) == 3, "it already ran today"
