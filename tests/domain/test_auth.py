"""Roles, permissions and Actor.require."""

from __future__ import annotations

import pytest

from domain.auth import ROLE_PERMISSIONS, SYSTEM_ACTOR, Actor, Permission, Role, User
from domain.errors import PermissionDenied

P = Permission


def test_every_role_has_a_permission_set() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)


def test_viewer_may_only_view() -> None:
    assert ROLE_PERMISSIONS[Role.VIEWER] == {P.VIEW}


def test_supervisor_watches_video_and_acknowledges_alerts_but_does_not_allocate() -> None:
    sup = ROLE_PERMISSIONS[Role.SUPERVISOR]
    assert sup == {P.VIEW, P.VIEW_LIVE_VIDEO, P.ACKNOWLEDGE_ALERTS}


def test_shift_lead_allocates_and_rosters_but_does_not_schedule() -> None:
    lead = ROLE_PERMISSIONS[Role.SHIFT_LEAD]
    assert {P.ALLOCATE, P.ROSTER} <= lead
    assert P.SCHEDULE not in lead
    assert P.MANAGE_USERS not in lead


def test_planner_schedules_and_imports_but_does_not_allocate() -> None:
    planner = ROLE_PERMISSIONS[Role.PLANNER]
    assert {P.SCHEDULE, P.IMPORT_DATA} <= planner
    assert P.ALLOCATE not in planner
    assert P.ROSTER not in planner


def test_only_admin_manages_users_and_operates_the_system() -> None:
    for role in Role:
        has = {P.MANAGE_USERS, P.OPERATE_SYSTEM, P.EDIT_PLANT, P.CALIBRATE_ZONES} & (
            ROLE_PERMISSIONS[role]
        )
        assert bool(has) == (role is Role.ADMIN), role
    assert ROLE_PERMISSIONS[Role.ADMIN] == set(Permission)


def test_every_role_includes_the_viewers_rights() -> None:
    for role in Role:
        assert ROLE_PERMISSIONS[Role.VIEWER] <= ROLE_PERMISSIONS[role]


def test_require_passes_silently_when_allowed() -> None:
    Actor("lead", Role.SHIFT_LEAD, "seat-1").require(P.ALLOCATE)


def test_require_refuses_with_user_role_and_action_in_the_message() -> None:
    actor = Actor("vera", Role.VIEWER, "seat-3")
    assert not actor.can(P.ACKNOWLEDGE_ALERTS)
    with pytest.raises(
        PermissionDenied, match=r"^vera \(viewer\) may not acknowledge alerts$"
    ) as e:
        actor.require(P.ACKNOWLEDGE_ALERTS)
    assert e.value.details == {
        "user": "vera",
        "role": "viewer",
        "permission": "acknowledge_alerts",
    }


def test_planner_may_not_allocate() -> None:
    with pytest.raises(PermissionDenied, match=r"planner\) may not allocate"):
        Actor("pia", Role.PLANNER, "seat-2").require(P.ALLOCATE)


def test_system_actor_is_an_automated_admin() -> None:
    assert SYSTEM_ACTOR.role is Role.ADMIN
    assert SYSTEM_ACTOR.source == "automated_system"
    for permission in Permission:
        SYSTEM_ACTOR.require(permission)


def test_user_acts_from_a_seat_in_its_role() -> None:
    user = User("lead", "Lea Lead", Role.SHIFT_LEAD, password_hash="x")
    actor = user.actor("seat-9")
    assert actor == Actor("lead", Role.SHIFT_LEAD, "seat-9")
    assert actor.source == "supervisor_ui"
