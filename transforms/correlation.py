"""Rolling Pearson correlations with significance on every row (docs/methods.md, section 2).

Correlations of overlapping k-period returns (each period's return over the last k periods, as
Soochow Securities' macro team measures China's stock–bond correlation on 3-month returns, note of
2025-09-25) share k − 1 periods between neighbours, so a window of n of them holds less
information than n independent pairs. Their t test uses an effective n instead of n (see
``overlap_effective_n``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

CORRELATION_COLUMNS = ["market", "asset_a", "asset_b", "basis", "method", "freq", "window_size",
                       "horizon_periods", "obs_date", "corr", "t_stat", "p_value", "n"]


def correlation_t_test(corr: np.ndarray, n: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """t statistic ``r·sqrt((n−2)/(1−r²))`` and two-sided p value from t(n−2).

    ``n`` is the observation count (rolling) or an effective n (DCC); |r| = 1 gives t = ±inf, p = 0.
    """
    r = np.clip(np.asarray(corr, dtype=float), -1.0, 1.0)
    dof = np.asarray(n, dtype=float) - 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(np.abs(r) < 1.0, r * np.sqrt(dof / (1.0 - r**2)), np.sign(r) * np.inf)
    from scipy import stats  # scipy loads with the first test, not with the CLI

    p = 2.0 * stats.t.sf(np.abs(t), dof)
    return t, p


def overlap_effective_n(window: int, horizon: int) -> float:
    """Effective number of independent pairs in a window of ``window`` overlapping ``horizon``-period returns.

    Two independent series of k-period sums of serially uncorrelated returns each have the
    autocorrelation ``(k − |j|)/k`` at lag j < k. For a window of n of them with its means removed
    (``B = I − 11'/n``, ``S`` that autocorrelation matrix), the sample correlation has variance
    ``tr((BSB)²)/tr(BSB)²`` under independence (Bartlett 1935; the finite-window form of
    Dutilleul 1993), and an iid sample of ``n_eff`` pairs has ``1/(n_eff − 1)``, so
    ``n_eff = 1 + tr(BSB)²/tr((BSB)²)``; ``horizon`` 1 gives ``window``. For k = 3 this is 17.6
    of 36 and 28.9 of 60; Bartlett's large-n factor ``1 + (k−1)(2k−1)/(3k)`` (n/2.11 for k = 3)
    ignores the demeaning and over-corrects in short windows. By simulation (independent normal
    returns) the 5 % test rejects 4.3 % (36 of k = 3) to 4.8 % (120 of k = 3); it turns
    conservative once k exceeds about a tenth of the window.
    """
    if horizon < 1 or window <= horizon:
        raise ValueError(f"needs 1 <= horizon < window, got horizon {horizon}, window {window}")
    if horizon == 1:
        return float(window)
    lag = np.abs(np.subtract.outer(np.arange(window), np.arange(window)))
    s = np.clip(horizon - lag, 0, None) / horizon
    centred = s - s.mean(axis=0, keepdims=True) - s.mean(axis=1, keepdims=True) + s.mean()
    return float(1.0 + np.trace(centred) ** 2 / np.sum(centred * centred))


def rolling_correlation(a: pd.Series, b: pd.Series, window: int, horizon: int = 1) -> pd.DataFrame:
    """Pearson correlation of ``a`` and ``b`` over trailing windows of ``window`` joint periods.

    Only dates where both series exist count; only full windows are reported. With ``horizon``
    k > 1, ``a`` and ``b`` are overlapping k-period returns (``transforms.returns.overlapping_returns``)
    and ``n`` is ``overlap_effective_n(window, k)``, else the window. Returns a frame indexed by
    window-end date with ``corr, t_stat, p_value, n``.
    """
    joint = pd.concat({"a": a, "b": b}, axis=1, join="inner").dropna()
    corr = joint["a"].rolling(window, min_periods=window).corr(joint["b"]).dropna()
    corr = corr[np.isfinite(corr)]
    n = np.full(len(corr), overlap_effective_n(window, horizon))
    t, p = correlation_t_test(corr.to_numpy(), n)
    return pd.DataFrame({"corr": corr.clip(-1.0, 1.0), "t_stat": t, "p_value": p, "n": n}, index=corr.index)


def _month_ends(path: pd.Series) -> pd.Series:
    """Last non-missing value of each calendar month of a dated path, indexed by month."""
    return path.groupby(pd.DatetimeIndex(path.index).to_period("M")).last()


@dataclass(frozen=True)
class CorrPath:
    """One rolling correlation path: market, equity and bond ids, frequency, window (periods) and
    return horizon (periods per return); a primary pair's headline path, or one an alert watches."""

    market: str
    equity: str
    bond: str
    freq: str
    window: int
    horizon_periods: int = 1


@dataclass(frozen=True)
class SignAgreement:
    """How often two correlation paths share a sign at their common month ends."""

    share: float
    months: int
    start: pd.Timestamp
    end: pd.Timestamp


def sign_agreement(a: pd.Series, b: pd.Series) -> SignAgreement | None:
    """Share of the common month ends at which paths ``a`` and ``b`` (correlations indexed by
    date; each month's last value) have the same sign; None when they share no month."""
    both = pd.concat({"a": _month_ends(a), "b": _month_ends(b)}, axis=1).dropna()
    if both.empty:
        return None
    same = np.sign(both["a"].to_numpy()) == np.sign(both["b"].to_numpy())
    return SignAgreement(float(same.mean()), len(both), both.index.min().to_timestamp(how="end").normalize(),
                         both.index.max().to_timestamp(how="end").normalize())
