"""The Gantt dock on the demo plant: loads the plan, drags bars (valid: saved and undone;
invalid: refused with the rule, nothing saved), pins, optimises, exports, follows other seats."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QDockWidget, QWidget
from sqlalchemy import func, select

from desktop.planning.chart import HEADER_H, GanttChart
from desktop.planning.dock import create_dock
from desktop.planning.widget import PlanningWidget
from domain.rules.scheduling import (
    PlannedOperation,
    assign_operator,
    bars_by_operator,
    check_frozen,
    check_move,
)
from services.persistence.tables import system
from services.scheduling.repair import BREAKDOWN_HOURS
from services.scheduling.scenarios import ScenarioService
from tests.services.scheduling.test_repair import break_down, busiest_machine

pytestmark = pytest.mark.gui

LOAD_MS = 30_000


@pytest.fixture
def planner_app(demo_sqlite_url: str, make_app: Any) -> Any:
    return make_app(demo_sqlite_url, user="planner")


def _open(ctx: Any, qtbot: Any) -> PlanningWidget:
    w = PlanningWidget(ctx)
    qtbot.addWidget(w)
    w.resize(1400, 700)
    w.show()
    w.start()
    qtbot.waitUntil(
        lambda: w.store.view is not None and bool(w.store.view.entries), timeout=LOAD_MS
    )
    return w


@pytest.fixture
def draft(planner_app: Any, make_ctx: Callable[..., Any], qtbot: Any) -> PlanningWidget:
    """The dock on the demo plant as it comes: no scenario saved yet."""
    return _open(make_ctx(planner_app), qtbot)


@pytest.fixture
def widget(draft: PlanningWidget, qtbot: Any) -> PlanningWidget:
    """The dock with the first plan saved as a scenario."""
    assert draft.store.scenario_id is None
    assert draft.save_button.isVisible()
    draft.save_button.click()
    qtbot.waitUntil(lambda: draft.store.scenario_id is not None, timeout=LOAD_MS)
    qtbot.waitUntil(lambda: not draft.save_button.isVisible())
    return draft


def _scenarios(app: Any) -> int:
    with app.engine.connect() as conn:
        return int(
            conn.execute(select(func.count()).select_from(system.scheduling_scenarios)).scalar_one()
        )


def _send(chart: QWidget, kind: QEvent.Type, pos: QPointF, buttons: Qt.MouseButton) -> None:
    button = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else Qt.MouseButton.LeftButton
    event = QMouseEvent(
        kind,
        pos,
        QPointF(chart.mapToGlobal(pos.toPoint())),
        button,
        buttons,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(chart, event)


def _drag(chart: GanttChart, start: QPointF, end: QPointF) -> None:
    left = Qt.MouseButton.LeftButton
    _send(chart, QEvent.Type.MouseButtonPress, start, left)
    steps = 5
    for i in range(1, steps + 1):
        p = start + (end - start) * (i / steps)
        _send(chart, QEvent.Type.MouseMove, p, left)
    _send(chart, QEvent.Type.MouseButtonRelease, end, Qt.MouseButton.NoButton)


def _show_bar(chart: GanttChart, operation_id: str) -> QPointF:
    """Zoom to a minute per pixel with the bar near the left and its row in view."""
    bar = chart.data.bars[operation_id]
    chart.mpp = 1.0
    chart.t0 = bar.start - 120
    chart.y0 = max(0.0, chart.data.rows[bar.row].top - 60.0)
    chart.update()
    rect = chart.bar_rect(operation_id)
    assert rect is not None
    return QPointF(rect.left() + min(8.0, rect.width() / 2), rect.center().y())


def _refused_drag(widget: PlanningWidget, start: QPointF, end: QPointF) -> str:
    """Drag a bar from ``start`` to ``end``; the drag must end refused and the status line say
    "Not moved". The last drag feedback's text."""
    chart = widget.chart
    feedback: list[tuple[str, bool]] = []
    chart.drag_feedback.connect(lambda text, ok: feedback.append((text, ok)))
    _drag(chart, start, end)
    assert feedback
    assert feedback[-1][1] is False
    assert "Not moved" in widget.status.text()
    return feedback[-1][0]


