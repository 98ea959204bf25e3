"""Two seats in two processes on the same PostgreSQL and Redis: a reassignment on seat A appears
in seat B's board; Redis is restarted in the middle and B still converges with nothing missed."""

from __future__ import annotations

import multiprocessing as mp
import time
from typing import Any

import pytest

from services.allocation.board_queries import BoardReader
from services.allocation.board_state import BoardState
from services.allocation.commands import Allocate
from services.allocation.service import AllocationService
from services.messaging.outbox import latest_seq
from tests.conftest import NOW
from tests.e2e.seat_process import acting_seat, summary, watching_seat
from tests.servers import RedisServer
from tests.services.allocation.plant import LEAD, seed_allocation_plant

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


def _expect(q: Any, kind: str, timeout: float = 60) -> tuple[Any, ...]:
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        assert left > 0, f"no {kind!r} message in time"
        msg = q.get(timeout=left)
        if msg[0] == kind:
            return tuple(msg[1:])
        assert msg[0] != "error", msg


def _wait_for_board(q: Any, check: Any, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        assert left > 0, "seat B's board did not show the change in time"
        msg = q.get(timeout=left)
        if msg[0] == "batch" and check(msg[2]):
            return dict(msg[2])


def test_a_change_on_seat_a_reaches_seat_b_across_a_redis_restart(
    pg_url: str, own_redis: RedisServer, make_app: Any
) -> None:
    setup = make_app(pg_url)
    seed_allocation_plant(setup)
    first = AllocationService(setup).allocate(LEAD, Allocate("WO-1", operator_id="OP-01"))
    ctx = mp.get_context("spawn")
    b_out, a_in, a_out, stop = ctx.Queue(), ctx.Queue(), ctx.Queue(), ctx.Event()
    seat_b = ctx.Process(target=watching_seat, args=(pg_url, own_redis.url, NOW, b_out, stop))
    seat_a = ctx.Process(target=acting_seat, args=(pg_url, own_redis.url, NOW, a_in, a_out))
    seat_b.start()
    seat_a.start()
    try:
        (ready,) = _expect(b_out, "ready")
        assert ready["operators"] == {"OP-01": "WO-1"}
        _expect(a_out, "ready")
        time.sleep(0.5)  # B's subscriber is listening on Redis

        # 1. a reassignment on A shows on B's board
        a_in.put(("reassign", (first.allocation_id, first.version, "WO-7", "OP-01", None)))
        (moved,) = _expect(a_out, "done")
        seen = _wait_for_board(b_out, lambda s: s["operators"].get("OP-01") == "WO-7")
        assert seen["allocations"][first.allocation_id][4] == moved[1]

        # 2. Redis goes away: A keeps committing (the outbox has every change) ...
        own_redis.stop()
        a_in.put(("allocate", ("WO-5", "OP-12")))
        (lou,) = _expect(a_out, "done")
        a_in.put(("reassign", (first.allocation_id, moved[1], "WO-8", "OP-01", None)))
        _expect(a_out, "done")
        a_in.put(("allocate", ("WO-1", None, "M-P2")))
        _expect(a_out, "done")
        # ... and comes back empty: streams and keys are gone
        own_redis.restart()
        a_in.put(("release", (lou[0], lou[1])))
        _expect(a_out, "done")
        a_in.put(("allocate", ("WO-1", "OP-10", "M-P2")))  # staffs the waiting press
        _expect(a_out, "done")
        last = latest_seq(setup.engine)

        # 3. B converges on exactly what the database holds, with every change delivered once
        truth = BoardState()
        truth.load(BoardReader(setup.engine).snapshot(NOW))
        _wait_for_board(b_out, lambda s: s == summary(truth), timeout=40)
    finally:
        a_in.put(None)
        stop.set()
    seqs, final, reconnects = _expect(b_out, "final")
    seat_a.join(30)
    seat_b.join(30)
    assert final == summary(truth)
    assert final["operators"] == {"OP-01": "WO-8", "OP-10": "WO-1"}
    assert seqs == list(range(seqs[0], last + 1))  # in order, none missing, none twice
    assert seqs[0] == first.seqs[-1] + 1
    assert reconnects >= 1
