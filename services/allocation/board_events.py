"""Applying allocation change events to a seat's board from what the events carry.

An allocation call's change event carries the state it left behind (StatusKeeper.state in
status.py): every allocation it wrote, as a board card, with the version it had before, and the
version before / after and the status of every operator, machine and work order it touched,
and the stock left of each material it reserved (the row was locked by the call, so the value
is the newest). A seat whose board holds exactly the "before" versions applies that to its
cards without reading anything (the stock goes into the material lines of its queued orders);
the fields a card derives from the allocations (who holds an operator or a machine, who works
on an order, idle minutes) are derived from the board's allocations, as the reads in
board_queries.py derive them from the rows.

Whatever the payload cannot tell goes back to the caller as ids to read
(:meth:`BoardReader.delta`, as before): an event without a payload (another topic, an older
program), a card the board does not have, a version the board did not expect (a change it has
not seen), an order back in the queue whose lines name a material no card of the board shows
(only its material lines), a machine whose order or operator
the board lacks. The feed delivers events in sequence order, and a seat that saw a gap reads the
missing ones from the outbox before the newer ones, so "before" versions line up.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from domain.events import ChangeEvent, Topic
from domain.model.people import OperatorStatus
from domain.model.work import WorkOrderStatus
from domain.rules.allocation import MaterialNeed
from services.allocation.board_queries import card_ids
from services.allocation.board_state import BoardState
from services.allocation.cards import AllocationCard, CardIds

log = logging.getLogger(__name__)

QUEUED = WorkOrderStatus.QUEUED.value
CLOSED = frozenset(s.value for s in WorkOrderStatus if s.is_closed)
AVAILABLE = OperatorStatus.AVAILABLE.value


def _dt(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text is not None else None


def _allocation_card(aid: int, s: dict[str, Any]) -> AllocationCard:
    start = _dt(s["start"])
    if start is None:
        raise ValueError(f"allocation {aid} without a start")
    return AllocationCard(
        id=aid,
        work_order_id=s["work_order_id"],
        status=s["status"],
        version=int(s["version"]),
        start=start,
        end=_dt(s["end"]),
        operator_id=s["operator_id"],
        machine_id=s["machine_id"],
        method=s["method"],
        score=s["score"],
        allocated_by=s["allocated_by"],
        updated_by=s["updated_by"],
        updated_seat=s["updated_seat"],
        updated_at=_dt(s["updated_at"]),
    )


def _fits(state: BoardState, payload: dict[str, Any]) -> bool:
    """Whether the board has every card the event changes, at the version the event starts
    from (or newer: a read already gave the board what the event did)."""
    for aid, before, s in payload["allocations"]:
        cur = state.allocations.get(int(aid))
        if cur is None:
            # new (before is None), or no longer held and so no longer on the board
            if before is not None and s["status"] in ("active", "paused"):
                return False
        elif cur.version != before and cur.version < int(s["version"]):
            return False
    for key, cards in (("operators", state.operators), ("machines", state.machines)):
        for ident, before, after, *_rest in payload[key]:
            card = cards.get(ident)
            if card is None or (card.version != before and card.version < after):
                return False
    for ident, before, after, status in payload["work_orders"]:
        wo = state.work_orders.get(ident)
        if wo is None:
            if status not in CLOSED:
                return False  # an order the board does not show (yet): read it
        elif wo.version != before and wo.version < after:
            return False
    return True


class _Applied:
    """Which cards the applied events touched (their derived fields are worked out once)."""

    def __init__(self) -> None:
        self.operators: set[str] = set()
        self.machines: set[str] = set()
        self.work_orders: set[str] = set()
        self.stock: dict[str, float] = {}  # material id -> available now
        self.lines: dict[str, list[list[Any]] | None] = {}  # requeued order -> its lines
        self.requeued: set[str] = set()  # orders put back in the queue by these events
        self.changed: set[str] = set()


def _apply_one(state: BoardState, payload: dict[str, Any], done: _Applied) -> None:
    for aid, _before, s in payload["allocations"]:
        aid = int(aid)
        cur = state.allocations.get(aid)
        if cur is not None and cur.version >= int(s["version"]):
            continue
        if s["status"] in ("active", "paused"):
            state.allocations[aid] = _allocation_card(aid, s)
            done.changed.add(f"allocation:{aid}")
        elif state.allocations.pop(aid, None) is not None:
            done.changed.add(f"allocation:{aid}")
    for ident, _before, after, status, since in payload["operators"]:
        op = state.operators[ident]
        if op.version < after:
            state.operators[ident] = replace(
                op, status=status, version=after, status_since=_dt(since)
            )
        done.operators.add(ident)
    for ident, _before, after, status in payload["machines"]:
        m = state.machines[ident]
        if m.version < after:
            state.machines[ident] = replace(m, status=status, version=after)
        done.machines.add(ident)
    for ident, _before, after, status in payload["work_orders"]:
        wo = state.work_orders.get(ident)
        if wo is None:
            continue  # closed and not on the board: nothing to show
        done.work_orders.add(ident)
        if wo.version < after:
            if status == QUEUED and wo.status != QUEUED:
                # back in the queue: its material lines are the ones this event lists
                done.requeued.add(ident)
                done.lines[ident] = payload.get("lines", {}).get(ident)
            state.work_orders[ident] = replace(wo, status=status, version=after)
    for ident, available in payload.get("materials", ()):
        done.stock[ident] = float(available)


def _derive(state: BoardState, done: _Applied, at: datetime) -> CardIds:
    """Work out the derived fields of the touched cards from the board's allocations, as the
    reads do from the rows; returns the cards that need a read after all."""
    ordered = sorted(state.allocations.values(), key=lambda a: a.id)
    op_holds: dict[str, AllocationCard] = {}
    m_holds: dict[str, AllocationCard] = {}
    by_wo: dict[str, list[AllocationCard]] = {}
    for a in ordered:
        if not a.holds:
            continue
        by_wo.setdefault(a.work_order_id, []).append(a)
        if a.start <= at and (a.end is None or a.end > at):
            if a.operator_id:
                op_holds.setdefault(a.operator_id, a)
            if a.machine_id:
                m_holds.setdefault(a.machine_id, a)
    read_machines: set[str] = set()
    read_orders: set[str] = set()
    stock: dict[str, float] | None = None
    for ident in done.operators:
        op = state.operators[ident]
        held = op_holds.get(ident)
        idle = None
        if held is None and op.shift is not None and op.status == AVAILABLE:
            since = op.status_since or op.shift.start
            idle = max(0, int((at - max(since, op.shift.start)).total_seconds() // 60))
        new = replace(
            op,
            idle_minutes=idle,
            allocation_id=held.id if held else None,
            work_order_id=held.work_order_id if held else None,
            machine_id=held.machine_id if held else None,
        )
        _put(state.operators, ident, new, done.changed)
    for ident in done.machines:
        m = state.machines[ident]
        held = m_holds.get(ident)
        number = None
        names: tuple[str, ...] = ()
        if held is not None:
            order = state.work_orders.get(held.work_order_id)
            who = state.operators.get(held.operator_id) if held.operator_id else None
            if order is None or (held.operator_id and who is None):
                read_machines.add(ident)
                continue
            number = order.number
            names = (who.name,) if who is not None else ()
        new_m = replace(
            m,
            allocation_id=held.id if held else None,
            work_order_id=held.work_order_id if held else None,
            work_order_number=number,
            operator_ids=(held.operator_id,) if held and held.operator_id else (),
            operator_names=names,
        )
        _put(state.machines, ident, new_m, done.changed)
    for ident in done.work_orders:
        wo = state.work_orders[ident]
        if wo.status in CLOSED:
            del state.work_orders[ident]
            done.changed.add(wo.key)
            continue
        materials = wo.materials if wo.status == QUEUED else ()
        if wo.status == QUEUED and ident in done.requeued:
            # back in the queue: what it still needs of its materials, with the stock the
            # board shows (read when the event has no lines or the board knows no stock)
            if stock is None:
                stock = _stock(state, done)
            lines = _lines(done.lines.get(ident), stock)
            if lines is None:
                read_orders.add(ident)
            else:
                materials = lines
        held_by = by_wo.get(ident, [])
        new_w = replace(
            wo,
            materials=materials,
            allocation_ids=tuple(a.id for a in held_by),
            operator_ids=tuple(a.operator_id for a in held_by if a.operator_id),
            machine_ids=tuple(a.machine_id for a in held_by if a.machine_id),
            late=at > wo.due,
        )
        _put(state.work_orders, ident, new_w, done.changed)
    if done.stock:
        told = done.stock
        for ident, wo in list(state.work_orders.items()):
            if ident in read_orders or not any(m.material_id in told for m in wo.materials):
                continue
            updated = tuple(
                replace(m, available=told[m.material_id]) if m.material_id in told else m
                for m in wo.materials
            )
            _put(state.work_orders, ident, replace(wo, materials=updated), done.changed)
    return CardIds(
        machines=frozenset(read_machines), materials_of=frozenset(read_orders), light=True
    )


def _stock(state: BoardState, done: _Applied) -> dict[str, float]:
    """The available stock of each material as the board shows it on its queued orders (all
    of them show the same: every change of stock updates or re-reads them together), with
    what this batch's events told."""
    out: dict[str, float] = {}
    for wo in state.work_orders.values():
        for m in wo.materials:
            out.setdefault(m.material_id, m.available)
    out.update(done.stock)
    return out


