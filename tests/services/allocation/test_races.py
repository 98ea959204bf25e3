"""Many writers take the same operator or machine at once: exactly one wins, the others get a
clear refusal, and the database holds no overlap. With the rules switched off (a buggy client),
the database itself still refuses the double booking. Every thread has its own connection and
transaction; separate seat processes race in tests/e2e and in the bench test."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from domain.errors import ConcurrentEdit, RuleViolation, SlotConflict
from domain.rules.allocation import Verdict
from domain.rules.overlap import double_bookings
from services.allocation import service as service_module
from services.allocation.commands import Allocate
from services.allocation.facts import load_bookings
from services.allocation.service import AllocationService
from services.persistence.tables import work
from tests.services.allocation.plant import LEAD, seed_allocation_plant

TAKERS = ["WO-1", "WO-5", "WO-7", "WO-8", "WO-1", "WO-5"]


def _race(n: int, work_fn: Callable[[int], Any]) -> list[BaseException | None]:
    barrier = threading.Barrier(n)
    results: list[BaseException | None] = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            work_fn(i)
        except BaseException as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def _holding(svc: AllocationService) -> list[Any]:
    with svc.app.engine.connect() as conn:
        return load_bookings(conn, everything=True)


@pytest.fixture
def svc(db_url: str, make_app: Any) -> AllocationService:
    app = make_app(db_url)
    seed_allocation_plant(app)
    return AllocationService(app)


def test_one_operator_many_takers(svc: AllocationService) -> None:
    results = _race(
        len(TAKERS),
        lambda i: svc.allocate(
            LEAD, Allocate(TAKERS[i], operator_id="OP-12", expected_operator_version=1)
        ),
    )
    assert sum(r is None for r in results) == 1, results
    losers = [r for r in results if r is not None]
    for r in losers:
        assert isinstance(r, ConcurrentEdit | RuleViolation), r
        assert "OP-12" in str(r) or "Lou Lamb" in str(r), r
    held = [b for b in _holding(svc) if b.operator_id == "OP-12"]
    assert len(held) == 1
    assert double_bookings(_holding(svc)) == []


def test_one_machine_many_takers(svc: AllocationService) -> None:
    results = _race(4, lambda i: svc.allocate(LEAD, Allocate(TAKERS[i], machine_id="M-P2")))
    assert sum(r is None for r in results) == 1, results
    for r in results:
        if r is not None:
            assert isinstance(r, RuleViolation), r
            assert [v.code for v in r.violations] == ["machine_busy"]
    assert len([b for b in _holding(svc) if b.machine_id == "M-P2"]) == 1


def test_without_the_rules_the_database_still_refuses(
    svc: AllocationService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A buggy client that skips every rule: PostgreSQL's exclusion constraint (SQLite: the
    overlap guard inside BEGIN IMMEDIATE) lets exactly one booking through."""
    monkeypatch.setattr(service_module, "check_allocation", lambda facts: Verdict())
    results = _race(4, lambda i: svc.allocate(LEAD, Allocate(TAKERS[i], operator_id="OP-12")))
    assert sum(r is None for r in results) == 1, results
    assert all(isinstance(r, SlotConflict) for r in results if r is not None), results
    with svc.app.engine.connect() as conn:
        rows = conn.execute(
            select(work.allocations.c.id).where(work.allocations.c.operator_id == "OP-12")
        ).all()
    assert len(rows) == 1


def test_two_orders_race_for_the_last_critical_stock(svc: AllocationService) -> None:
    """MAT-BRG has 100 on hand: WO-1 needs 10, WO-8 (here) 95; whichever comes first wins."""
    from domain.model.work import WorkOrderMaterial

    with svc.app.uow(LEAD) as uow:
        uow.repos.work_order_materials.add(WorkOrderMaterial("WO-8", "MAT-BRG", 95, critical=True))
        uow.commit()
    jobs = [("WO-1", "OP-12"), ("WO-8", "OP-10")]
    results = _race(2, lambda i: svc.allocate(LEAD, Allocate(jobs[i][0], operator_id=jobs[i][1])))
    assert sum(r is None for r in results) == 1, results
    (loser,) = [r for r in results if r is not None]
    assert isinstance(loser, RuleViolation)
    assert [v.code for v in loser.violations] == ["critical_material_unavailable"]
    with svc.app.engine.connect() as conn:
        allocated = conn.execute(
            select(work.materials.c.allocated).where(work.materials.c.id == "MAT-BRG")
        ).scalar_one()
    assert allocated in (10, 95)
