"""Camera leases and vision workers: cameras shared one owner each, taken over after a death."""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import func, select, update

from domain.auth import Actor, Role
from domain.model.vision import Camera, CameraStatus
from services.persistence.tables.system import settings
from services.persistence.tables.vision import cameras, work_sessions
from services.vision.leases import (
    CameraLeases,
    LeaseSettings,
    camera_owners,
    cameras_held_by_workers,
    db_now,
)
from services.vision.store import StoreSettings
from services.vision.worker import VisionWorker
from tests.services.vision.conftest import (
    ADMIN,
    FAST_RULES,
    add_camera,
    demo_zones,
    empty_zone,
    run_clip_once,
    wait_until,
)
from vision.analyzer import AnalyzerSettings

SYSTEM = Actor("system", Role.ADMIN, "worker", source="vision")
QUICK = LeaseSettings(ttl_s=1.0, heartbeat_s=0.2)


def add_cameras(app: Any, n: int) -> list[str]:
    ids = [f"CAM-{i}" for i in range(1, n + 1)]
    with app.uow(ADMIN) as uow:
        uow.repos.cameras.add_many(Camera(c, c, "demo:worker-zone-detection.gif") for c in ids)
        uow.commit()
    return ids


def owners(app: Any) -> dict[str, str | None]:
    return {cid: w for cid, (w, _) in camera_owners(app).items()}


def test_two_workers_share_the_cameras_and_one_takes_over_after_expiry(vision_app: Any) -> None:
    ids = add_cameras(vision_app, 3)
    a = CameraLeases(vision_app, SYSTEM, "worker-a", QUICK)
    b = CameraLeases(vision_app, SYSTEM, "worker-b", QUICK)

    first = a.renew()
    assert first.owned == tuple(ids), "alone, a worker takes every camera"
    assert first.taken == tuple(ids)
    assert first.workers == 1

    joined = b.renew()
    assert joined.owned == (), "b is counted from now on, but every camera has a live owner"
    assert joined.workers == 2
    again = a.renew()
    assert again.workers == 2
    assert again.surplus == ("CAM-3",), "a keeps its fair share, ceil(3 / 2) = 2"
    a.release(again.surplus)
    assert b.renew().taken == ("CAM-3",)
    assert owners(vision_app) == {"CAM-1": "worker-a", "CAM-2": "worker-a", "CAM-3": "worker-b"}
    assert a.renew().owned == ("CAM-1", "CAM-2")
    assert b.renew().owned == ("CAM-3",), "stable: nobody takes a live worker's camera"

    # worker a dies: no more heartbeats. Before the lease time nothing moves ...
    assert b.renew().taken == ()
    time.sleep(QUICK.ttl_s + 0.2)
    took = b.renew()
    assert took.taken == ("CAM-1", "CAM-2"), "... after it, b takes the cameras over"
    assert took.workers == 1
    assert set(owners(vision_app).values()) == {"worker-b"}
    back = a.renew()  # a comes back (a long pause, not a death): it lost them
    assert back.lost == ("CAM-1", "CAM-2")
    assert back.owned == ()

    b.release_all()
    assert set(owners(vision_app).values()) == {None}
    with vision_app.engine.connect() as conn:
        keys = set(conn.execute(select(settings.c.key)).scalars())
    assert "vision.worker.worker-b" not in keys
    assert "vision.worker.worker-a" in keys


def test_leases_leave_the_camera_version_alone_and_skip_inactive_cameras(
    vision_app: Any,
) -> None:
    add_cameras(vision_app, 2)
    with vision_app.uow(ADMIN) as uow:
        cam = uow.repos.cameras.require("CAM-2")
        cam.status = CameraStatus.INACTIVE
        uow.repos.cameras.update(cam)
        uow.commit()
    lease = CameraLeases(vision_app, SYSTEM, "w", QUICK)
    assert lease.renew().owned == ("CAM-1",)
    lease.renew()
    with vision_app.uow(ADMIN) as uow:
        cam = uow.repos.cameras.require("CAM-1")
        assert cam.version == 1, "heartbeats are not edits: a person's edit does not go stale"
        assert cam.worker_id == "w"
        assert cam.last_seen_at is not None


def test_cameras_held_by_live_workers(vision_app: Any) -> None:
    add_cameras(vision_app, 3)
    assert cameras_held_by_workers(vision_app) == frozenset()
    lease = CameraLeases(
        vision_app, SYSTEM, "w", LeaseSettings(ttl_s=1.0, heartbeat_s=0.2, max_cameras=2)
    )
    lease.renew()
    assert cameras_held_by_workers(vision_app, ttl_s=1.0) == {"CAM-1", "CAM-2"}
    time.sleep(1.2)  # the worker stops renewing: its cameras are nobody's
    assert cameras_held_by_workers(vision_app, ttl_s=1.0) == frozenset()


