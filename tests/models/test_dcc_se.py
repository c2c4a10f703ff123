"""Two-step DCC standard errors: analytic cross-derivatives against the former all-finite-difference
computation (frozen in tests/dcc_reference.py), their building blocks against finite differences,
and coverage of known parameters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from dcc_reference import reference_vcov, std_errors
from threadpoolctl import threadpool_limits

from seesaw.models import dcc
from seesaw.models.dcc import fit_dcc, simulate_dcc

# The reference differentiates the mean correlation score in each GARCH parameter with a step
# of 1e-4 (a 0.5 % step for omega ≈ 0.02); its truncation error, observed ≤ 6e-7 relative on
# these samples and shrinking with the step squared, is what this tolerance allows.
SE_RTOL = 2e-6


def _sample(n: int, seed: int = 7, g: float = 0.0, nu: float | None = None, n_obs: int = 1500) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    loadings = rng.uniform(-0.6, 0.6, size=(n, 2))
    corr = loadings @ loadings.T
    np.fill_diagonal(corr, 1.0)
    ret, _ = simulate_dcc(n_obs, corr, a=0.04, b=0.93, g=g, nu=nu, garch=[(0.03, 0.02, 0.07, 0.91)] * n, seed=seed)
    return pd.DataFrame(ret, columns=[f"s{i}" for i in range(n)])


# Estimates of the code before the analytic cross-derivatives, on _sample(n).
FORMER_ESTIMATES = {
    2: {"a": 0.016111192170744807, "b": 0.9333646786775203},
    5: {"a": 0.044525369394265636, "b": 0.9202176020589887},
}


@pytest.mark.parametrize(
    ("n", "kwargs", "sample_kwargs"),
    [(2, {}, {}), (5, {}, {}), (3, {"model": "adcc", "dist": "t"}, {"g": 0.03, "nu": 8.0})],
    ids=["dcc-2", "dcc-5", "adcc-t-3"],
)
def test_estimates_and_standard_errors_match_the_former_computation(n, kwargs, sample_kwargs):
    returns = _sample(n, **sample_kwargs)
    result = fit_dcc(returns, **kwargs)
    if n in FORMER_ESTIMATES:
        assert result.params == pytest.approx(FORMER_ESTIMATES[n], rel=1e-6)
    with threadpool_limits(limits=1):
        former = std_errors(result, returns, reference_vcov)
    np.testing.assert_allclose(list(result.std_errors.values()), former, rtol=SE_RTOL)


def _step2(moved: np.ndarray | None = None, n_obs: int = 300) -> dcc._Step2:
    """An ADCC Student-t step 2 on correlated draws; ``moved`` replaces the draws, targets kept."""
    rng = np.random.default_rng(3)
    z = rng.standard_normal((n_obs, 3)) @ np.linalg.cholesky([[1, 0.4, -0.2], [0.4, 1, 0.1], [-0.2, 0.1, 1]]).T
    neg = np.minimum(z, 0.0)
    qbar, nbar = z.T @ z / n_obs, neg.T @ neg / n_obs
    layout = dcc._Layout(3, asymmetric=True, student_t=True)
    return dcc._Step2(z if moved is None else moved, qbar, nbar, dcc._adcc_delta(qbar, nbar), layout)


def test_z_gradient_equals_finite_differences():
    step2 = _step2()
    theta = np.array([0.05, 0.88, 0.04, 7.0])
    grad = step2.z_gradient(theta)
    assert grad is not None and grad.shape == step2.z.shape
    rng = np.random.default_rng(0)
    h = 1e-6
    for t, i in zip(rng.integers(0, 300, 12), rng.integers(0, 3, 12), strict=True):
        sums = []
        for sign in (1.0, -1.0):
            z = step2.z.copy()
            z[t, i] += sign * h
            ll = _step2(moved=z).loglik_obs(theta)
            assert ll is not None
            sums.append(ll.sum())
        assert grad[t, i] == pytest.approx((sums[0] - sums[1]) / (2 * h), rel=1e-6, abs=1e-7)
    assert step2.z_gradient(np.array([0.5, 0.6, 0.0, 7.0])) is None  # a + b ≥ 1: infeasible


def test_standardize_jacobian_equals_finite_differences():
    y = _sample(2).to_numpy()[:, 0]
    phi = np.array([0.03, 0.02, 0.07, 0.91])
    jac = dcc._standardize_jacobian(y, phi, 1.1)
    for j in range(4):
        h = 1e-7
        up, down = phi.copy(), phi.copy()
        up[j] += h
        down[j] -= h
        moved = [resid / np.sqrt(var) for resid, var in (dcc._garch_path(y, p, 1.1) for p in (up, down))]
        np.testing.assert_allclose(jac[:, j], (moved[0] - moved[1]) / (2 * h), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_standard_errors_cover_known_parameters(seed):
    returns = _sample(4, seed=seed, n_obs=2500)
    result = fit_dcc(returns)
    for name, truth in (("a", 0.04), ("b", 0.93)):
        assert abs(result.params[name] - truth) < 3.0 * result.std_errors[name], (result.params, result.std_errors)
