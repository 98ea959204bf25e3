"""The allocation event log replayed: the board as it was at a chosen moment, and the check that
replaying every event gives exactly what the allocations table holds now.

Each ``allocation_change_events`` row carries the allocation's complete state after the change
(``new_state``); the state at a moment is the newest event of each allocation up to it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from domain.model.allocation import AllocationStatus
from domain.model.work import WorkOrderStatus
from domain.rules.allocation import work_order_status_after
from services.allocation import facts as F
from services.allocation.board_queries import (
    MAX_WORK_ORDERS,
    machine_cards,
    operator_cards,
    work_order_cards,
)
from services.allocation.cards import AllocationCard, BoardSnapshot
from services.persistence.tables import plant, work

COMPARED = (
    "work_order_id",
    "operator_id",
    "machine_id",
    "status",
    "method",
    "suggestion_score",
    "expected_start",
    "expected_end",
    "version",
)


@dataclass(frozen=True, slots=True)
class ReplayedState:
    allocation_id: int
    state: dict[str, Any]
    at: datetime
    changed_by: str
    seat: str
    events: int


def _dt(v: Any) -> datetime | None:
    if v is None or isinstance(v, datetime):
        return v
    return datetime.fromisoformat(str(v))


def replay_states(conn: Connection, *, until: datetime | None = None) -> dict[int, ReplayedState]:
    """The newest state of every allocation from the event log, up to ``until``."""
    t = work.allocation_change_events
    stmt = select(
        t.c.id, t.c.allocation_id, t.c.at, t.c.changed_by, t.c.seat, t.c.new_state
    ).order_by(t.c.id)
    if until is not None:
        stmt = stmt.where(t.c.at <= until)
    out: dict[int, ReplayedState] = {}
    for r in conn.execute(stmt):
        prev = out.get(int(r.allocation_id))
        out[int(r.allocation_id)] = ReplayedState(
            int(r.allocation_id),
            dict(r.new_state or {}),
            r.at,
            r.changed_by,
            r.seat,
            (prev.events if prev else 0) + 1,
        )
    return out


def _card(s: ReplayedState) -> AllocationCard:
    st = s.state
    return AllocationCard(
        id=s.allocation_id,
        work_order_id=str(st.get("work_order_id")),
        status=str(st.get("status")),
        version=int(st.get("version") or 0),
        start=_dt(st.get("expected_start")) or s.at,
        end=_dt(st.get("expected_end")),
        operator_id=st.get("operator_id"),
        machine_id=st.get("machine_id"),
        method=str(st.get("method") or "manual"),
        score=st.get("suggestion_score"),
        allocated_by=s.changed_by,
        updated_by=s.changed_by,
        updated_seat=s.seat,
        updated_at=s.at,
    )


@dataclass(frozen=True, slots=True)
class ReplayCheck:
    matches: bool
    allocations: int
    events: int
    mismatches: tuple[str, ...] = ()
    chain_breaks: int = 0  # an event whose previous state is not the event before it


def replay_check(engine: Engine, *, limit_messages: int = 20) -> ReplayCheck:
    """Replay the whole event log and compare it with the allocations table, field by field;
    also check that each event starts from the state the one before it left (no lost update)."""
    a, t = work.allocations, work.allocation_change_events
    mismatches: list[str] = []
    breaks = 0
    with engine.connect().execution_options(read_only=True) as conn:
        states = replay_states(conn)
        rows = {int(r["id"]): r for r in conn.execute(select(a)).mappings()}
        last_version: dict[int, int] = {}
        n_events = 0
        for ev in conn.execute(
            select(t.c.allocation_id, t.c.previous_state, t.c.new_state).order_by(t.c.id)
        ):
            n_events += 1
            aid = int(ev.allocation_id)
            prev = (ev.previous_state or {}).get("version")
            if aid in last_version and prev != last_version[aid]:
                breaks += 1
            if aid not in last_version and prev is not None:
                breaks += 1
            last_version[aid] = int((ev.new_state or {}).get("version") or 0)
    for aid, row in rows.items():
        s = states.get(aid)
        if s is None:
            mismatches.append(f"allocation {aid} has no event")
            continue
        for name in COMPARED:
            want = row[name]
            got = s.state.get(name)
            if isinstance(want, datetime):
                got = _dt(got)
            elif name == "suggestion_score" and want is not None and got is not None:
                want, got = round(float(want), 6), round(float(got), 6)
            if want != got:
                mismatches.append(f"allocation {aid} {name}: table {want!r}, log {got!r}")
    for aid in set(states) - set(rows):
        mismatches.append(f"events of allocation {aid}, which does not exist")
    return ReplayCheck(
        matches=not mismatches and not breaks,
        allocations=len(rows),
        events=n_events,
        mismatches=tuple(mismatches[:limit_messages]),
        chain_breaks=breaks,
    )


def board_at(
    engine: Engine, at: datetime, *, max_work_orders: int = MAX_WORK_ORDERS
) -> BoardSnapshot:
    """The board as it was at ``at``, rebuilt from the event log (read-only).

    Allocations come from the log; operators and machines are today's records with the status
    the allocations of that moment gave them (busy/running), and the roster of that day.
    """
    with engine.connect().execution_options(read_only=True) as conn:
        states = replay_states(conn, until=at)
        allocs = [c for c in (_card(s) for s in states.values()) if c.holds]
        tz = F.plant_timezone(conn)
        shifts = F.load_shifts(conn)
        ops = operator_cards(conn, at, tz, shifts, None, allocs)
        machines = machine_cards(conn, None, allocs, at)
        wos = work_order_cards(conn, at, None, allocs, max_work_orders)
        held = {a.work_order_id for a in allocs}
        missing = held - {w.id for w in wos}
        if missing:  # orders closed since: show them as they were held
            wos += work_order_cards(conn, at, missing, allocs, 0, include_closed=True)
        lines = tuple(
            (r.id, r.name)
            for r in conn.execute(select(plant.lines.c.id, plant.lines.c.name).order_by("id"))
        )
    busy = {a.operator_id for a in allocs if a.operator_id and a.status == "active"}
    running = {a.machine_id for a in allocs if a.machine_id and a.status == "active"}
    ops = [
        dataclasses.replace(
            o,
            status="busy" if o.id in busy else ("available" if o.status == "busy" else o.status),
            idle_minutes=None,
        )
        for o in ops
    ]
    machines = [
        dataclasses.replace(
            m,
            status="running"
            if m.id in running
            else ("idle" if m.status in ("running", "idle") else m.status),
        )
        for m in machines
    ]
    by_wo: dict[str, list[AllocationStatus]] = {}
    for a in allocs:
        by_wo.setdefault(a.work_order_id, []).append(AllocationStatus(a.status))
    wos = [
        dataclasses.replace(
            w,
            status=work_order_status_after(WorkOrderStatus.QUEUED, by_wo.get(w.id, []), 0.0).value
            if w.id in by_wo
            else w.status,
        )
        for w in wos
    ]
    return BoardSnapshot(
        at=at,
        operators=tuple(ops),
        machines=tuple(machines),
        work_orders=tuple(wos),
        allocations=tuple(allocs),
        lines=lines,
        historic=True,
    )
