"""An independent check of a plan against its problem, sharing no code with the CP-SAT model.

Every broken rule becomes a ``domain.errors.Violation`` with a stable code and a sentence:
completeness, eligibility and durations, release and "now", routing and link precedence
(FS/SS/FF with lag), no overlap and setup gaps on a machine, calendars, operators (skill, shift,
double booking) and pins. Zero-length operations occupy no machine time.
"""

from __future__ import annotations

import bisect
import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence

from domain.errors import Violation
from domain.model.work import DependencyType
from services.scheduling.problem import AssignmentDto, OpRef, ProblemDto, Window


def _name(problem: ProblemDto, ref: OpRef) -> str:
    j, o = ref
    if 0 <= j < len(problem.jobs) and 0 <= o < len(problem.jobs[j].operations):
        op_id = problem.jobs[j].operations[o].id
        if op_id:
            return op_id
    return f"{j}.{o}"


def _machine_name(problem: ProblemDto, m: int) -> str:
    return problem.machines[m].id if 0 <= m < len(problem.machines) else str(m)


def _overlapping(intervals: Sequence[tuple[int, int, OpRef]]) -> Iterable[tuple[OpRef, OpRef]]:
    """Pairs of positive-length intervals that overlap (each overlap reported at least once)."""
    busy = sorted((s, e, r) for s, e, r in intervals if e > s)
    latest: tuple[int, int, OpRef] | None = None
    for item in busy:
        if latest is not None and item[0] < latest[1]:
            yield latest[2], item[2]
        if latest is None or item[1] > latest[1]:
            latest = item


def _window_hit(windows: Sequence[Window], starts: Sequence[int], s: int, e: int) -> Window | None:
    """A window of a sorted, disjoint list that overlaps ``[s, e)``, if any."""
    if e <= s:
        return None
    i = bisect.bisect_right(starts, s) - 1
    for k in (i, i + 1):
        if 0 <= k < len(windows):
            ws, we = windows[k]
            if ws < e and s < we:
                return windows[k]
    return None


