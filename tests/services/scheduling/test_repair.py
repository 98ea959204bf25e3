"""Repair on breakdown: a machine goes down, the plan is re-solved close to itself with the
machine's work centre unavailable, saved as a new draft scenario, and described as a diff. On
the demo plant, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from domain.errors import PermissionDenied
from domain.model.planning import ScenarioStatus
from domain.model.plant import MachineStatus
from services.persistence.tables import plant as plant_t
from services.scheduling.repair import BREAKDOWN_HOURS
from services.scheduling.scenarios import ScenarioService
from services.simulation.model import StatusChanged, StepResult
from services.simulation.writer import WriteCounts, write_step
from tests.conftest import NOW


@pytest.fixture(params=["sqlite", "postgres"])
def demo_url(request: pytest.FixtureRequest) -> str:
    name = "demo_sqlite_url" if request.param == "sqlite" else "demo_pg_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def app(demo_url: str, make_app: Any) -> Any:
    return make_app(demo_url)


def busiest_machine(app: Any, entries: Any, until: Any) -> tuple[str, str, list[Any]]:
    """The machine whose work centre has the most entries between now and ``until``."""
    m = plant_t.machines
    with app.engine.connect() as conn:
        rows = conn.execute(
            select(m.c.id, m.c.work_centre_id).where(m.c.work_centre_id.is_not(None))
        ).all()
    best: tuple[str, str, list[Any]] | None = None
    for machine_id, wc in sorted(rows):
        hit = [e for e in entries if e.work_centre_id == wc and e.start < until and e.end > NOW]
        if best is None or len(hit) > len(best[2]):
            best = (machine_id, wc, hit)
    assert best is not None
    assert best[2]
    return best


def break_down(app: Any, machine_id: str) -> None:
    """The machine breaks down, written as the simulator writes it (audit, change event)."""
    event = StatusChanged(
        machine_id, NOW, MachineStatus.BREAKDOWN, MachineStatus.RUNNING, "BD", "bearing"
    )
    with app.uow(app.actor("admin")) as uow:
        write_step(uow, StepResult(NOW, (), (event,)), WriteCounts())
        uow.commit()


def test_a_breakdown_moves_only_what_it_must(app: Any) -> None:
    service = ScenarioService(app)
    actor = app.actor("planner")
    sid = service.initial_plan(actor)
    before = service.entries(actor, sid)
    until = NOW + timedelta(hours=BREAKDOWN_HOURS)
    machine_id, wc, hit = busiest_machine(app, before, until)
    # not broken yet: nothing to report
    assert service.breakdowns(actor, sid, [machine_id]) == []
    break_down(app, machine_id)
    found = service.breakdowns(actor, sid, [machine_id, "no-such-machine"])
    assert len(found) == 1
    assert found[0].work_centre_id == wc
    assert set(found[0].affected) == {e.operation_id for e in hit}
    n = len(hit)
    with app.uow(actor) as uow:
        name = uow.repos.machines.require(machine_id).name
    assert found[0].text == f"{name} broke down: {n} operation{'s' if n > 1 else ''} affected"

    result = service.repair_for_breakdown(actor, sid, machine_id, time_limit=5.0)
    assert result.from_scenario_id == sid
    assert result.scenario_id != sid
    assert set(result.breakdown.affected) == {e.operation_id for e in hit}
    after = {e.operation_id: e for e in service.entries(actor, result.scenario_id)}
    # nothing runs on the broken work centre while it is down
    for e in after.values():
        if e.work_centre_id == wc:
            assert e.end <= NOW or e.start >= until, e
    # every operation the breakdown hit has moved (time or work centre)
    moved = {c.operation_id for c in result.changes}
    assert {e.operation_id for e in hit} <= moved
    # the diff says exactly what differs between the two plans
    old = {e.operation_id: e for e in before}
    for c in result.changes:
        assert (c.old_start, c.old_work_centre_id) == (
            old[c.operation_id].start,
            old[c.operation_id].work_centre_id,
        )
        assert (c.new_start, c.new_work_centre_id) == (
            after[c.operation_id].start,
            after[c.operation_id].work_centre_id,
        )
    same = [
        k
        for k in old
        if (old[k].start, old[k].work_centre_id) == (after[k].start, after[k].work_centre_id)
    ]
    assert len(same) == result.unchanged
    assert result.unchanged + len(result.changes) == len(before)
    # it moves only what it must: most of the plan keeps its place
    assert result.unchanged >= 0.9 * len(before)
    # saved as a new draft; the plan it came from is as it was
    scenarios = {s.id: s for s in service.list_scenarios(actor)}
    assert scenarios[result.scenario_id].status is ScenarioStatus.DRAFT
    assert scenarios[sid].status is ScenarioStatus.DRAFT
    assert {e.operation_id: e.start for e in service.entries(actor, sid)} == {
        e.operation_id: e.start for e in before
    }


def test_a_viewer_may_not_repair(app: Any) -> None:
    service = ScenarioService(app)
    sid = service.initial_plan(app.actor("planner"))
    with pytest.raises(PermissionDenied):
        service.plan_repair(app.actor("viewer"), sid, "any")
