"""Rolling correlations agree with an independent computation and carry correct significance."""
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from seesaw.transforms.correlation import correlation_t_test, rolling_correlation


def test_rolling_matches_numpy_and_scipy_on_each_window() -> None:
    rng = np.random.default_rng(7)
    idx = pd.date_range("2000-01-31", periods=120, freq="ME")
    a = pd.Series(rng.normal(size=120), index=idx)
    b = pd.Series(0.4 * a.to_numpy() + rng.normal(size=120), index=idx)
    b.iloc[5] = np.nan  # a gap: windows count joint observations only
    out = rolling_correlation(a, b, 36)
    joint = pd.concat([a, b], axis=1).dropna()
    assert len(out) == len(joint) - 35
    for end in (35, 80, len(joint) - 1):
        window = joint.iloc[end - 35 : end + 1]
        r, p = stats.pearsonr(window.iloc[:, 0], window.iloc[:, 1])
        row = out.loc[window.index[-1]]
        assert row["corr"] == pytest.approx(r, abs=1e-10)
        assert row["p_value"] == pytest.approx(p, rel=1e-6)
        assert row["n"] == 36


def test_t_test_edges() -> None:
    t, p = correlation_t_test(np.array([0.0, 1.0, -1.0, 0.5]), 30)
    assert t[0] == 0 and p[0] == pytest.approx(1.0)
    assert np.isinf(t[1]) and p[1] == 0.0 and t[2] < 0
    assert t[3] == pytest.approx(0.5 * np.sqrt(28 / 0.75))
