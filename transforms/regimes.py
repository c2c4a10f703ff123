"""Regime labels for the stock–bond relationship (Zhongtai Securities, "Stock–bond relationship
handbook", 2024-12-03; Pring 1992; the Merrill Lynch investment clock, 2004; docs/methods.md).

Every function returns rows of ``results.regimes``: ``framework, market, obs_date, label,
detail``. Inputs are pandas Series indexed by date; they are sampled at calendar MONTH ENDS
(last observation of each month, so daily and first-of-month monthly series both work) and
``obs_date`` is the month end. Yields and rates are percent p.a., returns decimals. Months
whose inputs are not yet defined (moving-average warm-up) are left out. ``detail`` strings use
ASCII signs (``B+S-C-``).

Frameworks
----------
pring
    Bull/bear state of bonds, stocks and commodities; an asset is in a bull state when its
    price is above its trailing ``trend_months`` average (bonds: yield BELOW its average,
    i.e. bond price above). Stages I B+S-C-, II B+S+C-, III B+S+C+, IV B-S+C+, V B-S-C+,
    VI B-S-C-; B-S+C- and B+S-C+ are ``transitional``.
investment_clock
    Growth above trend = industrial production YoY above its trailing ``trend_months``
    average; inflation rising = CPI YoY higher than ``change_months`` earlier. Below trend &
    falling → reflation, above & falling → recovery, above & rising → overheat, below &
    rising → stagflation.
money_credit
    Money loose = a short rate lower than ``change_months`` earlier (tight = higher), or, as
    Zhongtai Securities' handbook reads China, money-supply (M1 or M2) YoY growth higher than
    ``change_months`` earlier; credit loose (expanding) = credit YoY growth higher than
    ``change_months`` earlier, growth of a stock, or of the trailing 12-month sum of a monthly
    flow (total social financing, new loans). Labels ``{loose|tight}_money_{loose|tight}_credit``.
stock_bond_quadrant
    Per period: double_bull (stock > 0, bond > 0), double_bear (both ≤ 0), seesaw_risk_on
    (stock > 0, bond ≤ 0), seesaw_risk_off (stock ≤ 0, bond > 0); bond = bond RETURN.
corr_sign
    positive / negative when the rolling correlation is significant (p < ``alpha``),
    else insignificant; runs shorter than ``min_run`` periods take the previous label.

For money_credit and investment_clock, an unchanged input (zero change, e.g. a policy rate held
at the floor) keeps the previous direction rather than inventing one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from seesaw.transforms.returns import resample_last

REGIME_COLUMNS = ["framework", "market", "obs_date", "label", "detail"]

Framework = Literal["pring", "investment_clock", "money_credit", "stock_bond_quadrant", "corr_sign"]


@dataclass(frozen=True)
class RegimeDefaults:
    """Documented default thresholds and windows (months unless stated)."""

    #: Pring: trailing moving-average window for bull/bear states.
    trend_months: int = 12
    #: Investment clock: window of the moving average of IP YoY that defines "trend".
    growth_trend_months: int = 12
    #: Investment clock: CPI YoY change horizon for inflation direction.
    inflation_change_months: int = 3
    #: Investment clock: a missing month inside a series is carried over for at most this many
    #: months (China publishes January and February industrial production together).
    max_carry_months: int = 2
    #: Money–credit: horizon of the short-rate change (money) and credit-growth change.
    money_change_months: int = 3
    credit_change_months: int = 3
    #: corr_sign: significance level and minimum run length (periods) of a regime.
    corr_alpha: float = 0.05
    corr_min_run: int = 3


DEFAULTS = RegimeDefaults()

PRING_STAGES = {
    (True, False, False): "I",
    (True, True, False): "II",
    (True, True, True): "III",
    (False, True, True): "IV",
    (False, False, True): "V",
    (False, False, False): "VI",
}

SUMMARY_COLUMNS = [
    "framework",
    "market",
    "label",
    "n_periods",
    "share_of_time",
    "avg_stock_return",
    "avg_bond_return",
]


def _month_end(s: pd.Series) -> pd.Series:
    """Last observation of each calendar month, indexed by month end."""
    return resample_last(s, "M").asfreq("ME")


def _frame(framework: Framework, market: str, label: pd.Series, detail: pd.Series) -> pd.DataFrame:
    keep = label.notna()
    return pd.DataFrame(
        {
            "framework": framework,
            "market": market,
            "obs_date": pd.DatetimeIndex(label.index[keep]),
            "label": label[keep].to_numpy(dtype=object),
            "detail": detail[keep].to_numpy(dtype=object),
        },
        columns=REGIME_COLUMNS,
    )


def _direction(change: pd.Series) -> pd.Series:
    """+1 / −1 by sign of a change; zero keeps the previous direction (NaN before any)."""
    sign = np.sign(change).replace(0.0, np.nan)
    return sign.ffill().where(change.notna())


def _fmt(values: pd.Series, spec: str) -> pd.Series:
    return values.map(spec.format)


def pring_stages(
    bond_yield_pct: pd.Series,
    stock_price: pd.Series,
    commodity_price: pd.Series,
    *,
    market: str = "us",
    trend_months: int = DEFAULTS.trend_months,
) -> pd.DataFrame:
    """Pring six-stage labels (I..VI or ``transitional``) per month end.

    Parameters
    ----------
    bond_yield_pct : pd.Series
        Long government yield, percent p.a. (bull = below its trailing average).
    stock_price, commodity_price : pd.Series
        Index levels (bull = above their trailing average).
    trend_months : int
        Window of the trailing moving average (current month included).
    """
    levels = pd.concat(
        {
            "B": _month_end(bond_yield_pct),
            "S": _month_end(stock_price),
            "C": _month_end(commodity_price),
        },
        axis=1,
        sort=True,
    )
    average = levels.rolling(trend_months, min_periods=trend_months).mean()
    valid = average.notna().all(axis=1) & levels.notna().all(axis=1)
    levels, average = levels[valid], average[valid]
    bull = pd.DataFrame(
        {
            "B": levels["B"] < average["B"],
            "S": levels["S"] > average["S"],
            "C": levels["C"] > average["C"],
        }
    )
    key = bull["B"].astype(int) * 4 + bull["S"].astype(int) * 2 + bull["C"].astype(int)
    lookup = {b * 4 + s * 2 + c: stage for (b, s, c), stage in PRING_STAGES.items()}
    label = key.map(lookup).fillna("transitional")
    signs = {col: pd.Series(np.where(bull[col], "+", "-"), index=bull.index) for col in "BSC"}
    detail = "B" + signs["B"] + "S" + signs["S"] + "C" + signs["C"]
    return _frame("pring", market, label, detail)


def investment_clock(
    industrial_production: pd.Series,
    cpi: pd.Series,
    *,
    market: str = "us",
    growth_trend_months: int = DEFAULTS.growth_trend_months,
    inflation_change_months: int = DEFAULTS.inflation_change_months,
    inputs: Literal["index", "yoy_pct"] = "index",
    max_carry_months: int = DEFAULTS.max_carry_months,
) -> pd.DataFrame:
    """Investment-clock phase (reflation, recovery, overheat, stagflation) per month end.

    Parameters
    ----------
    industrial_production, cpi : pd.Series
        Monthly index levels (``inputs='index'``; YoY computed over 12 months) or YoY growth
        in percent (``inputs='yoy_pct'``, e.g. China's published YoY series).
    growth_trend_months : int
        Window of the trailing average of IP YoY that defines trend growth.
    inflation_change_months : int
        Horizon k of the CPI YoY change that defines the inflation direction.
    max_carry_months : int
        Gaps of at most this many months inside a series are carried over (never past its last
        value); without it one missing January per year stops the trend window for good.
    """
    ip, price = _month_end(industrial_production), _month_end(cpi)
    if inputs == "index":
        ip, price = ip.pct_change(12, fill_method=None) * 100.0, price.pct_change(12, fill_method=None) * 100.0
    both = pd.concat({"g": ip, "p": price}, axis=1, sort=True)
    both = both.ffill(limit=max_carry_months, limit_area="inside")
    trend = both["g"].rolling(growth_trend_months, min_periods=growth_trend_months).mean()
    infl_change = both["p"] - both["p"].shift(inflation_change_months)
    growth_up = _direction(both["g"] - trend)
    infl_up = _direction(infl_change)
    phase = pd.Series(np.nan, index=both.index, dtype=object)
    phase[(growth_up < 0) & (infl_up < 0)] = "reflation"
    phase[(growth_up > 0) & (infl_up < 0)] = "recovery"
    phase[(growth_up > 0) & (infl_up > 0)] = "overheat"
    phase[(growth_up < 0) & (infl_up > 0)] = "stagflation"
    detail = (
        "ip_yoy=" + _fmt(both["g"], "{:.2f}") + "% trend=" + _fmt(trend, "{:.2f}")
        + "% cpi_yoy=" + _fmt(both["p"], "{:.2f}") + f"% d{inflation_change_months}m="
        + _fmt(infl_change, "{:+.2f}") + "pp"
    )
    return _frame("investment_clock", market, phase, detail)


def _yoy_growth(values: pd.Series, given: Literal["level", "yoy_pct", "flow"]) -> pd.Series:
    """YoY growth in percent of month-end values given as a stock (``level``), a monthly flow
    (``flow``: growth of the trailing 12-month sum, so 24 months are needed) or already as YoY
    growth in percent (``yoy_pct``)."""
    if given == "flow":
        values = values.asfreq("ME").rolling(12).sum()
    if given in ("level", "flow"):
        return values.pct_change(12, fill_method=None) * 100.0
    return values


def money_credit(
    money: pd.Series,
    credit: pd.Series,
    *,
    market: str = "us",
    money_change_months: int = DEFAULTS.money_change_months,
    credit_change_months: int = DEFAULTS.credit_change_months,
    money_input: Literal["rate", "level", "yoy_pct"] = "rate",
    credit_input: Literal["level", "yoy_pct", "flow"] = "level",
) -> pd.DataFrame:
    """Money–credit quadrant per month end.

    Parameters
    ----------
    money : pd.Series
        ``money_input='rate'``: a policy or short market rate, percent p.a. (US: fed funds or
        3-month bill), money loose when it fell. ``'level'``: a money stock (M1, M2; YoY
        computed over 12 months) and ``'yoy_pct'``: money-supply YoY growth in percent, money
        loose when growth rose (Zhongtai Securities, "Stock–bond relationship handbook",
        2024-12-03, reads China's money this way).
    credit : pd.Series
        Credit stock (``credit_input='level'``, e.g. BUSLOANS, bank loans; YoY computed over 12
        months), a monthly flow (``'flow'``, e.g. total social financing or new RMB loans per
        month; YoY growth of the trailing 12-month sum, which needs 24 months and no gap) or
        YoY growth in percent (``'yoy_pct'``).
    money_change_months, credit_change_months : int
        Horizons of the money change (rate, or money growth) and of the credit-growth change.
    """
    money_m = _month_end(money)
    if money_input != "rate":
        money_m = _yoy_growth(money_m, money_input)
    both = pd.concat({"m": money_m, "c": _yoy_growth(_month_end(credit), credit_input)}, axis=1, sort=True)
    money_change = both["m"] - both["m"].shift(money_change_months)
    credit_change = both["c"] - both["c"].shift(credit_change_months)
    loose_when = -1.0 if money_input == "rate" else 1.0
    money_state = _direction(money_change).map({loose_when: "loose_money", -loose_when: "tight_money"})
    credit_state = _direction(credit_change).map({1.0: "loose_credit", -1.0: "tight_credit"})
    label = (money_state + "_" + credit_state).where(money_state.notna() & credit_state.notna())
    money_detail = (f"rate_d{money_change_months}m=" + _fmt(money_change, "{:+.2f}") if money_input == "rate"
                    else "money_yoy=" + _fmt(both["m"], "{:.2f}") + f"% d{money_change_months}m="
                    + _fmt(money_change, "{:+.2f}"))
    detail = (
        money_detail + "pp credit_yoy=" + _fmt(both["c"], "{:.2f}") + f"% d{credit_change_months}m="
        + _fmt(credit_change, "{:+.2f}") + "pp"
    )
    return _frame("money_credit", market, label, detail)


def stock_bond_quadrants(stock_ret: pd.Series, bond_ret: pd.Series, *, market: str = "us") -> pd.DataFrame:
    """Per-period quadrant of stock and bond RETURNS (decimals), indexed by period end.

    Returns are used as given (compute them at the frequency wanted; month-end dates are kept
    as they are, other dates are moved to their month end).
    """
    both = pd.concat({"s": stock_ret, "b": bond_ret}, axis=1, sort=True).dropna()
    both.index = pd.DatetimeIndex(both.index).to_period("M").to_timestamp(how="end").floor("D")
    stock_up, bond_up = both["s"] > 0, both["b"] > 0
    label = pd.Series(
        np.select(
            [stock_up & bond_up, ~stock_up & ~bond_up, stock_up & ~bond_up],
            ["double_bull", "double_bear", "seesaw_risk_on"],
            "seesaw_risk_off",
        ),
        index=both.index,
    )
    detail = "stock=" + _fmt(both["s"] * 100, "{:+.2f}") + "% bond=" + _fmt(both["b"] * 100, "{:+.2f}") + "%"
    return _frame("stock_bond_quadrant", market, label, detail)


def corr_sign_regimes(
    corr: pd.Series,
    p_value: pd.Series,
    *,
    market: str = "us",
    alpha: float = DEFAULTS.corr_alpha,
    min_run: int = DEFAULTS.corr_min_run,
) -> pd.DataFrame:
    """Sign regime of a rolling stock–bond correlation, smoothed by a minimum run length.

    Parameters
    ----------
    corr, p_value : pd.Series
        Rolling correlation of stock and bond RETURNS and its two-sided p-value, aligned.
        Dates are kept as given (monthly, weekly or daily).
    alpha : float
        Significance level.
    min_run : int
        Runs of a raw label shorter than this many periods take the label before them (a
        short run at the very start keeps its raw label).
    """
    both = pd.concat({"r": corr, "p": p_value}, axis=1, sort=True).dropna()
    significant = both["p"] < alpha
    raw = pd.Series(
        np.select([significant & (both["r"] > 0), significant & (both["r"] < 0)], ["positive", "negative"],
                  "insignificant"),
        index=both.index,
    )
    label = _smooth_runs(raw, min_run)
    detail = "r=" + _fmt(both["r"], "{:+.3f}") + " p=" + _fmt(both["p"], "{:.4f}") + " raw=" + raw
    return _frame("corr_sign", market, label, detail)


def _smooth_runs(raw: pd.Series, min_run: int) -> pd.Series:
    """Replace runs shorter than ``min_run`` by the preceding label (vectorized)."""
    if raw.empty or min_run <= 1:
        return raw
    run_id = (raw != raw.shift()).cumsum()
    run_length = run_id.map(run_id.value_counts())
    short = run_length < min_run
    short &= run_id != run_id.iloc[0]
    return raw.mask(short).ffill()


def regime_summary(regimes: pd.DataFrame, stock_ret: pd.Series, bond_ret: pd.Series) -> pd.DataFrame:
    """Share of time and average returns in each regime.

    Parameters
    ----------
    regimes : pd.DataFrame
        Rows of ``results.regimes`` for ONE market's return pair (any frameworks).
    stock_ret, bond_ret : pd.Series
        Monthly simple returns (decimals) of that market, matched to ``obs_date`` by month.

    Returns
    -------
    pd.DataFrame
        ``framework, market, label, n_periods, share_of_time, avg_stock_return,
        avg_bond_return``.
    """
    month = regimes["obs_date"].dt.to_period("M")
    rets = pd.concat({"s": stock_ret, "b": bond_ret}, axis=1, sort=True)
    rets = rets.groupby(pd.DatetimeIndex(rets.index).to_period("M")).last()
    joined = regimes.assign(
        avg_stock_return=month.map(rets["s"]).astype(float),
        avg_bond_return=month.map(rets["b"]).astype(float),
    )
    out = (
        joined.groupby(["framework", "market", "label"], sort=True)
        .agg(
            n_periods=("obs_date", "size"),
            avg_stock_return=("avg_stock_return", "mean"),
            avg_bond_return=("avg_bond_return", "mean"),
        )
        .reset_index()
    )
    out["share_of_time"] = out["n_periods"] / out.groupby(["framework", "market"])["n_periods"].transform("sum")
    return out[SUMMARY_COLUMNS]


def run_starts(regimes: pd.DataFrame) -> pd.Series:
    """For each row of ``regimes`` (``framework, market, obs_date, label``), the first
    ``obs_date`` of the run of identical consecutive labels it belongs to, per framework and
    market in date order (aligned to ``regimes``' index)."""
    ordered = regimes.sort_values(["framework", "market", "obs_date"], kind="stable")
    keys = [ordered["framework"], ordered["market"]]
    run = ordered.groupby(keys)["label"].transform(lambda s: s.ne(s.shift()).cumsum())
    return ordered.groupby([*keys, run])["obs_date"].transform("min").reindex(regimes.index)