def _stored(app: Any, scenario_id: str) -> dict[str, Any]:
    service = ScenarioService(app)
    return {e.operation_id: e for e in service.entries(app.actor(), scenario_id)}


def _moves(app: Any) -> int:
    with app.engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count())
                .select_from(system.audit_log)
                .where(system.audit_log.c.action == "schedule_entry.move")
            ).scalar_one()
        )


def test_the_dock_loads_the_demo_plants_plan(
    draft: PlanningWidget, planner_app: Any, qtbot: Any
) -> None:
    store, chart = draft.store, draft.chart
    view = store.view
    assert view is not None
    # no scenario yet: a first plan is shown, and nothing is written until Save
    assert store.scenario_id is None
    assert store.draft is not None
    assert _scenarios(planner_app) == 0
    assert "No saved plan yet" in draft.status.text()
    assert len(view.entries) == view.plant.problem.operation_count > 500
    assert [r.kind for r in chart.data.rows].count("line") == 3
    assert chart.visible_bar_count() > 0
    assert view.late  # the demo has late work orders, flagged
    late = [e for e in view.entries if e.work_order_id in view.late]
    assert all(chart.data.bars[e.operation_id].late for e in late)
    assert "late" in draft.summary.text()
    # selecting a bar highlights its work order; an unsaved plan cannot be dragged
    op = view.entries[0].operation_id
    start = _show_bar(chart, op)
    _drag(chart, start, start + QPointF(120, 0))
    assert chart.selected_order == view.entries[0].work_order_id
    assert "Save the plan first" in draft.status.text()
    assert _scenarios(planner_app) == 0
    # saving keeps exactly the plan shown
    shown = {e.operation_id: (e.start, e.work_centre_id) for e in view.entries}
    draft.save_button.click()
    qtbot.waitUntil(lambda: store.scenario_id is not None, timeout=LOAD_MS)
    stored = _stored(planner_app, str(store.scenario_id))
    assert {k: (e.start, e.work_centre_id) for k, e in stored.items()} == shown


def test_zoom_and_pan_by_keys_wheel_and_drag(widget: PlanningWidget, qtbot: Any) -> None:
    chart = widget.chart
    chart.setFocus()
    mpp = chart.mpp
    qtbot.keyClick(chart, Qt.Key.Key_Plus)
    assert chart.mpp < mpp
    qtbot.keyClick(chart, Qt.Key.Key_Minus)
    qtbot.keyClick(chart, Qt.Key.Key_Minus)
    assert chart.mpp > mpp
    t0 = chart.t0
    qtbot.keyClick(chart, Qt.Key.Key_Right)
    assert chart.t0 > t0
    # drag on empty space (the header row's height is no bar) pans in time
    t0 = chart.t0
    y = HEADER_H + chart.data.rows[0].top + 5  # the first line's header row: never a bar
    _drag(chart, QPointF(600, y), QPointF(500, y))
    assert chart.t0 == pytest.approx(t0 + 100 * chart.mpp)


