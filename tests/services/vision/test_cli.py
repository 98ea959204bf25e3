"""``takt vision policy`` and ``takt vision-worker`` through the command line."""

from __future__ import annotations

import json
from typing import Any

import pytest

from services.cli.main import run
from tests.services.vision.conftest import ONNX_MODEL, add_camera, demo_zones


def test_policy_is_shown_and_changed_by_an_administrator_only(
    sqlite_app: Any, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["vision", "policy", "--database-url", sqlite_url, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["blur_people"] is False
    assert shown["snapshot_retention_days"] == 14
    code = run(["vision", "policy", "--database-url", sqlite_url, "--blur", "on",
                "--snapshot-days", "7", "--json"])  # fmt: skip
    assert code == 0
    changed = json.loads(capsys.readouterr().out)
    assert (changed["blur_people"], changed["snapshot_retention_days"]) == (True, 7)
    code = run(["vision", "policy", "--database-url", sqlite_url, "--blur", "off",
                "--user", "viewer"])  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "administrator" in err
    assert "Traceback" not in err
    with pytest.raises(SystemExit) as bad:
        run(["vision", "policy", "--database-url", sqlite_url, "--blur", "maybe"])
    assert bad.value.code == 2
    assert "say on or off" in capsys.readouterr().err


def test_the_worker_runs_the_database_cameras_and_hands_them_back(
    sqlite_app: Any, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    add_camera(sqlite_app, "CAM-T", demo_zones("CAM-T"))
    args = ["vision-worker", "--database-url", sqlite_url, "--worker-id", "w-test",
            "--model", str(ONNX_MODEL),
            "--run-for", "6", "--heartbeat", "0.5", "--lease-ttl", "2", "--log-interval", "1",
            "--json"]  # fmt: skip
    assert run(args) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert "w-test" in captured.err
    assert "Ctrl+C" in captured.err
    assert report["taken"] == ["CAM-T"]
    assert report["owned_at_exit"] == ["CAM-T"]
    assert report["records"]["sessions_opened"] >= 1
    assert report["error"] is None
    with sqlite_app.engine.connect() as conn:
        from sqlalchemy import select

        from services.persistence.tables.vision import cameras

        assert conn.execute(select(cameras.c.worker_id)).scalar() is None


def test_worker_options_are_checked(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = run(["vision-worker", "--database-url", sqlite_url, "--heartbeat", "20"])
    assert code == 2
    assert "--heartbeat must be shorter than --lease-ttl" in capsys.readouterr().err
    with pytest.raises(SystemExit) as bad:
        run(["vision-worker", "--database-url", sqlite_url, "--model", "/no/model.onnx"])
    assert bad.value.code == 2
    assert "no such file" in capsys.readouterr().err
