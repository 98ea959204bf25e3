"""``takt vision analyze``: JSON summary, --counts-out / --tracks-out files, one-line errors.

Runs in-process on the torch-free ONNX model (fast to load) and the demo clip.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from services.cli.main import run
from tests.datasets import REPO

DEMO = REPO / "resources" / "demo"
CLIP = DEMO / "worker-zone-detection.gif"
ZONES = DEMO / "zones.json"
ONNX = REPO / "resources" / "models" / "yolov8n-320.onnx"


def analyze(*extra: str) -> list[str]:
    return ["vision", "analyze", "--source", str(CLIP), "--zones", str(ZONES), *extra]


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """One analysis of 40 frames of the demo clip with both output files."""
    out = tmp_path_factory.mktemp("vision-cli")
    counts, tracks = out / "counts.csv", out / "tracks.txt"
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = run(
            analyze(
                "--model", str(ONNX), "--json", "--max-frames", "40", "--debounce", "0.3",
                "--counts-out", str(counts), "--tracks-out", str(tracks),
            )
        )  # fmt: skip
    return {"code": code, "stdout": buf.getvalue(), "counts": counts, "tracks": tracks}


@pytest.mark.slow
def test_the_json_summary_has_the_documented_shape(cli_run: dict[str, object]) -> None:
    assert cli_run["code"] == 0
    lines = str(cli_run["stdout"]).strip().splitlines()
    assert len(lines) == 1, "one JSON document on stdout"
    s = json.loads(lines[0])
    assert s["frames"] == 40
    assert s["backend"] == "onnxruntime"
    assert s["tracker"] == "edgefirst-bytetrack"
    assert s["imgsz"] == 320
    assert s["source_fps"] == pytest.approx(16.667, abs=0.01)
    assert s["analysed_fps"] > 0
    assert s["persons"]["max"] == 1
    assert [z["id"] for z in s["zones"]] == ["Z01", "Z02", "Z03"]
    for z in s["zones"]:
        assert set(z) >= {
            "id", "name", "entries", "exits", "max_count", "dwell_seconds",
            "active_seconds", "idle_seconds",
        }  # fmt: skip
        assert len(z["dwell_seconds"]) == len(z["visits"])
        assert isinstance(z["active_seconds"], float)
    z2 = next(z for z in s["zones"] if z["id"] == "Z02")
    assert (z2["entries"], z2["exits"]) == (1, 1)
    assert z2["dwell_seconds"][0] == pytest.approx(0.6, abs=0.25)


@pytest.mark.slow
def test_counts_and_tracks_files(cli_run: dict[str, object]) -> None:
    counts_path = cli_run["counts"]
    assert isinstance(counts_path, Path)
    with counts_path.open(newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["frame", "person_count"]
    assert [int(r[0]) for r in rows[1:]] == list(range(40)), "frames numbered from 0"
    assert {int(r[1]) for r in rows[1:]} == {1}
    tracks_path = cli_run["tracks"]
    assert isinstance(tracks_path, Path)
    mot = [line.split(",") for line in tracks_path.read_text().splitlines()]
    assert len(mot) == 40
    for frame, row in enumerate(mot):
        assert len(row) == 10
        assert int(row[0]) == frame
        assert int(row[1]) == 1, "one worker, one track id"
        x, y, w, h, conf = map(float, row[2:7])
        assert 0 <= x < 480
        assert 0 <= y < 270
        assert w > 20
        assert h > 50
        assert 0.25 <= conf <= 1
        assert row[7:] == ["-1", "-1", "-1"]


@pytest.mark.slow
def test_the_text_output_names_the_zones(capsys: pytest.CaptureFixture[str]) -> None:
    code = run(analyze("--model", str(ONNX), "--max-frames", "12"))
    out = capsys.readouterr().out
    assert code == 0
    assert "12 frames" in out
    assert "Z01 Station 1" in out
    assert "Z03 Inspection" in out


def one_line_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    code = run(argv)
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err
    return lines[0]


def test_a_wrong_source_path(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    argv = ["vision", "analyze", "--source", str(tmp_path / "nope.mp4"), "--zones", str(ZONES)]
    assert "no such file or folder" in one_line_error(argv, capsys)


def test_a_corrupt_video(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00\x01garbage" * 500)
    argv = ["vision", "analyze", "--source", str(bad), "--zones", str(ZONES), "--model", str(ONNX)]
    assert "cannot decode" in one_line_error(argv, capsys)


def test_a_bad_zones_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    zones = tmp_path / "zones.json"
    zones.write_text('{"zones": [{"id": "A", "polygon": [[0, 0], [1, 1], [1, 0], [0, 1]]}]}')
    argv = ["vision", "analyze", "--source", str(CLIP), "--zones", str(zones)]
    assert "crosses itself" in one_line_error(argv, capsys)


def test_an_onnx_model_at_the_wrong_size(capsys: pytest.CaptureFixture[str]) -> None:
    msg = one_line_error(analyze("--model", str(ONNX), "--imgsz", "640"), capsys)
    assert "exported for 320 px" in msg


def test_an_unknown_model_type(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    model = tmp_path / "model.tflite"
    model.write_bytes(b"x")
    assert "unknown model type" in one_line_error(analyze("--model", str(model)), capsys)


def test_a_corrupt_onnx_model(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    model = tmp_path / "broken.onnx"
    model.write_bytes(b"not a protobuf" * 10)
    assert "cannot load the ONNX model" in one_line_error(analyze("--model", str(model)), capsys)


def test_a_camera_needs_a_frame_limit(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["vision", "analyze", "--source", "rtsp://127.0.0.1:9/x", "--zones", str(ZONES)]
    assert "--max-frames" in one_line_error(argv, capsys)


def test_an_output_file_in_a_missing_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    argv = analyze("--model", str(ONNX), "--counts-out", str(tmp_path / "no" / "c.csv"))
    assert "does not exist" in one_line_error(argv, capsys)


def test_vision_appears_in_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        run(["vision", "analyze", "--help"])
    out = capsys.readouterr().out
    assert "--counts-out" in out
    assert "--tracks-out" in out
    assert "--zones" in out
