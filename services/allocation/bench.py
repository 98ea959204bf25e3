"""``takt bench seats``: N seat processes on one PostgreSQL + Redis, allocating at once.

Each seat is a separate process with its own service stack, change-feed subscriber and board
state (the plain-Python state the desktop board wraps). Seats allocate, reassign and release
operators the way the board does (a drop planned on the seat's own board, then the service
call). Half of the seats deliberately share a few "hot" operators and act on what their board
shows, so they collide; the others each work on operators of their own.

Measured:

- ``commit_ms``: the duration of each committed service call (validation, writes, commit),
  once the clock runs: each seat first makes a few calls (``warm_up_ms``, reported apart), as
  the first call of a process compiles statements and fills caches;
- ``propagation_ms``: from the commit on seat A (the change event's timestamp, taken inside the
  committing transaction) to the moment seat B has re-read the changed cards into its board
  (a seat reads the events of a 20 ms burst together, as the desktop's hub does with 60 ms);
- ``conflicts``: calls refused because another seat got there first (stale version, busy,
  overlap, slot conflict); ``rejected``: refused by another rule (e.g. a break started);
- ``lost_updates``: acknowledged writes missing from the event log, two writers acknowledged for
  the same allocation version, or an event not starting from the state the one before left;
- ``double_bookings``: operators or machines held twice at once, now (the table) or at any moment
  (the event log's timeline);
- ``replay_matches``: replaying the event log gives exactly the allocations table.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import queue
import random
import statistics
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from domain.auth import Actor, Role
from domain.errors import ConcurrentEdit, DomainError, NotFound, RuleViolation, SlotConflict
from domain.events import ChangeEvent
from domain.rules.allocation import Verdict
from domain.rules.overlap import Booking, double_bookings
from services.allocation.board_events import apply_events
from services.allocation.board_queries import BoardReader, board_snapshot, card_ids
from services.allocation.board_state import POOL, BoardState, Plan
from services.allocation.cards import OperatorCard, WorkOrderCard
from services.allocation.facts import load_bookings
from services.allocation.replay import replay_check
from services.allocation.service import AllocationService
from services.messaging.outbox import latest_seq
from services.persistence.tables import work

log = logging.getLogger(__name__)

CONFLICT_CODES = frozenset(
    {
        "operator_busy",
        "machine_busy",
        "allocation_overlap",
        "allocation_closed",
        "allocation_status",
        "nothing_changes",
    }
)
HOT_OPERATORS = 3
WARM_UP_CALLS = 5  # per seat, before the clock starts (see _warm_up)
SETTLE_S = 0.5  # after the warm-up, for its change events to reach every board
COALESCE_S = 0.02  # a seat reads the events of one burst together (the desktop hub: 60 ms)


@dataclass(frozen=True, slots=True)
class SeatPlan:
    index: int
    name: str
    database_url: str
    redis_url: str
    operators: tuple[str, ...]
    conflicting: bool
    interval: float  # seconds between two operations of this seat
    duration: float
    seed: int
    apply_events: bool = True  # False: every burst is read again (the code before 2026-12-06)


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def classify(exc: BaseException) -> str:
    if isinstance(exc, ConcurrentEdit | SlotConflict | NotFound):
        return "conflict"
    if isinstance(exc, RuleViolation) and {v.code for v in exc.violations} <= CONFLICT_CODES:
        return "conflict"
    return "rejected"


# -- one seat (runs in its own process) --------------------------------------------------------
def thread_cpu() -> dict[str, float]:
    """CPU seconds of each of this process's threads so far, by thread name (Linux: from
    /proc; elsewhere empty)."""
    out: dict[str, float] = {}
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    for t in threading.enumerate():
        try:
            with open(f"/proc/self/task/{t.native_id}/stat", encoding="ascii") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        # after the name: state is field 3, utime and stime fields 14 and 15 (1-based)
        seconds = (int(fields[11]) + int(fields[12])) / ticks
        out[t.name] = out.get(t.name, 0.0) + seconds
    return out


def seat_main(plan: SeatPlan, go: Any, finish: Any, final_seq: Any, out: Any) -> None:
    """A seat: its own stack, subscriber and board; acts until the duration is over, then waits
    until its board has applied everything up to ``final_seq`` and reports."""
    from services.bootstrap import bootstrap
    from services.config import load_config

    logging.basicConfig(level=logging.WARNING)
    config = load_config(
        database_url=plan.database_url, redis_url=plan.redis_url, seat=plan.name, user="lead"
    )
    app = bootstrap(config)
    actor = Actor("lead", Role.SHIFT_LEAD, plan.name, source="api")
    service = AllocationService(app)
    state = BoardState()
    reader = BoardReader(app.engine)
    lock = threading.Lock()
    applied: dict[int, float] = {}  # seq of another seat's event -> when this board had it
    handled = [0]

    pending: list[ChangeEvent] = []
    wake = threading.Event()
    stopping = threading.Event()
    finished_acting = threading.Event()

    def on_events(events: list[ChangeEvent]) -> None:
        """The feed's thread only queues: the board thread reads bursts together."""
        with lock:
            pending.extend(events)
        wake.set()

    board = {"cpu_s": 0.0, "events": 0, "bursts": 0, "reads": 0, "card_reads": 0}

    def board_loop() -> None:
        """Like the desktop's change hub (which debounces 60 ms), one pass per burst: events
        that arrive within ``COALESCE_S`` of the first are handled together; what their
        payloads carry is applied as it is, the rest is read in one delta."""
        while not stopping.is_set():
            if not wake.wait(0.2):
                continue
            time.sleep(COALESCE_S)
            wake.clear()
            with lock:
                events = pending[:]
                pending.clear()
            if not events:
                continue
            c0 = time.thread_time()
            now = datetime.now(UTC)
            with lock:
                if plan.apply_events:
                    _changed, rest = apply_events(state, events, now)
                else:
                    rest = card_ids(events)
                ids = state.expand(rest)
                known = (
                    BoardState(operators=dict(state.operators), work_orders=dict(state.work_orders))
                    if ids
                    else None
                )
            delta = reader.delta(now, ids, known) if ids else None
            with lock:
                if delta is not None:
                    state.apply(delta)
                t = time.time()
                for e in events:
                    if e.seat != plan.name:
                        applied[e.seq] = t - e.at.timestamp()
                handled[0] = max(handled[0], max(e.seq for e in events))
            if go.is_set() and not finished_acting.is_set():
                board["cpu_s"] += time.thread_time() - c0
                board["events"] += len(events)
                board["bursts"] += 1
                board["reads"] += delta is not None
                board["card_reads"] += bool(
                    ids and (ids.operators or ids.machines or ids.work_orders or ids.allocations)
                )

    board_thread = threading.Thread(target=board_loop, name="board", daemon=True)
    board_thread.start()

    # as the desktop starts (desktop/startup.py): the feed from before the first read, so a
    # change another seat commits meanwhile (their warm-ups) is applied, not missed
    feed_from = latest_seq(app.engine)
    with lock:
        state.load(reader.snapshot(datetime.now(UTC)))
    sub = app.subscribe(on_events, start_after=feed_from, poll_interval=1.0)
    app.feed.announce(plan.name, "lead")
    rng = random.Random(plan.seed)
    commits: list[float] = []
    acked: list[tuple[int, int]] = []
    counts = {"operations": 0, "committed": 0, "conflicts": 0, "rejected": 0, "idle": 0}
    errors: dict[str, int] = {}
    warm_up = _warm_up(service, actor, state, lock, plan, random.Random(plan.seed + 500))
    out.put(("ready", plan.index))
    go.wait()
    threads_start = thread_cpu()
    cpu_start = time.process_time()
    start = time.monotonic()
    tick = start + (0.0 if plan.conflicting else rng.random() * plan.interval)
    while time.monotonic() - start < plan.duration:
        delay = tick - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        tick += plan.interval
        with lock:
            choice = _choose(state, plan, rng)
        if choice is None:
            counts["idle"] += 1
            continue
        counts["operations"] += 1
        t0 = time.perf_counter()
        try:
            assert choice.command is not None
            result = service.execute(actor, choice.command)
        except DomainError as exc:
            kind = classify(exc)
            counts["conflicts" if kind == "conflict" else "rejected"] += 1
            errors[exc.code] = errors.get(exc.code, 0) + 1
            continue
        commits.append((time.perf_counter() - t0) * 1000)
        counts["committed"] += 1
        acked.append((result.allocation_id, result.version))
    cpu_run = time.process_time() - cpu_start
    threads_end = thread_cpu()
    by_thread = {k: v - threads_start.get(k, 0.0) for k, v in threads_end.items()}
    finished_acting.set()
    out.put(("done", plan.index))
    deadline = time.monotonic() + 60
    finish.wait(60)
    while handled[0] < final_seq.value and time.monotonic() < deadline:
        time.sleep(0.05)
    sub.stop()
    stopping.set()
    board_thread.join(5)
    db_board = BoardState()
    db_board.load(reader.snapshot(datetime.now(UTC)))
    with lock:
        differing = board_mismatches(state, db_board)
    app.close()
    out.put(
        (
            "result",
            plan.index,
            {
                "counts": counts,
                "errors": errors,
                "commit_ms": commits,
                "applied": applied,
                "acked": acked,
                "handled": handled[0],
                "reconnects": sub.reconnects,
                "cpu_s": cpu_run,
                "thread_cpu_s": by_thread,
                "board": board,
                "board_differs": differing[:5],
                "warm_up_ms": warm_up,
            },
        )
    )


