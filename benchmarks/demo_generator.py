"""How fast the demo plant generator is: the default plant, and a million time-log rows.

    .venv/bin/python benchmarks/demo_generator.py [--repeats 5] [--time-logs 1000000] [--large]

The time-log stream is compared, in the same run, with just constructing as many ``TimeLog``
objects with constant values (the floor for any iterator that yields domain objects), so the
ratio means something on a noisy shared machine where absolute seconds do not.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._results import write_section
from domain.model.vision import ActivityState, TimeLog
from services.demo.generator import (
    PlantSize,
    generate_plant,
    machine_metrics,
    time_logs,
)

NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def construct_only(n: int) -> None:
    for _ in range(n):
        TimeLog("CAM-01", 1, NOW, ActivityState.ACTIVE, "Z-01", None, 1.5, 0.5, 3, 0.5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="runs per figure (median)")
    parser.add_argument("--time-logs", type=int, default=1_000_000, help="rows to stream")
    parser.add_argument("--large", action="store_true", help="also generate PlantSize.large()")
    parser.add_argument("--no-write", action="store_true", help="do not update RESULTS.md")
    args = parser.parse_args()
    n = args.time_logs
    lines: list[str] = []

    def report(text: str) -> None:
        print(text, flush=True)
        lines.append(f"- {text}")

    gen = [timed(lambda: generate_plant(PlantSize(), now=NOW, zone_presets=())) for _ in
           range(args.repeats)]  # fmt: skip
    report(
        f"generate_plant(PlantSize()) (60 operators, 24 machines, 350 work orders): median "
        f"{statistics.median(gen):.3f} s, fastest {min(gen):.3f} s ({args.repeats} runs)"
    )

    plant = generate_plant(PlantSize(time_logs=n), now=NOW, zone_presets=())
    stream_s, floor_s = [], []
    for _ in range(max(1, args.repeats // 2)):  # interleaved, so both see the same load
        stream_s.append(timed(lambda: sum(1 for _ in time_logs(plant))))
        floor_s.append(timed(lambda: construct_only(n)))
    s, f = statistics.median(stream_s), statistics.median(floor_s)
    report(
        f"time_logs: {n:,} rows in {s:.2f} s median ({n / s:,.0f} rows/s); constructing {n:,} "
        f"TimeLog objects alone: {f:.2f} s; ratio {s / f:.2f} ({len(stream_s)} runs each)"
    )

    rows = sum(1 for _ in machine_metrics(plant))
    m = timed(lambda: sum(1 for _ in machine_metrics(plant)))
    report(f"machine_metrics: {rows:,} rows (24 machines x 30 days x 96) in {m:.2f} s")

    if args.large:
        large = timed(lambda: generate_plant(PlantSize.large(), now=NOW, zone_presets=()))
        report(
            f"generate_plant(PlantSize.large()) (1,000 operators, 300 machines, 35,000 work "
            f"orders, 146k operations): {large:.1f} s (one run)"
        )

    if not args.no_write:
        command = "benchmarks/demo_generator.py" + (" --large" if args.large else "")
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        body = "\n".join(lines) + (
            f"\n\nLoad average at the end of the run: {load} (2 cores, shared with other work)."
            " No published reference exists for this generator; the time-log ratio compares "
            "the stream with the bare cost of the domain objects it yields, in the same run."
        )
        write_section("demo_generator", "Demo plant generator", command, body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
