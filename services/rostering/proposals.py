"""Optimise or repair a stored roster, as a proposal (a diff) for the shift lead to approve.

Both start from a :class:`~services.rostering.snapshot.RosterSnapshot` and never touch the
database: the desktop runs them in a worker with a cancel token and a progress callback, shows
the proposed changes, and saves them through
:meth:`services.rostering.store.RosterService.save` when they are approved (which checks
again that nobody changed those cells meanwhile).

- *Optimise* re-solves the range with locked cells, past days, clocked-in shifts and absences
  kept, starting from the current roster; each changed cell costs ``change_weight`` (1 by
  default), so it fills cover gaps without reshuffling people for nothing.
- *Repair* takes an absence out (:mod:`services.rostering.repair`) and re-solves close to the
  current roster: the absence itself is a forced change (the shift stays on record, marked
  absent), every other change is a proposal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from domain.errors import ValidationError
from domain.rules.rostering import OFF
from services.rostering.problem import (
    AbsenceDto,
    ProgressDto,
    SolveOptionsDto,
    SolveResultDto,
    SolveStatus,
)
from services.rostering.repair import repair
from services.rostering.snapshot import CellChange, RosterSnapshot
from services.rostering.solver import CancelToken, ProgressCallback, solve

OPTIMISE_CHANGE_WEIGHT = 1
FORECAST_THRESHOLD = 0.5


@dataclass(frozen=True, slots=True)
class ProposalDto:
    """Proposed changes with what the solver said. ``changes`` can be saved as they are."""

    kind: str  # "optimise" or "repair"
    status: SolveStatus
    changes: tuple[CellChange, ...]
    penalty_before: int | None
    penalty_after: int | None
    seconds: float
    cancelled: bool = False
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)

    def describe(self) -> str:
        if not self.ok:
            return self.message or f"no roster found ({self.status.value})"
        moved = len([c for c in self.changes if not c.absent])
        parts = [f"{moved} change(s) proposed"]
        if self.penalty_before is not None and self.penalty_after is not None:
            parts.append(f"penalty {self.penalty_before} -> {self.penalty_after}")
        if self.cancelled:
            parts.append("stopped early: the best roster found so far")
        return "; ".join(parts)


def _message(result: SolveResultDto) -> str:
    if result.status is SolveStatus.INFEASIBLE:
        reason = str(result.detail.get("reason", "")) or "the rules and locks admit no roster"
        return f"No roster satisfies the rules: {reason}"
    if result.status is SolveStatus.UNKNOWN:
        if result.cancelled:
            return "Stopped before a roster was found"
        return "No roster was found in the time given; try a longer time limit"
    if result.status is SolveStatus.INVALID:
        return "The solver's roster broke a rule (a bug); nothing was proposed"
    return ""


def _penalty(snapshot: RosterSnapshot) -> int:
    from services.rostering.checker import objective_parts

    return objective_parts(snapshot.problem(), snapshot.roster())[0].total


def optimise(
    snapshot: RosterSnapshot,
    options: SolveOptionsDto | None = None,
    on_progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    change_weight: int = OPTIMISE_CHANGE_WEIGHT,
) -> ProposalDto:
    current = snapshot.roster()
    problem = snapshot.problem(reference=current, change_weight=change_weight)
    opts = options or SolveOptionsDto(time_limit=10.0)
    result = solve(problem, replace(opts, hint=current), on_progress, cancel)
    changes: tuple[CellChange, ...] = ()
    if result.roster is not None and result.status is not SolveStatus.INVALID:
        changes = tuple(_stored_before(snapshot, snapshot.changed_from(current, result.roster)))
    return ProposalDto(
        "optimise",
        result.status,
        changes,
        _penalty(snapshot),
        result.penalty,
        result.solve_seconds,
        result.cancelled,
        _message(result),
    )


def repair_absence(
    snapshot: RosterSnapshot,
    operator_id: str,
    days: Sequence[date],
    options: SolveOptionsDto | None = None,
    on_progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    reason: str = "",
) -> ProposalDto:
    """Take ``operator_id`` out on ``days`` and re-solve as close to the roster as possible;
    the absence is recorded when the proposal is saved."""
    return repair_absences(snapshot, {operator_id: days}, options, on_progress, cancel, reason)


def repair_forecast(
    snapshot: RosterSnapshot,
    threshold: float = FORECAST_THRESHOLD,
    options: SolveOptionsDto | None = None,
    on_progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> ProposalDto:
    """Plan around the absences the analytics forecast with a probability of at least
    ``threshold`` (open days with a shift): those operators are taken off those shifts (no
    absence is recorded: it has not happened) and the roster is repaired around them."""
    absences: dict[str, list[date]] = {}
    for (op, d), p in sorted(snapshot.forecast.items()):
        cell = snapshot.cell(op, d)
        open_shift = cell.shift and not (cell.absent or cell.locked or cell.started)
        if p >= threshold and d >= snapshot.first_open_day and open_shift:
            absences.setdefault(op, []).append(snapshot.date_of(d))
    if not absences:
        raise ValidationError(
            f"no open shift is forecast absent with a probability of {threshold:.0%} or more"
        )
    return repair_absences(
        snapshot, absences, options, on_progress, cancel, "forecast absence", record=False
    )


def repair_absences(
    snapshot: RosterSnapshot,
    absences: Mapping[str, Sequence[date]],
    options: SolveOptionsDto | None = None,
    on_progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    reason: str = "",
    *,
    record: bool = True,
) -> ProposalDto:
    """Take each operator out on their days and re-solve as close to the roster as possible.
    ``record``: the proposal records the absences (shift kept on record, marked absent);
    otherwise it takes the operators off those shifts."""
    dtos = []
    for operator_id, days in absences.items():
        if snapshot.operator(operator_id) is None:
            raise ValidationError(f"{operator_id} is not on this roster")
        index = sorted({snapshot.index_of(d) for d in days})
        if not index:
            raise ValidationError("choose the days of the absence")
        if index[0] < 0 or index[-1] >= snapshot.days:
            raise ValidationError("the absence must fall within the roster shown")
        dtos.append(AbsenceDto(operator_id, frozenset(index), reason))
    current = snapshot.roster()
    out = repair(
        snapshot.problem(),
        current,
        dtos,
        options or SolveOptionsDto(time_limit=10.0),
        on_progress,
        cancel,
        freeze_before=snapshot.first_open_day,
    )
    result = out.result
    changes: list[CellChange] = []
    if result.roster is not None and result.status is not SolveStatus.INVALID:
        for c in out.changes:
            day = snapshot.date_of(c.day)
            if c.forced and record:
                shift = snapshot.cell(c.staff_id, c.day).shift
                changes.append(CellChange(c.staff_id, day, shift, OFF, absent=True))
            else:
                changes.append(CellChange(c.staff_id, day, c.before, c.after))
        changes = _stored_before(snapshot, changes)
    return ProposalDto(
        "repair",
        result.status,
        tuple(changes),
        _penalty(snapshot),
        result.penalty,
        result.solve_seconds,
        result.cancelled,
        _message(result),
    )


def _stored_before(snapshot: RosterSnapshot, changes: Sequence[CellChange]) -> list[CellChange]:
    """The changes with ``before`` as stored (what the save's stale check compares)."""
    return [
        replace(c, before=snapshot.cell(c.operator_id, snapshot.index_of(c.day)).shift)
        for c in changes
    ]


__all__ = [
    "ProgressDto",
    "ProposalDto",
    "optimise",
    "repair_absence",
    "repair_absences",
    "repair_forecast",
]
