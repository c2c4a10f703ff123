"""Signal alerts (pure): what changed in the market between two stored point-in-time days.

The inputs are the ``pit`` rows of a day D and of the previous stored day (``regimes``,
``events``, ``correlations_latest``, ``move_latest``, as ``transforms.pit.summarize`` makes them),
so a replayed day gives exactly the lines the nightly run of that day sent. Each alert is one
plain line naming series by their catalog names:

``event``
    A stress event newer than the previous day's newest of its type and market (the events of
    Sinolink Securities macro, "US Treasuries are losing their safe-haven halo", April 2025).
``regime``
    A regime label that differs from the previous day's (Zhongtai Securities, "Stock–bond
    relationship handbook", 2024-12-03); a framework first seen on D is no change.
``zero_cross``
    A primary pair's rolling stock–bond correlation whose sign differs from the previous day's,
    significant on D (p below the level); the line carries p, n and the window's end.
``move_high``
    MOVE's newest reading is a year-to-date high and newer than the previous day's reading.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from seesaw.transforms.correlation import CorrPath

#: Every alert kind, in the order lines are listed.
ALERT_KINDS = ("event", "regime", "zero_cross", "move_high")

#: The pit tables alerts read.
ALERT_TABLES = ("regimes", "events", "correlations_latest", "move_latest")

EVENT_NAMES = {"triple_selloff": "triple sell-off (stocks, Treasuries and the dollar down together)",
               "stock_bond_selloff": "stock–bond sell-off", "yield_spike": "10-year yield spike",
               "move_spike": "MOVE spike", "weak_auction": "weak Treasury auction"}
FRAMEWORK_NAMES = {"corr_sign": "stock–bond correlation sign", "stock_bond_quadrant": "stock–bond return quadrant",
                   "pring": "Pring cycle stage", "investment_clock": "investment clock",
                   "money_credit": "money–credit quadrant"}
#: Frameworks that read a stock–bond pair (their line names it).
PAIR_FRAMEWORKS = frozenset({"corr_sign", "stock_bond_quadrant", "pring"})
_PERIOD = {"D": "day", "W": "week", "M": "month", "Q": "quarter"}


@dataclass(frozen=True)
class AlertRules:
    """What to alert on: ``kinds`` (of ``ALERT_KINDS``), the primary ``paths`` a zero crossing is
    watched on and its ``significance_level``, the ``event_types`` (None = all) and regime
    ``frameworks``; ``names`` (series id → catalog name) and ``regime_pairs`` (market → the stock
    and bond ids its regimes read) name series; ``move`` is MOVE's series id."""

    kinds: frozenset[str] = frozenset(ALERT_KINDS)
    paths: tuple[CorrPath, ...] = ()
    significance_level: float = 0.05
    event_types: frozenset[str] | None = None
    frameworks: frozenset[str] = frozenset(FRAMEWORK_NAMES)
    names: Mapping[str, str] = field(default_factory=dict)
    regime_pairs: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    move: str = "us_move"

    def name(self, series_id: str) -> str:
        """A series' catalog name (its id when the catalog has none)."""
        return self.names.get(series_id) or series_id


@dataclass(frozen=True)
class Signals:
    """The alert lines of stored pit day ``as_of`` against the stored day ``since`` before it
    (None: no earlier day, so no lines)."""

    as_of: date
    since: date | None
    lines: tuple[str, ...] = ()


def alert_lines(previous: Mapping[str, pd.DataFrame], newest: Mapping[str, pd.DataFrame],
                rules: AlertRules) -> list[str]:
    """The alert lines of day D (``newest``: pit table name → that day's rows) against the
    previous stored day (``previous``), in ``ALERT_KINDS`` order; none when nothing changed."""
    makers = {"event": _events, "regime": _regimes, "zero_cross": _zero_crosses, "move_high": _move_high}
    return [line for kind in ALERT_KINDS if kind in rules.kinds
            for line in makers[kind](previous, newest, rules)]


def _rows(frames: Mapping[str, pd.DataFrame], name: str) -> pd.DataFrame:
    frame = frames.get(name)
    return pd.DataFrame() if frame is None else frame


def _day(value: object) -> str:
    return str(pd.Timestamp(value).date())


