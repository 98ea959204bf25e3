"""Rosters in the database: read a date range, save edits and locks, with the labour rules
checked in the same transaction, an audit row per operator and a ``roster`` change event.

A roster cell is one ``shift_assignments`` row (operator, day, shift; ``locked``; status
``absent`` for a recorded absence, which keeps the shift on record); a day off has no row.
Locked days off have no row to carry the flag, so they are kept in the ``settings`` table
(``roster.off_locks``). Everything saved here is published: the allocation board reads the
same rows for "who is on shift now" and reloads on every ``roster`` event.

Writes are serialised per site (a PostgreSQL advisory lock; SQLite writers take the write lock
up front), and each edit carries the value the editor saw: a cell somebody else changed
meanwhile is refused with who changed it, from which seat and when.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, insert, select, text, update
from sqlalchemy.engine import Connection

from domain.auth import Actor, Permission
from domain.errors import ConcurrentEdit, RuleViolation, ValidationError
from domain.events import Change, Topic
from domain.model.people import ShiftAssignmentStatus
from domain.rules.rostering import OFF
from services.allocation.facts import plant_timezone
from services.bootstrap import App
from services.operations.site_settings import read_settings, write_setting
from services.persistence import repositories as R
from services.persistence.tables import people, plant
from services.persistence.tables.system import absence_forecasts, audit_log
from services.persistence.uow import UnitOfWork
from services.rostering.contract_rules import (
    ShiftRequestDto,
    to_contract,
    to_requests,
    unavailable_reasons,
)
from services.rostering.contracts import read_contracts, read_requests
from services.rostering.policy import RosterPolicy, load_policy
from services.rostering.policy_service import store_policy
from services.rostering.snapshot import (
    CellChange,
    CellDto,
    OperatorRowDto,
    RosterSnapshot,
    ShiftTypeDto,
)

log = logging.getLogger(__name__)

OFF_LOCKS_KEY = "roster.off_locks"
ROSTER_LOCK_KEY = 0x726F7374  # "rost": pg_advisory_xact_lock serialising roster writes
MAX_DAYS = 62
ALWAYS_REFUSED = ("roster.past", "roster.locked", "roster.started", "roster.outside")


@dataclass(frozen=True, slots=True)
class RosterSaved:
    """What a save changed: the edits as applied, and the change events' sequence numbers."""

    changes: tuple[CellChange, ...]
    operator_ids: tuple[str, ...]
    seq: int | None = None


def _check_range(start: date, days: int) -> None:
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError(f"a roster shows 1 to {MAX_DAYS} days, not {days}")


def _off_locks(conn: Connection) -> set[tuple[str, date]]:
    raw = read_settings(conn, [OFF_LOCKS_KEY]).get(OFF_LOCKS_KEY) or []
    out: set[tuple[str, date]] = set()
    for item in raw:
        op, _, day = str(item).partition("|")
        try:
            out.add((op, date.fromisoformat(day)))
        except ValueError:
            log.warning("ignoring an unreadable locked day off %r", item)
    return out


def _write_off_locks(conn: Connection, locks: set[tuple[str, date]], by: str, at: Any) -> None:
    value = sorted(f"{op}|{day.isoformat()}" for op, day in locks)
    write_setting(conn, OFF_LOCKS_KEY, value, by=by, at=at)


