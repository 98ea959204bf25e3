"""Work sessions in the database: inserted at entry, closed at exit, and cleaned up after a
run that died with visits still open."""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, insert, select, update
from sqlalchemy.engine import Connection

from domain.model.vision import SessionStatus, WorkSession
from services.persistence.mapping import EntityMapper
from services.persistence.tables.vision import time_logs, work_sessions

log = logging.getLogger(__name__)

SESSION = EntityMapper(WorkSession, work_sessions)


def write_sessions(
    conn: Connection,
    sessions: Mapping[str, WorkSession],
    known: Collection[str],
    live_cams: Collection[str],
    live_zones: Collection[str],
) -> tuple[int, int, set[str]]:
    """Insert new sessions, update the ones already stored (``known``: open sessions written
    earlier). Returns (opened, closed, the open sessions stored after this write)."""
    opened = closed = 0
    still_open = set(known)
    new_rows: list[dict[str, Any]] = []
    for sid, s in sessions.items():
        if s.camera_id not in live_cams or s.zone_id not in live_zones:
            still_open.discard(sid)  # its camera or zone was deleted meanwhile
            continue
        s.operator_id = None  # pseudonymous: no identity is linked to a track
        if sid not in still_open:
            row = SESSION.to_row(s)
            row["active_seconds"] = round(row["active_seconds"], 3)
            row["idle_seconds"] = round(row["idle_seconds"], 3)
            new_rows.append(row)
            opened += 1
        else:
            conn.execute(
                update(work_sessions)
                .where(work_sessions.c.id == sid)
                .values(
                    exit_time=s.exit_time,
                    active_seconds=round(s.active_seconds, 3),
                    idle_seconds=round(s.idle_seconds, 3),
                    status=s.status.value,
                )
            )
        if s.exit_time is not None:
            closed += 1
            still_open.discard(sid)
        else:
            still_open.add(sid)
    if new_rows:
        conn.execute(insert(work_sessions), new_rows)
    return opened, closed, still_open


def interrupt_stale_sessions(conn: Connection, camera_id: str, live_runs: Collection[str]) -> int:
    """Sessions of ``camera_id`` still marked active but of no live run (``live_runs``: run ids,
    the prefix of session ids) belong to a process that died: closed as interrupted at the end
    of their last time log, with the seconds their time logs hold."""
    stale = [
        r
        for r in conn.execute(
            select(work_sessions).where(
                work_sessions.c.camera_id == camera_id,
                work_sessions.c.status == SessionStatus.ACTIVE.value,
            )
        ).mappings()
        if str(r["id"]).split(":", 1)[0] not in live_runs
    ]
    for r in stale:
        logs = conn.execute(
            select(time_logs.c.at, time_logs.c.active_seconds, time_logs.c.idle_seconds).where(
                and_(
                    time_logs.c.camera_id == camera_id,
                    time_logs.c.zone_id == r["zone_id"],
                    time_logs.c.track_id == r["track_id"],
                    time_logs.c.at >= r["entry_time"],
                )
            )
        ).all()
        active = sum(float(x.active_seconds) for x in logs)
        idle = sum(float(x.idle_seconds) for x in logs)
        end = max(
            (x.at + timedelta(seconds=x.active_seconds + x.idle_seconds) for x in logs),
            default=r["entry_time"],
        )
        conn.execute(
            update(work_sessions)
            .where(work_sessions.c.id == r["id"])
            .values(
                exit_time=end,
                active_seconds=round(active, 3),
                idle_seconds=round(idle, 3),
                status=SessionStatus.INTERRUPTED.value,
            )
        )
    if stale:
        log.info("%s: %d session(s) left open by a stopped run closed", camera_id, len(stale))
    return len(stale)
