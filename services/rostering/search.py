"""Large-neighbourhood search around CP-SAT: build a roster operator by operator, then keep
re-optimising small parts of it (a few operators, a few days, a block around a cover gap) with
everything else fixed, each part solved exactly by a short CP-SAT run on a small model.

Shift rosters suit this well: every hard rule is about one operator's line, so each step is a
small, always-consistent model, solved in milliseconds where the whole model would need
seconds just to presolve. Several searches can share one incumbent from several threads
(CP-SAT releases the GIL while it solves).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from domain.rules.rostering import OFF, check_line
from services.rostering.checker import objective_value
from services.rostering.model import build_model
from services.rostering.neighbourhood import (
    KINDS,
    Neighbourhood,
    cover_counts,
    merge,
    paying_rows,
    pick,
    sub_problem,
)
from services.rostering.problem import LockDto, RosterDto, RosterProblemDto

log = logging.getLogger(__name__)

Improved = Callable[[RosterDto, int], None]

# CP-SAT parameters of the small step models: they are solved in milliseconds, where the
# default presolve (probing, symmetry) would take most of the time.
STEP_PARAMETERS: dict[str, int | float | bool] = {"symmetry_level": 0, "cp_model_probing_level": 0}
INITIAL_SIZE = 0.1  # of the roster's cells freed by a step, adapted per kind of step
GROW = 1.1  # a step proved optimal grows its kind's size by this factor, a timed-out one shrinks it
STEP_LIMIT = 0.5  # seconds per step
RATE_MEMORY = 0.8  # how much of a kind's past gain per second its new rate keeps
RATE_FLOOR = 0.15  # each kind is drawn at least this often relative to the best one
CONSTRUCT_STEP_LIMIT = 0.5  # seconds per step
RATE_MEMORY = 0.8  # how much of a kind's past gain per second its new rate keeps
RATE_FLOOR = (
    0.15  # each kind is drawn at least this often relative to the best one of the first roster
)


class Infeasible(Exception):
    """No line of one operator satisfies their own rules (so no roster exists)."""

    def __init__(self, staff_id: str) -> None:
        super().__init__(f"no roster line of {staff_id} satisfies their rules and locks")
        self.staff_id = staff_id


@dataclass
class SearchStats:
    steps: int = 0
    improvements: int = 0
    by_kind: dict[str, list[int]] = field(default_factory=dict)  # kind -> [steps, improvements]


def solve_part(
    problem: RosterProblemDto,
    roster: RosterDto,
    hood: Neighbourhood,
    counts: list[int],
    time_limit: float,
    seed: int,
) -> tuple[str, RosterDto | None]:
    """Re-optimise the cells of ``hood``: the outcome (``"optimal"``, ``"feasible"``,
    ``"infeasible"`` or ``"unknown"``) and the new lines of its operators, if any."""
    from ortools.sat.python import cp_model

    sub = sub_problem(problem, roster, hood, counts)
    built = build_model(
        sub.problem,
        cover_offsets=sub.cover_offsets,
        fairness_fixed=sub.fairness_fixed,
        trust_fixed=True,
    )
    built.add_hint(roster)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = max(0.01, time_limit)
    solver.parameters.random_seed = seed
    for key, value in STEP_PARAMETERS.items():
        setattr(solver.parameters, key, value)
    code = solver.solve(built.model)
    if code == cp_model.OPTIMAL:
        return "optimal", built.roster(solver.value)
    if code == cp_model.FEASIBLE:
        return "feasible", built.roster(solver.value)
    return ("infeasible" if code == cp_model.INFEASIBLE else "unknown"), None


def valid_lines(problem: RosterProblemDto, roster: RosterDto | None) -> dict[str, tuple[str, ...]]:
    """The lines of ``roster`` that obey their operator's rules and locks (to start from)."""
    if roster is None:
        return {}
    shifts = problem.shift_map()
    locks: dict[str, list[LockDto]] = {}
    for k in problem.locks:
        locks.setdefault(k.staff_id, []).append(k)
    out = {}
    for e in problem.staff:
        line = roster.lines.get(e.id)
        if line is None or len(line) != problem.horizon:
            continue
        previous = problem.previous_shift(e.id)
        if check_line(e.id, line, e.contract, shifts, problem.first_weekday, previous):
            continue
        if all(line[k.day] == k.shift for k in locks.get(e.id, ())):
            out[e.id] = tuple(line)
    return out


