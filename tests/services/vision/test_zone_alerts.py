"""Zone alerts from the camera host: once per episode, de-duplicated by dedup_key, with a
snapshot (people pixelated when the policy says so)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from sqlalchemy import select

from domain.events import Topic
from domain.model.alerts import AlertState, AlertType
from domain.model.vision import ActivityState, Camera
from services.persistence.tables.system import alerts, change_events
from services.vision.policy import VisionPolicy, read_policy, save_policy
from services.vision.snapshots import SnapshotStore
from services.vision.store import FlushReport, StoreSettings, VisionStore
from tests.conftest import NOW
from tests.services.vision.conftest import ADMIN, add_camera, empty_zone, run_clip_once
from vision.types import FrameObservation, TrackedPerson, ZoneAlert, ZoneCount

BOX = (100.0, 50.0, 180.0, 250.0)


def alert_rows(app: Any) -> list[Any]:
    with app.engine.connect() as conn:
        return list(conn.execute(select(alerts).order_by(alerts.c.id)).mappings())


def alert_events(app: Any) -> list[Any]:
    with app.engine.connect() as conn:
        q = select(change_events).where(change_events.c.topic == Topic.ALERT.value)
        return list(conn.execute(q.order_by(change_events.c.seq)).mappings())


def test_an_empty_zone_raises_one_alert_per_episode_and_repeats_deduplicate(
    vision_app: Any, make_host: Any
) -> None:
    add_camera(vision_app, "CAM-T", [empty_zone("CAM-T")])
    run_clip_once(make_host(vision_app), ["CAM-T"])

    found = alert_rows(vision_app)
    assert len(found) == 1, "the zone stayed empty for the whole clip: one episode, one alert"
    first = found[0]
    assert first["alert_type"] == AlertType.ZONE_EMPTY.value
    assert first["dedup_key"] == "zone_empty:ZE"
    assert (first["zone_id"], first["camera_id"]) == ("ZE", "CAM-T")
    assert first["occurrences"] == 1
    assert first["state"] == AlertState.NEW.value
    assert first["severity"] == "error"  # alerting.zone_staffing: empty is an error
    shot = Path(first["context"]["snapshot"])
    assert shot.is_file()
    image = cv2.imdecode(np.fromfile(str(shot), np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    assert image.shape[:2] == (270, 480)
    assert [(e["kind"], e["ids"]) for e in alert_events(vision_app)] == [
        ("raised", [str(first["id"])])
    ]

    assert len(alert_events(vision_app)) == 1


def alert_obs(at_s: float, frame_index: int, zone_id: str = "ZE") -> FrameObservation:
    """An observation on which the analyser raised an empty-zone alert (a person in view)."""
    person = TrackedPerson(3, BOX, 0.9, (0.3, 0.9), (), (), ActivityState.ACTIVE, 0.2)
    return FrameObservation(
        "CAM-T", frame_index, at_s, NOW + timedelta(seconds=at_s), 480, 270, (person,),
        counts=(ZoneCount(zone_id, 0, "empty"),),
        alerts=(ZoneAlert(AlertType.ZONE_EMPTY, zone_id, at_s, "Empty corner is empty"),),
    )  # fmt: skip


def test_a_new_episode_repeats_the_open_alert_and_a_resolved_one_is_raised_anew(
    vision_app: Any,
) -> None:
    zone = empty_zone("CAM-T")
    add_camera(vision_app, "CAM-T", [zone])
    store = VisionStore(vision_app, settings=StoreSettings(run_retention=False))
    camera = Camera("CAM-T", "Camera CAM-T", "demo:worker-zone-detection.gif")
    rec = store.open_camera(camera, [zone])
    frame = np.zeros((270, 480, 3), np.uint8)

    def episode(at_s: float) -> FlushReport:
        obs = alert_obs(at_s, int(at_s * 10))
        rec.observe(obs)
        rec.frame(obs, frame)
        return store.flush()

    assert episode(1.0).alerts_raised == 1
    second = episode(30.0)
    assert (second.alerts_raised, second.alerts_repeated) == (0, 1)
    (only,) = alert_rows(vision_app)
    assert only["occurrences"] == 2
    assert only["last_seen_at"] == NOW + timedelta(seconds=30)
    assert "snapshot" in only["context"], "the snapshot of the first episode stays"

    with vision_app.uow(ADMIN) as uow:  # a supervisor resolves it
        alert = uow.repos.alerts.require(only["id"])
        alert.resolve("super", NOW + timedelta(minutes=1), "restocked")
        uow.repos.alerts.update(alert)
        uow.commit()
    assert episode(90.0).alerts_raised == 1
    found = alert_rows(vision_app)
    assert [(a["state"], a["occurrences"]) for a in found] == [("resolved", 2), ("new", 1)]
    assert [e["kind"] for e in alert_events(vision_app)] == ["raised", "repeated", "raised"]
    store.stop()


def test_snapshots_pixelate_people_when_the_policy_says_so(sqlite_app: Any) -> None:
    save_policy(sqlite_app, ADMIN, VisionPolicy(blur_people=True, snapshot_retention_days=3))
    assert read_policy(sqlite_app.engine).blur_people
    zone = empty_zone("CAM-T")
    add_camera(sqlite_app, "CAM-T", [zone])
    store = VisionStore(sqlite_app, settings=StoreSettings(run_retention=False))
    assert store.blur
    rec = store.open_camera(Camera("CAM-T", "Camera CAM-T", "x.gif"), [zone])
    frame = np.random.default_rng(1).integers(0, 255, (270, 480, 3), dtype=np.uint8)
    frame.setflags(write=False)
    obs = alert_obs(1.0, 10)
    rec.observe(obs)
    rec.frame(obs, frame)
    assert store.flush().alerts_raised == 1
    (row,) = alert_rows(sqlite_app)
    shot = Path(row["context"]["snapshot"])
    assert shot.parent.parent == sqlite_app.config.paths.data / "snapshots"
    saved = cv2.imdecode(np.fromfile(str(shot), np.uint8), cv2.IMREAD_COLOR)
    x1, y1, x2, y2 = (int(v) for v in BOX)
    person = saved[y1 + 10 : y2 - 10, x1 + 10 : x2 - 10].astype(np.int16)
    background = saved[y1 + 10 : y2 - 10, 300:360].astype(np.int16)
    # pixelated: neighbouring pixels inside the box are (nearly) equal, outside they are noise
    assert (
        np.abs(np.diff(person, axis=1)).mean() < 0.25 * np.abs(np.diff(background, axis=1)).mean()
    )
    store.stop()


def test_old_snapshots_are_deleted_after_the_retention_days(tmp_path: Path) -> None:
    snaps = SnapshotStore(tmp_path / "snapshots", retention_days=3)
    old = snaps.save(b"jpeg", camera_id="CAM/1", label="zone_empty", at=NOW - timedelta(days=5))
    new = snaps.save(b"jpeg", camera_id="CAM/1", label="zone_empty", at=NOW - timedelta(days=1))
    twin = snaps.save(b"jpeg", camera_id="CAM/1", label="zone_empty", at=NOW - timedelta(days=1))
    assert new != twin
    assert "/" not in new.name
    (tmp_path / "snapshots" / "notes").mkdir()  # not a day folder: left alone
    assert snaps.prune(NOW) == 1
    assert not old.exists()
    assert new.exists()
    assert twin.exists()
    assert (tmp_path / "snapshots" / "notes").is_dir()
