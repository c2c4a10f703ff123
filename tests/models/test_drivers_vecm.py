"""Macro drivers X, Y, Z, A and the VECM: known answers on built inputs, real US data run."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.vector_ar.vecm import VECM, select_coint_rank

from seesaw.models.drivers import (
    DRIVER_COLUMNS,
    VARIABLES,
    VECM_FORECAST_COLUMNS,
    VECM_TEST_COLUMNS,
    DriverWindows,
    granger_xyz_to_a,
    macro_drivers,
    stl_adjusted,
    vecm_analysis,
)
from seesaw.transforms.correlation import rolling_correlation

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


def test_drivers_known_answers() -> None:
    idx = pd.date_range("2000-01-31", periods=40, freq="ME")
    rng = np.random.default_rng(0)
    cpi_yoy = pd.Series(rng.normal(2, 1, 40), idx)
    ip_yoy = 2 * cpi_yoy + 1  # perfectly correlated, twice the spread
    # A arrives as a dated correlation path: two values a month, the month's last one counts
    days = pd.DatetimeIndex([d for month in idx for d in (month - pd.Timedelta(days=10), month - pd.Timedelta(days=2))])
    corr = pd.Series(np.tile([0.9, -0.3], 40), days)
    w = DriverWindows(uncertainty_months=12, xy_corr_months=24)
    out = macro_drivers(cpi_yoy, ip_yoy, corr, windows=w, inputs="yoy_pct")
    assert list(out.columns) == DRIVER_COLUMNS
    assert len(out) == 40 - 23
    assert (out["obs_date"] == out["obs_date"] + pd.offsets.MonthEnd(0)).all()
    assert out["x_infl_unc"].iloc[-1] == pytest.approx(cpi_yoy.iloc[-12:].std())
    np.testing.assert_allclose(out["y_growth_unc"], 2 * out["x_infl_unc"])
    np.testing.assert_allclose(out["z_xy_corr"], 1.0)
    np.testing.assert_allclose(out["a_stock_bond_corr"], -0.3)


def test_index_inputs_become_yoy() -> None:
    idx = pd.date_range("2000-01-01", periods=100, freq="MS")  # FRED first-of-month dates
    cpi = pd.Series(100 * 1.02 ** (np.arange(100) / 12), idx)
    rng = np.random.default_rng(1)
    ip = pd.Series(100 * np.exp(np.cumsum(rng.normal(0.002, 0.01, 100))), idx)
    corr = pd.Series(rng.uniform(-0.5, 0.5, 100), idx + pd.offsets.MonthEnd(0))
    out = macro_drivers(cpi, ip, corr, windows=DriverWindows(24, 24))
    # CPI grows exactly 2% a year → zero inflation uncertainty.
    assert out["x_infl_unc"].abs().max() < 1e-9
    assert len(out) == 100 - 12 - 23


def test_stl_adjustment_removes_a_lunar_new_year_pattern() -> None:
    idx = pd.date_range("2000-01-31", periods=180, freq="ME")
    rng = np.random.default_rng(3)
    trend = 2 + np.sin(np.arange(180) / 30)
    bump = np.where(idx.month == 1, 1.5, np.where(idx.month == 2, -1.5, 0.0))  # the holiday shifts Jan→Feb
    noise = rng.normal(0, 0.05, 180)
    yoy = pd.Series(trend + bump + noise, idx)
    yoy.iloc[20] = np.nan  # a gap: STL runs on the unbroken span after it
    adjusted = stl_adjusted(yoy)
    assert adjusted.index[0] == idx[21] and len(adjusted) == 180 - 21
    err = adjusted - pd.Series(trend + noise, idx)
    assert err.abs().max() < 0.25 and err.std() < 0.1  # the raw series is off by 1.5 in Jan and Feb
    with pytest.raises(ValueError, match="unbroken months"):
        stl_adjusted(yoy.iloc[:30])
    # in the drivers, X then measures the volatility of the trend, not of the holiday pattern
    raw = macro_drivers(yoy, yoy * 0 + trend, yoy, inputs="yoy_pct", windows=DriverWindows(60, 60))
    adj = macro_drivers(yoy, yoy * 0 + trend, yoy, inputs="yoy_pct", windows=DriverWindows(60, 60),
                        seasonal_adjustment="stl")
    assert adj["x_infl_unc"].mean() < 0.7 * raw["x_infl_unc"].mean()


def _simulated_drivers(n: int = 400, *, causal: bool = True, seed: int = 7) -> pd.DataFrame:
    """A system with exactly one cointegrating relation.

    ``causal``: A error-corrects towards 0.5 X and follows last month's change in X (X → A).
    Otherwise Y error-corrects towards X + 1 and A is a random walk that nothing drives.
    """
    rng = np.random.default_rng(seed)
    e = rng.normal(0, 1, (n, 4))
    x = 1 + np.cumsum(e[:, 1] * 0.05)
    z = 0.3 + np.cumsum(e[:, 3] * 0.02)
    a, y = np.zeros(n), np.full(n, 2.0)
    for t in range(1, n):
        dx = x[t - 1] - x[t - 2] if t > 1 else 0.0
        if causal:
            a[t] = a[t - 1] - 0.2 * (a[t - 1] - 0.5 * x[t - 1]) + 0.8 * dx + 0.01 * e[t, 0]
            y[t] = y[t - 1] + 0.05 * e[t, 2]
        else:
            a[t] = a[t - 1] + 0.01 * e[t, 0]
            y[t] = y[t - 1] - 0.3 * (y[t - 1] - x[t - 1] - 1) + 0.05 * e[t, 2]
    idx = pd.date_range("1980-01-31", periods=n, freq="ME")
    return pd.DataFrame(
        {"market": "sim", "obs_date": idx, "x_infl_unc": x, "y_growth_unc": y, "z_xy_corr": z, "a_stock_bond_corr": a}
    )


def test_vecm_finds_the_rank_and_the_causality_of_a_simulated_system() -> None:
    res = vecm_analysis(_simulated_drivers())
    tests = res.tests.set_index("test")
    assert res.selected_rank == 1 and res.coint_rank == 1
    assert tests.loc["granger_xyz_to_a", "p_value"] < 0.01
    assert res.tests["market"].eq("sim").all()
    # every level is I(1): ADF keeps the unit root in levels and rejects it in differences
    for v in "axyz":
        assert tests.loc[f"adf_level_{v}", "p_value"] > 0.05, v
        assert tests.loc[f"adf_diff_{v}", "p_value"] < 0.01, v
    assert 0.99 < tests.loc["r2_a_level", "statistic"] < 1.0


def test_r2_of_the_a_equation_is_the_ols_r2_given_the_cointegrating_vector() -> None:
    data = _simulated_drivers(200).set_index("obs_date")[VARIABLES]
    fitted = VECM(data.reset_index(drop=True), k_ar_diff=1, coint_rank=1, deterministic="co").fit()
    res = vecm_analysis(_simulated_drivers(200), coint_rank=1)
    # ΔA_t on a constant, ΔA..ΔZ at t-1 and β'y_{t-1}: OLS, since β is given
    y = data.to_numpy()
    d = np.diff(y, axis=0)
    ect = y[1:-1] @ fitted.beta[:, 0]
    design = np.column_stack([np.ones(len(d) - 1), d[:-1], ect])
    target = d[1:, 0]
    coef, *_ = np.linalg.lstsq(design, target, rcond=None)
    resid = target - design @ coef
    r2 = 1 - resid @ resid / np.sum((target - target.mean()) ** 2)
    assert res.tests.set_index("test").loc["r2_da", "statistic"] == pytest.approx(r2, rel=1e-8)


def test_joint_causality_test_holds_its_size_when_nothing_drives_a() -> None:
    rejections, ranks = 0, 0
    reps = 200
    for seed in range(reps):
        data = _simulated_drivers(150, causal=False, seed=1000 + seed)[VARIABLES]
        fitted = VECM(data, k_ar_diff=1, coint_rank=1, deterministic="co").fit()
        rejections += granger_xyz_to_a(fitted)["p_value"] < 0.05
        if seed < 40:
            ranks += select_coint_rank(data.to_numpy(), 0, 1, method="trace", signif=0.05).rank == 1
    assert 0.02 <= rejections / reps <= 0.09  # nominal 5%; binomial sd 1.5 pp at 200 draws
    assert ranks >= 32  # Johansen finds the one relation in most samples


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
    corr = rolling_correlation(spx.pct_change(), bond, 60)["corr"]
    drivers = macro_drivers(fred("fred_monthly/CPIAUCSL.csv"), fred("fred_monthly/INDPRO.csv"), corr)
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