def _lines(
    rows: list[list[Any]] | None, stock: dict[str, float]
) -> tuple[MaterialNeed, ...] | None:
    if rows is None or any(r[0] not in stock for r in rows):
        return None
    return tuple(
        MaterialNeed(
            material_id=mid,
            name=name,
            part_number=part,
            unit=unit,
            to_reserve=float(to_reserve),
            available=stock[mid],
            critical=bool(critical),
        )
        for mid, name, part, unit, to_reserve, critical in rows
    )


def _put(store: dict[str, Any], ident: str, card: Any, changed: set[str]) -> None:
    if store.get(ident) != card:
        store[ident] = card
        changed.add(card.key)


def apply_events(
    state: BoardState, events: Sequence[ChangeEvent], at: datetime
) -> tuple[set[str], CardIds]:
    """Apply what ``events`` (in sequence order) carry to ``state``; returns the keys of the
    cards that changed and the ids still to read (``state.expand`` them, then
    :meth:`BoardReader.delta` and :meth:`BoardState.apply`; empty when nothing is left)."""
    done = _Applied()
    unread: list[ChangeEvent] = []
    materials: set[str] = set()  # stock changed and not told: the queued orders' lines are read
    loaded = state.at is not None and not state.historic
    try:
        for e in events:
            payload = e.data.get("state") if e.topic is Topic.ALLOCATION else None
            if not loaded or not isinstance(payload, dict) or not _fits(state, payload):
                unread.append(e)
                continue
            _apply_one(state, payload, done)
            if "materials" not in payload:
                materials.update(e.data.get("materials", ()))
        if done.operators or done.machines or done.work_orders or done.changed:
            state.at = at
            state._bookings = None
        rest = _derive(state, done, at)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        # a payload this program does not understand, maybe half applied: read the whole board
        log.exception("could not apply change events %s..%s", events[0].seq, events[-1].seq)
        return done.changed, CardIds(everything=True)
    if unread:
        rest = rest | card_ids(unread)
    if materials:
        rest = rest | CardIds(materials=frozenset(materials), light=True)
    return done.changed, rest
