"""The frozen horizon: the hours after now in which the plan no longer changes.

A site setting (``planning.frozen_hours`` in the settings table, 4 hours unless set) read by
:class:`~services.scheduling.scenarios.ScenarioService`. Operations that start before
``now + frozen hours`` stay where they are in any optimise, and a hand move into or out of the
window is refused with the rule (code ``frozen``). The rule itself (``check_frozen``,
``frozen_until``) is in :mod:`domain.rules.scheduling`, so that the Gantt's drag check and the
service's move check give the same answer.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from domain.model.planning import ScheduleEntry
from services.operations.site_settings import read_settings
from services.scheduling.checker import check_schedule
from services.scheduling.metrics import compute_metrics
from services.scheduling.plant_problem import PlantProblem
from services.scheduling.problem import (
    AssignmentDto,
    PinDto,
    ProblemDto,
    SolutionDto,
    SolveStatus,
)

FROZEN_HOURS_KEY = "planning.frozen_hours"
DEFAULT_FROZEN_HOURS = 4.0
MAX_FROZEN_HOURS = 24.0 * 14


def parse_frozen_hours(value: Any) -> float:
    """A stored setting as hours (a bad or missing value falls back to the default)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return DEFAULT_FROZEN_HOURS
    try:
        hours = float(value)
    except ValueError:
        return DEFAULT_FROZEN_HOURS
    if not math.isfinite(hours) or hours < 0:
        return DEFAULT_FROZEN_HOURS
    return min(hours, MAX_FROZEN_HOURS)


def read_frozen_hours(conn: Connection) -> float:
    return parse_frozen_hours(read_settings(conn, [FROZEN_HOURS_KEY]).get(FROZEN_HOURS_KEY))


def freeze_entries(
    plant: PlantProblem, entries: Iterable[ScheduleEntry], until: datetime | None
) -> PlantProblem:
    """``plant`` with every entry that starts before ``until`` pinned where it is (with its
    operator), on top of the pins it has."""
    if until is None:
        return plant
    problem = plant.problem
    pinned = {p.op for p in problem.pins}
    people = {p.id: k for k, p in enumerate(problem.operators)}
    extra: list[PinDto] = []
    for e in entries:
        ref = plant.op_index.get(e.operation_id)
        m = plant.machine_index.get(e.work_centre_id)
        if ref is None or m is None or ref in pinned or e.start >= until:
            continue
        operator = None if e.operator_id is None else people.get(e.operator_id)
        extra.append(PinDto(op=ref, machine=m, start=plant.minutes(e.start), operator=operator))
        pinned.add(ref)
    if not extra:
        return plant
    return replace(plant, problem=replace(problem, pins=(*problem.pins, *extra)))


def plan_stands(
    problem: ProblemDto, plan: Sequence[AssignmentDto], failed: SolutionDto
) -> SolutionDto | None:
    """When a solve with the frozen horizon finds no plan in time, the plan it started from
    stands if it still keeps every rule and pin of ``problem`` (None: it does not)."""
    if not plan or check_schedule(problem, plan):
        return None
    return replace(
        failed,
        status=SolveStatus.FEASIBLE,
        assignments=tuple(plan),
        objective=None,
        bound=None,
        metrics=compute_metrics(problem, plan, plan),
    )