def _warm_up(
    service: AllocationService,
    actor: Actor,
    state: BoardState,
    lock: threading.Lock,
    plan: SeatPlan,
    rng: random.Random,
) -> list[float]:
    """A seat's first calls, before the clock starts (as the allocation profile skips its
    first five): the first call of a process compiles its statements and fills its caches
    (about 25 ms of CPU against 1-4 ms later), and all seats making it at once on 2 cores
    would put their start-up, not the steady state, into the p99. Their durations are
    reported apart (``warm_up_ms``); refusals are ignored."""
    spent: list[float] = []
    for _ in range(WARM_UP_CALLS):
        with lock:
            choice = _choose(state, plan, rng)
        if choice is None or choice.command is None:
            break
        t0 = time.perf_counter()
        try:
            service.execute(actor, choice.command)
        except DomainError:
            pass
        spent.append((time.perf_counter() - t0) * 1000)
        time.sleep(0.05)  # the seat's board applies the change before the next choice
    return spent


def _choose(state: BoardState, plan: SeatPlan, rng: random.Random) -> Plan | None:
    """A random allocate, reassign or release of one of this seat's operators, planned on the
    seat's board like a drop (conflicting seats act on what their board shows, stale or not)."""
    ops = list(plan.operators)
    rng.shuffle(ops)
    for op_id in ops:
        op = state.operators.get(op_id)
        if op is None or op.shift is None:
            continue
        if op.allocation_id is not None and rng.random() < 0.4:
            p = state.plan(op.key, POOL)
            if p.ok:
                return p
        targets = list(state.work_orders.values())
        rng.shuffle(targets)
        for wo in targets[:40]:
            p = state.plan(op.key, wo.key)
            if p.ok:
                return p
            if (
                plan.conflicting
                and p.command is not None
                and p.verdict.codes
                and set(p.verdict.codes) <= CONFLICT_CODES
            ):
                return Plan(p.source, p.target, p.command, Verdict(), p.description)
    return None


