"""Two-asset portfolio risk by Monte Carlo (Soochow Securities macro team, stock–bond return
correlation, 2025-09-25; docs/methods.md, section 11).

Monthly simple returns of equities and bonds are drawn from a bivariate normal with
correlation ``rho``; the portfolio is rebalanced every month to ``equity_weight`` (α) in
equities and ``1 − α`` in bonds, so its monthly return is exactly ``α·r_e + (1 − α)·r_b``.

Conventions
-----------
* Annual inputs are converted to monthly arithmetic moments: ``μ_m = μ/12``,
  ``σ_m = σ/√12``.
* ``equity_weight`` is the EQUITY weight α. The Soochow note's "82 portfolio" is 80% bonds /
  20% equities, i.e. α = 0.2: with σ_bond 2.41%, σ_equity 19.6%,
  ``σ_p = sqrt(0.8²·0.0241² + 0.2²·0.196² + 2·0.8·0.2·ρ·0.0241·0.196)`` is 3.16% at
  ρ = −0.6 and 4.37% at ρ = 0 (Soochow: 3.15% / 4.35%; the median of a 120-month sample
  standard deviation sits slightly below the true σ). The other assignment (80% equities)
  gives 15.3% / 15.7%, which is not what the note reports.
* Metrics over paths (all decimals): ``vol_ann`` median of the per-path sample standard
  deviation of monthly returns × √12; ``ann_return_q05`` 5% quantile of the per-path annualized
  geometric return ``W_T^(12/T) − 1`` over the whole horizon (the statistic the Soochow note
  calls "95% VaR of the annualized return"; a return, positive = gain, not a loss VaR);
  ``loss_var95_1y`` and ``loss_cvar95_1y`` the one-year 95% loss VaR and CVaR: with
  ``L = 1 − W_12`` the loss over the first 12 months as a fraction of the starting value
  (positive = loss), VaR is the 95% quantile of ``L`` and CVaR the mean of the worst 5% of
  ``L`` (the ``⌈0.05·paths⌉`` largest; NaN when the horizon is shorter than 12 months);
  ``mdd_12m_median`` median over paths of the worst peak-to-trough drawdown whose peak and
  trough lie at most 12 months apart; ``mdd_full_median`` median full-horizon maximum
  drawdown; ``exp_return_ann`` mean over paths of the annualized geometric return.
  Drawdowns are negative decimals (−0.05 = a 5% fall); the starting wealth counts as a
  peak, so ``mdd_12m_median ≥ mdd_full_median`` always holds path by path.
* Equity-weight sweep (:func:`weight_choice`), per (scenario, months, ρ): the weight with the
  least negative median full-horizon drawdown, the weight with the lowest median volatility
  (lowest weight among ties), and the return plateau: with the gain of ``exp_return_ann`` per
  +1 percentage point of equity between neighbouring weights, ``g_i = 100·ΔE/(100·Δα)`` in
  percentage points, the smallest weight from which every further step gains no more than a
  threshold (0: expected return stops rising); none when it still rises at the last weight.

Common random numbers: one ``numpy.random.Generator(PCG64(seed))`` stream of float32
standard normals, drawn path by path, is reused for every ``rho`` and α of a sweep; the
correlation enters through the Cholesky factor ``[[1, 0], [ρ, √(1−ρ²)]]``. Draws are laid out
path-major, so results do not depend on ``chunk_paths``.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

MC_RISK_COLUMNS = [
    "scenario",
    "rho",
    "equity_weight",
    "months",
    "paths",
    "seed",
    "vol_ann",
    "ann_return_q05",
    "loss_var95_1y",
    "loss_cvar95_1y",
    "mdd_12m_median",
    "mdd_full_median",
    "exp_return_ann",
]

MC_WEIGHT_CHOICE_COLUMNS = [
    "scenario",
    "months",
    "rho",
    "paths",
    "seed",
    "weights",
    "min_drawdown_weight",
    "min_vol_weight",
    "return_plateau_weight",
    "return_gain_threshold_pp",
]

MONTHS_PER_YEAR = 12
#: Fewest overlapping returns ``estimate_params`` estimates means, vols and a correlation from.
MIN_ESTIMATE_PERIODS = 3


@dataclass(frozen=True)
class AssetParams:
    """Annual arithmetic means and volatilities (decimals) of the two assets."""

    equity_mean_ann: float
    equity_vol_ann: float
    bond_mean_ann: float
    bond_vol_ann: float


#: Calibration of Soochow Securities macro team, stock–bond return correlation (2025-09-25): the
#: 80% bond / 20% equity check on China bond and A500 index moments.
SOOCHOW_2025_PARAMS = AssetParams(
    equity_mean_ann=0.0775, equity_vol_ann=0.196, bond_mean_ann=0.035, bond_vol_ann=0.0241
)


@dataclass(frozen=True)
class ParamEstimate:
    """Parameters estimated from history, with the correlation and the sample used."""

    params: AssetParams
    rho: float
    n_periods: int
    start: pd.Timestamp
    end: pd.Timestamp


@dataclass(frozen=True)
class PathMetrics:
    """Per-path metrics (arrays of shape ``(paths,)``, decimals)."""

    ann_return: np.ndarray
    mdd_window: np.ndarray
    mdd_full: np.ndarray
    return_1y: np.ndarray  # simple return over the first 12 months; NaN for shorter horizons


def estimate_params(
    stock_ret: pd.Series, bond_ret: pd.Series, periods_per_year: int = MONTHS_PER_YEAR
) -> ParamEstimate:
    """Estimate annual means, vols and the correlation from periodic simple returns.

    Uses the same convention as the simulation (``μ = periods·mean``,
    ``σ = √periods·std``) over the dates where both series are present.

    Parameters
    ----------
    stock_ret, bond_ret : pd.Series
        Simple returns (decimals) indexed by period-end date.
    periods_per_year : int
        12 for monthly returns.
    """
    both = pd.concat({"s": stock_ret, "b": bond_ret}, axis=1, join="inner", sort=True).dropna()
    if len(both) < MIN_ESTIMATE_PERIODS:
        raise ValueError(
            f"estimate_params needs at least {MIN_ESTIMATE_PERIODS} overlapping returns, got {len(both)}; "
            "check that both series share period-end dates"
        )
    mean = both.mean() * periods_per_year
    vol = both.std(ddof=1) * np.sqrt(periods_per_year)
    params = AssetParams(
        equity_mean_ann=float(mean["s"]),
        equity_vol_ann=float(vol["s"]),
        bond_mean_ann=float(mean["b"]),
        bond_vol_ann=float(vol["b"]),
    )
    return ParamEstimate(
        params=params,
        rho=float(both["s"].corr(both["b"])),
        n_periods=len(both),
        start=both.index[0],
        end=both.index[-1],
    )


def _loadings(params: AssetParams, rho: float, equity_weight: float) -> tuple[float, float, float]:
    """Monthly portfolio return = ``c + a·z1 + b·z2`` for independent standard normals."""
    if not -1.0 <= rho <= 1.0:
        raise ValueError(f"rho must lie in [-1, 1], got {rho}")
    sig_e = params.equity_vol_ann / np.sqrt(MONTHS_PER_YEAR)
    sig_b = params.bond_vol_ann / np.sqrt(MONTHS_PER_YEAR)
    mu_e = params.equity_mean_ann / MONTHS_PER_YEAR
    mu_b = params.bond_mean_ann / MONTHS_PER_YEAR
    w = equity_weight
    a = w * sig_e + (1.0 - w) * sig_b * rho
    b = (1.0 - w) * sig_b * np.sqrt(1.0 - rho * rho)
    c = w * mu_e + (1.0 - w) * mu_b
    return float(c), float(a), float(b)


def _draw_normals(rng: np.random.Generator, n_paths: int, months: int) -> np.ndarray:
    """Float32 normals drawn path-major, returned time-major as ``(2, months, n_paths)``."""
    z = rng.standard_normal((n_paths, months, 2), dtype=np.float32)
    return np.ascontiguousarray(z.transpose(2, 1, 0))


def simulate_portfolio_returns(
    params: AssetParams,
    rho: float,
    equity_weight: float,
    *,
    months: int = 120,
    paths: int = 1_000,
    seed: int = 0,
) -> np.ndarray:
    """Monthly portfolio simple returns, shape ``(months, paths)``, float32.

    Same draws as :func:`simulate_risk` with the same ``seed`` (for checks and plots).
    """
    c, a, b = _loadings(params, rho, equity_weight)
    z = _draw_normals(np.random.Generator(np.random.PCG64(seed)), paths, months)
    returns: np.ndarray = (np.float32(c) + np.float32(a) * z[0] + np.float32(b) * z[1]).astype(np.float32)
    return returns


def path_metrics(monthly_returns: np.ndarray, window_months: int = 12) -> PathMetrics:
    """Annualized return and drawdowns of each path of monthly simple returns.

    Parameters
    ----------
    monthly_returns : np.ndarray
        Shape ``(months, paths)``; simple returns (decimals).
    window_months : int
        Longest peak-to-trough distance for the windowed drawdown (12 = worst drawdown
        inside any 12-month window).
    """
    months, n = monthly_returns.shape
    wealth = np.empty((months + 1, n), dtype=np.float32)
    wealth[0] = 1.0
    np.add(monthly_returns, np.float32(1.0), out=wealth[1:])
    return _metrics_from_gross(wealth, window_months)


def _metrics_from_gross(wealth: np.ndarray, window_months: int) -> PathMetrics:
    """Turn ``wealth`` (row 0 = 1, rows 1.. = gross returns) into path metrics, in place.

    numpy's ``cumprod``/``maximum.accumulate`` along axis 0 ran ~8× slower here than a
    row loop of whole-path vector ops (each row covers every path), so the two running
    recursions are written as loops over months with vectorized rows.
    """
    months = wealth.shape[0] - 1
    for t in range(1, months + 1):
        np.multiply(wealth[t], wealth[t - 1], out=wealth[t])
    peak = np.empty_like(wealth)
    peak[0] = wealth[0]
    for t in range(1, months + 1):
        np.maximum(peak[t - 1], wealth[t], out=peak[t])
    np.divide(wealth, peak, out=peak)
    mdd_full = peak.min(axis=0) - np.float32(1.0)
    window_peak = _rolling_max(wealth, window_months + 1, scratch=peak)
    np.divide(wealth, window_peak, out=window_peak)
    mdd_window = window_peak.min(axis=0) - np.float32(1.0)
    ann_return = wealth[-1].astype(np.float64) ** (MONTHS_PER_YEAR / months) - 1.0
    return_1y = (wealth[MONTHS_PER_YEAR].astype(np.float64) - 1.0 if months >= MONTHS_PER_YEAR
                 else np.full(wealth.shape[1], np.nan))
    return PathMetrics(ann_return=ann_return, mdd_window=mdd_window, mdd_full=mdd_full, return_1y=return_1y)


def loss_var_cvar(returns: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Loss VaR and CVaR at ``level`` of each row of simulated returns (positive = loss).

    Parameters
    ----------
    returns : np.ndarray
        Shape ``(rows, paths)``; simple returns over the risk horizon (decimals).
    level : float
        Confidence level: VaR is the ``level`` quantile of the loss ``−returns`` (linear
        interpolation), CVaR the mean of the ``⌈(1 − level)·paths⌉`` largest losses.

    Returns
    -------
    (var, cvar) : tuple of np.ndarray
        Shape ``(rows,)`` each, decimals of the starting value; NaN where a row has a NaN.
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie in (0, 1), got {level}")
    var = -np.quantile(returns, 1.0 - level, axis=1)
    tail = max(1, int(np.ceil((1.0 - level) * returns.shape[1] - 1e-9)))
    worst = np.partition(returns, tail - 1, axis=1)[:, :tail]
    return var, -worst.mean(axis=1)


def _rolling_max(x: np.ndarray, width: int, scratch: np.ndarray) -> np.ndarray:
    """Trailing max over ``width`` rows (shorter at the start) by doubling spans.

    ``log2(width)`` passes instead of ``width``; ``scratch`` (same shape) is overwritten.
    """
    cur = x.copy()
    span = 1
    other = scratch
    while span < width:
        step = min(span, width - span)
        other[:step] = cur[:step]
        np.maximum(cur[step:], cur[:-step], out=other[step:])
        cur, other = other, cur
        span += step
    return cur


def simulate_risk(
    params: AssetParams,
    rhos: Sequence[float],
    equity_weights: Sequence[float],
    *,
    months: int = 120,
    paths: int = 100_000,
    seed: int = 0,
    chunk_paths: int = 8_192,
    window_months: int = 12,
    scenario: str = "custom",
) -> pd.DataFrame:
    """Risk metrics for every (ρ, α) pair of a sweep, with common random numbers.

    Parameters
    ----------
    params : AssetParams
        Annual means and vols (decimals).
    rhos, equity_weights : sequence of float
        Correlations in [−1, 1] and EQUITY weights α in [0, 1]; the output has one row per
        pair, ρ-major.
    months, paths, seed : int
        Horizon in months, number of paths, PCG64 seed.
    chunk_paths : int
        Paths simulated at once; bounds memory at about
        ``40·chunk_paths·months`` bytes plus ``16·paths·len(rhos)·len(equity_weights)``.
    window_months : int
        Window of the windowed drawdown (12 → ``mdd_12m_median``).
    scenario : str
        Label stored in the ``scenario`` column.

    Returns
    -------
    pd.DataFrame
        Columns ``MC_RISK_COLUMNS`` (table ``results.mc_risk``); metrics in decimals.
    """
    weights = [float(w) for w in equity_weights]
    if any(not 0.0 <= w <= 1.0 for w in weights):
        raise ValueError(f"equity weights must lie in [0, 1], got {weights}")
    if months < 2 or paths < 1 or chunk_paths < 1:
        raise ValueError(f"need months >= 2, paths >= 1, chunk_paths >= 1; got {months}, {paths}, {chunk_paths}")
    combos = [(float(r), w, *_loadings(params, float(r), w)) for r in rhos for w in weights]
    n_combo = len(combos)
    ann_return = np.empty((n_combo, paths), dtype=np.float64)
    return_1y = np.empty((n_combo, paths), dtype=np.float64)
    mdd_window = np.empty((n_combo, paths), dtype=np.float32)
    mdd_full = np.empty((n_combo, paths), dtype=np.float32)
    vol = np.empty((n_combo, paths), dtype=np.float64)

    rng = np.random.Generator(np.random.PCG64(seed))
    wealth = np.empty((months + 1, min(chunk_paths, paths)), dtype=np.float32)
    for lo in range(0, paths, chunk_paths):
        hi = min(lo + chunk_paths, paths)
        z = _draw_normals(rng, hi - lo, months)
        cov = _per_path_cov(z)
        gross = wealth[:, : hi - lo]
        for k, (_, _, c, a, b) in enumerate(combos):
            gross[0] = 1.0
            np.multiply(z[0], np.float32(a), out=gross[1:])
            gross[1:] += np.float32(b) * z[1]
            gross[1:] += np.float32(1.0 + c)
            m = _metrics_from_gross(gross, window_months)
            ann_return[k, lo:hi] = m.ann_return
            return_1y[k, lo:hi] = m.return_1y
            mdd_window[k, lo:hi] = m.mdd_window
            mdd_full[k, lo:hi] = m.mdd_full
            vol[k, lo:hi] = a * a * cov[0] + b * b * cov[1] + 2.0 * a * b * cov[2]
    np.sqrt(vol, out=vol)
    vol *= np.sqrt(MONTHS_PER_YEAR)
    loss_var, loss_cvar = loss_var_cvar(return_1y)

    return pd.DataFrame(
        {
            "scenario": scenario,
            "rho": [cb[0] for cb in combos],
            "equity_weight": [cb[1] for cb in combos],
            "months": months,
            "paths": paths,
            "seed": seed,
            "vol_ann": np.median(vol, axis=1),
            "ann_return_q05": np.quantile(ann_return, 0.05, axis=1),
            "loss_var95_1y": loss_var,
            "loss_cvar95_1y": loss_cvar,
            "mdd_12m_median": np.median(mdd_window, axis=1).astype(np.float64),
            "mdd_full_median": np.median(mdd_full, axis=1).astype(np.float64),
            "exp_return_ann": ann_return.mean(axis=1),
        },
        columns=MC_RISK_COLUMNS,
    )


def _per_path_cov(z: np.ndarray) -> np.ndarray:
    """Sample variances/covariance of the two normals per path, float64 ``(3, paths)``.

    The sample variance of ``a·z1 + b·z2`` is ``a²·s11 + b²·s22 + 2ab·s12``, so per-path
    volatility for any (ρ, α) costs no pass over the simulated returns. Sums run in float32
    (relative error ~1e-6 for standard normals, no cancellation) and combine in float64.
    """
    months = z.shape[1]
    mean = z.sum(axis=1, dtype=np.float64) / months
    s11 = np.einsum("tn,tn->n", z[0], z[0]).astype(np.float64) - months * mean[0] ** 2
    s22 = np.einsum("tn,tn->n", z[1], z[1]).astype(np.float64) - months * mean[1] ** 2
    s12 = np.einsum("tn,tn->n", z[0], z[1]).astype(np.float64) - months * mean[0] * mean[1]
    cov: np.ndarray = np.stack([s11, s22, s12]) / (months - 1)
    return cov


def least_drawdown(sweep: pd.DataFrame) -> pd.Series:
    """True on the row of each (scenario, months, ρ) whose median full-horizon max drawdown is least
    negative (the lowest equity weight among ties), aligned to ``sweep``'s index."""
    ordered = sweep.sort_values(["scenario", "months", "rho", "equity_weight"], kind="stable")
    best = ordered.groupby(["scenario", "months", "rho"])["mdd_full_median"].idxmax()
    return pd.Series(sweep.index.isin(best.to_numpy()), index=sweep.index)


