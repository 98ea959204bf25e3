"""Seat processes for the two-seat end-to-end test: each has its own service stack, change-feed
subscriber and board state (the plain state the desktop board model wraps)."""

from __future__ import annotations

import queue
import threading
from datetime import datetime
from typing import Any

from domain.auth import Actor, Role
from services.allocation.board_queries import BoardReader, card_ids
from services.allocation.board_state import BoardState
from services.allocation.commands import Allocate, Reassign, Release
from services.allocation.service import AllocationService


def summary(state: BoardState) -> dict[str, Any]:
    """What a shift lead sees: who works where, and every allocation with its version."""
    return {
        "operators": {o.id: o.work_order_id for o in state.operators.values() if o.allocation_id},
        "allocations": {
            a.id: (a.work_order_id, a.operator_id, a.machine_id, a.status, a.version)
            for a in state.allocations.values()
        },
    }


def _stack(url: str, redis_url: str, seat: str, now: datetime) -> Any:
    from services.bootstrap import bootstrap
    from services.clock import FixedClock
    from services.config import load_config

    config = load_config(database_url=url, redis_url=redis_url, seat=seat, user="lead")
    return bootstrap(config, clock=FixedClock(now))


def watching_seat(url: str, redis_url: str, now: datetime, out: Any, stop: Any) -> None:
    """Seat B: applies every change it hears of to its board and reports after each batch."""
    app = _stack(url, redis_url, "seat-B", now)
    reader = BoardReader(app.engine)
    state = BoardState()
    lock = threading.Lock()
    seqs: list[int] = []

    def on_events(events: list[Any]) -> None:
        with lock:
            ids = state.expand(card_ids(events))
            if ids:
                state.apply(reader.delta(now, ids, state))
            seqs.extend(e.seq for e in events)
            out.put(("batch", [e.seq for e in events], summary(state)))

    with lock:
        state.load(reader.snapshot(now))
    sub = app.subscribe(on_events, poll_interval=1.0, on_status=lambda s: out.put(("status", s)))
    out.put(("ready", summary(state)))
    stop.wait(120)
    sub.stop()
    with lock:
        out.put(("final", seqs, summary(state), sub.reconnects))
    app.close()


def acting_seat(url: str, redis_url: str, now: datetime, inbox: Any, out: Any) -> None:
    """Seat A: runs the commands it is sent and reports each result (or refusal)."""
    app = _stack(url, redis_url, "seat-A", now)
    service = AllocationService(app)
    actor = Actor("lead", Role.SHIFT_LEAD, "seat-A")
    kinds = {"allocate": Allocate, "reassign": Reassign, "release": Release}
    out.put(("ready", None))
    while True:
        try:
            msg = inbox.get(timeout=120)
        except queue.Empty:
            break
        if msg is None:
            break
        kind, args = msg
        try:
            result = service.execute(actor, kinds[kind](*args))
            out.put(("done", (result.allocation_id, result.version, result.seqs)))
        except Exception as exc:  # reported to the test, which fails on it
            out.put(("error", f"{type(exc).__name__}: {exc}"))
    app.close()
