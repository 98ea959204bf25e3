"""DemandChart: a product's daily demand, and the stored forecast with its band."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from services.dashboard.dtos import DemandSeries


def _ts(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()


class DemandChart(pg.PlotWidget):  # type: ignore[misc]  # pyqtgraph ships no type hints
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, axisItems={"bottom": pg.DateAxisItem(utcOffset=0)})
        self.setLabel("bottom", "day")  # the plant's days, each drawn at its UTC midnight
        self.setObjectName("demand_chart")
        self.showGrid(x=True, y=True, alpha=0.2)
        self.setLabel("left", "units per day")
        self.history = self.plot([], [], pen=pg.mkPen("#9c9c9c", width=1.2))
        self.forecast = self.plot([], [], pen=pg.mkPen("#f28e2b", width=2))
        self.lower = pg.PlotDataItem([], [], pen=pg.mkPen(None))
        self.upper = pg.PlotDataItem([], [], pen=pg.mkPen(None))
        self.band = pg.FillBetweenItem(self.lower, self.upper, brush=pg.mkBrush(242, 142, 43, 70))
        self.addItem(self.lower)
        self.addItem(self.upper)
        self.addItem(self.band)
        self.band_points = 0

    def show_series(self, series: DemandSeries | None, product: str = "") -> None:
        if series is None:
            for item in (self.history, self.forecast, self.lower, self.upper):
                item.setData([], [])
            self.band.setVisible(False)
            self.band_points = 0
            self.setTitle("no demand history")
            return
        hx = np.array([_ts(d) for d, _ in series.history], float)
        hy = np.array([q for _, q in series.history], float)
        self.history.setData(hx, hy)
        fx = np.array([_ts(f.day) for f in series.forecast], float)
        self.forecast.setData(fx, np.array([f.quantity for f in series.forecast], float))
        banded = [f for f in series.forecast if f.lower is not None and f.upper is not None]
        bx = np.array([_ts(f.day) for f in banded], float)
        self.lower.setData(bx, np.array([f.lower for f in banded], float))
        self.upper.setData(bx, np.array([f.upper for f in banded], float))
        self.band_points = len(banded)
        # an empty fill's bounds sit at 0 (1970 on the date axis): keep it out of the range
        self.band.setVisible(bool(banded))
        if series.forecast:
            note = f"forecast: {series.model}"
            if series.forecast_created_at is not None:
                note += f" of {series.forecast_created_at:%d %b %H:%M}"
        else:
            note = "no stored forecast"
        self.setTitle(f"{product or series.product_id}: demand ({note})")
