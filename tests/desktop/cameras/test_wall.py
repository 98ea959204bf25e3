"""The camera wall: newest-frame pulls, layouts per seat, maximise, detach, permissions, and a
real live pipeline on the demo clip."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest

from desktop.cameras.feeds import PipelineFeed, PipelineSource
from desktop.cameras.overlay import ZoneState
from desktop.cameras.wall import CameraWall
from domain.model.vision import Camera
from tests.desktop.cameras.fakes import FakeFeed, FakeSource, frame, observation, person
from vision.analyzer import FrameAnalyzer
from vision.detect import Detections
from vision.pipeline import LivePipeline
from vision.track import make_tracker
from vision.zones import load_zones_file

REPO = Path(__file__).resolve().parents[3]
CLIP = REPO / "resources" / "demo" / "worker-zone-detection.gif"


def make_wall(qtbot: Any, tmp_path: Path, source: Any = None, **kw: Any) -> CameraWall:
    settings = QSettings(str(tmp_path / "wall.ini"), QSettings.Format.IniFormat)
    wall = CameraWall(settings, "seat-1", **kw)
    qtbot.addWidget(wall)
    wall.resize(1000, 640)
    wall.show()
    if source is not None:
        wall.set_source(source)
    return wall


def test_a_tile_takes_only_the_newest_frame(qtbot: Any, tmp_path: Path) -> None:
    feed = FakeFeed("C1")
    wall = make_wall(qtbot, tmp_path, FakeSource([feed]))
    tile = wall.tiles["C1"]
    for i in range(5):  # five frames arrive before the GUI looks
        feed.publish(observation(float(i), index=i), frame((0, 0, 50 * i)))
    assert tile.pull()
    assert tile.pictures_taken == 1  # one picture taken: the fifth; none queued
    assert tile.observation is not None
    assert tile.observation.frame_index == 4
    assert tile.image is not None
    assert tile.image.image.pixelColor(5, 5).red() == 200
    assert not tile.pull()  # nothing newer: nothing to do
    # the tile only peeked: the newest value is still there for a consumer that takes it
    taken = feed.latest.take(timeout=0)
    assert taken is not None
    assert taken[0] == 5


def test_overlays_and_the_picture_are_drawn(qtbot: Any, tmp_path: Path) -> None:
    feed = FakeFeed("C1")
    wall = make_wall(qtbot, tmp_path, FakeSource([feed]), poll_ms=10)
    feed.publish(observation(2.0, [person(3, (60, 60, 180, 240), ("Z1",))]), frame((0, 0, 255)))
    wall.start()
    tile = wall.tiles["C1"]
    qtbot.waitUntil(lambda: tile.frames_painted >= 1, timeout=5000)
    assert {s.zone_id: s.state for s in tile.statuses} == {
        "Z1": ZoneState.OK, "Z2": ZoneState.EMPTY,
    }  # fmt: skip
    image = tile.grab().toImage()
    content = tile.content()
    assert content.display_fps is None or content.display_fps > 0
    # a pixel of the picture outside every zone is the picture's red
    target = _picture_rect(tile)
    x = int(target[0] + 0.50 * target[2])
    y = int(target[1] + 0.95 * target[3])
    assert image.pixelColor(x, y) == QColor(255, 0, 0)
    # inside the right zone (empty: grey tint over red)
    x = int(target[0] + 0.75 * target[2])
    y = int(target[1] + 0.75 * target[3])
    inside = image.pixelColor(x, y)
    assert inside != QColor(255, 0, 0)
    assert inside.green() > 20  # the grey state colour mixed in
    wall.stop()


def _picture_rect(tile: Any) -> tuple[float, float, float, float]:
    from PySide6.QtCore import QRectF

    from desktop.cameras.painting import HEADER_H, fit_rect

    body = QRectF(0, HEADER_H, tile.width(), tile.height() - HEADER_H)
    r = fit_rect(body, 480, 270)
    return (r.x(), r.y(), r.width(), r.height())


def test_without_video_permission_the_picture_stays_blank(qtbot: Any, tmp_path: Path) -> None:
    feed = FakeFeed("C1")
    wall = make_wall(qtbot, tmp_path, FakeSource([feed]), show_video=False)
    feed.publish(observation(2.0, [person(3, (60, 60, 180, 240), ("Z1",))]), frame((0, 0, 255)))
    tile = wall.tiles["C1"]
    assert tile.pull()
    assert tile.image is None  # never even wrapped
    assert tile.observation is not None  # the counts and boxes still arrive
    image = tile.grab().toImage()
    x0, y0, w, h = _picture_rect(tile)
    red = sum(
        1
        for fx in np.linspace(0.02, 0.98, 20)
        for fy in np.linspace(0.3, 0.98, 10)
        if image.pixelColor(int(x0 + fx * w), int(y0 + fy * h)) == QColor(255, 0, 0)
    )
    assert red == 0
    assert tile.content().show_video is False


def test_layouts_are_saved_per_seat(qtbot: Any, tmp_path: Path) -> None:
    feeds = [FakeFeed(f"C{i}") for i in range(1, 6)]
    wall = make_wall(qtbot, tmp_path, FakeSource(feeds))
    assert wall.layout_spec.name == "2x2"
    assert wall.visible_ids() == ["C1", "C2", "C3", "C4"]
    assert wall.pages() == 2
    wall.show_page(1)
    assert wall.visible_ids() == ["C5"]
    wall.set_layout("3x3")
    assert wall.visible_ids() == ["C1", "C2", "C3", "C4", "C5"]
    assert [t.isVisible() for t in wall.tiles.values()] == [True] * 5
    wall.set_layout("1")
    assert wall.visible_ids() == ["C1"]
    assert not wall.tiles["C2"].isVisible()
    wall.set_layout("custom", rows=1, cols=3, order=("C4", "C2"))
    assert wall.visible_ids() == ["C4", "C2", "C1"]
    # the same seat's next wall comes back the same; another seat has its own
    again = make_wall(qtbot, tmp_path, FakeSource(feeds))
    assert (again.layout_spec.name, again.layout_spec.rows, again.layout_spec.cols) == (
        "custom", 1, 3,
    )  # fmt: skip
    assert again.visible_ids() == ["C4", "C2", "C1"]
    other = CameraWall(wall.settings, "seat-2")
    qtbot.addWidget(other)
    assert other.layout_spec.name == "2x2"


def test_double_click_maximises_and_a_tile_detaches(qtbot: Any, tmp_path: Path) -> None:
    feeds = [FakeFeed(f"C{i}") for i in range(1, 5)]
    wall = make_wall(qtbot, tmp_path, FakeSource(feeds))
    tile = wall.tiles["C3"]
    QTest.mouseDClick(tile, Qt.MouseButton.LeftButton)
    assert wall.visible_ids() == ["C3"]
    assert tile.maximised
    assert not wall.tiles["C1"].isVisible()
    QTest.mouseDClick(tile, Qt.MouseButton.LeftButton)
    assert wall.visible_ids() == ["C1", "C2", "C3", "C4"]
    # detach C2 to a window of its own (a second monitor); the wall closes the gap
    menu = wall.tiles["C2"].context_menu()
    detach = next(a for a in menu.actions() if a.text().startswith("Open in its own window"))
    detach.trigger()
    window = wall.windows["C2"]
    assert window.isVisible()
    assert window.tile is wall.tiles["C2"]
    assert wall.visible_ids() == ["C1", "C3", "C4"]
    feeds[1].publish(observation(1.0))
    wall._tick()  # the detached tile still gets its frames
    assert wall.tiles["C2"].observation is not None
    # the next wall of this seat opens it detached again; closing the window brings it back
    window.close()
    assert "C2" not in wall.windows
    assert wall.visible_ids() == ["C1", "C2", "C3", "C4"]
    wall.detach("C2")
    wall.close_windows()
    again = make_wall(qtbot, tmp_path, FakeSource(feeds))
    assert list(again.windows) == ["C2"]
    again.close_windows()


def test_feeds_come_and_go(qtbot: Any, tmp_path: Path) -> None:
    source = FakeSource([FakeFeed("C1"), FakeFeed("C2")])
    wall = make_wall(qtbot, tmp_path, source)
    assert list(wall.tiles) == ["C1", "C2"]
    del source.feeds["C1"]
    source.feeds["C3"] = FakeFeed("C3")
    wall.set_source(source)
    assert list(wall.tiles) == ["C2", "C3"]
    wall.set_source(None, "no cameras configured")
    assert wall.tiles == {}
    assert wall.status.text() == "no cameras configured"


class _OnePerson:
    """A detector that always sees one worker standing in the demo's first zone."""

    backend = "fake"
    imgsz = 320
    conf = 0.25
    path = Path("fake")

    def detect(self, frame: np.ndarray) -> Detections:
        return Detections(np.array([[40, 120, 110, 262]], np.float32), np.array([0.9], np.float32))


