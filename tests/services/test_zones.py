"""Zone calibration through the services: checks, save/load round trip, audit, change events,
stale saves, templates, the reference frame and the camera-moved check."""

from __future__ import annotations

import re
import threading
from typing import Any

import cv2
import numpy as np
import pytest
from sqlalchemy import select

from domain.auth import Actor, Role
from domain.errors import ConcurrentEdit, NotFound, PermissionDenied, ValidationError
from domain.events import ChangeEvent, Topic
from domain.model.vision import Camera, ZoneType
from services.persistence.tables.system import audit_log, change_events
from services.persistence.tables.vision import zones as zones_table
from services.resources import resource_path
from services.zones import ZoneDraft, ZoneService, check_drafts
from tests.services.persistence.helpers import ADMIN, LEAD, seed_minimal
from vision.alignment import AlignmentStatus, encode_png

SQUARE = ((0.1, 0.1), (0.4, 0.1), (0.4, 0.4), (0.1, 0.4))
RIGHT = ((0.6, 0.1), (0.9, 0.1), (0.9, 0.5), (0.6, 0.5))


def _with_cameras(app: Any) -> ZoneService:
    seed_minimal(app)
    with app.uow(ADMIN) as uow:
        uow.repos.cameras.add(Camera("CAM-A", "Assembly", "demo:worker-zone-detection.gif"))
        uow.repos.cameras.add(Camera("CAM-B", "Packing", "demo:worker-zone-detection.gif"))
        uow.commit()
    return ZoneService(app)


def _audit(app: Any, entity_type: str) -> list[Any]:
    with app.engine.connect() as conn:
        return list(
            conn.execute(
                select(audit_log)
                .where(audit_log.c.entity_type == entity_type)
                .order_by(audit_log.c.id)
            ).mappings()
        )


def test_check_drafts_explains_each_problem() -> None:
    assert check_drafts([ZoneDraft("A", SQUARE), ZoneDraft("B", RIGHT)]) == []
    issues = check_drafts(
        [
            ZoneDraft("two", ((0.1, 0.1), (0.2, 0.2))),
            ZoneDraft("bow", ((0.1, 0.1), (0.5, 0.5), (0.5, 0.1), (0.1, 0.5))),
            ZoneDraft("off", ((0.5, 0.5), (1.2, 0.5), (0.5, 0.9))),
            ZoneDraft("limits", SQUARE, min_workers=3, max_workers=1),
            ZoneDraft("over", ((0.3, 0.3), (0.5, 0.3), (0.5, 0.5), (0.3, 0.5))),
        ]
    )
    by_code = {i.code: i for i in issues}
    assert (
        by_code["polygon_too_few_vertices"].message
        == "zone 'two' needs at least 3 vertices, it has 2"
    )
    assert "crosses itself" in by_code["polygon_self_intersection"].message
    assert (
        "vertex 2 (1.200, 0.500) lies outside the frame" in by_code["polygon_outside_frame"].message
    )
    assert "max workers (1) is below min workers (3)" in by_code["invalid"].message
    overlap = by_code["zone_overlap"]
    assert overlap.level == "warning"
    assert not overlap.is_error
    assert "'limits' overlaps zone 'over'" in overlap.message
    assert [i.index for i in issues if i.is_error] == [0, 1, 2, 3]
    share = re.search(r"\((\d+)% of the smaller one\)", overlap.message)
    assert share is not None
    assert 23 <= int(share.group(1)) <= 27  # 0.1 x 0.1 of a 0.2 x 0.2 square, sampled
    # zones that only share an edge (drawn along the same tape line) are not an overlap
    beside = ((0.4, 0.1), (0.6, 0.1), (0.6, 0.4), (0.4, 0.4))
    assert check_drafts([ZoneDraft("A", SQUARE), ZoneDraft("B", beside)]) == []
    from services.resources import resource_path
    from vision.zones import load_zones_file

    demo = load_zones_file(resource_path("demo", "zones.json"))
    assert check_drafts([ZoneDraft.from_zone(z) for z in demo]) == []  # they share tape lines


