"""The shift handover report's content, as plain data read from the shared state.

The report covers the shift that is running (from its start to now): allocations made, changed
or released, alerts and how they were handled, idle hotspots seen by the cameras, OEE of the
plant and its lines, absences on the shift, and what is left open for the next shift. The
desktop lays it out and prints it to PDF; this module never formats pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.engine import Connection

from domain.auth import Actor
from domain.model.alerts import AlertState
from domain.model.people import Shift, ShiftAssignmentStatus
from domain.model.plant import MachineStatus
from domain.model.work import WorkOrderStatus
from services.allocation.facts import plant_timezone
from services.bootstrap import App
from services.dashboard import production as P
from services.dashboard.dtos import Kpi, OeeRow, Window
from services.persistence import repositories as R
from services.persistence.tables import people, plant, system, vision, work

MAX_ROWS = 200
HOTSPOTS = 5
FALLBACK_HOURS = 8


@dataclass(frozen=True, slots=True)
class AllocationLine:
    allocation_id: int
    operator: str
    machine: str
    work_order: str
    status: str
    allocated_at: datetime
    allocated_by: str
    released_at: datetime | None
    release_reason: str | None


@dataclass(frozen=True, slots=True)
class AlertLine:
    alert_id: int
    alert_type: str
    severity: str
    message: str
    raised_at: datetime
    state: str
    occurrences: int
    handled: str  # who acknowledged / resolved it, when, and the comment


@dataclass(frozen=True, slots=True)
class IdleHotspot:
    zone_id: str
    zone: str
    idle_s: float
    active_s: float

    @property
    def idle_share(self) -> float:
        total = self.idle_s + self.active_s
        return self.idle_s / total if total > 0 else 0.0


@dataclass(frozen=True, slots=True)
class AbsenceLine:
    operator_id: str
    operator: str
    day: str
    shift_id: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class HandoverReport:
    plant: str
    shift: str  # "Early (A)" or "last 8 hours" without a roster
    window: Window
    generated_at: datetime
    generated_by: str
    seat: str
    kpis: tuple[Kpi, ...]
    oee: tuple[OeeRow, ...]  # plant and lines
    allocations: tuple[AllocationLine, ...]
    alerts: tuple[AlertLine, ...]
    hotspots: tuple[IdleHotspot, ...]
    absences: tuple[AbsenceLine, ...]
    open_items: tuple[str, ...]
    truncated: tuple[str, ...]  # sections cut at MAX_ROWS


def current_shift(
    shifts: Sequence[Shift], now: datetime, tz: tzinfo = UTC
) -> tuple[Shift, datetime] | None:
    """The shift running at ``now`` and when it started (a night shift started yesterday when
    it is past midnight); shifts keep the plant's clock (``tz``). None when no shift covers
    ``now``."""
    best: tuple[Shift, datetime] | None = None
    today = now.astimezone(tz).date()
    for shift in shifts:
        for back in (0, 1):
            day = today - timedelta(days=back)
            start, end = shift.window_on(day, tz)
            if start <= now < end and (best is None or start > best[1]):
                best = (shift, start)
    return best


def read_handover(app: App, actor: Actor, now: datetime | None = None) -> HandoverReport:
    now = now or app.clock.now()
    with app.engine.connect().execution_options(read_only=True) as conn, conn.begin():
        shifts = [R.SHIFT.from_row(r) for r in conn.execute(select(people.shifts)).mappings().all()]
        tz = plant_timezone(conn)
        running = current_shift(shifts, now, tz)
        if running is None:
            window = Window(now - timedelta(hours=FALLBACK_HOURS), now, tz)
            shift_label, shift_id = f"last {FALLBACK_HOURS} hours", None
        else:
            shift, start = running
            window = Window(start, max(now, start + timedelta(seconds=1)), tz)
            shift_label, shift_id = f"{shift.name} ({shift.id})", shift.id
        infos = P.machines(conn)
        oee = P.oee_rows(conn, window, infos, P.samples(conn, window))
        kpis = (
            P.oee_kpi(oee),
            P.output_kpi(conn, window),
            P.on_time_kpi(conn, window),
            P.activity_kpi(conn, window),
        )
        truncated: list[str] = []
        allocations = _allocations(conn, window, truncated)
        alerts = _alerts(conn, window, truncated)
        hotspots = _hotspots(conn, window)
        absences = _absences(conn, window, shift_id)
        open_items = _open_items(conn, now)
        plant_name = conn.execute(select(plant.plants.c.name).limit(1)).scalar_one_or_none()
    return HandoverReport(
        plant=plant_name or "plant",
        shift=shift_label,
        window=window,
        generated_at=now,
        generated_by=actor.user,
        seat=actor.seat,
        kpis=kpis,
        oee=tuple(r for r in oee if r.scope != "machine"),
        allocations=allocations,
        alerts=alerts,
        hotspots=hotspots,
        absences=absences,
        open_items=open_items,
        truncated=tuple(truncated),
    )


def _names(conn: Connection) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    o, m = people.operators, plant.machines
    operators = {
        r.id: f"{r.first_name} {r.last_name}"
        for r in conn.execute(select(o.c.id, o.c.first_name, o.c.last_name))
    }
    machines = {r.id: r.name for r in conn.execute(select(m.c.id, m.c.name))}
    zones = {r.id: r.name for r in conn.execute(select(vision.zones.c.id, vision.zones.c.name))}
    return operators, machines, zones


def _allocations(
    conn: Connection, window: Window, truncated: list[str]
) -> tuple[AllocationLine, ...]:
    a, wo = work.allocations, work.work_orders
    operators, machines, _ = _names(conn)
    holding = ("active", "paused")
    rows = list(
        conn.execute(
            select(a, wo.c.number)
            .join(wo, wo.c.id == a.c.work_order_id)
            .where(
                or_(
                    and_(a.c.allocated_at >= window.start, a.c.allocated_at < window.end),
                    and_(a.c.released_at >= window.start, a.c.released_at < window.end),
                    and_(a.c.status.in_(holding), a.c.allocated_at < window.end),
                )
            )
            .order_by(a.c.allocated_at, a.c.id)
            .limit(MAX_ROWS + 1)
        )
    )
    if len(rows) > MAX_ROWS:
        truncated.append(f"allocations: the first {MAX_ROWS} shown")
    return tuple(
        AllocationLine(
            r.id,
            operators.get(r.operator_id or "", r.operator_id or "—"),
            machines.get(r.machine_id or "", r.machine_id or "—"),
            r.number,
            r.status,
            r.allocated_at,
            r.allocated_by,
            r.released_at,
            r.release_reason,
        )
        for r in rows[:MAX_ROWS]
    )


def _alerts(conn: Connection, window: Window, truncated: list[str]) -> tuple[AlertLine, ...]:
    t = system.alerts
    rows = list(
        conn.execute(
            select(t)
            .where(
                or_(
                    and_(t.c.raised_at >= window.start, t.c.raised_at < window.end),
                    and_(t.c.resolved_at >= window.start, t.c.resolved_at < window.end),
                    and_(t.c.acknowledged_at >= window.start, t.c.acknowledged_at < window.end),
                    t.c.state != AlertState.RESOLVED.value,
                )
            )
            .order_by(t.c.raised_at.desc(), t.c.id.desc())
            .limit(MAX_ROWS + 1)
        )
    )
    if len(rows) > MAX_ROWS:
        truncated.append(f"alerts: the newest {MAX_ROWS} shown")
    return tuple(
        AlertLine(
            r.id,
            r.alert_type,
            r.severity,
            r.message,
            r.raised_at,
            r.state,
            r.occurrences,
            _handled(r),
        )
        for r in rows[:MAX_ROWS]
    )


def _handled(r: object) -> str:
    parts = []
    ack_by, ack_at = getattr(r, "acknowledged_by", None), getattr(r, "acknowledged_at", None)
    if ack_by:
        when = f" at {ack_at:%H:%M}" if ack_at else ""
        parts.append(f"acknowledged by {ack_by}{when}")
    comment = getattr(r, "comment", None)
    if comment:
        parts.append(f"“{comment}”")
    snoozed = getattr(r, "snoozed_until", None)
    if getattr(r, "state", None) == AlertState.SNOOZED.value and snoozed:
        parts.append(f"snoozed until {snoozed:%d %b %H:%M}")
    res_by, res_at = getattr(r, "resolved_by", None), getattr(r, "resolved_at", None)
    if res_at:
        parts.append(f"resolved by {res_by or '?'} at {res_at:%H:%M}")
    if getattr(r, "escalated_at", None):
        parts.append("escalated")
    return "; ".join(parts) or "not handled yet"


def _hotspots(conn: Connection, window: Window) -> tuple[IdleHotspot, ...]:
    t = vision.time_logs
    _, _, zones = _names(conn)
    idle = func.sum(t.c.idle_seconds)
    rows = conn.execute(
        select(t.c.zone_id, idle.label("idle"), func.sum(t.c.active_seconds).label("active"))
        .where(t.c.at >= window.start, t.c.at < window.end, t.c.zone_id.is_not(None))
        .group_by(t.c.zone_id)
        .order_by(idle.desc())
        .limit(HOTSPOTS)
    )
    return tuple(
        IdleHotspot(r.zone_id, zones.get(r.zone_id, r.zone_id), float(r.idle), float(r.active))
        for r in rows
        if r.idle and r.idle > 0
    )


def _absences(conn: Connection, window: Window, shift_id: str | None) -> tuple[AbsenceLine, ...]:
    """Absent operators of the shift's day(s): the roster's absences and attendance records."""
    operators, _, _ = _names(conn)
    first, last = window.first_day, window.last_day
    sa, att = people.shift_assignments, people.attendance
    found: dict[tuple[str, str], AbsenceLine] = {}
    roster = select(sa.c.operator_id, sa.c.day, sa.c.shift_id).where(
        sa.c.day >= first, sa.c.day <= last, sa.c.status == ShiftAssignmentStatus.ABSENT.value
    )
    if shift_id is not None:
        roster = roster.where(sa.c.shift_id == shift_id)
    for r in conn.execute(roster):
        found[(r.operator_id, r.day.isoformat())] = AbsenceLine(
            r.operator_id,
            operators.get(r.operator_id, r.operator_id),
            r.day.isoformat(),
            r.shift_id,
            "absent (roster)",
        )
    recorded = select(att.c.operator_id, att.c.day, att.c.shift_id, att.c.absence_reason).where(
        att.c.day >= first, att.c.day <= last, att.c.present.is_(False)
    )
    if shift_id is not None:
        recorded = recorded.where(or_(att.c.shift_id == shift_id, att.c.shift_id.is_(None)))
    for rec in conn.execute(recorded):
        found[(rec.operator_id, rec.day.isoformat())] = AbsenceLine(
            rec.operator_id,
            operators.get(rec.operator_id, rec.operator_id),
            rec.day.isoformat(),
            rec.shift_id,
            rec.absence_reason or "absent",
        )
    return tuple(sorted(found.values(), key=lambda a: (a.day, a.operator)))


def _open_items(conn: Connection, now: datetime) -> tuple[str, ...]:
    out: list[str] = []
    m = plant.machines
    down = (MachineStatus.BREAKDOWN.value, MachineStatus.MAINTENANCE.value)
    for r in conn.execute(
        select(m.c.name, m.c.status).where(m.c.status.in_(down), m.c.active.is_(True))
    ):
        out.append(f"Machine {r.name} is in {r.status}.")
    wo = work.work_orders
    closed = [s.value for s in WorkOrderStatus if s.is_closed]
    late = list(
        conn.execute(
            select(wo.c.number, wo.c.product_name, wo.c.due_date, wo.c.status)
            .where(wo.c.status.not_in(closed), wo.c.due_date < now)
            .order_by(wo.c.due_date)
        )
    )
    for w in late[:20]:
        hours = (now - w.due_date).total_seconds() / 3600
        out.append(f"Work order {w.number} ({w.product_name}) is {hours:.0f} h late ({w.status}).")
    if len(late) > 20:
        out.append(f"… and {len(late) - 20} more late work orders.")
    t = system.alerts
    by_state: dict[str, int] = dict(
        conn.execute(
            select(t.c.state, func.count())
            .where(t.c.state != AlertState.RESOLVED.value)
            .group_by(t.c.state)
        ).all()
    )
    if by_state:
        counts = ", ".join(f"{n} {state}" for state, n in sorted(by_state.items()))
        out.append(f"Unresolved alerts: {counts}.")
    return tuple(out)
