"""A global gradient-boosting forecaster with quantile prediction intervals.

One model learns from every series at once (a "global" model): each training row is a forecast
origin ``t`` of one series and a step ``h`` ahead; its features are the history up to ``t``
scaled by the series' recent level (``services.analytics.features``) and its target the value
at ``t + h`` on the same scale (the direct multi-horizon strategy). Two more models at the
``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles give the interval.

scikit-learn's ``HistGradientBoostingRegressor`` is imported inside :meth:`fit`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from services.analytics.baselines import naive2, seasonal_naive
from services.analytics.dtos import ForecastDto, SeriesDto
from services.analytics.features import FeatureSpec, IntArray, origin_features, step_features
from services.analytics.metrics import FloatArray

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class GbmSettings:
    horizon: int = 13
    spec: FeatureSpec = field(default_factory=FeatureSpec)
    max_origins: int = 60  # the most recent origins of each series that become training rows
    min_history: int = 8  # an origin needs this many values up to it
    interval: float | None = 0.8  # central quantile band; None: point forecasts only
    loss: str = "absolute_error"
    max_iter: int = 250
    learning_rate: float = 0.06
    max_leaf_nodes: int = 31
    min_samples_leaf: int = 40
    l2_regularization: float = 0.0
    band_iter: int = 120  # boosting rounds of each quantile model
    threads: int = 1  # OpenMP threads of the fits (spinning threads crawl on a busy machine)
    random_state: int = 0

    def __post_init__(self) -> None:
        if self.horizon < 1:
            raise ValueError("the horizon is at least one step")
        if self.interval is not None and not 0 < self.interval < 1:
            raise ValueError("the interval level is between 0 and 1")


class GlobalGbmForecaster:
    """Fit on many series, forecast any of them (or new ones) ``horizon`` steps ahead."""

    name = "gbm"

    def __init__(self, settings: GbmSettings | None = None) -> None:
        self.settings = settings or GbmSettings()
        self._point: Any = None
        self._bands: tuple[Any, Any] | None = None
        self._widen: FloatArray | None = None
        self._dated: bool | None = None

    # -- training -------------------------------------------------------------------------
    def training_rows(self, series: Sequence[SeriesDto]) -> tuple[FloatArray, FloatArray, IntArray]:
        """Feature rows, scaled targets and target ages of every (origin, step) in the histories.

        The age of a row's target is how many values of its series come after it (0 for the
        last value), which lets :meth:`fit` keep the most recent window out for calibration.
        """
        s = self.settings
        dated = self._check_dating(series)
        blocks: list[FloatArray] = []
        targets: list[FloatArray] = []
        ages: list[IntArray] = []
        for item in series:
            x = np.asarray(item.values, dtype=np.float64)
            first = max(s.min_history - 1, 0)
            origins = np.arange(first, x.size - 1, dtype=np.int64)[-s.max_origins :]
            if origins.size == 0:
                continue
            rows, target, steps, rows_origin = self._rows_at(item, x, origins, dated)
            blocks.append(rows)
            targets.append(target)
            ages.append(x.size - 1 - (rows_origin + steps))
        if not blocks:
            raise ValueError(f"no series is longer than {s.min_history} values: nothing to learn")
        return np.vstack(blocks), np.concatenate(targets), np.concatenate(ages)

    def _rows_at(
        self, item: SeriesDto, x: FloatArray, origins: IntArray, dated: bool
    ) -> tuple[FloatArray, FloatArray, IntArray, IntArray]:
        """Rows of every step 1..horizon that the series still holds after each origin."""
        s = self.settings
        base, scale = origin_features(x, origins, s.spec)
        steps_per_origin = np.minimum(s.horizon, x.size - 1 - origins)
        index = np.repeat(np.arange(origins.size), steps_per_origin)
        steps = np.concatenate([np.arange(1, k + 1) for k in steps_per_origin]).astype(np.int64)
        rows_origin = origins[index]
        extra = step_features(
            x,
            rows_origin,
            steps,
            scale[index],
            s.spec,
            item.start if dated else None,
            item.step_days,
        )
        target = x[rows_origin + steps] / scale[index]
        return np.hstack([base[index], extra]), target, steps, rows_origin

    def fit(self, series: Sequence[SeriesDto]) -> GlobalGbmForecaster:
        """Fit the point model on every row; with an interval, fit the two quantile models on
        the rows whose targets precede each series' last ``horizon`` values and widen their
        band by what those last values need (conformalised quantile regression, per step)."""
        from sklearn.ensemble import HistGradientBoostingRegressor
        from threadpoolctl import threadpool_limits

        s = self.settings
        features, target, age = self.training_rows(series)
        log.info("fitting %s on %d rows x %d features", self.name, *features.shape)

        def model(loss: str, rows: FloatArray, y: FloatArray, quantile: float = 0.5) -> Any:
            extra = {"quantile": quantile} if loss == "quantile" else {}
            return HistGradientBoostingRegressor(
                loss=loss,
                max_iter=s.max_iter if loss != "quantile" else s.band_iter,
                learning_rate=s.learning_rate,
                max_leaf_nodes=s.max_leaf_nodes,
                min_samples_leaf=s.min_samples_leaf,
                l2_regularization=s.l2_regularization,
                early_stopping=False,
                random_state=s.random_state,
                **extra,
            ).fit(rows, y)

        with threadpool_limits(limits=s.threads):
            self._point = model(s.loss, features, target)
            self._bands = None
            self._widen = None
            if s.interval is not None:
                low = (1.0 - s.interval) / 2.0
                older = age >= s.horizon
                if not older.any():
                    raise ValueError("the histories are too short to calibrate an interval")
                self._bands = (
                    model("quantile", features[older], target[older], low),
                    model("quantile", features[older], target[older], 1.0 - low),
                )
                self._widen = self._calibrate(series, s.interval)
        return self

    def _calibrate(self, series: Sequence[SeriesDto], level: float) -> FloatArray:
        """Per step, how much to widen the band so that it covers ``level`` of the actual last
        ``horizon`` values of the series, forecast from the origin just before them."""
        assert self._bands is not None
        s = self.settings
        dated = bool(self._dated)
        errors: list[list[float]] = [[] for _ in range(s.horizon)]
        for item in series:
            x = np.asarray(item.values, dtype=np.float64)
            origin = x.size - 1 - s.horizon
            if origin < max(s.min_history - 1, 0):
                continue
            rows, target, steps, _ = self._rows_at(item, x, np.array([origin]), dated)
            low = self._bands[0].predict(rows)
            high = self._bands[1].predict(rows)
            for step, e in zip(
                steps.tolist(), np.maximum(low - target, target - high).tolist(), strict=True
            ):
                errors[step - 1].append(e)
        widen = np.zeros(s.horizon)
        for k, e in enumerate(errors):
            if e:
                n = len(e)
                q = min(1.0, np.ceil((n + 1) * level) / n)
                widen[k] = float(np.quantile(np.asarray(e), q))
        return widen

    # -- forecasting ----------------------------------------------------------------------
    def predict(self, series: Sequence[SeriesDto], horizon: int | None = None) -> list[ForecastDto]:
        """Forecasts from the end of each history (``horizon`` at most the trained one)."""
        if self._point is None:
            raise RuntimeError("fit the forecaster before predicting")
        s = self.settings
        h = horizon or s.horizon
        if not 1 <= h <= s.horizon:
            raise ValueError(f"the model was trained for 1..{s.horizon} steps ahead, not {h}")
        dated = self._check_dating(series)
        rows: list[FloatArray] = []
        scales: list[FloatArray] = []
        for item in series:
            x = np.asarray(item.values, dtype=np.float64)
            if x.size == 0:
                raise ValueError(f"series {item.id} is empty")
            origins = np.full(h, x.size - 1, dtype=np.int64)
            base, scale = origin_features(x, origins[:1], s.spec)
            steps = np.arange(1, h + 1, dtype=np.int64)
            extra = step_features(
                x,
                origins,
                steps,
                np.repeat(scale, h),
                s.spec,
                item.start if dated else None,
                item.step_days,
            )
            rows.append(np.hstack([np.repeat(base, h, axis=0), extra]))
            scales.append(np.repeat(scale, h))
        features = np.vstack(rows)
        scale_all = np.concatenate(scales)
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=s.threads):
            point = self._point.predict(features) * scale_all
            bands = None
            if self._bands is not None and self._widen is not None:
                widen = np.tile(self._widen[:h], len(series))
                low = (self._bands[0].predict(features) - widen) * scale_all
                high = (self._bands[1].predict(features) + widen) * scale_all
                bands = (
                    np.minimum.reduce([low, high, point]),
                    np.maximum.reduce([low, high, point]),
                )
        out: list[ForecastDto] = []
        for i, item in enumerate(series):
            part = slice(i * h, (i + 1) * h)
            nonnegative = min(item.values) >= 0
            out.append(
                ForecastDto(
                    series_id=item.id,
                    model=self.name,
                    point=_tuple(point[part], nonnegative),
                    lower=_tuple(bands[0][part], nonnegative) if bands else None,
                    upper=_tuple(bands[1][part], nonnegative) if bands else None,
                    level=s.interval if bands else None,
                    days=_days(item, h),
                )
            )
        return out

    def _check_dating(self, series: Sequence[SeriesDto]) -> bool:
        dated = {item.start is not None for item in series}
        if len(dated) > 1:
            raise ValueError("mix of dated and undated series: date all or none")
        value = dated.pop() if dated else False
        if self._dated is None:
            self._dated = value
        elif self._dated != value:
            raise ValueError(
                "the model was trained on dated series"
                if self._dated
                else "the model was trained on undated series"
            )
        return value


def _tuple(values: FloatArray, nonnegative: bool) -> tuple[float, ...]:
    if nonnegative:
        values = np.maximum(values, 0.0)
    return tuple(float(v) for v in values)


def _days(item: SeriesDto, horizon: int) -> tuple[Any, ...] | None:
    if item.start is None:
        return None
    n = len(item.values)
    return tuple(item.date_at(n + k) for k in range(horizon))


def baseline_forecast(item: SeriesDto, horizon: int, season: int, method: str) -> ForecastDto:
    """A benchmark forecast as a DTO: ``"naive2"`` or ``"seasonal_naive"``."""
    x = np.asarray(item.values, dtype=np.float64)
    if method == "naive2":
        point = naive2(x, horizon, season)
    elif method == "seasonal_naive":
        point = seasonal_naive(x, horizon, season)
    else:
        raise ValueError(f"unknown baseline {method!r}")
    return ForecastDto(item.id, method, tuple(float(v) for v in point), days=_days(item, horizon))


def forecast_many(
    histories: Sequence[SeriesDto], horizon: int = 13, settings: GbmSettings | None = None
) -> list[ForecastDto]:
    """Fit the global model on all the histories together and forecast each of them."""
    base = replace(settings or GbmSettings(), horizon=horizon)
    return GlobalGbmForecaster(base).fit(histories).predict(histories)


def forecast(
    history: SeriesDto, horizon: int = 13, settings: GbmSettings | None = None
) -> ForecastDto:
    """Forecast one series from its own history (prefer :func:`forecast_many` for a catalogue:
    a global model learns more from many products than from one)."""
    return forecast_many([history], horizon, settings)[0]
