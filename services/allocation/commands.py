"""The allocation service's commands and its answer: small immutable values that cross threads
and processes (the board's write lane, the benchmark's seat processes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from domain.errors import Violation
from domain.model.allocation import AllocationMethod


@dataclass(frozen=True, slots=True)
class Allocate:
    """Put an operator and/or a machine on a work order.

    ``start`` defaults to now and ``end`` to "until released". The ``expected_*`` versions are
    the ones the caller saw: if somebody changed the operator, machine or work order since, the
    call is refused with who changed it, from which seat and when. When the machine is reserved
    for the same work order without an operator, the operator staffs that reservation.
    """

    work_order_id: str
    operator_id: str | None = None
    machine_id: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    method: AllocationMethod = AllocationMethod.MANUAL
    score: float | None = None
    reason_code: str | None = None
    reason: str | None = None
    expected_operator_version: int | None = None
    expected_machine_version: int | None = None
    expected_work_order_version: int | None = None


class _Placed(Protocol):
    @property
    def work_order_id(self) -> str: ...
    @property
    def operator_id(self) -> str | None: ...
    @property
    def machine_id(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Seen:
    """Where the caller's board shows an allocation: its work order, operator and machine.

    With it, a reassign, release, pause, resume or complete locks those rows straight away
    instead of reading the allocation first (one round trip less); under the locks the service
    checks that the allocation is still there, and if it moved meanwhile it reads where it is
    and starts again. It is a hint for the locking only: every check is made on what is read
    under the locks."""

    work_order_id: str
    operator_id: str | None
    machine_id: str | None

    @staticmethod
    def of(where: _Placed) -> Seen:
        """From anything that says where an allocation is (a board card, a call's result)."""
        return Seen(where.work_order_id, where.operator_id, where.machine_id)


@dataclass(frozen=True, slots=True)
class Reassign:
    """Move an allocation to new targets (the complete new triple: None clears a resource)."""

    allocation_id: int
    expected_version: int | None
    work_order_id: str
    operator_id: str | None
    machine_id: str | None
    reason_code: str | None = None
    reason: str | None = None
    seen: Seen | None = None


@dataclass(frozen=True, slots=True)
class Release:
    allocation_id: int
    expected_version: int | None
    reason_code: str | None = None
    reason: str | None = None
    seen: Seen | None = None


@dataclass(frozen=True, slots=True)
class Complete:
    """Finish an allocation; ``work_order_done`` also completes the work order when no other
    allocation holds it any more."""

    allocation_id: int
    expected_version: int | None
    work_order_done: bool = False
    reason_code: str | None = None
    reason: str | None = None
    seen: Seen | None = None


@dataclass(frozen=True, slots=True)
class Pause:
    allocation_id: int
    expected_version: int | None
    reason_code: str | None = None
    reason: str | None = None
    seen: Seen | None = None


@dataclass(frozen=True, slots=True)
class Resume:
    allocation_id: int
    expected_version: int | None
    reason_code: str | None = None
    reason: str | None = None
    seen: Seen | None = None


Command = Allocate | Reassign | Release | Complete | Pause | Resume


@dataclass(frozen=True, slots=True)
class AllocationResult:
    """What a committed call did: the allocation, its new version and status, the warnings
    that went with it, and the outbox sequence numbers of its change events."""

    allocation_id: int
    version: int
    status: str
    event: str
    work_order_id: str
    operator_id: str | None
    machine_id: str | None
    request_id: str
    seqs: tuple[int, ...] = ()
    warnings: tuple[Violation, ...] = ()
    released: tuple[int, ...] = field(default=())  # reservations merged into this allocation
