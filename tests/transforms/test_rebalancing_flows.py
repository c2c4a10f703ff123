"""Rebalancing flows (BofA, 2026-02-09): known answer, exact derivation, scenarios, real history."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from seesaw.transforms.rebalancing import (
    REBALANCING_COLUMNS,
    RebalancingScenario,
    rebalancing_flow,
    rebalancing_history,
    rebalancing_scenario,
)
from seesaw.transforms.returns import par_bond_risk

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


def test_bofa_october_2022_flow() -> None:
    # N·w·(1−w) = $455bn (N = 1,820bn, w = 0.5), equities +6.3%, bonds −4.8% → $50.5bn sold.
    assert rebalancing_flow(1_820.0, 0.5, 0.063, -0.048) == pytest.approx(50.5, abs=0.05)


def test_flow_restores_target_weight_exactly() -> None:
    rng = np.random.default_rng(1)
    for _ in range(50):
        n, w = rng.uniform(100, 20_000), rng.uniform(0.05, 0.95)
        rs, rb = rng.normal(0, 0.08), rng.normal(0, 0.03)
        equities, bonds = n * w * (1 + rs), n * (1 - w) * (1 + rb)
        flow = rebalancing_flow(n, w, rs, rb)
        assert (equities - flow) / (equities + bonds) == pytest.approx(w, rel=1e-12)


def test_partial_execution_and_bad_inputs() -> None:
    assert rebalancing_flow(1_000.0, 0.6, 0.05, 0.0, execution=0.5) == pytest.approx(0.5 * 1_000 * 0.24 * 0.05)
    with pytest.raises(ValueError, match="execution"):
        rebalancing_flow(1_000.0, 0.6, 0.05, 0.0, execution=1.5)
    with pytest.raises(ValueError, match="equity_weight"):
        rebalancing_flow(1_000.0, 1.6, 0.05, 0.0)


def test_history_monthly_quarterly_and_supply_shares() -> None:
    idx = pd.date_range("2024-01-31", periods=6, freq="ME")
    rs = pd.Series([0.02, -0.01, 0.03, 0.00, 0.01, -0.02], idx)
    rb = pd.Series([0.00, 0.01, -0.01, 0.00, 0.00, 0.01], idx)
    supply = pd.Series(np.arange(1, 13) * 10.0, pd.date_range("2024-01-15", periods=12, freq="15D"))
    m = rebalancing_history(rs, rb, treasury_supply_usd_bn=supply)
    assert list(m.columns) == REBALANCING_COLUMNS
    assert (m["scenario"] == "history_M").all()
    assert m["flow_usd_bn"].iloc[0] == pytest.approx(10_000 * 0.24 * 0.02)
    # Supply Series is summed within each month.
    jan_supply = supply[supply.index.month == 1].sum()
    assert m["share_of_treasury_supply"].iloc[0] == pytest.approx(m["flow_usd_bn"].iloc[0] / jan_supply)
    assert m["share_of_ig_supply"].iloc[0] == pytest.approx(m["flow_usd_bn"].iloc[0] / 168.0)
    q = rebalancing_history(rs, rb, freq="Q", ig_supply_usd_bn=100.0)
    assert len(q) == 2 and (q["scenario"] == "history_Q").all()
    q1_s = (1 + rs.iloc[:3]).prod() - 1
    q1_b = (1 + rb.iloc[:3]).prod() - 1
    assert q["equity_return"].iloc[0] == pytest.approx(q1_s)
    assert q["flow_usd_bn"].iloc[0] == pytest.approx(2_400 * (q1_s - q1_b))
    assert q["share_of_ig_supply"].iloc[0] == pytest.approx(q["flow_usd_bn"].iloc[0] / 300.0)


def test_history_compounding_aum() -> None:
    idx = pd.date_range("2024-01-31", periods=3, freq="ME")
    rs, rb = pd.Series([0.10, 0.10, 0.0], idx), pd.Series([0.0, 0.0, 0.0], idx)
    h = rebalancing_history(rs, rb, aum_usd_bn=100.0, equity_weight=0.5, aum_mode="compound")
    assert h["aum_usd_bn"].tolist() == pytest.approx([100.0, 105.0, 110.25])


def test_scenario_from_config() -> None:
    cfg = {
        "name": "10tn_6040_spx4.5_2cuts",
        "start": "2026-01-31",
        "aum_usd_bn": 10_000,
        "equity_weight": 0.6,
        "equity_return_ann": 0.045,
        "bond_yield_pct": 4.21,
        "cuts": 2,
        "freq": "M",
    }
    df = rebalancing_scenario(cfg)
    assert len(df) == 12 and list(df.columns) == REBALANCING_COLUMNS
    d = par_bond_risk(np.array([4.21]), 10)[0][0]
    assert d == pytest.approx(8.09, abs=0.02)
    r_b = 0.0421 + d * 0.005
    assert df["bond_return"].iloc[0] == pytest.approx((1 + r_b) ** (1 / 12) - 1)
    expected = 2_400 * ((1.045) ** (1 / 12) - (1 + r_b) ** (1 / 12))
    assert df["flow_usd_bn"].iloc[0] == pytest.approx(expected)
    assert df["flow_usd_bn"].iloc[0] < 0  # cuts make bonds outrun a 4.5% equity year
    q = rebalancing_scenario(RebalancingScenario(name="q", start="2026-03-31", bond_return_ann=0.0, freq="Q",
                                                 periods=4))
    assert q["obs_date"].iloc[-1] == pd.Timestamp("2026-12-31")
    with pytest.raises(ValueError, match="unknown"):
        rebalancing_scenario({"name": "x", "start": "2026-01-31", "equity_retrun_ann": 0.1})


def _month_end_last(path: Path, column: str) -> pd.Series:
    return pd.read_csv(path, parse_dates=[0], index_col=0)[column].astype(float).dropna().resample("ME").last()


@pytest.mark.shared_data
def test_ten_trillion_6040_history_2021_2025() -> None:
    if not DATA.is_dir():
        pytest.skip("needs ../shared/data")
    spx = _month_end_last(DATA / "equity" / "GSPC.csv", "close")
    y10 = _month_end_last(DATA / "fred_daily" / "DGS10.csv", "DGS10")
    prev = y10.shift(1)
    duration = pd.Series(par_bond_risk(prev.fillna(0.0).to_numpy(), 10)[0], index=prev.index)
    bond = prev / 1200 - duration * y10.diff() / 100
    h = rebalancing_history(spx.pct_change()["2021":"2025"], bond["2021":"2025"])
    assert len(h) == 60
    mean_abs = h["flow_usd_bn"].abs().mean()
    # BofA: ~$37bn a month since 2021; mechanical monthly rebalancing of $10tn gives the same order.
    assert 30 < mean_abs < 120
    oct22 = h.set_index("obs_date").loc["2022-10-31"]
    assert oct22["flow_usd_bn"] > 0  # equities +8%, bonds down: funds sold equities
