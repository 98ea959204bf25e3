"""The demo floor at work: operators on shift are put on waiting work orders through the
allocation service, so the demo starts with real allocations (every rule checked, statuses,
events and audit rows written as a shift lead's drops would), not with operators marked busy
on nothing."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime

from domain.auth import Actor
from domain.model.allocation import AllocationMethod
from services.bootstrap import App

log = logging.getLogger(__name__)

SHARE_AT_WORK = 0.6  # of the operators free at the start, about this many get work


@dataclass(frozen=True, slots=True)
class Staffing:
    allocated: int
    refused: int
    free_before: int


def staff_the_floor(
    app: App, actor: Actor, at: datetime, *, share: float = SHARE_AT_WORK, time_limit: float = 3.0
) -> Staffing:
    """Allocate about ``share`` of the free operators on shift to waiting work orders (the
    auto-allocation's best proposal, applied pair by pair through the service)."""
    from services.allocation.auto_allocate import apply, propose
    from services.allocation.board_queries import BoardReader
    from services.allocation.board_state import BoardState
    from services.allocation.service import AllocationService

    state = BoardState()
    state.load(BoardReader(app.engine).snapshot(at))
    proposal = propose(state, at=at, time_limit=time_limit, method=AllocationMethod.MANUAL)
    free = proposal.operators
    wanted = round(free * share)
    pairs = tuple(p for p in proposal.pairs if p.command is not None)[:wanted]
    service = AllocationService(app)
    applied = apply(service.execute, actor, replace(proposal, pairs=pairs))
    for suggestion, why in applied.refused:
        log.info("demo staffing: %s refused: %s", suggestion, why)
    return Staffing(len(applied.done), len(applied.refused), free)
