"""M4 metrics, the seasonality test, the classical decomposition and Naive2 on hand-made cases."""

from __future__ import annotations

import numpy as np
import pytest

from services.analytics.baselines import naive, naive2, seasonal_naive
from services.analytics.metrics import mase, mase_scale, mean_finite, owa, smape
from services.analytics.seasonality import (
    acf,
    centred_moving_average,
    is_seasonal,
    multiplicative_indices,
    seasonal_component,
)


def test_smape_by_hand() -> None:
    # 200*10/210 = 9.5238..., 200*20/380 = 10.5263...
    assert smape([100, 200], [110, 180]) == pytest.approx((2000 / 210 + 4000 / 380) / 2)
    assert smape([5, 5], [5, 5]) == 0.0
    assert smape([0, 10], [0, 0]) == pytest.approx(100.0)  # 0/0 counts 0, then 200*10/10
    with pytest.raises(ValueError):
        smape([1, 2], [1])


def test_mase_by_hand() -> None:
    insample = [1, 3, 2, 4]
    assert mase_scale(insample, 1) == pytest.approx(5 / 3)  # |2|, |-1|, |2|
    assert mase([5, 5], [4, 7], insample, 1) == pytest.approx(1.5 / (5 / 3))
    assert mase_scale(insample, 2) == pytest.approx(1.0)  # |2-1|, |4-3|
    assert mase([5, 5], [4, 7], insample, 2) == pytest.approx(1.5)
    assert mase([1], [1], [3, 3, 3]) == 0.0
    assert mase([1], [2], [3, 3, 3]) == float("inf")


def test_owa_is_relative_to_naive2() -> None:
    assert owa(8.0, 2.0, 10.0, 4.0) == pytest.approx(0.5 * (0.8 + 0.5))
    assert owa(10.0, 4.0, 10.0, 4.0) == pytest.approx(1.0)
    assert mean_finite([1.0, float("inf"), 3.0]) == pytest.approx(2.0)


def test_acf_by_hand() -> None:
    # centred -1.5 -0.5 0.5 1.5: lag 1 = (0.75 - 0.25 + 0.75) / 5
    assert acf([1, 2, 3, 4], 1) == pytest.approx(0.25)
    assert acf([2, 2, 2], 1) == 0.0


SEASONAL = [10.0, 20.0, 30.0, 20.0] * 4  # period 4, level 20


def test_seasonality_test() -> None:
    assert is_seasonal(SEASONAL, 4)
    assert not is_seasonal(SEASONAL, 1)  # m = 1 is never seasonal
    assert not is_seasonal(SEASONAL[:11], 4)  # fewer than 3 m values
    rng = np.random.default_rng(1)
    assert not is_seasonal(rng.normal(100, 1, 60), 4)


def test_classical_decomposition_by_hand() -> None:
    trend = centred_moving_average(SEASONAL, 4)
    assert np.isnan(trend[:2]).all()
    assert np.isnan(trend[-2:]).all()
    assert trend[2:-2] == pytest.approx(20.0)  # 2x4 MA: (15 + 20 + 30 + 20 + 5) / 4
    assert multiplicative_indices(SEASONAL, 4) == pytest.approx([0.5, 1.0, 1.5, 1.0])
    odd = [6.0, 12.0, 12.0] * 3  # order 3 MA = 10: ratios 0.6, 1.2, 1.2 -> mean 1
    assert multiplicative_indices(odd, 3) == pytest.approx([0.6, 1.2, 1.2])


def test_naive2_on_a_hand_made_seasonal_series() -> None:
    # the last value 20 sits at index 1.0, so the adjusted level is 20; re-seasonalised from
    # position 16 = 0 (mod 4): 0.5, 1, 1.5, 1, 0.5, ...
    assert naive2(SEASONAL, 6, 4) == pytest.approx([10, 20, 30, 20, 10, 20])
    trended = [v * (1 + 0.1 * i) for i, v in enumerate(SEASONAL)]
    f = naive2(trended, 4, 4)
    factors = seasonal_component(trended, 4, 4)
    assert f == pytest.approx(trended[-1] / factors[15] * factors[16:])
    assert f[2] / f[0] == pytest.approx(factors[18] / factors[16])


def test_naive2_without_seasonality_is_naive() -> None:
    x = [3.0, 5.0, 4.0, 6.0, 7.0]
    assert naive2(x, 3, 1) == pytest.approx([7, 7, 7])
    assert naive(x, 2) == pytest.approx([7, 7])
    assert seasonal_naive(x, 3, 2) == pytest.approx([6, 7, 6])
    assert seasonal_naive(x, 2, 9) == pytest.approx([7, 7])  # too short: naive
