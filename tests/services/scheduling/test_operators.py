"""People and machines in one plan on the demo plant: every operation that needs a skill gets an
operator who holds it (at the operation's level, certified) and is on shift for the whole run;
a hand move keeps or changes the operator, or is refused naming the operator rule."""

from __future__ import annotations

from datetime import UTC, date, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from domain.errors import RuleViolation, ValidationError
from domain.model.people import OperatorSkill
from domain.rules.scheduling import (
    PlannedOperation,
    assign_operator,
    bars_by_operator,
    check_move,
    check_operators,
    shift_windows,
)
from services.persistence.tables import work
from services.scheduling.checker import check_schedule
from services.scheduling.plant_problem import (
    held_skills,
    read_plant_problem,
    skill_key,
    unstaffed,
)
from services.scheduling.problem import (
    JobDto,
    MachineDto,
    ModeDto,
    OperationDto,
    OperatorDto,
    ProblemDto,
)
from services.scheduling.scenarios import ScenarioService
from tests.conftest import NOW


@pytest.fixture
def app(demo_sqlite_url: str, make_app: Any) -> Any:
    return make_app(demo_sqlite_url)


def _people(app: Any) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The database's own operators, operations and on-shift windows (not the solver's)."""
    with app.uow(app.actor()) as uow:
        operators = {o.id: o for o in uow.repos.operators.list()}
        operations = {o.id: o for o in uow.repos.operations.list()}
        shifts = {s.id: s for s in uow.repos.shifts.list()}
        windows = shift_windows(uow.repos.shift_assignments.list(), shifts, UTC)
    return operators, operations, windows


def _bar(e: Any) -> PlannedOperation:
    return PlannedOperation(
        e.operation_id, e.work_order_id, e.work_centre_id, e.start, e.end, e.operator_id
    )


def test_skill_levels_and_certifications_become_solver_skills() -> None:
    welder = OperatorSkill("welding", "Welding", 3, certification_expiry=date(2026, 12, 1))
    assert skill_key("welding") == "welding"
    assert skill_key("welding", 3) == "welding@3"
    assert held_skills([welder], date(2026, 11, 30)) == {"welding", "welding@2", "welding@3"}
    assert "welding@4" not in held_skills([welder], None)
    # a certificate that runs out before the person's last shift: not offered to the solver
    assert held_skills([welder], date(2026, 12, 2)) == frozenset()


def test_the_demo_plant_with_operators_has_a_plan_with_a_qualified_operator_on_shift(
    app: Any,
) -> None:
    with app.uow(app.actor()) as uow:
        pp = read_plant_problem(uow, now=NOW, with_operators=True)
    problem = pp.problem
    skilled = [op for job in problem.jobs for op in job.operations if op.skill is not None]
    assert problem.operators
    assert len(skilled) > 100
    assert any("@" in op.skill for op in skilled if op.skill)  # minimum levels are modelled
    assert unstaffed(problem) == []  # every step fits a shift of someone who may run it
    service = ScenarioService(app, with_operators=True)
    actor = app.actor("planner")
    sid = service.initial_plan(actor)  # the greedy plan (the Gantt's first plan)
    view = service.view(actor, sid)
    assert len(view.entries) == problem.operation_count
    assert not check_schedule(view.plant.problem, view.plant.assignments(view.entries))
    operators, operations, windows = _people(app)
    for e in view.entries:
        if operations[e.operation_id].required_skill is not None:
            assert e.operator_id is not None, e.operation_id
    # the domain's own check with the real skills, levels, certificates and roster
    assert check_operators([_bar(e) for e in view.entries], operations, operators, windows) == []
    # the optimiser plans people too (a short limit: its first plans come within a second)
    result = service.optimise(actor, time_limit=3, workers=1)
    plan = result.solution.assignments
    assert len(plan) == problem.operation_count
    assert not check_schedule(result.plant.problem, plan)
    assert all(a.operator is not None for a in plan if result.plant.problem.operation(a.ref).skill)


def test_a_move_takes_an_operator_on_shift_or_is_refused_naming_the_operator_rule(
    app: Any,
) -> None:
    service = ScenarioService(app, with_operators=True)
    actor = app.actor("planner")
    service.set_frozen_hours(actor, 0)  # operator rules only: no frozen horizon after now
    sid = service.initial_plan(actor)
    view = service.view(actor, sid)
    rules = view.plant.rules(view.entries)
    bars = [_bar(e) for e in view.entries]
    busy = bars_by_operator(bars)
    _, _, windows = _people(app)
    roster_end = max(e for spans in windows.values() for _, e in spans)
    last_of_order = {}
    for e in sorted(view.entries, key=lambda e: e.start):
        last_of_order[e.work_order_id] = e
    candidates = [e for e in last_of_order.values() if e.operator_id is not None]
    assert candidates

    # after the last published shift nobody is on shift: refused, the operator rule named
    e = candidates[0]
    late = (roster_end + timedelta(days=1)).replace(minute=0)
    with pytest.raises(RuleViolation) as exc:
        service.move(actor, sid, e.operation_id, start=late, expected_version=1)
    assert "operator_shift" in {v.code for v in exc.value.violations}
    assert "is not on shift" in str(exc.value)
    stored = {x.operation_id: x for x in service.entries(actor, sid)}
    assert (stored[e.operation_id].start, stored[e.operation_id].version) == (e.start, 1)

    # a place where the bar's own operator is off shift but a colleague is on: the move is
    # accepted and the colleague runs it
    for e in candidates:
        own = windows[e.operator_id]
        for hours in range(2, 24 * 6):
            start = e.start + timedelta(hours=hours)
            moved = PlannedOperation(
                e.operation_id,
                e.work_order_id,
                e.work_centre_id,
                start,
                start + (e.end - e.start),
                e.operator_id,
            )
            if any(s <= moved.start and moved.end <= t for s, t in own):
                continue
            picked = assign_operator(rules, moved, busy)
            if picked.operator_id != e.operator_id and not check_move(bars, picked, rules):
                result = service.move(actor, sid, e.operation_id, start=start)
                assert result.after.operator_id == picked.operator_id
                assert result.before.operator_id == e.operator_id
                spans = windows[picked.operator_id]
                assert any(s <= start and moved.end <= t for s, t in spans)
                stored = {x.operation_id: x for x in service.entries(actor, sid)}
                assert stored[e.operation_id].operator_id == picked.operator_id
                after = service.view(actor, sid)
                assert not check_schedule(
                    after.plant.problem, after.plant.assignments(after.entries)
                )
                return
    raise AssertionError("no move to a colleague's shift found")


def test_without_operators_a_move_leaves_the_operator_unchecked(app: Any) -> None:
    service = ScenarioService(app, with_operators=True)
    actor = app.actor("planner")
    sid = service.initial_plan(actor)
    plain = ScenarioService(app, with_operators=False)
    view = plain.view(actor, sid)
    e = max(view.entries, key=lambda e: e.end)
    start = e.start + timedelta(days=30)  # after the roster: only operators could object
    assert e.operator_id is not None
    result = plain.move(actor, sid, e.operation_id, start=start)
    assert result.after.start == start
    assert result.after.operator_id == e.operator_id  # kept, though nobody is rostered then


def test_operations_nobody_can_staff_are_named() -> None:
    def op(oid: str, skill: str | None, minutes: int) -> OperationDto:
        return OperationDto(modes=(ModeDto(0, minutes),), id=oid, skill=skill)

    problem = ProblemDto(
        name="p",
        machines=(MachineDto("M"),),
        jobs=(
            JobDto(
                operations=(
                    op("fits", "weld", 400),
                    op("too-long", "weld", 500),
                    op("nobody", "paint", 10),
                    op("free", None, 900),
                ),
            ),
        ),
        operators=(
            OperatorDto("A", frozenset({"weld"}), ((0, 480), (1440, 1920))),
            OperatorDto("B", frozenset({"weld@2"}), None),  # another level: not a holder
        ),
    )
    assert unstaffed(problem) == [("too-long", "weld", 500), ("nobody", "paint", 10)]


def test_a_first_plan_that_cannot_be_staffed_says_which_operation(app: Any) -> None:
    with app.uow(app.actor()) as uow:
        pp = read_plant_problem(uow, now=NOW, with_operators=True)
    op_id = next(op.id for j in pp.problem.jobs for op in j.operations if op.skill)
    with app.engine.begin() as conn:  # a step longer than any shift
        conn.execute(
            update(work.operations)
            .where(work.operations.c.id == op_id)
            .values(duration_minutes=720, alternatives=[])
        )
    with pytest.raises(ValidationError) as exc:
        ScenarioService(app, with_operators=True).draft(app.actor("planner"))
    assert op_id in str(exc.value)
    assert "720 min" in str(exc.value)
