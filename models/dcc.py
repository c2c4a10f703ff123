"""DCC(1,1) and ADCC(1,1)-GARCH correlations for N assets (Engle 2002; docs/methods.md, section 3).

Two steps. Step 1 fits a constant-mean Gaussian-QML GARCH(1,1) to each series with
``arch`` and standardizes the residuals. Step 2 maximizes the correlation likelihood of
the standardized residuals ``z`` (multivariate normal or Student-t) for the scalar
recursion, with correlation targeting ``Q̄ = z'z/T``::

    Q_t = (1 − a − b)·Q̄ + a·z_{t−1}z_{t−1}' + b·Q_{t−1}                        (DCC)
    Q_t = (1 − a − b)·Q̄ − g·N̄ + a·z z' + g·n_{t−1}n_{t−1}' + b·Q_{t−1}          (ADCC)
    R_t = diag(Q_t)^{−1/2} Q_t diag(Q_t)^{−1/2},   n = min(z, 0),   N̄ = n'n/T,

with ``Q_1 = Q̄``. ADCC follows Cappiello, Engle and Sheppard (2006) with stationarity
``a + b + δ·g < 1``, δ the largest eigenvalue of ``Q̄^{−1/2} N̄ Q̄^{−1/2}``.

The recursion is linear in each element of ``Q``, so the whole path is one
``scipy.signal.lfilter`` call over all N(N+1)/2 elements; no Python loop over time.
Returns may come in any unit: each series is rescaled internally to unit standard
deviation (``internal = input × scale``) so estimates do not depend on the input scale.
The result keeps the filter state, so new dates extend the path without refitting; the state
travels as versioned JSON (``state_to_json`` / ``state_from_json``), never as executable data.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Literal, TypedDict

import numpy as np
import pandas as pd
import scipy  # its submodules load on first use: a nightly with nothing new fits nothing
from threadpoolctl import threadpool_limits

from seesaw.transforms.correlation import correlation_t_test

Model = Literal["dcc", "adcc"]
Dist = Literal["normal", "t"]

SE_METHOD = (
    "two-step Engle-Sheppard (2001) sandwich A^-1 B A^-T / T on the stacked scores of the "
    "per-series Gaussian-QML GARCH(1,1) (mu, omega, alpha, beta) and of the correlation "
    "step; finite-difference derivatives, except the GARCH-parameter side of the cross block, "
    "which is analytic (the adjoint of the correlation recursion); the targets Qbar (and Nbar) "
    "are held fixed at their estimates (as in rmgarch and pymgarch)"
)

_BACKCAST_SPAN = 75  # arch's GARCH backcast: first 75 squared residuals, decay 0.94
_BACKCAST_DECAY = 0.94
_MIN_OBS = 100
_STATIONARITY_MARGIN = 1e-6
_NU_BOUNDS = (2.05, 500.0)
_PENALTY = 1e10
_LOG_2PI = math.log(2.0 * math.pi)
_H_SCORE = 6e-6  # relative step for per-observation scores and for θ-derivatives of analytic gradients
_H_JAC = 1e-4  # relative step for Jacobians of mean scores


@dataclass(frozen=True, eq=False)
class DCCResult:
    """Fitted (A)DCC-GARCH model with the filter state needed to extend it.

    Attributes
    ----------
    model, dist : {"dcc", "adcc"}, {"normal", "t"}
        Correlation dynamics and the distribution of the standardized residual vector.
    params : dict[str, float]
        ``a``, ``b`` (and ``g`` for ADCC, ``nu`` for Student-t).
    std_errors : dict[str, float]
        Standard errors of ``params`` (see ``se_method``; NaN where not computable).
    se_method : str
        How ``std_errors`` were computed.
    loglik : float
        Log-likelihood of the correlation step at the optimum: the full multivariate
        normal / Student-t log-density of z_t summed over the sample (scale-free).
    converged : bool
        Every step-1 GARCH fit and the step-2 optimizer reported success.
    message : str
        Optimizer messages.
    nobs, n_assets : int
        Fitting sample size T and number of assets N.
    asset_names : tuple
        Column labels, in the order used by every array below.
    sample_start, sample_end : Hashable or None
        First and last index label of the fitting sample.
    univariate : dict[Hashable, dict[str, float]]
        Per asset: ``mu``, ``omega``, ``alpha``, ``beta``, ``backcast`` and ``loglik`` of the
        GARCH(1,1) in the internal unit, and ``scale`` with ``internal = input × scale``.
    delta : float
        Largest eigenvalue of Q̄^{-1/2} N̄ Q̄^{-1/2} (the ADCC stationarity constant).
    qbar, nbar : ndarray, shape (N, N)
        Targets Q̄ = z'z/T and N̄ = n'n/T of the fitting sample.
    q_last : ndarray, shape (N, N)
        Q at the last filtered date.
    z_last, n_last : ndarray, shape (N,)
        Standardized residuals z and min(z, 0) at the last filtered date.
    var_last, resid_last : ndarray, shape (N,)
        GARCH conditional variance and residual (internal unit) at the last filtered date.
    state_end : Hashable or None
        Index label of the last filtered date (moves forward with ``extend_dcc``).
    """

    model: Model
    dist: Dist
    params: dict[str, float]
    std_errors: dict[str, float]
    se_method: str
    loglik: float
    converged: bool
    message: str
    nobs: int
    n_assets: int
    asset_names: tuple[Hashable, ...]
    sample_start: Hashable | None
    sample_end: Hashable | None
    univariate: dict[Hashable, dict[str, float]]
    delta: float
    qbar: np.ndarray
    nbar: np.ndarray
    q_last: np.ndarray
    z_last: np.ndarray
    n_last: np.ndarray
    var_last: np.ndarray
    resid_last: np.ndarray
    state_end: Hashable | None


# ---------------------------------------------------------------- step 1: GARCH(1,1)


def _arch_backcast(resid: np.ndarray) -> float:
    """arch's GARCH backcast: exponentially weighted mean of the first squared residuals."""
    tau = min(_BACKCAST_SPAN, resid.shape[0])
    w = _BACKCAST_DECAY ** np.arange(tau)
    return float(np.sum(resid[:tau] ** 2 * (w / w.sum())))


