"""The online anomaly detector: causal features and decisions, streaming = batch, scoring."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest

from services.analytics.anomaly_detector import DetectorSettings, OnlineDetector, detect
from services.analytics.anomaly_features import feature_names, rolling_features
from services.analytics.anomaly_scoring import group_events, probation_length, score_windows

T0 = datetime(2024, 1, 1)
SMALL = DetectorSettings(windows=(6, 24, 72), probation=200, refit_every=160, trees=25)


def machine(n: int = 900, spike_at: int | None = 700, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    x = 80 + 5 * np.sin(2 * np.pi * t / 144) + rng.normal(0, 0.5, n)
    if spike_at is not None:
        x[spike_at : spike_at + 6] -= 40  # a sudden drop: a stopped cooling pump
    return x


def stamps(n: int) -> list[datetime]:
    return [T0 + timedelta(minutes=5 * i) for i in range(n)]


def test_rolling_features_by_hand() -> None:
    x = np.array([1.0, 2.0, 3.0, 10.0])
    rows = rolling_features(x, (2, 3))
    names = feature_names((2, 3))
    last = dict(zip(names, rows[-1], strict=True))
    assert last["value"] == 10.0
    assert last["delta_1"] == 7.0
    assert last["delta_2"] == 8.0
    assert last["z_2"] == pytest.approx((10 - 2.5) / 0.5, rel=1e-6)  # before: 2, 3
    assert last["mean_2"] == pytest.approx(6.5)  # ending at t: 3, 10
    assert last["std_3"] == pytest.approx(np.std([2.0, 3.0, 10.0]))
    assert np.isnan(rows[0, names.index("z_2")])  # nothing before the first point


def test_rolling_features_ignore_the_future() -> None:
    x = machine(400, None)
    base = rolling_features(x)
    changed = x.copy()
    changed[300:] = -1000.0
    np.testing.assert_array_equal(rolling_features(changed)[:300], base[:300])
    assert not np.array_equal(rolling_features(changed)[300:], base[300:])


def test_a_future_change_never_alters_a_past_detection() -> None:
    x = machine(600, 500)
    first = detect(x, stamps(x.size), SMALL)
    changed = x.copy()
    changed[450:] += np.linspace(0, 30, x.size - 450)  # a different future
    second = detect(changed, stamps(x.size), SMALL)
    assert first.scores[:450] == second.scores[:450]
    assert first.thresholds[:450] == second.thresholds[:450]
    assert first.scores[450:] != second.scores[450:]


def test_the_injected_drop_is_detected_and_quiet_data_mostly_is_not() -> None:
    x = machine()
    result = detect(x, stamps(x.size), SMALL)
    flags = result.flags
    assert not any(flags[: SMALL.probation])  # nothing decided during the probation
    assert any(flags[700:706])
    quiet = [f for i, f in enumerate(flags[SMALL.probation :], SMALL.probation) if i < 690]
    assert sum(quiet) <= 5
    windows = result.windows()
    assert any(a <= stamps(x.size)[700] <= b for a, b in windows)


def test_streaming_gives_the_batch_scores() -> None:
    x = machine(360, 330)
    for kind in ("iforest", "knn"):
        settings = DetectorSettings(
            kind=kind, windows=(6, 24, 72), probation=200, refit_every=120, trees=20
        )
        batch = detect(x, None, settings)
        online = OnlineDetector(settings)
        streamed = [online.update(v, t) for v, t in zip(x, stamps(x.size), strict=True)]
        assert [p.score is None for p in streamed] == [s is None for s in batch.scores]
        got = np.array([p.score for p in streamed[200:]], dtype=float)
        np.testing.assert_allclose(got, np.array(batch.scores[200:], dtype=float), rtol=1e-9)
        assert [p.is_anomaly for p in streamed] == batch.flags
        assert online.threshold == pytest.approx(batch.thresholds[-1])


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="unknown detector"):
        DetectorSettings(kind="magic")
    with pytest.raises(ValueError, match="quantile"):
        DetectorSettings(quantile=1.0)


def test_event_grouping_and_window_scoring_by_hand() -> None:
    assert group_events([3, 5, 20, 40, 41]) == [(3, 5), (20, 20), (40, 41)]
    assert group_events([0, 12], gap=12) == [(0, 0), (12, 12)]
    assert probation_length(1000) == 150
    assert probation_length(100_000) == 750
    times = stamps(200)
    detected = [False] * 200
    for i in (5, 60, 62, 100, 130, 150, 190):
        detected[i] = True
    windows = [(times[55], times[70]), (times[120], times[140]), (times[170], times[180])]
    result = score_windows(times, detected, windows, probation=10)
    assert result.windows_hit == 2
    assert result.windows[0].first_detection == times[60]
    assert result.windows[0].lead_fraction == pytest.approx(1 - 5 / 15)
    assert not result.windows[2].hit
    assert result.detections == 6  # the one at 5 is in the probation
    assert result.false_positive_points == 3  # 100, 150, 190
    assert result.false_positive_events == 3


def test_a_streamed_detection_becomes_a_prediction_row_and_an_alert() -> None:
    from domain.model.alerts import AlertType
    from domain.rules.alerting import AlertEngine, machine_anomaly

    x = machine(330, 300)
    online = OnlineDetector(SMALL)
    points = [online.update(v, t) for v, t in zip(x, stamps(x.size), strict=True)]
    assert points[0].to_prediction("m1", "temperature", SMALL.name) is None  # probation
    hit = next(p for p in points if p.is_anomaly and p.index >= 300)
    row = hit.to_prediction("m1", "temperature", SMALL.name)
    assert row is not None
    assert row.is_anomaly
    assert row.at == hit.at
    assert hit.score is not None
    assert hit.threshold is not None
    window = {"values": [float(v) for v in x[hit.index - 5 : hit.index + 1]]}
    condition = machine_anomaly("m1", "temperature", hit.score, hit.threshold, row.at, window)
    actions = AlertEngine().observe([condition])
    assert actions[0].alert.alert_type is AlertType.MACHINE_ANOMALY
    assert actions[0].alert.context["values"] == window["values"]
