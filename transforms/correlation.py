"""Rolling Pearson correlations with significance on every row (docs/methods.md, section 2)."""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

CORRELATION_COLUMNS = ["market", "asset_a", "asset_b", "basis", "method", "freq", "window_size",
                       "obs_date", "corr", "t_stat", "p_value", "n"]


def correlation_t_test(corr: np.ndarray, n: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """t statistic ``r·sqrt((n−2)/(1−r²))`` and two-sided p value from t(n−2).

    ``n`` is the observation count (rolling) or an effective n (DCC); |r| = 1 gives t = ±inf, p = 0.
    """
    r = np.clip(np.asarray(corr, dtype=float), -1.0, 1.0)
    dof = np.asarray(n, dtype=float) - 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(np.abs(r) < 1.0, r * np.sqrt(dof / (1.0 - r**2)), np.sign(r) * np.inf)
    p = 2.0 * stats.t.sf(np.abs(t), dof)
    return t, p


def rolling_correlation(a: pd.Series, b: pd.Series, window: int) -> pd.DataFrame:
    """Pearson correlation of ``a`` and ``b`` over trailing windows of ``window`` joint periods.

    Only dates where both series exist count; only full windows are reported. Returns a frame
    indexed by window-end date with ``corr, t_stat, p_value, n``.
    """
    joint = pd.concat({"a": a, "b": b}, axis=1, join="inner").dropna()
    corr = joint["a"].rolling(window, min_periods=window).corr(joint["b"]).dropna()
    corr = corr[np.isfinite(corr)]
    n = np.full(len(corr), float(window))
    t, p = correlation_t_test(corr.to_numpy(), n)
    return pd.DataFrame({"corr": corr.clip(-1.0, 1.0), "t_stat": t, "p_value": p, "n": n}, index=corr.index)
