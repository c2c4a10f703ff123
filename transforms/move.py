"""Rates-volatility gauges: MOVE (and VIX) level, 1-year percentile, z-score, year-to-date highs.

Sinolink Securities macro, "US Treasuries are losing their safe-haven halo" (April 2025), flags
the MOVE index "above 125.7, a new year-to-date high" on 2025-04-07; this module
produces the daily ``results.move_metrics`` rows behind such statements.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["MOVE_METRICS_COLUMNS", "expanding_z", "move_metrics", "rolling_pct_rank", "ytd_high"]

MOVE_METRICS_COLUMNS = [
    "obs_date",
    "move",
    "move_pct_rank_1y",
    "move_z",
    "move_ytd_high",
    "vix",
    "vix_pct_rank_1y",
]


def rolling_pct_rank(values: pd.Series, window: int = 252, min_periods: int = 126) -> pd.Series:
    """Percentile rank (0–100) of each value within the trailing ``window`` observations.

    The window includes the day itself, so a new 1-year high ranks 100. Ties take the average
    rank. NaN until ``min_periods`` observations exist.
    """
    return values.rolling(window, min_periods=min_periods).rank(pct=True) * 100.0


def expanding_z(values: pd.Series, min_periods: int = 252) -> pd.Series:
    """z-score of each value against the mean and std of all *earlier* values (no look-ahead)."""
    prior = values.shift(1).expanding(min_periods=min_periods)
    return (values - prior.mean()) / prior.std()


def ytd_high(values: pd.Series) -> pd.Series:
    """True where the value is strictly above every earlier value of the same calendar year.

    The first observation of each year has no earlier value that year and is False.
    """
    years = values.index.year
    prior_max = values.groupby(years).cummax().groupby(years).shift(1)
    return (values > prior_max).fillna(False).astype(bool)


def move_metrics(
    frame: pd.DataFrame,
    move_col: str = "us_move",
    vix_col: str = "us_vix",
    window: int = 252,
    min_periods: int = 126,
    z_min_periods: int = 252,
) -> pd.DataFrame:
    """Daily ``results.move_metrics`` rows.

    Parameters
    ----------
    frame : pd.DataFrame
        Wide daily frame indexed by date with the MOVE column (index points) and, optionally,
        the VIX column. Each series is measured on its own non-missing days (holidays and the
        Yahoo ``null`` rows are skipped, not counted as observations).
    move_col, vix_col : str
        Series ids.
    window, min_periods : int
        Trailing window (observations, 252 ≈ 1 year) and minimum history for the percentile.
    z_min_periods : int
        Minimum earlier observations for ``move_z`` (expanding mean/std of its own history).

    Returns
    -------
    pd.DataFrame
        ``obs_date, move, move_pct_rank_1y, move_z, move_ytd_high, vix, vix_pct_rank_1y`` for
        every date with a MOVE value.
    """
    if move_col not in frame.columns:
        raise ValueError(f"move_metrics needs series {move_col!r}; frame has {list(frame.columns)}")
    move = frame[move_col].astype(float).dropna().sort_index()
    out = pd.DataFrame(
        {
            "move": move,
            "move_pct_rank_1y": rolling_pct_rank(move, window, min_periods),
            "move_z": expanding_z(move, z_min_periods),
            "move_ytd_high": ytd_high(move),
        }
    )
    if vix_col in frame.columns:
        vix = frame[vix_col].astype(float).dropna().sort_index()
        out["vix"] = vix.reindex(out.index)
        out["vix_pct_rank_1y"] = rolling_pct_rank(vix, window, min_periods).reindex(out.index)
    else:
        out["vix"] = float("nan")
        out["vix_pct_rank_1y"] = float("nan")
    out.index = pd.DatetimeIndex(out.index).normalize()
    out.index.name = "obs_date"
    return out.reset_index()[MOVE_METRICS_COLUMNS]
