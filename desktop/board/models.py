"""The board's Qt item models: one list of cards per section (the unassigned pool, operators at
work, one column per line of machines, work orders waiting for people, work orders with people).

A model never moves a card itself: ``dropMimeData`` asks the store to send the one service call
the drop stands for, and the card moves when the service has answered and the store has re-read
it (on every seat alike). Drags are copy drags, so Qt never removes the source row on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

from desktop.board.mime import MIME_TYPE, CardDrag, decode, encode
from desktop.board.store import BoardStore, Filters
from domain.model.work import Priority
from services.allocation.board_state import POOL
from services.allocation.cards import MachineCard, OperatorCard, WorkOrderCard

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()

CARD_ROLE = Qt.ItemDataRole.UserRole + 1
KEY_ROLE = Qt.ItemDataRole.UserRole + 2
DRAG_ROLE = Qt.ItemDataRole.UserRole + 3  # None, "source", "valid", "invalid"
PENDING_ROLE = Qt.ItemDataRole.UserRole + 4  # what the card waits for, or None
FLASH_ROLE = Qt.ItemDataRole.UserRole + 5  # why it was just refused, or None
REASON_ROLE = Qt.ItemDataRole.UserRole + 6  # why the dragged card may not go here

POOL_SECTION = "pool"
WORKING_SECTION = "working"
WAITING_SECTION = "waiting"
STAFFED_SECTION = "staffed"


def _matches_text(words: str, *fields: object) -> bool:
    if not words:
        return True
    hay = " ".join(str(f) for f in fields if f).lower()
    return all(w in hay for w in words.lower().split())


def operator_visible(card: OperatorCard, f: Filters) -> bool:
    skills = " ".join(s.skill_code for s in card.skills)
    return (
        _matches_text(f.text, card.name, card.id, skills, card.home_zone, card.work_order_id)
        and (not f.line or card.line_id == f.line)
        and (not f.skill or any(s.skill_code == f.skill for s in card.skills))
        and (not f.status or card.status == f.status)
    )


def machine_visible(card: MachineCard, f: Filters, names: Callable[[str], str]) -> bool:
    people = " ".join(names(o) for o in card.operator_ids)
    return (
        _matches_text(f.text, card.name, card.id, card.work_order_number, people, card.zone)
        and (not f.skill or f.skill in card.required_skills)
        and (not f.status or card.status == f.status)
    )


def work_order_visible(card: WorkOrderCard, f: Filters) -> bool:
    step = card.current_step
    skill = step.required_skill if step else None
    return (
        _matches_text(f.text, card.number, card.id, card.product, skill)
        and (not f.line or card.line_id == f.line)
        and (not f.skill or skill == f.skill)
        and (not f.status or card.status == f.status)
    )


class CardListModel(QAbstractListModel):
    def __init__(self, store: BoardStore, section: str, line_id: str | None = None) -> None:
        super().__init__()
        self.store = store
        self.section = section
        self.line_id = line_id
        self.keys: list[str] = []
        store.reset.connect(self._on_reset)
        store.cards_changed.connect(self._on_cards_changed)
        store.drag_changed.connect(self._on_drag_changed)
        store.filters_changed.connect(self._on_reset)
        self.keys = self._members()

    # -- membership --------------------------------------------------------------------------
    def _members(self) -> list[str]:
        state, f = self.store.state, self.store.filters
        if self.section == POOL_SECTION:
            return [o.key for o in state.pool() if operator_visible(o, f)]
        if self.section == WORKING_SECTION:
            busy = [o for o in state.operators.values() if o.allocation_id is not None]
            return [o.key for o in sorted(busy, key=lambda o: o.name) if operator_visible(o, f)]
        if self.section == WAITING_SECTION or self.section == STAFFED_SECTION:
            want = self.section == WAITING_SECTION
            wos = [w for w in state.work_orders.values() if w.waiting_for_people == want]
            wos.sort(key=lambda w: (-Priority(w.priority).weight, w.due, w.id))
            return [w.key for w in wos if work_order_visible(w, f)]
        if f.line and f.line != self.line_id:
            return []

        def name(op_id: str) -> str:
            op = state.operators.get(op_id)
            return op.name if op else op_id

        return [m.key for m in state.machines_of(self.line_id or "") if machine_visible(m, f, name)]

    def _on_reset(self) -> None:
        self.beginResetModel()
        self.keys = self._members()
        self.endResetModel()

    def _on_cards_changed(self, changed: set[str]) -> None:
        new = self._members()
        if new != self.keys:
            self._on_reset()
            return
        for row, key in enumerate(self.keys):
            if key in changed:
                i = self.index(row)
                self.dataChanged.emit(i, i)

    def _on_drag_changed(self) -> None:
        if self.keys:
            self.dataChanged.emit(self.index(0), self.index(len(self.keys) - 1), [DRAG_ROLE])

    def row_of(self, key: str) -> int | None:
        try:
            return self.keys.index(key)
        except ValueError:
            return None

    def target_key(self, parent: Index) -> str | None:
        """Where a drop lands: the card under the cursor, or the pool's empty space."""
        if parent.isValid():
            return self.keys[parent.row()]
        if self.section in (POOL_SECTION,):
            return POOL
        return None

    # -- Qt model API --------------------------------------------------------------------------
    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.keys)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.keys):
            return None
        key = self.keys[index.row()]
        store = self.store
        card = store.state.card(key)
        if role == Qt.ItemDataRole.DisplayRole:
            return store.state.label(key)
        if role == CARD_ROLE:
            return card
        if role == KEY_ROLE:
            return key
        if role == PENDING_ROLE:
            return store.pending.get(key)
        if role == FLASH_ROLE:
            return store.flash.get(key)
        if role == DRAG_ROLE:
            if store.drag_source is None:
                return None
            if key == store.drag_source:
                return "source"
            plan = store.plan_for(key)
            return None if plan is None else ("valid" if plan.ok else "invalid")
        if role in (REASON_ROLE, Qt.ItemDataRole.ToolTipRole):
            if store.drag_source is not None and key != store.drag_source:
                plan = store.plan_for(key)
                if plan is not None:
                    return plan.description if plan.ok else plan.why_not
            if role == Qt.ItemDataRole.ToolTipRole:
                return store.flash.get(key) or store.pending.get(key) or _tooltip(card)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsDropEnabled
        if not index.isValid():
            return base
        key = self.keys[index.row()]
        base |= Qt.ItemFlag.ItemIsSelectable
        if key.startswith(("operator:", "work_order:")) and not self.store.historic:
            base |= Qt.ItemFlag.ItemIsDragEnabled
        return base

    def mimeTypes(self) -> list[str]:
        return [MIME_TYPE]

    def mimeData(self, indexes: Any) -> QMimeData:
        key = self.keys[indexes[0].row()]
        card = self.store.state.card(key)
        version = int(getattr(card, "version", 0))
        return encode(CardDrag(key, version, self.store.ctx.seat))

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction | Qt.DropAction.MoveAction

    def canDropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        drag = decode(data)
        target = self.target_key(parent)
        if drag is None or target is None or self.store.historic:
            return False
        plan = self.store.plan_for(target, drag.key)
        return plan is not None and plan.ok

    def dropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        drag = decode(data)
        target = self.target_key(parent)
        self.store.end_drag()
        if drag is None or target is None:
            return False
        return self.store.drop(drag.key, target)


def _tooltip(card: object) -> str | None:
    if isinstance(card, OperatorCard):
        skills = ", ".join(f"{s.skill_code} {s.proficiency}" for s in card.skills)
        shift = card.shift.shift_name if card.shift else f"off shift (next: {card.next_shift})"
        return f"{card.name} ({card.id})\n{card.status}, {shift}\n{skills}"
    if isinstance(card, MachineCard):
        return (
            f"{card.name} ({card.machine_type}), {card.status}\n"
            f"needs: {', '.join(card.required_skills) or '—'}"
        )
    if isinstance(card, WorkOrderCard):
        steps = " → ".join(f"{o.name} ({o.required_skill or '-'})" for o in card.operations)
        return (
            f"{card.number} {card.product}\n{card.status}, due {card.due:%a %d %b %H:%M}\n{steps}"
        )
    return None
