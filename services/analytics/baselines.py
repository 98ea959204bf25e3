"""Benchmark forecasts: naive, seasonal naive and M4's Naive2 (naive on deseasonalised data)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from services.analytics.metrics import FloatArray
from services.analytics.seasonality import seasonal_component


def _history(values: ArrayLike) -> FloatArray:
    x = np.asarray(values, dtype=np.float64).reshape(-1)
    if x.size == 0:
        raise ValueError("a forecast needs at least one past value")
    return x


def naive(values: ArrayLike, horizon: int) -> FloatArray:
    """The last value, repeated."""
    return np.full(horizon, _history(values)[-1])


def seasonal_naive(values: ArrayLike, horizon: int, season: int) -> FloatArray:
    """The value one season earlier (the last full season repeated); naive if too short."""
    x = _history(values)
    if season <= 1 or x.size < season:
        return naive(x, horizon)
    last_season = x[-season:]
    return last_season[np.arange(horizon) % season]


def naive2(values: ArrayLike, horizon: int, season: int) -> FloatArray:
    """M4's Naive2: the naive forecast of the seasonally adjusted series, re-seasonalised.

    Seasonal adjustment uses the classical multiplicative decomposition, only when the 90 %
    autocorrelation test finds the series seasonal (see ``services.analytics.seasonality``).
    """
    x = _history(values)
    factors = seasonal_component(x, season, horizon)
    adjusted_last = x[-1] / factors[x.size - 1]
    return adjusted_last * factors[x.size :]
