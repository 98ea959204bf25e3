"""A short simulator run against the demo plant, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from domain.auth import Actor, Role
from domain.errors import PermissionDenied
from domain.events import Topic
from services.cli.main import run as cli
from services.persistence.tables.people import attendance
from services.persistence.tables.plant import machine_metrics, machine_status_history, machines
from services.persistence.tables.system import audit_log, change_events
from services.persistence.tables.work import production_logs
from services.simulation.faults import ALL_FAULTS
from services.simulation.runner import Simulation, SimulationSettings
from tests.conftest import NOW

ADMIN = Actor("admin", Role.ADMIN, "seat-sim", source="simulator")


@pytest.fixture(params=["sqlite", "postgres"])
def demo_url(request: pytest.FixtureRequest) -> str:
    """The demo plant (generated at NOW) on both backends."""
    name = "demo_sqlite_url" if request.param == "sqlite" else "demo_pg_url"
    return str(request.getfixturevalue(name))


def _count(app: Any, table: Any, *where: Any) -> int:
    with app.engine.connect() as conn:
        stmt = select(func.count()).select_from(table)
        for w in where:
            stmt = stmt.where(w)
        return int(conn.execute(stmt).scalar_one())


def test_a_short_run_writes_metrics_status_changes_and_announces_them(
    demo_url: str, make_app: Any
) -> None:
    app = make_app(demo_url)
    channel = app.feed.open_channel()
    metrics_before = _count(app, machine_metrics)
    # 30 steps of 10 simulated minutes: the breakdown strikes at 30 % of the five hours
    settings = SimulationSettings(
        speed=600, tick_s=1.0, duration_s=30, seed=7, faults=ALL_FAULTS, start=NOW
    )
    sim = Simulation(app, ADMIN, settings)
    n_machines = len(sim.state.machines)
    summary = sim.run(realtime=False)

    assert summary.steps == 30
    assert not summary.interrupted
    assert (summary.ended - summary.started).total_seconds() == 30 * 600
    new_metrics = _count(app, machine_metrics, machine_metrics.c.at > NOW)
    assert new_metrics == summary.counts.metrics == 30 * n_machines
    assert _count(app, machine_metrics) == metrics_before + new_metrics

    # the breakdown fault: a status change in the history and on the machine itself
    with app.engine.connect() as conn:
        broken = conn.execute(
            select(machine_status_history.c.machine_id, machine_status_history.c.started_at)
            .where(machine_status_history.c.status == "breakdown")
            .order_by(machine_status_history.c.started_at)
        ).first()
        assert broken is not None
        last = conn.execute(
            select(machine_status_history.c.status)
            .where(machine_status_history.c.machine_id == broken.machine_id)
            .order_by(machine_status_history.c.id.desc())
        ).first()
        now_status = conn.execute(
            select(machines.c.status).where(machines.c.id == broken.machine_id)
        ).scalar_one()
        audited = conn.execute(
            select(func.count()).where(audit_log.c.action == "machine.status")
        ).scalar_one()
    assert last is not None
    assert last.status == now_status
    assert summary.counts.status_changes >= 1
    assert audited == summary.counts.status_changes
    assert any(f.startswith("breakdown:") for f in summary.faults)

    # work-order progress and attendance (shift A runs at NOW, shift B starts at 14:00)
    assert summary.counts.units_reported > 0
    logs = _count(app, production_logs, production_logs.c.at > NOW)
    assert logs >= summary.counts.production_logs
    assert _count(app, attendance, attendance.c.day == NOW.date()) > 0

    # the change events reached the feed, after commit, in the outbox's order
    received = channel.receive(timeout=1.0)
    while more := channel.receive(timeout=0.2):
        received.extend(more)
    channel.close()
    topics = {(e.topic, e.kind) for e in received}
    assert (Topic.ANALYTICS, "machine_metrics") in topics
    assert (Topic.MACHINE, "status_changed") in topics
    assert (Topic.WORK_ORDER, "progressed") in topics
    assert (Topic.SYSTEM, "simulation_stopped") in topics
    seqs = [e.seq for e in received]
    assert seqs == sorted(seqs)
    assert _count(app, change_events, change_events.c.seq.in_(seqs)) == len(seqs)


def test_the_same_seed_writes_the_same_metrics(
    demo_sqlite_url: str, make_app: Any, tmp_path: Path
) -> None:
    copy = tmp_path / "second.db"
    shutil.copy(demo_sqlite_url.removeprefix("sqlite:///"), copy)

    def metrics(url: str, seed: int) -> list[tuple[Any, ...]]:
        app = make_app(url)
        settings = SimulationSettings(speed=300, duration_s=5, seed=seed, start=NOW)
        Simulation(app, ADMIN, settings).run(realtime=False)
        with app.engine.connect() as conn:
            rows = conn.execute(
                select(
                    machine_metrics.c.machine_id,
                    machine_metrics.c.at,
                    machine_metrics.c.temperature_c,
                    machine_metrics.c.vibration,
                    machine_metrics.c.units_produced,
                )
                .where(machine_metrics.c.at > NOW)
                .order_by(machine_metrics.c.at, machine_metrics.c.machine_id)
            ).all()
        return [tuple(r) for r in rows]

    first = metrics(demo_sqlite_url, 11)
    assert len(first) > 0
    assert metrics(f"sqlite:///{copy}", 11) == first


def test_a_viewer_may_not_run_the_simulator(demo_sqlite_url: str, make_app: Any) -> None:
    app = make_app(demo_sqlite_url)
    with pytest.raises(PermissionDenied):
        Simulation(app, Actor("viewer", Role.VIEWER, "seat-1"), SimulationSettings(start=NOW))


def test_stop_event_ends_a_realtime_run_with_a_summary(demo_sqlite_url: str, make_app: Any) -> None:
    app = make_app(demo_sqlite_url)
    stop = threading.Event()
    sim = Simulation(app, ADMIN, SimulationSettings(speed=60, tick_s=0.05, start=NOW))

    def after_three(result: Any, counts: Any) -> None:
        if counts.metrics >= 3 * len(sim.state.machines):
            stop.set()

    summary = sim.run(stop, on_step=after_three)
    assert summary.steps == 3
    assert summary.interrupted


def test_cli_runs_and_prints_a_json_summary(
    demo_sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli(
        [
            "simulate",
            "--database-url",
            demo_sqlite_url,
            "--speed",
            "120",
            "--tick",
            "0.05",
            "--duration",
            "0.2",
            "--faults",
            "breakdown",
            "--json",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    payload = json.loads(out)
    assert payload["steps"] == 4
    assert payload["metrics"] > 0


def test_cli_refuses_an_empty_database_and_unknown_faults(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(["simulate", "--database-url", sqlite_url, "--duration", "1"]) == 2
    assert "takt demo" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        cli(["simulate", "--database-url", sqlite_url, "--faults", "fire"])
    assert exc.value.code == 2
    assert "unknown fault fire" in capsys.readouterr().err


def test_ctrl_c_between_steps_ends_the_run_with_a_summary(
    demo_sqlite_url: str, make_app: Any
) -> None:
    app = make_app(demo_sqlite_url)
    sim = Simulation(app, ADMIN, SimulationSettings(speed=600, duration_s=50, start=NOW))
    channel = app.feed.open_channel()

    def interrupt(result: Any, counts: Any) -> None:
        if counts.metrics >= 2 * len(sim.state.machines):
            raise KeyboardInterrupt

    summary = sim.run(realtime=False, on_step=interrupt)
    assert summary.steps == 2
    assert summary.interrupted
    events = channel.receive(timeout=1.0)
    while more := channel.receive(timeout=0.2):
        events.extend(more)
    channel.close()
    assert [e.kind for e in events if e.topic is Topic.SYSTEM] == [
        "simulation_started",
        "simulation_stopped",
    ]


def test_sigint_stops_the_console_command_cleanly(demo_sqlite_url: str, tmp_path: Path) -> None:
    takt = Path(sys.executable).with_name("takt")
    proc = subprocess.Popen(
        [str(takt), "simulate", "--database-url", demo_sqlite_url, "--tick", "0.1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TAKT_HOME": str(tmp_path / "home")},
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()  # "simulating ..." when the run starts (not with --json)
        assert "simulating" in line
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "stopped by Ctrl+C" in out
    assert "Traceback" not in err


def test_a_fast_run_from_the_past_catches_up_with_the_clock_and_goes_no_further(
    demo_sqlite_url: str, make_app: Any
) -> None:
    app = make_app(demo_sqlite_url)  # its clock stands at NOW
    settings = SimulationSettings(
        speed=600, tick_s=1.0, duration_s=20, start=NOW - timedelta(hours=1), faults=frozenset()
    )
    summary = Simulation(app, ADMIN, settings).run(realtime=False)
    assert summary.steps == 6  # six steps of ten minutes reach NOW; the other ticks wait
    assert summary.ended == NOW
    with app.engine.connect() as conn:
        latest = conn.execute(select(func.max(machine_metrics.c.at))).scalar_one()
    assert latest == NOW


def test_cli_continues_from_where_the_stored_metrics_end(
    demo_sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["simulate", "--database-url", demo_sqlite_url, "--start", "last", "--json"]
    code = cli([*args, "--speed", "600", "--tick", "0.05", "--duration", "0.2"])
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["simulated_from"] == NOW.isoformat()  # the demo's metrics end at NOW
    assert payload["simulated_seconds"] == 4 * 30.0


def test_cli_start_times(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    from services.cli.main import build_parser

    parser = build_parser()
    for option in (["--start", "8h"], ["--start=-8h"], ["--start", "8h ago"], ["--start", "480m"]):
        back = datetime.now(UTC) - parser.parse_args(["simulate", *option]).start
        assert timedelta(hours=7, minutes=59) < back < timedelta(hours=8, minutes=1)
    assert parser.parse_args(["simulate", "--start", "2026-11-16T06:00"]).start == datetime(
        2026, 11, 16, 6, 0, tzinfo=UTC
    )
    with pytest.raises(SystemExit):
        cli(["simulate", "--database-url", sqlite_url, "--start", "yesterday"])
    assert "'yesterday' is not a time" in capsys.readouterr().err
