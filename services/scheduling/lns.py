"""Large-neighbourhood search for plant-sized problems.

The full CP-SAT model of a 5,000-operation plant has some 130,000 variables; on a 2-core machine
its presolve alone can take longer than a planner waits, and CP-SAT's own neighbourhoods each
take seconds. Here a neighbourhood is a time window of the current plan: the operations that
start inside it are re-planned by a small CP-SAT model in which everything else stays put:

* on each machine the last operation before the window and the first after it are pinned, so
  changeovers into and out of the window are exact; time before and after them is blocked;
* each operator's work outside the window becomes time off shift;
* precedence with operations outside the window becomes bounds on start and end.

The current plan is a complete, feasible hint of the sub-problem, so a sub-solve never makes
things worse; a result is taken when the objective of the whole plan does not get worse.
"""

from __future__ import annotations

import bisect
import logging
import random
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from domain.model.work import DependencyType
from services.scheduling.flat import FlatProblem, flatten, merge_windows
from services.scheduling.metrics import compute_metrics
from services.scheduling.model import ModelOptions, build_model
from services.scheduling.problem import (
    AssignmentDto,
    JobDto,
    LinkDto,
    MachineDto,
    ObjectiveWeights,
    OperatorDto,
    OpRef,
    PinDto,
    ProblemDto,
    Window,
)

log = logging.getLogger(__name__)

Bounds = tuple[int | None, int | None, int | None, int | None]
FAR = 1 << 40


@dataclass(frozen=True, slots=True)
class LnsOptions:
    weights: ObjectiveWeights
    workers: int = 2
    window_ops: int = 150  # operations re-planned per neighbourhood
    sub_time_limit: float = 2.0
    seed: int = 0
    previous: Mapping[OpRef, AssignmentDto] | None = None  # repair mode
    move_weight: int = 1
    switch_weight: int = 60


def objective_of(
    problem: ProblemDto,
    plan: Sequence[AssignmentDto],
    weights: ObjectiveWeights,
    previous: Mapping[OpRef, AssignmentDto] | None = None,
    move_weight: int = 1,
    switch_weight: int = 60,
) -> int:
    m = compute_metrics(problem, plan)
    value = (
        weights.makespan * m.makespan
        + weights.tardiness * m.weighted_tardiness
        + weights.setup * m.total_setup
        + weights.cost * m.total_cost
    )
    if previous:
        pinned = {p.op for p in problem.pins}
        for a in plan:
            before = previous.get(a.ref)
            if before is None or a.ref in pinned:
                continue
            value += move_weight * abs(a.start - before.start)
            if a.machine != before.machine and len(problem.operation(a.ref).modes) > 1:
                value += switch_weight
    return value


def _subtract(windows: list[Window], busy: list[Window]) -> list[Window]:
    """``windows`` minus ``busy`` (both sorted and disjoint)."""
    out: list[Window] = []
    for s, e in windows:
        cursor = s
        for bs, be in busy:
            if be <= cursor or bs >= e:
                continue
            if bs > cursor:
                out.append((cursor, bs))
            cursor = max(cursor, be)
        if cursor < e:
            out.append((cursor, e))
    return out


@dataclass(slots=True)
class SubProblem:
    problem: ProblemDto
    refs: list[OpRef]  # sub-problem operation (flat order) -> operation of the whole problem
    bounds: dict[int, Bounds]
    hint: list[AssignmentDto]


