"""Operators' own rostering contracts and shift requests in the database.

A contract is one ``operator_contracts`` row (limits left NULL are the site's, from the roster
policy); a request is one ``shift_requests`` row. Writes go through a unit of work: one audit
row per operator (entity ``operator_contract`` or ``shift_request``) and a ``roster`` change
event (``contract_saved`` / ``requests_saved``), so every seat showing the roster reads it
again and judges edits by the new rules. Writing needs the roster permission.

Each write carries what the editor saw: a contract by its version (0: there was none), a day's
requests by their (id, version) pairs. When somebody else changed them meanwhile the write is
refused with who changed them, from which seat and when.

The pure half (checks, conversion to the domain's contract and requests) is
:mod:`services.rostering.contract_rules`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, delete, insert, select, update
from sqlalchemy.engine import Connection, RowMapping
from sqlalchemy.exc import IntegrityError

from domain.auth import Actor, Permission
from domain.errors import ConcurrentEdit, NotFound, ValidationError
from domain.events import Change, Topic
from services.allocation.facts import plant_timezone
from services.bootstrap import App
from services.persistence.tables import people
from services.persistence.tables.system import audit_log
from services.persistence.uow import UnitOfWork
from services.rostering.contract_rules import (
    OperatorContractDto,
    RequestKind,
    ShiftRequestDto,
    validate_contract,
    validate_request,
)
from services.rostering.policy import RosterPolicy, load_policy

CONTRACT_ENTITY = "operator_contract"
REQUEST_ENTITY = "shift_request"


# -- reading (a connection, no unit of work) -------------------------------------------------------


def contract_from_row(r: RowMapping) -> OperatorContractDto:
    return OperatorContractDto(
        operator_id=str(r["operator_id"]),
        max_shifts={str(k): int(v) for k, v in dict(r["max_shifts"] or {}).items()},
        min_weekly_minutes=r["min_weekly_minutes"],
        max_weekly_minutes=r["max_weekly_minutes"],
        min_consecutive_shifts=r["min_consecutive_shifts"],
        max_consecutive_shifts=r["max_consecutive_shifts"],
        min_consecutive_days_off=r["min_consecutive_days_off"],
        max_weekends_per_4_weeks=r["max_weekends_per_4_weeks"],
        unavailable_weekdays=frozenset(int(d) for d in (r["unavailable_weekdays"] or [])),
        notes=r["notes"] or "",
        version=int(r["version"]),
        updated_by=r["updated_by"],
        updated_seat=r["updated_seat"],
        updated_at=r["updated_at"],
    )


def request_from_row(r: RowMapping) -> ShiftRequestDto:
    return ShiftRequestDto(
        operator_id=str(r["operator_id"]),
        day=r["day"],
        kind=RequestKind(r["kind"]),
        shift_id=r["shift_id"] or "",
        weight=int(r["weight"]),
        note=r["note"] or "",
        id=int(r["id"]),
        created_by=r["created_by"],
        created_at=r["created_at"],
        version=int(r["version"]),
    )


def read_contracts(
    conn: Connection, operator_ids: Collection[str] | None = None
) -> dict[str, OperatorContractDto]:
    t = people.operator_contracts
    stmt = select(t)
    if operator_ids is not None:
        stmt = stmt.where(t.c.operator_id.in_(sorted(operator_ids)))
    return {str(r["operator_id"]): contract_from_row(r) for r in conn.execute(stmt).mappings()}


def read_requests(
    conn: Connection, start: date, end: date, operator_id: str | None = None
) -> list[ShiftRequestDto]:
    """The requests of the days ``start`` <= day < ``end`` (of one operator if given)."""
    t = people.shift_requests
    stmt = select(t).where(t.c.day >= start, t.c.day < end)
    if operator_id is not None:
        stmt = stmt.where(t.c.operator_id == operator_id)
    rows = conn.execute(stmt.order_by(t.c.day, t.c.operator_id, t.c.id)).mappings()
    return [request_from_row(r) for r in rows]


def shift_ids(conn: Connection) -> set[str]:
    return {str(r[0]) for r in conn.execute(select(people.shifts.c.id))}


def _require_operator(conn: Connection, operator_id: str) -> None:
    o = people.operators
    if conn.execute(select(o.c.id).where(o.c.id == operator_id)).first() is None:
        raise NotFound("operator", operator_id)


def contract_values(c: OperatorContractDto) -> dict[str, Any]:
    """The stored columns of a contract (for the row and the audit trail)."""
    return {
        "max_shifts": dict(sorted(c.max_shifts.items())),
        "min_weekly_minutes": c.min_weekly_minutes,
        "max_weekly_minutes": c.max_weekly_minutes,
        "min_consecutive_shifts": c.min_consecutive_shifts,
        "max_consecutive_shifts": c.max_consecutive_shifts,
        "min_consecutive_days_off": c.min_consecutive_days_off,
        "max_weekends_per_4_weeks": c.max_weekends_per_4_weeks,
        "unavailable_weekdays": sorted(c.unavailable_weekdays),
        "notes": c.notes or None,
    }


def request_values(r: ShiftRequestDto) -> dict[str, Any]:
    return {
        "day": r.day.isoformat(),
        "shift_id": r.shift_id,
        "kind": r.kind.value,
        "weight": r.weight,
        "note": r.note or None,
    }


# -- writing inside a unit of work (the service and the CSV import) -------------------------------


def write_contract(uow: UnitOfWork, contract: OperatorContractDto, expected_version: int) -> int:
    """Insert, replace or (all blank, no notes) delete one contract; the new version (0 when
    deleted). Refused when the stored version is not ``expected_version`` (0: none stored)."""
    conn = uow.conn
    t = people.operator_contracts
    _require_operator(conn, contract.operator_id)
    validate_contract(contract, shift_ids(conn))
    row = conn.execute(select(t).where(t.c.operator_id == contract.operator_id)).mappings().first()
    stored = contract_from_row(row) if row is not None else None
    if (stored.version if stored else 0) != expected_version:
        raise _stale_contract(conn, contract.operator_id, stored)
    values = contract_values(contract)
    key = t.c.operator_id == contract.operator_id
    who = {"updated_by": uow.actor.user, "updated_seat": uow.actor.seat, "updated_at": uow.now}
    if contract.is_default() and not contract.notes:
        if stored is not None:
            conn.execute(delete(t).where(key, t.c.version == expected_version))
        version = 0
    elif stored is None:
        try:
            conn.execute(
                insert(t).values(operator_id=contract.operator_id, version=1, **values, **who)
            )
        except IntegrityError as exc:  # stored meanwhile by another seat
            raise _stale_contract(conn, contract.operator_id, None) from exc
        version = 1
    else:
        done = conn.execute(
            update(t)
            .where(key, t.c.version == expected_version)
            .values(version=expected_version + 1, **values, **who)
        ).rowcount
        if not done:
            raise _stale_contract(conn, contract.operator_id, stored)
        version = expected_version + 1
    uow.audit(
        "roster.contract",
        CONTRACT_ENTITY,
        contract.operator_id,
        contract_values(stored) if stored else None,
        values if version else None,
    )
    return version


def _stale_contract(
    conn: Connection, operator_id: str, stored: OperatorContractDto | None
) -> ConcurrentEdit:
    if stored is not None and stored.updated_by:
        return ConcurrentEdit(
            "the contract of",
            operator_id,
            changed_by=stored.updated_by,
            seat=stored.updated_seat,
            at=stored.updated_at,
        )
    return _stale_from_audit(conn, "the contract of", CONTRACT_ENTITY, operator_id)


def _stale_from_audit(conn: Connection, what: str, entity: str, entity_id: str) -> ConcurrentEdit:
    last = conn.execute(
        select(audit_log.c.user, audit_log.c.seat, audit_log.c.at)
        .where(audit_log.c.entity_type == entity, audit_log.c.entity_id == entity_id)
        .order_by(audit_log.c.id.desc())
        .limit(1)
    ).first()
    if last is None:
        return ConcurrentEdit(what, entity_id)
    return ConcurrentEdit(what, entity_id, changed_by=last.user, seat=last.seat, at=last.at)


def insert_requests(uow: UnitOfWork, requests: Sequence[ShiftRequestDto]) -> None:
    """Insert new requests (checked; an equal one already stored is refused)."""
    if not requests:
        return
    known = shift_ids(uow.conn)
    for r in requests:
        validate_request(r, known)
    rows = [
        {
            "operator_id": r.operator_id,
            "day": r.day,
            "shift_id": r.shift_id,
            "kind": r.kind.value,
            "weight": r.weight,
            "note": r.note or None,
            "created_by": uow.actor.user,
            "created_at": uow.now,
            "version": 1,
        }
        for r in requests
    ]
    try:
        uow.conn.execute(insert(people.shift_requests), rows)
    except IntegrityError as exc:
        raise ValidationError("one of these requests is already stored") from exc


def _day_entity(operator_id: str, day: date) -> str:
    return f"{operator_id} {day.isoformat()}"


# -- the service ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ContractForm:
    """What the contract dialog shows: the stored contract (version 0: none), the site's
    defaults (the roster policy) and the shift types."""

    operator_id: str
    name: str
    contract: OperatorContractDto
    site: RosterPolicy
    shift_ids: tuple[str, ...]


class ContractService:
    """Reading and writing contracts and requests for one seat (one unit of work per call)."""

    def __init__(self, app: App) -> None:
        self.app = app

    # -- reading ---------------------------------------------------------------------------
    def contract(self, operator_id: str) -> OperatorContractDto:
        with self.app.engine.connect().execution_options(read_only=True) as conn:
            found = read_contracts(conn, [operator_id]).get(operator_id)
        return found or OperatorContractDto(operator_id)

    def form(self, operator_id: str) -> ContractForm:
        with self.app.engine.connect().execution_options(read_only=True) as conn:
            o = people.operators
            op = conn.execute(
                select(o.c.first_name, o.c.last_name).where(o.c.id == operator_id)
            ).first()
            if op is None:
                raise NotFound("operator", operator_id)
            shifts = people.shifts
            ids = tuple(
                str(r[0])
                for r in conn.execute(select(shifts.c.id).order_by(shifts.c.start, shifts.c.id))
            )
            today = self.app.clock.now().astimezone(plant_timezone(conn)).date()
            site = load_policy(conn, today, ids, 0)
            found = read_contracts(conn, [operator_id]).get(operator_id)
        return ContractForm(
            operator_id,
            f"{op.first_name} {op.last_name}",
            found or OperatorContractDto(operator_id),
            site,
            ids,
        )

    def requests(
        self, start: date, end: date, operator_id: str | None = None
    ) -> list[ShiftRequestDto]:
        with self.app.engine.connect().execution_options(read_only=True) as conn:
            return read_requests(conn, start, end, operator_id)

    # -- writing ---------------------------------------------------------------------------
    def save_contract(
        self,
        actor: Actor,
        contract: OperatorContractDto,
        *,
        expected_version: int,
        request_id: str | None = None,
    ) -> OperatorContractDto:
        """Store ``contract`` (all limits blank and no notes: back to the site's contract).
        ``expected_version``: the version the editor saw (0: there was none)."""
        actor.require(Permission.ROSTER)
        with self.app.uow(actor, request_id=request_id) as uow:
            version = write_contract(uow, contract, expected_version)
            uow.record(Change(Topic.ROSTER, "contract_saved", (contract.operator_id,)))
            uow.commit()
            now = uow.now
        if not version:
            return OperatorContractDto(contract.operator_id)
        return replace(
            contract,
            version=version,
            updated_by=actor.user,
            updated_seat=actor.seat,
            updated_at=now,
        )

    def set_day_requests(
        self,
        actor: Actor,
        operator_id: str,
        day: date,
        requests: Iterable[ShiftRequestDto],
        *,
        seen: Iterable[tuple[int, int]] | None = None,
        request_id: str | None = None,
    ) -> tuple[ShiftRequestDto, ...]:
        """Replace the requests of ``operator_id`` on ``day`` by ``requests`` (none: remove
        them). ``seen``: the (id, version) of the requests the editor saw that day; refused
        when the stored ones differ (``None``: not checked)."""
        actor.require(Permission.ROSTER)
        todo = [replace(r, operator_id=operator_id, day=day) for r in requests]
        t = people.shift_requests
        key = and_(t.c.operator_id == operator_id, t.c.day == day)
        with self.app.uow(actor, request_id=request_id) as uow:
            conn = uow.conn
            _require_operator(conn, operator_id)
            before = read_requests(conn, day, day + timedelta(days=1), operator_id)
            if seen is not None and {(r.id, r.version) for r in before} != set(seen):
                raise _stale_from_audit(
                    conn, "the request list of", REQUEST_ENTITY, _day_entity(operator_id, day)
                )
            conn.execute(delete(t).where(key))
            insert_requests(uow, todo)
            uow.audit(
                "roster.requests",
                REQUEST_ENTITY,
                _day_entity(operator_id, day),
                {"requests": [request_values(r) for r in before]},
                {"requests": [request_values(r) for r in todo]},
            )
            uow.record(
                Change(Topic.ROSTER, "requests_saved", (operator_id,), {"days": [day.isoformat()]})
            )
            uow.commit()
        return tuple(self.requests(day, day + timedelta(days=1), operator_id))


__all__ = [
    "CONTRACT_ENTITY",
    "REQUEST_ENTITY",
    "ContractForm",
    "ContractService",
    "contract_from_row",
    "contract_values",
    "insert_requests",
    "read_contracts",
    "read_requests",
    "request_from_row",
    "request_values",
    "write_contract",
]
