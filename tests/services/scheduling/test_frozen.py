"""The frozen horizon: a site setting (4 hours unless set); moves into or out of it are refused
with the rule, and every optimise keeps what starts inside it where it is. On the demo plant, on
SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from domain.errors import PermissionDenied, RuleViolation, ValidationError
from domain.rules.scheduling import check_frozen
from services.persistence.tables import system
from services.scheduling.frozen import (
    DEFAULT_FROZEN_HOURS,
    FROZEN_HOURS_KEY,
    parse_frozen_hours,
)
from services.scheduling.scenarios import ScenarioService, entries_of
from tests.conftest import NOW


@pytest.fixture(params=["sqlite", "postgres"])
def demo_url(request: pytest.FixtureRequest) -> str:
    name = "demo_sqlite_url" if request.param == "sqlite" else "demo_pg_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def app(demo_url: str, make_app: Any) -> Any:
    return make_app(demo_url)


def _moves(app: Any) -> int:
    a = system.audit_log
    with app.engine.connect() as conn:
        stmt = select(func.count()).select_from(a).where(a.c.action == "schedule_entry.move")
        return int(conn.execute(stmt).scalar_one())


def test_the_setting_defaults_to_four_hours_and_a_planner_may_change_it(app: Any) -> None:
    service = ScenarioService(app)
    planner = app.actor("planner")
    assert service.frozen_hours(planner) == DEFAULT_FROZEN_HOURS == 4
    assert service.frozen_until(planner) == NOW + timedelta(hours=4)
    service.set_frozen_hours(planner, 2.5)
    assert service.frozen_hours(planner) == 2.5
    assert service.frozen_until(planner) == NOW + timedelta(hours=2, minutes=30)
    with app.engine.connect() as conn:
        s = system.settings
        value = conn.execute(select(s.c.value).where(s.c.key == FROZEN_HOURS_KEY)).scalar_one()
    assert float(value) == 2.5
    service.set_frozen_hours(planner, 0)  # off
    assert service.frozen_until(planner) is None
    with pytest.raises(ValidationError):
        service.set_frozen_hours(planner, -1)
    with pytest.raises(PermissionDenied):
        service.set_frozen_hours(app.actor("viewer"), 3)
    assert service.frozen_hours(planner) == 0


def test_a_bad_stored_value_falls_back_to_the_default() -> None:
    assert parse_frozen_hours("6") == 6
    assert parse_frozen_hours(None) == DEFAULT_FROZEN_HOURS
    assert parse_frozen_hours("soon") == DEFAULT_FROZEN_HOURS
    assert parse_frozen_hours(-3) == DEFAULT_FROZEN_HOURS
    assert parse_frozen_hours(True) == DEFAULT_FROZEN_HOURS


def test_moves_out_of_and_into_the_frozen_horizon_are_refused(app: Any) -> None:
    service = ScenarioService(app)
    actor = app.actor("planner")
    sid = service.initial_plan(actor)
    view = service.view(actor, sid)
    until = view.frozen_until
    assert until == NOW + timedelta(hours=4)
    inside = [e for e in view.entries if NOW <= e.start < until]
    outside = [e for e in view.entries if e.start >= until + timedelta(hours=2)]
    assert inside
    assert outside
    # out of the window: a bar that starts inside stays, even a move to a free later place
    e = inside[0]
    with pytest.raises(RuleViolation) as exc:
        service.move(actor, sid, e.operation_id, start=e.start + timedelta(days=3))
    frozen = [v for v in exc.value.violations if v.code == "frozen"]
    assert frozen
    assert frozen[0].message.startswith("inside the frozen horizon (until 13:00): ")
    assert e.operation_id in frozen[0].message
    # into the window: a later bar may not move to before its end
    late = max(outside, key=lambda x: x.start)
    with pytest.raises(RuleViolation) as exc:
        service.move(actor, sid, late.operation_id, start=until - timedelta(minutes=30))
    frozen = [v for v in exc.value.violations if v.code == "frozen"]
    assert frozen
    assert "inside the frozen horizon (until 13:00)" in frozen[0].message
    assert "cannot be moved to" in frozen[0].message
    stored = {x.operation_id: x for x in service.entries(actor, sid)}
    assert stored[e.operation_id].start == e.start
    assert stored[late.operation_id].start == late.start
    assert _moves(app) == 0
    # with the horizon off, the view shows none
    service.set_frozen_hours(actor, 0)
    assert service.view(actor, sid).frozen_until is None


def test_the_pure_check_lets_bars_outside_the_window_move_outside_it() -> None:
    from domain.rules.scheduling import PlannedOperation

    until = NOW + timedelta(hours=4)
    hour = timedelta(hours=1)
    before = PlannedOperation("OP", "WO", "WC", until + hour, until + 2 * hour)
    later = PlannedOperation("OP", "WO", "WC", until + 3 * hour, until + 4 * hour)
    assert check_frozen(before, later, until) == []
    assert check_frozen(before, before, until) == []
    assert check_frozen(before, later, None) == []


def test_optimise_keeps_the_released_plans_frozen_operations_in_place(app: Any) -> None:
    service = ScenarioService(app)
    actor = app.actor("planner")
    sid = service.initial_plan(actor)
    service.release(actor, sid)
    view = service.view(actor, sid)
    until = view.frozen_until
    assert until is not None
    frozen = {e.operation_id: e for e in view.entries if e.start < until}
    assert len(frozen) >= 3
    result = service.optimise(actor, time_limit=2.0)
    assert result.solution.has_plan
    assert result.parameters["frozen_until"] == until.isoformat()
    assert result.parameters["frozen"] >= len(frozen)
    planned = {e.operation_id: e for e in entries_of(result)}
    for op, e in frozen.items():
        assert (planned[op].start, planned[op].work_centre_id) == (e.start, e.work_centre_id)
        assert planned[op].operator_id == e.operator_id
    # repair from a scenario freezes its plan the same way
    result = service.optimise(actor, time_limit=2.0, repair_from=sid)
    planned = {e.operation_id: e for e in entries_of(result)}
    for op, e in frozen.items():
        assert (planned[op].start, planned[op].work_centre_id) == (e.start, e.work_centre_id)
