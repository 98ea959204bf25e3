"""The board's reads and its plain state: snapshot, delta of changed cards only, drop plans
that match the service's verdicts, undo inverses, suggestions, auto-allocate and the replay."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from domain.errors import DomainError
from services.allocation.auto_allocate import apply, propose
from services.allocation.board_queries import BoardReader, card_ids
from services.allocation.board_state import POOL, BoardState, inverse
from services.allocation.cards import CardIds
from services.allocation.commands import Allocate, Reassign, Release
from services.allocation.replay import board_at, replay_check
from services.allocation.service import AllocationService
from services.allocation.suggest import suggest
from services.cli.main import run
from services.clock import FixedClock
from services.messaging.outbox import events_after
from tests.conftest import NOW
from tests.services.allocation.plant import LEAD, seed_allocation_plant


@pytest.fixture
def svc(sqlite_url: str, make_app: Any) -> AllocationService:
    app = make_app(sqlite_url)
    seed_allocation_plant(app)
    return AllocationService(app)


def _state(svc: AllocationService) -> BoardState:
    state = BoardState()
    state.load(BoardReader(svc.app.engine).snapshot(NOW))
    return state


def test_snapshot_shows_the_floor(svc: AllocationService) -> None:
    state = _state(svc)
    assert set(state.operators) == {f"OP-{i:02d}" for i in range(1, 13)}
    assert [m.id for m in state.machines_of("L1")] == ["M-P1", "M-P2", "M-P3", "M-P4", "M-P5"]
    assert "WO-3" not in state.work_orders  # completed orders leave the board
    anna = state.operators["OP-01"]
    assert anna.shift is not None
    assert anna.shift.shift_name == "Early"
    assert anna.idle_minutes == 30
    assert state.operators["OP-05"].next_shift is not None
    assert state.operators["OP-04"].certificates(NOW.date()) == (0, 1)
    assert [m.material_id for m in state.work_orders["WO-2"].materials] == ["MAT-SHORT"]


def test_a_change_rereads_only_the_cards_it_names(svc: AllocationService) -> None:
    reader = BoardReader(svc.app.engine)
    state = BoardState()
    state.load(reader.snapshot(NOW))
    before = dict(state.operators)
    r = svc.allocate(LEAD, Allocate("WO-1", operator_id="OP-01", machine_id="M-P1"))
    events = events_after(svc.app.engine, 0)
    ids = state.expand(card_ids(events))
    assert ids == CardIds(
        frozenset({"OP-01"}),
        frozenset({"M-P1"}),
        frozenset({"WO-1"}),
        frozenset({r.allocation_id}),
        materials=frozenset({"MAT-BRG"}),
        light=True,  # only allocations changed: skills, rosters and routings are kept
        materials_of=frozenset({"WO-1"}),  # queued orders needing MAT-BRG (read whole here)
    )
    delta = reader.delta(NOW, ids, state)
    assert [c.id for c in delta.operators] == ["OP-01"]  # nobody else is read
    assert delta.operators[0].skills == before["OP-01"].skills
    changed = state.apply(delta)
    assert changed == {
        "operator:OP-01",
        "machine:M-P1",
        "work_order:WO-1",
        f"allocation:{r.allocation_id}",
    }
    assert state.operators["OP-01"].allocation_id == r.allocation_id
    assert state.machines["M-P1"].operator_ids == ("OP-01",)
    assert all(state.operators[k] is v for k, v in before.items() if k != "OP-01")
    svc.release(LEAD, Release(r.allocation_id, r.version))
    state.apply(reader.delta(NOW, card_ids(events_after(svc.app.engine, r.seqs[-1]))))
    assert r.allocation_id not in state.allocations
    assert state.operators["OP-01"].allocation_id is None


def test_plans_agree_with_the_service(svc: AllocationService) -> None:
    state = _state(svc)
    ok = state.plan("operator:OP-12", "work_order:WO-5", NOW)
    assert ok.ok
    assert isinstance(ok.command, Allocate)
    bad = state.plan("operator:OP-02", "work_order:WO-5", NOW)
    assert not bad.ok
    assert "level 1, level 2" in bad.why_not
    assert bad.command is not None
    with pytest.raises(DomainError) as info:
        svc.execute(LEAD, bad.command)
    assert info.value.message == bad.why_not
    assert state.plan("operator:OP-12", "machine:M-P1", NOW).verdict.codes == (
        "machine_without_work_order",
    )
    assert state.plan("operator:OP-12", POOL, NOW).verdict.codes == ("already_there",)
    put = state.plan("work_order:WO-1", "machine:M-C1", NOW)
    assert put.verdict.codes == ("machine_not_in_routing",)
    targets = {p.target: p.ok for p in state.targets("operator:OP-12", NOW)}
    assert targets["work_order:WO-5"]
    assert not targets["work_order:WO-2"]  # critical material short


def test_undo_is_the_inverse_call(svc: AllocationService) -> None:
    reader = BoardReader(svc.app.engine)
    state = BoardState()
    state.load(reader.snapshot(NOW))
    plan = state.plan("operator:OP-12", "work_order:WO-5", NOW)
    assert plan.command is not None
    done = svc.execute(LEAD, plan.command)
    undo = inverse(plan.command, done, None)
    assert isinstance(undo, Release)
    svc.execute(LEAD, undo)
    # a move, undone back to where it was
    a = svc.allocate(LEAD, Allocate("WO-5", operator_id="OP-12"))
    state.load(reader.snapshot(NOW))
    before = state.allocations[a.allocation_id]
    move = Reassign(a.allocation_id, a.version, "WO-7", "OP-12", None)
    moved = svc.execute(LEAD, move)
    back = inverse(move, moved, before)
    result = svc.execute(LEAD, back)
    assert (result.work_order_id, result.operator_id) == ("WO-5", "OP-12")
    # undo after somebody else changed the allocation is refused, naming them
    other = svc.reassign(LEAD, Reassign(a.allocation_id, result.version, "WO-8", "OP-12", None))
    stale = inverse(move, result, before)
    with pytest.raises(DomainError, match="changed by lead"):
        svc.execute(LEAD, stale)
    assert other.version == result.version + 1


def test_suggestions_rank_the_allowed_and_explain_the_rest(svc: AllocationService) -> None:
    state = _state(svc)
    ranked = suggest(state, work_order_id="WO-5", at=NOW, limit=20)
    allowed = [s for s in ranked if s.feasible]
    assert {s.operator_id for s in allowed} == {"OP-01", "OP-04", "OP-10", "OP-12"}
    assert [s.score for s in allowed] == sorted((s.score for s in allowed), reverse=True)
    # skill 30 * (4-2)/2 + efficiency 25 * 3.9/5 + idle 20 * (0.5 + 0.5 * 30/120)
    # + same line 8 + certificate 10 * 3/90 = 70.3: the expert wins despite his certificate
    assert [s.operator_id for s in allowed] == ["OP-04", "OP-01", "OP-12", "OP-10"]
    assert allowed[0].score == pytest.approx(70.3, abs=0.05)
    assert "press_operation level 4 (needs 2)" in allowed[0].reasons
    assert any("expires in 3 day(s)" in w for w in allowed[0].warnings)
    blocked = {s.operator_id: s.blocked_by for s in ranked if not s.feasible}
    assert any("on a break" in b for b in blocked["OP-06"])
    for s in allowed:
        assert isinstance(s.command, Allocate)
        assert s.command.score == s.score


def test_auto_allocate_respects_every_rule(svc: AllocationService) -> None:
    state = _state(svc)
    proposal = propose(state, at=NOW, time_limit=5)
    assert proposal.status == "OPTIMAL"
    ops = [s.operator_id for s in proposal.pairs]
    wos = [s.work_order_id for s in proposal.pairs]
    assert len(set(ops)) == len(ops)
    assert len(set(wos)) == len(wos)
    assert "WO-2" not in wos  # its critical material is short
    for s in proposal.pairs:
        assert state.plan(f"operator:{s.operator_id}", f"work_order:{s.work_order_id}", NOW).ok
    assert len(proposal.pairs) == min(proposal.operators, 5)
    done = apply(svc.execute, LEAD, proposal)
    assert len(done.done) == len(proposal.pairs)
    assert {r.operator_id for r in done.done} == set(ops)


def test_replay_gives_the_table_and_the_past_board(svc: AllocationService) -> None:
    clock = svc.app.clock
    assert isinstance(clock, FixedClock)
    a = svc.allocate(LEAD, Allocate("WO-1", operator_id="OP-01", machine_id="M-P1"))
    clock.advance(minutes=30)
    svc.reassign(LEAD, Reassign(a.allocation_id, a.version, "WO-7", "OP-01", None))
    b = svc.allocate(LEAD, Allocate("WO-5", operator_id="OP-12"))
    clock.advance(minutes=30)
    svc.release(LEAD, Release(b.allocation_id, b.version))
    check = replay_check(svc.app.engine)
    assert check.matches, check
    assert (check.events, check.allocations) == (4, 2)
    past = board_at(svc.app.engine, NOW + timedelta(minutes=10))
    assert past.historic
    assert [(x.work_order_id, x.machine_id) for x in past.allocations] == [("WO-1", "M-P1")]
    past_state = BoardState()
    past_state.load(past)
    assert past_state.machines["M-P1"].status == "running"
    assert past_state.plan("operator:OP-12", "work_order:WO-5").verdict.codes == ("historic",)
    later = board_at(svc.app.engine, NOW + timedelta(minutes=40))
    assert sorted(x.work_order_id for x in later.allocations) == ["WO-5", "WO-7"]


def test_replay_notices_a_table_that_disagrees(svc: AllocationService) -> None:
    a = svc.allocate(LEAD, Allocate("WO-1", operator_id="OP-01"))
    with svc.app.engine.begin() as conn:
        from sqlalchemy import update

        from services.persistence.tables import work

        conn.execute(
            update(work.allocations)
            .where(work.allocations.c.id == a.allocation_id)
            .values(work_order_id="WO-7")
        )
    check = replay_check(svc.app.engine)
    assert not check.matches
    assert "work_order_id" in check.mismatches[0]


def test_cli_replay_and_suggest(svc: AllocationService, capsys: pytest.CaptureFixture[str]) -> None:
    url = str(svc.app.engine.url)
    assert run(["allocation", "replay", "--database-url", url, "--json"]) == 0
    assert '"replay_matches": true' in capsys.readouterr().out
    assert run(["allocation", "suggest", "--database-url", url]) == 2
    assert "--work-order" in capsys.readouterr().err
    assert run(["bench", "seats", "--database-url", url, "--seats", "2"]) == 2
    assert "needs a shared PostgreSQL and Redis" in capsys.readouterr().err
