"""Forecast accuracy exactly as the M4 competition defines it.

* sMAPE = mean over the horizon of ``200 |y - f| / (|y| + |f|)`` (percent).
* MASE = mean absolute error divided by the in-sample mean absolute error of the seasonal naive
  forecast with period ``m`` (``m = 1`` for weekly data in M4).
* OWA = the mean of the two ratios sMAPE/sMAPE(Naive2) and MASE/MASE(Naive2), where each
  sMAPE and MASE is first averaged over all series of the set (the M4 definition: the ratio of
  the averages, not the average of per-series ratios).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]


def _as_array(values: ArrayLike) -> FloatArray:
    return np.asarray(values, dtype=np.float64).reshape(-1)


def smape(actual: ArrayLike, forecast: ArrayLike) -> float:
    """Symmetric MAPE of M4 in percent (0..200). A step where both values are 0 counts as 0."""
    y = _as_array(actual)
    f = _as_array(forecast)
    if y.shape != f.shape or y.size == 0:
        raise ValueError(f"sMAPE needs two equal, non-empty lengths, got {y.size} and {f.size}")
    denominator = np.abs(y) + np.abs(f)
    ratio = np.divide(2.0 * np.abs(y - f), denominator, out=np.zeros_like(y), where=denominator > 0)
    return float(100.0 * ratio.mean())


def mase_scale(insample: ArrayLike, season: int = 1) -> float:
    """In-sample mean absolute error of the seasonal naive forecast (the MASE denominator)."""
    x = _as_array(insample)
    if season < 1:
        raise ValueError("the season length is at least 1")
    if x.size <= season:
        raise ValueError(f"MASE needs more than {season} in-sample values, got {x.size}")
    return float(np.mean(np.abs(x[season:] - x[:-season])))


def mase(actual: ArrayLike, forecast: ArrayLike, insample: ArrayLike, season: int = 1) -> float:
    """Mean absolute scaled error of M4; ``inf`` when the in-sample series is constant."""
    y = _as_array(actual)
    f = _as_array(forecast)
    if y.shape != f.shape or y.size == 0:
        raise ValueError(f"MASE needs two equal, non-empty lengths, got {y.size} and {f.size}")
    scale = mase_scale(insample, season)
    error = float(np.mean(np.abs(y - f)))
    if scale == 0.0:
        return 0.0 if error == 0.0 else float("inf")
    return error / scale


def owa(smape_method: float, mase_method: float, smape_naive2: float, mase_naive2: float) -> float:
    """Overall weighted average of M4 relative to Naive2 (1.0 means as good as Naive2)."""
    if smape_naive2 <= 0 or mase_naive2 <= 0:
        raise ValueError("OWA needs positive Naive2 errors")
    return 0.5 * (smape_method / smape_naive2 + mase_method / mase_naive2)


def mean_finite(values: Sequence[float]) -> float:
    """The mean of the finite values (M4 series with a constant history have an infinite MASE)."""
    arr = np.asarray(values, dtype=np.float64)
    arr = arr[np.isfinite(arr)]
    return float(arr.mean()) if arr.size else float("nan")
