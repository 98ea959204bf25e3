"""The allocation service: allocate, reassign, release, complete, pause and resume.

Each call is one transaction (a unit of work) that

1. locks the rows it will change in one fixed order (operators, machines, work orders,
   allocations, and the critical materials last; ids sorted), so two calls never wait on each
   other in a circle, and a call that queues for a contended operator or machine does so before
   it holds any work order another seat may need. The lock statements and every read the rules
   need after them (bookings, routing, roster, material lines, the allocations holding what the
   call touches) go to PostgreSQL in one pipeline (services/persistence/pipeline.py): the
   server still runs them one by one, in that order, each waiting for its lock;
2. refuses a stale write (the caller saw an older version) naming who changed the thing, from
   which seat and when;
3. checks every rule of ``domain.rules.allocation`` on what it read under those locks;
4. writes the allocation, the statuses of the operator, machine and work order, the critical
   material reservations, an ``allocation_change_events`` row and an audit row; writes to rows
   it holds locked go with the commit (UnitOfWork.defer_write), and the statuses are settled
   from the holdings read under the locks with the call's own changes laid over them;
5. records the change events that the unit of work writes to the outbox and publishes.

A reassign, release, pause, resume or complete first reads where the allocation is (the peek)
to know what to lock, unless the caller's board says so (``Seen``); either way the locked
allocation is checked, and a call that finds it moved starts again.

PostgreSQL's exclusion constraints are the last line: a racing or buggy client that got past
the rules still cannot double-book (SlotConflict).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any, TypeVar

from sqlalchemy import bindparam, select

from domain.auth import Actor, Permission
from domain.errors import ConcurrentEdit, NotFound, RuleViolation, Violation
from domain.model.allocation import (
    Allocation,
    AllocationChangeEvent,
    AllocationEventType,
    AllocationMethod,
    AllocationStatus,
)
from domain.model.people import Operator, Shift, ShiftAssignment
from domain.model.plant import Machine
from domain.model.work import WorkOrder, WorkOrderStatus
from domain.rules.allocation import (
    AllocationFacts,
    MaterialNeed,
    OperationNeed,
    Verdict,
    check_allocation,
    skill_needs,
)
from domain.rules.overlap import Booking
from services.allocation import facts as F
from services.allocation.commands import (
    Allocate,
    AllocationResult,
    Command,
    Complete,
    Pause,
    Reassign,
    Release,
    Resume,
    Seen,
)
from services.allocation.event_log import event_row, source_of
from services.allocation.statements import built
from services.allocation.status import StatusKeeper, read_holdings
from services.bootstrap import App
from services.errors import DatabaseUnavailable
from services.persistence import repositories as R
from services.persistence.pipeline import Pending, Pipeline
from services.persistence.repository import SqlRepository
from services.persistence.tables import people, work
from services.persistence.uow import UnitOfWork

log = logging.getLogger(__name__)

T = TypeVar("T")

RETRY_SQLSTATES = ("40P01", "40001")  # deadlock detected, serialization failure
MAX_ATTEMPTS = 4


class _Moved(Exception):
    """The allocation changed between the unlocked peek and the lock: read it again."""


def stale(kind: str, key: object, entity: Any) -> ConcurrentEdit:
    """A stale-write refusal naming who last changed ``entity``, from which seat and when."""
    return ConcurrentEdit(
        kind,
        key,
        changed_by=getattr(entity, "updated_by", None),
        seat=getattr(entity, "updated_seat", None),
        at=getattr(entity, "updated_at", None),
    )


def _check_version(kind: str, key: object, entity: Any, expected: int | None) -> None:
    if expected is not None and entity.version != expected:
        raise stale(kind, key, entity)


def _retryable(exc: BaseException) -> bool:
    orig = getattr(exc.__cause__, "orig", None)
    state = getattr(orig, "sqlstate", None)
    return state in RETRY_SQLSTATES


class AllocationService:
    """One per seat (thread-safe: each call opens its own unit of work)."""

    def __init__(self, app: App, *, cache_seconds: float = 30.0) -> None:
        self.app = app
        self._cache_seconds = cache_seconds
        self._cached_at = -1e18
        self._tz: tzinfo | None = None
        self._shifts: dict[str, Shift] = {}
        self._cache_lock = threading.Lock()

    def _roster_basics(self, uow: UnitOfWork) -> tuple[tzinfo, dict[str, Shift]]:
        """The plant's time zone and the shift types, read at most every ``cache_seconds``."""
        with self._cache_lock:
            if self._tz is None or time.monotonic() - self._cached_at > self._cache_seconds:
                self._tz = F.plant_timezone(uow.conn)
                self._shifts = F.load_shifts(uow.conn)
                self._cached_at = time.monotonic()
            return self._tz, self._shifts

    def forget_cache(self) -> None:
        """Re-read the shift types and the time zone on the next call (after a roster change)."""
        with self._cache_lock:
            self._tz = None

    # -- public API ------------------------------------------------------------------------
    def execute(
        self, actor: Actor, cmd: Command, *, request_id: str | None = None
    ) -> AllocationResult:
        if isinstance(cmd, Allocate):
            return self.allocate(actor, cmd, request_id=request_id)
        if isinstance(cmd, Reassign):
            return self.reassign(actor, cmd, request_id=request_id)
        if isinstance(cmd, Release):
            return self.release(actor, cmd, request_id=request_id)
        if isinstance(cmd, Complete):
            return self.complete(actor, cmd, request_id=request_id)
        if isinstance(cmd, Pause):
            return self.pause(actor, cmd, request_id=request_id)
        return self.resume(actor, cmd, request_id=request_id)

    def allocate(
        self, actor: Actor, cmd: Allocate, *, request_id: str | None = None
    ) -> AllocationResult:
        actor.require(Permission.ALLOCATE)
        return self._run(actor, request_id, lambda uow, _attempt: self._allocate(uow, cmd))

    def reassign(
        self, actor: Actor, cmd: Reassign, *, request_id: str | None = None
    ) -> AllocationResult:
        actor.require(Permission.ALLOCATE)
        return self._run(actor, request_id, lambda uow, attempt: self._reassign(uow, cmd, attempt))

    def release(
        self, actor: Actor, cmd: Release, *, request_id: str | None = None
    ) -> AllocationResult:
        actor.require(Permission.ALLOCATE)
        return self._run(
            actor,
            request_id,
            lambda uow, attempt: self._finish(
                uow, cmd, AllocationStatus.RELEASED, AllocationEventType.RELEASED, attempt
            ),
        )

    def complete(
        self, actor: Actor, cmd: Complete, *, request_id: str | None = None
    ) -> AllocationResult:
        actor.require(Permission.ALLOCATE)
        return self._run(
            actor,
            request_id,
            lambda uow, attempt: self._finish(
                uow, cmd, AllocationStatus.COMPLETED, AllocationEventType.COMPLETED, attempt
            ),
        )

    def pause(self, actor: Actor, cmd: Pause, *, request_id: str | None = None) -> AllocationResult:
        actor.require(Permission.ALLOCATE)
        return self._run(
            actor,
            request_id,
            lambda uow, attempt: self._finish(
                uow, cmd, AllocationStatus.PAUSED, AllocationEventType.PAUSED, attempt
            ),
        )

    def resume(
        self, actor: Actor, cmd: Resume, *, request_id: str | None = None
    ) -> AllocationResult:
        actor.require(Permission.ALLOCATE)
        return self._run(
            actor,
            request_id,
            lambda uow, attempt: self._finish(
                uow, cmd, AllocationStatus.ACTIVE, AllocationEventType.RESUMED, attempt
            ),
        )

    # -- transaction plumbing --------------------------------------------------------------
    def _run(self, actor: Actor, request_id: str | None, body: Callable[[UnitOfWork, int], T]) -> T:
        """Run ``body`` in a unit of work (with the attempt number, from 1); retry the whole
        transaction after a deadlock, a serialization failure or an allocation that moved
        between the peek (or what the caller's board showed) and the lock."""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                with self.app.uow(actor, request_id=request_id) as uow:
                    return body(uow, attempt)
            except _Moved:
                log.debug("allocation moved while locking; attempt %d", attempt)
            except DatabaseUnavailable as exc:
                if not _retryable(exc) or attempt == MAX_ATTEMPTS:
                    raise
                log.info("transaction retried after %s", exc.message)
        raise ConcurrentEdit("allocation", "?", changed_by="several seats at once")

    # -- allocate --------------------------------------------------------------------------
    def _allocate(self, uow: UnitOfWork, cmd: Allocate) -> AllocationResult:
        r = uow.repos
        now: datetime = uow.now
        start = cmd.start or now
        # the locks (operator, machine, work order: the fixed order) and every read the rules
        # need after them go to the server together (one round trip on PostgreSQL)
        p = Pipeline(uow.conn)
        op_rows = _lock_operators_query(uow, p, [cmd.operator_id])
        m_rows = _lock_rows(p, r.machines, _ids(cmd.machine_id))
        wo_rows = p.add(*r.work_orders.many_query([cmd.work_order_id], lock=True))
        facts = self._facts(
            uow, p, now, cmd.work_order_id, cmd.operator_id, cmd.machine_id, materials=True
        )
        holdings = read_holdings(p, [cmd.operator_id], [cmd.machine_id], [cmd.work_order_id])
        p.run()
        ops = _operators_from(op_rows, [cmd.operator_id])
        op = ops[cmd.operator_id] if cmd.operator_id else None
        if op is not None:
            _check_version("operator", op.id, op, cmd.expected_operator_version)
        machine = _all(r.machines, m_rows, _ids(cmd.machine_id)).get(cmd.machine_id or "")
        if machine is not None:
            _check_version("machine", machine.id, machine, cmd.expected_machine_version)
        wo = _all(r.work_orders, wo_rows, [cmd.work_order_id])[cmd.work_order_id]
        _check_version("work order", wo.id, wo, cmd.expected_work_order_version)
        bookings = facts.bookings()
        waiting = None
        if op is not None and machine is not None:
            waiting = next(
                (
                    b
                    for b in bookings
                    if b.machine_id == machine.id
                    and b.operator_id is None
                    and b.work_order_id == wo.id
                ),
                None,
            )
        ignore = frozenset({waiting.allocation_id} if waiting else ())
        reserve = wo.status is WorkOrderStatus.QUEUED
        verdict, needs = self._verdict(
            uow, facts, wo, op, machine, now, start, cmd.end, bookings, ignore, materials=reserve
        )
        verdict.raise_if_invalid()
        keeper = StatusKeeper(uow, now)
        keeper.known(wo, op, machine)
        if waiting is not None:
            # the machine waits for people on this very work order: the operator staffs it
            alloc = r.allocations.require(waiting.allocation_id, lock=True)
            before = alloc.snapshot()
            alloc.operator_id = op.id if op else None
            alloc.allocation_type = Allocation.type_for(alloc.operator_id, alloc.machine_id)
            alloc.method, alloc.suggestion_score = cmd.method, cmd.score
            alloc.expected_start = max(alloc.expected_start or start, start)
            self._stamp(uow, alloc)
            _defer_update(uow, r.allocations, alloc)
            event = AllocationEventType.REASSIGNED
            reason_code = cmd.reason_code or "staffed"
            self._log(uow, keeper, alloc, event, before, reason_code, cmd.reason, now)
        else:
            alloc = Allocation(
                work_order_id=wo.id,
                allocation_type=Allocation.type_for(cmd.operator_id, cmd.machine_id),
                allocated_by=uow.actor.user,
                allocated_at=now,
                operator_id=cmd.operator_id,
                machine_id=cmd.machine_id,
                method=cmd.method,
                suggestion_score=cmd.score if cmd.method is not AllocationMethod.MANUAL else None,
                expected_start=start,
                expected_end=cmd.end,
                actual_start=now if start <= now else None,
            )
            self._stamp(uow, alloc)
            r.allocations.add(alloc)
            event = AllocationEventType.CREATED
            self._log(uow, keeper, alloc, event, None, cmd.reason_code, cmd.reason, now)
        keeper.touch(operators=[cmd.operator_id], machines=[cmd.machine_id], work_orders=[wo.id])
        keeper.touch_allocations([alloc.id])
        keeper.settle(holdings)
        if reserve:
            keeper.reserve_critical(wo, needs)
        return self._result(uow, keeper, alloc, event, verdict.warnings)

    # -- reassign --------------------------------------------------------------------------
    def _reassign(self, uow: UnitOfWork, cmd: Reassign, attempt: int) -> AllocationResult:
        r = uow.repos
        peek = _where(uow, cmd.allocation_id, cmd.expected_version, cmd.seen, attempt)
        now: datetime = uow.now
        p = Pipeline(uow.conn)
        op_rows = _lock_operators_query(uow, p, [peek.operator_id, cmd.operator_id])
        m_rows = _lock_rows(p, r.machines, _ids(peek.machine_id, cmd.machine_id))
        wo_rows = p.add(
            *r.work_orders.many_query(_ids(peek.work_order_id, cmd.work_order_id), lock=True)
        )
        a_rows = p.add(*r.allocations.many_query([peek.id], lock=True))
        facts = self._facts(
            uow,
            p,
            now,
            cmd.work_order_id,
            cmd.operator_id,
            cmd.machine_id,
            materials=cmd.work_order_id != peek.work_order_id,
        )
        holdings = read_holdings(
            p,
            [peek.operator_id, cmd.operator_id],
            [peek.machine_id, cmd.machine_id],
            [peek.work_order_id, cmd.work_order_id],
        )
        p.run()
        # the allocation first: if it is not where it was thought to be, start again
        alloc = _locked_allocation(r.allocations, a_rows, peek, cmd.expected_version)
        ops = _operators_from(op_rows, [peek.operator_id, cmd.operator_id])
        machines = _all(r.machines, m_rows, _ids(peek.machine_id, cmd.machine_id))
        wos = _all(r.work_orders, wo_rows, _ids(peek.work_order_id, cmd.work_order_id))
        if not alloc.status.holds_resources:
            raise RuleViolation([_closed(alloc, "reassigned")])
        same = (alloc.work_order_id, alloc.operator_id, alloc.machine_id) == (
            cmd.work_order_id,
            cmd.operator_id,
            cmd.machine_id,
        )
        if same:
            raise RuleViolation(
                [Violation("nothing_changes", f"allocation {alloc.id} is already there")]
            )
        wo = wos[cmd.work_order_id]
        op = ops.get(cmd.operator_id) if cmd.operator_id else None
        machine = machines.get(cmd.machine_id) if cmd.machine_id else None
        start = max(alloc.expected_start or now, now)
        bookings = facts.bookings()
        absorbed = [
            b.allocation_id
            for b in bookings
            if machine is not None
            and op is not None
            and b.machine_id == machine.id
            and b.operator_id is None
            and b.work_order_id == wo.id
            and b.allocation_id != alloc.id
        ]
        ignore = frozenset({alloc.id or 0, *absorbed})
        reserve = wo.status is WorkOrderStatus.QUEUED and wo.id != alloc.work_order_id
        verdict, needs = self._verdict(
            uow,
            facts,
            wo,
            op,
            machine,
            now,
            start,
            alloc.expected_end,
            bookings,
            ignore,
            materials=reserve,
        )
        verdict.raise_if_invalid()
        keeper = StatusKeeper(uow, now)
        keeper.known(*wos.values(), *ops.values(), *machines.values())
        released: list[int] = []
        for other_id in sorted(absorbed):
            other = r.allocations.require(other_id, lock=True)
            before = other.snapshot()
            other.move_to(AllocationStatus.RELEASED)
            other.released_by, other.released_at = uow.actor.user, now
            other.release_reason = f"merged into allocation {alloc.id}"
            other.actual_end = now
            self._stamp(uow, other)
            _defer_update(uow, r.allocations, other)
            self._log(uow, keeper, other, AllocationEventType.RELEASED, before, "merged", None, now)
            released.append(other.id or 0)
        before = alloc.snapshot()
        old = (alloc.operator_id, alloc.machine_id, alloc.work_order_id)
        alloc.work_order_id = wo.id
        alloc.operator_id = op.id if op else None
        alloc.machine_id = machine.id if machine else None
        alloc.allocation_type = Allocation.type_for(alloc.operator_id, alloc.machine_id)
        alloc.expected_start = start
        self._stamp(uow, alloc)
        _defer_update(uow, r.allocations, alloc)
        event = AllocationEventType.REASSIGNED
        self._log(uow, keeper, alloc, event, before, cmd.reason_code, cmd.reason, now)
        keeper.touch(
            operators=[old[0], alloc.operator_id],
            machines=[old[1], alloc.machine_id],
            work_orders=[old[2], alloc.work_order_id],
        )
        keeper.touch_allocations([alloc.id, *released])
        keeper.settle(holdings)
        if reserve:
            keeper.reserve_critical(wo, needs)
        return self._result(uow, keeper, alloc, event, verdict.warnings, tuple(released))

    # -- release, complete, pause, resume --------------------------------------------------
    def _finish(
        self,
        uow: UnitOfWork,
        cmd: Release | Complete | Pause | Resume,
        status: AllocationStatus,
        event: AllocationEventType,
        attempt: int,
    ) -> AllocationResult:
        r = uow.repos
        peek = _where(uow, cmd.allocation_id, cmd.expected_version, cmd.seen, attempt)
        resuming = status is AllocationStatus.ACTIVE
        now: datetime = uow.now
        p = Pipeline(uow.conn)
        # only a resume checks skills again: the others lock the operator without reading them
        op_rows = _lock_operators_query(uow, p, [peek.operator_id], skills=resuming)
        m_rows = _lock_rows(p, r.machines, _ids(peek.machine_id))
        wo_rows = p.add(*r.work_orders.many_query(_ids(peek.work_order_id), lock=True))
        a_rows = p.add(*r.allocations.many_query([peek.id], lock=True))
        check = resuming and peek.status in (AllocationStatus.PAUSED, None)
        facts = (
            self._facts(
                uow, p, now, peek.work_order_id, peek.operator_id, peek.machine_id, materials=False
            )
            if check
            else None
        )
        holdings = read_holdings(p, [peek.operator_id], [peek.machine_id], [peek.work_order_id])
        p.run()
        alloc = _locked_allocation(r.allocations, a_rows, peek, cmd.expected_version)
        ops = _operators_from(op_rows, [peek.operator_id], skills=resuming)
        machines = _all(r.machines, m_rows, _ids(peek.machine_id))
        wos = _all(r.work_orders, wo_rows, _ids(peek.work_order_id))
        warnings: tuple[Violation, ...] = ()
        if status is AllocationStatus.ACTIVE and alloc.status is AllocationStatus.PAUSED:
            wo = wos[alloc.work_order_id]
            op = ops.get(alloc.operator_id) if alloc.operator_id else None
            machine = machines.get(alloc.machine_id) if alloc.machine_id else None
            if facts is None:  # it was not paused when peeked at: read what the rules need now
                facts = self._facts(
                    uow, p, now, wo.id, alloc.operator_id, alloc.machine_id, materials=False
                )
                p.run()
            start = max(alloc.expected_start or now, now)
            verdict, _ = self._verdict(
                uow,
                facts,
                wo,
                op,
                machine,
                now,
                start,
                alloc.expected_end,
                facts.bookings(),
                frozenset({alloc.id or 0}),
                materials=False,
            )
            verdict.raise_if_invalid()
            warnings = verdict.warnings
        before = alloc.snapshot()
        alloc.move_to(status)
        if status in (AllocationStatus.RELEASED, AllocationStatus.COMPLETED):
            alloc.actual_end = now
            if status is AllocationStatus.RELEASED:
                alloc.released_by, alloc.released_at = uow.actor.user, now
                alloc.release_reason = (cmd.reason or cmd.reason_code or "released")[:200]
        self._stamp(uow, alloc)
        _defer_update(uow, r.allocations, alloc)
        keeper = StatusKeeper(uow, now)
        keeper.known(*wos.values(), *ops.values(), *machines.values())
        self._log(uow, keeper, alloc, event, before, cmd.reason_code, cmd.reason, now)
        keeper.complete_work_order = isinstance(cmd, Complete) and cmd.work_order_done
        keeper.touch(
            operators=[alloc.operator_id],
            machines=[alloc.machine_id],
            work_orders=[alloc.work_order_id],
        )
        keeper.touch_allocations([alloc.id])
        keeper.settle(holdings)
        return self._result(uow, keeper, alloc, event, warnings)

    # -- helpers ---------------------------------------------------------------------------
    def _facts(
        self,
        uow: UnitOfWork,
        p: Pipeline,
        now: datetime,
        work_order_id: str,
        operator_id: str | None,
        machine_id: str | None,
        *,
        materials: bool,
    ) -> _Facts:
        """Add the reads the rules need (bookings, routing, roster, and the order's material
        lines when it may reserve) to ``p``, after its locks."""
        tz, shifts = self._roster_basics(uow)  # cached: usually no statement at all
        return _Facts(
            p,
            now=now,
            tz=tz,
            shifts=shifts,
            work_order_id=work_order_id,
            operator_id=operator_id,
            machine_id=machine_id,
            materials=materials,
        )

    def _verdict(
        self,
        uow: UnitOfWork,
        facts: _Facts,
        wo: WorkOrder,
        op: Operator | None,
        machine: Machine | None,
        now: datetime,
        start: datetime,
        end: datetime | None,
        bookings: list[Any],
        ignore: frozenset[int],
        *,
        materials: bool,
    ) -> tuple[Verdict, tuple[MaterialNeed, ...]]:
        mf = F.machine_facts(machine) if machine else None
        needs, eligible = skill_needs(facts.operations(wo.id), mf)
        of = None
        if op is not None:
            of = F.operator_facts(op, facts.roster(op.id), facts.shifts, now, facts.tz)
        needs_material: tuple[MaterialNeed, ...] = ()
        if materials:
            read = facts.materials(wo.id)
            needs_material = (
                read
                if read is not None
                else F.load_material_needs(uow.conn, [wo.id]).get(wo.id, ())
            )
        verdict = check_allocation(
            AllocationFacts(
                work_order_id=wo.id,
                work_order_number=wo.number,
                work_order_status=wo.status,
                at=now,
                start=start,
                end=end,
                operator=of,
                machine=mf,
                needs=needs,
                machine_eligible=eligible,
                materials=tuple(needs_material),
                bookings=tuple(bookings),
                ignore=ignore,
            )
        )
        return verdict, tuple(needs_material)

    @staticmethod
    def _stamp(uow: UnitOfWork, entity: Any) -> None:
        entity.updated_by = uow.actor.user
        entity.updated_seat = uow.actor.seat
        entity.updated_at = uow.now

    @staticmethod
    def _log(
        uow: UnitOfWork,
        keeper: StatusKeeper,
        alloc: Allocation,
        event: AllocationEventType,
        before: dict[str, Any] | None,
        reason_code: str | None,
        reason: str | None,
        now: datetime,
    ) -> None:
        after = alloc.snapshot()
        keeper.changed(alloc, before)
        actor = uow.actor
        # both rows are append-only and never read back by the call: they are written with the
        # outbox row at commit, in this transaction (one round trip on PostgreSQL)
        uow.defer_insert(
            work.allocation_change_events,
            event_row(
                AllocationChangeEvent(
                    allocation_id=alloc.id or 0,
                    event_type=event,
                    at=now,
                    changed_by=actor.user,
                    seat=actor.seat,
                    source=source_of(actor.source),
                    previous_state=before,
                    new_state=after,
                    reason_code=reason_code,
                    reason=reason,
                    extra={"request_id": uow.request_id},
                )
            ),
        )
        action = f"allocation.{event.value}"
        uow.audit(action, "allocation", alloc.id, before, after, reason, deferred=True)

    @staticmethod
    def _result(
        uow: UnitOfWork,
        keeper: StatusKeeper,
        alloc: Allocation,
        event: AllocationEventType,
        warnings: tuple[Violation, ...],
        released: tuple[int, ...] = (),
    ) -> AllocationResult:
        kind = event.value
        keeper.record(kind)
        events = uow.commit()
        return AllocationResult(
            allocation_id=alloc.id or 0,
            version=alloc.version,
            status=alloc.status.value,
            event=kind,
            work_order_id=alloc.work_order_id,
            operator_id=alloc.operator_id,
            machine_id=alloc.machine_id,
            request_id=uow.request_id,
            seqs=tuple(e.seq for e in events),
            warnings=warnings,
            released=released,
        )


