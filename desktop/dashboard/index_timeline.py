"""IndexTimeline: the day's indices, planned (grey) above actual (coloured by productivity)."""

from __future__ import annotations

from datetime import date

import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from desktop.dashboard.zone_axis import time_axis
from services.dashboard.dtos import IndexRow


def _colour(productivity: float | None) -> str:
    if productivity is None:
        return "#9c9c9c"
    if productivity >= 0.75:
        return "#59a14f"
    if productivity >= 0.6:
        return "#edc948"
    return "#e15759"


class IndexTimeline(pg.PlotWidget):  # type: ignore[misc]  # pyqtgraph ships no type hints
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, axisItems={"bottom": time_axis()})
        self.setLabel("bottom", "UTC")  # the plant's zone once a snapshot is shown
        self.setObjectName("index_timeline")
        self.getPlotItem().invertY(True)
        self.setLabel("left", "index")
        self.planned = pg.BarGraphItem(x0=[], x1=[], y0=[], y1=[], brush="#6b6b6b")
        self.actual = pg.BarGraphItem(x0=[], x1=[], y0=[], y1=[])
        self.addItem(self.planned)
        self.addItem(self.actual)
        self.labels: list[pg.TextItem] = []
        self.actual_count = 0

    def show_indices(self, day: date | None, rows: tuple[IndexRow, ...]) -> None:
        for label in self.labels:
            self.removeItem(label)
        self.labels = []
        n = [r.number for r in rows]
        self.planned.setOpts(
            x0=[r.scheduled_start.timestamp() for r in rows],
            x1=[r.scheduled_end.timestamp() for r in rows],
            y0=[i - 0.4 for i in n],
            y1=[i - 0.05 for i in n],
        )
        done = [r for r in rows if r.actual_start is not None and r.actual_end is not None]
        self.actual.setOpts(
            x0=[r.actual_start.timestamp() for r in done if r.actual_start],
            x1=[r.actual_end.timestamp() for r in done if r.actual_end],
            y0=[r.number + 0.05 for r in done],
            y1=[r.number + 0.4 for r in done],
            brushes=[pg.mkBrush(_colour(r.productivity)) for r in done],
        )
        self.actual_count = len(done)
        for r in done:
            if r.productivity is None or r.actual_end is None:
                continue
            text = pg.TextItem(f"{r.productivity:.0%}", anchor=(0, 0.5), color="#dddddd")
            text.setPos(r.actual_end.timestamp(), r.number + 0.22)
            self.addItem(text)
            self.labels.append(text)
        self.getAxis("left").setTicks([[(i, str(i)) for i in n]])
        when = f"{day:%a %d %b}" if day else ""
        if not rows:
            self.setTitle(f"Index timeline {when}: no day schedule")
        elif not done:
            self.setTitle(f"Index timeline {when}: planned only, nothing recorded yet")
        else:
            active = sum(r.active_s for r in rows)
            seen = active + sum(r.idle_s for r in rows)
            score = f", day {active / seen:.0%} productive" if seen > 0 else ""
            self.setTitle(f"Index timeline {when}: planned (grey) vs actual{score}")