def build_subproblem(
    flat: FlatProblem, plan: Mapping[OpRef, AssignmentDto], free: set[OpRef]
) -> SubProblem:
    """The window's operations as a problem of their own (see the module docstring)."""
    problem = flat.problem
    pins_of = {p.op: p for p in problem.pins}
    free = {r for r in free if r not in pins_of}
    # machine sequences: pin the neighbours of the window, block the time beyond them
    per_machine: dict[int, list[AssignmentDto]] = defaultdict(list)
    for a in plan.values():
        per_machine[a.machine].append(a)
    pinned: set[OpRef] = set()
    blocked: dict[int, list[Window]] = defaultdict(list)
    window_starts = [plan[r].start for r in free]
    lo, hi = min(window_starts), max(window_starts)
    for m, seq in per_machine.items():
        seq.sort(key=lambda a: (a.start, a.end))
        starts = [a.start for a in seq]
        k_lo = bisect.bisect_left(starts, lo)
        k_hi = bisect.bisect_right(starts, hi)
        inside = seq[k_lo:k_hi]
        # everything between the neighbours that is not free (user pins) stays pinned as well
        pinned.update(a.ref for a in inside if a.ref not in free)
        if k_lo > 0:
            before = seq[k_lo - 1]
            pinned.add(before.ref)
            blocked[m].append((-FAR, before.start))
        if k_hi < len(seq):
            after = seq[k_hi]
            pinned.add(after.ref)
            blocked[m].append((after.end, FAR))
    members = free | pinned

    # jobs: runs of consecutive free operations; pinned ones on their own
    jobs: list[JobDto] = []
    refs: list[OpRef] = []
    sub_of: dict[OpRef, OpRef] = {}
    pins: list[PinDto] = []
    for j, job in enumerate(problem.jobs):
        run: list[int] = []
        last = len(job.operations) - 1

        def flush(run: list[int], j: int = j, job: JobDto = job, last: int = last) -> None:
            if not run:
                return
            sj = len(jobs)
            for k, o in enumerate(run):
                sub_of[(j, o)] = (sj, k)
                refs.append((j, o))
            jobs.append(
                JobDto(
                    operations=tuple(job.operations[o] for o in run),
                    id=f"{job.id or j}:{run[0]}",
                    release=job.release,
                    due=job.due if run[-1] == last else None,
                    weight=job.weight,
                )
            )

        for o in range(len(job.operations)):
            if (j, o) in free:
                run.append(o)
                continue
            flush(run)
            run = []
            if (j, o) in pinned:
                a = plan[(j, o)]
                sj = len(jobs)
                sub_of[(j, o)] = (sj, 0)
                refs.append((j, o))
                jobs.append(JobDto(operations=(job.operations[o],), id=f"{job.id or j}:{o}"))
                pins.append(PinDto((sj, 0), a.machine, a.start, a.operator))
        flush(run)

    # bounds from precedence with operations outside the sub-problem (or pinned inside it)
    bounds: dict[int, Bounds] = {}
    sub_index = {sub_of[r]: i for i, r in enumerate(refs)}
    links = []
    for r in free:
        i = flat.index[r]
        lo_s: int | None = None
        hi_s: int | None = None
        lo_e: int | None = None
        hi_e: int | None = None
        for p, kind, lag in flat.preds[i]:
            pr = flat.refs[p]
            if pr in free:
                continue
            a = plan[pr]
            if kind is DependencyType.FINISH_TO_START:
                lo_s = max(lo_s or -FAR, a.end + lag)
            elif kind is DependencyType.START_TO_START:
                lo_s = max(lo_s or -FAR, a.start + lag)
            else:
                lo_e = max(lo_e or -FAR, a.end + lag)
        for s, kind, lag in flat.succs[i]:
            sr = flat.refs[s]
            if sr in free:
                continue
            a = plan[sr]
            if kind is DependencyType.FINISH_TO_START:
                hi_e = min(hi_e if hi_e is not None else FAR, a.start - lag)
            elif kind is DependencyType.START_TO_START:
                hi_s = min(hi_s if hi_s is not None else FAR, a.start - lag)
            else:
                hi_e = min(hi_e if hi_e is not None else FAR, a.end - lag)
        if any(b is not None for b in (lo_s, hi_s, lo_e, hi_e)):
            bounds[sub_index[sub_of[r]]] = (lo_s, hi_s, lo_e, hi_e)
    for link in problem.links:
        if link.before in free and link.after in free:
            links.append(LinkDto(sub_of[link.before], sub_of[link.after], link.kind, link.lag))

    # operators: work outside the sub-problem is time they cannot give
    busy: dict[int, list[Window]] = defaultdict(list)
    for a in plan.values():
        if a.operator is not None and a.ref not in members and a.end > a.start:
            busy[a.operator].append((a.start, a.end))
    # nothing in the sub-problem can run outside the machines' open stretches: clip the shift
    # calendars to them (thousands of far-away off-shift intervals made presolve crawl)
    reach_lo, reach_hi = FAR, -FAR
    for m in range(len(problem.machines)):
        own = blocked.get(m, [])
        reach_lo = min(reach_lo, next((e for s, e in own if s == -FAR), -FAR))
        reach_hi = max(reach_hi, next((s for s, e in own if e == FAR), FAR))
    operators = []
    for k, person in enumerate(problem.operators):
        on = merge_windows(person.shifts) if person.shifts is not None else [(-FAR, FAR)]
        on = [(max(s, reach_lo), min(e, reach_hi)) for s, e in on if e > reach_lo and s < reach_hi]
        taken = merge_windows(busy.get(k, []))
        operators.append(OperatorDto(person.id, person.skills, tuple(_subtract(on, taken))))
    machines = tuple(
        MachineDto(
            m.id,
            m.line,
            tuple(merge_windows([*m.unavailable, *blocked.get(k, [])])),
        )
        for k, m in enumerate(problem.machines)
    )
    sub = ProblemDto(
        name=f"{problem.name}/window",
        machines=machines,
        jobs=tuple(jobs),
        links=tuple(links),
        setups=problem.setups,
        operators=tuple(operators),
        pins=tuple(pins),
        now=problem.now,
        origin=problem.origin,
        time_unit=problem.time_unit,
    )
    hint = [
        AssignmentDto(
            sub_of[r][0],
            sub_of[r][1],
            plan[r].machine,
            plan[r].start,
            plan[r].end,
            plan[r].operator,
        )
        for r in refs
    ]
    return SubProblem(sub, refs, bounds, hint)


