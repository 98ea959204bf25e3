"""Forecast features without look-ahead, the global GBM forecaster and the backtests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

import numpy as np
import pytest

from services.analytics.backtest import (
    gbm_forecaster,
    holdout_backtest,
    rolling_origin_backtest,
    seasonal_naive_forecaster,
)
from services.analytics.dtos import ForecastDto, SeriesDto
from services.analytics.features import FeatureSpec, origin_features, step_features
from services.analytics.forecaster import GbmSettings, GlobalGbmForecaster, forecast

FAST = GbmSettings(horizon=6, max_iter=40, band_iter=30, max_origins=40, min_samples_leaf=10)


def seasonal_series(k: int, n: int = 160, noise: float = 0.03) -> SeriesDto:
    rng = np.random.default_rng(k)
    t = np.arange(n)
    level = 50 + 10 * k
    values = level * (1 + 0.3 * np.sin(2 * np.pi * t / 13)) * (1 + rng.normal(0, noise, n))
    return SeriesDto(f"s{k}", tuple(float(v) for v in values))


def test_origin_features_ignore_the_future() -> None:
    spec = FeatureSpec(lags=8, rolling=(4, 8), level_window=4, seasonal_lags=(5,))
    x = np.arange(1.0, 41.0)
    origins = np.arange(0, 30, dtype=np.int64)
    base, scale = origin_features(x, origins, spec)
    changed = x.copy()
    changed[30:] = 1e6  # everything after the last origin
    base2, scale2 = origin_features(changed, origins, spec)
    np.testing.assert_array_equal(base, base2)
    np.testing.assert_array_equal(scale, scale2)
    steps = np.full(origins.size, 3, dtype=np.int64)
    extra = step_features(x, origins, steps, scale, spec)
    extra2 = step_features(changed, origins, steps, scale, spec)
    np.testing.assert_array_equal(extra, extra2)
    # and the features do change when a past value changes (they are not constant)
    past = x.copy()
    past[10] = 99.0
    assert not np.array_equal(origin_features(past, origins, spec)[0], base)


def test_origin_features_by_hand() -> None:
    spec = FeatureSpec(lags=3, rolling=(2,), level_window=2, seasonal_lags=(4,))
    x = np.array([2.0, 4.0, 6.0, 8.0])
    rows, scale = origin_features(x, np.array([3]), spec)
    assert scale[0] == pytest.approx(7.0)  # mean of |6|, |8|
    assert rows[0, :3] == pytest.approx([8 / 7, 6 / 7, 4 / 7])  # lags 0, 1, 2
    assert rows[0, 3] == pytest.approx(1.0)  # mean of the last 2, scaled
    seasonal = step_features(x, np.array([3, 3]), np.array([1, 2]), scale.repeat(2), spec)
    # target t+1 = 4: x[0] = 2 is known at t = 3; target t+2 = 5: x[1] = 4
    assert seasonal[:, 1] == pytest.approx([2 / 7, 4 / 7])


def test_seasonal_lag_never_reaches_past_the_origin() -> None:
    spec = FeatureSpec(lags=2, rolling=(2,), level_window=2, seasonal_lags=(2,))
    x = np.arange(1.0, 11.0)
    # target t+3 would need x[t+1]: unknown at the origin, so it must be missing
    out = step_features(x, np.array([5]), np.array([3]), np.array([1.0]), spec)
    assert np.isnan(out[0, 1])


def test_calendar_features_need_dates() -> None:
    dated = SeriesDto("d", tuple(float(v) for v in range(60)), start=date(2024, 1, 1))
    assert dated.date_at(1) == date(2024, 1, 8)
    model = GlobalGbmForecaster(FAST)
    with pytest.raises(ValueError, match="mix of dated and undated"):
        model.training_rows([dated, SeriesDto("u", dated.values)])


def test_gbm_learns_a_seasonal_pattern_better_than_naive() -> None:
    train = [seasonal_series(k, 160) for k in range(8)]
    full = [seasonal_series(k, 166) for k in range(8)]
    test = [SeriesDto(s.id, s.values[160:]) for s in full]
    result = holdout_backtest(train, test, 6, 1, gbm_forecaster(FAST))
    assert result.model.series == 8
    assert result.naive2.owa == pytest.approx(1.0)
    assert result.model.owa is not None
    assert result.model.owa < 0.6  # naive misses the 13-step wave; the model learns it
    assert result.interval_coverage is not None


def test_forecast_with_bands_and_dates() -> None:
    start = date(2024, 1, 1)
    history = SeriesDto("p1", seasonal_series(1, 120).values, start=start)
    out = forecast(history, horizon=4, settings=FAST)
    assert out.horizon == 4
    assert out.lower is not None
    assert out.upper is not None
    assert all(lo <= p <= hi for lo, p, hi in zip(out.lower, out.point, out.upper, strict=True))
    assert out.days == tuple(history.date_at(120 + k) for k in range(4))
    rows = out.to_demand_forecasts("prod-1", datetime(2024, 5, 1, tzinfo=UTC))
    assert [r.day for r in rows] == list(out.days)
    assert rows[0].lower == out.lower[0]
    assert rows[0].model == "gbm"


def test_forecasts_of_nonnegative_series_are_nonnegative() -> None:
    rng = np.random.default_rng(0)
    sparse = [SeriesDto(f"z{k}", tuple(float(v) for v in rng.poisson(0.3, 80))) for k in range(5)]
    model = GlobalGbmForecaster(FAST).fit(sparse)
    for f in model.predict(sparse):
        assert min(f.point) >= 0
        assert f.lower is not None
        assert min(f.lower) >= 0


def test_predict_refuses_a_longer_horizon_than_trained() -> None:
    train = [seasonal_series(k, 80) for k in range(3)]
    model = GlobalGbmForecaster(FAST).fit(train)
    with pytest.raises(ValueError, match=r"trained for 1\.\.6"):
        model.predict(train, horizon=7)


def test_rolling_origin_backtest_only_shows_the_past() -> None:
    series = [seasonal_series(k, 100) for k in range(3)]
    seen: list[int] = []

    def spy(histories: Sequence[SeriesDto], horizon: int) -> list[ForecastDto]:
        for h in histories:
            seen.append(len(h.values))
        return seasonal_naive_forecaster(13)(histories, horizon)

    result = rolling_origin_backtest(series, horizon=5, season=1, origins=3, forecaster=spy)
    # cut-offs 15, 10 and 5 values before the end, oldest first
    assert seen == [85] * 3 + [90] * 3 + [95] * 3
    assert result.model.series == 9
    assert result.origins == 3


def test_holdout_refuses_missing_or_short_test_series() -> None:
    train = [seasonal_series(0, 50), seasonal_series(1, 50)]
    with pytest.raises(ValueError, match="no values for series s1"):
        holdout_backtest(train, [SeriesDto("s0", (1.0,) * 6)], 6, 1, seasonal_naive_forecaster(1))
    short = [SeriesDto("s0", (1.0,) * 3), SeriesDto("s1", (1.0,) * 6)]
    with pytest.raises(ValueError, match="fewer than 6"):
        holdout_backtest(train, short, 6, 1, seasonal_naive_forecaster(1))
