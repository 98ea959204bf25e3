"""``takt bench seats`` itself, small: its checks hold on a short run with two seat processes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from domain.errors import ConcurrentEdit, RuleViolation, Violation
from services.allocation.bench import _table_of, classify, percentile, run_bench
from tests.services.allocation.plant import seed_allocation_plant


def test_percentile_and_classification() -> None:
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0], 50) == 3.0
    assert percentile(list(map(float, range(1, 101))), 99) == 99.0
    assert classify(ConcurrentEdit("allocation", 1)) == "conflict"
    assert classify(RuleViolation([Violation("operator_busy", "busy")])) == "conflict"
    assert classify(RuleViolation([Violation("operator_on_break", "break")])) == "rejected"


def test_lock_wait_labels_name_the_table() -> None:
    assert _table_of("SELECT work_orders.id FROM work_orders WHERE id = 1") == "select work_orders"
    assert _table_of('UPDATE "operators" SET status = 1') == "update operators"
    # pg_stat_activity cut a long column list before FROM: the first column names the table
    assert _table_of("SELECT operators.id, operators.employee_id, operators.fir") == (
        "select operators"
    )
    assert _table_of("WITH outbox_lock AS (SELECT pg_advisory_xact_lock(1)) INSERT INTO x") == (
        "with x"
    )


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.slow
def test_a_short_run_keeps_every_promise(pg_url: str, redis_url: str, make_app: Any) -> None:
    seed_allocation_plant(make_app(pg_url), now=datetime.now(UTC))
    figures = run_bench(pg_url, redis_url, seats=2, rate=8, duration=1.5)
    assert figures["committed"] > 0
    assert figures["lost_updates"] == 0
    assert figures["double_bookings"] == 0
    assert figures["replay_matches"] is True
    assert figures["propagation_missed"] == 0
    assert figures["propagation_samples"] == figures["events"]  # each event, the other seat
    assert figures["commit_ms"]["p50"] > 0
    # each seat's warm-up calls ran before the clock and are reported apart: the measured
    # events are exactly those of the measured calls (one change event per committed call)
    assert figures["warm_up_ms"]["first_call_p50"] is not None
    assert figures["events"] == figures["committed"]
    # each seat applied the events from what they carry and ended with the database's board
    assert figures["boards_differing"] == 0, figures["board_differences"]
    assert figures["board_card_reads_per_burst"] == 0
    assert figures["board_cpu_ms_per_event"] is not None
