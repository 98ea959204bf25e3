"""CLI of the allocation feature.

- ``takt bench seats``: N seat processes on one PostgreSQL + Redis (services/allocation/bench.py)
- ``takt allocation suggest``: operators ranked for a work order or machine, with reasons
- ``takt allocation auto``: the auto-allocate proposal (``--apply`` confirms it)
- ``takt allocation replay``: replay the event log (check it against the table, or the board at a
  moment with ``--at``)
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import Any

from services.cli.common import CliError, Parser, emit, positive_float, positive_int


def _bench_subparsers(sub: Any) -> Any:
    """The subcommands of ``takt bench``, shared with other features that add benchmarks."""
    bench = sub.choices.get("bench")
    if bench is None:
        bench = sub.add_parser("bench", help="benchmarks (takt bench seats, ...)")
        bench.set_defaults(handler=lambda _a: _usage(bench))
        return bench.add_subparsers(dest="bench_command", metavar="BENCH", parser_class=Parser)
    for action in bench._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    return bench.add_subparsers(dest="bench_command", metavar="BENCH", parser_class=Parser)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _share(value: str) -> float:
    try:
        f = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not 0 <= f <= 1:
        raise argparse.ArgumentTypeError("the share of conflicting seats is between 0 and 1")
    return f


def _when(value: str) -> datetime:
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a time: use ISO 8601, e.g. 2026-11-16T08:30+00:00"
        ) from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def register(sub: argparse._SubParsersAction, parents: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    bench = _bench_subparsers(sub)
    p = bench.add_parser(
        "seats",
        parents=[parents],
        help="N seat processes allocating at once on PostgreSQL + Redis",
        description=(
            "Start N seat processes on the given PostgreSQL and Redis (an empty database gets "
            "the demo plant first). Each seat allocates, reassigns and releases operators as "
            "the board does; half of them deliberately on the same few operators. Prints "
            "commit and seat-to-seat propagation latency (p50/p99 ms), operations, conflicts, "
            "lost updates, double bookings and whether replaying the event log gives the "
            "database state."
        ),
    )
    p.add_argument("--seats", type=positive_int, default=8, help="seat processes (default 8)")
    p.add_argument(
        "--rate",
        type=positive_float,
        default=50.0,
        help="operations per second, all seats together (default 50)",
    )
    p.add_argument(
        "--duration", type=positive_float, default=30.0, help="seconds to run (default 30)"
    )
    p.add_argument(
        "--conflicting",
        type=_share,
        default=0.5,
        help="share of seats working on the same operators (default 0.5)",
    )
    p.add_argument("--seed", type=positive_int, default=7, help="random seed (default 7)")
    p.set_defaults(handler=_bench_seats)

    alloc = sub.add_parser(
        "allocation", help="allocation board: suggestions, auto-allocate, replay"
    )
    alloc.set_defaults(handler=lambda _a: _usage(alloc))
    asub = alloc.add_subparsers(dest="allocation_command", metavar="ACTION", parser_class=Parser)
    s = asub.add_parser(
        "suggest", parents=[parents], help="operators ranked for a work order or a machine"
    )
    s.add_argument("--work-order", help="work order id (e.g. WO-00151)")
    s.add_argument("--machine", help="machine id (its current work order)")
    s.add_argument("--limit", type=positive_int, default=10)
    s.set_defaults(handler=_suggest)
    a = asub.add_parser(
        "auto", parents=[parents], help="auto-allocate waiting work orders (a proposal)"
    )
    a.add_argument("--apply", action="store_true", help="confirm the proposal and apply it")
    a.add_argument("--user", default=None, help="who confirms (default: the configured user)")
    a.add_argument("--time-limit", type=positive_float, default=5.0, help="solver seconds")
    a.set_defaults(handler=_auto)
    r = asub.add_parser("replay", parents=[parents], help="replay the allocation event log")
    r.add_argument("--at", type=_when, help="show the board as it was at this time")
    r.set_defaults(handler=_replay)


def _bench_seats(args: argparse.Namespace) -> int:
    from services.allocation.bench import run_bench
    from services.cli.context import config_from_args

    config = config_from_args(args)
    if config.embedded or not config.redis_url:
        raise CliError(
            "takt bench seats needs a shared PostgreSQL and Redis: pass --database-url "
            "postgresql://... and --redis-url redis://..."
        )

    def progress(text: str) -> None:
        if not args.json:
            sys.stderr.write(f"  {text}\n")

    try:
        figures = run_bench(
            config.database_url,
            config.redis_url,
            seats=args.seats,
            rate=args.rate,
            duration=args.duration,
            conflict_share=args.conflicting,
            seed=args.seed,
            progress=progress,
        )
    except RuntimeError as exc:
        raise CliError(str(exc)) from exc
    c, pr = figures["commit_ms"], figures["propagation_ms"]
    emit(
        args,
        figures,
        f"{figures['seats']} seats, {figures['operations']} operations "
        f"({figures['committed']} committed, {figures['conflicts']} conflicts, "
        f"{figures['rejected']} other refusals)\n"
        f"commit ms p50 {c['p50']} p99 {c['p99']}; propagation ms p50 {pr['p50']} "
        f"p99 {pr['p99']}\nlost updates {figures['lost_updates']}, double bookings "
        f"{figures['double_bookings']}, replay matches {figures['replay_matches']}",
    )
    return 0


def _state(app: Any) -> Any:
    from services.allocation.board_queries import board_snapshot
    from services.allocation.board_state import BoardState

    state = BoardState()
    state.load(board_snapshot(app.engine, app.clock.now()))
    return state


def _suggest(args: argparse.Namespace) -> int:
    from services.allocation.suggest import suggest
    from services.cli.context import open_app

    if not args.work_order and not args.machine:
        raise CliError("say what to staff: --work-order ID or --machine ID")
    with open_app(args) as app:
        state = _state(app)
        if args.work_order and args.work_order not in state.work_orders:
            raise CliError(f"work order {args.work_order} is not open on the board")
        if args.machine and args.machine not in state.machines:
            raise CliError(f"there is no machine {args.machine}")
        ranked = suggest(
            state, work_order_id=args.work_order, machine_id=args.machine, limit=args.limit
        )
    payload = [
        {
            "operator": s.operator_id,
            "name": s.name,
            "score": s.score,
            "allowed": s.feasible,
            "reasons": list(s.reasons),
            "warnings": list(s.warnings),
            "blocked_by": list(s.blocked_by),
        }
        for s in ranked
    ]
    lines = [
        f"{s.score:5.1f}  {s.name:<24} "
        + ("; ".join(s.reasons) if s.feasible else "not allowed: " + "; ".join(s.blocked_by))
        for s in ranked
    ]
    emit(args, payload, "\n".join(lines) or "nobody to suggest")
    return 0


def _auto(args: argparse.Namespace) -> int:
    from services.allocation.auto_allocate import apply, propose
    from services.allocation.service import AllocationService
    from services.cli.context import open_app

    with open_app(args) as app:
        proposal = propose(_state(app), time_limit=args.time_limit)
        payload: dict[str, Any] = {
            "status": proposal.status,
            "objective": round(proposal.objective, 1),
            "seconds": round(proposal.seconds, 2),
            "pairs": [
                {"operator": s.operator_id, "work_order": s.work_order_id, "score": s.score}
                for s in proposal.pairs
            ],
        }
        if args.apply:
            try:
                actor = app.actor(args.user)
            except Exception as exc:
                raise CliError(str(exc)) from exc
            done = apply(AllocationService(app).execute, actor, proposal)
            payload["applied"] = len(done.done)
            payload["refused"] = [
                {"operator": s.operator_id, "work_order": s.work_order_id, "reason": why}
                for s, why in done.refused
            ]
    text = "\n".join(
        f"{p['operator']} -> {p['work_order']} ({p['score']})" for p in payload["pairs"]
    )
    emit(args, payload, text or "nothing to allocate")
    return 0


def _replay(args: argparse.Namespace) -> int:
    from services.allocation.replay import board_at, replay_check
    from services.cli.context import open_app

    with open_app(args) as app:
        if args.at is not None:
            snap = board_at(app.engine, args.at)
            payload: dict[str, Any] = {
                "at": args.at,
                "allocations": [
                    {
                        "id": a.id,
                        "work_order": a.work_order_id,
                        "operator": a.operator_id,
                        "machine": a.machine_id,
                        "status": a.status,
                    }
                    for a in snap.allocations
                ],
            }
            emit(args, payload, f"{len(snap.allocations)} allocation(s) held at {args.at}")
            return 0
        check = replay_check(app.engine)
    payload = {
        "replay_matches": check.matches,
        "allocations": check.allocations,
        "events": check.events,
        "chain_breaks": check.chain_breaks,
        "mismatches": list(check.mismatches),
    }
    emit(
        args,
        payload,
        f"replaying {check.events} events gives the table: {check.matches}"
        + "".join(f"\n  {m}" for m in check.mismatches),
    )
    return 0 if check.matches else 1
