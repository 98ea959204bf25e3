"""A seat applies allocation change events from what they carry (board_events.py) and ends with
the same board as a fresh snapshot; what an event cannot tell is read, as before."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from domain.events import ChangeEvent
from domain.model.work import WorkOrderMaterial
from services.allocation.bench import board_mismatches
from services.allocation.board_events import apply_events
from services.allocation.board_queries import BoardReader, card_ids
from services.allocation.board_state import BoardState
from services.allocation.cards import CardIds
from services.allocation.commands import (
    Allocate,
    AllocationResult,
    Command,
    Complete,
    Pause,
    Reassign,
    Release,
    Resume,
)
from services.allocation.service import AllocationService
from services.messaging.outbox import events_after, latest_seq
from tests.conftest import NOW
from tests.services.allocation.plant import ADMIN, LEAD, seed_allocation_plant


@pytest.fixture
def svc(db_url: str, make_app: Any) -> AllocationService:
    app = make_app(db_url)
    seed_allocation_plant(app)
    return AllocationService(app)


class Seat:
    """A seat's board fed with the outbox's events, counting what it had to read."""

    def __init__(self, svc: AllocationService) -> None:
        self.svc = svc
        self.reader = BoardReader(svc.app.engine)
        self.state = BoardState()
        self.state.load(self.reader.snapshot(NOW))
        self.last = latest_seq(svc.app.engine)
        self.reads: list[CardIds] = []

    def take(self) -> list[ChangeEvent]:
        events = events_after(self.svc.app.engine, self.last)
        if events:
            self.last = events[-1].seq
        return events

    def catch_up(self, events: list[ChangeEvent] | None = None) -> set[str]:
        events = self.take() if events is None else events
        changed, rest = apply_events(self.state, events, NOW)
        ids = self.state.expand(rest)
        if ids:
            self.reads.append(ids)
            known = BoardState(
                operators=dict(self.state.operators), work_orders=dict(self.state.work_orders)
            )
            changed |= self.state.apply(self.reader.delta(NOW, ids, known))
        return changed


def fresh(svc: AllocationService) -> BoardState:
    state = BoardState()
    state.load(BoardReader(svc.app.engine).snapshot(NOW))
    return state


def assert_same_board(seat: BoardState, db: BoardState) -> None:
    assert seat.allocations == db.allocations
    assert seat.operators == db.operators
    assert seat.machines == db.machines
    assert seat.work_orders == db.work_orders


def card_reads(reads: list[CardIds]) -> list[CardIds]:
    """The reads of whole cards (not only the material lines of queued orders)."""
    return [r for r in reads if r.operators or r.machines or r.work_orders or r.allocations]


def test_a_run_of_calls_applied_from_the_events_equals_a_fresh_board(
    svc: AllocationService,
) -> None:
    seat = Seat(svc)
    done: list[tuple[str, AllocationResult]] = []

    def call(cmd: Command) -> AllocationResult:
        result = svc.execute(LEAD, cmd)
        changed = seat.catch_up()
        assert f"allocation:{result.allocation_id}" in changed
        assert_same_board(seat.state, fresh(svc))
        done.append((type(cmd).__name__, result))
        return result

    a1 = call(Allocate("WO-1", operator_id="OP-01", machine_id="M-P1"))
    assert seat.state.operators["OP-01"].allocation_id == a1.allocation_id
    assert seat.state.machines["M-P1"].operator_names == ("Anna Able",)
    assert seat.state.work_orders["WO-1"].materials == ()  # reserved: nothing left to reserve
    a2 = call(Allocate("WO-5", machine_id="M-P2"))  # a machine waiting for people
    a2 = call(Allocate("WO-5", operator_id="OP-10", machine_id="M-P2"))  # staffs it
    assert seat.state.machines["M-P2"].operator_ids == ("OP-10",)
    a1 = call(Reassign(a1.allocation_id, a1.version, "WO-7", "OP-01", "M-P1"))
    assert seat.state.work_orders["WO-1"].status == "queued"  # back in the queue
    assert seat.state.work_orders["WO-7"].operator_ids == ("OP-01",)
    a2 = call(Pause(a2.allocation_id, a2.version))
    assert seat.state.operators["OP-10"].status == "available"  # paused: not busy now
    assert seat.state.work_orders["WO-5"].status == "paused"
    a2 = call(Resume(a2.allocation_id, a2.version))
    a3 = call(Allocate("WO-8", operator_id="OP-12"))
    call(Release(a1.allocation_id, a1.version))
    assert seat.state.operators["OP-01"].allocation_id is None
    assert seat.state.operators["OP-01"].idle_minutes == 0  # available since now
    call(Complete(a2.allocation_id, a2.version, work_order_done=True))
    assert "WO-5" not in seat.state.work_orders  # completed orders leave the board
    call(Reassign(a3.allocation_id, a3.version, "WO-8", "OP-12", "M-P2"))
    assert len(done) == 10
    # every call was applied from its event, WO-1 back in the queue included (its bearings
    # were reserved: nothing left to reserve)
    assert seat.reads == []


def test_a_burst_of_events_applies_in_order(svc: AllocationService) -> None:
    seat = Seat(svc)
    a1 = svc.execute(LEAD, Allocate("WO-1", operator_id="OP-01", machine_id="M-P1"))
    a1 = svc.execute(LEAD, Reassign(a1.allocation_id, a1.version, "WO-7", "OP-01", "M-P1"))
    svc.execute(LEAD, Allocate("WO-1", operator_id="OP-10", machine_id="M-P2"))
    svc.execute(LEAD, Release(a1.allocation_id, a1.version))
    events = seat.take()
    assert len(events) == 4
    seat.catch_up(events)
    assert card_reads(seat.reads) == []
    assert_same_board(seat.state, fresh(svc))


def test_an_event_without_its_state_is_read(svc: AllocationService) -> None:
    seat = Seat(svc)
    r = svc.execute(LEAD, Allocate("WO-1", operator_id="OP-01", machine_id="M-P1"))
    (event,) = seat.take()
    bare = replace(event, data={k: v for k, v in event.data.items() if k != "state"})
    state = seat.state
    before = dict(state.operators)
    changed, rest = apply_events(state, [bare], NOW)
    assert changed == set()
    assert state.operators == before  # nothing applied
    assert rest == card_ids([bare])
    expected = state.expand(rest)
    seat.catch_up([bare])
    assert card_reads(seat.reads) == [expected]
    assert state.operators["OP-01"].allocation_id == r.allocation_id
    assert_same_board(state, fresh(svc))


def test_an_event_after_one_the_board_missed_is_read(svc: AllocationService) -> None:
    """The board skipped an event (its versions no longer line up): the next one touching the
    same cards is not applied on top of a state it does not start from, the cards are read."""
    seat = Seat(svc)
    a1 = svc.execute(LEAD, Allocate("WO-1", operator_id="OP-01", machine_id="M-P1"))
    seat.take()  # lost
    svc.execute(LEAD, Release(a1.allocation_id, a1.version))
    (release,) = seat.take()
    _changed, rest = apply_events(seat.state, [release], NOW)
    assert rest.allocations == {a1.allocation_id}
    assert rest.operators == {"OP-01"}
    seat.catch_up([release])
    assert card_reads(seat.reads)
    assert_same_board(seat.state, fresh(svc))


def test_an_order_the_board_does_not_show_is_read(svc: AllocationService) -> None:
    seat = Seat(svc)
    del seat.state.work_orders["WO-7"]  # e.g. beyond the board's most urgent orders
    svc.execute(LEAD, Allocate("WO-7", operator_id="OP-01", machine_id="M-P1"))
    seat.catch_up()
    assert [r.work_orders for r in card_reads(seat.reads)] == [frozenset({"WO-7"})]
    assert_same_board(seat.state, fresh(svc))


def test_a_read_newer_than_the_event_is_kept(svc: AllocationService) -> None:
    """A read that already has what later events did: they change nothing."""
    seat = Seat(svc)
    a1 = svc.execute(LEAD, Allocate("WO-1", operator_id="OP-01", machine_id="M-P1"))
    svc.execute(LEAD, Reassign(a1.allocation_id, a1.version, "WO-7", "OP-01", "M-P1"))
    events = seat.take()
    seat.state.load(BoardReader(svc.app.engine).snapshot(NOW))  # newer than both events
    changed, rest = apply_events(seat.state, events, NOW)
    assert not card_reads([rest])
    assert_same_board(seat.state, fresh(svc))
    assert not {k for k in changed if k.startswith("allocation:")}


def test_a_reservation_shows_the_stock_left_on_other_queued_orders(
    svc: AllocationService,
) -> None:
    with svc.app.uow(ADMIN) as uow:
        uow.repos.work_order_materials.add(WorkOrderMaterial("WO-8", "MAT-BRG", 30, critical=True))
        uow.commit()
    seat = Seat(svc)
    assert [m.available for m in seat.state.work_orders["WO-8"].materials] == [100.0]
    svc.execute(LEAD, Allocate("WO-1", operator_id="OP-01", machine_id="M-P1"))  # takes 10
    changed = seat.catch_up()
    assert "work_order:WO-8" in changed
    assert [m.available for m in seat.state.work_orders["WO-8"].materials] == [90.0]
    assert seat.reads == []  # the event said how much is left
    assert_same_board(seat.state, fresh(svc))


def test_stock_changed_without_a_figure_is_read(svc: AllocationService) -> None:
    """An event that names materials but carries no stock (an older program): the queued
    orders needing them re-read their material lines, and nothing else."""
    with svc.app.uow(ADMIN) as uow:
        uow.repos.work_order_materials.add(WorkOrderMaterial("WO-8", "MAT-BRG", 30, critical=True))
        uow.commit()
    seat = Seat(svc)
    svc.execute(LEAD, Allocate("WO-1", operator_id="OP-01", machine_id="M-P1"))
    (event,) = seat.take()
    state = {k: v for k, v in event.data["state"].items() if k != "materials"}
    seat.catch_up([replace(event, data={**event.data, "state": state})])
    assert seat.reads == [
        CardIds(materials=frozenset({"MAT-BRG"}), light=True, materials_of=frozenset({"WO-8"}))
    ]
    assert_same_board(seat.state, fresh(svc))


@pytest.mark.parametrize("shown_elsewhere", [False, True])
def test_an_order_back_in_the_queue_shows_its_lines(
    svc: AllocationService, shown_elsewhere: bool
) -> None:
    """WO-5's bolts are not critical (never reserved): back in the queue it needs them again.
    The event lists the line; the stock is the one the board shows on another queued order,
    and read when no card shows it."""
    if shown_elsewhere:
        with svc.app.uow(ADMIN) as uow:
            uow.repos.work_order_materials.add(WorkOrderMaterial("WO-8", "MAT-BOLT", 2))
            uow.commit()
    seat = Seat(svc)
    r = svc.execute(LEAD, Allocate("WO-5", operator_id="OP-10", machine_id="M-P2"))
    seat.catch_up()
    assert seat.state.work_orders["WO-5"].materials == ()
    svc.execute(LEAD, Release(r.allocation_id, r.version))
    seat.catch_up()
    assert [m.material_id for m in seat.state.work_orders["WO-5"].materials] == ["MAT-BOLT"]
    if shown_elsewhere:
        assert seat.reads == []
    else:
        assert seat.reads == [CardIds(light=True, materials_of=frozenset({"WO-5"}))]
    assert_same_board(seat.state, fresh(svc))


def test_the_bench_notices_a_board_that_differs(svc: AllocationService) -> None:
    seat = Seat(svc)
    assert board_mismatches(seat.state, fresh(svc)) == []
    svc.execute(LEAD, Allocate("WO-1", operator_id="OP-01", machine_id="M-P1"))
    seat.take()  # lost, and nothing read
    found = board_mismatches(seat.state, fresh(svc))
    assert "allocation:1 on one board only" in found
    assert any(f.startswith("operator:OP-01 differs") for f in found)


def test_an_order_taken_and_put_back_in_one_burst(svc: AllocationService) -> None:
    """WO-1 queued before the burst and after it, but its bearings were reserved in between:
    the card shows the lines the order was put back with, not the ones it had."""
    seat = Seat(svc)
    assert [m.material_id for m in seat.state.work_orders["WO-1"].materials] == ["MAT-BRG"]
    r = svc.execute(LEAD, Allocate("WO-1", operator_id="OP-01", machine_id="M-P1"))
    svc.execute(LEAD, Release(r.allocation_id, r.version))
    seat.catch_up(seat.take())
    assert seat.state.work_orders["WO-1"].materials == ()
    assert seat.reads == []
    assert_same_board(seat.state, fresh(svc))


def test_a_payload_it_cannot_understand_reloads_the_board(
    svc: AllocationService, caplog: pytest.LogCaptureFixture
) -> None:
    seat = Seat(svc)
    svc.execute(LEAD, Allocate("WO-1", operator_id="OP-01", machine_id="M-P1"))
    (event,) = seat.take()
    state = dict(event.data["state"])
    state["allocations"] = [
        [a, b, {**s, "start": "not a time"}] for a, b, s in state["allocations"]
    ]
    broken = replace(event, data={**event.data, "state": state})
    _changed, rest = apply_events(seat.state, [broken], NOW)
    assert rest == CardIds(everything=True)
    assert "could not apply change events" in caplog.text
    seat.catch_up([broken])
    assert seat.reads == [CardIds(everything=True)]
    assert_same_board(seat.state, fresh(svc))