def test_a_live_pipeline_on_the_demo_clip_plays_on_the_wall(qtbot: Any, tmp_path: Path) -> None:
    zones = load_zones_file(REPO / "resources" / "demo" / "zones.json", camera_id="CAM-01")
    analyzer = FrameAnalyzer("CAM-01", zones, _OnePerson(), make_tracker("edgefirst"))
    pipeline = LivePipeline(analyzer, str(CLIP), loop=True)
    feed = PipelineFeed(Camera("CAM-01", "Demo", "demo:worker-zone-detection.gif"), zones, pipeline)
    wall = make_wall(qtbot, tmp_path, PipelineSource([feed]), poll_ms=10)
    pipeline.start()
    try:
        wall.start()
        tile = wall.tiles["CAM-01"]
        qtbot.waitUntil(lambda: tile.frames_painted >= 20, timeout=20000)
        qtbot.waitUntil(lambda: any(s.count == 1 for s in tile.statuses), timeout=20000)
        obs = tile.observation
        assert obs is not None
        assert obs.person_count == 1
        station = next(s for s in tile.statuses if s.zone_id == "Z01")
        assert station.count == 1
        assert station.state is ZoneState.OK
        assert tile.image is not None
        assert not tile.image.copied  # the capture's frames are wrapped as they are
        health = feed.health()
        assert health is not None
        assert health.connected
        # video at the source rate: the picture may run ahead of the analysis (boxes dashed)
        assert tile.lag_frames >= 0
        menu = tile.context_menu()
        sync = next(a for a in menu.actions() if a.text().startswith("Analysed frames only"))
        sync.trigger()  # boxes always on their own frame from now on
        assert wall._synced_ids() == {"CAM-01"}
        painted = tile.frames_painted
        qtbot.waitUntil(lambda: tile.frames_painted >= painted + 3, timeout=20000)
        assert tile.lag_frames == 0
        wall.stop()
        pipeline.stop()
        tile.pull()
        _, view = feed.latest.get()
        assert view is not None
        assert tile.image is not None
        assert tile.image.array is view.frame  # the analysed frame itself, not a newer capture
    finally:
        pipeline.stop()


def test_people_boxes_are_outlines_not_fills(qtbot: Any, tmp_path: Path) -> None:
    feed = FakeFeed("C1", zones=())
    wall = make_wall(qtbot, tmp_path, FakeSource([feed]), show_video=True)
    boxes = [(50, 80, 120, 200), (200, 80, 280, 200), (350, 80, 430, 200)]
    people = [person(i, b, ()) for i, b in enumerate(boxes)]
    feed.publish(observation(1.0, people, zones=()), frame())
    tile = wall.tiles["C1"]
    assert tile.pull()
    image = tile.grab().toImage()
    x0, y0, w, h = _picture_rect(tile)
    for x1, y1, x2, y2 in boxes:  # the middle of every box still shows the picture
        cx, cy = (x1 + x2) / 2 / 480, (y1 + y2) / 2 / 270 + 0.03
        assert image.pixelColor(int(x0 + cx * w), int(y0 + cy * h)) == QColor(255, 0, 0)
