"""Fixtures for the camera host, the store and the workers.

Tests run on a fresh migrated database (SQLite, or PostgreSQL through ``db_url``) seeded with
what a camera host needs and nothing else: cameras on the bundled demo clip (71 frames,
4.3 s at 16.7 fps, played once unless a test loops it), the demo zones, the seed-003 day
schedule of NOW's day and the users. The ONNX model at 320 is loaded once per session and
shared by every host (as one host shares it between its cameras).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import time as dtime
from typing import Any

import pytest

from domain.auth import Actor, Role, User
from domain.model.vision import BreakWindow, Camera, DaySchedule, Zone
from domain.rules.zone_presence import PresenceRules
from tests.conftest import NOW
from tests.datasets import REPO

ONNX_MODEL = REPO / "resources" / "models" / "yolov8n-320.onnx"
DEMO_ZONES = REPO / "resources" / "demo" / "zones.json"
DEMO_SOURCE = "demo:worker-zone-detection.gif"

ADMIN = Actor("admin", Role.ADMIN, "seat-1")
SUPER = Actor("super", Role.SUPERVISOR, "seat-1")
VIEWER = Actor("viewer", Role.VIEWER, "seat-2")

# a 4 s clip: presence rules shorter than the defaults meant for live cameras (as tests/vision)
FAST_RULES = PresenceRules(debounce_s=0.3, grace_s=0.5, min_track_s=0.6)

# a corner of the frame where nobody walks in the demo clip
EMPTY_CORNER = ((0.90, 0.02), (0.99, 0.02), (0.99, 0.12), (0.90, 0.12))


def demo_zones(camera_id: str, prefix: str = "") -> list[Zone]:
    data = json.loads(DEMO_ZONES.read_text(encoding="utf-8"))
    return [
        Zone(
            id=f"{prefix}{z['id']}",
            camera_id=camera_id,
            name=str(z["name"]),
            polygon=tuple((float(x), float(y)) for x, y in z["polygon"]),
            min_workers=int(z.get("min_workers", 1)),
            max_workers=int(z.get("max_workers", 3)),
            alert_on_empty=False,
            alert_on_overflow=False,
        )
        for z in data["zones"]
    ]


def empty_zone(camera_id: str, zone_id: str = "ZE") -> Zone:
    return Zone(zone_id, camera_id, "Empty corner", EMPTY_CORNER, min_workers=1,
                max_workers=2, alert_on_empty=True, alert_on_overflow=False)  # fmt: skip


def seed_day(app: Any) -> None:
    """Users (admin, super, viewer) and the seed-003 day schedule of NOW's day."""
    with app.uow(ADMIN) as uow:
        for name, role in (("admin", Role.ADMIN), ("super", Role.SUPERVISOR),
                           ("viewer", Role.VIEWER)):  # fmt: skip
            uow.repos.users.add(User(name, name.title(), role))
        uow.repos.day_schedules.add(
            DaySchedule(
                NOW.date(),
                dtime(8),
                dtime(17),
                (BreakWindow(dtime(10), 15), BreakWindow(dtime(15), 15)),
                11,
            )
        )
        uow.commit()


def add_camera(
    app: Any,
    camera_id: str,
    zones: list[Zone],
    *,
    source: str = DEMO_SOURCE,
    loop: bool = False,
) -> None:
    with app.uow(ADMIN) as uow:
        uow.repos.cameras.add(Camera(camera_id, f"Camera {camera_id}", source, loop=loop))
        if zones:
            uow.repos.zones.add_many(zones)
        uow.commit()


@dataclass
class Shared:
    detector: Any


@pytest.fixture(scope="session")
def shared_detector() -> Any:
    from vision.detect import SharedDetector, load_detector

    return SharedDetector(load_detector(ONNX_MODEL), serial=False)  # as the host shares it


@pytest.fixture
def vision_app(db_url: str, make_app: Callable[..., Any]) -> Any:
    app = make_app(db_url)
    seed_day(app)
    return app


@pytest.fixture
def sqlite_app(sqlite_url: str, make_app: Callable[..., Any]) -> Any:
    app = make_app(sqlite_url)
    seed_day(app)
    return app


@pytest.fixture
def make_host(shared_detector: Any) -> Iterator[Callable[..., Any]]:
    """Camera hosts on the shared model with short rules; stopped after the test."""
    from services.vision.host import CameraHost
    from services.vision.store import StoreSettings
    from vision.analyzer import AnalyzerSettings

    hosts: list[Any] = []

    def _make(app: Any, actor: Actor = ADMIN, **kw: Any) -> Any:
        kw.setdefault("detector", shared_detector)
        kw.setdefault("analyzer_settings", AnalyzerSettings(presence=FAST_RULES, alert_hold_s=1.0))
        kw.setdefault(
            "store_settings",
            StoreSettings(
                flush_interval_s=0.5,
                summary_interval_s=1.0,
                log_interval_s=1.0,
                run_retention=False,
            ),
        )
        kw.setdefault("retry_s", 0.5)
        host = CameraHost(app, actor, **kw)
        hosts.append(host)
        return host

    yield _make
    for h in hosts:
        h.stop()


def wait_until(cond: Callable[[], Any], timeout: float = 30.0, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(step)
    return bool(cond())


def run_clip_once(host: Any, camera_ids: list[str], timeout: float = 60.0) -> None:
    """Start the host, wait until every camera played its clip to the end, stop it."""
    host.start()
    assert host.wait_ready(30)
    assert wait_until(lambda: sorted(host.camera_ids()) == sorted(camera_ids), 15)
    assert wait_until(lambda: all(host.camera(c).health().finished for c in camera_ids), timeout), [
        host.camera(c).health() for c in camera_ids
    ]
    host.stop()
