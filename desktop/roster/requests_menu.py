"""Shift requests from a roster cell's context menu: "Request this shift", "Request day off",
"Unavailable", "Remove request". The operator's requests of that day are replaced (written on
the runner's write lane with the requests the grid showed, so a change made meanwhile at
another seat is refused with who made it); the grid reads the range again afterwards and
marks cells with a request (a triangle in the lower corner, the request in the tooltip)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import date

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMenu

from desktop.messages import describe
from desktop.roster.store import RosterStore
from domain.auth import Permission
from domain.rules.rostering import OFF
from services.rostering.contract_rules import RequestKind, ShiftRequestDto
from services.rostering.contracts import ContractService

DEFAULT_WEIGHT = 10
MARKER_COLOURS = {
    RequestKind.ON.value: "#59a14f",  # wants to work: green
    RequestKind.OFF.value: "#f28e2b",  # wants not to: orange
    RequestKind.UNAVAILABLE.value: "#202124",  # cannot work: dark
}


class RequestWriter(QObject):
    """Writes one cell's requests for a roster store (a child of it: nothing outlives it)."""

    def __init__(self, store: RosterStore) -> None:
        super().__init__(store)
        self.store = store
        self.service = ContractService(store.ctx.app)

    def set(
        self,
        operator_id: str,
        day: int,
        requests: Sequence[ShiftRequestDto],
        text: str,
    ) -> bool:
        """Replace the requests of ``operator_id`` on ``day`` (empty: remove them)."""
        snap = self.store.snapshot
        if snap is None:
            self.store.rejected.emit("the roster is still loading")
            return False
        actor = self.store.ctx.actor
        if not actor.can(Permission.ROSTER):
            self.store.rejected.emit(
                f"{actor.user} ({actor.role.value}) may not change roster requests"
            )
            return False
        when = snap.date_of(day)
        seen = [(r.id, r.version) for r in snap.wishes.get((operator_id, day), ()) if r.id]
        request_id = uuid.uuid4().hex

        def ok(_: object) -> None:
            self.store.saved.emit(text)
            self.store.reload()

        def bad(exc: BaseException) -> None:
            self.store.rejected.emit(describe(exc))
            self.store.reload()

        self.store.ctx.runner.command(
            self.service.set_day_requests,
            actor,
            operator_id,
            when,
            list(requests),
            seen=seen,
            request_id=request_id,
            name="roster request",
            owner=self,
        ).on_success(ok).on_failure(bad)
        return True

    # -- the four menu actions -------------------------------------------------------------
    def _request(
        self, operator_id: str, when: date, kind: RequestKind, shift: str = ""
    ) -> list[ShiftRequestDto]:
        weight = 0 if kind is RequestKind.UNAVAILABLE else DEFAULT_WEIGHT
        return [ShiftRequestDto(operator_id, when, kind, shift, weight)]

    def request_shift(self, operator_id: str, day: int, shift: str) -> bool:
        """A wish to work ``shift`` that day (``""``: any shift, only not the day off)."""
        when = self._date(day)
        what = f"shift {shift}" if shift else "to work (any shift)"
        return self.set(
            operator_id,
            day,
            self._request(operator_id, when, RequestKind.ON, shift),
            f"{operator_id} {when:%a %d %b}: requests {what}",
        )

    def request_day_off(self, operator_id: str, day: int) -> bool:
        when = self._date(day)
        return self.set(
            operator_id,
            day,
            self._request(operator_id, when, RequestKind.OFF),
            f"{operator_id} {when:%a %d %b}: requests a day off",
        )

    def unavailable(self, operator_id: str, day: int) -> bool:
        when = self._date(day)
        return self.set(
            operator_id,
            day,
            self._request(operator_id, when, RequestKind.UNAVAILABLE),
            f"{operator_id} {when:%a %d %b}: unavailable",
        )

    def remove(self, operator_id: str, day: int) -> bool:
        when = self._date(day)
        return self.set(operator_id, day, [], f"{operator_id} {when:%a %d %b}: request removed")

    def _date(self, day: int) -> date:
        snap = self.store.snapshot
        assert snap is not None
        return snap.date_of(day)


def writer_of(store: RosterStore) -> RequestWriter:
    """The store's request writer (made on first use)."""
    found = store.findChild(RequestWriter)
    return found if isinstance(found, RequestWriter) else RequestWriter(store)


def _ask(writer: RequestWriter, operator_id: str, day: int, shift: str) -> Callable[[], object]:
    return lambda: writer.request_shift(operator_id, day, shift)


def add_request_actions(menu: QMenu, store: RosterStore, operator_id: str, day: int) -> None:
    """The request actions of one cell, at the end of ``menu``."""
    snap = store.snapshot
    if snap is None:
        return
    writer = writer_of(store)
    menu.addSeparator()
    shift = snap.cell(operator_id, day).shift
    if shift != OFF:
        menu.addAction(
            f"Request this shift ({shift})",
            lambda: writer.request_shift(operator_id, day, shift),
        )
    else:
        wanted = menu.addMenu("Request shift")
        wanted.addAction("Any shift (not the day off)", _ask(writer, operator_id, day, ""))
        wanted.addSeparator()
        for s in snap.shifts:
            wanted.addAction(f"{s.id} ({s.name})", _ask(writer, operator_id, day, s.id))
    menu.addAction("Request day off", lambda: writer.request_day_off(operator_id, day))
    menu.addAction("Unavailable", lambda: writer.unavailable(operator_id, day))
    if snap.wishes.get((operator_id, day)):
        menu.addAction("Remove request", lambda: writer.remove(operator_id, day))
