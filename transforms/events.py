"""Stress events: joint sell-offs, yield spikes, MOVE spikes, weak auctions.

The April 2025 episode these reproduce is described in Sinolink Securities macro, "US Treasuries
are losing their safe-haven halo" (April 2025). Every move is scored as a z-score against the
history of the same k-day move *before* that day (an expanding history for sell-offs and MOVE, a
trailing year for yield spikes), so no event uses future data. Event rows follow
``results.events``: ``event_type, market, obs_date, window_days, score, detail``.

Event types
-----------
``triple_selloff`` (US)
    Equities down, 10-year yield up and dollar down over the same k trading days (k = 1, 3, 5).
``stock_bond_selloff`` (CN)
    CSI 300 down and CGB 10-year yield up together.
``yield_spike``
    k-day 10-year yield rise whose z-score against the trailing year (252 trading days) exceeds a
    threshold (k = 1, 5). The trailing baseline adapts to the volatility regime: an expanding one
    is inflated for decades by a noisy early history (CGB 10y daily std 16–19 bp in 2002–05 vs
    2–3 bp later) and then misses the 2013 cash crunch, the late-2016 rout and the 2020 sell-off.
``move_spike``
    MOVE at a new year-to-date high in the top of its 1-year range, or a one-day jump that is
    extreme vs the history of daily MOVE changes.
``weak_auction``
    Auctions flagged by :func:`seesaw.transforms.auctions.auction_metrics`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

__all__ = [
    "CN_STOCK_BOND_LEGS",
    "DEFAULT_SELLOFFS",
    "DEFAULT_SPIKES",
    "EVENTS_COLUMNS",
    "SelloffLeg",
    "US_TRIPLE_LEGS",
    "detect_events",
    "k_day_change",
    "move_spike_events",
    "selloff_events",
    "weak_auction_events",
    "yield_spike_events",
]

EVENTS_COLUMNS = ["event_type", "market", "obs_date", "window_days", "score", "detail"]

History = Literal["expanding", "rolling"]


@dataclass(frozen=True)
class SelloffLeg:
    """One leg of a joint sell-off.

    Attributes
    ----------
    series : str
        Series id in the wide frame.
    label : str
        Name used in the event detail ("S&P", "10y").
    direction : {'down', 'up'}
        Direction of the move that counts as a sell-off (prices down, yields up).
    unit : {'pct', 'bp'}
        ``pct``: percent change of a price level; ``bp``: change of a percent yield in bp.
    """

    series: str
    label: str
    direction: Literal["down", "up"]
    unit: Literal["pct", "bp"]


US_TRIPLE_LEGS: tuple[SelloffLeg, ...] = (
    SelloffLeg("us_spx", "S&P", "down", "pct"),
    SelloffLeg("us_10y", "10y", "up", "bp"),
    SelloffLeg("us_dollar", "dollar", "down", "pct"),
)
"""The US stock–bond–dollar "triple kill" of April 2025 (Sinolink Securities macro)."""

CN_STOCK_BOND_LEGS: tuple[SelloffLeg, ...] = (
    SelloffLeg("cn_csi300", "CSI 300", "down", "pct"),
    SelloffLeg("cn_10y", "CGB 10y", "up", "bp"),
)
"""China equivalent: stocks and government bonds sold together."""

DEFAULT_SELLOFFS: tuple[tuple[tuple[SelloffLeg, ...], str, str], ...] = (
    (US_TRIPLE_LEGS, "triple_selloff", "US"),
    (CN_STOCK_BOND_LEGS, "stock_bond_selloff", "CN"),
)
"""Joint sell-off detectors of :func:`detect_events`: ``(legs, event_type, market)``."""

DEFAULT_SPIKES: tuple[tuple[str, str, str], ...] = (("us_10y", "10y", "US"), ("cn_10y", "CGB 10y", "CN"))
"""Yield-spike detectors of :func:`detect_events`: ``(series, label, market)``."""


def k_day_change(values: pd.Series, k: int, unit: Literal["pct", "bp"]) -> pd.Series:
    """Change over the last ``k`` observations: percent for levels, bp for percent yields."""
    if unit == "pct":
        return (values / values.shift(k) - 1.0) * 100.0
    return (values - values.shift(k)) * 100.0


def _prior_z(
    values: pd.Series, history: History, history_window: int, min_history: int
) -> pd.Series:
    """z-score vs the mean/std of earlier values only (expanding or trailing window)."""
    prior = values.shift(1)
    stats = (
        prior.expanding(min_periods=min_history)
        if history == "expanding"
        else prior.rolling(history_window, min_periods=min_history)
    )
    std = stats.std()
    return (values - stats.mean()) / std.where(std > 0)


def _minus(text: str) -> str:
    """Typographic minus for human-readable details."""
    return text.replace("-", "\u2212")


def _fmt(value: float, unit: Literal["pct", "bp"]) -> str:
    """Signed move with its unit: '−4.8%', '+17bp'."""
    return _minus(f"{value:+.1f}%" if unit == "pct" else f"{value:+.0f}bp")


_DTYPES = {
    "event_type": object,
    "market": object,
    "obs_date": "datetime64[ns]",
    "window_days": int,
    "score": float,
    "detail": object,
}


def _empty() -> pd.DataFrame:
    """An events frame with no rows and the contract's columns."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in _DTYPES.items()})


