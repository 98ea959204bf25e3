"""Two (or more) writers race for the same thing: exactly one wins, the database stays consistent.

One race test per constraint, on SQLite (BEGIN IMMEDIATE) and on PostgreSQL (row locks, version
checks, exclusion constraints).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from domain.errors import ConcurrentEdit, DomainError, RuleViolation, SlotConflict
from domain.events import Change, Topic
from domain.model.allocation import Allocation, AllocationType
from domain.model.work import WorkOrderStatus
from services.messaging.outbox import events_after
from services.persistence.tables.work import allocations
from tests.conftest import NOW
from tests.services.persistence.helpers import ADMIN, LEAD, seed_minimal


def _race(n: int, work: Callable[[int], None]) -> list[BaseException | None]:
    barrier = threading.Barrier(n)
    results: list[BaseException | None] = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            work(i)
        except BaseException as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_one_operator_cannot_be_double_booked(db_url: str, make_app: Any) -> None:
    app = make_app(db_url)
    seed_minimal(app)

    def allocate(i: int) -> None:
        with app.uow(ADMIN if i % 2 else LEAD) as uow:
            uow.repos.allocations.add(
                Allocation(
                    work_order_id="WO-00001" if i % 2 else "WO-00002",
                    allocation_type=AllocationType.OPERATOR,
                    allocated_by="race",
                    allocated_at=NOW,
                    operator_id="OP-0001",
                    expected_start=NOW + timedelta(minutes=i),
                    expected_end=NOW + timedelta(hours=4),
                )
            )
            uow.commit()

    results = _race(6, allocate)
    winners = [r for r in results if r is None]
    assert len(winners) == 1, results
    assert all(isinstance(r, SlotConflict) for r in results if r is not None), results
    with app.engine.connect() as conn:
        rows = conn.execute(select(allocations).where(allocations.c.operator_id == "OP-0001")).all()
    assert len(rows) == 1


def test_one_machine_cannot_be_double_booked(db_url: str, make_app: Any) -> None:
    app = make_app(db_url)
    seed_minimal(app)

    def allocate(i: int) -> None:
        with app.uow(ADMIN) as uow:
            uow.repos.allocations.add(
                Allocation(
                    work_order_id="WO-00001",
                    allocation_type=AllocationType.OPERATOR_MACHINE,
                    allocated_by="race",
                    allocated_at=NOW,
                    operator_id=f"OP-000{i + 1}",
                    machine_id="M-SAV100",
                    expected_start=NOW,
                )
            )
            uow.commit()

    results = _race(3, allocate)
    assert sum(r is None for r in results) == 1, results
    assert all(isinstance(r, SlotConflict) for r in results if r is not None), results


def test_non_overlapping_bookings_of_one_operator_both_succeed(db_url: str, make_app: Any) -> None:
    app = make_app(db_url)
    seed_minimal(app)
    with app.uow(ADMIN) as uow:
        for hours in (0, 4):
            uow.repos.allocations.add(
                Allocation(
                    work_order_id="WO-00001",
                    allocation_type=AllocationType.OPERATOR,
                    allocated_by="admin",
                    allocated_at=NOW,
                    operator_id="OP-0003",
                    expected_start=NOW + timedelta(hours=hours),
                    expected_end=NOW + timedelta(hours=hours + 4),
                )
            )
        uow.commit()


def test_concurrent_edits_of_one_work_order_one_wins(db_url: str, make_app: Any) -> None:
    app = make_app(db_url)
    seed_minimal(app)
    with app.uow(ADMIN) as uow:
        seen_version = uow.repos.work_orders.require("WO-00001").version

    def edit(i: int) -> None:
        with app.uow(ADMIN if i else LEAD) as uow:
            wo = uow.repos.work_orders.require("WO-00001", lock=True)
            uow.repos.work_orders.check_version(wo, seen_version)
            wo.move_to(WorkOrderStatus.ASSIGNED if i else WorkOrderStatus.CANCELLED)
            uow.repos.work_orders.update(wo)
            uow.audit("work_order.status", "work_order", wo.id)
            uow.commit()

    results = _race(2, edit)
    assert sum(r is None for r in results) == 1, results
    loser = next(r for r in results if r is not None)
    assert isinstance(loser, ConcurrentEdit)
    with app.uow(ADMIN) as uow:
        assert uow.repos.work_orders.require("WO-00001").version == seen_version + 1


def test_stock_cannot_be_reserved_twice(db_url: str, make_app: Any) -> None:
    app = make_app(db_url)
    seed_minimal(app)  # MAT-1 has 100 on hand

    def reserve(i: int) -> None:
        with app.uow(ADMIN) as uow:
            mat = uow.repos.materials.require("MAT-1", lock=True)
            mat.reserve(60)
            uow.repos.materials.update(mat)
            uow.commit()

    results = _race(2, reserve)
    assert sum(r is None for r in results) == 1, results
    loser = next(r for r in results if r is not None)
    assert isinstance(loser, RuleViolation | ConcurrentEdit), loser
    with app.uow(ADMIN) as uow:
        mat = uow.repos.materials.require("MAT-1")
    assert mat.allocated == 60
    assert mat.available == 40


@pytest.mark.postgres
def test_outbox_sequence_follows_commit_order_under_load(pg_url: str, make_app: Any) -> None:
    """A reader polling the outbox never sees seq N+1 before N: no change can be skipped."""
    app = make_app(pg_url)
    stop = threading.Event()
    problems: list[str] = []
    seen: list[int] = []

    def reader() -> None:
        last = 0
        while True:
            writers_done = stop.is_set()  # read before the query: a query that began before
            batch = events_after(app.engine, last)  # the last commit may miss it
            for e in batch:
                if e.seq != last + 1:
                    problems.append(f"saw {e.seq} after {last}")
                last = e.seq
                seen.append(e.seq)
            if writers_done and not batch:
                break

    def writer(i: int) -> None:
        for k in range(20):
            with app.uow(ADMIN) as uow:
                uow.conn.execute(text("SELECT pg_sleep(0.001 * :k)"), {"k": (i + k) % 3})
                uow.record(Change(Topic.SYSTEM, "tick", (f"{i}-{k}",)))
                uow.commit()

    r = threading.Thread(target=reader)
    r.start()
    results = _race(8, writer)
    stop.set()
    r.join(30)
    assert all(x is None for x in results), results
    assert problems == []
    assert seen == list(range(1, 161))


def test_domain_errors_are_typed(db_url: str, make_app: Any) -> None:
    """Racing losers get a DomainError subclass the GUI can explain (not a driver error)."""
    app = make_app(db_url)
    seed_minimal(app)
    with app.uow(ADMIN) as uow:
        uow.repos.allocations.add(
            Allocation("WO-00001", AllocationType.OPERATOR, "a", NOW, operator_id="OP-0002")
        )
        uow.commit()
    with pytest.raises(DomainError), app.uow(ADMIN) as uow:
        uow.repos.allocations.add(
            Allocation("WO-00002", AllocationType.OPERATOR, "a", NOW, operator_id="OP-0002")
        )
        uow.commit()
