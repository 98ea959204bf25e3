"""A seat with two cameras on the demo clip, and the zone editor open on the first one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from desktop.zones.editor import ZoneEditor
from domain.model.vision import Camera
from tests.services.persistence.helpers import ADMIN, seed_minimal

LEFT = Qt.MouseButton.LeftButton


def add_cameras(app: Any) -> None:
    seed_minimal(app)
    with app.uow(ADMIN) as uow:
        for cid, name in (("CAM-A", "Assembly"), ("CAM-B", "Packing")):
            uow.repos.cameras.add(Camera(cid, name, "demo:worker-zone-detection.gif", loop=True))
        uow.commit()


@pytest.fixture
def seat(sqlite_url: str, make_app: Any) -> Any:
    app = make_app(sqlite_url)
    add_cameras(app)
    return app


@pytest.fixture
def open_editor(qtbot: Any, make_ctx: Any) -> Callable[..., ZoneEditor]:
    def _open(app: Any, actor: Any = None, camera: str = "CAM-A") -> ZoneEditor:
        ctx = make_ctx(app, actor)
        editor = ZoneEditor(ctx)
        qtbot.addWidget(editor)
        editor.resize(1300, 760)
        editor.show()
        qtbot.waitUntil(lambda: editor.camera_id == "CAM-A" and editor.frame is not None,
                        timeout=15000)  # fmt: skip
        if camera != "CAM-A":
            with qtbot.waitSignal(editor.loaded, timeout=15000):
                editor.load_camera(camera)
        editor.view.setFocus()
        return editor

    return _open


def at(editor: ZoneEditor, x: float, y: float) -> QPoint:
    """Viewport position of the picture's pixel (x, y)."""
    return editor.view.mapFromScene(QPointF(x, y))


def click(editor: ZoneEditor, x: float, y: float, button: Qt.MouseButton = LEFT) -> None:
    QTest.mouseClick(
        editor.view.viewport(), button, Qt.KeyboardModifier.NoModifier, at(editor, x, y)
    )


def drag(
    editor: ZoneEditor, start: tuple[float, float], end: tuple[float, float], steps: int = 4
) -> None:
    vp = editor.view.viewport()
    QTest.mousePress(vp, LEFT, Qt.KeyboardModifier.NoModifier, at(editor, *start))
    for i in range(1, steps + 1):
        f = i / steps
        x = start[0] + (end[0] - start[0]) * f
        y = start[1] + (end[1] - start[1]) * f
        QTest.mouseMove(vp, at(editor, x, y))
    QTest.mouseRelease(vp, LEFT, Qt.KeyboardModifier.NoModifier, at(editor, *end))


def draw(editor: ZoneEditor, points: list[tuple[float, float]], close: str = "enter") -> None:
    """Draw a polygon with the mouse; close it with Enter or a double-click on the last point."""
    editor.view.start_drawing()
    for x, y in points[:-1] if close == "dclick" else points:
        click(editor, x, y)
    if close == "dclick":
        QTest.mouseDClick(editor.view.viewport(), LEFT, Qt.KeyboardModifier.NoModifier,
                          at(editor, *points[-1]))  # fmt: skip
    else:
        QTest.keyClick(editor.view, Qt.Key.Key_Return)


def pixels(editor: ZoneEditor, index: int = -1) -> list[tuple[float, float]]:
    """The zone's vertices in picture pixels, to the precision a mouse has at this zoom."""
    key = editor.doc.keys()[index]
    step = 1.0 / editor.view.zoom  # one screen pixel in picture pixels
    return [(_snap_to(x, step), _snap_to(y, step)) for x, y in editor.doc.pixels(key)]


def _snap_to(v: float, step: float) -> float:
    """``v`` rounded to a whole picture pixel when it lies within a screen pixel of one."""
    r = round(v)
    return float(r) if abs(v - r) <= step else round(v, 2)
