"""The dashboard: KPI cards on top; the machine metric chart, demand with its forecast band, the
utilisation heatmap and the index timeline below; an OEE table by line and machine. Figures are
read by the store off the GUI thread and refresh live; PNG/CSV export and the handover PDF."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.context import DesktopContext
from desktop.dashboard.demand_chart import DemandChart
from desktop.dashboard.handover_pdf import write_handover_pdf
from desktop.dashboard.heatmap_view import HeatmapView
from desktop.dashboard.index_timeline import IndexTimeline
from desktop.dashboard.kpi_card import KpiCard
from desktop.dashboard.metric_chart import MetricChart
from desktop.dashboard.store import WINDOWS, DashboardStore
from desktop.dashboard.zone_axis import keep_zone
from desktop.export_file import save_png
from desktop.messages import describe
from domain.auth import Actor
from services.analytics.jobs import JOB_TITLES, JobSummary, permitted_jobs, run_permitted_jobs
from services.bootstrap import App
from services.dashboard.dtos import METRICS, DashboardSnapshot
from services.dashboard.export import file_names, write_csv
from services.dashboard.handover import read_handover

log = logging.getLogger(__name__)


def print_handover(app: App, actor: Actor, path: str | Path) -> Path:
    """Read the handover report and print it to ``path``; returns the path written."""
    return write_handover_pdf(read_handover(app, actor), path)


KPI_KEYS = (
    ("oee", "OEE (plant)"),
    ("output_vs_plan", "Output vs plan"),
    ("on_time", "On-time completion"),
    ("active_ratio", "Active / observed"),
    ("attendance", "Attendance"),
)
OEE_COLUMNS = ("scope", "name", "OEE", "availability", "performance", "quality", "units")


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.1f} %"


class DashboardWidget(QWidget):
    def __init__(
        self, ctx: DesktopContext, parent: QWidget | None = None, *, throttle_ms: int = 2_000
    ) -> None:
        super().__init__(parent)
        self.setObjectName("Dashboard")
        self.ctx = ctx
        self.store = DashboardStore(ctx, self, throttle_ms=throttle_ms)
        self._filling = False

        # -- toolbar -------------------------------------------------------------------------
        self.window_pick = QComboBox()
        for label, hours in WINDOWS:
            self.window_pick.addItem(label, hours)
        self.window_pick.setCurrentIndex(1)
        self.machine_pick = QComboBox()
        self.metric_pick = QComboBox()
        for key, label in METRICS.items():
            self.metric_pick.addItem(label, key)
        self.product_pick = QComboBox()
        for combo in (self.machine_pick, self.product_pick):
            combo.setMinimumContentsLength(20)
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
        self.csv_button = QPushButton("Export CSV…")
        self.png_button = QPushButton("Export PNG…")
        self.handover_button = QPushButton("Handover report…")
        # the analytics jobs this user may run (demand: planners, absence: shift leads, all: admin)
        self.jobs = permitted_jobs(ctx.actor)
        self.jobs_button = QPushButton("Run forecasts now")
        self.jobs_button.setVisible(bool(self.jobs))
        self.jobs_button.setToolTip("Run now: " + ", ".join(JOB_TITLES[j] for j in self.jobs))
        self.jobs_status = QLabel("")  # the last run's outcome (the status line shows the window)
        self.status = QLabel("")
        top = QHBoxLayout()
        for w in (QLabel("Window"), self.window_pick, QLabel("Machine"), self.machine_pick):
            top.addWidget(w)
        for w in (self.metric_pick, QLabel("Product"), self.product_pick):
            top.addWidget(w)
        top.addStretch(1)
        top.addWidget(self.status)
        top.addWidget(self.jobs_status)
        for button in (self.jobs_button, self.csv_button, self.png_button, self.handover_button):
            top.addWidget(button)

        # -- KPI cards -----------------------------------------------------------------------
        self.cards = {key: KpiCard(key, label) for key, label in KPI_KEYS}
        cards = QHBoxLayout()
        for card in self.cards.values():
            cards.addWidget(card)

        # -- charts --------------------------------------------------------------------------
        self.metric_chart = MetricChart()
        self.demand_chart = DemandChart()
        self.heatmap = HeatmapView()
        self.timeline = IndexTimeline()
        grid = QWidget()
        g = QGridLayout(grid)
        g.setContentsMargins(0, 0, 0, 0)
        g.addWidget(self.metric_chart, 0, 0)
        g.addWidget(self.demand_chart, 0, 1)
        g.addWidget(self.heatmap, 1, 0)
        g.addWidget(self.timeline, 1, 1)
        self.oee_table = QTableWidget(0, len(OEE_COLUMNS))
        self.oee_table.setHorizontalHeaderLabels(OEE_COLUMNS)
        self.oee_table.verticalHeader().setVisible(False)
        self.oee_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.notes = QLabel("")
        self.notes.setWordWrap(True)
        tabs = QTabWidget()
        tabs.addTab(self.oee_table, "OEE by line and machine")
        tabs.addTab(self.notes, "Data notes")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(grid)
        split.addWidget(tabs)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)

        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addLayout(cards)
        lay.addWidget(split, 1)

        self.window_pick.currentIndexChanged.connect(self._on_pick)
        self.machine_pick.currentIndexChanged.connect(self._on_pick)
        self.metric_pick.currentIndexChanged.connect(self._on_pick)
        self.product_pick.currentIndexChanged.connect(self._on_pick)
        self.csv_button.clicked.connect(self._ask_csv)
        self.png_button.clicked.connect(self._ask_png)
        self.handover_button.clicked.connect(self._ask_handover)
        self.jobs_button.clicked.connect(self.run_jobs)
        self.store.snapshot_changed.connect(self._show)
        self.store.loading_changed.connect(self._on_loading)
        self.store.failed.connect(self._on_failed)

    def start(self) -> None:
        self.store.start()

    def stop(self) -> None:
        self.store.stop()

    # -- showing -----------------------------------------------------------------------------
    def _show(self, snap: DashboardSnapshot) -> None:
        for kpi in snap.kpis:
            card = self.cards.get(kpi.key)
            if card is not None:
                card.show_kpi(kpi)
        self._fill_pickers(snap)
        names = dict(snap.machines)
        metric = snap.metric
        self.metric_chart.show_series(metric, names.get(metric.machine_id, "") if metric else "")
        products = dict(snap.products)
        demand = snap.demand
        self.demand_chart.show_series(demand, products.get(demand.product_id, "") if demand else "")
        self.heatmap.show_heatmap(snap.heatmap, snap.window)
        self.timeline.show_indices(snap.index_day, snap.indices)
        for chart in (self.metric_chart, self.timeline):
            keep_zone(chart, snap.window)
        self._fill_oee(snap)
        self.notes.setText("\n".join(snap.notes) or "Every chart has data.")
        w = snap.window
        start, end = w.local(w.start), w.local(w.end)
        self.status.setText(f"{start:%d %b %H:%M} – {end:%d %b %H:%M} {w.zone}")

    def _fill_pickers(self, snap: DashboardSnapshot) -> None:
        self._filling = True
        try:
            for combo, items, chosen in (
                (self.machine_pick, snap.machines, snap.metric.machine_id if snap.metric else None),
                (self.product_pick, snap.products, snap.demand.product_id if snap.demand else None),
            ):
                known = [combo.itemData(i) for i in range(combo.count())]
                if known != [i for i, _ in items]:
                    combo.clear()
                    for item_id, name in items:
                        combo.addItem(name, item_id)
                if chosen is not None:
                    combo.setCurrentIndex(combo.findData(chosen))
        finally:
            self._filling = False

    def _fill_oee(self, snap: DashboardSnapshot) -> None:
        t = self.oee_table
        t.setRowCount(len(snap.oee))
        for i, r in enumerate(snap.oee):
            cells = (
                r.scope,
                r.name,
                _pct(r.oee),
                _pct(r.availability),
                _pct(r.performance),
                _pct(r.quality),
                f"{r.units:,}",
            )
            for j, text in enumerate(cells):
                t.setItem(i, j, QTableWidgetItem(text))
        t.resizeColumnsToContents()

    def _on_pick(self) -> None:
        if self._filling:
            return
        self.store.set_query(
            hours=float(self.window_pick.currentData()),
            machine_id=self.machine_pick.currentData(),
            metric=str(self.metric_pick.currentData()),
            product_id=self.product_pick.currentData(),
        )

    def _on_loading(self, loading: bool) -> None:
        if loading and self.store.snapshot is None:
            self.status.setText("Reading…")

    def _on_failed(self, message: str) -> None:
        self.status.setText("Could not read the dashboard")
        self.notes.setText(message)
        log.warning("dashboard read failed: %s", message)

    # -- export ------------------------------------------------------------------------------
    def export_png(self, path: str | Path) -> Path:
        """Save what the dashboard shows now as a PNG image (a grab of the widget)."""
        return save_png(self.grab().toImage(), path)

    def export_csv(self, path: str | Path) -> None:
        """Write the snapshot's tables as CSV files, off the GUI thread."""
        snap = self.store.snapshot
        if snap is None:
            self._tell("Nothing to export yet: the dashboard is still reading.")
            return
        self.ctx.runner.query(write_csv, snap, path, name="dashboard-csv", owner=self).on_success(
            lambda written: self.status.setText(f"Exported {file_names(written)}")
        ).on_failure(self._on_export_failed)

    def write_handover(self, path: str | Path) -> None:
        """Read the handover report and print it to ``path`` as a PDF, off the GUI thread
        (QTextDocument and QPdfWriter need no widgets)."""
        job = self.ctx.runner.query(
            print_handover, self.ctx.app, self.ctx.actor, path, name="handover", owner=self
        )
        job.on_success(
            lambda written: self.status.setText(f"Handover report written to {written.name}")
        ).on_failure(self._on_export_failed)

    def run_jobs(self) -> None:
        """Run the analytics jobs this user may run, off the GUI thread; the charts re-read
        when their change events arrive."""
        if not self.jobs or not self.jobs_button.isEnabled():
            return
        self.jobs_button.setEnabled(False)
        self.jobs_status.setText("Running forecasts…")
        job = self.ctx.runner.query(
            run_permitted_jobs, self.ctx.app, self.ctx.actor, name="analytics-jobs", owner=self
        )
        job.on_success(self._jobs_done).on_failure(self._jobs_failed)
        job.on_finished(lambda: self.jobs_button.setEnabled(True))

    def _jobs_done(self, summaries: list[JobSummary]) -> None:
        done = [f"{JOB_TITLES[s.job]}: {s.rows_written} rows" for s in summaries]
        self.jobs_status.setText("Stored " + "; ".join(done))
        self.store.reload()

    def _jobs_failed(self, exc: BaseException) -> None:
        self.jobs_status.setText("Forecasts not stored")
        self._tell(describe(exc))

    def _on_export_failed(self, exc: BaseException) -> None:
        self._tell(describe(exc))

    def _tell(self, message: str) -> None:
        self.status.setText(message.splitlines()[0] if message else "")
        if self.isVisible():
            QMessageBox.warning(self, "Dashboard", message)

    # -- file dialogs ----------------------------------------------------------------------
    def _ask_csv(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export CSV", "dashboard.csv", "CSV (*.csv)")
        if path:
            self.export_csv(path)

    def _ask_png(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export PNG", "dashboard.png", "PNG (*.png)")
        if path:
            # grabbed here, encoded and written (some hundred KB) in the runner's query pool
            image = self.grab().toImage()
            job = self.ctx.runner.query(save_png, image, path, name="dashboard-png", owner=self)
            job.on_success(
                lambda written: self.status.setText(f"Exported {written.name}")
            ).on_failure(self._on_export_failed)

    def _ask_handover(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Handover report", "handover.pdf", "PDF (*.pdf)"
        )
        if path:
            self.write_handover(path)
