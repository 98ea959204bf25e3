"""Operators' contracts and requests in the roster grid (pytest-qt, offscreen): the contract
dialog saves and the grid refreshes and refuses an edit onto the new day off in words; a
contract changed at another seat meanwhile is refused in the dialog; the cell menu writes
requests that the grid marks; read-only roles are refused before anything is sent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLineEdit, QMenu

from desktop.roster.model import REQUEST_ROLE
from desktop.roster.requests_menu import add_request_actions, writer_of
from desktop.roster.widget import RosterWidget
from domain.auth import Actor, Role
from domain.rules.rostering import OFF
from services.rostering.contract_rules import OperatorContractDto, RequestKind
from services.rostering.contracts import ContractService
from tests.desktop.roster.conftest import open_grid
from tests.services.rostering.store_fixtures import DAYS, MONDAY

pytestmark = pytest.mark.gui

OTHER = Actor("admin", Role.ADMIN, "seat-9")
VIEWER = Actor("viewer", Role.VIEWER, "seat-3")


@pytest.fixture
def grid(app: Any, make_ctx: Any, qtbot: Any) -> Any:
    widget = open_grid(app, make_ctx, qtbot)
    yield widget
    widget.stop()
    assert not widget.ctx.errors, widget.ctx.errors  # type: ignore[attr-defined]


def _idle(grid: RosterWidget) -> bool:
    return not grid.store._reading and grid.store.pending == 0


def _open_dialog(grid: RosterWidget, qtbot: Any, operator_id: str) -> Any:
    dialog = grid.edit_contract(operator_id)
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.form is not None, timeout=10_000)
    return dialog


def test_the_contract_dialog_saves_and_the_grid_refuses_the_new_day_off(
    grid: RosterWidget, app: Any, qtbot: Any
) -> None:
    dialog = _open_dialog(grid, qtbot, "OP-3")
    # blank boxes show the site's default as a placeholder
    assert dialog.limits["max_consecutive_shifts"].text() == ""
    assert dialog.limits["max_consecutive_shifts"].placeholderText() == "site: 3"
    assert sorted(dialog.max_shifts) == ["E", "L"]
    dialog.weekdays[1].setChecked(True)  # never on Tuesdays
    dialog.max_shifts["L"].setText("2")
    dialog.notes.setText("school run")
    with qtbot.waitSignal(dialog.saved, timeout=10_000):
        dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    stored = ContractService(app).contract("OP-3")
    assert (stored.unavailable_weekdays, dict(stored.max_shifts), stored.notes) == (
        {1},
        {"L": 2},
        "school run",
    )
    qtbot.waitUntil(
        lambda: (
            grid.store.snapshot is not None and 1 in grid.store.snapshot.contract("OP-3").days_off
        ),
        timeout=10_000,
    )
    qtbot.waitUntil(lambda: _idle(grid), timeout=10_000)
    model = grid.model
    index = model.index_of("OP-3", 1)
    assert index.data(REQUEST_ROLE) == "unavailable"  # marked in the grid
    assert "never on Tuesdays" in index.data(Qt.ItemDataRole.ToolTipRole)
    assert not model.setData(index, "E")
    assert "OP-3 cannot work on Tue 17 Nov (day off): the contract says never on Tuesdays" in (
        grid.message.text()
    )
    assert grid.store.snapshot is not None
    assert grid.store.snapshot.cell("OP-3", 1).shift == OFF  # nothing changed
    header_tip = model.headerData(
        model.operators.index("OP-3"), Qt.Orientation.Vertical, Qt.ItemDataRole.ToolTipRole
    )
    assert "never on Tuesdays" in header_tip


def test_a_contract_changed_at_another_seat_is_refused_in_the_dialog(
    grid: RosterWidget, app: Any, qtbot: Any
) -> None:
    dialog = _open_dialog(grid, qtbot, "OP-1")
    ContractService(app).save_contract(
        OTHER, OperatorContractDto("OP-1", max_weekly_minutes=1200), expected_version=0
    )
    box: QLineEdit = dialog.limits["max_weekly_minutes"]
    box.setText("960")
    dialog.save()
    qtbot.waitUntil(lambda: bool(dialog.error.text()), timeout=10_000)
    assert "changed by admin at seat-9" in dialog.error.text()
    assert dialog.isVisible()  # stays open: nothing was saved
    assert ContractService(app).contract("OP-1").max_weekly_minutes == 1200
    dialog.reject()


def test_the_cell_menu_writes_requests_and_the_grid_marks_them(
    grid: RosterWidget, app: Any, qtbot: Any
) -> None:
    store = grid.store
    menu = QMenu(grid)
    add_request_actions(menu, store, "OP-3", 5)  # OP-3 works L on Saturday
    texts = [a.text() for a in menu.actions() if a.text()]
    assert texts == ["Request this shift (L)", "Request day off", "Unavailable"]
    with qtbot.waitSignal(store.saved, timeout=10_000):
        next(a for a in menu.actions() if a.text() == "Request day off").trigger()
    qtbot.waitUntil(lambda: ("OP-3", 5) in (store.snapshot.wishes if store.snapshot else {}))
    qtbot.waitUntil(lambda: _idle(grid), timeout=10_000)
    index = grid.model.index_of("OP-3", 5)
    assert index.data(REQUEST_ROLE) == "off"
    assert "requests a day off (weight 10)" in index.data(Qt.ItemDataRole.ToolTipRole)
    (stored,) = ContractService(app).requests(MONDAY, MONDAY + timedelta(days=DAYS))
    assert (stored.operator_id, stored.kind, stored.shift_id) == ("OP-3", RequestKind.OFF, "")
    assert store.snapshot is not None
    assert len(store.snapshot.requests) == 2  # off E and off L for the solver
    menu = QMenu(grid)
    add_request_actions(menu, store, "OP-3", 5)
    with qtbot.waitSignal(store.saved, timeout=10_000):
        next(a for a in menu.actions() if a.text() == "Remove request").trigger()
    qtbot.waitUntil(lambda: store.snapshot is not None and not store.snapshot.wishes)
    qtbot.waitUntil(lambda: _idle(grid), timeout=10_000)
    assert ContractService(app).requests(MONDAY, MONDAY + timedelta(days=DAYS)) == []


def test_a_day_off_cell_offers_any_shift_and_the_solver_gets_a_wish_to_work(
    grid: RosterWidget, app: Any, qtbot: Any
) -> None:
    store = grid.store
    snap = store.snapshot
    assert snap is not None
    op, day = next(
        (o.id, d)
        for o in snap.operators
        for d in range(snap.first_open_day, DAYS)
        if snap.cell(o.id, d).shift == OFF and (o.id, d) not in snap.unavailable
    )
    menu = QMenu(grid)
    add_request_actions(menu, store, op, day)
    wanted = next(a.menu() for a in menu.actions() if a.text() == "Request shift")
    assert wanted is not None
    texts = [a.text() for a in wanted.actions() if a.text()]
    assert texts[0] == "Any shift (not the day off)"
    assert texts[1:] == [f"{s.id} ({s.name})" for s in snap.shifts]
    with qtbot.waitSignal(store.saved, timeout=10_000):
        wanted.actions()[0].trigger()
    qtbot.waitUntil(lambda: (op, day) in (store.snapshot.wishes if store.snapshot else {}))
    qtbot.waitUntil(lambda: _idle(grid), timeout=10_000)
    (stored,) = ContractService(app).requests(MONDAY, MONDAY + timedelta(days=DAYS))
    assert (stored.operator_id, stored.kind, stored.shift_id) == (op, RequestKind.ON, "")
    index = grid.model.index_of(op, day)
    assert index.data(REQUEST_ROLE) == "on"
    assert "requests to work (any shift) (weight" in index.data(Qt.ItemDataRole.ToolTipRole)
    # for the solver: a wish not to have the day off
    assert store.snapshot is not None
    assert [(r.staff_id, r.day, r.shift, r.on) for r in store.snapshot.requests] == [
        (op, day, OFF, False)
    ]


def test_a_request_over_a_stale_view_is_refused_with_who_changed_it(
    grid: RosterWidget, app: Any, qtbot: Any
) -> None:
    # another seat marks OP-2 unavailable on Wednesday; this seat has not read it yet
    from services.rostering.contract_rules import ShiftRequestDto

    day = MONDAY + timedelta(days=2)
    ContractService(app).set_day_requests(
        OTHER, "OP-2", day, [ShiftRequestDto("OP-2", day, RequestKind.UNAVAILABLE)]
    )
    writer = writer_of(grid.store)
    with qtbot.waitSignal(grid.store.rejected, timeout=10_000) as refused:
        writer.request_shift("OP-2", 2, "E")
    assert "changed by admin at seat-9" in refused.args[0]
    qtbot.waitUntil(lambda: _idle(grid), timeout=10_000)
    (kept,) = ContractService(app).requests(day, day + timedelta(days=1))
    assert kept.kind is RequestKind.UNAVAILABLE


def test_read_only_roles_are_refused_before_anything_is_sent(
    app: Any, make_ctx: Any, qtbot: Any
) -> None:
    grid = open_grid(app, make_ctx, qtbot, VIEWER)
    with qtbot.waitSignal(grid.store.rejected, timeout=1_000) as refused:
        assert not writer_of(grid.store).request_day_off("OP-1", 2)
    assert "may not change roster requests" in refused.args[0]
    dialog = _open_dialog(grid, qtbot, "OP-1")
    assert not dialog.save_button.isEnabled()
    assert "Read-only" in dialog.error.text()
    dialog.reject()
    grid.stop()
    assert ContractService(app).requests(MONDAY, MONDAY + timedelta(days=DAYS)) == []