def test_drag_to_a_valid_place_saves_and_undo_restores(
    widget: PlanningWidget, planner_app: Any, qtbot: Any
) -> None:
    store, chart = widget.store, widget.chart
    assert store.view is not None
    sid = store.scenario_id
    assert sid is not None
    shift = 360  # minutes later, as pixels at a minute per pixel
    for e in sorted(store.view.entries, key=lambda e: e.end, reverse=True):
        check = store.check_drag(
            e.operation_id, e.start + timedelta(minutes=shift), e.work_centre_id
        )
        if check is not None and check.valid and check.start != e.start:
            break
    else:
        raise AssertionError("no bar can move")
    op, original = e.operation_id, e.start
    start = _show_bar(chart, op)
    _drag(chart, start, start + QPointF(shift, 0))
    qtbot.waitUntil(lambda: _stored(planner_app, sid)[op].start == check.start, timeout=LOAD_MS)
    qtbot.waitUntil(lambda: store.entry(op).start == check.start)  # type: ignore[union-attr]
    assert store.undo_stack.count() == 1
    chart.setFocus()
    qtbot.keyClick(chart, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: _stored(planner_app, sid)[op].start == original, timeout=LOAD_MS)
    qtbot.waitUntil(lambda: store.entry(op) is not None and store.entry(op).start == original)  # type: ignore[union-attr]
    ctrl_shift = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(chart, Qt.Key.Key_Z, ctrl_shift)
    qtbot.waitUntil(lambda: _stored(planner_app, sid)[op].start == check.start, timeout=LOAD_MS)


def test_drag_to_an_invalid_place_is_refused_with_the_rule(
    widget: PlanningWidget, planner_app: Any, qtbot: Any
) -> None:
    store, chart = widget.store, widget.chart
    assert store.view is not None
    sid = store.scenario_id
    assert sid is not None
    plant = store.view.plant
    e = store.view.entries[0]
    eligible = set(plant.eligible(e.operation_id))
    target = next(c.id for c in plant.work_centres if c.id not in eligible)
    row = chart.data.row_of_centre[target]
    start = _show_bar(chart, e.operation_id)
    target_y = chart.y_of_row(row) + chart.data.rows[row].height / 2
    if not HEADER_H < target_y < chart.height():
        chart.y0 = max(0.0, chart.data.rows[row].top - 100.0)
        start = QPointF(start.x(), chart.y_of_row(chart.data.bars[e.operation_id].row) + 10)
        target_y = chart.y_of_row(row) + chart.data.rows[row].height / 2
    assert "cannot run on" in _refused_drag(widget, start, QPointF(start.x(), target_y))
    assert "cannot run on" in widget.status.text()
    assert store.undo_stack.count() == 0
    assert _stored(planner_app, sid)[e.operation_id].work_centre_id == e.work_centre_id
    assert _moves(planner_app) == 0


def test_pin_from_the_context_menu_then_the_bar_stays(
    widget: PlanningWidget, planner_app: Any, qtbot: Any
) -> None:
    store, chart = widget.store, widget.chart
    assert store.view is not None
    sid = store.scenario_id
    assert sid is not None
    e = store.view.entries[0]
    menu = chart.menu_for(chart.data.bars[e.operation_id])
    pin = menu.actions()[0]
    assert pin.text() == "Pin here"
    pin.trigger()
    qtbot.waitUntil(lambda: _stored(planner_app, sid)[e.operation_id].pinned, timeout=LOAD_MS)
    qtbot.waitUntil(lambda: store.entry(e.operation_id).pinned)  # type: ignore[union-attr]
    check = store.check_drag(e.operation_id, e.start + timedelta(hours=2), e.work_centre_id)
    assert check is not None
    assert not check.valid
    assert "pinned" in check.message
    assert chart.menu_for(chart.data.bars[e.operation_id]).actions()[0].text() == "Unpin"
    store.undo_stack.undo()
    qtbot.waitUntil(lambda: not _stored(planner_app, sid)[e.operation_id].pinned, timeout=LOAD_MS)


