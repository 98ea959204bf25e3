"""Two ``takt vision-worker`` processes on PostgreSQL share the cameras; when one is killed
(no clean stop, no release) the other takes its cameras over after the lease time; Ctrl+C
stops the survivor cleanly and hands every camera back."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.datasets import REPO
from tests.services.vision.conftest import ONNX_MODEL, add_camera, empty_zone, seed_day

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def start_worker(url: str, name: str, home: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "TAKT_HOME": str(home), "YOLO_OFFLINE": "1"}
    cmd = [sys.executable, "-m", "services.cli.main", "vision-worker", "--database-url", url,
           "--worker-id", name, "--model", str(ONNX_MODEL), "--lease-ttl", "3",
           "--heartbeat", "0.5", "--json"]  # fmt: skip
    return subprocess.Popen(
        cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def wait_for(cond: Callable[[], Any], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.2)
    return bool(cond())


def test_a_killed_worker_is_taken_over_and_ctrl_c_stops_cleanly(
    pg_url: str, make_app: Callable[..., Any], tmp_path: Path
) -> None:
    from services.vision.leases import camera_owners

    app = make_app(pg_url)
    seed_day(app)
    for cid in ("CAM-A", "CAM-B"):
        add_camera(app, cid, [empty_zone(cid, f"{cid}-E")], loop=True)

    def owners() -> dict[str, str | None]:
        return {c: w for c, (w, _) in camera_owners(app).items()}

    w1 = start_worker(pg_url, "w1", tmp_path / "h1")
    w2: subprocess.Popen[str] | None = None
    try:
        assert wait_for(lambda: set(owners().values()) == {"w1"}, 60), owners()
        w2 = start_worker(pg_url, "w2", tmp_path / "h2")
        assert wait_for(lambda: sorted(w or "-" for w in owners().values()) == ["w1", "w2"], 60), (
            owners()
        )
        moved = next(c for c, w in owners().items() if w == "w1")

        w1.send_signal(signal.SIGKILL)  # a crash: no release, the lease has to expire
        w1.wait(30)
        killed_at = time.monotonic()
        assert owners()[moved] == "w1"
        assert wait_for(lambda: set(owners().values()) == {"w2"}, 30), owners()
        assert time.monotonic() - killed_at >= 2.0, "taken over after the lease time, not before"

        time.sleep(1.0)
        w2.send_signal(signal.SIGINT)
        out, err = w2.communicate(timeout=60)
        assert w2.returncode == 0, err
        assert "Traceback" not in err
        report = json.loads(out)
        assert moved in report["taken"]
        assert sorted(report["owned_at_exit"]) == ["CAM-A", "CAM-B"]
        assert report["error"] is None
        assert set(owners().values()) == {None}, "the clean stop released every lease"
    finally:
        for proc in (w1, w2):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait(10)
