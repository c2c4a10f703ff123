"""Analyses combine inputs over their common periods and record cutoffs and staleness as data."""
from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pytest

from seesaw.analyses.core import Analysis, Context, Output, Upstream
from seesaw.analyses.correlation import pair_returns
from seesaw.analyses.settings import AnalysisSettings, Pair
from seesaw.analyses.steps import ANALYSES
from seesaw.sources.catalog import Profile
from seesaw.transforms.returns import par_bond_risk
from support import run_analyses

BY_NAME = {a.name: a for a in ANALYSES}


def _context(series: dict[str, tuple[str, pd.Series]], now: datetime) -> Context:
    """A run's context over daily in-memory series: id -> (catalog kind, values indexed by date)."""
    catalog = pd.DataFrame({"series_id": list(series), "kind": [kind for kind, _ in series.values()],
                            "frequency": "D"})
    observations = pd.concat(
        [pd.DataFrame({"series_id": sid, "obs_date": values.index.date, "value": values.to_numpy()})
         for sid, (_, values) in series.items()], ignore_index=True)
    return Context(Profile("test", "", (), AnalysisSettings()), catalog, observations, now)


def _legs(bond_end: str) -> tuple[pd.Series, pd.Series]:
    """S&P levels every business day of 2025-01 .. 2026-06 and a 10y yield ending at ``bond_end``."""
    rng = np.random.default_rng(3)
    days = pd.bdate_range("2025-01-01", "2026-06-30")
    spx = pd.Series(5000 * np.exp(np.cumsum(rng.normal(0, 0.01, len(days)))), index=days)
    y10 = pd.Series(4 + np.cumsum(rng.normal(0, 0.03, len(days))), index=days).loc[:bond_end]
    return spx, y10


def test_rebalancing_flows_stop_at_the_common_cutoff_and_match_a_hand_computation() -> None:
    spx, y10 = _legs("2026-04-17")  # the bond leg ends mid-April; equities run to the end of June
    ctx = _context({"us_spx": ("index", spx), "us_10y": ("yield", y10)}, datetime(2026, 7, 1, tzinfo=UTC))
    outcomes, written = run_analyses(ctx, [BY_NAME["rebalancing_flows"]])
    flows = written["rebalancing_flows"]
    for scenario in ("history_M", "history_Q"):
        assert flows.loc[flows["scenario"] == scenario, "obs_date"].max() == date(2026, 3, 31)
    # Q1 2026 by hand: equity return from quarter-end levels, bond return compounded from monthly
    # par-bond returns y·Δt − D·Δy + ½·C·Δy² at month-end yields.
    month_end_y = y10.resample("ME").last()
    ys = month_end_y.loc["2025-12-31":"2026-03-31"].to_numpy()
    growth = 1.0
    for prev, cur in zip(ys[:-1], ys[1:], strict=True):
        duration, convexity = par_bond_risk(np.array([prev]), 10)
        dy = (cur - prev) / 100
        growth *= 1 + prev / 100 / 12 - duration[0] * dy + 0.5 * convexity[0] * dy**2
    r_s = spx.loc["2026-03-31"] / spx.loc["2025-12-31"] - 1
    expected = 10_000 * 0.6 * 0.4 * (r_s - (growth - 1))
    q1 = flows[(flows["scenario"] == "history_Q") & (flows["obs_date"] == date(2026, 3, 31))].iloc[0]
    assert q1["flow_usd_bn"] == pytest.approx(expected, rel=1e-12)
    # cutoffs as data, and the stale leg named
    cutoffs = written["analysis_cutoffs"]
    assert set(cutoffs["common_cutoff"]) == {date(2026, 4, 17)}
    assert dict(zip(cutoffs["series_id"], cutoffs["series_last_date"], strict=False)) == {
        "us_spx": date(2026, 6, 30), "us_10y": date(2026, 4, 17)}
    assert dict(zip(cutoffs["series_id"], cutoffs["stale"], strict=False)) == {"us_spx": False, "us_10y": True}
    (outcome,) = outcomes
    assert outcome["status"] == "stale"
    assert outcome["message"].startswith("stale since 2026-04-17: us_10y last observed 2026-04-17")
    assert "us_spx" not in outcome["message"]


def test_fresh_inputs_are_not_stale() -> None:
    spx, y10 = _legs("2026-06-30")
    ctx = _context({"us_spx": ("index", spx), "us_10y": ("yield", y10)}, datetime(2026, 7, 3, tzinfo=UTC))
    (outcome,), written = run_analyses(ctx, [BY_NAME["rebalancing_flows"]])
    assert outcome["status"] == "ok", outcome["message"]
    assert not written["analysis_cutoffs"]["stale"].any()


def test_no_daily_pair_return_spans_a_holiday_of_one_leg() -> None:
    days = pd.bdate_range("2026-10-05", "2026-10-16")
    holiday = pd.Timestamp("2026-10-12")  # the bond market is closed, stocks trade
    spx = pd.Series(np.linspace(100, 111, len(days)), index=days)
    y10 = pd.Series(np.linspace(4.0, 4.2, len(days)), index=days).drop(holiday)
    ctx = _context({"us_spx": ("index", spx), "us_10y": ("yield", y10)}, datetime(2026, 10, 17, tzinfo=UTC))
    pair = Pair(market="US", equity="us_spx", bond="us_10y", bond_maturity_years=10, freq="D")
    equity, bond = pair_returns(ctx, pair)
    assert holiday not in equity.index and holiday not in bond.index
    after = pd.Timestamp("2026-10-13")
    assert equity.loc[after] == spx.loc[after] / spx.loc["2026-10-09"] - 1  # spans the same two days as the bond
    assert list(equity.index) == list(bond.index)


def test_a_step_that_writes_no_rows_says_why() -> None:
    spx, _ = _legs("2026-06-30")
    ctx = _context({"us_spx": ("index", spx)}, datetime(2026, 7, 1, tzinfo=UTC))

    def nothing(view: Context, settings: None, upstream: Upstream) -> list[Output]:
        view.series("us_spx")
        return [Output("returns", pd.DataFrame(columns=["series_id"]))]

    (outcome,), _ = run_analyses(ctx, [Analysis("nothing", nothing, lambda _: None, lambda _: ["us_spx"],
                                        writes=("returns",))])
    assert outcome["status"] == "ok"
    assert outcome["rows_written"] == 0
    assert outcome["message"] == "wrote no rows: its inputs give no new complete period (us_spx last 2026-06-30)"