def test_save_and_load_round_trip_with_audit_and_change(db_url: str, make_app: Any) -> None:
    app = make_app(db_url)
    svc = _with_cameras(app)
    assert svc.load("CAM-A").zones == ()
    result = svc.save(
        ADMIN,
        "CAM-A",
        [
            ZoneDraft("Station 1", SQUARE, colour="#1f77b4", min_workers=1, max_workers=2,
                      work_centre_id="WC-SAV100", station="SAV100"),
            ZoneDraft("Inspection", ((0.6, 0.1), (0.91234567, 0.1), (0.9, 0.5)),
                      zone_type=ZoneType.INSPECTION, alert_on_empty=True, idle_threshold_s=60),
        ],
        expected={},
        reason="first calibration",
    )  # fmt: skip
    assert result.created == ("CAM-A-Z01", "CAM-A-Z02")
    assert len(result.events) == 1
    event = result.events[0]
    assert event.topic is Topic.ZONE
    assert event.kind == "zones_saved"
    assert set(event.ids) == {"CAM-A-Z01", "CAM-A-Z02"}
    assert event.data["camera_id"] == "CAM-A"
    assert (event.user, event.seat) == ("admin", "seat-1")

    loaded = svc.load("CAM-A")
    by_name = {z.name: z for z in loaded.zones}
    station = by_name["Station 1"]
    assert station.polygon == SQUARE
    assert (station.colour, station.work_centre_id, station.station) == (
        "#1F77B4", "WC-SAV100", "SAV100",
    )  # fmt: skip
    inspection = by_name["Inspection"]
    assert inspection.polygon[1] == (0.91235, 0.1)  # normalised, rounded to 5 digits
    assert inspection.zone_type is ZoneType.INSPECTION
    assert (inspection.alert_on_empty, inspection.idle_threshold_s) == (True, 60)
    assert loaded.versions == {"CAM-A-Z01": 1, "CAM-A-Z02": 1}

    # edit one, drop the other, add a third: one save, one event, one audit row each
    edited = [
        ZoneDraft(**{**_fields(station), "name": "Station 1a", "max_workers": 4}),
        ZoneDraft("Break", RIGHT, zone_type=ZoneType.BREAK_AREA),
    ]
    second = svc.save(ADMIN, "CAM-A", edited, expected=loaded.versions, reason="line rebuilt")
    assert second.updated == ("CAM-A-Z01",)
    assert second.removed == ("CAM-A-Z02",)
    assert second.created == ("CAM-A-Z03",)
    assert {z.name for z in svc.load("CAM-A").zones} == {"Station 1a", "Break"}
    rows = _audit(app, "zone")
    assert [(r["action"], r["entity_id"]) for r in rows] == [
        ("zone.create", "CAM-A-Z01"),
        ("zone.create", "CAM-A-Z02"),
        ("zone.update", "CAM-A-Z01"),
        ("zone.create", "CAM-A-Z03"),
        ("zone.deactivate", "CAM-A-Z02"),
    ]
    update_row = rows[2]
    assert (update_row["user"], update_row["seat"], update_row["reason"]) == (
        "admin", "seat-1", "line rebuilt",
    )  # fmt: skip
    assert update_row["before"]["name"] == "Station 1"
    assert update_row["after"]["max_workers"] == 4
    with app.engine.connect() as conn:
        row = (
            conn.execute(select(zones_table).where(zones_table.c.id == "CAM-A-Z02"))
            .mappings()
            .one()
        )
        assert row["active"] is False or row["active"] == 0  # kept for its time logs
        assert row["updated_seat"] == "seat-1"
        kinds = (
            conn.execute(select(change_events.c.kind).where(change_events.c.topic == "zone"))
            .scalars()
            .all()
        )
    assert kinds == ["zones_saved", "zones_saved"]

    # saving the same zones again changes nothing and tells nobody
    again = svc.load("CAM-A")
    third = svc.save(ADMIN, "CAM-A", list(again.zones), expected=again.versions, reason="no-op")
    assert not third.changed
    assert third.events == ()


def _fields(d: ZoneDraft) -> dict[str, Any]:
    return {f: getattr(d, f) for f in ZoneDraft.__slots__}  # type: ignore[attr-defined]


