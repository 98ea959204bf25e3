"""Repair on breakdown: what a machine going down does to a plan, and the plan around it.

A breakdown is a window in which one work centre cannot run (from now for an expected
downtime). The scenario's plan is re-solved in repair mode (stay close to it) with that window
added to the work centre's calendar in memory only; the result is saved as a new draft scenario
and described as a diff: which entries move, from where to where.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from domain.model.planning import ScheduleEntry
from domain.model.plant import CalendarKind
from services.scheduling.plant_problem import PlantProblem

BREAKDOWN_HOURS = 4.0  # expected downtime when nobody says how long the machine is down


@dataclass(frozen=True, slots=True)
class Breakdown:
    """A machine that is down, and the entries of a plan it hits."""

    machine_id: str
    machine_name: str
    work_centre_id: str
    start: datetime
    until: datetime
    affected: tuple[str, ...]  # operation ids planned on the work centre in the window

    @property
    def text(self) -> str:
        n = len(self.affected)
        return f"{self.machine_name} broke down: {n} operation{'s' if n != 1 else ''} affected"


@dataclass(frozen=True, slots=True)
class EntryChange:
    """One entry the repair moves."""

    operation_id: str
    work_order_id: str
    old_start: datetime
    old_work_centre_id: str
    new_start: datetime
    new_work_centre_id: str


@dataclass(frozen=True, slots=True)
class RepairResult:
    scenario_id: str  # the new draft scenario
    from_scenario_id: str
    breakdown: Breakdown
    changes: tuple[EntryChange, ...]
    unchanged: int  # entries of the old plan the repair left where they were


def default_until(start: datetime, hours: float = BREAKDOWN_HOURS) -> datetime:
    return start.replace(second=0, microsecond=0) + timedelta(hours=hours)


def affected_entries(
    entries: Iterable[ScheduleEntry], work_centre_id: str, start: datetime, until: datetime
) -> list[ScheduleEntry]:
    """The entries on the work centre that overlap ``[start, until)``."""
    return sorted(
        (
            e
            for e in entries
            if e.work_centre_id == work_centre_id and e.start < until and start < e.end
        ),
        key=lambda e: e.start,
    )


def with_unavailable(
    plant: PlantProblem, work_centre_id: str, start: datetime, until: datetime
) -> PlantProblem:
    """``plant`` with the work centre unavailable in ``[start, until)`` (in memory only)."""
    m = plant.machine_index.get(work_centre_id)
    if m is None or until <= start:
        return plant
    machines = list(plant.problem.machines)
    machine = machines[m]
    window = (plant.minutes(start), plant.minutes(until) + (1 if until.second else 0))
    kinds = machine.kinds
    if len(kinds) < len(machine.unavailable):
        missing = len(machine.unavailable) - len(kinds)
        kinds = (*kinds, *[CalendarKind.MAINTENANCE.value] * missing)
    machines[m] = replace(
        machine,
        unavailable=(*machine.unavailable, window),
        kinds=(*kinds, CalendarKind.BREAKDOWN.value),
    )
    return replace(plant, problem=replace(plant.problem, machines=tuple(machines)))


def diff(
    old: Sequence[ScheduleEntry], new: Sequence[ScheduleEntry]
) -> tuple[list[EntryChange], int]:
    """The entries whose start or work centre differ between two plans, and how many kept
    their place (operations in only one of the plans are left out)."""
    after = {e.operation_id: e for e in new}
    changes: list[EntryChange] = []
    unchanged = 0
    for e in old:
        n = after.get(e.operation_id)
        if n is None:
            continue
        if n.start == e.start and n.work_centre_id == e.work_centre_id:
            unchanged += 1
            continue
        changes.append(
            EntryChange(
                e.operation_id,
                e.work_order_id,
                e.start,
                e.work_centre_id,
                n.start,
                n.work_centre_id,
            )
        )
    changes.sort(key=lambda c: (c.old_start, c.operation_id))
    return changes, unchanged
