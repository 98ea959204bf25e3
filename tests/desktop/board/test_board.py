"""The allocation board under pytest-qt: drops through the model and through synthesized drag
events on the view's viewport (a real QDrag cannot be driven offscreen), the explanation of an
invalid target before the drop, the rejection path, undo, the keyboard path, a remote change
arriving while the board is shown, and the board at a past moment."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from desktop.board.models import DRAG_ROLE, FLASH_ROLE, PENDING_ROLE, CardListModel
from desktop.board.views import CardListView
from desktop.board.widget import BoardWidget
from domain.events import ChangeEvent, Topic
from services.allocation.commands import Allocate, Reassign, Release
from services.allocation.service import AllocationService
from services.persistence.tables import work
from tests.conftest import NOW
from tests.services.allocation.plant import LEAD, seed_allocation_plant

pytestmark = pytest.mark.gui

OTHER = LEAD.__class__("admin", LEAD.role, "seat-9")  # another seat, another user


@pytest.fixture
def app(sqlite_url: str, make_app: Any) -> Any:
    app = make_app(sqlite_url, user="lead")
    seed_allocation_plant(app)
    return app


@pytest.fixture
def board(app: Any, make_ctx: Any, qtbot: Any) -> BoardWidget:
    ctx = make_ctx(app, LEAD)
    widget = BoardWidget(ctx)
    qtbot.addWidget(widget)
    widget.resize(1400, 800)
    widget.show()
    widget.start()
    qtbot.waitUntil(lambda: len(widget.store.state.operators) == 12, timeout=10_000)
    yield widget
    widget.stop()


def _index(view: CardListView, key: str) -> Any:
    model = view.card_model()
    row = model.row_of(key)
    assert row is not None, f"{key} is not in {model.section}"
    return model.index(row)


def _allocations(app: Any, operator_id: str) -> list[Any]:
    t = work.allocations
    with app.engine.connect() as conn:
        return list(
            conn.execute(
                select(t).where(t.c.operator_id == operator_id, t.c.status == "active")
            ).mappings()
        )


def _held_by(board: BoardWidget, operator_id: str) -> str | None:
    return board.store.state.operators[operator_id].work_order_id


def test_drop_through_the_model(board: BoardWidget, app: Any, qtbot: Any) -> None:
    pool: CardListModel = board.pool.view.card_model()
    waiting: CardListModel = board.waiting.view.card_model()
    mime = pool.mimeData([_index(board.pool.view, "operator:OP-12")])
    target = _index(board.waiting.view, "work_order:WO-5")
    assert waiting.canDropMimeData(mime, Qt.DropAction.CopyAction, -1, -1, target)
    bad = pool.mimeData([_index(board.pool.view, "operator:OP-02")])
    assert not waiting.canDropMimeData(bad, Qt.DropAction.CopyAction, -1, -1, target)
    assert waiting.dropMimeData(mime, Qt.DropAction.CopyAction, -1, -1, target)
    # the card waits for the service, it does not move by itself
    row = pool.row_of("operator:OP-12")
    assert row is not None
    assert pool.index(row).data(PENDING_ROLE)
    qtbot.waitUntil(lambda: _held_by(board, "OP-12") == "WO-5", timeout=10_000)
    assert pool.row_of("operator:OP-12") is None
    assert board.working.view.card_model().row_of("operator:OP-12") is not None
    assert len(_allocations(app, "OP-12")) == 1
    assert "Allocate Lou Lamb to WO-00005" in board.message.text()


def _send_drag(view: CardListView, mime: Any, key: str) -> tuple[bool, bool]:
    """Enter, move over ``key`` and drop, as synthesized events on the viewport; returns
    whether the move and the drop were accepted."""
    pos = view.visualRect(_index(view, key)).center()
    actions = Qt.DropAction.CopyAction
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    QApplication.sendEvent(
        view.viewport(), QDragEnterEvent(QPoint(pos), actions, mime, buttons, mods)
    )
    move = QDragMoveEvent(QPoint(pos), actions, mime, buttons, mods)
    QApplication.sendEvent(view.viewport(), move)
    drop = QDropEvent(QPointF(pos), actions, mime, buttons, mods)
    QApplication.sendEvent(view.viewport(), drop)
    return move.isAccepted(), drop.isAccepted()


def test_drop_with_synthesized_drag_events(board: BoardWidget, app: Any, qtbot: Any) -> None:
    pool = board.pool.view.card_model()
    view = board.waiting.view
    mime = pool.mimeData([_index(board.pool.view, "operator:OP-12")])
    moved, dropped = _send_drag(view, mime, "work_order:WO-5")
    assert moved
    assert dropped
    qtbot.waitUntil(lambda: _held_by(board, "OP-12") == "WO-5", timeout=10_000)
    assert len(_allocations(app, "OP-12")) == 1


def test_dragging_highlights_targets_and_explains_invalid_ones(
    board: BoardWidget, app: Any, qtbot: Any
) -> None:
    pool = board.pool.view.card_model()
    view = board.waiting.view
    explained: list[str] = []
    view.hover_explained.connect(explained.append)
    mime = pool.mimeData([_index(board.pool.view, "operator:OP-02")])
    pos = view.visualRect(_index(view, "work_order:WO-5")).center()
    args = (
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(view.viewport(), QDragEnterEvent(QPoint(pos), *args))
    # every card knows whether it is a valid target while the drag is on
    assert _index(view, "work_order:WO-5").data(DRAG_ROLE) == "invalid"
    move = QDragMoveEvent(QPoint(pos), *args)
    QApplication.sendEvent(view.viewport(), move)
    assert not move.isAccepted()
    assert explained
    assert (
        "Not allowed: Ben Baker has press_operation at level 1, level 2 is needed" in explained[-1]
    )
    drop = QDropEvent(QPointF(pos), *args)
    QApplication.sendEvent(view.viewport(), drop)
    assert not drop.isAccepted()
    assert board.store.drag_source is None
    assert _allocations(app, "OP-02") == []
    # a valid operator lights the same card up
    good = pool.mimeData([_index(board.pool.view, "operator:OP-12")])
    QApplication.sendEvent(
        view.viewport(),
        QDragEnterEvent(
            QPoint(pos),
            Qt.DropAction.CopyAction,
            good,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        ),
    )
    assert _index(view, "work_order:WO-5").data(DRAG_ROLE) == "valid"
    assert _index(view, "work_order:WO-2").data(DRAG_ROLE) == "invalid"  # critical material
    board.store.end_drag()


def test_a_refusal_sends_the_card_back_and_says_why(
    board: BoardWidget, app: Any, qtbot: Any
) -> None:
    # another seat takes Lou Lamb; this board has not heard of it yet when the drop happens
    board.store.ctx.hub.blockSignals(True)
    AllocationService(app).allocate(OTHER, Allocate("WO-7", operator_id="OP-12"))
    pool = board.pool.view.card_model()
    target = _index(board.waiting.view, "work_order:WO-5")
    mime = pool.mimeData([_index(board.pool.view, "operator:OP-12")])
    with qtbot.waitSignal(board.store.rejected, timeout=10_000) as refused:
        assert board.waiting.view.card_model().dropMimeData(
            mime, Qt.DropAction.CopyAction, -1, -1, target
        )
    key, reason = refused.args
    assert key == "operator:OP-12"
    assert "changed by admin at seat-9" in reason
    row = pool.row_of("operator:OP-12")
    assert row is not None  # still in the pool: it never moved
    assert not pool.index(row).data(PENDING_ROLE)
    assert pool.index(row).data(FLASH_ROLE) == reason
    assert "Refused" in board.message.text()
    assert [a["work_order_id"] for a in _allocations(app, "OP-12")] == ["WO-7"]
    board.store.ctx.hub.blockSignals(False)


def test_undo_and_redo_are_service_calls(board: BoardWidget, app: Any, qtbot: Any) -> None:
    assert board.store.drop("operator:OP-12", "work_order:WO-5")
    qtbot.waitUntil(lambda: _held_by(board, "OP-12") == "WO-5", timeout=10_000)
    assert board.store.undo_stack.count() == 1
    board.store.undo_stack.undo()
    qtbot.waitUntil(lambda: _allocations(app, "OP-12") == [], timeout=10_000)
    qtbot.waitUntil(lambda: _held_by(board, "OP-12") is None, timeout=10_000)
    board.store.undo_stack.redo()
    qtbot.waitUntil(lambda: len(_allocations(app, "OP-12")) == 1, timeout=10_000)
    qtbot.waitUntil(lambda: _held_by(board, "OP-12") == "WO-5", timeout=10_000)


def test_undo_is_refused_when_somebody_changed_it_meanwhile(
    board: BoardWidget, app: Any, qtbot: Any
) -> None:
    assert board.store.drop("operator:OP-12", "work_order:WO-5")
    qtbot.waitUntil(lambda: _held_by(board, "OP-12") == "WO-5", timeout=10_000)
    (mine,) = _allocations(app, "OP-12")
    AllocationService(app).reassign(
        OTHER, Reassign(mine["id"], mine["version"], "WO-8", "OP-12", None)
    )
    with qtbot.waitSignal(board.store.rejected, timeout=10_000) as refused:
        board.store.undo_stack.undo()
    assert "changed by admin at seat-9" in refused.args[1]
    assert [a["work_order_id"] for a in _allocations(app, "OP-12")] == ["WO-8"]
    command = board.store.undo_stack.command(0)
    assert command.text().endswith("(refused)")


def test_keyboard_path(board: BoardWidget, app: Any, qtbot: Any) -> None:
    view = board.pool.view
    view.setFocus()
    view.setCurrentIndex(_index(view, "operator:OP-12"))
    qtbot.keyClick(view, Qt.Key.Key_Return)
    picker = board.picker
    labels = [picker.list.item(i).text() for i in range(picker.list.count())]
    row = next(i for i, t in enumerate(labels) if t.startswith("✓ WO-00005"))
    assert any(t.startswith("✗ WO-00002") and "critical" in t for t in labels)
    picker.list.setCurrentRow(row)
    qtbot.keyClick(picker.list, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _held_by(board, "OP-12") == "WO-5", timeout=10_000)


def _spy_on_reads(board: BoardWidget) -> list[Any]:
    """The card ids the board's store reads from now on (each delta read, in order)."""
    asked: list[Any] = []
    real = board.store.reader.delta

    def spy(at: Any, ids: Any, known: Any = None) -> Any:
        asked.append(ids)
        return real(at, ids, known)

    board.store.reader.delta = spy  # type: ignore[method-assign]
    return asked