def _garch_variance(
    resid: np.ndarray, omega: float, alpha: float, beta: float, prev_resid_sq: float, prev_var: float
) -> np.ndarray:
    """GARCH(1,1) conditional variances of ``resid`` given the squared residual and variance
    of the date before; arch's start is ``prev_resid_sq = prev_var = backcast``."""
    lagged_sq = np.concatenate(([prev_resid_sq], resid[:-1] ** 2))
    var: np.ndarray = scipy.signal.lfilter([1.0], [1.0, -beta], omega + alpha * lagged_sq, zi=[beta * prev_var])[0]
    return var


def _garch_loglik_obs(y: np.ndarray, phi: np.ndarray, backcast: float) -> np.ndarray | None:
    """Per-observation Gaussian GARCH(1,1) log-likelihood at ``phi = (mu, omega, alpha, beta)``."""
    resid = y - phi[0]
    var = _garch_variance(resid, phi[1], phi[2], phi[3], backcast, backcast)
    if not np.all(var > 0.0):
        return None
    ll: np.ndarray = -0.5 * (_LOG_2PI + np.log(var) + resid**2 / var)
    return ll


def _garch_path(y: np.ndarray, phi: np.ndarray, backcast: float) -> tuple[np.ndarray, np.ndarray]:
    """Residuals and conditional variances of a GARCH(1,1) started from the backcast."""
    resid = y - phi[0]
    return resid, _garch_variance(resid, phi[1], phi[2], phi[3], backcast, backcast)


def _standardize_jacobian(y: np.ndarray, phi: np.ndarray, backcast: float) -> np.ndarray:
    """Derivatives of the standardized residuals ``z_t = (y_t − mu)/sqrt(var_t)`` in
    ``phi = (mu, omega, alpha, beta)``, shape (T, 4), with the backcast held fixed.

    Each variance derivative follows the GARCH recursion itself,
    ``dvar_t = x_t + beta·dvar_{t−1}`` with ``x_t = (−2·alpha·e_{t−1}, 1, e²_{t−1}, var_{t−1})``,
    so all four are one linear filter.
    """
    resid, var = _garch_path(y, phi, backcast)
    drivers = np.stack(
        [
            -2.0 * phi[2] * np.concatenate(([0.0], resid[:-1])),
            np.ones_like(var),
            np.concatenate(([backcast], resid[:-1] ** 2)),
            np.concatenate(([backcast], var[:-1])),
        ]
    )
    dvar = scipy.signal.lfilter([1.0], [1.0, -phi[3]], drivers, axis=-1)
    sd = np.sqrt(var)
    dz: np.ndarray = -0.5 * resid / (var * sd) * dvar
    dz[0] -= 1.0 / sd
    return dz.T


#: A univariate GARCH with alpha + beta at or above this is integrated (no mean reversion of the
#: variance): the fit is reported as not converged, since its standard errors are unreliable there.
GARCH_BOUNDARY = 0.999


def _fit_garch(x: np.ndarray) -> tuple[dict[str, float], np.ndarray, bool, str]:
    """Fit a constant-mean GARCH(1,1) by Gaussian QML on the series rescaled to unit std.

    Returns the parameters, the scaled series, whether the fit is usable (the optimizer converged
    and alpha + beta < ``GARCH_BOUNDARY``) and the reason when it is not."""
    std = float(np.std(x))
    if not std > 0.0:
        raise ValueError("a return series is constant; DCC needs variation in every series")
    scale = 1.0 / std
    y = x * scale
    from arch import arch_model  # arch (and scipy.stats) load with the first fit

    res = arch_model(y, mean="Constant", vol="GARCH", p=1, q=1, dist="normal", rescale=False).fit(
        disp="off", show_warning=False
    )
    mu, omega, alpha, beta = (float(v) for v in np.asarray(res.params))
    uni = {
        "mu": mu,
        "omega": omega,
        "alpha": alpha,
        "beta": beta,
        "scale": scale,
        "backcast": _arch_backcast(y - y.mean()),
        "loglik": float(res.loglikelihood),
    }
    if res.convergence_flag != 0:
        return uni, y, False, str(res.optimization_result.message)
    if alpha + beta >= GARCH_BOUNDARY:
        return uni, y, False, (f"alpha+beta = {alpha + beta:.4f} >= {GARCH_BOUNDARY}: integrated variance "
                               "(on the stationarity boundary), standard errors unreliable")
    return uni, y, True, str(res.optimization_result.message)


# ---------------------------------------------------------------- step 2: correlations


@dataclass(frozen=True)
class _Layout:
    """Packing of the step-2 vector ``(a, b[, g][, nu])`` and the packed upper triangle."""

    n_assets: int
    asymmetric: bool
    student_t: bool

    @property
    def names(self) -> list[str]:
        return ["a", "b"] + ["g"] * self.asymmetric + ["nu"] * self.student_t

    def unpack(self, x: np.ndarray) -> tuple[float, float, float, float]:
        g = float(x[2]) if self.asymmetric else 0.0
        nu = float(x[-1]) if self.student_t else math.inf
        return float(x[0]), float(x[1]), g, nu

    @property
    def triu(self) -> tuple[np.ndarray, np.ndarray]:
        return np.triu_indices(self.n_assets)


