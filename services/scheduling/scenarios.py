"""Scheduling scenarios: plans saved with their entries, compared, moved by hand, released.

Every write goes through ``app.uow(actor)`` (audit row + ``Topic.SCHEDULE`` change event) and
needs ``Permission.SCHEDULE``. A hand move is checked with the domain's rules
(``domain.rules.scheduling.check_move``: precedence, dependencies, overlap and changeovers,
calendar, eligibility, release, now, pins, and with operators: skill, certification, shift)
against the plant as it is now and the scenario's other entries; a move that breaks one is
refused with ``RuleViolation`` and nothing is written. A moved operation that needs a skill keeps
its operator if they are on shift and free at the new time, else gets another qualified one who
is (``assign_operator``); with nobody, the move is refused naming the operator rule. Plans are
made with operators (people and machines together) unless ``with_operators=False``.

Releasing a scenario archives the one released before, marks the scenario's open operations
released and writes each work order's planned start and end (the operations table holds no
planned times; the chosen work centre stays on the schedule entry).
"""

from __future__ import annotations

import csv
import io
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, update

from domain.auth import Actor, Permission
from domain.errors import NotFound, RuleViolation, ValidationError, Violation
from domain.events import Change, Topic
from domain.model.planning import ScenarioStatus, ScheduleEntry, SchedulingScenario
from domain.model.plant import CalendarKind, MachineStatus
from domain.model.work import OperationStatus
from domain.rules.scheduling import (
    PlannedOperation,
    assign_operator,
    bars_by_operator,
    check_frozen,
    check_move,
)
from domain.rules.scheduling import (
    frozen_until as horizon_end,
)
from services.bootstrap import App
from services.operations.site_settings import write_setting
from services.persistence.tables import system, work
from services.persistence.uow import UnitOfWork
from services.scheduling.checker import check_schedule
from services.scheduling.flat import flatten
from services.scheduling.frozen import (
    FROZEN_HOURS_KEY,
    MAX_FROZEN_HOURS,
    freeze_entries,
    plan_stands,
    read_frozen_hours,
)
from services.scheduling.heuristic import greedy_schedule
from services.scheduling.metrics import compute_metrics, with_setups
from services.scheduling.plant_problem import PlantProblem, read_plant_problem, unstaffed
from services.scheduling.problem import (
    AssignmentDto,
    MetricsDto,
    Objective,
    ObjectiveWeights,
    ProgressDto,
    SolutionDto,
    SolveStatus,
)
from services.scheduling.repair import (
    Breakdown,
    RepairResult,
    affected_entries,
    default_until,
    diff,
    with_unavailable,
)
from services.scheduling.solver import Cancel, SolveOptions, solve

SCENARIO_KIND = "schedule"

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CalendarBlock:
    """Unavailable time of a work centre, for shading."""

    work_centre_id: str
    start: datetime
    end: datetime
    kind: str


@dataclass(frozen=True, slots=True)
class PlanView:
    """What the Gantt shows: a scenario's entries on the plant as it is now."""

    scenario: SchedulingScenario | None
    plant: PlantProblem
    entries: tuple[ScheduleEntry, ...]
    calendar: tuple[CalendarBlock, ...]
    now: datetime
    late: frozenset[str]  # work orders whose planned end is after their due date
    frozen_until: datetime | None = None  # the frozen horizon's end (None: none)

    @property
    def scenario_id(self) -> str | None:
        return None if self.scenario is None else self.scenario.id


@dataclass(frozen=True, slots=True)
class ScenarioFigures:
    """One row of a comparison."""

    id: str
    name: str
    status: str
    makespan_hours: float
    weighted_tardiness: int
    late_work_orders: int
    setup_minutes: int
    utilisation: float
    entries: int


@dataclass(frozen=True, slots=True)
class MoveResult:
    scenario_id: str
    operation_id: str
    before: ScheduleEntry
    after: ScheduleEntry


@dataclass(frozen=True, slots=True)
class OptimiseResult:
    plant: PlantProblem
    solution: SolutionDto
    started_at: datetime
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RepairPlan:
    """A repaired plan, not saved yet (``save_repair`` stores it as a draft)."""

    from_scenario_id: str
    breakdown: Breakdown
    result: OptimiseResult
    old_entries: tuple[ScheduleEntry, ...]


