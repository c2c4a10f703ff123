"""Monte Carlo one-year loss VaR/CVaR and the equity-weight sweep's answers: closed forms and
synthetic cases with known answers."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from seesaw.models.montecarlo import (
    MC_WEIGHT_CHOICE_COLUMNS,
    SOOCHOW_2025_PARAMS,
    AssetParams,
    loss_var_cvar,
    return_plateau,
    simulate_portfolio_returns,
    simulate_risk,
    weight_choice,
)


def test_var_cvar_match_the_normal_closed_form() -> None:
    """Returns ~ N(m, s²): VaR = −m + z·s, CVaR = −m + s·φ(z)/0.05 with z = Φ⁻¹(0.95)."""
    m, s = np.array([0.06, -0.01]), np.array([0.15, 0.04])
    draws = m[:, None] + s[:, None] * np.random.default_rng(7).standard_normal((2, 400_000))
    var, cvar = loss_var_cvar(draws, 0.95)
    z = stats.norm.ppf(0.95)
    np.testing.assert_allclose(var, -m + z * s, atol=0.01 * s.max())
    np.testing.assert_allclose(cvar, -m + s * stats.norm.pdf(z) / 0.05, atol=0.01 * s.max())
    assert np.all(cvar > var)


def test_var_cvar_on_a_small_sample_by_hand() -> None:
    returns = np.array([[0.05, -0.10, 0.02, -0.30, 0.01, 0.00, 0.03, -0.02, 0.04, 0.06]])
    var, cvar = loss_var_cvar(returns, 0.80)  # the 2 worst of 10 returns: −0.30, −0.10
    assert var[0] == pytest.approx(-np.quantile(returns[0], 0.20))
    assert cvar[0] == pytest.approx(0.20)
    with pytest.raises(ValueError, match="level must lie in"):
        loss_var_cvar(returns, 1.0)


def test_one_year_var_is_the_loss_over_the_first_twelve_months() -> None:
    """All-bond portfolio with no bond risk: every path earns (1 + μ/12)^12 − 1 in its first year."""
    riskless = AssetParams(equity_mean_ann=0.08, equity_vol_ann=0.2, bond_mean_ann=0.03, bond_vol_ann=0.0)
    row = simulate_risk(riskless, [0.0], [0.0], months=36, paths=500, seed=1).iloc[0]
    gain = (1 + 0.03 / 12) ** 12 - 1
    assert row["loss_var95_1y"] == pytest.approx(-gain, abs=1e-5)
    assert row["loss_cvar95_1y"] == pytest.approx(-gain, abs=1e-5)
    short = simulate_risk(riskless, [0.0], [0.0], months=6, paths=50, seed=1).iloc[0]
    assert np.isnan(short["loss_var95_1y"]) and np.isnan(short["loss_cvar95_1y"])


def test_one_year_var_and_cvar_match_brute_force_on_the_same_draws() -> None:
    months, paths, seed = 24, 1_000, 9
    got = simulate_risk(SOOCHOW_2025_PARAMS, [-0.2], [0.6], months=months, paths=paths, seed=seed).iloc[0]
    r = simulate_portfolio_returns(SOOCHOW_2025_PARAMS, -0.2, 0.6, months=months, paths=paths,
                                   seed=seed).astype(np.float64)
    loss = 1 - np.prod(1 + r[:12], axis=0)
    assert got["loss_var95_1y"] == pytest.approx(np.quantile(loss, 0.95), abs=1e-5)
    assert got["loss_cvar95_1y"] == pytest.approx(np.sort(loss)[-50:].mean(), abs=1e-5)
    # The horizon statistic is a different thing: a return quantile, here positive where the loss VaR is too.
    assert got["loss_cvar95_1y"] > got["loss_var95_1y"] > 0


def test_return_plateau_of_a_known_concave_curve() -> None:
    """E(α) = 0.03 + 0.05α − 0.125α² peaks at α = 0.2; its slope falls to 0.01 (pp per pp) at 0.16."""
    w = np.round(np.arange(0, 1.0001, 0.01), 2)
    e = 0.03 + 0.05 * w - 0.125 * w**2
    assert return_plateau(w, e) == pytest.approx(0.20)
    assert return_plateau(w, e, threshold_pp=0.01) == pytest.approx(0.16)
    # An uneven grid: the plateau is a grid weight from which every step gains at most the threshold.
    coarse = np.array([0.0, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0])
    assert return_plateau(coarse, 0.03 + 0.05 * coarse - 0.125 * coarse**2) == pytest.approx(0.2)


def test_return_plateau_needs_every_later_step_flat() -> None:
    w = np.array([0.0, 0.1, 0.2, 0.3, 0.4, 0.5])
    dip_then_rise = np.array([0.01, 0.02, 0.019, 0.025, 0.024, 0.024])
    assert return_plateau(w, dip_then_rise) == pytest.approx(0.3)
    assert return_plateau(w, w * 0.04) is None  # still rising at the largest weight
    with pytest.raises(ValueError, match="strictly increasing"):
        return_plateau(np.array([0.2, 0.1]), np.array([0.0, 0.0]))


def test_weight_choice_picks_per_sweep_with_lowest_weight_on_ties() -> None:
    w = np.array([0.0, 0.1, 0.2, 0.3])
    base = {"scenario": "s", "paths": 10, "seed": 1, "equity_weight": w}
    sweep = pd.concat([
        pd.DataFrame({**base, "months": 36, "rho": 0.0, "vol_ann": [0.03, 0.02, 0.02, 0.05],
                      "mdd_full_median": [-0.04, -0.03, -0.05, -0.06], "exp_return_ann": [0.03, 0.04, 0.05, 0.049]}),
        pd.DataFrame({**base, "months": 120, "rho": 0.0, "vol_ann": [0.01, 0.02, 0.03, 0.04],
                      "mdd_full_median": [-0.01, -0.02, -0.03, -0.04], "exp_return_ann": [0.03, 0.04, 0.05, 0.06]}),
    ]).sample(frac=1.0, random_state=3)  # row order must not matter
    choice = weight_choice(sweep)
    assert list(choice.columns) == MC_WEIGHT_CHOICE_COLUMNS
    out = choice.set_index("months")
    assert out.loc[36, ["min_drawdown_weight", "min_vol_weight", "return_plateau_weight"]].tolist() == [0.1, 0.1, 0.2]
    assert out.loc[120, ["min_drawdown_weight", "min_vol_weight"]].tolist() == [0.0, 0.0]
    assert pd.isna(out.loc[120, "return_plateau_weight"]) and out.loc[120, "weights"] == 4


def test_least_volatility_weight_matches_the_minimum_variance_weight() -> None:
    """Soochow calibration, 36 months at ρ = −0.22 (the note's forecast): the simulated least-volatility
    weight is the analytic minimum-variance α = (σb² − ρσeσb)/(σe² + σb² − 2ρσeσb) = 3.9%."""
    p, rho = SOOCHOW_2025_PARAMS, -0.22
    cov = rho * p.equity_vol_ann * p.bond_vol_ann
    alpha = (p.bond_vol_ann**2 - cov) / (p.equity_vol_ann**2 + p.bond_vol_ann**2 - 2 * cov)
    sweep = simulate_risk(p, [rho], np.round(np.arange(0, 0.101, 0.01), 2), months=36, paths=4_000, seed=2)
    choice = weight_choice(sweep).iloc[0]
    assert alpha == pytest.approx(0.039, abs=0.001)
    assert choice["min_vol_weight"] == pytest.approx(round(alpha, 2), abs=0.0101)
