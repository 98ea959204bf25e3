"""The camera host while it runs: zone and camera changes without restarts, a dead camera
among live ones, and what a viewer without the live-video permission gets."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from domain.errors import NotFound
from domain.events import Change, Topic
from services.persistence.tables.vision import work_sessions
from tests.services.vision.conftest import (
    ADMIN,
    SUPER,
    VIEWER,
    add_camera,
    demo_zones,
    empty_zone,
    wait_until,
)


def save_zones(app: Any, camera_id: str, zones: list[Any]) -> list[Any]:
    """Replace a camera's zones the way a zone editor does: one unit of work, a ZONE event."""
    with app.uow(ADMIN) as uow:
        for z in uow.repos.zones.list():
            if z.camera_id == camera_id:
                uow.repos.zones.delete(z.id)
        uow.repos.zones.add_many(zones)
        uow.record(Change(Topic.ZONE, "zones_saved", tuple(z.id for z in zones)))
        return uow.commit()


def newest_zone_ids(rt: Any) -> set[str]:
    _, view = rt.latest.get()
    return set() if view is None else {c.zone_id for c in view.observation.counts}


def test_zones_changed_while_running_are_picked_up_without_a_restart(
    sqlite_app: Any, make_host: Any
) -> None:
    add_camera(sqlite_app, "CAM-T", [empty_zone("CAM-T")], loop=True)
    host = make_host(sqlite_app)
    changes: list[int] = []
    host.add_listener(lambda: changes.append(1))
    host.start()
    assert host.wait_ready(30)
    rt = host.camera("CAM-T")
    assert wait_until(lambda: newest_zone_ids(rt) == {"ZE"})
    pipeline = rt.pipeline
    seen_before = len(changes)

    events = save_zones(sqlite_app, "CAM-T", demo_zones("CAM-T"))
    host.apply_changes(events)
    assert wait_until(lambda: newest_zone_ids(rt) == {"Z01", "Z02", "Z03"}, 15)
    assert rt.pipeline is pipeline, "the running pipeline took the zones, no restart"
    assert [z.id for z in rt.zones] == ["Z01", "Z02", "Z03"]
    assert [s.zone_id for s in rt.zone_states()] == ["Z01", "Z02", "Z03"]
    assert len(changes) > seen_before, "listeners heard about the new zones"
    # the worker walks through the stations: visits of the new zones are recorded
    assert wait_until(lambda: any(c.count for c in rt.zone_states()), 15)
    host.stop()
    with sqlite_app.engine.connect() as conn:
        zone_ids = set(conn.execute(select(work_sessions.c.zone_id)).scalars())
    assert zone_ids
    assert zone_ids <= {"Z01", "Z02", "Z03"}


def test_a_dead_camera_does_not_stop_the_others(sqlite_app: Any, make_host: Any) -> None:
    add_camera(sqlite_app, "CAM-BAD", [], source="/nowhere/camera.mp4")
    add_camera(sqlite_app, "CAM-T", demo_zones("CAM-T"))
    host = make_host(sqlite_app)
    host.start()
    assert host.wait_ready(30)
    assert host.camera_ids() == ["CAM-BAD", "CAM-T"]
    bad = host.camera("CAM-BAD")
    assert wait_until(lambda: bad.error is not None)
    assert "/nowhere/camera.mp4" in (bad.error or "")
    health = bad.health()
    assert not health.connected
    assert health.last_error == bad.error
    good = host.camera("CAM-T")
    assert wait_until(lambda: good.health().finished, 60), "the good camera played its clip"
    assert good.error is None
    assert good.health().frames_analysed > 10
    assert bad.error is not None, "still failing, retried in the background"
    with pytest.raises(NotFound):
        host.camera("CAM-NONE")
    host.stop()
    with sqlite_app.engine.connect() as conn:
        cams = set(conn.execute(select(work_sessions.c.camera_id)).scalars())
    assert cams == {"CAM-T"}


def test_cameras_added_and_removed_while_running(sqlite_app: Any, make_host: Any) -> None:
    host = make_host(sqlite_app, persist=False)
    host.start()
    assert host.wait_ready(30)
    assert host.camera_ids() == []
    add_camera(sqlite_app, "CAM-T", [empty_zone("CAM-T")], loop=True)
    host.apply_changes([_event(Topic.CAMERA)])
    assert wait_until(lambda: host.camera_ids() == ["CAM-T"], 15)
    rt = host.camera("CAM-T")
    assert wait_until(lambda: rt.latest.seq > 0, 15)
    with sqlite_app.uow(ADMIN) as uow:
        uow.repos.cameras.delete("CAM-T")
        uow.commit()
    host.apply_changes([_event(Topic.CAMERA)])
    assert wait_until(lambda: host.camera_ids() == [], 15)
    assert wait_until(lambda: rt.latest.closed, 15), "a wait on a removed camera returns"


def _event(topic: Topic) -> Any:
    from domain.events import ChangeEvent
    from tests.conftest import NOW

    return ChangeEvent(1, NOW, topic, "saved", ("CAM-T",), "admin", "seat-1")


def test_a_viewer_gets_counts_and_overlays_but_no_picture(sqlite_app: Any, make_host: Any) -> None:
    add_camera(sqlite_app, "CAM-T", demo_zones("CAM-T"), loop=True)
    watching = make_host(sqlite_app, SUPER, persist=False)
    viewing = make_host(sqlite_app, VIEWER, persist=False)
    blurred = make_host(sqlite_app, SUPER, persist=False, blur=True)
    assert watching.can_view_video
    assert not viewing.can_view_video
    for h in (watching, viewing, blurred):
        h.start()
        assert h.wait_ready(30)

    def with_person(host: Any) -> Any:
        rt = host.camera("CAM-T")
        assert wait_until(lambda: (v := rt.latest.get()[1]) is not None and v.observation.persons)
        return rt.latest.get()[1]

    seen = with_person(watching)
    blank = with_person(viewing)
    pix = with_person(blurred)
    assert seen.frame.any(), "a supervisor sees the picture"
    assert blank.frame.shape == seen.frame.shape
    assert not blank.frame.any(), "a viewer gets a blank frame of the same size"
    assert not blank.frame.flags.writeable
    assert blank.observation.persons, "... with the people and zone counts to draw"
    assert blank.observation.counts
    x1, y1, x2, y2 = (int(v) for v in pix.observation.persons[0].box)
    inside = pix.frame[y1:y2, x1:x2]
    assert len(np.unique(inside.reshape(-1, 3), axis=0)) <= 8 * 16, "people are pixelated"
