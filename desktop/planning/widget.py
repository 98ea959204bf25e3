"""The planning dock's widget: the scenario picker, Optimise / Stop with progress, Release,
Compare, exports, undo/redo and the Gantt chart with a status line under it."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, timedelta, tzinfo
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.context import DesktopContext
from desktop.export_file import save_png
from desktop.messages import describe
from desktop.planning.chart import ColourMode, GanttChart
from desktop.planning.export import record_chart, save_pdf
from desktop.planning.store import PlanStore
from domain.auth import Permission
from domain.model.planning import ScenarioStatus
from services.scheduling.frozen import MAX_FROZEN_HOURS
from services.scheduling.problem import Objective, ProgressDto
from services.scheduling.repair import BREAKDOWN_HOURS, Breakdown, RepairResult
from services.scheduling.scenarios import ScenarioFigures

log = logging.getLogger(__name__)


class PlanningWidget(QWidget):
    def __init__(self, ctx: DesktopContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.store = PlanStore(ctx, self)
        self.chart = GanttChart(self.store, self)

        self.scenario_box = QComboBox()
        self.scenario_box.setMinimumContentsLength(24)
        self.scenario_box.activated.connect(self._scenario_picked)
        self.objective_box = QComboBox()
        for label, value in (
            ("Weighted (makespan + tardiness + setup)", Objective.WEIGHTED),
            ("Makespan", Objective.MAKESPAN),
            ("Weighted tardiness", Objective.TARDINESS),
            ("Setup time", Objective.SETUP),
        ):
            self.objective_box.addItem(label, value.value)
        self.time_limit = QDoubleSpinBox()
        self.time_limit.setRange(1, 600)
        self.time_limit.setValue(10)
        self.time_limit.setSuffix(" s")
        self.save_button = QPushButton("Save plan")
        self.save_button.setToolTip("Keep this first plan as a draft scenario")
        self.save_button.clicked.connect(self.store.save_draft)
        self.repair_box = QCheckBox("Stay close to this plan")
        self.repair_box.setToolTip(
            "Repair mode: re-plan from the scenario shown, keeping its pins and moving as "
            "little as possible"
        )
        self.optimise_button = QPushButton("Optimise")
        self.optimise_button.clicked.connect(self.optimise)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.store.stop)
        self.release_button = QPushButton("Release")
        self.release_button.clicked.connect(self.store.release)
        self.compare_button = QPushButton("Compare…")
        self.compare_button.clicked.connect(self.compare)
        self.frozen_box = QDoubleSpinBox()
        self.frozen_box.setRange(0, MAX_FROZEN_HOURS)
        self.frozen_box.setDecimals(1)
        self.frozen_box.setSingleStep(1)
        self.frozen_box.setPrefix("frozen ")
        self.frozen_box.setSuffix(" h")
        self.frozen_box.setKeyboardTracking(False)
        self.frozen_box.setToolTip(
            "The site's frozen horizon: bars starting within this many hours from now stay "
            "where they are (no drag, no optimise moves them); 0 turns it off"
        )
        self.frozen_box.editingFinished.connect(self._frozen_edited)
        self.colour_box = QComboBox()
        self.colour_box.addItem("Colour by work order", ColourMode.WORK_ORDER)
        self.colour_box.addItem("Colour by status", ColourMode.STATUS)
        self.colour_box.currentIndexChanged.connect(self._colour_changed)
        self.undo_button = QToolButton()
        self.undo_button.setDefaultAction(self.store.undo_stack.createUndoAction(self, "Undo"))
        self.redo_button = QToolButton()
        self.redo_button.setDefaultAction(self.store.undo_stack.createRedoAction(self, "Redo"))
        export = QToolButton()
        export.setText("Export")
        export.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(export)
        menu.addAction("Chart as PNG…", lambda: self._export_dialog("png"))
        menu.addAction("Chart as PDF…", lambda: self._export_dialog("pdf"))
        menu.addAction("Plan as CSV…", lambda: self._export_dialog("csv"))
        export.setMenu(menu)

        self.progress_label = QLabel("")
        self.summary = QLabel("Loading the plan…")
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        top = QHBoxLayout()
        top.addWidget(QLabel("Scenario"))
        top.addWidget(self.scenario_box, 1)
        top.addWidget(self.save_button)
        top.addWidget(self.release_button)
        top.addWidget(self.compare_button)
        top.addWidget(self.frozen_box)
        top.addSpacing(12)
        top.addWidget(self.objective_box)
        top.addWidget(self.time_limit)
        top.addWidget(self.repair_box)
        top.addWidget(self.optimise_button)
        top.addWidget(self.stop_button)
        top.addWidget(self.progress_label)
        top.addStretch(1)
        top.addWidget(self.colour_box)
        top.addWidget(self.undo_button)
        top.addWidget(self.redo_button)
        top.addWidget(export)
        # a machine with planned bars broke down: non-modal, above the chart
        self.banner = QFrame()
        self.banner.setObjectName("breakdownBanner")
        self.banner.setFrameShape(QFrame.Shape.StyledPanel)
        self.banner.setStyleSheet(
            "#breakdownBanner { background: #fde2e1; border: 1px solid #d9534f; }"
            " #breakdownBanner QLabel { color: #611; }"
        )
        self.banner_label = QLabel("")
        self.banner_label.setWordWrap(True)
        self.repair_button = QPushButton("Repair plan")
        self.repair_button.setToolTip(
            "Re-plan around the breakdown, moving as little as possible; saved as a new draft"
        )
        self.repair_button.clicked.connect(self._repair_clicked)
        self.downtime = QDoubleSpinBox()
        self.downtime.setRange(0.5, 24 * 7)
        self.downtime.setDecimals(1)
        self.downtime.setSingleStep(0.5)
        self.downtime.setPrefix("down for ")
        self.downtime.setSuffix(" h")
        self.downtime.setValue(BREAKDOWN_HOURS)
        self.downtime.setToolTip(
            "How long the machine is expected to be down: Repair plan "
            "keeps its work centre free until then"
        )
        self.downtime.valueChanged.connect(self._show_breakdown)
        dismiss = QToolButton()
        dismiss.setText("✕")
        dismiss.setToolTip("Dismiss")
        dismiss.clicked.connect(self.banner.hide)
        banner_lay = QHBoxLayout(self.banner)
        banner_lay.setContentsMargins(6, 3, 6, 3)
        banner_lay.addWidget(self.banner_label, 1)
        banner_lay.addWidget(self.downtime)
        banner_lay.addWidget(self.repair_button)
        banner_lay.addWidget(dismiss)
        self.banner.hide()
        self._breakdown: Breakdown | None = None

        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addLayout(top)
        lay.addWidget(self.banner)
        lay.addWidget(self.chart, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.summary)
        lay.addLayout(bottom)

        # Ctrl+Z / Ctrl+Shift+Z are handled by the chart when it has the focus (a window-wide
        # shortcut here would clash with the other docks' undo)
        self.undo_button.setToolTip("Undo (Ctrl+Z in the chart)")
        self.redo_button.setToolTip("Redo (Ctrl+Shift+Z in the chart)")
        self.store.loaded.connect(self._on_loaded)
        self.store.message.connect(self._show_message)
        self.store.progress.connect(self._on_progress)
        self.store.optimising.connect(self._on_optimising)
        self.store.breakdown_found.connect(self._on_breakdown)
        self.store.repairing.connect(self._on_repairing)
        self.store.repaired.connect(self._on_repaired)
        self.chart.drag_feedback.connect(self._on_drag_feedback)
        self.chart.selection_changed.connect(self._on_selection)
        self._update_buttons()

    def start(self) -> None:
        self.store.start()

    # -- breakdown banner ----------------------------------------------------------------------
    def _on_breakdown(self, breakdown: Breakdown) -> None:
        self._breakdown = breakdown
        self.downtime.blockSignals(True)
        self.downtime.setValue((breakdown.until - breakdown.start).total_seconds() / 3600)
        self.downtime.blockSignals(False)
        self._show_breakdown()
        can = self.ctx.actor.can(Permission.SCHEDULE)
        self.repair_button.setEnabled(can and not self.store.is_repairing)
        self.downtime.setEnabled(can)
        self.banner.show()

    def breakdown_to_repair(self) -> Breakdown | None:
        """The breakdown shown, down for the hours in the banner's box."""
        b = self._breakdown
        if b is None:
            return None
        return replace(b, until=b.start + timedelta(hours=self.downtime.value()))

    def _show_breakdown(self) -> None:
        b = self.breakdown_to_repair()
        if b is not None:
            until = self.store.data.local(b.until)
            self.banner_label.setText(f"{b.text} (down until {until:%a %H:%M}) -")

    def _repair_clicked(self) -> None:
        breakdown = self.breakdown_to_repair()
        if breakdown is not None:
            self.store.repair(breakdown)

    def _on_repairing(self, running: bool) -> None:
        self.repair_button.setEnabled(not running and self.ctx.actor.can(Permission.SCHEDULE))
        self.repair_button.setText("Repairing…" if running else "Repair plan")

    def _on_repaired(self, result: RepairResult) -> None:
        self._breakdown = None
        self.banner.hide()
        self.status.setToolTip(repair_summary(result, tz=self.store.data.tz))

    # -- frozen horizon ------------------------------------------------------------------------
    def _frozen_edited(self) -> None:
        hours = round(self.frozen_box.value(), 1)
        if self.store.frozen_hours is not None and hours != self.store.frozen_hours:
            self.store.set_frozen_hours(hours)

    # -- scenario picker -----------------------------------------------------------------------
    def _on_loaded(self) -> None:
        if self.store.frozen_hours is not None and not self.frozen_box.hasFocus():
            self.frozen_box.blockSignals(True)
            self.frozen_box.setValue(self.store.frozen_hours)
            self.frozen_box.blockSignals(False)
        self.scenario_box.blockSignals(True)
        self.scenario_box.clear()
        for s in self.store.scenarios:
            mark = " [released]" if s.status is ScenarioStatus.RELEASED else ""
            self.scenario_box.addItem(f"{s.name}{mark}", s.id)
        if self.store.draft is not None:
            self.scenario_box.addItem("Unsaved first plan", None)
        index = self.scenario_box.findData(self.store.scenario_id)
        self.scenario_box.setCurrentIndex(max(index, 0))
        self.scenario_box.blockSignals(False)
        view = self.store.view
        if view is not None:
            self.summary.setText(
                f"{len(view.entries)} operations on {len(view.plant.work_centres)} work centres; "
                f"{len(view.late)} work orders late"
            )
        self._update_buttons()

    def _scenario_picked(self, index: int) -> None:
        sid = self.scenario_box.itemData(index)
        if sid:
            self.store.select_scenario(str(sid))

    def _update_buttons(self) -> None:
        planner = self.ctx.actor.can(Permission.SCHEDULE)
        can = self.store.can_edit
        busy = self.store.is_optimising
        scenario = self.store.current_scenario()
        self.optimise_button.setEnabled(planner and not busy)
        self.frozen_box.setEnabled(planner)
        self.repair_box.setEnabled(can and not busy)
        self.save_button.setVisible(self.store.draft is not None)
        self.save_button.setEnabled(planner and self.store.draft is not None)
        self.stop_button.setEnabled(busy)
        self.release_button.setEnabled(
            can and scenario is not None and scenario.status is not ScenarioStatus.RELEASED
        )

    # -- optimise ------------------------------------------------------------------------------
    def optimise(self) -> None:
        self.store.optimise(
            time_limit=self.time_limit.value(),
            objective=str(self.objective_box.currentData()),
            repair=self.repair_box.isChecked() and self.store.scenario_id is not None,
        )

    def _on_progress(self, item: ProgressDto) -> None:
        self.progress_label.setText(
            f"objective {item.objective:,.0f}  bound {item.bound:,.0f}  "
            f"gap {100 * item.gap:.1f}%  ({item.elapsed:.1f} s)"
        )

    def _on_optimising(self, running: bool) -> None:
        if running:
            self.progress_label.setText("solving…")
        elif self.store.last_progress is None:
            result = self.store.last_result
            text = ""
            if result is not None and result.solution.objective is not None:
                text = (
                    f"objective {result.solution.objective:,.0f} (the quick scheduler's plan: "
                    f"no better one found in {result.solution.solve_seconds:.1f} s)"
                )
            self.progress_label.setText(text)
        self._update_buttons()

    # -- messages ------------------------------------------------------------------------------
    def _show_message(self, text: str, error: bool) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("color: #b00020" if error else "")

    def _on_drag_feedback(self, text: str, valid: bool) -> None:
        self._show_message(text, not valid)

    def _on_selection(self, order: str) -> None:
        view = self.store.view
        if not order or view is None:
            return
        wo = view.plant.work_orders.get(order)
        if wo is not None:
            late = " - LATE" if order in view.late else ""
            self._show_message(
                f"{wo.number}: {wo.product_name}, due "
                f"{self.store.data.local(wo.due):%a %d %b %H:%M}{late}",
                False,
            )

    def _colour_changed(self, _index: int) -> None:
        self.chart.colour_mode = str(self.colour_box.currentData())
        self.chart.update()

    # -- compare -------------------------------------------------------------------------------
    def compare(self) -> None:
        self.store.compare(self._show_comparison)

    def _show_comparison(self, figures: list[ScenarioFigures]) -> None:
        dialog = QDialog(self)
        dialog.setWindowTitle("Compare scenarios")
        table = QTableWidget(len(figures), 7, dialog)
        table.setHorizontalHeaderLabels(
            [
                "Scenario",
                "Status",
                "Makespan (h)",
                "Weighted tardiness",
                "Late orders",
                "Setup (min)",
                "Utilisation",
            ]
        )
        for r, f in enumerate(figures):
            values = [
                f.name,
                f.status,
                f"{f.makespan_hours:.1f}",
                str(f.weighted_tardiness),
                str(f.late_work_orders),
                str(f.setup_minutes),
                f"{100 * f.utilisation:.1f}%",
            ]
            for c, v in enumerate(values):
                table.setItem(r, c, QTableWidgetItem(v))
        table.resizeColumnsToContents()
        lay = QVBoxLayout(dialog)
        lay.addWidget(table)
        dialog.resize(760, 300)
        self.comparison = dialog
        dialog.show()

    # -- export --------------------------------------------------------------------------------
    def _export_dialog(self, kind: str) -> None:
        filters = {"png": "PNG image (*.png)", "pdf": "PDF (*.pdf)", "csv": "CSV (*.csv)"}
        path, _ = QFileDialog.getSaveFileName(self, "Export", f"plan.{kind}", filters[kind])
        if path:
            self.export(kind, Path(path))

    def export(self, kind: str, path: Path) -> None:
        """Write the chart (png, pdf) or the plan (csv) to ``path`` off the GUI thread; the
        status line says when it is written or why not."""
        if kind == "csv":
            self.store.export_csv(path)
            return
        if kind == "png":  # grabbed here, encoded and written in the query pool
            job = self.ctx.runner.query(
                save_png, self.chart.grab().toImage(), path, name="gantt-png", owner=self
            )
        else:  # painted (recorded) here, drawn into the PDF and written in the query pool
            job = self.ctx.runner.query(
                save_pdf, record_chart(self.chart), path, name="gantt-pdf", owner=self
            )
        job.on_success(lambda written: self._show_message(f"Wrote {written}", False))
        job.on_failure(lambda exc: self._show_message(f"Not written: {describe(exc)}", True))


def repair_summary(result: RepairResult, limit: int = 25, *, tz: tzinfo = UTC) -> str:
    """The repair's diff as lines: operation, old start and work centre, new ones (on the
    clock of ``tz``)."""
    lines = [f"{len(result.changes)} operations moved, {result.unchanged} unchanged:"]
    for c in result.changes[:limit]:
        old, new = c.old_start.astimezone(tz), c.new_start.astimezone(tz)
        lines.append(
            f"{c.operation_id}: {old:%a %H:%M} {c.old_work_centre_id} -> "
            f"{new:%a %H:%M} {c.new_work_centre_id}"
        )
    if len(result.changes) > limit:
        lines.append(f"… and {len(result.changes) - limit} more")
    return "\n".join(lines)
