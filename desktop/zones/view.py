"""The editor's view: every mouse and key gesture on the zones, as undoable commands.

Edit mode: drag a vertex; click on an edge to insert a vertex there (and drag it on); drag
inside a zone to move the whole polygon; Delete (or the context menu) removes the current
vertex, or the zone when no vertex is chosen. Draw mode: each click adds a vertex;
double-click or Enter closes the polygon, Esc cancels, Backspace takes the last vertex back.
Vertices snap to nearby vertices of other zones and to the frame's edges. The wheel zooms
around the cursor; the middle button (or Space + left button) pans.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from PySide6.QtCore import QPoint, QPointF, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QContextMenuEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QResizeEvent,
    QUndoStack,
    QWheelEvent,
)
from PySide6.QtWidgets import QGraphicsView, QMenu, QWidget

from desktop.zones.document import AddZone, ChangeZone, RemoveZone
from desktop.zones.hits import Hit, Pt, distance, hit_test, snap
from desktop.zones.scene import ZoneScene
from services.zones import ZoneDraft

HIT_PX = 8.0  # how close (screen pixels) counts as on a vertex or an edge
SNAP_PX = 10.0
MIN_ZOOM, MAX_ZOOM = 0.1, 40.0

NewZone = Callable[[tuple[tuple[float, float], ...]], ZoneDraft]


@dataclass
class _Drag:
    kind: str  # "vertex", "polygon", "pan"
    key: int = -1
    index: int = -1
    start: Pt = (0.0, 0.0)
    start_view: QPoint | None = None
    before: ZoneDraft | None = None
    text: str = ""
    moved: bool = False


class ZoneEditorView(QGraphicsView):
    message = Signal(str)  # a hint or a refusal for the status line
    selection_changed = Signal(object)  # key or None
    mode_changed = Signal(str)  # "edit" or "draw"

    def __init__(
        self, scene: ZoneScene, undo: QUndoStack, new_zone: NewZone, parent: QWidget | None = None
    ) -> None:
        super().__init__(scene, parent)
        self.zscene = scene
        self.doc = scene.doc
        self.undo = undo
        self.new_zone = new_zone
        self.read_only = False
        self.mode = "edit"
        self.points: list[Pt] = []
        self._drag: _Drag | None = None
        self._space = False
        self.auto_fit = True  # follow the widget's size until the user zooms
        self.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setDragMode(QGraphicsView.DragMode.NoDrag)
        # no scroll bars: the wheel zooms, the middle button pans (and fit() shows all of it)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    # -- helpers -----------------------------------------------------------------------------
    @property
    def zoom(self) -> float:
        return float(self.transform().m11())

    def _tol(self, px: float) -> float:
        return px / max(self.zoom, 1e-6)

    def _scene_pt(self, pos: QPoint | QPointF) -> Pt:
        p = self.mapToScene(pos.toPoint() if isinstance(pos, QPointF) else pos)
        return (p.x(), p.y())

    def _polygons(self) -> list[tuple[int, list[Pt]]]:
        return [(k, self.doc.pixels(k)) for k in self.doc]

    def _snap(self, p: Pt, exclude: int | None) -> Pt:
        targets = [v for k in self.doc if k != exclude for v in self.doc.pixels(k)]
        if exclude is None:
            targets += self.points
        q, _ = snap(p, targets, self._tol(SNAP_PX), self.doc.width, self.doc.height)
        return q

    def _select(self, key: int | None, vertex: int | None = None) -> None:
        changed = key != self.zscene.selected
        self.zscene.select(key, vertex)
        if changed:
            self.selection_changed.emit(key)

    def hit_at(self, pos: QPoint) -> Hit | None:
        return hit_test(
            self._scene_pt(pos), self._polygons(), self._tol(HIT_PX), self.zscene.selected
        )

    # -- modes -------------------------------------------------------------------------------
    def start_drawing(self) -> None:
        if self.read_only:
            self.message.emit("you may look at the zones; drawing needs the calibrate permission")
            return
        self.mode = "draw"
        self.points = []
        self._select(None)
        self.viewport().setCursor(Qt.CursorShape.CrossCursor)
        self.zscene.show_sketch([], None)
        self.mode_changed.emit(self.mode)
        self.message.emit(
            "click the corners of the zone; double-click or Enter closes it, Esc cancels"
        )

    def cancel_drawing(self) -> None:
        self.points = []
        self.zscene.show_sketch([], None)
        self._set_edit_mode()
        self.message.emit("drawing cancelled")

    def _set_edit_mode(self) -> None:
        self.mode = "edit"
        self.viewport().unsetCursor()
        self.mode_changed.emit(self.mode)

    def finish_drawing(self) -> bool:
        pts = _without_repeats(self.points)
        if len(pts) < 3:
            self.message.emit(
                f"a zone needs at least 3 vertices (it has {len(pts)}): keep clicking"
            )
            return False
        draft = self.new_zone(self.doc.normalise(pts))
        key = self.doc.new_key()
        self.undo.push(AddZone(self.doc, key, draft))
        self.points = []
        self.zscene.show_sketch([], None)
        self._set_edit_mode()
        self._select(key)
        self.message.emit(f"zone {draft.name!r} drawn ({len(pts)} vertices)")
        return True

    # -- edits -------------------------------------------------------------------------------
    def delete_vertex(self, key: int, index: int) -> bool:
        draft = self.doc.get(key)
        if len(draft.polygon) <= 3:
            self.message.emit("a zone needs at least 3 vertices: delete the zone instead")
            return False
        poly = draft.polygon[:index] + draft.polygon[index + 1 :]
        self.undo.push(
            ChangeZone(self.doc, key, draft, replace(draft, polygon=poly), "Delete vertex")
        )
        self._select(key, None)
        return True

    def insert_vertex(self, key: int, edge: int, at: Pt) -> int:
        draft = self.doc.get(key)
        norm = self.doc.normalise([at])[0]
        poly = (*draft.polygon[: edge + 1], norm, *draft.polygon[edge + 1 :])
        self.undo.push(
            ChangeZone(self.doc, key, draft, replace(draft, polygon=poly), "Insert vertex")
        )
        self._select(key, edge + 1)
        return edge + 1

    def delete_zone(self, key: int) -> None:
        self.undo.push(RemoveZone(self.doc, key))
        self._select(None)

    def delete_current(self) -> None:
        key, vertex = self.zscene.selected, self.zscene.current_vertex
        if self.read_only or key is None:
            return
        if vertex is not None:
            self.delete_vertex(key, vertex)
        else:
            self.delete_zone(key)

    # -- zoom and pan ------------------------------------------------------------------------
    def zoom_by(self, factor: float) -> None:
        self.auto_fit = False
        target = max(MIN_ZOOM, min(MAX_ZOOM, self.zoom * factor))
        f = target / self.zoom
        self.scale(f, f)

    def fit(self) -> None:
        self.auto_fit = True
        self.fitInView(self.zscene.frame_border, Qt.AspectRatioMode.KeepAspectRatio)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.auto_fit:
            self.fitInView(self.zscene.frame_border, Qt.AspectRatioMode.KeepAspectRatio)

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom_by(1.15**steps)
        event.accept()

    # -- mouse ---------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        pos = event.position().toPoint()
        button = event.button()
        if button == Qt.MouseButton.MiddleButton or (
            button == Qt.MouseButton.LeftButton and self._space
        ):
            self._drag = _Drag("pan", start_view=pos)
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        if button != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        p = self._scene_pt(pos)
        if self.mode == "draw":
            q = self._snap(p, None)
            if len(self.points) >= 3 and q == self.points[0]:
                self.finish_drawing()  # clicked on the first vertex: the polygon is closed
            else:
                self.points.append(q)
                self.zscene.show_sketch(self.points, None)
            event.accept()
            return
        hit = self.hit_at(pos)
        if hit is None:
            self._select(None)
        elif self.read_only:
            self._select(hit.key)
        elif hit.kind == "vertex":
            self._select(hit.key, hit.index)
            self._drag = _Drag("vertex", hit.key, hit.index, p, before=self.doc.get(hit.key),
                               text="Move vertex")  # fmt: skip
        elif hit.kind == "edge":
            before = self.doc.get(hit.key)
            index = hit.index + 1
            norm = self.doc.normalise([hit.point])[0]
            poly = (*before.polygon[:index], norm, *before.polygon[index:])
            self.doc.replace(hit.key, replace(before, polygon=poly))  # preview until release
            self._select(hit.key, index)
            self._drag = _Drag("vertex", hit.key, index, p, before=before, text="Insert vertex")
        else:
            self._select(hit.key, None)
            self._drag = _Drag("polygon", hit.key, -1, p, before=self.doc.get(hit.key),
                               text="Move zone")  # fmt: skip
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position().toPoint()
        drag = self._drag
        if drag is None:
            if self.mode == "draw" and self.points:
                self.zscene.show_sketch(self.points, self._snap(self._scene_pt(pos), None))
            super().mouseMoveEvent(event)
            return
        if drag.kind == "pan":
            assert drag.start_view is not None
            delta = pos - drag.start_view
            drag.start_view = pos
            h, v = self.horizontalScrollBar(), self.verticalScrollBar()
            h.setValue(h.value() - delta.x())
            v.setValue(v.value() - delta.y())
            return
        assert drag.before is not None
        p = self._scene_pt(pos)
        drag.moved = drag.moved or p != drag.start
        current = self.doc.get(drag.key)
        if drag.kind == "vertex":
            q = self.doc.normalise([self._snap(p, drag.key)])[0]
            moved = list(current.polygon)
            moved[drag.index] = q
            self.doc.replace(drag.key, replace(current, polygon=tuple(moved)))
        else:
            dx = (p[0] - drag.start[0]) / self.doc.width
            dy = (p[1] - drag.start[1]) / self.doc.height
            poly = tuple((x + dx, y + dy) for x, y in drag.before.polygon)
            self.doc.replace(drag.key, replace(drag.before, polygon=poly))
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        drag, self._drag = self._drag, None
        if drag is None:
            super().mouseReleaseEvent(event)
            return
        if drag.kind == "pan":
            self.viewport().unsetCursor()
            return
        assert drag.before is not None
        after = self.doc.get(drag.key)
        if after != drag.before:
            # the document already shows the result; push() re-applies it (a no-op)
            self.undo.push(ChangeZone(self.doc, drag.key, drag.before, after, drag.text))
        event.accept()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if self.mode == "draw" and event.button() == Qt.MouseButton.LeftButton:
            # a real double-click pressed here first (the vertex is in); a synthetic one may not
            q = self._snap(self._scene_pt(event.position().toPoint()), None)
            if not self.points or distance(q, self.points[-1]) > self._tol(HIT_PX):
                self.points.append(q)
            self.finish_drawing()
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    # -- keys and menu -------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
        elif self.mode == "draw" and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.finish_drawing()
        elif self.mode == "draw" and key == Qt.Key.Key_Escape:
            self.cancel_drawing()
        elif self.mode == "draw" and key == Qt.Key.Key_Backspace:
            if self.points:
                self.points.pop()
                self.zscene.show_sketch(self.points, None)
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.delete_current()
        elif key == Qt.Key.Key_Escape:
            self._select(None)
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
        super().keyReleaseEvent(event)

    def context_menu_at(self, pos: QPoint) -> QMenu:
        menu = QMenu(self)
        hit = None if self.read_only or self.mode == "draw" else self.hit_at(pos)
        if hit is not None and hit.kind == "vertex":
            k, i = hit.key, hit.index
            act = QAction("Delete vertex", menu)
            act.triggered.connect(lambda: self.delete_vertex(k, i))
            menu.addAction(act)
        if hit is not None and hit.kind == "edge":
            k, i, at = hit.key, hit.index, hit.point
            act = QAction("Insert vertex here", menu)
            act.triggered.connect(lambda: self.insert_vertex(k, i, at))
            menu.addAction(act)
        if hit is not None:
            k = hit.key
            act = QAction(f"Delete zone {self.doc.get(k).name!r}", menu)
            act.triggered.connect(lambda: self.delete_zone(k))
            menu.addAction(act)
        if not self.read_only and self.mode == "edit":
            draw = QAction("Draw a new zone", menu)
            draw.triggered.connect(self.start_drawing)
            menu.addAction(draw)
        return menu

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        menu = self.context_menu_at(event.pos())
        if hit := self.hit_at(event.pos()):
            self._select(hit.key, hit.index if hit.kind == "vertex" else None)
        if menu.actions():
            menu.exec(event.globalPos())


def _without_repeats(points: list[Pt]) -> list[Pt]:
    out: list[Pt] = []
    for p in points:
        if not out or abs(p[0] - out[-1][0]) > 1e-6 or abs(p[1] - out[-1][1]) > 1e-6:
            out.append(p)
    while (
        len(out) > 1 and abs(out[0][0] - out[-1][0]) < 1e-6 and abs(out[0][1] - out[-1][1]) < 1e-6
    ):
        out.pop()
    return out
