"""A greedy list scheduler: a feasible plan in well under a second, used as the model's hint.

Serial schedule generation: an operation becomes ready when all its predecessors (routing and
links) are placed; a priority rule picks the next ready one, which goes into the earliest gap
(insertion, so the plans are close to active schedules) on the eligible machine, with an
operator on shift, that finishes first. Calendars, sequence-dependent setups, pins, release
dates and "now" are respected. Several rules (and, on small problems, randomised tie-breaks)
are tried and the best plan for the objective is kept.
"""

from __future__ import annotations

import bisect
import heapq
import logging
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass

from domain.model.work import DependencyType
from services.scheduling.flat import FlatProblem, merge_windows
from services.scheduling.metrics import compute_metrics
from services.scheduling.problem import AssignmentDto, ObjectiveWeights

log = logging.getLogger(__name__)

INFINITY = 1 << 60


class Timeline:
    """Busy blocks of one resource, sorted and disjoint, with the changeover table of the
    resource (``(from family, to family) -> minutes``); ``None`` family blocks need no setup."""

    __slots__ = ("ends", "fams", "setup", "starts")

    def __init__(
        self,
        blocks: list[tuple[int, int]] | None = None,
        setup: dict[tuple[str | None, str | None], int] | None = None,
    ) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.fams: list[str | None] = []
        self.setup = setup or {}
        for s, e in blocks or []:
            self.insert(s, e, None)

    def insert(self, start: int, end: int, family: str | None) -> None:
        k = bisect.bisect_right(self.starts, start)
        self.starts.insert(k, start)
        self.ends.insert(k, end)
        self.fams.insert(k, family)

    def earliest(self, t0: int, duration: int, family: str | None = None) -> int | None:
        """The earliest start >= t0 of a gap that holds the operation (and its setups)."""
        starts, ends, fams, setup = self.starts, self.ends, self.fams, self.setup
        n = len(starts)
        k = bisect.bisect_right(ends, t0)
        while True:
            prev_end = ends[k - 1] if k > 0 else t0
            free_from = prev_end if prev_end > t0 else t0
            if k < n and starts[k] - free_from < duration:
                k += 1  # too small even before changeovers: the common case, keep it cheap
                continue
            low = prev_end + setup.get((fams[k - 1], family), 0) if k > 0 else t0
            if low < t0:
                low = t0
            if low >= INFINITY // 2:
                return None  # only the never-ending block after the last shift is left
            if k >= n:
                return low
            if low <= starts[k] - duration - setup.get((family, fams[k]), 0):
                return low
            k += 1


def off_shift_blocks(shifts: tuple[tuple[int, int], ...] | None) -> list[tuple[int, int]]:
    """The complement of on-shift windows over the whole time line."""
    if shifts is None:
        return []
    blocks: list[tuple[int, int]] = []
    cursor = -INFINITY
    for s, e in merge_windows(shifts):
        if s > cursor:
            blocks.append((cursor, s))
        cursor = e
    blocks.append((cursor, INFINITY))
    return blocks


def _earliest_slot(
    machine: Timeline,
    people: list[Timeline],
    candidates: list[int],
    t: int,
    d: int,
    family: str | None,
    preferred: int | None = None,
) -> tuple[int | None, int | None]:
    """The earliest start >= t where the machine and (if needed) one candidate are both free;
    among candidates free equally early, ``preferred`` (the one of the previous plan) wins."""
    for _ in range(10_000):
        tm = machine.earliest(t, d, family)
        if tm is None:
            return None, None
        if not candidates:
            return tm, None
        options = [
            (tp, k != preferred, k)
            for k in candidates
            if (tp := people[k].earliest(tm, d)) is not None
        ]
        if not options:
            return None, None
        tp, _, k = min(options)
        if tp == tm:
            return tm, k
        t = tp
    return None, None


@dataclass(frozen=True, slots=True)
class GreedyResult:
    assignments: tuple[AssignmentDto, ...]
    rule: str
    score: int


def _score(flat: FlatProblem, plan: list[AssignmentDto], weights: ObjectiveWeights) -> int:
    m = compute_metrics(flat.problem, plan)
    return (
        weights.makespan * m.makespan
        + weights.tardiness * m.weighted_tardiness
        + weights.setup * m.total_setup
        + weights.cost * m.total_cost
    )


