"""Undo and redo of one's own Gantt changes (QUndoStack, Ctrl+Z / Ctrl+Shift+Z).

A command is pushed after the service accepted the change, so its first ``redo()`` does nothing.
``undo()`` sends the move back (or the opposite pin) through the service, with every rule
checked again; ``redo()`` sends the change again. A refused step says why and stays refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

from services.scheduling.scenarios import MoveResult

if TYPE_CHECKING:
    from desktop.planning.store import PlanStore


class _Command(QUndoCommand):
    """A step the service already took when pushed: redo re-applies it, undo reverses it; once
    the service refuses either, the step stays broken and says why."""

    def __init__(self, store: PlanStore, text: str) -> None:
        super().__init__(text)
        self.store = store
        self.broken: str | None = None
        self._first = True

    def _failed(self, error: BaseException) -> None:
        self.broken = str(error)
        self.setText(f"{self.text()} (refused)")

    def _apply(self, forward: bool) -> None:
        raise NotImplementedError

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        if self.broken:
            self.store.message.emit(f"cannot redo: {self.broken}", True)
            return
        self._apply(True)

    def undo(self) -> None:
        if self.broken:
            self.store.message.emit(f"cannot undo: {self.broken}", True)
            return
        self._apply(False)


class MoveCommand(_Command):
    def __init__(self, store: PlanStore, result: MoveResult) -> None:
        super().__init__(store, f"Move {result.operation_id}")
        self.operation_id = result.operation_id
        self.before = (result.before.start, result.before.work_centre_id)
        self.after = (result.after.start, result.after.work_centre_id)

    def _apply(self, forward: bool) -> None:
        start, wc = self.after if forward else self.before
        self.store.move(self.operation_id, start, wc, undoable=False, failed=self._failed)


class PinCommand(_Command):
    def __init__(self, store: PlanStore, operation_id: str, pinned: bool) -> None:
        super().__init__(store, f"{'Pin' if pinned else 'Unpin'} {operation_id}")
        self.operation_id = operation_id
        self.pinned = pinned

    def _apply(self, forward: bool) -> None:
        pinned = self.pinned if forward else not self.pinned
        self.store.set_pinned(self.operation_id, pinned, undoable=False, failed=self._failed)
