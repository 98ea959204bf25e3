"""The control-room shell: opens, fills the plant browser off the GUI thread, follows changes
made elsewhere, restores its dock layout per seat."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from desktop.main_window import MainWindow
from domain.auth import Actor, Role
from domain.events import Change, Topic
from domain.model.plant import MachineStatus
from tests.services.persistence.helpers import seed_minimal


def _window(qtbot: Any, ctx: Any) -> MainWindow:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: all(t.model.rowCount() for t in window.browser.tables), timeout=10000)
    return window


def test_main_window_shows_the_plant(
    qtbot: Any, sqlite_url: str, make_app: Any, make_ctx: Any
) -> None:
    app = make_app(sqlite_url)
    seed_minimal(app)
    window = _window(qtbot, make_ctx(app))
    counts = {t.spec.title: t.model.rowCount() for t in window.browser.tables}
    assert counts == {"Operators": 3, "Machines": 2, "Work orders": 2, "Materials": 1}
    assert "seat-1" in window.windowTitle()
    assert window.seat_label.text() == "Seat: seat-1"
    assert window.feed_label.text().startswith("Feed: in-process")
    assert "sqlite" in window.db_label.text()
    window.close()


def test_browser_filter_and_live_count(
    qtbot: Any, sqlite_url: str, make_app: Any, make_ctx: Any
) -> None:
    app = make_app(sqlite_url)
    seed_minimal(app)
    window = _window(qtbot, make_ctx(app))
    ops = window.browser.table("Operators")
    assert ops.count.text() == "3 operators"
    qtbot.keyClicks(ops.filter, "First2")
    assert ops.proxy.rowCount() == 1
    assert ops.count.text() == "1 of 3 operators"
    ops.filter.clear()
    assert ops.count.text() == "3 operators"
    window.close()


def test_a_change_committed_elsewhere_appears(
    qtbot: Any, sqlite_url: str, make_app: Any, make_ctx: Any
) -> None:
    app = make_app(sqlite_url)
    seed_minimal(app)
    window = _window(qtbot, make_ctx(app))
    machines = window.browser.table("Machines")
    # another part of the program (e.g. the simulator) breaks a machine down
    other = Actor("super", Role.SUPERVISOR, "seat-9")
    with app.uow(other) as uow:
        m = uow.repos.machines.require("M-G1000", lock=True)
        m.set_status(MachineStatus.BREAKDOWN, uow.now)
        uow.repos.machines.update(m)
        uow.record(Change(Topic.MACHINE, "status_changed", (m.id,)))
        uow.commit()

    def shows_breakdown() -> bool:
        row = machines.model.row_of("M-G1000")
        return row is not None and machines.model.rows[row].status == "breakdown"

    qtbot.waitUntil(shows_breakdown, timeout=10000)
    assert "seat-9" in window.statusBar().currentMessage()
    window.close()


def test_dock_layout_is_restored_per_seat(
    qtbot: Any, sqlite_url: str, make_app: Any, make_ctx: Any
) -> None:
    app = make_app(sqlite_url)
    seed_minimal(app)
    ctx = make_ctx(app)
    window = _window(qtbot, ctx)
    dock = window.docks["plant_browser"]
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    window.save_layout()
    window.close()
    again = MainWindow(ctx)
    qtbot.addWidget(again)
    assert (
        again.dockWidgetArea(again.docks["plant_browser"]) == Qt.DockWidgetArea.RightDockWidgetArea
    )
    again.reset_layout()
    assert (
        again.dockWidgetArea(again.docks["plant_browser"]) == Qt.DockWidgetArea.LeftDockWidgetArea
    )
    again.close()


def test_ctrl_z_undoes_in_the_dock_that_has_the_focus(
    qtbot: Any, sqlite_url: str, make_app: Any, make_ctx: Any
) -> None:
    """Every dock has its own undo: Ctrl+Z in the board undoes the board's last change, and
    Ctrl+Z anywhere else leaves the board alone (a window-wide shortcut would take back an
    allocation while the user works in the plant browser)."""
    from PySide6.QtGui import QUndoCommand
    from PySide6.QtTest import QTest

    app = make_app(sqlite_url)
    seed_minimal(app)
    window = _window(qtbot, make_ctx(app))
    board = window.docks["allocation_board"].widget()
    undone: list[str] = []

    class Mark(QUndoCommand):
        def undo(self) -> None:
            undone.append("board")

    board.store.undo_stack.push(Mark("mark"))
    window.docks["allocation_board"].raise_()
    window.activateWindow()
    from PySide6.QtWidgets import QAbstractItemView

    elsewhere = window.browser.tables[0].view
    elsewhere.setFocus()
    qtbot.waitUntil(elsewhere.hasFocus, timeout=5000)
    QTest.keyClick(elsewhere, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert undone == []
    view = next(  # a card list (a line edit keeps its own undo)
        v
        for v in board.findChildren(QAbstractItemView)
        if v.isVisible() and v.focusPolicy() != Qt.FocusPolicy.NoFocus
    )
    view.setFocus()
    qtbot.waitUntil(view.hasFocus, timeout=5000)
    QTest.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert undone == ["board"]
    window.close()
