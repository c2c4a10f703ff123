"""Phases of a correlation cycle: a synthetic path with known turns, and the minimum span."""
import numpy as np
import pandas as pd
import pytest

from seesaw.transforms.phases import correlation_phases


def _path(legs: list[tuple[int, float]], start: float = -0.5, noise: float = 0.0) -> pd.Series:
    """Piecewise-linear correlation path: (months, end value) per leg, month ends from 2010-01."""
    values = [start]
    for months, end in legs:
        values.extend(np.linspace(values[-1], end, months + 1)[1:])
    rng = np.random.default_rng(11)
    return pd.Series(np.array(values) + rng.normal(0, noise, len(values)),
                     index=pd.date_range("2010-01-31", periods=len(values), freq="ME"))


def test_known_phases_turn_at_the_peak_and_trough() -> None:
    path = _path([(90, 0.1), (56, -0.55), (44, -0.25)], noise=0.005)  # peak month 90, trough month 146
    phases = correlation_phases(path, change_periods=12, min_span=6)
    assert list(phases["phase"]) == ["rising", "falling", "rising"]
    assert abs(path.index.get_loc(phases["end_date"].iloc[0]) - 90) <= 1
    assert abs(path.index.get_loc(phases["end_date"].iloc[1]) - 146) <= 1
    assert phases["start_date"].iloc[0] == path.index[0] and phases["end_date"].iloc[-1] == path.index[-1]
    assert list(phases["ongoing"]) == [False, False, True]
    assert (phases["start_date"].iloc[1:].to_numpy() == phases["end_date"].iloc[:-1].to_numpy()).all()
    # a turn is recognized after it happens (the 12-month change has to change sign first)
    assert (phases["recognized_date"].iloc[1:].to_numpy() > phases["start_date"].iloc[1:].to_numpy()).all()
    assert phases["corr_end"].iloc[0] == pytest.approx(path.iloc[:100].max())


def test_a_dip_shorter_than_the_minimum_span_is_not_a_phase() -> None:
    path = _path([(60, 0.1), (3, -0.4), (3, 0.15), (40, 0.5)])  # a 3-month dip inside a rise
    assert list(correlation_phases(path, 12, 6)["phase"]) == ["rising"]
    short = correlation_phases(path, 12, 1)
    assert list(short["phase"]) == ["rising", "falling", "rising"]
    assert short["end_date"].iloc[0] == path.index[60]


def test_a_path_no_longer_than_the_change_has_no_phases() -> None:
    assert correlation_phases(_path([(10, 0.1)]), 12, 6).empty