def board_mismatches(board: BoardState, fresh: BoardState) -> list[str]:
    """Where a seat's board differs from a fresh snapshot of the database: cards missing or
    different, and allocations on one and not the other. Fields that follow the clock (idle
    minutes, lateness, the shift state) are left out: a board re-derives them only for the
    cards a change touches, and the snapshot is taken at another moment. Orders on one board
    only are fine unless an allocation holds them (each board keeps the idle orders it had)."""
    out: list[str] = []

    def plain(card: Any) -> Any:
        if isinstance(card, OperatorCard):
            return replace(card, idle_minutes=None, shift=None, next_shift=None)
        if isinstance(card, WorkOrderCard):
            return replace(card, late=False)
        return card

    stores = (
        ("operator", board.operators, fresh.operators),
        ("machine", board.machines, fresh.machines),
        ("work_order", board.work_orders, fresh.work_orders),
    )
    for kind, mine, theirs in stores:
        for ident, card in theirs.items():
            have = mine.get(ident)
            if have is None:
                # the snapshot fills up with the most urgent idle orders of the moment: only a
                # held one must be on every board
                if not isinstance(card, WorkOrderCard) or card.allocation_ids:
                    out.append(f"{kind}:{ident} missing")
            elif plain(have) != plain(card):
                out.append(f"{kind}:{ident} differs: {plain(have)} != {plain(card)}")
    for ident in mine_only(board.operators, fresh.operators):
        out.append(f"operator:{ident} not in the database's board")
    for aid in sorted(set(board.allocations) ^ set(fresh.allocations)):
        out.append(f"allocation:{aid} on one board only")
    for aid in sorted(set(board.allocations) & set(fresh.allocations)):
        if board.allocations[aid] != fresh.allocations[aid]:
            out.append(f"allocation:{aid} differs")
    return out


