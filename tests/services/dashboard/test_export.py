"""The dashboard snapshot as CSV files."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

from services.dashboard.export import write_csv
from services.dashboard.snapshot import last_hours, read_snapshot
from tests.conftest import NOW


def _read(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_csv_files_hold_the_snapshot(
    demo_sqlite_url: str, make_app: Callable[..., Any], tmp_path: Path
) -> None:
    snap = read_snapshot(make_app(demo_sqlite_url), last_hours(NOW, 24))
    written = write_csv(snap, tmp_path / "dash")
    names = [p.name for p in written]
    assert names == [
        "dash.csv",
        "dash-oee.csv",
        "dash-metric.csv",
        "dash-anomalies.csv",
        "dash-demand.csv",
        "dash-heatmap.csv",
        "dash-indices.csv",
    ]
    kpis = _read(tmp_path / "dash.csv")
    assert kpis[0][:3] == ["kpi", "label", "value"]
    by_key = {row[0]: row for row in kpis[1:]}
    oee = snap.kpi("oee").value
    assert oee is not None
    assert float(by_key["oee"][2]) == float(f"{oee:.6g}")
    heat = _read(tmp_path / "dash-heatmap.csv")
    assert len(heat) == 1 + len(snap.heatmap.machines)
    assert len(heat[0]) == 2 + len(snap.heatmap.hours)
    metric = _read(tmp_path / "dash-metric.csv")
    assert snap.metric is not None
    assert len(metric) == 1 + len(snap.metric.points)
    indices = _read(tmp_path / "dash-indices.csv")
    assert [r[1] for r in indices[1:]] == [str(i.number) for i in snap.indices]


def test_times_are_written_on_the_plants_clock(
    demo_sqlite_url: str, make_app: Callable[..., Any], tmp_path: Path
) -> None:
    from datetime import datetime

    from sqlalchemy import update

    from services.persistence.tables import plant

    app = make_app(demo_sqlite_url)
    with app.engine.begin() as conn:
        conn.execute(update(plant.plants).values(timezone="Europe/Berlin"))
    snap = read_snapshot(app, last_hours(NOW, 24))
    write_csv(snap, tmp_path / "dash")
    kpis = _read(tmp_path / "dash.csv")
    start = datetime.fromisoformat(kpis[1][4])
    assert start == snap.window.start  # the same moment...
    assert kpis[1][4].endswith("+01:00")  # ...as the plant's clock says it (November: CET)
    heat = _read(tmp_path / "dash-heatmap.csv")
    assert all(h.endswith("+01:00") for h in heat[0][2:])
    assert datetime.fromisoformat(heat[0][2]) == snap.heatmap.hours[0]
    metric = _read(tmp_path / "dash-metric.csv")
    assert all(row[2].endswith("+01:00") for row in metric[1:])
