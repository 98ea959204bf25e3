"""Roster drafts: a roster prepared over several sittings, reviewed, then published at once.

A draft (a ``roster_drafts`` row) holds the cells it would change against the published roster,
each with the published value it was made from (``before``) and the draft's value (``after``;
``absent`` records an absence). Nobody but the roster screen sees a draft: the allocation board
and the operators see the published roster only (``shift_assignments``), until the draft is
published.

- :meth:`DraftService.read` gives the published roster of the draft's range with the draft's
  changes applied (what the grid shows), the cells that differ, and the cells whose published
  value changed since the draft was made (conflicts).
- :meth:`DraftService.edit` is checked like an edit of the published roster (the cell's own
  refusal and the labour rules, on the draft's view) but changes only the draft row; a draft
  somebody else changed since the editor read it (``expected_version``) is refused naming who,
  from which seat and when.
- :meth:`DraftService.publish` writes the changes through
  :meth:`services.rostering.store.RosterService.save_in` in one transaction with the draft's
  status: refused as a whole, with nothing written, when a published cell changed since the
  draft was made (each conflict listed) or when the result breaks a labour rule.

Every write has an audit row (entity ``roster_draft``) and a ``Topic.ROSTER_DRAFT`` change event
(``draft_created``, ``draft_edited``, ``draft_published``, ``draft_discarded``) so other seats'
roster screens see drafts appear and change; the allocation board, which reloads on every
``Topic.ROSTER`` event, hears of a draft only when it is published (the ``saved`` event).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, text, update
from sqlalchemy.engine import Connection, RowMapping

from domain.auth import Actor, Permission
from domain.errors import ConcurrentEdit, NotFound, RuleViolation, ValidationError, Violation
from domain.events import Change, Topic
from domain.rules.rostering import OFF
from services.bootstrap import App
from services.persistence.tables import people
from services.persistence.uow import UnitOfWork
from services.rostering.snapshot import CellChange, CellDto, RosterSnapshot
from services.rostering.store import (
    ALWAYS_REFUSED,
    ROSTER_LOCK_KEY,
    RosterService,
    _check_range,
    read_snapshot,
)

DRAFT = "draft"
PUBLISHED = "published"
DISCARDED = "discarded"
MAX_NAME = 200


@dataclass(frozen=True, slots=True)
class DraftDto:
    """A draft as the selector lists it: ``cells`` is how many cells it changes."""

    id: str
    name: str
    start: date
    days: int
    status: str
    cells: int
    version: int
    created_by: str
    created_at: datetime
    updated_by: str | None = None
    updated_seat: str | None = None
    updated_at: datetime | None = None
    published_by: str | None = None
    published_at: datetime | None = None
    notes: str | None = None

    @property
    def label(self) -> str:
        return f"{self.name} ({self.cells} cell{'' if self.cells == 1 else 's'})"


@dataclass(frozen=True, slots=True)
class DraftConflictDto:
    """A cell the draft changes whose published value moved since the draft was made."""

    operator_id: str
    day: date
    before: str  # the published value the draft was made from
    now: str  # the published value today

    def describe(self) -> str:
        return (
            f"{self.operator_id} on {self.day:%a %d %b}: the draft was made from "
            f"{self.before or 'a day off'}, the published roster now has {self.now or 'a day off'}"
        )


class DraftConflict(RuleViolation):
    """Publishing refused: published cells changed since the draft was made (nothing written)."""

    def __init__(self, conflicts: Sequence[DraftConflictDto]) -> None:
        self.conflicts = tuple(conflicts)
        super().__init__(
            [
                Violation(
                    "roster.draft_conflict",
                    c.describe(),
                    {"staff_id": c.operator_id, "day": c.day.isoformat()},
                )
                for c in self.conflicts
            ]
        )


@dataclass(frozen=True, slots=True)
class DraftViewDto:
    """A draft on the grid: ``snapshot`` is the published roster with the draft applied."""

    draft: DraftDto
    changes: tuple[CellChange, ...]
    published: RosterSnapshot
    snapshot: RosterSnapshot
    differs: frozenset[tuple[str, int]]  # (operator, day index) that differ from the published
    conflicts: tuple[DraftConflictDto, ...] = ()

    def published_cell(self, operator_id: str, day: int) -> CellDto:
        return self.published.cell(operator_id, day)


# -- the changes column ------------------------------------------------------------------------


def changes_to_json(changes: Iterable[CellChange]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for c in changes:
        row: dict[str, Any] = {
            "operator_id": c.operator_id,
            "day": c.day.isoformat(),
            "before": c.before,
            "after": c.after,
        }
        if c.absent:
            row["absent"] = True
        out.append(row)
    return out


def changes_from_json(raw: Any) -> tuple[CellChange, ...]:
    out = []
    for item in raw or []:
        out.append(
            CellChange(
                str(item["operator_id"]),
                date.fromisoformat(str(item["day"])),
                str(item.get("before") or OFF),
                str(item.get("after") or OFF),
                bool(item.get("absent", False)),
            )
        )
    return tuple(out)


def merge(
    published: RosterSnapshot, draft: Sequence[CellChange], edits: Iterable[CellChange]
) -> tuple[CellChange, ...]:
    """The draft's changes after ``edits`` (made on the draft's view): a cell the draft already
    changes keeps the published value it was made from; a new one takes today's published
    value; a cell edited back to its published value leaves the draft."""
    cells: dict[tuple[str, date], CellChange] = {(c.operator_id, c.day): c for c in draft}
    for e in edits:
        key = (e.operator_id, e.day)
        old = cells.get(key)
        before = old.before if old is not None else published.cell(*_at(published, e)).shift
        if e.absent:
            cells[key] = CellChange(e.operator_id, e.day, before, OFF, absent=True)
        elif e.after == before and not published.cell(*_at(published, e)).absent:
            cells.pop(key, None)
        else:
            cells[key] = CellChange(e.operator_id, e.day, before, e.after)
    return tuple(sorted(cells.values(), key=lambda c: (c.day, c.operator_id)))


def _at(snap: RosterSnapshot, c: CellChange) -> tuple[str, int]:
    return c.operator_id, snap.index_of(c.day)


def conflicts_of(
    published: RosterSnapshot, changes: Iterable[CellChange]
) -> tuple[DraftConflictDto, ...]:
    out = []
    for c in changes:
        now = published.cell(*_at(published, c)).shift
        if now != c.before:
            out.append(DraftConflictDto(c.operator_id, c.day, c.before, now))
    return tuple(out)


def differing(published: RosterSnapshot, view: RosterSnapshot) -> frozenset[tuple[str, int]]:
    keys = set(published.cells) | set(view.cells)
    return frozenset(
        k
        for k in keys
        if 0 <= k[1] < view.days
        and (published.cell(*k).shift, published.cell(*k).absent)
        != (view.cell(*k).shift, view.cell(*k).absent)
    )


# -- the service -------------------------------------------------------------------------------


class DraftService:
    """Roster drafts for one seat (thread-safe: one unit of work per call)."""

    def __init__(self, app: App, roster: RosterService | None = None) -> None:
        self.app = app
        self.roster = roster or RosterService(app)

    # -- reading ---------------------------------------------------------------------------
    def list(self, *, include_closed: bool = False) -> list[DraftDto]:
        """Open drafts, newest first (with ``include_closed``, published and discarded too)."""
        t = people.roster_drafts
        stmt = select(t).order_by(t.c.created_at.desc(), t.c.id.desc())
        if not include_closed:
            stmt = stmt.where(t.c.status == DRAFT)
        with self.app.engine.connect().execution_options(read_only=True) as conn:
            return [_dto(r) for r in conn.execute(stmt).mappings()]

    def get(self, draft_id: str) -> DraftDto:
        with self.app.engine.connect().execution_options(read_only=True) as conn:
            return _dto(_row(conn, draft_id))

    def read(self, draft_id: str) -> DraftViewDto:
        """The draft on the published roster of its range (as of now)."""
        with self.app.engine.connect().execution_options(read_only=True) as conn:
            row = _row(conn, draft_id)
            published = read_snapshot(conn, row["start"], row["days"], self.app.clock.now())
        return _view(row, published)

    # -- writing ---------------------------------------------------------------------------
    def create(
        self,
        actor: Actor,
        name: str,
        start: date,
        days: int,
        changes: Sequence[CellChange] = (),
        *,
        base: Sequence[CellChange] = (),
        notes: str | None = None,
        request_id: str | None = None,
    ) -> DraftDto:
        """A new draft of ``days`` days from ``start``: empty, or with ``changes`` (an Optimise
        or Repair proposal) made on the published roster (checked like an edit). ``base``: the
        changes of the draft the proposal was made on (``changes`` then apply on top of it)."""
        actor.require(Permission.ROSTER)
        _check_range(start, days)
        name = _clean_name(name)
        draft_id = f"RD-{uuid.uuid4().hex[:12]}"
        with self.app.uow(actor, request_id=request_id) as uow:
            published = read_snapshot(uow.conn, start, days, uow.now)
            merged = self._checked(uow.conn, published, tuple(base), changes, check=True)
            values = {
                "id": draft_id,
                "name": name,
                "start": start,
                "days": days,
                "changes": changes_to_json(merged),
                "status": DRAFT,
                "created_by": actor.user,
                "created_at": uow.now,
                "notes": notes,
                "version": 1,
                "updated_by": actor.user,
                "updated_seat": actor.seat,
                "updated_at": uow.now,
            }
            uow.conn.execute(insert(people.roster_drafts).values(**values))
            uow.audit(
                "roster_draft.create",
                "roster_draft",
                draft_id,
                None,
                {"name": name, "start": start.isoformat(), "days": days, "cells": len(merged)},
            )
            uow.record(Change(Topic.ROSTER_DRAFT, "draft_created", (draft_id,), {"name": name}))
            uow.commit()
        return self.get(draft_id)

    def edit(
        self,
        actor: Actor,
        draft_id: str,
        changes: Sequence[CellChange],
        expected_version: int,
        *,
        check: bool = True,
        request_id: str | None = None,
    ) -> DraftDto:
        """Change cells of the draft's view (``before``: what the editor saw there). Checked
        like a published edit; ``check=False`` (undo) still refuses past, locked and
        clocked-in cells. Only the draft row changes."""
        actor.require(Permission.ROSTER)
        with self.app.uow(actor, request_id=request_id) as uow:
            row = _locked_row(uow, draft_id, expected_version)
            published = read_snapshot(uow.conn, row["start"], row["days"], uow.now)
            old = changes_from_json(row["changes"])
            merged = self._checked(uow.conn, published, old, changes, check=check)
            self._update(uow, row, {"changes": changes_to_json(merged)})
            uow.audit(
                "roster_draft.edit",
                "roster_draft",
                draft_id,
                {c.operator_id + "|" + c.day.isoformat(): c.before for c in changes},
                {c.operator_id + "|" + c.day.isoformat(): c.after for c in changes},
            )
            ops = tuple(dict.fromkeys(c.operator_id for c in changes))
            uow.record(Change(Topic.ROSTER_DRAFT, "draft_edited", (draft_id,), {"operators": ops}))
            uow.commit()
        return self.get(draft_id)

    def rename(
        self,
        actor: Actor,
        draft_id: str,
        name: str,
        expected_version: int,
        *,
        request_id: str | None = None,
    ) -> DraftDto:
        """Give the open draft another name (refused on a stale version, naming who changed
        the draft; the same name is no change and writes nothing)."""
        actor.require(Permission.ROSTER)
        name = _clean_name(name)
        with self.app.uow(actor, request_id=request_id) as uow:
            row = _locked_row(uow, draft_id, expected_version)
            if row["name"] == name:
                return _dto(row)
            self._update(uow, row, {"name": name})
            uow.audit(
                "roster_draft.rename",
                "roster_draft",
                draft_id,
                {"name": row["name"]},
                {"name": name},
            )
            uow.record(Change(Topic.ROSTER_DRAFT, "draft_renamed", (draft_id,), {"name": name}))
            uow.commit()
        return self.get(draft_id)

    def publish(
        self,
        actor: Actor,
        draft_id: str,
        expected_version: int,
        *,
        request_id: str | None = None,
    ) -> DraftDto:
        """Write the draft's changes to the published roster and close the draft, in one
        transaction. Refused, with nothing written, on a conflict (:class:`DraftConflict`), a
        labour rule the result breaks, a past or locked cell, or a stale version."""
        actor.require(Permission.ROSTER)
        with self.app.uow(actor, request_id=request_id) as uow:
            row = _locked_row(uow, draft_id, expected_version)
            changes = changes_from_json(row["changes"])
            if uow.is_postgres:  # the roster's lock first: nobody publishes under our check
                uow.conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ROSTER_LOCK_KEY})
            published = read_snapshot(uow.conn, row["start"], row["days"], uow.now)
            conflicts = conflicts_of(published, changes)
            if conflicts:
                raise DraftConflict(conflicts)
            if changes:
                self.roster.save_in(
                    uow,
                    row["start"],
                    row["days"],
                    changes,
                    reason=f"published draft {row['name']}",
                )
            self._update(
                uow,
                row,
                {"status": PUBLISHED, "published_by": actor.user, "published_at": uow.now},
            )
            uow.audit(
                "roster_draft.publish",
                "roster_draft",
                draft_id,
                {"status": DRAFT},
                {"status": PUBLISHED, "cells": len(changes)},
            )
            uow.record(Change(Topic.ROSTER_DRAFT, "draft_published", (draft_id,)))
            uow.commit()
        return self.get(draft_id)

    def discard(
        self,
        actor: Actor,
        draft_id: str,
        expected_version: int,
        *,
        request_id: str | None = None,
    ) -> DraftDto:
        """Close the draft without publishing it (the row stays, status ``discarded``)."""
        actor.require(Permission.ROSTER)
        with self.app.uow(actor, request_id=request_id) as uow:
            row = _locked_row(uow, draft_id, expected_version)
            self._update(uow, row, {"status": DISCARDED})
            uow.audit(
                "roster_draft.discard",
                "roster_draft",
                draft_id,
                {"status": DRAFT},
                {"status": DISCARDED},
            )
            uow.record(Change(Topic.ROSTER_DRAFT, "draft_discarded", (draft_id,)))
            uow.commit()
        return self.get(draft_id)

    # -- helpers ---------------------------------------------------------------------------
    def _checked(
        self,
        conn: Connection,
        published: RosterSnapshot,
        old: Sequence[CellChange],
        edits: Sequence[CellChange],
        *,
        check: bool,
    ) -> tuple[CellChange, ...]:
        """The draft's changes after ``edits``, refused as a published edit would be on the
        draft's view (stale cells name who changed them; the rules; past and locked cells)."""
        if not edits:
            return tuple(old)
        end = published.start + timedelta(days=published.days)
        outside = [c for c in edits if not published.start <= c.day < end]
        if outside:
            raise ValidationError(f"{outside[0].day:%d %b} is outside the draft's days")
        view = published.with_changes(old)
        self.roster._stale_check(conn, view, edits)
        if check:
            refused = view.refusal(edits)
        else:
            cell_level = (view.cell_refusal(c) for c in edits)
            refused = [v for v in cell_level if v is not None and v.code in ALWAYS_REFUSED]
        if refused:
            raise RuleViolation(refused)
        return merge(published, old, edits)

    def _update(self, uow: UnitOfWork, row: RowMapping, values: dict[str, Any]) -> None:
        t = people.roster_drafts
        uow.conn.execute(
            update(t)
            .where(t.c.id == row["id"])
            .values(
                **values,
                version=t.c.version + 1,
                updated_by=uow.actor.user,
                updated_seat=uow.actor.seat,
                updated_at=uow.now,
            )
        )


