"""Export the roster shown (the filtered operators and the cover rows) to CSV and to PDF.

Both read the grid's model, so the file holds what the screen shows. The PDF is drawn with
QPdfWriter (A4 landscape), one page per 40 rows.
"""

from __future__ import annotations

import csv
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPageLayout, QPageSize, QPainter, QPdfWriter

from desktop.roster.model import LOCKED_ROLE, RosterModel

ROWS_PER_PAGE = 40


def _table(model: RosterModel) -> tuple[list[str], list[list[str]]]:
    snap = model.store.snapshot
    if snap is None:
        raise ValueError("the roster is not loaded yet")
    header = ["operator", "name"] + [snap.date_of(d).isoformat() for d in range(snap.days)]
    rows: list[list[str]] = []
    for r, op_id in enumerate(model.operators):
        op = snap.operator(op_id)
        cells = []
        for d in range(snap.days):
            cell = snap.cell(op_id, d)
            text = cell.shift
            if cell.absent:
                text = f"{cell.shift} (absent)"
            if model.index(r, d).data(LOCKED_ROLE):
                text = f"{text} [locked]".strip()
            cells.append(text)
        rows.append([op_id, op.name if op else op_id, *cells])
    for i, row in enumerate(model.cover_rows):
        r = len(model.operators) + i
        cells = [str(model.index(r, d).data()) for d in range(snap.days)]
        rows.append(["", row.label, *cells])
    return header, rows


def csv_rows(model: RosterModel) -> list[list[str]]:
    """The roster shown as CSV rows, header first (read from the model: on the GUI thread)."""
    header, rows = _table(model)
    return [header, *rows]


def save_csv(rows: list[list[str]], path: str | Path) -> Path:
    """Write rows read by :func:`csv_rows` to ``path`` (no Qt: may run off the GUI thread)."""
    out = Path(path)
    with out.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return out


def write_csv(model: RosterModel, path: str | Path) -> Path:
    """Write the roster shown as CSV (cover cells: planned/required)."""
    return save_csv(csv_rows(model), path)


def write_pdf(model: RosterModel, path: str | Path, title: str = "Shift roster") -> Path:
    """Draw the roster shown into a PDF: shift colours, cover rows under and over marked."""
    snap = model.store.snapshot
    if snap is None:
        raise ValueError("the roster is not loaded yet")
    out = Path(path)
    writer = QPdfWriter(str(out))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageOrientation(QPageLayout.Orientation.Landscape)
    writer.setPageMargins(QMarginsF(10, 10, 10, 10), QPageLayout.Unit.Millimeter)
    writer.setResolution(150)
    writer.setTitle(title)
    painter = QPainter(writer)
    try:
        page = QRectF(writer.pageLayout().paintRectPixels(writer.resolution()))
        width, height = page.width(), page.height()
        name_w = width * 0.2
        col_w = (width - name_w) / max(1, snap.days)
        row_h = height / (ROWS_PER_PAGE + 3)
        font = QFont("Sans")
        font.setPixelSize(max(8, int(row_h * 0.45)))
        painter.setFont(font)
        total = model.rowCount()
        first = 0
        while True:
            painter.drawText(
                QRectF(0, 0, width, row_h),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                f"{title}: {snap.start:%d %b %Y} + {snap.days} days",
            )
            y = row_h
            for d in range(snap.days):
                rect = QRectF(name_w + d * col_w, y, col_w, row_h)
                painter.drawRect(rect)
                painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, f"{snap.date_of(d):%a %d}")
            y += row_h
            for r in range(first, min(total, first + ROWS_PER_PAGE)):
                label = model.headerData(r, Qt.Orientation.Vertical)
                painter.drawText(
                    QRectF(0, y, name_w, row_h),
                    Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                    str(label),
                )
                for d in range(snap.days):
                    index = model.index(r, d)
                    rect = QRectF(name_w + d * col_w, y, col_w, row_h)
                    brush = index.data(Qt.ItemDataRole.BackgroundRole)
                    if isinstance(brush, QBrush):
                        painter.fillRect(rect, brush)
                    painter.setPen(QColor("#808080"))
                    painter.drawRect(rect)
                    fore = index.data(Qt.ItemDataRole.ForegroundRole)
                    painter.setPen(fore.color() if isinstance(fore, QBrush) else QColor("#000"))
                    text = str(index.data() or "")
                    if index.data(LOCKED_ROLE):
                        text += "*"
                    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
                    painter.setPen(QColor("#000"))
                y += row_h
            first += ROWS_PER_PAGE
            if first >= total:
                break
            writer.newPage()
    finally:
        painter.end()
    return out
