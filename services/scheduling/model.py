"""The CP-SAT model of the flexible job shop with everything the plant needs.

Per operation one start variable; per eligible machine an optional fixed-size interval on that
shared start (exactly one present), so a flexible operation costs one integer variable, not
one per machine. Machines: no-overlap over their intervals plus their unavailable windows;
sequence-dependent setups: a circuit per machine whose arcs enforce the changeover gap (on
machines with many candidates only arcs between operations that are close in a reference plan
are kept, see ``setup_neighbours``). Operators: one optional interval per qualified person,
exactly one chosen, no-overlap with the person's other work and off-shift time. Precedence:
routing and FS/SS/FF links with lags. Domains are cut by heads and tails (earliest starts,
work that must follow) inside a horizon taken from the greedy plan, and the greedy plan is
given as a complete hint.
"""

from __future__ import annotations

import itertools
import logging
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from domain.model.work import DependencyType
from services.scheduling.flat import FlatProblem, ProblemError
from services.scheduling.heuristic import off_shift_blocks
from services.scheduling.problem import AssignmentDto, ObjectiveWeights

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ModelOptions:
    weights: ObjectiveWeights = field(default_factory=ObjectiveWeights)
    horizon: int | None = None  # None: a safe bound from the data
    hint: Sequence[AssignmentDto] | None = None
    previous: Mapping[int, AssignmentDto] | None = None  # repair mode: minimise changes
    move_weight: int = 1  # per unit of start-time shift against the previous plan
    switch_weight: int = 60  # per operation moved to another machine
    full_circuit_limit: int = 40  # candidates per machine up to which every arc is modelled
    setup_neighbours: int = 4  # otherwise: arcs to this many neighbours in the reference plan
    tight_domains: bool = True
    # per operation (flat index): (earliest start, latest start, earliest end, latest end),
    # None where free; the large-neighbourhood search fixes a window's edges with these
    bounds: Mapping[int, tuple[int | None, int | None, int | None, int | None]] | None = None


@dataclass(slots=True)
class BuiltModel:
    model: cp_model.CpModel
    flat: FlatProblem
    horizon: int
    start: list[Any]
    modes: list[list[Any]]  # per operation, one presence literal per mode (or True)
    people: list[dict[int, Any]]  # per operation, operator -> presence literal
    end: list[Any]
    makespan: Any
    lower_bound: int
    objective_terms: int = 0

    def extract(
        self, value: Callable[[Any], int], truth: Callable[[Any], bool]
    ) -> list[AssignmentDto]:
        out: list[AssignmentDto] = []
        for i, ref in enumerate(self.flat.refs):
            op = self.flat.ops[i]
            k = next(k for k, lit in enumerate(self.modes[i]) if lit is True or truth(lit))
            s = int(value(self.start[i]))
            person = next((p for p, lit in self.people[i].items() if truth(lit)), None)
            mode = op.modes[k]
            out.append(AssignmentDto(ref[0], ref[1], mode.machine, s, s + mode.duration, person))
        return out


class _Hints:
    """Hints collected in plain lists and written to the proto in one go (add_hint per
    variable dominates the build time of large models)."""

    def __init__(self) -> None:
        self.vars: list[int] = []
        self.values: list[int] = []

    def add(self, var: Any, value: int | bool) -> None:
        index = var.index
        if index >= 0:
            self.vars.append(index)
            self.values.append(int(value))
        else:  # a negated literal
            self.vars.append(-index - 1)
            self.values.append(int(not value))

    def flush(self, model: cp_model.CpModel) -> None:
        hint = model.model_proto.solution_hint
        hint.vars.extend(self.vars)
        hint.values.extend(self.values)


def _bools(model: cp_model.CpModel, count: int) -> list[Any]:
    """``count`` new Boolean variables, without names (cheaper than new_bool_var)."""
    from ortools.sat.python import cp_model as cp
    from ortools.util.python.sorted_interval_list import Domain

    unit = Domain(0, 1)
    return [cp.IntVar(model.model_proto).with_domain(unit) for _ in range(count)]


def safe_horizon(flat: FlatProblem) -> int:
    """An end time no plan needs to pass: everything one after the other, after every window."""
    problem = flat.problem
    table = problem.setup_table()
    max_setup = max(table.values(), default=0)
    busy = sum(flat.max_dur) + max_setup * flat.n
    windows = sum(e - s for m in flat.unavailable for s, e in m)
    latest_start = max(flat.head, default=0)
    shifts_end = max((e for p in problem.operators if p.shifts for _, e in p.shifts), default=0)
    return max(latest_start + busy + windows, shifts_end) + 1


