"""The Gantt chart: a custom-painted widget that draws only what is visible.

Rows are work centres grouped by line (a thin header row per line); bars are operations coloured
by work order (or by status: late, pinned, on time). Each paint looks up the bars of the visible
rows in the visible time range by bisection (``ChartData.RowBars.visible``), so a 5,000-operation
plan costs what is on screen, not what is in the plan.

Mouse: wheel scrolls rows, Shift+wheel pans in time, Ctrl+wheel zooms around the pointer; drag on
empty space pans; drag a bar in time or onto another row to move it (the rule the place breaks
shows while dragging, a red outline when no valid place is near, the bar snaps to the nearest
valid start); a click selects a bar and highlights its work order's chain; right click pins.
Keys: + / - zoom, arrows pan, Home goes to now.
"""

from __future__ import annotations

import itertools
import math
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from PySide6.QtCore import QEvent, QLineF, QPointF, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QContextMenuEvent,
    QFont,
    QImage,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QStaticText,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import QMenu, QToolTip, QWidget

from desktop.planning.data import BarItem, ChartData
from desktop.planning.store import DragCheck, PlanStore

LABEL_W = 150
HEADER_H = 34
MIN_MPP = 0.1  # minutes per pixel: an hour is 600 px
MAX_MPP = 80.0  # a week is about 126 px
DRAG_START_PX = 4
TICKS = (5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080)

LAYER_PAD = 60.0  # minutes of room on both sides of the plan in the zoomed-out image
LAYER_MAX_W = 4096  # pixels: wider (more zoomed in) views paint their visible bars directly
SETTLE_MS = 150  # the view stays still this long before the zoomed-out image is (re)built
SMALL_PX = 5.0  # bars narrower than this are drawn in batches, without outline or label
HUE_BUCKETS = 24
STATUS_COLOURS = (QColor(90, 110, 160), QColor(225, 110, 100), QColor(110, 180, 120))
LATE_RED = QColor(210, 20, 20)
PIN_COLOUR = QColor(30, 30, 30)
LABEL_COLOUR = QColor(20, 20, 20)
CHAIN_PEN = QPen(QColor(20, 20, 20), 2)

CALENDAR_COLOURS = {
    "maintenance": QColor(240, 160, 60, 110),
    "breakdown": QColor(220, 60, 60, 110),
    "off_shift": QColor(150, 150, 150, 90),
    "break": QColor(150, 150, 150, 70),
    "holiday": QColor(120, 120, 200, 90),
}
FROZEN_COLOUR = QColor(90, 140, 220, 45)  # the frozen horizon after now


class ColourMode:
    WORK_ORDER = "work_order"
    STATUS = "status"


@dataclass(slots=True)
class _Drag:
    bar: BarItem
    press: QPointF
    active: bool = False
    check: DragCheck | None = None


@dataclass(slots=True)
class _Pan:
    press: QPointF
    t0: float
    y0: float


def _undo_key(event: QKeyEvent) -> bool:
    return event.matches(QKeySequence.StandardKey.Undo)


def _redo_key(event: QKeyEvent) -> bool:
    ctrl_shift = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    return event.matches(QKeySequence.StandardKey.Redo) or (
        event.key() == Qt.Key.Key_Z and (event.modifiers() & ctrl_shift) == ctrl_shift
    )


