"""Run a roster solve: time limit, workers, progress on every improving roster, cooperative
cancellation, and the independent checker on the answer.

Two strategies:

- ``"lns"`` (the default): a first roster built operator by operator (on all workers), then a
  neighbourhood search (:mod:`services.rostering.search`) on all workers but one; that one runs
  CP-SAT on the whole model in chunks of a third of the time, each restarted from the best
  roster so far, for as long as the chunks improve it (at most ``bound_share`` of the time):
  this gives the lower bound, proves optimality on small problems, offers its rosters to the
  search, and then the worker joins the neighbourhood search.
- ``"cpsat"``: CP-SAT alone on the whole model with all workers (the benchmark's baseline runs
  this way with its own model builder).

The call is synchronous; the desktop runs it in a worker thread and passes a cancel token
(anything with ``is_set()``, e.g. :class:`threading.Event`) and a progress callback, called on a
solver thread (marshal it to the GUI thread before touching widgets).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from services.rostering.checker import check_roster
from services.rostering.model import RosterModel, build_model
from services.rostering.problem import (
    ProgressDto,
    RosterDto,
    RosterProblemDto,
    SolveOptionsDto,
    SolveResultDto,
    SolveStatus,
)
from services.rostering.search import Infeasible, SharedIncumbent, construct, neighbourhood_search

log = logging.getLogger(__name__)

# CP-SAT parameters when the whole model gets one worker (the bounding run of "lns"):
# interleaving its subsolvers on the one thread gave far better bounds than its default search
SINGLE_WORKER_PARAMETERS: dict[str, int | float | bool] = {"interleave_search": True}

# The whole-model run of "lns" restarts from the best roster so far every time_limit / CHUNKS
# seconds (at least MIN_CHUNK_SECONDS), so it carries on from what the search found.
CHUNKS = 3
MIN_CHUNK_SECONDS = 5.0
STOP_WHEN_STALLED = True

ProgressCallback = Callable[[ProgressDto], None]
ModelBuilder = Callable[[RosterProblemDto], RosterModel]


class CancelToken(Protocol):
    def is_set(self) -> bool: ...


@dataclass
class _Run:
    """What the threads of one solve share."""

    started: float
    deadline: float
    on_progress: ProgressCallback | None
    cancel: CancelToken | None
    stop: threading.Event = field(default_factory=threading.Event)
    bound: float | None = None
    proved: bool = False
    infeasible: bool = False
    solutions: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def should_stop(self) -> bool:
        return self.stop.is_set() or (self.cancel is not None and self.cancel.is_set())

    def report(self, roster: RosterDto, objective: int) -> None:
        with self.lock:
            self.solutions += 1
            count = self.solutions
        if self.on_progress is None:
            return
        progress = ProgressDto(
            objective=objective,
            lower_bound=self.bound if self.bound is not None else 0.0,
            seconds=time.perf_counter() - self.started,
            solutions=count,
            roster=roster,
        )
        try:
            self.on_progress(progress)
        except Exception:  # a broken listener must not kill the solve
            log.exception("roster progress callback failed")


def _full_solve(
    problem: RosterProblemDto,
    build: ModelBuilder,
    run: _Run,
    time_limit: float,
    workers: int,
    seed: int,
    hint: RosterDto | None,
    offer: Callable[[RosterDto], None],
    log_search: bool = False,
) -> str:
    """CP-SAT on the whole model; ``offer`` gets every improving roster. Returns the status."""
    from ortools.sat.python import cp_model

    called = time.perf_counter()
    built = build(problem)
    if hint is not None:
        built.add_hint(hint)
    solver = cp_model.CpSolver()
    params = solver.parameters
    # the clock runs from the call: building the model is part of the time given
    params.max_time_in_seconds = max(
        0.01, min(time_limit - (time.perf_counter() - called), run.deadline - time.perf_counter())
    )
    params.num_workers = workers
    params.random_seed = seed
    params.log_search_progress = log_search
    if workers == 1:
        for key, value in SINGLE_WORKER_PARAMETERS.items():
            setattr(params, key, value)

    class Callback(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self) -> None:
            with run.lock:
                run.bound = max(run.bound or -math.inf, self.best_objective_bound)
            offer(built.roster(self.value))

    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.05):
            if run.should_stop():
                solver.stop_search()
                return

    watcher = threading.Thread(target=watch, name="roster-cancel", daemon=True)
    watcher.start()
    try:
        code = solver.solve(built.model, Callback())
    finally:
        done.set()
        watcher.join()
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.UNKNOWN):
        bound = solver.best_objective_bound  # valid even without a solution
        with run.lock:
            if math.isfinite(bound):
                run.bound = max(run.bound or -math.inf, bound)
            run.proved = code == cp_model.OPTIMAL
    elif code == cp_model.INFEASIBLE:
        run.infeasible = True
    elif code == cp_model.MODEL_INVALID:
        raise RuntimeError(f"the roster model is invalid: {built.model.validate()}")
    return str(solver.status_name(code))


def _cpsat(
    problem: RosterProblemDto, opts: SolveOptionsDto, build: ModelBuilder, run: _Run
) -> tuple[RosterDto | None, dict[str, object]]:
    best: list[RosterDto] = []

    def offer(roster: RosterDto) -> None:
        best[:] = [roster]
        from services.rostering.checker import objective_value

        run.report(roster, objective_value(problem, roster))

    status = _full_solve(
        problem,
        build,
        run,
        run.deadline - time.perf_counter(),
        opts.workers,
        opts.seed,
        opts.hint,
        offer,
        opts.log_search,
    )
    return (best[0] if best else None), {"strategy": "cpsat", "cpsat_status": status}


def _lns(
    problem: RosterProblemDto, opts: SolveOptionsDto, build: ModelBuilder, run: _Run
) -> tuple[RosterDto | None, dict[str, object]]:
    detail: dict[str, object] = {"strategy": "lns"}

    def out_of_time() -> bool:
        return run.should_stop() or time.perf_counter() > run.deadline

    first = construct(problem, opts.seed, opts.hint, out_of_time, run.deadline, opts.workers)
    detail["first_roster_seconds"] = round(time.perf_counter() - run.started, 3)
    if first is None:
        return None, detail  # out of time (or cancelled) before a whole roster
    incumbent = SharedIncumbent(problem, first, run.report)
    detail["first_objective"] = incumbent.objective
    run.report(first, incumbent.objective)
    steps: list[int] = []

    def proven() -> bool:
        bound = run.bound
        return run.proved or (bound is not None and incumbent.objective <= math.ceil(bound - 1e-6))

    def stop_search() -> bool:
        return run.should_stop() or proven()

    gains = [0]  # improvements of the incumbent by the whole-model runs

    def offer_whole(roster: RosterDto) -> None:
        if incumbent.offer(roster, whole=True):
            gains[0] += 1

    def search(seed: int) -> None:
        stats = neighbourhood_search(incumbent, run.deadline, seed, stop_search)
        with run.lock:
            steps.append(stats.steps)

    def bound_then_search() -> None:
        # whole-model runs, each restarted from the best roster so far (the search's too), for
        # as long as they keep improving it; then this worker joins the search
        until = min(run.deadline, time.perf_counter() + opts.bound_share * opts.time_limit)
        chunk = max(MIN_CHUNK_SECONDS, opts.time_limit / CHUNKS)
        runs = 0
        while not stop_search():
            left = until - time.perf_counter()
            if left < 0.05:
                break
            limit = left if left < 1.5 * chunk else chunk
            before = gains[0]
            detail["bound_status"] = _full_solve(
                problem, build, run, limit, 1, opts.seed + runs, incumbent.roster, offer_whole
            )
            runs += 1
            if STOP_WHEN_STALLED and gains[0] == before:
                break
        detail["bound_runs"] = runs
        search(opts.seed + 1)

    threads = [threading.Thread(target=bound_then_search, name="roster-bound")]
    threads += [
        threading.Thread(target=search, args=(opts.seed + 2 + i,), name=f"roster-lns-{i}")
        for i in range(opts.workers - 1)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    detail["steps"] = sum(steps)
    if proven():
        run.proved = True
    return incumbent.roster, detail


def _culprit(problem: RosterProblemDto) -> str | None:
    """The first operator whose own rules and locks admit no line (every hard rule is about one
    operator's line, so an infeasible roster has one)."""
    from services.rostering.neighbourhood import Neighbourhood, cover_counts, empty_roster
    from services.rostering.search import solve_part

    empty = empty_roster(problem)
    counts = cover_counts(problem, empty)
    for i, staff in enumerate(problem.staff):
        alone = Neighbourhood("diagnose", (i,), None)
        if solve_part(problem, empty, alone, counts, 5.0, 0)[0] == "infeasible":
            return staff.id
    return None


def solve(
    problem: RosterProblemDto,
    options: SolveOptionsDto | None = None,
    on_progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    build: ModelBuilder = build_model,
) -> SolveResultDto:
    """Solve ``problem`` within ``options.time_limit`` seconds and check the answer."""
    opts = options or SolveOptionsDto()
    started = time.perf_counter()
    run = _Run(started, started + opts.time_limit, on_progress, cancel)
    if cancel is not None and cancel.is_set():
        return SolveResultDto(SolveStatus.UNKNOWN, None, None, 0.0, None, cancelled=True)
    try:
        if opts.strategy == "cpsat":
            roster, detail = _cpsat(problem, opts, build, run)
        else:
            roster, detail = _lns(problem, opts, build, run)
    except Infeasible as exc:
        log.info("roster infeasible: %s", exc)
        roster, detail = None, {"reason": str(exc), "staff_id": exc.staff_id}
        run.infeasible = True
    seconds = time.perf_counter() - started
    cancelled = cancel is not None and cancel.is_set()
    if roster is None and run.infeasible and "staff_id" not in detail:
        culprit = _culprit(problem)
        if culprit is not None:
            detail.update(reason=str(Infeasible(culprit)), staff_id=culprit)
    if roster is None:
        status = SolveStatus.INFEASIBLE if run.infeasible else SolveStatus.UNKNOWN
        return SolveResultDto(status, None, None, seconds, None, cancelled=cancelled, detail=detail)
    report = check_roster(problem, roster)
    if not report.valid:
        log.error("the checker rejected the roster: %s", report.violations[0])
        status = SolveStatus.INVALID
    else:
        status = SolveStatus.OPTIMAL if run.proved else SolveStatus.FEASIBLE
    return SolveResultDto(
        status=status,
        objective=report.objective,
        lower_bound=run.bound,
        solve_seconds=seconds,
        roster=roster,
        report=report,
        solutions=run.solutions,
        cancelled=cancelled,
        detail=detail,
    )