def metrics_dict(m: MetricsDto) -> dict[str, float]:
    return {
        "makespan": float(m.makespan),
        "weighted_tardiness": float(m.weighted_tardiness),
        "late_jobs": float(m.late_jobs),
        "total_setup": float(m.total_setup),
        "total_cost": float(m.total_cost),
        "utilisation": round(float(m.utilisation), 4),
        "changes": float(m.changes),
    }


def _entry_dump(e: ScheduleEntry) -> dict[str, Any]:
    return {
        "operation_id": e.operation_id,
        "work_centre_id": e.work_centre_id,
        "start": e.start.isoformat(),
        "end": e.end.isoformat(),
        "pinned": e.pinned,
    }


def _bar(e: ScheduleEntry) -> PlannedOperation:
    return PlannedOperation(
        e.operation_id, e.work_order_id, e.work_centre_id, e.start, e.end, e.operator_id
    )


class ScenarioService:
    """Scenarios of one seat's service stack; call it from the runner (never the GUI thread)."""

    def __init__(self, app: App, *, with_operators: bool = True) -> None:
        self.app = app
        self.with_operators = with_operators

    # -- reading ---------------------------------------------------------------------------
    def now(self) -> datetime:
        return self.app.clock.now()

    def plant(self, actor: Actor) -> PlantProblem:
        with self.app.uow(actor) as uow:
            return read_plant_problem(uow, now=self.now(), with_operators=self.with_operators)

    def list_scenarios(self, actor: Actor) -> list[SchedulingScenario]:
        """Newest first."""
        with self.app.uow(actor) as uow:
            t = system.scheduling_scenarios
            return list(
                uow.repos.scenarios.list(
                    t.c.status != ScenarioStatus.ARCHIVED.value,
                    order_by=[t.c.created_at.desc(), t.c.id.desc()],
                )
            )

    def entries(self, actor: Actor, scenario_id: str) -> list[ScheduleEntry]:
        with self.app.uow(actor) as uow:
            return self._entries(uow, scenario_id)

    @staticmethod
    def _entries(uow: UnitOfWork, scenario_id: str) -> list[ScheduleEntry]:
        t = system.schedule_entries
        return list(
            uow.repos.schedule_entries.list(
                t.c.scenario_id == scenario_id, order_by=[t.c.work_centre_id, t.c.start]
            )
        )

    def default_scenario_id(self, actor: Actor) -> str | None:
        """The released scenario, else the newest one."""
        scenarios = self.list_scenarios(actor)
        for s in scenarios:
            if s.status is ScenarioStatus.RELEASED:
                return s.id
        return scenarios[0].id if scenarios else None

    def view(self, actor: Actor, scenario_id: str | None = None) -> PlanView:
        """The plan to show: ``scenario_id``, else the released scenario, else the newest."""
        if scenario_id is None:
            scenario_id = self.default_scenario_id(actor)
        with self.app.uow(actor) as uow:
            now = self.now()
            until = horizon_end(now, read_frozen_hours(uow.conn))
            plant = read_plant_problem(uow, now=now, with_operators=self.with_operators)
            scenario = None
            entries: list[ScheduleEntry] = []
            if scenario_id is not None:
                scenario = uow.repos.scenarios.require(scenario_id)
                entries = [
                    e for e in self._entries(uow, scenario_id) if e.operation_id in plant.op_index
                ]
        return make_view(plant, entries, scenario=scenario, now=now, frozen_until=until)

    # -- the frozen horizon ----------------------------------------------------------------
    def frozen_hours(self, actor: Actor) -> float:
        """The site's frozen horizon in hours after now (the default when not set)."""
        with self.app.uow(actor) as uow:
            return read_frozen_hours(uow.conn)

    def frozen_until(self, actor: Actor) -> datetime | None:
        """Where the frozen horizon ends now (None: no frozen horizon)."""
        with self.app.uow(actor) as uow:
            return horizon_end(self.now(), read_frozen_hours(uow.conn))

    def set_frozen_hours(self, actor: Actor, hours: float) -> float:
        """Set the site's frozen horizon (0 turns it off); audited, other seats hear of it."""
        actor.require(Permission.SCHEDULE)
        if not 0 <= hours <= MAX_FROZEN_HOURS:
            raise ValidationError(
                f"the frozen horizon must be between 0 and {MAX_FROZEN_HOURS:g} hours"
            )
        with self.app.uow(actor) as uow:
            before = read_frozen_hours(uow.conn)
            write_setting(uow.conn, FROZEN_HOURS_KEY, float(hours), by=actor.user, at=uow.now)
            uow.audit(
                "setting.write",
                "setting",
                FROZEN_HOURS_KEY,
                {"value": before},
                {"value": float(hours)},
            )
            uow.record(Change(Topic.SCHEDULE, "frozen_horizon_changed", (FROZEN_HOURS_KEY,)))
            uow.commit()
        return float(hours)

    def compare(self, actor: Actor, scenario_ids: Sequence[str]) -> list[ScenarioFigures]:
        """Makespan, weighted tardiness, setup and utilisation of each scenario, computed from
        its entries against the plant as it is now (so hand moves count)."""
        out: list[ScenarioFigures] = []
        with self.app.uow(actor) as uow:
            plant = read_plant_problem(uow, now=self.now(), with_operators=self.with_operators)
            for sid in scenario_ids:
                scenario = uow.repos.scenarios.require(sid)
                entries = self._entries(uow, sid)
                plan = plant.assignments(entries)
                m = compute_metrics(plant.problem, plan)
                span = 0.0
                if entries:
                    first = min(e.start for e in entries)
                    last = max(e.end for e in entries)
                    span = (last - min(first, plant.origin)).total_seconds() / 3600
                out.append(
                    ScenarioFigures(
                        id=scenario.id,
                        name=scenario.name,
                        status=scenario.status.value,
                        makespan_hours=round(span, 2),
                        weighted_tardiness=m.weighted_tardiness,
                        late_work_orders=m.late_jobs,
                        setup_minutes=m.total_setup,
                        utilisation=round(m.utilisation, 4),
                        entries=len(entries),
                    )
                )
        return out

    # -- planning --------------------------------------------------------------------------
    def optimise(
        self,
        actor: Actor,
        *,
        time_limit: float = 10.0,
        objective: Objective | str = Objective.WEIGHTED,
        workers: int = 2,
        repair_from: str | None = None,
        on_progress: Callable[[ProgressDto], None] | None = None,
        cancel: Cancel | None = None,
    ) -> OptimiseResult:
        """Solve the plant as it is now (long: run it on the runner's query pool). With
        ``repair_from``, the scenario's plan is the one to stay close to and its pins hold.
        What starts inside the frozen horizon stays where it is: in the ``repair_from`` plan,
        else in the released one."""
        actor.require(Permission.SCHEDULE)
        started_at = self.now()
        pins_from: list[ScheduleEntry] = []
        committed: list[ScheduleEntry] = []
        previous: tuple[AssignmentDto, ...] | None = None
        with self.app.uow(actor) as uow:
            plant = read_plant_problem(uow, now=started_at, with_operators=self.with_operators)
            until = horizon_end(started_at, read_frozen_hours(uow.conn))
            if repair_from is not None:
                pins_from = self._entries(uow, repair_from)
                committed = pins_from
            else:
                released = self._released_id(uow)
                if released is not None:
                    committed = self._entries(uow, released)
        if pins_from:
            plant = plant.with_pins(pins_from)
            previous = tuple(plant.assignments(pins_from)) or None
        plant = freeze_entries(plant, committed, until)
        weights = ObjectiveWeights.of(objective)
        options = SolveOptions(
            time_limit=time_limit, workers=workers, weights=weights, previous=previous
        )
        solution = solve(plant.problem, options, on_progress=on_progress, cancel=cancel)
        if not solution.has_plan and committed:
            # nothing found in time around the frozen operations: the current plan stands
            stands = plan_stands(plant.problem, plant.assignments(committed), solution)
            solution = stands or solution
        return OptimiseResult(
            plant=plant,
            solution=solution,
            started_at=started_at,
            parameters={
                "time_limit": time_limit,
                "objective": str(Objective(objective).value),
                "workers": workers,
                "repair_from": repair_from,
                "operations": plant.problem.operation_count,
                "frozen_until": None if until is None else until.isoformat(),
                "frozen": len(plant.problem.pins),
            },
        )

    # -- repair on breakdown ---------------------------------------------------------------
    def breakdowns(
        self,
        actor: Actor,
        scenario_id: str,
        machine_ids: Iterable[str],
        *,
        until: datetime | None = None,
    ) -> list[Breakdown]:
        """The machines among ``machine_ids`` that are broken down now and have entries of the
        scenario on their work centre between now and ``until`` (default: the expected
        downtime)."""
        now = self.now()
        end = until or default_until(now)
        out: list[Breakdown] = []
        with self.app.uow(actor) as uow:
            entries = self._entries(uow, scenario_id)
            for machine_id in dict.fromkeys(machine_ids):
                machine = uow.repos.machines.get(machine_id)
                if (
                    machine is None
                    or machine.status is not MachineStatus.BREAKDOWN
                    or machine.work_centre_id is None
                ):
                    continue
                hit = affected_entries(entries, machine.work_centre_id, now, end)
                if hit:
                    out.append(
                        Breakdown(
                            machine.id,
                            machine.name,
                            machine.work_centre_id,
                            now,
                            end,
                            tuple(e.operation_id for e in hit),
                        )
                    )
        return out

    def plan_repair(
        self,
        actor: Actor,
        scenario_id: str,
        machine_id: str,
        until: datetime | None = None,
        *,
        time_limit: float = 10.0,
        workers: int = 2,
        cancel: Cancel | None = None,
    ) -> RepairPlan:
        """Re-solve the scenario in repair mode (stay close to it) with the machine's work
        centre unavailable from now until ``until`` (default: the expected downtime). Pins and
        the frozen horizon hold, except for the work orders the breakdown hits. Long: run it on
        the runner's query pool; nothing is written."""
        actor.require(Permission.SCHEDULE)
        started_at = self.now()
        end = until or default_until(started_at)
        with self.app.uow(actor) as uow:
            machine = uow.repos.machines.require(machine_id)
            if machine.work_centre_id is None:
                raise ValidationError(f"machine {machine.name} belongs to no work centre")
            plant = read_plant_problem(uow, now=started_at, with_operators=self.with_operators)
            frozen_end = horizon_end(started_at, read_frozen_hours(uow.conn))
            entries = [
                e for e in self._entries(uow, scenario_id) if e.operation_id in plant.op_index
            ]
        wc = machine.work_centre_id
        hit = affected_entries(entries, wc, started_at, end)
        breakdown = Breakdown(
            machine.id, machine.name, wc, started_at, end, tuple(e.operation_id for e in hit)
        )
        orders = {e.work_order_id for e in hit}
        keep = [
            replace(e, pinned=False) if e.work_order_id in orders else e
            for e in entries  # a pinned bar the breakdown hits must move: its pin goes
        ]
        down = with_unavailable(plant, wc, started_at, end)
        previous = tuple(down.assignments(keep)) or None
        pinned = down.with_pins(keep)
        options = SolveOptions(time_limit=time_limit, workers=workers, previous=previous)
        # widen what may move until a plan is found: the hit work orders and what follows on
        # the work centre; then every work order with a step there; then all but the frozen
        # horizon; then everything (only pins hold)
        later = {e.work_order_id for e in keep if e.work_centre_id == wc and e.end > started_at}
        stages: list[tuple[str, PlantProblem]] = []
        for label, free in (("hit", orders), ("work centre", orders | later)):
            free = _with_successors(down, free)  # what waits for a freed order may move too
            fixed = [e for e in keep if e.work_order_id not in free]
            stages.append((label, freeze_entries(pinned, fixed, _far(keep))))
        unhit = [e for e in keep if e.work_order_id not in orders]
        stages.append(("frozen horizon", freeze_entries(pinned, unhit, frozen_end)))
        stages.append(("all", pinned))
        share = time_limit / 2
        solution: SolutionDto | None = None
        problem_plant = pinned
        stage = ""
        for k, (label, candidate) in enumerate(stages):
            limit = time_limit if k == len(stages) - 1 else share
            solution = solve(candidate.problem, replace(options, time_limit=limit), cancel=cancel)
            problem_plant, stage = candidate, label
            log.info(
                "repair around %s, moving the %s operations: %s in %.1f s",
                machine.id,
                label,
                solution.status.value,
                solution.solve_seconds,
            )
            if solution.has_plan or solution.cancelled:
                break
        assert solution is not None
        if not solution.has_plan:
            raise ValidationError(
                f"no repaired plan was found around the breakdown of {machine.name} "
                f"({solution.status.value})"
            )
        result = OptimiseResult(
            plant=problem_plant,
            solution=solution,
            started_at=started_at,
            parameters={
                "method": "repair",
                "repair_from": scenario_id,
                "moved": stage,
                "breakdown": {
                    "machine_id": machine.id,
                    "work_centre_id": wc,
                    "start": started_at.isoformat(),
                    "until": end.isoformat(),
                },
                "time_limit": time_limit,
                "objective": Objective.WEIGHTED.value,
                "operations": problem_plant.problem.operation_count,
            },
        )
        return RepairPlan(scenario_id, breakdown, result, tuple(entries))

    def save_repair(self, actor: Actor, plan: RepairPlan) -> RepairResult:
        """Store a repaired plan as a new draft scenario (not released) and say what moved."""
        b = plan.breakdown
        changes, unchanged = diff(plan.old_entries, entries_of(plan.result))
        sid = self.save(
            actor,
            plan.result,
            name=f"Repair: {b.machine_name} down until "
            f"{b.until.astimezone(plan.result.plant.tz):%a %H:%M}",
            status=ScenarioStatus.DRAFT,
            notes=(
                f"{b.text}; {len(changes)} entries moved, {unchanged} unchanged "
                f"(from {plan.from_scenario_id})"
            ),
        )
        return RepairResult(sid, plan.from_scenario_id, b, tuple(changes), unchanged)

    def repair_for_breakdown(
        self,
        actor: Actor,
        scenario_id: str,
        machine_id: str,
        until: datetime | None = None,
        *,
        time_limit: float = 10.0,
        workers: int = 2,
    ) -> RepairResult:
        """``plan_repair`` then ``save_repair``: the repaired plan as a new draft scenario."""
        plan = self.plan_repair(
            actor, scenario_id, machine_id, until, time_limit=time_limit, workers=workers
        )
        return self.save_repair(actor, plan)

    def draft(self, actor: Actor) -> OptimiseResult:
        """A first plan from the greedy scheduler (fast), not saved: what the Gantt shows while
        no scenario exists (anyone may look at it; saving it needs the schedule permission)."""
        started_at = self.now()
        t0 = time.perf_counter()
        plant = self.plant(actor)
        flat = flatten(plant.problem)
        greedy = greedy_schedule(flat, ObjectiveWeights(), budget_seconds=0.3)
        if greedy is None:
            missing = unstaffed(plant.problem)
            if missing:
                first = ", ".join(f"{o} ({skill}, {m} min)" for o, skill, m in missing[:3])
                raise ValidationError(
                    f"no plan could be built: {len(missing)} operations need a skill that no "
                    f"operator on the roster holds for their whole run, e.g. {first}"
                )
            raise ValidationError("no plan could be built for the open work orders")
        # the independent checker the optimiser's plans go through: a draft never shows a
        # plan that breaks a rule (the greedy scheduler is a heuristic, not a proof)
        problems = check_schedule(plant.problem, greedy.assignments)
        if problems:
            log.warning("greedy draft rejected by the checker: %s", problems[0])
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise ValidationError(
                f"the first plan breaks {len(problems)} rule(s), so it is not shown: "
                f"{problems[0].message}{more}. Optimise builds a plan with the solver.",
                code="draft_invalid",
                violations=problems,
            )
        plan = with_setups(plant.problem, greedy.assignments)
        solution = SolutionDto(
            status=SolveStatus.FEASIBLE,
            assignments=tuple(plan),
            metrics=compute_metrics(plant.problem, plan),
            solve_seconds=time.perf_counter() - t0,
        )
        return OptimiseResult(plant, solution, started_at, {"method": "greedy"})

    def initial_plan(self, actor: Actor, *, name: str = "Initial plan") -> str:
        """A first plan from the greedy scheduler, saved as a draft scenario."""
        actor.require(Permission.SCHEDULE)
        return self.save(actor, self.draft(actor), name=name, status=ScenarioStatus.DRAFT)

    def save(
        self,
        actor: Actor,
        result: OptimiseResult,
        *,
        name: str | None = None,
        status: ScenarioStatus = ScenarioStatus.OPTIMISED,
        notes: str | None = None,
    ) -> str:
        """Store a solution as a scenario with its entries and an optimisation-run row."""
        actor.require(Permission.SCHEDULE)
        solution = result.solution
        if not solution.has_plan:
            raise ValidationError(
                f"the solver found no plan ({solution.status.value}): nothing to save"
            )
        plant = result.plant
        problem = plant.problem
        metrics = solution.metrics or compute_metrics(problem, solution.assignments)
        with self.app.uow(actor) as uow:
            now = uow.now
            sid = f"SC-{now:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
            objective = str(result.parameters.get("objective", "makespan"))
            scenario = SchedulingScenario(
                id=sid,
                name=name or f"Plan {now.astimezone(plant.tz):%Y-%m-%d %H:%M}",
                created_by=actor.user,
                created_at=now,
                status=status,
                objective=objective,
                metrics=metrics_dict(metrics),
                notes=notes,
            )
            uow.repos.scenarios.add(scenario)
            entries = entries_of(result, sid)
            uow.repos.schedule_entries.add_many(entries)
            uow.conn.execute(
                insert(system.optimisation_runs).values(
                    kind=SCENARIO_KIND,
                    started_at=result.started_at,
                    finished_at=now,
                    status=solution.status.value + (" (stopped)" if solution.cancelled else ""),
                    objective=solution.objective,
                    bound=solution.bound,
                    parameters=result.parameters,
                    result={
                        "scenario_id": sid,
                        "solve_seconds": round(solution.solve_seconds, 3),
                        "first_solution_seconds": solution.first_solution_seconds,
                        "cancelled": solution.cancelled,
                        "improvements": len(solution.progress),
                        **metrics_dict(metrics),
                    },
                    requested_by=actor.user,
                )
            )
            uow.audit(
                "scenario.save",
                "scheduling_scenario",
                sid,
                None,
                {"name": scenario.name, "entries": len(entries), **scenario.metrics},
            )
            uow.record(Change(Topic.SCHEDULE, "scenario_saved", (sid,)))
            uow.commit()
        return sid

    # -- editing ---------------------------------------------------------------------------
    def move(
        self,
        actor: Actor,
        scenario_id: str,
        operation_id: str,
        *,
        start: datetime,
        work_centre_id: str | None = None,
        expected_version: int | None = None,
        reason: str | None = None,
    ) -> MoveResult:
        """Move one entry (new start and/or work centre); refused with the rules it breaks."""
        actor.require(Permission.SCHEDULE)
        with self.app.uow(actor) as uow:
            # the scenario row lock makes hand moves of one scenario take turns (PostgreSQL)
            scenario = uow.repos.scenarios.require(scenario_id, lock=True)
            _editable(scenario)
            plant = read_plant_problem(uow, now=uow.now, with_operators=self.with_operators)
            entries = [
                e for e in self._entries(uow, scenario_id) if e.operation_id in plant.op_index
            ]
            entry = next((e for e in entries if e.operation_id == operation_id), None)
            if entry is None:
                raise NotFound("schedule entry", f"{scenario_id}/{operation_id}")
            uow.repos.schedule_entries.check_version(entry, expected_version)
            before = replace(entry)
            until = horizon_end(uow.now, read_frozen_hours(uow.conn))
            target = work_centre_id or entry.work_centre_id
            duration = plant.duration_on(operation_id, target)
            minutes = duration if duration is not None else _minutes(entry.end - entry.start)
            start = start.replace(second=0, microsecond=0)
            moved = PlannedOperation(
                operation_id,
                entry.work_order_id,
                target,
                start,
                start + timedelta(minutes=minutes),
                entry.operator_id,
            )
            bars = [_bar(e) for e in entries]
            rules = plant.rules(entries)
            if self.with_operators:
                moved = assign_operator(rules, moved, bars_by_operator(bars))
            else:  # operators not modelled: their rules are not checked (the entry keeps its)
                bars = [replace(b, operator_id=None) for b in bars]
                moved = replace(moved, operator_id=None)
            problems = check_move(bars, moved, rules)
            problems += check_frozen(_bar(before), moved, until, plant.tz)
            if problems:
                raise RuleViolation(problems)
            entry.work_centre_id = target
            entry.start = moved.start
            entry.end = moved.end
            if self.with_operators:
                entry.operator_id = moved.operator_id
            uow.repos.schedule_entries.update(entry)
            uow.audit(
                "schedule_entry.move",
                "schedule_entry",
                f"{scenario_id}/{operation_id}",
                _entry_dump(before),
                _entry_dump(entry),
                reason,
            )
            uow.record(
                Change(
                    Topic.SCHEDULE,
                    "entry_moved",
                    (scenario_id,),
                    {"operation_id": operation_id},
                )
            )
            uow.commit()
        return MoveResult(scenario_id, operation_id, before, entry)

    def set_pinned(
        self,
        actor: Actor,
        scenario_id: str,
        operation_id: str,
        pinned: bool,
        *,
        expected_version: int | None = None,
    ) -> ScheduleEntry:
        actor.require(Permission.SCHEDULE)
        with self.app.uow(actor) as uow:
            scenario = uow.repos.scenarios.require(scenario_id, lock=True)
            _editable(scenario)
            entry = self._entry(uow, scenario_id, operation_id)
            uow.repos.schedule_entries.check_version(entry, expected_version)
            if entry.pinned == pinned:
                return entry
            before = _entry_dump(entry)
            entry.pinned = pinned
            uow.repos.schedule_entries.update(entry)
            uow.audit(
                "schedule_entry.pin" if pinned else "schedule_entry.unpin",
                "schedule_entry",
                f"{scenario_id}/{operation_id}",
                before,
                _entry_dump(entry),
            )
            uow.record(
                Change(
                    Topic.SCHEDULE,
                    "entry_pinned" if pinned else "entry_unpinned",
                    (scenario_id,),
                    {"operation_id": operation_id},
                )
            )
            uow.commit()
        return entry

    @staticmethod
    def _released_id(uow: UnitOfWork) -> str | None:
        t = system.scheduling_scenarios
        found = uow.repos.scenarios.list(
            t.c.status == ScenarioStatus.RELEASED.value, order_by=[t.c.created_at.desc()]
        )
        return found[0].id if found else None

    @staticmethod
    def _entry(uow: UnitOfWork, scenario_id: str, operation_id: str) -> ScheduleEntry:
        t = system.schedule_entries
        found = uow.repos.schedule_entries.list(
            t.c.scenario_id == scenario_id, t.c.operation_id == operation_id
        )
        if not found:
            raise NotFound("schedule entry", f"{scenario_id}/{operation_id}")
        return found[0]

    def release(
        self, actor: Actor, scenario_id: str, *, expected_version: int | None = None
    ) -> SchedulingScenario:
        """Release a scenario: the one released before is archived, work orders get planned
        start/end from it and their planned operations become released."""
        actor.require(Permission.SCHEDULE)
        with self.app.uow(actor) as uow:
            repo = uow.repos.scenarios
            scenario = repo.require(scenario_id, lock=True)
            repo.check_version(scenario, expected_version)
            now = uow.now
            t = system.scheduling_scenarios
            archived: list[str] = []
            for other in repo.list(t.c.status == ScenarioStatus.RELEASED.value):
                if other.id != scenario.id:
                    other.status = ScenarioStatus.ARCHIVED
                    repo.update(other)
                    archived.append(other.id)
            before = {"status": scenario.status.value}
            scenario.release(actor.user, now)
            repo.update(scenario)
            entries = self._entries(uow, scenario_id)
            spans: dict[str, tuple[datetime, datetime]] = {}
            for e in entries:
                s, f = spans.get(e.work_order_id, (e.start, e.end))
                spans[e.work_order_id] = (min(s, e.start), max(f, e.end))
            changed_orders: list[str] = []
            for wo_id, (s, f) in spans.items():
                wo = uow.repos.work_orders.get(wo_id, lock=True)
                if wo is None or wo.status.is_closed:
                    continue
                if wo.planned_start != s or wo.planned_end != f:
                    wo.planned_start, wo.planned_end = s, f
                    wo.updated_by, wo.updated_seat, wo.updated_at = actor.user, actor.seat, now
                    uow.repos.work_orders.update(wo)
                    changed_orders.append(wo_id)
            released_ops = 0
            op_ids = {e.operation_id for e in entries}
            if op_ids:
                ot = work.operations
                result = uow.conn.execute(
                    update(ot)
                    .where(ot.c.id.in_(sorted(op_ids)))
                    .where(ot.c.status == OperationStatus.PLANNED.value)
                    .values(status=OperationStatus.RELEASED.value, version=ot.c.version + 1)
                )
                released_ops = int(result.rowcount or 0)
            uow.audit(
                "scenario.release",
                "scheduling_scenario",
                scenario_id,
                before,
                {
                    "status": scenario.status.value,
                    "archived": archived,
                    "work_orders_planned": len(changed_orders),
                    "operations_released": released_ops,
                },
            )
            uow.record(Change(Topic.SCHEDULE, "scenario_released", (scenario_id, *archived)))
            if changed_orders:
                uow.record(Change(Topic.WORK_ORDER, "planned", tuple(changed_orders)))
            uow.commit()
        return scenario

    # -- export ----------------------------------------------------------------------------
    @staticmethod
    def csv_text(view: PlanView) -> str:
        """The plan as CSV (one row per entry, in start order)."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(
            [
                "work_order",
                "operation",
                "line",
                "work_centre",
                "start",
                "end",
                "minutes",
                "setup_minutes",
                "pinned",
                "due",
                "late",
            ]
        )
        centres = {c.id: c for c in view.plant.work_centres}
        tz = view.plant.tz  # the plant's clock, with the offset: as the chart shows them
        for e in sorted(view.entries, key=lambda e: (e.start, e.work_centre_id)):
            wo = view.plant.work_orders.get(e.work_order_id)
            c = centres.get(e.work_centre_id)
            w.writerow(
                [
                    wo.number if wo else e.work_order_id,
                    e.operation_id,
                    c.line_name if c else "",
                    e.work_centre_id,
                    e.start.astimezone(tz).isoformat(),
                    e.end.astimezone(tz).isoformat(),
                    _minutes(e.end - e.start),
                    e.setup_minutes,
                    "yes" if e.pinned else "no",
                    wo.due.astimezone(tz).isoformat() if wo else "",
                    "yes" if e.work_order_id in view.late else "no",
                ]
            )
        return buf.getvalue()


def entries_of(result: OptimiseResult, scenario_id: str = "") -> list[ScheduleEntry]:
    """A solution's assignments as schedule entries (``scenario_id`` "" for an unsaved plan)."""
    plant = result.plant
    problem = plant.problem
    pinned = {p.op for p in problem.pins}
    return [
        ScheduleEntry(
            scenario_id=scenario_id,
            operation_id=problem.operation(a.ref).id,
            work_order_id=problem.jobs[a.job].id,
            work_centre_id=problem.machines[a.machine].id,
            start=plant.at(a.start),
            end=plant.at(a.end),
            setup_minutes=a.setup,
            operator_id=None if a.operator is None else problem.operators[a.operator].id,
            pinned=a.ref in pinned,
        )
        for a in result.solution.assignments
    ]


