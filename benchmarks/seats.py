"""Multi-seat consistency and latency: ``takt bench seats`` on real PostgreSQL + Redis.

    .venv/bin/python benchmarks/seats.py                       # throwaway servers, 8 seats, 30 s
    .venv/bin/python benchmarks/seats.py --seats 4 --duration 10
    .venv/bin/python benchmarks/seats.py --database-url URL --redis-url URL

Without URLs it starts a throwaway PostgreSQL and Redis (tests/servers.py: fsync off, as in the
test run) and loads the demo plant. Targets of issue 3: propagation p99 < 100 ms and commit
p99 < 25 ms on this machine; lost updates and double bookings 0; replaying the event log gives
the database state. Figures go to the ``seats`` section of benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._results import write_section  # noqa: E402
from services.allocation.bench import run_bench  # noqa: E402

TARGETS = {"propagation_p99_ms": 100.0, "commit_p99_ms": 25.0}


def _servers() -> tuple[str, str, list[Any]]:
    import psycopg

    from tests.servers import start_postgres, start_redis

    pg = start_postgres()
    redis = start_redis()
    with psycopg.connect(pg.admin_url, autocommit=True) as conn:
        conn.execute('CREATE DATABASE "takt_bench"')
    return pg.url("takt_bench"), redis.url, [pg, redis]


def _verdict(value: float | None, target: float) -> str:
    if value is None:
        return "no sample"
    if value < target:
        return f"met (< {target:g})"
    return f"MISSED by {value - target:.1f} ms ({value / target:.1f}x the target)"


def _rows(f: dict[str, Any]) -> list[tuple[str, str, str]]:
    c, p = f["commit_ms"], f["propagation_ms"]
    return [
        (
            "commit ms p50 / p99",
            f"{c['p50']} / {c['p99']}",
            _verdict(c["p99"], TARGETS["commit_p99_ms"]),
        ),
        (
            "propagation ms p50 / p99",
            f"{p['p50']} / {p['p99']}",
            _verdict(p["p99"], TARGETS["propagation_p99_ms"]),
        ),
        (
            "commit ms p50 / p99: seats on their own operators | on the 3 shared ones",
            " | ".join(
                f"{g['p50']} / {g['p99']} (n={g['n']})"
                for g in (
                    f["commit_ms_by_seat_kind"]["own_operator_seats"],
                    f["commit_ms_by_seat_kind"]["conflicting_seats"],
                )
            ),
            "",
        ),
        (
            "PostgreSQL sessions active / waiting for a lock (mean of samples)",
            f"{f['pg_sessions_active_mean']} / "
            + ", ".join(f"{k} {v}" for k, v in f["pg_lock_waits_by_statement"].items()),
            "",
        ),
        (
            "each seat's warm-up calls before the clock (not in the figures above): first call "
            "p50 / max, later ones p50 / max (ms)",
            _warm_up(f.get("warm_up_ms")),
            "",
        ),
        ("CPU of the seat processes (cores)", str(f["seat_cpu_cores"]), ""),
        (
            "the same by thread (MainThread: the calls; change-subscriber: the Redis feed)",
            ", ".join(
                f"{k} {v}" for k, v in (f.get("seat_cpu_cores_by_thread") or {}).items() if v
            ),
            "",
        ),
        (
            "their board threads: cores / CPU ms per change event a seat handled / reads per burst",
            f"{f['board_cpu_cores']} / {f['board_cpu_ms_per_event']} / "
            f"{f['board_reads_per_burst']}",
            "",
        ),
        (
            "seat boards that differ from the database at the end",
            str(f["boards_differing"]),
            "must be 0",
        ),
        (
            "operations (committed / conflicts / other refusals)",
            f"{f['operations']} ({f['committed']} / {f['conflicts']} / {f['rejected']})",
            "",
        ),
        ("lost updates", str(f["lost_updates"]), "must be 0"),
        ("double bookings", str(f["double_bookings"]), "must be 0"),
        ("replay of the event log matches the table", str(f["replay_matches"]), "must be true"),
        (
            "propagation samples / never applied",
            f"{f['propagation_samples']} / {f['propagation_missed']}",
            "",
        ),
    ]


def _warm_up(w: dict[str, Any] | None) -> str:
    if not w:
        return "none (before 2026-12-06: the first calls were in the figures)"
    return (
        f"{w['first_call_p50']} / {w['first_call_max']}, {w['later_p50']} / {w['later_max']} "
        f"({w['calls_per_seat']} per seat)"
    )


def _body(runs: list[tuple[str, dict[str, Any]]], duration: float, servers: str, load: str) -> str:
    out = [
        f"Each run {duration:g} s; half of the seats work on the same 3 operators; {servers}; "
        f"{os.cpu_count()} cores shared with other work (load average before the runs: {load}).\n"
    ]
    for label, f in runs:
        table = "| figure | value | target |\n|---|---|---|\n" + "\n".join(
            f"| {a} | {b} | {c} |" for a, b, c in _rows(f)
        )
        out.append(
            f"**{label}** ({f['conflicting_seats']} conflicting seats)\n\n{table}\n\n"
            f"Refusals by reason: `{json.dumps(f['refusals'], sort_keys=True)}`.\n"
        )
    return "\n".join(out)


def _repeats(runs: list[tuple[str, dict[str, Any]]], loads: list[str]) -> str:
    """One line per repetition of the main configuration, and the medians of their p99s."""
    rows = []
    for i, ((_label, f), load) in enumerate(zip(runs, loads, strict=False), start=1):
        c, p, k = f["commit_ms"], f["propagation_ms"], f["commit_ms_by_seat_kind"]
        rows.append(
            f"| {i} | {load} | {c['p50']} / {c['p99']} | {p['p99']} | "
            f"{k['own_operator_seats']['p99']} / {k['conflicting_seats']['p99']} | "
            f"{f['lost_updates']} / {f['double_bookings']} / {f['replay_matches']} / "
            f"{f['boards_differing']} |"
        )
    commit = statistics.median(f["commit_ms"]["p99"] for _l, f in runs)
    spread = [f["commit_ms"]["p99"] for _l, f in runs]
    prop = statistics.median(f["propagation_ms"]["p99"] for _l, f in runs)
    return (
        f"\n**{runs[0][0]}, {len(runs)} runs one after the other** (the table above is the "
        "last of them)\n\n"
        "| run | load average (1 min) at its start | commit ms p50 / p99 | propagation ms p99 | "
        "commit ms p99: own operators / shared | lost / double bookings / replay matches / "
        "boards differing |\n|---|---|---|---|---|---|\n"
        + "\n".join(rows)
        + f"\n\nMedian of the runs' commit p99: {commit:.1f} ms "
        f"({_verdict(commit, TARGETS['commit_p99_ms'])}; runs {min(spread)}-{max(spread)} ms); "
        f"median propagation p99: {prop:.1f} ms "
        f"({_verdict(prop, TARGETS['propagation_p99_ms'])}).\n"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--database-url")
    ap.add_argument("--redis-url")
    ap.add_argument("--seats", type=int, default=8)
    ap.add_argument("--rate", type=float, default=50.0, help="operations/s, all seats together")
    ap.add_argument("--duration", type=float, default=30.0)
    ap.add_argument(
        "--light",
        action="store_true",
        help="also run 2 seats at 10 operations/s on the same servers (the latency floor)",
    )
    ap.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run the main configuration this many times on the same servers (p99 medians)",
    )
    ap.add_argument("--no-write", action="store_true", help="do not touch RESULTS.md")
    ap.add_argument("--note-file", help="a file whose text goes below the tables")
    ap.add_argument(
        "--read-deltas",
        action="store_true",
        help="seats read every card an event names (the code before events carried state)",
    )
    args = ap.parse_args()
    owned: list[Any] = []
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    if args.database_url and args.redis_url:
        db, redis, servers = args.database_url, args.redis_url, "given PostgreSQL and Redis"
    else:
        db, redis, owned = _servers()
        servers = "throwaway PostgreSQL 15 (fsync off) and Redis started by the benchmark"
    configs = [(args.seats, args.rate)] * max(args.repeat, 1) + ([(2, 10.0)] if args.light else [])
    runs: list[tuple[str, dict[str, Any]]] = []
    loads: list[str] = []
    started = time.perf_counter()
    try:
        for seats, rate in configs:
            label = f"{seats} seats, {rate:g} operations/s"
            print(f"== {label}", file=sys.stderr)
            loads.append(f"{os.getloadavg()[0]:.1f}")
            figures = run_bench(
                db,
                redis,
                seats=seats,
                rate=rate,
                duration=args.duration,
                apply_events=not args.read_deltas,
                progress=lambda text: print(f"  {text}", file=sys.stderr),
            )
            runs.append((label, figures))
            print(json.dumps(figures, indent=2, default=str))
    except RuntimeError as exc:
        print(f"seats benchmark: {exc}", file=sys.stderr)
        return 1
    finally:
        for server in owned:
            if hasattr(server, "destroy"):
                server.destroy()
            else:
                server.stop()
    print(f"(took {time.perf_counter() - started:.0f} s)", file=sys.stderr)
    if not args.no_write:
        cmd = (
            f"benchmarks/seats.py --seats {args.seats} --rate {args.rate:g} "
            f"--duration {args.duration:g}"
            + (f" --repeat {args.repeat}" if args.repeat > 1 else "")
            + (" --light" if args.light else "")
            + (" --read-deltas" if args.read_deltas else "")
        )
        repeats = runs[: max(args.repeat, 1)]
        write_section(
            "seats",
            "Multi-seat allocation (takt bench seats)",
            cmd,
            _body(runs[max(args.repeat, 1) - 1 :], args.duration, servers, load)
            + (_repeats(repeats, loads) if len(repeats) > 1 else "")
            + (
                "\n" + Path(args.note_file).read_text(encoding="utf-8").strip() + "\n"
                if args.note_file
                else ""
            ),
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
