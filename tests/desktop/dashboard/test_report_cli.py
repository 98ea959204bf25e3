"""``takt report handover --out FILE.pdf`` through the console entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.entry import main
from tests.conftest import NOW


def _run(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as stop:
        main(argv)
    return int(stop.value.code or 0)


def test_handover_pdf_from_the_command_line(
    demo_sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], qapp: object
) -> None:
    out = tmp_path / "handover.pdf"
    argv = ["report", "handover", "--database-url", demo_sqlite_url, "--out", str(out)]
    code = _run([*argv, "--user", "lead", "--at", NOW.isoformat(), "--json"])
    printed, err = capsys.readouterr()
    assert code == 0, err
    payload = json.loads(printed)
    assert payload["path"] == str(out)
    assert payload["shift"] == "Early (A)"
    assert payload["start"] == "2026-11-16T06:00:00+00:00"
    assert payload["alerts"] > 0
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    assert payload["bytes"] == len(data)


def test_bad_input_is_one_line_and_exit_2(
    demo_sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["report", "handover", "--database-url", demo_sqlite_url]
    assert _run([*base, "--out", str(tmp_path / "missing" / "h.pdf")]) == 2
    assert "no such folder" in capsys.readouterr().err
    assert _run([*base, "--out", str(tmp_path / "h.pdf"), "--user", "nobody"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "nobody" in err
    assert _run([*base, "--out", str(tmp_path / "h.pdf"), "--at", "yesterday"]) == 2
    assert "ISO" in capsys.readouterr().err
