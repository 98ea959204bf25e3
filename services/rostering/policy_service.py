"""Reading and saving the site's roster policy (cover per shift, the weights, the site's contract,
the fairness goal) for the "Roster policy…" dialog and ``takt roster policy``.

The policy is one setting row whose value carries a version (0: nothing stored, the policy
shown was derived); a save names the version the caller read and is refused with who changed it
and when if another seat saved it since. On PostgreSQL the check and the write hold the roster's
advisory lock, so two seats saving at once cannot both pass the check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.engine import Connection

from domain.auth import Actor, Permission
from domain.errors import ConcurrentEdit
from domain.events import Change, Topic
from services.allocation.facts import plant_timezone
from services.bootstrap import App
from services.persistence.tables import people
from services.persistence.tables.system import settings
from services.persistence.uow import UnitOfWork
from services.rostering.policy import (
    POLICY_KEY,
    VERSION_FIELD,
    RosterPolicy,
    load_policy,
    save_policy,
)


@dataclass(frozen=True, slots=True)
class PolicyForm:
    """What the policy dialog shows: the policy in force (stored, or derived for today), the
    shift types, the skills operators hold (for cover per shift and skill), and who stored the
    policy when (None: derived), at which version (0: none stored)."""

    policy: RosterPolicy
    shift_ids: tuple[str, ...]
    shift_names: tuple[str, ...]
    skills: tuple[str, ...]
    stored_by: str | None
    stored_at: datetime | None
    version: int = 0


class PolicyService:
    def __init__(self, app: App) -> None:
        self.app = app

    def form(self) -> PolicyForm:
        with self.app.engine.connect().execution_options(read_only=True) as conn:
            s = people.shifts
            rows = conn.execute(select(s.c.id, s.c.name).order_by(s.c.start, s.c.id)).all()
            ids = tuple(str(r[0]) for r in rows)
            o = people.operators
            active = len(conn.execute(select(o.c.id).where(o.c.active.is_(True))).all())
            today = self.app.clock.now().astimezone(plant_timezone(conn)).date()
            policy = load_policy(conn, today, ids, active)
            sk = people.operator_skills
            held = {str(r[0]) for r in conn.execute(select(sk.c.skill_code).distinct())}
            row = _stored(conn)
        return PolicyForm(
            policy,
            ids,
            tuple(str(r[1]) for r in rows),
            tuple(sorted(held | {c.skill for c in policy.per_skill})),
            row.updated_by if row is not None else None,
            row.updated_at if row is not None else None,
            _version(row),
        )

    def save(
        self,
        actor: Actor,
        policy: RosterPolicy,
        *,
        seen_version: int,
        request_id: str | None = None,
    ) -> PolicyForm:
        """Store ``policy`` for the site, if it is still at the version the caller read
        (``seen_version``; 0: none was stored)."""
        actor.require(Permission.ROSTER)
        with self.app.uow(actor, request_id=request_id) as uow:
            if uow.is_postgres:
                from services.rostering.store import ROSTER_LOCK_KEY

                uow.conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ROSTER_LOCK_KEY})
            row = _stored(uow.conn)
            if _version(row) != seen_version:
                raise ConcurrentEdit(
                    "the roster policy",
                    "of the site",
                    changed_by=row.updated_by if row is not None else "somebody",
                    at=row.updated_at if row is not None else None,
                )
            store_policy(uow, policy)
            uow.commit()
        return self.form()


def _stored(conn: Connection) -> Any:
    return conn.execute(
        select(settings.c.value, settings.c.updated_by, settings.c.updated_at).where(
            settings.c.key == POLICY_KEY
        )
    ).first()


def _version(row: Any) -> int:
    if row is None:
        return 0
    value = row.value if isinstance(row.value, dict) else {}
    return int(value.get(VERSION_FIELD) or 1)  # stored before versions: 1


def store_policy(uow: UnitOfWork, policy: RosterPolicy) -> None:
    """Write the policy (at the next version), its audit row and its change event in ``uow``
    (not committed)."""
    version = _version(_stored(uow.conn)) + 1
    save_policy(uow.conn, policy, by=uow.actor.user, at=uow.now, version=version)
    uow.audit("roster.policy", "roster_policy", "site", None, policy.to_json())
    uow.record(Change(Topic.ROSTER, "policy_saved", ()))


__all__ = ["PolicyForm", "PolicyService", "store_policy"]
