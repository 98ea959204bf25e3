"""Run a solve: greedy plan, CP-SAT model with that plan as hint, time limit, workers, progress
reports on every improving solution, cooperative cancellation and repair mode.

Call :func:`solve` from a worker thread (never the GUI thread); it returns a plain
:class:`SolutionDto` that a scenario store can save as it is.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from services.scheduling.checker import check_schedule
from services.scheduling.flat import FlatProblem, ProblemError, flatten
from services.scheduling.heuristic import greedy_schedule
from services.scheduling.metrics import compute_metrics, with_setups
from services.scheduling.model import ModelOptions, build_model, safe_horizon
from services.scheduling.problem import (
    AssignmentDto,
    ObjectiveWeights,
    PinDto,
    ProblemDto,
    ProgressDto,
    SolutionDto,
    SolveStatus,
)

log = logging.getLogger(__name__)

LARGE = 1000  # operations from which the model is "plant-sized": no presolve
PROBING_LIMIT = 5000  # variables from which presolve skips probing and symmetry detection

Cancel = threading.Event | Callable[[], bool]
ProgressCallback = Callable[[ProgressDto], None]

__all__ = ["ProblemError", "SchedulingError", "SolveOptions", "solve"]


class SchedulingError(RuntimeError):
    """The solver produced a plan that the independent checker rejects (a bug, never data)."""


@dataclass(frozen=True, slots=True)
class SolveOptions:
    time_limit: float = 10.0  # seconds for the whole call (greedy, model, search)
    workers: int = 2
    weights: ObjectiveWeights = field(default_factory=ObjectiveWeights)
    previous: tuple[AssignmentDto, ...] | None = None  # repair mode: stay close to this plan
    frozen_until: int | None = None  # with a previous plan: what starts before stays put
    move_weight: int = 1
    switch_weight: int = 60
    seed: int = 0
    use_hint: bool = True  # feed the greedy plan to CP-SAT as a hint
    tight_horizon: bool = True  # horizon from the greedy plan instead of a safe sum
    tight_domains: bool = True  # start windows cut by heads and tails
    greedy_seconds: float | None = None  # None: a share of the time limit, at most 1 s
    # plant-sized problems: improve the greedy plan window by window (lns.py) instead of one
    # CP-SAT model of everything
    large_neighbourhoods: bool = True
    log_search: bool = False


def _cancelled(cancel: Cancel | None) -> bool:
    if cancel is None:
        return False
    if isinstance(cancel, threading.Event):
        return cancel.is_set()
    return bool(cancel())


def _freeze(problem: ProblemDto, previous: Sequence[AssignmentDto], until: int) -> ProblemDto:
    """Pin every operation of the previous plan that starts before ``until``."""
    pinned = {p.op for p in problem.pins}
    extra = [
        PinDto(op=a.ref, machine=a.machine, start=a.start, operator=a.operator)
        for a in previous
        if a.start < until and a.ref not in pinned
    ]
    return dataclasses.replace(problem, pins=(*problem.pins, *extra)) if extra else problem


def _horizon(flat: FlatProblem, options: SolveOptions, greedy_makespan: int | None) -> int:
    safe = safe_horizon(flat)
    if options.previous is not None:
        # repair wants operations near their old places, which may lie beyond what a packed
        # plan needs: leave room for the old plan, the greedy repair and one more packed plan
        old_end = max((a.end for a in options.previous), default=0)
        return max(old_end, greedy_makespan or 0) + safe
    if not options.tight_horizon or greedy_makespan is None:
        return safe
    if options.weights.makespan_only:
        return greedy_makespan  # no better plan ends later than a known plan
    # other objectives may trade makespan for tardiness or setups: leave room, but not forever
    return min(safe, 2 * greedy_makespan)


def solve(
    problem: ProblemDto,
    options: SolveOptions | None = None,
    *,
    on_progress: ProgressCallback | None = None,
    cancel: Cancel | None = None,
) -> SolutionDto:
    """Plan ``problem``. Raises ProblemError for a problem that cannot be modelled as stated."""
    from ortools.sat.python import cp_model

    options = options or SolveOptions()
    started = time.perf_counter()
    if options.previous is not None and options.frozen_until is not None:
        problem = _freeze(problem, options.previous, options.frozen_until)
    flat = flatten(problem)
    previous = None
    if options.previous is not None:
        previous = {flat.index[a.ref]: a for a in options.previous if a.ref in flat.index}

    budget = options.greedy_seconds
    if budget is None:
        budget = min(1.0, 0.05 * options.time_limit)
    greedy = greedy_schedule(
        flat, options.weights, previous=previous, budget_seconds=budget, seed=options.seed
    )
    greedy_plan: list[AssignmentDto] | None = None
    first_seconds: float | None = None
    if greedy is not None:
        problems = check_schedule(problem, greedy.assignments)
        if problems:  # e.g. pins that contradict each other: CP-SAT will say what it can
            log.info("greedy plan rejected by the checker: %s", problems[0])
        else:
            greedy_plan = list(greedy.assignments)
            first_seconds = time.perf_counter() - started
    if flat.n >= LARGE and options.large_neighbourhoods and greedy_plan is not None:
        return _solve_large(
            problem, flat, greedy_plan, options, started, first_seconds, on_progress, cancel
        )
    greedy_makespan = max(a.end for a in greedy_plan) if greedy_plan else None
    horizon = _horizon(flat, options, greedy_makespan)
    built = build_model(
        flat,
        ModelOptions(
            weights=options.weights,
            horizon=horizon,
            hint=greedy_plan if options.use_hint else None,
            previous=previous,
            move_weight=options.move_weight,
            switch_weight=options.switch_weight,
            tight_domains=options.tight_domains,
        ),
    )
    build_seconds = time.perf_counter() - started
    log.info(
        "model of %s: %d operations, horizon %d, built in %.2f s",
        problem.name,
        flat.n,
        horizon,
        build_seconds,
    )

    solver = cp_model.CpSolver()
    # the time limit is wall-clock for the whole call: greedy and model building count too
    remaining = max(options.time_limit - build_seconds, 0.1)
    solver.parameters.max_time_in_seconds = remaining
    solver.parameters.num_workers = max(options.workers, 1)
    solver.parameters.random_seed = options.seed
    solver.parameters.log_search_progress = options.log_search
    size = len(built.model.model_proto.variables)
    if size >= PROBING_LIMIT:
        # measured here: probing took 6 s of an 8 s limit on a 300-operation plant (15,000
        # variables, mostly setup arcs) and over 30 s on the 5,000-operation one
        solver.parameters.cp_model_probing_level = 0
        solver.parameters.symmetry_level = 0
    if flat.n >= LARGE:
        # even without probing, presolve of the 5,000-operation plant took 15-25 s here;
        # without it the search starts from the hint after about 2 s
        solver.parameters.cp_model_presolve = False

    progress: list[ProgressDto] = []
    best_plan: list[list[AssignmentDto]] = []
    stop_requested = threading.Event()

    class Reporter(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self) -> None:
            nonlocal first_seconds
            elapsed = time.perf_counter() - started
            if first_seconds is None:
                first_seconds = elapsed
            obj = float(self.objective_value)
            bound = float(self.best_objective_bound)
            item = ProgressDto(obj, bound, _gap(obj, bound), elapsed)
            progress.append(item)
            best_plan[:] = [built.extract(self.value, self.boolean_value)]
            if on_progress is not None:
                try:
                    on_progress(item)
                except Exception:  # a broken listener must not kill the solve
                    log.exception("progress listener failed")
            if _cancelled(cancel):
                stop_requested.set()
                self.stop_search()

    watcher_done = threading.Event()

    def watch() -> None:
        while not watcher_done.wait(0.05):
            if _cancelled(cancel):
                stop_requested.set()
                solver.stop_search()
                return

    watcher = threading.Thread(target=watch, name="schedule-cancel-watch", daemon=True)
    if cancel is not None:
        if _cancelled(cancel):
            stop_requested.set()
        else:
            watcher.start()
    if stop_requested.is_set():
        status_code = cp_model.UNKNOWN
    else:
        status_code = solver.solve(built.model, Reporter())
    watcher_done.set()
    if watcher.is_alive():
        watcher.join()

    status = {
        cp_model.OPTIMAL: SolveStatus.OPTIMAL,
        cp_model.FEASIBLE: SolveStatus.FEASIBLE,
        cp_model.INFEASIBLE: SolveStatus.INFEASIBLE,
        cp_model.MODEL_INVALID: SolveStatus.INVALID,
    }.get(status_code, SolveStatus.UNKNOWN)
    plan: list[AssignmentDto] = []
    objective: float | None = None
    bound: float | None = None
    if status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE):
        plan = built.extract(solver.value, solver.boolean_value)
        objective = float(solver.objective_value)
        bound = float(solver.best_objective_bound)
    elif best_plan:
        plan = best_plan[0]
        status = SolveStatus.FEASIBLE
        objective = progress[-1].objective
        bound = progress[-1].bound
    elif greedy_plan is not None and status is SolveStatus.UNKNOWN:
        plan = greedy_plan  # CP-SAT found nothing in time: the checked greedy plan stands
        status = SolveStatus.FEASIBLE
    if plan:
        problems = check_schedule(problem, plan)
        if problems:
            raise SchedulingError(
                f"the plan for {problem.name} breaks {len(problems)} rule(s), first: {problems[0]}"
            )
    metrics = compute_metrics(problem, plan, options.previous) if plan else None
    if objective is None and metrics is not None and options.previous is None:
        w = options.weights  # the greedy plan stands: its objective, from its figures
        objective = float(
            w.makespan * metrics.makespan
            + w.tardiness * metrics.weighted_tardiness
            + w.setup * metrics.total_setup
            + w.cost * metrics.total_cost
        )
    solve_seconds = time.perf_counter() - started
    lower_bound: int | None = built.lower_bound
    if options.weights.makespan_only and options.previous is None and bound is not None:
        lower_bound = max(built.lower_bound, math.ceil(bound / options.weights.makespan - 1e-9))
    if status is SolveStatus.OPTIMAL and options.weights.makespan_only and not options.previous:
        lower_bound = max(a.end for a in plan)
    return SolutionDto(
        status=status,
        assignments=tuple(with_setups(problem, plan)),
        objective=objective,
        bound=bound,
        metrics=metrics,
        makespan_lower_bound=lower_bound if status is not SolveStatus.INFEASIBLE else None,
        solve_seconds=solve_seconds,
        first_solution_seconds=first_seconds,
        cancelled=stop_requested.is_set(),
        progress=tuple(progress),
    )


def _solve_large(
    problem: ProblemDto,
    flat: FlatProblem,
    greedy_plan: list[AssignmentDto],
    options: SolveOptions,
    started: float,
    first_seconds: float | None,
    on_progress: ProgressCallback | None,
    cancel: Cancel | None,
) -> SolutionDto:
    from services.scheduling.lns import LnsOptions, improve, objective_of

    previous = {a.ref: a for a in options.previous} if options.previous is not None else None
    lns = LnsOptions(
        weights=options.weights,
        workers=max(options.workers, 1),
        seed=options.seed,
        previous=previous,
        move_weight=options.move_weight,
        switch_weight=options.switch_weight,
    )
    lower_bound = flat.makespan_lower_bound()
    bound = float(options.weights.makespan * lower_bound)  # every other term is >= 0
    progress: list[ProgressDto] = []

    def report(value: int) -> None:
        item = ProgressDto(float(value), bound, _gap(value, bound), time.perf_counter() - started)
        progress.append(item)
        if on_progress is not None:
            try:
                on_progress(item)
            except Exception:  # a broken listener must not kill the solve
                log.exception("progress listener failed")

    report(
        objective_of(
            problem,
            greedy_plan,
            options.weights,
            previous,
            options.move_weight,
            options.switch_weight,
        )
    )
    stop = threading.Event()

    def stopped() -> bool:
        if _cancelled(cancel):
            stop.set()
        return stop.is_set()

    plan = improve(
        problem,
        flat,
        greedy_plan,
        lns,
        deadline=started + options.time_limit,
        stopped=stopped,
        on_improvement=lambda _plan, value: report(value),
    )
    problems = check_schedule(problem, plan)
    if problems:
        raise SchedulingError(
            f"the plan for {problem.name} breaks {len(problems)} rule(s), first: {problems[0]}"
        )
    return SolutionDto(
        status=SolveStatus.FEASIBLE,
        assignments=tuple(with_setups(problem, plan)),
        objective=progress[-1].objective,
        bound=bound,
        metrics=compute_metrics(problem, plan, options.previous),
        makespan_lower_bound=lower_bound,
        solve_seconds=time.perf_counter() - started,
        first_solution_seconds=first_seconds,
        cancelled=stop.is_set(),
        progress=tuple(progress),
    )


def _gap(objective: float, bound: float) -> float:
    return abs(objective - bound) / max(abs(objective), 1.0)


def summary(solution: SolutionDto) -> dict[str, Any]:
    """The figures of a solution in plain types (for logs and the CLI)."""
    m = solution.metrics
    return {
        "status": solution.status.value,
        "makespan": solution.makespan,
        "objective": solution.objective,
        "bound": solution.bound,
        "weighted_tardiness": m.weighted_tardiness if m else None,
        "total_setup": m.total_setup if m else None,
        "solve_seconds": round(solution.solve_seconds, 3),
        "first_solution_seconds": solution.first_solution_seconds,
        "cancelled": solution.cancelled,
    }