def _defer_update(uow: UnitOfWork, repo: SqlRepository[Any], entity: Any) -> None:
    """A versioned update of a row this call holds locked, sent with the commit (nothing in
    the call reads it back; its settle lays the change over what it read). The entity's
    version moves on now, as the change event carries it."""
    stmt, params, done = repo.update_query(entity)
    entity.version = params["new_version"]
    uow.defer_write(stmt, params, done)


def _ids(*keys: str | None) -> list[str]:
    return sorted({k for k in keys if k})


@dataclass(frozen=True)
class _Where:
    """Which allocation a call works on and where it is (as peeked at, or as the caller's
    board showed it): what to lock."""

    id: int
    work_order_id: str
    operator_id: str | None
    machine_id: str | None
    status: AllocationStatus | None  # None: not read (the board's word)


def _where(
    uow: UnitOfWork, allocation_id: int, expected: int | None, seen: Seen | None, attempt: int
) -> _Where:
    """Where the allocation is: the caller's board's word on the first attempt (checked under
    the locks), else read (a peek, refused at once when the caller's version is stale)."""
    if seen is not None and attempt == 1:
        return _Where(allocation_id, seen.work_order_id, seen.operator_id, seen.machine_id, None)
    peek = _peek(uow, allocation_id)
    if expected is not None and peek.version != expected:
        raise stale("allocation", peek.id, peek)
    return _Where(
        peek.id or allocation_id, peek.work_order_id, peek.operator_id, peek.machine_id, peek.status
    )


