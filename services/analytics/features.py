"""Forecast features at a forecast origin: lags, rolling statistics and calendar terms.

Everything is computed from the values up to and including the origin ``t`` (never after it),
divided by the series' recent level (the mean absolute value of the last ``level_window``
values at ``t``), so that one global model can learn from series of any size. Rows are built
for many origins at once with sliding windows; the causal property is tested.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

from services.analytics.metrics import FloatArray

IntArray = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    """Which features to build (the defaults suit weekly demand)."""

    lags: int = 52  # x[t], x[t-1], ..., x[t-lags+1]
    rolling: tuple[int, ...] = (4, 13, 52)  # mean, std, min, max over these windows
    level_window: int = 13  # the scale every value is divided by
    seasonal_lags: tuple[int, ...] = (52,)  # x[t+h-s] for the target step (same week last year)

    @property
    def window(self) -> int:
        return max(self.lags, *self.rolling, self.level_window)

    def names(self, dated: bool) -> list[str]:
        names = [f"lag_{k}" for k in range(self.lags)]
        for w in self.rolling:
            names += [f"mean_{w}", f"std_{w}", f"min_{w}", f"max_{w}"]
        names += ["slope", "log_level", "history"]
        names += ["horizon"] + [f"season_{s}" for s in self.seasonal_lags]
        if dated:
            names += ["week_sin", "week_cos", "month"]
        return names


def origin_features(
    values: FloatArray, origins: IntArray, spec: FeatureSpec
) -> tuple[FloatArray, FloatArray]:
    """Features that do not depend on the step ahead, and the scale, for each origin.

    Returns ``(rows, scale)``: ``rows[i]`` describes the history up to ``origins[i]``.
    """
    x = np.asarray(values, dtype=np.float64)
    if origins.size and (origins.min() < 0 or origins.max() >= x.size):
        raise ValueError("forecast origins must index the series")
    w = spec.window
    padded = np.concatenate([np.full(w - 1, np.nan), x])
    windows = sliding_window_view(padded, w)[origins]  # windows[i, -1] == x[origins[i]]
    scale = _level(windows[:, -spec.level_window :])
    scaled = windows / scale[:, None]
    columns: list[FloatArray] = [scaled[:, ::-1][:, : spec.lags]]
    for r in spec.rolling:
        tail = scaled[:, -r:]
        count = np.sum(~np.isnan(tail), axis=1)
        mean = np.nansum(tail, axis=1) / count
        centred = np.where(np.isnan(tail), 0.0, tail - mean[:, None])
        std = np.sqrt(np.sum(centred**2, axis=1) / count)
        columns += [
            mean[:, None],
            std[:, None],
            np.nanmin(tail, axis=1)[:, None],
            np.nanmax(tail, axis=1)[:, None],
        ]
    columns.append(_slope(scaled[:, -spec.level_window :])[:, None])
    columns.append(np.log1p(scale)[:, None])
    columns.append(np.log1p(origins.astype(np.float64) + 1.0)[:, None])
    return np.hstack(columns), scale


def step_features(
    values: FloatArray,
    origins: IntArray,
    steps: IntArray,
    scale: FloatArray,
    spec: FeatureSpec,
    start: date | None = None,
    step_days: int = 7,
) -> FloatArray:
    """Features of the target step ``t + h``: ``h``, seasonal lags known at ``t``, calendar."""
    x = np.asarray(values, dtype=np.float64)
    target = origins + steps
    columns: list[FloatArray] = [steps.astype(np.float64)[:, None]]
    for s in spec.seasonal_lags:
        source = target - s
        usable = (source >= 0) & (source <= origins)  # known at the origin
        column = np.full(origins.size, np.nan)
        column[usable] = x[source[usable]] / scale[usable]
        columns.append(column[:, None])
    if start is not None:
        columns.append(calendar_features(target, start, step_days))
    return np.hstack(columns)


def calendar_features(indices: IntArray, start: date, step_days: int) -> FloatArray:
    """Week of the year (as a point on a circle) and month of the dates of ``indices``."""
    rows = np.empty((indices.size, 3))
    for i, index in enumerate(indices.tolist()):
        day = start + timedelta(days=int(index) * step_days)
        angle = 2.0 * np.pi * (day.isocalendar().week - 1) / 52.0
        rows[i] = (np.sin(angle), np.cos(angle), day.month)
    return rows


def _level(tail: FloatArray) -> FloatArray:
    level = np.nanmean(np.abs(tail), axis=1)
    return np.where(np.isfinite(level) & (level > 0), level, 1.0)


def _slope(tail: FloatArray) -> FloatArray:
    """Least-squares slope per row over the known values of ``tail`` (0 with one value)."""
    t = np.arange(tail.shape[1], dtype=np.float64)[None, :]
    known = ~np.isnan(tail)
    n = known.sum(axis=1)
    t_mean = np.where(known, t, 0.0).sum(axis=1) / n
    y_mean = np.nansum(tail, axis=1) / n
    dt = np.where(known, t - t_mean[:, None], 0.0)
    dy = np.where(known, tail - y_mean[:, None], 0.0)
    denominator = np.sum(dt * dt, axis=1)
    return np.divide(
        np.sum(dt * dy, axis=1),
        denominator,
        out=np.zeros(tail.shape[0]),
        where=denominator > 0,
    )
