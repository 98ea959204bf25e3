"""The dashboard's "Run forecasts now": shown to users who may run an analytics job, it runs
them off the GUI thread and the demand chart gets the stored forecast band; a viewer has no
such button."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from desktop.dashboard.widget import DashboardWidget
from services.clock import FixedClock
from tests.conftest import NOW

pytestmark = pytest.mark.gui


def dashboard(app: Any, make_ctx: Any, qtbot: Any, user: str) -> DashboardWidget:
    widget = DashboardWidget(make_ctx(app, app.actor(user)), throttle_ms=50)
    qtbot.addWidget(widget)
    widget.resize(1400, 900)
    widget.show()
    widget.start()
    qtbot.waitUntil(lambda: widget.store.snapshot is not None, timeout=20_000)
    return widget


def forecast_days(widget: DashboardWidget) -> int:
    snap = widget.store.snapshot
    return len(snap.demand.forecast) if snap is not None and snap.demand is not None else 0


def test_a_planner_runs_the_demand_forecast_and_sees_its_band(
    demo_sqlite_url: str, make_app: Any, make_ctx: Any, qtbot: Any
) -> None:
    app = make_app(demo_sqlite_url, clock=FixedClock(NOW))
    widget = dashboard(app, make_ctx, qtbot, "planner")
    try:
        assert widget.jobs == ["demand_forecast"]
        assert widget.jobs_button.isVisible()
        snap = widget.store.snapshot
        assert snap is not None
        assert snap.demand is not None
        assert not snap.demand.forecast
        qtbot.mouseClick(widget.jobs_button, Qt.MouseButton.LeftButton)
        assert not widget.jobs_button.isEnabled()  # no second run while one is running
        qtbot.waitUntil(lambda: widget.jobs_button.isEnabled(), timeout=60_000)
        assert widget.jobs_status.text() == "Stored demand forecast: 336 rows"  # 12 products x 28
        qtbot.waitUntil(lambda: forecast_days(widget) > 0, timeout=20_000)
        assert forecast_days(widget) == 28
    finally:
        widget.stop()


def test_a_viewer_has_no_run_button(
    demo_sqlite_url: str, make_app: Any, make_ctx: Any, qtbot: Any
) -> None:
    app = make_app(demo_sqlite_url, clock=FixedClock(NOW))
    widget = dashboard(app, make_ctx, qtbot, "viewer")
    try:
        assert widget.jobs == []
        assert not widget.jobs_button.isVisible()
        widget.run_jobs()  # nothing to run: nothing happens
        assert widget.jobs_status.text() == ""
    finally:
        widget.stop()