def read_snapshot(conn: Connection, start: date, days: int, now: datetime) -> RosterSnapshot:
    """The roster of ``days`` days from ``start`` as the grid and the solver see it."""
    _check_range(start, days)
    end = start + timedelta(days=days)
    tz = plant_timezone(conn)
    today = now.astimezone(tz).date()
    ops_t = people.operators
    operators = R.OperatorRepository(conn).list(
        ops_t.c.active.is_(True),
        order_by=[ops_t.c.line_id, ops_t.c.last_name, ops_t.c.first_name, ops_t.c.id],
    )
    rows = tuple(
        OperatorRowDto(
            o.id,
            o.name,
            o.line_id,
            frozenset(s.skill_code for s in o.skills if s.certified_on(today)),
        )
        for o in operators
    )
    known = {o.id for o in rows}
    shift_rows = [R.SHIFT.from_row(r) for r in conn.execute(select(people.shifts)).mappings()]
    shift_rows.sort(key=lambda s: (s.start, s.id))
    shifts = tuple(
        ShiftTypeDto(
            s.id,
            s.name,
            s.minutes,
            s.start.strftime("%H:%M"),
            s.colour,
            frozenset(s.forbidden_next),
        )
        for s in shift_rows
    )
    t = people.shift_assignments
    cells: dict[tuple[str, int], CellDto] = {}
    for r in conn.execute(select(t).where(t.c.day >= start, t.c.day < end)).mappings():
        if r["operator_id"] not in known:
            continue
        cells[(r["operator_id"], (r["day"] - start).days)] = CellDto(
            shift=r["shift_id"],
            locked=bool(r["locked"]),
            absent=r["status"] == ShiftAssignmentStatus.ABSENT.value,
            started=r["clock_in"] is not None,
        )
    for op, day in _off_locks(conn):
        key = (op, (day - start).days)
        if op in known and start <= day < end and key not in cells:
            cells[key] = CellDto(OFF, locked=True)
    eve = start - timedelta(days=1)
    previous = {
        str(r.operator_id): str(r.shift_id)
        for r in conn.execute(
            select(t.c.operator_id, t.c.shift_id).where(
                t.c.day == eve, t.c.status != ShiftAssignmentStatus.ABSENT.value
            )
        )
        if r.operator_id in known
    }
    forecast: dict[tuple[str, int], float] = {}
    f = absence_forecasts
    for op_id, f_day, probability in conn.execute(
        select(f.c.operator_id, f.c.day, f.c.probability)
        .where(f.c.day >= start, f.c.day < end)
        .order_by(f.c.created_at, f.c.id)
    ):
        if op_id in known:  # the newest forecast of a day wins
            forecast[(str(op_id), (f_day - start).days)] = float(probability)
    policy = load_policy(conn, start, [s.id for s in shifts], len(rows))
    first_open_day = max(0, min(days, (today - start).days))
    own = read_contracts(conn, known)
    wanted = [w for w in read_requests(conn, start, end) if w.operator_id in known]
    by_operator: dict[str, list[ShiftRequestDto]] = {}
    wishes: dict[tuple[str, int], tuple[ShiftRequestDto, ...]] = {}
    for w in wanted:
        by_operator.setdefault(w.operator_id, []).append(w)
        key = (w.operator_id, (w.day - start).days)
        wishes[key] = (*wishes.get(key, ()), w)
    fixed_work: dict[str, dict[int, str]] = {}  # worked days the solver must keep as they are
    fixed_off: dict[str, set[int]] = {op: set(range(first_open_day)) for op in known}
    for (op, d), c in cells.items():
        kept = c.locked or c.started or d < first_open_day
        if c.shift != OFF and not c.absent and kept:
            fixed_work.setdefault(op, {})[d] = c.shift
            fixed_off[op].discard(d)
        elif c.absent or (c.locked and c.shift == OFF):
            fixed_off[op].add(d)
    contracts = {}
    minutes = {s.id: s.minutes for s in shifts}
    unavailable: dict[tuple[str, int], str] = {}
    for op in known:
        mine = by_operator.get(op, [])
        contracts[op] = to_contract(
            own.get(op), policy, start, days, mine, fixed_work.get(op), fixed_off[op], minutes
        )
        unavailable.update(unavailable_reasons(op, own.get(op), mine, start, days))
    line_names = {
        str(r.id): str(r.name) for r in conn.execute(select(plant.lines.c.id, plant.lines.c.name))
    }
    return RosterSnapshot(
        start=start,
        days=days,
        operators=rows,
        shifts=shifts,
        cells=cells,
        cover=policy.cover(days),
        contracts=contracts,
        cover_note=policy.note,
        first_open_day=first_open_day,
        lines=line_names,
        previous=previous,
        forecast=forecast,
        requests=to_requests(wanted, start, days, known, [s.id for s in shifts]),
        wishes=wishes,
        unavailable=unavailable,
        own_contracts=own,
        fairness=policy.fairness,
    )


