"""What the allocation board shows: immutable cards for operators, machines, work orders and
allocations, and a snapshot (the whole board) or a delta (the cards that changed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from domain.model.people import OperatorSkill, OperatorStatus
from domain.model.plant import MachineStatus
from domain.rules.allocation import (
    MachineFacts,
    MaterialNeed,
    OperationNeed,
    OperatorFacts,
    ShiftState,
)

SOON_DAYS = 7


@dataclass(frozen=True, slots=True)
class OperatorCard:
    id: str
    name: str
    status: str
    version: int
    line_id: str | None = None
    home_zone: str | None = None
    efficiency: float | None = None
    skills: tuple[OperatorSkill, ...] = ()
    shift: ShiftState | None = None
    next_shift: str | None = None
    active: bool = True
    status_since: datetime | None = None
    idle_minutes: int | None = None
    allocation_id: int | None = None  # the allocation that holds the operator now
    work_order_id: str | None = None
    machine_id: str | None = None

    @property
    def key(self) -> str:
        return f"operator:{self.id}"

    @property
    def initials(self) -> str:
        parts = self.name.split()
        return "".join(p[:1] for p in parts[:2]).upper() or "?"

    def facts(self) -> OperatorFacts:
        return OperatorFacts(
            id=self.id,
            name=self.name,
            status=OperatorStatus(self.status),
            skills=self.skills,
            shift=self.shift,
            next_shift=self.next_shift,
            active=self.active,
        )

    def certificates(self, today: date) -> tuple[int, int]:
        """(expired, expiring within 7 days) certificates: the card's badges."""
        expired = sum(
            1 for s in self.skills if s.certification_expiry and s.certification_expiry < today
        )
        soon = sum(
            1
            for s in self.skills
            if s.certification_expiry and 0 <= (s.certification_expiry - today).days <= SOON_DAYS
        )
        return expired, soon


@dataclass(frozen=True, slots=True)
class MachineCard:
    id: str
    name: str
    machine_type: str
    line_id: str
    status: str
    version: int
    zone: str | None = None
    work_centre_id: str | None = None
    required_skills: tuple[str, ...] = ()
    active: bool = True
    allocation_id: int | None = None  # the allocation that holds the machine now
    work_order_id: str | None = None
    work_order_number: str | None = None
    operator_ids: tuple[str, ...] = ()
    operator_names: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"machine:{self.id}"

    def facts(self) -> MachineFacts:
        return MachineFacts(
            id=self.id,
            name=self.name,
            status=MachineStatus(self.status),
            work_centre_id=self.work_centre_id,
            required_skills=self.required_skills,
            active=self.active,
        )


@dataclass(frozen=True, slots=True)
class WorkOrderCard:
    id: str
    number: str
    product: str
    priority: str
    status: str
    due: datetime
    version: int
    quantity: float
    produced: float = 0.0
    line_id: str | None = None
    operations: tuple[OperationNeed, ...] = ()
    materials: tuple[MaterialNeed, ...] = ()  # still to reserve (queued orders)
    allocation_ids: tuple[int, ...] = ()
    operator_ids: tuple[str, ...] = ()
    machine_ids: tuple[str, ...] = ()
    late: bool = False

    @property
    def key(self) -> str:
        return f"work_order:{self.id}"

    @property
    def waiting_for_people(self) -> bool:
        return not self.operator_ids

    @property
    def current_step(self) -> OperationNeed | None:
        return self.operations[0] if self.operations else None


@dataclass(frozen=True, slots=True)
class AllocationCard:
    id: int
    work_order_id: str
    status: str
    version: int
    start: datetime
    end: datetime | None = None
    operator_id: str | None = None
    machine_id: str | None = None
    method: str = "manual"
    score: float | None = None
    allocated_by: str = ""
    updated_by: str | None = None
    updated_seat: str | None = None
    updated_at: datetime | None = None

    @property
    def key(self) -> str:
        return f"allocation:{self.id}"

    @property
    def holds(self) -> bool:
        return self.status in ("active", "paused")


@dataclass(frozen=True, slots=True)
class CardIds:
    """Which cards to re-read (from change events) or which a delta answers for."""

    operators: frozenset[str] = frozenset()
    machines: frozenset[str] = frozenset()
    work_orders: frozenset[str] = frozenset()
    allocations: frozenset[int] = frozenset()
    everything: bool = False
    materials: frozenset[str] = frozenset()  # stock changed: queued orders needing it
    light: bool = False  # only allocations changed: skills, rosters and routings did not
    # orders whose material lines alone are stale (stock changed, or back in the queue): with
    # the seat's cards at hand a delta reads only those lines
    materials_of: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return self.everything or bool(
            self.operators
            or self.machines
            or self.work_orders
            or self.allocations
            or self.materials_of
        )

    def __or__(self, other: CardIds) -> CardIds:
        return CardIds(
            self.operators | other.operators,
            self.machines | other.machines,
            self.work_orders | other.work_orders,
            self.allocations | other.allocations,
            self.everything or other.everything,
            self.materials | other.materials,
            self.light and other.light,
            self.materials_of | other.materials_of,
        )


@dataclass(frozen=True, slots=True)
class BoardSnapshot:
    """The board at ``at``: the whole of it, or (``asked`` set) the cards a delta answers for;
    an asked id missing from the delta is a card that left the board."""

    at: datetime
    operators: tuple[OperatorCard, ...] = ()
    machines: tuple[MachineCard, ...] = ()
    work_orders: tuple[WorkOrderCard, ...] = ()
    allocations: tuple[AllocationCard, ...] = ()
    lines: tuple[tuple[str, str], ...] = ()
    asked: CardIds | None = None
    historic: bool = False  # rebuilt from the event log (read-only)
    notes: tuple[str, ...] = field(default=())