def test_a_desktop_host_does_not_record_a_camera_a_worker_holds(
    vision_app: Any, make_host: Any
) -> None:
    add_camera(vision_app, "CAM-W", demo_zones("CAM-W"))
    with vision_app.engine.begin() as conn:  # a live worker's lease, renewed just now
        now = db_now(conn)
        conn.execute(update(cameras).values(worker_id="worker-x", last_seen_at=now))
    host = make_host(vision_app, defer_to_workers=True)
    run_clip_once(host, ["CAM-W"])
    assert host.camera("CAM-W").health().frames_analysed > 0, "shown on the wall all the same"
    with vision_app.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(work_sessions)).scalar_one() == 0


def test_a_racing_take_has_one_winner(vision_app: Any) -> None:
    add_cameras(vision_app, 1)
    with vision_app.engine.begin() as conn:  # an expired lease of a dead worker
        conn.execute(update(cameras).values(worker_id="dead", last_seen_at=None))
    leases = [CameraLeases(vision_app, SYSTEM, f"w{i}", QUICK) for i in range(4)]
    results: list[tuple[str, ...]] = []
    barrier = threading.Barrier(len(leases))

    def take(lease: CameraLeases) -> None:
        barrier.wait()
        results.append(lease.renew().taken)

    threads = [threading.Thread(target=take, args=(x,)) for x in leases]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results, key=len) == [(), (), (), ("CAM-1",)]
    assert owners(vision_app)["CAM-1"] in {"w0", "w1", "w2", "w3"}


def test_workers_run_the_cameras_they_own_and_take_over_a_dead_one(
    sqlite_app: Any, shared_detector: Any
) -> None:
    add_camera(sqlite_app, "CAM-A", demo_zones("CAM-A", "A-"), loop=True)
    add_camera(sqlite_app, "CAM-B", [empty_zone("CAM-B", "B-E")], loop=True)
    lease = LeaseSettings(ttl_s=1.5, heartbeat_s=0.25)

    def worker(name: str) -> VisionWorker:
        return VisionWorker(
            sqlite_app,
            name,
            lease=lease,
            detector=shared_detector,
            analyzer_settings=AnalyzerSettings(presence=FAST_RULES, alert_hold_s=1.0),
            store_settings=StoreSettings(
                flush_interval_s=0.5, log_interval_s=1.0, run_retention=False
            ),
            poll_interval=0.5,
        )

    w1, w2 = worker("w1"), worker("w2")
    stop1, stop2 = threading.Event(), threading.Event()
    out: dict[str, Any] = {}
    t1 = threading.Thread(target=lambda: out.update(w1=w1.run(stop1, release=False)))
    t1.start()
    assert wait_until(lambda: w1.host.camera_ids() == ["CAM-A", "CAM-B"], 20)
    t2 = threading.Thread(target=lambda: out.update(w2=w2.run(stop2)))
    t2.start()
    assert wait_until(
        lambda: len(w1.host.camera_ids()) == 1 and len(w2.host.camera_ids()) == 1, 20
    ), "the cameras spread over both workers"
    assert set(w1.host.camera_ids()) | set(w2.host.camera_ids()) == {"CAM-A", "CAM-B"}
    assert sorted(owners(sqlite_app).values()) == ["w1", "w2"]
    moved = w1.host.camera_ids()[0]
    assert wait_until(lambda: w2.host.camera(w2.host.camera_ids()[0]).latest.seq > 3, 20)

    stop1.set()  # w1 "dies": its threads end, its leases stay until they expire
    t1.join(30)
    assert owners(sqlite_app)[moved] == "w1"
    assert wait_until(lambda: sorted(w2.host.camera_ids()) == ["CAM-A", "CAM-B"], 20)
    assert owners(sqlite_app) == {"CAM-A": "w2", "CAM-B": "w2"}
    assert wait_until(lambda: w2.host.camera(moved).latest.seq > 3, 20), "w2 analyses it"
    stop2.set()
    t2.join(30)
    assert moved in out["w2"].taken
    assert set(owners(sqlite_app).values()) == {None}, "a clean stop hands the cameras back"
    with sqlite_app.engine.connect() as conn:
        open_sessions = conn.execute(
            select(work_sessions.c.id).where(work_sessions.c.status == "active")
        ).all()
    assert open_sessions == [], "no session is left open"
