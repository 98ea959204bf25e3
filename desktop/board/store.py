"""BoardStore: one seat's allocation board state on the GUI thread, fed off the GUI thread.

Reads (the snapshot, the deltas of changed cards, the board at a past moment) run on the
runner's query pool one at a time, so a slow read can never overwrite a newer one; ids that
arrive meanwhile are collected and read together next. Writes go to the runner's write lane;
while one is on its way its source card shows a pending ghost; a refusal clears the ghost (the
card stays where it was) and says why; a success is pushed on the undo stack.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoStack

from desktop.change_hub import ids_of
from desktop.context import DesktopContext
from desktop.messages import describe
from domain.events import ChangeEvent, Topic
from services.allocation.board_events import apply_events
from services.allocation.board_queries import FULL_RELOAD_TOPICS, BoardReader, card_ids
from services.allocation.board_state import BoardState, Plan
from services.allocation.cards import AllocationCard, BoardSnapshot, CardIds
from services.allocation.commands import AllocationResult, Command
from services.allocation.replay import board_at
from services.allocation.service import AllocationService

log = logging.getLogger(__name__)

REFRESH_MS = 60_000  # shifts and breaks move with the clock: re-read the whole board each minute
FLASH_MS = 2_500


@dataclass(frozen=True)
class Filters:
    text: str = ""
    line: str = ""  # line id, "" for all
    skill: str = ""  # skill code, "" for all
    status: str = ""  # card status, "" for all


class BoardStore(QObject):
    reset = Signal()  # the whole board was (re)loaded
    cards_changed = Signal(object)  # set[str] of card keys
    drag_changed = Signal()
    rejected = Signal(str, str)  # card key, reason
    committed = Signal(str, object)  # description, AllocationResult
    mode_changed = Signal(bool)  # True: showing the past
    loading_changed = Signal(bool)
    filters_changed = Signal()

    def __init__(self, ctx: DesktopContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.state = BoardState()
        self.reader = BoardReader(ctx.app.engine)
        self.service = AllocationService(ctx.app)
        self.undo_stack = QUndoStack(self)
        self.filters = Filters()
        self.pending: dict[str, str] = {}  # source card key -> what it waits for
        self.flash: dict[str, str] = {}  # card key -> reason of a refusal just now
        self.drag_source: str | None = None
        self._plans: dict[str, Plan] = {}  # target key -> plan of the current drag
        self._own_requests: set[str] = set()
        self._reading = False
        self._queued: CardIds | None = None
        self._history_at: datetime | None = None
        self._live_events: list[ChangeEvent] = []
        self._refresh = QTimer(self)
        self._refresh.setInterval(REFRESH_MS)
        self._refresh.timeout.connect(self.reload)
        self._flash_timer = QTimer(self)
        self._flash_timer.setSingleShot(True)
        self._flash_timer.setInterval(FLASH_MS)
        self._flash_timer.timeout.connect(self._clear_flash)
        ctx.hub.changed.connect(self._on_hub_changed)

    # -- time ------------------------------------------------------------------------------
    def now(self) -> datetime:
        return self.ctx.app.clock.now()

    @property
    def historic(self) -> bool:
        return self._history_at is not None

    # -- reading ---------------------------------------------------------------------------
    def start(self) -> None:
        self.reload()
        self._refresh.start()

    def stop(self) -> None:
        self._refresh.stop()
        self._flash_timer.stop()

    def reload(self) -> None:
        self._read(CardIds(everything=True))

    def _read(self, ids: CardIds) -> None:
        if not ids:
            return
        if self._reading:
            self._queued = ids if self._queued is None else self._queued | ids
            return
        self._reading = True
        self.loading_changed.emit(True)
        at = self.now()
        if ids.everything:
            job = self.ctx.runner.query(self.reader.snapshot, at, name="board", owner=self)
        else:
            # the worker thread reads these copies, never the live dicts of the GUI thread
            known = BoardState(
                operators=dict(self.state.operators), work_orders=dict(self.state.work_orders)
            )
            job = self.ctx.runner.query(self.reader.delta, at, ids, known, name="board", owner=self)
        job.on_success(self._apply).on_failure(self.ctx.report_error).on_finished(self._read_done)

    def _read_done(self) -> None:
        self._reading = False
        self.loading_changed.emit(False)
        queued, self._queued = self._queued, None
        if queued is not None:
            self._read(queued)

    def _apply(self, snap: BoardSnapshot) -> None:
        if self.historic:
            return  # a live read that finished after the user went to the past
        if snap.asked is None or snap.asked.everything:
            self.state.load(snap)
            self._replan()
            self.reset.emit()
            return
        changed = self.state.apply(snap)
        if changed:
            self._replan()
            self.cards_changed.emit(changed)

    def _on_hub_changed(self, events: list[ChangeEvent]) -> None:
        if self.historic:
            self._live_events.extend(events)
            return
        fresh = [e for e in events if e.request_id not in self._own_requests]
        if not fresh:
            return
        allocations = [e for e in fresh if e.topic is Topic.ALLOCATION]
        if allocations and not self._reading and self._queued is None:
            # no read in flight that could bring older cards: apply what the allocation events
            # carry, and read only what they cannot tell (and the other topics' cards)
            changed, rest = apply_events(self.state, allocations, self.now())
            if changed:
                self._replan()
                self.cards_changed.emit(changed)
            ids = rest | _stale_ids([e for e in fresh if e.topic is not Topic.ALLOCATION])
        else:
            ids = _stale_ids(fresh)
        self._read(self.state.expand(ids))

    # -- the past --------------------------------------------------------------------------
    def show_at(self, at: datetime) -> None:
        """Show the board as it was at ``at``, rebuilt from the event log (read-only)."""
        was = self.historic
        self._history_at = at
        if not was:
            self.mode_changed.emit(True)
        job = self.ctx.runner.query(board_at, self.ctx.app.engine, at, name="past", owner=self)
        job.on_success(self._apply_past).on_failure(self.ctx.report_error)

    def _apply_past(self, snap: BoardSnapshot) -> None:
        if self._history_at != snap.at:
            return  # the slider moved on; a newer request is on its way
        self.state.load(snap)
        self._replan()
        self.reset.emit()

    def back_to_live(self) -> None:
        if not self.historic:
            return
        self._history_at = None
        self._live_events.clear()
        self.mode_changed.emit(False)
        self.reload()

    # -- filters ---------------------------------------------------------------------------
    def set_filters(self, filters: Filters) -> None:
        if filters != self.filters:
            self.filters = filters
            self.filters_changed.emit()

    # -- dragging --------------------------------------------------------------------------
    def begin_drag(self, source: str) -> None:
        """Plan every target of ``source`` once, so the views can highlight them."""
        if self.drag_source == source:
            return
        self.drag_source = source
        self._replan()
        self.drag_changed.emit()

    def end_drag(self) -> None:
        if self.drag_source is None:
            return
        self.drag_source = None
        self._plans.clear()
        self.drag_changed.emit()

    def _replan(self) -> None:
        if self.drag_source is None:
            self._plans = {}
            return
        self._plans = {p.target: p for p in self.state.targets(self.drag_source, self.now())}

    def plan_for(self, target: str, source: str | None = None) -> Plan | None:
        src = source or self.drag_source
        if src is None:
            return None
        if src == self.drag_source and target in self._plans:
            return self._plans[target]
        return self.state.plan(src, target, self.now())

    # -- writing ---------------------------------------------------------------------------
    def drop(self, source: str, target: str) -> bool:
        """A drop (or the keyboard path's Enter): plan it, then send it if it is allowed."""
        if source in self.pending:
            self._refuse(source, "still waiting for the server's answer about this card")
            return False
        plan = self.state.plan(source, target, self.now())
        if not plan.ok or plan.command is None:
            self._refuse(source, plan.why_not)
            return False
        self.submit(source, plan.command, plan.description, undoable=True)
        return True

    def submit(
        self,
        source: str,
        cmd: Command,
        description: str,
        *,
        undoable: bool = True,
        done: Callable[[AllocationResult], None] | None = None,
        failed: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Send ``cmd`` on the write lane; ``source`` shows a pending ghost until it returns."""
        if self.historic:
            self._refuse(source, "the board shows the past: go back to now to change it")
            return
        before = self._allocation_before(cmd)
        request_id = uuid.uuid4().hex
        self._own_requests.add(request_id)
        self.pending[source] = description
        self.cards_changed.emit({source})

        def ok(result: AllocationResult) -> None:
            self._settle(source)
            self._read(self._ids_of_result(cmd, result, before))
            if undoable:
                from desktop.board.undo import ServiceCommand

                self.undo_stack.push(ServiceCommand(self, source, cmd, result, before, description))
            self.committed.emit(description, result)
            if done is not None:
                done(result)

        def bad(exc: BaseException) -> None:
            self._own_requests.discard(request_id)
            self._settle(source)
            self._refuse(source, describe(exc))
            if failed is not None:
                failed(exc)

        self.ctx.runner.command(
            self.service.execute, self.ctx.actor, cmd, request_id=request_id, owner=self
        ).on_success(ok).on_failure(bad)

    def _allocation_before(self, cmd: Command) -> AllocationCard | None:
        aid = getattr(cmd, "allocation_id", None)
        return self.state.allocations.get(aid) if isinstance(aid, int) else None

    @staticmethod
    def _ids_of_result(
        cmd: Command, result: AllocationResult, before: AllocationCard | None
    ) -> CardIds:
        ops = {result.operator_id, getattr(cmd, "operator_id", None)}
        machines = {result.machine_id, getattr(cmd, "machine_id", None)}
        wos = {result.work_order_id, getattr(cmd, "work_order_id", None)}
        if before is not None:
            ops.add(before.operator_id)
            machines.add(before.machine_id)
            wos.add(before.work_order_id)
        return CardIds(
            operators=frozenset(o for o in ops if o),
            machines=frozenset(m for m in machines if m),
            work_orders=frozenset(w for w in wos if w),
            allocations=frozenset({result.allocation_id, *result.released}),
        )

    def _settle(self, source: str) -> None:
        if self.pending.pop(source, None) is not None:
            self.cards_changed.emit({source})

    def _refuse(self, key: str, reason: str) -> None:
        self.flash[key] = reason
        self._flash_timer.start()
        self.cards_changed.emit({key})
        self.rejected.emit(key, reason)

    def _clear_flash(self) -> None:
        keys = set(self.flash)
        self.flash.clear()
        if keys:
            self.cards_changed.emit(keys)


def _stale_ids(events: list[ChangeEvent]) -> CardIds:
    """The cards ``events`` make stale; ids_of keeps the board honest about other features'
    changes of the same cards."""
    ids = card_ids(events)
    return ids | CardIds(
        operators=frozenset(ids_of(events, Topic.OPERATOR)),
        machines=frozenset(ids_of(events, Topic.MACHINE)),
        work_orders=frozenset(ids_of(events, Topic.WORK_ORDER)),
        allocations=frozenset(int(i) for i in ids_of(events, Topic.ALLOCATION) if i.isdigit()),
        everything=any(e.topic in FULL_RELOAD_TOPICS for e in events),
        light=ids.light,
    )