def _merged(windows: Iterable[Window]) -> list[Window]:
    out: list[Window] = []
    for s, e in sorted(w for w in windows if w[1] > w[0]):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def check_schedule(problem: ProblemDto, assignments: Sequence[AssignmentDto]) -> list[Violation]:
    """All the rules ``assignments`` break; an empty list means the plan is valid."""
    out: list[Violation] = []
    by_ref: dict[OpRef, AssignmentDto] = {}
    for a in assignments:
        if not (0 <= a.job < len(problem.jobs) and 0 <= a.op < len(problem.jobs[a.job].operations)):
            out.append(
                Violation("unknown_operation", f"operation {a.job}.{a.op} is not in the problem")
            )
            continue
        if a.ref in by_ref:
            out.append(
                Violation(
                    "duplicate",
                    f"operation {_name(problem, a.ref)} is planned twice",
                    {"op": a.ref},
                )
            )
            continue
        by_ref[a.ref] = a
    for ref in problem.refs():
        if ref not in by_ref:
            out.append(
                Violation("missing", f"operation {_name(problem, ref)} is not planned", {"op": ref})
            )

    pins = {p.op: p for p in problem.pins}
    for ref, a in by_ref.items():
        op = problem.operation(ref)
        name = _name(problem, ref)
        mode = next((m for m in op.modes if m.machine == a.machine), None)
        if mode is None:
            out.append(
                Violation(
                    "eligibility",
                    f"operation {name} cannot run on {_machine_name(problem, a.machine)}",
                    {"op": ref, "machine": a.machine},
                )
            )
        elif a.end - a.start != mode.duration:
            out.append(
                Violation(
                    "duration",
                    f"operation {name} lasts {a.end - a.start} but takes {mode.duration} on "
                    f"{_machine_name(problem, a.machine)}",
                    {"op": ref},
                )
            )
        pin = pins.get(ref)
        if pin is not None:
            if (
                a.machine != pin.machine
                or a.start != pin.start
                or (pin.operator is not None and a.operator != pin.operator)
            ):
                out.append(
                    Violation(
                        "pinned",
                        f"operation {name} is pinned to {_machine_name(problem, pin.machine)} "
                        f"at {pin.start}",
                        {"op": ref},
                    )
                )
        elif a.start < problem.now:
            out.append(
                Violation(
                    "before_now",
                    f"operation {name} starts at {a.start}, before now ({problem.now})",
                    {"op": ref},
                )
            )
        release = problem.jobs[ref[0]].release
        if a.start < release and pin is None:
            out.append(
                Violation(
                    "release",
                    f"operation {name} starts at {a.start}, before its order's release ({release})",
                    {"op": ref},
                )
            )

    # routing precedence (finish-to-start, no lag) and links
    for j, job in enumerate(problem.jobs):
        for o in range(1, len(job.operations)):
            first, then = by_ref.get((j, o - 1)), by_ref.get((j, o))
            if first is not None and then is not None and then.start < first.end:
                out.append(
                    Violation(
                        "precedence",
                        f"operation {_name(problem, then.ref)} starts at {then.start} before "
                        f"operation {_name(problem, first.ref)} ends at {first.end}",
                        {"op": then.ref, "before": first.ref},
                    )
                )
    for link in problem.links:
        pa, pb = by_ref.get(link.before), by_ref.get(link.after)
        if pa is None or pb is None:
            continue
        a, b = pa, pb
        if link.kind is DependencyType.FINISH_TO_START:
            ok, what = b.start >= a.end + link.lag, f"start {b.start} < end {a.end}"
        elif link.kind is DependencyType.START_TO_START:
            ok, what = b.start >= a.start + link.lag, f"start {b.start} < start {a.start}"
        else:
            ok, what = b.end >= a.end + link.lag, f"end {b.end} < end {a.end}"
        if not ok:
            out.append(
                Violation(
                    "dependency",
                    f"operation {_name(problem, b.ref)} breaks its {link.kind.value} link to "
                    f"{_name(problem, a.ref)} ({what} + lag {link.lag})",
                    {"op": b.ref, "before": a.ref, "kind": link.kind.value},
                )
            )

    # machines: no overlap, setup gaps between consecutive operations, calendars
    setups = problem.setup_table()
    per_machine: dict[int, list[AssignmentDto]] = defaultdict(list)
    for a in by_ref.values():
        per_machine[a.machine].append(a)
    for m, items in per_machine.items():
        for one, two in _overlapping([(a.start, a.end, a.ref) for a in items]):
            out.append(
                Violation(
                    "overlap",
                    f"operations {_name(problem, one)} and {_name(problem, two)} overlap on "
                    f"{_machine_name(problem, m)}",
                    {"op": two, "other": one, "machine": m},
                )
            )
        if setups:
            seq = sorted((a for a in items if a.end > a.start), key=lambda a: (a.start, a.end))
            for prev, nxt in itertools.pairwise(seq):
                fa, fb = problem.operation(prev.ref).family, problem.operation(nxt.ref).family
                need = setups.get((m, fa, fb), 0) if fa is not None and fb is not None else 0
                if nxt.start >= prev.end and nxt.start - prev.end < need:
                    out.append(
                        Violation(
                            "setup",
                            f"operation {_name(problem, nxt.ref)} starts {nxt.start - prev.end} "
                            f"after {_name(problem, prev.ref)} on {_machine_name(problem, m)}, "
                            f"but the changeover {fa} -> {fb} takes {need}",
                            {"op": nxt.ref, "other": prev.ref, "machine": m},
                        )
                    )
        if 0 <= m < len(problem.machines):
            windows = _merged(problem.machines[m].unavailable)
            starts = [w[0] for w in windows]
            for a in items:
                hit = _window_hit(windows, starts, a.start, a.end)
                if hit is not None and a.ref not in pins:
                    out.append(
                        Violation(
                            "calendar",
                            f"operation {_name(problem, a.ref)} runs {a.start}-{a.end} while "
                            f"{_machine_name(problem, m)} is unavailable {hit[0]}-{hit[1]}",
                            {"op": a.ref, "machine": m},
                        )
                    )

    # operators: skill, shift, double booking
    per_operator: dict[int, list[AssignmentDto]] = defaultdict(list)
    shifts = [
        None if person.shifts is None else _merged(person.shifts) for person in problem.operators
    ]
    for ref, a in by_ref.items():
        skill = problem.operation(ref).skill
        if a.operator is None:
            if skill is not None:
                out.append(
                    Violation(
                        "operator_missing",
                        f"operation {_name(problem, ref)} needs an operator with skill {skill}",
                        {"op": ref, "skill": skill},
                    )
                )
            continue
        if not 0 <= a.operator < len(problem.operators):
            out.append(
                Violation("operator_unknown", f"operator {a.operator} is not in the problem")
            )
            continue
        person = problem.operators[a.operator]
        per_operator[a.operator].append(a)
        if skill is not None and skill not in person.skills:
            out.append(
                Violation(
                    "operator_skill",
                    f"operator {person.id} lacks skill {skill} for operation {_name(problem, ref)}",
                    {"op": ref, "operator": a.operator, "skill": skill},
                )
            )
        on_shift = shifts[a.operator]
        if on_shift is not None and not any(s <= a.start and a.end <= e for s, e in on_shift):
            out.append(
                Violation(
                    "operator_shift",
                    f"operator {person.id} is not on shift for all of {a.start}-{a.end} "
                    f"(operation {_name(problem, ref)})",
                    {"op": ref, "operator": a.operator},
                )
            )
    for p, items in per_operator.items():
        for one, two in _overlapping([(a.start, a.end, a.ref) for a in items]):
            out.append(
                Violation(
                    "operator_overlap",
                    f"operator {problem.operators[p].id} would run operations "
                    f"{_name(problem, one)} and {_name(problem, two)} at the same time",
                    {"op": two, "other": one, "operator": p},
                )
            )
    return out


def is_valid(problem: ProblemDto, assignments: Sequence[AssignmentDto]) -> bool:
    return not check_schedule(problem, assignments)
