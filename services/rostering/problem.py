"""The rostering problem and its answers as frozen DTOs (plain data in, plain data out).

A :class:`RosterProblemDto` holds the horizon, the shift types, the operators with their
contracts and skills, the requests, the cover requirements (optionally per skill), the locked
cells, a fairness goal and, for a repair, the roster to stay close to. The labour rules and the
penalty themselves live in :mod:`domain.rules.rostering`; a later ``store.py`` maps these DTOs
to shift assignments in the database.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from domain.errors import ValidationError, Violation
from domain.rules.rostering import OFF, Contract, CoverRequirement, Penalty, ShiftKind, ShiftRequest


@dataclass(frozen=True, slots=True)
class StaffDto:
    """An operator as the roster sees them: a contract and a set of skill codes."""

    id: str
    contract: Contract
    skills: frozenset[str] = frozenset()
    name: str = ""


@dataclass(frozen=True, slots=True)
class LockDto:
    """A cell the solver must keep: ``shift`` (or ``OFF``) for ``staff_id`` on ``day``."""

    staff_id: str
    day: int
    shift: str


class FairnessMeasure(enum.StrEnum):
    REQUESTS = "requests"  # weight of each operator's requests not granted
    WEEKENDS = "weekends"  # weekends worked
    SHIFTS = "shifts"  # shifts of the types in FairnessDto.shifts (e.g. nights)


@dataclass(frozen=True, slots=True)
class FairnessDto:
    """Fairness across operators: ``weight`` times the spread (max - min) of ``measure``."""

    weight: int
    measure: FairnessMeasure = FairnessMeasure.REQUESTS
    shifts: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class RosterDto:
    """A roster: for each operator id, one shift id or ``OFF`` ("") per day of the horizon."""

    lines: Mapping[str, tuple[str, ...]]

    def cell(self, staff_id: str, day: int) -> str:
        return self.lines[staff_id][day]

    def to_json(self) -> dict[str, list[str]]:
        return {k: list(v) for k, v in self.lines.items()}

    @classmethod
    def from_json(cls, data: Mapping[str, list[str]]) -> RosterDto:
        return cls({str(k): tuple(str(s) for s in v) for k, v in data.items()})


@dataclass(frozen=True, slots=True)
class RosterProblemDto:
    """Everything the solver and the checker need. Day 0 is a ``first_weekday`` (0 = Monday).

    ``reference`` and ``change_weight`` make a repair: each cell that differs from the reference
    roster costs ``change_weight``. ``previous`` maps an operator id to the shift they worked the
    day before day 0 (absent: off): its forbidden successors cannot be worked on day 0.
    """

    horizon: int
    shifts: tuple[ShiftKind, ...]
    staff: tuple[StaffDto, ...]
    requests: tuple[ShiftRequest, ...] = ()
    cover: tuple[CoverRequirement, ...] = ()
    locks: tuple[LockDto, ...] = ()
    fairness: FairnessDto | None = None
    reference: RosterDto | None = None
    change_weight: int = 0
    first_weekday: int = 0
    name: str = ""
    previous: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            where = f"roster problem {self.name}" if self.name else "roster problem"
            raise ValidationError(f"{where}: {problems[0]}", problems=problems)

    def shift_map(self) -> dict[str, ShiftKind]:
        return {s.id: s for s in self.shifts}

    def staff_ids(self) -> tuple[str, ...]:
        return tuple(e.id for e in self.staff)

    def skills(self) -> dict[str, frozenset[str]]:
        return {e.id: e.skills for e in self.staff}

    def previous_shift(self, staff_id: str) -> str:
        """The shift ``staff_id`` worked the day before day 0 (``OFF`` if none)."""
        return self.previous.get(staff_id, OFF)

    def forbidden_first(self, staff_id: str) -> frozenset[str]:
        """The shifts ``staff_id`` may not work on day 0 (minimum rest after the day before)."""
        kind = self.shift_map().get(self.previous_shift(staff_id))
        return frozenset() if kind is None else kind.forbidden_next

    def problems(self) -> list[str]:
        """What makes this problem ill-formed (empty when it is well-formed)."""
        out: list[str] = []
        if self.horizon < 1:
            out.append("the horizon must be at least one day")
        if not 0 <= self.first_weekday <= 6:
            out.append("first_weekday must be 0 (Monday) to 6 (Sunday)")
        shift_ids = [s.id for s in self.shifts]
        staff_ids = [e.id for e in self.staff]
        for kind, ids in (("shift", shift_ids), ("operator", staff_ids)):
            dup = sorted({i for i in ids if ids.count(i) > 1})
            if dup:
                out.append(f"{kind} id {dup[0]} is listed twice")
        known_shifts, known_staff = set(shift_ids), set(staff_ids)
        for s in self.shifts:
            for t in sorted(s.forbidden_next - known_shifts):
                out.append(f"shift {s.id} forbids an unknown shift {t}")
        for e in self.staff:
            for t in sorted(set(e.contract.max_shifts) - known_shifts):
                out.append(f"operator {e.id} has a limit for an unknown shift {t}")
            for d in sorted(e.contract.days_off | e.contract.excused_days):
                if not 0 <= d < self.horizon:
                    out.append(f"operator {e.id} has a day off outside the horizon: {d}")
        for sid, shift in sorted(self.previous.items()):
            if sid not in known_staff:
                out.append(f"previous shift of an unknown operator {sid}")
            elif shift != OFF and shift not in known_shifts:
                out.append(f"previous shift of {sid}: unknown shift {shift}")
        refs: list[tuple[str, str | None, int, str]] = [
            (f"request of {r.staff_id}", r.staff_id, r.day, r.shift) for r in self.requests
        ]
        refs += [(f"cover row for day {c.day}", None, c.day, c.shift) for c in self.cover]
        refs += [(f"lock of {k.staff_id}", k.staff_id, k.day, k.shift) for k in self.locks]
        for what, staff_id, day, shift in refs:
            if staff_id is not None and staff_id not in known_staff:
                out.append(f"{what}: unknown operator")
            if not 0 <= day < self.horizon:
                out.append(f"{what}: day {day} is outside the horizon")
            if shift != OFF and shift not in known_shifts:
                out.append(f"{what}: unknown shift {shift}")
        if any(c.requirement < 0 or c.under_weight < 0 or c.over_weight < 0 for c in self.cover):
            out.append("cover requirements and weights cannot be negative")
        if any(r.weight < 0 for r in self.requests):
            out.append("request weights cannot be negative")
        if self.change_weight < 0 or (self.fairness is not None and self.fairness.weight < 0):
            out.append("weights cannot be negative")
        if self.reference is not None:
            for sid in staff_ids:
                line = self.reference.lines.get(sid)
                if line is not None and len(line) != self.horizon:
                    out.append(f"reference roster of {sid} does not cover the horizon")
        return out


class SolveStatus(enum.StrEnum):
    OPTIMAL = "optimal"  # proven best
    FEASIBLE = "feasible"  # a valid roster, not proven best (time limit or cancelled)
    INFEASIBLE = "infeasible"  # proven: no roster satisfies the hard rules
    UNKNOWN = "unknown"  # no roster found in the time given
    INVALID = "invalid"  # the solver's roster was rejected by the checker (a bug)


@dataclass(frozen=True, slots=True)
class SolveOptionsDto:
    """How to solve: ``strategy`` is ``"lns"`` (neighbourhood search plus whole-model CP-SAT
    runs on one worker for at most ``bound_share`` of the time) or ``"cpsat"`` (CP-SAT alone
    on the whole model);
    ``hint`` is a roster to start from (its valid lines are kept as the first roster)."""

    time_limit: float = 30.0
    workers: int = 2
    seed: int = 0
    hint: RosterDto | None = None
    strategy: str = "lns"
    bound_share: float = 1.0
    log_search: bool = False

    def __post_init__(self) -> None:
        if self.time_limit <= 0 or self.workers < 1:
            raise ValidationError("the time limit and the number of workers must be positive")
        if self.strategy not in ("lns", "cpsat"):
            raise ValidationError(f"unknown strategy {self.strategy!r} (lns or cpsat)")
        if not 0.0 <= self.bound_share <= 1.0:
            raise ValidationError("bound_share is a fraction of the time limit (0 to 1)")


@dataclass(frozen=True, slots=True)
class ProgressDto:
    """An improving solution found during the search (the model's objective, not yet checked)."""

    objective: int
    lower_bound: float
    seconds: float
    solutions: int
    roster: RosterDto


@dataclass(frozen=True, slots=True)
class CheckReportDto:
    """What the independent checker found: hard-rule violations and the recomputed objective."""

    violations: tuple[Violation, ...]
    penalty: Penalty
    fairness: int = 0
    changes: int = 0
    objective: int = 0

    @property
    def valid(self) -> bool:
        return not self.violations


@dataclass(frozen=True, slots=True)
class SolveResultDto:
    status: SolveStatus
    objective: int | None  # recomputed by the checker (penalty + fairness + changes)
    lower_bound: float | None
    solve_seconds: float
    roster: RosterDto | None
    report: CheckReportDto | None = None
    solutions: int = 0
    cancelled: bool = False
    detail: dict[str, object] = field(default_factory=dict)

    @property
    def penalty(self) -> int | None:
        """The benchmark's penalty alone (requests and cover)."""
        return None if self.report is None else self.report.penalty.total


@dataclass(frozen=True, slots=True)
class AbsenceDto:
    """An operator who will not work on ``days`` (recorded or forecast absence)."""

    staff_id: str
    days: frozenset[int]
    reason: str = ""


@dataclass(frozen=True, slots=True)
class CellChangeDto:
    """One cell of the roster that a repair proposes to change. ``forced``: the absence itself."""

    staff_id: str
    day: int
    before: str
    after: str
    forced: bool = False


@dataclass(frozen=True, slots=True)
class RepairResultDto:
    result: SolveResultDto
    changes: tuple[CellChangeDto, ...]

    @property
    def voluntary_changes(self) -> tuple[CellChangeDto, ...]:
        """The changes beyond those the absence forces."""
        return tuple(c for c in self.changes if not c.forced)
