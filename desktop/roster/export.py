"""Export the roster shown (the filtered operators and the cover rows) to CSV and to PDF.

Both read the grid's model, so the file holds what the screen shows: the model is read on the
GUI thread into plain values, the file is drawn and written from those in a runner query. The
PDF is drawn with QPdfWriter (A4 landscape), one page per 40 rows.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPageLayout, QPageSize, QPainter, QPdfWriter

from desktop.export_file import unwritable
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


@dataclass(frozen=True)
class PdfCell:
    text: str
    background: QColor | None
    foreground: QColor


@dataclass(frozen=True)
class PdfRoster:
    """What the PDF shows, copied out of the model (on the GUI thread) as plain values."""

    heading: str
    title: str
    days: list[str]
    rows: list[tuple[str, list[PdfCell]]]


def pdf_roster(model: RosterModel, title: str = "Shift roster") -> PdfRoster:
    """Read the roster shown for :func:`save_pdf` (reads the model: on the GUI thread)."""
    snap = model.store.snapshot
    if snap is None:
        raise ValueError("the roster is not loaded yet")
    rows: list[tuple[str, list[PdfCell]]] = []
    for r in range(model.rowCount()):
        cells: list[PdfCell] = []
        for d in range(snap.days):
            index = model.index(r, d)
            brush = index.data(Qt.ItemDataRole.BackgroundRole)
            fore = index.data(Qt.ItemDataRole.ForegroundRole)
            text = str(index.data() or "")
            if index.data(LOCKED_ROLE):
                text += "*"
            cells.append(
                PdfCell(
                    text,
                    QColor(brush.color()) if isinstance(brush, QBrush) else None,
                    QColor(fore.color()) if isinstance(fore, QBrush) else QColor("#000"),
                )
            )
        rows.append((str(model.headerData(r, Qt.Orientation.Vertical)), cells))
    return PdfRoster(
        f"{title}: {snap.start:%d %b %Y} + {snap.days} days",
        title,
        [f"{snap.date_of(d):%a %d}" for d in range(snap.days)],
        rows,
    )


def save_pdf(roster: PdfRoster, path: str | Path) -> Path:
    """Draw a roster read by :func:`pdf_roster` into a PDF at ``path``: shift colours, cover
    rows under and over marked. No widgets or models: runs off the GUI thread."""
    out = Path(path)
    writer = QPdfWriter(str(out))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageOrientation(QPageLayout.Orientation.Landscape)
    writer.setPageMargins(QMarginsF(10, 10, 10, 10), QPageLayout.Unit.Millimeter)
    writer.setResolution(150)
    writer.setTitle(roster.title)
    painter = QPainter()
    if not painter.begin(writer):
        raise unwritable(out)
    try:
        page = QRectF(writer.pageLayout().paintRectPixels(writer.resolution()))
        width, height = page.width(), page.height()
        name_w = width * 0.2
        col_w = (width - name_w) / max(1, len(roster.days))
        row_h = height / (ROWS_PER_PAGE + 3)
        font = QFont("Sans")
        font.setPixelSize(max(8, int(row_h * 0.45)))
        painter.setFont(font)
        left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        black, grey = QColor("#000"), QColor("#808080")
        for first in range(0, max(1, len(roster.rows)), ROWS_PER_PAGE):
            if first:
                writer.newPage()
            painter.drawText(QRectF(0, 0, width, row_h), left, roster.heading)
            y = row_h
            for d, day in enumerate(roster.days):
                rect = QRectF(name_w + d * col_w, y, col_w, row_h)
                painter.drawRect(rect)
                painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, day)
            y += row_h
            for label, cells in roster.rows[first : first + ROWS_PER_PAGE]:
                painter.drawText(QRectF(0, y, name_w, row_h), left, label)
                for d, cell in enumerate(cells):
                    rect = QRectF(name_w + d * col_w, y, col_w, row_h)
                    if cell.background is not None:
                        painter.fillRect(rect, cell.background)
                    painter.setPen(grey)
                    painter.drawRect(rect)
                    painter.setPen(cell.foreground)
                    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, cell.text)
                    painter.setPen(black)
                y += row_h
    finally:
        painter.end()
    return out


def write_pdf(model: RosterModel, path: str | Path, title: str = "Shift roster") -> Path:
    """Draw the roster shown into a PDF (both steps here: on the GUI thread)."""
    return save_pdf(pdf_roster(model, title), path)
