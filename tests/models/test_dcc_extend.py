"""seesaw.models.dcc: extending the path from stored state, and correlation significance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from seesaw.models.dcc import corr_significance, dcc_correlations, effective_n, extend_dcc, fit_dcc, simulate_dcc

GARCH_3 = [(0.04, 0.02, 0.08, 0.90), (0.01, 0.005, 0.05, 0.94), (0.0, 0.03, 0.1, 0.85)]
CORR_3 = np.array([[1.0, -0.3, 0.2], [-0.3, 1.0, 0.1], [0.2, 0.1, 1.0]])


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    ret, _ = simulate_dcc(3_000, CORR_3, a=0.03, b=0.94, g=0.02, garch=GARCH_3, seed=11)
    return pd.DataFrame(ret, index=pd.bdate_range("2000-01-03", periods=len(ret)), columns=["spx", "ust10", "gold"])


@pytest.fixture(scope="module", params=["dcc", "adcc"])
def fit_head(request, sample):
    """Fit on all but the last 20 dates."""
    return fit_dcc(sample.iloc[:-20], model=request.param)


def test_full_pass_reproduces_fitted_state(sample, fit_head):
    head = sample.iloc[:-20]
    _, same = extend_dcc(fit_head, head.iloc[:0])
    assert same is fit_head
    long = dcc_correlations(fit_head, head)
    q = fit_head.q_last
    last = long["corr"].to_numpy()[-3:]
    expected = [q[i, j] / np.sqrt(q[i, i] * q[j, j]) for i, j in ((0, 1), (0, 2), (1, 2))]
    np.testing.assert_allclose(last, expected, rtol=0, atol=1e-14)


def test_extend_one_day_equals_full_pass(sample, fit_head):
    head_len = len(sample) - 20
    rows, extended = extend_dcc(fit_head, sample.iloc[head_len : head_len + 1])
    full = dcc_correlations(fit_head, sample.iloc[: head_len + 1])
    tail = full.iloc[-3:].reset_index(drop=True)
    pd.testing.assert_frame_equal(rows[["obs_date", "asset_a", "asset_b"]], tail[["obs_date", "asset_a", "asset_b"]])
    np.testing.assert_allclose(rows["corr"].to_numpy(), tail["corr"].to_numpy(), rtol=0, atol=1e-10)
    assert extended.state_end == sample.index[head_len]
    assert extended.params == fit_head.params
    assert fit_head.state_end == sample.index[head_len - 1]  # the original is untouched


def test_extend_in_chunks_equals_full_pass(sample, fit_head):
    head_len = len(sample) - 20
    state, pieces = fit_head, []
    for lo, hi in ((0, 1), (1, 8), (8, 9), (9, 20)):
        rows, state = extend_dcc(state, sample.iloc[head_len + lo : head_len + hi])
        pieces.append(rows)
    got = pd.concat(pieces, ignore_index=True)
    want = dcc_correlations(fit_head, sample).iloc[-60:].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=0, atol=1e-10)
    _, one_state = extend_dcc(fit_head, sample.iloc[head_len:])
    np.testing.assert_allclose(one_state.q_last, state.q_last, rtol=0, atol=1e-12)
    np.testing.assert_allclose(one_state.var_last, state.var_last, rtol=0, atol=1e-12)
    # a refit is not what extend does: the fitted parameters stay as they were
    assert state.params == fit_head.params and state.nobs == fit_head.nobs


def test_extend_rejects_overlap_and_wrong_columns(sample, fit_head):
    with pytest.raises(ValueError, match="not after the stored state"):
        extend_dcc(fit_head, sample.iloc[-25:-19])
    with pytest.raises(ValueError, match="do not match"):
        extend_dcc(fit_head, sample.iloc[-20:, ::-1])


def test_corr_significance_known_values():
    r = np.array([0.0, 0.3, -0.5, 1.0])
    t, p = corr_significance(r, 30)
    np.testing.assert_allclose(t[:3], r[:3] * np.sqrt(28 / (1 - r[:3] ** 2)))
    assert t[3] == np.inf and p[3] == 0.0
    assert p[0] == 1.0
    assert p[1] == pytest.approx(2 * stats.t.sf(0.3 * np.sqrt(28 / 0.91), 28))
    # agrees with scipy's Pearson test on a sample of size n
    x, y = np.random.default_rng(0).standard_normal((2, 40))
    ref = stats.pearsonr(x, y)
    _, p_s = corr_significance(ref.statistic, 40)
    assert p_s == pytest.approx(ref.pvalue, rel=1e-9)
    with pytest.raises(ValueError):
        corr_significance(r, 2)


def test_effective_n():
    assert effective_n(0.95) == pytest.approx(39.0)
    assert effective_n(0.0) == 1.0
    # Kish effective size of the weights (1 − b)·b^k
    w = (1 - 0.9) * 0.9 ** np.arange(2000)
    assert effective_n(0.9) == pytest.approx(w.sum() ** 2 / (w**2).sum())
    with pytest.raises(ValueError):
        effective_n(1.0)
