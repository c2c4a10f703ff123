"""Macro drivers X, Y, Z, A and the VECM: known answers on built inputs, real US data run."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from seesaw.models.drivers import (
    DRIVER_COLUMNS,
    VECM_FORECAST_COLUMNS,
    VECM_TEST_COLUMNS,
    DriverWindows,
    macro_drivers,
    vecm_analysis,
)

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


def test_drivers_known_answers() -> None:
    idx = pd.date_range("2000-01-31", periods=40, freq="ME")
    rng = np.random.default_rng(0)
    cpi_yoy = pd.Series(rng.normal(2, 1, 40), idx)
    ip_yoy = 2 * cpi_yoy + 1  # perfectly correlated, twice the spread
    s = pd.Series(rng.normal(0, 0.04, 40), idx)
    b = -0.5 * s  # perfectly negatively correlated returns
    w = DriverWindows(uncertainty_months=12, xy_corr_months=24, stock_bond_corr_months=36)
    out = macro_drivers(cpi_yoy, ip_yoy, s, b, windows=w, inputs="yoy_pct")
    assert list(out.columns) == DRIVER_COLUMNS
    assert len(out) == 40 - 35
    assert out["x_infl_unc"].iloc[-1] == pytest.approx(cpi_yoy.iloc[-12:].std())
    np.testing.assert_allclose(out["y_growth_unc"], 2 * out["x_infl_unc"])
    np.testing.assert_allclose(out["z_xy_corr"], 1.0)
    np.testing.assert_allclose(out["a_stock_bond_corr"], -1.0)


def test_index_inputs_become_yoy() -> None:
    idx = pd.date_range("2000-01-01", periods=100, freq="MS")  # FRED first-of-month dates
    cpi = pd.Series(100 * 1.02 ** (np.arange(100) / 12), idx)
    rng = np.random.default_rng(1)
    ip = pd.Series(100 * np.exp(np.cumsum(rng.normal(0.002, 0.01, 100))), idx)
    rets = pd.Series(rng.normal(0, 0.03, 100), idx + pd.offsets.MonthEnd(0))
    out = macro_drivers(cpi, ip, rets, rets * 0.1 + rng.normal(0, 0.01, 100), windows=DriverWindows(24, 24, 24))
    # CPI grows exactly 2% a year → zero inflation uncertainty.
    assert out["x_infl_unc"].abs().max() < 1e-9
    assert (out["obs_date"] == out["obs_date"] + pd.offsets.MonthEnd(0)).all()


def _simulated_drivers(n: int = 400) -> pd.DataFrame:
    """A cointegrated system where lagged changes in X drive A."""
    rng = np.random.default_rng(7)
    e = rng.normal(0, 1, (n, 4))
    trend = np.cumsum(e[:, 1] * 0.05)
    x = 1 + trend
    y = 2 + np.cumsum(e[:, 2] * 0.05)
    z = 0.3 + np.cumsum(e[:, 3] * 0.02)
    a = np.zeros(n)
    for t in range(1, n):
        a[t] = (a[t - 1] - 0.2 * (a[t - 1] - 0.5 * x[t - 1]) + 0.8 * (x[t - 1] - x[t - 2] if t > 1 else 0)
                + 0.01 * e[t, 0])
    idx = pd.date_range("1980-01-31", periods=n, freq="ME")
    return pd.DataFrame(
        {"market": "sim", "obs_date": idx, "x_infl_unc": x, "y_growth_unc": y, "z_xy_corr": z, "a_stock_bond_corr": a}
    )


def test_vecm_detects_simulated_causality() -> None:
    res = vecm_analysis(_simulated_drivers())
    tests = res.tests.set_index("test")
    assert tests.loc["granger_xyz_to_a", "p_value"] < 0.01
    assert res.selected_rank >= 1
    assert res.tests["market"].eq("sim").all()


@pytest.mark.shared_data
def test_vecm_on_us_data() -> None:
    if not DATA.is_dir():
        pytest.skip("needs ../shared/data")

    def fred(rel: str) -> pd.Series:
        return pd.read_csv(DATA / rel, parse_dates=[0], index_col=0).iloc[:, 0].astype(float)

    spx = pd.read_csv(DATA / "equity" / "GSPC.csv", parse_dates=[0], index_col=0)["close"].resample("ME").last()
    y10 = fred("fred_daily/DGS10.csv").dropna().resample("ME").last()
    prev = y10.shift(1) / 100
    bond = prev / 12 - (1 - (1 + prev / 2) ** -20) / prev * y10.diff() / 100
    drivers = macro_drivers(fred("fred_monthly/CPIAUCSL.csv"), fred("fred_monthly/INDPRO.csv"), spx.pct_change(), bond)
    assert drivers["obs_date"].min() <= pd.Timestamp("1970-01-31")
    # The 5-year US stock–bond correlation: positive in the 1980s-90s, negative in the 2000s-10s.
    a = drivers.set_index("obs_date")["a_stock_bond_corr"]
    assert a["1985":"1997"].mean() > 0.2 and a["2003":"2019"].mean() < -0.1

    res = vecm_analysis(drivers, steps=3)
    assert list(res.tests.columns) == VECM_TEST_COLUMNS
    assert list(res.forecasts.columns) == VECM_FORECAST_COLUMNS
    tests = res.tests.set_index("test")
    expected = {"johansen_trace_r0", "johansen_max_eig_r0", "granger_xyz_to_a", "ljung_box_a", "arch_lm_a", "vif_a"}
    assert expected <= set(tests.index)
    assert np.isfinite(tests["statistic"]).all()
    p = tests["p_value"].dropna()
    assert len(p) >= 9 and ((p >= 0) & (p <= 1)).all()
    fc = res.forecasts
    assert fc["step"].tolist() == [1, 2, 3]
    assert fc["origin_date"].iloc[0] == drivers["obs_date"].max()
    assert (fc["obs_date"] > fc["origin_date"]).all()
    width = (fc["upper_95"] - fc["lower_95"]).to_numpy()
    assert np.all(np.diff(width) > 0)
    assert ((fc["lower_95"] < fc["forecast"]) & (fc["forecast"] < fc["upper_95"])).all()
