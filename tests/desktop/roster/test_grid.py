"""The roster grid under pytest-qt: drops through the model's API and through synthesized drag
events on the view's viewport (a real QDrag cannot be driven offscreen), typed codes, the
rejection message of a rule break (nothing saved), undo, locks kept by Optimise, the repair
diff, exports, and another seat's change arriving while the grid is shown."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel, QMimeData, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from desktop.roster.export import write_csv, write_pdf
from desktop.roster.model import COVER_ROLE, LOCKED_ROLE, RosterModel
from desktop.roster.widget import RosterWidget
from domain.auth import Actor, Role
from domain.rules.rostering import OFF
from services.persistence.tables import people
from services.rostering.snapshot import CellChange
from services.rostering.store import RosterService
from tests.conftest import NOW
from tests.desktop.roster.conftest import open_grid
from tests.services.rostering.store_fixtures import (
    DAYS,
    LEAD,
    MONDAY,
    SKILL_POLICY,
)

pytestmark = pytest.mark.gui

OTHER = Actor("admin", Role.ADMIN, "seat-9")  # another user at another seat
MONDAY_TZ = NOW.tzinfo


@pytest.fixture
def grid(app: Any, make_ctx: Any, qtbot: Any) -> Any:
    widget = open_grid(app, make_ctx, qtbot, time_limit=4.0)
    ctx = widget.ctx
    yield widget
    widget.stop()
    assert not ctx.errors, ctx.errors  # type: ignore[attr-defined]  # nothing went to the seat's error dialog


def _stored(app: Any, operator_id: str, day: int) -> tuple[str, str, bool] | None:
    t = people.shift_assignments
    with app.engine.connect() as conn:
        row = conn.execute(
            select(t.c.shift_id, t.c.status, t.c.locked).where(
                t.c.operator_id == operator_id, t.c.day == MONDAY + timedelta(days=day)
            )
        ).first()
    return None if row is None else (row[0], row[1], bool(row[2]))


def _idle(grid: RosterWidget) -> bool:
    s = grid.store
    return s.pending == 0 and not s._reading and not s.solving


def _mime(model: RosterModel, operator_id: str, day: int) -> QMimeData:
    return model.mimeData([model.index_of(operator_id, day)])


def test_grid_shows_operators_days_codes_and_cover(grid: RosterWidget) -> None:
    model = grid.model
    assert model.operators == ["OP-1", "OP-4", "OP-2", "OP-3"]  # by last name
    assert model.columnCount() == DAYS
    assert model.rowCount() == 4 + 2  # operators, then cover rows for E and L
    assert model.index_of("OP-1", 0).data() == "E"
    assert model.index_of("OP-1", 2).data() == OFF
    assert model.index(4, 0).data(COVER_ROLE) == (1, 1)
    assert model.index(4, 0).data() == "1/1"
    assert "stored" in grid.cover_note.text()


def test_drop_through_the_model_saves_and_undo_restores(
    grid: RosterWidget, app: Any, qtbot: Any
) -> None:
    model = grid.model
    # OP-3's Wednesday early shift moves to their Tuesday (a day off): the cells swap
    mime = _mime(model, "OP-3", 2)
    target = model.index_of("OP-3", 1)
    assert model.canDropMimeData(mime, Qt.DropAction.CopyAction, -1, -1, target)
    assert model.drop_refusal(mime, target) == ""
    assert model.dropMimeData(mime, Qt.DropAction.CopyAction, -1, -1, target)
    assert model.index_of("OP-3", 1).data() == "E"  # shown at once
    qtbot.waitUntil(lambda: _stored(app, "OP-3", 1) == ("E", "scheduled", False), timeout=10_000)
    assert _stored(app, "OP-3", 2) is None
    # Wednesday now lacks an early shift, Tuesday has one too many: the cover rows say so
    qtbot.waitUntil(lambda: _idle(grid), timeout=10_000)
    assert model.index(4, 1).data(COVER_ROLE) == (2, 1)
    assert model.index(4, 2).data(COVER_ROLE) == (0, 1)
    assert grid.store.undo_stack.canUndo()
    grid.store.undo_stack.undo()
    qtbot.waitUntil(lambda: _stored(app, "OP-3", 2) == ("E", "scheduled", False), timeout=10_000)
    assert _stored(app, "OP-3", 1) is None
    qtbot.waitUntil(lambda: _idle(grid), timeout=10_000)
    assert grid.model.index_of("OP-3", 2).data() == "E"
    grid.store.undo_stack.redo()
    qtbot.waitUntil(lambda: _stored(app, "OP-3", 1) is not None, timeout=10_000)


def test_a_drop_that_breaks_a_rule_is_refused_before_and_saves_nothing(
    grid: RosterWidget, app: Any, qtbot: Any
) -> None:
    view, model = grid.view, grid.model
    # OP-2's Thursday early shift onto OP-4's Thursday: OP-4 works Wednesday late (too little
    # rest before an early shift)
    mime = _mime(model, "OP-2", 3)
    target = model.index_of("OP-4", 3)
    qtbot.waitUntil(lambda: view.visualRect(target).isValid(), timeout=5_000)
    pos = view.visualRect(target).center()
    actions = Qt.DropAction.CopyAction
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    QApplication.sendEvent(view.viewport(), QDragEnterEvent(pos, actions, mime, buttons, mods))
    QApplication.sendEvent(view.viewport(), QDragMoveEvent(pos, actions, mime, buttons, mods))
    # the reason is shown while hovering, before anything is dropped
    assert "may not follow shift L" in grid.hover.text()
    before = (_stored(app, "OP-2", 3), _stored(app, "OP-4", 3))
    QApplication.sendEvent(view.viewport(), QDropEvent(pos, actions, mime, buttons, mods))
    assert "Not changed" in grid.message.text()
    assert "may not follow shift L" in grid.message.text()
    assert model.index_of("OP-4", 3).data() == OFF
    assert grid.store.pending == 0  # nothing was sent
    assert (_stored(app, "OP-2", 3), _stored(app, "OP-4", 3)) == before
    assert not grid.store.undo_stack.canUndo()


def test_a_valid_drop_through_viewport_events_is_saved(
    grid: RosterWidget, app: Any, qtbot: Any
) -> None:
    view, model = grid.view, grid.model
    mime = _mime(model, "OP-2", 3)  # OP-2's Thursday early shift onto OP-3's Thursday
    target = model.index_of("OP-3", 3)
    pos = view.visualRect(target).center()
    actions = Qt.DropAction.CopyAction
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    QApplication.sendEvent(view.viewport(), QDragEnterEvent(pos, actions, mime, buttons, mods))
    QApplication.sendEvent(view.viewport(), QDragMoveEvent(pos, actions, mime, buttons, mods))
    assert grid.hover.text() == ""
    QApplication.sendEvent(view.viewport(), QDropEvent(pos, actions, mime, buttons, mods))
    qtbot.waitUntil(lambda: _stored(app, "OP-3", 3) == ("E", "scheduled", False), timeout=10_000)
    assert _stored(app, "OP-2", 3) is None


def test_typing_a_code(grid: RosterWidget, app: Any, qtbot: Any) -> None:
    model = grid.model
    # an unknown code and a fourth day in a row are refused with the reason
    assert not model.setData(model.index_of("OP-1", 2), "X")
    assert "not a shift code" in grid.message.text()
    assert not model.setData(model.index_of("OP-1", 2), "e")
    assert "at most 3 allowed" in grid.message.text()
    assert _stored(app, "OP-1", 2) is None
    # a late shift for OP-4 on Tuesday is fine (lower case accepted)
    assert model.setData(model.index_of("OP-4", 1), "l")
    qtbot.waitUntil(lambda: _stored(app, "OP-4", 1) == ("L", "scheduled", False), timeout=10_000)


def test_lock_with_the_key_and_optimise_keeps_it(grid: RosterWidget, app: Any, qtbot: Any) -> None:
    RosterService(app).save_policy(LEAD, SKILL_POLICY)  # forklift cover: 4 gaps to fill
    grid.store.reload()
    qtbot.waitUntil(lambda: _idle(grid) and len(grid.model.cover_rows) == 3, timeout=10_000)
    view, model = grid.view, grid.model
    view.setFocus()
    for op, day in (("OP-2", 3), ("OP-3", 3)):  # OP-2's early shift and OP-3's day off
        view.selectionModel().select(
            model.index_of(op, day), QItemSelectionModel.SelectionFlag.Select
        )
    qtbot.keyClick(view, Qt.Key.Key_L)
    assert model.index_of("OP-2", 3).data(LOCKED_ROLE)
    qtbot.waitUntil(lambda: _stored(app, "OP-2", 3) == ("E", "scheduled", True), timeout=10_000)
    qtbot.waitUntil(lambda: _idle(grid), timeout=10_000)
    assert model.index_of("OP-3", 3).data(LOCKED_ROLE)  # a locked day off, read back
    # a locked cell refuses a typed code
    assert not model.setData(model.index_of("OP-3", 3), "E")
    assert "locked" in grid.message.text()

    progress: list[Any] = []
    grid.store.progress.connect(progress.append)
    qtbot.mouseClick(grid.optimise_button, Qt.MouseButton.LeftButton)
    assert grid.stop_button.isEnabled()
    qtbot.waitUntil(lambda: grid.proposal_dialog is not None, timeout=30_000)
    dialog = grid.proposal_dialog
    assert dialog is not None
    assert progress  # improving rosters were reported while it ran
    touched = {(c.operator_id, c.day) for c in dialog.proposal.changes}
    assert dialog.proposal.changes
    assert ("OP-2", MONDAY + timedelta(days=3)) not in touched
    assert ("OP-3", MONDAY + timedelta(days=3)) not in touched
    dialog.accept()
    qtbot.waitUntil(lambda: _idle(grid) and not grid.store.undo_stack.isClean(), timeout=10_000)
    qtbot.waitUntil(lambda: _idle(grid), timeout=10_000)
    assert _stored(app, "OP-2", 3) == ("E", "scheduled", True)
    assert _stored(app, "OP-3", 3) is None
    snap = grid.store.snapshot
    assert snap is not None
    under = [d for d in range(DAYS) if snap.planned(d, "E", "forklift") < 1]
    assert len(under) < 4


def test_stop_cancels_a_solve(grid: RosterWidget, qtbot: Any) -> None:
    grid.store.time_limit = 60.0
    assert grid.store.optimise()
    grid.store.stop_solving()
    qtbot.waitUntil(lambda: not grid.store.solving, timeout=20_000)


def test_repair_shows_the_diff_and_applying_it_records_the_absence(
    grid: RosterWidget, app: Any, qtbot: Any
) -> None:
    view, model = grid.view, grid.model
    view.selectionModel().select(
        model.index_of("OP-1", 1), QItemSelectionModel.SelectionFlag.ClearAndSelect
    )
    qtbot.mouseClick(grid.repair_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: grid.proposal_dialog is not None, timeout=30_000)
    dialog = grid.proposal_dialog
    assert dialog is not None
    rows = dialog.rows()
    assert ("Ada Lovelace (OP-1)", "Tue 17 Nov", "E", "absent") in rows
    fills = [r for r in rows if r[0] != "Ada Lovelace (OP-1)"]
    assert len(fills) == 1
    assert fills[0][1:] == ("Tue 17 Nov", "off", "E")
    dialog.accept()
    qtbot.waitUntil(lambda: _stored(app, "OP-1", 1) == ("E", "absent", False), timeout=10_000)
    qtbot.waitUntil(lambda: _idle(grid), timeout=10_000)
    assert model.index_of("OP-1", 1).data(Qt.ItemDataRole.FontRole).strikeOut()
    assert model.index(model.operators.index("OP-1"), 1).data() == "E"
    assert model.index(4, 1).data(COVER_ROLE) == (1, 1)


def test_export_csv_and_pdf(grid: RosterWidget, tmp_path: Path) -> None:
    csv_path = write_csv(grid.model, tmp_path / "roster.csv")
    lines = csv_path.read_text(encoding="utf-8").splitlines()
    assert lines[0].split(",")[:3] == ["operator", "name", MONDAY.isoformat()]
    assert lines[1].startswith("OP-1,Ada Lovelace,E,E,,L,L")
    assert lines[-2].startswith(",Cover E,1/1")
    pdf_path = write_pdf(grid.model, tmp_path / "roster.pdf")
    data = pdf_path.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(data) > 1000


def test_filters_by_skill_show_skill_cover(grid: RosterWidget, qtbot: Any) -> None:
    index = grid.skill_filter.findData("forklift")
    assert index > 0
    grid.skill_filter.setCurrentIndex(index)
    assert grid.model.operators == ["OP-1", "OP-3"]
    labels = [r.label for r in grid.model.cover_rows]
    assert "Cover E · forklift" in labels
    row = len(grid.model.operators) + labels.index("Cover E · forklift")
    assert grid.model.index(row, 3).data() == "0"  # OP-2 (no forklift) works Thursday early


def test_another_seats_change_refreshes_the_grid(grid: RosterWidget, app: Any, qtbot: Any) -> None:
    RosterService(app).save(OTHER, MONDAY, DAYS, [CellChange("OP-4", MONDAY, OFF, "L")])
    qtbot.waitUntil(lambda: grid.model.index_of("OP-4", 0).data() == "L", timeout=10_000)


def test_a_forecast_absence_is_marked_and_repaired_around(
    grid: RosterWidget, app: Any, qtbot: Any
) -> None:
    from datetime import datetime

    from sqlalchemy import insert

    from desktop.roster.model import FORECAST_ROLE
    from services.persistence.tables.system import absence_forecasts

    with app.engine.begin() as conn:
        conn.execute(
            insert(absence_forecasts).values(
                operator_id="OP-1",
                day=MONDAY + timedelta(days=1),
                probability=0.8,
                model="test",
                created_at=datetime(2026, 11, 15, tzinfo=MONDAY_TZ),
            )
        )
    grid.store.reload()
    cell = ("OP-1", 1)
    qtbot.waitUntil(lambda: grid.model.index_of(*cell).data(FORECAST_ROLE) == 0.8, timeout=10_000)
    tip = grid.model.index_of("OP-1", 1).data(Qt.ItemDataRole.ToolTipRole)
    assert "forecast absence 80%" in tip
    qtbot.mouseClick(grid.forecast_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: grid.proposal_dialog is not None, timeout=30_000)
    dialog = grid.proposal_dialog
    assert dialog is not None
    assert ("Ada Lovelace (OP-1)", "Tue 17 Nov", "E", "off") in dialog.rows()
    dialog.reject()
    qtbot.wait(50)
    assert _stored(app, "OP-1", 1) == ("E", "scheduled", False)  # discarded: nothing saved


def test_a_viewer_sees_the_roster_but_cannot_change_it(app: Any, make_ctx: Any, qtbot: Any) -> None:
    viewer = Actor("viewer", Role.VIEWER, "seat-2")
    widget = RosterWidget(make_ctx(app, viewer), MONDAY, DAYS)
    qtbot.addWidget(widget)
    widget.start()
    qtbot.waitUntil(lambda: widget.store.snapshot is not None, timeout=10_000)
    assert not widget.optimise_button.isEnabled()
    assert not widget.model.setData(widget.model.index_of("OP-4", 1), "L")
    assert "may not change rosters" in widget.message.text()
    qtbot.waitUntil(lambda: not widget.store._reading, timeout=10_000)
    widget.stop()