def test_save_refuses_without_permission_reason_or_with_bad_zones(
    sqlite_url: str, make_app: Any
) -> None:
    svc = _with_cameras(make_app(sqlite_url))
    with pytest.raises(PermissionDenied, match="may not calibrate zones"):
        svc.save(LEAD, "CAM-A", [ZoneDraft("A", SQUARE)], expected={}, reason="x")
    with pytest.raises(ValidationError, match="say why"):
        svc.save(ADMIN, "CAM-A", [ZoneDraft("A", SQUARE)], expected={}, reason="  ")
    with pytest.raises(ValidationError, match="crosses itself"):
        bow = ((0.1, 0.1), (0.5, 0.5), (0.5, 0.1), (0.1, 0.5))
        svc.save(ADMIN, "CAM-A", [ZoneDraft("bow", bow)], expected={}, reason="x")
    with pytest.raises(NotFound):
        svc.save(ADMIN, "CAM-X", [ZoneDraft("A", SQUARE)], expected={}, reason="x")
    # overlaps are only a warning: the save goes through
    over = ((0.3, 0.3), (0.5, 0.3), (0.5, 0.5), (0.3, 0.5))
    saved = svc.save(
        ADMIN, "CAM-A", [ZoneDraft("A", SQUARE), ZoneDraft("B", over)], expected={}, reason="x"
    )
    assert len(saved.created) == 2
    assert svc.load("CAM-B").zones == ()


def test_a_stale_save_names_who_changed_the_zones(db_url: str, make_app: Any) -> None:
    app = make_app(db_url)
    svc = _with_cameras(app)
    svc.save(ADMIN, "CAM-A", [ZoneDraft("A", SQUARE)], expected={}, reason="first")
    seat1 = svc.load("CAM-A")
    seat2 = svc.load("CAM-A")
    other = Actor("admin2", Role.ADMIN, "seat-2")
    moved = ZoneDraft(**{**_fields(seat2.zones[0]), "polygon": RIGHT})
    svc.save(other, "CAM-A", [moved], expected=seat2.versions, reason="moved the station")
    mine = ZoneDraft(**{**_fields(seat1.zones[0]), "name": "mine"})
    with pytest.raises(ConcurrentEdit) as err:
        svc.save(ADMIN, "CAM-A", [mine], expected=seat1.versions, reason="rename")
    assert "changed by admin2 at seat-2" in str(err.value)
    # a zone added by another seat since we loaded: our save would drop it, so it is refused
    fresh = svc.load("CAM-A")
    svc.save(other, "CAM-A", [*fresh.zones, ZoneDraft("B", SQUARE)], expected=fresh.versions,
             reason="added B")  # fmt: skip
    with pytest.raises(ConcurrentEdit, match="admin2"):
        svc.save(ADMIN, "CAM-A", list(fresh.zones), expected=fresh.versions, reason="x")
    assert {z.name for z in svc.load("CAM-A").zones} == {"A", "B"}


def test_two_seats_hear_about_saved_zones(sqlite_url: str, make_app: Any) -> None:
    seat1 = make_app(sqlite_url)
    svc = _with_cameras(seat1)
    seat2 = make_app(sqlite_url, seat="seat-2")
    heard: list[ChangeEvent] = []
    arrived = threading.Event()

    def on_events(events: list[ChangeEvent]) -> None:
        heard.extend(e for e in events if e.topic is Topic.ZONE)
        if heard:
            arrived.set()

    seat2.subscribe(on_events, poll_interval=0.1)
    svc.save(ADMIN, "CAM-B", [ZoneDraft("A", SQUARE)], expected={}, reason="seen elsewhere")
    assert arrived.wait(10)
    assert heard[0].data["camera_id"] == "CAM-B"
    assert heard[0].ids == ("CAM-B-Z01",)
    assert ZoneService(seat2).load("CAM-B").zones[0].name == "A"


