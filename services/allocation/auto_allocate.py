"""Auto-allocate: all waiting work orders to the free operators at once, as an optimisation.

OR-Tools CP-SAT picks at most one operator per work order and one work order per operator among
the pairs that every allocation rule allows, maximising the suggestion score weighted by the
work order's priority; critical material that several orders would reserve is shared within
what is available. The answer is a proposal: a person confirms it, and it is applied through
the ordinary service calls (recorded as method ``automated`` with each pair's score).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.auth import Actor
from domain.errors import DomainError
from domain.model.allocation import AllocationMethod
from domain.model.work import Priority
from domain.rules.allocation import skill_needs
from services.allocation.board_state import BoardState
from services.allocation.commands import AllocationResult, Command
from services.allocation.suggest import Suggestion, _with_method, score_operator

log = logging.getLogger(__name__)

MAX_WORK_ORDERS = 150


@dataclass(frozen=True, slots=True)
class Proposal:
    pairs: tuple[Suggestion, ...]
    objective: float
    status: str  # OPTIMAL, FEASIBLE, EMPTY, ...
    seconds: float
    candidates: int  # feasible (operator, work order) pairs considered
    work_orders: int
    operators: int


@dataclass(frozen=True, slots=True)
class Applied:
    done: tuple[AllocationResult, ...] = ()
    refused: tuple[tuple[Suggestion, str], ...] = field(default=())


def propose(
    state: BoardState,
    *,
    at: datetime | None = None,
    time_limit: float = 5.0,
    max_work_orders: int = MAX_WORK_ORDERS,
    method: AllocationMethod = AllocationMethod.AUTOMATED,
) -> Proposal:
    """The best assignment of waiting work orders to free operators (a proposal, not applied)."""
    from ortools.sat.python import cp_model

    started = time.perf_counter()
    now = at or state.at
    operators = [o for o in state.pool() if o.shift is not None]
    waiting = sorted(state.waiting(), key=lambda w: (-Priority(w.priority).weight, w.due))
    waiting = waiting[:max_work_orders]
    if now is None or not operators or not waiting:
        return Proposal((), 0.0, "EMPTY", 0.0, 0, len(waiting), len(operators))
    pairs: dict[tuple[str, str], Suggestion] = {}
    for wo in waiting:
        machine = None
        for aid in wo.allocation_ids:
            a = state.allocations.get(aid)
            if a is not None and a.machine_id and not a.operator_id:
                machine = state.machines.get(a.machine_id)
        needs, _ = skill_needs(wo.operations, machine.facts() if machine else None)
        for op in operators:
            plan = state.plan(op.key, wo.key, now)
            if not plan.ok or plan.command is None:
                continue
            score, reasons = score_operator(op, wo, machine, needs, now)
            pairs[(op.id, wo.id)] = Suggestion(
                op.id,
                op.name,
                wo.id,
                machine.id if machine else None,
                score,
                reasons,
                tuple(w.message for w in plan.verdict.warnings),
                _with_method(plan.command, method, score),
            )
    if not pairs:
        return Proposal(
            (), 0.0, "EMPTY", time.perf_counter() - started, 0, len(waiting), len(operators)
        )
    model = cp_model.CpModel()
    x = {k: model.new_bool_var(f"x_{k[0]}_{k[1]}") for k in pairs}
    by_op: dict[str, list[Any]] = {}
    by_wo: dict[str, list[Any]] = {}
    for (o, w), var in x.items():
        by_op.setdefault(o, []).append(var)
        by_wo.setdefault(w, []).append(var)
    for vars_ in (*by_op.values(), *by_wo.values()):
        model.add_at_most_one(vars_)
    # critical material several orders would reserve: together within what is available
    wos = {w.id: w for w in waiting}
    per_material: dict[str, list[tuple[str, float]]] = {}
    available: dict[str, float] = {}
    for w_id in by_wo:
        for m in wos[w_id].materials:
            if m.critical:
                per_material.setdefault(m.material_id, []).append((w_id, m.to_reserve))
                available[m.material_id] = m.available
    for mat, uses in per_material.items():
        if len(uses) > 1 and sum(q for _, q in uses) > available[mat] + 1e-9:
            scale = 1000
            model.add(
                sum(round(q * scale) * v for w_id, q in uses for v in by_wo[w_id])
                <= int(available[mat] * scale)
            )
    weight = {w.id: Priority(w.priority).weight for w in waiting}
    model.maximize(sum(round(pairs[k].score * 10) * weight[k[1]] * v for k, v in x.items()))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 2
    status = solver.solve(model)
    name = solver.status_name(status)
    chosen: list[Suggestion] = []
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        chosen = [pairs[k] for k, v in x.items() if solver.boolean_value(v)]
    chosen.sort(key=lambda s: (-weight[s.work_order_id], -s.score))
    return Proposal(
        tuple(chosen),
        sum(s.score * weight[s.work_order_id] for s in chosen),
        name,
        time.perf_counter() - started,
        len(pairs),
        len(waiting),
        len(operators),
    )


def apply(
    execute: Callable[[Actor, Command], AllocationResult], actor: Actor, proposal: Proposal
) -> Applied:
    """Apply a confirmed proposal pair by pair (each its own transaction); a pair that another
    seat made impossible meanwhile is refused with its reason and the others still go ahead."""
    done: list[AllocationResult] = []
    refused: list[tuple[Suggestion, str]] = []
    for s in proposal.pairs:
        if s.command is None:
            continue
        try:
            done.append(execute(actor, s.command))
        except DomainError as exc:
            refused.append((s, exc.message))
    return Applied(tuple(done), tuple(refused))
