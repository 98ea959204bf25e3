"""The bridge from a solver plan (integer minutes, indices) to the domain's wall-clock world:
bars for the Gantt and the ``PlanRules`` that ``domain.rules.scheduling`` checks a drag with.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from domain.model.people import Operator, OperatorSkill
from domain.model.plant import CalendarKind, CalendarWindow, SetupTime
from domain.model.work import DependencyType, Operation, Priority, WorkOrder, WorkOrderDependency
from domain.rules.scheduling import PlannedOperation, PlanRules
from services.scheduling.problem import AssignmentDto, OpRef, ProblemDto

DEFAULT_ORIGIN = datetime(2000, 1, 1, tzinfo=UTC)
_PRIORITY_OF_WEIGHT = {p.weight: p for p in Priority}


def origin_of(problem: ProblemDto) -> datetime:
    return problem.origin or DEFAULT_ORIGIN


def at(problem: ProblemDto, t: int) -> datetime:
    """Wall-clock time of solver time ``t`` (minutes from the origin)."""
    return origin_of(problem) + timedelta(minutes=t)


def operation_id(problem: ProblemDto, ref: OpRef) -> str:
    return problem.operation(ref).id or f"{ref[0]}.{ref[1]}"


def job_id(problem: ProblemDto, j: int) -> str:
    return problem.jobs[j].id or str(j)


def to_bars(problem: ProblemDto, assignments: Sequence[AssignmentDto]) -> list[PlannedOperation]:
    return [
        PlannedOperation(
            operation_id=operation_id(problem, a.ref),
            work_order_id=job_id(problem, a.job),
            work_centre_id=problem.machines[a.machine].id,
            start=at(problem, a.start),
            end=at(problem, a.end),
            operator_id=None if a.operator is None else problem.operators[a.operator].id,
        )
        for a in assignments
    ]


def _dependencies(problem: ProblemDto) -> tuple[WorkOrderDependency, ...]:
    """Links that are work-order dependencies (FS last->first, SS first->first, FF last->last)."""
    out: list[WorkOrderDependency] = []
    for link in problem.links:
        (pj, po), (sj, so) = link.before, link.after
        p_last = po == len(problem.jobs[pj].operations) - 1
        s_last = so == len(problem.jobs[sj].operations) - 1
        shape = {
            DependencyType.FINISH_TO_START: p_last and so == 0,
            DependencyType.START_TO_START: po == 0 and so == 0,
            DependencyType.FINISH_TO_FINISH: p_last and s_last,
        }[link.kind]
        if shape and pj != sj:
            out.append(
                WorkOrderDependency(
                    work_order_id=job_id(problem, sj),
                    predecessor_id=job_id(problem, pj),
                    kind=link.kind,
                    lag_minutes=link.lag,
                )
            )
    return tuple(out)


def to_plan_rules(problem: ProblemDto) -> PlanRules:
    """The domain's view of the problem's rules, for ``check_plan`` / ``check_move``."""
    names = [m.id for m in problem.machines]
    operations: dict[str, Operation] = {}
    work_orders: dict[str, WorkOrder] = {}
    for j, job in enumerate(problem.jobs):
        wid = job_id(problem, j)
        for o, op in enumerate(job.operations):
            oid = operation_id(problem, (j, o))
            operations[oid] = Operation(
                id=oid,
                work_order_id=wid,
                sequence=o + 1,
                name=oid,
                work_centre_id=names[op.modes[0].machine],
                duration_minutes=max(1, op.modes[0].duration),
                setup_family=op.family or "default",
                alternatives=tuple(names[m.machine] for m in op.modes[1:]),
                required_skill=op.skill,
            )
        due = at(problem, job.due) if job.due is not None else at(problem, 10**7)
        work_orders[wid] = WorkOrder(
            id=wid,
            number=wid,
            product_id=job.operations[0].family or "product",
            product_name=job.operations[0].family or "product",
            quantity_ordered=1,
            due_date=due,
            priority=_PRIORITY_OF_WEIGHT.get(job.weight, Priority.MEDIUM),
            release_date=at(problem, job.release) if job.release else None,
        )
    calendar = tuple(
        CalendarWindow(
            work_centre_id=m.id,
            start=at(problem, s),
            end=at(problem, e),
            kind=CalendarKind(m.kinds[k]) if k < len(m.kinds) else CalendarKind.MAINTENANCE,
        )
        for m in problem.machines
        for k, (s, e) in enumerate(m.unavailable)
        if e > s
    )
    setups = tuple(
        SetupTime(names[s.machine], s.from_family, s.to_family, s.minutes)
        for s in problem.setups
        if s.minutes
    )
    operators = {
        p.id: Operator(
            id=p.id,
            employee_id=p.id,
            first_name="Operator",
            last_name=p.id,
            skills=[OperatorSkill(code, code, 2) for code in sorted(p.skills)],
        )
        for p in problem.operators
    }
    availability = {
        p.id: [(at(problem, s), at(problem, e)) for s, e in p.shifts]
        for p in problem.operators
        if p.shifts is not None
    }
    pinned = {
        operation_id(problem, pin.op): PlannedOperation(
            operation_id=operation_id(problem, pin.op),
            work_order_id=job_id(problem, pin.op[0]),
            work_centre_id=names[pin.machine],
            start=at(problem, pin.start),
            end=at(problem, pin.start + _duration(problem, pin.op, pin.machine)),
            operator_id=None if pin.operator is None else problem.operators[pin.operator].id,
        )
        for pin in problem.pins
    }
    return PlanRules(
        operations=operations,
        work_orders=work_orders,
        dependencies=_dependencies(problem),
        calendar=calendar,
        setups=setups,
        operators=operators,
        availability=availability,
        now=at(problem, problem.now),
        pinned=pinned,
    )


def _duration(problem: ProblemDto, ref: OpRef, machine: int) -> int:
    return next(m.duration for m in problem.operation(ref).modes if m.machine == machine)
