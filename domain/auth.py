"""Users, roles and what each role may do. Services check these; the GUI only hides buttons."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from domain.errors import PermissionDenied


class Role(enum.StrEnum):
    VIEWER = "viewer"
    SUPERVISOR = "supervisor"
    SHIFT_LEAD = "shift_lead"
    PLANNER = "planner"
    ADMIN = "admin"


class Permission(enum.StrEnum):
    VIEW = "view"
    VIEW_LIVE_VIDEO = "view_live_video"
    ACKNOWLEDGE_ALERTS = "acknowledge_alerts"
    ALLOCATE = "allocate"
    ROSTER = "roster"
    SCHEDULE = "schedule"
    EDIT_PLANT = "edit_plant"
    CALIBRATE_ZONES = "calibrate_zones"
    IMPORT_DATA = "import_data"
    MANAGE_USERS = "manage_users"
    OPERATE_SYSTEM = "operate_system"  # retention, anonymisation, backups, simulator


_VIEWER = frozenset({Permission.VIEW})
_SUPERVISOR = _VIEWER | {Permission.VIEW_LIVE_VIDEO, Permission.ACKNOWLEDGE_ALERTS}
_SHIFT_LEAD = _SUPERVISOR | {Permission.ALLOCATE, Permission.ROSTER}
_PLANNER = _SUPERVISOR | {Permission.SCHEDULE, Permission.IMPORT_DATA}
_ADMIN = frozenset(Permission)

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: _VIEWER,
    Role.SUPERVISOR: _SUPERVISOR,
    Role.SHIFT_LEAD: _SHIFT_LEAD,
    Role.PLANNER: _PLANNER,
    Role.ADMIN: _ADMIN,
}


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting, in which role, from which seat (workstation). Every service call takes one."""

    user: str
    role: Role
    seat: str
    source: str = "supervisor_ui"

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise PermissionDenied(
                f"{self.user} ({self.role.value}) may not {permission.value.replace('_', ' ')}",
                user=self.user,
                role=self.role.value,
                permission=permission.value,
            )


SYSTEM_ACTOR = Actor(user="system", role=Role.ADMIN, seat="system", source="automated_system")


@dataclass(slots=True)
class User:
    """A person who signs in to the control room. ``password_hash`` is never the password."""

    username: str
    display_name: str
    role: Role
    password_hash: str | None = None
    active: bool = True
    version: int = 1

    def actor(self, seat: str) -> Actor:
        return Actor(user=self.username, role=self.role, seat=seat)