def test_templates_save_and_apply_to_another_camera(db_url: str, make_app: Any) -> None:
    app = make_app(db_url)
    svc = _with_cameras(app)
    svc.save(
        ADMIN,
        "CAM-A",
        [ZoneDraft("Station", SQUARE, work_centre_id="WC-SAV100", max_workers=2),
         ZoneDraft("Inspection", RIGHT, zone_type=ZoneType.INSPECTION)],
        expected={},
        reason="calibration",
    )  # fmt: skip
    tid = svc.save_template(ADMIN, "CAM-A", "Two stations", reason="reuse", description="std")
    [summary] = svc.templates()
    assert (summary.id, summary.name, summary.zone_count, summary.created_by) == (
        tid, "Two stations", 2, "admin",
    )  # fmt: skip
    with pytest.raises(ValidationError, match="exists already"):
        svc.save_template(ADMIN, "CAM-A", "Two stations", reason="again")
    with pytest.raises(ValidationError, match="no zones"):
        svc.save_template(ADMIN, "CAM-B", "Empty", reason="x")

    svc.save(ADMIN, "CAM-B", [ZoneDraft("Old", SQUARE)], expected={}, reason="old")
    before = svc.load("CAM-B")
    result = svc.apply_template(ADMIN, tid, "CAM-B", expected=before.versions, reason="same layout")
    assert result.removed == ("CAM-B-Z01",)
    assert len(result.created) == 2
    after = svc.load("CAM-B")
    assert sorted((z.name, z.polygon) for z in after.zones) == [
        ("Inspection", RIGHT), ("Station", SQUARE),
    ]  # fmt: skip
    station = next(z for z in after.zones if z.name == "Station")
    assert station.max_workers == 2
    assert station.work_centre_id is None  # links belong to the site, not to the template
    assert {r["reason"] for r in _audit(app, "zone") if r["entity_id"].startswith("CAM-B")} >= {
        "template 'Two stations': same layout"
    }
    # keep the existing zones and add the template's
    kept = svc.apply_template(ADMIN, tid, "CAM-A", expected=svc.load("CAM-A").versions,
                              reason="doubled", replace_existing=False)  # fmt: skip
    assert len(kept.zones) == 4
    assert [d.name for d in svc.template_drafts(tid)] == ["Inspection", "Station"]
    svc.delete_template(ADMIN, tid, reason="obsolete")
    assert svc.templates() == []
    with pytest.raises(PermissionDenied):
        svc.save_template(LEAD, "CAM-A", "x", reason="x")


def _demo_frames() -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(resource_path("demo", "worker-zone-detection.gif")))
    frames = []
    while len(frames) < 50:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    return frames


def test_reference_frame_and_the_camera_moved_check(sqlite_url: str, make_app: Any) -> None:
    app = make_app(sqlite_url)
    svc = _with_cameras(app)
    frames = _demo_frames()
    live = frames[45]
    no_ref = svc.check_alignment("CAM-A", live)
    assert no_ref.status is AlignmentStatus.UNKNOWN
    assert "no reference frame" in no_ref.message
    with pytest.raises(ValidationError, match="not a readable image"):
        svc.save(ADMIN, "CAM-A", [ZoneDraft("A", SQUARE)], expected={}, reason="x",
                 reference_png=b"garbage")  # fmt: skip
    result = svc.save(ADMIN, "CAM-A", [ZoneDraft("A", SQUARE)], expected={}, reason="calibrated",
                      reference_png=encode_png(frames[0]))  # fmt: skip
    assert result.reference_saved
    assert sorted(e.topic.value for e in result.events) == ["camera", "zone"]
    loaded = svc.load("CAM-A")
    assert loaded.camera.has_reference
    assert loaded.camera.calibration["reference_by"] == "admin"
    assert loaded.camera.calibration["reference_size"] == [480, 270]
    assert (loaded.camera.width, loaded.camera.height) == (480, 270)
    assert svc.check_alignment("CAM-A", live).status is AlignmentStatus.ALIGNED
    m = np.float32([[1, 0, 30], [0, 1, 10]])
    nudged = cv2.warpAffine(live, m, (480, 270), borderMode=cv2.BORDER_REFLECT)
    check = svc.check_alignment("CAM-A", nudged)
    assert check.status is AlignmentStatus.MOVED
    assert [r["action"] for r in _audit(app, "camera")] == ["camera.reference_frame"]


def test_link_targets_list_work_centres_and_stations(sqlite_url: str, make_app: Any) -> None:
    svc = _with_cameras(make_app(sqlite_url))
    targets = svc.link_targets()
    assert targets.work_centres == (("WC-G1000", "CNC G1000"), ("WC-SAV100", "Press SAV100"))
    assert targets.stations == ("G1000", "SAV100")
    assert [c.id for c in svc.cameras()] == ["CAM-A", "CAM-B"]
    assert svc.load("CAM-A").reference_png is None