def _peek(uow: UnitOfWork, allocation_id: int) -> Allocation:
    """The allocation as it is now, unlocked: which operator, machine and work order to lock.
    Sent as a pipeline of one (on PostgreSQL it goes with the transaction's BEGIN)."""
    repo = uow.repos.allocations
    p = Pipeline(uow.conn)
    rows = p.add(*repo.many_query([allocation_id]))
    p.run()
    found = repo.many_from(rows.rows).get(allocation_id)
    if found is None:
        raise NotFound(repo.entity_name, allocation_id)
    return found


def _lock_rows(p: Pipeline, repo: SqlRepository[Any], keys: list[str]) -> Pending | None:
    """Add the lock of ``keys``' rows to ``p`` (nothing when there are none)."""
    return p.add(*repo.many_query(keys, lock=True)) if keys else None


def _all(repo: SqlRepository[Any], rows: Pending | None, keys: list[str]) -> dict[str, Any]:
    """The rows a ``many_query`` locked, by key; NotFound for the first key missing."""
    found = repo.many_from(rows.rows) if rows is not None else {}
    for k in keys:
        if k not in found:
            raise NotFound(repo.entity_name, k)
    return found


def _lock_operators_query(
    uow: UnitOfWork, p: Pipeline, keys: Iterable[str | None], *, skills: bool = True
) -> Pending | None:
    """Lock operators in id order and read their rows, with their skills in the same
    statement (a left join; ``FOR UPDATE OF operators`` locks only the operator rows).
    Without ``skills`` (a release, a pause...) the skills are not read at all."""
    wanted = sorted({k for k in keys if k})
    if not wanted:
        return None
    stmt = built(("lock_operators", skills, uow.is_postgres), lambda: _lock_select(uow, skills))
    return p.add(stmt, {"ids": wanted})


