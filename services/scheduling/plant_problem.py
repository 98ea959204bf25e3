"""The plant in the database as a scheduling problem, and back.

``read_plant_problem(uow, now=...)`` builds a ``ProblemDto`` from the open work orders, their
remaining operations, the active work centres (grouped by line), substitutions (time and cost
factors), sequence-dependent setup times, calendar windows and work-order dependencies. Time is
in whole minutes from ``now`` (rounded down to the minute); ids stay on the DTOs
(``JobDto.id`` = work order id, ``OperationDto.id`` = operation id, ``MachineDto.id`` = work
centre id) and ``PlantProblem`` keeps the maps back from ids to indices.

With ``with_operators=True`` the active operators join the model with the on-shift windows of
their shift assignments (absences left out), and an operation that needs a skill needs one
operator holding it, at the operation's minimum proficiency (1-4), for its whole run. The
solver only knows skill names, so a level is part of the name: an operation needing
``welding`` at level 3 needs ``welding@3`` (``skill_key``), and an operator with ``welding`` at
level 3 holds ``welding``, ``welding@2`` and ``welding@3``. A skill whose certification expires
before the operator's last shift in the problem is left out (the solver has one skill set per
person, not one per day; the domain's operator check refuses a run after the expiry day).
Without operators (the default) skill requirements are not modelled either.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from sqlalchemy import select

from domain.model.people import OperatorSkill, ShiftAssignmentStatus
from domain.model.planning import ScheduleEntry
from domain.model.work import DependencyType, OperationStatus, WorkOrder, WorkOrderStatus
from domain.rules.scheduling import PlannedOperation, PlanRules, shift_windows
from services.allocation.facts import plant_timezone
from services.persistence.tables import people, plant, work
from services.persistence.uow import UnitOfWork
from services.scheduling.bars import to_plan_rules
from services.scheduling.problem import (
    AssignmentDto,
    JobDto,
    LinkDto,
    MachineDto,
    ModeDto,
    OperationDto,
    OperatorDto,
    OpRef,
    PinDto,
    ProblemDto,
    SetupDto,
    Window,
)

OPEN_OPERATION = (
    OperationStatus.PLANNED,
    OperationStatus.RELEASED,
    OperationStatus.RUNNING,
    OperationStatus.PAUSED,
)
SHIFT_DAYS = 28  # shift assignments read this far ahead (with_operators)


@dataclass(frozen=True, slots=True)
class WorkCentreInfo:
    id: str
    name: str
    line_id: str
    line_name: str


@dataclass(frozen=True, slots=True)
class WorkOrderInfo:
    id: str
    number: str
    product_name: str
    due: datetime
    priority: str
    status: str


@dataclass(frozen=True, slots=True)
class PlantProblem:
    """A problem built from the database, with the maps from ids back to indices."""

    problem: ProblemDto
    work_centres: tuple[WorkCentreInfo, ...]  # in row order: by line, then id
    work_orders: dict[str, WorkOrderInfo]
    op_index: dict[str, OpRef] = field(default_factory=dict)
    machine_index: dict[str, int] = field(default_factory=dict)
    tz: tzinfo = UTC  # the plant's clock: the plan is shown and described on it

    @property
    def origin(self) -> datetime:
        assert self.problem.origin is not None
        return self.problem.origin

    def minutes(self, at: datetime) -> int:
        """Minutes from the origin (rounded down)."""
        return math.floor((at - self.origin).total_seconds() / 60)

    def at(self, t: int) -> datetime:
        return self.origin + timedelta(minutes=t)

    def duration_on(self, operation_id: str, work_centre_id: str) -> int | None:
        """How long the operation runs on that work centre (None: not eligible there)."""
        ref = self.op_index.get(operation_id)
        m = self.machine_index.get(work_centre_id)
        if ref is None or m is None:
            return None
        for mode in self.problem.operation(ref).modes:
            if mode.machine == m:
                return mode.duration
        return None

    def eligible(self, operation_id: str) -> tuple[str, ...]:
        ref = self.op_index.get(operation_id)
        if ref is None:
            return ()
        return tuple(self.problem.machines[m.machine].id for m in self.problem.operation(ref).modes)

    def assignments(self, entries: Iterable[ScheduleEntry]) -> list[AssignmentDto]:
        """Schedule entries as solver assignments (entries of operations no longer open, or on
        work centres the problem does not know, are left out; an operator the problem does not
        know becomes none)."""
        people = {p.id: k for k, p in enumerate(self.problem.operators)}
        out: list[AssignmentDto] = []
        for e in entries:
            ref = self.op_index.get(e.operation_id)
            m = self.machine_index.get(e.work_centre_id)
            if ref is None or m is None:
                continue
            out.append(
                AssignmentDto(
                    ref[0],
                    ref[1],
                    m,
                    self.minutes(e.start),
                    self.minutes(e.end),
                    None if e.operator_id is None else people.get(e.operator_id),
                    e.setup_minutes,
                )
            )
        return out

    def with_pins(self, entries: Iterable[ScheduleEntry]) -> PlantProblem:
        """The same problem with the pinned entries as pins."""
        pins = []
        for a, e in _pairs(self, entries):
            if e.pinned:
                pins.append(PinDto(op=a.ref, machine=a.machine, start=a.start))
        return replace(self, problem=replace(self.problem, pins=tuple(pins)))

    def rules(self, entries: Sequence[ScheduleEntry]) -> PlanRules:
        """The domain rules a move is checked with; pinned entries stay where they are."""
        base = to_plan_rules(replace(self.problem, pins=()))
        pinned = {
            e.operation_id: PlannedOperation(
                e.operation_id, e.work_order_id, e.work_centre_id, e.start, e.end, e.operator_id
            )
            for e in entries
            if e.pinned
        }
        return replace(base, pinned=pinned, tz=self.tz)


def _pairs(
    plant_problem: PlantProblem, entries: Iterable[ScheduleEntry]
) -> list[tuple[AssignmentDto, ScheduleEntry]]:
    items = list(entries)
    by_op = {e.operation_id: e for e in items}
    return [
        (a, by_op[plant_problem.problem.operation(a.ref).id])
        for a in plant_problem.assignments(items)
    ]


def _window(origin: datetime, start: datetime, end: datetime) -> Window | None:
    s = math.floor((start - origin).total_seconds() / 60)
    e = math.ceil((end - origin).total_seconds() / 60)
    s = max(s, 0)
    return (s, e) if e > s else None


def read_plant_problem(
    uow: UnitOfWork,
    *,
    now: datetime,
    name: str = "plant",
    with_operators: bool = False,
) -> PlantProblem:
    """The open work of the plant as a problem starting at ``now``."""
    conn = uow.conn
    origin = now.replace(second=0, microsecond=0)
    lines = {r.id: r.name for r in conn.execute(select(plant.lines.c.id, plant.lines.c.name))}
    wc_t = plant.work_centres
    centres = [
        WorkCentreInfo(r.id, r.name, r.line_id, lines.get(r.line_id, r.line_id))
        for r in conn.execute(
            select(wc_t.c.id, wc_t.c.name, wc_t.c.line_id)
            .where(wc_t.c.active.is_(True))
            .order_by(wc_t.c.line_id, wc_t.c.id)
        )
    ]
    machine_index = {c.id: i for i, c in enumerate(centres)}

    unavailable: dict[str, list[tuple[Window, str]]] = {c.id: [] for c in centres}
    cw = plant.calendar_windows
    for r in conn.execute(select(cw).where(cw.c.end > origin).order_by(cw.c.start)):
        win = _window(origin, r.start, r.end)
        if win is not None and r.work_centre_id in unavailable:
            unavailable[r.work_centre_id].append((win, str(r.kind)))

    subs: dict[tuple[str, str], tuple[float, float]] = {}
    st = plant.work_centre_substitutions
    for r in conn.execute(select(st)):
        subs[(r.work_centre_id, r.substitute_id)] = (float(r.time_factor), float(r.cost_factor))

    orders = uow.repos.work_orders.list(
        work.work_orders.c.status.notin_(
            [WorkOrderStatus.COMPLETED.value, WorkOrderStatus.CANCELLED.value]
        ),
        order_by=[work.work_orders.c.due_date, work.work_orders.c.id],
    )
    ops_by_order: dict[
        str, list[tuple[str, int, str, int, str, tuple[str, ...], str | None, int]]
    ] = {}
    ot = work.operations
    rows = conn.execute(
        select(
            ot.c.id,
            ot.c.work_order_id,
            ot.c.sequence,
            ot.c.work_centre_id,
            ot.c.duration_minutes,
            ot.c.setup_family,
            ot.c.alternatives,
            ot.c.required_skill,
            ot.c.min_proficiency,
        )
        .where(ot.c.status.in_([s.value for s in OPEN_OPERATION]))
        .order_by(ot.c.work_order_id, ot.c.sequence)
    )
    for r in rows:
        ops_by_order.setdefault(r.work_order_id, []).append(
            (
                r.id,
                r.sequence,
                r.work_centre_id,
                int(r.duration_minutes),
                r.setup_family,
                tuple(r.alternatives or ()),
                r.required_skill,
                int(r.min_proficiency or 1),
            )
        )

    jobs: list[JobDto] = []
    infos: dict[str, WorkOrderInfo] = {}
    op_index: dict[str, OpRef] = {}
    for wo in orders:
        steps = ops_by_order.get(wo.id)
        if not steps:
            continue
        operations: list[OperationDto] = []
        for op_id, _seq, wc, minutes, family, alternatives, skill, level in steps:
            modes = _modes(wc, minutes, alternatives, machine_index, subs)
            if not modes:
                continue  # no active work centre can run it: it cannot be planned
            op_index[op_id] = (len(jobs), len(operations))
            operations.append(
                OperationDto(
                    modes=modes,
                    id=op_id,
                    family=family,
                    skill=skill_key(skill, level) if with_operators and skill else None,
                )
            )
        if not operations:
            continue
        jobs.append(
            JobDto(
                operations=tuple(operations),
                id=wo.id,
                release=max(0, _minutes(origin, wo.release_date)) if wo.release_date else 0,
                due=_minutes(origin, wo.due_date),
                weight=wo.priority.weight,
            )
        )
        infos[wo.id] = _info(wo)

    job_index = {j.id: i for i, j in enumerate(jobs)}
    links: list[LinkDto] = []
    for d in uow.repos.dependencies.list():
        if not d.mandatory or d.work_order_id not in job_index or d.predecessor_id not in job_index:
            continue
        pj, sj = job_index[d.predecessor_id], job_index[d.work_order_id]
        p_last = len(jobs[pj].operations) - 1
        s_last = len(jobs[sj].operations) - 1
        before, after = {
            DependencyType.FINISH_TO_START: ((pj, p_last), (sj, 0)),
            DependencyType.START_TO_START: ((pj, 0), (sj, 0)),
            DependencyType.FINISH_TO_FINISH: ((pj, p_last), (sj, s_last)),
        }[d.kind]
        links.append(LinkDto(before, after, d.kind, d.lag_minutes))

    families = {op.family for j in jobs for op in j.operations if op.family}
    setups = [
        SetupDto(machine_index[r.work_centre_id], r.from_family, r.to_family, int(r.minutes))
        for r in conn.execute(select(plant.setup_times))
        if r.work_centre_id in machine_index
        and r.from_family in families
        and r.to_family in families
        and r.minutes > 0
    ]

    operators: list[OperatorDto] = []
    if with_operators:
        operators = _operators(uow, origin)

    machines = tuple(
        MachineDto(
            id=c.id,
            line=c.line_id,
            unavailable=tuple(w for w, _ in unavailable[c.id]),
            kinds=tuple(k for _, k in unavailable[c.id]),
        )
        for c in centres
    )
    problem = ProblemDto(
        name=name,
        machines=machines,
        jobs=tuple(jobs),
        links=tuple(links),
        setups=tuple(setups),
        operators=tuple(operators),
        now=0,
        origin=origin,
    )
    tz = plant_timezone(conn)
    return PlantProblem(problem, tuple(centres), infos, op_index, machine_index, tz)


def _minutes(origin: datetime, at: datetime) -> int:
    return math.floor((at - origin).total_seconds() / 60)


def _modes(
    wc: str,
    minutes: int,
    alternatives: tuple[str, ...],
    machine_index: dict[str, int],
    subs: dict[tuple[str, str], tuple[float, float]],
) -> tuple[ModeDto, ...]:
    modes: list[ModeDto] = []
    if wc in machine_index:
        modes.append(ModeDto(machine_index[wc], max(1, minutes), 0))
    for alt in alternatives:
        if alt not in machine_index or alt == wc:
            continue
        time_factor, cost_factor = subs.get((wc, alt), (1.0, 1.0))
        duration = max(1, math.ceil(minutes * time_factor))
        cost = max(0, round(duration * cost_factor) - minutes)
        modes.append(ModeDto(machine_index[alt], duration, cost))
    return tuple(modes)


def _info(wo: WorkOrder) -> WorkOrderInfo:
    return WorkOrderInfo(
        wo.id, wo.number, wo.product_name, wo.due_date, wo.priority.value, wo.status.value
    )


def unstaffed(problem: ProblemDto) -> list[tuple[str, str, int]]:
    """Operations no operator could ever run: ``(operation id, skill, shortest duration)`` for
    each one whose skill nobody holds (at its level, certified), or that is longer than every
    on-shift window of everyone who does. Any of these makes a plan with operators impossible."""
    holders: dict[str, list[OperatorDto]] = {}
    for person in problem.operators:
        for skill in person.skills:
            holders.setdefault(skill, []).append(person)
    out: list[tuple[str, str, int]] = []
    for job in problem.jobs:
        for op in job.operations:
            if op.skill is None:
                continue
            shortest = min(m.duration for m in op.modes)
            longest = max(
                (
                    math.inf if p.shifts is None else max((e - s for s, e in p.shifts), default=0)
                    for p in holders.get(op.skill, [])
                ),
                default=0,
            )
            if shortest > longest:
                out.append((op.id, op.skill, shortest))
    return out


def skill_key(code: str, level: int = 1) -> str:
    """The solver's name for ``code`` at proficiency ``level`` or better."""
    return code if level <= 1 else f"{code}@{level}"


