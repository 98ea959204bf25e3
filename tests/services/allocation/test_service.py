"""The allocation service on SQLite and on the real PostgreSQL: every rule refuses with its
reason and leaves no trace; a committed call writes the allocation, the statuses, the event,
the audit row and the outbox row together; stale writes name who, where and when."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from domain.errors import ConcurrentEdit, NotFound, PermissionDenied, RuleViolation
from domain.model.allocation import AllocationMethod
from services.allocation.commands import (
    Allocate,
    Complete,
    Pause,
    Reassign,
    Release,
    Resume,
    Seen,
)
from services.allocation.service import AllocationService
from services.messaging.outbox import events_after
from services.persistence.tables import people, plant, system, work
from tests.conftest import NOW
from tests.services.allocation.plant import LEAD, VIEWER, seed_allocation_plant


@pytest.fixture
def svc(db_url: str, make_app: Any) -> AllocationService:
    app = make_app(db_url)
    seed_allocation_plant(app)
    return AllocationService(app)


def _one(svc: AllocationService, table: Any, *where: Any) -> Any:
    with svc.app.engine.connect() as conn:
        return conn.execute(select(table).where(*where)).mappings().one()


def _count(svc: AllocationService, table: Any, *where: Any) -> int:
    with svc.app.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar())


def _refusal(svc: AllocationService, cmd: Any) -> RuleViolation:
    with pytest.raises(RuleViolation) as info:
        svc.execute(LEAD, cmd)
    return info.value


def test_every_rule_refuses_with_its_reason_and_leaves_no_trace(svc: AllocationService) -> None:
    svc.allocate(LEAD, Allocate("WO-1", operator_id="OP-01", machine_id="M-P1"))
    svc.allocate(
        LEAD,
        Allocate(
            "WO-7",
            operator_id="OP-10",
            start=NOW + timedelta(hours=1),
            end=NOW + timedelta(hours=2),
        ),
    )
    allocations = _count(svc, work.allocations)
    events = _count(svc, work.allocation_change_events)
    outbox = _count(svc, system.change_events)
    cases = [
        (Allocate("WO-5", operator_id="OP-02"), "skill_proficiency_too_low", "level 1, level 2"),
        (Allocate("WO-5", operator_id="OP-11"), "skill_missing", "lacks the skill"),
        (Allocate("WO-5", operator_id="OP-03"), "certification_expired", "expired on"),
        (
            Allocate("WO-5", operator_id="OP-12", end=NOW + timedelta(days=70)),
            "certification_expires_during_allocation",
            "before the allocation ends",
        ),
        (Allocate("WO-5", operator_id="OP-05"), "operator_not_on_shift", "next shift: Night"),
        (Allocate("WO-5", operator_id="OP-06"), "operator_on_break", "on a break until"),
        (Allocate("WO-5", operator_id="OP-07"), "operator_absent", "recorded absent"),
        (Allocate("WO-5", operator_id="OP-08"), "operator_absent", "is sick"),
        (Allocate("WO-5", operator_id="OP-01"), "operator_busy", "already busy on work order"),
        (
            Allocate("WO-5", operator_id="OP-10", end=NOW + timedelta(minutes=90)),
            "allocation_overlap",
            "which overlaps",
        ),
        (Allocate("WO-7", machine_id="M-P3"), "machine_in_maintenance", "in maintenance"),
        (Allocate("WO-7", machine_id="M-P4"), "machine_breakdown", "broken down"),
        (Allocate("WO-7", machine_id="M-P5"), "machine_offline", "offline"),
        (Allocate("WO-7", machine_id="M-P1"), "machine_busy", "with Anna Able"),
        (Allocate("WO-7", machine_id="M-C1"), "machine_not_in_routing", "can run on CNC C1"),
        (Allocate("WO-3", operator_id="OP-12"), "work_order_completed", "already completed"),
        (Allocate("WO-4", operator_id="OP-12"), "work_order_cancelled", "cancelled"),
        (Allocate("WO-2", operator_id="OP-12"), "critical_material_unavailable", "20 available"),
    ]
    for cmd, code, words in cases:
        refusal = _refusal(svc, cmd)
        assert code in [v.code for v in refusal.violations], (cmd, refusal)
        assert words in refusal.message, (cmd, refusal.message)
    assert _count(svc, work.allocations) == allocations
    assert _count(svc, work.allocation_change_events) == events
    assert _count(svc, system.change_events) == outbox
    assert _one(svc, work.materials, work.materials.c.id == "MAT-SHORT")["allocated"] == 0


def test_other_refusals(svc: AllocationService) -> None:
    with pytest.raises(PermissionDenied):
        svc.allocate(VIEWER, Allocate("WO-5", operator_id="OP-12"))
    with pytest.raises(NotFound):
        svc.allocate(LEAD, Allocate("WO-5", operator_id="OP-99"))
    with pytest.raises(RuleViolation, match="must end after it starts"):
        svc.allocate(LEAD, Allocate("WO-5", operator_id="OP-12", end=NOW))


def test_warnings_go_with_the_allocation(svc: AllocationService) -> None:
    result = svc.allocate(LEAD, Allocate("WO-5", operator_id="OP-04"))
    assert sorted(w.code for w in result.warnings) == [
        "certification_expiring_soon",
        "material_short",
    ]


def test_allocate_writes_everything_in_one_transaction(svc: AllocationService) -> None:
    r = svc.allocate(LEAD, Allocate("WO-1", operator_id="OP-01", machine_id="M-P1"))
    a = _one(svc, work.allocations, work.allocations.c.id == r.allocation_id)
    assert (a["status"], a["allocation_type"], a["allocated_by"]) == (
        "active",
        "operator_machine",
        "lead",
    )
    assert (a["updated_by"], a["updated_seat"]) == ("lead", "seat-2")
    op = _one(svc, people.operators, people.operators.c.id == "OP-01")
    assert (op["status"], op["version"]) == ("busy", 2)
    assert _one(svc, plant.machines, plant.machines.c.id == "M-P1")["status"] == "running"
    assert _one(svc, work.work_orders, work.work_orders.c.id == "WO-1")["status"] == "assigned"
    # the critical material of the order is reserved with it
    assert _one(svc, work.materials, work.materials.c.id == "MAT-BRG")["allocated"] == 10
    line = _one(
        svc,
        work.work_order_materials,
        work.work_order_materials.c.work_order_id == "WO-1",
    )
    assert line["quantity_allocated"] == 10
    assert _count(svc, work.material_reservations) == 1
    ev = _one(svc, work.allocation_change_events)
    assert (ev["event_type"], ev["changed_by"], ev["seat"], ev["source"]) == (
        "created",
        "lead",
        "seat-2",
        "supervisor_ui",
    )
    assert ev["previous_state"] is None
    assert ev["new_state"]["operator_id"] == "OP-01"
    audit = _one(svc, system.audit_log, system.audit_log.c.entity_type == "allocation")
    assert (audit["action"], audit["user"], audit["seat"]) == (
        "allocation.created",
        "lead",
        "seat-2",
    )
    (change,) = events_after(svc.app.engine, 0)[-1:]
    assert change.topic.value == "allocation"
    assert change.ids == (str(r.allocation_id),)
    assert change.data["operators"] == ["OP-01"]
    assert change.data["machines"] == ["M-P1"]
    assert change.request_id == r.request_id
    assert r.seqs == (change.seq,)


def test_release_puts_everything_back(svc: AllocationService) -> None:
    r = svc.allocate(LEAD, Allocate("WO-1", operator_id="OP-01", machine_id="M-P1"))
    out = svc.release(LEAD, Release(r.allocation_id, r.version, reason="end of job"))
    assert (out.status, out.version) == ("released", 2)
    a = _one(svc, work.allocations, work.allocations.c.id == r.allocation_id)
    assert (a["released_by"], a["release_reason"]) == ("lead", "end of job")
    assert _one(svc, people.operators, people.operators.c.id == "OP-01")["status"] == "available"
    assert _one(svc, plant.machines, plant.machines.c.id == "M-P1")["status"] == "idle"
    assert _one(svc, work.work_orders, work.work_orders.c.id == "WO-1")["status"] == "queued"
    t = work.allocation_change_events
    ev = _one(svc, t, t.c.event_type == "released")
    assert ev["previous_state"]["status"] == "active"
    assert ev["new_state"]["status"] == "released"
    assert ev["reason"] == "end of job"
    # a released allocation cannot be released again
    with pytest.raises(RuleViolation, match="released and cannot become released"):
        svc.release(LEAD, Release(r.allocation_id, None))


def test_stale_writes_name_who_where_and_when(svc: AllocationService) -> None:
    r = svc.allocate(LEAD, Allocate("WO-1", operator_id="OP-01"))
    svc.reassign(LEAD, Reassign(r.allocation_id, r.version, "WO-7", "OP-01", None))
    with pytest.raises(ConcurrentEdit) as info:
        svc.release(LEAD, Release(r.allocation_id, r.version))
    e = info.value
    assert (e.changed_by, e.seat, e.at) == ("lead", "seat-2", NOW)
    assert "changed by lead at seat-2 2026-11-16 09:00:00" in e.message
    with pytest.raises(ConcurrentEdit, match="operator OP-12 was changed"):
        svc.allocate(LEAD, Allocate("WO-5", operator_id="OP-12", expected_operator_version=7))


def test_reassign_moves_the_allocation_and_frees_the_old_places(svc: AllocationService) -> None:
    r = svc.allocate(LEAD, Allocate("WO-1", operator_id="OP-01", machine_id="M-P1"))
    out = svc.reassign(
        LEAD, Reassign(r.allocation_id, r.version, "WO-7", "OP-01", None, reason="rush order")
    )
    assert (out.event, out.work_order_id, out.machine_id, out.version) == (
        "reassigned",
        "WO-7",
        None,
        2,
    )
    assert _one(svc, plant.machines, plant.machines.c.id == "M-P1")["status"] == "idle"
    assert _one(svc, work.work_orders, work.work_orders.c.id == "WO-1")["status"] == "queued"
    assert _one(svc, work.work_orders, work.work_orders.c.id == "WO-7")["status"] == "assigned"
    assert _one(svc, people.operators, people.operators.c.id == "OP-01")["status"] == "busy"
    t = work.allocation_change_events
    ev = _one(svc, t, t.c.event_type == "reassigned")
    assert (ev["previous_state"]["work_order_id"], ev["new_state"]["work_order_id"]) == (
        "WO-1",
        "WO-7",
    )
    assert ev["reason"] == "rush order"
    # the new target is checked like a new allocation
    refusal = _refusal(svc, Reassign(r.allocation_id, None, "WO-5", "OP-02", None))
    assert "skill_proficiency_too_low" in [v.code for v in refusal.violations]


def test_an_operator_staffs_a_machine_waiting_for_people(svc: AllocationService) -> None:
    waiting = svc.allocate(LEAD, Allocate("WO-1", machine_id="M-P2"))
    assert _one(svc, work.work_orders, work.work_orders.c.id == "WO-1")["status"] == "assigned"
    staffed = svc.allocate(LEAD, Allocate("WO-1", operator_id="OP-10", machine_id="M-P2"))
    assert staffed.allocation_id == waiting.allocation_id
    assert staffed.event == "reassigned"
    a = _one(svc, work.allocations, work.allocations.c.id == waiting.allocation_id)
    assert a["allocation_type"] == "operator_machine"
    assert _count(svc, work.allocations) == 1
    # another operator moved onto a machine that waits absorbs its reservation
    other = svc.allocate(LEAD, Allocate("WO-7", machine_id="M-P1"))
    mine = svc.allocate(LEAD, Allocate("WO-5", operator_id="OP-12"))
    moved = svc.reassign(LEAD, Reassign(mine.allocation_id, mine.version, "WO-7", "OP-12", "M-P1"))
    assert moved.released == (other.allocation_id,)
    merged = _one(svc, work.allocations, work.allocations.c.id == other.allocation_id)
    assert merged["status"] == "released"
    assert merged["release_reason"].startswith("merged into allocation")


def test_pause_resume_complete(svc: AllocationService) -> None:
    r = svc.allocate(LEAD, Allocate("WO-1", operator_id="OP-01", machine_id="M-P1"))
    p = svc.pause(LEAD, Pause(r.allocation_id, r.version, reason_code="material_wait"))
    assert _one(svc, work.work_orders, work.work_orders.c.id == "WO-1")["status"] == "paused"
    assert _one(svc, plant.machines, plant.machines.c.id == "M-P1")["status"] == "idle"
    with pytest.raises(RuleViolation):
        svc.pause(LEAD, Pause(r.allocation_id, None))
    q = svc.resume(LEAD, Resume(r.allocation_id, p.version))
    assert q.status == "active"
    assert _one(svc, plant.machines, plant.machines.c.id == "M-P1")["status"] == "running"
    c = svc.complete(LEAD, Complete(r.allocation_id, q.version, work_order_done=True))
    assert c.status == "completed"
    assert _one(svc, work.work_orders, work.work_orders.c.id == "WO-1")["status"] == "completed"
    assert _one(svc, people.operators, people.operators.c.id == "OP-01")["status"] == "available"
    kinds = [
        r["event_type"]
        for r in svc.app.engine.connect()
        .execute(select(work.allocation_change_events).order_by(work.allocation_change_events.c.id))
        .mappings()
    ]
    assert kinds == ["created", "paused", "resumed", "completed"]


def test_resume_checks_the_rules_again(svc: AllocationService) -> None:
    r = svc.allocate(LEAD, Allocate("WO-1", operator_id="OP-01", machine_id="M-P1"))
    p = svc.pause(LEAD, Pause(r.allocation_id, r.version))
    with svc.app.uow(LEAD) as uow:
        m = uow.repos.machines.require("M-P1")
        m.status = m.status.BREAKDOWN
        uow.repos.machines.update(m)
        uow.commit()
    refusal = _refusal(svc, Resume(r.allocation_id, p.version))
    assert [v.code for v in refusal.violations] == ["machine_breakdown"]


def test_suggested_allocations_keep_method_and_score(svc: AllocationService) -> None:
    r = svc.allocate(
        LEAD,
        Allocate("WO-5", operator_id="OP-12", method=AllocationMethod.AI_SUGGESTED, score=71.5),
    )
    a = _one(svc, work.allocations, work.allocations.c.id == r.allocation_id)
    assert (a["method"], a["suggestion_score"]) == ("ai_suggested", 71.5)


def _counting_peeks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The allocations the calls read before locking (the peek), from now on."""
    from services.allocation import service

    peeks: list[int] = []
    peek = service._peek

    def counted(uow: Any, allocation_id: int) -> Any:
        peeks.append(allocation_id)
        return peek(uow, allocation_id)

    monkeypatch.setattr(service, "_peek", counted)
    return peeks


