"""The allocation board: the unassigned pool and the operators at work on the left, one column of
machine cards per line, the work orders waiting for people and those with people, and on the
right the keyboard path / suggestions and the history with its time slider."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.board.auto_dialog import AutoAllocateDialog
from desktop.board.history import HistoryPanel
from desktop.board.models import (
    POOL_SECTION,
    STAFFED_SECTION,
    WAITING_SECTION,
    WORKING_SECTION,
    CardListModel,
)
from desktop.board.picker import TargetPicker
from desktop.board.store import BoardStore, Filters
from desktop.board.views import CardListView
from desktop.context import DesktopContext
from services.allocation.auto_allocate import Applied, Proposal, apply, propose
from services.allocation.cards import MachineCard, OperatorCard, WorkOrderCard
from services.allocation.commands import (
    AllocationResult,
    Complete,
    Pause,
    Release,
    Resume,
    Seen,
)
from services.messaging.feed import SeatInfo

log = logging.getLogger(__name__)

SEATS_MS = 5_000
STATUSES = (
    "available",
    "busy",
    "break",
    "absent",
    "sick",
    "vacation",
    "running",
    "idle",
    "maintenance",
    "breakdown",
    "queued",
    "assigned",
    "in_progress",
    "paused",
)


class _Column(QWidget):
    def __init__(self, title: str, view: CardListView) -> None:
        super().__init__()
        self.title = title
        self.label = QLabel()
        self.label.setStyleSheet("font-weight: bold")
        self.view = view
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.label)
        lay.addWidget(view)
        view.model().modelReset.connect(self.update_count)
        self.update_count()

    def update_count(self) -> None:
        self.label.setText(f"{self.title} ({self.view.model().rowCount()})")


class BoardWidget(QWidget):
    def __init__(self, ctx: DesktopContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AllocationBoard")
        self.ctx = ctx
        self.store = BoardStore(ctx, self)
        self.views: dict[str, CardListView] = {}
        self.line_columns: dict[str, _Column] = {}

        # -- toolbar -------------------------------------------------------------------------
        self.search = QLineEdit(placeholderText="Search operators, machines, work orders… (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.line_filter = QComboBox()
        self.skill_filter = QComboBox()
        self.status_filter = QComboBox()
        self.status_filter.addItem("any status", "")
        for s in STATUSES:
            self.status_filter.addItem(s, s)
        self.search.textChanged.connect(self._apply_filters)
        for combo in (self.line_filter, self.skill_filter, self.status_filter):
            combo.currentIndexChanged.connect(self._apply_filters)
        self.undo_button = QToolButton()
        self.undo_button.setDefaultAction(self.store.undo_stack.createUndoAction(self, "Undo"))
        self.redo_button = QToolButton()
        self.redo_button.setDefaultAction(self.store.undo_stack.createRedoAction(self, "Redo"))
        self.suggest_button = QPushButton("Suggest")
        self.suggest_button.setToolTip("Rank operators for the selected work order or machine")
        self.suggest_button.clicked.connect(self.suggest_for_selection)
        self.auto_button = QPushButton("Auto-allocate…")
        self.auto_button.clicked.connect(self.auto_allocate)
        self.seats = QLabel("Seats: …")
        self.busy = QLabel("")
        top = QHBoxLayout()
        top.addWidget(self.search, 2)
        tools: tuple[QWidget, ...] = (
            self.line_filter,
            self.skill_filter,
            self.status_filter,
            self.undo_button,
            self.redo_button,
            self.suggest_button,
            self.auto_button,
            self.busy,
            self.seats,
        )
        for tool in tools:
            top.addWidget(tool)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        self.hover = QLabel()
        self.hover.setStyleSheet("color: #a0a4ab")

        # -- columns -------------------------------------------------------------------------
        left = QWidget()
        left_lay = QVBoxLayout(left)
        left_lay.setContentsMargins(0, 0, 0, 0)
        self.pool = self._column("Unassigned", POOL_SECTION)
        self.working = self._column("At work", WORKING_SECTION)
        left_lay.addWidget(self.pool, 3)
        left_lay.addWidget(self.working, 2)
        self.lines_box = QWidget()
        self.lines_lay = QHBoxLayout(self.lines_box)
        self.lines_lay.setContentsMargins(0, 0, 0, 0)
        lines_scroll = QScrollArea()
        lines_scroll.setWidgetResizable(True)
        lines_scroll.setWidget(self.lines_box)
        right = QWidget()
        right_lay = QVBoxLayout(right)
        right_lay.setContentsMargins(0, 0, 0, 0)
        self.waiting = self._column("Waiting for people", WAITING_SECTION)
        self.staffed = self._column("With people", STAFFED_SECTION)
        right_lay.addWidget(self.waiting, 3)
        right_lay.addWidget(self.staffed, 2)
        self.picker = TargetPicker(self.store)
        self.history = HistoryPanel(self.store)
        self.side = QTabWidget()
        self.side.addTab(self.picker, "Move to…")
        self.side.addTab(self.history, "History")
        split = QSplitter(Qt.Orientation.Horizontal)
        for part in (left, lines_scroll, right, self.side):
            split.addWidget(part)
        split.setStretchFactor(1, 3)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(top)
        lay.addWidget(self.message)
        lay.addWidget(split, 1)
        lay.addWidget(self.hover)

        # -- wiring --------------------------------------------------------------------------
        self.store.reset.connect(self._on_reset)
        self.store.rejected.connect(self._on_rejected)
        self.store.committed.connect(self._on_committed)
        self.store.mode_changed.connect(self._on_mode)
        self.store.loading_changed.connect(lambda b: self.busy.setText("⟳" if b else ""))
        # scoped to the board: window-wide, they would clash with the other docks' undo/redo
        # (Qt then triggers neither)
        for key, slot in (
            (QKeySequence.StandardKey.Find, self.search.setFocus),
            (QKeySequence.StandardKey.Undo, self.store.undo_stack.undo),
            (QKeySequence.StandardKey.Redo, self.store.undo_stack.redo),
        ):
            shortcut = QShortcut(key, self, slot)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self._seat_timer = QTimer(self)
        self._seat_timer.setInterval(SEATS_MS)
        self._seat_timer.timeout.connect(self._poll_seats)
        self._message_timer = QTimer(self)
        self._message_timer.setSingleShot(True)
        self._message_timer.timeout.connect(lambda: self.message.setVisible(False))

    def start(self) -> None:
        self.store.start()
        self.history.reload()
        self._seat_timer.start()
        self._poll_seats()

    def stop(self) -> None:
        self.store.stop()
        self.history.stop()
        self._seat_timer.stop()
        self._message_timer.stop()

    # -- columns -------------------------------------------------------------------------------
    def _column(self, title: str, section: str, line_id: str | None = None) -> _Column:
        model = CardListModel(self.store, section, line_id)
        view = CardListView(self.store, model)
        view.hover_explained.connect(self.hover.setText)
        view.enter_pressed.connect(self._on_enter)
        view.delete_pressed.connect(self._on_delete)
        view.card_selected.connect(self._on_selected)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(lambda pos, v=view: self._context_menu(v, pos))
        self.views[line_id or section] = view
        return _Column(title, view)

    def _on_reset(self) -> None:
        state = self.store.state
        wanted = [lid for lid, _ in state.lines]
        if wanted != list(self.line_columns):
            for col in self.line_columns.values():
                col.setParent(None)
                col.deleteLater()
                self.views.pop(col.view.card_model().line_id or "", None)
            self.line_columns.clear()
            for lid, name in state.lines:
                col = self._column(name, "line", lid)
                self.line_columns[lid] = col
                self.lines_lay.addWidget(col)
            self._fill_filters()
        for col in (
            self.pool,
            self.working,
            self.waiting,
            self.staffed,
            *self.line_columns.values(),
        ):
            col.update_count()

    def _fill_filters(self) -> None:
        state = self.store.state
        self.line_filter.blockSignals(True)
        self.line_filter.clear()
        self.line_filter.addItem("all lines", "")
        for lid, name in state.lines:
            self.line_filter.addItem(name, lid)
        self.line_filter.blockSignals(False)
        skills = sorted({s.skill_code for o in state.operators.values() for s in o.skills})
        self.skill_filter.blockSignals(True)
        self.skill_filter.clear()
        self.skill_filter.addItem("any skill", "")
        for code in skills:
            self.skill_filter.addItem(code, code)
        self.skill_filter.blockSignals(False)

    def _apply_filters(self, *_args: Any) -> None:
        self.store.set_filters(
            Filters(
                text=self.search.text().strip(),
                line=self.line_filter.currentData() or "",
                skill=self.skill_filter.currentData() or "",
                status=self.status_filter.currentData() or "",
            )
        )
        for col in (
            self.pool,
            self.working,
            self.waiting,
            self.staffed,
            *self.line_columns.values(),
        ):
            col.update_count()

    # -- the keyboard path ---------------------------------------------------------------------
    def _on_selected(self, key: str) -> None:
        if key.startswith(("operator:", "work_order:")):
            self.picker.show_targets(key)

    def _on_enter(self, key: str) -> None:
        self.side.setCurrentWidget(self.picker)
        if key.startswith(("operator:", "work_order:")):
            self.picker.show_targets(key)
            self.picker.list.setFocus()
        else:
            self.suggest_for(key)

    def _on_delete(self, key: str) -> None:
        card = self.store.state.card(key)
        if isinstance(card, OperatorCard) and card.allocation_id is not None:
            self.store.drop(key, "pool")

    # -- actions -------------------------------------------------------------------------------
    def selected_key(self) -> str | None:
        focus = self.focusWidget()
        for view in self.views.values():
            if view is focus and view.selected_key():
                return view.selected_key()
        for view in self.views.values():
            if view.selected_key():
                return view.selected_key()
        return None

    def suggest_for_selection(self) -> None:
        key = self.selected_key()
        if key is None:
            self.show_message("Select a work order or a machine first.", "info")
            return
        self.suggest_for(key)

    def suggest_for(self, key: str) -> None:
        card = self.store.state.card(key)
        self.side.setCurrentWidget(self.picker)
        if isinstance(card, WorkOrderCard):
            self.picker.show_suggestions(card.id, None)
        elif isinstance(card, MachineCard):
            self.picker.show_suggestions(None, card.id)
        else:
            self.show_message("Suggestions are for a work order or a machine.", "info")

    def auto_allocate(self) -> None:
        state, now = self.store.state, self.store.now()
        job = self.ctx.runner.query(propose, state, at=now, name="auto-allocate", owner=self)
        self.busy.setText("solving…")
        job.on_success(self._confirm_proposal).on_failure(self.ctx.report_error)
        job.on_finished(lambda: self.busy.setText(""))

    def _confirm_proposal(self, proposal: Proposal) -> None:
        labels = {w.id: w.number for w in self.store.state.work_orders.values()}
        dialog = AutoAllocateDialog(proposal, labels, self)
        if dialog.exec():
            self.apply_proposal(proposal)

    def apply_proposal(self, proposal: Proposal) -> None:
        execute = self.store.service.execute
        self.ctx.runner.command(apply, execute, self.ctx.actor, proposal, owner=self).on_success(
            self._applied
        ).on_failure(self.ctx.report_error)

    def _applied(self, done: Applied) -> None:
        text = f"Auto-allocate: {len(done.done)} allocation(s) made"
        if done.refused:
            text += "; refused: " + "; ".join(f"{s.name}: {why}" for s, why in done.refused)
        self.show_message(text, "warn" if done.refused else "ok")
        self.store.reload()

    def _context_menu(self, view: CardListView, pos: QPoint) -> None:
        index = view.indexAt(pos)
        if not index.isValid():
            return
        view.setCurrentIndex(index)
        key = view.selected_key() or ""
        card = self.store.state.card(key)
        aid = getattr(card, "allocation_id", None)
        menu = QMenu(self)
        if isinstance(card, WorkOrderCard | MachineCard):
            menu.addAction("Suggest operators", lambda: self.suggest_for(key))
        alloc = self.store.state.allocations.get(aid) if aid else None
        if alloc is not None:
            v, seen = alloc.version, Seen.of(alloc)
            if alloc.status == "active":
                pause = Pause(alloc.id, v, seen=seen)
                menu.addAction("Pause", lambda: self._send(key, pause, "Pause"))
            else:
                resume = Resume(alloc.id, v, seen=seen)
                menu.addAction("Resume", lambda: self._send(key, resume, "Resume"))
            complete = Complete(alloc.id, v, seen=seen)
            menu.addAction("Complete", lambda: self._send(key, complete, "Complete"))
            release = Release(alloc.id, v, seen=seen)
            menu.addAction("Release", lambda: self._send(key, release, "Release"))
        if not menu.isEmpty():
            menu.exec(view.viewport().mapToGlobal(pos))

    def _send(self, key: str, cmd: Any, verb: str) -> None:
        undoable = isinstance(cmd, Release)
        self.store.submit(key, cmd, f"{verb} {self.store.state.label(key)}", undoable=undoable)

    # -- messages ------------------------------------------------------------------------------
    def show_message(self, text: str, level: str = "info") -> None:
        colours = {
            "error": "#e15759",
            "warn": "#f28e2b",
            "ok": "#59a14f",
            "info": "#4e79a7",
            "past": "#edc948",
        }
        self.message.setStyleSheet(
            f"background: {colours.get(level, '#4e79a7')}; color: black; padding: 4px;"
        )
        self.message.setText(text)
        self.message.setVisible(True)
        if level != "past":
            self._message_timer.start(8000)

    def _on_rejected(self, key: str, reason: str) -> None:
        self.show_message(f"Refused — {self.store.state.label(key)}: {reason}", "error")

    def _on_committed(self, description: str, result: AllocationResult) -> None:
        warn = "; ".join(w.message for w in result.warnings)
        text = description + (f" — warning: {warn}" if warn else "")
        self.show_message(text, "warn" if warn else "ok")

    def _on_mode(self, historic: bool) -> None:
        if historic:
            self._message_timer.stop()
            self.show_message(
                "Showing the board as it was (from the event log): read-only. "
                "Use “Back to live” in the history tab.",
                "past",
            )
        else:
            self.message.setVisible(False)

    # -- seats ---------------------------------------------------------------------------------
    def _poll_seats(self) -> None:
        feed = self.ctx.app.feed
        job = self.ctx.runner.query(feed.seats, name="seats", owner=self)
        job.on_success(self._show_seats)

    def _show_seats(self, seats: list[SeatInfo]) -> None:
        names = ", ".join(f"{s.seat} ({s.user})" for s in seats) or self.ctx.seat
        self.seats.setText(f"Seats: {len(seats) or 1}")
        self.seats.setToolTip(f"Connected seats: {names}")