def _rows(
    event_type: str, market: str, dates: pd.Index, window: int, score: pd.Series, detail: pd.Series
) -> pd.DataFrame:
    """Assemble events rows from aligned dates, scores and details."""
    return pd.DataFrame(
        {
            "event_type": event_type,
            "market": market,
            "obs_date": pd.DatetimeIndex(dates).normalize().as_unit("ns"),
            "window_days": int(window),
            "score": score.to_numpy(dtype=float),
            "detail": detail.to_numpy(dtype=object),
        }
    )


def selloff_events(
    frame: pd.DataFrame,
    legs: Sequence[SelloffLeg] = US_TRIPLE_LEGS,
    event_type: str = "triple_selloff",
    market: str = "US",
    windows: Sequence[int] = (1, 3, 5),
    min_score: float = 4.0,
    min_leg_z: float = 0.0,
    history: History = "expanding",
    history_window: int = 756,
    min_history: int = 252,
) -> pd.DataFrame:
    """Days on which every leg moved in its sell-off direction over the same k days.

    Changes are measured over k *common* observation days (days on which every leg has a
    value). Each leg's k-day change gets a z-score vs its own earlier k-day changes, signed so
    that a sell-off is positive. An event needs every leg to move in its sell-off direction
    with signed z >= ``min_leg_z``, and the score = the sum of the signed z-scores
    >= ``min_score``.

    Parameters
    ----------
    frame : pd.DataFrame
        Wide daily frame with the legs' series (prices in index points, yields in percent).
    legs : sequence of SelloffLeg
        Default: S&P down, 10-year yield up, dollar down.
    event_type, market : str
        Labels of the rows.
    windows : sequence of int
        k in trading days.
    min_score : float
        Minimum summed z (default 4: e.g. three legs each about 1.3 std).
    min_leg_z : float
        Minimum signed z of every leg (default 0: direction only).
    history, history_window, min_history
        z-score baseline: expanding (default) or trailing ``history_window`` days, and the
        minimum number of earlier changes.

    Returns
    -------
    pd.DataFrame
        ``results.events`` rows; detail like "S&P −3.5%, 10y +6bp, dollar −1.2%".
    """
    cols = [leg.series for leg in legs]
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise ValueError(f"{event_type} needs series {missing}")
    data = frame[cols].astype(float).dropna().sort_index()
    out = []
    for k in windows:
        changes = pd.DataFrame(
            {leg.series: k_day_change(data[leg.series], k, leg.unit) for leg in legs}
        )
        signs = np.array([1.0 if leg.direction == "up" else -1.0 for leg in legs])
        signed_z = pd.DataFrame(
            {
                leg.series: s * _prior_z(changes[leg.series], history, history_window, min_history)
                for leg, s in zip(legs, signs, strict=True)
            }
        )
        score = signed_z.sum(axis=1, min_count=len(legs))
        hit = (
            (changes.mul(signs, axis=1) > 0).all(axis=1)
            & (signed_z >= min_leg_z).all(axis=1)
            & (score >= min_score)
        )
        if not hit.any():
            continue
        detail = pd.Series("", index=changes.index[hit])
        for i, leg in enumerate(legs):
            text = changes.loc[hit, leg.series].map(lambda v, u=leg.unit: _fmt(v, u))
            detail = detail + ("" if i == 0 else ", ") + leg.label + " " + text
        if k > 1:
            detail = detail + f" over {k}d"
        out.append(_rows(event_type, market, detail.index, k, score[hit], detail))
    return pd.concat(out, ignore_index=True) if out else _empty()


