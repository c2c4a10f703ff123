"""ERP–PMI implied yield (CICC, 2019): arithmetic, estimator checks, real Shiller + ISM data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from seesaw.models.acm import priced_cuts
from seesaw.models.erp import (
    ERP_MODEL_COLUMNS,
    ErpFit,
    earnings_yield_pct,
    erp_model_frame,
    fit_erp_pmi,
    implied_cuts,
    implied_y10,
    newey_west_lags,
)

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


def _fit(alpha: float, beta: float) -> ErpFit:
    ts = pd.Timestamp("2013-01-31")
    return ErpFit(alpha, beta, 0.0, 0.0, 0.563, 0.57, 0.3, 80, 3, ts, ts)


def test_cicc_2019_arithmetic() -> None:
    # CICC (2019): PE 18.6, PMI 49.9 -> implied 10y 1.85% needs a fitted ERP of 100/18.6 - 1.85
    assert earnings_yield_pct(18.6) == pytest.approx(5.376344, abs=1e-6)
    fitted_erp = 100 / 18.6 - 1.85
    assert fitted_erp == pytest.approx(3.526, abs=1e-3)
    beta = -0.15
    fit = _fit(fitted_erp - beta * 49.9, beta)
    assert implied_y10(18.6, 49.9, fit) == pytest.approx(1.85, abs=1e-9)
    # CICC (2019) bond-market leg: TP_1y -0.62% -> about 2.5 cuts
    assert priced_cuts(-0.62) == pytest.approx(2.48)
    # 10y at 1.50% (Aug-2019) vs ERP-implied 1.85%: -1.4 "cuts" (stocks price fewer cuts)
    assert implied_cuts(1.50, 1.85) == pytest.approx(-1.4)
    assert np.isnan(earnings_yield_pct(-5.0))


def test_fit_recovers_known_parameters_with_newey_west_errors() -> None:
    rng = np.random.default_rng(3)
    n = 400
    idx = pd.date_range("1990-01-31", periods=n, freq="ME")
    pmi = pd.Series(52 + np.cumsum(rng.normal(0, 0.8, n)) * 0.3, index=idx)
    noise = np.zeros(n)
    for t in range(1, n):  # AR(1) errors: OLS SEs understate, HAC must be larger
        noise[t] = 0.8 * noise[t - 1] + rng.normal(0, 0.2)
    erp = 9.0 - 0.12 * pmi + noise
    fit = fit_erp_pmi(erp, pmi)
    assert fit.beta == pytest.approx(-0.12, abs=3 * fit.beta_se_nw)
    assert fit.alpha == pytest.approx(9.0, abs=3 * fit.alpha_se_nw)
    assert fit.n_obs == n and fit.nw_lags == newey_west_lags(n) == 5

    # independent Bartlett-kernel HAC sandwich (statsmodels default: no small-sample scaling)
    x = np.column_stack([np.ones(n), pmi.to_numpy()])
    b = np.linalg.lstsq(x, erp.to_numpy(), rcond=None)[0]
    u = erp.to_numpy() - x @ b
    g = x * u[:, None]
    s = g.T @ g
    for lag in range(1, fit.nw_lags + 1):
        w = 1 - lag / (fit.nw_lags + 1)
        gamma = g[lag:].T @ g[:-lag]
        s += w * (gamma + gamma.T)
    xtx_inv = np.linalg.inv(x.T @ x)
    se = np.sqrt(np.diag(xtx_inv @ s @ xtx_inv))
    assert fit.alpha_se_nw == pytest.approx(se[0], rel=1e-8)
    assert fit.beta_se_nw == pytest.approx(se[1], rel=1e-8)
    ols_beta_se = np.sqrt(u @ u / (n - 2) * xtx_inv[1, 1])
    assert fit.beta_se_nw > ols_beta_se


def test_erp_model_frame_rows() -> None:
    idx = pd.date_range("2013-01-31", periods=60, freq="ME")
    rng = np.random.default_rng(0)
    pmi = pd.Series(50 + rng.normal(0, 3, 60), index=idx)
    pe = pd.Series(18 + rng.normal(0, 1, 60), index=idx)
    y10 = 100 / pe - (8.0 - 0.1 * pmi) + rng.normal(0, 0.1, 60)
    out = erp_model_frame(pe, y10, pmi.iloc[:-2], start="2013-01-01")
    assert list(out.columns) == ERP_MODEL_COLUMNS
    assert len(out) == 60 and out["alpha"].nunique() == 1
    assert out["beta"].iloc[0] == pytest.approx(-0.1, abs=0.02)
    np.testing.assert_allclose(out.erp_pct, out.earnings_yield_pct - out.y10_pct)
    np.testing.assert_allclose(
        out.implied_cuts, (out.y10_pct - out.implied_y10_pct) / 0.25, equal_nan=True
    )
    assert out.implied_y10_pct.iloc[-2:].isna().all()  # no PMI -> NULL implied values
    with pytest.raises(ValueError, match="at least 3"):
        fit_erp_pmi(pd.Series([1.0]), pd.Series([50.0]))


@pytest.mark.shared_data
def test_shiller_pe_vs_ism_pmi_fit() -> None:
    if not (DATA / "fred_monthly" / "PMI.csv").exists():
        pytest.skip("needs ../shared/data/fred_monthly/PMI.csv and shiller/data.csv")
    shiller = pd.read_csv(DATA / "shiller" / "data.csv", index_col=0, parse_dates=True)
    shiller = shiller.replace(0.0, np.nan)  # the datasets.io file writes missing as 0.0
    pe = shiller["SP500"] / shiller["Earnings"]
    y10 = shiller["Long Interest Rate"]
    pmi = pd.read_csv(DATA / "fred_monthly" / "PMI.csv", index_col=0, parse_dates=True)["PMI"]
    out = erp_model_frame(pe, y10, pmi, start="2013-01-01")
    row = out.iloc[0]
    print(
        f"ERP-PMI 2013-01..{row.sample_end:%Y-%m} (PMI ends 2018-07): alpha={row.alpha:.3f} "
        f"beta={row.beta:.4f} (NW se {row.beta_se_nw:.4f}) adj R2={row.adj_r2:.3f}"
    )
    assert row.sample_start == pd.Timestamp("2013-01-01")
    assert row.sample_end == pd.Timestamp("2018-07-01")
    # CICC's premise: higher PMI, lower equity risk premium
    assert row.beta < 0
    jul_2018 = out[out.obs_date == "2018-07-01"].iloc[0]
    assert jul_2018.implied_y10_pct == pytest.approx(
        jul_2018.earnings_yield_pct - row.alpha - row.beta * jul_2018.pmi
    )
