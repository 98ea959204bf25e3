"""The rules of allocating operators and machines to work orders, as pure functions.

Every check returns :class:`~domain.errors.Violation` objects with a stable ``code`` and a
sentence a shift lead can read; :func:`check_allocation` collects them all into a
:class:`Verdict` with the errors (the allocation is refused) and the warnings (it may go ahead).
The service runs the same functions inside its transaction; the board runs them on its snapshot
to highlight valid drop targets and explain the invalid ones before the drop.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from domain.errors import RuleViolation, Violation
from domain.model.allocation import AllocationStatus
from domain.model.people import (
    OperatorSkill,
    OperatorStatus,
    Shift,
    ShiftAssignment,
    ShiftAssignmentStatus,
)
from domain.model.plant import MachineStatus
from domain.model.work import Operation, OperationStatus, WorkOrderStatus
from domain.rules.overlap import Booking, overlapping

# -- reason codes (stable: programs, tests and translations use them) ----------------------------
WORK_ORDER_COMPLETED = "work_order_completed"
WORK_ORDER_CANCELLED = "work_order_cancelled"
SKILL_MISSING = "skill_missing"
SKILL_TOO_LOW = "skill_proficiency_too_low"
CERTIFICATION_EXPIRED = "certification_expired"
CERTIFICATION_EXPIRES_DURING = "certification_expires_during_allocation"
CERTIFICATION_EXPIRING_SOON = "certification_expiring_soon"  # a warning
OPERATOR_INACTIVE = "operator_inactive"
OPERATOR_ABSENT = "operator_absent"
OPERATOR_NOT_ON_SHIFT = "operator_not_on_shift"
OPERATOR_ON_BREAK = "operator_on_break"
OPERATOR_BUSY = "operator_busy"
OPERATOR_MARKED_BUSY = "operator_marked_busy"  # a warning: busy by status, no allocation holds him
MACHINE_INACTIVE = "machine_inactive"
MACHINE_IN_MAINTENANCE = "machine_in_maintenance"
MACHINE_BREAKDOWN = "machine_breakdown"
MACHINE_OFFLINE = "machine_offline"
MACHINE_BUSY = "machine_busy"
MACHINE_NOT_IN_ROUTING = "machine_not_in_routing"
CRITICAL_MATERIAL_UNAVAILABLE = "critical_material_unavailable"
MATERIAL_SHORT = "material_short"  # a warning: a non-critical line cannot be covered
ALLOCATION_OVERLAP = "allocation_overlap"
INVALID_WINDOW = "invalid_window"
NOTHING_TO_ALLOCATE = "nothing_to_allocate"

EXPIRY_WARNING_DAYS = 7
_EPS = 1e-9


# -- facts the rules look at ---------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SkillNeed:
    """A skill an allocation needs, at least at ``min_proficiency`` (1 basic .. 4 expert)."""

    skill_code: str
    min_proficiency: int = 1
    source: str = ""  # what needs it, for the message: "operation 10 Stamping", "machine SAV100"


@dataclass(frozen=True, slots=True)
class ShiftState:
    """An operator's rostered shift that covers a moment, and whether he is on a break in it."""

    shift_id: str
    shift_name: str
    start: datetime
    end: datetime
    absent: bool = False
    break_start: datetime | None = None
    break_end: datetime | None = None

    @property
    def on_break(self) -> bool:
        return self.break_start is not None


@dataclass(frozen=True, slots=True)
class MaterialNeed:
    """What a work order still has to reserve of one material, and what the stock has."""

    material_id: str
    name: str
    part_number: str
    unit: str
    to_reserve: float
    available: float
    critical: bool = False

    @property
    def shortfall(self) -> float:
        return max(self.to_reserve - self.available, 0.0)


@dataclass(frozen=True, slots=True)
class OperatorFacts:
    id: str
    name: str
    status: OperatorStatus
    skills: tuple[OperatorSkill, ...] = ()
    shift: ShiftState | None = None
    next_shift: str | None = None  # "Late, Mon 14:00" for the not-on-shift message
    active: bool = True


