"""The dashboard under pytest-qt on the demo plant: KPI cards show the database's figures, a
change event from the feed refreshes them, the clock timer moves the window, anomaly markers and
the forecast band are drawn, PNG/CSV export and the handover PDF are written."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QImage
from sqlalchemy import insert, select, update

from desktop.dashboard.store import DashboardStore
from desktop.dashboard.widget import DashboardWidget
from domain.events import Change, Topic
from services.analytics.cache import DEMAND, invalidate
from services.clock import FixedClock
from services.dashboard.snapshot import last_hours, read_snapshot
from services.persistence.tables import people, system
from tests.conftest import NOW

pytestmark = pytest.mark.gui


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def app(demo_sqlite_url: str, make_app: Any, clock: FixedClock) -> Any:
    return make_app(demo_sqlite_url, user="lead", clock=clock)


@pytest.fixture
def dashboard(app: Any, make_ctx: Any, qtbot: Any) -> Any:
    ctx = make_ctx(app)
    widget = DashboardWidget(ctx, throttle_ms=50)
    qtbot.addWidget(widget)
    widget.resize(1400, 900)
    widget.show()
    widget.start()
    qtbot.waitUntil(lambda: widget.store.snapshot is not None, timeout=20_000)
    yield widget
    widget.stop()


def test_cards_show_the_kpis_of_the_demo_database(dashboard: Any, app: Any) -> None:
    expected = read_snapshot(app, last_hours(NOW, 24))
    for kpi in expected.kpis:
        card = dashboard.cards[kpi.key]
        assert card.value.text() == kpi.text
        assert card.detail.text() == kpi.detail
    assert dashboard.cards["oee"].value.text().endswith("%")
    assert dashboard.cards["attendance"].value.text() != "no data"
    # the charts got the snapshot: 24 machines in the heatmap and the picker, 11 indices
    assert dashboard.heatmap.data.shape == (24, 24)
    assert dashboard.machine_pick.count() == 24
    assert dashboard.timeline.actual_count == 11
    assert dashboard.oee_table.rowCount() == 1 + 3 + 24
    assert dashboard.oee_table.item(0, 2).text() == expected.kpi("oee").text


def test_a_change_event_refreshes_the_cards(dashboard: Any, app: Any, qtbot: Any) -> None:
    before = dashboard.cards["attendance"].value.text()
    reads = dashboard.store.reads
    att = people.attendance
    day = (NOW - timedelta(days=1)).date()
    with app.uow(app.actor()) as uow:
        uow.conn.execute(update(att).where(att.c.day == day).values(present=False))
        uow.record(Change(Topic.ROSTER, "attendance_recorded", (day.isoformat(),)))
        uow.commit()
    expected = read_snapshot(app, last_hours(NOW, 24)).kpi("attendance").text
    assert expected != before
    qtbot.waitUntil(lambda: dashboard.cards["attendance"].value.text() == expected, timeout=10_000)
    assert dashboard.store.reads > reads


def test_ignored_topics_do_not_refresh(dashboard: Any, app: Any, qtbot: Any) -> None:
    reads = dashboard.store.reads
    with app.uow(app.actor()) as uow:
        uow.record(Change(Topic.USER, "password_changed", ("viewer",)))
        uow.commit()
    with qtbot.assertNotEmitted(dashboard.store.snapshot_changed, wait=800):
        pass
    assert dashboard.store.reads == reads


def test_the_clock_timer_moves_the_window(
    app: Any, make_ctx: Any, clock: FixedClock, qtbot: Any
) -> None:
    store = DashboardStore(make_ctx(app), refresh_ms=100)
    store.start()
    try:
        qtbot.waitUntil(lambda: store.snapshot is not None, timeout=20_000)
        assert store.snapshot.window.end == NOW
        clock.advance(hours=1)
        qtbot.waitUntil(
            lambda: store.snapshot.window.end == NOW + timedelta(hours=1), timeout=20_000
        )
    finally:
        store.stop()


def test_picking_a_machine_shows_its_anomaly_markers(dashboard: Any, app: Any, qtbot: Any) -> None:
    machine = dashboard.machine_pick.itemData(3)
    with app.engine.begin() as conn:
        conn.execute(
            insert(system.anomaly_predictions).values(
                machine_id=machine,
                at=NOW - timedelta(hours=2),
                metric="temperature_c",
                score=0.9,
                is_anomaly=True,
                model="iforest",
            )
        )
        product = conn.execute(select(system.demand_history.c.product_id).limit(1)).scalar_one()
        conn.execute(
            insert(system.demand_forecasts),
            [
                {
                    "product_id": product,
                    "day": NOW.date() + timedelta(days=d),
                    "quantity": 20.0,
                    "lower": 15.0,
                    "upper": 25.0,
                    "model": "gbm",
                    "created_at": datetime(2026, 11, 15, tzinfo=UTC),
                }
                for d in range(5)
            ],
        )
    invalidate(app, DEMAND)  # what the forecast job does after it writes (the prediction cache)
    dashboard.machine_pick.setCurrentIndex(3)
    qtbot.waitUntil(lambda: dashboard.store.snapshot.metric.machine_id == machine, timeout=10_000)
    assert dashboard.metric_chart.marker_count == 1
    dashboard.product_pick.setCurrentIndex(dashboard.product_pick.findData(product))
    qtbot.waitUntil(lambda: dashboard.demand_chart.band_points == 5, timeout=10_000)


def test_export_png_and_csv(dashboard: Any, qtbot: Any, tmp_path: Path) -> None:
    png = dashboard.export_png(tmp_path / "dash.png")
    image = QImage(str(png))
    assert not image.isNull()
    assert image.width() == dashboard.width()
    assert image.height() == dashboard.height()

    dashboard.export_csv(tmp_path / "dash.csv")
    qtbot.waitUntil(lambda: dashboard.status.text().startswith("Exported"), timeout=10_000)
    with (tmp_path / "dash.csv").open(newline="", encoding="utf-8") as fh:
        rows = {r[0]: r for r in csv.reader(fh)}
    oee = dashboard.store.snapshot.kpi("oee").value
    assert float(rows["oee"][2]) == pytest.approx(oee, rel=1e-5)
    assert (tmp_path / "dash-heatmap.csv").stat().st_size > 0
    assert (tmp_path / "dash-indices.csv").exists()


def test_handover_pdf_is_written(dashboard: Any, qtbot: Any, tmp_path: Path) -> None:
    target = tmp_path / "handover.pdf"
    dashboard.write_handover(target)
    qtbot.waitUntil(lambda: "Handover report written" in dashboard.status.text(), timeout=20_000)
    data = target.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(data) > 5_000


def test_a_failed_read_says_why_and_the_next_read_recovers(
    dashboard: Any, app: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import desktop.dashboard.store as store_module
    from services.errors import DatabaseUnavailable

    real = store_module.read_snapshot

    def down(*args: Any, **kwargs: Any) -> Any:
        raise DatabaseUnavailable("the database server at db:5432 does not answer")

    monkeypatch.setattr(store_module, "read_snapshot", down)
    shown = dashboard.cards["oee"].value.text()
    dashboard.store.reload()
    qtbot.waitUntil(
        lambda: dashboard.status.text() == "Could not read the dashboard", timeout=10_000
    )
    assert "does not answer" in dashboard.notes.text()
    assert "Traceback" not in dashboard.notes.text()
    assert dashboard.cards["oee"].value.text() == shown  # the last figures stay

    monkeypatch.setattr(store_module, "read_snapshot", real)
    reads = dashboard.store.reads
    dashboard.store.reload()
    qtbot.waitUntil(lambda: dashboard.store.reads > reads, timeout=10_000)
    assert dashboard.status.text().endswith("UTC")
