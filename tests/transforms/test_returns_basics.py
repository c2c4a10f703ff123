"""Returns: bond math checked against exact repricing; resampling and compounding conventions."""
import numpy as np
import pandas as pd
import pytest

from seesaw.transforms.returns import (
    bond_returns_from_yields,
    compound,
    overlapping_returns,
    par_bond_risk,
    resample_last,
    series_returns,
    yield_changes_bp,
)


def _price(y_pct: float, coupon_pct: float, years: float, m: int = 2) -> float:
    k = np.arange(1, int(years * m) + 1)
    cash = np.full(k.shape, coupon_pct / 100 / m)
    cash[-1] += 1.0
    return float((cash * (1 + y_pct / 100 / m) ** -k).sum())


@pytest.mark.parametrize("y", [0.5, 4.0, 15.0])
@pytest.mark.parametrize("years", [2, 10, 30])
def test_par_bond_duration_and_convexity_match_finite_differences(y: float, years: int) -> None:
    h = 1e-3  # percent
    p0, up, down = _price(y, y, years), _price(y + h, y, years), _price(y - h, y, years)
    duration, convexity = par_bond_risk(np.array([y]), years)
    assert p0 == pytest.approx(1.0)
    assert duration[0] == pytest.approx(-(up - down) / (2 * h / 100) / p0, rel=1e-6)
    assert convexity[0] == pytest.approx((up + down - 2 * p0) / (h / 100) ** 2 / p0, rel=1e-4)


def test_bond_return_approximates_exact_repricing() -> None:
    idx = pd.date_range("2020-01-31", periods=3, freq="ME")
    y = pd.Series([4.0, 4.25, 3.9], index=idx)
    ret = bond_returns_from_yields(y, 10, "M")
    # exact: hold a par bond for one month (ignore the month of roll-down) and reprice it
    exact = [_price(4.25, 4.0, 10) - 1 + 0.04 / 12, _price(3.9, 4.25, 10) - 1 + 0.0425 / 12]
    assert ret.to_numpy() == pytest.approx(exact, abs=2e-5)
    assert np.sign(ret.to_numpy()).tolist() == [-1.0, 1.0]
    assert yield_changes_bp(y).to_numpy() == pytest.approx([25.0, -35.0])


def test_resample_and_compound_conventions() -> None:
    days = pd.bdate_range("2024-01-01", "2024-03-29")
    levels = pd.Series(np.linspace(100, 110, len(days)), index=days)
    monthly = resample_last(levels, "M")
    assert list(monthly.index.strftime("%Y-%m-%d")) == ["2024-01-31", "2024-02-29", "2024-03-31"]
    assert monthly.iloc[-1] == 110
    daily_ret = levels.pct_change().dropna()
    q = compound(daily_ret, "Q")
    assert q.iloc[0] == pytest.approx(110 / levels.iloc[0] - 1)
    weekly = resample_last(levels, "W")
    assert (weekly.index.dayofweek == 4).all()


def test_overlapping_returns_compound_k_periods() -> None:
    r = pd.Series([0.1, -0.05, 0.02, 0.03])
    out = overlapping_returns(r, 3)
    assert out.to_numpy() == pytest.approx([1.1 * 0.95 * 1.02 - 1, 0.95 * 1.02 * 1.03 - 1])


def test_series_returns_dispatch_by_kind() -> None:
    idx = pd.date_range("2020-01-01", periods=4, freq="MS")
    pct = pd.Series([1.0, 2.0, -1.0, 0.5], index=idx)
    assert series_returns(pct, "return", "M")["total_return"].to_numpy() == pytest.approx([0.01, 0.02, -0.01, 0.005])
    bases = series_returns(pct + 4, "yield", "M", 10)
    assert set(bases) == {"bond_return_from_yield", "yield_change_bp"}
    with pytest.raises(ValueError, match="maturity"):
        series_returns(pct + 4, "yield", "M")


def test_resample_last_equals_pandas_resampling_on_irregular_series() -> None:
    """The period-code pass gives what ``resample(...).last().dropna()`` gives: weekly (Friday),
    monthly and quarterly, with gaps, missing values, weekends and unsorted input."""
    rng = np.random.default_rng(7)
    days = pd.date_range("1990-01-01", "2026-12-31")
    rules = {"W": "W-FRI", "M": "ME", "Q": "QE"}
    for _ in range(40):
        n = int(rng.integers(1, 2000))
        index = pd.DatetimeIndex(rng.choice(days.to_numpy(), n, replace=False), name="obs_date")
        series = pd.Series(rng.normal(size=n), index=index, name="x")
        series[rng.random(n) < 0.1] = np.nan
        for freq, rule in rules.items():
            expected = series.dropna().sort_index().resample(rule).last().dropna()
            pd.testing.assert_series_equal(resample_last(series, freq), expected, check_freq=False)
