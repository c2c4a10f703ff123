"""Stress events: synthetic known answers and the April 2025 episode (Sinolink Securities, April 2025) on real data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from seesaw.transforms.events import (
    CN_STOCK_BOND_LEGS,
    EVENTS_COLUMNS,
    detect_events,
    k_day_change,
    move_spike_events,
    selloff_events,
    weak_auction_events,
    yield_spike_events,
)
from seesaw.transforms.move import move_metrics

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
MINUS = "\u2212"


QUIET_DAYS = [600, 650, 700, 720]


def _frame(n: int = 800, seed: int = 11) -> pd.DataFrame:
    """Random walks (prices, yields in percent); no move at all on QUIET_DAYS, for injections."""
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range("2020-01-01", periods=n)
    scales = {
        "us_spx": 0.01,
        "us_10y": 0.05,
        "us_dollar": 0.003,
        "cn_csi300": 0.012,
        "cn_10y": 0.02,
        "us_move": 1.0,
    }
    steps = rng.normal(0, list(scales.values()), (n, len(scales)))
    steps[QUIET_DAYS] = 0.0
    walk = pd.DataFrame(np.cumsum(steps, axis=0), index=idx, columns=list(scales))
    start = {"us_spx": 3000, "us_dollar": 100, "cn_csi300": 4000}
    for col, level in start.items():
        walk[col] = level * np.exp(walk[col])
    walk["us_10y"] += 2.0
    walk["cn_10y"] += 3.0
    walk["us_move"] = 90 + walk["us_move"].clip(-50, 80)
    return walk


def _shock(frame: pd.DataFrame, day: int, spx: float, y10_bp: float, usd: float) -> pd.DataFrame:
    """Apply a one-day move on ``day`` that persists afterwards (levels shift)."""
    out = frame.copy()
    out.iloc[day:, 0] *= 1 + spx / 100
    out.iloc[day:, 1] += y10_bp / 100
    out.iloc[day:, 2] *= 1 + usd / 100
    return out


def test_k_day_change_units() -> None:
    s = pd.Series([100.0, 95.2, 90.0])
    assert k_day_change(s, 1, "pct").iloc[1] == pytest.approx(-4.8)
    assert k_day_change(pd.Series([4.01, 4.18]), 1, "bp").iloc[1] == pytest.approx(17.0)


def test_injected_triple_selloff_is_found_with_detail() -> None:
    frame = _shock(_frame(), 600, spx=-4.8, y10_bp=17, usd=-1.1)
    ev = selloff_events(frame)
    assert list(ev.columns) == EVENTS_COLUMNS
    day = frame.index[600]
    hit = ev[(ev.obs_date == day) & (ev.window_days == 1)]
    assert len(hit) == 1
    assert hit.detail.iloc[0] == f"S&P {MINUS}4.8%, 10y +17bp, dollar {MINUS}1.1%"
    assert hit.score.iloc[0] > 8
    # two legs only (dollar up) is not a triple sell-off
    two_legs = _shock(_frame(), 600, spx=-4.8, y10_bp=17, usd=+1.1)
    ev2 = selloff_events(two_legs)
    assert ev2[(ev2.obs_date == day) & (ev2.window_days == 1)].empty
    # an extreme later day does not change earlier scores (prior-only baselines)
    later = _shock(frame, 700, spx=-20, y10_bp=80, usd=-5)
    ev3 = selloff_events(later)
    before = ev3[ev3.obs_date < frame.index[700]].reset_index(drop=True)
    pd.testing.assert_frame_equal(before, ev[ev.obs_date < frame.index[700]].reset_index(drop=True))


def test_china_stock_bond_selloff_and_yield_spike() -> None:
    frame = _frame()
    frame.iloc[650:, 3] *= 0.94
    frame.iloc[650:, 4] += 0.12
    ev = selloff_events(frame, CN_STOCK_BOND_LEGS, "stock_bond_selloff", "CN", windows=(1,))
    hit = ev[ev.obs_date == frame.index[650]]
    assert len(hit) == 1 and hit.detail.iloc[0].startswith(f"CSI 300 {MINUS}6.0%, CGB 10y +12bp")
    spikes = yield_spike_events(frame, "cn_10y", "CGB 10y", "CN", windows=(1, 5))
    assert {1, 5} <= set(spikes[spikes.obs_date >= frame.index[650]].window_days)
    one = spikes[(spikes.obs_date == frame.index[650]) & (spikes.window_days == 1)].iloc[0]
    assert one.detail.startswith("CGB 10y +") and one.score >= 2.5
    down = yield_spike_events(frame, "cn_10y", windows=(1,), direction="down")
    assert (down.score <= -2.5).all()


def test_move_spikes_and_weak_auctions_and_detect_all() -> None:
    frame = _frame()
    frame.iloc[720:, 5] += 40
    mm = move_metrics(frame)
    spikes = move_spike_events(mm)
    day = spikes[spikes.obs_date == frame.index[720]]
    assert len(day) == 1 and day.score.iloc[0] >= 3.0
    assert day.detail.iloc[0].startswith("MOVE ") and " pts" in day.detail.iloc[0]
    metrics = pd.DataFrame(
        {
            "auction_date": pd.to_datetime(["2022-05-11", "2022-06-08"]),
            "cusip": ["91282CEP2", "91282CEX5"],
            "security_term": ["10-Year", "3-Year"],
            "tail_bp": [3.3, 2.4],
            "reference_series": ["us_10y", "us_2y~us_5y"],
            "bid_to_cover": [2.49, 2.3],
            "dealer_share": [0.11, 0.2],
            "tail_z": [4.5, 2.0],
            "btc_z": [-0.2, -1.5],
            "dealer_share_z": [-0.8, 1.2],
            "weak_auction": [False, True],
        }
    )
    weak = weak_auction_events(metrics)
    assert len(weak) == 1 and weak.score.iloc[0] == pytest.approx(3.5)
    assert weak.detail.iloc[0] == (
        f"3-Year 91282CEX5: tail +2.4bp vs us_2y~us_5y (z 2.0), BTC 2.30 (z {MINUS}1.5), "
        "dealers 20% (z 1.2)"
    )
    shocked = _shock(frame, 600, spx=-4.8, y10_bp=17, usd=-1.1)
    allev = detect_events(shocked, move_metrics=mm, auction_metrics=metrics)
    assert list(allev.columns) == EVENTS_COLUMNS
    assert {"triple_selloff", "yield_spike", "move_spike", "weak_auction"} <= set(allev.event_type)
    assert allev.obs_date.is_monotonic_increasing
    assert detect_events(frame[["us_move"]]).empty


def _fred(code: str) -> pd.Series:
    return pd.read_csv(DATA / "fred_daily" / f"{code}.csv", index_col=0, parse_dates=True)[code]


@pytest.mark.shared_data
def test_april_2025_episode() -> None:
    if not (DATA / "equity" / "GSPC.csv").exists():
        pytest.skip("needs ../shared/data (FRED DGS10, DTWEXBGS, S&P, MOVE)")
    frame = pd.concat(
        {
            "us_10y": _fred("DGS10"),
            "us_dollar": _fred("DTWEXBGS"),
            "us_spx": pd.read_csv(DATA / "equity" / "GSPC.csv", index_col=0, parse_dates=True)[
                "close"
            ],
            "us_move": pd.read_csv(
                DATA / "move" / "date_move_2002-2026" / "move.csv", index_col=0, parse_dates=True
            )["move"],
        },
        axis=1,
        sort=True,
    )
    ev = detect_events(frame, move_metrics=move_metrics(frame))
    april = ev[(ev.obs_date >= "2025-04-01") & (ev.obs_date <= "2025-04-30")]
    print("\n" + april.to_string(index=False))
    triple = april[(april.event_type == "triple_selloff") & (april.window_days == 1)]
    assert pd.Timestamp("2025-04-10") in set(triple.obs_date)
    apr10 = triple[triple.obs_date == "2025-04-10"].iloc[0]
    assert apr10.detail == f"S&P {MINUS}3.5%, 10y +6bp, dollar {MINUS}1.2%"
    spikes = april[april.event_type == "yield_spike"]
    assert ((spikes.obs_date >= "2025-04-07") & (spikes.obs_date <= "2025-04-11")).any()
    move = april[april.event_type == "move_spike"]
    assert pd.Timestamp("2025-04-07") in set(move.obs_date)
    # the 2025-04-10 triple sell-off ranks among the largest since the dollar index began (2006)
    one_day = ev[(ev.event_type == "triple_selloff") & (ev.window_days == 1)]
    assert (one_day.score > apr10.score).sum() <= 10
    assert pd.Timestamp("2025-04-11") in set(spikes[spikes.window_days == 5].obs_date)


@pytest.mark.shared_data
def test_cn_yield_spikes_follow_the_volatility_regime() -> None:
    """A trailing-year baseline finds the 2013 cash crunch, the late-2016 rout and the 2020
    sell-off; an expanding one, inflated by the noisy 2002-05 CGB history, finds only 2003-05."""
    path = DATA / "china" / "cgb_yields_full.csv"
    if not path.exists():
        pytest.skip("needs ../shared/data/china/cgb_yields_full.csv")
    raw = pd.read_csv(path)
    date_col = raw.columns[0]
    cn = raw.set_index(pd.to_datetime(raw[date_col]))["y10"].astype(float).dropna()
    frame = cn.rename("cn_10y").to_frame()
    months = set(yield_spike_events(frame, "cn_10y", market="CN").obs_date.dt.strftime("%Y-%m"))
    assert {"2013-06", "2016-11", "2020-05"} <= months
    expanding = yield_spike_events(frame, "cn_10y", market="CN", history="expanding")
    assert expanding.obs_date.dt.year.max() <= 2008
