"""Undo and redo of one's own board changes (QUndoStack).

A command is pushed after the service accepted the change, so its first ``redo()`` does
nothing. ``undo()`` sends the inverse service call (release what was allocated, move back what
was moved, allocate again what was released); ``redo()`` sends the original again. Both go
through every rule and the stale-write check like any other call: if somebody changed the
allocation meanwhile, the step is refused with who changed it, and it stays refused (the
command is marked and later undo/redo of it only say so).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

from services.allocation.board_state import inverse
from services.allocation.cards import AllocationCard
from services.allocation.commands import (
    Allocate,
    AllocationResult,
    Command,
    Reassign,
    Release,
    Seen,
)

if TYPE_CHECKING:
    from desktop.board.store import BoardStore

log = logging.getLogger(__name__)


class ServiceCommand(QUndoCommand):
    def __init__(
        self,
        store: BoardStore,
        source: str,
        cmd: Command,
        result: AllocationResult,
        before: AllocationCard | None,
        text: str,
    ) -> None:
        super().__init__(text)
        self.store = store
        self.source = source
        self.forward = cmd
        self.result = result
        self.before = before
        self.broken: str | None = None
        self._first = True

    def redo(self) -> None:
        if self._first:  # the change is already done: push() calls redo() once
            self._first = False
            return
        if self.broken:
            self.store.rejected.emit(self.source, f"cannot redo: {self.broken}")
            return
        cmd = self._again()
        self.store.submit(
            self.source,
            cmd,
            f"Redo: {self.text()}",
            undoable=False,
            done=self._done,
            failed=self._failed,
        )

    def undo(self) -> None:
        if self.broken:
            self.store.rejected.emit(self.source, f"cannot undo: {self.broken}")
            return
        try:
            cmd = inverse(self.forward, self.result, self.before)
        except ValueError as exc:
            self._failed(exc)
            return
        self.store.submit(
            self.source,
            cmd,
            f"Undo: {self.text()}",
            undoable=False,
            done=self._done,
            failed=self._failed,
        )

    def _again(self) -> Command:
        """The original call, aimed at the allocation as the undo left it."""
        r = self.result
        if isinstance(self.forward, Reassign):
            return Reassign(
                r.allocation_id,
                r.version,
                self.forward.work_order_id,
                self.forward.operator_id,
                self.forward.machine_id,
                reason_code="redo",
                seen=Seen.of(r),
            )
        if isinstance(self.forward, Release):
            return Release(r.allocation_id, r.version, reason_code="redo", seen=Seen.of(r))
        if isinstance(self.forward, Allocate):
            return Allocate(
                self.forward.work_order_id,
                operator_id=self.forward.operator_id,
                machine_id=self.forward.machine_id,
                reason_code="redo",
            )
        return self.forward

    def _done(self, result: AllocationResult) -> None:
        # the next inverse starts from the allocation as this call left it
        self.result = result

    def _failed(self, exc: BaseException) -> None:
        self.broken = str(exc)
        self.setText(f"{self.text()} (refused)")
        log.info("undo/redo refused: %s", exc)