def test_optimise_with_a_short_limit_saves_a_scenario_and_updates_the_chart(
    widget: PlanningWidget, qtbot: Any
) -> None:
    store = widget.store
    first = store.scenario_id
    widget.time_limit.setValue(2)
    qtbot.mouseClick(widget.optimise_button, Qt.MouseButton.LeftButton)
    assert widget.stop_button.isEnabled()
    qtbot.waitUntil(lambda: store.scenario_id not in (None, first), timeout=60_000)
    qtbot.waitUntil(lambda: not store.is_optimising and len(store.scenarios) == 2, timeout=LOAD_MS)
    assert store.view is not None
    assert store.view.scenario_id == store.scenario_id
    assert widget.scenario_box.count() == 2
    assert widget.scenario_box.currentData() == store.scenario_id
    assert "Saved Optimised" in widget.status.text()
    assert "objective" in widget.progress_label.text()  # the solver's figures stay on show
    assert not widget.stop_button.isEnabled()
    # the first scenario is still there to go back to
    store.select_scenario(str(first))
    qtbot.waitUntil(lambda: store.view is not None and store.view.scenario_id == first)


def test_stop_ends_the_optimiser_early(widget: PlanningWidget, qtbot: Any) -> None:
    store = widget.store
    first = store.scenario_id
    widget.time_limit.setValue(120)
    widget.optimise()
    widget.stop_button.click()
    # far sooner than the 120 s limit
    qtbot.waitUntil(lambda: store.scenario_id not in (None, first), timeout=60_000)
    assert not store.is_optimising
    current = store.current_scenario()
    assert current is not None
    assert "(stopped)" in current.name


def test_release_marks_the_scenario(widget: PlanningWidget, qtbot: Any) -> None:
    store = widget.store
    assert widget.release_button.isEnabled()
    widget.release_button.click()

    def released() -> bool:
        current = store.current_scenario()
        return current is not None and current.status.value == "released"

    qtbot.waitUntil(released, timeout=LOAD_MS)
    qtbot.waitUntil(lambda: not widget.release_button.isEnabled())
    assert "[released]" in widget.scenario_box.currentText()


def test_exports_write_png_pdf_and_csv(widget: PlanningWidget, tmp_path: Path, qtbot: Any) -> None:
    png, pdf, csv = tmp_path / "plan.png", tmp_path / "plan.pdf", tmp_path / "plan.csv"
    widget.export("png", png)  # written in runner queries: they arrive later
    qtbot.waitUntil(lambda: widget.status.text() == f"Wrote {png}", timeout=LOAD_MS)
    widget.export("pdf", pdf)
    qtbot.waitUntil(lambda: widget.status.text() == f"Wrote {pdf}", timeout=LOAD_MS)
    widget.export("csv", csv)
    assert png.read_bytes().startswith(b"\x89PNG")
    assert pdf.read_bytes().startswith(b"%PDF")
    assert pdf.stat().st_size > 5000  # the chart's bars and labels, not an empty page
    qtbot.waitUntil(csv.exists, timeout=LOAD_MS)
    qtbot.waitUntil(lambda: "Wrote" in widget.status.text() and "csv" in widget.status.text())
    assert widget.store.view is not None
    assert len(csv.read_text().splitlines()) == 1 + len(widget.store.view.entries)


@pytest.mark.parametrize("kind", ["png", "pdf"])
def test_an_unwritable_export_path_is_said_in_words(
    widget: PlanningWidget, tmp_path: Path, qtbot: Any, kind: str
) -> None:
    target = tmp_path / "no such folder" / f"plan.{kind}"
    widget.export(kind, target)
    qtbot.waitUntil(lambda: "Not written" in widget.status.text(), timeout=LOAD_MS)
    assert widget.status.text() == f"Not written: No such file or directory: {target}"
    assert not target.exists()


def test_a_move_on_another_seat_refreshes_the_chart(
    widget: PlanningWidget, demo_sqlite_url: str, make_app: Any, qtbot: Any
) -> None:
    store = widget.store
    assert store.view is not None
    sid = store.scenario_id
    assert sid is not None
    other = make_app(demo_sqlite_url, user="planner", seat="seat-2")
    service = ScenarioService(other)
    for e in sorted(store.view.entries, key=lambda e: e.end, reverse=True):
        check = store.check_drag(e.operation_id, e.start + timedelta(hours=5), e.work_centre_id)
        if check is not None and check.valid and check.start != e.start:
            break
    else:
        raise AssertionError("no bar can move")
    service.move(other.actor(), sid, e.operation_id, start=check.start)

    def moved() -> bool:
        entry = store.entry(e.operation_id)
        return entry is not None and entry.start == check.start

    qtbot.waitUntil(moved, timeout=LOAD_MS)