def test_a_remote_change_moves_the_card_from_the_event_without_a_read(
    board: BoardWidget, app: Any, qtbot: Any
) -> None:
    board.store._refresh.stop()  # no periodic reload in flight: the event is applied directly
    asked = _spy_on_reads(board)
    machine = board.views["L1"].card_model()
    AllocationService(app).allocate(OTHER, Allocate("WO-1", machine_id="M-P2"))
    qtbot.waitUntil(
        lambda: board.store.state.machines["M-P2"].work_order_id == "WO-1", timeout=10_000
    )
    row = machine.row_of("machine:M-P2")
    assert row is not None
    assert machine.index(row).data(Qt.ItemDataRole.DisplayRole) == "Press P2"
    assert asked == []  # the allocation event carried the machine's new state
    # and this seat can staff the machine the other seat prepared
    assert board.store.drop("operator:OP-12", "machine:M-P2")
    qtbot.waitUntil(
        lambda: board.store.state.machines["M-P2"].operator_ids == ("OP-12",), timeout=10_000
    )


def test_an_allocation_event_without_its_state_rereads_only_its_cards(
    board: BoardWidget, qtbot: Any
) -> None:
    board.store._refresh.stop()
    asked = _spy_on_reads(board)
    # as an older program would send it: names what changed, carries no state
    old_style = ChangeEvent(
        seq=10_000,
        at=NOW,
        topic=Topic.ALLOCATION,
        kind="allocated",
        ids=(),
        user="admin",
        seat="seat-9",
        data={"machines": ["M-P2"]},
    )
    board.store._on_hub_changed([old_style])
    qtbot.waitUntil(lambda: bool(asked), timeout=10_000)
    assert not any(ids.everything for ids in asked)
    assert set().union(*(ids.machines for ids in asked)) == {"M-P2"}
    assert set().union(*(ids.operators for ids in asked)) == set()


