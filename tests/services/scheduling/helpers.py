"""Small problems written out by hand."""

from __future__ import annotations

from services.scheduling.problem import JobDto, MachineDto, ModeDto, OperationDto, ProblemDto


def op(
    *modes: tuple[int, int], family: str | None = None, skill: str | None = None
) -> OperationDto:
    return OperationDto(modes=tuple(ModeDto(m, d) for m, d in modes), family=family, skill=skill)


def job(*ops: OperationDto, release: int = 0, due: int | None = None, weight: int = 1) -> JobDto:
    return JobDto(operations=ops, release=release, due=due, weight=weight)


def problem(machines: int, *jobs: JobDto, **kw: object) -> ProblemDto:
    return ProblemDto(
        name="hand",
        machines=tuple(MachineDto(id=f"M{m}") for m in range(machines)),
        jobs=jobs,
        **kw,  # type: ignore[arg-type]
    )
