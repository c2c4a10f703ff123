"""The replay's memo of model fits: a hit only for equal content, never for an object's identity."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import pytest

from seesaw.analyses.core import Memo, content_digest
from seesaw.analyses.settings import Pair


@dataclass(frozen=True)
class _Fit:
    loadings: pd.Series
    factors: int


def test_equal_content_hits_and_any_change_misses() -> None:
    calls: list[int] = []

    def fit(frame: pd.DataFrame, *, scale: float) -> float:
        calls.append(1)
        return float(frame.to_numpy().sum() * scale)

    memo = Memo(8)
    frame = pd.DataFrame({"a": [1.0, 2.0]}, index=pd.to_datetime(["2020-01-31", "2020-02-29"]))
    assert memo(fit, frame, scale=2.0) == 6.0
    assert memo(fit, frame.copy(), scale=2.0) == 6.0  # an equal copy: no second fit
    assert len(calls) == 1 and memo.hits == 1
    changed_value = frame.assign(a=[1.0, 2.5])
    changed_index = frame.set_axis(pd.to_datetime(["2020-01-31", "2020-03-31"]))
    changed_name = frame.rename(columns={"a": "b"})
    for other, scale in ((changed_value, 2.0), (changed_index, 2.0), (changed_name, 2.0), (frame, 3.0)):
        memo(fit, other, scale=scale)
    assert len(calls) == 5


def test_size_bounds_the_entries_and_zero_keeps_nothing() -> None:
    calls: list[int] = []

    def square(x: int) -> int:
        calls.append(x)
        return x * x

    memo = Memo(2)
    for x in (1, 2, 1, 3, 2, 1):  # 1 stays recent; 2 is dropped when 3 arrives
        memo(square, x)
    assert calls == [1, 2, 3, 2, 1]
    off = Memo(0)
    off(square, 5)
    off(square, 5)
    assert calls[-2:] == [5, 5] and off.hits == 0


def test_digest_covers_settings_arrays_and_refuses_other_objects() -> None:
    pair = Pair(market="US", equity="us_spx", bond="us_10y", bond_maturity_years=10, freq="M", windows=[36])
    assert content_digest(pair) == content_digest(pair.model_copy())
    assert content_digest(pair) != content_digest(pair.model_copy(update={"windows": [24]}))
    assert content_digest(np.arange(3.0)) != content_digest(np.arange(3))  # dtype is content
    assert content_digest((date(2020, 1, 1), None, "x")) == content_digest((date(2020, 1, 1), None, "x"))
    fit = _Fit(pd.Series([1.0, 2.0]), 3)  # a model fit: its fields are its content
    assert content_digest(fit) == content_digest(_Fit(fit.loadings.copy(), 3))
    assert content_digest(fit) != content_digest(_Fit(fit.loadings * 2, 3))
    assert content_digest(fit) != content_digest(_Fit(fit.loadings, 4))
    with pytest.raises(TypeError, match="cannot key a memo on a object"):
        content_digest(object())
    with pytest.raises(TypeError, match="cannot key a memo on a object"):
        content_digest(_Fit(pd.Series([1.0]), object()))  # type: ignore[arg-type]



def _scaled_rows(frame: pd.DataFrame, scale: float) -> pd.DataFrame:
    """A row-by-row function: each date's output rows from its row only."""
    out = frame.mul(scale).stack().rename("value").reset_index()
    return out.set_axis(["obs_date", "column", "value"], axis=1)


def test_rows_extends_the_previous_output_with_the_new_rows_only() -> None:
    index = pd.bdate_range("2024-01-01", periods=300)
    full = pd.DataFrame({"a": np.arange(300.0), "b": np.sqrt(np.arange(300.0))}, index=index)
    full.iloc[7, 1] = np.nan  # NaNs compare equal in the start check
    seen: list[int] = []

    def counted(frame: pd.DataFrame, scale: float) -> pd.DataFrame:
        seen.append(len(frame))
        return _scaled_rows(frame, scale)

    memo = Memo(8)
    for n in (250, 251, 251, 255):  # a replay's days: one new row, none, four
        pd.testing.assert_frame_equal(memo.rows(counted, full.iloc[:n], 2.0), _scaled_rows(full.iloc[:n], 2.0))
    assert seen == [250, 1, 4]
    revised = full.iloc[:256].copy()
    revised.iloc[10, 0] = -1.0  # an earlier value revised: everything again
    for frame, scale in ((revised, 2.0), (revised, 3.0), (revised.iloc[:200], 3.0)):  # other arguments, shorter
        pd.testing.assert_frame_equal(memo.rows(counted, frame, scale), _scaled_rows(frame, scale))
    assert seen[3:] == [256, 256, 200]
    off = Memo(0)
    off.rows(counted, full, 1.0)
    off.rows(counted, full, 1.0)
    assert seen[-2:] == [300, 300]