def construct(
    problem: RosterProblemDto,
    seed: int,
    start: RosterDto | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    deadline: float | None = None,
    threads: int = 1,
) -> RosterDto | None:
    """A first roster: the valid lines of ``start``, then the other operators one by one (in a
    random order), each given their best line for the cover left by those before; ``threads``
    operators are solved at a time, each against the roster as it stands.

    Returns None when ``should_stop`` says so (or the deadline passes) before the roster is
    complete; raises :class:`Infeasible` when an operator has no line that obeys their rules.
    """
    rng = random.Random(seed)
    kept = valid_lines(problem, start)
    lines = {e.id: kept.get(e.id, (OFF,) * problem.horizon) for e in problem.staff}
    todo = [i for i, e in enumerate(problem.staff) if e.id not in kept]
    rng.shuffle(todo)
    roster = RosterDto(lines)
    stopped = False
    lock = threading.Lock()
    failures: list[BaseException] = []

    def place(i: int) -> bool:
        nonlocal roster
        with lock:
            now = roster
        counts = cover_counts(problem, now)
        hood = Neighbourhood("construct", (i,), None)
        limit = CONSTRUCT_STEP_LIMIT
        if deadline is not None:
            limit = min(limit, deadline - time.perf_counter())
        outcome, part = solve_part(problem, now, hood, counts, limit, seed)
        if outcome == "unknown":  # not even one line yet: try harder, within the time left
            limit = 10.0 if deadline is None else deadline - time.perf_counter()
            if limit > 0.01:
                outcome, part = solve_part(problem, now, hood, counts, limit, seed)
        if outcome == "unknown":
            return False
        if part is None:
            raise Infeasible(problem.staff[i].id)
        with lock:
            roster = merge(roster, part)
        return True

    def worker() -> None:
        nonlocal stopped
        while True:
            with lock:
                if not todo or stopped or failures:
                    return
                i = todo.pop()
            try:
                if should_stop() or not place(i):
                    with lock:
                        stopped = True
            except BaseException as exc:  # noqa: BLE001 (re-raised on the caller's thread)
                with lock:
                    failures.append(exc)

    if threads <= 1:
        worker()
    else:
        pool = [threading.Thread(target=worker, name=f"roster-first-{k}") for k in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
    if failures:
        raise failures[0]
    return None if stopped else roster


class SharedIncumbent:
    """The best roster so far, shared by search threads and the full-model solver."""

    def __init__(self, problem: RosterProblemDto, roster: RosterDto, on_improve: Improved | None):
        self.problem = problem
        self.roster = roster
        self.objective = objective_value(problem, roster)
        self.counts = cover_counts(problem, roster)
        self.on_improve = on_improve
        self.lock = threading.Lock()

    def snapshot(self) -> tuple[RosterDto, int, list[int]]:
        with self.lock:
            return self.roster, self.objective, self.counts

    def offer(self, part: RosterDto, whole: bool = False) -> bool:
        """Put ``part`` (some operators' lines, or a ``whole`` roster) in if it is no worse;
        True when it is strictly better."""
        with self.lock:
            candidate = part if whole else merge(self.roster, part)
            value = objective_value(self.problem, candidate)
            if value > self.objective:
                return False
            better = value < self.objective
            self.roster, self.objective = candidate, value
            self.counts = cover_counts(self.problem, candidate)
            if better and self.on_improve is not None:
                try:
                    self.on_improve(candidate, value)
                except Exception:  # a broken listener must not kill the search
                    log.exception("roster improvement callback failed")
            return better


def _draw(rates: dict[str, float | None], rng: random.Random) -> str:
    untried = [k for k, r in rates.items() if r is None]
    if untried:
        return rng.choice(untried)
    values = {k: r or 0.0 for k, r in rates.items()}
    floor = RATE_FLOOR * max(max(values.values()), 1e-9)
    weights = [max(v, floor) for v in values.values()]
    return rng.choices(list(values), weights)[0]


def neighbourhood_search(
    incumbent: SharedIncumbent,
    deadline: float,
    seed: int,
    should_stop: Callable[[], bool],
    step_limit: float | None = None,
) -> SearchStats:
    """Improve ``incumbent`` until ``deadline`` (a ``time.perf_counter()`` value) or stop.

    Each kind of neighbourhood keeps its own size, grown when its steps are solved to
    optimality and shrunk when they run out of time, so steps stay short; kinds are drawn in
    proportion to their recent gain per second (never below a floor, so each keeps a chance).
    """
    problem = incumbent.problem
    stats = SearchStats(by_kind={k: [0, 0] for k in KINDS})
    if not problem.staff:
        return stats
    rng = random.Random(seed)
    sizes = dict.fromkeys(KINDS, INITIAL_SIZE)
    rates: dict[str, float | None] = dict.fromkeys(KINDS)  # None: not tried yet
    step_limit = STEP_LIMIT if step_limit is None else step_limit
    while not should_stop():
        left = deadline - time.perf_counter()
        if left <= 0.02:
            break
        roster, before, counts = incumbent.snapshot()
        kind = _draw(rates, rng)
        started = time.perf_counter()
        hood = pick(kind, problem, roster, sizes[kind], rng, paying_rows(problem, counts))
        outcome, part = solve_part(
            problem, roster, hood, counts, min(step_limit, left), rng.randrange(1 << 30)
        )
        proved = outcome == "optimal"
        stats.steps += 1
        stats.by_kind[kind][0] += 1
        sizes[kind] = min(1.0, sizes[kind] * GROW) if proved else max(0.01, sizes[kind] / GROW)
        gain = 0
        if part is not None and incumbent.offer(part):
            stats.improvements += 1
            stats.by_kind[kind][1] += 1
            gain = max(0, before - incumbent.snapshot()[1])
        rate = gain / max(1e-3, time.perf_counter() - started)
        old = rates[kind]
        rates[kind] = rate if old is None else (1 - RATE_MEMORY) * rate + RATE_MEMORY * old
    log.debug("neighbourhood search: %s", stats)
    return stats
