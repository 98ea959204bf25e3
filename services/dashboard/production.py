"""Reading the production figures of a window: machine samples (OEE, heatmap), orders, people.

Every function takes an open read-only connection; ``snapshot.read_snapshot`` opens it once so
one refresh reads one consistent picture.
"""

from __future__ import annotations

import itertools
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.engine import Connection

from domain.model.plant import CalendarKind
from domain.model.work import WorkOrderStatus
from services.dashboard.dtos import Heatmap, Kpi, OeeRow, Window
from services.dashboard.kpis import (
    Completion,
    MetricSample,
    OeeTotals,
    PlannedOrder,
    active_ratio,
    attendance_rate,
    ideal_cycle_s,
    oee_totals,
    on_time_rate,
    output_vs_plan,
    planned_quantity,
)
from services.persistence.tables import people, plant, vision, work

NOT_PLANNED = (CalendarKind.OFF_SHIFT.value, CalendarKind.HOLIDAY.value)
MAX_HEATMAP_HOURS = 24 * 14


@dataclass(frozen=True, slots=True)
class MachineInfo:
    id: str
    name: str
    line_id: str
    work_centre_id: str | None
    capacity_per_hour: float | None


@dataclass(frozen=True, slots=True)
class Sample:
    machine_id: str
    at: datetime
    utilisation: float | None
    cycle_time_s: float | None
    downtime_s: float
    units: int
    good: int


def machines(conn: Connection) -> list[MachineInfo]:
    m = plant.machines
    rows = conn.execute(
        select(m.c.id, m.c.name, m.c.line_id, m.c.work_centre_id, m.c.max_capacity_per_hour)
        .where(m.c.active.is_(True))
        .order_by(m.c.id)
    )
    return [
        MachineInfo(r.id, r.name, r.line_id, r.work_centre_id, r.max_capacity_per_hour)
        for r in rows
    ]


def line_names(conn: Connection) -> dict[str, str]:
    return {r.id: r.name for r in conn.execute(select(plant.lines.c.id, plant.lines.c.name))}


def samples(conn: Connection, window: Window) -> list[Sample]:
    t = plant.machine_metrics
    rows = conn.execute(
        select(
            t.c.machine_id,
            t.c.at,
            t.c.utilisation,
            t.c.cycle_time_s,
            t.c.downtime_s,
            t.c.units_produced,
            t.c.quality_pass,
            t.c.quality_fail,
        )
        .where(t.c.at >= window.start, t.c.at < window.end)
        .order_by(t.c.machine_id, t.c.at)
    )
    out = []
    for r in rows:
        units = r.units_produced or 0
        if r.quality_pass is not None:
            good = r.quality_pass
        elif r.quality_fail is not None:
            good = max(units - r.quality_fail, 0)
        else:
            good = units
        out.append(
            Sample(
                r.machine_id,
                r.at,
                r.utilisation,
                r.cycle_time_s,
                float(r.downtime_s or 0),
                units,
                good,
            )
        )
    return out


def _not_planned(conn: Connection, window: Window) -> dict[str, list[tuple[datetime, datetime]]]:
    """Off-shift and holiday windows per work centre: not planned production time."""
    c = plant.calendar_windows
    rows = conn.execute(
        select(c.c.work_centre_id, c.c.start, c.c.end).where(
            c.c.kind.in_(NOT_PLANNED), c.c.start < window.end, c.c.end > window.start
        )
    )
    out: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    for r in rows:
        out[r.work_centre_id].append((r.start, r.end))
    return out


def sample_step_s(rows: Sequence[Sample]) -> float:
    """The usual spacing of one machine's samples (the median gap), 0 when none can be seen."""
    gaps = [
        (b.at - a.at).total_seconds()
        for a, b in itertools.pairwise(rows)
        if a.machine_id == b.machine_id and b.at > a.at
    ]
    return float(statistics.median(gaps)) if gaps else 0.0