def test_where_the_board_saw_the_allocation_saves_the_peek(
    svc: AllocationService, monkeypatch: pytest.MonkeyPatch
) -> None:
    r = svc.allocate(LEAD, Allocate("WO-1", operator_id="OP-01", machine_id="M-P1"))
    peeks = _counting_peeks(monkeypatch)
    assert svc.release(LEAD, Release(r.allocation_id, None)).status == "released"
    assert peeks == [r.allocation_id]  # without the board's word: read first
    r = svc.allocate(LEAD, Allocate("WO-1", operator_id="OP-01", machine_id="M-P1"))
    peeks.clear()
    seen = Seen("WO-1", "OP-01", "M-P1")
    out = svc.reassign(LEAD, Reassign(r.allocation_id, r.version, "WO-7", "OP-01", None, seen=seen))
    assert (out.work_order_id, out.machine_id) == ("WO-7", None)
    assert peeks == []  # locked straight away
    assert _one(svc, plant.machines, plant.machines.c.id == "M-P1")["status"] == "idle"
    assert _one(svc, work.work_orders, work.work_orders.c.id == "WO-1")["status"] == "queued"
    # a stale version is still refused, under the locks, with who changed it
    with pytest.raises(ConcurrentEdit):
        svc.release(LEAD, Release(r.allocation_id, r.version, seen=Seen.of(out)))
    done = svc.release(LEAD, Release(out.allocation_id, out.version, seen=Seen.of(out)))
    assert done.status == "released"
    assert peeks == []
    assert _one(svc, people.operators, people.operators.c.id == "OP-01")["status"] == "available"


