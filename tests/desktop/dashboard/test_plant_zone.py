"""The dashboard on the plant's clock: with the demo plant in Asia/Kolkata (UTC+5:30), the
last 24 hours before 09:00 UTC run from 14:30 to 14:30 local time across the plant's midnight;
the status line, the heatmap's hours and the charts' time axes say so."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import update

from desktop.dashboard.handover_pdf import handover_html
from desktop.dashboard.widget import DashboardWidget
from services.clock import FixedClock
from services.dashboard.handover import read_handover
from services.persistence.tables import plant
from tests.conftest import NOW

pytestmark = pytest.mark.gui


@pytest.fixture
def dashboard(demo_sqlite_url: str, make_app: Any, make_ctx: Any, qtbot: Any) -> Any:
    app = make_app(demo_sqlite_url, user="lead", clock=FixedClock(NOW))
    with app.engine.begin() as conn:
        conn.execute(update(plant.plants).values(timezone="Asia/Kolkata"))
    widget = DashboardWidget(make_ctx(app), throttle_ms=50)
    qtbot.addWidget(widget)
    widget.resize(1400, 900)
    widget.show()
    widget.start()
    qtbot.waitUntil(lambda: widget.store.snapshot is not None, timeout=20_000)
    yield widget
    widget.stop()


def test_times_are_shown_on_the_plants_clock(dashboard: DashboardWidget) -> None:
    assert (NOW.hour, NOW.minute) == (9, 0)  # 14:30 in Kolkata
    assert dashboard.status.text() == "15 Nov 14:30 – 16 Nov 14:30 Asia/Kolkata"
    hours = dashboard.heatmap.getAxis("bottom")
    assert hours.labelText == "hour (Asia/Kolkata)"
    labels = [text for _x, text in hours._tickLevels[0]]
    assert labels[0] == "15 14"  # the column of 14:00-15:00 local, not 09 (UTC)
    assert "16 00" in labels  # the plant's midnight is a column boundary
    for chart in (dashboard.metric_chart, dashboard.timeline):
        axis = chart.getAxis("bottom")
        assert axis.labelText == "Asia/Kolkata"
        assert axis.utcOffset == -(5 * 3600 + 30 * 60)  # pyqtgraph: seconds west of UTC
        # a tick at 18:30 UTC (the plant's midnight) is labelled 00:00
        stamp = NOW.replace(hour=18, minute=30).timestamp()
        axis.tickValues(stamp - 6 * 3600, stamp + 6 * 3600, 800)  # picks the zoom level
        assert axis.tickStrings([stamp], 1.0, 3600)[0] == "00:00"


def test_the_handover_report_gives_the_shift_in_local_time(dashboard: DashboardWidget) -> None:
    app = dashboard.ctx.app
    report = read_handover(app, app.actor("lead"), datetime(2026, 11, 16, 1, 0, tzinfo=UTC))
    html = handover_html(report)  # 06:30 in Kolkata: the early shift began at 06:00 local
    assert "16 Nov 06:00 – 16 Nov 06:30 (Asia/Kolkata)" in html
