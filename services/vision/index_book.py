"""Booking time logs on the day schedule's indices (seed 003): one row per day and index.

Several cameras and workers add to the same rows, so every write adds a delta under a row
lock: insert the row if it is missing (``ON CONFLICT DO NOTHING`` on the (day, index) key),
lock it (``FOR UPDATE`` on PostgreSQL; SQLite's writer lock covers the transaction), add the
seconds, recompute productivity = active / (active + idle).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from domain.model.vision import DaySchedule, TimeLog
from services.persistence.tables.vision import index_records


@dataclass(slots=True)
class IndexDelta:
    day: date
    index_number: int
    active_s: float = 0.0
    idle_s: float = 0.0
    zones: dict[str, dict[str, float]] = field(default_factory=dict)
    workers: set[tuple[str, str, int]] = field(default_factory=set)  # (run, camera, track)
    first: datetime | None = None
    last: datetime | None = None

    def add(self, run_id: str, log: TimeLog) -> None:
        self.active_s += log.active_seconds
        self.idle_s += log.idle_seconds
        zone = self.zones.setdefault(log.zone_id or "-", {"active": 0.0, "idle": 0.0})
        zone["active"] += log.active_seconds
        zone["idle"] += log.idle_seconds
        self.workers.add((run_id, log.camera_id, log.track_id))
        end = log.at + timedelta(seconds=log.active_seconds + log.idle_seconds)
        self.first = log.at if self.first is None else min(self.first, log.at)
        self.last = end if self.last is None else max(self.last, end)


def index_deltas(
    logs: Iterable[tuple[str, TimeLog]], tz: tzinfo
) -> dict[tuple[date, int], IndexDelta]:
    out: dict[tuple[date, int], IndexDelta] = {}
    for run_id, log in logs:
        if log.index_number is None:
            continue
        key = (log.at.astimezone(tz).date(), log.index_number)
        delta = out.get(key)
        if delta is None:
            delta = out[key] = IndexDelta(*key)
        delta.add(run_id, log)
    return out


class IndexBook:
    """Adds deltas to the index_records rows; remembers which tracks each row has counted."""

    def __init__(self) -> None:
        self._counted: dict[tuple[date, int], set[tuple[str, str, int]]] = {}

    def book(
        self,
        conn: Connection,
        deltas: Mapping[tuple[date, int], IndexDelta],
        schedules: Mapping[date, DaySchedule],
    ) -> list[tuple[date, int]]:
        """Write the deltas; returns the (day, index) keys written. Call :meth:`confirm`
        after the commit (the worker counts must not move if the transaction rolls back)."""
        written: list[tuple[date, int]] = []
        for key, d in sorted(deltas.items()):
            schedule = schedules.get(key[0])
            if schedule is None:
                continue
            slots = schedule.index_slots()
            if not 1 <= d.index_number <= len(slots):
                continue
            slot = slots[d.index_number - 1]
            new_workers = len(d.workers - self._counted.get(key, set()))
            _ensure_row(conn, d.day, d.index_number, slot.start, slot.end)
            stmt = select(index_records).where(
                index_records.c.day == d.day, index_records.c.index_number == d.index_number
            )
            if conn.dialect.name == "postgresql":
                stmt = stmt.with_for_update()
            row = conn.execute(stmt).mappings().one()
            active = float(row["active_seconds"]) + d.active_s
            idle = float(row["idle_seconds"]) + d.idle_s
            metrics: dict[str, Any] = {k: dict(v) for k, v in (row["zone_metrics"] or {}).items()}
            for zone_id, z in d.zones.items():
                m = metrics.setdefault(zone_id, {"active": 0.0, "idle": 0.0})
                m["active"] = round(float(m.get("active", 0.0)) + z["active"], 3)
                m["idle"] = round(float(m.get("idle", 0.0)) + z["idle"], 3)
            first = row["actual_start"] if row["actual_start"] is not None else d.first
            last = row["actual_end"] if row["actual_end"] is not None else d.last
            conn.execute(
                update(index_records)
                .where(index_records.c.id == row["id"])
                .values(
                    active_seconds=round(active, 3),
                    idle_seconds=round(idle, 3),
                    productivity=round(active / (active + idle), 4) if active + idle > 0 else None,
                    zone_metrics=metrics,
                    total_workers=int(row["total_workers"]) + new_workers,
                    actual_start=min(first, d.first) if d.first and first else first,
                    actual_end=max(last, d.last) if d.last and last else last,
                )
            )
            written.append(key)
        return written

    def confirm(self, deltas: Mapping[tuple[date, int], IndexDelta]) -> None:
        for key, d in deltas.items():
            self._counted.setdefault(key, set()).update(d.workers)
        if len(self._counted) > 64:  # keep the last days only
            for key in sorted(self._counted)[:-64]:
                del self._counted[key]


def _ensure_row(conn: Connection, day: date, number: int, start: datetime, end: datetime) -> None:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(index_records).values(
        day=day,
        index_number=number,
        scheduled_start=start,
        scheduled_end=end,
        zone_metrics={},
        total_workers=0,
        active_seconds=0.0,
        idle_seconds=0.0,
        anomalies=0,
    )
    conn.execute(stmt.on_conflict_do_nothing(index_elements=["day", "index_number"]))
