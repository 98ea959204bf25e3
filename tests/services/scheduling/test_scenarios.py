"""The plant in the database as a problem, scenarios saved, moved, pinned, compared, released:
on the demo plant, on SQLite and on PostgreSQL."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from domain.errors import ConcurrentEdit, PermissionDenied, RuleViolation, ValidationError
from domain.model.planning import ScenarioStatus, ScheduleEntry
from domain.model.work import DependencyType, OperationStatus
from domain.rules.scheduling import PlannedOperation, check_plan, snap_start
from services.persistence.tables import plant as plant_t
from services.persistence.tables import system, work
from services.scheduling import scenarios as scenarios_module
from services.scheduling.checker import check_schedule
from services.scheduling.plant_problem import read_plant_problem
from services.scheduling.scenarios import (
    PlanView,
    ScenarioService,
    assign_operator,
    bars_by_operator,
)
from tests.conftest import NOW


@pytest.fixture(params=["sqlite", "postgres"])
def demo_url(request: pytest.FixtureRequest) -> str:
    name = "demo_sqlite_url" if request.param == "sqlite" else "demo_pg_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def app(demo_url: str, make_app: Any) -> Any:
    return make_app(demo_url)


def _bars(entries: Any) -> list[PlannedOperation]:
    return [
        PlannedOperation(
            e.operation_id, e.work_order_id, e.work_centre_id, e.start, e.end, e.operator_id
        )
        for e in entries
    ]


def _count(app: Any, table: Any, *where: Any) -> int:
    with app.engine.connect() as conn:
        stmt = select(func.count()).select_from(table)
        for w in where:
            stmt = stmt.where(w)
        return int(conn.execute(stmt).scalar_one())


def test_the_plant_becomes_a_problem_with_ids_that_map_back(app: Any) -> None:
    with app.uow(app.actor()) as uow:
        pp = read_plant_problem(uow, now=NOW)
    problem = pp.problem
    open_ops = _count(
        app,
        work.operations,
        work.operations.c.status.in_(["planned", "released", "running", "paused"]),
    )
    assert problem.operation_count == open_ops > 0
    assert problem.origin == NOW
    assert problem.now == 0
    assert len(problem.machines) == _count(app, plant_t.work_centres)
    lines = [m.line or "" for m in problem.machines]
    assert lines == sorted(lines)  # rows grouped by line
    for op_id, ref in pp.op_index.items():
        assert problem.operation(ref).id == op_id
    for wc, m in pp.machine_index.items():
        assert problem.machines[m].id == wc
    # alternatives come with the substitution's time factor
    with app.engine.connect() as conn:
        subs = {
            (r.work_centre_id, r.substitute_id): r.time_factor
            for r in conn.execute(select(plant_t.work_centre_substitutions))
        }
        ops = conn.execute(select(work.operations)).mappings().all()
    checked = 0
    for o in ops:
        if o["id"] not in pp.op_index:
            continue
        assert pp.duration_on(o["id"], o["work_centre_id"]) == o["duration_minutes"]
        for alt in o["alternatives"]:
            factor = subs.get((o["work_centre_id"], alt), 1.0)
            expected = max(1, math.ceil(o["duration_minutes"] * factor))
            assert pp.duration_on(o["id"], alt) == expected
            checked += 1
    assert checked > 0
    # dependencies become links of the right shape
    assert problem.links
    for link in problem.links:
        (pj, po), (_sj, so) = link.before, link.after
        if link.kind is DependencyType.FINISH_TO_START:
            assert po == len(problem.jobs[pj].operations) - 1
            assert so == 0
    # calendar windows that reach past now are there, clipped at now
    assert any(m.unavailable for m in problem.machines)
    assert all(s >= 0 and e > s for m in problem.machines for s, e in m.unavailable)


def test_a_draft_the_checker_rejects_is_refused_and_not_saved(
    demo_sqlite_url: str, make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(demo_sqlite_url)
    service = ScenarioService(app)
    actor = app.actor("planner")
    draft = service.draft(actor)  # the demo plant's greedy plan passes the checker
    assert not check_schedule(draft.plant.problem, draft.solution.assignments)
    assert _count(app, system.scheduling_scenarios) == 0
    real = scenarios_module.greedy_schedule

    def overlapping(*args: Any, **kwargs: Any) -> Any:
        """The greedy plan with its second operation of a job started with the first."""
        result = real(*args, **kwargs)
        plan = list(result.assignments)
        first = next(a for a in plan if a.op == 0 and any(b.job == a.job for b in plan if b.op))
        i = next(i for i, b in enumerate(plan) if b.job == first.job and b.op == 1)
        plan[i] = replace(plan[i], start=first.start, end=first.start + plan[i].end - plan[i].start)
        return replace(result, assignments=tuple(plan))

    monkeypatch.setattr(scenarios_module, "greedy_schedule", overlapping)
    with pytest.raises(ValidationError, match=r"the first plan breaks \d+ rule\(s\)") as caught:
        service.draft(actor)
    assert caught.value.code == "draft_invalid"
    assert caught.value.details["violations"]
    with pytest.raises(ValidationError):
        service.initial_plan(actor)
    assert _count(app, system.scheduling_scenarios) == 0


def test_initial_plan_is_saved_with_entries_a_run_row_audit_and_event(app: Any) -> None:
    service = ScenarioService(app)
    actor = app.actor("planner")
    sid = service.initial_plan(actor)
    view = service.view(actor)
    assert view.scenario is not None
    assert view.scenario.id == sid
    assert view.scenario.status is ScenarioStatus.DRAFT
    assert len(view.entries) == view.plant.problem.operation_count
    assert not check_schedule(view.plant.problem, view.plant.assignments(view.entries))
    assert not check_plan(_bars(view.entries), view.plant.rules(view.entries))
    assert view.scenario.metrics["makespan"] > 0
    assert _count(app, system.optimisation_runs, system.optimisation_runs.c.kind == "schedule") == 1
    assert _count(app, system.audit_log, system.audit_log.c.action == "scenario.save") == 1
    assert _count(app, system.change_events, system.change_events.c.topic == "schedule") == 1
    # late work orders are the ones whose last entry ends after the due date
    for wo in view.late:
        end = max(e.end for e in view.entries if e.work_order_id == wo)
        assert end > view.plant.work_orders[wo].due


def _movable(view: PlanView) -> tuple[ScheduleEntry, Any]:
    """An entry and a valid new start for it a few hours later (found by the domain's snap)."""
    rules = view.plant.rules(view.entries)
    bars = _bars(view.entries)
    busy = bars_by_operator(bars)
    for e in sorted(view.entries, key=lambda e: e.end, reverse=True):
        shifted = PlannedOperation(
            e.operation_id,
            e.work_order_id,
            e.work_centre_id,
            e.start + timedelta(hours=6),
            e.end + timedelta(hours=6),
            e.operator_id,
        )

        def make(bar: Any, at: Any, e: ScheduleEntry = e) -> PlannedOperation:
            placed = replace(bar, start=at, end=at + (e.end - e.start), operator_id=e.operator_id)
            return assign_operator(rules, placed, busy)  # as the service does on a move

        start = snap_start(bars, shifted, rules, search=timedelta(hours=12), make=make)
        if start is not None and start != e.start:
            return e, start
    raise AssertionError("no entry can move")


def test_a_valid_move_is_saved_and_audited(app: Any) -> None:
    service = ScenarioService(app)
    actor = app.actor("planner")
    sid = service.initial_plan(actor)
    view = service.view(actor, sid)
    entry, start = _movable(view)
    result = service.move(actor, sid, entry.operation_id, start=start, expected_version=1)
    assert result.after.start == start
    assert result.before.start == entry.start
    assert result.after.end - result.after.start == entry.end - entry.start
    stored = {e.operation_id: e for e in service.entries(actor, sid)}[entry.operation_id]
    assert stored.start == start
    assert stored.version == 2
    assert _count(app, system.audit_log, system.audit_log.c.action == "schedule_entry.move") == 1
    events = _count(app, system.change_events, system.change_events.c.kind == "entry_moved")
    assert events == 1
    # a stale version is refused
    with pytest.raises(ConcurrentEdit):
        service.move(actor, sid, entry.operation_id, start=entry.start, expected_version=1)
    # moving back (undo) is a move like any other
    back = service.move(actor, sid, entry.operation_id, start=entry.start, expected_version=2)
    assert back.after.start == entry.start


def test_invalid_moves_are_refused_with_the_rule_and_nothing_is_written(app: Any) -> None:
    service = ScenarioService(app)
    actor = app.actor("planner")
    sid = service.initial_plan(actor)
    view = service.view(actor, sid)
    audits = _count(app, system.audit_log)
    plant = view.plant
    # eligibility: a work centre the operation cannot run on
    entry = view.entries[0]
    eligible = set(plant.eligible(entry.operation_id))
    other = next(c.id for c in plant.work_centres if c.id not in eligible)
    with pytest.raises(RuleViolation) as exc:
        service.move(actor, sid, entry.operation_id, start=entry.start, work_centre_id=other)
    assert exc.value.violations[0].code == "eligibility"
    assert other in exc.value.violations[0].message
    # overlap: onto another entry of the same work centre
    same_wc = sorted(
        (e for e in view.entries if e.work_centre_id == entry.work_centre_id), key=lambda e: e.start
    )
    a, b = same_wc[0], same_wc[1]
    with pytest.raises(RuleViolation) as exc:
        service.move(actor, sid, b.operation_id, start=a.start)
    assert "overlap" in {v.code for v in exc.value.violations}
    # the past
    with pytest.raises(RuleViolation) as exc:
        service.move(actor, sid, a.operation_id, start=NOW - timedelta(days=1))
    assert "before_now" in {v.code for v in exc.value.violations}
    stored = {e.operation_id: e for e in service.entries(actor, sid)}
    assert stored[entry.operation_id].work_centre_id == entry.work_centre_id
    assert stored[b.operation_id].start == b.start
    assert stored[b.operation_id].version == 1
    assert _count(app, system.audit_log) == audits
    # a viewer may not move anything
    with pytest.raises(PermissionDenied):
        service.move(app.actor("viewer"), sid, a.operation_id, start=a.start)


def test_pinned_entries_stay_put_until_unpinned(app: Any) -> None:
    service = ScenarioService(app)
    actor = app.actor("planner")
    sid = service.initial_plan(actor)
    view = service.view(actor, sid)
    entry, start = _movable(view)
    pinned = service.set_pinned(actor, sid, entry.operation_id, True)
    assert pinned.pinned
    with pytest.raises(RuleViolation) as exc:
        service.move(actor, sid, entry.operation_id, start=start)
    assert exc.value.violations[0].code == "pinned"
    view = service.view(actor, sid)
    assert len(view.plant.problem.pins) == 1  # the solver keeps it too
    service.set_pinned(actor, sid, entry.operation_id, False)
    assert service.move(actor, sid, entry.operation_id, start=start).after.start == start


def test_optimise_save_compare_and_release(app: Any) -> None:
    service = ScenarioService(app)
    actor = app.actor("planner")
    first = service.initial_plan(actor)
    progress: list[Any] = []
    result = service.optimise(actor, time_limit=2.0, on_progress=progress.append)
    assert result.solution.has_plan  # the greedy plan stands if CP-SAT finds no better one
    second = service.save(actor, result, name="Optimised")
    figures = service.compare(actor, [first, second])
    assert [f.id for f in figures] == [first, second]
    for f in figures:
        assert f.makespan_hours > 0
        assert 0 < f.utilisation <= 1
        assert f.entries > 0
    assert {s.id for s in service.list_scenarios(actor)} == {first, second}

    released = service.release(actor, second)
    assert released.status is ScenarioStatus.RELEASED
    assert released.released_by == "planner"
    with app.uow(actor) as uow:
        entries = service._entries(uow, second)
        wo_id = entries[0].work_order_id
        wo = uow.repos.work_orders.require(wo_id)
        mine = [e for e in entries if e.work_order_id == wo_id]
        assert wo.planned_start == min(e.start for e in mine)
        assert wo.planned_end == max(e.end for e in mine)
        statuses = {uow.repos.operations.require(e.operation_id).status for e in entries}
    assert OperationStatus.PLANNED not in statuses
    assert service.default_scenario_id(actor) == second
    # releasing another archives the first release
    service.release(actor, first)
    assert {s.id for s in service.list_scenarios(actor)} == {first}
    with pytest.raises(RuleViolation):
        service.release(actor, first)


def test_csv_export_has_a_row_per_entry(app: Any) -> None:
    service = ScenarioService(app)
    actor = app.actor("planner")
    service.initial_plan(actor)
    view = service.view(actor)
    lines = service.csv_text(view).splitlines()
    assert lines[0].startswith("work_order,operation,line,work_centre,start,end")
    assert len(lines) == 1 + len(view.entries)


def test_repair_keeps_pinned_entries_where_they_are(app: Any) -> None:
    service = ScenarioService(app)
    actor = app.actor("planner")
    sid = service.initial_plan(actor)
    view = service.view(actor, sid)
    entry = view.entries[len(view.entries) // 2]
    service.set_pinned(actor, sid, entry.operation_id, True)
    result = service.optimise(actor, time_limit=2.0, repair_from=sid)
    assert result.parameters["repair_from"] == sid
    new = service.save(actor, result, name="Repaired")
    stored = {e.operation_id: e for e in service.entries(actor, new)}
    assert stored[entry.operation_id].start == entry.start
    assert stored[entry.operation_id].work_centre_id == entry.work_centre_id
    assert stored[entry.operation_id].pinned  # the pin goes with the plan
