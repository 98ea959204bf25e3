"""Backtests: the M4 hold-out and rolling-origin evaluation, model next to Naive2.

* :func:`holdout_backtest` scores forecasts of the test values that follow each training
  history (the M4 setting: one origin per series).
* :func:`rolling_origin_backtest` moves the origin back through each history: at every origin
  the model is refitted on the values before it only, then scored on the next ``horizon``.

sMAPE and MASE are averaged over all (series, origin) forecasts, and OWA is relative to Naive2
on exactly the same forecasts (see ``services.analytics.metrics``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from services.analytics.baselines import naive2, seasonal_naive
from services.analytics.dtos import AccuracyDto, BacktestDto, ForecastDto, SeriesDto
from services.analytics.forecaster import GbmSettings, GlobalGbmForecaster
from services.analytics.metrics import mase, mase_scale, mean_finite, owa, smape

log = logging.getLogger(__name__)

Forecaster = Callable[[Sequence[SeriesDto], int], list[ForecastDto]]
"""Fits on the histories and returns one forecast of ``horizon`` steps per history."""


def gbm_forecaster(settings: GbmSettings | None = None) -> Forecaster:
    def run(histories: Sequence[SeriesDto], horizon: int) -> list[ForecastDto]:
        base = settings or GbmSettings()
        if base.horizon != horizon:
            base = replace(base, horizon=horizon)
        return GlobalGbmForecaster(base).fit(histories).predict(histories)

    return run


def seasonal_naive_forecaster(season: int) -> Forecaster:
    def run(histories: Sequence[SeriesDto], horizon: int) -> list[ForecastDto]:
        return [
            ForecastDto(h.id, "seasonal_naive", tuple(seasonal_naive(h.values, horizon, season)))
            for h in histories
        ]

    return run


@dataclass(slots=True)
class _Scores:
    smape: list[float] = field(default_factory=list)
    mase: list[float] = field(default_factory=list)

    def add(self, actual: np.ndarray, forecast: np.ndarray, insample: np.ndarray, m: int) -> None:
        self.smape.append(smape(actual, forecast))
        self.mase.append(mase(actual, forecast, insample, m))


def _accuracy(method: str, scores: _Scores, reference: _Scores | None) -> AccuracyDto:
    s, m = mean_finite(scores.smape), mean_finite(scores.mase)
    ratio = None
    if reference is not None:
        ratio = owa(s, m, mean_finite(reference.smape), mean_finite(reference.mase))
    return AccuracyDto(method=method, series=len(scores.smape), smape=s, mase=m, owa=ratio)


def score_forecasts(
    histories: Sequence[SeriesDto],
    actuals: Sequence[Sequence[float]],
    forecasts: Sequence[ForecastDto],
    horizon: int,
    season: int,
    method: str,
    origins: int = 1,
) -> BacktestDto:
    """Score ``forecasts`` of ``actuals`` next to Naive2 and the seasonal naive forecast."""
    model, reference, snaive = _Scores(), _Scores(), _Scores()
    inside = total = 0
    excluded = 0
    for history, actual, forecast in zip(histories, actuals, forecasts, strict=True):
        x = np.asarray(history.values, dtype=np.float64)
        y = np.asarray(actual, dtype=np.float64)[:horizon]
        if y.size != horizon:
            raise ValueError(f"series {history.id}: {y.size} actual values for {horizon} steps")
        if x.size <= season:
            raise ValueError(f"series {history.id}: MASE needs more than {season} past values")
        if mase_scale(x, season) == 0.0:
            excluded += 1  # a constant history: MASE undefined; M4 has none
        f = np.asarray(forecast.point, dtype=np.float64)
        model.add(y, f, x, season)
        reference.add(y, naive2(x, horizon, season), x, season)
        snaive.add(y, seasonal_naive(x, horizon, season), x, season)
        if forecast.lower is not None and forecast.upper is not None:
            lower = np.asarray(forecast.lower)
            upper = np.asarray(forecast.upper)
            inside += int(np.sum((y >= lower) & (y <= upper)))
            total += horizon
    return BacktestDto(
        horizon=horizon,
        season=season,
        origins=origins,
        model=_accuracy(method, model, reference),
        naive2=_accuracy("naive2", reference, reference),
        seasonal_naive=_accuracy("seasonal_naive", snaive, reference),
        interval_coverage=inside / total if total else None,
        excluded_series=excluded,
    )


def holdout_backtest(
    train: Sequence[SeriesDto],
    test: Sequence[SeriesDto],
    horizon: int,
    season: int = 1,
    forecaster: Forecaster | None = None,
    method: str = "gbm",
) -> BacktestDto:
    """The M4 evaluation: forecast the ``horizon`` test values after each training series."""
    by_id = {t.id: t for t in test}
    missing = [s.id for s in train if s.id not in by_id]
    if missing:
        raise ValueError(f"the test file has no values for series {', '.join(missing[:5])}")
    short = [t.id for t in test if len(t.values) < horizon]
    if short:
        raise ValueError(f"series {', '.join(short[:5])} have fewer than {horizon} test values")
    run = forecaster or gbm_forecaster()
    forecasts = run(train, horizon)
    actuals = [by_id[s.id].values[:horizon] for s in train]
    return score_forecasts(train, actuals, forecasts, horizon, season, method)


def rolling_origin_backtest(
    series: Sequence[SeriesDto],
    horizon: int,
    season: int = 1,
    origins: int = 3,
    step: int | None = None,
    forecaster: Forecaster | None = None,
    method: str = "gbm",
) -> BacktestDto:
    """Refit at ``origins`` cut-offs, ``step`` values apart (default: the horizon), the last one
    ``horizon`` values before the end; score every forecast on the values after its cut-off."""
    if origins < 1:
        raise ValueError("a rolling-origin backtest needs at least one origin")
    step = step or horizon
    run = forecaster or gbm_forecaster()
    histories: list[SeriesDto] = []
    actuals: list[tuple[float, ...]] = []
    forecasts: list[ForecastDto] = []
    for k in reversed(range(origins)):
        cut_back = horizon + k * step
        batch = [s for s in series if len(s.values) - cut_back > max(season, 1) + 1]
        if not batch:
            log.warning("origin %d values before the end: no series is long enough", cut_back)
            continue
        heads = [s.head(len(s.values) - cut_back) for s in batch]
        forecasts += run(heads, horizon)
        histories += heads
        actuals += [s.values[len(s.values) - cut_back :][:horizon] for s in batch]
    if not histories:
        raise ValueError("no series is long enough for this backtest")
    result = score_forecasts(histories, actuals, forecasts, horizon, season, method, origins)
    if math.isnan(result.model.smape):
        raise ValueError("no forecast could be scored")
    return result
