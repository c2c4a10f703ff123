"""seesaw.models.dcc: the stored state is versioned JSON that round-trips exactly and never executes."""

from __future__ import annotations

import json
import math
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from seesaw.models.dcc import (
    STATE_VERSION,
    StateError,
    dcc_correlations,
    extend_dcc,
    fit_dcc,
    simulate_dcc,
    state_from_json,
    state_to_json,
)

GARCH_2 = [(0.04, 0.02, 0.08, 0.90), (0.01, 0.005, 0.05, 0.94)]
CORR_2 = np.array([[1.0, -0.3], [-0.3, 1.0]])


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    ret, _ = simulate_dcc(1_500, CORR_2, a=0.03, b=0.94, g=0.02, garch=GARCH_2, seed=5)
    return pd.DataFrame(ret, index=pd.bdate_range("2001-01-02", periods=len(ret)), columns=["spx", "ust10"])


@pytest.fixture(scope="module", params=[("dcc", "normal"), ("adcc", "t")])
def fitted(request, sample):
    model, dist = request.param
    return fit_dcc(sample.iloc[:-10], model=model, dist=dist)


def test_state_round_trips_exactly_and_extends_like_the_original(sample, fitted) -> None:
    text = state_to_json(fitted)
    back = state_from_json(text)
    assert json.loads(text)["version"] == STATE_VERSION
    for field in ("model", "dist", "params", "se_method", "converged", "message", "nobs", "n_assets",
                  "asset_names", "sample_start", "sample_end", "univariate", "delta", "state_end"):
        assert getattr(back, field) == getattr(fitted, field), field
    assert back.loglik == fitted.loglik
    assert {k: v for k, v in back.std_errors.items() if math.isfinite(v)} == \
        {k: v for k, v in fitted.std_errors.items() if math.isfinite(v)}
    for field in ("qbar", "nbar", "q_last", "z_last", "n_last", "var_last", "resid_last"):
        np.testing.assert_array_equal(getattr(back, field), getattr(fitted, field))
    new = sample.iloc[-10:]
    rows_back, state_back = extend_dcc(back, new)
    rows, state = extend_dcc(fitted, new)
    pd.testing.assert_frame_equal(rows_back, rows, check_exact=True)
    full = dcc_correlations(fitted, sample).iloc[-len(rows):].reset_index(drop=True)
    np.testing.assert_allclose(rows_back["corr"].to_numpy(), full["corr"].to_numpy(), rtol=0, atol=1e-10)
    assert state_from_json(state_to_json(state_back)).state_end == sample.index[-1]


def test_non_finite_standard_errors_are_stored_as_null(fitted) -> None:
    import dataclasses

    text = state_to_json(dataclasses.replace(fitted, std_errors={**fitted.std_errors, "a": math.nan}))
    assert "NaN" not in text and json.loads(text)["std_errors"]["a"] is None
    assert math.isnan(state_from_json(text).std_errors["a"])


class _Exploit:
    """A pickle that would create a file when unpickled."""

    marker: Path

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def _edited(text: str, **changes) -> str:
    document = json.loads(text)
    document.update(changes)
    return json.dumps(document)


def test_unusable_states_raise_state_error_and_execute_nothing(fitted, tmp_path: Path) -> None:
    exploit = _Exploit()
    exploit.marker = tmp_path / "pwned"
    good = state_to_json(fitted)
    n = fitted.n_assets
    bad = {
        "pickle": pickle.dumps(exploit),
        "garbage": "\x00not json at all",
        "empty": "",
        "json list": "[1, 2, 3]",
        "other kind": _edited(good, kind="something.else"),
        "old version": _edited(good, version=0),
        "future version": _edited(good, version=STATE_VERSION + 1),
        "missing field": json.dumps({k: v for k, v in json.loads(good).items() if k != "q_last"}),
        "wrong shape": _edited(good, qbar=[[1.0] * (n + 1)] * n),
        "nan in state": _edited(good, q_last=[[None] * n] * n),
        "negative variance": _edited(good, var_last=[-1.0] * n),
        "unknown model": _edited(good, model="bekk"),
        "missing parameter": _edited(good, params={"a": 0.02}),
        "bad label": _edited(good, state_end={"exec": "os.system"}),
    }
    for case, text in bad.items():
        try:
            state_from_json(text)
        except StateError:
            continue
        pytest.fail(f"{case}: accepted as a DCC state")
    assert not exploit.marker.exists()
    pickle.loads(pickle.dumps(exploit))  # the exploit is real: unpickling it does create the file
    assert exploit.marker.exists()
