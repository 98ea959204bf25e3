"""Rosters in the database: reading, saving with the rules, locks, repair and optimise
proposals, the audit trail and change events, and what the allocation board sees."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from domain.errors import ConcurrentEdit, PermissionDenied, RuleViolation, ValidationError
from domain.events import Topic
from domain.rules.allocation import shift_state
from domain.rules.rostering import OFF
from services.allocation.facts import load_roster, load_shifts
from services.persistence.tables import people
from services.persistence.tables.system import audit_log, change_events
from services.rostering.checker import check_roster
from services.rostering.problem import LockDto, SolveOptionsDto
from services.rostering.proposals import optimise, repair_absence
from services.rostering.snapshot import CellChange, CellDto
from services.rostering.store import RosterService
from tests.conftest import NOW
from tests.services.rostering.store_fixtures import (
    DAYS,
    LEAD,
    MONDAY,
    PLANNER,
    POLICY,
    PUBLISHED,
    SKILL_POLICY,
    seed,
)

FAST = SolveOptionsDto(time_limit=5.0, workers=2)


def day(n: int) -> Any:
    return MONDAY + timedelta(days=n)


@pytest.fixture
def service(db_url: str, make_app: Any) -> RosterService:
    app = make_app(db_url)
    seed(app)
    svc = RosterService(app)
    svc.save_policy(LEAD, POLICY)
    return svc


def _line(code: str) -> tuple[str, ...]:
    return tuple(OFF if c == "." else c for c in code)


def _rows(svc: RosterService) -> dict[tuple[str, Any], tuple[str, str, bool]]:
    t = people.shift_assignments
    with svc.app.engine.connect() as conn:
        rows = conn.execute(select(t.c.operator_id, t.c.day, t.c.shift_id, t.c.status, t.c.locked))
        return {(r[0], r[1]): (r[2], r[3], bool(r[4])) for r in rows}


def test_read_gives_the_published_week_the_stored_cover_and_contract(
    service: RosterService,
) -> None:
    snap = service.read(MONDAY, DAYS)
    assert {o.id: snap.line(o.id) for o in snap.operators} == {
        op: _line(code) for op, code in PUBLISHED.items()
    }
    assert snap.first_open_day == 0  # NOW is Monday morning
    assert snap.required(3, "E") == 1
    assert snap.planned(3, "E") == 1
    assert "stored" in snap.cover_note
    report = check_roster(snap.problem(), snap.roster())
    assert report.valid
    assert report.penalty.total == 0
    forklift = {o.id for o in snap.operators if "forklift" in o.skills}
    assert forklift == {"OP-1", "OP-3"}


def test_a_saved_cell_is_published_audited_and_announced(service: RosterService) -> None:
    # OP-3 takes Tuesday's early shift as well (over-cover, but no rule breaks)
    saved = service.save(LEAD, MONDAY, DAYS, [CellChange("OP-3", day(1), OFF, "E")])
    assert saved.operator_ids == ("OP-3",)
    rows = _rows(service)
    assert rows[("OP-3", day(1))] == ("E", "scheduled", False)
    with service.app.engine.connect() as conn:
        audit = conn.execute(
            select(
                audit_log.c.action, audit_log.c.user, audit_log.c.entity_id, audit_log.c.after
            ).where(audit_log.c.entity_type == "roster")
        ).all()
        events = conn.execute(
            select(change_events.c.topic, change_events.c.kind, change_events.c.ids)
        ).all()
    assert [(a.action, a.user, a.entity_id, a.after) for a in audit] == [
        ("roster.save", "lead", "OP-3", {day(1).isoformat(): "E"})
    ]
    assert (Topic.ROSTER.value, "saved", ["OP-3"]) in [(e[0], e[1], e[2]) for e in events]
    assert service.read(MONDAY, DAYS).line("OP-3") == _line(".EE..LL")


def test_clearing_a_cell_deletes_its_row(service: RosterService) -> None:
    service.save(LEAD, MONDAY, DAYS, [CellChange("OP-4", day(6), "E", OFF)])
    assert ("OP-4", day(6)) not in _rows(service)


def test_a_rule_break_is_refused_with_its_reason_and_nothing_is_saved(
    service: RosterService,
) -> None:
    before = _rows(service)
    # OP-1 works a late shift on Thursday: an early shift on Friday has too little rest
    with pytest.raises(RuleViolation) as err:
        service.save(LEAD, MONDAY, DAYS, [CellChange("OP-1", day(4), "L", "E")])
    assert err.value.violations[0].code == "roster.forbidden_succession"
    assert "may not follow shift L" in err.value.message
    # a fourth day in a row
    with pytest.raises(RuleViolation) as err:
        service.save(LEAD, MONDAY, DAYS, [CellChange("OP-1", day(2), OFF, "E")])
    assert err.value.violations[0].code == "roster.max_consecutive_shifts"
    assert _rows(service) == before


def test_a_move_between_operators_is_judged_as_a_whole(service: RosterService) -> None:
    # OP-2's Thursday early shift goes to OP-3 (off that day): one save, both cells
    moves = [CellChange("OP-2", day(3), "E", OFF), CellChange("OP-3", day(3), OFF, "E")]
    service.save(LEAD, MONDAY, DAYS, moves)
    snap = service.read(MONDAY, DAYS)
    assert snap.line("OP-2")[3] == OFF
    assert snap.line("OP-3")[3] == "E"
    # OP-4 works Wednesday's late shift: Thursday's early shift cannot go to them
    with pytest.raises(RuleViolation) as err:
        service.save(
            LEAD,
            MONDAY,
            DAYS,
            [CellChange("OP-3", day(3), "E", OFF), CellChange("OP-4", day(3), OFF, "E")],
        )
    assert err.value.violations[0].code == "roster.forbidden_succession"
    assert service.read(MONDAY, DAYS).line("OP-3")[3] == "E"


def test_a_stale_edit_names_who_changed_the_cell(service: RosterService) -> None:
    service.save(LEAD, MONDAY, DAYS, [CellChange("OP-3", day(1), OFF, "E")])
    with pytest.raises(ConcurrentEdit) as err:
        service.save(LEAD, MONDAY, DAYS, [CellChange("OP-3", day(1), OFF, "L")])
    assert "lead" in err.value.message
    assert "seat-1" in err.value.message


def test_only_roster_keepers_may_save(service: RosterService) -> None:
    with pytest.raises(PermissionDenied):
        service.save(PLANNER, MONDAY, DAYS, [CellChange("OP-3", day(1), OFF, "E")])
    with pytest.raises(PermissionDenied):
        service.set_locks(PLANNER, [("OP-3", day(1))], True)


def test_locked_cells_refuse_edits_and_the_optimiser_keeps_them(service: RosterService) -> None:
    service.save_policy(LEAD, SKILL_POLICY)
    # lock OP-2's Thursday early shift and OP-3's Thursday off
    service.set_locks(LEAD, [("OP-2", day(3)), ("OP-3", day(3))], True)
    snap = service.read(MONDAY, DAYS)
    assert snap.cell("OP-2", 3).locked
    assert snap.cell("OP-3", 3).locked
    assert snap.cell("OP-3", 3).shift == OFF
    with pytest.raises(RuleViolation) as err:
        service.save(LEAD, MONDAY, DAYS, [CellChange("OP-3", day(3), OFF, "E")])
    assert err.value.violations[0].code == "roster.locked"
    proposal = optimise(snap, FAST)
    assert proposal.ok, proposal.message
    assert proposal.changes  # the forklift cover is missed four times: it has work to do
    touched = {(c.operator_id, c.day) for c in proposal.changes}
    assert ("OP-2", day(3)) not in touched
    assert ("OP-3", day(3)) not in touched
    assert proposal.penalty_before == 400
    assert proposal.penalty_after is not None
    assert proposal.penalty_after < 400
    service.save(LEAD, MONDAY, DAYS, proposal.changes)
    after = service.read(MONDAY, DAYS)
    assert after.cell("OP-2", 3).shift == "E"
    assert after.cell("OP-2", 3).locked
    assert check_roster(after.problem(), after.roster()).valid
    # unlocking
    service.set_locks(LEAD, [("OP-2", day(3)), ("OP-3", day(3))], False)
    snap = service.read(MONDAY, DAYS)
    assert not snap.cell("OP-2", 3).locked
    assert not snap.cell("OP-3", 3).locked


def test_repair_proposes_a_minimal_diff_and_applying_it_records_the_absence(
    service: RosterService,
) -> None:
    snap = service.read(MONDAY, DAYS)
    proposal = repair_absence(snap, "OP-1", [day(1)], FAST, reason="sick")
    assert proposal.ok, proposal.message
    forced = [c for c in proposal.changes if c.absent]
    assert [(c.operator_id, c.day, c.before) for c in forced] == [("OP-1", day(1), "E")]
    voluntary = [c for c in proposal.changes if not c.absent]
    # one early shift is missing on Tuesday: OP-3 or OP-4 (both off) takes it, nothing else
    assert len(voluntary) == 1
    (fill,) = voluntary
    assert (fill.day, fill.before, fill.after) == (day(1), OFF, "E")
    assert fill.operator_id in ("OP-3", "OP-4")
    service.save(LEAD, MONDAY, DAYS, proposal.changes, reason="repair: OP-1 sick")
    rows = _rows(service)
    assert rows[("OP-1", day(1))] == ("E", "absent", False)  # kept on record, marked absent
    after = service.read(MONDAY, DAYS)
    assert after.cell("OP-1", 1).absent
    assert after.line("OP-1")[1] == OFF
    assert after.planned(1, "E") == 1
    # an absent cell cannot be given a shift again by hand
    with pytest.raises(RuleViolation) as err:
        service.save(LEAD, MONDAY, DAYS, [CellChange("OP-1", day(1), "E", "L")])
    assert err.value.violations[0].code == "roster.absent"


def test_past_days_cannot_change(service: RosterService) -> None:
    snap = service.read(MONDAY - timedelta(days=3), DAYS)
    assert snap.first_open_day == 3
    with pytest.raises(RuleViolation) as err:
        service.save(
            LEAD, MONDAY - timedelta(days=3), DAYS, [CellChange("OP-1", day(-1), OFF, "E")]
        )
    assert err.value.violations[0].code == "roster.past"


def test_the_allocation_board_sees_a_saved_roster(service: RosterService) -> None:
    app = service.app
    # OP-3 is off on Monday; put them on the early shift (06:00-14:00, NOW is 09:00)
    service.save(LEAD, MONDAY, DAYS, [CellChange("OP-3", day(0), OFF, "E")])
    with app.engine.connect() as conn:
        shifts = load_shifts(conn)
        roster = load_roster(conn, NOW, NOW.tzinfo)
    state = shift_state(roster["OP-3"], shifts, NOW, NOW.tzinfo)
    assert state is not None
    assert state.shift_id == "E"
    assert not state.absent


def test_without_a_stored_policy_the_demo_cover_is_derived_and_said_so(
    demo_sqlite_url: str, make_app: Any
) -> None:
    svc = RosterService(make_app(demo_sqlite_url))
    today = NOW.date()
    snap = svc.read(today, 14)
    assert "derived" in snap.cover_note
    assert len(snap.operators) == 60
    # the demo's 2-2-2 rotation puts one crew of four (15 of 60) on each shift every day
    assert {snap.required(0, s.id) for s in snap.shifts} == {15}
    assert {s.id for s in snap.shifts} == {"A", "B", "C"}
    report = check_roster(snap.problem(), snap.roster())
    assert report.valid, [str(v) for v in report.violations[:3]]


def test_the_day_before_the_range_counts_for_the_minimum_rest(service: RosterService) -> None:
    # shown from Tuesday: OP-2 worked a late shift on Monday, so no early shift on Tuesday
    tuesday = day(1)
    snap = service.read(tuesday, 6)
    assert snap.previous["OP-2"] == "L"
    with pytest.raises(RuleViolation) as err:
        service.save(LEAD, tuesday, 6, [CellChange("OP-2", tuesday, "L", "E")])
    assert "the day before" in err.value.message
    # ... and the solver gets the day before as a rule (not as a lock on the first day)
    problem = snap.problem()
    assert problem.previous["OP-2"] == "L"
    assert "E" in problem.forbidden_first("OP-2")
    assert all((k.staff_id, k.day) != ("OP-2", 0) for k in problem.locks)
    # a first day the solver must keep (locked, clocked in, past) stays as it is, even one that
    # breaks the rest: the rule is left out for it, so the problem stays solvable
    kept = replace(snap, cells={**snap.cells, ("OP-2", 0): CellDto("E", locked=True)})
    problem = kept.problem()
    assert "OP-2" not in problem.previous
    assert LockDto("OP-2", 0, "E") in problem.locks
    assert check_roster(problem, kept.roster()).valid


def test_forecast_absences_are_shown_and_repaired_around(service: RosterService) -> None:
    from datetime import datetime

    from sqlalchemy import insert

    from services.persistence.tables.system import absence_forecasts
    from services.rostering.proposals import repair_forecast

    def forecast(op: str, n: int, p: float, hour: int) -> dict[str, Any]:
        at = datetime(2026, 11, 15, hour, tzinfo=NOW.tzinfo)
        return {
            "operator_id": op,
            "day": day(n),
            "probability": p,
            "model": "test",
            "created_at": at,
        }

    with service.app.engine.begin() as conn:
        conn.execute(
            insert(absence_forecasts),
            [forecast("OP-1", 1, 0.8, 8), forecast("OP-2", 0, 0.9, 8), forecast("OP-2", 0, 0.2, 9)],
        )
    snap = service.read(MONDAY, DAYS)
    assert snap.forecast == {("OP-1", 1): 0.8, ("OP-2", 0): 0.2}  # the newest forecast wins
    proposal = repair_forecast(snap, 0.5, FAST)
    assert proposal.ok, proposal.message
    off = [c for c in proposal.changes if c.operator_id == "OP-1"]
    # planned around, not recorded: OP-1 is taken off Tuesday's early shift
    assert [(c.day, c.before, c.after, c.absent) for c in off] == [(day(1), "E", OFF, False)]
    fills = [c for c in proposal.changes if c.operator_id != "OP-1"]
    assert [(c.day, c.after) for c in fills] == [(day(1), "E")]
    with pytest.raises(ValidationError):
        repair_forecast(snap, 0.95, FAST)


def test_refusals_name_dates_not_day_numbers(service: RosterService) -> None:
    with pytest.raises(RuleViolation) as err:
        service.save(LEAD, MONDAY, DAYS, [CellChange("OP-1", day(2), OFF, "E")])
    assert "5 days in a row (Mon 16 Nov to Fri 20 Nov)" in err.value.message
    assert "day 0" not in err.value.message


def test_two_seats_racing_for_one_cell_one_wins(service: RosterService) -> None:
    import threading

    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def edit(code: str) -> None:
        barrier.wait()
        try:
            service.save(LEAD, MONDAY, DAYS, [CellChange("OP-3", day(1), OFF, code)])
            outcomes.append("saved")
        except ConcurrentEdit:
            outcomes.append("stale")

    threads = [threading.Thread(target=edit, args=(c,)) for c in ("E", "E")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["saved", "stale"]
    assert service.read(MONDAY, DAYS).cell("OP-3", 1).shift == "E"
