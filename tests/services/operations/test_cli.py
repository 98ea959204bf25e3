"""``takt db backup|restore`` and ``takt ops ...`` through the real command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from services.cli.main import run
from tests.services.persistence.helpers import seed_minimal


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    code = run(list(argv))
    out, err = capsys.readouterr()
    try:
        payload = json.loads(out) if out.strip() else None
    except json.JSONDecodeError:
        payload = out
    return code, payload, err


def test_backup_and_restore_of_the_default_embedded_database(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert run(["db", "upgrade"]) == 0
    capsys.readouterr()
    target = tmp_path / "site" / "monday.db"
    code, payload, _ = _run(capsys, "db", "backup", str(target), "--json")
    assert code == 0
    assert payload["backup"] == str(target)
    assert payload["bytes"] > 0
    code, _, err = _run(capsys, "db", "backup", str(target))
    assert code == 2
    assert "exists already" in err
    assert "Traceback" not in err
    code, payload, _ = _run(capsys, "db", "restore", str(target), "--json")
    assert code == 0
    assert Path(payload["previous_copy"]).exists()
    assert payload["needs_upgrade"] is False


def test_user_errors_are_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = _run(
        capsys, "db", "backup", str(tmp_path / "x.db"), "--database-url", "postgresql://u:pw@h/d"
    )
    assert code == 2
    assert err.count("\n") == 1
    assert "pg_dump" in err
    assert "pw" not in err
    with pytest.raises(SystemExit) as exit_info:  # argparse refuses it before any handler
        run(["db", "restore", str(tmp_path / "missing.db")])
    assert exit_info.value.code == 2
    assert "no such file" in capsys.readouterr().err


def test_retention_policy_and_anonymise_commands(
    capsys: pytest.CaptureFixture[str], sqlite_url: str, make_app: Any
) -> None:
    seed_minimal(make_app(sqlite_url))
    db = ["--database-url", sqlite_url]
    code, payload, _ = _run(capsys, "ops", "retention", *db, "--dry-run", "--json")
    assert code == 0
    assert payload["dry_run"] is True
    assert payload["policy"]["time_logs_days"] == 90
    code, payload, _ = _run(
        capsys, "ops", "retention", *db, "--time-logs-days", "60", "--save", "--json"
    )
    assert code == 0
    assert payload["policy"]["time_logs_days"] == 60
    code, payload, _ = _run(capsys, "ops", "policy", *db, "--json")
    assert payload["policy"] == {
        "time_logs_days": 60,
        "system_logs_days": 30,
        "anonymise_after_days": 1095,
        "change_events_days": 7,
    }
    assert "retention.last_run" in payload["last_runs"]
    code, payload, _ = _run(capsys, "ops", "anonymise", *db, "--json")
    assert code == 0
    assert payload["anonymised"] == []
    assert payload["after_days"] == 1095


def test_operating_jobs_need_an_administrator(
    capsys: pytest.CaptureFixture[str], sqlite_url: str, make_app: Any
) -> None:
    seed_minimal(make_app(sqlite_url))
    db = ["--database-url", sqlite_url]
    code, _, err = _run(capsys, "ops", "retention", *db, "--user", "viewer")
    assert code == 2
    assert "administrator" in err
    code, _, err = _run(capsys, "ops", "retention", *db, "--user", "nobody")
    assert code == 2
    assert "no active user" in err