def oee_rows(
    conn: Connection, window: Window, infos: Sequence[MachineInfo], rows: Sequence[Sample]
) -> list[OeeRow]:
    """OEE of the plant, each line and each machine. A sample stands for the time since the
    machine's previous sample (the usual spacing for the first one); samples inside off-shift
    or holiday calendar windows are not planned time."""
    step = sample_step_s(rows)
    closed = _not_planned(conn, window)
    by_machine: dict[str, list[Sample]] = defaultdict(list)
    for s in rows:
        by_machine[s.machine_id].append(s)
    lines = line_names(conn)
    machine_totals: dict[str, OeeTotals] = {}
    for info in infos:
        own = by_machine.get(info.id, [])
        if not own:
            continue
        length = step or window.seconds / len(own)
        off = closed.get(info.work_centre_id or "", [])
        converted = []
        previous: datetime | None = None
        for s in own:
            span = length if previous is None else min((s.at - previous).total_seconds(), length)
            previous = s.at
            if any(a <= s.at < b for a, b in off):
                span = 0.0
            converted.append(MetricSample(span, s.downtime_s, s.units, s.good))
        ideal = ideal_cycle_s(info.capacity_per_hour, (s.cycle_time_s or 0.0 for s in own))
        machine_totals[info.id] = oee_totals(converted, ideal)
    out: list[OeeRow] = []
    plant_total = OeeTotals()
    line_totals: dict[str, OeeTotals] = {}
    for info in infos:
        tot = machine_totals.get(info.id)
        if tot is None:
            continue
        plant_total = plant_total + tot
        line_totals[info.line_id] = line_totals.get(info.line_id, OeeTotals()) + tot
    out.append(_row("plant", "plant", "Plant", None, plant_total))
    for line_id in sorted(line_totals):
        name = lines.get(line_id, line_id)
        out.append(_row("line", line_id, name, line_id, line_totals[line_id]))
    for info in infos:
        tot = machine_totals.get(info.id, OeeTotals())
        out.append(_row("machine", info.id, info.name, info.line_id, tot))
    return out


def _row(scope: str, id_: str, name: str, line_id: str | None, tot: OeeTotals) -> OeeRow:
    oee = tot.oee()
    return OeeRow(
        scope=scope,
        id=id_,
        name=name,
        line_id=line_id,
        availability=oee.availability if oee else None,
        performance=oee.performance if oee else None,
        quality=oee.quality if oee else None,
        oee=oee.value if oee else None,
        units=tot.units,
        planned_hours=tot.planned_s / 3600.0,
    )


