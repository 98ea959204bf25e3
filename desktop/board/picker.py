"""The keyboard path and the suggestions: for the selected card, every place it could go (the
allowed ones first, the others greyed with the rule that stops them); Enter sends the move.
For a selected work order or machine, "Suggest" ranks the operators with score and reasons."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from desktop.board.store import BoardStore
from services.allocation.board_state import Plan
from services.allocation.cards import MachineCard, WorkOrderCard
from services.allocation.suggest import Suggestion, suggest

PLAN_ROLE = Qt.ItemDataRole.UserRole + 10
SUGGESTION_ROLE = Qt.ItemDataRole.UserRole + 11


class _Targets(QListWidget):
    chosen = Signal(QListWidgetItem)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        item = self.currentItem()
        if item is not None and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.chosen.emit(item)
            return
        super().keyPressEvent(event)


class TargetPicker(QWidget):
    def __init__(self, store: BoardStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.source: str | None = None
        self.title = QLabel("Select a card, then choose where it goes (Enter).")
        self.title.setWordWrap(True)
        self.list = _Targets()
        self.list.setAlternatingRowColors(True)
        self.list.chosen.connect(self._choose)
        self.list.itemDoubleClicked.connect(self._choose)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.title)
        lay.addWidget(self.list)
        store.reset.connect(self.refresh)
        store.cards_changed.connect(lambda _keys: self.refresh())

    def show_targets(self, source: str) -> None:
        self.source = source
        self.list.clear()
        self.refresh()

    def refresh(self) -> None:
        if self.source is None or self.store.state.card(self.source) is None:
            self.list.clear()
            return
        if self.list.count() and self.list.item(0).data(SUGGESTION_ROLE) is not None:
            return  # showing suggestions: the user asked for them
        plans = self.store.state.targets(self.source, self.store.now())
        plans.sort(key=lambda p: (not p.ok, self.store.state.label(p.target)))
        self.title.setText(f"Move {self.store.state.label(self.source)} to …")
        self.list.clear()
        for plan in plans:
            self._add_plan(plan)
        if self.list.count():
            self.list.setCurrentRow(0)

    def _add_plan(self, plan: Plan) -> None:
        label = self._describe(plan.target)
        if plan.ok:
            text = f"✓ {label}"
            warn = "; ".join(w.message for w in plan.verdict.warnings)
            if warn:
                text += f"  (warning: {warn})"
        else:
            text = f"✗ {label}: {plan.why_not}"
        item = QListWidgetItem(text)
        item.setData(PLAN_ROLE, plan)
        item.setToolTip(plan.description if plan.ok else plan.why_not)
        if not plan.ok:
            item.setForeground(QColor("#8a8f98"))
        self.list.addItem(item)

    def _describe(self, key: str) -> str:
        card = self.store.state.card(key)
        if isinstance(card, WorkOrderCard):
            return f"{card.number} {card.product} ({card.priority}, due {card.due:%a %H:%M})"
        if isinstance(card, MachineCard):
            doing = f" running {card.work_order_number}" if card.work_order_number else ""
            return f"{card.name}{doing}"
        return self.store.state.label(key)

    def show_suggestions(self, work_order_id: str | None, machine_id: str | None) -> None:
        ranked = suggest(
            self.store.state,
            work_order_id=work_order_id,
            machine_id=machine_id,
            at=self.store.now(),
            limit=10,
        )
        self.source = None
        what = work_order_id or machine_id or "?"
        self.title.setText(f"Suggested operators for {what} (score /100 and why; Enter confirms)")
        self.list.clear()
        for s in ranked:
            self._add_suggestion(s)
        if not ranked:
            self.list.addItem("Nobody to suggest (no work order on this machine?)")
        elif self.list.count():
            self.list.setCurrentRow(0)

    def _add_suggestion(self, s: Suggestion) -> None:
        if s.feasible:
            text = f"{s.score:5.1f}  {s.name} — " + "; ".join(s.reasons)
        else:
            text = f"  —   {s.name} — not allowed: " + "; ".join(s.blocked_by)
        item = QListWidgetItem(text)
        item.setData(SUGGESTION_ROLE, s)
        item.setToolTip("\n".join((*s.reasons, *s.warnings, *s.blocked_by)))
        if not s.feasible:
            item.setForeground(QColor("#8a8f98"))
        self.list.addItem(item)

    def _choose(self, item: QListWidgetItem) -> None:
        plan = item.data(PLAN_ROLE)
        if isinstance(plan, Plan):
            self.store.drop(plan.source, plan.target)
            return
        s = item.data(SUGGESTION_ROLE)
        if isinstance(s, Suggestion) and s.command is not None:
            self.store.submit(
                f"operator:{s.operator_id}", s.command, f"Allocate {s.name} (suggested)"
            )
        elif isinstance(s, Suggestion):
            self.store.rejected.emit(f"operator:{s.operator_id}", "; ".join(s.blocked_by))