def build_model(flat: FlatProblem, options: ModelOptions) -> BuiltModel:
    from ortools.sat.python import cp_model

    problem = flat.problem
    weights = options.weights
    horizon = options.horizon if options.horizon is not None else safe_horizon(flat)
    model = cp_model.CpModel()
    n = flat.n
    hint = {(a.job, a.op): a for a in options.hint} if options.hint else {}
    hint_of = [hint.get(r) for r in flat.refs]
    hints = _Hints()

    # --- operations: start, mode choice, end -----------------------------------------------
    starts: list[Any] = []
    ends: list[Any] = []
    durs: list[Any] = []
    modes: list[list[Any]] = []
    machine_items: dict[int, list[tuple[int, int, Any, Any]]] = defaultdict(list)
    for i, op in enumerate(flat.ops):
        lo, hi = 0, horizon
        if options.tight_domains:
            lo = flat.head[i]
            hi = horizon - flat.tail[i] - flat.min_dur[i]
        pin = flat.pins.get(i)
        if pin is not None:
            lo = hi = pin.start
        if lo > hi:
            raise ProblemError(
                f"operation {op.id or flat.refs[i]} cannot fit before the horizon {horizon}"
            )
        s = model.new_int_var(lo, hi, f"s{i}")
        starts.append(s)
        if len(op.modes) == 1:
            d = op.modes[0].duration
            iv = model.new_fixed_size_interval_var(s, d, f"i{i}")
            machine_items[op.modes[0].machine].append((i, d, True, iv))
            modes.append([True])
            ends.append(s + d)
            durs.append(d)
            continue
        lits = []
        for k, mode in enumerate(op.modes):
            lit = model.new_bool_var(f"m{i}_{k}")
            if pin is not None:
                model.add(lit == int(mode.machine == pin.machine))
            iv = model.new_optional_fixed_size_interval_var(s, mode.duration, lit, f"i{i}_{k}")
            machine_items[mode.machine].append((i, mode.duration, lit, iv))
            lits.append(lit)
        model.add_exactly_one(lits)
        modes.append(lits)
        dur = model.new_int_var_from_domain(
            cp_model.Domain.from_values(sorted({m.duration for m in op.modes})), f"d{i}"
        )
        model.add(dur == sum(m.duration * lit for m, lit in zip(op.modes, lits, strict=True)))
        e = model.new_int_var(lo + flat.min_dur[i], min(hi + flat.max_dur[i], horizon), f"e{i}")
        model.add(e == s + dur)
        ends.append(e)
        durs.append(dur)
        a = hint_of[i]
        if a is not None:
            for mode, lit in zip(op.modes, lits, strict=True):
                hints.add(lit, mode.machine == a.machine)
            hints.add(dur, a.end - a.start)
            hints.add(e, a.end)
    for i, a in enumerate(hint_of):
        if a is not None:
            hints.add(starts[i], a.start)

    for i, (lo_s, hi_s, lo_e, hi_e) in (options.bounds or {}).items():
        if lo_s is not None:
            model.add(starts[i] >= lo_s)
        if hi_s is not None:
            model.add(starts[i] <= hi_s)
        if lo_e is not None:
            model.add(ends[i] >= lo_e)
        if hi_e is not None:
            model.add(ends[i] <= hi_e)

    # --- precedence --------------------------------------------------------------------------
    for after in range(n):
        for before, kind, lag in flat.preds[after]:
            if kind is DependencyType.FINISH_TO_START:
                model.add(starts[after] >= ends[before] + lag)
            elif kind is DependencyType.START_TO_START:
                model.add(starts[after] >= starts[before] + lag)
            else:
                model.add(ends[after] >= ends[before] + lag)

    # --- machines: no overlap with each other and with unavailable windows -------------------
    for m, items in machine_items.items():
        blocked = [
            model.new_fixed_size_interval_var(max(s, 0), min(e, horizon) - max(s, 0), f"w{m}_{s}")
            for s, e in flat.unavailable[m]
            if e > 0 and s < horizon and min(e, horizon) > max(s, 0)
        ]
        if len(items) + len(blocked) > 1:
            model.add_no_overlap([iv for _, _, _, iv in items] + blocked)

    # --- sequence-dependent setups -----------------------------------------------------------
    setup_terms = _add_setup_circuits(model, flat, options, machine_items, starts, hint_of, hints)

    # --- operators ---------------------------------------------------------------------------
    people: list[dict[int, Any]] = [{} for _ in range(n)]
    qualified: dict[str, list[int]] = defaultdict(list)
    for k, person in enumerate(problem.operators):
        for skill in person.skills:
            qualified[skill].append(k)
    person_items: dict[int, list[Any]] = defaultdict(list)
    for i, op in enumerate(flat.ops):
        if op.skill is None:
            continue
        candidates = qualified.get(op.skill, [])
        if not candidates:
            raise ProblemError(f"nobody has skill {op.skill} for operation {op.id or flat.refs[i]}")
        lits = _bools(model, len(candidates))
        pin = flat.pins.get(i)
        a = hint_of[i]
        for k, lit in zip(candidates, lits, strict=True):
            if pin is not None and pin.operator is not None:
                model.add(lit == int(k == pin.operator))
            if isinstance(durs[i], int):
                iv = model.new_optional_fixed_size_interval_var(starts[i], durs[i], lit, "")
            else:
                iv = model.new_optional_interval_var(starts[i], durs[i], ends[i], lit, "")
            person_items[k].append(iv)
            people[i][k] = lit
            if a is not None:
                hints.add(lit, a.operator == k)
        model.add_exactly_one(lits)
    for k, ivs in person_items.items():
        off = [
            model.new_fixed_size_interval_var(max(s, 0), min(e, horizon) - max(s, 0), f"o{k}_{s}")
            for s, e in off_shift_blocks(problem.operators[k].shifts)
            if e > 0 and s < horizon and min(e, horizon) > max(s, 0)
        ]
        if len(ivs) + len(off) > 1:
            model.add_no_overlap(ivs + off)

    # --- objective ---------------------------------------------------------------------------
    lower_bound = flat.makespan_lower_bound()
    # the lower bound stays out of the domain: with it there, CP-SAT's root reasoning no longer
    # improved the bound (ft10: stuck at our 796, 808 without it, as in the plain model)
    makespan = model.new_int_var(0, horizon, "makespan")
    job_last: dict[int, int] = {}
    for i in range(n):
        job_last[flat.job_of[i]] = i
    model.add_max_equality(makespan, [ends[i] for i in job_last.values()])
    hint_makespan = max((a.end for a in hint.values()), default=None)
    if hint_makespan is not None and len(hint) == n:
        hints.add(makespan, hint_makespan)

    terms: list[Any] = []
    if weights.makespan:
        terms.append(weights.makespan * makespan)
    if weights.tardiness:
        for j, i in job_last.items():
            job = problem.jobs[j]
            if job.due is None:
                continue
            late = model.new_int_var(0, max(horizon - job.due, 0), f"t{j}")
            model.add(late >= ends[i] - job.due)
            terms.append(weights.tardiness * job.weight * late)
            a = hint_of[i]
            if a is not None:
                hints.add(late, max(a.end - job.due, 0))
    if weights.setup:
        terms.extend(weights.setup * t for t in setup_terms)
    if weights.cost:
        for i, op in enumerate(flat.ops):
            for mode, lit in zip(op.modes, modes[i], strict=True):
                if mode.cost:
                    terms.append(weights.cost * mode.cost * (1 if lit is True else lit))
    if options.previous:
        terms.extend(_repair_terms(model, flat, options, starts, modes, hint_of, horizon, hints))
    model.minimize(sum(terms) if terms else makespan)
    hints.flush(model)
    return BuiltModel(
        model=model,
        flat=flat,
        horizon=horizon,
        start=starts,
        end=ends,
        modes=modes,
        people=people,
        makespan=makespan,
        lower_bound=lower_bound,
        objective_terms=len(terms),
    )