class RosterService:
    """Reading and saving rosters for one seat (thread-safe: one unit of work per call)."""

    def __init__(self, app: App) -> None:
        self.app = app

    # -- reading ---------------------------------------------------------------------------
    def read(self, start: date, days: int) -> RosterSnapshot:
        with self.app.engine.connect().execution_options(read_only=True) as conn:
            return read_snapshot(conn, start, days, self.app.clock.now())

    def today(self) -> date:
        with self.app.engine.connect().execution_options(read_only=True) as conn:
            tz = plant_timezone(conn)
        return self.app.clock.now().astimezone(tz).date()

    # -- writing ---------------------------------------------------------------------------
    def save(
        self,
        actor: Actor,
        start: date,
        days: int,
        changes: Sequence[CellChange],
        *,
        check: bool = True,
        reason: str | None = None,
        request_id: str | None = None,
    ) -> RosterSaved:
        """Apply ``changes`` to the roster of ``days`` days from ``start`` (the range the editor
        shows: the labour rules judge whole lines of that range, as the grid did) in one
        transaction. Refused as a whole when a cell changed since the editor saw it
        (ConcurrentEdit) or, with ``check``, when a cell may not change or a labour rule would
        break (RuleViolation). ``check=False`` (undo) still refuses stale, past, locked and
        clocked-in cells."""
        actor.require(Permission.ROSTER)
        _check_range(start, days)
        if not changes:
            return RosterSaved((), ())
        end = start + timedelta(days=days)
        outside = [c for c in changes if not start <= c.day < end]
        if outside:
            raise ValidationError(f"{outside[0].day:%d %b} is outside the roster being saved")
        with self.app.uow(actor, request_id=request_id) as uow:
            ops = self.save_in(uow, start, days, changes, check=check, reason=reason)
            events = uow.commit()
        return RosterSaved(tuple(changes), ops, events[-1].seq if events else None)

    def save_in(
        self,
        uow: UnitOfWork,
        start: date,
        days: int,
        changes: Sequence[CellChange],
        *,
        check: bool = True,
        reason: str | None = None,
    ) -> tuple[str, ...]:
        """The body of :meth:`save` inside the caller's unit of work (which commits): the lock,
        the stale check, the rules, the rows, the audit rows and the ``saved`` event. Returns
        the operators changed. A draft's publish uses it to write in its own transaction."""
        conn = uow.conn
        if uow.is_postgres:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ROSTER_LOCK_KEY})
        snap = read_snapshot(conn, start, days, uow.now)
        self._stale_check(conn, snap, changes)
        if check:
            refused = snap.refusal(changes)
        else:
            cell_level = (snap.cell_refusal(c) for c in changes)
            refused = [v for v in cell_level if v is not None and v.code in ALWAYS_REFUSED]
        if refused:
            raise RuleViolation(refused)
        self._write(conn, snap, changes)
        ops = tuple(dict.fromkeys(c.operator_id for c in changes))
        for op in ops:
            mine = [c for c in changes if c.operator_id == op]
            uow.audit(
                "roster.save",
                "roster",
                op,
                {c.day.isoformat(): c.before for c in mine},
                {c.day.isoformat(): ("absent" if c.absent else c.after) for c in mine},
                reason,
            )
        day_list = sorted({c.day.isoformat() for c in changes})
        uow.record(Change(Topic.ROSTER, "saved", ops, {"days": day_list}))
        return ops

    def _stale_check(
        self, conn: Connection, snap: RosterSnapshot, changes: Iterable[CellChange]
    ) -> None:
        for c in changes:
            d = snap.index_of(c.day)
            stored = snap.cell(c.operator_id, d)
            if stored.shift != c.before:
                last = conn.execute(
                    select(audit_log.c.user, audit_log.c.seat, audit_log.c.at)
                    .where(audit_log.c.entity_type == "roster")
                    .where(audit_log.c.entity_id == c.operator_id)
                    .order_by(audit_log.c.id.desc())
                    .limit(1)
                ).first()
                where = f"{c.operator_id} on {c.day:%a %d %b}"
                if last is None:
                    raise ConcurrentEdit("the roster cell of", where)
                raise ConcurrentEdit(
                    "the roster cell of", where, changed_by=last.user, seat=last.seat, at=last.at
                )

    def _write(self, conn: Connection, snap: RosterSnapshot, changes: Iterable[CellChange]) -> None:
        t = people.shift_assignments
        for c in changes:
            stored = snap.cell(c.operator_id, snap.index_of(c.day))
            key = and_(t.c.operator_id == c.operator_id, t.c.day == c.day)
            if c.absent:
                conn.execute(
                    update(t)
                    .where(key)
                    .values(status=ShiftAssignmentStatus.ABSENT.value, version=t.c.version + 1)
                )
            elif c.after == OFF:
                conn.execute(delete(t).where(key))
            elif stored.shift == OFF:
                conn.execute(
                    insert(t).values(
                        operator_id=c.operator_id,
                        shift_id=c.after,
                        day=c.day,
                        status=ShiftAssignmentStatus.SCHEDULED.value,
                        published=True,
                        locked=False,
                        version=1,
                    )
                )
            else:
                conn.execute(
                    update(t)
                    .where(key)
                    .values(
                        shift_id=c.after,
                        status=ShiftAssignmentStatus.SCHEDULED.value,
                        published=True,
                        version=t.c.version + 1,
                    )
                )

    def set_locks(
        self,
        actor: Actor,
        cells: Sequence[tuple[str, date]],
        locked: bool,
        *,
        request_id: str | None = None,
    ) -> RosterSaved:
        """Lock (the solver keeps them) or unlock cells, days off included."""
        actor.require(Permission.ROSTER)
        if not cells:
            return RosterSaved((), ())
        t = people.shift_assignments
        with self.app.uow(actor, request_id=request_id) as uow:
            conn = uow.conn
            if uow.is_postgres:
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ROSTER_LOCK_KEY})
            off_locks = _off_locks(conn)
            before = set(off_locks)
            for op, day in cells:
                key = and_(t.c.operator_id == op, t.c.day == day)
                done = conn.execute(
                    update(t).where(key).values(locked=locked, version=t.c.version + 1)
                ).rowcount
                if done:
                    off_locks.discard((op, day))
                elif locked:
                    off_locks.add((op, day))
                else:
                    off_locks.discard((op, day))
            if off_locks != before:
                _write_off_locks(conn, off_locks, actor.user, uow.now)
            ops = tuple(dict.fromkeys(op for op, _ in cells))
            for op in ops:
                uow.audit(
                    "roster.lock" if locked else "roster.unlock",
                    "roster",
                    op,
                    None,
                    {"days": sorted(d.isoformat() for o, d in cells if o == op)},
                )
            day_list = sorted({d.isoformat() for _, d in cells})
            kind = "locked" if locked else "unlocked"
            uow.record(Change(Topic.ROSTER, kind, ops, {"days": day_list}))
            events = uow.commit()
        return RosterSaved((), ops, events[-1].seq if events else None)

    def save_policy(self, actor: Actor, policy: RosterPolicy) -> None:
        """Store the site's cover requirements and contract (replaces the derived ones)."""
        actor.require(Permission.ROSTER)
        with self.app.uow(actor) as uow:
            store_policy(uow, policy)
            uow.commit()