def _clean_name(name: str) -> str:
    """The name with its spaces tidied; refused when empty or too long."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError("a draft needs a name")
    if len(name) > MAX_NAME:
        raise ValidationError(f"a draft's name has at most {MAX_NAME} characters")
    return name


def _row(conn: Connection, draft_id: str, *, lock: bool = False) -> RowMapping:
    t = people.roster_drafts
    stmt = select(t).where(t.c.id == draft_id)
    if lock and conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = conn.execute(stmt).mappings().first()
    if row is None:
        raise NotFound("roster draft", draft_id)
    return row


def _locked_row(uow: UnitOfWork, draft_id: str, expected_version: int) -> RowMapping:
    """The open draft, locked, at the version the caller saw (else ConcurrentEdit or a
    refusal that it is closed)."""
    row = _row(uow.conn, draft_id, lock=True)
    name = f"{row['name']!r}"
    if row["status"] != DRAFT:
        who = row["published_by"] or row["updated_by"] or "somebody"
        raise ValidationError(f"the roster draft {name} was already {row['status']} by {who}")
    if row["version"] != expected_version:
        raise ConcurrentEdit(
            "the roster draft",
            name,
            changed_by=row["updated_by"],
            seat=row["updated_seat"],
            at=row["updated_at"],
        )
    return row


def _dto(r: RowMapping) -> DraftDto:
    return DraftDto(
        id=str(r["id"]),
        name=str(r["name"]),
        start=r["start"],
        days=int(r["days"]),
        status=str(r["status"]),
        cells=len(r["changes"] or []),
        version=int(r["version"]),
        created_by=str(r["created_by"]),
        created_at=r["created_at"],
        updated_by=r["updated_by"],
        updated_seat=r["updated_seat"],
        updated_at=r["updated_at"],
        published_by=r["published_by"],
        published_at=r["published_at"],
        notes=r["notes"],
    )


def _view(row: RowMapping, published: RosterSnapshot) -> DraftViewDto:
    changes = changes_from_json(row["changes"])
    snapshot = published.with_changes(changes)
    return DraftViewDto(
        draft=_dto(row),
        changes=changes,
        published=published,
        snapshot=snapshot,
        differs=differing(published, snapshot),
        conflicts=conflicts_of(published, changes),
    )