def make_view(
    plant: PlantProblem,
    entries: Sequence[ScheduleEntry],
    *,
    scenario: SchedulingScenario | None = None,
    now: datetime | None = None,
    frozen_until: datetime | None = None,
) -> PlanView:
    """The Gantt's view of ``entries`` on ``plant`` (pinned entries become the problem's pins)."""
    return PlanView(
        scenario=scenario,
        plant=plant.with_pins(entries),
        entries=tuple(entries),
        calendar=_calendar(plant),
        now=now or plant.origin,
        late=_late(plant, entries),
        frozen_until=frozen_until,
    )


def _with_successors(plant: PlantProblem, orders: set[str]) -> set[str]:
    """``orders`` and every work order linked after one of them, transitively."""
    jobs = plant.problem.jobs
    after: dict[str, set[str]] = {}
    for link in plant.problem.links:
        after.setdefault(jobs[link.before[0]].id, set()).add(jobs[link.after[0]].id)
    out = set(orders)
    todo = list(orders)
    while todo:
        for nxt in after.get(todo.pop(), ()):
            if nxt not in out:
                out.add(nxt)
                todo.append(nxt)
    return out


def _far(entries: Sequence[ScheduleEntry]) -> datetime | None:
    """A time after every entry's start (None: no entries)."""
    last = max((e.start for e in entries), default=None)
    return None if last is None else last + timedelta(days=1)


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def _editable(scenario: SchedulingScenario) -> None:
    if scenario.status is ScenarioStatus.ARCHIVED:
        raise RuleViolation([Violation("scenario_status", f"scenario {scenario.name} is archived")])


def _calendar(plant: PlantProblem) -> tuple[CalendarBlock, ...]:
    out: list[CalendarBlock] = []
    for m in plant.problem.machines:
        for k, (s, e) in enumerate(m.unavailable):
            kind = m.kinds[k] if k < len(m.kinds) else CalendarKind.MAINTENANCE.value
            out.append(CalendarBlock(m.id, plant.at(s), plant.at(e), kind))
    return tuple(out)


def _late(plant: PlantProblem, entries: Sequence[ScheduleEntry]) -> frozenset[str]:
    ends: dict[str, datetime] = {}
    for e in entries:
        ends[e.work_order_id] = max(ends.get(e.work_order_id, e.end), e.end)
    return frozenset(
        wo
        for wo, end in ends.items()
        if wo in plant.work_orders and end > plant.work_orders[wo].due
    )
