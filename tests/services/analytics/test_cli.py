"""``takt forecast backtest``, ``takt anomaly detect``, ``takt absence evaluate``: JSON shapes
and exit code 2 with one line for bad files."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from services.cli.main import run
from tests.datasets import shared_data


def call(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = run(argv)
    out, err = capsys.readouterr()
    return code, out, err


def m4_files(tmp_path: Path, n: int = 4, length: int = 60, horizon: int = 6) -> tuple[Path, Path]:
    rng = np.random.default_rng(3)
    train = ['"V1",' + ",".join(f'"V{i + 2}"' for i in range(length))]
    test = ['"V1",' + ",".join(f'"V{i + 2}"' for i in range(horizon))]
    for k in range(n):
        t = np.arange(length + horizon)
        x = 100 + 10 * k + 5 * np.sin(t / 3) + rng.normal(0, 1, t.size)
        cells = [f'"{v:.3f}"' for v in x[:length]] + ['""'] * 3 * k  # ragged rows
        train.append(f'"W{k + 1}",' + ",".join(cells))
        test.append(f'"W{k + 1}",' + ",".join(f'"{v:.3f}"' for v in x[length:]))
    a, b = tmp_path / "train.csv", tmp_path / "test.csv"
    a.write_text("\n".join(train) + "\n")
    b.write_text("\n".join(test) + "\n")
    return a, b


def test_forecast_backtest_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    train, test = m4_files(tmp_path)
    argv = ["forecast", "backtest", "--train", str(train), "--test", str(test), "--horizon", "6"]
    code, out, err = call([*argv, "--season", "1", "--iterations", "30", "--json"], capsys)
    assert code == 0, err
    payload = json.loads(out)
    for key in ("series", "smape", "mase", "owa"):
        assert key in payload
        assert key in payload["naive2"]
    assert payload["series"] == 4
    assert payload["method"] == "gbm"
    assert payload["naive2"]["owa"] == pytest.approx(1.0)
    assert payload["horizon"] == 6


def test_forecast_backtest_seasonal_naive_and_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    train, test = m4_files(tmp_path)
    argv = ["forecast", "backtest", "--train", str(train), "--test", str(test), "--horizon", "6"]
    code, out, _ = call([*argv, "--model", "seasonal-naive", "--season", "1"], capsys)
    assert code == 0
    assert "naive2" in out
    assert "sMAPE" in out


def test_forecast_backtest_on_real_m4_series(capsys: pytest.CaptureFixture[str]) -> None:
    train = shared_data("forecasting", "Weekly-train.csv")
    test = shared_data("forecasting", "Weekly-test.csv")
    argv = ["forecast", "backtest", "--train", str(train), "--test", str(test)]
    argv += ["--horizon", "13", "--max-series", "3", "--iterations", "30", "--intervals"]
    code, out, err = call([*argv, "--json"], capsys)
    assert code == 0, err
    payload = json.loads(out)
    assert payload["series"] == 3
    assert payload["naive2"]["smape"] > 0
    assert 0.0 <= payload["interval_coverage"] <= 1.0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('"V1","V2"\n"W1","1","x"\n', "is not a number"),
        ('"V1","V2","V3"\n"W1","1","","3"\n', "empty cell inside the series"),
        ('"V1","V2"\n"W1","1"\n"W1","2"\n', "appears twice"),
        ("", "no series found"),
    ],
)
def test_forecast_backtest_malformed_train(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    _, test = m4_files(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text(content)
    argv = ["forecast", "backtest", "--train", str(bad), "--test", str(test), "--horizon", "6"]
    code, out, err = call([*argv, "--json"], capsys)
    assert code == 2
    assert out == ""
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_forecast_backtest_test_file_too_short(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    train, test = m4_files(tmp_path)
    argv = ["forecast", "backtest", "--train", str(train), "--test", str(test), "--horizon", "9"]
    code, _, err = call(argv, capsys)
    assert code == 2
    assert "fewer than 9 test values" in err


def test_forecast_backtest_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        run(["forecast", "backtest", "--train", "/no/such", "--test", "/no/such", "--horizon", "3"])
    assert exit_info.value.code == 2
    assert "no such file" in capsys.readouterr().err


def metric_csv(path: Path, n: int = 500, drop_at: int = 420) -> Path:
    rng = np.random.default_rng(0)
    t0 = datetime(2024, 1, 1)
    x = 80 + 3 * np.sin(np.arange(n) / 20) + rng.normal(0, 0.3, n)
    x[drop_at : drop_at + 5] -= 30
    lines = ["timestamp,value"] + [
        f"{(t0 + timedelta(minutes=5 * i)):%Y-%m-%d %H:%M:%S},{v:.4f}" for i, v in enumerate(x)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_anomaly_detect_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv_file = metric_csv(tmp_path / "m.csv")
    argv = ["anomaly", "detect", "--csv", str(csv_file), "--probation", "200"]
    code, out, err = call([*argv, "--refit-every", "150", "--json"], capsys)
    assert code == 0, err
    payload = json.loads(out)
    assert set(payload) >= {"detections", "windows"}
    assert payload["detections"], "the injected drop should be detected"
    assert set(payload["detections"][0]) == {"timestamp", "score"}
    assert set(payload["windows"][0]) == {"start", "end"}
    drop = datetime(2024, 1, 1) + timedelta(minutes=5 * 420)
    assert any(
        datetime.fromisoformat(w["start"]) <= drop + timedelta(minutes=20)
        and datetime.fromisoformat(w["end"]) >= drop
        for w in payload["windows"]
    )
    first = datetime.fromisoformat(payload["detections"][0]["timestamp"])
    assert first >= datetime(2024, 1, 1) + timedelta(minutes=5 * 200)  # none in the probation


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("time,val\n2024-01-01 00:00:00,1\n", "expected the header"),
        ("timestamp,value\nyesterday,1\n", "is not a timestamp"),
        ("timestamp,value\n2024-01-01 00:00:00,hot\n", "is not a number"),
        ("timestamp,value\n2024-01-01 00:00:00\n", "expected 2 columns"),
        ("timestamp,value\n2024-01-01 00:00:00,1\n", "probation rows"),
    ],
)
def test_anomaly_detect_malformed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(content)
    code, out, err = call(["anomaly", "detect", "--csv", str(bad), "--json"], capsys)
    assert code == 2
    assert out == ""
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_anomaly_detect_binary_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\xff\xfe\x00\x01garbage")
    code, _, err = call(["anomaly", "detect", "--csv", str(bad)], capsys)
    assert code == 2
    assert "UTF-8" in err


def test_absence_evaluate_json(capsys: pytest.CaptureFixture[str]) -> None:
    path = shared_data("absence", "Absenteeism_at_work.csv")
    code, out, err = call(
        ["absence", "evaluate", "--csv", str(path), "--trees", "25", "--json"], capsys
    )
    assert code == 0, err
    payload = json.loads(out)
    assert 0.0 <= payload["auc"] <= 1.0
    assert payload["test_months"] == 13
    assert not any("reason" in f.lower() for f in payload["features"])


def test_absence_evaluate_malformed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    code, out, err = call(["absence", "evaluate", "--csv", str(bad), "--json"], capsys)
    assert code == 2
    assert out == ""
    assert "missing columns" in err


def test_group_without_action_shows_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = call(["anomaly"], capsys)
    assert code == 2
    assert "detect" in err