def mine_only(mine: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    return sorted(set(mine) - set(theirs))


# -- the conductor -----------------------------------------------------------------------------
def _operators_for_bench(engine: Engine) -> list[str]:
    """Operators on shift, not on a break, who may take at least one waiting work order."""
    state = BoardState()
    state.load(board_snapshot(engine, datetime.now(UTC)))
    good: list[str] = []
    for op in state.operators.values():
        if op.shift is None or op.shift.on_break or op.shift.absent:
            continue
        if any(state.plan(op.key, w.key).ok for w in state.work_orders.values()):
            good.append(op.id)
    return sorted(good)


def _break_ends(engine: Engine) -> datetime | None:
    """When the last operator now on a break is back (None: nobody is on a break)."""
    state = BoardState()
    state.load(board_snapshot(engine, datetime.now(UTC)))
    ends = [
        op.shift.break_end
        for op in state.operators.values()
        if op.shift is not None and op.shift.break_end is not None and not op.shift.absent
    ]
    return max(ends) if ends else None


def _timeline_double_bookings(engine: Engine) -> int:
    """Holds of one operator or machine that overlapped at any moment, from the event log."""
    t = work.allocation_change_events
    holds: dict[int, tuple[datetime, dict[str, Any]]] = {}
    intervals: list[Booking] = []
    with engine.connect().execution_options(read_only=True) as conn:
        rows = conn.execute(select(t.c.allocation_id, t.c.at, t.c.new_state).order_by(t.c.id)).all()
    for aid, at, new in rows:
        prev = holds.pop(int(aid), None)
        if prev is not None:
            since, state = prev
            intervals.append(_interval(int(aid), state, since, at))
        if new and new.get("status") in ("active", "paused"):
            holds[int(aid)] = (at, new)
    for aid, (since, state) in holds.items():
        intervals.append(_interval(aid, state, since, None))
    return len(double_bookings([b for b in intervals if b.end is None or b.end > b.start]))


def _interval(aid: int, state: dict[str, Any], since: datetime, until: datetime | None) -> Booking:
    return Booking(
        allocation_id=aid,
        work_order_id=str(state.get("work_order_id")),
        work_order_number=str(state.get("work_order_id")),
        start=since,
        end=until,
        operator_id=state.get("operator_id"),
        machine_id=state.get("machine_id"),
    )


def run_bench(
    database_url: str,
    redis_url: str,
    *,
    seats: int = 8,
    rate: float = 50.0,
    duration: float = 30.0,
    conflict_share: float = 0.5,
    seed: int = 7,
    progress: Any = None,
    apply_events: bool = True,
) -> dict[str, Any]:
    """Run the seats and return the figures (see the module docstring)."""
    from services.bootstrap import bootstrap
    from services.config import load_config
    from services.demo.loader import is_empty, load_demo

    say = progress or (lambda text: log.info(text))
    app = bootstrap(load_config(database_url=database_url, redis_url=redis_url), upgrade=True)
    try:
        if is_empty(app):
            say("loading the demo plant into the empty database")
            load_demo(app, staff=False)  # the seats do the allocating
        operators = _operators_for_bench(app.engine)
        if len(operators) < 2:
            back = _break_ends(app.engine)
            why = (
                f"the crew on shift is on its break until {back:%H:%M} UTC: run it after that"
                if back is not None
                else "load the demo plant again to refresh its roster"
            )
            raise RuntimeError(
                f"only {len(operators)} operator(s) on shift can take work now: "
                f"the bench needs at least 2 ({why})"
            )
        n_conflicting = round(seats * conflict_share)
        hot = tuple(operators[:HOT_OPERATORS])
        rest = operators[HOT_OPERATORS:] or operators
        n_own = max(seats - n_conflicting, 1)
        plans = [
            SeatPlan(
                index=i,
                name=f"bench-{i + 1}",
                database_url=database_url,
                redis_url=redis_url,
                operators=hot if i < n_conflicting else tuple(rest[(i - n_conflicting) :: n_own]),
                conflicting=i < n_conflicting,
                interval=seats / rate,
                duration=duration,
                seed=seed * 1000 + i,
                apply_events=apply_events,
            )
            for i in range(seats)
        ]
        ctx = mp.get_context("spawn")
        go = ctx.Event()
        finish = ctx.Event()
        final = ctx.Value("q", 0)
        out = ctx.Queue()
        procs = [ctx.Process(target=seat_main, args=(p, go, finish, final, out)) for p in plans]
        for p in procs:
            p.start()
        _wait(out, "ready", seats, 120)
        time.sleep(SETTLE_S)
        first_seq = latest_seq(app.engine)  # the measured events come after the warm-ups'
        say(f"{seats} seats ready; running for {duration:g} s at {rate:g} operations/s")
        sampler = _LockSampler(app.engine)
        go.set()
        sampler.start()
        try:
            _wait(out, "done", seats, duration + 120)
        finally:
            sampler.stop()
        final.value = latest_seq(app.engine)
        finish.set()
        results = _wait(out, "result", seats, 120)
        for p in procs:
            p.join(30)
        say("checking the database")
        figures = _figures(app.engine, plans, results, first_seq, final.value, rate, duration)
        figures.update(sampler.figures())
        return figures
    finally:
        app.close()


class _LockSampler:
    """Samples PostgreSQL twice a second while the seats run: how many of their sessions are
    executing, and on which kind of lock the others wait (advisory: the outbox's commit order;
    transactionid/tuple: a row another transaction holds). Tells lock contention from a machine
    short of CPU."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.samples = 0
        self.active = 0
        self.waiting: dict[str, int] = {}
        self.tables: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lock-sampler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        from sqlalchemy import text

        query = text(
            "SELECT state, wait_event_type, wait_event, left(query, 600) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        while not self._stop.wait(0.5):
            try:
                with self.engine.connect() as conn:
                    rows = conn.execute(query).all()
            except Exception:  # a sample lost is no reason to stop the benchmark
                log.debug("lock sample failed", exc_info=True)
                continue
            self.samples += 1
            for state, kind, event, sql in rows:
                if state == "active":
                    self.active += 1
                if kind == "Lock":
                    self.waiting[str(event)] = self.waiting.get(str(event), 0) + 1
                    table = _table_of(str(sql))
                    self.tables[table] = self.tables.get(table, 0) + 1

    def figures(self) -> dict[str, Any]:
        n = self.samples or 1
        return {
            "pg_sessions_active_mean": round(self.active / n, 2),
            "pg_sessions_waiting_for_locks_mean": {
                k: round(v / n, 2) for k, v in sorted(self.waiting.items())
            },
            "pg_lock_waits_by_statement": {
                k: round(v / n, 2) for k, v in sorted(self.tables.items())
            },
            "pg_samples": self.samples,
        }


def _table_of(sql: str) -> str:
    """A short name for the statement a session waits in: "select operators", "update ..."."""
    words = sql.replace('"', " ").split()
    if not words:
        return "?"
    verb = words[0].lower()
    for marker in ("from", "into", "update"):
        if marker in (w.lower() for w in words):
            i = [w.lower() for w in words].index(marker)
            if marker == "update":
                return f"update {words[1] if len(words) > 1 else '?'}"
            if i + 1 < len(words):
                return f"{verb} {words[i + 1].split('(')[0]}"
    if verb == "select" and len(words) > 1 and "." in words[1]:
        # a long column list: PostgreSQL cut the text before FROM; the first column names it
        return f"select {words[1].split('.')[0]}"
    return verb


def _warm_up_figures(per_seat: list[list[float]]) -> dict[str, Any]:
    firsts = [ms[0] for ms in per_seat if ms]
    later = [x for ms in per_seat for x in ms[1:]]
    return {
        "calls_per_seat": WARM_UP_CALLS,
        "first_call_p50": round(statistics.median(firsts), 2) if firsts else None,
        "first_call_max": round(max(firsts), 2) if firsts else None,
        "later_p50": round(statistics.median(later), 2) if later else None,
        "later_max": round(max(later), 2) if later else None,
    }


def _wait(out: Any, kind: str, n: int, timeout: float) -> dict[int, Any]:
    got: dict[int, Any] = {}
    deadline = time.monotonic() + timeout
    while len(got) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise RuntimeError(f"only {len(got)} of {n} seats reported {kind!r} in time")
        try:
            msg = out.get(timeout=left)
        except queue.Empty:
            continue
        if msg[0] == kind:
            got[msg[1]] = msg[2] if len(msg) > 2 else None
    return got


def _figures(
    engine: Engine,
    plans: list[SeatPlan],
    results: dict[int, Any],
    first_seq: int,
    final_seq: int,
    rate: float,
    duration: float,
) -> dict[str, Any]:
    from services.messaging.outbox import events_after

    commits = [ms for r in results.values() for ms in r["commit_ms"]]
    by_group: dict[str, dict[str, float | None]] = {}
    for name, conflicting in (("conflicting_seats", True), ("own_operator_seats", False)):
        ms = [
            x for p in plans if p.conflicting == conflicting for x in results[p.index]["commit_ms"]
        ]
        by_group[name] = {
            "p50": round(statistics.median(ms), 2) if ms else None,
            "p99": round(percentile(ms, 99), 2) if ms else None,
            "n": len(ms),
        }
    events = []
    last = first_seq
    while True:
        batch = events_after(engine, last)
        if not batch:
            break
        events.extend(batch)
        last = batch[-1].seq
    propagation: list[float] = []
    missed = 0
    for e in events:
        for p in plans:
            if p.name == e.seat:
                continue
            lag = results[p.index]["applied"].get(e.seq)
            if lag is None:
                missed += 1
            else:
                propagation.append(lag * 1000)
    acked = [tuple(x) for r in results.values() for x in r["acked"]]
    t = work.allocation_change_events
    with engine.connect().execution_options(read_only=True) as conn:
        logged = {
            (int(aid), int((new or {}).get("version") or 0))
            for aid, new in conn.execute(select(t.c.allocation_id, t.c.new_state))
        }
        now_holding = load_bookings(conn, everything=True)
    missing = sum(1 for a in acked if a not in logged)
    duplicates = len(acked) - len(set(acked))
    check = replay_check(engine)
    totals: dict[str, int] = {}
    errors: dict[str, int] = {}
    for r in results.values():
        for k, v in r["counts"].items():
            totals[k] = totals.get(k, 0) + v
        for k, v in r["errors"].items():
            errors[k] = errors.get(k, 0) + v
    board_cpu = sum(r["board"]["cpu_s"] for r in results.values())
    thread_totals: dict[str, float] = {}
    for r in results.values():
        for k, v in r.get("thread_cpu_s", {}).items():
            thread_totals[k] = thread_totals.get(k, 0.0) + v
    board_events = sum(r["board"]["events"] for r in results.values())
    board_bursts = sum(r["board"]["bursts"] for r in results.values())
    board_reads = sum(r["board"]["reads"] for r in results.values())
    card_reads = sum(r["board"]["card_reads"] for r in results.values())
    return {
        "commit_ms": {
            "p50": round(statistics.median(commits), 2) if commits else None,
            "p99": round(percentile(commits, 99), 2) if commits else None,
        },
        "propagation_ms": {
            "p50": round(statistics.median(propagation), 2) if propagation else None,
            "p99": round(percentile(propagation, 99), 2) if propagation else None,
        },
        "commit_ms_by_seat_kind": by_group,
        # each seat's first calls, made before the clock started (see _warm_up): the first
        # of a process pays for compiling statements and filling caches
        "warm_up_ms": _warm_up_figures([r.get("warm_up_ms", []) for r in results.values()]),
        "operations": totals.get("operations", 0),
        "conflicts": totals.get("conflicts", 0),
        "lost_updates": missing + duplicates + check.chain_breaks,
        "double_bookings": len(double_bookings(now_holding)) + _timeline_double_bookings(engine),
        "replay_matches": check.matches,
        "committed": totals.get("committed", 0),
        "rejected": totals.get("rejected", 0),
        "refusals": errors,
        "seats": len(plans),
        "conflicting_seats": sum(p.conflicting for p in plans),
        "rate": rate,
        "duration_s": duration,
        "events": len(events),
        "propagation_samples": len(propagation),
        "propagation_missed": missed,
        "final_seq": final_seq,
        "feed_reconnects": sum(r["reconnects"] for r in results.values()),
        # CPU the seat processes used while acting (their service calls and board re-reads),
        # in cores: on a shared 2-core machine this shows how much was left for PostgreSQL
        "seat_cpu_cores": round(sum(r["cpu_s"] for r in results.values()) / duration, 2),
        # the seats' board threads alone: CPU per change event a seat handled (apply + reads)
        "board_cpu_cores": round(board_cpu / duration, 2),
        # the seat processes' CPU by thread (the calls run on MainThread), in cores
        "seat_cpu_cores_by_thread": {
            k: round(v / duration, 3) for k, v in sorted(thread_totals.items())
        },
        "board_cpu_ms_per_event": round(board_cpu * 1000 / board_events, 3)
        if board_events
        else None,
        "board_reads_per_burst": round(board_reads / board_bursts, 2) if board_bursts else None,
        # of those, reads of whole cards (not only the material lines of queued orders)
        "board_card_reads_per_burst": round(card_reads / board_bursts, 2) if board_bursts else None,
        "apply_events": plans[0].apply_events if plans else True,
        # each seat's board at the end against a fresh snapshot (board_mismatches)
        "boards_differing": sum(1 for r in results.values() if r["board_differs"]),
        "board_differences": [d for r in results.values() for d in r["board_differs"]][:5],
    }
