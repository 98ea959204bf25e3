"""The Gantt chart's PDF export, drawn and written off the GUI thread (its PNG export is
``desktop.export_file.save_png`` of a grab).

Only what touches the chart widget happens on the GUI thread: its painting recorded into a
QPicture (so the PDF stays vector). Drawing that into the PDF and writing the file use neither
widgets nor the chart, so they run in a runner query."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtGui import QPageLayout, QPageSize, QPainter, QPdfWriter, QPicture

from desktop.export_file import unwritable
from desktop.planning.chart import GanttChart


def record_chart(chart: GanttChart) -> tuple[QPicture, QSize]:
    """The chart painted as it is shown, recorded for :func:`save_pdf` (on the GUI thread)."""
    picture = QPicture()
    w, h = chart.width(), chart.height()
    painter = QPainter(picture)
    try:
        chart.paint_chart(painter, w, h)
    finally:
        painter.end()
    return picture, QSize(w, h)


def save_pdf(chart: tuple[QPicture, QSize], path: str | Path) -> Path:
    """Play a recorded chart onto one A3 landscape PDF page, scaled to fit."""
    picture, size = chart
    target = Path(path)
    writer = QPdfWriter(str(target))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A3))
    writer.setPageOrientation(QPageLayout.Orientation.Landscape)
    writer.setResolution(150)
    writer.setTitle("Production plan")
    painter = QPainter()
    if not painter.begin(writer):
        raise unwritable(target)
    try:
        page = writer.pageLayout().paintRectPixels(writer.resolution())
        scale = min(page.width() / max(size.width(), 1), page.height() / max(size.height(), 1))
        painter.scale(scale, scale)
        painter.drawPicture(0, 0, picture)
    finally:
        painter.end()
    return target
