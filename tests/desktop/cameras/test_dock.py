"""The camera wall dock: the host starts when the wall is shown, follows zone changes, warns
about a moved camera, stops with the window; and the real CameraHost on the demo plant."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDockWidget, QMainWindow, QWidget

from desktop.cameras.dock import create_dock
from desktop.cameras.host_link import live_link
from domain.model.vision import Camera
from services.zones import ZoneDraft, ZoneService
from tests.desktop.cameras.fakes import FakeFeed, FakeSource, observation
from tests.services.persistence.helpers import ADMIN, seed_minimal
from vision.alignment import encode_png

REPO = Path(__file__).resolve().parents[3]


class Window(QMainWindow):
    """The part of MainWindow a feature dock uses."""

    def add_dock(
        self,
        name: str,
        title: str,
        widget: QWidget,
        area: Qt.DockWidgetArea = Qt.DockWidgetArea.RightDockWidgetArea,
    ) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock


def demo_frames(n: int = 45) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(REPO / "resources" / "demo" / "worker-zone-detection.gif"))
    out = []
    while len(out) < n:
        ok, f = cap.read()
        if not ok:
            break
        out.append(f)
    cap.release()
    return out


def test_the_dock_runs_the_host_while_the_window_is_open(
    qtbot: Any, sqlite_url: str, make_app: Any, make_ctx: Any
) -> None:
    app = make_app(sqlite_url)
    seed_minimal(app)
    with app.uow(ADMIN) as uow:
        uow.repos.cameras.add(Camera("CAM-A", "Assembly", "demo:worker-zone-detection.gif"))
        uow.commit()
    frames = demo_frames()
    ZoneService(app).save(ADMIN, "CAM-A", [ZoneDraft("A", ((0.1, 0.1), (0.4, 0.1), (0.4, 0.4)))],
                          expected={}, reason="x", reference_png=encode_png(frames[0]))  # fmt: skip
    feed = FakeFeed("CAM-A")
    source = FakeSource([feed])
    ctx = make_ctx(app)
    window = Window()
    qtbot.addWidget(window)
    dock = create_dock(ctx, window, factory=lambda: source, autostart=True)
    wall = dock.widget()
    assert not source.started  # nothing runs before the wall is seen
    window.show()
    qtbot.waitUntil(lambda: source.started and "CAM-A" in wall.tiles, timeout=10000)
    assert live_link(ctx) is not None
    assert wall.timer.isActive()

    # zone changes saved anywhere reach the host (it reloads the zones without a restart)
    ZoneService(app).save(ADMIN, "CAM-A", [ZoneDraft("B", ((0.5, 0.5), (0.9, 0.5), (0.9, 0.9)))],
                          expected=ZoneService(app).load("CAM-A").versions, reason="y")  # fmt: skip
    qtbot.waitUntil(lambda: len(source.applied) == 1, timeout=10000)
    assert source.applied[0][0].kind == "zones_saved"

    # the host reports a new camera from its own thread: the wall follows on the GUI thread
    source.feeds["CAM-B"] = FakeFeed("CAM-B")
    listener = source.listeners[0]
    threading.Thread(target=listener).start()  # type: ignore[arg-type]
    qtbot.waitUntil(lambda: "CAM-B" in wall.tiles, timeout=10000)

    # a camera whose picture moved since calibration gets a red band on its tile
    shifted = cv2.warpAffine(frames[40], np.float32([[1, 0, 30], [0, 1, 15]]), (480, 270),
                             borderMode=cv2.BORDER_REFLECT)  # fmt: skip
    feed.publish(observation(1.0), shifted)
    wall.controller.watch.check_now()
    qtbot.waitUntil(lambda: wall.tiles["CAM-A"].notice is not None, timeout=15000)
    assert "moved" in wall.tiles["CAM-A"].notice
    assert live_link(ctx).latest_frame("CAM-A") is shifted

    window.close()
    assert source.stopped
    assert source.listeners == []
    assert not wall.timer.isActive()
    assert live_link(ctx) is None


def test_a_seat_without_cameras_starts_nothing(
    qtbot: Any, sqlite_url: str, make_app: Any, make_ctx: Any
) -> None:
    app = make_app(sqlite_url)
    seed_minimal(app)
    source = FakeSource([])
    window = Window()
    qtbot.addWidget(window)
    dock = create_dock(make_ctx(app), window, factory=lambda: source, autostart=True)
    window.show()
    qtbot.waitUntil(lambda: dock.widget().status.text() == "no cameras configured", timeout=10000)
    assert not source.started
    window.close()


def test_offscreen_runs_wait_for_the_start_button(
    qtbot: Any, sqlite_url: str, make_app: Any, make_ctx: Any
) -> None:
    app = make_app(sqlite_url)
    seed_minimal(app)
    with app.uow(ADMIN) as uow:
        uow.repos.cameras.add(Camera("CAM-A", "Assembly", "demo:worker-zone-detection.gif"))
        uow.commit()
    source = FakeSource([FakeFeed("CAM-A")])
    window = Window()
    qtbot.addWidget(window)
    wall = create_dock(make_ctx(app), window, factory=lambda: source).widget()  # offscreen
    window.show()
    assert not wall.controller.requested  # showing the wall asked for nothing
    assert not source.started  # a smoke run or the self-test does not load a model
    assert wall.start_button.isVisible()
    QTest.mouseClick(wall.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: source.started and "CAM-A" in wall.tiles, timeout=10000)
    assert not wall.start_button.isVisible()
    window.close()
    assert source.stopped


def test_the_real_camera_host_on_the_demo_plant(
    qtbot: Any, demo_sqlite_url: str, make_app: Any, make_ctx: Any
) -> None:
    """The demo camera plays on the wall through CameraHost; a zone saved in the editor's
    service reaches the running pipeline without a restart."""
    from services.vision.host import CameraHost

    app = make_app(demo_sqlite_url)
    ctx = make_ctx(app)
    onnx = REPO / "resources" / "models" / "yolov8n-320.onnx"
    window = Window()
    qtbot.addWidget(window)
    dock = create_dock(
        ctx,
        window,
        factory=lambda: CameraHost(app, ctx.actor, model_path=onnx, persist=False),
        autostart=True,
    )
    wall = dock.widget()
    window.show()
    try:
        qtbot.waitUntil(lambda: "CAM-01" in wall.tiles, timeout=30000)
        tile = wall.tiles["CAM-01"]
        qtbot.waitUntil(lambda: tile.frames_painted >= 10 and tile.observation is not None,
                        timeout=30000)  # fmt: skip
        assert tile.image is not None
        assert {s.zone_id for s in tile.statuses} == {"Z01", "Z02", "Z03"}
        loaded = ZoneService(app).load("CAM-01")
        drafts = [*loaded.zones, ZoneDraft("Rework", ((0.05, 0.05), (0.25, 0.05), (0.25, 0.3)))]
        result = ZoneService(app).save(ADMIN, "CAM-01", drafts, expected=loaded.versions,
                                       reason="rework corner")  # fmt: skip
        new_id = result.created[0]
        host = live_link(ctx).host  # type: ignore[union-attr]
        qtbot.waitUntil(lambda: new_id in {z.id for z in host.camera("CAM-01").zones},
                        timeout=20000)  # fmt: skip
        assert host.camera("CAM-01").running  # picked up without a restart
        qtbot.waitUntil(lambda: new_id in {s.zone_id for s in tile.statuses}, timeout=20000)
    finally:
        window.close()