def return_plateau(weights: np.ndarray, exp_return: np.ndarray, threshold_pp: float = 0.0) -> float | None:
    """The smallest equity weight from which every further step of the sweep gains at most
    ``threshold_pp`` percentage points of expected annual return per +1 pp of equity; None when
    the last step still gains more (expected return still rising at the largest weight).

    Parameters
    ----------
    weights : np.ndarray
        Equity weights (decimals), strictly increasing, at least two.
    exp_return : np.ndarray
        Expected annualized return at each weight (decimals).
    threshold_pp : float
        Largest gain per +1 pp of equity that counts as not rising, percentage points
        (0: expected return stops rising).
    """
    w = np.asarray(weights, dtype=np.float64)
    if len(w) < 2 or np.any(np.diff(w) <= 0):
        raise ValueError(f"return_plateau needs at least two strictly increasing weights, got {list(w)}")
    gain_pp = np.diff(np.asarray(exp_return, dtype=np.float64)) / np.diff(w)  # = 100·ΔE / (100·Δα)
    # Largest gain from each step onwards: the plateau starts where it first drops to the threshold.
    later_max = np.maximum.accumulate(gain_pp[::-1])[::-1]
    flat = np.flatnonzero(later_max <= threshold_pp)
    return float(w[flat[0]]) if len(flat) else None


