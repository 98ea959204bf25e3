"""``takt demo``: load the deterministic demo plant (or a large one for benchmarks)."""

from __future__ import annotations

import argparse
import sys

from services.cli.common import CliError, emit, positive_int
from services.cli.context import open_app
from services.config import redact_url


def _scale(value: str) -> str:
    if value == "large":
        return value
    try:
        f = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--scale takes a number or 'large', not {value!r}"
        ) from None
    if f <= 0 or f > 1000:
        raise argparse.ArgumentTypeError("--scale must be between 0 and 1000")
    return value


def register(sub: argparse._SubParsersAction, parents: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "demo",
        parents=[parents],
        help="load the demo plant into an empty database",
        description=(
            "Load the deterministic demo plant: 3 lines, 24 machines, 60 operators, 3 shifts, "
            "200 open work orders and 30 days of history. --scale N multiplies the counts; "
            "--scale large gives 1,000 operators, 300 machines, 20,000 work orders and "
            "1,000,000 time logs (for benchmarks)."
        ),
    )
    p.add_argument("--scale", type=_scale, default="1", help="a factor, or 'large' (default 1)")
    p.add_argument("--seed", type=positive_int, default=7, help="random seed (default 7)")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(handler=_demo)


def _demo(args: argparse.Namespace) -> int:
    from services.demo.generator import PlantSize
    from services.demo.loader import DEMO_PASSWORD, is_empty, load_demo

    size = PlantSize.large() if args.scale == "large" else PlantSize.scaled(float(args.scale))

    def progress(stage: str, n: int) -> None:
        if not args.quiet and not args.json:
            sys.stderr.write(f"  {stage:<22} {n:>10,}\n")

    with open_app(args, upgrade=True) as app:
        if not is_empty(app):
            raise CliError(
                f"{redact_url(app.config.database_url)} already holds a plant: "
                "load the demo into an empty database"
            )
        report = load_demo(app, size, seed=args.seed, progress=progress)
        payload = {
            "database": redact_url(app.config.database_url),
            "seconds": round(report.seconds, 2),
            "counts": report.counts,
            "users": ["admin", "lead", "planner", "super", "viewer"],
            "password": DEMO_PASSWORD,
        }
    emit(
        args,
        payload,
        f"demo plant loaded into {payload['database']} in {report.seconds:.1f} s; "
        f"sign in as admin, lead, planner, super or viewer with the password {DEMO_PASSWORD!r}",
    )
    return 0