def _events(previous: Mapping[str, pd.DataFrame], newest: Mapping[str, pd.DataFrame],
            rules: AlertRules) -> list[str]:
    new, old = _rows(newest, "events"), _rows(previous, "events")
    if new.empty:
        return []
    before = {} if old.empty else {(r.event_type, r.market): pd.Timestamp(r.obs_date) for r in old.itertuples()}
    lines = []
    for r in new.sort_values(["market", "obs_date", "event_type"], kind="stable").itertuples():
        if rules.event_types is not None and r.event_type not in rules.event_types:
            continue
        last = before.get((r.event_type, r.market))
        if last is None or pd.Timestamp(r.obs_date) > last:
            detail = f": {r.detail}" if isinstance(r.detail, str) and r.detail else ""
            lines.append(f"{r.market}: new stress event, {EVENT_NAMES.get(r.event_type, r.event_type)}"
                         f" on {_day(r.obs_date)}{detail}")
    return lines


def _regimes(previous: Mapping[str, pd.DataFrame], newest: Mapping[str, pd.DataFrame],
             rules: AlertRules) -> list[str]:
    new, old = _rows(newest, "regimes"), _rows(previous, "regimes")
    if new.empty or old.empty:
        return []
    before = {(r.framework, r.market): r.label for r in old.itertuples()}
    lines = []
    for r in new.sort_values(["market", "framework"], kind="stable").itertuples():
        last = before.get((r.framework, r.market))
        if r.framework not in rules.frameworks or last is None or last == r.label:
            continue
        pair = rules.regime_pairs.get(r.market)
        of = (f" of {rules.name(pair[0])} vs {rules.name(pair[1])}"
              if pair and r.framework in PAIR_FRAMEWORKS else "")
        detail = f", {r.detail}" if isinstance(r.detail, str) and r.detail else ""
        lines.append(f"{r.market}: {FRAMEWORK_NAMES.get(r.framework, r.framework)} regime{of} changed from "
                     f"{str(last).replace('_', ' ')} to {str(r.label).replace('_', ' ')}"
                     f" (period to {_day(r.obs_date)}{detail})")
    return lines


def _zero_crosses(previous: Mapping[str, pd.DataFrame], newest: Mapping[str, pd.DataFrame],
                  rules: AlertRules) -> list[str]:
    new, old = _rows(newest, "correlations_latest"), _rows(previous, "correlations_latest")
    if new.empty or old.empty:
        return []
    lines = []
    for path in rules.paths:
        def on_path(frame: pd.DataFrame, path: CorrPath = path) -> pd.DataFrame:
            horizon = frame["horizon_periods"].fillna(1) if "horizon_periods" in frame else 1
            return frame[(frame["method"] == "rolling") & (frame["market"] == path.market)
                         & (frame["asset_a"] == path.equity) & (frame["asset_b"] == path.bond)
                         & (frame["freq"] == path.freq) & (frame["window_size"] == path.window)
                         & (horizon == path.horizon_periods)]

        pairs = on_path(new).merge(on_path(old)[["basis", "corr"]], on="basis", suffixes=("", "_old"))
        for r in pairs.itertuples():
            crossed = np.sign(r.corr) != np.sign(r.corr_old) and r.corr != 0
            if crossed and pd.notna(r.p_value) and r.p_value < rules.significance_level:
                unit = _PERIOD.get(path.freq, path.freq)
                returns = f", {path.horizon_periods}-{unit} returns" if path.horizon_periods > 1 else ""
                lines.append(f"{path.market}: {rules.name(path.equity)} vs {rules.name(path.bond)} "
                             f"{path.window}-{unit} correlation crossed zero, {r.corr_old:+.2f} to {r.corr:+.2f}"
                             f" (p {r.p_value:.3f}, n {r.n:.0f}{returns}, data to {_day(r.obs_date)})")
    return lines


def _move_high(previous: Mapping[str, pd.DataFrame], newest: Mapping[str, pd.DataFrame],
               rules: AlertRules) -> list[str]:
    new, old = _rows(newest, "move_latest"), _rows(previous, "move_latest")
    if new.empty:
        return []
    r = new.iloc[-1]
    last = None if old.empty else pd.Timestamp(old["obs_date"].iloc[-1])
    high = r["move_ytd_high"]
    if not (pd.notna(high) and bool(high)) or (last is not None and pd.Timestamp(r["obs_date"]) <= last):
        return []
    rank = f", 1-year percentile {r['move_pct_rank_1y']:.0f}" if pd.notna(r.get("move_pct_rank_1y")) else ""
    return [f"US: {rules.name(rules.move)} at a year-to-date high, {r['move']:.1f} on {_day(r['obs_date'])}{rank}"]
