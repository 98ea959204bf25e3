"""Ranking operators for a work order or a machine: a score from 0 to 100 and its reasons.

Only operators every allocation rule allows are ranked (the others are listed with the rule that
stops them). The score adds up, out of 100:

- skill proficiency above what the step needs ............ 30
- efficiency rating (0..5) ................................ 25
- status and idle time (available, idle for up to 2 h) .... 20
- zone distance (same zone 15, same line 8) ............... 15
- certificate margin (90 days or more left: 10) ........... 10
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from domain.model.allocation import AllocationMethod
from domain.rules.allocation import SkillNeed, skill_needs
from services.allocation.board_state import BoardState, Plan
from services.allocation.cards import MachineCard, OperatorCard, WorkOrderCard
from services.allocation.commands import Allocate, Command, Reassign

WEIGHTS = {"skill": 30.0, "efficiency": 25.0, "idle": 20.0, "zone": 15.0, "certificate": 10.0}
IDLE_FULL_MINUTES = 120
CERT_FULL_DAYS = 90


@dataclass(frozen=True, slots=True)
class Suggestion:
    operator_id: str
    name: str
    work_order_id: str
    machine_id: str | None
    score: float
    reasons: tuple[str, ...]
    warnings: tuple[str, ...] = ()
    command: Command | None = None  # None: not allowed (see ``blocked_by``)
    blocked_by: tuple[str, ...] = ()

    @property
    def feasible(self) -> bool:
        return self.command is not None


def score_operator(
    op: OperatorCard,
    wo: WorkOrderCard,
    machine: MachineCard | None,
    needs: tuple[SkillNeed, ...],
    at: datetime,
) -> tuple[float, tuple[str, ...]]:
    reasons: list[str] = []
    held = {s.skill_code: s for s in op.skills}
    if needs:
        parts = []
        for n in needs:
            s = held.get(n.skill_code)
            level = s.proficiency if s else 0
            span = max(4 - n.min_proficiency, 1)
            parts.append(min(max((level - n.min_proficiency) / span, 0.0), 1.0))
            reasons.append(f"{n.skill_code} level {level} (needs {n.min_proficiency})")
        skill = sum(parts) / len(parts)
    else:
        skill = 0.5
        reasons.append("no particular skill needed")
    eff = op.efficiency if op.efficiency is not None else 3.0
    reasons.append(f"efficiency {eff:.1f}/5")
    if op.status == "available":
        idle_min = op.idle_minutes or 0
        idle = 0.5 + 0.5 * min(idle_min / IDLE_FULL_MINUTES, 1.0)
        reasons.append(f"available, idle {idle_min} min")
    else:
        idle = 0.25
        reasons.append(f"status {op.status}")
    zone_of = machine.zone if machine else None
    line_of = machine.line_id if machine else wo.line_id
    if zone_of and op.home_zone == zone_of:
        zone = 1.0
        reasons.append(f"home zone {zone_of}")
    elif line_of and op.line_id == line_of:
        zone = 8 / 15
        reasons.append(f"same line {line_of}")
    else:
        zone = 0.0
        reasons.append("from another line")
    margins = [
        (s.certification_expiry - at.date()).days
        for n in needs
        if (s := held.get(n.skill_code)) is not None and s.certification_expiry is not None
    ]
    if margins:
        cert = min(max(min(margins) / CERT_FULL_DAYS, 0.0), 1.0)
        reasons.append(f"certificates valid {min(margins)} more days")
    else:
        cert = 1.0
    total = (
        WEIGHTS["skill"] * skill
        + WEIGHTS["efficiency"] * eff / 5.0
        + WEIGHTS["idle"] * idle
        + WEIGHTS["zone"] * zone
        + WEIGHTS["certificate"] * cert
    )
    return round(min(max(total, 0.0), 100.0), 1), tuple(reasons)


def _with_method(cmd: Command, method: AllocationMethod, score: float) -> Command:
    if isinstance(cmd, Allocate):
        return replace(cmd, method=method, score=score, reason_code=method.value)
    if isinstance(cmd, Reassign):
        return replace(cmd, reason_code=method.value, reason=f"suggested, score {score:.0f}")
    return cmd


def suggest(
    state: BoardState,
    *,
    work_order_id: str | None = None,
    machine_id: str | None = None,
    at: datetime | None = None,
    limit: int = 10,
    include_blocked: bool = True,
    method: AllocationMethod = AllocationMethod.AI_SUGGESTED,
) -> list[Suggestion]:
    """Operators ranked for a work order (or for the work order a machine holds)."""
    now = at or state.at
    if now is None:
        return []
    machine = state.machines.get(machine_id or "")
    if machine is not None and work_order_id is None:
        work_order_id = machine.work_order_id
    wo = state.work_orders.get(work_order_id or "")
    if wo is None:
        return []
    target = machine.key if machine is not None else wo.key
    if machine is None:
        waiting = next(
            (
                a
                for aid in wo.allocation_ids
                if (a := state.allocations.get(aid)) is not None
                and a.machine_id
                and not a.operator_id
            ),
            None,
        )
        machine = state.machines.get(waiting.machine_id or "") if waiting else None
    needs, _ = skill_needs(wo.operations, machine.facts() if machine else None)
    ranked: list[Suggestion] = []
    blocked: list[Suggestion] = []
    for op in state.pool():
        plan: Plan = state.plan(op.key, target, now)
        score, reasons = score_operator(op, wo, machine, needs, now)
        if plan.ok and plan.command is not None:
            ranked.append(
                Suggestion(
                    op.id,
                    op.name,
                    wo.id,
                    machine.id if machine else None,
                    score,
                    reasons,
                    tuple(w.message for w in plan.verdict.warnings),
                    _with_method(plan.command, method, score),
                )
            )
        elif include_blocked:
            blocked.append(
                Suggestion(
                    op.id,
                    op.name,
                    wo.id,
                    machine.id if machine else None,
                    score,
                    reasons,
                    blocked_by=tuple(v.message for v in plan.verdict.violations),
                )
            )
    ranked.sort(key=lambda s: (-s.score, s.name))
    blocked.sort(key=lambda s: (-s.score, s.name))
    return ranked[:limit] + (blocked[:limit] if include_blocked else [])