def _pick_window(order: list[AssignmentDto], size: int, rng: random.Random) -> set[OpRef]:
    """The operations that start in a random window of the plan.

    (Windows drawn around late, heavy orders and 1 s sub-solves were tried on the benchmark
    plant: 4 improvements in 37 windows against 19 in 22 for these; see RESULTS.md.)
    """
    size = min(size, len(order))
    first = rng.randrange(max(len(order) - size, 0) + 1)
    return {a.ref for a in order[first : first + size]}


def improve(
    problem: ProblemDto,
    flat: FlatProblem,
    plan: Sequence[AssignmentDto],
    options: LnsOptions,
    *,
    deadline: float,
    stopped: Callable[[], bool],
    on_improvement: Callable[[list[AssignmentDto], int], None] | None = None,
) -> list[AssignmentDto]:
    """Improve ``plan`` window by window until ``deadline`` (a perf_counter time)."""
    from ortools.sat.python import cp_model

    rng = random.Random(options.seed)
    current = {a.ref: a for a in plan}
    best = objective_of(
        problem,
        plan,
        options.weights,
        options.previous,
        options.move_weight,
        options.switch_weight,
    )
    iterations = accepted = 0
    while time.perf_counter() < deadline - 0.5 and not stopped():
        iterations += 1
        order = sorted(current.values(), key=lambda a: (a.start, a.job, a.op))
        free = _pick_window(order, options.window_ops, rng)
        sub = build_subproblem(flat, current, free)
        try:
            sub_flat = flatten(sub.problem)
        except ValueError:
            log.debug("window %d: not a valid sub-problem", iterations)
            continue
        previous = None
        if options.previous:
            previous = {
                i: AssignmentDto(*sub.hint[i].ref, before.machine, before.start, before.end)
                for i, r in enumerate(sub.refs)
                if (before := options.previous.get(r)) is not None
            }
        horizon = max(a.end for a in current.values())
        if not options.weights.makespan_only or previous:
            horizon += max(a.end for a in sub.hint) - min(a.start for a in sub.hint)
        try:
            built = build_model(
                sub_flat,
                ModelOptions(
                    weights=options.weights,
                    horizon=horizon,
                    hint=sub.hint,
                    previous=previous,
                    move_weight=options.move_weight,
                    switch_weight=options.switch_weight,
                    bounds=sub.bounds,
                ),
            )
        except ValueError:
            log.debug("window %d: the model refused it", iterations)
            continue
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(
            0.1, min(options.sub_time_limit, deadline - time.perf_counter())
        )
        solver.parameters.num_workers = options.workers
        solver.parameters.random_seed = options.seed + iterations
        # probing took most of a 2 s budget on these small models here (see solver.py)
        solver.parameters.cp_model_probing_level = 0
        solver.parameters.symmetry_level = 0
        status = solver.solve(built.model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            continue
        moved = built.extract(solver.value, solver.boolean_value)
        candidate = dict(current)
        for a in moved:
            j, o = sub.refs[sub_flat.index[a.ref]]
            candidate[(j, o)] = AssignmentDto(j, o, a.machine, a.start, a.end, a.operator)
        value = objective_of(
            problem,
            list(candidate.values()),
            options.weights,
            options.previous,
            options.move_weight,
            options.switch_weight,
        )
        if value <= best:
            if value < best and on_improvement is not None:
                on_improvement(list(candidate.values()), value)
            accepted += value < best
            best = value
            current = candidate
    log.info("lns: %d windows, %d improvements, objective %d", iterations, accepted, best)
    return list(current.values())
