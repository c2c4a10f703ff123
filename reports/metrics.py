"""The report's presentation choices on frames the warehouse returns: which path is a market's
headline, which move to mention, which weights a grid shows, what counts as stale. Pure pandas,
no I/O, no HTML. The figures they present are read from results tables.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from seesaw.analyses.settings import Pair
from seesaw.transforms.correlation import CorrPath
from seesaw.transforms.regimes import corr_sign_regimes

#: Days a series may go without a new observation before it counts as stale (as ``seesaw status``).
STALE_AFTER_DAYS = {"D": 5, "W": 14, "M": 62, "Q": 140, "A": 400}
#: Equity weights the Monte Carlo grid shows (the nearest simulated weight to each).
MC_GRID_WEIGHTS = (0.0, 0.05, 0.2, 0.4, 0.6, 0.8, 1.0)


def market_order(markets: Iterable[str]) -> list[str]:
    """US first, then the others alphabetically."""
    return sorted(set(markets), key=lambda m: (m != "US", m))


def primary_paths(pairs: Mapping[str, Pair]) -> dict[str, CorrPath]:
    """Market (upper case) → headline path (the primary pair at its first window), from
    ``AnalysisSettings.primary_pairs()``; a pair without windows has no rolling path to headline."""
    return {mk.upper(): CorrPath(mk.upper(), p.equity, p.bond, p.freq, p.windows[0], p.horizon_periods)
            for mk, p in pairs.items() if p.windows}


def featured_markets(pairs: Sequence[Pair]) -> frozenset[str] | None:
    """Markets (upper case) the dashboard and the correlation history show: those with a pair
    marked ``primary``; the other markets appear in the panel section only. None (every market)
    when no pair is marked."""
    return frozenset(p.market.upper() for p in pairs if p.primary) or None


def panel_paths(summary: pd.DataFrame, primary: Mapping[str, CorrPath], window: int = 60,
                horizon: int = 1) -> pd.DataFrame:
    """The panel's ``results.panel_summary`` rows, markets in ``market_order``: per market its
    monthly ``window``-month path of ``horizon``-month returns of the ``primary`` pair when that
    pair has one, else every pair that has one."""
    rows = summary[(summary["freq"] == "M") & (summary["window_size"] == window)
                   & (summary["horizon_periods"] == horizon)]
    chosen = []
    for market in market_order(rows["market"]):
        mine = rows[rows["market"] == market]
        p = primary.get(market)
        own = mine[(mine["asset_a"] == p.equity) & (mine["asset_b"] == p.bond)] if p else mine.iloc[:0]
        chosen.append(own if len(own) else mine)
    return pd.concat(chosen, ignore_index=True) if chosen else rows.iloc[:0]


def headline(latest: pd.DataFrame, market: str, primary: CorrPath | None = None) -> pd.Series | None:
    """The market's headline rolling correlation: its declared ``primary`` path (None when that
    path has no rows); for a warehouse whose profile is unknown, monthly 36-month if present,
    else the longest history."""
    rows = latest[(latest["market"] == market) & (latest["method"] == "rolling")]
    if primary is not None:
        rows = rows[(rows["asset_a"] == primary.equity) & (rows["asset_b"] == primary.bond)
                    & (rows["freq"] == primary.freq) & (rows["window_size"] == primary.window)
                    & (rows["horizon_periods"].fillna(1) == primary.horizon_periods)]
        return rows.iloc[0] if len(rows) else None
    if rows.empty:
        return None
    key = pd.DataFrame({"not_m": rows["freq"] != "M", "gap": (rows["window_size"] - 36).abs(),
                        "first": rows["first_date"]}, index=rows.index)
    return rows.loc[key.sort_values(["not_m", "gap", "first"]).index[0]]


def largest_move(latest: pd.DataFrame) -> pd.Series | None:
    """The correlation path with the largest ``corr_change`` since its previous period, or None."""
    moves = latest.dropna(subset=["corr_change"])
    return moves.loc[moves["corr_change"].abs().idxmax()] if len(moves) else None


def sign_regime(path: pd.DataFrame) -> pd.DataFrame:
    """(obs_date, label, since) of one rolling path (obs_date, corr, p_value): the ``corr_sign``
    regime (significant sign, short runs absorbed, as ``results.regimes``) computed on exactly the
    path a card or chart shows, with the date its current run began."""
    dates = pd.to_datetime(path["obs_date"])
    labels = corr_sign_regimes(pd.Series(path["corr"].to_numpy(float), index=dates),
                               pd.Series(path["p_value"].to_numpy(float), index=dates))[["obs_date", "label"]]
    run = labels["label"].ne(labels["label"].shift()).cumsum()
    return labels.assign(since=labels.groupby(run)["obs_date"].transform("min")).reset_index(drop=True)


#: Plain names of the VECM tests (``results.vecm_tests.test``; x, y, z, a = the drivers X, Y, Z
#: and the stock–bond correlation A).
_VARIABLE = {"x": "X (inflation uncertainty)", "y": "Y (growth uncertainty)", "z": "Z (CPI–IP correlation)",
             "a": "A (stock–bond correlation)"}


def vecm_verdict(test: str, statistic: float, p_value: float | None, detail: str) -> tuple[str, str]:
    """(plain test name, plain-language verdict at 5%) of one ``results.vecm_tests`` row."""
    kind, _, var = test.rpartition("_")
    significant = p_value is not None and not pd.isna(p_value) and p_value < 0.05
    if test.startswith("johansen_"):
        facts = json.loads(detail)
        name = ("Johansen trace" if "trace" in test else "Johansen max-eigenvalue") + f", H0 {facts['null']}"
        word = "rejected" if facts["reject_5pct"] else "not rejected"
        return name, f"{word} (statistic vs 5% critical value {facts['cv95']:.2f})"
    if kind in ("adf_level", "adf_diff"):
        name = f"ADF unit root, {'change in ' if kind == 'adf_diff' else ''}{_VARIABLE[var]}"
        return name, "stationary (unit root rejected)" if significant else "unit root not rejected"
    if test == "vecm_rank":
        return "cointegration rank used", f"{int(statistic)} ({detail.split(';')[0]})"
    if test == "granger_xyz_to_a":
        return ("Granger causality: X, Y, Z → A",
                "X, Y, Z jointly help predict A" if significant else "no evidence that X, Y, Z help predict A")
    if test == "r2_da":
        return "R² of the ΔA equation", "share of monthly changes in A the VECM explains"
    if test == "r2_a_level":
        return "R² of the level of A", "high for any persistent series; not a forecast skill"
    if kind == "ljung_box":
        return (f"Ljung–Box, residuals of Δ{_VARIABLE[var]}",
                "autocorrelation left in residuals" if significant else "no residual autocorrelation")
    if kind == "arch_lm":
        return (f"ARCH-LM, residuals of Δ{_VARIABLE[var]}",
                "volatility clustering in residuals" if significant else "no volatility clustering")
    if kind == "vif":
        level = "high" if statistic > 10 else "moderate" if statistic > 5 else "low"
        return f"variance inflation factor of {_VARIABLE[var]}", f"{level} collinearity"
    return test, "significant at 5%" if significant else ""


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
