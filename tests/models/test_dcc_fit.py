"""Known-answer tests for seesaw.models.dcc: recovery from simulated DCC/ADCC data, scale invariance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from arch import arch_model
from threadpoolctl import threadpool_limits

from seesaw.models import dcc
from seesaw.models.dcc import DCCResult, dcc_correlations, fit_dcc, simulate_dcc

T_OBS = 16_000
GARCH_2 = [(0.04, 0.02, 0.08, 0.90), (0.01, 0.005, 0.05, 0.94)]
CORR_2 = np.array([[1.0, -0.3], [-0.3, 1.0]])


def _frame(values: np.ndarray, names: list[str]) -> pd.DataFrame:
    return pd.DataFrame(values, index=pd.bdate_range("1962-01-02", periods=len(values)), columns=names)


@pytest.fixture(scope="module")
def dcc_sample() -> tuple[pd.DataFrame, np.ndarray]:
    ret, r_true = simulate_dcc(T_OBS, CORR_2, a=0.03, b=0.95, garch=GARCH_2, seed=0)
    return _frame(ret, ["eq", "bd"]), r_true


@pytest.fixture(scope="module")
def dcc_fit(dcc_sample) -> DCCResult:
    return fit_dcc(dcc_sample[0])


def test_recovers_a_b_and_path(dcc_sample, dcc_fit):
    # ±0.01 is about 1.7 standard errors of b at T = 16,000 (see test_standard_errors_plausible).
    assert dcc_fit.converged, dcc_fit.message
    assert dcc_fit.params["a"] == pytest.approx(0.03, abs=0.01)
    assert dcc_fit.params["b"] == pytest.approx(0.95, abs=0.01)
    corr = dcc_correlations(dcc_fit, dcc_sample[0])
    assert np.abs(corr["corr"].to_numpy() - dcc_sample[1][:, 0, 1]).mean() < 0.02


def test_standard_errors_plausible(dcc_fit):
    # Over six seeds of this design the estimates scatter with sd ≈ 0.0027 (a) and ≈ 0.0059 (b).
    assert dcc_fit.std_errors["a"] == pytest.approx(0.0027, rel=0.5)
    assert dcc_fit.std_errors["b"] == pytest.approx(0.0059, rel=0.5)
    assert "Engle-Sheppard" in dcc_fit.se_method


def test_univariate_step_matches_arch(dcc_sample, dcc_fit):
    x = dcc_sample[0]["bd"].to_numpy()
    u = dcc_fit.univariate["bd"]
    with threadpool_limits(limits=1):  # fit_dcc fixes BLAS to one thread: compare like with like
        ref = arch_model(x * u["scale"], mean="Constant", vol="GARCH", p=1, q=1, rescale=False).fit(disp="off")
    phi = np.array([u["mu"], u["omega"], u["alpha"], u["beta"]])
    np.testing.assert_allclose(phi, ref.params.to_numpy(), rtol=1e-12)
    _, var = dcc._garch_path(x * u["scale"], phi, u["backcast"])
    np.testing.assert_allclose(np.sqrt(var), ref.conditional_volatility, rtol=1e-12)
    assert u["alpha"] == pytest.approx(0.05, abs=0.02)
    assert u["beta"] == pytest.approx(0.94, abs=0.03)


def test_scale_invariance(dcc_sample, dcc_fit):
    scaled = dcc_sample[0] * 100.0
    res = fit_dcc(scaled)
    for name in ("a", "b"):
        assert res.params[name] == pytest.approx(dcc_fit.params[name], abs=1e-6)
    base = dcc_correlations(dcc_fit, dcc_sample[0])["corr"].to_numpy()
    np.testing.assert_allclose(dcc_correlations(res, scaled)["corr"].to_numpy(), base, atol=1e-6)
    assert res.univariate["eq"]["scale"] == pytest.approx(dcc_fit.univariate["eq"]["scale"] / 100.0, rel=1e-12)


def test_deterministic(dcc_sample, dcc_fit):
    again = fit_dcc(dcc_sample[0])
    assert again.params == dcc_fit.params
    assert again.std_errors == dcc_fit.std_errors
    np.testing.assert_array_equal(again.q_last, dcc_fit.q_last)


def test_result_fields(dcc_sample, dcc_fit):
    frame = dcc_sample[0]
    assert (dcc_fit.model, dcc_fit.dist, dcc_fit.nobs, dcc_fit.n_assets) == ("dcc", "normal", T_OBS, 2)
    assert dcc_fit.asset_names == ("eq", "bd")
    assert (dcc_fit.sample_start, dcc_fit.sample_end, dcc_fit.state_end) == (
        frame.index[0],
        frame.index[-1],
        frame.index[-1],
    )
    np.testing.assert_allclose(np.diag(dcc_fit.qbar), 1.0, atol=0.05)
    corr = dcc_correlations(dcc_fit, frame)
    assert list(corr.columns) == ["obs_date", "asset_a", "asset_b", "corr"]
    assert len(corr) == T_OBS
    # the stored state is the last point of the fitted path
    q = dcc_fit.q_last
    assert corr["corr"].iloc[-1] == pytest.approx(q[0, 1] / np.sqrt(q[0, 0] * q[1, 1]), abs=1e-14)


def test_adcc_recovers_asymmetry():
    ret, _ = simulate_dcc(T_OBS, CORR_2, a=0.02, b=0.93, g=0.04, garch=GARCH_2, seed=3)
    res = fit_dcc(_frame(ret, ["eq", "bd"]), model="adcc")
    p = res.params
    assert res.converged, res.message
    assert p["a"] == pytest.approx(0.02, abs=0.012)
    assert p["b"] == pytest.approx(0.93, abs=0.03)
    assert p["g"] == pytest.approx(0.04, abs=0.025)
    assert p["a"] + p["b"] + res.delta * p["g"] < 1.0
    # δ is the largest eigenvalue of Q̄^{-1/2} N̄ Q̄^{-1/2}
    w, v = np.linalg.eigh(res.qbar)
    root_inv = v @ np.diag(w**-0.5) @ v.T
    assert res.delta == pytest.approx(np.linalg.eigvalsh(root_inv @ res.nbar @ root_inv)[-1], rel=1e-10)


def test_student_t_recovers_nu():
    ret, _ = simulate_dcc(T_OBS, CORR_2, a=0.03, b=0.95, garch=GARCH_2, nu=7.0, seed=5)
    res = fit_dcc(_frame(ret, ["eq", "bd"]), dist="t")
    assert res.params["nu"] == pytest.approx(7.0, abs=1.5)
    assert res.params["a"] == pytest.approx(0.03, abs=0.01)
    assert res.params["b"] == pytest.approx(0.95, abs=0.015)
    assert np.isfinite(res.std_errors["nu"])


def test_three_assets_psd_unit_diagonal():
    corr = np.array([[1.0, 0.4, -0.2], [0.4, 1.0, 0.1], [-0.2, 0.1, 1.0]])
    garch = GARCH_2 + [(0.0, 0.03, 0.1, 0.85)]
    ret, r_true = simulate_dcc(4_000, corr, a=0.04, b=0.93, garch=garch, seed=7)
    frame = _frame(ret, ["x", "y", "w"])
    res = fit_dcc(frame)
    assert res.converged, res.message
    assert res.params["a"] == pytest.approx(0.04, abs=0.02)
    assert res.params["b"] == pytest.approx(0.93, abs=0.03)
    long = dcc_correlations(res, frame)
    assert len(long) == 3 * len(frame)
    assert list(long[["asset_a", "asset_b"]].iloc[:3].itertuples(index=False, name=None)) == [
        ("x", "y"),
        ("x", "w"),
        ("y", "w"),
    ]
    r = np.repeat(np.eye(3)[None], len(frame), axis=0)
    iu = np.triu_indices(3, 1)
    r[:, iu[0], iu[1]] = long["corr"].to_numpy().reshape(-1, 3)
    r[:, iu[1], iu[0]] = r[:, iu[0], iu[1]]
    assert np.linalg.eigvalsh(r).min() > 0.0
    np.testing.assert_array_equal(np.diagonal(r, axis1=1, axis2=2), 1.0)
    assert np.abs(r - r_true).max() < 0.35


@pytest.mark.parametrize("n", [2, 4])
def test_logdet_quad_equals_numpy_linalg(n):
    # the N = 2 closed form and the vectorized Cholesky (N > 2) against numpy.linalg
    rng = np.random.default_rng(n)
    loadings = rng.standard_normal((300, n, n + 2))
    cov = loadings @ loadings.transpose(0, 2, 1)
    sd = np.sqrt(np.diagonal(cov, axis1=1, axis2=2))
    full = cov / sd[:, :, None] / sd[:, None, :]
    iu = np.triu_indices(n, 1)
    z = rng.standard_normal((300, n))
    logdet, quad = dcc._logdet_quad(full[:, iu[0], iu[1]].T, z)
    np.testing.assert_allclose(logdet, np.linalg.slogdet(full)[1], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(quad, np.einsum("ti,tij,tj->t", z, np.linalg.inv(full), z), rtol=1e-9)
    singular = full.copy()
    singular[0] = 1.0  # rank one: not positive definite
    assert dcc._logdet_quad(singular[:, iu[0], iu[1]].T, z) is None


def test_rejects_bad_input(dcc_sample):
    frame = dcc_sample[0].iloc[:500].copy()
    gappy = frame.copy()
    gappy.iloc[10, 0] = np.nan
    with pytest.raises(ValueError, match="balanced panel"):
        fit_dcc(gappy)
    with pytest.raises(ValueError, match="two return series"):
        fit_dcc(frame[["eq"]])
    with pytest.raises(ValueError, match="model must be"):
        fit_dcc(frame, model="bekk")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        fit_dcc(frame.to_numpy())  # type: ignore[arg-type]


def test_a_garch_on_the_stationarity_boundary_is_flagged_not_converged(dcc_fit):
    """alpha + beta at 1 (IGARCH): standard errors are unreliable there, so the fit says so."""
    assert dcc_fit.converged and "alpha+beta" not in dcc_fit.message
    near_integrated = [(0.0, 0.01, 0.10, 0.8999), (0.0, 0.01, 0.06, 0.9399)]  # alpha + beta = 0.9999
    ret, _ = simulate_dcc(6_000, CORR_2, a=0.03, b=0.95, garch=near_integrated, seed=6)
    fit = fit_dcc(_frame(ret, ["eq", "bd"]))
    persistence = [u["alpha"] + u["beta"] for u in fit.univariate.values()]
    assert max(persistence) >= dcc.GARCH_BOUNDARY
    assert not fit.converged
    assert f">= {dcc.GARCH_BOUNDARY}: integrated variance" in fit.message