def weight_choice(sweep: pd.DataFrame, threshold_pp: float = 0.0) -> pd.DataFrame:
    """Per (scenario, months, ρ) of a sweep: the least-drawdown weight, the least-volatility weight
    and the return plateau (:func:`return_plateau` at ``threshold_pp``); table
    ``results.mc_weight_choice``, columns ``MC_WEIGHT_CHOICE_COLUMNS``."""
    rows = []
    ordered = sweep.sort_values(["scenario", "months", "rho", "equity_weight"], kind="stable")
    for (scenario, months, rho), g in ordered.groupby(["scenario", "months", "rho"], sort=True):
        weights = g["equity_weight"].to_numpy()
        rows.append({
            "scenario": scenario, "months": months, "rho": rho, "paths": g["paths"].iloc[0],
            "seed": g["seed"].iloc[0], "weights": len(g),
            "min_drawdown_weight": float(weights[np.argmax(g["mdd_full_median"].to_numpy())]),
            "min_vol_weight": float(weights[np.argmin(g["vol_ann"].to_numpy())]),
            "return_plateau_weight": (return_plateau(weights, g["exp_return_ann"].to_numpy(), threshold_pp)
                                      if len(g) > 1 else None),
            "return_gain_threshold_pp": threshold_pp,
        })
    return pd.DataFrame(rows, columns=MC_WEIGHT_CHOICE_COLUMNS)