def held_skills(skills: Iterable[OperatorSkill], until: date | None) -> frozenset[str]:
    """The solver skill names a person holds: each skill at every level up to theirs, if its
    certification holds until ``until`` (their last shift; None: no shift, keep them all)."""
    out: set[str] = set()
    for s in skills:
        if until is not None and not s.certified_on(until):
            continue
        out.update(skill_key(s.skill_code, level) for level in range(1, s.proficiency + 1))
    return frozenset(out)


def _operators(uow: UnitOfWork, origin: datetime) -> list[OperatorDto]:
    people_ops = uow.repos.operators.list(people.operators.c.active.is_(True))
    shifts = {s.id: s for s in uow.repos.shifts.list()}
    sa = people.shift_assignments
    assignments = uow.repos.shift_assignments.list(
        sa.c.day >= (origin - timedelta(days=1)).date(),
        sa.c.day <= (origin + timedelta(days=SHIFT_DAYS)).date(),
    )
    plants = uow.repos.plants.list()
    tz = ZoneInfo(plants[0].timezone) if plants else UTC
    windows = shift_windows(
        (a for a in assignments if a.status is not ShiftAssignmentStatus.ABSENT), shifts, tz
    )
    out: list[OperatorDto] = []
    for person in people_ops:
        on_shift = [(s, e) for s, e in windows.get(person.id, []) if e > origin]
        spans = [_window(origin, s, e) for s, e in on_shift]
        last_day = max(e for _, e in on_shift).astimezone(tz).date() if on_shift else None
        out.append(
            OperatorDto(
                id=person.id,
                skills=held_skills(person.skills, last_day),
                shifts=tuple(w for w in spans if w is not None),
            )
        )
    return out