def test_a_board_that_saw_it_elsewhere_costs_a_retry_not_a_wrong_write(
    svc: AllocationService, monkeypatch: pytest.MonkeyPatch
) -> None:
    r = svc.allocate(LEAD, Allocate("WO-1", operator_id="OP-01", machine_id="M-P1"))
    peeks = _counting_peeks(monkeypatch)
    wrong = Seen("WO-7", "OP-10", None)  # an old board: the allocation is not there
    out = svc.reassign(
        LEAD, Reassign(r.allocation_id, r.version, "WO-7", "OP-01", None, seen=wrong)
    )
    assert len(peeks) == 1  # the lock found it elsewhere: read where it is, start again
    assert (out.work_order_id, out.operator_id, out.machine_id) == ("WO-7", "OP-01", None)
    assert _one(svc, plant.machines, plant.machines.c.id == "M-P1")["status"] == "idle"
    assert _one(svc, work.work_orders, work.work_orders.c.id == "WO-1")["status"] == "queued"
    assert _one(svc, people.operators, people.operators.c.id == "OP-10")["status"] == "available"
    gone = svc.release(LEAD, Release(out.allocation_id, out.version, seen=wrong))
    assert gone.status == "released"
    assert _one(svc, work.work_orders, work.work_orders.c.id == "WO-7")["status"] == "queued"
    with pytest.raises(NotFound):
        svc.release(LEAD, Release(999_999, None, seen=wrong))
