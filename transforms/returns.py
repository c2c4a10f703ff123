"""Per-period returns: equities from levels, bonds from yields (duration + convexity), yield changes.

Units: returns are decimals per period (0.01 = 1 %); yield changes are basis points; yields come
in percent p.a.
"""
from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from seesaw.transforms.periods import PERIOD_ALIAS

Freq = Literal["D", "W", "M", "Q"]
Basis = Literal["price_return", "total_return", "bond_return_from_yield", "yield_change_bp"]

#: pandas period-end aliases: weeks end on Friday, months and quarters at calendar end.
_RULE = {"W": "W-FRI", "M": "ME", "Q": "QE"}
#: Periods per year used to accrue carry (y·Δt) at each frequency.
PERIODS_PER_YEAR = {"D": 252, "W": 52, "M": 12, "Q": 4}


def resample_last(levels: pd.Series, freq: Freq) -> pd.Series:
    """Last observation of each period, stamped on the period end (daily data is returned as is);
    periods without an observation are left out. What ``resample(...).last().dropna()`` gives,
    from one pass over period codes (resampling builds its bins date by date, a replay's hot spot)."""
    clean = levels.dropna().sort_index()
    if freq == "D" or clean.empty:
        return clean if freq == "D" else clean.resample(_RULE[freq]).last().dropna()
    periods = pd.DatetimeIndex(clean.index).to_period(PERIOD_ALIAS[freq])
    codes = periods.asi8
    last = np.append(codes[1:] != codes[:-1], True)
    stamps = periods[last].end_time.normalize()
    return pd.Series(clean.to_numpy()[last], index=pd.DatetimeIndex(stamps, name=clean.index.name), name=clean.name)


def compound(returns: pd.Series, freq: Freq) -> pd.Series:
    """Compound decimal returns into ``freq`` periods (periods with no data are dropped)."""
    clean = returns.dropna().sort_index()
    if freq == "D":
        return clean
    grouped = (1.0 + clean).resample(_RULE[freq])
    out = grouped.prod() - 1.0
    return out[grouped.count() > 0]


def par_bond_risk(yield_pct: np.ndarray | pd.Series, maturity_years: float,
                  coupons_per_year: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Modified duration (years) and convexity (years²) of a par bond priced at ``yield_pct``.

    The bond pays its yield as coupon ``coupons_per_year`` times a year, so it prices at par;
    both measures are computed from its cash flows (exact for any yield, including <= 0).
    """
    y = np.asarray(yield_pct, dtype=float)[:, None] / 100.0
    m = coupons_per_year
    k = np.arange(1, int(round(maturity_years * m)) + 1, dtype=float)[None, :]
    discount = (1.0 + y / m) ** -k
    cash = np.broadcast_to(y / m, discount.shape).copy()
    cash[:, -1] += 1.0
    pv = cash * discount
    price = pv.sum(axis=1)
    duration = (pv * k / m).sum(axis=1) / price / (1.0 + y[:, 0] / m)
    convexity = (pv * k * (k + 1) / m**2).sum(axis=1) / price / (1.0 + y[:, 0] / m) ** 2
    return duration, convexity


def bond_returns_from_yields(yield_pct: pd.Series, maturity_years: float, freq: Freq) -> pd.Series:
    """Per-period return of a constant-maturity par bond from its yield (docs/methods.md, section 1).

    ``r_t = y_{t-1}·Δt − D·Δy + ½·C·Δy²`` with D, C of a par bond at ``y_{t-1}`` and
    Δt = 1 / periods per year. Input in percent p.a. at ``freq`` (already resampled).
    """
    y = yield_pct.dropna().sort_index()
    duration, convexity = par_bond_risk(y.to_numpy(), maturity_years)
    prev = y.shift(1) / 100.0
    dy = y.diff() / 100.0
    ret = (prev / PERIODS_PER_YEAR[freq]
           - pd.Series(duration, index=y.index).shift(1) * dy
           + 0.5 * pd.Series(convexity, index=y.index).shift(1) * dy**2)
    return ret.dropna()


def yield_changes_bp(yield_pct: pd.Series) -> pd.Series:
    """Period-to-period yield change in basis points (opposite sign to bond returns)."""
    return (yield_pct.dropna().sort_index().diff() * 100.0).dropna()


def overlapping_returns(returns: pd.Series, k: int) -> pd.Series:
    """Overlapping k-period compounded returns, stamped on each period's end: every period's return
    over the last k periods (Soochow Securities' macro team, 2025-09-25, uses k = 3 on month ends:
    each month end vs 3 months earlier). Decimal in, decimal out; the first k − 1 periods drop."""
    if k < 1:
        raise ValueError(f"k must be a positive number of periods, got {k}")
    return np.expm1(np.log1p(returns.dropna()).rolling(k, min_periods=k).sum()).dropna()


def series_returns(values: pd.Series, kind: str, freq: Freq,
                   maturity_years: float | None = None) -> dict[Basis, pd.Series]:
    """All return bases of one series at ``freq``, keyed by basis.

    ``kind`` comes from the catalog: ``return`` (values in percent per period) compounds;
    ``yield`` gives bond returns (needs ``maturity_years``) and yield changes; anything else is
    treated as a price or index level.
    """
    if kind == "return":
        return {"total_return": compound(values / 100.0, freq)}
    levels = resample_last(values, freq)
    if kind == "yield":
        if maturity_years is None:
            raise ValueError("bond returns from a yield need maturity_years")
        return {
            "bond_return_from_yield": bond_returns_from_yields(levels, maturity_years, freq),
            "yield_change_bp": yield_changes_bp(levels),
        }
    return {"price_return": levels.pct_change().dropna()}
