"""The seasonality test and the classical multiplicative decomposition used by M4's Naive2.

The test is the one of the M4 benchmarks: a series is seasonal with period ``m`` when its
autocorrelation at lag ``m`` exceeds the 90 % limit ``1.645 sqrt((1 + 2 sum_{k<m} r_k^2) / n)``;
it is only run for ``m > 1`` and at least ``3 m`` values. The indices are those of the classical
multiplicative decomposition (R's ``decompose``): a centred moving average of order ``m``
(``2 x m`` when ``m`` is even) gives the trend, the ratios ``y / trend`` are averaged per position
in the cycle and normalised to a mean of 1.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from services.analytics.metrics import FloatArray

TCRIT_90 = 1.645


def acf(values: ArrayLike, lag: int) -> float:
    """Sample autocorrelation at ``lag`` (the biased estimator of R's ``acf``)."""
    x = np.asarray(values, dtype=np.float64).reshape(-1)
    if not 0 < lag < x.size:
        raise ValueError(f"lag {lag} is outside 1..{x.size - 1}")
    centred = x - x.mean()
    denominator = float(np.dot(centred, centred))
    if denominator == 0.0:
        return 0.0
    return float(np.dot(centred[lag:], centred[:-lag]) / denominator)


def is_seasonal(values: ArrayLike, season: int) -> bool:
    """M4's 90 % autocorrelation test for seasonality of period ``season``."""
    x = np.asarray(values, dtype=np.float64).reshape(-1)
    if season <= 1 or x.size < 3 * season:
        return False
    r = np.array([acf(x, k) for k in range(1, season + 1)])
    limit = TCRIT_90 * np.sqrt((1.0 + 2.0 * np.sum(r[:-1] ** 2)) / x.size)
    return bool(abs(r[-1]) > limit)


def centred_moving_average(values: ArrayLike, season: int) -> FloatArray:
    """The trend of the classical decomposition: NaN where the window does not fit."""
    x = np.asarray(values, dtype=np.float64).reshape(-1)
    if season % 2 == 0:
        weights = np.r_[0.5, np.ones(season - 1), 0.5] / season
    else:
        weights = np.ones(season) / season
    half = (weights.size - 1) // 2
    trend = np.full(x.size, np.nan)
    if x.size >= weights.size:
        trend[half : x.size - half] = np.convolve(x, weights[::-1], mode="valid")
    return trend


def multiplicative_indices(values: ArrayLike, season: int) -> FloatArray:
    """The ``season`` seasonal indices (mean 1), index ``i`` for positions ``i, i+m, ...``."""
    x = np.asarray(values, dtype=np.float64).reshape(-1)
    if season < 2 or x.size < 2 * season:
        raise ValueError(f"a decomposition of period {season} needs {2 * season} values")
    ratios = x / centred_moving_average(x, season)
    figure = np.array([np.nanmean(ratios[i::season]) for i in range(season)])
    return figure / figure.mean()


def seasonal_component(values: ArrayLike, season: int, horizon: int = 0) -> FloatArray:
    """In-sample seasonal factors followed by ``horizon`` continued ones (all 1 if not seasonal)."""
    x = np.asarray(values, dtype=np.float64).reshape(-1)
    if not is_seasonal(x, season):
        return np.ones(x.size + horizon)
    figure = multiplicative_indices(x, season)
    positions = np.arange(x.size + horizon) % season
    return figure[positions]