def test_search_and_filters(board: BoardWidget, qtbot: Any) -> None:
    pool = board.pool.view.card_model()
    assert pool.rowCount() == 12
    board.search.setText("lou")
    assert [k for k in pool.keys] == ["operator:OP-12"]
    board.search.clear()
    board.status_filter.setCurrentIndex(board.status_filter.findData("sick"))
    assert pool.keys == ["operator:OP-08"]
    board.status_filter.setCurrentIndex(0)
    board.skill_filter.setCurrentIndex(board.skill_filter.findData("cnc_operation"))
    assert pool.keys == ["operator:OP-09"]


def test_history_and_the_board_in_the_past(board: BoardWidget, app: Any, qtbot: Any) -> None:
    service = AllocationService(app)
    first = service.allocate(OTHER, Allocate("WO-1", operator_id="OP-01"))
    app.clock.advance(minutes=30)
    service.release(OTHER, Release(first.allocation_id, first.version, reason="moved to training"))
    qtbot.waitUntil(lambda: _held_by(board, "OP-01") is None, timeout=10_000)
    board.history.reload()
    qtbot.waitUntil(lambda: board.history.model.rowCount() == 2, timeout=10_000)
    top = board.history.model.rows[0]
    assert (top.event_type, top.changed_by, top.seat, top.reason) == (
        "released",
        "admin",
        "seat-9",
        "moved to training",
    )
    board.history.show_at(NOW + timedelta(minutes=10))
    qtbot.waitUntil(lambda: _held_by(board, "OP-01") == "WO-1", timeout=10_000)
    assert board.store.historic
    assert board.history.live.isEnabled()
    assert not board.store.drop("operator:OP-12", "work_order:WO-5")  # read-only past
    board.history.go_live()
    qtbot.waitUntil(lambda: _held_by(board, "OP-01") is None, timeout=10_000)
    assert not board.store.historic


def test_the_board_is_a_dock_of_the_main_window(
    app: Any, make_ctx: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop import main_window

    monkeypatch.setattr(main_window, "FEATURE_DOCKS", ("desktop.board.dock",))
    window = main_window.MainWindow(make_ctx(app, LEAD))
    qtbot.addWidget(window)
    window.show()
    dock = window.docks["allocation_board"]
    board = dock.widget()
    assert isinstance(board, BoardWidget)
    qtbot.waitUntil(lambda: len(board.store.state.operators) == 12, timeout=10_000)
    assert set(board.line_columns) == {"L1", "L2"}
    window.close()
    board.stop()
