"""RosterModel: operators (rows) by days (columns), then one cover row per shift (and skill).

The model is an adapter over :class:`~desktop.roster.store.RosterStore`: it never edits a cell
itself. A typed code (``setData``) and a drop (``dropMimeData``) go to the store, which checks
the labour rules first and refuses with the reason, or shows and saves the change; the model
redraws when the store says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont

from desktop.roster.store import RosterStore
from domain.rules.rostering import OFF

MIME_TYPE = "application/x-takt-roster-cell"
LOCKED_ROLE = Qt.ItemDataRole.UserRole + 1
ABSENT_ROLE = Qt.ItemDataRole.UserRole + 2
COVER_ROLE = Qt.ItemDataRole.UserRole + 3  # (planned, required or None) of a cover cell
FORECAST_ROLE = Qt.ItemDataRole.UserRole + 4  # forecast absence probability, or None
REQUEST_ROLE = Qt.ItemDataRole.UserRole + 8  # "on" / "off" / "unavailable" of a request, or None
UNDER = QColor("#e15759")
OVER = QColor("#edc948")
MET = QColor("#59a14f")
ABSENT_BG = QColor("#9c9c9c")

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True, slots=True)
class CoverRow:
    shift: str
    skill: str | None

    @property
    def label(self) -> str:
        return f"Cover {self.shift}" + (f" · {self.skill}" if self.skill else "")


def _text_colour(background: QColor) -> QColor:
    return QColor("#000000") if background.lightness() > 150 else QColor("#ffffff")


class RosterModel(QAbstractTableModel):
    def __init__(self, store: RosterStore) -> None:
        super().__init__(store)
        self.store = store
        self.operators: list[str] = []
        self.cover_rows: list[CoverRow] = []
        self._cover: dict[tuple[int, int], tuple[int, int | None]] = {}
        self._colours: dict[str, QColor] = {}
        store.reset.connect(self.refresh)
        self.refresh()

    # -- shape -----------------------------------------------------------------------------
    def refresh(self) -> None:
        self.beginResetModel()
        snap = self.store.snapshot
        self.operators = self.store.visible_operators()
        self.cover_rows = []
        self._cover = {}
        if snap is not None:
            self._colours = {s.id: QColor(s.colour) for s in snap.shifts}
            rows = [CoverRow(s.id, None) for s in snap.shifts]
            skills = {(c.shift, c.skill) for c in snap.cover if c.skill}
            skill = self.store.filters.skill
            if skill:
                skills |= {(s.id, skill) for s in snap.shifts}
            rows += [CoverRow(s, k) for s, k in sorted(skills)]
            self.cover_rows = rows
            counts = snap.cover_table([(row.shift, row.skill) for row in rows])
            required = {(c.day, c.shift, c.skill): c.requirement for c in snap.cover}
            for r, row in enumerate(rows):
                for d in range(snap.days):
                    self._cover[(r, d)] = (
                        counts[(row.shift, row.skill)][d],
                        required.get((d, row.shift, row.skill)),
                    )
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid():
            return 0
        return len(self.operators) + len(self.cover_rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() or self.store.snapshot is None:
            return 0
        return self.store.snapshot.days

    def is_cover(self, index: Index) -> bool:
        return index.row() >= len(self.operators)

    def cell_of(self, index: Index) -> tuple[str, int] | None:
        """(operator id, day) of an operator cell; None for cover rows."""
        if not index.isValid() or self.is_cover(index):
            return None
        return self.operators[index.row()], index.column()

    def index_of(self, operator_id: str, day: int) -> QModelIndex:
        return self.index(self.operators.index(operator_id), day)

    # -- data ------------------------------------------------------------------------------
    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        snap = self.store.snapshot
        if snap is None or role != Qt.ItemDataRole.DisplayRole:
            if role == Qt.ItemDataRole.ToolTipRole and orientation == Qt.Orientation.Vertical:
                return self._row_tip(section)
            return None
        if orientation == Qt.Orientation.Horizontal:
            return snap.date_of(section).strftime("%a\n%d %b")
        if section < len(self.operators):
            op = snap.operator(self.operators[section])
            return op.name if op else self.operators[section]
        return self.cover_rows[section - len(self.operators)].label

    def _row_tip(self, section: int) -> str | None:
        snap = self.store.snapshot
        if snap is None:
            return None
        if section < len(self.operators):
            op = snap.operator(self.operators[section])
            if op is None:
                return None
            line = snap.lines.get(op.line_id or "", op.line_id or "no line")
            own = snap.own_contracts.get(op.id)
            contract = f" · contract: {own.describe()}" if own is not None else ""
            return f"{op.id} · {line} · skills: {', '.join(sorted(op.skills)) or 'none'}{contract}"
        return snap.cover_note

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        snap = self.store.snapshot
        if snap is None or not index.isValid():
            return None
        if self.is_cover(index):
            return self._cover_data(index, role)
        op, day = self.operators[index.row()], index.column()
        cell = snap.cell(op, day)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return cell.shift
        if role == LOCKED_ROLE:
            return cell.locked
        if role == ABSENT_ROLE:
            return cell.absent
        if role == FORECAST_ROLE:
            return snap.forecast.get((op, day))
        if role == REQUEST_ROLE:
            wishes = snap.wishes.get((op, day), ())
            return (
                "unavailable"
                if (op, day) in snap.unavailable
                else (wishes[0].kind.value if wishes else None)
            )
        if role == Qt.ItemDataRole.BackgroundRole:
            if cell.absent:
                return QBrush(ABSENT_BG)
            colour = self._colours.get(cell.shift)
            return QBrush(colour) if colour is not None and cell.shift != OFF else None
        if role == Qt.ItemDataRole.ForegroundRole:
            colour = self._colours.get(cell.shift)
            if cell.shift != OFF and colour is not None and not cell.absent:
                return QBrush(_text_colour(colour))
            return None
        if role == Qt.ItemDataRole.FontRole and cell.absent:
            font = QFont()
            font.setStrikeOut(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return Qt.AlignmentFlag.AlignCenter
        if role == Qt.ItemDataRole.ToolTipRole:
            parts = [f"{op} · {snap.date_of(day):%A %d %b}"]
            parts.append(f"shift {cell.shift}" if cell.shift else "day off")
            if cell.absent:
                parts.append("absent")
            if cell.locked:
                parts.append("locked: the optimiser keeps it")
            if day < snap.first_open_day:
                parts.append("in the past")
            p = snap.forecast.get((op, day))
            if p is not None:
                parts.append(f"forecast absence {p:.0%}")
            if (op, day) in snap.unavailable:
                parts.append(f"cannot work: {snap.unavailable[(op, day)]}")
            parts += [
                w.describe()
                for w in snap.wishes.get((op, day), ())
                if w.kind.value != "unavailable"
            ]
            return " · ".join(parts)
        return None

    def _cover_data(self, index: Index, role: int) -> Any:
        key = (index.row() - len(self.operators), index.column())
        planned, required = self._cover.get(key, (0, None))
        if role == COVER_ROLE:
            return planned, required
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{planned}" if required is None else f"{planned}/{required}"
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return Qt.AlignmentFlag.AlignCenter
        if required is None:
            return None
        if role == Qt.ItemDataRole.BackgroundRole:
            if planned < required:
                return QBrush(UNDER)
            if planned > required:
                return QBrush(OVER)
            return QBrush(MET.lighter(170))
        if role == Qt.ItemDataRole.ToolTipRole:
            row = self.cover_rows[key[0]]
            state = (
                f"{required - planned} missing"
                if planned < required
                else f"{planned - required} extra"
                if planned > required
                else "met"
            )
            return f"{row.label}: {planned} planned, {required} required ({state})"
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self.is_cover(index):
            return base
        return (
            base
            | Qt.ItemFlag.ItemIsEditable
            | Qt.ItemFlag.ItemIsDragEnabled
            | Qt.ItemFlag.ItemIsDropEnabled
        )

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        cell = self.cell_of(index)
        if cell is None or role != Qt.ItemDataRole.EditRole or value is None:
            return False
        return self.store.set_code(cell[0], cell[1], str(value))

    # -- drag and drop -----------------------------------------------------------------------
    def supportedDragActions(self) -> Qt.DropAction:
        # Copy, never Move: a view clears the source of a finished MoveAction itself, and the
        # store already swaps the two cells
        return Qt.DropAction.CopyAction

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction | Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [MIME_TYPE]

    def mimeData(self, indexes: Any) -> QMimeData:
        mime = QMimeData()
        cells = [c for i in indexes if (c := self.cell_of(i)) is not None]
        if cells:
            mime.setData(MIME_TYPE, QByteArray(json.dumps(list(cells[0])).encode()))
        return mime

    @staticmethod
    def decode(mime: QMimeData) -> tuple[str, int] | None:
        if not mime.hasFormat(MIME_TYPE):
            return None
        try:
            op, day = json.loads(bytes(mime.data(MIME_TYPE).data()).decode())
            return str(op), int(day)
        except (ValueError, TypeError):
            return None

    def drop_refusal(self, mime: QMimeData, parent: Index) -> str:
        """Why dropping ``mime`` on ``parent`` is not allowed ("" when it is)."""
        source, target = self.decode(mime), self.cell_of(parent)
        if source is None or target is None:
            return "drop a shift on an operator's day"
        if source == target:
            return "drop it on another cell"
        return self.store.refusal(self.store.move_changes(source, target))

    def canDropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        if row >= 0 and column >= 0:  # between items: aim at the cell there
            parent = self.index(row, column)
        return self.decode(data) is not None and self.cell_of(parent) is not None

    def dropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        if row >= 0 and column >= 0:
            parent = self.index(row, column)
        source, target = self.decode(data), self.cell_of(parent)
        if source is None or target is None or source == target:
            return False
        return self.store.move(source, target)
