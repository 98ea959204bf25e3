"""``takt schedule solve``: the JSON shape, and one-line errors with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from services.cli.main import run
from tests.datasets import REPO, shared_data


def solve_args(path: Path | str, fmt: str = "jsp", *extra: str) -> list[str]:
    return ["schedule", "solve", "--instance", str(path), "--format", fmt, *extra]


def test_json_shape_for_ft06(capsys: pytest.CaptureFixture[str]) -> None:
    path = shared_data("scheduling", "jsp", "ft", "ft06.txt")
    code = run(solve_args(path, "jsp", "--time-limit", "10", "--workers", "2", "--json"))
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert set(out) == {"status", "makespan", "lower_bound", "solve_seconds", "schedule"}
    assert out["status"] == "optimal"
    assert out["makespan"] == out["lower_bound"] == 55
    assert isinstance(out["solve_seconds"], float)
    assert len(out["schedule"]) == 36
    row = out["schedule"][0]
    assert set(row) == {"job", "op", "machine", "start", "end"}
    assert (row["job"], row["op"]) == (0, 0)
    # ft06 job 0 starts on machine 2 for 1 unit: numbered from 0 as in the file
    assert row["machine"] == 2
    assert row["end"] - row["start"] == 1
    assert max(r["end"] for r in out["schedule"]) == 55


def test_fjsp_text_output(capsys: pytest.CaptureFixture[str]) -> None:
    path = shared_data("scheduling", "fjsp", "kacem", "k1.txt")
    assert run(solve_args(path, "fjsp", "--time-limit", "5")) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("k1: optimal, makespan 11")
    assert len(lines) == 2 + 12  # summary, header, one line per operation


def test_missing_file_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        run(solve_args(tmp_path / "nope.txt"))
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "no such file" in err


def test_malformed_instance_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("2 3\n0 5 1 4\n0 5 7 1\n")
    assert run(solve_args(bad, "jsp", "--json")) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "takt schedule: bad.txt: line 3: machine 7 is out of range 0..2\n"


def test_bad_options_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    path = shared_data("scheduling", "jsp", "ft", "ft06.txt")
    for extra in (["--time-limit", "0"], ["--workers", "two"]):
        with pytest.raises(SystemExit) as exc:
            run(solve_args(path, "jsp", *extra))
        assert exc.value.code == 2
        assert capsys.readouterr().err.count("\n") == 1
    with pytest.raises(SystemExit):
        run(["schedule", "solve", "--instance", str(path), "--format", "xml"])


def test_exit_code_of_the_real_process(tmp_path: Path) -> None:
    bad = tmp_path / "empty.txt"
    bad.write_text("")
    done = subprocess.run(
        [sys.executable, "-m", "services.cli.main", *solve_args(bad)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "takt schedule: empty.txt: the file is empty (expected a first line 'jobs machines')"
    ]
    assert "Traceback" not in done.stderr
