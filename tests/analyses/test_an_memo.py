"""The replay's memo of model fits: a hit only for equal content, never for an object's identity."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from seesaw.analyses.core import Memo, content_digest
from seesaw.analyses.settings import Pair


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
    with pytest.raises(TypeError, match="cannot key a memo on a object"):
        content_digest(object())