def test_create_dock_adds_the_planning_dock(
    planner_app: Any, make_ctx: Callable[..., Any], qtbot: Any
) -> None:
    class Window(QWidget):
        def __init__(self) -> None:
            super().__init__()
            self.docks: list[QDockWidget] = []

        def add_dock(self, name: str, title: str, w: QWidget, area: Any) -> QDockWidget:
            dock = QDockWidget(title, self)
            dock.setObjectName(name)
            dock.setWidget(w)
            self.docks.append(dock)
            return dock

    window = Window()
    qtbot.addWidget(window)
    dock = create_dock(make_ctx(planner_app), window)  # type: ignore[arg-type]
    assert dock.objectName() == "planning_gantt"
    planning = dock.widget()
    assert isinstance(planning, PlanningWidget)
    qtbot.waitUntil(lambda: planning.store.view is not None, timeout=LOAD_MS)


def test_zoomed_out_the_chart_draws_from_one_image_that_matches_the_bars(
    widget: PlanningWidget, qtbot: Any
) -> None:
    chart = widget.chart
    chart.show_range(chart.data.t_min, chart.data.t_min + 14 * 1440.0)
    direct = chart.grab().toImage()  # the first frames after a zoom paint the bars directly
    assert chart._layer_key is None
    qtbot.waitUntil(lambda: chart._layer is not None, timeout=LOAD_MS)
    chart.pan(37, 0)
    chart.pan(-37, 0)
    layered = chart.grab().toImage()
    assert layered.size() == direct.size()
    differ = sum(
        1
        for y in range(0, direct.height(), 3)
        for x in range(0, direct.width(), 3)
        if direct.pixel(x, y) != layered.pixel(x, y)
    )
    total = (direct.height() // 3 + 1) * (direct.width() // 3 + 1)
    assert differ / total < 0.02
    # a moved bar invalidates the image
    key = chart._layer_key
    chart._on_entry_changed("x")
    chart.grab()
    assert chart._layer_key == key  # not rebuilt at once ...
    qtbot.waitUntil(lambda: chart._layer_key != key, timeout=LOAD_MS)  # ... but soon
    # zooming: the image stands in, scaled, and is redrawn at the new zoom once still
    chart.zoom(0.9)
    chart.grab()
    assert chart._settle.isActive()
    qtbot.waitUntil(lambda: chart._layer_mpp == chart.mpp, timeout=LOAD_MS)


def test_drag_checks_agree_with_the_full_rule_check(draft: PlanningWidget) -> None:
    """The chart checks a drag against the nearby bars and a cut-down rule set; the answer is
    the one the whole plan and all rules give (what the service checks on drop)."""
    store = draft.store
    view = store.view
    assert view is not None
    assert store.rules is not None
    full = view.plant.rules(view.entries)
    by_operator = bars_by_operator(view.entries)
    compared = 0
    for e in view.entries[::12]:
        targets = [e.work_centre_id, *view.plant.eligible(e.operation_id)[1:2]]
        for wc in targets:
            for minutes in (-300, 95, 600, 2000):
                start = e.start + timedelta(minutes=minutes)
                check = store.check_drag(e.operation_id, start, wc, snap=False)
                assert check is not None
                moved = PlannedOperation(
                    e.operation_id, e.work_order_id, wc, check.start, check.end, e.operator_id
                )
                moved = assign_operator(full, moved, by_operator)
                expected = check_move(list(view.entries), moved, full)
                expected += check_frozen(e, moved, view.frozen_until)
                assert {(v.code, v.message) for v in check.violations} == {
                    (v.code, v.message) for v in expected
                }
                compared += 1
    assert compared > 200


def test_closing_the_dock_mid_solve_stops_the_solver(
    planner_app: Any, make_ctx: Callable[..., Any], qtbot: Any
) -> None:
    ctx = make_ctx(planner_app)
    w = PlanningWidget(ctx)  # not handed to qtbot: this test deletes it itself
    w.start()
    qtbot.waitUntil(lambda: w.store.view is not None, timeout=LOAD_MS)
    w.time_limit.setValue(600)
    w.optimise()
    assert ctx.runner.in_flight >= 1
    w.deleteLater()
    # far sooner than the 600 s limit: the solve was cancelled when the store went away
    qtbot.waitUntil(lambda: ctx.runner.in_flight == 0, timeout=60_000)


def test_the_plan_has_people_and_a_drag_where_no_qualified_operator_is_on_shift_is_refused(
    widget: PlanningWidget, planner_app: Any, qtbot: Any
) -> None:
    """Operators are planned with the machines: every bar that needs a skill has an operator,
    and dropping a bar where nobody who holds the skill is on shift (after the published roster)
    is refused naming the operator rule; nothing is saved."""
    store, chart = widget.store, widget.chart
    assert store.view is not None
    assert store.rules is not None
    sid = store.scenario_id
    assert sid is not None
    availability = store.rules.availability
    assert availability  # the roster is part of the rules a drag is checked with
    skilled = [
        e for e in store.view.entries if store.rules.operations[e.operation_id].required_skill
    ]
    assert skilled
    assert all(e.operator_id is not None for e in skilled)
    roster_end = max(end for spans in availability.values() for _, end in spans)
    e = max(skilled, key=lambda x: x.end)  # a last step: no later step limits its move
    target = roster_end + timedelta(days=1)
    check = store.check_drag(e.operation_id, target, e.work_centre_id)
    assert check is not None
    assert not check.valid
    assert "operator_shift" in {v.code for v in check.violations}
    assert "is not on shift" in check.message
    # the same through the chart: zoomed out so the drop lands a day after the roster ends
    delta = (target - e.start).total_seconds() / 60
    bar = chart.data.bars[e.operation_id]
    chart.mpp = max(1.0, delta / 900)
    chart.t0 = bar.start - 60 * chart.mpp
    chart.y0 = max(0.0, chart.data.rows[bar.row].top - 60.0)
    chart.update()
    rect = chart.bar_rect(e.operation_id)
    assert rect is not None
    start = QPointF(rect.left() + min(2.0, rect.width() / 2), rect.center().y())
    assert "is not on shift" in _refused_drag(widget, start, start + QPointF(delta / chart.mpp, 0))
    assert "is not on shift" in widget.status.text()
    assert store.undo_stack.count() == 0
    assert _stored(planner_app, sid)[e.operation_id].start == e.start
    assert _moves(planner_app) == 0


def test_the_frozen_horizon_is_shaded_and_a_drag_out_of_it_is_refused(
    widget: PlanningWidget, planner_app: Any, qtbot: Any
) -> None:
    """The four hours after now (the site's default frozen horizon) are shaded; a bar starting
    there cannot be dragged away, nor a later bar into it: refused with the rule, nothing saved."""
    store, chart = widget.store, widget.chart
    view = store.view
    assert view is not None
    sid = store.scenario_id
    assert sid is not None
    until = view.frozen_until
    assert until == view.now + timedelta(hours=4)
    inside = min((e for e in view.entries if view.now <= e.start < until), key=lambda e: e.start)
    start = _show_bar(chart, inside.operation_id)
    shade = chart.frozen_rect(chart.width(), chart.height())
    assert shade is not None
    assert shade.left() <= chart.x_of(chart.data.minutes(inside.start)) < shade.right()
    assert shade.right() == pytest.approx(chart.x_of(chart.data.minutes(until)))
    # dragged to four hours later, past the window's end: refused
    text = _refused_drag(widget, start, start + QPointF(240 + 60, 0))
    assert text.startswith(f"inside the frozen horizon (until {until:%H:%M}): ")
    assert "frozen horizon" in widget.status.text()
    # a later bar dragged into the window is refused the same way (no snap out of it)
    later = max(view.entries, key=lambda e: e.start)
    check = store.check_drag(
        later.operation_id, until - timedelta(minutes=30), later.work_centre_id
    )
    assert check is not None
    assert not check.valid
    assert "frozen" in {v.code for v in check.violations}
    assert store.undo_stack.count() == 0
    assert _stored(planner_app, sid)[inside.operation_id].start == inside.start
    assert _moves(planner_app) == 0


def test_a_breakdown_shows_a_banner_whose_button_repairs_the_plan(
    widget: PlanningWidget, planner_app: Any, qtbot: Any
) -> None:
    """A machine with planned bars breaks down (written through the service layer as the
    simulator writes it): a non-modal banner names it and the operations hit; Repair plan
    re-plans in the runner, saves a new draft scenario and shows it."""
    store = widget.store
    view = store.view
    assert view is not None
    sid = store.scenario_id
    assert sid is not None
    assert not widget.banner.isVisible()
    until = view.now + timedelta(hours=BREAKDOWN_HOURS)
    machine_id, wc, hit = busiest_machine(planner_app, view.entries, until)
    break_down(planner_app, machine_id)
    qtbot.waitUntil(widget.banner.isVisible, timeout=LOAD_MS)
    assert store.breakdown is not None
    assert store.breakdown.machine_id == machine_id
    assert set(store.breakdown.affected) == {e.operation_id for e in hit}
    text = widget.banner_label.text()
    assert f"broke down: {len(hit)} operation" in text
    assert text.startswith(store.breakdown.machine_name)
    assert widget.repair_button.isEnabled()
    assert _scenarios(planner_app) == 1
    widget.repair_button.click()
    qtbot.waitUntil(lambda: store.last_repair is not None, timeout=120_000)
    repair = store.last_repair
    assert repair is not None
    assert repair.from_scenario_id == sid
    qtbot.waitUntil(lambda: store.scenario_id == repair.scenario_id, timeout=LOAD_MS)
    assert not widget.banner.isVisible()
    assert _scenarios(planner_app) == 2
    assert "Repair plan saved as a draft" in widget.status.text()
    tip = widget.status.toolTip()  # the diff: what moved, from where to where
    first = repair.changes[0]
    assert f"{first.operation_id}: {first.old_start:%a %H:%M} {first.old_work_centre_id} -> " in tip
    # the draft shown keeps the work centre free while it is down
    assert store.view is not None
    for e in store.view.entries:
        if e.work_centre_id == wc:
            assert e.end <= view.now or e.start >= until


def test_the_frozen_horizon_is_set_from_the_toolbar_and_follows_another_seat(
    widget: PlanningWidget, planner_app: Any, qtbot: Any
) -> None:
    store, box = widget.store, widget.frozen_box
    assert box.value() == 4.0  # the site's default
    assert box.isEnabled()
    box.setValue(8.0)
    box.editingFinished.emit()
    qtbot.waitUntil(lambda: "Frozen horizon: 8 hours after now" in widget.status.text())
    qtbot.waitUntil(
        lambda: (
            store.view is not None
            and store.view.frozen_until == store.view.now + timedelta(hours=8)
        ),
        timeout=LOAD_MS,
    )
    service = ScenarioService(planner_app)
    assert service.frozen_hours(planner_app.actor()) == 8.0
    # another seat turns it off: the box and the shading follow
    service.set_frozen_hours(planner_app.actor(), 0)
    qtbot.waitUntil(lambda: box.value() == 0.0, timeout=LOAD_MS)
    qtbot.waitUntil(lambda: store.view is not None and store.view.frozen_until is None)
    # a value the service refuses is said, and the box shows the stored value again
    store.frozen_hours = 0.0
    store.set_frozen_hours(-1)
    qtbot.waitUntil(lambda: "between 0 and" in widget.status.text(), timeout=LOAD_MS)
    assert service.frozen_hours(planner_app.actor()) == 0.0


def test_the_breakdown_banner_asks_how_long_the_machine_is_down(
    widget: PlanningWidget, planner_app: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = widget.store
    view = store.view
    assert view is not None
    machine_id, _wc, _hit = busiest_machine(
        planner_app, view.entries, view.now + timedelta(hours=BREAKDOWN_HOURS)
    )
    break_down(planner_app, machine_id)
    qtbot.waitUntil(widget.banner.isVisible, timeout=LOAD_MS)
    found = store.breakdown
    assert found is not None
    assert widget.downtime.value() == BREAKDOWN_HOURS
    widget.downtime.setValue(10.0)
    until = found.start + timedelta(hours=10)
    assert f"(down until {until:%a %H:%M})" in widget.banner_label.text()
    asked: list[Any] = []
    monkeypatch.setattr(store, "repair", lambda b, **_kw: asked.append(b))
    widget.repair_button.click()
    assert [(b.machine_id, b.until) for b in asked] == [(machine_id, until)]


def test_a_plant_in_another_zone_sees_the_plan_on_its_own_clock(
    planner_app: Any, make_ctx: Callable[..., Any], qtbot: Any
) -> None:
    """The chart, its tooltips, drag messages, rule messages and the CSV give the plant's
    local times (Europe/Berlin: UTC+1 in November), computed from the same UTC instants."""
    from zoneinfo import ZoneInfo

    from sqlalchemy import update

    from services.persistence.tables import plant

    berlin = ZoneInfo("Europe/Berlin")
    with planner_app.engine.begin() as conn:
        conn.execute(update(plant.plants).values(timezone="Europe/Berlin"))
    widget = _open(make_ctx(planner_app), qtbot)
    store, chart = widget.store, widget.chart
    view = store.view
    assert view is not None
    assert view.plant.tz == berlin
    assert chart.zone_label() == "times: Europe/Berlin"
    e = min(view.entries, key=lambda x: x.start)
    local = e.start.astimezone(berlin)
    assert local.utcoffset() == timedelta(hours=1)
    assert f"{local:%a %d %b %H:%M} to " in chart.describe(chart.data.bars[e.operation_id])
    # the first bar starts inside the frozen horizon: a drag of it is refused, in local times
    assert view.frozen_until is not None
    assert e.start < view.frozen_until
    until = view.frozen_until.astimezone(berlin)
    check = store.check_drag(e.operation_id, e.start + timedelta(days=2), e.work_centre_id)
    assert check is not None
    assert check.message == (
        f"inside the frozen horizon (until {until:%H:%M}): operation {e.operation_id} starts "
        f"{local:%a %H:%M} on {e.work_centre_id} and must stay there"
    )
    # the plan's rules say the same: a start in the past, on the plant's clock
    when = view.now - timedelta(hours=3)
    past = store.check_drag(e.operation_id, when, e.work_centre_id, snap=False)
    assert past is not None
    (before_now,) = [v for v in past.violations if v.code == "before_now"]
    assert f"would start {when.astimezone(berlin):%Y-%m-%d %H:%M}, in the past" in (
        before_now.message
    )
    csv_rows = ScenarioService.csv_text(view).splitlines()
    assert (
        csv_rows[1].split(",")[4]
        == min(view.entries, key=lambda x: (x.start, x.work_centre_id))
        .start.astimezone(berlin)
        .isoformat()
    )
