"""The board's state as plain Python: cards by id, updated by deltas, and what a drop means.

The Qt board model wraps one of these; the benchmark's seat processes and the two-seat test use
it directly. :meth:`BoardState.plan` turns "this card onto that card" into the one service
command it stands for and the verdict of the same domain rules the service runs, so the board
can highlight valid targets and explain invalid ones before anything is sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TypeVar

from domain.errors import Violation
from domain.model.work import WorkOrderStatus
from domain.rules.allocation import (
    AllocationFacts,
    MachineFacts,
    Verdict,
    check_allocation,
    skill_needs,
)
from domain.rules.overlap import Booking
from services.allocation.cards import (
    AllocationCard,
    BoardSnapshot,
    CardIds,
    MachineCard,
    OperatorCard,
    WorkOrderCard,
)
from services.allocation.commands import (
    Allocate,
    AllocationResult,
    Command,
    Reassign,
    Release,
    Seen,
)

C = TypeVar("C", OperatorCard, MachineCard, WorkOrderCard)

POOL = "pool"
NO_WORK_ORDER = "machine_without_work_order"
SAME_PLACE = "already_there"
NOT_A_TARGET = "not_a_target"


@dataclass(frozen=True, slots=True)
class Plan:
    """What dropping ``source`` on ``target`` would do: the command, or why it cannot."""

    source: str
    target: str
    command: Command | None
    verdict: Verdict
    description: str

    @property
    def ok(self) -> bool:
        return self.command is not None and self.verdict.ok

    @property
    def why_not(self) -> str:
        return self.verdict.explain()


def _refuse(source: str, target: str, code: str, text: str) -> Plan:
    return Plan(source, target, None, Verdict((Violation(code, text),)), text)


@dataclass
class BoardState:
    at: datetime | None = None
    operators: dict[str, OperatorCard] = field(default_factory=dict)
    machines: dict[str, MachineCard] = field(default_factory=dict)
    work_orders: dict[str, WorkOrderCard] = field(default_factory=dict)
    allocations: dict[int, AllocationCard] = field(default_factory=dict)
    lines: tuple[tuple[str, str], ...] = ()
    historic: bool = False
    _bookings: tuple[Booking, ...] | None = field(default=None, repr=False)

    # -- loading ---------------------------------------------------------------------------
    def load(self, snap: BoardSnapshot) -> None:
        self.at = snap.at
        self.operators = {c.id: c for c in snap.operators}
        self.machines = {c.id: c for c in snap.machines}
        self.work_orders = {c.id: c for c in snap.work_orders}
        self.allocations = {c.id: c for c in snap.allocations if c.holds}
        self.lines = snap.lines
        self.historic = snap.historic
        self._bookings = None

    def apply(self, delta: BoardSnapshot) -> set[str]:
        """Apply the cards of a delta; returns the keys of the cards that changed."""
        if delta.asked is None or delta.asked.everything:
            before = set(self.keys())
            self.load(delta)
            return before | set(self.keys())
        asked = delta.asked
        self.at = delta.at
        self._bookings = None
        changed: set[str] = set()
        changed |= _merge(self.operators, {c.id: c for c in delta.operators}, asked.operators)
        changed |= _merge(self.machines, {c.id: c for c in delta.machines}, asked.machines)
        changed |= _merge(self.work_orders, {c.id: c for c in delta.work_orders}, asked.work_orders)
        got = {c.id: c for c in delta.allocations if c.holds}
        gone = {c.id for c in delta.allocations if not c.holds} | (
            set(asked.allocations) - {c.id for c in delta.allocations}
        )
        for aid in gone:
            if self.allocations.pop(aid, None) is not None:
                changed.add(f"allocation:{aid}")
        for aid, card in got.items():
            if self.allocations.get(aid) != card:
                self.allocations[aid] = card
                changed.add(card.key)
        return changed

    def expand(self, ids: CardIds) -> CardIds:
        """``ids`` plus the queued orders whose stock changed (their material lines)."""
        if not ids.materials:
            return ids
        wos = {
            w.id
            for w in self.work_orders.values()
            if any(m.material_id in ids.materials for m in w.materials)
        }
        return replace(ids, materials_of=ids.materials_of | frozenset(wos))

    def keys(self) -> Iterator[str]:
        for o in self.operators.values():
            yield o.key
        for m in self.machines.values():
            yield m.key
        for w in self.work_orders.values():
            yield w.key
        for a in self.allocations.values():
            yield a.key

    # -- views of the state ----------------------------------------------------------------
    def pool(self) -> list[OperatorCard]:
        """Operators no allocation holds (the unassigned pool), on shift first."""
        free = [o for o in self.operators.values() if o.allocation_id is None]
        return sorted(free, key=lambda o: (o.shift is None, o.name))

    def waiting(self) -> list[WorkOrderCard]:
        """Open work orders nobody works on yet."""
        return [w for w in self.work_orders.values() if w.waiting_for_people]

    def machines_of(self, line_id: str) -> list[MachineCard]:
        return sorted(
            (m for m in self.machines.values() if m.line_id == line_id), key=lambda m: m.name
        )

    def bookings(self) -> tuple[Booking, ...]:
        if self._bookings is None:
            self._bookings = tuple(self._make_bookings())
        return self._bookings

    def _make_bookings(self) -> list[Booking]:
        out = []
        for a in self.allocations.values():
            wo = self.work_orders.get(a.work_order_id)
            op = self.operators.get(a.operator_id or "")
            m = self.machines.get(a.machine_id or "")
            out.append(
                Booking(
                    allocation_id=a.id,
                    work_order_id=a.work_order_id,
                    work_order_number=wo.number if wo else a.work_order_id,
                    start=a.start,
                    end=a.end,
                    operator_id=a.operator_id,
                    operator_name=op.name if op else a.operator_id,
                    machine_id=a.machine_id,
                    machine_name=m.name if m else a.machine_id,
                    status=a.status,
                )
            )
        return out

    def card(self, key: str) -> object | None:
        kind, _, ident = key.partition(":")
        if kind == "operator":
            return self.operators.get(ident)
        if kind == "machine":
            return self.machines.get(ident)
        if kind == "work_order":
            return self.work_orders.get(ident)
        if kind == "allocation" and ident.isdigit():
            return self.allocations.get(int(ident))
        return None

    def label(self, key: str) -> str:
        card = self.card(key)
        if isinstance(card, OperatorCard | MachineCard):
            return card.name
        if isinstance(card, WorkOrderCard):
            return card.number
        if key == POOL:
            return "the unassigned pool"
        return key

    # -- what a drop means -----------------------------------------------------------------
    def facts(
        self,
        wo: WorkOrderCard,
        op: OperatorCard | None,
        machine: MachineCard | None,
        at: datetime,
        ignore: frozenset[int],
        *,
        reserve: bool,
    ) -> AllocationFacts:
        mf: MachineFacts | None = machine.facts() if machine else None
        needs, eligible = skill_needs(wo.operations, mf)
        return AllocationFacts(
            work_order_id=wo.id,
            work_order_number=wo.number,
            work_order_status=WorkOrderStatus(wo.status),
            at=at,
            start=at,
            operator=op.facts() if op else None,
            machine=mf,
            needs=needs,
            machine_eligible=eligible,
            materials=wo.materials if reserve else (),
            bookings=self.bookings(),
            ignore=ignore,
        )

    def plan(self, source: str, target: str, at: datetime | None = None) -> Plan:
        """The command and the verdict of dropping ``source`` onto ``target``."""
        now = at or self.at
        if now is None:
            return _refuse(source, target, NOT_A_TARGET, "the board is not loaded yet")
        if self.historic:
            return _refuse(source, target, "historic", "the board shows the past: go back to now")
        src = self.card(source)
        if isinstance(src, OperatorCard):
            return self._plan_operator(src, target, now)
        if isinstance(src, WorkOrderCard):
            return self._plan_work_order(src, target, now)
        return _refuse(source, target, NOT_A_TARGET, "only operators and work orders move")

    def targets(self, source: str, at: datetime | None = None) -> list[Plan]:
        """Every place ``source`` could go, valid or not (the keyboard path's list)."""
        keys = [POOL] + [m.key for m in self.machines.values()]
        keys += [w.key for w in self.work_orders.values()]
        plans = [self.plan(source, k, at) for k in keys if k != source]
        return [p for p in plans if p.verdict.codes != (NOT_A_TARGET,)]

    def _holding(self, op: OperatorCard) -> AllocationCard | None:
        return self.allocations.get(op.allocation_id) if op.allocation_id else None

    def _waiting_reservation(self, wo: WorkOrderCard) -> AllocationCard | None:
        for aid in wo.allocation_ids:
            a = self.allocations.get(aid)
            if a is not None and a.machine_id and not a.operator_id:
                return a
        return None

    def _plan_operator(self, op: OperatorCard, target: str, at: datetime) -> Plan:
        src = op.key
        held = self._holding(op)
        if target == POOL:
            if held is None:
                return _refuse(src, target, SAME_PLACE, f"{op.name} is already unassigned")
            release = Release(
                held.id, held.version, reason_code="released_on_board", seen=Seen.of(held)
            )
            text = f"Release {op.name} from {self._where(held)}"
            return Plan(src, target, release, Verdict(), text)
        dest = self.card(target)
        machine: MachineCard | None = None
        if isinstance(dest, MachineCard):
            machine = dest
            if machine.allocation_id is None:
                text = f"{machine.name} has no work order: drop a work order on it first"
                return _refuse(src, target, NO_WORK_ORDER, text)
            mh = self.allocations.get(machine.allocation_id)
            wo = self.work_orders.get(mh.work_order_id) if mh else None
            if mh is None or wo is None:
                return _refuse(src, target, NOT_A_TARGET, f"{machine.name} is not loaded yet")
            if mh.operator_id == op.id:
                return _refuse(src, target, SAME_PLACE, f"{op.name} already runs {machine.name}")
            ignore = {mh.id} if mh.operator_id is None else set()
        elif isinstance(dest, WorkOrderCard):
            wo = dest
            waiting = self._waiting_reservation(wo)
            machine = self.machines.get(waiting.machine_id or "") if waiting else None
            ignore = {waiting.id} if waiting else set()
        else:
            return _refuse(src, target, NOT_A_TARGET, "not a place for an operator")
        machine_id = machine.id if machine else None
        cmd: Command
        if held is not None:
            if (held.work_order_id, held.machine_id) == (wo.id, machine_id):
                return _refuse(src, target, SAME_PLACE, f"{op.name} is already there")
            ignore.add(held.id)
            reserve = held.work_order_id != wo.id and wo.status == "queued"
            verdict = check_allocation(
                self.facts(wo, op, machine, at, frozenset(ignore), reserve=reserve)
            )
            cmd = Reassign(held.id, held.version, wo.id, op.id, machine_id, seen=Seen.of(held))
            text = f"Move {op.name} from {self._where(held)} to {self._place(wo, machine)}"
            if held.machine_id and held.machine_id != machine_id:
                freed = self.machines.get(held.machine_id)
                text += f" ({freed.name if freed else held.machine_id} stops)"
        else:
            verdict = check_allocation(
                self.facts(wo, op, machine, at, frozenset(ignore), reserve=wo.status == "queued")
            )
            cmd = Allocate(
                wo.id,
                operator_id=op.id,
                machine_id=machine_id,
                expected_operator_version=op.version,
                expected_machine_version=machine.version if machine else None,
            )
            text = f"Allocate {op.name} to {self._place(wo, machine)}"
        return Plan(src, target, cmd, verdict, text)

    def _plan_work_order(self, wo: WorkOrderCard, target: str, at: datetime) -> Plan:
        dest = self.card(target)
        if not isinstance(dest, MachineCard):
            return _refuse(wo.key, target, NOT_A_TARGET, "a work order goes onto a machine")
        verdict = check_allocation(
            self.facts(wo, None, dest, at, frozenset(), reserve=wo.status == "queued")
        )
        cmd = Allocate(
            wo.id,
            machine_id=dest.id,
            expected_machine_version=dest.version,
            expected_work_order_version=wo.version,
        )
        return Plan(wo.key, target, cmd, verdict, f"Put {wo.number} on {dest.name}")

    def _place(self, wo: WorkOrderCard, machine: MachineCard | None) -> str:
        return f"{wo.number} on {machine.name}" if machine else wo.number

    def _where(self, a: AllocationCard) -> str:
        wo = self.work_orders.get(a.work_order_id)
        m = self.machines.get(a.machine_id or "")
        number = wo.number if wo else a.work_order_id
        return f"{number} on {m.name}" if m else number


def _merge(store: dict[str, C], fresh: dict[str, C], asked: frozenset[str]) -> set[str]:
    changed: set[str] = set()
    for key in asked:
        new = fresh.get(key)
        old = store.get(key)
        if new is None:
            if old is not None:
                del store[key]
                changed.add(getattr(old, "key", key))
        elif new != old:
            store[key] = new
            changed.add(getattr(new, "key", key))
    return changed


def inverse(cmd: Command, result: AllocationResult, before: AllocationCard | None) -> Command:
    """The service call that undoes ``cmd`` (which gave ``result``): undo on the board is this
    call, checked like any other, so it is refused if somebody changed things meanwhile."""
    if isinstance(cmd, Allocate):
        if result.event == "reassigned" and result.machine_id:  # staffed a waiting machine
            return Reassign(
                result.allocation_id,
                result.version,
                result.work_order_id,
                None,
                result.machine_id,
                seen=Seen.of(result),
            )
        return Release(
            result.allocation_id, result.version, reason_code="undo", seen=Seen.of(result)
        )
    if before is None:
        raise ValueError("undoing a change of an allocation needs its state before")
    if isinstance(cmd, Reassign):
        return Reassign(
            result.allocation_id,
            result.version,
            before.work_order_id,
            before.operator_id,
            before.machine_id,
            reason_code="undo",
            seen=Seen.of(result),
        )
    if isinstance(cmd, Release):
        return Allocate(
            before.work_order_id,
            operator_id=before.operator_id,
            machine_id=before.machine_id,
            reason_code="undo",
        )
    raise ValueError(f"no inverse for {type(cmd).__name__}")