def _operators_from(
    rows: Pending | None, keys: Iterable[str | None], *, skills: bool = True
) -> dict[str, Operator]:
    """The operators :func:`_lock_operators_query` read; NotFound for one that is missing
    (when reading skills; a release goes ahead for an operator deleted meanwhile)."""
    if rows is None:
        return {}
    sk = people.operator_skills
    if not skills:
        found = {r["id"]: R.OPERATOR.from_row(r, skills=[]) for r in rows.rows}
    else:
        held: dict[str, list[Any]] = {}
        first: dict[str, Any] = {}
        for r in rows.rows:
            first.setdefault(r["id"], r)
            bucket = held.setdefault(r["id"], [])
            if r["skill__id"] is not None:
                bucket.append(R.SKILL.from_row({c.name: r[f"skill__{c.name}"] for c in sk.c}))
        found = {k: R.OPERATOR.from_row(first[k], skills=held[k]) for k in first}
        for k in sorted({k for k in keys if k}):
            if k not in found:
                raise NotFound("operator", k)
    return found


def _locked_allocation(
    repo: SqlRepository[Allocation], rows: Pending, peek: _Where, expected: int | None
) -> Allocation:
    """The allocation as locked: stale if the caller saw another version; ``_Moved`` (read it
    again) if its operator, machine or work order changed since the peek."""
    alloc = repo.many_from(rows.rows).get(peek.id)
    if alloc is None:
        raise NotFound("allocation", peek.id)
    if expected is not None and alloc.version != expected:
        raise stale("allocation", alloc.id, alloc)
    moved = (alloc.work_order_id, alloc.operator_id, alloc.machine_id) != (
        peek.work_order_id,
        peek.operator_id,
        peek.machine_id,
    )
    if moved:
        raise _Moved()
    return alloc


