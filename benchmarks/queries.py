"""Query latency on a large plant in PostgreSQL against the targets of seeds/002 section 11.2.

    .venv/bin/python benchmarks/queries.py                      # throwaway PostgreSQL, large plant
    .venv/bin/python benchmarks/queries.py --database-url URL   # an existing database

Targets: single resource lookup by id < 10 ms, filtered list of available resources < 50 ms,
assignment validation < 100 ms, an aggregate over the time logs < 2 s. Each query runs
``--repeat`` times after a warm-up; p50 and p99 are reported and written to RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import and_, func, select  # noqa: E402
from sqlalchemy.engine import Connection  # noqa: E402

from benchmarks._results import write_section  # noqa: E402
from services.persistence.tables import people, plant, vision, work  # noqa: E402

TARGETS_MS = {
    "lookup_by_id": 10.0,
    "available_resources": 50.0,
    "assignment_validation": 100.0,
    "time_log_aggregate": 2000.0,
}


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def _time(fn: Callable[[], Any], repeat: int) -> dict[str, float]:
    fn()  # warm-up (plans, caches)
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return {
        "p50": round(statistics.median(samples), 3),
        "p99": round(_percentile(samples, 99), 3),
        "n": repeat,
    }


def run(url: str, repeat: int, seed: int = 1) -> dict[str, Any]:
    from services.persistence.engine import make_engine

    engine = make_engine(url)
    rng = random.Random(seed)
    with engine.connect() as conn:
        op_ids = list(conn.execute(select(people.operators.c.id)).scalars())
        skills = list(
            conn.execute(select(people.operator_skills.c.skill_code).distinct()).scalars()
        )
        lines = list(conn.execute(select(plant.lines.c.id)).scalars())
        wo_ids = list(
            conn.execute(
                select(work.work_orders.c.id).where(work.work_orders.c.status == "queued")
            ).scalars()
        )
        m_ids = list(conn.execute(select(plant.machines.c.id)).scalars())
        latest = conn.execute(select(func.max(vision.time_logs.c.at))).scalar() or datetime.now(UTC)
        sizes = {
            "operators": len(op_ids),
            "machines": len(m_ids),
            "work_orders": conn.execute(
                select(func.count()).select_from(work.work_orders)
            ).scalar(),
            "time_logs": conn.execute(select(func.count()).select_from(vision.time_logs)).scalar(),
        }

    def lookup(conn: Connection) -> None:
        oid = rng.choice(op_ids)
        conn.execute(select(people.operators).where(people.operators.c.id == oid)).one()
        conn.execute(
            select(people.operator_skills).where(people.operator_skills.c.operator_id == oid)
        ).all()

    def available(conn: Connection) -> None:
        o, s = people.operators, people.operator_skills
        conn.execute(
            select(o.c.id, o.c.first_name, o.c.last_name, s.c.proficiency)
            .join(s, s.c.operator_id == o.c.id)
            .where(
                and_(
                    o.c.status == "available",
                    o.c.active.is_(True),
                    o.c.line_id == rng.choice(lines),
                    s.c.skill_code == rng.choice(skills),
                    s.c.proficiency >= 2,
                )
            )
            .order_by(s.c.proficiency.desc())
            .limit(50)
        ).all()

    def validation(conn: Connection) -> None:
        # what a validation reads: operator + skills + today's shift, machine, work order with
        # its operations and materials, and the resources' active allocations
        oid, mid, wid = rng.choice(op_ids), rng.choice(m_ids), rng.choice(wo_ids)
        a = work.allocations
        conn.execute(select(people.operators).where(people.operators.c.id == oid)).one()
        conn.execute(
            select(people.operator_skills).where(people.operator_skills.c.operator_id == oid)
        ).all()
        conn.execute(
            select(people.shift_assignments).where(
                and_(
                    people.shift_assignments.c.operator_id == oid,
                    people.shift_assignments.c.day == latest.date(),
                )
            )
        ).all()
        conn.execute(select(plant.machines).where(plant.machines.c.id == mid)).one()
        conn.execute(select(work.work_orders).where(work.work_orders.c.id == wid)).one()
        conn.execute(select(work.operations).where(work.operations.c.work_order_id == wid)).all()
        conn.execute(
            select(work.work_order_materials, work.materials)
            .join(work.materials, work.materials.c.id == work.work_order_materials.c.material_id)
            .where(work.work_order_materials.c.work_order_id == wid)
        ).all()
        conn.execute(
            select(a).where(
                and_(
                    a.c.status.in_(["active", "paused"]),
                    (a.c.operator_id == oid) | (a.c.machine_id == mid),
                )
            )
        ).all()

    def aggregate(conn: Connection) -> None:
        t = vision.time_logs
        day = func.date_trunc("day", t.c.at)
        conn.execute(
            select(
                t.c.zone_id,
                day,
                func.sum(t.c.active_seconds),
                func.sum(t.c.idle_seconds),
                func.count(func.distinct(t.c.track_id)),
            )
            .where(t.c.at >= latest - timedelta(days=30))
            .group_by(t.c.zone_id, day)
        ).all()

    results: dict[str, Any] = {}
    with engine.connect() as conn:
        for name, fn in (
            ("lookup_by_id", lookup),
            ("available_resources", available),
            ("assignment_validation", validation),
            ("time_log_aggregate", aggregate),
        ):
            n = repeat if name != "time_log_aggregate" else max(5, repeat // 20)
            stats = _time(lambda fn=fn: fn(conn), n)  # type: ignore[misc]
            stats["target_ms"] = TARGETS_MS[name]
            stats["met"] = stats["p99"] < TARGETS_MS[name]
            results[name] = stats
    engine.dispose()
    return {"sizes": sizes, "queries": results}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL URL (default: a throwaway server)")
    parser.add_argument(
        "--scale", default="large", help="demo plant scale when loading (default large)"
    )
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--no-write", action="store_true", help="do not update RESULTS.md")
    args = parser.parse_args()

    server = None
    url = args.database_url
    load_seconds = None
    if url is None:
        from tests.servers import start_postgres

        server = start_postgres()
        import psycopg

        with psycopg.connect(server.admin_url, autocommit=True) as c:
            c.execute("CREATE DATABASE bench")
        url = server.url("bench")
        from services.bootstrap import bootstrap
        from services.config import load_config
        from services.demo.generator import PlantSize
        from services.demo.loader import load_demo

        app = bootstrap(load_config(database_url=url), upgrade=True)
        size = PlantSize.large() if args.scale == "large" else PlantSize.scaled(float(args.scale))
        print(f"loading a demo plant ({size}) ...", file=sys.stderr)
        report = load_demo(app, size, progress=lambda s, n: print(f"  {s} {n}", file=sys.stderr))
        load_seconds = round(report.seconds, 1)
        with app.engine.connect() as c:
            c.exec_driver_sql("ANALYZE")
        app.close()
    try:
        out = run(url, args.repeat)
    finally:
        if server is not None:
            server.stop()
    out["load_seconds"] = load_seconds
    print(json.dumps(out, indent=2))
    if not args.no_write:
        rows = [
            "| query | p50 ms | p99 ms | target (p99) | met |",
            "|---|---|---|---|---|",
        ]
        for name, s in out["queries"].items():
            rows.append(
                f"| {name} | {s['p50']} | {s['p99']} | < {s['target_ms']:g} ms | "
                f"{'yes' if s['met'] else 'NO'} |"
            )
        sizes = ", ".join(f"{k} {v:,}" for k, v in out["sizes"].items())
        text = (
            f"Plant: {sizes}"
            + (f"; loaded in {load_seconds} s (COPY)" if load_seconds else "")
            + f". Each query {args.repeat}x after a warm-up "
            + f"(the aggregate {max(5, args.repeat // 20)}x), "
            "PostgreSQL 15, one connection, this 2-core machine.\n\n" + "\n".join(rows)
        )
        write_section("queries", "Query latency (seeds/002 §11.2)", "benchmarks/queries.py", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
