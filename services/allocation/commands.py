"""The allocation service's commands and its answer: small immutable values that cross threads
and processes (the board's write lane, the benchmark's seat processes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

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


@dataclass(frozen=True, slots=True)
class Release:
    allocation_id: int
    expected_version: int | None
    reason_code: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Complete:
    """Finish an allocation; ``work_order_done`` also completes the work order when no other
    allocation holds it any more."""

    allocation_id: int
    expected_version: int | None
    work_order_done: bool = False
    reason_code: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Pause:
    allocation_id: int
    expected_version: int | None
    reason_code: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Resume:
    allocation_id: int
    expected_version: int | None
    reason_code: str | None = None
    reason: str | None = None


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
