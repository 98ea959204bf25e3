"""Undo and redo of one's own roster edits (QUndoStack).

A command is pushed after the service saved the edit, so its first ``redo()`` does nothing.
``undo()`` saves the inverse cells (each cell back to what it was; a recorded absence back to
a scheduled shift) and ``redo()`` the edit again. Both carry the values the seat saw, so if
somebody changed one of those cells meanwhile the step is refused with who changed it and
stays refused. Undo skips the labour-rule check (it restores a roster that was stored) but not
the checks of past, locked and clocked-in cells.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

from services.rostering.snapshot import CellChange

if TYPE_CHECKING:
    from desktop.roster.store import RosterStore

log = logging.getLogger(__name__)


def inverse(changes: tuple[CellChange, ...]) -> tuple[CellChange, ...]:
    out = []
    for c in changes:
        if c.absent:  # the shift stayed on record: make it a scheduled shift again
            out.append(CellChange(c.operator_id, c.day, c.before, c.before))
        else:
            out.append(CellChange(c.operator_id, c.day, c.after, c.before))
    return tuple(out)


class RosterEdit(QUndoCommand):
    def __init__(self, store: RosterStore, changes: tuple[CellChange, ...], text: str) -> None:
        super().__init__(text)
        self.store = store
        self.changes = changes
        self.broken: str | None = None
        self._first = True

    def redo(self) -> None:
        if self._first:  # already saved: push() calls redo() once
            self._first = False
            return
        self._send(self.changes, f"Redo: {self.text()}", check=True)

    def undo(self) -> None:
        self._send(inverse(self.changes), f"Undo: {self.text()}", check=False)

    def _send(self, changes: tuple[CellChange, ...], text: str, *, check: bool) -> None:
        if self.broken:
            self.store.rejected.emit(f"cannot {text.split(':')[0].lower()}: {self.broken}")
            return
        if self.store.snapshot is None:
            self.store.rejected.emit("the roster is still loading")
            return
        self.store.submit(changes, text, undoable=False, check=check, failed=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.broken = str(exc)
        self.setText(f"{self.text()} (refused)")
        log.info("roster undo/redo refused: %s", exc)