def yield_spike_events(
    frame: pd.DataFrame,
    series: str = "us_10y",
    label: str = "10y",
    market: str = "US",
    windows: Sequence[int] = (1, 5),
    z_threshold: float = 2.5,
    direction: Literal["up", "down", "both"] = "up",
    history: History = "rolling",
    history_window: int = 252,
    min_history: int = 252,
) -> pd.DataFrame:
    """k-day yield changes (bp) whose z-score vs earlier k-day changes exceeds a threshold.

    Parameters
    ----------
    frame : pd.DataFrame
        Wide daily frame with the yield in percent.
    series, label, market : str
        Yield series id, its label in the detail, market label.
    windows : sequence of int
        k in trading days (default 1 and 5).
    z_threshold : float
        Minimum |z| (default 2.5).
    direction : {'up', 'down', 'both'}
        Rises only (default), falls only, or both; the score is the signed z.
    history, history_window, min_history
        z-score baseline, as in :func:`selloff_events`; by default the trailing year of k-day
        changes, so the scale follows the current volatility regime.

    Returns
    -------
    pd.DataFrame
        ``results.events`` rows with event_type ``yield_spike``; detail like
        "10y +47bp over 5d (z 3.2)".
    """
    if series not in frame.columns:
        raise ValueError(f"yield_spike needs series {series!r}")
    values = frame[series].astype(float).dropna().sort_index()
    out = []
    for k in windows:
        change = k_day_change(values, k, "bp")
        z = _prior_z(change, history, history_window, min_history)
        if direction == "up":
            hit = z >= z_threshold
        elif direction == "down":
            hit = z <= -z_threshold
        else:
            hit = z.abs() >= z_threshold
        if not hit.any():
            continue
        span = "" if k == 1 else f" over {k}d"
        detail = (
            label
            + " "
            + change[hit].map(lambda v: _fmt(v, "bp"))
            + span
            + " (z "
            + z[hit].map(lambda v: _minus(f"{v:.1f}"))
            + ")"
        )
        out.append(_rows("yield_spike", market, detail.index, k, z[hit], detail))
    return pd.concat(out, ignore_index=True) if out else _empty()


def move_spike_events(
    move_metrics: pd.DataFrame,
    min_pct_rank: float = 95.0,
    min_level_z: float = 1.0,
    jump_z_threshold: float = 3.0,
    market: str = "US",
    history: History = "expanding",
    history_window: int = 756,
    min_history: int = 252,
) -> pd.DataFrame:
    """MOVE spikes from ``results.move_metrics`` rows.

    An event is either a level spike (a new year-to-date high with a 1-year percentile rank
    >= ``min_pct_rank`` and ``move_z`` >= ``min_level_z``) or a jump (one-day rise whose z vs
    earlier daily changes >= ``jump_z_threshold``). Score = the larger of ``move_z`` and the
    jump z.

    Returns
    -------
    pd.DataFrame
        ``results.events`` rows with event_type ``move_spike``, window 1; detail like
        "MOVE 137.3 (+11.6 pts; YTD high; 1y rank 100)".
    """
    mm = move_metrics.set_index("obs_date").sort_index()
    jump = mm["move"].diff()
    jump_z = _prior_z(jump, history, history_window, min_history)
    level = (
        mm["move_ytd_high"].astype(bool)
        & (mm["move_pct_rank_1y"] >= min_pct_rank)
        & (mm["move_z"] >= min_level_z)
    )
    hit = level | (jump_z >= jump_z_threshold)
    if not hit.any():
        return _empty()
    score = pd.concat([mm["move_z"], jump_z], axis=1).max(axis=1)[hit]
    tags = (
        jump[hit].map(lambda v: _minus(f"{v:+.1f} pts"))
        + np.where(mm.loc[hit, "move_ytd_high"], "; YTD high", "")
        + "; 1y rank "
        + mm.loc[hit, "move_pct_rank_1y"].map(lambda v: f"{v:.0f}")
    )
    detail = "MOVE " + mm.loc[hit, "move"].map(lambda v: f"{v:.1f}") + " (" + tags + ")"
    return _rows("move_spike", market, detail.index, 1, score, detail)


