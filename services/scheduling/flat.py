"""A flattened view of a problem for the heuristic and the model: operations numbered 0..n-1,
their precedence graph (routing plus links), and cheap time bounds (heads, tails, a lower bound
on the makespan). The checker deliberately does not use this module.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass

from domain.model.work import DependencyType
from services.scheduling.problem import OperationDto, OpRef, PinDto, ProblemDto, Window

Arc = tuple[int, DependencyType, int]  # (other operation, kind, lag)


class ProblemError(ValueError):
    """A problem that cannot be scheduled as stated (one line, for the user)."""


@dataclass(slots=True)
class FlatProblem:
    problem: ProblemDto
    refs: list[OpRef]
    index: dict[OpRef, int]
    ops: list[OperationDto]
    job_of: list[int]
    preds: list[list[Arc]]
    succs: list[list[Arc]]
    topo: list[int]
    min_dur: list[int]
    max_dur: list[int]
    head: list[int]  # no plan starts the operation earlier
    tail: list[int]  # after the operation ends, at least this much work follows in its chain
    pins: dict[int, PinDto]
    unavailable: list[list[Window]]  # per machine, merged and sorted

    @property
    def n(self) -> int:
        return len(self.ops)

    def makespan_lower_bound(self) -> int:
        """Critical path (heads + tails) and machine load bounds; valid for any feasible plan."""
        if not self.ops:
            return 0
        best = max(self.head[i] + self.min_dur[i] + self.tail[i] for i in range(self.n))
        load: dict[int, list[int]] = defaultdict(list)
        for i, op in enumerate(self.ops):
            if len(op.modes) == 1:
                load[op.modes[0].machine].append(i)
        for items in load.values():
            # the machine cannot start before the smallest head, works the sum, then the
            # smallest tail follows (calendars only make it longer)
            first = min(self.head[i] for i in items)
            last = min(self.tail[i] for i in items)
            best = max(best, first + sum(self.min_dur[i] for i in items) + last)
        return best


def merge_windows(windows: tuple[Window, ...] | list[Window]) -> list[Window]:
    out: list[Window] = []
    for s, e in sorted(w for w in windows if w[1] > w[0]):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def flatten(problem: ProblemDto) -> FlatProblem:
    refs = problem.refs()
    index = {r: i for i, r in enumerate(refs)}
    ops = [problem.operation(r) for r in refs]
    n = len(ops)
    for r, op in zip(refs, ops, strict=True):
        if not op.modes:
            raise ProblemError(f"operation {op.id or r} has no eligible machine")
        for mode in op.modes:
            if not 0 <= mode.machine < len(problem.machines):
                raise ProblemError(f"operation {op.id or r} names unknown machine {mode.machine}")
            if mode.duration < 0:
                raise ProblemError(f"operation {op.id or r} has a negative duration")
    preds: list[list[Arc]] = [[] for _ in range(n)]
    succs: list[list[Arc]] = [[] for _ in range(n)]

    def arc(a: int, b: int, kind: DependencyType, lag: int) -> None:
        preds[b].append((a, kind, lag))
        succs[a].append((b, kind, lag))

    for j, job in enumerate(problem.jobs):
        for o in range(1, len(job.operations)):
            arc(index[(j, o - 1)], index[(j, o)], DependencyType.FINISH_TO_START, 0)
    for link in problem.links:
        if link.before not in index or link.after not in index:
            raise ProblemError(f"a link names an unknown operation ({link.before}->{link.after})")
        if link.before == link.after:
            raise ProblemError(f"operation {link.before} cannot depend on itself")
        arc(index[link.before], index[link.after], link.kind, link.lag)

    # Kahn's algorithm, preferring lower numbers so the order is stable
    indeg = [len(p) for p in preds]
    heap = [i for i in range(n) if indeg[i] == 0]
    heapq.heapify(heap)
    topo: list[int] = []
    while heap:
        i = heapq.heappop(heap)
        topo.append(i)
        for b, _, _ in succs[i]:
            indeg[b] -= 1
            if indeg[b] == 0:
                heapq.heappush(heap, b)
    if len(topo) != n:
        raise ProblemError("the precedence links form a loop")

    pins: dict[int, PinDto] = {}
    for pin in problem.pins:
        if pin.op not in index:
            raise ProblemError(f"a pin names unknown operation {pin.op}")
        i = index[pin.op]
        if all(m.machine != pin.machine for m in ops[i].modes):
            raise ProblemError(
                f"operation {ops[i].id or pin.op} is pinned to machine {pin.machine}, "
                "which cannot run it"
            )
        if pin.operator is not None and not 0 <= pin.operator < len(problem.operators):
            raise ProblemError(f"operation {ops[i].id or pin.op} is pinned to unknown operator")
        pins[i] = pin

    min_dur = [min(m.duration for m in op.modes) for op in ops]
    max_dur = [max(m.duration for m in op.modes) for op in ops]
    head = [0] * n
    for i in topo:
        if i in pins:
            head[i] = pins[i].start
            continue
        h = max(problem.jobs[refs[i][0]].release, problem.now, 0)
        for p, kind, lag in preds[i]:
            if kind is DependencyType.FINISH_TO_START:
                h = max(h, head[p] + min_dur[p] + lag)
            elif kind is DependencyType.START_TO_START:
                h = max(h, head[p] + lag)
            else:
                h = max(h, head[p] + min_dur[p] + lag - max_dur[i])
        head[i] = h
    tail = [0] * n
    for i in reversed(topo):
        t = 0
        for s, kind, lag in succs[i]:
            if kind is DependencyType.FINISH_TO_START:
                t = max(t, lag + min_dur[s] + tail[s])
        tail[i] = t
    unavailable = [merge_windows(m.unavailable) for m in problem.machines]
    return FlatProblem(
        problem=problem,
        refs=refs,
        index=index,
        ops=ops,
        job_of=[r[0] for r in refs],
        preds=preds,
        succs=succs,
        topo=topo,
        min_dur=min_dur,
        max_dur=max_dur,
        head=head,
        tail=tail,
        pins=pins,
        unavailable=unavailable,
    )
