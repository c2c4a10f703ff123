"""Frozen reference: the two-step DCC covariance as computed before the analytic cross-derivatives.

Every derivative by finite differences, the step-1/step-2 cross block too (each GARCH parameter
moved in turn, the whole correlation likelihood re-evaluated): O(N⁴·T). Kept only so that tests
and ``bench/bench_dcc_scaling.py`` can check and time the library against it; not library code.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from seesaw.models import dcc


def reference_vcov(
    y: np.ndarray, phis: np.ndarray, backcasts: np.ndarray, step2: dcc._Step2, theta: np.ndarray
) -> np.ndarray:
    """The former ``seesaw.models.dcc._two_step_vcov``, unchanged (same signature)."""
    t_obs, n = y.shape
    k1, k2 = 4 * n, theta.size

    def uni(i: int) -> Callable[[np.ndarray], np.ndarray | None]:
        return lambda phi: dcc._garch_loglik_obs(y[:, i], phi, backcasts[i])

    s1 = np.column_stack([dcc._scores(uni(i), phis[i]) for i in range(n)])
    a11 = np.zeros((k1, k1))
    for i in range(n):

        def mean_s1(phi: np.ndarray, i: int = i) -> np.ndarray:
            mean: np.ndarray = dcc._scores(uni(i), phi).mean(axis=0)
            return mean

        block = np.column_stack([dcc._fd_column(mean_s1, phis[i], j, dcc._H_JAC) for j in range(4)])
        a11[4 * i : 4 * i + 4, 4 * i : 4 * i + 4] = 0.5 * (block + block.T)

    s2 = dcc._scores(step2.loglik_obs, theta)

    def mean_s2_theta(x: np.ndarray) -> np.ndarray | None:
        mean: np.ndarray | None = dcc._scores(step2.loglik_obs, x).mean(axis=0) if step2.feasible(x) else None
        return mean

    a22 = np.column_stack([dcc._fd_column(mean_s2_theta, theta, j, dcc._H_JAC) for j in range(k2)])
    a22 = 0.5 * (a22 + a22.T)

    z_hat = step2.z
    a21 = np.zeros((k2, k1))
    try:
        for i in range(n):

            def mean_s2(phi: np.ndarray, i: int = i) -> np.ndarray:
                z = z_hat.copy()
                resid, var = dcc._garch_path(y[:, i], phi, backcasts[i])
                z[:, i] = resid / np.sqrt(var)
                step2.set_z(z)
                mean: np.ndarray = dcc._scores(step2.loglik_obs, theta).mean(axis=0)
                return mean

            for j in range(4):
                a21[:, 4 * i + j] = dcc._fd_column(mean_s2, phis[i], j, dcc._H_JAC)
    finally:
        step2.set_z(z_hat)

    a_mat = np.block([[a11, np.zeros((k1, k2))], [a21, a22]])
    g_mat = np.hstack((s1, s2))
    b_mat = g_mat.T @ g_mat / t_obs
    a_inv = np.linalg.inv(a_mat)
    vcov: np.ndarray = (a_inv @ b_mat @ a_inv.T / t_obs)[k1:, k1:]
    return vcov


def std_errors(result: dcc.DCCResult, returns: pd.DataFrame, vcov: Callable[..., np.ndarray]) -> np.ndarray:
    """Standard errors of a fitted model's step-2 parameters by ``vcov`` (library or reference),
    rebuilt from the result exactly as ``fit_dcc`` builds them."""
    uni = [result.univariate[name] for name in result.asset_names]
    y = returns.to_numpy(dtype=float) * np.array([u["scale"] for u in uni])
    phis = np.array([[u["mu"], u["omega"], u["alpha"], u["beta"]] for u in uni])
    backcasts = np.array([u["backcast"] for u in uni])
    paths = [dcc._garch_path(y[:, i], phis[i], backcasts[i]) for i in range(result.n_assets)]
    z = np.column_stack([resid / np.sqrt(var) for resid, var in paths])
    layout = dcc._Layout(result.n_assets, result.model == "adcc", result.dist == "t")
    step2 = dcc._Step2(z, result.qbar, result.nbar, result.delta, layout)
    theta = np.array([result.params[k] for k in layout.names])
    return np.sqrt(np.diag(vcov(y, phis, backcasts, step2, theta)))