def schedule_once(
    flat: FlatProblem,
    rule: str,
    rng: random.Random | None = None,
    previous: Mapping[int, AssignmentDto] | None = None,
) -> list[AssignmentDto] | None:
    """One greedy pass with a priority rule; None when some operation finds no place."""
    problem = flat.problem
    per_machine: list[dict[tuple[str | None, str | None], int]] = [{} for _ in problem.machines]
    for st in problem.setups:
        if st.minutes:
            per_machine[st.machine][(st.from_family, st.to_family)] = st.minutes
    machines = [Timeline(list(w), per_machine[m]) for m, w in enumerate(flat.unavailable)]
    people = [Timeline(off_shift_blocks(p.shifts)) for p in problem.operators]
    qualified: dict[str, list[int]] = {}
    for k, operator in enumerate(problem.operators):
        for skill in operator.skills:
            qualified.setdefault(skill, []).append(k)

    start = [0] * flat.n
    end = [0] * flat.n
    placed: list[AssignmentDto | None] = [None] * flat.n
    # pinned operations go in first, where the planner put them
    for i, pin in flat.pins.items():
        op = flat.ops[i]
        dur = next(m.duration for m in op.modes if m.machine == pin.machine)
        machines[pin.machine].insert(pin.start, pin.start + dur, op.family)
        who = pin.operator
        if who is None and op.skill is not None:
            for k in qualified.get(op.skill, []):
                if people[k].earliest(pin.start, dur) == pin.start:
                    who = k
                    break
        if who is not None:
            people[who].insert(pin.start, pin.start + dur, None)
        start[i], end[i] = pin.start, pin.start + dur
        ref = flat.refs[i]
        placed[i] = AssignmentDto(ref[0], ref[1], pin.machine, pin.start, pin.start + dur, who)

    jobs = problem.jobs

    def key(i: int, est: int) -> tuple[float, ...]:
        noise = rng.random() if rng is not None else 0.0
        work = flat.min_dur[i] + flat.tail[i]
        if rule == "est":
            return (est + noise * flat.min_dur[i], -work)
        if rule == "mwkr":
            return (-work * (1.0 + 0.3 * noise), est)
        if rule == "edd":
            due = jobs[flat.job_of[i]].due
            slack = (due if due is not None else INFINITY) - work
            return (slack + noise * flat.min_dur[i], est)
        if rule == "repair" and previous is not None and i in previous:
            return (previous[i].start, est)
        return (est, -work)

    waiting = [len(p) for p in flat.preds]
    ready: list[tuple[tuple[float, ...], int]] = []

    def release_bound(i: int) -> int:
        return max(jobs[flat.job_of[i]].release, problem.now, 0)

    def push_ready(i: int) -> None:
        est = release_bound(i)
        for p, kind, lag in flat.preds[i]:
            if kind is DependencyType.START_TO_START:
                est = max(est, start[p] + lag)
            elif kind is DependencyType.FINISH_TO_START:
                est = max(est, end[p] + lag)
        heapq.heappush(ready, (key(i, est), i))

    def done(i: int) -> None:
        for s, _, _ in flat.succs[i]:
            waiting[s] -= 1
            if waiting[s] == 0:
                if placed[s] is not None:
                    done(s)
                else:
                    push_ready(s)

    for i in range(flat.n):
        if waiting[i] == 0 and placed[i] is None:
            push_ready(i)
    for i in flat.pins:
        if waiting[i] == 0:
            done(i)

    while ready:
        _, i = heapq.heappop(ready)
        op = flat.ops[i]
        prev = previous.get(i) if previous is not None else None
        base = release_bound(i)
        if prev is not None:
            base = max(base, prev.start)
        candidates = qualified.get(op.skill, []) if op.skill is not None else []
        if op.skill is not None and not candidates:
            return None
        # best placement so far: (score, cost, start, mode index, operator)
        best: tuple[int, int, int, int, int | None] | None = None
        for mode_index, mode in enumerate(op.modes):
            d = mode.duration
            t = base
            for p, kind, lag in flat.preds[i]:
                if kind is DependencyType.FINISH_TO_START:
                    t = max(t, end[p] + lag)
                elif kind is DependencyType.START_TO_START:
                    t = max(t, start[p] + lag)
                else:
                    t = max(t, end[p] + lag - d)
            found, person = _earliest_slot(
                machines[mode.machine],
                people,
                candidates,
                t,
                d,
                op.family,
                prev.operator if prev is not None else None,
            )
            if found is None:
                continue
            score = found + d
            if prev is not None and mode.machine != prev.machine:
                score += max(d, 1)
            if best is None or (score, mode.cost) < best[:2]:
                best = (score, mode.cost, found, mode_index, person)
        if best is None:
            return None
        _, _, t, mode_index, person = best
        mode = op.modes[mode_index]
        machines[mode.machine].insert(t, t + mode.duration, op.family)
        if person is not None:
            people[person].insert(t, t + mode.duration, None)
        start[i], end[i] = t, t + mode.duration
        ref = flat.refs[i]
        placed[i] = AssignmentDto(ref[0], ref[1], mode.machine, t, t + mode.duration, person)
        done(i)
    if any(a is None for a in placed):
        return None
    return [a for a in placed if a is not None]


def greedy_schedule(
    flat: FlatProblem,
    weights: ObjectiveWeights | None = None,
    *,
    previous: Mapping[int, AssignmentDto] | None = None,
    budget_seconds: float = 0.5,
    seed: int = 0,
) -> GreedyResult | None:
    """The best plan of a few priority rules (plus randomised passes while time allows)."""
    weights = weights or ObjectiveWeights()
    started = time.perf_counter()
    if previous is not None:
        rules = ["repair"]
    elif weights.tardiness:
        rules = ["edd", "est", "mwkr"]
    else:
        rules = ["est", "mwkr", "edd"]
    best: GreedyResult | None = None
    rng = random.Random(seed)
    passes = 0
    while True:
        rule = rules[passes % len(rules)]
        randomised = passes >= len(rules)
        plan = schedule_once(flat, rule, rng if randomised else None, previous)
        passes += 1
        if plan is not None:
            score = _score(flat, plan, weights)
            if best is None or score < best.score:
                best = GreedyResult(tuple(plan), rule, score)
        elapsed = time.perf_counter() - started
        # stop when another pass (about as long as the average one) would overrun the budget
        if previous is not None or elapsed + elapsed / passes > budget_seconds:
            break
        if best is None and passes >= len(rules):
            break  # every rule failed: randomising will not help
    log.debug(
        "greedy: %d passes in %.3f s, best %s",
        passes,
        time.perf_counter() - started,
        None if best is None else (best.rule, best.score),
    )
    return best
