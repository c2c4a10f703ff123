"""The report's arithmetic on frames the warehouse returns: pure pandas, no I/O, no HTML.

Some figures exist only here (no results table holds them yet): how closely seesaw's ACM term
premium tracks the NY Fed's (``acm_tracking``), how often DCC and rolling correlations share a
sign (``sign_agreement``) and the trailing rebalancing-flow averages (``flow_summary``,
``trailing_flows``).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

#: Days a series may go without a new observation before it counts as stale (as ``seesaw status``).
STALE_AFTER_DAYS = {"D": 5, "W": 14, "M": 62, "Q": 140, "A": 400}
#: Equity weights the Monte Carlo grid shows (the nearest simulated weight to each).
MC_GRID_WEIGHTS = (0.0, 0.05, 0.2, 0.4, 0.6, 0.8, 1.0)


def market_order(markets: Iterable[str]) -> list[str]:
    """US first, then the others alphabetically."""
    return sorted(set(markets), key=lambda m: (m != "US", m))


def headline(latest: pd.DataFrame, market: str) -> pd.Series | None:
    """The market's headline rolling correlation: monthly 36-month if present, else the longest history."""
    rows = latest[(latest["market"] == market) & (latest["method"] == "rolling")]
    if rows.empty:
        return None
    key = pd.DataFrame({"not_m": rows["freq"] != "M", "gap": (rows["window_size"] - 36).abs(),
                        "first": rows["first_date"]}, index=rows.index)
    return rows.loc[key.sort_values(["not_m", "gap", "first"]).index[0]]


def largest_move(latest: pd.DataFrame) -> pd.Series | None:
    """The correlation path that moved most since its previous period (with ``delta``), or None."""
    moves = latest.dropna(subset=["prev_corr"]).assign(delta=lambda f: f["corr"] - f["prev_corr"])
    return moves.loc[moves["delta"].abs().idxmax()] if len(moves) else None


def regime_runs(regimes: pd.DataFrame) -> pd.DataFrame:
    """Latest label per framework and market with the date its current run began (``since``)."""
    if regimes.empty:
        return regimes.assign(since=pd.Series(dtype="datetime64[ns]"))
    regimes = regimes.copy()
    new_run = regimes.groupby(["framework", "market"])["label"].transform(lambda s: s.ne(s.shift()).cumsum())
    regimes["since"] = regimes.groupby(["framework", "market", new_run])["obs_date"].transform("min")
    return regimes.groupby(["framework", "market"], as_index=False).tail(1).reset_index(drop=True)


def significance_labels(paths: pd.DataFrame) -> pd.DataFrame:
    """(obs_date, label): ``positive``/``negative`` where p < 0.05, else ``insignificant``."""
    label = np.select([(paths["p_value"] < 0.05) & (paths["corr"] > 0),
                       (paths["p_value"] < 0.05) & (paths["corr"] < 0)], ["positive", "negative"], "insignificant")
    return pd.DataFrame({"obs_date": paths["obs_date"].to_numpy(), "label": label})


def _month_end(frame: pd.DataFrame) -> pd.Series:
    return frame.set_index(pd.to_datetime(frame["obs_date"]).dt.to_period("M"))["corr"].groupby(level=0).last()


def sign_agreement(a: pd.DataFrame, b: pd.DataFrame) -> float | None:
    """Share of month ends at which two correlation paths (obs_date, corr) have the same sign;
    None when they share no month."""
    both = pd.concat({"a": _month_end(a), "b": _month_end(b)}, axis=1).dropna()
    return float((np.sign(both["a"]) == np.sign(both["b"])).mean()) if len(both) else None


@dataclass(frozen=True)
class Tracking:
    """How closely one term-premium estimate follows another over their common month ends."""

    corr: float
    rmse_pp: float
    start: date
    end: date


def acm_tracking(ten: pd.DataFrame) -> Tracking | None:
    """seesaw's monthly 10-year ACM term premium against the NY Fed's (more than two common months
    needed), from rows (obs_date, source, freq, term_premium_pct)."""
    monthly = ten[ten["freq"] == "M"].pivot_table(index="obs_date", columns="source", values="term_premium_pct")
    if not {"seesaw_acm", "nyfed_acm"} <= set(monthly.columns):
        return None
    both = monthly[["seesaw_acm", "nyfed_acm"]].dropna()
    if len(both) <= 2:
        return None
    rmse = float(np.sqrt(((both["seesaw_acm"] - both["nyfed_acm"]) ** 2).mean()))
    return Tracking(float(both.corr().iloc[0, 1]), rmse, both.index.min(), both.index.max())


def flow_summary(flows: pd.DataFrame) -> pd.DataFrame:
    """Per scenario: date range, periods, last AUM and equity weight, mean and mean absolute flow
    (USD bn per period), mean shares of Treasury and IG supply."""
    return flows.groupby("scenario").agg(
        first=("obs_date", "min"), last=("obs_date", "max"), periods=("obs_date", "size"),
        aum=("aum_usd_bn", "last"), weight=("equity_weight", "last"), mean_flow=("flow_usd_bn", "mean"),
        mean_abs_flow=("flow_usd_bn", lambda s: s.abs().mean()), treasury=("share_of_treasury_supply", "mean"),
        ig=("share_of_ig_supply", "mean")).reset_index()


def trailing_flows(history: pd.DataFrame, periods: int = 12) -> pd.Series:
    """Trailing mean rebalancing flow over ``periods`` periods (fewer at the start), USD bn."""
    return history["flow_usd_bn"].rolling(periods, min_periods=1).mean()


def safest_weights(sweep: pd.DataFrame) -> pd.DataFrame:
    """Per correlation ρ, the row whose median full-horizon max drawdown is least negative."""
    return sweep.loc[sweep.groupby("rho")["mdd_full_median"].idxmax()]


def grid_weights(sweep: pd.DataFrame) -> list[float]:
    """The simulated equity weights nearest to ``MC_GRID_WEIGHTS``."""
    near = sweep["equity_weight"].to_numpy()
    return sorted({float(near[np.abs(near - w).argmin()]) for w in MC_GRID_WEIGHTS})


def staleness(series: pd.DataFrame, reference: pd.Timestamp) -> pd.DataFrame:
    """``series`` with ``age_days`` (days from the last observation to ``reference``),
    ``allowed_days`` by frequency and ``stale`` (no observation, or older than allowed)."""
    series = series.copy()
    series["age_days"] = (reference - pd.to_datetime(series["last_date"])).dt.days
    series["allowed_days"] = series["frequency"].map(STALE_AFTER_DAYS).fillna(400)
    series["stale"] = series["age_days"].isna() | (series["age_days"] > series["allowed_days"])
    return series
