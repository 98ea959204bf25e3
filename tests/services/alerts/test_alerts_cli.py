"""``takt alerts``: list the demo plant's alerts, run the rules, acknowledge, and a stale or
refused action ends with one line on stderr and exit code 2."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from services.cli.main import run


@pytest.fixture(autouse=True)
def _restore_root_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> Any:
    assert run([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_list_refresh_and_acknowledge(
    demo_sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ["--database-url", demo_sqlite_url]
    listed = _json(capsys, ["alerts", "list", *db])
    assert listed, "the demo plant has open alerts"
    assert {a["state"] for a in listed} <= {"new", "acknowledged", "snoozed"}
    breakdown = next(a for a in listed if a["type"] == "machine_breakdown")
    report = _json(capsys, ["alerts", "refresh", *db, "--no-escalation"])
    assert report["conditions"] > 0
    # the demo's breakdown alert is the rules' own: de-duplicated, not raised again
    after = _json(capsys, ["alerts", "list", *db, "--type", "machine_breakdown"])
    assert [a["id"] for a in after] == [breakdown["id"]]
    acked = _json(
        capsys,
        ["alerts", "ack", str(breakdown["id"]), *db, "--user", "super", "--comment", "on it",
         "--expect-version", str(breakdown["version"])],
    )  # fmt: skip
    assert acked["state"] == "acknowledged"
    assert acked["comment"] == "on it"
    # the same version again: stale
    code = run(
        ["alerts", "resolve", str(breakdown["id"]), *db, "--user", "super",
         "--expect-version", str(breakdown["version"])]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "super" in err
    # a viewer may not
    assert run(["alerts", "resolve", str(breakdown["id"]), *db, "--user", "viewer"]) == 2
    assert "may not acknowledge alerts" in capsys.readouterr().err


def test_policy(demo_sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    db = ["--database-url", demo_sqlite_url]
    shown = _json(capsys, ["alerts", "policy", *db])
    assert shown["escalate_after_minutes"] == 15
    saved = _json(capsys, ["alerts", "policy", *db, "--escalate-after", "30", "--user", "admin"])
    assert saved["escalate_after_minutes"] == 30
    assert _json(capsys, ["alerts", "policy", *db])["escalate_after_minutes"] == 30
    assert run(["alerts", "policy", *db, "--no-escalation", "--user", "super"]) == 2
    assert "may not operate system" in capsys.readouterr().err
