"""MetricChart: one machine's metric over the window, anomaly predictions as red markers."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from desktop.dashboard.zone_axis import time_axis
from services.dashboard.dtos import METRICS, MetricSeries


class MetricChart(pg.PlotWidget):  # type: ignore[misc]  # pyqtgraph ships no type hints
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, axisItems={"bottom": time_axis()})
        self.setLabel("bottom", "UTC")  # the plant's zone once a snapshot is shown
        self.setObjectName("metric_chart")
        self.showGrid(x=True, y=True, alpha=0.2)
        self.curve = self.plot([], [], pen=pg.mkPen("#4e79a7", width=1.5))
        self.markers = pg.ScatterPlotItem(
            size=11, symbol="x", pen=pg.mkPen("#e15759", width=2), brush=pg.mkBrush("#e15759")
        )
        self.addItem(self.markers)
        self.marker_count = 0

    def show_series(self, series: MetricSeries | None, machine: str = "") -> None:
        if series is None or not series.points:
            self.curve.setData([], [])
            self.markers.setData([], [])
            self.marker_count = 0
            self.setTitle(f"{machine}: no samples in this window" if machine else "no machines")
            return
        x = np.fromiter((t.timestamp() for t, _ in series.points), float, len(series.points))
        y = np.fromiter((v for _, v in series.points), float, len(series.points))
        self.curve.setData(x, y)
        marks = [(a.at.timestamp(), a.value) for a in series.anomalies if a.value is not None]
        self.markers.setData(
            [m[0] for m in marks],
            [m[1] for m in marks],
            data=[
                f"score {a.score:.2f} ({a.model})" for a in series.anomalies if a.value is not None
            ],
        )
        self.marker_count = len(marks)
        label = METRICS.get(series.metric, series.metric)
        extra = f", {len(marks)} anomalies" if marks else ", no anomalies stored"
        self.setTitle(f"{machine}: {label}{extra}")
        self.setLabel("left", label)
