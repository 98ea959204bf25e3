"""Painting the board's cards: status colour, what the card is doing, badges, and the drag,
pending and refusal states (readable at a glance from across the control room)."""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from desktop.board.models import CARD_ROLE, DRAG_ROLE, FLASH_ROLE, PENDING_ROLE
from desktop.plant_browser import STATUS_COLOURS
from services.allocation.cards import MachineCard, OperatorCard, WorkOrderCard

CARD_HEIGHT = 70
PRIORITY_COLOURS = {"urgent": "#e15759", "high": "#f28e2b", "medium": "#4e79a7", "low": "#9c9c9c"}
BACKGROUND = QColor("#2b2f36")
TEXT = QColor("#e8e8e8")
DIM = QColor("#a0a4ab")
VALID = QColor("#59a14f")
INVALID = QColor("#e15759")
PENDING = QColor("#edc948")


def _colour(status: str) -> QColor:
    return QColor(STATUS_COLOURS.get(status, "#9c9c9c"))


class CardDelegate(QStyledItemDelegate):
    def __init__(self, now: object = None) -> None:
        super().__init__()
        self._now = now  # callable giving the seat's clock time (for "late")

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(max(option.rect.width(), 200), CARD_HEIGHT)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        card = index.data(CARD_ROLE)
        drag = index.data(DRAG_ROLE)
        pending = index.data(PENDING_ROLE)
        flash = index.data(FLASH_ROLE)
        r = QRect(option.rect).adjusted(3, 3, -3, -3)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if pending or drag == "invalid" or drag == "source":
            painter.setOpacity(0.45)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(BACKGROUND.lighter(130) if selected else BACKGROUND)
        painter.drawRoundedRect(QRectF(r), 6, 6)
        stripe = QRect(r.left(), r.top(), 6, r.height())
        painter.setBrush(self._stripe(card))
        painter.drawRoundedRect(QRectF(stripe), 3, 3)
        body = r.adjusted(12, 4, -6, -4)
        if isinstance(card, OperatorCard):
            self._operator(painter, body, card)
        elif isinstance(card, MachineCard):
            self._machine(painter, body, card)
        elif isinstance(card, WorkOrderCard):
            self._work_order(painter, body, card)
        painter.setOpacity(1.0)
        border: QColor | None = None
        if flash:
            border = INVALID
        elif pending:
            border = PENDING
        elif drag == "valid":
            border = VALID
        if border is not None:
            pen = QPen(border, 2.5, Qt.PenStyle.DashLine if pending else Qt.PenStyle.SolidLine)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(QRectF(r), 6, 6)
        if pending:
            self._text(
                painter,
                r.adjusted(0, 0, -8, -4),
                "⟳ waiting for the server",
                PENDING,
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom,
                small=True,
            )
        painter.restore()

    # -- helpers -----------------------------------------------------------------------------
    @staticmethod
    def _stripe(card: object) -> QColor:
        if isinstance(card, WorkOrderCard):
            return QColor(PRIORITY_COLOURS.get(card.priority, "#9c9c9c"))
        status = getattr(card, "status", "")
        return _colour(str(status))

    @staticmethod
    def _text(
        painter: QPainter,
        rect: QRect,
        text: str,
        colour: QColor = TEXT,
        align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
        *,
        bold: bool = False,
        small: bool = False,
    ) -> None:
        font = QFont(painter.font())
        font.setBold(bold)
        if small:
            font.setPointSizeF(max(font.pointSizeF() * 0.85, 7.0))
        painter.setFont(font)
        painter.setPen(colour)
        elided = painter.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, rect.width())
        painter.drawText(rect, int(align), elided)

    def _lines(self, rect: QRect) -> list[QRect]:
        h = rect.height() // 3
        return [QRect(rect.left(), rect.top() + i * h, rect.width(), h) for i in range(3)]

    def _operator(self, p: QPainter, rect: QRect, c: OperatorCard) -> None:
        badge = QRect(rect.left(), rect.top() + 6, 34, 34)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(_colour(c.status).darker(150))
        p.drawEllipse(badge)
        self._text(p, badge, c.initials, TEXT, Qt.AlignmentFlag.AlignCenter, bold=True)
        text = rect.adjusted(42, 0, 0, 0)
        top, mid, low = self._lines(text)
        self._text(p, top, c.name, bold=True)
        shift = "off shift"
        if c.shift is not None:
            shift = c.shift.shift_name
            if c.shift.on_break and c.shift.break_end:
                shift += f", break until {c.shift.break_end:%H:%M}"
        status = f"{c.status} · {shift}"
        if c.idle_minutes is not None:
            status += f" · idle {c.idle_minutes} min"
        if c.work_order_id:
            status += f" · {c.work_order_id}"
        self._text(p, mid, status, _colour(c.status), small=True)
        skills = "  ".join(f"{s.skill_code} {s.proficiency}" for s in c.skills)
        expired, soon = c.certificates(self._today())
        badges = (f"⚠ {expired} cert expired " if expired else "") + (
            f"{soon} cert expiring" if soon else ""
        )
        if badges:
            right = QRect(low.right() - 130, low.top(), 130, low.height())
            self._text(
                p,
                right,
                badges,
                INVALID if expired else PENDING,
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop,
                small=True,
            )
            low = low.adjusted(0, 0, -132, 0)
        self._text(p, low, skills, DIM, small=True)

    def _machine(self, p: QPainter, rect: QRect, c: MachineCard) -> None:
        top, mid, low = self._lines(rect)
        self._text(p, top, f"{c.name}  ·  {c.status}", bold=True)
        doing = f"▶ {c.work_order_number}" if c.work_order_number else "no work order"
        self._text(p, mid, doing, TEXT if c.work_order_number else DIM, small=True)
        who = ", ".join(c.operator_names or c.operator_ids) if c.operator_ids else "nobody"
        if c.work_order_number and not c.operator_ids:
            who = "waiting for people"
        needs = ", ".join(c.required_skills)
        self._text(p, low, f"{who}  ·  needs {needs}", DIM, small=True)

    def _work_order(self, p: QPainter, rect: QRect, c: WorkOrderCard) -> None:
        top, mid, low = self._lines(rect)
        self._text(p, top, f"{c.number}  {c.product}", bold=True)
        due = f"due {c.due:%a %H:%M}"
        self._text(
            p,
            mid,
            f"{c.priority} · {c.status} · {due}" + (" · LATE" if c.late else ""),
            INVALID if c.late else DIM,
            small=True,
        )
        step = c.current_step
        need = f"{step.name}: {step.required_skill} ≥{step.min_proficiency}" if step else "—"
        short = [m for m in c.materials if m.critical and m.shortfall > 0]
        if short:
            need += f"  ·  ⚠ {short[0].name} short"
        if c.operator_ids:
            need += f"  ·  {len(c.operator_ids)} at work"
        self._text(p, low, need, DIM, small=True)

    def _today(self) -> date:
        now = self._now() if callable(self._now) else datetime.now().astimezone()
        return now.date()
