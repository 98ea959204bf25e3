"""Rolling features of a machine metric, each row computed from that point and the ones before.

For point ``t`` and each window ``w`` (in samples): how far ``x[t]`` lies from the mean of the
``w`` values before it, in their standard deviations; the mean and the standard deviation of
the ``w`` values ending at ``t``; plus the value itself and its changes over 1 and ``w0`` steps.
Windows shorter than ``w`` at the start of a series use what there is (NaN while fewer than two
values exist). Nothing after ``t`` enters row ``t``: the property is tested.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike

from services.analytics.metrics import FloatArray

DEFAULT_WINDOWS = (12, 72, 288)  # 1 hour, 6 hours and 1 day of 5-minute samples

_EPS = 1e-9


def feature_names(windows: tuple[int, ...] = DEFAULT_WINDOWS) -> list[str]:
    names = ["value", "delta_1", f"delta_{windows[0]}"]
    for w in windows:
        names += [f"z_{w}", f"mean_{w}", f"std_{w}"]
    return names


def rolling_features(values: ArrayLike, windows: tuple[int, ...] = DEFAULT_WINDOWS) -> FloatArray:
    """One row of features per value (see the module docstring); shape ``(n, 3 + 3 * k)``."""
    x = np.asarray(values, dtype=np.float64).reshape(-1)
    n = x.size
    if not windows or min(windows) < 2:
        raise ValueError("rolling windows hold at least two samples")
    widest = max(windows)
    padded = np.concatenate([np.full(widest, np.nan), x])
    # view[i] holds padded[i : i + widest + 1]: the ``widest`` values before x[i], then x[i]
    view = sliding_window_view(padded, widest + 1)[:n]
    columns: list[FloatArray] = [
        x,
        x - view[:, -2],
        x - view[:, -1 - windows[0]],
    ]
    with np.errstate(invalid="ignore", divide="ignore"):
        for w in windows:
            before = view[:, -1 - w : -1]
            ending = view[:, -w:]
            mean_before, std_before = _mean_std(before)
            mean_ending, std_ending = _mean_std(ending)
            columns += [(x - mean_before) / (std_before + _EPS), mean_ending, std_ending]
    return np.column_stack(columns)


def _mean_std(block: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Row-wise mean and standard deviation over the known values (NaN with fewer than 2)."""
    known = ~np.isnan(block)
    count = known.sum(axis=1)
    filled = np.where(known, block, 0.0)
    mean = filled.sum(axis=1) / count
    centred = np.where(known, block - mean[:, None], 0.0)
    std = np.sqrt((centred**2).sum(axis=1) / count)
    few = count < 2
    mean[few] = np.nan
    std[few] = np.nan
    return mean, std
