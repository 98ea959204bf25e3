"""Roster drafts on SQLite and PostgreSQL: made from a repair proposal or by hand, edited with
the labour rules, published in one transaction (the board then sees the shifts), refused on
conflicts and stale versions with nothing written, discarded, and heard by another seat."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from domain.auth import Actor, Role
from domain.errors import ConcurrentEdit, PermissionDenied, RuleViolation, ValidationError
from domain.events import ChangeEvent, Topic
from domain.rules.allocation import shift_state
from domain.rules.rostering import OFF
from services.allocation.facts import load_roster, load_shifts
from services.persistence.tables import people
from services.persistence.tables.system import audit_log
from services.rostering.drafts import DraftConflict, DraftService
from services.rostering.problem import SolveOptionsDto
from services.rostering.proposals import repair_absence
from services.rostering.snapshot import CellChange
from services.rostering.store import RosterService
from tests.conftest import NOW
from tests.services.rostering.store_fixtures import DAYS, LEAD, MONDAY, PLANNER, POLICY, seed

FAST = SolveOptionsDto(time_limit=5.0, workers=2)
OTHER = Actor("admin", Role.ADMIN, "seat-2")


def day(n: int) -> Any:
    return MONDAY + timedelta(days=n)


@pytest.fixture
def drafts(db_url: str, make_app: Any) -> DraftService:
    app = make_app(db_url)
    seed(app)
    RosterService(app).save_policy(LEAD, POLICY)
    return DraftService(app)


def _rows(svc: DraftService) -> dict[tuple[str, Any], tuple[str, str]]:
    t = people.shift_assignments
    with svc.app.engine.connect() as conn:
        rows = conn.execute(select(t.c.operator_id, t.c.day, t.c.shift_id, t.c.status))
        return {(r[0], r[1]): (r[2], r[3]) for r in rows}


def test_a_repair_proposal_saved_as_a_draft_leaves_the_published_roster_alone(
    drafts: DraftService,
) -> None:
    before = _rows(drafts)
    published = drafts.roster.read(MONDAY, DAYS)
    proposal = repair_absence(published, "OP-1", [day(1)], FAST, reason="sick")
    assert proposal.ok, proposal.message
    made = drafts.create(LEAD, "Week 47 repair", MONDAY, DAYS, proposal.changes)
    assert (made.status, made.cells, made.version) == ("draft", len(proposal.changes), 1)
    assert _rows(drafts) == before  # nobody outside the roster screen sees it
    assert [d.id for d in drafts.list()] == [made.id]
    assert drafts.list()[0].label == f"Week 47 repair ({made.cells} cells)"
    view = drafts.read(made.id)
    assert view.snapshot.cell("OP-1", 1).absent  # the absence, as the draft records it
    fill = next(c for c in proposal.changes if not c.absent)
    assert view.snapshot.cell(fill.operator_id, 1).shift == "E"
    assert view.published.cell(fill.operator_id, 1).shift == OFF
    assert view.differs == {("OP-1", 1), (fill.operator_id, 1)}
    assert view.conflicts == ()
    with drafts.app.engine.connect() as conn:
        audit = conn.execute(
            select(audit_log.c.action, audit_log.c.entity_id).where(
                audit_log.c.entity_type == "roster_draft"
            )
        ).all()
    assert [(a.action, a.entity_id) for a in audit] == [("roster_draft.create", made.id)]


def test_an_edit_goes_to_the_draft_and_is_checked_like_a_published_one(
    drafts: DraftService,
) -> None:
    made = drafts.create(LEAD, "next week", MONDAY, DAYS)
    assert made.cells == 0
    before = _rows(drafts)
    edited = drafts.edit(LEAD, made.id, [CellChange("OP-3", day(1), OFF, "E")], made.version)
    assert (edited.cells, edited.version) == (1, 2)
    assert _rows(drafts) == before
    view = drafts.read(made.id)
    assert view.snapshot.line("OP-3")[:3] == (OFF, "E", "E")
    assert view.differs == {("OP-3", 1)}
    # a fourth day in a row on the draft's view (OP-1: E E . L L): refused in words
    with pytest.raises(RuleViolation) as err:
        drafts.edit(LEAD, made.id, [CellChange("OP-1", day(2), OFF, "E")], edited.version)
    assert "5 days in a row (Mon 16 Nov to Fri 20 Nov)" in err.value.message
    # the rule is judged on the draft, not on the published roster: OP-3 works Tuesday and
    # Wednesday in the draft, so Monday and Thursday make four days in a row there
    with pytest.raises(RuleViolation) as err:
        drafts.edit(
            LEAD,
            made.id,
            [CellChange("OP-3", day(0), OFF, "E"), CellChange("OP-3", day(3), OFF, "E")],
            edited.version,
        )
    assert "roster.max_consecutive_shifts" in {v.code for v in err.value.violations}
    assert drafts.get(made.id).version == edited.version  # refused: the draft is unchanged
    # a cell edited back to its published value leaves the draft
    back = drafts.edit(LEAD, made.id, [CellChange("OP-3", day(1), "E", OFF)], edited.version)
    assert back.cells == 0
    with pytest.raises(PermissionDenied):
        drafts.edit(PLANNER, made.id, [CellChange("OP-3", day(1), OFF, "E")], back.version)


def test_publish_writes_the_shifts_and_the_board_sees_them(drafts: DraftService) -> None:
    made = drafts.create(LEAD, "Monday cover", MONDAY, DAYS)
    # OP-3 is off on Monday; the draft puts them on the early shift (06:00-14:00, NOW 09:00)
    edited = drafts.edit(LEAD, made.id, [CellChange("OP-3", day(0), OFF, "E")], made.version)
    app = drafts.app
    with app.engine.connect() as conn:
        assert shift_state(load_roster(conn, NOW, NOW.tzinfo).get("OP-3", []),
                           load_shifts(conn), NOW, NOW.tzinfo) is None  # fmt: skip
    done = drafts.publish(LEAD, made.id, edited.version)
    assert (done.status, done.published_by) == ("published", "lead")
    assert _rows(drafts)[("OP-3", day(0))] == ("E", "scheduled")
    with app.engine.connect() as conn:
        state = shift_state(
            load_roster(conn, NOW, NOW.tzinfo)["OP-3"], load_shifts(conn), NOW, NOW.tzinfo
        )
        actions = [
            (r.action, r.entity_id, r.reason)
            for r in conn.execute(
                select(audit_log.c.action, audit_log.c.entity_id, audit_log.c.reason).order_by(
                    audit_log.c.id
                )
            )
        ]
    assert state is not None
    assert state.shift_id == "E"
    assert ("roster.save", "OP-3", "published draft Monday cover") in actions
    assert ("roster_draft.publish", made.id, None) in actions
    assert drafts.list() == []
    # a published draft is closed
    with pytest.raises(ValidationError, match="already published by lead"):
        drafts.edit(LEAD, made.id, [CellChange("OP-4", day(1), OFF, "E")], done.version)


def test_publish_is_refused_with_the_conflicting_cells_and_writes_nothing(
    drafts: DraftService,
) -> None:
    made = drafts.create(LEAD, "draft", MONDAY, DAYS, [CellChange("OP-3", day(4), OFF, "E")])
    # meanwhile somebody gives OP-3 Friday's late shift on the published roster
    drafts.roster.save(OTHER, MONDAY, DAYS, [CellChange("OP-3", day(4), OFF, "L")])
    before = _rows(drafts)
    view = drafts.read(made.id)
    assert [(c.operator_id, c.before, c.now) for c in view.conflicts] == [("OP-3", OFF, "L")]
    with pytest.raises(DraftConflict) as err:
        drafts.publish(LEAD, made.id, made.version)
    assert [(c.operator_id, c.day, c.before, c.now) for c in err.value.conflicts] == [
        ("OP-3", day(4), OFF, "L")
    ]
    assert err.value.message == (
        "OP-3 on Fri 20 Nov: the draft was made from a day off, the published roster now has L"
    )
    assert _rows(drafts) == before
    assert drafts.get(made.id).status == "draft"


def test_publish_judges_the_whole_result_against_todays_published_roster(
    drafts: DraftService,
) -> None:
    # OP-3: . . E . . L L published; the draft adds Monday and Tuesday (E E E . . L L)
    made = drafts.create(
        LEAD,
        "draft",
        MONDAY,
        DAYS,
        [CellChange("OP-3", day(0), OFF, "E"), CellChange("OP-3", day(1), OFF, "E")],
    )
    # then Thursday on the published roster (. . E E . L L): no cell of the draft moved ...
    drafts.roster.save(OTHER, MONDAY, DAYS, [CellChange("OP-3", day(3), OFF, "E")])
    before = _rows(drafts)
    # ... but together they make four days in a row
    with pytest.raises(RuleViolation) as err:
        drafts.publish(LEAD, made.id, made.version)
    assert not isinstance(err.value, DraftConflict)
    assert "in a row" in err.value.message
    assert _rows(drafts) == before
    assert drafts.get(made.id).status == "draft"


def test_a_stale_version_is_refused_naming_who_changed_the_draft(drafts: DraftService) -> None:
    made = drafts.create(LEAD, "shared draft", MONDAY, DAYS)
    drafts.edit(OTHER, made.id, [CellChange("OP-3", day(1), OFF, "E")], made.version)
    with pytest.raises(ConcurrentEdit) as err:
        drafts.edit(LEAD, made.id, [CellChange("OP-4", day(1), OFF, "E")], made.version)
    assert "changed by admin at seat-2" in err.value.message
    with pytest.raises(ConcurrentEdit):
        drafts.publish(LEAD, made.id, made.version)
    with pytest.raises(ConcurrentEdit):
        drafts.discard(LEAD, made.id, made.version)
    assert drafts.get(made.id).cells == 1


def test_rename_is_audited_heard_and_refused_when_stale_empty_or_closed(
    drafts: DraftService,
) -> None:
    made = drafts.create(LEAD, "Week 47", MONDAY, DAYS, [CellChange("OP-3", day(1), OFF, "E")])
    renamed = drafts.rename(LEAD, made.id, "  Week 47,   night  cover ", made.version)
    assert (renamed.name, renamed.version, renamed.cells) == (
        "Week 47, night cover",
        made.version + 1,
        1,
    )
    assert drafts.rename(LEAD, made.id, "Week 47, night cover", renamed.version) == renamed
    with pytest.raises(ConcurrentEdit) as stale:
        drafts.rename(OTHER, made.id, "Mine", made.version)
    assert "changed by lead at seat-1" in stale.value.message
    with pytest.raises(ValidationError, match="needs a name"):
        drafts.rename(LEAD, made.id, " ", renamed.version)
    with pytest.raises(PermissionDenied):
        drafts.rename(PLANNER, made.id, "x", renamed.version)
    t = audit_log
    with drafts.app.engine.connect() as conn:
        rows = conn.execute(
            select(t.c.before, t.c.after).where(t.c.action == "roster_draft.rename")
        ).all()
    assert [(r[0], r[1]) for r in rows] == [({"name": "Week 47"}, {"name": "Week 47, night cover"})]
    gone = drafts.discard(LEAD, made.id, renamed.version)
    with pytest.raises(ValidationError, match="already discarded"):
        drafts.rename(LEAD, made.id, "too late", gone.version)
    assert drafts.get(made.id).name == "Week 47, night cover"


def test_discard_closes_the_draft(drafts: DraftService) -> None:
    before = _rows(drafts)
    made = drafts.create(LEAD, "not needed", MONDAY, DAYS, [CellChange("OP-3", day(1), OFF, "E")])
    gone = drafts.discard(LEAD, made.id, made.version)
    assert gone.status == "discarded"
    assert drafts.list() == []
    assert [d.id for d in drafts.list(include_closed=True)] == [made.id]
    assert _rows(drafts) == before
    with pytest.raises(ValidationError, match="already discarded"):
        drafts.publish(LEAD, made.id, gone.version)
    with pytest.raises(ValidationError, match="needs a name"):
        drafts.create(LEAD, "  ", MONDAY, DAYS)


def test_another_seat_hears_drafts_appear_change_and_publish(
    sqlite_url: str, make_app: Any
) -> None:
    seat1 = make_app(sqlite_url)
    seed(seat1)
    RosterService(seat1).save_policy(LEAD, POLICY)
    seat2 = make_app(sqlite_url, seat="seat-2")
    heard: list[ChangeEvent] = []
    published = threading.Event()

    def on_events(events: list[ChangeEvent]) -> None:
        heard.extend(e for e in events if e.topic in (Topic.ROSTER, Topic.ROSTER_DRAFT))
        if any(e.kind == "draft_published" for e in heard):
            published.set()

    seat2.subscribe(on_events, poll_interval=0.1)
    svc = DraftService(seat1)
    made = svc.create(LEAD, "for review", MONDAY, DAYS)
    edited = svc.edit(LEAD, made.id, [CellChange("OP-3", day(1), OFF, "E")], made.version)
    svc.publish(LEAD, made.id, edited.version)
    assert published.wait(10)
    kinds = [(e.topic, e.kind, e.ids) for e in heard]
    assert kinds[:2] == [
        (Topic.ROSTER_DRAFT, "draft_created", (made.id,)),
        (Topic.ROSTER_DRAFT, "draft_edited", (made.id,)),
    ]
    # the board reloads on roster events: it hears of the draft only when it is published
    assert [k for k in kinds if k[0] is Topic.ROSTER] == [(Topic.ROSTER, "saved", ("OP-3",))]
    assert (Topic.ROSTER_DRAFT, "draft_published", (made.id,)) in kinds
    assert DraftService(seat2).get(made.id).status == "published"


def test_the_command_line_lists_refuses_a_conflicting_publish_and_discards(
    sqlite_url: str, make_app: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from domain.auth import SYSTEM_ACTOR
    from services.cli.main import run
    from services.users import UserService

    app = make_app(sqlite_url)
    seed(app)
    RosterService(app).save_policy(LEAD, POLICY)
    UserService(app).create_user(SYSTEM_ACTOR, "lead", "Lea D", Role.SHIFT_LEAD, "takt-takt")
    svc = DraftService(app)
    made = svc.create(LEAD, "Week 47", MONDAY, DAYS, [CellChange("OP-3", day(4), OFF, "E")])
    db = ["--database-url", sqlite_url]
    assert run(["roster", "drafts", "list", *db]) == 0
    out = capsys.readouterr().out
    assert made.id in out
    assert "1 cell(s)  Week 47 (by lead)" in out
    # somebody changes the draft's cell on the published roster: publish names the cell
    svc.roster.save(OTHER, MONDAY, DAYS, [CellChange("OP-3", day(4), OFF, "L")])
    assert run(["roster", "drafts", "publish", made.id, "--user", "lead", *db]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "OP-3 on Fri 20 Nov: the draft was made from a day off" in err
    assert svc.get(made.id).status == "draft"
    # (publishing through the command line runs on the real clock, where the fixture's week is
    # in the past: the successful publish is tested through the service above)
    assert run(["roster", "drafts", "rename", made.id, "Week 47 v2", "--user", "lead", *db]) == 0
    assert capsys.readouterr().out.strip() == "renamed 'Week 47' to 'Week 47 v2'"
    assert run(["roster", "drafts", "rename", made.id, " ", "--user", "lead", *db]) == 2
    assert "a draft needs a name" in capsys.readouterr().err
    assert run(["roster", "drafts", "discard", made.id, "--user", "lead", "--json", *db]) == 0
    assert '"status": "discarded"' in capsys.readouterr().out
    assert run(["roster", "drafts", "list", *db]) == 0
    assert capsys.readouterr().out.strip() == "no open roster drafts"
    assert run(["roster", "drafts", "list", "--all", "--json", *db]) == 0
    assert '"status": "discarded"' in capsys.readouterr().out
