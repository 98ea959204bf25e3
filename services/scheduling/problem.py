"""The scheduling problem and its solution as plain frozen DTOs (no OR-Tools, no database).

Time is an integer number of units (minutes for plant problems, the file's units for the
classical instances) counted from ``ProblemDto.origin``. Jobs are work orders; each job's
operations run in routing order (finish-to-start, no lag). Jobs, operations, machines and
operators are numbered from 0 in the order they are given, as in the instance files.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from domain.model.work import DependencyType

Window = tuple[int, int]
"""A half-open time window ``[start, end)``."""

OpRef = tuple[int, int]
"""An operation as ``(job index, operation index within the job)``."""


@dataclass(frozen=True, slots=True)
class ModeDto:
    """One way to run an operation: on ``machine`` for ``duration`` units at ``cost``."""

    machine: int
    duration: int
    cost: int = 0


@dataclass(frozen=True, slots=True)
class OperationDto:
    """A routing step; ``modes`` lists the eligible machines (one mode: not flexible)."""

    modes: tuple[ModeDto, ...]
    id: str = ""
    family: str | None = None  # setup family (product family) for sequence-dependent setups
    skill: str | None = None  # needs one operator with this skill on shift for its whole run


@dataclass(frozen=True, slots=True)
class JobDto:
    """A work order: its routing, release date, due date and tardiness weight."""

    operations: tuple[OperationDto, ...]
    id: str = ""
    release: int = 0
    due: int | None = None
    weight: int = 1


@dataclass(frozen=True, slots=True)
class LinkDto:
    """A precedence beyond the routing, e.g. a work-order dependency, with a lag (may be 0)."""

    before: OpRef
    after: OpRef
    kind: DependencyType = DependencyType.FINISH_TO_START
    lag: int = 0


@dataclass(frozen=True, slots=True)
class MachineDto:
    """A work centre; ``unavailable`` holds its off-shift, break and maintenance windows
    (``kinds``, when given, says which is which: a ``CalendarKind`` value per window)."""

    id: str
    line: str | None = None
    unavailable: tuple[Window, ...] = ()
    kinds: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SetupDto:
    """Changing ``machine`` over from one setup family to another takes ``minutes`` units."""

    machine: int
    from_family: str
    to_family: str
    minutes: int


@dataclass(frozen=True, slots=True)
class OperatorDto:
    """A person: skills and on-shift windows (``None``: always available)."""

    id: str
    skills: frozenset[str]
    shifts: tuple[Window, ...] | None = None


@dataclass(frozen=True, slots=True)
class PinDto:
    """An operation the planner fixed: this machine, this start (and this operator, if set)."""

    op: OpRef
    machine: int
    start: int
    operator: int | None = None


@dataclass(frozen=True, slots=True)
class ProblemDto:
    name: str
    machines: tuple[MachineDto, ...]
    jobs: tuple[JobDto, ...]
    links: tuple[LinkDto, ...] = ()
    setups: tuple[SetupDto, ...] = ()
    operators: tuple[OperatorDto, ...] = ()
    pins: tuple[PinDto, ...] = ()
    now: int = 0  # nothing that is not pinned may start before "now"
    origin: datetime | None = None  # the wall-clock time of t = 0 (plant problems)
    time_unit: str = "minute"

    @property
    def operation_count(self) -> int:
        return sum(len(j.operations) for j in self.jobs)

    def operation(self, ref: OpRef) -> OperationDto:
        return self.jobs[ref[0]].operations[ref[1]]

    def refs(self) -> list[OpRef]:
        return [(j, o) for j, job in enumerate(self.jobs) for o in range(len(job.operations))]

    def setup_table(self) -> dict[tuple[int, str, str], int]:
        return {(s.machine, s.from_family, s.to_family): s.minutes for s in self.setups}


class Objective(enum.StrEnum):
    MAKESPAN = "makespan"
    TARDINESS = "tardiness"
    SETUP = "setup"
    WEIGHTED = "weighted"


@dataclass(frozen=True, slots=True)
class ObjectiveWeights:
    """The weighted combination a planner picks; the single objectives are special cases."""

    makespan: int = 1
    tardiness: int = 0  # times the weighted tardiness (sum of job weight x lateness)
    setup: int = 0  # times the total setup time
    cost: int = 0  # times the summed mode costs

    @classmethod
    def of(cls, objective: Objective | str) -> ObjectiveWeights:
        kind = Objective(objective)
        if kind is Objective.MAKESPAN:
            return cls(makespan=1)
        if kind is Objective.TARDINESS:
            return cls(makespan=0, tardiness=1)
        if kind is Objective.SETUP:
            return cls(makespan=0, setup=1)
        return cls(makespan=1, tardiness=1, setup=1)

    @property
    def makespan_only(self) -> bool:
        return self.makespan > 0 and not (self.tardiness or self.setup or self.cost)


@dataclass(frozen=True, slots=True)
class AssignmentDto:
    """Where and when one operation runs in a plan; ``setup`` is the changeover before it."""

    job: int
    op: int
    machine: int
    start: int
    end: int
    operator: int | None = None
    setup: int = 0

    @property
    def ref(self) -> OpRef:
        return (self.job, self.op)


class SolveStatus(enum.StrEnum):
    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    UNKNOWN = "unknown"  # no plan found within the time limit (or cancelled before one)
    INVALID = "model_invalid"


@dataclass(frozen=True, slots=True)
class MetricsDto:
    """What planners compare scenarios by."""

    makespan: int
    weighted_tardiness: int
    late_jobs: int
    total_setup: int
    total_cost: int
    utilisation: float  # busy time / (machines x makespan window), 0..1
    changes: int = 0  # operations moved or re-routed against the previous plan


@dataclass(frozen=True, slots=True)
class ProgressDto:
    """One improving solution as the solver reports it."""

    objective: float
    bound: float
    gap: float  # relative: (objective - bound) / max(|objective|, 1)
    elapsed: float  # seconds since the solve started


@dataclass(frozen=True, slots=True)
class SolutionDto:
    status: SolveStatus
    assignments: tuple[AssignmentDto, ...]
    objective: float | None = None
    bound: float | None = None
    metrics: MetricsDto | None = None
    makespan_lower_bound: int | None = None
    solve_seconds: float = 0.0
    first_solution_seconds: float | None = None
    cancelled: bool = False
    progress: tuple[ProgressDto, ...] = field(default=())

    @property
    def has_plan(self) -> bool:
        return bool(self.assignments)

    @property
    def makespan(self) -> int | None:
        return max((a.end for a in self.assignments), default=None) if self.assignments else None
