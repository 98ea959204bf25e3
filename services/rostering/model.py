"""The CP-SAT model of a roster.

One Boolean ``x[e, d, s]`` (operator ``e`` works shift ``s`` on day ``d``) exists only where
the shift is possible (contract limit above 0, day available, not locked to something else),
with an explicit ``off[e, d]`` and exactly one of them true per cell. Cells that are decided
beforehand (a day off, a lock, the fixed part of a neighbourhood) are constants, folded into
the constraints, so a sub-problem's model is as small as its free part. On top of the plain
formulation:

- the sequence rules are clauses over the ``off`` literals (a run that starts on ``d`` goes on
  for the minimum length; every window of ``max + 1`` days holds a day off);
- forbidden successions are at-most-one cliques over the shifts that share a forbidden set
  (and the successors forbidden by the shift worked the day before day 0 get no variable);
- redundant bounds on the number of working days follow from the total-minute limits;
- cover slacks are bounded by what the staff can supply.

OR-Tools is imported inside the functions (start-up time).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Union

from domain.rules.rostering import OFF, check_line, weekends
from services.rostering.problem import FairnessDto, FairnessMeasure, RosterDto, RosterProblemDto

if TYPE_CHECKING:
    from ortools.sat.python import cp_model
    from ortools.sat.python.cp_model_helper import Literal

    Lit = Union[Literal, bool]  # noqa: UP007 (a runtime alias under TYPE_CHECKING)
    Aux = tuple[cp_model.IntVar, str, Sequence[Lit], int]
    Expr = cp_model.LinearExprT

__all__ = ["RosterModel", "build_model"]


@dataclass
class RosterModel:
    """A built CP-SAT model and what is needed to read a roster back."""

    model: cp_model.CpModel
    problem: RosterProblemDto
    x: dict[tuple[int, int, str], cp_model.IntVar]
    off: dict[tuple[int, int], cp_model.IntVar]
    fixed: dict[tuple[int, int], str]
    stats: dict[str, int] = field(default_factory=dict)
    # auxiliaries defined by literals of the roster, to complete a hint: (var, kind, lits, need)
    aux: list[Aux] = field(default_factory=list)
    # the fairness range (max, min variables) and the fixed operators' (max, min), if any
    fair: tuple[cp_model.IntVar, cp_model.IntVar, tuple[int, int] | None] | None = None

    def roster(self, value: Callable[[cp_model.IntVar], int]) -> RosterDto:
        """Read the roster with ``value`` (a solver's or a callback's ``Value``)."""
        shift_ids = [s.id for s in self.problem.shifts]
        lines: dict[str, tuple[str, ...]] = {}
        for e, staff in enumerate(self.problem.staff):
            line = []
            for d in range(self.problem.horizon):
                cell = self.fixed.get((e, d), OFF)
                if (e, d) not in self.fixed:
                    for s in shift_ids:
                        var = self.x.get((e, d, s))
                        if var is not None and value(var):
                            cell = s
                            break
                line.append(cell)
            lines[staff.id] = tuple(line)
        return RosterDto(lines)

    def add_hint(self, roster: RosterDto) -> None:
        """Hint a (complete or partial) roster to the search. The auxiliaries that the roster
        decides (cover slacks, worked weekends) are hinted too, so a complete roster is a
        complete hint: CP-SAT starts from it as a first solution."""
        ids = [e.id for e in self.problem.staff]
        index: list[int] = []
        values: list[int] = []
        for (e, d), var in self.off.items():
            line = roster.lines.get(ids[e])
            if line is not None:
                index.append(var.index)
                values.append(int(line[d] == OFF))
        for (e, d, s), var in self.x.items():
            line = roster.lines.get(ids[e])
            if line is not None:
                index.append(var.index)
                values.append(int(line[d] == s))
        known = dict(zip(index, values, strict=True))

        def value(lit: Lit) -> int | None:
            if isinstance(lit, bool):
                return int(lit)
            i = lit.index
            v = known.get(i if i >= 0 else -i - 1)
            return None if v is None else (v if i >= 0 else 1 - v)

        for var, kind, lits, need in self.aux:
            got = [value(lit) for lit in lits]
            if any(v is None for v in got):
                continue
            count = sum(v for v in got if v is not None)
            if kind == "any":
                v = int(count > 0)
            elif kind == "under":
                v = max(0, need - count)
            elif kind == "over":
                v = max(0, count - need)
            else:  # "short": the under side is the one that may be positive
                v = int(count <= need)
            index.append(var.index)
            values.append(v)
        if self.fair is not None and all(e.id in roster.lines for e in self.problem.staff):
            from services.rostering.checker import fairness_measures

            hi, lo, fixed = self.fair
            measures = list(fairness_measures(self.problem, roster).values())
            measures += list(fixed) if fixed is not None else []
            index += [hi.index, lo.index]
            values += [max(measures), min(measures)]
        hint = self.model.proto.solution_hint
        hint.vars.extend(index)
        hint.values.extend(values)


def _not(lit: Lit) -> Lit:
    return (not lit) if isinstance(lit, bool) else lit.negated()


def _sum(terms: Sequence[tuple[int, Lit]]) -> Expr:
    """sum(coefficient * literal), the constants folded (one linear expression, built fast)."""
    from ortools.sat.python import cp_model

    const = sum(c for c, lit in terms if lit is True)
    rest = [(c, lit) for c, lit in terms if not isinstance(lit, bool)]
    if not rest:
        return const
    expr = cp_model.LinearExpr.weighted_sum([lit for _, lit in rest], [c for c, _ in rest])
    return expr + const if const else expr


def _clause(m: cp_model.CpModel, lits: Sequence[Lit]) -> None:
    """At least one of ``lits``, constants folded."""
    if any(lit is True for lit in lits):
        return
    m.add_bool_or([lit for lit in lits if lit is not False])


def _at_most_one(m: cp_model.CpModel, lits: Sequence[Lit]) -> None:
    true = sum(1 for lit in lits if lit is True)
    rest = [lit for lit in lits if not isinstance(lit, bool)]
    if true > 1:
        m.add_bool_or([])  # infeasible: two fixed cells break the rule
    elif true == 1:
        for lit in rest:
            m.add(lit == 0)
    elif len(rest) > 1:
        m.add_at_most_one(rest)


def build_model(
    problem: RosterProblemDto,
    *,
    cover_offsets: Sequence[int] | None = None,
    fairness_fixed: tuple[int, int] | None = None,
    trust_fixed: bool = False,
) -> RosterModel:
    """The CP-SAT model of ``problem``.

    For a sub-problem of a neighbourhood search (a subset of operators, the others fixed):
    ``cover_offsets[i]`` operators outside the problem already count towards cover row ``i``,
    and ``fairness_fixed`` is the (max, min) of the fixed operators' fairness measure;
    ``trust_fixed`` says the decided cells come from a valid roster, so rules on a window of
    days that are all decided need not be written.
    """
    from ortools.sat.python import cp_model

    m = cp_model.CpModel()
    shifts = problem.shift_map()
    horizon = problem.horizon
    locks = {(k.staff_id, k.day): k.shift for k in problem.locks}
    x: dict[tuple[int, int, str], cp_model.IntVar] = {}
    off: dict[tuple[int, int], cp_model.IntVar] = {}
    fixed: dict[tuple[int, int], str] = {}

    def shift_lit(e: int, d: int, s: str) -> Lit:
        var = x.get((e, d, s))
        return var if var is not None else fixed.get((e, d)) == s

    def off_lit(e: int, d: int) -> Lit:
        var = off.get((e, d))
        return var if var is not None else fixed[e, d] == OFF

    for e, staff in enumerate(problem.staff):
        c = staff.contract
        rested = problem.forbidden_first(staff.id)  # not on day 0: the day before forbids them
        for d in range(horizon):
            locked = locks.get((staff.id, d))
            if locked not in (None, OFF) and (c.unavailable(d) or (d == 0 and locked in rested)):
                m.add_bool_or([])  # locked to work on a day that cannot be worked (so)
            if c.unavailable(d) or locked == OFF:
                fixed[e, d] = OFF
                continue
            if locked is not None:
                fixed[e, d] = locked
                continue
            options = [
                s for s in shifts if c.max_shifts.get(s, 1) > 0 and not (d == 0 and s in rested)
            ]
            if not options:
                fixed[e, d] = OFF
                continue
            off[e, d] = m.new_bool_var(f"off_{e}_{d}")
            for s in options:
                x[e, d, s] = m.new_bool_var(f"x_{e}_{d}_{s}")
            m.add_exactly_one([off[e, d]] + [x[e, d, s] for s in options])

    # tables[e][d][s]: the literal of operator e working shift s on day d (a constant if decided)
    tables = [
        [{s: shift_lit(e, d, s) for s in shifts} for d in range(horizon)]
        for e in range(len(problem.staff))
    ]
    aux: list[Aux] = []
    for e in range(len(problem.staff)):
        _contract_rules(m, problem, e, tables[e], off_lit, trust_fixed, aux)

    objective: list[tuple[int, Expr]] = []
    constant = 0  # the part of the objective that no decision changes
    skills = problem.skills()
    for i, row in enumerate(problem.cover):
        need = row.requirement - (cover_offsets[i] if cover_offsets is not None else 0)
        lits = [
            tables[e][row.day][row.shift]
            for e, staff in enumerate(problem.staff)
            if row.skill is None or row.skill in skills[staff.id]
        ]
        have = sum(1 for t in lits if t is True)
        count = [t for t in lits if not isinstance(t, bool)]
        need -= have
        if not count:  # a constant: the same for every roster of this (sub-)problem
            constant += row.under_weight * max(0, need) + row.over_weight * max(0, -need)
            continue
        if need <= 0:  # over-covered whatever happens: linear, no slack needed
            constant -= row.over_weight * need
            objective += [(row.over_weight, lit) for lit in count]
            continue
        if need >= len(count):  # under-covered whatever happens
            constant += row.under_weight * need
            objective += [(-row.under_weight, lit) for lit in count]
            continue
        under = m.new_int_var(0, max(0, need), f"under_{i}")
        over = m.new_int_var(0, max(0, len(count) - need), f"over_{i}")
        m.add(_sum([(1, lit) for lit in count]) - need == over - under)
        either = m.new_bool_var(f"short_{i}")  # never both: the true under/over cover
        m.add(over == 0).only_enforce_if(either)
        m.add(under == 0).only_enforce_if(either.negated())
        aux.append((either, "short", count, need))
        objective += [(row.under_weight, under), (row.over_weight, over)]
        aux += [(under, "under", count, need), (over, "over", count, need)]

    index = {staff.id: e for e, staff in enumerate(problem.staff)}
    request_terms: dict[int, list[tuple[int, Expr]]] = defaultdict(list)
    for r in problem.requests:
        e = index[r.staff_id]
        # a wish about the day itself (shift OFF): the day off, or working it, any shift
        lit = off_lit(e, r.day) if r.shift == OFF else shift_lit(e, r.day, r.shift)
        paid = _not(lit) if r.on else lit
        term: Expr = int(paid) if isinstance(paid, bool) else paid
        request_terms[e].append((r.weight, term))
    for terms in request_terms.values():
        objective += [(w, t) for w, t in terms if not isinstance(t, int)]
        constant += sum(w * t for w, t in terms if isinstance(t, int))

    fair = None
    if problem.fairness is not None and problem.fairness.weight > 0 and problem.staff:
        hi, lo = _fairness_range(
            m, problem, problem.fairness, off_lit, shift_lit, request_terms, fairness_fixed, aux
        )
        objective += [(problem.fairness.weight, hi), (-problem.fairness.weight, lo)]
        fair = (hi, lo, fairness_fixed)

    if problem.reference is not None and problem.change_weight > 0:
        for e, staff in enumerate(problem.staff):
            line = problem.reference.lines.get(staff.id, (OFF,) * horizon)
            for d, cell in enumerate(line):
                same = off_lit(e, d) if cell == OFF else shift_lit(e, d, cell)
                if isinstance(same, bool):
                    constant += 0 if same else problem.change_weight
                else:
                    objective.append((problem.change_weight, 1 - same))

    m.minimize(
        cp_model.LinearExpr.weighted_sum([t for _, t in objective], [w for w, _ in objective])
        + constant
    )
    stats = {"x": len(x), "cells": len(off)}
    return RosterModel(m, problem, x, off, fixed, stats, aux, fair)


def _contract_rules(
    m: cp_model.CpModel,
    problem: RosterProblemDto,
    e: int,
    table: Sequence[Mapping[str, Lit]],
    off_lit: Callable[[int, int], Lit],
    trust_fixed: bool = False,
    aux: list[Aux] | None = None,
) -> None:
    """The hard rules of one operator's line (``table[d][s]``: the literal of shift s on d).

    Decided cells are constants folded into each rule; a line decided in full is judged by
    the domain rules directly (infeasible if it breaks one).
    """
    staff = problem.staff[e]
    c = staff.contract
    shifts = problem.shift_map()
    horizon = problem.horizon
    excused = c.excused_days
    o = [off_lit(e, d) for d in range(horizon)]
    free = [not isinstance(lit, bool) for lit in o]
    if not any(free):
        line = [
            OFF if lit else next((s for s, v in table[d].items() if v is True), OFF)
            for d, lit in enumerate(o)
        ]
        previous = problem.previous_shift(staff.id)
        if check_line(staff.id, line, c, shifts, problem.first_weekday, previous):
            m.add_bool_or([])
        return
    for s, limit in c.max_shifts.items():
        lits = [table[d][s] for d in range(horizon)]
        if sum(1 for lit in lits if lit is not False) > limit:
            m.add(_sum([(1, lit) for lit in lits]) <= limit)
    minutes = _sum([(shifts[s].minutes, lit) for day in table for s, lit in day.items()])
    if c.max_total_minutes is not None:
        m.add(minutes <= c.max_total_minutes)
    if c.min_total_minutes > 0:
        m.add(minutes >= c.min_total_minutes)
    lengths = [shifts[s].minutes for s in shifts if c.max_shifts.get(s, 1) > 0]
    if lengths:  # redundant: how many working days the minute limits allow
        worked = horizon - _sum([(1, lit) for lit in o])
        m.add(worked >= math.ceil(c.min_total_minutes / max(lengths)))
        if c.max_total_minutes is not None:
            m.add(worked <= c.max_total_minutes // min(lengths))

    def skip(*days: int) -> bool:
        """A rule over ``days`` that are all decided, from a valid roster: it holds."""
        return trust_fixed and not any(free[d] for d in days)

    top = c.max_consecutive_shifts
    if top is not None:
        for d in range(horizon - top):
            if not skip(*range(d, d + top + 1)):
                _clause(m, o[d : d + top + 1])
    for d in range(1, horizon):
        if d - 1 in excused:
            continue
        for j in range(1, c.min_consecutive_shifts):
            if d + j >= horizon or d + j in excused:
                break
            if not skip(d - 1, d, d + j):
                _clause(m, [_not(o[d - 1]), o[d], _not(o[d + j])])
        if d in excused:
            continue
        for j in range(1, c.min_consecutive_days_off):
            if d + j >= horizon or d + j in excused:
                break
            if not skip(d - 1, d, d + j):
                _clause(m, [o[d - 1], _not(o[d]), o[d + j]])
    if c.max_weekends is not None:
        worked_weekends = _weekend_lits(m, problem, e, o, "weekend", aux)
        if sum(1 for w in worked_weekends if w is not False) > c.max_weekends:
            m.add(_sum([(1, w) for w in worked_weekends]) <= c.max_weekends)
    groups: dict[frozenset[str], list[str]] = defaultdict(list)
    for kind in shifts.values():
        if kind.forbidden_next:
            groups[kind.forbidden_next].append(kind.id)
    for d in range(horizon - 1):
        if skip(d, d + 1):
            continue
        for forbidden, firsts in groups.items():
            pair = [table[d][s] for s in firsts] + [table[d + 1][s] for s in forbidden]
            _at_most_one(m, [lit for lit in pair if lit is not False])


def _weekend_lits(
    m: cp_model.CpModel,
    problem: RosterProblemDto,
    e: int,
    o: Sequence[Lit],
    name: str,
    aux: list[Aux] | None = None,
) -> list[Lit]:
    """One literal per weekend of the horizon: true when the weekend is worked."""
    excused = problem.staff[e].contract.excused_days
    out: list[Lit] = []
    for days in weekends(problem.horizon, problem.first_weekday):
        works = [_not(o[d]) for d in days if d not in excused]
        if any(w is True for w in works):
            out.append(True)
            continue
        works = [w for w in works if w is not False]
        if not works:
            out.append(False)
            continue
        w = m.new_bool_var(f"{name}_{e}_{days[0]}")
        for lit in works:
            m.add_implication(lit, w)
        m.add_bool_or(works).only_enforce_if(w)
        out.append(w)
        if aux is not None:
            aux.append((w, "any", works, 0))
    return out


def _fairness_range(
    m: cp_model.CpModel,
    problem: RosterProblemDto,
    goal: FairnessDto,
    off_lit: Callable[[int, int], Lit],
    shift_lit: Callable[[int, int, str], Lit],
    request_terms: dict[int, list[tuple[int, Expr]]],
    fixed: tuple[int, int] | None,
    aux: list[Aux],
) -> tuple[cp_model.IntVar, cp_model.IntVar]:
    """The max and the min over operators of the fairness measure (the spread is max - min)."""
    horizon = problem.horizon
    measures: list[Expr] = []
    bound = 0
    for e in range(len(problem.staff)):
        if goal.measure is FairnessMeasure.WEEKENDS:
            o = [off_lit(e, d) for d in range(horizon)]
            terms: list[Expr] = list(_weekend_lits(m, problem, e, o, "fair_weekend", aux))
            bound = max(bound, len(terms))
        elif goal.measure is FairnessMeasure.SHIFTS:
            terms = [shift_lit(e, d, s) for d in range(horizon) for s in goal.shifts]
            bound = max(bound, len(terms))
        else:
            terms = [w * t for w, t in request_terms.get(e, [])]
            bound = max(bound, sum(w for w, _t in request_terms.get(e, [])))
        measures.append(sum(terms))
    if fixed is not None:
        bound = max(bound, fixed[0])
        measures += [fixed[0], fixed[1]]
    hi = m.new_int_var(0, bound, "fair_max")
    lo = m.new_int_var(0, bound, "fair_min")
    for value in measures:
        m.add(hi >= value)
        m.add(lo <= value)
    return hi, lo
