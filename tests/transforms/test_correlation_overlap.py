"""Correlations of overlapping k-period returns: the effective n and the size of the 5 % test."""
import numpy as np
import pandas as pd
import pytest

from seesaw.transforms.correlation import correlation_t_test, overlap_effective_n, rolling_correlation
from seesaw.transforms.returns import overlapping_returns


def _overlapping_sums(shocks: np.ndarray, k: int) -> np.ndarray:
    """k-period sums of each row's shocks, every period (rows = replications)."""
    cum = np.cumsum(np.pad(shocks, ((0, 0), (1, 0))), axis=1)
    return cum[:, k:] - cum[:, :-k]


def _row_corr(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    x = x - x.mean(axis=1, keepdims=True)
    y = y - y.mean(axis=1, keepdims=True)
    return (x * y).sum(axis=1) / np.sqrt((x * x).sum(axis=1) * (y * y).sum(axis=1))


def test_effective_n_against_the_matrix_formula_and_bartlett() -> None:
    window, k = 36, 3
    lag = np.abs(np.arange(window)[:, None] - np.arange(window)[None, :])
    s = np.clip(k - lag, 0, None) / k
    b = np.eye(window) - np.ones((window, window)) / window
    c = b @ s @ b
    assert overlap_effective_n(window, k) == pytest.approx(1 + np.trace(c) ** 2 / np.trace(c @ c), rel=1e-12)
    assert overlap_effective_n(60, 1) == 60.0
    # long windows: Bartlett's large-sample factor 1 + (k-1)(2k-1)/(3k) = 19/9 for k = 3
    assert 2000 / overlap_effective_n(2000, 3) == pytest.approx(19 / 9, rel=0.01)
    with pytest.raises(ValueError, match="horizon"):
        overlap_effective_n(3, 3)


@pytest.mark.parametrize("window", [36, 60])
def test_five_percent_test_rejects_four_to_six_percent_of_independent_pairs(window: int) -> None:
    """Independent monthly returns, 3-month overlapping returns: the corrected test has its size;
    the test that counts every overlapping pair as independent rejects about 18 %."""
    k, reps = 3, 40_000
    rng = np.random.default_rng(20250925 + window)
    shocks = rng.standard_normal((2, reps, window + k - 1))
    r = _row_corr(_overlapping_sums(shocks[0], k), _overlapping_sums(shocks[1], k))
    _, p = correlation_t_test(r, overlap_effective_n(window, k))
    _, p_naive = correlation_t_test(r, window)
    assert 0.04 <= (p < 0.05).mean() <= 0.06
    assert (p_naive < 0.05).mean() > 0.15


def test_rolling_path_of_overlapping_returns_uses_the_effective_n() -> None:
    rng = np.random.default_rng(3)
    idx = pd.date_range("2008-01-31", periods=100, freq="ME")
    a = overlapping_returns(pd.Series(rng.normal(0, 0.05, 100), index=idx), 3)
    b = overlapping_returns(pd.Series(rng.normal(0, 0.01, 100), index=idx), 3)
    out = rolling_correlation(a, b, 60, horizon=3)
    assert out.index[0] == idx[2 + 59]
    assert (out["n"] == overlap_effective_n(60, 3)).all()
    expected_t, expected_p = correlation_t_test(out["corr"].to_numpy(), overlap_effective_n(60, 3))
    assert out["p_value"].to_numpy() == pytest.approx(expected_p)
    assert np.corrcoef(a.iloc[-60:], b.iloc[-60:])[0, 1] == pytest.approx(out["corr"].iloc[-1])
