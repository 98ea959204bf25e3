"""Chart time axes on the plant's clock: a DateAxisItem labels times at a fixed offset from
UTC, the plant's offset at the end of the window shown (a window across a change of the clocks
is labelled at the later offset)."""

from __future__ import annotations

import pyqtgraph as pg

from services.dashboard.dtos import Window


def time_axis() -> pg.DateAxisItem:
    """A bottom axis labelled in UTC until :func:`keep_zone` is given a window."""
    return pg.DateAxisItem(utcOffset=0)


def keep_zone(plot: pg.PlotWidget, window: Window) -> None:
    """Label ``plot``'s bottom axis in the plant's time (``window.tz``) and name the zone."""
    axis = plot.getAxis("bottom")
    axis.utcOffset = -window.utc_offset()  # pyqtgraph counts seconds west of UTC
    axis.picture = None  # draw the labels again at the new offset
    axis.update()
    plot.setLabel("bottom", window.zone)
