"""Regime labels and their summary on hand-built inputs."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from seesaw.transforms.regimes import (
    REGIME_COLUMNS,
    corr_sign_regimes,
    investment_clock,
    money_credit,
    pring_stages,
    regime_summary,
    stock_bond_quadrants,
)

MONTHS = pd.date_range("2000-01-31", periods=30, freq="ME")


def _flat_then(last: float, n: int = 30) -> pd.Series:
    """Flat at 100 for n−1 months, then ``last``: above/below its 12m average at the end."""
    return pd.Series([100.0] * (n - 1) + [last], index=MONTHS[:n])


@pytest.mark.parametrize(
    ("bond_bull", "stock_bull", "commodity_bull", "stage"),
    [
        (True, False, False, "I"),
        (True, True, False, "II"),
        (True, True, True, "III"),
        (False, True, True, "IV"),
        (False, False, True, "V"),
        (False, False, False, "VI"),
        (False, True, False, "transitional"),
        (True, False, True, "transitional"),
    ],
)
def test_pring_stage_table(bond_bull: bool, stock_bull: bool, commodity_bull: bool, stage: str) -> None:
    bond_yield = _flat_then(90.0 if bond_bull else 110.0)  # bond bull = yield BELOW its average
    stock = _flat_then(110.0 if stock_bull else 90.0)
    commodity = _flat_then(110.0 if commodity_bull else 90.0)
    out = pring_stages(bond_yield, stock, commodity)
    assert list(out.columns) == REGIME_COLUMNS
    assert len(out) == 30 - 11  # first 11 months lack a full 12-month average
    last = out.iloc[-1]
    assert last["label"] == stage
    signs = "".join("+" if b else "-" for b in (bond_bull, stock_bull, commodity_bull))
    assert last["detail"] == f"B{signs[0]}S{signs[1]}C{signs[2]}"
    assert last["obs_date"] == MONTHS[-1]


def test_pring_accepts_daily_and_first_of_month_inputs() -> None:
    daily = pd.Series(np.linspace(1, 2, 800), index=pd.bdate_range("2000-01-03", periods=800))
    monthly_first = pd.Series(np.linspace(5, 4, 40), index=pd.date_range("2000-01-01", periods=40, freq="MS"))
    out = pring_stages(monthly_first, daily, daily)
    assert (out["obs_date"] == out["obs_date"] + pd.offsets.MonthEnd(0)).all()
    assert set(out["label"]) == {"III"}  # falling yields, rising stocks and commodities


def test_investment_clock_quadrants() -> None:
    idx = pd.date_range("2000-01-31", periods=48, freq="ME")
    # Inputs already YoY (%): growth accelerating for 36 months then slowing; inflation
    # alternating rises and falls in blocks of 6 months.
    growth = pd.Series(np.r_[np.linspace(0, 5, 36), np.linspace(5, 0, 12)], idx)
    infl = pd.Series(np.r_[np.tile(np.r_[np.linspace(1, 3, 6), np.linspace(3, 1, 6)], 4)], idx)
    out = investment_clock(growth, infl, inputs="yoy_pct", growth_trend_months=12, inflation_change_months=1)
    got = out.set_index("obs_date")["label"]
    assert got[idx[13]] == "overheat"  # growth above trend, inflation rising (month 2 of a rise)
    assert got[idx[20]] == "recovery"  # growth above trend, inflation falling
    assert got[idx[44]] == "reflation"  # growth below trend, inflation falling
    assert got[idx[40]] == "stagflation"  # growth below trend, inflation rising
    assert set(got) <= {"reflation", "recovery", "overheat", "stagflation"}


def test_investment_clock_runs_through_chinas_missing_januaries() -> None:
    """China publishes January and February IP together: every January is missing."""
    idx = pd.date_range("2004-01-31", periods=240, freq="ME")
    rng = np.random.default_rng(3)
    growth = pd.Series(8 + np.cumsum(rng.normal(0, 0.5, len(idx))), idx)
    infl = pd.Series(2 + np.cumsum(rng.normal(0, 0.2, len(idx))), idx)
    out = investment_clock(growth[growth.index.month != 1], infl, inputs="yoy_pct")
    dates = pd.DatetimeIndex(out["obs_date"])
    assert dates.max() == idx[-1]  # the clock reaches the last month instead of stopping in 2005
    assert dates[dates > idx[24]].size >= 240 - 25 - 1
    assert investment_clock(growth, infl.iloc[:100], inputs="yoy_pct")["obs_date"].max() <= idx[99]


def test_money_credit_labels_and_flat_rates_keep_direction() -> None:
    idx = pd.date_range("2010-01-31", periods=40, freq="ME")
    rate = pd.Series(np.r_[np.linspace(5, 1, 20), np.full(20, 1.0)], idx)  # cuts, then on hold
    credit = pd.Series(100 * 1.01 ** np.arange(40) * (1 + 0.002 * np.arange(40) ** 1.5 / 40), idx)
    out = money_credit(rate, credit).set_index("obs_date")
    assert out.loc[idx[18], "label"] == "loose_money_loose_credit"
    # On hold after cuts: money stays "loose" (previous direction), not undefined.
    assert out.loc[idx[35], "label"].startswith("loose_money_")
    hikes = money_credit(pd.Series(np.linspace(1, 5, 40), idx), credit).set_index("obs_date")
    assert hikes["label"].iloc[-1] == "tight_money_loose_credit"
    falling = pd.Series(np.r_[np.linspace(10, 2, 40)], idx)
    yoy = money_credit(pd.Series(np.linspace(5, 1, 40), idx), falling, credit_input="yoy_pct")
    assert set(yoy["label"]) == {"loose_money_tight_credit"}


def test_stock_bond_quadrants() -> None:
    idx = pd.date_range("2022-01-31", periods=4, freq="ME")
    s = pd.Series([0.05, -0.04, 0.02, -0.01], idx)
    b = pd.Series([0.01, -0.02, -0.01, 0.03], idx)
    out = stock_bond_quadrants(s, b)
    assert out["label"].tolist() == ["double_bull", "double_bear", "seesaw_risk_on", "seesaw_risk_off"]
    assert out["detail"].iloc[0] == "stock=+5.00% bond=+1.00%"


def test_corr_sign_smoothing_with_min_run() -> None:
    idx = pd.date_range("1990-01-31", periods=12, freq="ME")
    r = pd.Series([0.5, 0.5, 0.5, 0.5, -0.4, 0.5, 0.5, 0.0, 0.0, -0.5, -0.5, -0.5], idx)
    p = pd.Series([0.01] * 7 + [0.9, 0.9] + [0.01] * 3, idx)
    raw = corr_sign_regimes(r, p, min_run=1)["label"].tolist()
    assert raw[4] == "negative" and raw[7] == "insignificant"
    smooth = corr_sign_regimes(r, p, min_run=3)["label"].tolist()
    # The one-month negative blip and the two-month insignificant spell are absorbed.
    assert smooth == ["positive"] * 9 + ["negative"] * 3


def _toy_regimes() -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    idx = pd.date_range("2020-01-31", periods=6, freq="ME")
    s = pd.Series([0.05, -0.04, 0.02, -0.01, 0.03, 0.01], idx)
    b = pd.Series([0.01, -0.02, -0.01, 0.03, 0.02, -0.005], idx)
    regimes = pd.concat([stock_bond_quadrants(s, b), stock_bond_quadrants(s, b, market="cn")], ignore_index=True)
    return regimes, s, b


def test_regime_summary_known_answer() -> None:
    regimes, s, b = _toy_regimes()
    out = regime_summary(regimes[regimes["market"] == "us"], s, b).set_index("label")
    assert out.loc["double_bull", "n_periods"] == 2
    assert out.loc["double_bull", "share_of_time"] == pytest.approx(2 / 6)
    assert out.loc["double_bull", "avg_stock_return"] == pytest.approx(0.04)
    assert out.loc["seesaw_risk_on", "avg_bond_return"] == pytest.approx(-0.0075)
    assert out["share_of_time"].sum() == pytest.approx(1.0)


def test_money_credit_reads_money_growth_and_credit_flows() -> None:
    """China as Zhongtai Securities' handbook reads it: money loose when M2 growth rises; credit
    growth of a monthly flow is the YoY change of its trailing 12-month sum."""
    idx = pd.date_range("2010-01-31", periods=48, freq="ME")
    m2_yoy = pd.Series(np.r_[np.linspace(14, 8, 30), np.linspace(8, 10, 18)], idx)
    flow = pd.Series(np.r_[np.full(24, 100.0), np.full(24, 150.0)], idx)  # flows jump 50% in year 3
    flow.iloc[5] = -20.0  # a negative month is a flow, not a bad value
    out = money_credit(m2_yoy, flow, money_input="yoy_pct", credit_input="flow").set_index("obs_date")
    trailing = flow.rolling(12).sum()
    growth = (trailing / trailing.shift(12) - 1) * 100
    assert out.loc[idx[33], "label"] == "loose_money_loose_credit"  # M2 growth turned up, flows rising
    assert out.loc[idx[29], "label"] == "tight_money_loose_credit"  # M2 growth still falling
    money_change, credit_change = m2_yoy.iloc[33] - m2_yoy.iloc[30], growth.iloc[33] - growth.iloc[30]
    assert out.loc[idx[33], "detail"] == (f"money_yoy={m2_yoy.iloc[33]:.2f}% d3m={money_change:+.2f}pp "
                                          f"credit_yoy={growth.iloc[33]:.2f}% d3m={credit_change:+.2f}pp")
    assert out.index.min() == idx[26]  # 24 months for the first flow growth, 3 more for its change
    accelerating = pd.Series(100 * np.exp(np.cumsum(np.linspace(0.005, 0.01, 48))), idx)
    level = money_credit(accelerating, flow, money_input="level", credit_input="flow")
    assert len(level) and level["label"].str.startswith("loose_money_").all()  # M1/M2 stock growing faster
