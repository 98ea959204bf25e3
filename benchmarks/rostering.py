"""Rostering benchmark: the Curtois & Qu shift scheduling instances in ../shared/data/rostering.

For each instance, our solver (``takt roster solve``: the strengthened model with the
neighbourhood search) and a plain CP-SAT model of the same rules run one after the other with
the same time limit and worker count; the objective of each (recomputed by the independent
checker) is compared with the best-known value from the data set's MANIFEST, as a gap.

The plain model is the baseline of issue 9: one Boolean per employee, day and shift, the rules
written on their sums, and only the auxiliaries the rules cannot do without (one Boolean per
employee and weekend, an under- and an over-cover count per cover row); CP-SAT's default search.

    .venv/bin/python benchmarks/rostering.py                    # 30 s, 2 workers, all instances
    .venv/bin/python benchmarks/rostering.py --time-limit 60 --instances Instance8 Instance12
    .venv/bin/python benchmarks/rostering.py --no-write        # print only

Figures go into benchmarks/RESULTS.md between the ``rostering:begin/end`` markers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import fcntl
import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from domain.rules.rostering import weekends  # noqa: E402
from services.rostering.benchmark_format import load_instance  # noqa: E402
from services.rostering.model import RosterModel  # noqa: E402
from services.rostering.problem import RosterProblemDto, SolveOptionsDto  # noqa: E402
from services.rostering.solver import solve  # noqa: E402

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

DATA = Path(os.environ.get("TAKT_SHARED_DATA", REPO.parent / "shared" / "data")) / "rostering"
RESULTS = REPO / "benchmarks" / "RESULTS.md"
BEGIN, END = "<!-- rostering:begin -->", "<!-- rostering:end -->"


def best_known(manifest: Path) -> dict[str, int]:
    """The best-known objectives listed in the MANIFEST ("Instance1 607 (optimal), 2 828, ...")."""
    text = manifest.read_text(encoding="utf-8")
    at = text.find("Instance1 ")
    if at < 0:
        return {}
    block = text[at : text.find("\n\n", at) if "\n\n" in text[at:] else len(text)]
    return {f"Instance{n}": int(v) for n, v in re.findall(r"(?:Instance)?(\d+) (\d+)", block)}


def build_plain(problem: RosterProblemDto) -> RosterModel:
    """One Boolean per employee, day and shift; rules written directly on them."""
    from ortools.sat.python import cp_model

    m = cp_model.CpModel()
    shifts = problem.shift_map()
    horizon = problem.horizon
    x: dict[tuple[int, int, str], cp_model.IntVar] = {}
    for e in range(len(problem.staff)):
        for d in range(horizon):
            for s in shifts:
                x[e, d, s] = m.new_bool_var(f"x_{e}_{d}_{s}")
    objective: list[cp_model.LinearExprT] = []
    for e, staff in enumerate(problem.staff):
        c = staff.contract

        def work(d: int, e: int = e) -> cp_model.LinearExprT:
            return sum(x[e, d, s] for s in shifts)

        for d in range(horizon):
            m.add(work(d) <= 1)
            if d in c.days_off:
                m.add(work(d) == 0)
        for s, limit in c.max_shifts.items():
            m.add(sum(x[e, d, s] for d in range(horizon)) <= limit)
        minutes = sum(shifts[s].minutes * x[e, d, s] for d in range(horizon) for s in shifts)
        if c.max_total_minutes is not None:
            m.add(minutes <= c.max_total_minutes)
        m.add(minutes >= c.min_total_minutes)
        top = c.max_consecutive_shifts
        if top is not None:
            for d in range(horizon - top):
                m.add(sum(work(d + j) for j in range(top + 1)) <= top)
        for d in range(1, horizon):
            for j in range(1, c.min_consecutive_shifts):
                if d + j < horizon:
                    m.add(work(d) - work(d - 1) - work(d + j) <= 0)
            for j in range(1, c.min_consecutive_days_off):
                if d + j < horizon:
                    m.add(work(d - 1) - work(d) + work(d + j) <= 1)
        if c.max_weekends is not None:
            worked = []
            for days in weekends(horizon, problem.first_weekday):
                w = m.new_bool_var(f"weekend_{e}_{days[0]}")
                for d in days:
                    m.add(w >= work(d))
                worked.append(w)
            m.add(sum(worked) <= c.max_weekends)
        for d in range(horizon - 1):
            for s in shifts.values():
                for t in s.forbidden_next:
                    m.add(x[e, d, s.id] + x[e, d + 1, t] <= 1)
    index = {staff.id: e for e, staff in enumerate(problem.staff)}
    for r in problem.requests:
        var = x[index[r.staff_id], r.day, r.shift]
        objective.append(r.weight * (1 - var) if r.on else r.weight * var)
    for i, row in enumerate(problem.cover):
        count = sum(x[e, row.day, row.shift] for e in range(len(problem.staff)))
        under = m.new_int_var(0, row.requirement, f"under_{i}")
        over = m.new_int_var(0, len(problem.staff), f"over_{i}")
        m.add(count - row.requirement == over - under)
        objective += [row.under_weight * under, row.over_weight * over]
    m.minimize(sum(objective))
    return RosterModel(m, problem, x, {}, {}, {"x": len(x)})


def run_one(
    path: Path, model: str, time_limit: float, workers: int, seed: int
) -> dict[str, object]:
    problem = load_instance(path)
    if model == "plain":
        options = SolveOptionsDto(
            time_limit=time_limit, workers=workers, seed=seed, strategy="cpsat"
        )
        result = solve(problem, options, build=build_plain)
    else:
        options = SolveOptionsDto(time_limit=time_limit, workers=workers, seed=seed)
        result = solve(problem, options)
    return {
        "status": result.status.value,
        "objective": result.objective,
        "lower_bound": result.lower_bound,
        "seconds": result.solve_seconds,
        "valid": result.report is not None and result.report.valid,
    }


def gap(value: object, best: int | None) -> str:
    if not isinstance(value, int) or not best:
        return "-"
    return f"{100.0 * (value - best) / best:+.1f} %"


def table(rows: list[dict[str, object]]) -> str:
    head = (
        "| instance | best known | ours | gap | plain | gap | ours: bound | ours: status |\n"
        "|---|---:|---:|---:|---:|---:|---:|---|\n"
    )
    lines = []
    for r in rows:
        best = r["best"] if isinstance(r["best"], int) else None
        ours, plain = r["ours"], r["plain"]
        assert isinstance(ours, dict)
        assert isinstance(plain, dict)
        bound = ours.get("lower_bound")
        lines.append(
            f"| {r['instance']} | {best or '-'} | {ours.get('objective', '-')} | "
            f"{gap(ours.get('objective'), best)} | {plain.get('objective', '-')} | "
            f"{gap(plain.get('objective'), best)} | "
            f"{'-' if bound is None else round(float(str(bound)))} | {ours.get('status')} |"
        )
    return head + "\n".join(lines) + "\n"


def write_section(text: str, results: Path, key: str) -> None:
    """Put ``text`` into the rostering section, replacing only the block of ``key`` (one block
    per time limit, so the 30 s and 60 s figures live side by side)."""
    # other benchmarks may write at the same time: read-modify-write under their lock file
    with open(results.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _write_locked(text, results, key)


def _write_locked(text: str, results: Path, key: str) -> None:
    old = results.read_text(encoding="utf-8") if results.exists() else "# Benchmark results\n"
    blocks: dict[str, str] = {}
    if BEGIN in old and END in old:
        inside = old[old.index(BEGIN) + len(BEGIN) : old.index(END)]
        for k, body in re.findall(
            r"<!-- rostering:(\S+) -->\n(.*?)<!-- /rostering:\1 -->", inside, re.S
        ):
            blocks[k] = body
    blocks[key] = text.rstrip() + "\n"
    order = sorted(
        blocks,
        key=lambda k: (float(re.sub(r"s.*", "", k)), k),
    )
    body = "".join(f"<!-- rostering:{k} -->\n{blocks[k]}<!-- /rostering:{k} -->\n\n" for k in order)
    block = f"{BEGIN}\n{body.rstrip()}\n{END}"
    if BEGIN in old and END in old:
        new = old[: old.index(BEGIN)] + block + old[old.index(END) + len(END) :]
    else:
        new = old.rstrip("\n") + "\n\n" + block + "\n"
    results.write_text(new, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--instances", nargs="*", default=None, help="names (default: all files)")
    p.add_argument("--time-limit", type=float, default=30.0, help="seconds per instance and model")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--models", nargs="*", default=["ours", "plain"], choices=["ours", "plain"])
    p.add_argument("--results", type=Path, default=RESULTS)
    p.add_argument("--no-write", action="store_true", help="print only, leave RESULTS.md alone")
    args = p.parse_args(argv)

    best = best_known(DATA / "MANIFEST.md")
    files = sorted(DATA.glob("Instance*.txt"), key=lambda f: int(re.sub(r"\D", "", f.stem)))
    if args.instances:
        files = [f for f in files if f.stem in set(args.instances)]
    if not files:
        print(f"no instances found in {DATA}", file=sys.stderr)
        return 2
    rows: list[dict[str, object]] = []
    loads = []
    started = time.time()
    for i, path in enumerate(files):
        row: dict[str, object] = {"instance": path.stem, "best": best.get(path.stem)}
        # alternate which model goes first, so a change in machine load hits both alike
        order = args.models if i % 2 == 0 else list(reversed(args.models))
        for model in order:
            loads.append(os.getloadavg()[0])
            row[model] = run_one(path, model, args.time_limit, args.workers, args.seed)
            print(f"{path.stem:11s} {model:5s} {row[model]}", flush=True)
        for model in ("ours", "plain"):
            row.setdefault(model, {})
        rows.append(row)
    text = table(rows)
    print(text)
    if not args.no_write:
        cmd = "python benchmarks/rostering.py " + " ".join(
            argv if argv is not None else sys.argv[1:]
        )
        note = (
            f"Command: `{cmd.strip()}` on {dt.date.today().isoformat()}, "
            f"{args.time_limit:g} s per instance and model, {args.workers} workers, "
            f"seed {args.seed}; "
            f"{platform.machine()} with {os.cpu_count()} cores shared with other jobs "
            f"(1-minute load average during the runs: median {statistics.median(loads):.1f}, "
            f"max {max(loads):.1f}); total {time.time() - started:.0f} s.\n\n"
            "ours = `takt roster solve` (strengthened model, first roster operator by operator, "
            "neighbourhood search over six kinds of neighbourhood (operators, days, blocks, "
            "cover gaps, one shift type over a window, requests not granted), each step a short "
            "CP-SAT run from a complete hint of the incumbent; one worker runs CP-SAT on the "
            "whole model, restarted from the best roster every third of the time while that "
            "helps, for the bound); "
            "plain = one Boolean per employee, day and shift, CP-SAT default search. "
            "Objectives are recomputed by the independent checker; best known from the "
            "data MANIFEST; bound = CP-SAT's lower bound in our run (- if none).\n"
        )
        write_section(
            f"## Rostering (Curtois & Qu), {args.time_limit:g} s\n\n{note}\n{text}",
            args.results,
            f"{args.time_limit:g}s"
            + ("" if not args.instances else "-" + "-".join(r["instance"] for r in rows)),
        )
        print(f"written to {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
