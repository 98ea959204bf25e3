"""A dashboard snapshot as tables, and those tables as CSV files.

One snapshot holds several tables of different shapes (KPIs, OEE, the metric series, demand,
the heatmap, the index timeline), so ``write_csv(snapshot, "dash.csv")`` writes ``dash.csv``
with the KPIs and one file per other table next to it (``dash-oee.csv``, ...). Times are written
on the plant's clock, as the dashboard shows them, with their offset (ISO 8601,
``2026-11-16T10:00:00+01:00``), so they read as the screen and still compare exactly.
"""

from __future__ import annotations

import bisect
import csv
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path

from services.dashboard.dtos import DashboardSnapshot


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    header: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]


def _cell(v: object, tz: tzinfo | None = None) -> object:
    if v is None:
        return ""
    if isinstance(v, datetime) and v.tzinfo is not None and tz is not None:
        return v.astimezone(tz).isoformat()
    if isinstance(v, datetime | date):
        return v.isoformat()
    if isinstance(v, float):
        return f"{v:.6g}"
    return v


def tables(snap: DashboardSnapshot) -> list[Table]:
    out = [
        Table(
            "kpis",
            ("kpi", "label", "value", "detail", "window_start", "window_end"),
            tuple(
                (k.key, k.label, k.value, k.detail, snap.window.start, snap.window.end)
                for k in snap.kpis
            ),
        ),
        Table(
            "oee",
            (
                "scope",
                "id",
                "name",
                "line_id",
                "availability",
                "performance",
                "quality",
                "oee",
                "units",
                "planned_hours",
            ),
            tuple(
                (
                    r.scope,
                    r.id,
                    r.name,
                    r.line_id,
                    r.availability,
                    r.performance,
                    r.quality,
                    r.oee,
                    r.units,
                    r.planned_hours,
                )
                for r in snap.oee
            ),
        ),
    ]
    if snap.metric is not None:
        m = snap.metric
        times = [at for at, _ in m.points]
        # a marker sits on the last sample at or before it (as the chart draws it)
        marked = {bisect.bisect_right(times, a.at) - 1 for a in m.anomalies}
        out.append(
            Table(
                "metric",
                ("machine_id", "metric", "at", "value", "anomaly"),
                tuple(
                    (m.machine_id, m.metric, at, v, i in marked)
                    for i, (at, v) in enumerate(m.points)
                ),
            )
        )
        out.append(
            Table(
                "anomalies",
                ("machine_id", "metric", "at", "score", "value", "model"),
                tuple(
                    (m.machine_id, a.metric, a.at, a.score, a.value, a.model) for a in m.anomalies
                ),
            )
        )
    if snap.demand is not None:
        d = snap.demand
        rows: list[tuple[object, ...]] = [
            (d.product_id, day, "history", q, None, None, None) for day, q in d.history
        ]
        rows += [
            (d.product_id, f.day, "forecast", f.quantity, f.lower, f.upper, d.model)
            for f in d.forecast
        ]
        out.append(
            Table(
                "demand",
                ("product_id", "day", "kind", "quantity", "lower", "upper", "model"),
                tuple(rows),
            )
        )
    h = snap.heatmap
    out.append(
        Table(
            "heatmap",
            ("machine_id", "machine", *(snap.window.local(t).isoformat() for t in h.hours)),
            tuple((mid, name, *h.values[i]) for i, (mid, name) in enumerate(h.machines)),
        )
    )
    out.append(
        Table(
            "indices",
            (
                "day",
                "index",
                "scheduled_start",
                "scheduled_end",
                "actual_start",
                "actual_end",
                "active_s",
                "idle_s",
                "productivity",
                "completion",
                "source",
            ),
            tuple(
                (
                    snap.index_day,
                    i.number,
                    i.scheduled_start,
                    i.scheduled_end,
                    i.actual_start,
                    i.actual_end,
                    i.active_s,
                    i.idle_s,
                    i.productivity,
                    i.completion,
                    i.source,
                )
                for i in snap.indices
            ),
        )
    )
    return out


def write_table(table: Table, path: Path, tz: tzinfo | None = None) -> None:
    """Write ``table``; aware times on the clock of ``tz`` (None: as they are)."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(table.header)
        for row in table.rows:
            writer.writerow([_cell(v, tz) for v in row])


def write_csv(snap: DashboardSnapshot, path: str | Path) -> list[Path]:
    """Write ``path`` (the KPIs) and ``<stem>-<table>.csv`` for every other table; returns
    the files written, the KPI file first."""
    main = Path(path)
    if main.suffix.lower() != ".csv":
        main = main.with_suffix(".csv")
    written: list[Path] = []
    for table in tables(snap):
        target = main if table.name == "kpis" else main.with_name(f"{main.stem}-{table.name}.csv")
        write_table(table, target, snap.window.tz)
        written.append(target)
    return written


def file_names(written: Sequence[Path]) -> str:
    return ", ".join(p.name for p in written)