@dataclass(frozen=True, slots=True)
class MachineFacts:
    id: str
    name: str
    status: MachineStatus
    work_centre_id: str | None = None
    required_skills: tuple[str, ...] = ()
    active: bool = True


@dataclass(frozen=True, slots=True)
class AllocationFacts:
    """Everything one allocation (or reassignment) is checked against."""

    work_order_id: str
    work_order_number: str
    work_order_status: WorkOrderStatus
    at: datetime  # now: who is busy, on shift and on a break is judged at this moment
    start: datetime
    end: datetime | None = None
    operator: OperatorFacts | None = None
    machine: MachineFacts | None = None
    needs: tuple[SkillNeed, ...] = ()
    machine_eligible: bool = True
    materials: tuple[MaterialNeed, ...] = ()
    bookings: tuple[Booking, ...] = ()  # holding allocations of the operator and the machine
    ignore: frozenset[int] = frozenset()  # the allocation being changed, reservations absorbed


@dataclass(frozen=True, slots=True)
class Verdict:
    violations: tuple[Violation, ...] = ()
    warnings: tuple[Violation, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.violations

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(v.code for v in self.violations)

    def raise_if_invalid(self) -> None:
        if self.violations:
            raise RuleViolation(list(self.violations))

    def explain(self) -> str:
        return "; ".join(v.message for v in self.violations) or "allowed"


# -- the roster ----------------------------------------------------------------------------------
def shift_state(
    assignments: Iterable[ShiftAssignment],
    shifts: Mapping[str, Shift],
    at: datetime,
    tz: tzinfo,
) -> ShiftState | None:
    """The published roster entry whose shift window covers ``at`` (a night shift belongs to
    the day it starts), or None when the operator is not rostered at that moment."""
    for a in assignments:
        shift = shifts.get(a.shift_id)
        if shift is None or not a.published:
            continue
        start, end = shift.window_on(a.day, tz)
        if not start <= at < end:
            continue
        b_start: datetime | None = None
        b_end: datetime | None = None
        for br in shift.breaks:
            bs = datetime.combine(a.day, br.start, tzinfo=tz)
            if bs < start:  # a night shift's break after midnight
                bs += timedelta(days=1)
            if bs <= at < bs + timedelta(minutes=br.minutes):
                b_start, b_end = bs, bs + timedelta(minutes=br.minutes)
                break
        return ShiftState(
            shift.id,
            shift.name,
            start,
            end,
            absent=a.status is ShiftAssignmentStatus.ABSENT,
            break_start=b_start,
            break_end=b_end,
        )
    return None


def next_shift(
    assignments: Iterable[ShiftAssignment],
    shifts: Mapping[str, Shift],
    at: datetime,
    tz: tzinfo,
) -> tuple[str, datetime] | None:
    """The name and start of the operator's next rostered, not-absent shift after ``at``."""
    best: tuple[str, datetime] | None = None
    for a in assignments:
        shift = shifts.get(a.shift_id)
        if shift is None or not a.published or a.status is ShiftAssignmentStatus.ABSENT:
            continue
        start, _ = shift.window_on(a.day, tz)
        if start > at and (best is None or start < best[1]):
            best = (shift.name, start)
    return best


# -- what a work order needs ---------------------------------------------------------------------
_OPEN_OPERATIONS = (
    OperationStatus.PLANNED,
    OperationStatus.RELEASED,
    OperationStatus.RUNNING,
    OperationStatus.PAUSED,
)


@dataclass(frozen=True, slots=True)
class OperationNeed:
    """An open step of a routing as the rules see it (small enough for a board snapshot)."""

    sequence: int
    name: str
    work_centres: tuple[str, ...]
    required_skill: str | None = None
    min_proficiency: int = 1

    @classmethod
    def of(cls, op: Operation) -> OperationNeed:
        return cls(
            op.sequence, op.name, op.eligible_work_centres, op.required_skill, op.min_proficiency
        )


def open_operations(operations: Iterable[Operation]) -> tuple[OperationNeed, ...]:
    return tuple(
        OperationNeed.of(op)
        for op in sorted(operations, key=lambda o: o.sequence)
        if op.status in _OPEN_OPERATIONS
    )


def skill_needs(
    operations: Sequence[OperationNeed], machine: MachineFacts | None
) -> tuple[tuple[SkillNeed, ...], bool]:
    """The skills an allocation needs and whether the machine can run the work order.

    Without a machine the work order's current step (its first open operation) decides; with a
    machine, the first open operation that may run on the machine's work centre, plus the skills
    the machine itself requires. ``False`` when no open operation may run on the machine.
    """
    step: OperationNeed | None = operations[0] if operations else None
    eligible = True
    if machine is not None and machine.work_centre_id is not None and operations:
        on_machine = [op for op in operations if machine.work_centre_id in op.work_centres]
        eligible = bool(on_machine)
        if on_machine:
            step = on_machine[0]
    needs: list[SkillNeed] = []
    if step is not None and step.required_skill:
        needs.append(
            SkillNeed(
                step.required_skill, step.min_proficiency, f"operation {step.sequence} {step.name}"
            )
        )
    if machine is not None:
        for code in machine.required_skills:
            if all(n.skill_code != code for n in needs):
                needs.append(SkillNeed(code, 1, f"machine {machine.name}"))
    return tuple(needs), eligible


# -- the checks ----------------------------------------------------------------------------------
def check_work_order(number: str, status: WorkOrderStatus) -> list[Violation]:
    if status is WorkOrderStatus.COMPLETED:
        return [Violation(WORK_ORDER_COMPLETED, f"work order {number} is already completed")]
    if status is WorkOrderStatus.CANCELLED:
        return [Violation(WORK_ORDER_CANCELLED, f"work order {number} is cancelled")]
    return []


def check_skills(
    name: str,
    skills: Sequence[OperatorSkill],
    needs: Sequence[SkillNeed],
    start: date,
    end: date,
    *,
    warn_days: int = EXPIRY_WARNING_DAYS,
) -> tuple[list[Violation], list[Violation]]:
    """Missing or too-low skills, expired certificates or ones expiring before ``end`` (errors);
    certificates expiring within ``warn_days`` of ``start`` (warnings)."""
    errors: list[Violation] = []
    warnings: list[Violation] = []
    held = {s.skill_code: s for s in skills}
    for need in needs:
        why = f" (needed by {need.source})" if need.source else ""
        skill = held.get(need.skill_code)
        if skill is None:
            errors.append(
                Violation(
                    SKILL_MISSING,
                    f"{name} lacks the skill {need.skill_code}{why}",
                    {"skill": need.skill_code, "required": need.min_proficiency},
                )
            )
            continue
        if skill.proficiency < need.min_proficiency:
            errors.append(
                Violation(
                    SKILL_TOO_LOW,
                    f"{name} has {need.skill_code} at level {skill.proficiency}, "
                    f"level {need.min_proficiency} is needed{why}",
                    {
                        "skill": need.skill_code,
                        "proficiency": skill.proficiency,
                        "required": need.min_proficiency,
                    },
                )
            )
        expiry = skill.certification_expiry
        if expiry is None:
            continue
        details = {"skill": need.skill_code, "expiry": expiry.isoformat()}
        if expiry < start:
            errors.append(
                Violation(
                    CERTIFICATION_EXPIRED,
                    f"{name}'s certificate for {need.skill_code} expired on {expiry:%Y-%m-%d}",
                    details,
                )
            )
        elif expiry < end:
            errors.append(
                Violation(
                    CERTIFICATION_EXPIRES_DURING,
                    f"{name}'s certificate for {need.skill_code} expires on {expiry:%Y-%m-%d}, "
                    f"before the allocation ends on {end:%Y-%m-%d}",
                    details,
                )
            )
        elif (expiry - start).days <= warn_days:
            warnings.append(
                Violation(
                    CERTIFICATION_EXPIRING_SOON,
                    f"{name}'s certificate for {need.skill_code} expires in "
                    f"{(expiry - start).days} day(s), on {expiry:%Y-%m-%d}",
                    details,
                )
            )
    return errors, warnings


def check_operator_presence(op: OperatorFacts, at: datetime) -> list[Violation]:
    """Inactive, absent (status or roster), not on shift, or on a break at ``at``."""
    if not op.active:
        return [Violation(OPERATOR_INACTIVE, f"{op.name} is no longer active")]
    if op.status.is_away:
        return [
            Violation(
                OPERATOR_ABSENT, f"{op.name} is {op.status.value}", {"status": op.status.value}
            )
        ]
    shift = op.shift
    if shift is None:
        nxt = f" (next shift: {op.next_shift})" if op.next_shift else ""
        return [Violation(OPERATOR_NOT_ON_SHIFT, f"{op.name} is not on shift now{nxt}")]
    if shift.absent:
        return [
            Violation(
                OPERATOR_ABSENT,
                f"{op.name} is recorded absent from the {shift.shift_name} shift",
                {"shift": shift.shift_id},
            )
        ]
    if shift.on_break or op.status is OperatorStatus.BREAK:
        until = f" until {shift.break_end:%H:%M}" if shift.break_end else ""
        return [Violation(OPERATOR_ON_BREAK, f"{op.name} is on a break{until}")]
    return []


def check_machine(machine: MachineFacts, *, eligible: bool, number: str) -> list[Violation]:
    out: list[Violation] = []
    if not machine.active:
        out.append(Violation(MACHINE_INACTIVE, f"{machine.name} is no longer in service"))
    status = machine.status
    if status is MachineStatus.MAINTENANCE:
        out.append(Violation(MACHINE_IN_MAINTENANCE, f"{machine.name} is in maintenance"))
    elif status is MachineStatus.BREAKDOWN:
        out.append(Violation(MACHINE_BREAKDOWN, f"{machine.name} is broken down"))
    elif status is MachineStatus.OFFLINE:
        out.append(Violation(MACHINE_OFFLINE, f"{machine.name} is offline"))
    if not eligible:
        out.append(
            Violation(
                MACHINE_NOT_IN_ROUTING,
                f"no open step of work order {number} can run on {machine.name}",
                {"work_centre": machine.work_centre_id},
            )
        )
    return out


def check_materials(needs: Iterable[MaterialNeed]) -> tuple[list[Violation], list[Violation]]:
    """A critical line whose reservation would make available stock negative is an error; a
    non-critical one that cannot be covered is a warning."""
    errors: list[Violation] = []
    warnings: list[Violation] = []
    for m in needs:
        if m.shortfall <= _EPS:
            continue
        details = {"material_id": m.material_id, "needed": m.to_reserve, "available": m.available}
        text = (
            f"{m.name} ({m.part_number}): {m.to_reserve:g} {m.unit} to reserve, "
            f"{m.available:g} available"
        )
        if m.critical:
            errors.append(Violation(CRITICAL_MATERIAL_UNAVAILABLE, f"critical {text}", details))
        else:
            warnings.append(Violation(MATERIAL_SHORT, text, details))
    return errors, warnings


def check_bookings(
    bookings: Sequence[Booking],
    at: datetime,
    start: datetime,
    end: datetime | None,
    *,
    operator: OperatorFacts | None,
    machine: MachineFacts | None,
    ignore: Collection[int] = (),
) -> list[Violation]:
    """Already busy now (a running allocation) or an overlap with a planned one."""
    out: list[Violation] = []
    if operator is not None:
        for b in overlapping(bookings, start, end, operator_id=operator.id, ignore=ignore):
            out.append(_booking_violation(b, at, operator.name, OPERATOR_BUSY, "operator"))
    if machine is not None:
        for b in overlapping(bookings, start, end, machine_id=machine.id, ignore=ignore):
            out.append(_booking_violation(b, at, machine.name, MACHINE_BUSY, "machine"))
    return out


def _booking_violation(b: Booking, at: datetime, who: str, busy_code: str, kind: str) -> Violation:
    details = {
        "allocation_id": b.allocation_id,
        "work_order_id": b.work_order_id,
        "resource": kind,
    }
    if b.running_at(at):
        if kind == "machine" and b.operator_name:
            text = (
                f"{who} already runs work order {b.work_order_number} with {b.operator_name} "
                f"(since {b.start:%H:%M})"
            )
        elif kind == "machine":
            text = f"{who} is already reserved for work order {b.work_order_number}"
        else:
            where = f" on {b.machine_name}" if b.machine_name else ""
            text = (
                f"{who} is already busy on work order {b.work_order_number}{where} "
                f"(since {b.start:%H:%M})"
            )
        return Violation(busy_code, text, details)
    until = f" to {b.end:%Y-%m-%d %H:%M}" if b.end else " until released"
    return Violation(
        ALLOCATION_OVERLAP,
        f"{who} is booked for work order {b.work_order_number} from "
        f"{b.start:%Y-%m-%d %H:%M}{until}, which overlaps",
        details,
    )


def check_allocation(f: AllocationFacts) -> Verdict:
    """Every rule for one allocation: the errors refuse it, the warnings go with it."""
    errors: list[Violation] = []
    warnings: list[Violation] = []
    if f.operator is None and f.machine is None:
        errors.append(
            Violation(NOTHING_TO_ALLOCATE, "an allocation needs an operator or a machine")
        )
    if f.end is not None and f.end <= f.start:
        errors.append(
            Violation(INVALID_WINDOW, "the allocation must end after it starts", {"field": "end"})
        )
    errors += check_work_order(f.work_order_number, f.work_order_status)
    if f.operator is not None:
        errors += check_operator_presence(f.operator, f.at)
        last_day = (f.end or (f.operator.shift.end if f.operator.shift else f.start)).date()
        e, w = check_skills(f.operator.name, f.operator.skills, f.needs, f.start.date(), last_day)
        errors += e
        warnings += w
    if f.machine is not None:
        errors += check_machine(f.machine, eligible=f.machine_eligible, number=f.work_order_number)
    e, w = check_materials(f.materials)
    errors += e
    warnings += w
    errors += check_bookings(
        f.bookings, f.at, f.start, f.end, operator=f.operator, machine=f.machine, ignore=f.ignore
    )
    op = f.operator
    if (
        op is not None
        and op.status is OperatorStatus.BUSY
        and not any(b.operator_id == op.id for b in f.bookings)
    ):
        warnings.append(
            Violation(
                OPERATOR_MARKED_BUSY,
                f"{op.name} is marked busy but holds no allocation on the board",
            )
        )
    return Verdict(tuple(errors), tuple(warnings))


# -- what the resources' statuses become ---------------------------------------------------------
def work_order_status_after(
    current: WorkOrderStatus, holding: Sequence[AllocationStatus], produced: float
) -> WorkOrderStatus:
    """A work order's status from the allocations that still hold it.

    Closed orders stay closed. Any active allocation: queued/paused orders become assigned
    (in progress when something was produced already). Only paused ones: paused. None: back to
    queued, or paused when production had started.
    """
    if current.is_closed:
        return current
    if any(s is AllocationStatus.ACTIVE for s in holding):
        if current in (WorkOrderStatus.ASSIGNED, WorkOrderStatus.IN_PROGRESS):
            return current
        return WorkOrderStatus.IN_PROGRESS if produced > 0 else WorkOrderStatus.ASSIGNED
    if holding:
        return WorkOrderStatus.PAUSED
    return WorkOrderStatus.PAUSED if produced > 0 else WorkOrderStatus.QUEUED


def operator_status_after(current: OperatorStatus, active_now: bool) -> OperatorStatus:
    """Busy while an active allocation holds the operator; available again when none does.
    Breaks and absences are not the allocation's to change."""
    if active_now and current in (OperatorStatus.AVAILABLE, OperatorStatus.BUSY):
        return OperatorStatus.BUSY
    if not active_now and current is OperatorStatus.BUSY:
        return OperatorStatus.AVAILABLE
    return current


def machine_status_after(current: MachineStatus, running: bool) -> MachineStatus:
    """Running while an active allocation runs it, idle otherwise; maintenance, breakdowns and
    offline machines keep their status."""
    if not current.can_take_work:
        return current
    return MachineStatus.RUNNING if running else MachineStatus.IDLE
