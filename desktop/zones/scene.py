"""The editor's scene: the camera picture in pixels, one polygon per zone, vertex handles.

Scene coordinates are the picture's pixels; the document keeps normalised coordinates and
the scene converts. Items are rebuilt from the document's signals; they carry no state of
their own, so undo/redo only has to change the document.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPainterPath, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsPixmapItem,
    QGraphicsPolygonItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
)

from desktop.cameras.frames import frame_image
from desktop.zones.document import ZoneDocument

HANDLE_PX = 9.0


class ZoneScene(QGraphicsScene):
    def __init__(self, doc: ZoneDocument) -> None:
        super().__init__()
        self.doc = doc
        self.selected: int | None = None
        self.current_vertex: int | None = None  # of the selected zone (Delete removes it)
        self.picture = QGraphicsPixmapItem()
        self.picture.setZValue(-10)
        self.addItem(self.picture)
        self.frame_border = QGraphicsRectItem()
        self.frame_border.setPen(QPen(QColor(200, 200, 200, 160), 0, Qt.PenStyle.DashLine))
        self.frame_border.setZValue(-9)
        self.addItem(self.frame_border)
        self.sketch = QGraphicsPathItem()  # the polygon being drawn
        pen = QPen(QColor(255, 230, 0), 2)
        pen.setCosmetic(True)
        self.sketch.setPen(pen)
        self.sketch.setZValue(20)
        self.addItem(self.sketch)
        self._items: dict[int, list[QGraphicsItem]] = {}
        doc.reset.connect(self.rebuild)
        doc.zone_added.connect(self._on_zone_changed)
        doc.zone_changed.connect(self._on_zone_changed)
        doc.zone_removed.connect(self._on_zone_removed)
        self.set_picture(None)

    # -- picture -----------------------------------------------------------------------------
    def set_picture(self, frame: np.ndarray | None) -> None:
        """The camera picture (BGR); None: a grey board of the document's size."""
        w, h = self.doc.width, self.doc.height
        if frame is not None:
            image = frame_image(frame).image.copy()  # the editor keeps its own copy
            self.picture.setPixmap(QPixmap.fromImage(image))
        else:
            blank = QImage(w, h, QImage.Format.Format_RGB32)
            blank.fill(QColor(45, 48, 56))
            self.picture.setPixmap(QPixmap.fromImage(blank))
        self.frame_border.setRect(QRectF(0, 0, w, h))
        margin = max(w, h) * 0.15
        self.setSceneRect(QRectF(-margin, -margin, w + 2 * margin, h + 2 * margin))

    # -- zones -------------------------------------------------------------------------------
    def rebuild(self) -> None:
        for key in list(self._items):
            self._drop(key)
        if self.selected not in self.doc:
            self.selected = None
            self.current_vertex = None
        for key in self.doc:
            self._build(key)

    def select(self, key: int | None, vertex: int | None = None) -> None:
        old = self.selected
        self.selected = key if key in self.doc else None
        self.current_vertex = vertex if self.selected is not None else None
        for k in {old, self.selected}:
            if k is not None and k in self.doc:
                self._on_zone_changed(k)

    def _on_zone_changed(self, key: int) -> None:
        self._drop(key)
        self._build(key)

    def _on_zone_removed(self, key: int) -> None:
        self._drop(key)
        if self.selected == key:
            self.selected = None
            self.current_vertex = None

    def _drop(self, key: int) -> None:
        for item in self._items.pop(key, []):
            self.removeItem(item)

    def _build(self, key: int) -> None:
        draft = self.doc.get(key)
        pts = [QPointF(x, y) for x, y in self.doc.pixels(key)]
        colour = (
            QColor(draft.colour) if QColor.isValidColorName(draft.colour) else QColor("#00FF00")
        )
        chosen = key == self.selected
        poly = QGraphicsPolygonItem(QPolygonF(pts))
        fill = QColor(colour)
        fill.setAlpha(90 if chosen else 55)
        poly.setBrush(QBrush(fill))
        pen = QPen(colour.lighter(130) if chosen else colour, 3 if chosen else 2)
        pen.setCosmetic(True)
        if chosen:
            pen.setStyle(Qt.PenStyle.DashLine)
        poly.setPen(pen)
        poly.setZValue(5 if chosen else 1)
        poly.setData(0, key)
        items: list[QGraphicsItem] = [poly]
        label = QGraphicsSimpleTextItem(draft.name)
        label.setBrush(QBrush(QColor(255, 255, 255)))
        label.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        if pts:
            top = min(pts, key=lambda p: (p.y(), p.x()))
            label.setPos(top + QPointF(4, 2))
        label.setZValue(6)
        items.append(label)
        for i, p in enumerate(pts):
            size = HANDLE_PX if chosen else HANDLE_PX * 0.6
            handle = QGraphicsEllipseItem(-size / 2, -size / 2, size, size)
            handle.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
            handle.setPos(p)
            current = chosen and i == self.current_vertex
            handle.setBrush(QBrush(QColor(255, 80, 80) if current else QColor(255, 255, 255)))
            handle.setPen(QPen(colour.darker(150), 1))
            handle.setZValue(10 if chosen else 2)
            items.append(handle)
        for item in items:
            self.addItem(item)
        self._items[key] = items

    def zone_items(self, key: int) -> list[QGraphicsItem]:
        return list(self._items.get(key, []))

    # -- the polygon being drawn ---------------------------------------------------------------
    def show_sketch(
        self, points: list[tuple[float, float]], cursor: tuple[float, float] | None
    ) -> None:
        path = QPainterPath()
        if points:
            path.moveTo(*points[0])
            for p in points[1:]:
                path.lineTo(*p)
            if cursor is not None:
                path.lineTo(*cursor)
            for p in points:
                path.addEllipse(QPointF(*p), 3, 3)
        self.sketch.setPath(path)
