"""Drawing one tile: the picture (or a blank background), zones by state, people, health."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QImage, QPainter, QPen, QPolygonF

from desktop.cameras.frames import FrameImage
from desktop.cameras.overlay import ZoneState, ZoneStatus
from domain.model.vision import ActivityState, Zone
from vision.types import FrameObservation, SourceHealth

STATE_COLOURS: dict[ZoneState, QColor] = {
    ZoneState.OK: QColor(46, 160, 67),
    ZoneState.EMPTY: QColor(140, 140, 140),
    ZoneState.UNDERSTAFFED: QColor(230, 170, 20),
    ZoneState.OVERFLOW: QColor(220, 40, 40),
    ZoneState.IDLE: QColor(170, 80, 220),
    ZoneState.UNKNOWN: QColor(90, 90, 110),
}
PERSON_COLOURS: dict[ActivityState, QColor] = {
    ActivityState.ACTIVE: QColor(60, 220, 90),
    ActivityState.IDLE: QColor(255, 170, 0),
    ActivityState.UNKNOWN: QColor(200, 200, 200),
}
HEADER_H = 22.0
LAG_DASHED = 2  # frames: an overlay further behind the picture than this is drawn dashed


@dataclass(frozen=True, slots=True)
class TileContent:
    title: str
    image: FrameImage | None  # None: nothing yet, or no permission to see the picture
    show_video: bool
    observation: FrameObservation | None
    zones: Sequence[Zone]
    statuses: Sequence[ZoneStatus]
    health: SourceHealth | None
    error: str | None
    display_fps: float | None
    notice: str | None = None  # e.g. "the camera has moved": a red band under the header
    lag_frames: int = 0  # how many frames older the overlay is than the picture shown


def fit_rect(bounds: QRectF, width: int, height: int) -> QRectF:
    """The largest rectangle of the frame's aspect ratio centred in ``bounds``."""
    if width <= 0 or height <= 0 or bounds.isEmpty():
        return QRectF(bounds)
    scale = min(bounds.width() / width, bounds.height() / height)
    w, h = width * scale, height * scale
    return QRectF(
        bounds.x() + (bounds.width() - w) / 2, bounds.y() + (bounds.height() - h) / 2, w, h
    )


def health_text(health: SourceHealth | None, display_fps: float | None, error: str | None) -> str:
    if health is None:
        return error or "starting…"
    parts = ["● connected" if health.connected else "○ disconnected"]
    if health.source_fps:
        parts.append(f"source {health.source_fps:.1f} fps")
    if health.analysed_fps:
        parts.append(f"analysed {health.analysed_fps:.1f}")
    elif health.connected and health.frames_analysed == 0:
        parts.append("analysis starting…")
    if display_fps:
        parts.append(f"shown {display_fps:.1f}")
    parts.append(f"dropped {health.dropped_frames}")
    if health.reconnects:
        parts.append(f"reconnects {health.reconnects}")
    text = " · ".join(parts)
    problem = error or (health.last_error if not health.connected else None)
    return f"{text} — {problem}" if problem else text


class ZoneLayer:
    """The zones' fills and outlines rendered once into a transparent image, redrawn only
    when the tile's size, the zones or their states change (a fill of large translucent
    antialiased polygons on every frame was the most expensive part of a tile's paint)."""

    def __init__(self) -> None:
        self._key: tuple[object, ...] | None = None
        self._image: QImage | None = None
        self.renders = 0

    def image(
        self, target: QRectF, zones: Sequence[Zone], statuses: Sequence[ZoneStatus]
    ) -> QImage:
        states = {s.zone_id: s.state for s in statuses}
        w, h = max(1, int(target.width() + 0.5)), max(1, int(target.height() + 0.5))
        key = (
            w,
            h,
            tuple((z.id, z.polygon, z.colour, z.active, states.get(z.id)) for z in zones),
        )
        if key != self._key or self._image is None:
            self._image = _render_zones(w, h, zones, states)
            self._key = key
            self.renders += 1
        return self._image


def _render_zones(w: int, h: int, zones: Sequence[Zone], states: dict[str, ZoneState]) -> QImage:
    image = QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    try:
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for z in zones:
            if not z.active:
                continue
            state = states.get(z.id, ZoneState.UNKNOWN)
            fill = QColor(STATE_COLOURS[state])
            fill.setAlpha(70 if state is not ZoneState.UNKNOWN else 40)
            p.setBrush(QBrush(fill))
            p.setPen(QPen(QColor(z.colour), 2.0))
            p.drawPolygon(QPolygonF([QPointF(x * w, y * h) for x, y in z.polygon]))
    finally:
        p.end()
    return image


