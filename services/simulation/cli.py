"""``takt simulate``: stream a live plant into the configured database (the demo plant).

    takt simulate [--speed N] [--duration S] [--seed K] [--faults drift,breakdown,late] [--tick S]
                  [--start WHEN]

Ctrl+C stops it cleanly (the step being written is rolled back) and prints the summary.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from domain.auth import Actor, Permission
from domain.errors import ValidationError
from services.cli.common import CliError, emit, positive_float, positive_int
from services.cli.context import cli_actor

if TYPE_CHECKING:  # loaded when a command runs, not for takt --help
    from services.bootstrap import App


def _faults(value: str) -> frozenset[str]:
    from services.simulation.faults import parse_faults

    try:
        return frozenset(f.value for f in parse_faults(value))
    except ValidationError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _start(value: str) -> datetime | str:
    """ISO 8601, 'last', or a time back from now: ``8h`` (or ``-8h``, ``8h ago``)."""
    text = value.strip().lower()
    if text == "last":
        return "last"
    back = text.removeprefix("-").removesuffix("ago").strip()
    if back[-1:] in _UNITS:
        try:
            amount = float(back[:-1])
        except ValueError:
            amount = -1.0
        if amount > 0:
            return datetime.now(UTC) - timedelta(seconds=amount * _UNITS[back[-1]])
    try:
        at = datetime.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a time: use ISO 8601 (2026-11-16T06:00), a time back from now "
            "(8h, 90m, 2d) or 'last'"
        ) from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def register(sub: argparse._SubParsersAction, parents: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "simulate",
        parents=[parents],
        help="stream live machine metrics, status changes, order progress and attendance",
        description=(
            "Simulate the plant in the configured database: machine metrics (utilisation, cycle "
            "time, temperature, vibration, power, units, quality), machine status changes, "
            "work-order progress and attendance, written every --tick seconds and announced "
            "to every seat. --speed is simulated seconds per real second (screens show windows "
            "ending now: a faster run from now runs ahead of the wall clock, one from --start "
            "in the past catches up with it and then runs live). Faults: a machine "
            "drifting towards failure (temperature and vibration rise, then it breaks down), "
            "a breakdown, a late order. The same --seed gives the same plant. Ctrl+C stops "
            "it with a summary."
        ),
    )
    p.add_argument(
        "--speed",
        type=positive_float,
        default=1.0,
        help="simulated seconds per real second (default 1: live, the wall clock)",
    )
    p.add_argument(
        "--start",
        type=_start,
        default=None,
        metavar="WHEN",
        help=(
            "simulated start: ISO 8601, a time back from now (8h, 90m, 2d) or 'last' (where "
            "the stored metrics end); a faster run that starts in the past fast-forwards to "
            "now and then runs live (default: now)"
        ),
    )
    p.add_argument(
        "--duration",
        type=positive_float,
        default=None,
        metavar="S",
        help="stop after S real seconds (default: run until Ctrl+C)",
    )
    p.add_argument("--seed", type=positive_int, default=7, help="random seed (default 7)")
    p.add_argument(
        "--faults",
        type=_faults,
        default=None,
        help="faults to inject: drift,breakdown,late (default all; 'none' for none)",
    )
    p.add_argument(
        "--tick", type=positive_float, default=1.0, metavar="S", help="real seconds per step"
    )
    p.add_argument(
        "--user", default=None, help="run as this administrator (default: TAKT_USER or admin)"
    )
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    p.set_defaults(handler=_simulate)


def _actor(app: App, name: str | None) -> Actor:
    actor = cli_actor(app, name, source="simulator", hint=": pass --user an administrator")
    if not actor.can(Permission.OPERATE_SYSTEM):
        raise CliError(f"{actor.user} is {actor.role.value}: the simulator needs an administrator")
    return actor


def _simulate(args: argparse.Namespace) -> int:
    from services.cli.context import open_app
    from services.demo.loader import is_empty
    from services.simulation.faults import ALL_FAULTS, FaultKind
    from services.simulation.model import StepResult
    from services.simulation.runner import Simulation, SimulationSettings, last_metric_at
    from services.simulation.writer import WriteCounts

    faults = ALL_FAULTS if args.faults is None else frozenset(FaultKind(f) for f in args.faults)
    every = max(1, round(10 / args.tick))  # a progress line about every 10 real seconds
    steps = 0

    def progress(result: StepResult, counts: WriteCounts) -> None:
        nonlocal steps
        steps += 1
        if args.quiet or args.json or steps % every:
            return
        sys.stderr.write(
            f"  {result.at:%Y-%m-%d %H:%M} metrics {counts.metrics:>7,}  status changes "
            f"{counts.status_changes:>4}  orders done {counts.orders_completed:>3}  "
            f"late {counts.orders_late:>3}\n"
        )

    with open_app(args) as app:
        if is_empty(app):
            raise CliError("the database holds no plant: load one first with `takt demo`")
        actor = _actor(app, args.user)
        start = last_metric_at(app) if args.start == "last" else args.start
        settings = SimulationSettings(
            speed=args.speed,
            tick_s=args.tick,
            duration_s=args.duration,
            seed=args.seed,
            faults=faults,
            start=start,
        )
        sim = Simulation(app, actor, settings)
        stop = threading.Event()

        def on_sigint(signum: int, frame: object) -> None:
            if stop.is_set():  # a second Ctrl+C: give up on the step being written
                raise KeyboardInterrupt
            stop.set()  # the first: finish the step being written, then stop

        main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, on_sigint) if main else None
        try:
            if not args.quiet and not args.json:
                until = f"for {args.duration:g} s" if args.duration else "until Ctrl+C"
                sys.stderr.write(
                    f"simulating {len(sim.state.machines)} machines, {len(sim.state.orders)} "
                    f"open orders at {args.speed:g}x {until} (seed {args.seed})\n"
                )
                sys.stderr.flush()
            summary = sim.run(stop, on_step=progress)
        finally:
            if main:
                signal.signal(signal.SIGINT, previous)
    payload = summary.as_dict()
    lines = [
        f"simulated {summary.started:%Y-%m-%d %H:%M} .. {summary.ended:%Y-%m-%d %H:%M} in "
        f"{summary.steps} steps ({summary.real_seconds:.1f} s)"
        + (", stopped by Ctrl+C" if summary.interrupted else ""),
        f"metrics {payload['metrics']}, status changes {payload['status_changes']}, orders "
        f"started {payload['orders_started']}, completed {payload['orders_completed']}, "
        f"late {payload['orders_late']}, attendance records {payload['attendance']}",
    ]
    lines += [f"fault: {f}" for f in summary.faults]
    emit(args, payload, "\n".join(lines))
    return 0