def _repair_terms(
    model: cp_model.CpModel,
    flat: FlatProblem,
    options: ModelOptions,
    starts: list[Any],
    modes: list[list[Any]],
    hint_of: list[AssignmentDto | None],
    horizon: int,
    hints: _Hints,
) -> list[Any]:
    """Shifts against the previous plan (per unit) and machine changes (per operation)."""
    assert options.previous is not None
    terms: list[Any] = []
    for i, prev in options.previous.items():
        if i in flat.pins:
            continue
        shift = model.new_int_var(0, horizon + abs(prev.start), f"dv{i}")
        model.add_abs_equality(shift, starts[i] - prev.start)
        terms.append(options.move_weight * shift)
        a = hint_of[i]
        if a is not None:
            hints.add(shift, abs(a.start - prev.start))
        op = flat.ops[i]
        if len(op.modes) > 1:
            same = [
                lit for m, lit in zip(op.modes, modes[i], strict=True) if m.machine == prev.machine
            ]
            if same:
                terms.append(options.switch_weight * (1 - same[0]))
            else:
                terms.append(options.switch_weight)
    return terms


def _add_setup_circuits(
    model: cp_model.CpModel,
    flat: FlatProblem,
    options: ModelOptions,
    machine_items: Mapping[int, list[tuple[int, int, Any, Any]]],
    starts: list[Any],
    hint_of: list[AssignmentDto | None],
    hints: _Hints,
) -> list[Any]:
    """One circuit per machine with changeovers; returns the setup-time terms of the objective.

    Node 0 is the depot; an arc u -> v says v follows u directly on the machine and enforces
    start(v) >= start(u) + duration(u on m) + setup(family u, family v).
    """
    table = flat.problem.setup_table()
    if not table:
        return []
    terms: list[Any] = []
    for m, items in machine_items.items():
        fams = [flat.ops[i].family for i, _, _, _ in items]
        present_fams = sorted({f for f in fams if f})
        if len(items) < 2 or not any(
            table.get((m, a, b), 0) for a in present_fams for b in present_fams
        ):
            continue
        c = len(items)
        hinted = sorted(
            (a.start, a.end, u)
            for u, (i, _, _, _) in enumerate(items)
            if (a := hint_of[i]) is not None and a.machine == m
        )
        hinted_pairs = {(u, v) for (_, _, u), (_, _, v) in itertools.pairwise(hinted)}
        complete_hint = all(hint_of[i] is not None for i, _, _, _ in items)
        if c <= options.full_circuit_limit:
            allowed = {(u, v) for u in range(c) for v in range(c) if u != v}
        else:
            # operations far apart in the reference plan (the hint, else the earliest starts)
            # will not follow each other directly: only arcs to the nearest ones are modelled
            ref_time = [
                a.start if (a := hint_of[i]) is not None else flat.head[i] for i, _, _, _ in items
            ]
            order = sorted(range(c), key=lambda u: (ref_time[u], u))
            width = options.setup_neighbours
            allowed = set(hinted_pairs)
            for pos, u in enumerate(order):
                for v in order[max(0, pos - width) : pos + width + 1]:
                    if v != u:
                        allowed.add((u, v))
        first = hinted[0][2] if hinted else -1
        last = hinted[-1][2] if hinted else -1
        pairs = sorted(allowed)
        lits = _bools(model, 2 * c + len(pairs))
        arcs: list[tuple[int, int, Any]] = []
        optional = []
        for u, (_, _, lit, _) in enumerate(items):
            if lit is not True:
                arcs.append((u + 1, u + 1, ~lit))
                optional.append(lit)
            s_lit, e_lit = lits[2 * u], lits[2 * u + 1]
            arcs.append((0, u + 1, s_lit))
            arcs.append((u + 1, 0, e_lit))
            if complete_hint:
                hints.add(s_lit, u == first)
                hints.add(e_lit, u == last)
        if len(optional) == c:  # the machine may end up with no work at all
            empty = model.new_bool_var(f"empty{m}")
            arcs.append((0, 0, empty))
            for lit in optional:
                model.add_implication(empty, ~lit)
            model.add_bool_or([empty, *optional])
            if complete_hint:
                hints.add(empty, not hinted)
        for (u, v), lit in zip(pairs, lits[2 * c :], strict=True):
            i, du, _, _ = items[u]
            j = items[v][0]
            fa, fb = fams[u], fams[v]
            gap = table.get((m, fa, fb), 0) if fa and fb else 0
            arcs.append((u + 1, v + 1, lit))
            model.add(starts[j] >= starts[i] + (du + gap)).only_enforce_if(lit)
            if gap:
                terms.append(gap * lit)
            if complete_hint:
                hints.add(lit, (u, v) in hinted_pairs)
        model.add_circuit(arcs)
    return terms
