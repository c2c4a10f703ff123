"""ACM (Adrian–Crump–Moench 2013) term premia: a thin adapter on PyPI ``pyacm``.

``pyacm.NominalACM`` implements the ACM recipe (5 principal components of zero yields for
maturities 1..120 months, VAR(1), excess-return regressions, prices of risk, affine recursions)
and reproduces the authors' code, so this module only prepares curves, extends the monthly fit to
daily data through the monthly loadings, and returns results in percent in the
``results.term_premia`` shape.

Units: every ``*_pct`` input and output is percent p.a. (zero yields continuously compounded);
``pyacm`` works in decimal log yields, the conversion happens here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, overload

import numpy as np
import pandas as pd

from seesaw.transforms.correlation import correlation_t_test

__all__ = [
    "CMT_TENOR_MONTHS",
    "AcmResult",
    "TERM_PREMIA_COLUMNS",
    "TRACKING_COLUMNS",
    "acm_daily_yields",
    "acm_daily_term_premia",
    "acm_term_premia",
    "fit_acm",
    "nyfed_term_premia",
    "priced_cuts",
    "term_premium_tracking",
    "zero_curve_from_cmt",
]

MAX_MATURITY_MONTHS = 120
CUT_SIZE_PCT = 0.25

TERM_PREMIA_COLUMNS = [
    "obs_date",
    "tenor_years",
    "source",
    "freq",
    "term_premium_pct",
    "fitted_yield_pct",
    "risk_neutral_yield_pct",
    "priced_cuts",
]

CMT_TENOR_MONTHS: dict[str, int] = {
    "us_1m": 1,
    "us_3m": 3,
    "us_6m": 6,
    "us_1y": 12,
    "us_2y": 24,
    "us_3y": 36,
    "us_5y": 60,
    "us_7y": 84,
    "us_10y": 120,
    "us_20y": 240,
    "us_30y": 360,
}
"""Maturity in months of each constant-maturity Treasury series id."""


@dataclass(frozen=True)
class AcmResult:
    """A fitted ACM model, in percent.

    Attributes
    ----------
    term_premium_pct, fitted_yield_pct, risk_neutral_yield_pct : pd.DataFrame
        Month-end index, columns = maturities 1..120 (months); percent p.a., continuously
        compounded. ``term_premium_pct = fitted_yield_pct - risk_neutral_yield_pct``.
    loadings : pd.DataFrame
        Principal-component loadings (rows = maturities 3..120 months, columns = PCs) that map
        demeaned decimal yields to the standardized pricing factors.
    mean_yield : pd.Series
        Sample-mean decimal yields (maturities 3..120) used to demean before the loadings.
    a, b, a_rn, b_rn : np.ndarray
        Affine log-price coefficients (shapes (120,), (120, K)) of fitted and risk-neutral
        yields: ``y_n = -(a_n + b_n' x) / (n / 12)`` in decimals.
    explained_variance : pd.Series
        Share of the monthly yield variance explained by each PC.
    n_factors, n_obs : int
        Number of PCs and of monthly observations used.
    sample_start, sample_end : pd.Timestamp
        First and last month-end of the estimation sample.
    """

    term_premium_pct: pd.DataFrame
    fitted_yield_pct: pd.DataFrame
    risk_neutral_yield_pct: pd.DataFrame
    loadings: pd.DataFrame
    mean_yield: pd.Series
    a: np.ndarray
    b: np.ndarray
    a_rn: np.ndarray
    b_rn: np.ndarray
    explained_variance: pd.Series
    n_factors: int
    n_obs: int
    sample_start: pd.Timestamp
    sample_end: pd.Timestamp


def _month_end(index: pd.Index) -> pd.DatetimeIndex:
    """Map any dates to their calendar month-end (normalized)."""
    return (pd.DatetimeIndex(index).normalize() + pd.offsets.MonthEnd(0)).as_unit("ns")


def _curve_to_decimal(curve_pct: pd.DataFrame) -> pd.DataFrame:
    """Check a 1..120-month curve in percent and return it in decimals with int columns."""
    cols = [int(c) for c in curve_pct.columns]
    if cols[:MAX_MATURITY_MONTHS] != list(range(1, MAX_MATURITY_MONTHS + 1)):
        raise ValueError(
            "zero curve columns must be the maturities 1..120 in months (integers, in order); "
            f"got {cols[:5]}...{cols[-3:]}. Build one with zero_curve_from_cmt() if needed."
        )
    out = curve_pct.iloc[:, :MAX_MATURITY_MONTHS].astype(float) / 100.0
    out.columns = list(range(1, MAX_MATURITY_MONTHS + 1))
    return out


def fit_acm(
    curve_monthly_pct: pd.DataFrame,
    n_factors: int = 5,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    selected_maturities: Iterable[int] | None = None,
) -> AcmResult:
    """Estimate the ACM model on a monthly zero curve.

    Parameters
    ----------
    curve_monthly_pct : pd.DataFrame
        Zero-coupon yields, percent p.a. continuously compounded; index = dates (one per
        month, mapped to month-end); columns = maturities 1..120 months (extra longer
        maturities are ignored). Rows with any missing maturity at the start or end of the
        sample are dropped (Liu-Wu lacks the 10-year point before 1971-08); interior gaps raise.
    n_factors : int
        Number of principal components (ACM use 5).
    start, end : date-like, optional
        Estimation sample bounds.
    selected_maturities : iterable of int, optional
        Maturities (months) used in the excess-return regressions; all by default.

    Returns
    -------
    AcmResult
        Fitted, risk-neutral yields and term premia in percent, with the loadings needed to
        push other (e.g. daily) curves through the same model.
    """
    curve = _curve_to_decimal(curve_monthly_pct)
    curve.index = _month_end(curve.index)
    curve = curve.sort_index().loc[start:end]
    if curve.index.has_duplicates:
        raise ValueError("monthly zero curve has more than one row per month; pass month-end rows")
    complete = curve.notna().all(axis=1)
    if not complete.any():
        raise ValueError("monthly zero curve has no month with all maturities 1..120 present")
    curve = curve.loc[complete.idxmax() : complete[::-1].idxmax()]
    expected = pd.date_range(curve.index[0], curve.index[-1], freq="ME")
    if len(expected) != len(curve) or curve.isna().any().any():
        raise ValueError(
            "monthly zero curve has missing months or maturities inside "
            f"{curve.index[0]:%Y-%m}..{curve.index[-1]:%Y-%m}; fill or shorten the sample"
        )
    from pyacm import NominalACM  # it loads scikit-learn (seconds): only when a fit runs, not for a reused one

    model = NominalACM(
        curve=curve,
        n_factors=n_factors,
        selected_maturities=None if selected_maturities is None else list(selected_maturities),
    )
    return AcmResult(
        term_premium_pct=model.tp * 100.0,
        fitted_yield_pct=model.miy * 100.0,
        risk_neutral_yield_pct=model.rny * 100.0,
        loadings=model.pc_loadings_m,
        mean_yield=model.curve_monthly.iloc[:, 2:].mean(),
        a=np.asarray(model.A, dtype=float),
        b=np.asarray(model.B, dtype=float),
        a_rn=np.asarray(model.Arn, dtype=float),
        b_rn=np.asarray(model.Brn, dtype=float),
        explained_variance=model.pc_explained_m,
        n_factors=n_factors,
        n_obs=len(curve),
        sample_start=curve.index[0],
        sample_end=curve.index[-1],
    )


def acm_daily_yields(result: AcmResult, daily_curve_pct: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Push a (daily) zero curve through the monthly ACM loadings.

    This is ACM's own daily extension (and ``pyacm``'s): factors are the daily yields,
    demeaned by the monthly sample means, times the monthly loadings; fitted and risk-neutral
    yields then follow from the monthly affine coefficients. Parameters are not re-estimated.

    Parameters
    ----------
    result : AcmResult
        A monthly fit from :func:`fit_acm`.
    daily_curve_pct : pd.DataFrame
        Zero yields in percent, columns = maturities 1..120 months (e.g. from
        :func:`zero_curve_from_cmt`); rows with missing maturities give NaN outputs.

    Returns
    -------
    dict[str, pd.DataFrame]
        ``term_premium_pct``, ``fitted_yield_pct``, ``risk_neutral_yield_pct``, each with the
        input index and columns 1..120.
    """
    curve = _curve_to_decimal(daily_curve_pct)
    demeaned = curve.iloc[:, 2:] - result.mean_yield.to_numpy()
    factors = demeaned.to_numpy() @ result.loadings.to_numpy()
    years = np.arange(1, MAX_MATURITY_MONTHS + 1) / 12.0
    fitted = -(result.a[None, :] + factors @ result.b.T) / years * 100.0
    neutral = -(result.a_rn[None, :] + factors @ result.b_rn.T) / years * 100.0
    frame = dict(index=curve.index, columns=curve.columns)
    return {
        "term_premium_pct": pd.DataFrame(fitted - neutral, **frame),
        "fitted_yield_pct": pd.DataFrame(fitted, **frame),
        "risk_neutral_yield_pct": pd.DataFrame(neutral, **frame),
    }


@overload
def priced_cuts(tp_1y_pct: float) -> float: ...


@overload
def priced_cuts(tp_1y_pct: pd.Series) -> pd.Series: ...


def priced_cuts(tp_1y_pct: float | pd.Series) -> float | pd.Series:
    """Priced 25bp Fed cuts over the next year implied by the 1-year term premium.

    Convention (CICC, "How many rate cuts do asset prices price in?", 2019): a negative 1-year term
    premium is read as rate cuts the market prices beyond the risk-neutral path, so
    ``cuts = -TP_1y / 0.25`` (TP in percent); e.g. TP_1y = -0.62% gives 2.48, i.e. about 2.5 cuts.
    Negative values read as priced hikes.
    """
    return -tp_1y_pct / CUT_SIZE_PCT


def _long_rows(
    tp: pd.DataFrame,
    fitted: pd.DataFrame,
    neutral: pd.DataFrame,
    tenors: Iterable[int],
    source: Literal["nyfed_acm", "seesaw_acm"],
    freq: Literal["D", "M"],
) -> pd.DataFrame:
    """Stack wide tenor-year frames into results.term_premia rows."""
    tenors = [int(t) for t in tenors]
    parts = {
        "term_premium_pct": tp[tenors],
        "fitted_yield_pct": fitted[tenors],
        "risk_neutral_yield_pct": neutral[tenors],
    }
    long = pd.concat({k: v.stack() for k, v in parts.items()}, axis=1)
    long.index = long.index.set_names(["obs_date", "tenor_years"])
    long = long.reset_index().dropna(subset=["term_premium_pct"])
    long["obs_date"] = pd.to_datetime(long["obs_date"]).dt.normalize()
    long["tenor_years"] = long["tenor_years"].astype(int)
    long["source"] = source
    long["freq"] = freq
    long["priced_cuts"] = priced_cuts(long["term_premium_pct"]).where(long["tenor_years"] == 1)
    return long[TERM_PREMIA_COLUMNS].sort_values(["obs_date", "tenor_years"], ignore_index=True)


def acm_term_premia(
    result: AcmResult,
    tenors: Iterable[int] = range(1, 11),
    daily_curve_pct: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Our ACM estimates as ``results.term_premia`` rows (source ``seesaw_acm``).

    Parameters
    ----------
    result : AcmResult
        Monthly fit from :func:`fit_acm`.
    tenors : iterable of int
        Tenors in years (1..10).
    daily_curve_pct : pd.DataFrame, optional
        Daily zero curve (percent, columns 1..120 months); when given, daily rows (freq 'D')
        are added by pushing it through the monthly loadings (:func:`acm_daily_yields`).

    Returns
    -------
    pd.DataFrame
        Columns ``obs_date, tenor_years, source, freq, term_premium_pct, fitted_yield_pct,
        risk_neutral_yield_pct, priced_cuts`` (priced cuts on 1-year rows only, see
        :func:`priced_cuts`).
    """
    tenors = list(tenors)
    if not all(1 <= int(t) <= MAX_MATURITY_MONTHS // 12 for t in tenors):
        raise ValueError(f"tenors must be whole years in 1..10, got {tenors}")

    years = [int(t) for t in tenors]
    frames = [
        _long_rows(
            _by_year(result.term_premium_pct, years),
            _by_year(result.fitted_yield_pct, years),
            _by_year(result.risk_neutral_yield_pct, years),
            years,
            "seesaw_acm",
            "M",
        )
    ]
    if daily_curve_pct is not None:
        frames.append(acm_daily_term_premia(daily_curve_pct, result, tenors))
    return pd.concat(frames, ignore_index=True)


def _by_year(wide: pd.DataFrame, tenors: list[int]) -> pd.DataFrame:
    """Columns of whole-year maturities (months 12, 24, ...) renamed to years."""
    out = wide[[12 * t for t in tenors]]
    out.columns = tenors
    return out


def acm_daily_term_premia(daily_curve_pct: pd.DataFrame, result: AcmResult,
                          tenors: Iterable[int] = range(1, 11)) -> pd.DataFrame:
    """Daily ``results.term_premia`` rows (source ``seesaw_acm``, freq 'D'): the daily zero curve
    (percent, columns 1..120 months) pushed through the monthly fit (:func:`acm_daily_yields`).
    Each date's rows depend on that date's curve only."""
    tenors = [int(t) for t in tenors]
    daily = acm_daily_yields(result, daily_curve_pct)
    return _long_rows(_by_year(daily["term_premium_pct"], tenors), _by_year(daily["fitted_yield_pct"], tenors),
                      _by_year(daily["risk_neutral_yield_pct"], tenors), tenors, "seesaw_acm", "D")


#: Columns of ``results.term_premium_tracking``.
TRACKING_COLUMNS = ["tenor_years", "source", "reference", "freq", "start_date", "end_date", "months", "corr",
                    "t_stat", "p_value", "rmse_pp"]


def term_premium_tracking(rows: pd.DataFrame, source: str = "seesaw_acm",
                          reference: str = "nyfed_acm") -> pd.DataFrame:
    """How closely ``source``'s monthly term premium follows ``reference``'s, per tenor.

    Parameters
    ----------
    rows : pd.DataFrame
        ``results.term_premia`` rows (``obs_date, tenor_years, source, freq, term_premium_pct``).
    source, reference : str
        The estimate and the series it is compared with.

    Returns
    -------
    pd.DataFrame
        Columns ``TRACKING_COLUMNS``: per tenor with more than two common month ends (freq 'M'),
        their first and last, the Pearson correlation with its t test (n − 2 degrees of freedom)
        and the root mean squared difference in percentage points.
    """
    monthly = rows[(rows["freq"] == "M") & rows["source"].isin([source, reference])].dropna(
        subset=["term_premium_pct"])
    out = []
    for tenor, group in monthly.groupby("tenor_years", sort=True):
        wide = group.pivot_table(index="obs_date", columns="source", values="term_premium_pct")
        if not {source, reference} <= set(wide.columns):
            continue
        both = wide[[source, reference]].dropna()
        if len(both) <= 2:
            continue
        corr = float(np.corrcoef(both[source], both[reference])[0, 1])
        t, p = correlation_t_test(np.array([corr]), float(len(both)))
        out.append({"tenor_years": int(tenor), "source": source, "reference": reference, "freq": "M",
                    "start_date": both.index.min(), "end_date": both.index.max(), "months": len(both),
                    "corr": corr, "t_stat": float(t[0]), "p_value": float(p[0]),
                    "rmse_pp": float(np.sqrt(((both[source] - both[reference]) ** 2).mean()))})
    return pd.DataFrame(out, columns=TRACKING_COLUMNS)


def nyfed_term_premia(
    frame: pd.DataFrame, freq: Literal["D", "M"] = "M", prefix: str = "us_acm"
) -> pd.DataFrame:
    """Map ingested NY Fed ACM series into ``results.term_premia`` rows (source ``nyfed_acm``).

    Parameters
    ----------
    frame : pd.DataFrame
        Wide frame indexed by date with columns ``us_acm_tp_{n}y`` (term premium),
        ``us_acm_y_{n}y`` (fitted zero yield) and ``us_acm_rny_{n}y`` (risk-neutral yield),
        n = 1..10, percent. Missing yield or risk-neutral columns give NULLs.
    freq : {'D', 'M'}
        Frequency of the rows (the NY Fed publishes monthly and daily files).
    prefix : str
        Series-id prefix.

    Returns
    -------
    pd.DataFrame
        Rows in the ``results.term_premia`` shape with priced cuts on 1-year rows.
    """
    tenors = [n for n in range(1, 11) if f"{prefix}_tp_{n}y" in frame.columns]
    if not tenors:
        raise ValueError(f"no {prefix}_tp_<n>y columns in frame (have {list(frame.columns)[:8]})")
    if freq == "M":  # monthly results sit on the month end, whatever day the input carries
        frame = frame.groupby(pd.DatetimeIndex(frame.index).to_period("M")).last()
        frame.index = frame.index.to_timestamp(how="end").normalize()

    def pick(kind: str) -> pd.DataFrame:
        cols = {n: f"{prefix}_{kind}_{n}y" for n in tenors}
        return pd.DataFrame(
            {n: frame[c] if c in frame.columns else np.nan for n, c in cols.items()},
            index=frame.index,
        ).astype(float)

    return _long_rows(pick("tp"), pick("y"), pick("rny"), tenors, "nyfed_acm", freq)


def _interp_rows(
    values: np.ndarray, nodes: np.ndarray, targets: np.ndarray, min_nodes: int
) -> np.ndarray:
    """Monotone (PCHIP) interpolation of each row over maturity, flat beyond the end nodes.

    Rows are grouped by their pattern of available nodes so each group is interpolated in one
    vectorized call.
    """
    out = np.full((values.shape[0], targets.size), np.nan)
    present = ~np.isnan(values)
    from scipy.interpolate import PchipInterpolator  # scipy loads with the first fit, not with the CLI

    patterns, inverse = np.unique(present, axis=0, return_inverse=True)
    for k, pattern in enumerate(patterns):
        if pattern.sum() < min_nodes:
            continue
        rows = np.flatnonzero(inverse.ravel() == k)
        x = nodes[pattern]
        clipped = np.clip(targets, x[0], x[-1])
        out[rows] = PchipInterpolator(x, values[np.ix_(rows, np.flatnonzero(pattern))], axis=1)(
            clipped
        )
    return out


def zero_curve_from_cmt(
    cmt_pct: pd.DataFrame,
    max_months: int = MAX_MATURITY_MONTHS,
    min_tenors: int = 3,
) -> pd.DataFrame:
    """Approximate a 1..120-month zero curve from constant-maturity Treasury yields.

    A fallback for when a fitted zero curve (Liu-Wu, GSW) is unavailable, daily or monthly.
    Approximation, per date:

    1. Interpolate the CMT yields (bond-equivalent, percent) over maturity with a monotone
       cubic (PCHIP), flat beyond the shortest and longest available tenor (before 2001 there
       is no 1-month and before 1981 no bill CMT, so the short end is flat at the 1-year yield).
    2. Maturities up to 12 months are bills: their CMT yield is treated as a semiannually
       compounded zero yield.
    3. Longer maturities are par yields of semiannual-coupon bonds: discount factors are
       bootstrapped on the 6-month grid, and zero yields between grid points are interpolated
       (PCHIP) in maturity.
    4. Zero yields are converted to continuous compounding, as ``pyacm`` and Liu-Wu use.

    Parameters
    ----------
    cmt_pct : pd.DataFrame
        Wide frame of CMT yields in percent; columns among ``CMT_TENOR_MONTHS`` (us_1m ..
        us_30y); other columns are ignored.
    max_months : int
        Longest maturity returned (months).
    min_tenors : int
        Dates with fewer available tenors, or without any tenor at or beyond ``max_months``,
        give NaN rows.

    Returns
    -------
    pd.DataFrame
        Zero yields, percent p.a. continuously compounded, same index, columns 1..max_months.
    """
    if max_months < 12:
        raise ValueError(f"max_months must be at least 12, got {max_months}")
    cols = sorted(
        (c for c in cmt_pct.columns if c in CMT_TENOR_MONTHS), key=CMT_TENOR_MONTHS.__getitem__
    )
    if not cols:
        raise ValueError(f"no CMT series among {list(CMT_TENOR_MONTHS)} in the frame")
    nodes = np.array([CMT_TENOR_MONTHS[c] for c in cols], dtype=float)
    values = cmt_pct[cols].to_numpy(dtype=float) / 100.0
    months = np.arange(1, max_months + 1, dtype=float)
    par = _interp_rows(values, nodes, months, min_tenors)
    long_end = cmt_pct[[c for c in cols if CMT_TENOR_MONTHS[c] >= max_months]].notna().any(axis=1)
    par[~long_end.to_numpy()] = np.nan

    bill_months = months <= 12
    zero_cc = np.full_like(par, np.nan)
    zero_cc[:, bill_months] = 2.0 * np.log1p(par[:, bill_months] / 2.0)

    grid = np.arange(6, max_months + 1, 6)
    discount = np.empty((par.shape[0], grid.size))
    for j, m in enumerate(grid):
        if m <= 12:
            discount[:, j] = np.exp(-zero_cc[:, m - 1] * m / 12.0)
        else:
            coupon = par[:, m - 1] / 2.0
            discount[:, j] = (1.0 - coupon * discount[:, :j].sum(axis=1)) / (1.0 + coupon)
    grid_zero = -np.log(discount) / (grid / 12.0)

    long_months = months[~bill_months]
    if long_months.size:
        node_x = np.concatenate([[12.0], grid[grid > 12].astype(float)])
        node_y = np.column_stack([zero_cc[:, 11], grid_zero[:, grid > 12]])
        zero_cc[:, ~bill_months] = _interp_rows(node_y, node_x, long_months, 2)
    return pd.DataFrame(zero_cc * 100.0, index=cmt_pct.index, columns=months.astype(int).tolist())