def paint_tile(
    p: QPainter,
    bounds: QRectF,
    c: TileContent,
    *,
    selected: bool = False,
    smooth: bool = True,
    layer: ZoneLayer | None = None,
) -> None:
    """``smooth``: bilinear scaling of the picture (about 4x the cost of nearest-neighbour
    here; the wall uses it when a tile has the screen to itself)."""
    p.fillRect(bounds, QColor(12, 14, 18))
    header = QRectF(bounds.x(), bounds.y(), bounds.width(), HEADER_H)
    body = QRectF(bounds.x(), bounds.y() + HEADER_H, bounds.width(), bounds.height() - HEADER_H)
    obs = c.observation
    if c.image is not None:
        w, h = c.image.width, c.image.height
    elif obs is not None:
        w, h = obs.width, obs.height
    else:
        w, h = 16, 9
    target = fit_rect(body, w, h)
    if c.show_video and c.image is not None:
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
        p.drawImage(target, c.image.image)
    else:
        p.fillRect(target, QColor(28, 31, 38))
        if not c.show_video:
            p.setPen(QColor(120, 125, 135))
            p.drawText(
                target, Qt.AlignmentFlag.AlignCenter, "live picture hidden (no video permission)"
            )
    zone_image = (layer or ZoneLayer()).image(target, c.zones, c.statuses)
    p.drawImage(target.topLeft(), zone_image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    _paint_zone_labels(p, target, c.zones, c.statuses)
    if obs is not None:
        _paint_people(p, target, obs, dashed=c.lag_frames > LAG_DASHED)
    _paint_header(p, header, c, selected)
    if c.notice:
        band = QRectF(bounds.x(), bounds.y() + HEADER_H, bounds.width(), HEADER_H)
        p.fillRect(band, QColor(170, 30, 30, 220))
        p.setPen(QColor(255, 255, 255))
        p.drawText(band.adjusted(6, 0, -6, 0), Qt.AlignmentFlag.AlignVCenter, c.notice)


def _paint_zone_labels(
    p: QPainter, target: QRectF, zones: Sequence[Zone], statuses: Sequence[ZoneStatus]
) -> None:
    by_id = {s.zone_id: s for s in statuses}
    font = QFont(p.font())
    font.setPointSizeF(8.5)
    p.setFont(font)
    for z in zones:
        if not z.active:
            continue
        status = by_id.get(z.id)
        state = status.state if status else ZoneState.UNKNOWN
        top = min(z.polygon, key=lambda pt: (pt[1], pt[0]))
        at = QPointF(target.x() + top[0] * target.width(), target.y() + top[1] * target.height())
        _badge(p, at + QPointF(0, 2), status.label if status else z.name, STATE_COLOURS[state])


def _paint_people(p: QPainter, target: QRectF, obs: FrameObservation, *, dashed: bool) -> None:
    """Boxes from an analysis older than the picture (the analysis is behind) are dashed."""
    sx = target.width() / max(obs.width, 1)
    sy = target.height() / max(obs.height, 1)
    for person in obs.persons:
        x1, y1, x2, y2 = person.box
        rect = QRectF(target.x() + x1 * sx, target.y() + y1 * sy, (x2 - x1) * sx, (y2 - y1) * sy)
        colour = PERSON_COLOURS[person.state]
        p.setBrush(Qt.BrushStyle.NoBrush)  # (the previous badge left its fill behind)
        p.setPen(QPen(colour, 2.0, Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine))
        p.drawRect(rect)
        _badge(p, rect.topLeft() - QPointF(0, 16), f"#{person.track_id} {person.state}", colour)


def _badge(p: QPainter, at: QPointF, text: str, colour: QColor) -> None:
    metrics = p.fontMetrics()
    w = metrics.horizontalAdvance(text) + 8
    rect = QRectF(at.x(), at.y(), w, metrics.height() + 2)
    back = QColor(colour)
    back.setAlpha(200)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(back)
    p.drawRoundedRect(rect, 3, 3)
    p.setPen(QColor(0, 0, 0) if colour.lightness() > 140 else QColor(255, 255, 255))
    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)


def _paint_header(p: QPainter, header: QRectF, c: TileContent, selected: bool) -> None:
    p.fillRect(header, QColor(40, 60, 110) if selected else QColor(30, 34, 42))
    p.setPen(QColor(230, 232, 236))
    inner = header.adjusted(6, 0, -6, 0)
    p.drawText(inner, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, c.title)
    health = c.health
    ok = health is not None and health.connected and not c.error
    p.setPen(QColor(150, 220, 160) if ok else QColor(255, 140, 120))
    p.drawText(
        inner,
        Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
        health_text(health, c.display_fps, c.error),
    )
