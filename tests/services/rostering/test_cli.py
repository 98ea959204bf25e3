"""``takt roster solve|check|repair`` through the real command line parser."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.cli.main import run
from tests.datasets import shared_data


def _json(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    out = capsys.readouterr().out
    data = json.loads(out)
    assert isinstance(data, dict)
    return data


def test_solve_prints_the_specified_json(capsys: pytest.CaptureFixture[str]) -> None:
    instance = shared_data("rostering", "Instance1.txt")
    code = run(
        [
            "roster",
            "solve",
            "--instance",
            str(instance),
            "--time-limit",
            "10",
            "--workers",
            "2",
            "--json",
        ]
    )
    data = _json(capsys)
    assert code == 0
    assert set(data) == {"status", "objective", "lower_bound", "solve_seconds", "roster"}
    assert data["status"] in ("optimal", "feasible")
    roster = data["roster"]
    assert isinstance(roster, dict)
    assert sorted(roster) == list("ABCDEFGH")
    assert all(len(line) == 14 and set(line) <= {"", "D"} for line in roster.values())
    assert isinstance(data["objective"], int)
    assert data["objective"] >= 607
    assert isinstance(data["solve_seconds"], float)


def test_check_recomputes_the_objective_of_a_solved_roster(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    instance = shared_data("rostering", "Instance1.txt")
    run(["roster", "solve", "--instance", str(instance), "--time-limit", "10", "--json"])
    solved = _json(capsys)
    path = tmp_path / "solved.json"
    path.write_text(json.dumps(solved), encoding="utf-8")
    assert (
        run(["roster", "check", "--instance", str(instance), "--roster", str(path), "--json"]) == 0
    )
    checked = _json(capsys)
    assert checked["valid"] is True
    assert checked["objective"] == solved["objective"]
    # break a rule: A works every day (more than 5 in a row, more than the maximum minutes)
    roster = solved["roster"]
    assert isinstance(roster, dict)
    roster["A"] = ["D"] * 14
    path.write_text(json.dumps(roster), encoding="utf-8")
    assert run(["roster", "check", "--instance", str(instance), "--roster", str(path)]) == 1
    text = capsys.readouterr().out
    assert "INVALID" in text
    assert "A works 14 days in a row" in text


def test_repair_prints_the_changes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    instance = shared_data("rostering", "Instance1.txt")
    run(["roster", "solve", "--instance", str(instance), "--time-limit", "10", "--json"])
    published = _json(capsys)["roster"]
    assert isinstance(published, dict)
    worker = next(k for k, v in published.items() if v[3] == "D")
    path = tmp_path / "published.json"
    path.write_text(json.dumps(published), encoding="utf-8")
    args = ["roster", "repair", "--instance", str(instance), "--roster", str(path)]
    code = run([*args, "--absent", f"{worker}:3", "--time-limit", "10", "--json"])
    data = _json(capsys)
    assert code == 0
    changes = data["changes"]
    assert isinstance(changes, list)
    assert {"staff": worker, "day": 3, "before": "D", "after": "", "forced": True} in changes
    roster = data["roster"]
    assert isinstance(roster, dict)
    assert roster[worker][3] == ""


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--instance", "/nonexistent/x.txt"], "no such file"),
        (["--instance", "{inst}", "--time-limit", "-1"], "must be positive"),
        (["--instance", "{inst}", "--workers", "zero"], "not a whole number"),
        (["--instance", "{bad}"], "line 1: data before the first section"),
    ],
)
def test_user_errors_are_one_line_and_exit_2(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("hello\n", encoding="utf-8")
    inst = shared_data("rostering", "Instance1.txt")
    argv = [a.format(inst=inst, bad=bad) for a in argv]
    with pytest.raises(SystemExit) as info:
        raise SystemExit(run(["roster", "solve", *argv]))
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_bad_absence_is_a_user_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inst = shared_data("rostering", "Instance1.txt")
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"A": ["D"] * 14}), encoding="utf-8")
    args = ["roster", "repair", "--instance", str(inst), "--roster", str(path)]
    assert run([*args, "--absent", "A-3"]) == 2
    assert "must look like A:3" in capsys.readouterr().err
    assert run([*args, "--absent", "A:3"]) == 2  # the roster has no line for B
    assert "no line for B" in capsys.readouterr().err