class GanttChart(QWidget):
    selection_changed = Signal(str)  # work order id ("" for none)
    drag_feedback = Signal(str, bool)  # message, is the place valid
    view_changed = Signal()  # zoom or pan

    def __init__(self, store: PlanStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.t0 = -120.0  # minutes from the origin at the left edge
        self.mpp = 2.0
        self.y0 = 0.0
        self.colour_mode = ColourMode.WORK_ORDER
        self.selected_order: str | None = None
        self.selected_op: str | None = None
        self._drag: _Drag | None = None
        self._pan: _Pan | None = None
        self._fitted = False
        self._colours: dict[str, tuple[QColor, QColor, QColor]] = {}
        self._labels: dict[str, QStaticText] = {}
        self._layer: QImage | None = None  # every bar at the current zoom (zoomed-out views)
        self._layer_key: tuple[object, ...] | None = None
        self._layer_t0 = 0.0
        self._layer_mpp = 0.0
        self._version = 0  # goes up when a bar changes
        self.layer_build_ms = 0.0
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self._build_layer)
        self._font = QFont(self.font())
        self._font.setPointSizeF(max(7.0, self._font.pointSizeF() - 1))
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(400, 200)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        store.loaded.connect(self._on_loaded)
        store.entry_changed.connect(self._on_entry_changed)

    # -- geometry ----------------------------------------------------------------------------
    @property
    def data(self) -> ChartData:
        return self.store.data

    def x_of(self, minutes: float) -> float:
        return LABEL_W + (minutes - self.t0) / self.mpp

    def t_of(self, x: float) -> float:
        return self.t0 + (x - LABEL_W) * self.mpp

    def y_of_row(self, row: int) -> float:
        return HEADER_H + self.data.rows[row].top - self.y0

    def visible_range(self) -> tuple[float, float]:
        return self.t0, self.t_of(self.width())

    def bar_rect(self, operation_id: str) -> QRectF | None:
        bar = self.data.bars.get(operation_id)
        if bar is None:
            return None
        return self._rect(bar.start, bar.end, bar.row)

    def _rect(self, start: float, end: float, row: int) -> QRectF:
        r = self.data.rows[row]
        x0 = self.x_of(start)
        return QRectF(x0, self.y_of_row(row) + 3, max(2.0, (end - start) / self.mpp), r.height - 6)

    def hit(self, pos: QPointF) -> BarItem | None:
        if pos.x() < LABEL_W or pos.y() < HEADER_H:
            return None
        row = self.data.row_at(pos.y() - HEADER_H + self.y0)
        if row is None:
            return None
        return self.data.bar_at(row, self.t_of(pos.x()), slack=2 * self.mpp)

    # -- view --------------------------------------------------------------------------------
    def zoom(self, factor: float, anchor_x: float | None = None) -> None:
        x = anchor_x if anchor_x is not None else (LABEL_W + self.width()) / 2
        t = self.t_of(x)
        self.mpp = min(MAX_MPP, max(MIN_MPP, self.mpp * factor))
        self.t0 = t - (x - LABEL_W) * self.mpp
        self.update()
        self.view_changed.emit()

    def pan(self, dx_px: float, dy_px: float = 0.0) -> None:
        self.t0 += dx_px * self.mpp
        max_y = max(0.0, self.data.height - (self.height() - HEADER_H))
        self.y0 = min(max_y, max(0.0, self.y0 + dy_px))
        self.update()
        self.view_changed.emit()

    def show_range(self, start: float, end: float) -> None:
        width = max(50, self.width() - LABEL_W)
        self.mpp = min(MAX_MPP, max(MIN_MPP, (end - start) / width))
        self.t0 = start
        self.update()
        self.view_changed.emit()

    def go_to_now(self) -> None:
        now = self.data.minutes(self.store.view.now) if self.store.view else 0.0
        self.t0 = now - 60 * 2
        self.update()
        self.view_changed.emit()

    def _on_entry_changed(self, _operation_id: str) -> None:
        self._version += 1
        self.update()

    def _on_loaded(self) -> None:
        self._version += 1
        self._drag = None
        if self.selected_order and self.selected_order not in self.data.by_order:
            self.selected_order = None
        if not self._fitted and self.store.view is not None:
            self._fitted = True
            self.show_range(-120.0, 3 * 24 * 60.0)  # two hours back, three days ahead
        self.update()

    def select(self, bar: BarItem | None) -> None:
        self.selected_op = bar.operation_id if bar else None
        order = bar.work_order_id if bar else None
        if order != self.selected_order:
            self.selected_order = order
            self.selection_changed.emit(order or "")
        self.update()

    # -- painting ----------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        try:
            self.paint_chart(p, self.width(), self.height())
        finally:
            p.end()

    def paint_chart(self, p: QPainter, width: int, height: int) -> None:
        pal = self.palette()
        base = pal.base().color()
        text = pal.text().color()
        p.fillRect(0, 0, width, height, base)
        p.setFont(self._font)
        data = self.data
        t_left, t_right = self.t0, self.t_of(width)
        area = QRect(LABEL_W, HEADER_H, max(0, width - LABEL_W), max(0, height - HEADER_H))
        rows = self._visible_rows(height)

        p.save()
        p.setClipRect(area)
        alt = QColor(base).darker(104)
        line_bg = QColor(base).darker(112)
        shading: dict[str, list[QRectF]] = defaultdict(list)
        inv = 1.0 / self.mpp
        for i in rows:
            row = data.rows[i]
            y = self.y_of_row(i)
            if row.kind == "line":
                p.fillRect(QRectF(LABEL_W, y, width - LABEL_W, row.height), line_bg)
                continue
            if i % 2:
                p.fillRect(QRectF(LABEL_W, y, width - LABEL_W, row.height), alt)
            lo, hi = t_left - 1, t_right + 1
            for s, e, kind in data.calendar[i]:
                if e < lo or s > hi:
                    continue
                x0 = LABEL_W + ((s if s > lo else lo) - self.t0) * inv
                x1 = LABEL_W + ((e if e < hi else hi) - self.t0) * inv
                shading[kind].append(QRectF(x0, y, x1 - x0, row.height))
        p.setPen(Qt.PenStyle.NoPen)
        for kind, rects in shading.items():  # one call per kind, not per window
            colour = CALENDAR_COLOURS.get(kind, CALENDAR_COLOURS["maintenance"])
            p.setBrush(colour)
            p.drawRects(rects)
            p.setBrush(QBrush(colour.darker(150), Qt.BrushStyle.BDiagPattern))
            p.drawRects(rects)
        frozen = self.frozen_rect(width, height)
        if frozen is not None:  # the frozen horizon: shaded across every row, like the calendar
            p.setBrush(FROZEN_COLOUR)
            p.drawRect(frozen)
            p.setBrush(QBrush(FROZEN_COLOUR.darker(170), Qt.BrushStyle.FDiagPattern))
            p.drawRect(frozen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        self._paint_grid(p, t_left, t_right, height, text)
        if not self._blit_layer(p, width, height):
            self._paint_bars(p, rows, t_left, t_right)
        if self.selected_order is not None:
            self._paint_chain(p, self.selected_order)
        if self._drag is not None and self._drag.active and self._drag.check is not None:
            self._paint_ghost(p, self._drag.check)
        if self.store.view is not None:
            x = self.x_of(data.minutes(self.store.view.now))
            p.setPen(QPen(QColor(220, 30, 30), 2))
            p.drawLine(QPointF(x, HEADER_H), QPointF(x, height))
        p.restore()

        self._paint_header(p, t_left, t_right, width, text, base)
        self._paint_labels(p, rows, height, text, base, line_bg)

    def frozen_rect(self, width: int, height: int) -> QRectF | None:
        """Where the frozen horizon (now until the plan's frozen end) shows (None: not in
        view, or no frozen horizon)."""
        view = self.store.view
        if view is None or view.frozen_until is None:
            return None
        x0 = max(float(LABEL_W), self.x_of(self.data.minutes(view.now)))
        x1 = min(float(width), self.x_of(self.data.minutes(view.frozen_until)))
        if x1 <= x0:
            return None
        return QRectF(x0, HEADER_H, x1 - x0, max(0.0, height - HEADER_H))

    def _visible_rows(self, height: int) -> list[int]:
        top, bottom = self.y0, self.y0 + height - HEADER_H
        return [
            i for i, r in enumerate(self.data.rows) if r.top + r.height > top and r.top < bottom
        ]

    def _tick(self) -> int:
        for step in TICKS:
            if step / self.mpp >= 70:
                return step
        return TICKS[-1]

    def _paint_grid(
        self, p: QPainter, t_left: float, t_right: float, height: int, text: QColor
    ) -> None:
        step = self._tick()
        origin = self.data.local(self.data.origin)
        # align ticks to the plant's wall-clock multiples of the step (days at midnight)
        offset = (origin.hour * 60 + origin.minute) % step if step <= 1440 else 0
        first = math.floor((t_left + offset) / step) * step - offset
        grid = QColor(text)
        grid.setAlpha(35)
        p.setPen(QPen(grid, 1))
        lines = []
        t = first
        while t <= t_right:
            x = self.x_of(t)
            lines.append(QLineF(x, HEADER_H, x, height))
            t += step
        p.drawLines(lines)

    def _paint_header(
        self, p: QPainter, t_left: float, t_right: float, width: int, text: QColor, base: QColor
    ) -> None:
        p.fillRect(0, 0, width, HEADER_H, base.darker(108))
        p.setPen(text)
        p.drawText(QPointF(6, HEADER_H - 8), self.zone_label())
        step = self._tick()
        origin = self.data.local(self.data.origin)  # ticks on the plant's hours
        offset = (origin.hour * 60 + origin.minute) % step if step <= 1440 else 0
        first = math.floor((t_left + offset) / step) * step - offset
        p.setPen(text)
        t = first
        while t <= t_right:
            x = self.x_of(t)
            if x >= LABEL_W:
                at = self.data.local(self.data.at(t))
                label = at.strftime("%a %d %b") if step >= 1440 else at.strftime("%H:%M")
                p.drawLine(QPointF(x, HEADER_H - 6), QPointF(x, HEADER_H))
                p.drawText(QPointF(x + 3, HEADER_H - 8), label)
            t += step
        if step < 1440:  # the day above the hours
            day = self.data.local(self.data.at(t_left))
            day = day.replace(hour=0, minute=0, second=0, microsecond=0)  # the plant's midnight
            metrics = p.fontMetrics()
            while self.data.minutes(day) <= t_right:
                following = day + timedelta(days=1)
                x = max(float(LABEL_W), self.x_of(self.data.minutes(day)))
                room = self.x_of(self.data.minutes(following)) - x - 6
                # the day pinned at the left edge gives way to the next one: shorter, or none
                for label in (day.strftime("%A %d %B"), day.strftime("%a %d")):
                    if metrics.horizontalAdvance(label) <= room:
                        p.drawText(QPointF(x + 3, 13), label)
                        break
                day = following

    def _paint_labels(
        self,
        p: QPainter,
        rows: list[int],
        height: int,
        text: QColor,
        base: QColor,
        line_bg: QColor,
    ) -> None:
        p.save()
        p.setClipRect(QRect(0, HEADER_H, LABEL_W, max(0, height - HEADER_H)))
        p.fillRect(0, HEADER_H, LABEL_W, height - HEADER_H, base)
        bold = QFont(self._font)
        bold.setBold(True)
        for i in rows:
            row = self.data.rows[i]
            y = self.y_of_row(i)
            rect = QRectF(4, y, LABEL_W - 8, row.height)
            if row.kind == "line":
                p.fillRect(QRectF(0, y, LABEL_W, row.height), line_bg)
                p.setFont(bold)
            else:
                p.setFont(self._font)
            p.setPen(text)
            label = p.fontMetrics().elidedText(
                row.label, Qt.TextElideMode.ElideRight, int(rect.width())
            )
            align = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
            p.drawText(rect, int(align), label)
        p.restore()
        p.setPen(QPen(QColor(text.red(), text.green(), text.blue(), 80), 1))
        p.drawLine(LABEL_W, 0, LABEL_W, height)

    def _colours_of(self, bar: BarItem) -> tuple[QColor, QColor, QColor]:
        """Fill, faded fill and outline of a bar (cached per work order or status)."""
        if self.colour_mode == ColourMode.STATUS:
            key = "\0pinned" if bar.pinned else ("\0late" if bar.late else "\0ok")
        else:
            key = bar.work_order_id
        cached = self._colours.get(key)
        if cached is None:
            if self.colour_mode == ColourMode.STATUS:
                fill = QColor(STATUS_COLOURS[0 if bar.pinned else (1 if bar.late else 2)])
            else:
                fill = QColor.fromHsv(bar.hue, 120, 225)
            faded = QColor(fill)
            faded.setAlpha(70)
            cached = (fill, faded, fill.darker(160))
            self._colours[key] = cached
        return cached

    def _small_colour(self, key: int, faded: bool) -> QColor:
        if self.colour_mode == ColourMode.STATUS:
            colour = QColor(STATUS_COLOURS[key])
        else:
            colour = QColor.fromHsv(int((key + 0.5) * 360 / HUE_BUCKETS), 120, 225)
        if faded:
            colour.setAlpha(70)
        return colour

    def _label(self, text: str) -> QStaticText:
        st = self._labels.get(text)
        if st is None:
            st = QStaticText(text)
            st.setTextFormat(Qt.TextFormat.PlainText)
            st.prepare(QTransform(), self._font)
            self._labels[text] = st
        return st

    def _layer_state(self) -> tuple[object, ...]:
        return (id(self.data), self.selected_order, self.colour_mode, self._version)

    def _blit_layer(self, p: QPainter, width: int, height: int) -> bool:
        """Zoomed out, draw the bars from an image of the whole plan, drawn once and reused
        while panning; while zooming, the image of a nearby zoom stands in, scaled, until the
        view is still and it is redrawn at the new zoom (False: paint the visible bars)."""
        data = self.data
        if not data.bars or (self._drag is not None and self._drag.active):
            return False
        t_start = data.t_min - LAYER_PAD
        layer_w = math.ceil((data.t_max + LAYER_PAD - t_start) / self.mpp)
        if layer_w > LAYER_MAX_W:
            return False  # zoomed in: few bars on screen, paint them
        layer = self._layer
        usable = layer is not None and self._layer_key == self._layer_state()
        if not usable or self._layer_mpp != self.mpp:
            # building takes a whole-plan paint: not on every zoom step but once the view has
            # been still for a moment (every such frame restarts the timer)
            self._settle.start()
        if layer is None or not usable:
            return False
        ratio = self.mpp / self._layer_mpp
        if not 0.25 <= ratio <= 4.0:
            return False
        w, h = width - LABEL_W, height - HEADER_H
        sx = (self.t0 - self._layer_t0) / self._layer_mpp
        p.drawImage(QRectF(LABEL_W, HEADER_H, w, h), layer, QRectF(sx, self.y0, w * ratio, h))
        return True

    def _build_layer(self) -> None:
        data = self.data
        if not data.bars:
            return
        t_start = data.t_min - LAYER_PAD
        layer_w = math.ceil((data.t_max + LAYER_PAD - t_start) / self.mpp)
        if layer_w > LAYER_MAX_W:
            return
        started = time.perf_counter()
        self._layer = self._render_layer(t_start, layer_w)
        self.layer_build_ms = (time.perf_counter() - started) * 1000
        self._layer_key = self._layer_state()
        self._layer_mpp = self.mpp
        self._layer_t0 = t_start
        self.update()

    def _render_layer(self, t_start: float, layer_w: int) -> QImage:
        data = self.data
        image = QImage(layer_w, max(1, data.height), QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setFont(self._font)
        saved = self.t0, self.y0
        # _paint_bars draws at LABEL_W + (t - t0) / mpp and HEADER_H + top - y0: shift both so
        # that the image's origin is (t_start, row top 0)
        self.t0 = t_start + LABEL_W * self.mpp
        self.y0 = float(HEADER_H)
        try:
            t_end = t_start + layer_w * self.mpp
            self._paint_bars(painter, list(range(len(data.rows))), t_start, t_end)
        finally:
            self.t0, self.y0 = saved
            painter.end()
        return image

    def _paint_bars(self, p: QPainter, rows: list[int], t_left: float, t_right: float) -> None:
        """Bars wider than a few pixels one by one (outline, label, flags); narrower ones in
        batches, one ``drawRects`` per colour, with a red strip on top for late ones."""
        data = self.data
        inv = 1.0 / self.mpp
        t0, y0 = self.t0, self.y0
        dragged = self._drag.bar.operation_id if self._drag and self._drag.active else None
        selected = self.selected_order
        faded = selected is not None
        by_status = self.colour_mode == ColourMode.STATUS
        small: dict[int, list[QRectF]] = defaultdict(list)
        late: list[QRectF] = []
        detail: list[tuple[BarItem, QRectF]] = []
        for i in rows:
            row = data.rows[i]
            if row.kind != "centre":
                continue
            y = HEADER_H + row.top - y0 + 3
            h = row.height - 6
            for b in data.row_bars[i].visible(t_left, t_right):
                x = LABEL_W + (b.start - t0) * inv
                w = (b.end - b.start) * inv
                if w >= SMALL_PX or b.work_order_id == selected or b.operation_id == dragged:
                    detail.append((b, QRectF(x, y, w if w > 2.0 else 2.0, h)))
                    continue
                if w < 1.0:
                    w = 1.0
                if by_status:
                    key = 0 if b.pinned else (1 if b.late else 2)
                else:
                    key = b.hue * HUE_BUCKETS // 360
                small[key].append(QRectF(x, y, w, h))
                if b.late:
                    late.append(QRectF(x, y, w, 3))
        p.setPen(Qt.PenStyle.NoPen)
        for key, rects in small.items():
            p.setBrush(self._small_colour(key, faded))
            p.drawRects(rects)
        if late:
            p.setBrush(LATE_RED)
            p.drawRects(late)
        p.setBrush(Qt.BrushStyle.NoBrush)
        for b, rect in detail:
            self._paint_bar(p, b, rect, faded=b.operation_id == dragged)

    def _paint_bar(self, p: QPainter, bar: BarItem, rect: QRectF, *, faded: bool = False) -> None:
        fill, pale, outline = self._colours_of(bar)
        chain = self.selected_order is not None and bar.work_order_id == self.selected_order
        p.fillRect(rect, pale if faded or (self.selected_order is not None and not chain) else fill)
        if chain:
            p.setPen(CHAIN_PEN)
            p.drawRect(rect)
        elif rect.width() > 3:
            p.setPen(outline)
            p.drawRect(rect)
        if bar.pinned:
            p.fillRect(QRectF(rect.left(), rect.top(), 3, rect.height()), PIN_COLOUR)
        if bar.late:
            right, top = rect.right(), rect.top()
            p.fillRect(QRectF(right - 6, top, 6, 3), LATE_RED)
            p.fillRect(QRectF(right - 3, top, 3, 6), LATE_RED)
        if rect.width() > 30:
            st = self._label(bar.label)
            size = st.size()
            if size.width() + 8 <= rect.width():  # only labels that fit (no clipping per bar)
                p.setPen(LABEL_COLOUR)
                y = rect.top() + (rect.height() - size.height()) / 2
                p.drawStaticText(QPointF(rect.left() + (5 if bar.pinned else 3), y), st)

    def _paint_chain(self, p: QPainter, order: str) -> None:
        """Arrows from each step of the selected work order to the next."""
        steps = sorted(self.data.by_order.get(order, ()), key=lambda b: b.operation_id)
        p.setPen(QPen(QColor(20, 20, 20), 1.5, Qt.PenStyle.DotLine))
        for a, b in itertools.pairwise(steps):
            ra = self._rect(a.start, a.end, a.row)
            rb = self._rect(b.start, b.end, b.row)
            p.drawLine(QPointF(ra.right(), ra.center().y()), QPointF(rb.left(), rb.center().y()))

    def _paint_ghost(self, p: QPainter, check: DragCheck) -> None:
        row = self.data.row_of_centre.get(check.work_centre_id)
        if row is None:
            return
        rect = self._rect(self.data.minutes(check.start), self.data.minutes(check.end), row)
        fill = QColor(80, 180, 90, 110) if check.valid else QColor(230, 60, 60, 90)
        p.fillRect(rect, fill)
        pen = QPen(QColor(30, 140, 50) if check.valid else QColor(220, 0, 0), 2)
        if check.snapped:
            pen.setStyle(Qt.PenStyle.DashLine)
        p.setPen(pen)
        p.drawRect(rect)

    # -- mouse and keys ------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        self.setFocus()
        if event.button() != Qt.MouseButton.LeftButton:
            return
        bar = self.hit(pos)
        if bar is not None:
            self.select(bar)
            if self.store.can_edit:
                self._drag = _Drag(bar, pos)
            elif self.store.draft is not None:
                self.store.message.emit("Save the plan first to move bars (Save plan)", True)
            return
        self.select(None)
        self._pan = _Pan(pos, self.t0, self.y0)
        self.setCursor(Qt.CursorShape.ClosedHandCursor)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._pan is not None:
            dx = pos.x() - self._pan.press.x()
            dy = pos.y() - self._pan.press.y()
            self.t0 = self._pan.t0 - dx * self.mpp
            self.y0 = self._pan.y0
            self.pan(0, -dy)
            return
        drag = self._drag
        if drag is not None:
            if not drag.active:
                moved = pos - drag.press
                if abs(moved.x()) + abs(moved.y()) < DRAG_START_PX:
                    return
                drag.active = True
                self.setCursor(Qt.CursorShape.SizeAllCursor)
            self._update_drag(drag, pos)
            return
        bar = self.hit(pos)
        if bar is not None:
            QToolTip.showText(event.globalPosition().toPoint(), self.describe(bar), self)
        else:
            QToolTip.hideText()

    def _update_drag(self, drag: _Drag, pos: QPointF) -> None:
        start = self.data.at(drag.bar.start + (pos.x() - drag.press.x()) * self.mpp)
        row = self.data.row_at(pos.y() - HEADER_H + self.y0)
        wc = drag.bar.entry.work_centre_id
        if row is not None and self.data.rows[row].kind == "centre":
            wc = self.data.rows[row].id
        drag.check = self.store.check_drag(drag.bar.operation_id, start, wc)
        if drag.check is not None:
            self.drag_feedback.emit(drag.check.message, drag.check.valid)
            self.setToolTip(drag.check.message)
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._pan is not None:
            self._pan = None
            self.unsetCursor()
            return
        drag, self._drag = self._drag, None
        self.unsetCursor()
        self.setToolTip("")
        if drag is None or not drag.active:
            return
        self._update_drag(drag, event.position())
        check = drag.check
        self._drag = None
        self.update()
        if check is None:
            return
        entry = drag.bar.entry
        if not check.valid:
            self.store.message.emit(f"Not moved: {check.message}", True)
            return
        if check.start == entry.start and check.work_centre_id == entry.work_centre_id:
            return
        self.store.move(check.operation_id, check.start, check.work_centre_id)

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta()
        mods = event.modifiers()
        if mods & Qt.KeyboardModifier.ControlModifier:
            steps = delta.y() / 120.0
            self.zoom(0.8**steps, event.position().x())
        elif mods & Qt.KeyboardModifier.ShiftModifier:
            self.pan(-(delta.y() or delta.x()) / 2.0, 0)
        else:
            self.pan(-delta.x() / 2.0, -delta.y() / 2.0)
        event.accept()

    def event(self, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and (_undo_key(event) or _redo_key(event))
        ):
            event.accept()  # ours, not another dock's window-wide shortcut
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if _undo_key(event):
            self.store.undo_stack.undo()
        elif _redo_key(event):
            self.store.undo_stack.redo()
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom(0.8)
        elif key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore):
            self.zoom(1.25)
        elif key == Qt.Key.Key_Left:
            self.pan(-80)
        elif key == Qt.Key.Key_Right:
            self.pan(80)
        elif key == Qt.Key.Key_Up:
            self.pan(0, -40)
        elif key == Qt.Key.Key_Down:
            self.pan(0, 40)
        elif key == Qt.Key.Key_Home:
            self.go_to_now()
        elif key == Qt.Key.Key_Escape and self._drag is not None:
            self._drag = None
            self.update()
        else:
            super().keyPressEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        bar = self.hit(QPointF(event.pos()))
        if bar is None:
            return
        self.select(bar)
        menu = self.menu_for(bar)
        menu.exec(event.globalPos())

    def menu_for(self, bar: BarItem) -> QMenu:
        menu = QMenu(self)
        pinned = bar.entry.pinned
        act = menu.addAction("Unpin" if pinned else "Pin here")
        act.setEnabled(self.store.can_edit)
        op = bar.operation_id
        act.triggered.connect(lambda: self.store.set_pinned(op, not pinned))
        chain = menu.addAction(f"Highlight work order {bar.label}")
        chain.triggered.connect(lambda: self.select(bar))
        return menu

    def zone_label(self) -> str:
        """The header's corner: the clock the chart's times are on."""
        return f"times: {self.data.zone}"

    def describe(self, bar: BarItem) -> str:
        e = bar.entry
        view = self.store.view
        wo = view.plant.work_orders.get(e.work_order_id) if view else None
        local = self.data.local
        lines = [
            f"{bar.label} - {e.operation_id}",
            f"{local(e.start):%a %d %b %H:%M} to {local(e.end):%a %d %b %H:%M} on "
            f"{e.work_centre_id}",
        ]
        if e.setup_minutes:
            lines.append(f"changeover before: {e.setup_minutes} min")
        if wo is not None:
            lines.append(f"{wo.product_name}, due {local(wo.due):%a %d %b %H:%M}, {wo.priority}")
        if bar.late:
            lines.append("LATE: the work order ends after its due date")
        if e.pinned:
            lines.append("pinned")
        return "\n".join(lines)

    def visible_bar_count(self) -> int:
        t_left, t_right = self.visible_range()
        return sum(
            len(self.data.row_bars[i].visible(t_left, t_right))
            for i in self._visible_rows(self.height())
            if self.data.rows[i].kind == "centre"
        )