def heatmap(window: Window, infos: Sequence[MachineInfo], rows: Sequence[Sample]) -> Heatmap:
    """Mean utilisation per machine and hour of the window: hours of the plant's clock (a
    zone half an hour off UTC starts them at :30 UTC), counted from the window's start."""
    local = window.start.astimezone(window.tz).replace(minute=0, second=0, microsecond=0)
    first = local.astimezone(UTC)  # hours counted on UTC: no wall-clock arithmetic over DST
    count = min(MAX_HEATMAP_HOURS, max(1, int((window.end - first).total_seconds() // 3600) + 1))
    if first + timedelta(hours=count - 1) >= window.end:
        count = max(1, count - 1)
    hours = tuple(first + timedelta(hours=h) for h in range(count))
    index = {info.id: i for i, info in enumerate(infos)}
    sums = [[0.0] * count for _ in infos]
    counts = [[0] * count for _ in infos]
    for s in rows:
        i = index.get(s.machine_id)
        if i is None or s.utilisation is None:
            continue
        h = int((s.at - first).total_seconds() // 3600)
        if 0 <= h < count:
            sums[i][h] += s.utilisation
            counts[i][h] += 1
    values = tuple(
        tuple(sums[i][h] / counts[i][h] if counts[i][h] else None for h in range(count))
        for i in range(len(infos))
    )
    return Heatmap(tuple((m.id, m.name) for m in infos), hours, values)


# -- the other KPIs ---------------------------------------------------------------------------


def output_kpi(conn: Connection, window: Window) -> Kpi:
    logs, wo = work.production_logs, work.work_orders
    produced = conn.execute(
        select(func.coalesce(func.sum(logs.c.quantity), 0.0)).where(
            logs.c.event_type == "milestone", logs.c.at >= window.start, logs.c.at < window.end
        )
    ).scalar_one()
    rows = conn.execute(
        select(wo.c.quantity_ordered, wo.c.planned_start, wo.c.planned_end).where(
            wo.c.status != WorkOrderStatus.CANCELLED.value,
            wo.c.planned_start.is_not(None),
            wo.c.planned_end.is_not(None),
            wo.c.planned_start < window.end,
            wo.c.planned_end >= window.start,
        )
    )
    planned = planned_quantity(
        (PlannedOrder(r.quantity_ordered, r.planned_start, r.planned_end) for r in rows),
        window.start,
        window.end,
    )
    value = output_vs_plan(float(produced), planned)
    detail = f"{float(produced):,.0f} units reported of {planned:,.0f} planned in the window"
    return Kpi("output_vs_plan", "Output vs plan", value, detail)


def on_time_kpi(conn: Connection, window: Window) -> Kpi:
    wo = work.work_orders
    rows = list(
        conn.execute(
            select(wo.c.actual_end, wo.c.due_date).where(
                wo.c.status == WorkOrderStatus.COMPLETED.value,
                wo.c.actual_end >= window.start,
                wo.c.actual_end < window.end,
            )
        )
    )
    value = on_time_rate(Completion(r.actual_end, r.due_date) for r in rows)
    on_time = sum(1 for r in rows if r.actual_end <= r.due_date)
    detail = f"{on_time} of {len(rows)} orders completed in the window were on time"
    return Kpi("on_time", "On-time completion", value, detail)


def activity_kpi(conn: Connection, window: Window) -> Kpi:
    t = vision.time_logs
    row = conn.execute(
        select(
            func.coalesce(func.sum(t.c.active_seconds), 0.0),
            func.coalesce(func.sum(t.c.idle_seconds), 0.0),
        ).where(t.c.at >= window.start, t.c.at < window.end)
    ).one()
    active, idle = float(row[0]), float(row[1])
    value = active_ratio(active, idle)
    detail = f"{duration_text(active)} active, {duration_text(idle)} idle seen by the cameras"
    return Kpi("active_ratio", "Active / observed", value, detail)


def duration_text(seconds: float) -> str:
    """Hours with one decimal, or whole minutes under an hour (a few minutes are not "0.0 h")."""
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:,.1f} h"


def attendance_kpi(conn: Connection, window: Window) -> Kpi:
    a = people.attendance
    first, last = window.first_day, window.last_day
    row = conn.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((a.c.present.is_(True), 1), else_=0)), 0),
        ).where(and_(a.c.day >= first, a.c.day <= last))
    ).one()
    total, present = int(row[0]), int(row[1])
    value = attendance_rate(present, total)
    days = f"{first:%d %b}" if first == last else f"{first:%d %b}–{last:%d %b}"
    detail = f"{present} of {total} rostered operator-days present ({days})"
    return Kpi("attendance", "Attendance", value, detail)


def oee_kpi(rows: Sequence[OeeRow]) -> Kpi:
    whole = next(r for r in rows if r.scope == "plant")
    if whole.oee is None:
        return Kpi("oee", "OEE (plant)", None, "no machine samples in the window")
    detail = (
        f"availability {whole.availability or 0:.0%} × performance {whole.performance or 0:.0%}"
        f" × quality {whole.quality or 0:.0%} over {whole.planned_hours:,.0f} planned machine-hours"
    )
    return Kpi("oee", "OEE (plant)", whole.oee, detail)