class _Facts:
    """The reads the allocation rules need, sent after the call's locks in its pipeline."""

    def __init__(
        self,
        p: Pipeline,
        *,
        now: datetime,
        tz: tzinfo,
        shifts: dict[str, Shift],
        work_order_id: str,
        operator_id: str | None,
        machine_id: str | None,
        materials: bool,
    ) -> None:
        self.tz, self.shifts = tz, shifts
        q = F.bookings_query(
            operator_ids=[operator_id] if operator_id else [],
            machine_ids=[machine_id] if machine_id else [],
        )
        self._bookings = p.add(*q) if q else None
        q = F.operations_query([work_order_id])
        self._operations = p.add(*q) if q else None
        q = F.roster_query(now, tz, [operator_id]) if operator_id else None
        self._roster = p.add(*q) if q else None
        q = F.material_needs_query([work_order_id]) if materials else None
        self._materials = p.add(*q) if q else None
        self._conn = p.conn
        self._now = now
        self._operator_id = operator_id
        self._work_order_id = work_order_id

    def bookings(self) -> list[Booking]:
        return F.bookings_from(self._bookings.rows) if self._bookings else []

    def operations(self, work_order_id: str) -> tuple[OperationNeed, ...]:
        if self._operations is None or work_order_id != self._work_order_id:  # not sent: read
            return F.load_operations(self._conn, [work_order_id]).get(work_order_id, ())
        return F.operations_from(self._operations.rows).get(work_order_id, ())

    def roster(self, operator_id: str) -> list[ShiftAssignment]:
        if self._roster is None or operator_id != self._operator_id:  # not sent: read
            return F.load_roster(self._conn, self._now, self.tz, [operator_id]).get(operator_id, [])
        return F.roster_from(self._roster.rows).get(operator_id, [])

    def materials(self, work_order_id: str) -> tuple[MaterialNeed, ...] | None:
        """The order's material lines, None when they were not read."""
        if self._materials is None or work_order_id != self._work_order_id:
            return None
        return F.material_needs_from(self._materials.rows).get(work_order_id, ())


def _lock_select(uow: UnitOfWork, skills: bool) -> Any:
    """``SELECT operators [+ their skills] WHERE id IN :ids ORDER BY id [FOR UPDATE OF
    operators]`` (see AllocationService._lock_operators)."""
    o, sk = people.operators, people.operator_skills
    ids: Any = bindparam("ids", expanding=True)
    if not skills:
        stmt = select(o).where(o.c.id.in_(ids)).order_by(o.c.id)
        return stmt.with_for_update() if uow.is_postgres else stmt
    skill_cols = [c.label(f"skill__{c.name}") for c in sk.c]
    stmt = (
        select(o, *skill_cols)
        .select_from(o.outerjoin(sk, sk.c.operator_id == o.c.id))
        .where(o.c.id.in_(ids))
        .order_by(o.c.id, sk.c.skill_code)
    )
    return stmt.with_for_update(of=o) if uow.is_postgres else stmt


def _closed(alloc: Allocation, verb: str) -> Violation:
    return Violation(
        "allocation_closed",
        f"allocation {alloc.id} is {alloc.status.value} and cannot be {verb}",
        {"allocation_id": alloc.id, "status": alloc.status.value},
    )
