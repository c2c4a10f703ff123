"""Monte Carlo portfolio risk (Soochow Securities calibration, 2025-09-25): known answers, CRN,
chunk invariance, brute force."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from seesaw.models.montecarlo import (
    MC_RISK_COLUMNS,
    SOOCHOW_2025_PARAMS,
    AssetParams,
    estimate_params,
    path_metrics,
    simulate_portfolio_returns,
    simulate_risk,
)


@pytest.fixture(scope="module")
def soochow() -> pd.DataFrame:
    return simulate_risk(SOOCHOW_2025_PARAMS, [-0.6, 0.0], [0.2], months=120, paths=100_000, seed=4,
                         scenario="soochow_2025_calibration")


def test_soochow_vol_matches_published_figures(soochow: pd.DataFrame) -> None:
    vol = soochow.set_index("rho")["vol_ann"]
    assert vol[-0.6] == pytest.approx(0.0315, abs=0.0005)
    assert vol[0.0] == pytest.approx(0.0435, abs=0.0005)


def test_soochow_equity_weight_is_the_20_percent_leg() -> None:
    """Analytic check of which leg is 20%: only α = 0.2 equity gives 3.15% / 4.35%."""
    p = SOOCHOW_2025_PARAMS

    def vol(alpha: float, rho: float) -> float:
        e, b = alpha * p.equity_vol_ann, (1 - alpha) * p.bond_vol_ann
        return float(np.sqrt(e * e + b * b + 2 * rho * e * b))

    assert vol(0.2, -0.6) == pytest.approx(0.0315, abs=0.0003)
    assert vol(0.2, 0.0) == pytest.approx(0.0435, abs=0.0003)
    assert vol(0.8, 0.0) > 0.15


def test_soochow_directions_and_drawdown_ordering(soochow: pd.DataFrame) -> None:
    by_rho = soochow.set_index("rho")
    # Lower correlation: better (higher) 5% return quantile, smaller drawdowns (less negative).
    assert by_rho.loc[-0.6, "ann_return_q05"] > by_rho.loc[0.0, "ann_return_q05"]
    assert by_rho.loc[-0.6, "mdd_full_median"] > by_rho.loc[0.0, "mdd_full_median"]
    assert by_rho.loc[-0.6, "mdd_12m_median"] > by_rho.loc[0.0, "mdd_12m_median"]
    # Soochow figures the model reproduces closely: VaR 2.72% / 2.02%, 10y MDD -3.60% / -6.08%.
    assert by_rho.loc[-0.6, "ann_return_q05"] == pytest.approx(0.0272, abs=0.002)
    assert by_rho.loc[0.0, "ann_return_q05"] == pytest.approx(0.0202, abs=0.002)
    assert by_rho.loc[-0.6, "mdd_full_median"] == pytest.approx(-0.036, abs=0.003)
    assert by_rho.loc[0.0, "mdd_full_median"] == pytest.approx(-0.0608, abs=0.003)
    # A window drawdown can never exceed the full-horizon drawdown.
    assert (soochow["mdd_12m_median"] >= soochow["mdd_full_median"]).all()
    # Mean geometric annual return ≈ monthly mean compounded over a year − σ²/2.
    mu_m = (0.2 * 0.0775 + 0.8 * 0.035) / 12
    for _rho, row in by_rho.iterrows():
        assert row["exp_return_ann"] == pytest.approx((1 + mu_m) ** 12 - 1 - row["vol_ann"] ** 2 / 2, abs=0.0003)
    assert list(soochow.columns) == MC_RISK_COLUMNS


def test_results_do_not_depend_on_chunk_size() -> None:
    kw = dict(months=24, paths=3_000, seed=11)
    a = simulate_risk(SOOCHOW_2025_PARAMS, [-0.3, 0.5], [0.1, 0.6], chunk_paths=3_000, **kw)
    b = simulate_risk(SOOCHOW_2025_PARAMS, [-0.3, 0.5], [0.1, 0.6], chunk_paths=700, **kw)
    pd.testing.assert_frame_equal(a, b)


def test_common_random_numbers_across_a_sweep() -> None:
    """A row of a sweep equals the same (ρ, α) run alone with the same seed."""
    kw = dict(months=36, paths=5_000, seed=3, chunk_paths=1_024)
    sweep = simulate_risk(SOOCHOW_2025_PARAMS, [-0.6, 0.0, 0.4], np.linspace(0, 1, 5), **kw)
    alone = simulate_risk(SOOCHOW_2025_PARAMS, [0.0], [0.5], **kw)
    row = sweep[(sweep["rho"] == 0.0) & (sweep["equity_weight"] == 0.5)].reset_index(drop=True)
    pd.testing.assert_frame_equal(row, alone)
    # With CRN, vol is monotone in ρ at fixed α > 0 (no sampling noise between rows).
    vols = sweep[sweep["equity_weight"] == 0.5].sort_values("rho")["vol_ann"].to_numpy()
    assert np.all(np.diff(vols) > 0)


def test_simulator_matches_brute_force_on_its_own_draws() -> None:
    months, paths, seed = 30, 400, 5
    got = simulate_risk(SOOCHOW_2025_PARAMS, [-0.2], [0.35], months=months, paths=paths, seed=seed, chunk_paths=128)
    r = simulate_portfolio_returns(SOOCHOW_2025_PARAMS, -0.2, 0.35, months=months, paths=paths,
                                   seed=seed).astype(np.float64)
    vol, ann, mdd12, mdd = [], [], [], []
    for p in range(paths):
        wealth = np.concatenate([[1.0], np.cumprod(1 + r[:, p])])
        vol.append(r[:, p].std(ddof=1) * np.sqrt(12))
        ann.append(wealth[-1] ** (12 / months) - 1)
        mdd.append(min(wealth[j] / wealth[: j + 1].max() - 1 for j in range(months + 1)))
        mdd12.append(min(wealth[j] / wealth[max(0, j - 12) : j + 1].max() - 1 for j in range(months + 1)))
    row = got.iloc[0]
    assert row["vol_ann"] == pytest.approx(np.median(vol), rel=1e-4)
    assert row["ann_return_q05"] == pytest.approx(np.quantile(ann, 0.05), abs=1e-5)
    assert row["exp_return_ann"] == pytest.approx(np.mean(ann), abs=1e-5)
    assert row["mdd_full_median"] == pytest.approx(np.median(mdd), abs=1e-5)
    assert row["mdd_12m_median"] == pytest.approx(np.median(mdd12), abs=1e-5)


def test_path_metrics_known_path() -> None:
    # +10%, −20%, +5%, −10%: wealth 1.1, 0.88, 0.924, 0.8316; full MDD = 0.8316/1.1 − 1.
    r = np.array([[0.10], [-0.20], [0.05], [-0.10]], dtype=np.float32)
    m = path_metrics(r, window_months=1)
    assert m.mdd_full[0] == pytest.approx(0.8316 / 1.1 - 1, abs=1e-6)
    assert m.mdd_window[0] == pytest.approx(-0.20, abs=1e-6)
    assert m.ann_return[0] == pytest.approx(0.8316**3 - 1, abs=1e-5)


def test_estimate_params_recovers_simulation_inputs() -> None:
    truth = AssetParams(equity_mean_ann=0.08, equity_vol_ann=0.16, bond_mean_ann=0.03, bond_vol_ann=0.05)
    rng = np.random.default_rng(0)
    n, rho = 20_000, -0.4
    cov = np.array([[0.16**2, rho * 0.16 * 0.05], [rho * 0.16 * 0.05, 0.05**2]]) / 12
    draws = rng.multivariate_normal([0.08 / 12, 0.03 / 12], cov, size=n)
    idx = pd.date_range("1900-01-31", periods=n, freq="ME")
    est = estimate_params(pd.Series(draws[:, 0], idx), pd.Series(draws[:, 1], idx))
    assert est.rho == pytest.approx(rho, abs=0.02)
    assert est.params.equity_vol_ann == pytest.approx(truth.equity_vol_ann, rel=0.02)
    assert est.params.bond_vol_ann == pytest.approx(truth.bond_vol_ann, rel=0.02)
    assert est.params.equity_mean_ann == pytest.approx(truth.equity_mean_ann, abs=0.01)
    assert est.n_periods == n


def test_bad_inputs_raise() -> None:
    with pytest.raises(ValueError, match="rho"):
        simulate_risk(SOOCHOW_2025_PARAMS, [1.5], [0.2], paths=10, months=12)
    with pytest.raises(ValueError, match="equity weights"):
        simulate_risk(SOOCHOW_2025_PARAMS, [0.0], [1.2], paths=10, months=12)
