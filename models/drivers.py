"""Macro drivers of the stock–bond correlation and their VECM (Soochow Securities macro team,
stock–bond return correlation, 2025-09-25; docs/methods.md, section 10).

Drivers per month end: X inflation uncertainty = rolling std of CPI YoY (pp), Y growth
uncertainty = rolling std of industrial production YoY (pp), Z = rolling correlation of the
two YoY series, A = a rolling stock–bond return correlation computed upstream (the note: the
5-year correlation of 3-month returns). The note says X and Y are seasonally adjusted without
saying how; X-13 is not available here, so ``seasonal_adjustment='stl'`` removes the seasonal
component of a robust STL decomposition (period 12) from each YoY series before the rolling
statistics (China's YoY rates keep a Lunar-New-Year pattern in January and February).

The VECM step follows the note: ADF tests of the four levels and their first differences (all
I(1)), Johansen trace and max-eigenvalue statistics per rank, a VECM with one lagged difference
at the rank the trace test selects (at least 1), the joint Granger causality of X, Y, Z on A,
Ljung–Box and ARCH-LM tests on each equation's residuals, R² of the A equation (of ΔA and of the
implied level of A), VIF of the four level variables, and forecasts of A up to ``steps`` months
ahead with 95% intervals. The Johansen test uses ``det_order=0`` (unrestricted constant),
matching the VECM's ``deterministic='co'``. ``as_of`` filtering is the caller's job.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypedDict

import numpy as np
import pandas as pd

from seesaw.transforms.returns import resample_last

if TYPE_CHECKING:
    from statsmodels.tsa.vector_ar.vecm import JohansenTestResult, VECMResults

DRIVER_COLUMNS = ["market", "obs_date", "x_infl_unc", "y_growth_unc", "z_xy_corr", "a_stock_bond_corr"]
VECM_TEST_COLUMNS = ["market", "test", "statistic", "p_value", "df", "detail"]
VECM_FORECAST_COLUMNS = ["market", "origin_date", "step", "obs_date", "forecast", "lower_95", "upper_95"]

#: Column order of the VECM system (A first, the variable being explained).
VARIABLES = ["a_stock_bond_corr", "x_infl_unc", "y_growth_unc", "z_xy_corr"]
_SHORT = {"a_stock_bond_corr": "a", "x_infl_unc": "x", "y_growth_unc": "y", "z_xy_corr": "z"}


#: How X and Y are seasonally adjusted: not at all (the source is adjusted) or by STL.
SeasonalAdjustment = Literal["none", "stl"]


@dataclass(frozen=True)
class DriverWindows:
    """Rolling windows of X, Y (volatility) and Z in months (the Soochow note uses 5-year windows)."""

    uncertainty_months: int = 60
    xy_corr_months: int = 60


class _TestRow(TypedDict):
    """One row of ``results.vecm_tests`` before the market column is added."""

    test: str
    statistic: float
    p_value: float
    df: float
    detail: str


@dataclass(frozen=True)
class VecmResult:
    """VECM analysis of one market.

    ``tests`` and ``forecasts`` follow ``results.vecm_tests`` / ``results.vecm_forecasts``.
    """

    market: str
    coint_rank: int
    selected_rank: int
    n_obs: int
    start: pd.Timestamp
    end: pd.Timestamp
    tests: pd.DataFrame
    forecasts: pd.DataFrame


def _yoy_pct(s: pd.Series, kind: Literal["index", "yoy_pct"]) -> pd.Series:
    monthly = resample_last(s, "M").asfreq("ME")
    if kind == "yoy_pct":
        return monthly
    return monthly.pct_change(12, fill_method=None) * 100.0


def stl_adjusted(monthly: pd.Series, period: int = 12) -> pd.Series:
    """``monthly`` minus the seasonal component of a robust STL decomposition (``period`` months).

    STL needs an unbroken series: it runs on the span after the last missing month (earlier
    values are dropped); a span shorter than two periods is an error.
    """
    values = monthly.astype(float)
    gaps = values.index[values.isna()]
    span = values.loc[values.index > gaps[-1]] if len(gaps) else values
    if len(span) < 2 * period:
        raise ValueError(f"stl_adjusted: {len(span)} unbroken months after the last gap; need {2 * period}")
    from statsmodels.tsa.seasonal import STL  # statsmodels loads with the first model, not with the CLI

    seasonal = STL(span.to_numpy(), period=period, robust=True).fit().seasonal
    return pd.Series(span.to_numpy() - seasonal, index=span.index, name=monthly.name)


def macro_drivers(
    cpi: pd.Series,
    industrial_production: pd.Series,
    stock_bond_corr: pd.Series,
    *,
    market: str = "us",
    windows: DriverWindows = DriverWindows(),
    inputs: Literal["index", "yoy_pct"] = "index",
    seasonal_adjustment: SeasonalAdjustment = "none",
) -> pd.DataFrame:
    """X, Y, Z, A per month end (``results.macro_drivers``).

    Parameters
    ----------
    cpi, industrial_production : pd.Series
        Monthly index levels (``inputs='index'``) or YoY growth in percent.
    stock_bond_corr : pd.Series
        A: the rolling stock–bond return correlation, one value per month (the month's last).
    windows : DriverWindows
        Rolling windows (months) of X, Y and Z; a value needs a full window.
    seasonal_adjustment : {"none", "stl"}
        Remove an STL seasonal component from each YoY series first (:func:`stl_adjusted`).
    """
    infl, growth = _yoy_pct(cpi, inputs), _yoy_pct(industrial_production, inputs)
    # China publishes January and February industrial production together, so January is
    # missing every year; carry a value over at most two missing months so windows stay full.
    macro = pd.concat({"p": infl, "g": growth}, axis=1, sort=True).asfreq("ME").ffill(limit=2)
    if seasonal_adjustment == "stl":
        macro = pd.concat({c: stl_adjusted(macro[c]) for c in ("p", "g")}, axis=1)
    w_unc, w_xy = windows.uncertainty_months, windows.xy_corr_months
    out = pd.DataFrame(
        {
            "x_infl_unc": macro["p"].rolling(w_unc, min_periods=w_unc).std(),
            "y_growth_unc": macro["g"].rolling(w_unc, min_periods=w_unc).std(),
            "z_xy_corr": macro["p"].rolling(w_xy, min_periods=w_xy).corr(macro["g"]),
        }
    )
    a = stock_bond_corr.dropna()
    a = a.groupby(pd.DatetimeIndex(a.index).to_period("M")).last()
    a.index = a.index.to_timestamp(how="end").floor("D")
    out = out.join(a.rename("a_stock_bond_corr"), how="outer").dropna()
    out.index.name = "obs_date"
    return out.reset_index().assign(market=market)[DRIVER_COLUMNS]


def vecm_analysis(
    drivers: pd.DataFrame,
    *,
    market: str | None = None,
    k_ar_diff: int = 1,
    steps: int = 3,
    coint_rank: int | None = None,
    signif: float = 0.05,
    residual_lags: int = 12,
) -> VecmResult:
    """Johansen rank, VECM(k_ar_diff), causality X,Y,Z → A, diagnostics and forecasts of A.

    Parameters
    ----------
    drivers : pd.DataFrame
        Output of :func:`macro_drivers` for one market (consecutive month ends).
    k_ar_diff : int
        Lagged differences in the VECM (Soochow: 1).
    steps : int
        Forecast horizon in months (Soochow: at most 3).
    coint_rank : int, optional
        Cointegration rank; default = trace-test selection at ``signif``, raised to 1 when the
        test finds none (a VECM needs one relation; the ``detail`` of ``vecm_rank`` says so).
    residual_lags : int
        Lags of the Ljung–Box and ARCH-LM tests.
    """
    market = market or str(drivers["market"].iloc[0])
    data = drivers.set_index("obs_date")[VARIABLES].astype(float).dropna()
    n_vars = len(VARIABLES)
    if len(data) < 10 * n_vars:
        raise ValueError(f"vecm_analysis({market}): {len(data)} monthly rows; need at least {10 * n_vars}")
    from statsmodels.stats.diagnostic import acorr_ljungbox, het_arch
    from statsmodels.stats.outliers_influence import variance_inflation_factor
    from statsmodels.tools.tools import add_constant
    from statsmodels.tsa.vector_ar.vecm import VECM, coint_johansen, select_coint_rank

    johansen = coint_johansen(data.to_numpy(), det_order=0, k_ar_diff=k_ar_diff)
    selected = select_coint_rank(data.to_numpy(), det_order=0, k_ar_diff=k_ar_diff, method="trace", signif=signif).rank
    rank = coint_rank if coint_rank is not None else min(max(selected, 1), n_vars - 1)

    model = VECM(data.reset_index(drop=True), k_ar_diff=k_ar_diff, coint_rank=rank, deterministic="co")
    fitted = model.fit()
    rows = _adf_rows(data)
    rows.extend(_johansen_rows(johansen, n_vars))
    rows.append(
        {
            "test": "vecm_rank",
            "statistic": float(rank),
            "p_value": np.nan,
            "df": np.nan,
            "detail": f"trace-test rank at {signif:.0%}={selected}; rank used={rank}; "
            f"k_ar_diff={k_ar_diff}; n={len(data)}; {data.index[0]:%Y-%m}..{data.index[-1]:%Y-%m}",
        }
    )
    rows.append(granger_xyz_to_a(fitted, signif))
    rows.extend(_r2_rows(fitted, data))
    resid = np.asarray(fitted.resid)
    for j, name in enumerate(VARIABLES):
        lb = acorr_ljungbox(resid[:, j], lags=[residual_lags])
        rows.append(
            {
                "test": f"ljung_box_{_SHORT[name]}",
                "statistic": float(lb["lb_stat"].iloc[0]),
                "p_value": float(lb["lb_pvalue"].iloc[0]),
                "df": float(residual_lags),
                "detail": f"residuals of the d{name} equation, lags={residual_lags}",
            }
        )
        lm, lm_p, _, _ = het_arch(resid[:, j], nlags=residual_lags, result_object=False)
        rows.append(
            {
                "test": f"arch_lm_{_SHORT[name]}",
                "statistic": float(lm),
                "p_value": float(lm_p),
                "df": float(residual_lags),
                "detail": f"residuals of the d{name} equation, nlags={residual_lags}",
            }
        )
    exog = add_constant(data.to_numpy())
    for j, name in enumerate(VARIABLES):
        rows.append(
            {
                "test": f"vif_{_SHORT[name]}",
                "statistic": float(variance_inflation_factor(exog, j + 1)),
                "p_value": np.nan,
                "df": np.nan,
                "detail": f"VIF of {name} (levels, with constant) among {', '.join(VARIABLES)}",
            }
        )
    tests = pd.DataFrame(rows).assign(market=market)[VECM_TEST_COLUMNS]
    forecasts = _forecast_a(fitted, data.index[-1], steps, market)
    return VecmResult(
        market=market,
        coint_rank=rank,
        selected_rank=int(selected),
        n_obs=len(data),
        start=data.index[0],
        end=data.index[-1],
        tests=tests,
        forecasts=forecasts,
    )


def _johansen_rows(johansen: JohansenTestResult, n_vars: int) -> list[_TestRow]:
    """One trace and one max-eigenvalue row per null rank r (critical values in detail)."""
    rows: list[_TestRow] = []
    for r in range(n_vars):
        for kind, stat, crit in (("trace", johansen.lr1, johansen.cvt), ("max_eig", johansen.lr2, johansen.cvm)):
            cv90, cv95, cv99 = (float(v) for v in crit[r])
            rows.append(
                {
                    "test": f"johansen_{kind}_r{r}",
                    "statistic": float(stat[r]),
                    "p_value": np.nan,
                    "df": float(n_vars - r),
                    "detail": json.dumps(
                        {
                            "null": f"rank<={r}" if kind == "trace" else f"rank={r}",
                            "cv90": round(cv90, 4),
                            "cv95": round(cv95, 4),
                            "cv99": round(cv99, 4),
                            "reject_5pct": bool(stat[r] > cv95),
                        }
                    ),
                }
            )
    return rows


def _adf_rows(data: pd.DataFrame) -> list[_TestRow]:
    """ADF (constant, lag order by AIC) on each level and each first difference: I(1) means the
    level keeps its unit root and the difference rejects it."""
    from statsmodels.tsa.stattools import adfuller

    rows: list[_TestRow] = []
    for name in VARIABLES:
        for kind, series in (("level", data[name]), ("diff", data[name].diff().dropna())):
            stat, p_value, lags, nobs, crit, _ = adfuller(series.to_numpy(), regression="c", autolag="AIC",
                                                             result_object=False)
            rows.append(
                {
                    "test": f"adf_{kind}_{_SHORT[name]}",
                    "statistic": float(stat),
                    "p_value": float(p_value),
                    "df": float(lags),
                    "detail": f"ADF on {'Δ' if kind == 'diff' else ''}{name}, constant, lags by AIC={lags}, "
                    f"n={nobs}, 5% critical value {crit['5%']:.3f}; H0: unit root",
                }
            )
    return rows


def _r2_rows(fitted: VECMResults, data: pd.DataFrame) -> list[_TestRow]:
    """R² of the A equation: of ΔA (what the VECM explains) and of the level of A implied by
    the one-step fits (A_{t-1} + fitted ΔA_t; near 1 for any persistent series)."""
    j = VARIABLES.index("a_stock_bond_corr")
    resid = np.asarray(fitted.resid)[:, j]
    a = data["a_stock_bond_corr"].to_numpy()[-len(resid):]
    da = data["a_stock_bond_corr"].diff().to_numpy()[-len(resid):]
    ssr = float(np.sum(resid**2))
    span = f"n={len(resid)}, {data.index[-len(resid)]:%Y-%m}..{data.index[-1]:%Y-%m}"
    return [
        {"test": "r2_da", "statistic": 1.0 - ssr / float(np.sum((da - da.mean()) ** 2)), "p_value": np.nan,
         "df": np.nan, "detail": f"R² of the ΔA equation of the VECM, {span}"},
        {"test": "r2_a_level", "statistic": 1.0 - ssr / float(np.sum((a - a.mean()) ** 2)), "p_value": np.nan,
         "df": np.nan, "detail": f"R² of the level of A implied by the one-step fits (A_t-1 + fitted ΔA_t), {span}"},
    ]


def granger_xyz_to_a(fitted: VECMResults, signif: float = 0.05) -> _TestRow:
    """Joint Granger causality of X, Y, Z on A in a fitted VECM: statsmodels' F test that lags
    1..k_ar of X, Y, Z are zero in the A equation of a levels VAR with one extra lag (the lag
    augmentation keeps the test's usual distribution for I(1), cointegrated data)."""
    res = fitted.test_granger_causality(
        caused="a_stock_bond_corr", causing=["x_infl_unc", "y_growth_unc", "z_xy_corr"], signif=signif
    )
    df_num, df_den = res.df
    return {
        "test": "granger_xyz_to_a",
        "statistic": float(res.test_statistic),
        "p_value": float(res.pvalue),
        "df": float(df_num),
        "detail": f"F test, H0: X, Y, Z do not Granger-cause A (lags 1..{fitted.k_ar} of their levels in the A "
        f"equation of a levels VAR({fitted.k_ar + 1})); df=({df_num}, {df_den})",
    }


def _forecast_a(fitted: VECMResults, origin: pd.Timestamp, steps: int, market: str) -> pd.DataFrame:
    point, lower, upper = fitted.predict(steps=steps, alpha=0.05)
    j = VARIABLES.index("a_stock_bond_corr")
    dates = pd.date_range(origin, periods=steps + 1, freq="ME")[1:]
    return pd.DataFrame(
        {
            "market": market,
            "origin_date": origin,
            "step": np.arange(1, steps + 1),
            "obs_date": dates,
            "forecast": point[:, j],
            "lower_95": lower[:, j],
            "upper_95": upper[:, j],
        },
        columns=VECM_FORECAST_COLUMNS,
    )