def weak_auction_events(auction_metrics: pd.DataFrame, market: str = "US") -> pd.DataFrame:
    """One event per auction flagged ``weak_auction``.

    Score = the larger of ``tail_z - btc_z`` (wide tail with thin cover) and ``dealer_share_z``
    (dealers left holding the issue), ignoring whichever is missing.

    Returns
    -------
    pd.DataFrame
        ``results.events`` rows with event_type ``weak_auction``, window 1; detail like
        "3-Year 91282CMV0: tail +2.4bp vs us_2y~us_5y (z 2.1), BTC 2.29 (z −1.6), dealers 21%
        (z 1.2)".
    """
    weak = auction_metrics[auction_metrics["weak_auction"].astype(bool)]
    if weak.empty:
        return _empty()
    score = pd.concat([weak["tail_z"] - weak["btc_z"], weak["dealer_share_z"]], axis=1).max(axis=1)

    def z_text(z: pd.Series) -> pd.Series:
        return z.map(lambda v: "n/a" if pd.isna(v) else _minus(f"{v:.1f}"))

    tail = weak["tail_bp"].map(lambda v: "n/a" if pd.isna(v) else _minus(f"{v:+.1f}bp"))
    detail = (
        weak["security_term"].astype(str)
        + " "
        + weak["cusip"].astype(str)
        + ": tail "
        + tail
        + " vs "
        + weak["reference_series"].fillna("n/a").astype(str)
        + " (z "
        + z_text(weak["tail_z"])
        + "), BTC "
        + weak["bid_to_cover"].map(lambda v: f"{v:.2f}")
        + " (z "
        + z_text(weak["btc_z"])
        + "), dealers "
        + (weak["dealer_share"] * 100).map(lambda v: "n/a" if pd.isna(v) else f"{v:.0f}%")
        + " (z "
        + z_text(weak["dealer_share_z"])
        + ")"
    )
    return _rows("weak_auction", market, weak["auction_date"], 1, score, detail)


def detect_events(
    frame: pd.DataFrame,
    move_metrics: pd.DataFrame | None = None,
    auction_metrics: pd.DataFrame | None = None,
    selloff_windows: Sequence[int] = (1, 3, 5),
    spike_windows: Sequence[int] = (1, 5),
    selloffs: Sequence[tuple[Sequence[SelloffLeg], str, str]] = DEFAULT_SELLOFFS,
    spikes: Sequence[tuple[str, str, str]] = DEFAULT_SPIKES,
) -> pd.DataFrame:
    """All stress events whose inputs are present, with default thresholds.

    ``selloffs`` are ``(legs, event_type, market)`` detectors, run when every leg's series is a
    column of ``frame`` (default: US triple sell-offs on ``us_spx, us_10y, us_dollar``, China
    stock–bond sell-offs on ``cn_csi300, cn_10y``); ``spikes`` are ``(series, label, market)``
    yield-spike detectors (default ``us_10y`` and ``cn_10y``), run when the series is present.
    MOVE spikes and weak auctions need their metrics frames.

    Returns
    -------
    pd.DataFrame
        ``results.events`` rows sorted by date, type and window.
    """
    parts = []
    for legs, event_type, market in selloffs:
        if all(leg.series in frame.columns for leg in legs):
            parts.append(selloff_events(frame, legs, event_type, market, windows=selloff_windows))
    for series, label, market in spikes:
        if series in frame.columns:
            parts.append(yield_spike_events(frame, series, label, market, windows=spike_windows))
    if move_metrics is not None:
        parts.append(move_spike_events(move_metrics))
    if auction_metrics is not None:
        parts.append(weak_auction_events(auction_metrics))
    parts = [p for p in parts if not p.empty]
    if not parts:
        return _empty()
    return pd.concat(parts, ignore_index=True).sort_values(
        ["obs_date", "event_type", "window_days"], ignore_index=True
    )
