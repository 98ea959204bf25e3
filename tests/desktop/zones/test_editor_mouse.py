"""The zone editor driven with QTest mouse and key events on the view's viewport."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.desktop.zones.conftest import at, click, drag, draw, pixels

SQUARE = [(60.0, 60.0), (200.0, 60.0), (200.0, 180.0), (60.0, 180.0)]


def test_draw_close_with_enter_or_double_click_and_cancel_with_esc(
    seat: Any, open_editor: Any
) -> None:
    editor = open_editor(seat)
    assert (editor.doc.width, editor.doc.height) == (480, 270)  # the demo camera's picture
    draw(editor, SQUARE, close="enter")
    assert len(editor.doc) == 1
    assert pixels(editor) == SQUARE
    assert editor.doc.drafts()[0].name == "Zone 1"
    assert editor.view.mode == "edit"

    draw(editor, [(300.0, 60.0), (420.0, 60.0), (420.0, 200.0)], close="dclick")
    assert len(editor.doc) == 2
    assert pixels(editor) == [(300.0, 60.0), (420.0, 60.0), (420.0, 200.0)]

    editor.view.start_drawing()
    click(editor, 250, 200)
    click(editor, 300, 220)
    QTest.keyClick(editor.view, Qt.Key.Key_Escape)
    assert editor.view.mode == "edit"
    assert len(editor.doc) == 2
    assert editor.undo.count() == 2  # the cancelled polygon left nothing to undo

    # too few vertices: Enter explains and keeps drawing
    editor.view.start_drawing()
    click(editor, 250, 200)
    click(editor, 300, 220)
    QTest.keyClick(editor.view, Qt.Key.Key_Return)
    assert editor.view.mode == "draw"
    assert "at least 3 vertices (it has 2)" in editor.status.text()
    click(editor, 250, 250)
    click(editor, 250.5, 200.5)  # on the first vertex: closes the polygon
    assert editor.view.mode == "edit"
    assert len(editor.doc) == 3
    assert len(editor.doc.drafts()[2].polygon) == 3


def test_drag_a_vertex_insert_on_an_edge_delete_and_undo_every_step(
    seat: Any, open_editor: Any
) -> None:
    editor = open_editor(seat)
    draw(editor, SQUARE)
    drag(editor, (200, 60), (230, 40))  # the top-right vertex
    assert pixels(editor) == [(60.0, 60.0), (230.0, 40.0), (200.0, 180.0), (60.0, 180.0)]

    click(editor, 130, 180)  # on the bottom edge: a vertex appears there
    assert pixels(editor) == [(60.0, 60.0), (230.0, 40.0), (200.0, 180.0), (130.0, 180.0),
                              (60.0, 180.0)]  # fmt: skip
    drag(editor, (130, 180), (130, 220))  # and can be dragged
    assert pixels(editor)[3] == (130.0, 220.0)

    click(editor, 60, 60)  # choose a vertex, Delete removes it
    QTest.keyClick(editor.view, Qt.Key.Key_Delete)
    assert pixels(editor) == [(230.0, 40.0), (200.0, 180.0), (130.0, 220.0), (60.0, 180.0)]

    texts = [editor.undo.text(i) for i in range(editor.undo.count())]
    assert texts == ["Draw zone 'Zone 1'", "Move vertex", "Insert vertex", "Move vertex",
                     "Delete vertex"]  # fmt: skip
    editor.undo.undo()
    assert len(pixels(editor)) == 5
    editor.undo.undo()
    assert pixels(editor)[3] == (130.0, 180.0)
    editor.undo.undo()
    assert len(pixels(editor)) == 4
    editor.undo.undo()
    assert pixels(editor) == SQUARE
    editor.undo.undo()
    assert len(editor.doc) == 0
    for _ in range(5):
        editor.undo.redo()
    assert pixels(editor) == [(230.0, 40.0), (200.0, 180.0), (130.0, 220.0), (60.0, 180.0)]


def test_a_triangle_keeps_its_vertices_and_the_context_menu_deletes(
    seat: Any, open_editor: Any
) -> None:
    editor = open_editor(seat)
    draw(editor, [(60.0, 60.0), (200.0, 60.0), (130.0, 180.0)])
    click(editor, 200, 60)
    QTest.keyClick(editor.view, Qt.Key.Key_Delete)
    assert len(pixels(editor)) == 3
    assert "at least 3 vertices" in editor.status.text()
    # the context menu on an edge inserts, on a vertex deletes
    menu = editor.view.context_menu_at(at(editor, 130, 60))
    labels = [a.text() for a in menu.actions()]
    assert labels == ["Insert vertex here", "Delete zone 'Zone 1'", "Draw a new zone"]
    menu.actions()[0].trigger()
    assert pixels(editor) == [(60.0, 60.0), (130.0, 60.0), (200.0, 60.0), (130.0, 180.0)]
    menu = editor.view.context_menu_at(at(editor, 130, 60))
    assert menu.actions()[0].text() == "Delete vertex"
    menu.actions()[0].trigger()
    assert len(pixels(editor)) == 3
    menu = editor.view.context_menu_at(at(editor, 130, 100))  # inside
    assert [a.text() for a in menu.actions()] == ["Delete zone 'Zone 1'", "Draw a new zone"]
    menu.actions()[0].trigger()
    assert len(editor.doc) == 0
    editor.undo.undo()
    assert len(editor.doc) == 1


def test_drag_the_whole_polygon_then_delete_the_zone(seat: Any, open_editor: Any) -> None:
    editor = open_editor(seat)
    draw(editor, SQUARE)
    QTest.keyClick(editor.view, Qt.Key.Key_Escape)  # nothing chosen
    drag(editor, (130, 120), (170, 100))  # inside: the whole zone moves by (40, -20)
    assert pixels(editor) == [(100.0, 40.0), (240.0, 40.0), (240.0, 160.0), (100.0, 160.0)]
    assert editor.undo.text(editor.undo.index() - 1) == "Move zone"
    assert editor.zone_list.currentRow() == 0
    assert editor.properties.name.text() == "Zone 1"
    QTest.keyClick(editor.view, Qt.Key.Key_Delete)  # the zone is chosen, no vertex: it goes
    assert len(editor.doc) == 0
    editor.undo.undo()
    editor.undo.undo()
    assert pixels(editor) == SQUARE


def test_vertices_snap_to_other_zones_and_to_the_frame_edge(seat: Any, open_editor: Any) -> None:
    editor = open_editor(seat)
    draw(editor, SQUARE)
    tolerance = 10 / editor.view.zoom  # 10 screen pixels, in picture pixels
    near = 0.5 * tolerance
    draw(editor, [(200 + near, 60 - near), (320, 60), (320, 180), (200 + near, 180 + near)])
    first, second = editor.doc.drafts()
    assert second.polygon[0] == first.polygon[1]  # exactly the same normalised point
    assert second.polygon[3] == first.polygon[2]
    drag(editor, (320, 60), (480 - near, 60))  # dragged near the right edge: onto it
    assert pixels(editor)[1] == (480.0, 60.0)
    # zones that share an edge only touch: no overlap warning
    assert editor.message_texts() == ["✔ the zones are valid"]


def test_zoom_with_the_wheel_and_pan_with_the_middle_button(seat: Any, open_editor: Any) -> None:
    editor = open_editor(seat)
    view = editor.view
    before = view.zoom
    pos = at(editor, 240, 135)
    wheel = QWheelEvent(QPointF(pos), QPointF(view.viewport().mapToGlobal(pos)), QPoint(0, 0),
                        QPoint(0, 240), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)  # fmt: skip
    QApplication.sendEvent(view.viewport(), wheel)
    assert view.zoom == pytest.approx(before * 1.15**2)
    centre = view.mapToScene(view.viewport().rect().center())
    vp = view.viewport()
    QTest.mousePress(
        vp, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier, QPoint(300, 300)
    )
    QTest.mouseMove(vp, QPoint(250, 280))
    QTest.mouseRelease(
        vp, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier, QPoint(250, 280)
    )
    moved = view.mapToScene(view.viewport().rect().center())
    assert moved.x() > centre.x()  # the picture followed the hand to the left
    assert len(editor.doc) == 0  # panning draws nothing
    view.fit()
    # drawing still lands on the right pixels after zooming
    view.zoom_by(2.0)
    view.centerOn(130, 120)
    draw(editor, SQUARE)
    assert pixels(editor) == SQUARE
