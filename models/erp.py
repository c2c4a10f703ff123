"""Equity risk premium vs PMI and the 10-year yield it implies (CICC, "How many rate cuts
do asset prices price in?", 2019; docs/methods.md, section 5).

``ERP_t = EY_t - y10_t`` with ``EY = 100 / PE`` (percent). OLS ``ERP = alpha + beta * PMI`` over
a chosen sample with Newey–West (HAC) standard errors; the implied yield is
``y10* = EY - (alpha + beta * PMI)`` and the cuts it implies are ``(y10 - y10*) / 0.25``.
All rates are percent p.a.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "ERP_MODEL_COLUMNS",
    "ErpFit",
    "earnings_yield_pct",
    "erp_model_frame",
    "fit_erp_pmi",
    "implied_cuts",
    "implied_y10",
    "newey_west_lags",
]

CUT_SIZE_PCT = 0.25

ERP_MODEL_COLUMNS = [
    "obs_date",
    "pe",
    "earnings_yield_pct",
    "y10_pct",
    "erp_pct",
    "pmi",
    "erp_fitted_pct",
    "implied_y10_pct",
    "implied_cuts",
    "sample_start",
    "sample_end",
    "alpha",
    "beta",
    "alpha_se_nw",
    "beta_se_nw",
    "adj_r2",
]


@dataclass(frozen=True)
class ErpFit:
    """OLS fit of ``ERP_pct = alpha + beta * PMI`` with Newey–West standard errors.

    Attributes
    ----------
    alpha, beta : float
        Intercept (percent) and slope (percent per PMI point).
    alpha_se_nw, beta_se_nw : float
        HAC (Bartlett kernel) standard errors with ``nw_lags`` lags.
    adj_r2, r2 : float
        Adjusted and plain R².
    resid_std_pct : float
        Standard deviation of the residuals (percent).
    n_obs, nw_lags : int
        Observations used and Newey–West lag truncation.
    sample_start, sample_end : pd.Timestamp
        First and last observation used.
    """

    alpha: float
    beta: float
    alpha_se_nw: float
    beta_se_nw: float
    adj_r2: float
    r2: float
    resid_std_pct: float
    n_obs: int
    nw_lags: int
    sample_start: pd.Timestamp
    sample_end: pd.Timestamp


def earnings_yield_pct(pe: float | pd.Series) -> float | pd.Series:
    """Earnings yield in percent, ``100 / PE`` (non-positive P/E gives NaN)."""
    if isinstance(pe, pd.Series):
        return 100.0 / pe.where(pe > 0)
    return 100.0 / pe if pe > 0 else float("nan")


def newey_west_lags(n_obs: int) -> int:
    """Newey–West (1994) rule of thumb ``floor(4 * (T / 100) ** (2 / 9))``."""
    return int(np.floor(4.0 * (n_obs / 100.0) ** (2.0 / 9.0)))


def fit_erp_pmi(
    erp_pct: pd.Series,
    pmi: pd.Series,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    nw_lags: int | None = None,
) -> ErpFit:
    """Regress the equity risk premium on PMI over ``[start, end]``.

    Parameters
    ----------
    erp_pct : pd.Series
        ``EY - y10`` in percent, indexed by date.
    pmi : pd.Series
        PMI diffusion index, same dates (inner-aligned; rows with either missing dropped).
    start, end : date-like, optional
        Sample bounds (CICC uses 2013 onward).
    nw_lags : int, optional
        Newey–West lag truncation; default :func:`newey_west_lags` of the sample size.

    Returns
    -------
    ErpFit
    """
    data = pd.concat({"erp": erp_pct, "pmi": pmi}, axis=1, sort=True).loc[start:end].dropna()
    if len(data) < 3:
        raise ValueError(f"ERP-PMI fit needs at least 3 overlapping observations, got {len(data)}")
    lags = newey_west_lags(len(data)) if nw_lags is None else int(nw_lags)
    import statsmodels.api as sm  # statsmodels loads with the first fit, not with the CLI

    exog = sm.add_constant(data["pmi"].to_numpy())
    res = sm.OLS(data["erp"].to_numpy(), exog).fit(cov_type="HAC", cov_kwds={"maxlags": lags})
    return ErpFit(
        alpha=float(res.params[0]),
        beta=float(res.params[1]),
        alpha_se_nw=float(res.bse[0]),
        beta_se_nw=float(res.bse[1]),
        adj_r2=float(res.rsquared_adj),
        r2=float(res.rsquared),
        resid_std_pct=float(np.std(res.resid, ddof=2)),
        n_obs=len(data),
        nw_lags=lags,
        sample_start=data.index[0],
        sample_end=data.index[-1],
    )


def implied_y10(pe: float | pd.Series, pmi: float | pd.Series, fit: ErpFit) -> float | pd.Series:
    """10-year yield (percent) at which the ERP equals its PMI-fitted value.

    ``y10* = 100 / PE - (alpha + beta * PMI)``; CICC (2019): PE 18.6, PMI 49.9 and a fitted ERP of
    3.526 pp give 1.85%.
    """
    return earnings_yield_pct(pe) - (fit.alpha + fit.beta * pmi)


def implied_cuts(
    y10_now_pct: float | pd.Series, implied_y10_pct: float | pd.Series
) -> float | pd.Series:
    """25bp cuts implied by the gap between today's 10-year yield and the ERP-implied one.

    Convention: ``(y10_now - y10*) / 0.25``, both percent; positive = the equity market's
    valuation is consistent with a yield that many cuts lower.
    """
    return (y10_now_pct - implied_y10_pct) / CUT_SIZE_PCT


def erp_model_frame(
    pe: pd.Series,
    y10_pct: pd.Series,
    pmi: pd.Series,
    fit: ErpFit | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    nw_lags: int | None = None,
) -> pd.DataFrame:
    """``results.erp_model`` rows: one per date with P/E and 10-year yield.

    Parameters
    ----------
    pe : pd.Series
        Trailing P/E of the equity index.
    y10_pct : pd.Series
        10-year Treasury yield, percent.
    pmi : pd.Series
        PMI; dates without it get NULL fitted/implied values.
    fit : ErpFit, optional
        A previous fit to apply; when None it is estimated here over ``[start, end]``.
    start, end, nw_lags
        Passed to :func:`fit_erp_pmi` when fitting.

    Returns
    -------
    pd.DataFrame
        Columns ``ERP_MODEL_COLUMNS``; fit parameters are repeated on every row.
    """
    data = pd.concat({"pe": pe, "y10_pct": y10_pct, "pmi": pmi}, axis=1, sort=True)
    data = data.dropna(subset=["pe", "y10_pct"])
    data["earnings_yield_pct"] = earnings_yield_pct(data["pe"])
    data["erp_pct"] = data["earnings_yield_pct"] - data["y10_pct"]
    if fit is None:
        fit = fit_erp_pmi(data["erp_pct"], data["pmi"], start=start, end=end, nw_lags=nw_lags)
    data["erp_fitted_pct"] = fit.alpha + fit.beta * data["pmi"]
    data["implied_y10_pct"] = implied_y10(data["pe"], data["pmi"], fit)
    data["implied_cuts"] = implied_cuts(data["y10_pct"], data["implied_y10_pct"])
    for name in (
        "sample_start",
        "sample_end",
        "alpha",
        "beta",
        "alpha_se_nw",
        "beta_se_nw",
        "adj_r2",
    ):
        data[name] = getattr(fit, name)
    data.index.name = "obs_date"
    return data.reset_index()[ERP_MODEL_COLUMNS]
