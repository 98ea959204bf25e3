"""HeatmapView: mean utilisation of each machine (rows) in each hour (columns) as an image."""

from __future__ import annotations

from datetime import UTC

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from services.dashboard.dtos import Heatmap, Window

MAX_ROW_LABELS = 40


class HeatmapView(pg.PlotWidget):  # type: ignore[misc]  # pyqtgraph ships no type hints
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("heatmap")
        self.image = pg.ImageItem(axisOrder="row-major")
        cmap = pg.colormap.get("viridis")
        self.image.setColorMap(cmap)
        self.addItem(self.image)
        self.bar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=cmap, interactive=False, width=12)
        self.bar.setImageItem(self.image, insert_in=self.getPlotItem())
        self.getPlotItem().invertY(True)
        self.setLabel("bottom", "hour (UTC)")
        self.data: np.ndarray = np.zeros((0, 0))

    def show_heatmap(self, heat: Heatmap, window: Window | None = None) -> None:
        """Show ``heat``; hours are labelled on the plant's clock (``window.tz``) when given."""
        zone = window.tz if window is not None else UTC
        self.setLabel("bottom", f"hour ({window.zone if window is not None else 'UTC'})")
        rows, cols = len(heat.machines), len(heat.hours)
        data = np.full((max(rows, 1), max(cols, 1)), np.nan)
        for i, row in enumerate(heat.values):
            for j, v in enumerate(row):
                if v is not None:
                    data[i, j] = v
        self.data = data
        self.image.setImage(data, levels=(0.0, 1.0), autoLevels=False)
        self.image.setRect(0, 0, data.shape[1], data.shape[0])
        left = self.getAxis("left")
        every = max(1, rows // MAX_ROW_LABELS)
        names = [(i + 0.5, name) for i, (_, name) in enumerate(heat.machines)]
        left.setTicks([names[::every]])
        step = max(1, cols // 12)
        bottom = self.getAxis("bottom")
        labels = [
            (j + 0.5, t.astimezone(zone).strftime("%H" if cols <= 24 else "%d %H"))
            for j, t in enumerate(heat.hours)
        ]
        bottom.setTicks([labels[::step]])
        seen = int(np.count_nonzero(~np.isnan(data)))
        self.setTitle(
            "Utilisation by machine and hour" if seen else "Utilisation: no samples in this window"
        )
