"""The append-only allocation event log (``allocation_change_events``): the row of one change
(the service defers its insert to the commit of its transaction), and reading the history for
the board's panel."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from domain.model.allocation import AllocationChangeEvent, AllocationEventType, ChangeSource
from services.persistence.tables import people, plant, work


def source_of(actor_source: str) -> ChangeSource:
    try:
        return ChangeSource(actor_source)
    except ValueError:
        return ChangeSource.API


def event_row(event: AllocationChangeEvent) -> dict[str, Any]:
    """The ``allocation_change_events`` row of ``event`` (without its id)."""
    return {
        "allocation_id": event.allocation_id,
        "event_type": event.event_type.value,
        "at": event.at,
        "changed_by": event.changed_by,
        "seat": event.seat,
        "source": event.source.value,
        "previous_state": event.previous_state,
        "new_state": event.new_state,
        "reason_code": event.reason_code,
        "reason": event.reason,
        "idle_time_prevented_minutes": event.idle_time_prevented_minutes,
        "work_order_delay_minutes": event.work_order_delay_minutes,
        "extra": event.extra,
    }


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One line of the history panel: who, when, from which seat, what and why."""

    id: int
    allocation_id: int
    event_type: str
    at: datetime
    changed_by: str
    seat: str
    source: str
    reason_code: str | None
    reason: str | None
    summary: str
    previous_state: dict[str, Any] | None
    new_state: dict[str, Any] | None


def _who(state: dict[str, Any] | None, names: dict[str, str]) -> str:
    if not state:
        return "—"
    parts = []
    if state.get("operator_id"):
        parts.append(names.get(state["operator_id"], state["operator_id"]))
    if state.get("machine_id"):
        parts.append(names.get(state["machine_id"], state["machine_id"]))
    where = " + ".join(parts) or "?"
    return f"{where} on {names.get(state.get('work_order_id') or '', state.get('work_order_id'))}"


def summarise(
    event_type: str,
    previous: dict[str, Any] | None,
    new: dict[str, Any] | None,
    names: dict[str, str],
) -> str:
    if event_type == AllocationEventType.REASSIGNED.value:
        return f"{_who(previous, names)} → {_who(new, names)}"
    return f"{event_type}: {_who(new or previous, names)}"


def history(
    engine: Engine,
    *,
    limit: int = 500,
    until: datetime | None = None,
    allocation_id: int | None = None,
) -> list[HistoryRow]:
    """The newest allocation events first (up to ``until``), with a readable summary."""
    t = work.allocation_change_events
    stmt = select(t).order_by(t.c.id.desc()).limit(limit)
    if until is not None:
        stmt = stmt.where(t.c.at <= until)
    if allocation_id is not None:
        stmt = stmt.where(t.c.allocation_id == allocation_id)
    with engine.connect().execution_options(read_only=True) as conn:
        rows = conn.execute(stmt).mappings().all()
        names = _names(conn, rows)
    return [
        HistoryRow(
            id=int(r["id"]),
            allocation_id=int(r["allocation_id"]),
            event_type=r["event_type"],
            at=r["at"],
            changed_by=r["changed_by"],
            seat=r["seat"],
            source=r["source"],
            reason_code=r["reason_code"],
            reason=r["reason"],
            summary=summarise(r["event_type"], r["previous_state"], r["new_state"], names),
            previous_state=r["previous_state"],
            new_state=r["new_state"],
        )
        for r in rows
    ]


def _names(conn: Connection, rows: Sequence[Mapping[Any, Any]]) -> dict[str, str]:
    """Readable names of the operators, machines and work orders the rows mention."""
    ids: set[str] = set()
    for row in rows:
        for state in (row["previous_state"], row["new_state"]):
            for key in ("operator_id", "machine_id", "work_order_id"):
                if state and state.get(key):
                    ids.add(str(state[key]))
    if not ids:
        return {}
    o, w, m = people.operators, work.work_orders, plant.machines
    wanted = list(ids)
    names: dict[str, str] = {}
    for r in conn.execute(select(o.c.id, o.c.first_name, o.c.last_name).where(o.c.id.in_(wanted))):
        names[r.id] = f"{r.first_name} {r.last_name}"
    for mid, mname in conn.execute(select(m.c.id, m.c.name).where(m.c.id.in_(wanted))):
        names[mid] = mname
    for wid, number in conn.execute(select(w.c.id, w.c.number).where(w.c.id.in_(wanted))):
        names[wid] = number
    return names
