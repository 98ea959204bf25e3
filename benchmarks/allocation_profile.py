"""One seat's allocation calls on PostgreSQL: latency and statements per call, no contention.

    .venv/bin/python benchmarks/allocation_profile.py                 # throwaway PostgreSQL
    .venv/bin/python benchmarks/allocation_profile.py --calls 300 --profile
    .venv/bin/python benchmarks/allocation_profile.py --database-url URL --no-write

Starts a throwaway PostgreSQL (tests/servers.py: fsync off), loads the demo plant and makes
``--calls`` allocate / reassign / release calls the way the seats benchmark chooses them (a drop
planned on the seat's board), on the in-process feed. After each call (outside the timing) the
board reads the cards the call changed, as a seat does when the change event arrives; that read
is timed too (``delta``: the subscriber's share of seat-to-seat propagation): what the event
carries is applied (services/allocation/board_events.py) and the rest read; ``--read-deltas``
reads every card the event names instead. At the end the board is compared with a fresh
snapshot.

Per call it counts the SQL statements SQLAlchemy sends, the pool's liveness pings and the
BEGIN / COMMIT / ROLLBACK commands psycopg sends (each a round trip of its own), so
``round trips`` = statements + pings + those commands, a pipeline of statements (services/
persistence/pipeline.py) counting as one. Figures go to the
``allocation_profile`` section of benchmarks/RESULTS.md with the load average.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import random
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from benchmarks._results import write_section  # noqa: E402


class Counters:
    """SQL statements, pool pings and transactions on one engine."""

    def __init__(self, engine: Engine) -> None:
        self.statements = 0
        self.pings = 0
        self.transactions = 0
        self.commands = 0
        # statements sent in a psycopg pipeline (services/persistence/pipeline.py) and the
        # pipelines: a pipeline of n statements is one round trip, not n
        self.pipelined = 0
        self.pipelines = 0
        self._pipeline: object | None = None
        self.kinds: Counter[str] = Counter()
        self.record_kinds = False
        event.listen(engine, "before_cursor_execute", self._on_statement)
        event.listen(engine, "begin", self._on_begin)
        dialect = engine.dialect
        ping = dialect.do_ping

        def counted_ping(dbapi_connection: Any) -> bool:
            self.pings += 1
            return bool(ping(dbapi_connection))

        dialect.do_ping = counted_ping  # type: ignore[method-assign]
        # BEGIN, COMMIT, ROLLBACK: psycopg sends them as commands of its own, not through
        # SQLAlchemy's statement events (and not at all on an autocommit connection)
        from psycopg._connection_base import BaseConnection

        command = BaseConnection._exec_command
        counters = self

        def counted_command(conn: Any, *args: Any, **kwargs: Any) -> Any:
            if getattr(conn, "_pipeline", None) is None:  # in a pipeline it waits for nothing
                counters.commands += 1
            return command(conn, *args, **kwargs)

        BaseConnection._exec_command = counted_command  # type: ignore[method-assign,assignment]

    def _on_statement(self, _conn: Any, cursor: Any, sql: str, *_args: Any) -> None:
        self.statements += 1
        pipeline = getattr(getattr(cursor, "connection", None), "_pipeline", None)
        if pipeline is not None:
            self.pipelined += 1
            if pipeline is not self._pipeline:
                self.pipelines += 1
            self._pipeline = pipeline
        if self.record_kinds:
            self.kinds[_kind(sql)] += 1

    def _on_begin(self, _conn: Any) -> None:
        self.transactions += 1

    def snapshot(self) -> tuple[int, int, int]:
        """Statements, pings, and the other round trips (commands outside pipelines, and one
        per pipeline less its statements), so that their sum counts round trips."""
        return self.statements, self.pings, self.commands + self.pipelines - self.pipelined


def _kind(sql: str) -> str:
    """ "SELECT operators FOR UPDATE", "INSERT audit_log", "SELECT pg_advisory_xact_lock"..."""
    words = sql.replace('"', " ").split()
    if not words:
        return "?"
    verb = words[0].upper()
    lowered = [w.lower() for w in words]
    table = "?"
    if verb == "INSERT" and "into" in lowered:
        table = words[lowered.index("into") + 1]
    elif verb == "UPDATE" and len(words) > 1:
        table = words[1]
    elif "from" in lowered:
        table = words[lowered.index("from") + 1]
    elif len(words) > 1:
        table = words[1]
    table = table.split("(")[0]
    locking = " FOR UPDATE" if verb == "SELECT" and "for update" in " ".join(lowered) else ""
    return f"{verb} {table}{locking}"


def _stats(values: list[float]) -> dict[str, float]:
    from services.allocation.bench import percentile

    if not values:
        return {"p50": float("nan"), "p90": float("nan"), "p99": float("nan"), "n": 0}
    return {
        "p50": round(statistics.median(values), 2),
        "p90": round(percentile(values, 90), 2),
        "p99": round(percentile(values, 99), 2),
        "n": len(values),
    }


def run(
    database_url: str,
    calls: int,
    seed: int,
    profile: bool,
    *,
    pace: float = 0.0,
    redis_url: str | None = None,
    subscribe: bool = False,
    profile_delta: bool = False,
    read_deltas: bool = False,
    check_board: bool = True,
) -> dict[str, Any]:
    from domain.auth import Actor, Role
    from domain.errors import DomainError
    from services.allocation.bench import (
        SeatPlan,
        _choose,
        _operators_for_bench,
        board_mismatches,
    )
    from services.allocation.board_events import apply_events
    from services.allocation.board_queries import BoardReader, card_ids
    from services.allocation.board_state import BoardState
    from services.allocation.service import AllocationService
    from services.bootstrap import bootstrap
    from services.config import load_config
    from services.demo.loader import is_empty, load_demo
    from services.messaging.outbox import events_after, latest_seq

    app = bootstrap(load_config(database_url=database_url, redis_url=redis_url), upgrade=True)
    try:
        if is_empty(app):
            load_demo(app, staff=False)  # the profile does the allocating
        operators = _operators_for_bench(app.engine)
        actor = Actor("lead", Role.SHIFT_LEAD, "profile-1", source="api")
        service = AllocationService(app)
        reader = BoardReader(app.engine)
        state = BoardState()
        state.load(reader.snapshot(datetime.now(UTC)))
        plan = SeatPlan(0, "profile-1", database_url, "", tuple(operators), False, 0, 0, seed)
        rng = random.Random(seed)
        counters = Counters(app.engine)
        last = latest_seq(app.engine)
        per_kind: dict[str, list[float]] = {}
        wall: list[float] = []
        cpu: list[float] = []
        statements: list[int] = []
        round_trips: list[int] = []
        delta_ms: list[float] = []
        delta_cpu: list[float] = []
        delta_statements: list[int] = []
        refused: Counter[str] = Counter()
        profiler = cProfile.Profile() if profile else None
        delta_profiler = cProfile.Profile() if profile_delta else None
        attempts = 0
        delta_kinds: Counter[str] = Counter()
        reads = 0
        mismatches: list[str] = []
        sub = app.subscribe(lambda events: None, poll_interval=1.0) if subscribe else None
        for i in range(calls + 5):  # the first five warm caches and prepared plans
            if pace:
                time.sleep(pace)
            choice = _choose(state, plan, rng)
            if choice is None or choice.command is None:
                break
            s0, p0, t0 = counters.snapshot()
            c0 = time.process_time()
            started = time.perf_counter()
            counters.record_kinds = i >= 5
            attempts += i >= 5
            if profiler is not None and i >= 5:
                profiler.enable()
            try:
                service.execute(actor, choice.command)
                ok = True
            except DomainError as exc:
                refused[exc.code] += 1
                ok = False
            finally:
                counters.record_kinds = False
                if profiler is not None:
                    profiler.disable()
            ms = (time.perf_counter() - started) * 1000
            c_ms = (time.process_time() - c0) * 1000
            s1, p1, t1 = counters.snapshot()
            if ok and i >= 5:
                kind = type(choice.command).__name__.lower()
                per_kind.setdefault(kind, []).append(ms)
                wall.append(ms)
                cpu.append(c_ms)
                statements.append(s1 - s0)
                round_trips.append((s1 - s0) + (p1 - p0) + (t1 - t0))
            events = events_after(app.engine, last)
            if events:
                last = events[-1].seq
                # what a seat does with the call's change event: apply what it carries, read
                # the rest (or, with --read-deltas, read every card it names, as before)
                s0, p0, t0 = counters.snapshot()
                c0 = time.process_time()
                started = time.perf_counter()
                if delta_profiler is not None and i >= 5:
                    delta_profiler.enable()
                call_kinds, counters.kinds = counters.kinds, delta_kinds
                counters.record_kinds = i >= 5
                now = datetime.now(UTC)
                if read_deltas:
                    rest = card_ids(events)
                else:
                    _changed, rest = apply_events(state, events, now)
                ids = state.expand(rest)
                if ids:
                    known = BoardState(
                        operators=dict(state.operators), work_orders=dict(state.work_orders)
                    )
                    state.apply(reader.delta(now, ids, known))
                    reads += i >= 5
                counters.record_kinds = False
                counters.kinds = call_kinds
                if delta_profiler is not None:
                    delta_profiler.disable()
                if i >= 5:
                    delta_ms.append((time.perf_counter() - started) * 1000)
                    delta_cpu.append((time.process_time() - c0) * 1000)
                    s1, p1, t1 = counters.snapshot()
                    delta_statements.append((s1 - s0) + (p1 - p0) + (t1 - t0))
        if check_board:
            fresh = BoardState()
            fresh.load(reader.snapshot(state.at or datetime.now(UTC)))
            mismatches = board_mismatches(state, fresh)
        if sub is not None:
            sub.stop()
        kinds = counters.kinds
        n = max(attempts, 1)
        figures: dict[str, Any] = {
            "calls": len(wall),
            "refused": dict(refused),
            "call_ms": _stats(wall),
            "call_cpu_ms": _stats(cpu),
            "by_kind_ms": {k: _stats(v) for k, v in sorted(per_kind.items())},
            "statements_per_call": round(statistics.mean(statements), 2) if statements else None,
            "round_trips_per_call": round(statistics.mean(round_trips), 2) if round_trips else None,
            "delta_ms": _stats(delta_ms),
            "delta_cpu_ms": _stats(delta_cpu),
            "delta_cpu_ms_mean": round(statistics.mean(delta_cpu), 3) if delta_cpu else None,
            "call_cpu_ms_mean": round(statistics.mean(cpu), 3) if cpu else None,
            "delta_round_trips": round(statistics.mean(delta_statements), 2)
            if delta_statements
            else None,
            "event_passes_with_a_read": reads,
            "read_deltas": read_deltas,
            "board_mismatches_at_end": len(mismatches),
            "board_mismatch_examples": mismatches[:5],
            "statements_by_kind_per_call": {
                k: round(v / n, 2) for k, v in kinds.most_common(20) if v > 0
            },
            "delta_statements_by_kind": {
                k: round(v / max(len(delta_ms), 1), 2) for k, v in delta_kinds.most_common(12)
            },
        }
        for prof in (profiler, delta_profiler):
            if prof is not None:
                stats = pstats.Stats(prof, stream=sys.stderr)
                stats.sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(40)
        return figures
    finally:
        app.close()


def _triple(s: dict[str, float]) -> str:
    return f"{s['p50']} / {s['p90']} / {s['p99']}"


def _body(f: dict[str, Any], load_before: str, load_after: str, servers: str) -> str:
    c, d = f["call_ms"], f["delta_ms"]
    rows = [
        ("calls (committed)", f"{f['calls']}"),
        ("call ms p50 / p90 / p99", _triple(c)),
        (
            "CPU of the seat process per call, ms p50 / p90",
            f"{f['call_cpu_ms']['p50']} / {f['call_cpu_ms']['p90']}",
        ),
        *(
            (f"{k} ms p50 / p90 (n)", f"{v['p50']} / {v['p90']} ({v['n']})")
            for k, v in f["by_kind_ms"].items()
        ),
        ("SQL statements per call", str(f["statements_per_call"])),
        ("round trips per call (+ pings, BEGIN, COMMIT)", str(f["round_trips_per_call"])),
        (
            "the seat's handling of the call's change event (apply what it carries, read the "
            "rest), ms p50 / p90 / p99",
            _triple(d),
        ),
        (
            "the same, CPU ms p50 / p90 / mean",
            f"{f['delta_cpu_ms']['p50']} / {f['delta_cpu_ms']['p90']} / {f['delta_cpu_ms_mean']}",
        ),
        (
            "events that needed a read / round trips per event",
            f"{f['event_passes_with_a_read']} of {d['n']} / {f['delta_round_trips']}",
        ),
        (
            "the seat's board at the end against a fresh snapshot: cards that differ",
            str(f["board_mismatches_at_end"]),
        ),
    ]
    table = "| figure | value |\n|---|---|\n" + "\n".join(f"| {a} | {b} |" for a, b in rows)
    return (
        f"One seat, no contention, in-process feed; {servers}; {os.cpu_count()} cores shared "
        f"with other work (load average before: {load_before}; after: {load_after}).\n\n"
        f"{table}\n\nStatements per call by kind: "
        f"`{json.dumps(f['statements_by_kind_per_call'])}`.\n\n"
        f"Statements per change event handled, by kind: "
        f"`{json.dumps(f['delta_statements_by_kind'])}`.\n"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--database-url")
    ap.add_argument("--calls", type=int, default=300)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--profile", action="store_true", help="cProfile of the calls to stderr")
    ap.add_argument("--no-write", action="store_true", help="do not touch RESULTS.md")
    ap.add_argument("--profile-delta", action="store_true", help="cProfile of the board reads")
    ap.add_argument("--pace", type=float, default=0.0, help="seconds of idle before each call")
    ap.add_argument("--redis", action="store_true", help="the Redis feed (a throwaway server)")
    ap.add_argument("--subscribe", action="store_true", help="a change subscriber runs too")
    ap.add_argument(
        "--read-deltas",
        action="store_true",
        help="read every card an event names (the code before the events carried their state)",
    )
    ap.add_argument("--note", default="", help="a line added above the table (what changed)")
    ap.add_argument("--note-file", help="a file whose text goes above the table")
    args = ap.parse_args()
    load_before = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    pg = None
    if args.database_url:
        url, servers = args.database_url, "given PostgreSQL"
    else:
        import psycopg

        from tests.servers import start_postgres

        pg = start_postgres()
        with psycopg.connect(pg.admin_url, autocommit=True) as conn:
            conn.execute('CREATE DATABASE "takt_profile"')
        url, servers = pg.url("takt_profile"), "throwaway PostgreSQL (fsync off)"
    redis = None
    if args.redis:
        from tests.servers import start_redis

        redis = start_redis()
    try:
        figures = run(
            url,
            args.calls,
            args.seed,
            args.profile,
            pace=args.pace,
            redis_url=redis.url if redis is not None else None,
            subscribe=args.subscribe,
            profile_delta=args.profile_delta,
            read_deltas=args.read_deltas,
        )
    finally:
        if pg is not None:
            pg.stop()
        if redis is not None:
            redis.destroy()
    load_after = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    figures["load_average_before"] = load_before
    figures["load_average_after"] = load_after
    print(json.dumps(figures, indent=2))
    if not args.no_write:
        note = args.note
        if args.note_file:
            note = Path(args.note_file).read_text(encoding="utf-8").strip()
        body = (f"{note}\n\n" if note else "") + _body(figures, load_before, load_after, servers)
        write_section(
            "allocation_profile",
            "Allocation call profile, one seat (issue 3)",
            f"benchmarks/allocation_profile.py --calls {args.calls}"
            + (" --read-deltas" if args.read_deltas else ""),
            body,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