def _outer_packed(v: np.ndarray, iu: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Upper triangles (incl. diagonal) of v_t v_t', packed element-major: shape (P, T),
    P = N(N+1)/2, so each element's time series is contiguous for the filter."""
    packed: np.ndarray = v.T[iu[0]] * v.T[iu[1]]
    return packed


def _q_path(
    zz_dev: np.ndarray,
    nn_dev: np.ndarray | None,
    a: float,
    b: float,
    g: float,
    d_prev: np.ndarray,
    w_prev: np.ndarray,
) -> np.ndarray:
    """Deviations D_t = Q_t − Q̄, packed (P, T), by one linear filter over all elements.

    ``D_t = b·D_{t−1} + w_{t−1}`` with ``w = a·(zz' − Q̄) + g·(nn' − N̄)``; ``d_prev`` and
    ``w_prev`` (shape (P,)) are D and w of the date before the first one (zero at the start).
    ``nn_dev`` may be None when ``g`` is 0 (DCC).
    """
    if g:
        if nn_dev is None:
            raise TypeError("an asymmetric term g needs nn_dev")
        w = a * zz_dev[:, :-1] + g * nn_dev[:, :-1]
    else:
        w = a * zz_dev[:, :-1]
    x = np.hstack((w_prev[:, None], w))
    dev: np.ndarray = scipy.signal.lfilter([1.0], [1.0, -b], x, axis=-1, zi=b * d_prev[:, None])[0]
    return dev


def _offdiag_corr(q: np.ndarray, iu: tuple[np.ndarray, np.ndarray]) -> np.ndarray | None:
    """Off-diagonal correlations R_t,ij (i < j), shape (N(N−1)/2, T), from packed Q;
    None if a diagonal element is not positive."""
    is_diag = iu[0] == iu[1]
    diag = q[is_diag]
    if not np.all(diag > 0.0):
        return None
    off = ~is_diag
    r_off: np.ndarray = q[off] / np.sqrt(diag[iu[0][off]] * diag[iu[1][off]])
    return r_off


def _logdet_quad(r_off: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """log|R_t| and z_t'R_t^{-1}z_t per date, or None if some R_t is not positive definite.

    Closed form for N = 2. For N > 2 a Cholesky factorization and forward substitution
    written over the N(N+1)/2 element series, each vectorized across all T dates: O(N³)
    array operations instead of T small LAPACK calls (several times faster than
    ``numpy.linalg`` on a (T, N, N) stack for the N of a stock–bond study).
    """
    n = z.shape[1]
    if n == 2:
        rho = r_off[0]
        one_m = 1.0 - rho * rho
        if not np.all(one_m > 0.0):
            return None
        z0, z1 = z[:, 0], z[:, 1]
        return np.log(one_m), (z0 * z0 + z1 * z1 - 2.0 * rho * z0 * z1) / one_m
    pair = {(int(i), int(j)): k for k, (i, j) in enumerate(zip(*np.triu_indices(n, 1), strict=True))}
    chol: dict[tuple[int, int], np.ndarray] = {}
    white: list[np.ndarray] = []
    logdet = np.zeros(z.shape[0])
    quad = np.zeros(z.shape[0])
    for j in range(n):
        pivot = 1.0 - sum(chol[j, k] ** 2 for k in range(j))
        if not np.all(pivot > 0.0):
            return None
        chol[j, j] = np.sqrt(pivot)
        for i in range(j + 1, n):
            chol[i, j] = (r_off[pair[j, i]] - sum(chol[i, k] * chol[j, k] for k in range(j))) / chol[j, j]
        white.append((z[:, j] - sum(chol[j, k] * white[k] for k in range(j))) / chol[j, j])
        logdet += np.log(pivot)
        quad += white[j] ** 2
    return logdet, quad


def _density_obs(logdet: np.ndarray, quad: np.ndarray, n: int, nu: float) -> np.ndarray:
    """Per-date log-density of z_t: N(0, R_t), or Student-t with covariance R_t."""
    density: np.ndarray
    if math.isinf(nu):
        density = -0.5 * (n * _LOG_2PI + logdet + quad)
        return density
    gammaln = scipy.special.gammaln
    const = gammaln(0.5 * (nu + n)) - gammaln(0.5 * nu) - 0.5 * n * math.log(math.pi * (nu - 2.0))
    density = const - 0.5 * logdet - 0.5 * (nu + n) * np.log1p(quad / (nu - 2.0))
    return density


class _Step2:
    """Step-2 likelihood on fixed standardized residuals and targets."""

    def __init__(self, z: np.ndarray, qbar: np.ndarray, nbar: np.ndarray, delta: float, layout: _Layout):
        self.layout = layout
        self.delta = delta
        self.iu = layout.triu
        self.qbar_p = qbar[self.iu]
        self.nbar_p = nbar[self.iu]
        self.set_z(z)

    def set_z(self, z: np.ndarray) -> None:
        self.z = z
        self.zz_dev = _outer_packed(z, self.iu) - self.qbar_p[:, None]
        self.nn_dev: np.ndarray | None = (
            _outer_packed(np.minimum(z, 0.0), self.iu) - self.nbar_p[:, None] if self.layout.asymmetric else None
        )

    def feasible(self, x: np.ndarray) -> bool:
        a, b, g, nu = self.layout.unpack(x)
        return a >= 0.0 and b >= 0.0 and g >= 0.0 and a + b + self.delta * g < 1.0 and nu > 2.0

    def q_packed(self, x: np.ndarray) -> np.ndarray:
        a, b, g, _ = self.layout.unpack(x)
        zero = np.zeros_like(self.qbar_p)
        q: np.ndarray = self.qbar_p[:, None] + _q_path(self.zz_dev, self.nn_dev, a, b, g, zero, zero)
        return q

    def loglik_obs(self, x: np.ndarray) -> np.ndarray | None:
        if not self.feasible(x):
            return None
        r_off = _offdiag_corr(self.q_packed(x), self.iu)
        if r_off is None:
            return None
        parts = _logdet_quad(r_off, self.z)
        if parts is None:
            return None
        return _density_obs(*parts, self.z.shape[1], self.layout.unpack(x)[3])

    def neg_mean_loglik(self, x: np.ndarray) -> float:
        ll = self.loglik_obs(x)
        return _PENALTY if ll is None else -float(ll.mean())

    def z_gradient(self, x: np.ndarray) -> np.ndarray | None:
        """Gradient of the summed log-likelihood in the standardized residuals, shape (T, N),
        targets fixed; None where ``loglik_obs`` is None.

        Reverse mode in O(N²·T) after one batched inverse of the R_t: with ``u = R⁻¹z`` and
        the Student-t weight ``w = (ν + N)/(ν − 2 + z'u)`` (1 for the normal),
        ``∂ℓ_t/∂R_t = −(R⁻¹ − w·uu')/2`` is carried to ``Q_t`` through the normalization,
        then back through the linear recursion (``Λ_s = Σ_{t>s} b^{t−1−s} ∂ℓ_t/∂Q_t``, one
        filter run backwards in time) to every earlier z: ``∂/∂z_s = −w·u_s + 2a·Λ_s z_s
        + 2g·1[z_s < 0]·Λ_s n_s``.
        """
        if not self.feasible(x):
            return None
        a, b, g, nu = self.layout.unpack(x)
        z = self.z
        t_obs, n = z.shape
        q = np.empty((t_obs, n, n))
        q[:, self.iu[0], self.iu[1]] = self.q_packed(x).T
        q[:, self.iu[1], self.iu[0]] = q[:, self.iu[0], self.iu[1]]
        diag = np.diagonal(q, axis1=1, axis2=2).copy()
        if not np.all(diag > 0.0):
            return None
        scale = np.sqrt(diag[:, :, None] * diag[:, None, :])
        r = q / scale
        np.einsum("tii->ti", r)[:] = 1.0
        try:
            np.linalg.cholesky(r)
        except np.linalg.LinAlgError:
            return None
        r_inv = np.linalg.inv(r)
        u = np.einsum("tij,tj->ti", r_inv, z)
        w = np.ones(t_obs) if math.isinf(nu) else (nu + n) / (nu - 2.0 + np.einsum("ti,ti->t", u, z))
        grad_q = -0.5 * (r_inv - w[:, None, None] * u[:, :, None] * u[:, None, :]) / scale
        np.einsum("tii->ti", grad_q)[:] += 0.5 * (1.0 - w[:, None] * u * z) / diag
        ahead = np.zeros_like(grad_q)
        ahead[:-1] = grad_q[1:]
        lam = scipy.signal.lfilter([1.0], [1.0, -b], ahead[::-1], axis=0)[::-1]
        grad: np.ndarray = -w[:, None] * u + 2.0 * a * np.einsum("tij,tj->ti", lam, z)
        if g:
            neg = np.minimum(z, 0.0)
            grad += 2.0 * g * (z < 0.0) * np.einsum("tij,tj->ti", lam, neg)
        return grad


def _adcc_delta(qbar: np.ndarray, nbar: np.ndarray) -> float:
    """Largest eigenvalue of Q̄^{-1/2} N̄ Q̄^{-1/2} (generalized eigenproblem N̄v = λQ̄v)."""
    return float(scipy.linalg.eigh(nbar, qbar, eigvals_only=True)[-1])


def _starts(layout: _Layout, delta: float) -> list[np.ndarray]:
    """Deterministic starting values, all strictly inside the feasible region."""
    starts = []
    for a0, b0 in ((0.01, 0.98), (0.03, 0.95), (0.05, 0.90), (0.10, 0.80)):
        x = [a0, b0]
        if layout.asymmetric:
            x.append(min(0.02, 0.5 * (1.0 - a0 - b0) / max(delta, 1e-12)))
        if layout.student_t:
            x.append(8.0)
        starts.append(np.asarray(x))
    return starts


def _maximize(step2: _Step2) -> scipy.optimize.OptimizeResult:
    layout, delta = step2.layout, step2.delta
    bounds = [(0.0, 1.0), (0.0, 1.0)] + [(0.0, 1.0)] * layout.asymmetric + [_NU_BOUNDS] * layout.student_t

    def stationarity(x: np.ndarray) -> float:
        a, b, g, _ = layout.unpack(x)
        return 1.0 - _STATIONARITY_MARGIN - (a + b + delta * g)

    # The (A)DCC likelihood is usually unimodal in (a, b): optimize from the best of the
    # deterministic starts, and fall back to the others only if the optimizer fails.
    starts = sorted(_starts(layout, delta), key=step2.neg_mean_loglik)
    best = None
    for x0 in starts:
        res = scipy.optimize.minimize(
            step2.neg_mean_loglik,
            x0,
            method="SLSQP",
            jac="3-point",
            bounds=bounds,
            constraints=[{"type": "ineq", "fun": stationarity}],
            options={"maxiter": 500, "ftol": 1e-13},
        )
        if best is None or res.fun < best.fun:
            best = res
        if best.success:
            break
    return best


# ---------------------------------------------------------------- standard errors


def _fd_column(func: Callable[[np.ndarray], np.ndarray | None], x: np.ndarray, j: int, rel: float) -> np.ndarray:
    """Central difference of a vector function in x[j]; one-sided where a side is infeasible."""
    h = rel * max(1.0, abs(float(x[j])))
    xp, xm = x.copy(), x.copy()
    xp[j] += h
    xm[j] -= h
    fp, fm = func(xp), func(xm)
    column: np.ndarray
    if fp is not None and fm is not None:
        column = (fp - fm) / (2.0 * h)
        return column
    f0 = func(x)
    if f0 is None:
        raise ValueError("likelihood not evaluable at the estimate")
    if fp is not None:
        column = (fp - f0) / h
        return column
    if fm is not None:
        column = (f0 - fm) / h
        return column
    raise ValueError(f"likelihood not evaluable on either side of parameter {j}")


def _scores(func: Callable[[np.ndarray], np.ndarray | None], x: np.ndarray) -> np.ndarray:
    """Per-observation scores, shape (T, k)."""
    return np.column_stack([_fd_column(func, x, j, _H_SCORE) for j in range(x.size)])


def _two_step_vcov(
    y: np.ndarray, phis: np.ndarray, backcasts: np.ndarray, step2: _Step2, theta: np.ndarray
) -> np.ndarray:
    """Covariance of the step-2 estimates accounting for step-1 estimation error."""
    t_obs, n = y.shape
    k1, k2 = 4 * n, theta.size

    def uni(i: int) -> Callable[[np.ndarray], np.ndarray | None]:
        return lambda phi: _garch_loglik_obs(y[:, i], phi, backcasts[i])

    s1 = np.column_stack([_scores(uni(i), phis[i]) for i in range(n)])
    a11 = np.zeros((k1, k1))
    for i in range(n):

        def mean_s1(phi: np.ndarray, i: int = i) -> np.ndarray:
            mean: np.ndarray = _scores(uni(i), phi).mean(axis=0)
            return mean

        block = np.column_stack([_fd_column(mean_s1, phis[i], j, _H_JAC) for j in range(4)])
        a11[4 * i : 4 * i + 4, 4 * i : 4 * i + 4] = 0.5 * (block + block.T)

    s2 = _scores(step2.loglik_obs, theta)

    def mean_s2_theta(x: np.ndarray) -> np.ndarray | None:
        mean: np.ndarray | None = _scores(step2.loglik_obs, x).mean(axis=0) if step2.feasible(x) else None
        return mean

    a22 = np.column_stack([_fd_column(mean_s2_theta, theta, j, _H_JAC) for j in range(k2)])
    a22 = 0.5 * (a22 + a22.T)

    # Cross-derivatives: each GARCH block moves only its own column of z, so one analytic
    # gradient in z, chained with dz/dphi, gives the correlation likelihood's gradient in all 4N
    # GARCH parameters; its θ-derivative (2·k2 gradient passes) is the whole block.
    z_jac = np.stack([_standardize_jacobian(y[:, i], phis[i], backcasts[i]) for i in range(n)], axis=1)

    def mean_phi_gradient(x: np.ndarray) -> np.ndarray | None:
        grad = step2.z_gradient(x)
        if grad is None:
            return None
        mean: np.ndarray = np.einsum("ti,tij->ij", grad, z_jac).ravel() / t_obs
        return mean

    a21 = np.column_stack([_fd_column(mean_phi_gradient, theta, j, _H_SCORE) for j in range(k2)]).T

    a_mat = np.block([[a11, np.zeros((k1, k2))], [a21, a22]])
    g_mat = np.hstack((s1, s2))
    b_mat = g_mat.T @ g_mat / t_obs
    a_inv = np.linalg.inv(a_mat)
    vcov: np.ndarray = (a_inv @ b_mat @ a_inv.T / t_obs)[k1:, k1:]
    return vcov


# ---------------------------------------------------------------- public API


def _check_returns(returns: pd.DataFrame, names: tuple[Hashable, ...] | None = None) -> np.ndarray:
    if not isinstance(returns, pd.DataFrame):
        raise TypeError(f"returns must be a pandas DataFrame (dates × assets), got {type(returns).__name__}")
    if names is not None and tuple(returns.columns) != names:
        raise ValueError(f"returns columns {tuple(returns.columns)} do not match the fitted assets {names}")
    x: np.ndarray = returns.to_numpy(dtype=float)
    if not np.all(np.isfinite(x)):
        raise ValueError(
            "returns contain NaN or inf; DCC needs a balanced panel: align the series on common "
            "dates and drop or fill the gaps first"
        )
    return x


def fit_dcc(returns: pd.DataFrame, model: Model = "dcc", dist: Dist = "normal") -> DCCResult:
    """Fit a DCC(1,1) or ADCC(1,1)-GARCH(1,1) by two-step QML.

    Parameters
    ----------
    returns : DataFrame, shape (T, N)
        Returns in any unit (decimal or percent; each series is rescaled internally),
        index = dates, one column per asset, N ≥ 2, no missing values.
    model : {"dcc", "adcc"}
        Symmetric DCC (Engle 2002) or asymmetric ADCC (Cappiello, Engle and Sheppard 2006).
    dist : {"normal", "t"}
        Distribution of the standardized residual vector in step 2: multivariate normal or
        multivariate Student-t with ν > 2 degrees of freedom (unit-variance form). Step 1 is
        Gaussian QML GARCH(1,1) for both, which stays consistent under fat tails (the
        rmgarch/tsmarch convention for a multivariate-t second step).

    Returns
    -------
    DCCResult
        Estimates, two-step robust standard errors, likelihood, and the filter state.
    """
    # One BLAS thread: the optimizer amplifies last-bit differences of multi-threaded sums, and
    # results must not depend on where the fit runs (threads, Dask workers).
    with threadpool_limits(limits=1):
        return _fit_dcc(returns, model, dist)


def _fit_dcc(returns: pd.DataFrame, model: Model, dist: Dist) -> DCCResult:
    """``fit_dcc`` itself (the caller fixes the BLAS thread count)."""
    if model not in ("dcc", "adcc"):
        raise ValueError(f"model must be 'dcc' or 'adcc', got {model!r}")
    if dist not in ("normal", "t"):
        raise ValueError(f"dist must be 'normal' or 't', got {dist!r}")
    x = _check_returns(returns)
    t_obs, n = x.shape
    if n < 2:
        raise ValueError("DCC needs at least two return series")
    if t_obs < _MIN_OBS:
        raise ValueError(f"DCC needs at least {_MIN_OBS} dates, got {t_obs}")
    names = tuple(returns.columns)

    fits = [_fit_garch(x[:, i]) for i in range(n)]
    univariate = {name: fit[0] for name, fit in zip(names, fits, strict=True)}
    y = np.column_stack([fit[1] for fit in fits])
    phis = np.array([[u["mu"], u["omega"], u["alpha"], u["beta"]] for u in univariate.values()])
    backcasts = np.array([u["backcast"] for u in univariate.values()])
    paths = [_garch_path(y[:, i], phis[i], backcasts[i]) for i in range(n)]
    resid = np.column_stack([p[0] for p in paths])
    var = np.column_stack([p[1] for p in paths])
    z = resid / np.sqrt(var)

    qbar = z.T @ z / t_obs
    neg = np.minimum(z, 0.0)
    nbar = neg.T @ neg / t_obs
    layout = _Layout(n, model == "adcc", dist == "t")
    delta = _adcc_delta(qbar, nbar) if layout.asymmetric else 0.0
    step2 = _Step2(z, qbar, nbar, delta, layout)
    opt = _maximize(step2)
    theta = np.asarray(opt.x, dtype=float)
    ll_obs = step2.loglik_obs(theta)
    if ll_obs is None:
        raise ValueError(f"DCC step 2 ended at an infeasible point {theta} ({opt.message})")

    try:
        se = np.sqrt(np.diag(_two_step_vcov(y, phis, backcasts, step2, theta)))
    except (ValueError, np.linalg.LinAlgError):
        se = np.full(theta.size, np.nan)
    garch_ok = all(fit[2] for fit in fits)
    messages = [f"step 2: {opt.message}"] + [
        f"GARCH {nm}: {fit[3]}" for nm, fit in zip(names, fits, strict=True) if not fit[2]]

    q_last = np.empty((n, n))
    iu = layout.triu
    q_last[iu] = step2.q_packed(theta)[:, -1]
    q_last[iu[1], iu[0]] = q_last[iu]
    index = returns.index
    return DCCResult(
        model=model,
        dist=dist,
        params=dict(zip(layout.names, (float(v) for v in theta), strict=True)),
        std_errors=dict(zip(layout.names, (float(v) for v in se), strict=True)),
        se_method=SE_METHOD,
        loglik=float(ll_obs.sum()),
        converged=bool(opt.success) and garch_ok,
        message="; ".join(messages),
        nobs=t_obs,
        n_assets=n,
        asset_names=names,
        sample_start=index[0],
        sample_end=index[-1],
        univariate=univariate,
        delta=delta,
        qbar=qbar,
        nbar=nbar,
        q_last=q_last,
        z_last=z[-1].copy(),
        n_last=np.minimum(z[-1], 0.0),
        var_last=var[-1].copy(),
        resid_last=resid[-1].copy(),
        state_end=index[-1],
    )


class _FilterState(TypedDict):
    """Filter state at the last filtered date (the matching ``DCCResult`` fields)."""

    q_last: np.ndarray
    z_last: np.ndarray
    n_last: np.ndarray
    var_last: np.ndarray
    resid_last: np.ndarray


def _filter(
    result: DCCResult, x: np.ndarray, start: Literal["fresh", "state"]
) -> tuple[np.ndarray, _FilterState]:
    """Filter returns (input unit) with fixed parameters: packed R path and the end state."""
    n = result.n_assets
    iu = np.triu_indices(n)
    uni = [result.univariate[name] for name in result.asset_names]
    resid = np.column_stack([x[:, i] * u["scale"] - u["mu"] for i, u in enumerate(uni)])
    if start == "fresh":
        prev_sq = np.array([u["backcast"] for u in uni])
        prev_var = prev_sq
    else:
        prev_sq, prev_var = result.resid_last**2, result.var_last
    var = np.column_stack(
        [
            _garch_variance(resid[:, i], u["omega"], u["alpha"], u["beta"], prev_sq[i], prev_var[i])
            for i, u in enumerate(uni)
        ]
    )
    z = resid / np.sqrt(var)

    a, b = result.params["a"], result.params["b"]
    g = result.params.get("g", 0.0)
    qbar_p, nbar_p = result.qbar[iu], result.nbar[iu]
    zz_dev = _outer_packed(z, iu) - qbar_p[:, None]
    nn_dev = _outer_packed(np.minimum(z, 0.0), iu) - nbar_p[:, None]
    if start == "fresh":
        d_prev = w_prev = np.zeros_like(qbar_p)
    else:
        d_prev = result.q_last[iu] - qbar_p
        w_prev = a * (np.outer(result.z_last, result.z_last)[iu] - qbar_p)
        w_prev = w_prev + g * (np.outer(result.n_last, result.n_last)[iu] - nbar_p)
    q = qbar_p[:, None] + _q_path(zz_dev, nn_dev, a, b, g, d_prev, w_prev)
    r_off = _offdiag_corr(q, iu)
    if r_off is None:
        raise ValueError("the DCC filter produced a non-positive variance; the stored state is corrupt")
    q_last = np.empty((n, n))
    q_last[iu] = q[:, -1]
    q_last[iu[1], iu[0]] = q[:, -1]
    state: _FilterState = {
        "q_last": q_last,
        "z_last": z[-1].copy(),
        "n_last": np.minimum(z[-1], 0.0),
        "var_last": var[-1].copy(),
        "resid_last": resid[-1].copy(),
    }
    return r_off, state


def _long_frame(result: DCCResult, index: pd.Index, r_off: np.ndarray) -> pd.DataFrame:
    """Long frame (obs_date, asset_a, asset_b, corr) for every pair i < j, date-major."""
    iu_off = np.triu_indices(result.n_assets, 1)
    names = np.asarray(result.asset_names, dtype=object)
    return pd.DataFrame(
        {
            "obs_date": np.repeat(np.asarray(index), r_off.shape[0]),
            "asset_a": np.tile(names[iu_off[0]], len(index)),
            "asset_b": np.tile(names[iu_off[1]], len(index)),
            "corr": r_off.T.ravel(),
        }
    )


def dcc_correlations(result: DCCResult, returns: pd.DataFrame) -> pd.DataFrame:
    """Conditional correlations from a full filter pass with the fitted parameters fixed.

    Starts both recursions as the fit does (GARCH from the stored backcast, Q_1 = Q̄) and
    uses the stored targets Q̄, N̄, so on the fitting sample it reproduces the fitted path.

    Parameters
    ----------
    result : DCCResult
        A fitted model.
    returns : DataFrame, shape (T, N)
        Returns in the same unit and column order as the fit, index = dates.

    Returns
    -------
    DataFrame
        Columns ``obs_date, asset_a, asset_b, corr`` (correlation, unitless in [−1, 1]), one
        row per date and pair i < j in column order.
    """
    x = _check_returns(returns, result.asset_names)
    r, _ = _filter(result, x, "fresh")
    return _long_frame(result, returns.index, r)


def extend_dcc(result: DCCResult, new_returns: pd.DataFrame) -> tuple[pd.DataFrame, DCCResult]:
    """Extend the correlation path by new dates from the stored state, without refitting.

    The GARCH variances and Q are filtered forward from the last stored values with all
    parameters and targets fixed, so extending equals a full ``dcc_correlations`` pass.

    Parameters
    ----------
    result : DCCResult
        A fitted (or previously extended) model.
    new_returns : DataFrame, shape (k, N)
        Returns for the dates after ``result.state_end``, same unit and columns as the fit.

    Returns
    -------
    (DataFrame, DCCResult)
        The new rows (``obs_date, asset_a, asset_b, corr``) and the result with its state
        moved to the last new date (parameters unchanged).
    """
    x = _check_returns(new_returns, result.asset_names)
    if x.shape[0] == 0:
        n_pairs = result.n_assets * (result.n_assets - 1) // 2
        return _long_frame(result, new_returns.index, np.empty((n_pairs, 0))), result
    try:
        stale = result.state_end is not None and not new_returns.index[0] > result.state_end
    except TypeError:
        stale = False
    if stale:
        raise ValueError(
            f"new returns start at {new_returns.index[0]!r}, not after the stored state "
            f"({result.state_end!r}); pass only dates after it"
        )
    r, state = _filter(result, x, "state")
    return _long_frame(result, new_returns.index, r), dataclasses.replace(
        result, state_end=new_returns.index[-1], **state
    )


# ---------------------------------------------------------------- stored state (versioned JSON)

#: Layout version written by ``state_to_json``; a state of any other version must be refitted.
STATE_VERSION = 1
_STATE_KIND = "seesaw.dcc_state"
_STATE_MATRICES = ("qbar", "nbar", "q_last")
_STATE_VECTORS = ("z_last", "n_last", "var_last", "resid_last")
_UNIVARIATE_KEYS = ("mu", "omega", "alpha", "beta", "scale", "backcast", "loglik")


class StateError(ValueError):
    """A stored state cannot be used: not JSON, another layout version, or inconsistent values."""


def _number(value: float) -> float | None:
    """A float as JSON: finite values round-trip exactly (``repr``), NaN and ±inf become null."""
    value = float(value)
    return value if math.isfinite(value) else None


def _label_to_json(label: Hashable | None) -> object:
    """Index or column label as JSON: None, str, int, or ``{"timestamp": ISO 8601}``."""
    if label is None or isinstance(label, str):
        return label
    if isinstance(label, int | np.integer) and not isinstance(label, bool):
        return int(label)
    if isinstance(label, pd.Timestamp):
        return {"timestamp": label.isoformat()}
    raise StateError(f"cannot store a label of type {type(label).__name__} (use dates, strings or integers)")


def _label_from_json(value: object) -> Hashable | None:
    if value is None or isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    if isinstance(value, dict) and set(value) == {"timestamp"}:
        stamp: Hashable = pd.Timestamp(value["timestamp"])
        return stamp
    raise ValueError(f"bad label {value!r}")


def _finite_array(value: object, shape: tuple[int, ...], name: str) -> np.ndarray:
    array = np.array(value, dtype=float)
    if array.shape != shape or not np.isfinite(array).all():
        raise ValueError(f"{name} is not a finite array of shape {shape}")
    return array


def state_to_json(result: DCCResult) -> str:
    """The fitted model and its filter state as strict JSON (``state_from_json`` reads it back).

    Floats round-trip exactly, so extending a model read back from JSON equals extending the
    original. Non-finite standard errors or log-likelihood are stored as null (read back as NaN).
    """
    names = result.asset_names
    document = {
        "kind": _STATE_KIND,
        "version": STATE_VERSION,
        "model": result.model,
        "dist": result.dist,
        "params": {k: _number(v) for k, v in result.params.items()},
        "std_errors": {k: _number(v) for k, v in result.std_errors.items()},
        "se_method": result.se_method,
        "loglik": _number(result.loglik),
        "converged": bool(result.converged),
        "message": result.message,
        "nobs": int(result.nobs),
        "asset_names": [_label_to_json(name) for name in names],
        "sample_start": _label_to_json(result.sample_start),
        "sample_end": _label_to_json(result.sample_end),
        "state_end": _label_to_json(result.state_end),
        "univariate": [{k: _number(result.univariate[name][k]) for k in _UNIVARIATE_KEYS} for name in names],
        "delta": _number(result.delta),
        **{key: [[_number(v) for v in row] for row in getattr(result, key)] for key in _STATE_MATRICES},
        **{key: [_number(v) for v in getattr(result, key)] for key in _STATE_VECTORS},
    }
    return json.dumps(document, allow_nan=False, separators=(",", ":"))


def state_from_json(text: str | bytes) -> DCCResult:
    """Read a state written by ``state_to_json``; plain data only (nothing is executed).

    Raises
    ------
    StateError
        The text is not JSON, not a DCC state, of another layout version, or inconsistent
        (missing fields, wrong shapes, non-finite parameters, non-positive variances).
    """
    try:
        document = json.loads(text)
    except (TypeError, ValueError) as exc:
        raise StateError(f"not JSON ({type(exc).__name__})") from None
    if not isinstance(document, dict) or document.get("kind") != _STATE_KIND:
        raise StateError("not a DCC model state")
    if document.get("version") != STATE_VERSION:
        raise StateError(f"layout version {document.get('version')!r}, this release reads {STATE_VERSION}")
    try:
        names = tuple(_label_from_json(v) for v in document["asset_names"])
        n = len(names)
        model, dist = document["model"], document["dist"]
        if n < 2 or model not in ("dcc", "adcc") or dist not in ("normal", "t"):
            raise ValueError(f"bad model {model!r}, dist {dist!r} or {n} assets")
        wanted = {"a", "b"} | ({"g"} if model == "adcc" else set()) | ({"nu"} if dist == "t" else set())
        params = {k: float(v) for k, v in document["params"].items()}
        if set(params) != wanted or not all(map(math.isfinite, params.values())):
            raise ValueError(f"params {sorted(params)} are not finite values of {sorted(wanted)}")
        univariate = {}
        for name, given in zip(names, document["univariate"], strict=True):
            uni = {k: float(given[k]) if given[k] is not None else math.nan for k in _UNIVARIATE_KEYS}
            if not all(math.isfinite(uni[k]) for k in _UNIVARIATE_KEYS if k != "loglik") or uni["scale"] <= 0:
                raise ValueError(f"GARCH parameters of {name!r} are not usable")
            univariate[name] = uni
        arrays = {key: _finite_array(document[key], (n, n), key) for key in _STATE_MATRICES}
        arrays |= {key: _finite_array(document[key], (n,), key) for key in _STATE_VECTORS}
        if not (arrays["var_last"] > 0).all() or not (np.diag(arrays["q_last"]) > 0).all():
            raise ValueError("non-positive variance in the filter state")
        return DCCResult(
            model=model,
            dist=dist,
            params=params,
            std_errors={k: math.nan if v is None else float(v) for k, v in document["std_errors"].items()},
            se_method=str(document["se_method"]),
            loglik=math.nan if document["loglik"] is None else float(document["loglik"]),
            converged=bool(document["converged"]),
            message=str(document["message"]),
            nobs=int(document["nobs"]),
            n_assets=n,
            asset_names=names,
            sample_start=_label_from_json(document["sample_start"]),
            sample_end=_label_from_json(document["sample_end"]),
            univariate=univariate,
            delta=float(document["delta"]),
            state_end=_label_from_json(document["state_end"]),
            **arrays,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise StateError(f"inconsistent DCC state ({type(exc).__name__}: {exc})") from None


def effective_n(b: float) -> float:
    """Effective sample size of the DCC memory, ``(1 + b)/(1 − b)``.

    Q_t weights past outer products by ``(1 − b)·b^k``; the Kish effective number of
    observations of those weights, ``1/Σw² = (1 + b)/(1 − b)``, is the convention used for
    the significance of a DCC correlation (≈ 39 for b = 0.95).
    """
    if not 0.0 <= b < 1.0:
        raise ValueError(f"b must lie in [0, 1), got {b}")
    return (1.0 + b) / (1.0 - b)


def corr_significance(corr: np.ndarray, n_eff: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """t statistic and two-sided p-value of correlations against zero.

    ``t = r·sqrt((n − 2)/(1 − r²))`` with ``n − 2`` degrees of freedom. Use the window length
    as ``n`` for rolling Pearson correlations and ``effective_n(b)`` for DCC correlations.

    Parameters
    ----------
    corr : array_like
        Correlations in [−1, 1].
    n_eff : float or array_like
        Sample size (or effective sample size), > 2; broadcast against ``corr``.

    Returns
    -------
    (ndarray, ndarray)
        t statistics (±inf where |r| = 1) and two-sided p-values.
    """
    r = np.asarray(corr, dtype=float)
    n = np.asarray(n_eff, dtype=float)
    if np.any(~(n > 2.0)):
        raise ValueError("n_eff must exceed 2")
    if np.any(~(np.abs(r) <= 1.0)):
        raise ValueError("correlations must lie in [-1, 1]")
    return correlation_t_test(r, n)

def simulate_dcc(
    n_obs: int,
    corr: np.ndarray,
    a: float,
    b: float,
    garch: list[tuple[float, float, float, float]],
    g: float = 0.0,
    nu: float | None = None,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Simulate returns from an (A)DCC(1,1)-GARCH(1,1) with known parameters.

    For tests and benchmarks. The intercept uses ``Q̄ = corr`` and the Gaussian value of
    ``N̄ = E[n n']`` (closed form: 1/2 on the diagonal, ``ρ(1/4 + asin ρ/2π) + sqrt(1−ρ²)/2π``
    off it). The loop over time is inherent: R_t depends on the simulated z_{t−1}.

    Parameters
    ----------
    n_obs : int
        Number of dates T.
    corr : ndarray, shape (N, N)
        Unconditional correlation target Q̄.
    a, b, g : float
        DCC news, persistence and (ADCC) asymmetry parameters.
    garch : list of (mu, omega, alpha, beta)
        GARCH(1,1) per series, in the unit of the simulated returns.
    nu : float, optional
        Degrees of freedom of unit-variance multivariate Student-t shocks; normal if None.
    seed : int
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    (ndarray, ndarray)
        Returns, shape (T, N), and the true correlation matrices R_t, shape (T, N, N).
    """
    rng = np.random.default_rng(seed)
    qbar = np.asarray(corr, dtype=float)
    n = qbar.shape[0]
    rho = np.clip(qbar, -1.0, 1.0)
    nbar = rho * (0.25 + np.arcsin(rho) / (2.0 * math.pi)) + np.sqrt(1.0 - rho**2) / (2.0 * math.pi)
    np.fill_diagonal(nbar, 0.5)
    intercept = (1.0 - a - b) * qbar - g * nbar
    shocks = rng.standard_normal((n_obs, n))
    if nu is not None:
        shocks *= np.sqrt((nu - 2.0) / rng.chisquare(nu, size=(n_obs, 1)))
    mu, omega, alpha, beta = (np.array(p, dtype=float) for p in zip(*garch, strict=True))
    var = omega / (1.0 - alpha - beta)
    q = qbar.copy()
    z_prev = np.zeros(n)
    r_path = np.empty((n_obs, n, n))
    out = np.empty((n_obs, n))
    for t in range(n_obs):
        if t > 0:
            n_prev = np.minimum(z_prev, 0.0)
            q = intercept + a * np.outer(z_prev, z_prev) + g * np.outer(n_prev, n_prev) + b * q
        sd = np.sqrt(np.diag(q))
        r_t = q / np.outer(sd, sd)
        z_prev = np.linalg.cholesky(r_t) @ shocks[t]
        eps = np.sqrt(var) * z_prev
        out[t] = mu + eps
        r_path[t] = r_t
        var = omega + alpha * eps**2 + beta * var
    return out, r_path
